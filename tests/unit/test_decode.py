"""Encoding detection: a damaged line does not refuse a file, a binary file is refused."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from ingest.decode import EncodingError, binary_reason, detect_encoding, open_text

GOOD = "日付,取引先名,区分,金額\n2025-04-01,株式会社山陰,売上,100\n2025-04-02,鳥取商事,売上,200\n"


@pytest.mark.parametrize("encoding", ["utf-8", "cp932"])
def test_clean_text(encoding: str) -> None:
    assert detect_encoding(GOOD.encode(encoding)) == encoding
    assert binary_reason(GOOD.encode(encoding)) is None


def test_bom() -> None:
    assert detect_encoding(codecs.BOM_UTF8 + GOOD.encode()) == "utf-8-sig"


def test_one_bad_line_keeps_utf8() -> None:
    """A UTF-8 file with one undecodable line stays UTF-8 (not cp932 mojibake)."""
    sample = GOOD.encode() + b"2025-04-03,\xff\xfe\x80,x,1\n" + "2025-04-04,米子,売上,3\n".encode()
    assert detect_encoding(sample) == "utf-8"


def test_one_bad_line_keeps_cp932() -> None:
    sample = GOOD.encode("cp932") + "2025-04-04,米子,売上,3\n".encode("cp932") + b"\x81\n"
    assert detect_encoding(sample) == "cp932"


def test_stray_nul_is_text_and_kept(tmp_path: Path) -> None:
    data = GOOD.encode() + b"2025-04-03,A\x00,x,1\n"
    assert binary_reason(data) is None and detect_encoding(data) == "utf-8"
    path = tmp_path / "n.csv"
    path.write_bytes(data)
    stream, _ = open_text(path)
    with stream:
        assert "A\x00" in stream.read()  # the reader rejects that line


@pytest.mark.parametrize(("data", "why"), [
    (b"PK\x03\x04" + bytes(range(256)) * 16, "spreadsheet"),
    (b"%PDF-1.7\n" + bytes(range(32)) * 64, "binary file"),
    (GOOD.encode("utf-16"), "UTF-16"),
    (GOOD.encode("utf-16-le"), "UTF-16"),
    (GOOD.encode("utf-16-be"), "UTF-16"),
])
def test_binary_and_utf16_are_refused(data: bytes, why: str) -> None:
    reason = binary_reason(data)
    assert reason is not None and why in reason
    with pytest.raises(EncodingError, match=why):
        detect_encoding(data)


def test_zengin_eof_byte_is_text() -> None:
    record = b"1" + b"0" * 119
    assert binary_reason(record * 3 + b"\x1a") is None


def _by_count(sample: bytes) -> str:
    """The rule, by counting every line (what detect_encoding decides faster)."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    lines = [ln for ln in sample.split(b"\n")[:-1] if not ln.isascii()] or [sample]
    for enc in ("utf-8", "cp932"):
        ok = 0
        for ln in lines:
            try:
                ln.decode(enc)
                ok += 1
            except UnicodeDecodeError:
                pass
        if ok * 2 > len(lines):
            return enc
    return "neither"


def test_the_encoding_is_what_counting_every_line_decides() -> None:
    """Mixtures of UTF-8, cp932 and damaged lines, a line cut inside a
    character: the early exits change no decision."""
    import random

    rng = random.Random(5)
    kinds = [
        lambda: "2025-04-01,株式会社山陰,売上,100".encode(),
        lambda: "2025-04-01,株式会社山陰,売上,100".encode("cp932"),
        lambda: b"2025-04-03,\xff\xfe\x80,x,1",
        lambda: "鳥取".encode("cp932")[:3],  # cut inside a character
        lambda: "ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ".encode("cp932"),
        lambda: b"\x81",
    ]
    for _ in range(400):
        lines = [kinds[rng.randrange(len(kinds))]() for _ in range(rng.randrange(1, 12))]
        sample = b"\n".join(lines) + (b"\n" if rng.random() < 0.8 else b"")
        try:
            got = detect_encoding(sample)
        except EncodingError:
            got = "neither"
        assert got == _by_count(sample), sample


def test_line_texts_reads_a_files_lines_by_number(tmp_path: Path) -> None:
    """The raw text of a rejected row whose reader kept none: decoded as the
    readers decode the file (here cp932, CRLF), by physical line number."""
    from ingest.decode import LineTexts

    path = tmp_path / "sjis.csv"
    path.write_bytes("日付,取引先,金額\r\n2025-04-01,㈱髙橋商店,100\r\n2099-01-01,株式会社エー,200\r\n".encode("cp932"))
    texts = LineTexts(path, limit=12)
    try:
        assert texts.get(3) == "2099-01-01,株"  # at most `limit` characters
        assert texts.get(2) == "2025-04-01,㈱"  # an earlier line: read again from the start
        assert texts.get(9) == ""  # past the end
    finally:
        texts.close()


def test_an_euc_jp_file_is_told_how_to_save_it() -> None:
    """An EUC-JP ledger was refused as "not UTF-8 and not Shift_JIS" with no advice."""
    from api.web.i18n import locale_for
    from api.web.reasons import reject_reason

    data = ("日付,取引先名,区分,金額\n2025-04-01,株式会社鳥取産業,売上,1000\n" * 20).encode("euc_jp")
    with pytest.raises(EncodingError) as refused:
        detect_encoding(data)
    assert str(refused.value).endswith("(EUC-JP or another encoding): save it as UTF-8 or Shift_JIS")
    assert reject_reason(str(refused.value), locale_for("ja")).endswith("UTF-8 か Shift_JIS で保存し直してから取り込んでください")
