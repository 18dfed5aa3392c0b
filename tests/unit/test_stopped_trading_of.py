"""``stopped_trading_of`` (from each firm's first and last month with
turnover) answers as ``stopped_trading`` on the network of the same monthly
totals — the rule the network view and the dossier used to build a network
for."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graph.distress import active_span, stopped_trading, stopped_trading_of
from graph.network import TradeNetwork, month_range

MONTHS = month_range("2023-10", "2025-03")  # 18 months, across two year ends

totals = st.dictionaries(
    st.sampled_from([f"F{i}" for i in range(12)]),
    st.lists(st.tuples(st.sampled_from(MONTHS), st.integers(-3, 3), st.integers(-3, 3)), max_size=10),
    max_size=12)
bound = st.one_of(st.none(), st.sampled_from(MONTHS))


def _series(rows: list[tuple[str, int, int]]) -> tuple[list[str], list[int], list[int]]:
    by = {m: (s, p) for m, s, p in rows}
    months = sorted(by)
    return months, [by[m][0] for m in months], [by[m][1] for m in months]


def _by_network(firms: dict[str, list[tuple[str, int, int]]], start: str | None, end: str | None) -> set[str]:
    """The rule as the network view applied it: each firm's turnover a tie to one sink."""
    rows = []
    for f, monthly in firms.items():
        months, sales, purchases = _series(monthly)
        rows += [(f, "\x00sink", m, s + p) for m, s, p in zip(months, sales, purchases, strict=True)
                 if (start is None or m >= start) and (end is None or m <= end) and s + p != 0]
    if not rows:
        return set()
    net = TradeNetwork(pd.DataFrame(rows, columns=["seller", "buyer", "month", "amount"]), start=start, end=end)
    return stopped_trading(net) - {"\x00sink"}


@settings(max_examples=300, deadline=None)
@given(totals, bound, bound)
def test_agrees_with_the_network_rule(firms: dict[str, list[tuple[str, int, int]]], start: str | None,
                                      end: str | None) -> None:
    if start is not None and end is not None and start > end:
        start, end = end, start
    spans = {}
    for f, monthly in firms.items():
        span = active_span(*_series(monthly), start, end)
        if span is not None:
            spans[f] = span
    assert stopped_trading_of(spans, start=start, end=end) == _by_network(firms, start, end)


def test_active_span_skips_zero_turnover_and_months_outside() -> None:
    months, sales, purchases = ["2024-01", "2024-02", "2024-03", "2024-04"], [5, 0, 3, 0], [0, 0, -3, 2]
    assert active_span(months, sales, purchases) == ("2024-01", "2024-04")
    assert active_span(months, sales, purchases, "2024-02", "2024-03") is None  # 0 and 3 − 3
    assert active_span(months, sales, purchases, "2024-02") == ("2024-04", "2024-04")
    assert active_span([], [], []) is None


def test_window_not_longer_than_the_quiet_months() -> None:
    spans = {"A": ("2024-12", "2024-12"), "B": ("2025-03", "2025-03")}
    assert stopped_trading_of(spans, start="2025-01", end="2025-03") == set()  # three months: all quiet
    assert stopped_trading_of(spans, start="2024-12", end="2025-03") == {"A"}
    assert stopped_trading_of(spans) == {"A"}  # 2024-12 … 2025-03 from the spans
    with pytest.raises(ValueError):
        stopped_trading_of(spans, quiet_months=0)
