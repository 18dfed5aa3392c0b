"""Management parameters per firm and period (the study's table, and files like it).

UTF-8 (BOM or not) or cp932, one header row. Headers are matched after NFKC,
case and space folding, with or without their unit (``経常利益率（％）``,
``経常利益率(%)`` and ``経常利益率`` are the same column), in Japanese or as
the snake_case names of :mod:`domain.parameters`:

========================  ===============================  =====================
column                    Japanese (the study's header)    value
========================  ===============================  =====================
firm_id (required)        企業ＩＤ, 企業ID, 会社ID          text, NFKC
period                    期間, 年月, 対象年月, 年度,       ``2025-07``, ``2025/7``,
                          会計年度, 決算期                  ``2025年7月`` → ``2025-07``;
                                                            ``2024``, ``FY2024``,
                                                            ``2024年度``, ``令和6年度``
                                                            → ``FY2024``
size_class …              see :data:`PARAMETERS`            numbers in range
========================  ===============================  =====================

The study's file (``management_parameters_dummy.csv``) has no period column:
pass ``period=`` (e.g. ``"FY2024"``). A period cell, when present and not
empty, wins over the argument. With neither, the reader yields one reject
at line 1 and nothing else: a parameter without its period cannot be
compared over time, and guessing one would mislabel the data.

Cells: empty, ``-``, ``N/A`` or ``不明`` mean "not reported" (``None``).
Thousands separators, a trailing unit (``%``, ``人``, ``日``, ``時間``),
full-width digits and ``△``/``▲`` negatives are accepted; 経常損益 also
reads 黒字/赤字. A value out of range, not a number, or fractional where an
integer is required rejects the row, naming the column. A row with no
value at all, or repeating a firm and period seen before, is rejected too.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from domain.parameters import PARAMETER_NAMES, PARAMETERS, ParameterSpec
from ingest.readers.csvrows import CsvRow, header_key, iter_csv_rows, read_header
from ingest.records import Reject
from ingest.values import ERAS, accounting_minus, parse_month

__all__ = ["ParameterRecord", "read_parameters", "parse_period", "SYNONYMS"]

SYNONYMS: dict[str, tuple[str, ...]] = {
    "firm_id": ("企業ＩＤ", "企業ID", "会社ID", "顧客ID", "firm"),
    "period": ("期間", "年月", "対象年月", "対象期間", "年度", "会計年度", "決算期", "month",
               "fiscal_year"),
    **{p.name: (p.ja_header, *p.aliases) for p in PARAMETERS},
}

_MISSING = frozenset({"", "-", "−", "ー", "—", "n/a", "na", "不明", "なし"})
_UNIT_SUFFIX_RE = re.compile(r"(%|％|人|名|日|時間|h|円)$")
_NUMBER_RE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_PROFIT_WORDS = {"黒字": 1, "黒": 1, "赤字": 0, "赤": 0, "profit": 1, "loss": 0}

_YEAR_MONTH_JA_RE = re.compile(r"^(\d{4})年(\d{1,2})月$")
_FISCAL_RE = re.compile(r"^(?:FY)?(\d{4})(?:年度)?$", re.IGNORECASE)
_ERA_FISCAL_RE = re.compile(r"^(令和|平成|R|H)(\d{1,2}|元)年度$", re.IGNORECASE)


def parse_period(text: str) -> str:
    """Normalise a period: a month → ``YYYY-MM``, a fiscal year → ``FYYYYY``.

    >>> parse_period("2025/7"), parse_period("2024年度"), parse_period("R6年度")
    ('2025-07', 'FY2024', 'FY2024')
    """
    s = unicodedata.normalize("NFKC", text).strip().replace(" ", "")
    if not s:
        raise ValueError("empty period")
    m = _FISCAL_RE.match(s)
    if m:
        year = int(m.group(1))
        if not 1900 <= year <= 2200:
            raise ValueError(f"fiscal year out of range: {text!r}")
        return f"FY{year}"
    m = _ERA_FISCAL_RE.match(s)
    if m:
        n = 1 if m.group(2) == "元" else int(m.group(2))
        if n < 1:
            raise ValueError(f"era year 0 in {text!r}")
        return f"FY{ERAS[m.group(1).upper()] + n - 1}"
    m = _YEAR_MONTH_JA_RE.match(s)
    if m:
        s = f"{m.group(1)}-{m.group(2)}"
    try:
        return parse_month(s)
    except ValueError:
        raise ValueError(f"not a period (YYYY-MM or fiscal year such as 2024年度): {text!r}") from None


@dataclass(frozen=True, slots=True)
class ParameterRecord:
    """One firm's management parameters for one period (``None`` = not reported).

    Units and directions: :data:`domain.parameters.PARAMETERS`.
    ``line`` is the file's physical line of the row and ``raw`` its text
    (for a reject made later, such as an unknown firm id; not compared).
    """

    firm_id: str
    period: str
    size_class: int | None = None
    profitable: int | None = None
    ordinary_margin_pct: float | None = None
    employees: int | None = None
    nonregular_ratio_pct: float | None = None
    overtime_hours: float | None = None
    ar_turnover_days: float | None = None
    indirect_staff_ratio_pct: float | None = None
    line: int = 0
    raw: str = field(default="", compare=False, repr=False)

    def values(self) -> dict[str, int | float | None]:
        """Parameter name → value, in :data:`PARAMETER_NAMES` order."""
        return {name: getattr(self, name) for name in PARAMETER_NAMES}


def _variants(text: str) -> list[str]:
    """A header's match keys: as written and without a trailing unit ((%), （日）, /月)."""
    key = header_key(text)
    short = re.sub(r"(\([^()]*\)|/月|\[[^\[\]]*\])$", "", key)
    return [key, short] if short and short != key else [key]


