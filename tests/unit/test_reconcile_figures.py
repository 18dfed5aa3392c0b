"""Two-sided reconciliation and ledger figures, hand-checked."""

from __future__ import annotations

import pytest

from graph.ledger_figures import monthly_figures, size_class
from graph.reconcile import reconcile
from queries.model import PaymentRow, TradeRow


def test_reconcile_reports_only_beyond_tolerance() -> None:
    obs = [
        TradeRow("A", "B", "2025-04", "A", 100_000, 1), TradeRow("A", "B", "2025-04", "B", 99_500, 1),  # 0.5 %
        TradeRow("A", "B", "2025-05", "A", 100_000, 1), TradeRow("A", "B", "2025-05", "B", 80_000, 1),  # 20 %
        TradeRow("A", "B", "2025-06", "A", 50_000, 1),  # buyer has nothing
        TradeRow("A", "B", "2025-07", "A", 900, 1),  # tiny, below ¥1,000
        TradeRow("A", "B", "2025-08", "C", 5_000, 1),  # third party: ignored
    ]
    got = [(d.month, d.seller_says, d.buyer_says, d.difference, d.difference_pct) for d in reconcile(obs)]
    assert got == [("2025-06", 50_000, None, 50_000, 100.0), ("2025-05", 100_000, 80_000, 20_000, 20.0)]


def test_monthly_figures_balances_and_days() -> None:
    trades = [TradeRow("C", "X", "2025-01", "C", 1_200_000, 1), TradeRow("C", "X", "2025-03", "C", 600_000, 1),
              TradeRow("S", "C", "2025-01", "C", 300_000, 1)]
    payments = [PaymentRow("X", "C", "2025-02", "C", 1_000_000, 1), PaymentRow("C", "S", "2025-03", "C", 300_000, 1)]
    f = monthly_figures("C", trades, payments)
    assert list(f.index) == ["2025-01", "2025-02", "2025-03"]
    assert list(f["sales"]) == [1_200_000, 0, 600_000]
    assert list(f["receivable"]) == [1_200_000, 200_000, 800_000]
    assert list(f["payable"]) == [300_000, 300_000, 0]
    # March: trailing sales 1.8M over 3 months -> annual 7.2M; 800k / (7.2M/365) = 40.6 days
    assert f.loc["2025-03", "receivable_days"] == pytest.approx(40.6, abs=0.05)
    assert f.loc["2025-03", "annual_sales"] == 7_200_000 and f.loc["2025-03", "size_class"] == 1


def test_size_classes() -> None:
    assert [size_class(x) for x in (0, 49_999_999, 50_000_000, 99e6, 1e8, 999e6, 1e9)] == [1, 1, 2, 2, 3, 3, 4]
