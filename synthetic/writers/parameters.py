"""Management parameters ``parameters.csv`` (UTF-8), one row per client and fiscal year.

Columns firm_id,period,size_class,profitable,ordinary_margin_pct,employees,
nonregular_ratio_pct,overtime_hours,ar_turnover_days,indirect_staff_ratio_pct.
``period`` is the fiscal year as ``FY2023`` (April 2023 – March 2024).
Sales and receivables come from the client's own ledger lines: size class by
annual sales (annualised for a part year of at least 6 months) — 1: < ¥50M,
2: ¥50–100M, 3: ¥100M–1B, 4: ≥ ¥1B; receivable turnover days =
売掛金 at the year end (or the last month) / annual sales × 365. Firms in
distress during the year make a loss; the other figures are drawn around
values typical for Japanese SMEs (profit margin ≈ 2%, indirect staff ≈ 10%).
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from synthetic.economy import Economy
from synthetic.ledger import ClientBook

__all__ = ["write_parameters", "HEADER", "size_class"]

HEADER = ["firm_id", "period", "size_class", "profitable", "ordinary_margin_pct", "employees",
          "nonregular_ratio_pct", "overtime_hours", "ar_turnover_days", "indirect_staff_ratio_pct"]


def size_class(annual_sales: float) -> int:
    if annual_sales < 50e6:
        return 1
    if annual_sales < 100e6:
        return 2
    if annual_sales < 1e9:
        return 3
    return 4


def parameter_rows(book: ClientBook, econ: Economy, distressed_fy: set[int],
                   rng: np.random.Generator) -> list[list[str]]:
    c = book.index
    rows: list[list[str]] = []
    indirect = float(np.clip(rng.normal(12.0, 4.0), 3.0, 35.0))
    nonreg_base = 40.0 if econ.tier[c] == 4 else 18.0
    for fy in sorted(book.fy_months):
        months = book.fy_months[fy]
        if months < 6:
            continue
        sales = book.fy_sales.get(fy, 0)
        annual = sales * 12.0 / months
        ar_days = book.fy_ar_end.get(fy, 0) / annual * 365.0 if annual > 0 else 0.0
        margin = rng.normal(2.5, 2.5) - 0.25 * (indirect - 10.0)
        if fy in distressed_fy:
            margin = -abs(rng.normal(6.0, 3.0)) - 0.5
        overtime = max(0.0, rng.normal(18.0, 8.0) + (10.0 if fy in distressed_fy else 0.0))
        nonreg = float(np.clip(rng.normal(nonreg_base, 8.0), 0.0, 90.0))
        indirect_fy = float(np.clip(indirect + rng.normal(0, 0.8), 2.0, 40.0))
        rows.append([book.client_id, f"FY{fy}", str(size_class(annual)), "1" if margin > 0 else "0",
                     f"{margin:.2f}", str(int(econ.employees[c])), f"{nonreg:.1f}",
                     f"{overtime:.1f}", f"{ar_days:.1f}", f"{indirect_fy:.1f}"])
    return rows


def write_parameters(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(HEADER)
        w.writerows(rows)
