"""TradeNetwork: window, aggregation, units and lookups, hand-checked."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from graph.network import TradeNetwork, month_range
from queries.model import TradeEdge


def _df(rows: list[tuple[str, str, str, int]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["seller", "buyer", "month", "amount"])


ROWS = [
    ("A", "B", "2025-01", 100),
    ("A", "B", "2025-01", 20),   # same month: summed to 120
    ("A", "B", "2025-03", 50),   # A→B over the window: 170 yen in 2 months
    ("B", "C", "2025-02", 30),
    ("C", "C", "2025-02", 999),  # self-trade: dropped
    ("C", "A", "2025-02", 10),
    ("C", "A", "2025-03", -15),  # credit note: C→A nets to −5, not a tie
    ("D", "A", "2024-12", 70),   # before the window below
]


def test_window_months_and_monthly_edges() -> None:
    net = TradeNetwork(_df(ROWS), start="2025-01", end="2025-04")
    assert net.months == ("2025-01", "2025-02", "2025-03", "2025-04")  # gap month kept
    assert (net.start, net.end) == ("2025-01", "2025-04")
    # D only traded before the window: not a firm of this network
    assert list(net.index) == ["A", "B", "C"]
    e = net.edges.assign(seller=lambda d: d["seller"].astype(str),
                         buyer=lambda d: d["buyer"].astype(str),
                         month=lambda d: d["month"].astype(str))
    assert list(e.itertuples(index=False, name=None)) == [
        ("A", "B", "2025-01", 120), ("A", "B", "2025-03", 50),
        ("B", "C", "2025-02", 30),
        ("C", "A", "2025-02", 10), ("C", "A", "2025-03", -15),
    ]
    assert e["amount"].dtype == np.int64


def test_aggregated_graph_and_matrix() -> None:
    net = TradeNetwork(_df(ROWS), start="2025-01", end="2025-04")
    g = net.graph
    assert sorted(g.nodes) == ["A", "B", "C"]
    # C→A sums to −5 yen: kept in edges, not a tie
    assert sorted(g.edges(data=True)) == [
        ("A", "B", {"amount": 170, "months": 2}),
        ("B", "C", {"amount": 30, "months": 1}),
    ]
    a = net.matrix().toarray()
    assert a.tolist() == [[0, 170, 0], [0, 0, 30], [0, 0, 0]]
    s, b, amount, months = net.ties()
    assert s.tolist() == [0, 1] and b.tolist() == [1, 2]
    assert amount.tolist() == [170.0, 30.0] and months.tolist() == [2, 1]


def test_default_window_is_the_data_and_extra_firms() -> None:
    net = TradeNetwork(_df(ROWS), firms=["Z"])
    assert net.months[0] == "2024-12" and net.months[-1] == "2025-03"
    assert "D" in net and "Z" in net and net.n_firms == 5
    assert net.graph.degree("Z") == 0
    assert net.customers("Z") == {} and net.suppliers("Z") == {}


def test_customers_suppliers_partners() -> None:
    net = TradeNetwork(_df(ROWS + [("A", "C", "2025-02", 400)]), start="2025-01", end="2025-03")
    # largest first: yen over the window, months with trade
    assert net.customers("A") == {"C": (400, 1), "B": (170, 2)}
    assert net.suppliers("B") == {"A": (170, 2)}
    assert net.suppliers("A") == {}  # C→A nets to −5 yen
    assert net.partners("A") == {"B", "C"}
    with pytest.raises(KeyError):
        net.customers("nobody")


def test_from_trade_records_and_codes() -> None:
    edges = [TradeEdge("S", "B", "2025-05", 1_000, 2, ("S",)),
             TradeEdge("S", "B", "2025-06", 500, 1, ("S", "B"))]
    net = TradeNetwork.from_trades(edges)
    assert net.customers("S") == {"B": (1_500, 2)}
    assert net.codes(["S", "B", "X"]).tolist() == [1, 0, -1]


def test_window_of_a_network() -> None:
    net = TradeNetwork(_df(ROWS), start="2025-01", end="2025-03")
    q1 = net.window("2025-02", "2025-03")
    assert q1.months == ("2025-02", "2025-03")
    assert list(q1.index) == list(net.index)  # same firms
    assert q1.customers("A") == {"B": (50, 1)}


def test_bad_months_are_refused() -> None:
    with pytest.raises(ValueError, match="YYYY-MM"):
        TradeNetwork(_df([("A", "B", "2025-13", 1)]))
    with pytest.raises(ValueError, match="YYYY-MM"):
        TradeNetwork(_df([("A", "B", "2025/01", 1)]))
    with pytest.raises(ValueError, match="before"):
        TradeNetwork(_df([("A", "B", "2025-01", 1)]), start="2025-02", end="2025-01")
    with pytest.raises(ValueError, match="columns"):
        TradeNetwork(pd.DataFrame({"seller": ["A"]}))
    with pytest.raises(ValueError, match="start and end"):
        TradeNetwork(_df([]))


def test_empty_window() -> None:
    net = TradeNetwork(_df([]), start="2025-01", end="2025-02", firms=["A"])
    assert net.months == ("2025-01", "2025-02") and list(net.index) == ["A"]
    assert net.matrix().nnz == 0 and len(net.edges) == 0


def test_month_range() -> None:
    assert month_range("2024-11", "2025-02") == ("2024-11", "2024-12", "2025-01", "2025-02")
    with pytest.raises(ValueError):
        month_range("2025-02", "2025-01")