_LOOKUP: dict[str, str] = {}
for _field, _names in SYNONYMS.items():
    for _n in (_field, *_names):
        for _k in _variants(_n):
            _LOOKUP.setdefault(_k, _field)


def _map_columns(cells: list[str]) -> dict[str, int]:
    cols: dict[str, int] = {}
    for i, cell in enumerate(cells):
        for key in _variants(cell):
            field = _LOOKUP.get(key)
            if field is not None and field not in cols:
                cols[field] = i
                break
    return cols


def _value(text: str, p: ParameterSpec) -> int | float | None:
    s = unicodedata.normalize("NFKC", text).strip()
    if s.lower() in _MISSING:
        return None
    if p.name == "profitable" and s.lower() in _PROFIT_WORDS:
        return _PROFIT_WORDS[s.lower()]
    s = _UNIT_SUFFIX_RE.sub("", s.replace(",", "")).strip()
    s = accounting_minus(s)
    if not _NUMBER_RE.match(s):
        raise ValueError(f"not a number: {text!r}")
    number = float(s)
    if not math.isfinite(number):
        raise ValueError(f"not a finite number: {text!r}")
    p.check(number)
    if p.value_type is int:
        if not number.is_integer():
            raise ValueError(f"{p.name} must be a whole number: {text!r}")
        return int(number)
    return number


def _parse(name: str, row: CsvRow, cols: dict[str, int],
           default_period: str | None) -> ParameterRecord | Reject:
    cells, raw = row.cells, row.raw
    if "\ufffd" in raw:
        return Reject(name, row.line, "bytes that are not valid in the file's encoding", raw=raw)
    if max(cols.values()) >= len(cells):
        return Reject(name, row.line, f"too few columns ({len(cells)})", raw=raw)
    firm_id = unicodedata.normalize("NFKC", cells[cols["firm_id"]]).strip()
    if not firm_id:
        return Reject(name, row.line, "firm_id is empty", column="firm_id", raw=raw)
    period = default_period
    if "period" in cols and cells[cols["period"]].strip():
        try:
            period = parse_period(cells[cols["period"]])
        except ValueError as e:
            return Reject(name, row.line, str(e), column="period", raw=raw)
    if period is None:
        return Reject(name, row.line, "period is empty and no default period was given",
                      column="period", raw=raw)
    values: dict[str, int | float | None] = {}
    for p in PARAMETERS:
        if p.name not in cols:
            continue
        try:
            values[p.name] = _value(cells[cols[p.name]], p)
        except ValueError as e:
            return Reject(name, row.line, str(e), column=p.name, raw=raw)
    if all(v is None for v in values.values()):
        return Reject(name, row.line, "no parameter value in the row", raw=raw)
    return ParameterRecord(
        firm_id=firm_id,
        period=period,
        size_class=_as_int(values.get("size_class")),
        profitable=_as_int(values.get("profitable")),
        ordinary_margin_pct=_as_float(values.get("ordinary_margin_pct")),
        employees=_as_int(values.get("employees")),
        nonregular_ratio_pct=_as_float(values.get("nonregular_ratio_pct")),
        overtime_hours=_as_float(values.get("overtime_hours")),
        ar_turnover_days=_as_float(values.get("ar_turnover_days")),
        indirect_staff_ratio_pct=_as_float(values.get("indirect_staff_ratio_pct")),
        line=row.line,
        raw=raw,
    )


def _as_int(v: int | float | None) -> int | None:
    return None if v is None else int(v)


def _as_float(v: int | float | None) -> float | None:
    return None if v is None else float(v)


def read_parameters(path: Path, period: str | None = None,
                    encoding: str | None = None) -> Iterator[ParameterRecord | Reject]:
    """Yield a :class:`ParameterRecord` or a :class:`Reject` for every non-blank data row.

    ``period``: the period of rows that have none (``"FY2024"``, ``"2025-03"``
    …; normalised by :func:`parse_period`, which raises :class:`ValueError`
    here, before any row is read, if it is not a period).
    """
    default = parse_period(period) if period is not None else None
    return _read(path, default, encoding)


def _read(path: Path, default_period: str | None,
          encoding: str | None) -> Iterator[ParameterRecord | Reject]:
    name = str(path)
    rows = iter_csv_rows(path, encoding)
    header = read_header(rows, name, mapper=_map_columns)
    if isinstance(header, Reject):
        yield header
        return
    cols = header.cols
    if "firm_id" not in cols:
        yield Reject(name, header.line, "header lacks the firm_id column (企業ID)",
                     column="header", raw=header.raw)
        return
    if not any(p in cols for p in PARAMETER_NAMES):
        yield Reject(name, header.line, "header has no parameter column", column="header",
                     raw=header.raw)
        return
    if "period" not in cols and default_period is None:
        yield Reject(name, header.line,
                     "no period: the file has no period column (期間/年月/年度) and no period "
                     "was given", column="period", raw=header.raw)
        return
    seen: dict[tuple[str, str], int] = {}
    for row in rows:
        if row.defect:
            yield Reject(name, row.line, row.defect, raw=row.raw)
            continue
        if row.is_blank:
            continue
        rec = _parse(name, row, cols, default_period)
        if isinstance(rec, ParameterRecord):
            key = (rec.firm_id, rec.period)
            if key in seen:
                yield Reject(name, row.line,
                             f"duplicate firm_id {rec.firm_id!r} for period {rec.period} "
                             f"(first at line {seen[key]})", column="firm_id", raw=row.raw)
                continue
            seen[key] = row.line
        yield rec
