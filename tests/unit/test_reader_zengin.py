"""全銀 総合振込 reader: the external samples (every field), defects, year choice, properties."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.readers import zengin
from ingest.readers.detect import Format, FormatError, detect_format
from ingest.readers.zengin import (
    ZenginData,
    ZenginHeader,
    ZenginTrailer,
    choose_year,
    iter_zengin_records,
    parse_zengin_file,
    read_zengin,
)
from ingest.records import Counterparty, Direction, LedgerLine, Reject, Skipped
from tests.conftest import SHARED_DATA

EXT = SHARED_DATA / "external"
FIX = Path(__file__).resolve().parents[1] / "fixtures" / "ledgers"
PROP = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
TODAY = dt.date(2025, 3, 1)

SAMPLE_HEADER = ZenginHeader(
    kind="21", code_type="0", requester_code="1234560789", requester_name="ｽﾗﾋﾞ",
    transfer_mmdd="0225", bank_code="0009", bank_name="ﾐﾂｲｽﾐﾄﾓ", branch_code="825",
    branch_name="ｱｶｻｶ", account_type="1", account_number="9876543")
TOKYO_TOMIN = ZenginData(
    bank_code="0137", bank_name="ﾄｳｷﾖｳﾄﾐﾝ", branch_code="031", branch_name="ｼﾌﾞﾔ",
    clearing_house="0000", account_type="1", account_number="1231990",
    recipient_name="ﾃｽﾄｰ.ｶﾌﾞｼｷｶﾞｲｼﾔ", amount=1103661, new_code="0", customer_code1="",
    customer_code2="", transfer_type="7", edi_flag="")


def test_single_transaction_sample_every_field() -> None:
    f = parse_zengin_file(EXT / "zengin_sogo_furikomi_single-transaction.txt", year=2025)
    assert f.header == SAMPLE_HEADER
    assert f.records == [(2, TOKYO_TOMIN)]
    assert f.trailer == ZenginTrailer(count=1, total=1103661)
    assert f.has_end and f.date == dt.date(2025, 2, 25)


def test_multi_transaction_sample_every_field() -> None:
    f = parse_zengin_file(EXT / "zengin_sogo_furikomi_multi-transaction.txt", year=2025)
    assert f.header == ZenginHeader(**{**_asdict(SAMPLE_HEADER), "transfer_mmdd": "0312"})
    second = ZenginData(
        bank_code="0005", bank_name="ﾐﾂﾋﾞｼﾄｳｷﾖｳUFJ", branch_code="024", branch_name="ｷﾞﾝｻﾞﾄﾞｵﾘ",
        clearing_house="0000", account_type="1", account_number="2275535",
        recipient_name="ｶ)ｾﾞﾝｷﾞﾝ", amount=599300, new_code="0", customer_code1="",
        customer_code2="", transfer_type="7", edi_flag="")
    first = ZenginData(**{**_asdict(TOKYO_TOMIN), "account_type": "2"})
    assert f.records == [(2, first), (3, second)]
    assert f.trailer == ZenginTrailer(count=2, total=1_702_961)
    assert f.has_end and f.date == dt.date(2025, 3, 12)


def test_empty_sample() -> None:
    f = parse_zengin_file(EXT / "zengin_sogo_furikomi_empty.txt", year=2025)
    assert f.header == SAMPLE_HEADER and f.records == []
    assert f.trailer == ZenginTrailer(count=0, total=0) and f.has_end
    assert list(read_zengin(EXT / "zengin_sogo_furikomi_empty.txt", year=2025)) == []


def _asdict(x: ZenginHeader | ZenginData) -> dict[str, object]:
    return {k: getattr(x, k) for k in x.__slots__}


def test_multi_sample_as_ledger_lines() -> None:
    name = str(EXT / "zengin_sogo_furikomi_multi-transaction.txt")
    got = list(read_zengin(Path(name), today=TODAY))
    d = dt.date(2025, 3, 12)
    assert got == [
        LedgerLine(name, 2, d, Direction.PAYMENT, 1103661,
                   Counterparty("ﾃｽﾄｰ.ｶﾌﾞｼｷｶﾞｲｼﾔ", bank_account="0137-031-1231990"),
                   memo="ﾄｳｷﾖｳﾄﾐﾝ ｼﾌﾞﾔ"),
        LedgerLine(name, 3, d, Direction.PAYMENT, 599300,
                   Counterparty("ｶ)ｾﾞﾝｷﾞﾝ", bank_account="0005-024-2275535"),
                   memo="ﾐﾂﾋﾞｼﾄｳｷﾖｳUFJ ｷﾞﾝｻﾞﾄﾞｵﾘ"),
    ]
    assert sum(r.amount for r in got if isinstance(r, LedgerLine)) == 1_702_961


def test_samples_are_untouched() -> None:
    sizes = {p.name: p.stat().st_size for p in EXT.glob("zengin_*.txt")}
    assert sizes == {"zengin_sogo_furikomi_empty.txt": 364,
                     "zengin_sogo_furikomi_multi-transaction.txt": 608,
                     "zengin_sogo_furikomi_single-transaction.txt": 486}


@pytest.mark.parametrize(("today", "mmdd", "expected"), [
    (dt.date(2025, 3, 1), (2, 25), dt.date(2025, 2, 25)),
    (dt.date(2025, 1, 5), (12, 28), dt.date(2024, 12, 28)),
    (dt.date(2024, 12, 28), (1, 6), dt.date(2025, 1, 6)),
    (dt.date(2025, 3, 1), (2, 29), dt.date(2024, 2, 29)),
    # a March transfer in a file made (or received) in December is last March's, not next March's
    (dt.date(2026, 12, 7), (3, 12), dt.date(2026, 3, 12)),
    (dt.date(2026, 12, 7), (2, 2), dt.date(2026, 2, 2)),
    # up to a month ahead is the coming date: a file made days before its transfer
    (dt.date(2026, 12, 20), (1, 15), dt.date(2027, 1, 15)),
    (dt.date(2026, 12, 7), (1, 7), dt.date(2027, 1, 7)),
    (dt.date(2026, 12, 7), (1, 8), dt.date(2026, 1, 8)),
])
def test_choose_year_near_today(today: dt.date, mmdd: tuple[int, int],
                                      expected: dt.date) -> None:
    assert choose_year(*mmdd, today=today) == expected


def test_choose_year_impossible() -> None:
    with pytest.raises(ValueError):
        choose_year(13, 1, today=TODAY)


@pytest.mark.parametrize("name", ["zengin_lf.txt", "zengin_no_linebreaks.txt"])
def test_line_ends_lf_and_none(name: str) -> None:
    got = list(read_zengin(FIX / name, year=2025))
    assert [(r.line, r.amount, r.counterparty.name, r.counterparty.bank_account, r.entry_id)
            for r in got if isinstance(r, LedgerLine)] == [
        (2, 100000, "ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ", "0005-024-1111111", "INV-001"),
        (3, 55000, "ｽｽﾞｷ ｲﾁﾛｳ", "0009-100-2222222", "INV-001")]
    assert len(got) == 2
    assert all(r.date == dt.date(2025, 7, 15) for r in got if isinstance(r, LedgerLine))


def test_defects_fixture() -> None:
    got = {r.line: r for r in read_zengin(FIX / "zengin_defects.txt", year=2025)}
    assert sorted(got) == [2, 3, 4, 5, 6, 7, 8]
    assert isinstance(got[2], LedgerLine) and got[2].amount == 100000
    assert isinstance(got[6], LedgerLine) and got[6].amount == 30000
    reasons = {n: (r.column, r.reason) for n, r in got.items() if isinstance(r, Reject)}
    assert reasons == {
        3: ("record", "record is 117 bytes, expected 120"),
        4: ("振込金額", "振込金額 (bytes 81–90) must be digits: '00000ABCDE'"),
        5: ("データ区分", "unknown data type '3' (1, 2, 8 or 9)"),
        7: ("trailer", "trailer says 3 records, ¥999,999; found 4 records, ¥130,000 "
                       "(2 with unreadable amounts)"),
        8: ("データ区分", "data record after the trailer at line 7 (no new header)"),
    }


def test_payroll_file_is_skipped() -> None:
    got = list(read_zengin(FIX / "zengin_payroll.txt", year=2025))
    assert len(got) == 1 and isinstance(got[0], Skipped) and "給与振込" in got[0].reason


def test_local_government_bonus_file_is_skipped() -> None:
    """種別 72 (賞与振込, 地方公務員): detected as 全銀, its transfer Skipped as payroll."""
    assert detect_format(FIX / "zengin_payroll_72.txt") is Format.ZENGIN
    got = list(read_zengin(FIX / "zengin_payroll_72.txt", year=2025))
    assert [(type(r).__name__, r.line) for r in got] == [("Skipped", 2)]
    assert isinstance(got[0], Skipped) and "賞与振込（地方公務員）" in got[0].reason
    assert "payroll" in got[0].reason


# --- record separators ---------------------------------------------------------
# zengin_multi_<sep>[_eof].txt: the records of the external multi-transaction sample
# (devture/zengin-generator) joined by each separator; see make_fixtures.zengin_separators.

MULTI_EXPECTED = [
    (2, 1103661, "ﾃｽﾄｰ.ｶﾌﾞｼｷｶﾞｲｼﾔ", "0137-031-1231990", "ﾄｳｷﾖｳﾄﾐﾝ ｼﾌﾞﾔ"),
    (3, 599300, "ｶ)ｾﾞﾝｷﾞﾝ", "0005-024-2275535", "ﾐﾂﾋﾞｼﾄｳｷﾖｳUFJ ｷﾞﾝｻﾞﾄﾞｵﾘ"),
]
SEPARATORS = {"crlf": b"\r\n", "lf": b"\n", "cr": b"\r", "none": b""}


def _as_rows(got: list[LedgerLine | Reject | Skipped]) -> list[tuple[int, int, str, str, str]]:
    assert all(isinstance(r, LedgerLine) for r in got), got
    return [(r.line, r.amount, r.counterparty.name, r.counterparty.bank_account or "", r.memo)
            for r in got if isinstance(r, LedgerLine)]


@pytest.mark.parametrize("sep", sorted(SEPARATORS))
@pytest.mark.parametrize("eof", [False, True])
def test_every_separator_fixture(sep: str, eof: bool) -> None:
    path = FIX / f"zengin_multi_{sep}{'_eof' if eof else ''}.txt"
    body = path.read_bytes()
    assert body.endswith(SEPARATORS[sep] + b"\x1a" if eof else SEPARATORS[sep] or b" ")
    assert detect_format(path) is Format.ZENGIN
    assert _as_rows(list(read_zengin(path, year=2025))) == MULTI_EXPECTED
    f = parse_zengin_file(path, year=2025)
    assert [n for n, _ in f.records] == [2, 3] and f.has_end
    assert f.trailer == ZenginTrailer(count=2, total=1_702_961)
    assert [n for n, _ in iter_zengin_records(path)] == [1, 2, 3, 4, 5]


@pytest.mark.parametrize("sep", sorted(SEPARATORS))
@pytest.mark.parametrize("ending", ["", "sep", "sep+eof", "eof", "sep+sep", "sep+eof+sep"])
def test_every_separator_and_ending(tmp_path: Path, sep: str, ending: str) -> None:
    """The external sample re-joined by each separator, ending each way a tool may end it."""
    recs = (EXT / "zengin_sogo_furikomi_multi-transaction.txt").read_bytes().split(b"\r\n")
    eol = SEPARATORS[sep]
    tail = {"": b"", "sep": eol, "sep+eof": eol + b"\x1a", "eof": b"\x1a", "sep+sep": eol + eol,
            "sep+eof+sep": eol + b"\x1a" + eol}[ending]
    f = tmp_path / "z.txt"
    f.write_bytes(eol.join(recs) + tail)
    assert detect_format(f) is Format.ZENGIN
    assert _as_rows(list(read_zengin(f, year=2025))) == MULTI_EXPECTED


def test_cr_only_file_was_refused_before() -> None:
    """The report in issue 9: records separated by CR alone are read, not refused."""
    path = FIX / "zengin_multi_cr.txt"
    assert b"\n" not in path.read_bytes() and path.read_bytes().count(b"\r") == 5
    assert detect_format(path) is Format.ZENGIN
    assert len(list(read_zengin(path, year=2025))) == 2


def test_no_separator_with_a_final_line_end(tmp_path: Path) -> None:
    """Back-to-back records and then one CRLF (some tools end every file so): not a record."""
    recs = (EXT / "zengin_sogo_furikomi_multi-transaction.txt").read_bytes().split(b"\r\n")
    f = tmp_path / "z.txt"
    f.write_bytes(b"".join(recs) + b"\r\n")
    assert [n for n, _ in iter_zengin_records(f)] == [1, 2, 3, 4, 5]
    assert _as_rows(list(read_zengin(f, year=2025))) == MULTI_EXPECTED


def test_stray_line_end_inside_a_stream_is_that_records_defect(tmp_path: Path) -> None:
    """Records back to back (byte 121 is a data type) with an LF inside a data record: that
    record is rejected (its framing and the next ones shift), the file is still 全銀."""
    recs = (EXT / "zengin_sogo_furikomi_multi-transaction.txt").read_bytes().split(b"\r\n")
    recs[2] = recs[2][:60] + b"\n" + recs[2][61:]
    f = tmp_path / "z.txt"
    f.write_bytes(b"".join(recs))
    got = list(read_zengin(f, year=2025))
    assert isinstance(got[0], LedgerLine) and got[0].line == 2
    assert isinstance(got[1], Reject) and got[1].line == 3


@pytest.mark.parametrize("sep", [b"\r\n", b"\n", b"\r"])
def test_large_file_read_in_chunks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                   sep: bytes) -> None:
    """Records split across chunk boundaries (and a CRLF split between two chunks) are
    read as when the file is read whole: chunks of every size from 1 to 300 bytes."""
    rec = (EXT / "zengin_sogo_furikomi_single-transaction.txt").read_bytes().split(b"\r\n")
    n = 7
    data = sep.join([rec[0], *[rec[1]] * n,
                     b"8" + f"{n:06d}{1103661 * n:012d}".encode() + b" " * 101, rec[3]]) + sep
    f = tmp_path / "z.txt"
    f.write_bytes(data)
    whole = list(iter_zengin_records(f))
    assert [k for k, _ in whole] == list(range(1, n + 4))
    for sample in (1 << 16, 130):  # the whole file in the first read, or not
        monkeypatch.setattr(zengin, "_SAMPLE", sample)
        for size in range(1, 300):
            monkeypatch.setattr(zengin, "_CHUNK", size)
            assert list(iter_zengin_records(f)) == whole, (sample, size)
    got = list(read_zengin(f, year=2025))
    assert len(got) == n and all(isinstance(r, LedgerLine) for r in got)


def test_trailer_mismatch_still_loads_data(tmp_path: Path) -> None:
    recs = (EXT / "zengin_sogo_furikomi_multi-transaction.txt").read_bytes().split(b"\r\n")
    recs[3] = b"8000002000001702960" + b" " * 101
    f = tmp_path / "z.txt"
    f.write_bytes(b"\r\n".join(recs))
    got = list(read_zengin(f, year=2025))
    assert [type(r).__name__ for r in got] == ["LedgerLine", "LedgerLine", "Reject"]
    rej = got[2]
    assert isinstance(rej, Reject) and rej.line == 4
    assert rej.reason == "trailer says 2 records, ¥1,702,960; found 2 records, ¥1,702,961"


def test_missing_trailer_and_end(tmp_path: Path) -> None:
    recs = (EXT / "zengin_sogo_furikomi_single-transaction.txt").read_bytes().split(b"\r\n")
    f = tmp_path / "z.txt"
    f.write_bytes(b"\r\n".join(recs[:2]) + b"\r\n")
    got = list(read_zengin(f, year=2025))
    assert isinstance(got[0], LedgerLine)
    assert [(r.line, r.reason[:20]) for r in got[1:]] == [
        (1, "no trailer record (8"), (2, "file ends without an")]
    with pytest.raises(FormatError):
        parse_zengin_file(f, year=2025)


def test_bad_header_date_rejects_its_data(tmp_path: Path) -> None:
    recs = (EXT / "zengin_sogo_furikomi_single-transaction.txt").read_bytes().split(b"\r\n")
    recs[0] = recs[0][:54] + b"1332" + recs[0][58:]
    f = tmp_path / "z.txt"
    f.write_bytes(b"\r\n".join(recs))
    got = list(read_zengin(f, year=2025))
    assert [(r.line, type(r).__name__) for r in got] == [(1, "Reject"), (2, "Reject")]
    assert "1332" in got[0].reason and "header at line 1 is invalid" in got[1].reason


def test_empty_file(tmp_path: Path) -> None:
    f = tmp_path / "z.txt"
    f.write_bytes(b"")
    got = list(read_zengin(f))
    assert len(got) == 1 and isinstance(got[0], Reject) and "empty" in got[0].reason


# --- property-based ---------------------------------------------------------

KANA = "ｱｲｳｴｵｶｷｸｹｺｻｼｽｾｿﾀﾁﾂﾃﾄﾞﾟ()-. ABC"


def pad(text: str, width: int) -> bytes:
    raw = text.encode("cp932")[:width]
    return raw + b" " * (width - len(raw))


@st.composite
def data_records(draw: st.DrawFn) -> tuple[bytes, tuple[int, str, str]]:
    bank = f"{draw(st.integers(0, 9999)):04d}"
    branch = f"{draw(st.integers(0, 999)):03d}"
    acct = f"{draw(st.integers(0, 9999999)):07d}"
    name = draw(st.text(st.sampled_from(KANA), min_size=1, max_size=30)).strip() or "ｱ"
    amount = draw(st.integers(1, 9_999_999_999))
    rec = (b"2" + bank.encode() + pad("ｷﾞﾝｺｳ", 15) + branch.encode() + pad("ｼﾃﾝ", 15) + b"    "
           + b"1" + acct.encode() + pad(name, 30) + f"{amount:010d}".encode() + b"0"
           + b" " * 20 + b"7" + b" " * 8)
    assert len(rec) == 120
    return rec, (amount, pad(name, 30).decode("cp932").rstrip(), f"{bank}-{branch}-{acct}")


@st.composite
def bad_records(draw: st.DrawFn) -> bytes:
    rec, _ = draw(data_records())
    how = draw(st.sampled_from(["short", "long", "amount", "type", "fullwidth", "bank"]))
    if how == "short":
        return rec[: draw(st.integers(1, 119))]
    if how == "long":
        return rec + b"X" * draw(st.integers(1, 50))
    if how == "amount":
        return rec[:85] + b"1A3" + rec[88:]
    if how == "type":
        return draw(st.sampled_from([b"3", b"0", b"X", b" "])) + rec[1:]
    if how == "fullwidth":
        return rec[:60] + "ア".encode("cp932") + rec[62:]
    return rec[:1] + b"00A0" + rec[5:]


HEADER = (EXT / "zengin_sogo_furikomi_single-transaction.txt").read_bytes()[:120]
END = b"9" + b" " * 119


@PROP
@given(st.lists(st.tuples(st.booleans(), data_records(), bad_records()), max_size=20),
       st.sampled_from([b"\r\n", b"\n", b"\r", b""]), st.booleans(), st.booleans())
def test_good_records_survive_among_bad_ones(
        rows: list[tuple[bool, tuple[bytes, tuple[int, str, str]], bytes]], eol: bytes,
        honest_trailer: bool, eof: bool) -> None:
    if eol == b"":  # back-to-back records: only length-preserving defects keep the framing
        rows = [(good, d, bad if len(bad) == 120 else d[0][:85] + b"1A3" + d[0][88:])
                for good, d, bad in rows]
    recs, expect = [HEADER], {}
    count = total = 0
    for i, (good, (rec, exp), bad) in enumerate(rows, start=2):
        recs.append(rec if good else bad)
        expect[i] = exp if good else None
        if good:
            count, total = count + 1, total + exp[0]
    trailer_line = len(recs) + 1
    recs.append(b"8" + f"{count if honest_trailer else count + 1:06d}{total:012d}".encode()
                + b" " * 101)
    recs.append(END)
    with tempfile.TemporaryDirectory() as tmp:
        f = Path(tmp) / "z.txt"
        f.write_bytes(eol.join(recs) + eol + (b"\x1a" if eof else b""))
        got = list(read_zengin(f, year=2025))
    by = {r.line: r for r in got}
    assert len(by) == len(got)
    for n, exp in expect.items():
        r = by[n]
        if exp is None:
            assert isinstance(r, Reject) and r.reason, (n, r)
        else:
            assert isinstance(r, LedgerLine), (n, r)
            assert (r.amount, r.counterparty.name, r.counterparty.bank_account) == exp
            assert r.direction is Direction.PAYMENT and r.date == dt.date(2025, 2, 25)
    bad_data = any(v is None for v in expect.values())
    trailer_reject = trailer_line in by
    assert set(by) - set(expect) <= {trailer_line}
    if honest_trailer and not bad_data:
        assert not trailer_reject
    if not honest_trailer:
        assert trailer_reject


@PROP
@given(st.binary(max_size=1500), st.booleans())
def test_random_bytes_never_escape(data: bytes, with_header: bool) -> None:
    if with_header:
        data = HEADER + b"\r\n" + data
    with tempfile.TemporaryDirectory() as tmp:
        f = Path(tmp) / "z.txt"
        f.write_bytes(data)
        got = list(read_zengin(f, year=2025))
    assert all(isinstance(r, LedgerLine | Reject | Skipped) and r.line >= 1 for r in got)
