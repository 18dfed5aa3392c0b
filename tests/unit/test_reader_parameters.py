"""Management-parameter reader: the study's seed file as it is, English headers, bad cells."""

from __future__ import annotations

import csv
import dataclasses
import io
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.parameters import PARAMETER_NAMES, PARAMETERS, spec
from ingest.readers.parameters import ParameterRecord, parse_period, read_parameters
from ingest.records import Reject
from tests.conftest import SHARED_DATA

SEED = SHARED_DATA / "seed"
DUMMY = SEED / "management_parameters_dummy.csv"


def _write(text: str, encoding: str = "utf-8") -> Path:
    with tempfile.NamedTemporaryFile(suffix=".csv", delete=False) as fh:
        fh.write(text.encode(encoding))
    return Path(fh.name)


def _read(text: str, period: str | None = None, encoding: str = "utf-8") -> list[ParameterRecord | Reject]:
    path = _write(text, encoding)
    try:
        return list(read_parameters(path, period=period))
    finally:
        path.unlink()


def test_seed_file_as_it_is() -> None:
    out = list(read_parameters(DUMMY, period="FY2024"))
    assert len(out) == 15
    recs = [r for r in out if isinstance(r, ParameterRecord)]
    assert len(recs) == 15
    assert [r.firm_id for r in recs] == [str(i) for i in range(1, 16)]
    first = recs[0]
    assert first == ParameterRecord(
        firm_id="1", period="FY2024", size_class=1, profitable=0, ordinary_margin_pct=0.88,
        employees=50, nonregular_ratio_pct=20.0, overtime_hours=50.0, ar_turnover_days=60.0,
        indirect_staff_ratio_pct=None, line=2,
    )
    last = recs[-1]
    assert (last.firm_id, last.size_class, last.employees, last.overtime_hours, last.line) == (
        "15", 4, 100, 0.0, 16)
    assert recs[6].nonregular_ratio_pct == 38.6
    assert all(isinstance(r.employees, int) and isinstance(r.size_class, int) for r in recs)


def test_seed_file_without_period_is_one_clear_reject() -> None:
    out = list(read_parameters(DUMMY))
    assert len(out) == 1 and isinstance(out[0], Reject)
    assert out[0].line == 1 and out[0].column == "period" and "no period" in out[0].reason


def test_bad_period_argument_raises_before_reading() -> None:
    with pytest.raises(ValueError):
        read_parameters(DUMMY, period="last year")


def test_english_headers_with_period_column_and_indirect_ratio() -> None:
    text = (
        "firm_id,period,size_class,profitable,ordinary_margin_pct,employees,nonregular_ratio_pct,"
        "overtime_hours,ar_turnover_days,indirect_staff_ratio_pct\r\n"
        "A1,2025-03,2,1,3.5,120,15,12.5,45,10\r\n"
        "A1,2025/4,2,0,△1.2,\"1,200\",15%,12.5時間,45日,\r\n"
        "A2,,1,黒字,,,,,,\r\n"
        "A3,2024年度,1,赤字,-3,3,0,0,0,20\r\n"
    )
    out = _read(text, period="2025-01")
    assert all(isinstance(r, ParameterRecord) for r in out), out
    a, b, c, d = (r for r in out if isinstance(r, ParameterRecord))
    assert (a.period, a.ordinary_margin_pct, a.indirect_staff_ratio_pct) == ("2025-03", 3.5, 10.0)
    assert (b.period, b.profitable, b.ordinary_margin_pct, b.employees) == ("2025-04", 0, -1.2, 1200)
    assert (b.nonregular_ratio_pct, b.overtime_hours, b.ar_turnover_days) == (15.0, 12.5, 45.0)
    assert b.indirect_staff_ratio_pct is None
    assert (c.period, c.profitable, c.size_class, c.employees) == ("2025-01", 1, 1, None)
    assert (d.period, d.profitable, d.ordinary_margin_pct) == ("FY2024", 0, -3.0)


def test_japanese_header_variants() -> None:
    text = (
        "企業ID,年月,企業規模,経常損益,経常利益率(%),従業員数,非正規社員比率,平均残業時間,"
        "売掛金回転期間（日）,間接部門比率（％）\r\n"
        "１,２０２５年７月,３,１,２.５,１０,１０,１０,３０,１２\r\n"
    )
    (rec,) = _read(text, encoding="cp932")
    assert isinstance(rec, ParameterRecord)
    assert (rec.firm_id, rec.period, rec.size_class, rec.ordinary_margin_pct) == ("1", "2025-07", 3, 2.5)
    assert rec.indirect_staff_ratio_pct == 12.0


@pytest.mark.parametrize(
    ("column", "value"),
    [("size_class", "5"), ("size_class", "0"), ("size_class", "1.5"), ("profitable", "2"),
     ("profitable", "maybe"), ("ordinary_margin_pct", "101"), ("ordinary_margin_pct", "abc"),
     ("employees", "-1"), ("employees", "10.5"), ("nonregular_ratio_pct", "120"),
     ("overtime_hours", "-5"), ("overtime_hours", "400"), ("ar_turnover_days", "-1"),
     ("ar_turnover_days", "nan"), ("indirect_staff_ratio_pct", "100.1"), ("period", "2025-13")],
)
def test_bad_cell_rejected_with_column(column: str, value: str) -> None:
    header = ["firm_id", "period", *PARAMETER_NAMES]
    row = {"firm_id": "X", "period": "2025-01", "size_class": "1", "profitable": "1",
           "ordinary_margin_pct": "1", "employees": "5", "nonregular_ratio_pct": "10",
           "overtime_hours": "10", "ar_turnover_days": "30", "indirect_staff_ratio_pct": "10"}
    row[column] = value
    text = ",".join(header) + "\r\n" + ",".join(row[h] for h in header) + "\r\n"
    (rec,) = _read(text)
    assert isinstance(rec, Reject)
    assert rec.column == column and rec.line == 2 and rec.reason


