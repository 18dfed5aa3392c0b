"""弥生 import-format reader: hand-checked fixture and property-based tests."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.decode import EncodingError
from ingest.readers.detect import FormatError
from ingest.readers.yayoi import read_yayoi
from ingest.records import Direction, LedgerLine, Reject, Skipped

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "ledgers"
PROP = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
L, R, S = "L", "R", "S"


def by_line(results: list[LedgerLine | Reject | Skipped]) -> dict[int, LedgerLine | Reject | Skipped]:
    lines = [r.line for r in results]
    assert len(lines) == len(set(lines)), f"a line was reported twice: {sorted(lines)}"
    return {r.line: r for r in results}


def test_fixture_every_line_as_hand_checked() -> None:
    got = by_line(list(read_yayoi(FIX / "yayoi_sample.csv")))
    d = dt.date
    expected: dict[int, tuple[str, ...]] = {
        1: (S, "comment line"),
        2: (L, "sale", "110000", "㈱山田商事", "101", "T7123456789012", str(d(2025, 7, 1))),
        3: (L, "receipt", "100000", "㈱山田商事", "102", "", str(d(2025, 7, 10))),
        4: (S, "支払手数料 / 売掛金"),
        5: (L, "purchase", "330000", "髙橋工業", "L5", "", str(d(2025, 7, 15))),
        6: (S, "仮払消費税 / 買掛金"),
        7: (R, "no amount"),
        8: (S, "給料手当 / 普通預金"),
        9: (R, "2100 without an open slip"),
        10: (L, "payment", "330000", "髙橋工業", "106", "", str(d(2025, 7, 31))),
        11: (R, "impossible date"),
        12: (R, "not an amount"),
        13: (R, "expected 25 fields, found 9"),
        14: (L, "sale", "-5500", "ﾃｽﾄ(ｶ", "110", "", str(d(2025, 7, 31))),
        15: (R, "slip from line 15 has no last line (2101)"),
        16: (L, "sale", "3300", "株式会社丙", "112", "", str(d(2025, 7, 31))),
    }
    assert set(got) == set(expected)
    for line, exp in expected.items():
        r = got[line]
        if exp[0] == L:
            assert isinstance(r, LedgerLine), r
            assert (r.direction.value, str(r.amount), r.counterparty.name, r.entry_id,
                    r.counterparty.invoice_number or "", str(r.date)) == exp[1:]
        else:
            assert isinstance(r, Reject if exp[0] == R else Skipped), r
            assert exp[1] in r.reason, (line, r.reason)
    rej = got[12]
    assert isinstance(rej, Reject) and rej.column == "借方金額" and rej.raw.startswith("2000,108,")


def test_utf8_and_lf_are_read_too(tmp_path: Path) -> None:
    raw = (FIX / "yayoi_sample.csv").read_bytes().decode("cp932").replace("\r\n", "\n")
    f = tmp_path / "y.csv"
    f.write_bytes(raw.encode("utf-8"))
    a = [(type(r).__name__, r.line) for r in read_yayoi(f)]
    b = [(type(r).__name__, r.line) for r in read_yayoi(FIX / "yayoi_sample.csv")]
    assert a == b


def test_slip_with_a_bad_line_and_stray_last_line(tmp_path: Path) -> None:
    def row(flag: str, d: str, c: str, amt: str = "100", date: str = "2025/07/01") -> str:
        return ",".join([flag, "9", "", date, d, "甲社" if d == "売掛金" else "", "", "", amt, "",
                         c, "", "", "", amt, "", "", "", "", "0", "", "", "", "", "no"])
    f = tmp_path / "y.csv"
    f.write_bytes("\r\n".join([
        row("2110", "売掛金", "売上高"),
        row("2100", "売掛金", "売上高", date="2025/99/99"),
        row("2101", "売掛金", "売上高"),
        row("2101", "売掛金", "売上高"),
        row("2110", "売掛金", "売上高"),
    ]).encode("cp932"))
    got = by_line(list(read_yayoi(f)))
    assert [type(got[i]).__name__ for i in range(1, 6)] == [
        "LedgerLine", "Reject", "LedgerLine", "Reject", "Reject"]
    assert "without an open slip" in got[4].reason
    assert "before the file ends" in got[5].reason
    first = got[1]
    assert isinstance(first, LedgerLine) and first.entry_id == "9"


# --- property-based ---------------------------------------------------------

NAMES = ["㈱山田商事", "髙橋工業", "ｶ)ﾔﾏﾀﾞ", "ミドリ合同会社", "有限会社ABC", "Ｚ社"]
KINDS = [  # debit, debit sub?, credit, credit sub?, direction
    ("売掛金", True, "売上高", False, Direction.SALE),
    ("仕入高", False, "買掛金", True, Direction.PURCHASE),
    ("普通預金", False, "売掛金", True, Direction.RECEIPT),
    ("買掛金", True, "当座預金", False, Direction.PAYMENT),
    ("外注費", False, "未払金", True, Direction.PURCHASE),
]


@st.composite
def good_rows(draw: st.DrawFn) -> tuple[list[str], tuple[Direction, int, str, dt.date]]:
    date = draw(st.dates(dt.date(1990, 1, 1), dt.date(2035, 12, 31)))
    amount = draw(st.integers(1, 10**10))
    name = draw(st.sampled_from(NAMES))
    d, d_sub, c, c_sub, direction = draw(st.sampled_from(KINDS))
    date_text = draw(st.sampled_from([date.strftime("%Y/%m/%d"), date.strftime("%Y%m%d"),
                                      date.isoformat()]))
    amount_text = draw(st.sampled_from([str(amount), f"{amount:,}"]))
    if "," in amount_text:
        amount_text = f'"{amount_text}"'
    fields = ["2000", str(draw(st.integers(1, 99999))), "", date_text,
              d, name if d_sub else "", "", "", amount_text, "",
              c, name if c_sub else "", "", "", amount_text, "",
              draw(st.sampled_from(["", "7月分", "請求 T7123456789012"])), "", "", "0", "",
              "", "", "", "no"]
    return fields, (direction, amount, name, date)


JUNK = st.text(st.sampled_from(list("abcXYZ0123456789あア漢ｱ-/.:;' ")), min_size=1, max_size=40)


@st.composite
def bad_rows(draw: st.DrawFn) -> bytes:
    fields, _ = draw(good_rows())
    how = draw(st.sampled_from(["junk", "date", "amount", "flag", "short", "long", "quote",
                                "bytes"]))
    if how == "junk":
        text = draw(JUNK)
        if not text.strip() or text.lstrip().startswith("#"):
            text = "x" + text
        return text.encode("cp932")
    if how == "date":
        fields[3] = draw(st.sampled_from(["2025/13/01", "2025/02/30", "R99/99/99", "abc", ""]))
    elif how == "amount":
        fields[8] = draw(st.sampled_from(["12a", "1.5", "--3", "￥", "１２Ｘ"]))
    elif how == "flag":
        fields[0] = draw(st.sampled_from(["2001", "9999", "", "20O0", "x"]))
    elif how == "short":
        fields = fields[: draw(st.integers(1, 24))]
    elif how == "long":
        fields = [*fields, "extra"]
    elif how == "quote":
        i = draw(st.integers(0, 16))
        fields[i] = '"' + fields[i].strip('"')
    raw = ",".join(fields).encode("cp932")
    if how == "bytes":
        raw = raw.replace(b"2000,", b"2000,\x85\x40", 1)  # invalid in cp932
    return raw


@PROP
@given(st.lists(st.tuples(st.booleans(), good_rows(), bad_rows()), min_size=1, max_size=25),
       st.sampled_from([b"\r\n", b"\n"]))
def test_good_rows_survive_among_bad_ones(
        rows: list[tuple[bool, tuple[list[str], tuple[Direction, int, str, dt.date]], bytes]],
        eol: bytes) -> None:
    lines: list[bytes] = []
    expect: dict[int, tuple[Direction, int, str, dt.date] | None] = {}
    for n, (is_good, (fields, exp), bad) in enumerate(rows, start=1):
        lines.append(",".join(fields).encode("cp932") if is_good else bad)
        expect[n] = exp if is_good else None
    with tempfile.TemporaryDirectory() as tmp:
        f = Path(tmp) / "y.csv"
        f.write_bytes(eol.join(lines) + eol)
        got = by_line(list(read_yayoi(f, encoding="cp932")))
    assert set(got) == set(expect)
    for n, exp in expect.items():
        r = got[n]
        if exp is None:
            assert isinstance(r, Reject) and r.reason, (n, r)
        else:
            assert isinstance(r, LedgerLine), (n, r, lines[n - 1])
            assert (r.direction, r.amount, r.counterparty.name, r.date) == exp


@PROP
@given(st.binary(max_size=3000))
def test_random_bytes_never_escape(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        f = Path(tmp) / "y.csv"
        f.write_bytes(data)
        try:
            results = list(read_yayoi(f))
        except (EncodingError, FormatError):
            return
    n_lines = data.count(b"\n") + data.count(b"\r") + 1
    for r in results:
        assert isinstance(r, LedgerLine | Reject | Skipped)
        assert 1 <= r.line <= n_lines
        if isinstance(r, Reject | Skipped):
            assert r.reason


@pytest.mark.parametrize("cut", [10, 50, 200, 400])
def test_truncated_file(tmp_path: Path, cut: int) -> None:
    f = tmp_path / "y.csv"
    f.write_bytes((FIX / "yayoi_sample.csv").read_bytes()[:cut])
    results = list(read_yayoi(f, encoding="cp932"))
    by_line(results)
    assert all(isinstance(r, LedgerLine | Reject | Skipped) for r in results)
