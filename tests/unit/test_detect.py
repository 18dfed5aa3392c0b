"""Format detection and read_ledger dispatch."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.decode import EncodingError
from ingest.readers.detect import Format, FormatError, detect_format, read_ledger, reader_for
from ingest.readers.moneyforward import LEGACY_HEADER
from ingest.records import LedgerLine, Reject, Skipped
from tests.conftest import SHARED_DATA

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "ledgers"
EXT = SHARED_DATA / "external"
PROP = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize(("path", "fmt"), [
    (FIX / "yayoi_sample.csv", Format.YAYOI),
    (FIX / "freee_sample.csv", Format.FREEE),
    (FIX / "freee_sample_cp932.csv", Format.FREEE),
    (FIX / "mf_current.csv", Format.MONEYFORWARD),
    (FIX / "mf_legacy.csv", Format.MONEYFORWARD),
    (FIX / "bank_a.csv", Format.BANK),
    (FIX / "bank_b.csv", Format.BANK),
    (FIX / "bank_c.csv", Format.BANK),
    (FIX / "zengin_lf.txt", Format.ZENGIN),
    (FIX / "zengin_no_linebreaks.txt", Format.ZENGIN),
    (FIX / "zengin_payroll.txt", Format.ZENGIN),
    (EXT / "zengin_sogo_furikomi_single-transaction.txt", Format.ZENGIN),
    (EXT / "zengin_sogo_furikomi_multi-transaction.txt", Format.ZENGIN),
    (EXT / "zengin_sogo_furikomi_empty.txt", Format.ZENGIN),
])
def test_detects_fixtures(path: Path, fmt: Format) -> None:
    assert detect_format(path) == fmt
    assert detect_format(path) == fmt.value  # a str too


BANK_FIXTURES = sorted((FIX / "banks").glob("*.csv"))


@pytest.mark.parametrize("path", BANK_FIXTURES, ids=lambda p: p.name)
def test_detects_each_banks_download(path: Path) -> None:
    """三菱UFJ, 三井住友 (both layouts), みずほ, りそな, ゆうちょ (header on row 8), 楽天,
    住信SBI, PayPay銀行, SBI新生 and a regional bank, in cp932 and UTF-8: all bank statements
    (several were "unknown format" before)."""
    assert len(BANK_FIXTURES) == 22
    assert detect_format(path) is Format.BANK
    assert any(isinstance(r, LedgerLine) for r in read_ledger(path))


def test_detects_unknown_bank_by_header_words(tmp_path: Path) -> None:
    f = tmp_path / "shinkin.csv"
    f.write_bytes("ｼﾝｷﾝ ﾒｲｻｲ\r\n口座,普通 1234567\r\n勘定日,お取引先,出金額,入金額,差引残高\r\n"
                  "2025/07/01,ｶ)ｲﾅﾊﾞ,1000,,9000\r\n".encode("cp932"))
    assert detect_format(f) is Format.BANK
    out = list(read_ledger(f))
    assert len(out) == 1 and isinstance(out[0], LedgerLine)
    assert out[0].counterparty.name == "ｶ)ｲﾅﾊﾞ"


def test_detects_canonical(tmp_path: Path) -> None:
    f = tmp_path / "c.csv"
    f.write_text("日付,取引先名,区分,金額,摘要\n2025-07-01,甲社,売上,1000,\n", "utf-8-sig")
    assert detect_format(f) is Format.CANONICAL
    out = list(read_ledger(f))
    assert len(out) == 1 and isinstance(out[0], LedgerLine) and out[0].amount == 1000


def test_yayoi_with_leading_comments(tmp_path: Path) -> None:
    f = tmp_path / "y.txt"
    body = (FIX / "yayoi_sample.csv").read_bytes()
    f.write_bytes(b"#a\r\n#b\r\n" + body)
    assert detect_format(f) is Format.YAYOI


def test_mf_legacy_header_alone(tmp_path: Path) -> None:
    f = tmp_path / "m.csv"
    f.write_text(",".join(LEGACY_HEADER) + "\n", "utf-8")
    assert detect_format(f) is Format.MONEYFORWARD


@pytest.mark.parametrize(("data", "error", "message"), [
    (b"", FormatError, "empty file"),
    (b"   \r\n", FormatError, "empty file"),
    (b"foo,bar\r\n1,2\r\n", FormatError, "unknown format"),
    (b"\x00\x01\x02binary", EncodingError, "binary"),
    (b"\xff\xfe\x00a", EncodingError, "UTF-16"),
])
def test_unknown_or_unreadable(tmp_path: Path, data: bytes, error: type[Exception],
                               message: str) -> None:
    f = tmp_path / "x.bin"
    f.write_bytes(data)
    with pytest.raises(error, match=message):
        detect_format(f)


def test_read_ledger_dispatch_and_options() -> None:
    out = list(read_ledger(FIX / "zengin_lf.txt", year=2024))
    assert all(isinstance(r, LedgerLine) and r.date.year == 2024 for r in out)
    out = list(read_ledger(FIX / "bank_custom.csv", "bank",
                           layout=FIX.parents[2] / "ingest" / "data" / "bank_layouts"
                           / "example.toml"))
    assert [r.line for r in out] == [4, 5]
    assert reader_for(Format.YAYOI).__name__ == "read_yayoi"
    assert reader_for("moneyforward").__name__ == "read_moneyforward"


def test_read_ledger_unknown_format_name() -> None:
    with pytest.raises(FormatError, match="unknown format 'excel'"):
        read_ledger(FIX / "bank_a.csv", "excel")


def test_canonical_takes_no_options(tmp_path: Path) -> None:
    f = tmp_path / "c.csv"
    f.write_text("日付,取引先名,区分,金額\n", "utf-8")
    with pytest.raises(TypeError, match="year"):
        read_ledger(f, "canonical", year=2025)


@PROP
@given(st.binary(max_size=2000))
def test_random_bytes_detect_and_read(data: bytes) -> None:
    """Detection raises only FormatError/EncodingError; whatever it picks reads safely."""
    with tempfile.TemporaryDirectory() as tmp:
        f = Path(tmp) / "x.csv"
        f.write_bytes(data)
        try:
            fmt = detect_format(f)
            results = list(read_ledger(f, fmt))
        except (FormatError, EncodingError):
            return
    assert all(isinstance(r, LedgerLine | Reject | Skipped) for r in results)


@PROP
@given(st.binary(max_size=2000))
def test_random_bytes_after_a_canonical_header(data: bytes) -> None:
    """The canonical reader (not ours) must not raise on garbage rows either."""
    data = "日付,取引先名,区分,金額,摘要\r\n".encode("cp932") + data
    with tempfile.TemporaryDirectory() as tmp:
        f = Path(tmp) / "c.csv"
        f.write_bytes(data)
        try:
            results = list(read_ledger(f, Format.CANONICAL))
        except EncodingError:
            return
    assert all(isinstance(r, LedgerLine | Reject | Skipped) for r in results)


@pytest.mark.parametrize(("path", "kind"), [
    (SHARED_DATA / "external" / "nta_houjin_bangou_tottori_sample.csv", "an extract of the 法人番号 registry"),
    (SHARED_DATA / "seed" / "management_parameters_dummy.csv", "a file of management parameters"),
    (Path(__file__).resolve().parents[2] / "sample" / "firms.csv", "a firm master"),
])
def test_a_reference_file_sent_as_a_ledger_is_named_for_what_it_is(path: Path, kind: str) -> None:
    """A firm master, parameters or the NTA extract sent to the ledger upload
    was refused as "unknown format": it is named, with the command that loads it."""
    with pytest.raises(FormatError) as refused:
        detect_format(path)
    assert f"{path.name}: {kind}, not a ledger: it is loaded with `torihiki load`" in str(refused.value)


@pytest.mark.parametrize(("header", "kind"), [
    ("企業ID,企業名,法人番号,業種,都道府県,顧客,従業員数", "firms"),  # a master with a parameter-like column
    ("firm_id,name,corporate_number,industry,prefecture,is_client,size_class", "firms"),
    ("企業ID,企業名,決算期,業種", "firms"),
    ("企業ID,期間,従業員数", "metrics"),
    ("企業ID,企業名,期間,従業員数,経常利益率,売掛金回転期間", "metrics"),
    ("date,counterparty_name,direction,amount", None),
])
def test_a_reference_files_kind_by_its_header(header: str, kind: str | None) -> None:
    from ingest.readers.detect import reference_kind

    assert reference_kind([header.split(",")]) == kind