def test_row_level_rejects() -> None:
    text = (
        "firm_id,period,employees\r\n"
        ",2025-01,3\r\n"          # no firm id
        "A,2025-01,\r\n"          # no value at all
        "B,2025-01,4\r\n"
        "B,2025-01,5\r\n"         # duplicate firm + period
        "C\r\n"                   # too few columns
        "D,,6\r\n"                # no period and no default
    )
    out = _read(text)
    kinds = [(r.line, type(r).__name__, getattr(r, "column", "")) for r in out]
    assert kinds == [(2, "Reject", "firm_id"), (3, "Reject", ""), (4, "ParameterRecord", ""),
                     (5, "Reject", "firm_id"), (6, "Reject", ""), (7, "Reject", "period")]


def test_header_problems() -> None:
    assert "firm_id" in _read("name,employees\r\nx,1\r\n")[0].reason  # type: ignore[union-attr]
    assert "no parameter column" in _read("firm_id,name\r\n1,x\r\n")[0].reason  # type: ignore[union-attr]
    assert _read("")[0].reason == "empty file (no header row)"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("text", "period"),
    [("2025-07", "2025-07"), ("2025/7", "2025-07"), ("202507", "2025-07"), ("2025年7月", "2025-07"),
     ("2024", "FY2024"), ("FY2024", "FY2024"), ("fy 2024", "FY2024"), ("2024年度", "FY2024"),
     ("令和6年度", "FY2024"), ("R6年度", "FY2024"), ("平成元年度", "FY1989"), ("２０２４年度", "FY2024")],
)
def test_parse_period(text: str, period: str) -> None:
    assert parse_period(text) == period


def test_spec_table() -> None:
    assert PARAMETER_NAMES[:7] == ("size_class", "profitable", "ordinary_margin_pct", "employees",
                                   "nonregular_ratio_pct", "overtime_hours", "ar_turnover_days")
    fields = [f.name for f in dataclasses.fields(ParameterRecord)]
    assert fields == ["firm_id", "period", *PARAMETER_NAMES, "line", "raw"]
    assert spec("ordinary_margin_pct").better == "higher"
    assert spec("overtime_hours").better == "lower"
    assert spec("ar_turnover_days").better == "lower"
    assert spec("indirect_staff_ratio_pct").better == "lower"
    assert spec("size_class").better is None
    assert {p.unit for p in PARAMETERS} >= {"%", "days", "hours/month", "persons"}


_GOOD = {
    "size_class": st.integers(1, 4).map(str),
    "profitable": st.sampled_from(["0", "1"]),
    "ordinary_margin_pct": st.floats(-50, 50, allow_nan=False).map(lambda x: f"{x:.2f}"),
    "employees": st.integers(0, 5000).map(str),
    "nonregular_ratio_pct": st.floats(0, 100).map(lambda x: f"{x:.1f}"),
    "overtime_hours": st.floats(0, 120).map(lambda x: f"{x:.1f}"),
    "ar_turnover_days": st.floats(0, 365).map(lambda x: f"{x:.1f}"),
    "indirect_staff_ratio_pct": st.sampled_from(["", "10", "20.5"]),
}
_BAD = st.sampled_from(["abc", "-999999", "1e9", "1.2.3", "??", "100000000"])


@st.composite
def _rows(draw: st.DrawFn) -> tuple[list[str], str | None]:
    cells = [draw(_GOOD[name]) for name in PARAMETER_NAMES]
    bad_column: str | None = None
    if draw(st.booleans()):
        i = draw(st.integers(0, len(PARAMETER_NAMES) - 1))
        cells[i] = draw(_BAD)
        bad_column = PARAMETER_NAMES[i]
    return cells, bad_column


@settings(max_examples=80, deadline=None)
@given(st.lists(_rows(), max_size=10), st.sampled_from(["utf-8", "cp932"]))
def test_random_rows(rows: list[tuple[list[str], str | None]], encoding: str) -> None:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(["企業ＩＤ", *(p.ja_header for p in PARAMETERS)])
    for i, (cells, _) in enumerate(rows):
        w.writerow([f"F{i}", *cells])
    out = _read(buf.getvalue(), period="FY2023", encoding=encoding)
    assert len(out) == len(rows)
    for i, ((cells, bad), rec) in enumerate(zip(rows, out, strict=True)):
        assert rec.line == i + 2
        if bad is None:
            assert isinstance(rec, ParameterRecord), rec
            assert rec.firm_id == f"F{i}" and rec.period == "FY2023"
            assert rec.employees == int(cells[3])
        else:
            assert isinstance(rec, Reject)
            assert rec.column == bad and rec.reason


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet="企業ＩＤ規模,1234567890.-△\r\n\"%黒字 abc", max_size=200))
def test_arbitrary_text_never_raises(text: str) -> None:
    out = _read(text, period="2025-01")
    for rec in out:
        assert isinstance(rec, (ParameterRecord, Reject))
        if isinstance(rec, Reject):
            assert rec.reason
