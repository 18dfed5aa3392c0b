"""freee 仕訳帳 reader: hand-checked fixtures (UTF-8 BOM + LF, cp932 + CRLF) and properties."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.decode import EncodingError
from ingest.readers.detect import FormatError
from ingest.readers.freee import read_freee
from ingest.records import Direction, LedgerLine, Reject, Skipped, UnnamedLine

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "ledgers"
PROP = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
Result = LedgerLine | UnnamedLine | Reject | Skipped


def by_line(results: list[Result]) -> dict[int, Result]:
    lines = [r.line for r in results]
    assert len(lines) == len(set(lines)), f"a line was reported twice: {sorted(lines)}"
    return {r.line: r for r in results}


@pytest.mark.parametrize("name", ["freee_sample.csv", "freee_sample_cp932.csv"])
def test_fixture(name: str) -> None:
    got = by_line(list(read_freee(FIX / name)))
    assert sorted(got) == [2, 3, 4, 5, 6, 7, 8, 9, 11, 13]  # 1 header, 10 blank, 12 in 11
    leds = {n: (r.direction, r.amount, r.counterparty.name, r.counterparty.firm_id,
                r.counterparty.invoice_number, r.entry_id, r.date)
            for n, r in got.items() if isinstance(r, LedgerLine)}
    assert leds == {
        2: (Direction.SALE, 220000, "株式会社アルファ", "C001", "T7123456789012", "1",
            dt.date(2025, 7, 1)),
        3: (Direction.PURCHASE, 55000, "ベータ商事㈱", "S002", None, "2", dt.date(2025, 7, 3)),
        4: (Direction.RECEIPT, 220000, "株式会社アルファ", "C001", None, "3", dt.date(2025, 7, 5)),
        7: (Direction.PURCHASE, 3300, "ガンマ文具", None, None, "5", dt.date(2025, 7, 11)),
        11: (Direction.SALE, 1100, "デルタ, Inc.", None, None, "8", dt.date(2025, 7, 15)),
        13: (Direction.PAYMENT, 55000, "ベータ商事㈱", None, None, "9", dt.date(2025, 7, 31)),
    }
    assert isinstance(got[5], Skipped) and "支払手数料 / 売掛金" in got[5].reason
    assert isinstance(got[6], UnnamedLine) and got[6].direction == Direction.PURCHASE and got[6].settled
    r8, r9 = got[8], got[9]
    assert isinstance(r8, Reject) and r8.column == "debit_amount" and "abc" in r8.reason
    assert isinstance(r9, Reject) and r9.reason == "expected 14 fields, found 3"
    ledger11 = got[11]
    assert isinstance(ledger11, LedgerLine) and ledger11.memo == "複数行の\n摘要"


def test_output_is_in_line_order() -> None:
    lines = [r.line for r in read_freee(FIX / "freee_sample.csv")]
    assert lines == sorted(lines)


def test_header_without_required_columns(tmp_path: Path) -> None:
    f = tmp_path / "f.csv"
    f.write_text("取引日,摘要\n2025-07-01,x\n", "utf-8")
    out = list(read_freee(f))
    assert len(out) == 1 and isinstance(out[0], Reject) and out[0].column == "header"
    assert "debit_account" in out[0].reason


def test_empty_file(tmp_path: Path) -> None:
    f = tmp_path / "f.csv"
    f.write_bytes(b"")
    out = list(read_freee(f))
    assert len(out) == 1 and isinstance(out[0], Reject) and "empty" in out[0].reason


# --- property-based ---------------------------------------------------------

HEADER = "取引日,仕訳番号,借方勘定科目,借方取引先名,借方金額,貸方勘定科目,貸方取引先名,貸方金額,摘要"
WIDTH = 9
NAMES = ["株式会社アルファ", "ベータ商事㈱", "ｶ)ﾔﾏﾀﾞ", "髙橋工業", "合同会社Ｑ"]
KINDS = [("売掛金", "売上高", 0, Direction.SALE), ("仕入高", "買掛金", 1, Direction.PURCHASE),
         ("普通預金", "売掛金", 1, Direction.RECEIPT), ("買掛金", "普通預金", 0, Direction.PAYMENT)]
Exp = tuple[Direction, int, str, dt.date]


@st.composite
def good_rows(draw: st.DrawFn, n: int) -> tuple[list[str], Exp]:
    date = draw(st.dates(dt.date(1990, 1, 1), dt.date(2035, 12, 31)))
    amount = draw(st.integers(1, 10**10))
    name = draw(st.sampled_from(NAMES))
    d, c, side, direction = draw(st.sampled_from(KINDS))
    amt = draw(st.sampled_from([str(amount), f'"{amount:,}"']))
    cells = [date.isoformat(), f"J{n}", d, name if side == 0 else "", amt, c,
             name if side == 1 else "", amt, draw(st.sampled_from(["", "7月分", '"a, b"']))]
    return cells, (direction, amount, name, date)


@st.composite
def bad_rows(draw: st.DrawFn, n: int) -> bytes:
    cells, _ = draw(good_rows(n))
    how = draw(st.sampled_from(["junk", "date", "amount", "short", "long", "quote", "bytes"]))
    if how == "junk":
        return ("x" + draw(st.text(st.sampled_from(list("ab01あア漢ｱ-/.;' ")), max_size=30))
                ).encode("cp932")
    if how == "date":
        cells[0] = draw(st.sampled_from(["2025-13-01", "2025-02-30", "abc", ""]))
    elif how == "amount":
        cells[4] = draw(st.sampled_from(["12a", "1.5", "--3", "￥"]))
    elif how == "short":
        cells = cells[: draw(st.integers(1, WIDTH - 1))]
    elif how == "long":
        cells = [*cells, "extra"]
    elif how == "quote":
        i = draw(st.integers(0, WIDTH - 1))
        cells[i] = '"' + cells[i].strip('"')
    raw = ",".join(cells).encode("cp932")
    return raw.replace(b",", b",\x85\x40", 1) if how == "bytes" else raw


@st.composite
def files(draw: st.DrawFn) -> tuple[bytes, dict[int, Exp | None]]:
    n_rows = draw(st.integers(1, 20))
    eol = draw(st.sampled_from([b"\r\n", b"\n"]))
    lines, expect = [HEADER.encode("cp932")], {}
    for i in range(n_rows):
        if draw(st.booleans()):
            cells, exp = draw(good_rows(i))
            lines.append(",".join(cells).encode("cp932"))
            expect[i + 2] = exp
        else:
            lines.append(draw(bad_rows(i)))
            expect[i + 2] = None
    return eol.join(lines) + eol, expect


@PROP
@given(files())
def test_good_rows_survive_among_bad_ones(case: tuple[bytes, dict[int, Exp | None]]) -> None:
    data, expect = case
    with tempfile.TemporaryDirectory() as tmp:
        f = Path(tmp) / "f.csv"
        f.write_bytes(data)
        got = by_line(list(read_freee(f, encoding="cp932")))
    assert set(got) == set(expect)
    for n, exp in expect.items():
        r = got[n]
        if exp is None:
            assert isinstance(r, Reject) and r.reason, (n, r)
        else:
            assert isinstance(r, LedgerLine), (n, r)
            assert (r.direction, r.amount, r.counterparty.name, r.date) == exp


@PROP
@given(st.binary(max_size=3000), st.booleans())
def test_random_bytes_never_escape(data: bytes, with_header: bool) -> None:
    if with_header:
        data = HEADER.encode("utf-8") + b"\n" + data
    with tempfile.TemporaryDirectory() as tmp:
        f = Path(tmp) / "f.csv"
        f.write_bytes(data)
        try:
            results = list(read_freee(f))
        except (EncodingError, FormatError):
            return
    by_line(results)
    n_lines = data.count(b"\n") + data.count(b"\r") + 1
    assert all(isinstance(r, LedgerLine | UnnamedLine | Reject | Skipped) and 1 <= r.line <= n_lines
               for r in results)
