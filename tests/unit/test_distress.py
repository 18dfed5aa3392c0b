"""Distress reasons at the end of a window: parameters, ledger figures, trade."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import pytest

from graph.distress import (
    LOSS_MAKING,
    REASONS,
    RECEIVABLE_DAYS_RISING,
    STOPPED_TRADING,
    distress_reasons,
    loss_making,
    period_end,
    receivable_days_rising,
    stopped_trading,
)
from graph.ledger_figures import monthly_figures
from graph.network import TradeNetwork
from queries.model import ParameterRow, PaymentRow, TradeEdge


def P(firm: str, period: str, **values: float) -> ParameterRow:
    return ParameterRow(firm, period, tuple(values.items()))


PARAMS = [
    P("A", "FY2023", profitable=1, ar_turnover_days=40.0),
    P("A", "FY2024", profitable=0, ar_turnover_days=45.0),    # loss; +5 days only
    P("B", "FY2023", profitable=1, ar_turnover_days=30.0),
    P("B", "FY2024", profitable=1, ar_turnover_days=40.0),    # +10 days: at the threshold
    P("C", "FY2022", profitable=0, ar_turnover_days=90.0),
    P("C", "FY2023", profitable=1, ar_turnover_days=50.0),    # recovered; days fell
    P("D", "FY2024", ordinary_margin_pct=-3.0),               # no flag, no days
    P("E", "2024-06", profitable=1, ar_turnover_days=20.0),   # monthly periods
    P("E", "2024-09", profitable=0, ar_turnover_days=float("nan")),
]


def test_period_end() -> None:
    assert period_end("FY2024") == "2025-03"  # April 2024 – March 2025
    assert period_end("2024-09") == "2024-09"
    with pytest.raises(ValueError):
        period_end("2024Q3")


def test_loss_making_uses_the_latest_known_period() -> None:
    assert loss_making(PARAMS) == {"A", "E"}
    # at the end of 2024-12, FY2024 (ending 2025-03) is not known yet: A was profitable
    assert loss_making(PARAMS, end="2024-12") == {"E"}
    assert loss_making(PARAMS, end="2024-08") == set()
    # C: loss in FY2022, profit in FY2023 → not loss-making
    assert "C" not in loss_making(PARAMS)


def test_receivable_days_from_parameters() -> None:
    # B +10 (threshold is inclusive); A +5; C −40; E's last value is NaN (skipped)
    assert receivable_days_rising(PARAMS) == {"B"}
    assert receivable_days_rising(PARAMS, min_rise_days=5.0) == {"A", "B"}
    assert receivable_days_rising(PARAMS, end="2025-02") == set()  # FY2024 unknown


@dataclass(frozen=True)
class T:
    seller: str
    buyer: str
    month: str
    amount: int


def _ledger(slow_from: int) -> pd.DataFrame:
    """Client K sells 1.2M yen a month; customers pay the next month until month
    ``slow_from``, then two months later (receivables pile up)."""
    months = [f"2024-{m:02d}" for m in range(1, 13)]
    trades = [T("K", "Y", mth, 1_200_000) for mth in months]
    payments = []
    for i, _ in enumerate(months):
        lag = 1 if i < slow_from else 2
        if i + lag < len(months):
            payments.append(PaymentRow("Y", "K", months[i + lag], "K", 1_200_000, 1))
    return monthly_figures("K", trades, payments)


def test_receivable_days_from_ledger_figures() -> None:
    steady = _ledger(slow_from=99)
    slowed = _ledger(slow_from=6)
    # steady: balance one month of sales → about 30 days throughout (after warm-up)
    assert steady["receivable_days"].iloc[3:].tolist() == pytest.approx([30.4] * 9, abs=0.1)
    # slowed: from 2024-07 the balance holds two months of sales → about 61 days.
    # last 3 months ≈ 60.8, the 3 before (Apr–Jun) 30.4: rise ≈ 30 days ≥ 10
    assert receivable_days_rising(figures={"K": slowed}) == {"K"}
    assert receivable_days_rising(figures={"K": steady}) == set()
    # at the end of June nothing has changed yet
    assert receivable_days_rising(figures={"K": slowed}, end="2024-06") == set()
    # too short a history (fewer than 2×3 months after the 3 warm-up months)
    assert receivable_days_rising(figures={"K": slowed.iloc[:8]}) == set()


def test_stopped_trading() -> None:
    trades = [
        TradeEdge("A", "B", "2025-01", 100, 1), TradeEdge("A", "B", "2025-02", 100, 1),
        TradeEdge("C", "B", "2025-05", 100, 1),  # B still buys in May: not stopped
        TradeEdge("D", "C", "2025-06", 50, 1),   # D starts late: not stopped
        TradeEdge("E", "C", "2025-03", 80, 1),   # E's last trade is March
    ]
    net = TradeNetwork.from_trades(trades, start="2025-01", end="2025-06")
    # last 3 months = Apr–Jun: A (last Feb) and E (last Mar) stopped
    assert stopped_trading(net) == {"A", "E"}
    assert stopped_trading(net, quiet_months=4) == {"A"}  # Mar–Jun quiet: only A
    assert stopped_trading(net, quiet_months=6) == set()  # nothing before the quiet months
    with pytest.raises(ValueError):
        stopped_trading(net, quiet_months=0)


def test_distress_reasons_combined() -> None:
    trades = [TradeEdge("A", "Z", "2024-04", 100, 1), TradeEdge("Z", "B", "2025-03", 100, 1)]
    net = TradeNetwork.from_trades(trades, start="2024-04", end="2025-03")
    got = distress_reasons(network=net, parameters=PARAMS)
    # end defaults to the network's last month (2025-03): FY2024 is known
    assert got == {
        "A": {LOSS_MAKING, STOPPED_TRADING},
        "B": {RECEIVABLE_DAYS_RISING},
        "E": {LOSS_MAKING},
    }
    assert set(REASONS) == {LOSS_MAKING, RECEIVABLE_DAYS_RISING, STOPPED_TRADING}
    # without a network: parameters only, all periods
    assert distress_reasons(parameters=PARAMS, end="2024-12") == {"E": {LOSS_MAKING}}
    assert distress_reasons() == {}


def test_stopped_trading_at_an_end_before_the_networks_last_month() -> None:
    """The region's month as the end: a later month's trade (one client's
    early file) neither counts as trade nor moves the quiet months."""
    import pandas as pd

    from graph.distress import stopped_trading
    from graph.network import TradeNetwork

    net = TradeNetwork(pd.DataFrame({"seller": ["A", "B", "C", "D"], "buyer": ["X", "X", "X", "X"],
                                     "month": ["2025-01", "2024-12", "2025-03", "2025-04"],
                                     "amount": [1, 1, 1, 1]}))
    assert stopped_trading(net) == {"A", "B"}  # quiet: February to April
    assert stopped_trading(net, end="2025-03") == {"B"}  # quiet: January to March; D's April not counted
    assert stopped_trading(net, end="2025-02") == set()  # D and C: later than the end, not "stopped"
