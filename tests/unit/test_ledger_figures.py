"""Days of a client's balances from its ledger (``graph.ledger_figures``)."""

from __future__ import annotations

from graph.ledger_figures import countback_days, figures_from_sums


def _months(first_year: int, n: int) -> list[str]:
    return [f"{first_year + (i // 12)}-{i % 12 + 1:02d}" for i in range(n)]


def test_lumpy_purchases_paid_the_next_month_are_a_month_of_payables() -> None:
    """Purchases stop for eleven months and start again; each month's bill is
    paid the month after. Over a year's purchases the first bill read 365
    days; counted back it is the month it came in (a firm of the demo region)."""
    months = _months(2023, 20)
    purchases = {m: 0 for m in months}
    purchases.update({months[0]: 500_000, months[12]: 1_433_851, months[13]: 1_431_826, months[14]: 8_106_118})
    payments = {months[1]: 500_000, months[13]: 1_433_851, months[14]: 1_431_826}
    sales = {m: 10_000_000 for m in months}
    fig = figures_from_sums({"sales": sales, "receipts": sales, "purchases": purchases, "payments": payments})
    days = fig["payable_days"]
    assert (days[months[12]], days[months[13]], days[months[14]]) == (31.0, 29.0, 31.0)  # each its month
    assert days[months[15]] == 30.0 + 31.0  # March's bill, still unpaid at the end of April
    assert days[months[5]] == 0.0  # nothing owed
    assert days[months[19]] == 184.0  # left unpaid, the bill ages a month at a time


def test_countback_edges() -> None:
    assert countback_days([0, 50], [0, 0], [31, 30]) == [None, None]  # no purchases in the window: no days
    assert countback_days([-10], [100], [31]) == [0.0]  # overpaid: nothing owed
    # a balance larger than the window's purchases: every day of the window, no more
    assert countback_days([100, 1_000], [100, 100], [31, 30], months=2) == [31.0, 61.0]


def test_below_zero_names_the_runs_of_months_a_balance_is_negative() -> None:
    """A payment file of months whose purchases are not loaded (a 全銀 file a
    year off the journal) takes the payable balance below zero: the runs of
    such months are named, each side on its own; none when every balance holds."""
    from graph.ledger_figures import below_zero

    fig = figures_from_sums({"sales": {"2025-01": 100}, "receipts": {"2025-02": 100},
                             "purchases": {"2025-03": 100}, "payments": {"2025-01": 80, "2025-04": 30}})
    assert below_zero(fig) == {"receivable": [], "payable": [("2025-01", "2025-02"), ("2025-04", "2025-04")]}
    fig = figures_from_sums({"sales": {"2025-01": 100}, "receipts": {"2025-02": 50}})
    assert below_zero(fig) == {"receivable": [], "payable": []}
    assert below_zero(figures_from_sums({})) == {"receivable": [], "payable": []}
