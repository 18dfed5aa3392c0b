"""The management parameters of a firm: one table of specs, shared by ingest and analytics.

The study behind torihiki compares client firms on seven parameters (its
15-firm dummy table is ``shared/data/seed/management_parameters_dummy.csv``)
and cares about an eighth, the indirect-department ratio (間接部門比率).
Each :class:`ParameterSpec` says how the value is written (Japanese header,
unit, type, valid range) and which direction is "better", so a peer baseline
or a correlation chart can orient every axis the same way.

``better`` is ``"higher"``, ``"lower"`` or ``None`` (no normative direction:
size and headcount describe a firm, they do not grade it; the non-regular
staff ratio is left to the data, since the study's own table shows
profitable firms at 40 %).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["ParameterSpec", "Better", "PARAMETERS", "PARAMETER_NAMES", "spec"]

Better = Literal["higher", "lower"]


@dataclass(frozen=True, slots=True)
class ParameterSpec:
    """One management parameter.

    ``name``: snake_case field name; ``ja_header``: the header the study
    uses (as written, full-width; readers match it after NFKC);
    ``aliases``: other headers accepted; ``unit``; ``value_type``: ``int`` or
    ``float``; ``minimum`` / ``maximum``: valid closed range (``None`` =
    unbounded); ``better``: direction of a better-managed firm.
    """

    name: str
    ja_header: str
    unit: str
    value_type: type[int] | type[float]
    minimum: float | None
    maximum: float | None
    better: Better | None
    description: str
    aliases: tuple[str, ...] = ()

    def check(self, value: float) -> None:
        """Raise :class:`ValueError` when ``value`` is outside the valid range."""
        if self.minimum is not None and value < self.minimum:
            raise ValueError(f"{self.name} must be ≥ {self.minimum:g} ({self.unit}): {value:g}")
        if self.maximum is not None and value > self.maximum:
            raise ValueError(f"{self.name} must be ≤ {self.maximum:g} ({self.unit}): {value:g}")


PARAMETERS: tuple[ParameterSpec, ...] = (
    ParameterSpec(
        "size_class", "企業規模", "class", int, 1, 4, None,
        "size class by annual sales: 1 < ¥50M, 2 ¥50M–100M, 3 ¥100M–1B, 4 ≥ ¥1B",
        ("規模", "売上規模"),
    ),
    ParameterSpec(
        "profitable", "経常損益", "flag", int, 0, 1, "higher",
        "ordinary profit (1, black) or loss (0, red); 黒字/赤字 are read as 1/0",
        ("経常損益区分", "黒字"),
    ),
    ParameterSpec(
        "ordinary_margin_pct", "経常利益率（％）", "%", float, -1000, 100, "higher",
        "ordinary profit / sales, percent; negative for a loss. Beyond −1000 % or above "
        "100 % is taken as a unit error (a yen amount or a ratio written as 0.05 is "
        "not caught by the range: check outliers). Caution: in the study's dummy table "
        "every loss firm (経常損益 0) has a positive value below 1 and every profit firm "
        "one above 1 (0.72–2.12), which reads like a ratio around 1 (e.g. 経常収支比率) "
        "rather than a margin; the reader does not cross-check sign and flag",
        ("経常利益率", "売上高経常利益率"),
    ),
    ParameterSpec(
        "employees", "従業員数", "persons", int, 0, 1_000_000, None,
        "number of employees (headcount)",
        ("社員数", "従業員"),
    ),
    ParameterSpec(
        "nonregular_ratio_pct", "非正規社員比率（％）", "%", float, 0, 100, None,
        "non-regular staff / all staff, percent",
        ("非正規社員比率", "非正規比率", "非正規雇用比率"),
    ),
    ParameterSpec(
        "overtime_hours", "平均残業時間/月", "hours/month", float, 0, 300, "lower",
        "average monthly overtime per employee, hours. The legal cap with a special "
        "clause is 100 h/month; above 300 is read as a unit error (yearly hours)",
        ("平均残業時間", "月平均残業時間", "平均残業時間(月)", "残業時間"),
    ),
    ParameterSpec(
        "ar_turnover_days", "売掛金回転期間（日）", "days", float, 0, 1000, "lower",
        "accounts-receivable turnover period, days (receivables / daily sales); "
        "longer ties up cash",
        ("売掛金回転期間", "売掛債権回転期間", "売上債権回転日数"),
    ),
    ParameterSpec(
        "indirect_staff_ratio_pct", "間接部門比率（％）", "%", float, 0, 100, "lower",
        "indirect (back-office) staff / all staff, percent; the study calls about 10 % "
        "healthy and 20 % a drag on profit. Optional",
        ("間接部門比率", "間接部門人員比率"),
    ),
)
"""All parameters, in the study's column order (the optional indirect ratio last)."""

PARAMETER_NAMES: tuple[str, ...] = tuple(p.name for p in PARAMETERS)

_BY_NAME = {p.name: p for p in PARAMETERS}


def spec(name: str) -> ParameterSpec:
    """The spec of parameter ``name`` (``KeyError`` if unknown)."""
    return _BY_NAME[name]
