"""Figures derived from one client's own ledger, per month.

From the trade and settlement rows that a client's ledger recorded
(observer = the client): sales and purchases (yen), receivable and payable
balances (yen), receivable and payable turnover (days), and the size class
of the study (by annualised sales).

Balances start at zero at the first month with data (an opening balance is
not in the ledger), so early months understate them. Receivable days use
the trailing twelve months of sales, annualised when fewer months exist —
``receivable days = receivable balance / (annual sales / 365)``, the
study's accounts-receivable turnover. Payable days are counted back
(:func:`countback_days`): a small firm's purchases come in lumps, and a
month's bill over a year's purchases made of eleven empty months read as 365
days for a supplier paid the next month.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

import pandas as pd

from graph.records import MonthlyPayment as PaymentObs
from graph.records import MonthlyTrade as TradeObs

__all__ = ["TradeObs", "PaymentObs", "monthly_figures", "figures_from_sums", "size_class", "countback_days",
           "below_zero", "SIZE_CLASS_BOUNDS", "KINDS", "COUNTBACK_MONTHS"]

KINDS = ("sales", "purchases", "receipts", "payments")

# The study's size classes by annual sales (yen): 1 < ¥50M ≤ 2 < ¥100M ≤ 3 < ¥1B ≤ 4.
SIZE_CLASS_BOUNDS = (50_000_000, 100_000_000, 1_000_000_000)




def size_class(annual_sales_yen: float) -> int:
    """The study's size class 1–4 for annual sales in yen."""
    return 1 + sum(annual_sales_yen >= b for b in SIZE_CLASS_BOUNDS)


COUNTBACK_MONTHS = 12
"""How far back :func:`countback_days` counts (months): a balance older than
that reads as the window's days."""


def countback_days(balance: Sequence[float], flow: Sequence[float], days_in_month: Sequence[int],
                   months: int = COUNTBACK_MONTHS) -> list[float | None]:
    """Days of each month-end ``balance`` by the countback method: take the
    month's ``flow`` (purchases, yen) and the months before it, newest first,
    until they make up the balance; the days of the months used up in full,
    plus the share of the last one's days. A month with no flow still counts
    its days (the balance aged through it). 0 for a balance of 0 or less; the
    days of the ``months`` counted when the balance is larger than all their
    flow; ``None`` where those months have no flow at all.

    >>> countback_days([100, 150], [100, 100], [30, 31])  # a month's bill, half the month before
    [30.0, 46.0]
    >>> countback_days([0, 0, 80], [50, 0, 80], [31, 30, 31])  # lumpy: paid the next month
    [0.0, 0.0, 31.0]
    """
    out: list[float | None] = []
    for t, b in enumerate(balance):
        first = max(0, t - months + 1)
        if not any(flow[k] > 0 for k in range(first, t + 1)):
            out.append(None)
            continue
        left, total = float(b), 0.0
        if left <= 0:
            out.append(0.0)
            continue
        for k in range(t, first - 1, -1):
            f = float(flow[k])
            if f > 0 and f >= left:
                total += left / f * days_in_month[k]
                left = 0.0
                break
            left -= max(f, 0.0)
            total += days_in_month[k]
        out.append(round(total, 1))
    return out


def monthly_figures(client: str, trades: Iterable[TradeObs], payments: Iterable[PaymentObs]) -> pd.DataFrame:
    """One row per month (index ``month``, ``YYYY-MM``, gaps filled) with
    columns ``sales``, ``purchases``, ``receipts``, ``payments`` (yen),
    ``receivable``, ``payable`` (yen, month-end balances),
    ``receivable_days``, ``payable_days`` (days), ``annual_sales`` (yen) and
    ``size_class`` (1–4)."""
    sums: dict[str, dict[str, int]] = {k: defaultdict(int) for k in KINDS}
    for t in trades:
        if t.seller == client:
            sums["sales"][t.month] += t.amount
        elif t.buyer == client:
            sums["purchases"][t.month] += t.amount
    for p in payments:
        if p.payee == client:
            sums["receipts"][p.month] += p.amount
        elif p.payer == client:
            sums["payments"][p.month] += p.amount
    return figures_from_sums(sums)


def figures_from_sums(sums: Mapping[str, Mapping[str, int]]) -> pd.DataFrame:
    """:func:`monthly_figures` from the client's yen per month of each kind
    (``sales``, ``purchases``, ``receipts``, ``payments``; ``YYYY-MM`` keys)."""
    cols = list(KINDS)
    months_seen = sorted({m for k in cols for m, v in sums.get(k, {}).items()})
    if not months_seen:
        return pd.DataFrame(columns=[*cols, "receivable", "payable", "receivable_days", "payable_days",
                                     "annual_sales", "size_class"]).rename_axis("month")
    months = pd.period_range(months_seen[0], months_seen[-1], freq="M").strftime("%Y-%m")
    wide = pd.DataFrame({k: [int(sums.get(k, {}).get(m, 0)) for m in months] for k in cols},
                        index=pd.Index(months, name="month"), dtype="int64")
    wide["receivable"] = (wide["sales"] - wide["receipts"]).cumsum()
    wide["payable"] = (wide["purchases"] - wide["payments"]).cumsum()
    n = wide["sales"].rolling(12, min_periods=1).count()
    annual_sales = wide["sales"].rolling(12, min_periods=1).sum() * 12 / n
    wide["annual_sales"] = annual_sales.round().astype("int64")
    wide["receivable_days"] = (wide["receivable"] / (annual_sales / 365)).where(annual_sales > 0).round(1)
    month_days = pd.PeriodIndex(months, freq="M").days_in_month.tolist()
    wide["payable_days"] = pd.Series(countback_days(wide["payable"].tolist(), wide["purchases"].tolist(), month_days),
                                     index=wide.index, dtype="float64")
    wide["size_class"] = [size_class(x) for x in annual_sales]
    return wide


def below_zero(figures: pd.DataFrame) -> dict[str, list[tuple[str, str]]]:
    """The runs of months (first, last; ``YYYY-MM``) whose month-end
    ``receivable`` or ``payable`` balance (yen) of :func:`figures_from_sums`
    is below zero: the ledger records more received than sold, or more paid
    than bought, up to then — settlements of months whose sales or purchases
    are not loaded (a bank statement or 全銀 file of another year than the
    journal), or a balance brought forward that the ledger does not hold.
    Days read 0 (payable) or below 0 (receivable) there, which is not a
    payment term. Empty lists when no balance goes below zero.

    >>> f = figures_from_sums({"purchases": {"2025-03": 100}, "payments": {"2025-01": 80, "2025-04": 30}})
    >>> below_zero(f)
    {'receivable': [], 'payable': [('2025-01', '2025-02'), ('2025-04', '2025-04')]}
    """
    out: dict[str, list[tuple[str, str]]] = {}
    for side in ("receivable", "payable"):
        runs: list[tuple[str, str]] = []
        start: str | None = None
        months = [str(m) for m in figures.index]
        for i, (month, negative) in enumerate(zip(months, (figures[side] < 0).tolist(), strict=True)):
            if negative and start is None:
                start = month
            if start is not None and (not negative or i == len(months) - 1):
                runs.append((start, month if negative else months[i - 1]))
                start = None
        out[side] = runs
    return out
