"""Ego network assembly and first metrics, hand-checked on a small graph."""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import pytest

from graph.ego import build_ego_graph, ego_metrics, ego_network


@dataclass(frozen=True)
class T:
    seller: str
    buyer: str
    month: str
    amount: int
    lines: int = 1


# E sells to C1 (300+100) and C2 (100); buys from S1 (50); trades both ways with B.
FIRST = [
    T("E", "C1", "2025-04", 300), T("E", "C1", "2025-05", 100), T("E", "C2", "2025-04", 100),
    T("S1", "E", "2025-04", 50), T("E", "B", "2025-06", 100), T("B", "E", "2025-06", 150),
]
# Around the partners: C1 buys from S1 (a tie among partners) and from X (second hop).
SECOND = FIRST + [T("S1", "C1", "2025-04", 70), T("X", "C1", "2025-05", 20), T("Y", "X", "2025-05", 5)]


def test_roles_amounts_and_months() -> None:
    net = ego_network("E", FIRST, SECOND, hops=1)
    roles = {n.id: (n.hop, n.role, n.sales_to, n.purchases_from, n.months) for n in net.nodes}
    assert roles == {
        "E": (0, "ego", 0, 0, ()),
        "B": (1, "both", 100, 150, ("2025-06",)),
        "C1": (1, "customer", 400, 0, ("2025-04", "2025-05")),
        "C2": (1, "customer", 100, 0, ("2025-04",)),
        "S1": (1, "supplier", 0, 50, ("2025-04",)),
    }
    # hop 1 keeps the tie among partners (S1 -> C1) but not X.
    assert {(e.source, e.target) for e in net.edges} == {
        ("E", "C1"), ("E", "C2"), ("S1", "E"), ("E", "B"), ("B", "E"), ("S1", "C1")}
    c1 = next(e for e in net.edges if (e.source, e.target) == ("E", "C1"))
    assert c1.monthly == (("2025-04", 300), ("2025-05", 100)) and c1.amount == 400


def test_second_hop_and_cap() -> None:
    net = ego_network("E", FIRST, SECOND, hops=2)
    hop2 = [n for n in net.nodes if n.hop == 2]
    assert [(n.id, n.role, n.via) for n in hop2] == [("X", "indirect", ("C1",))]
    assert ("X", "C1") in {(e.source, e.target) for e in net.edges}
    assert ("Y", "X") not in {(e.source, e.target) for e in net.edges}  # hop2-hop2 ties excluded
    capped = ego_network("E", FIRST, SECOND, hops=2, max_nodes=5)
    assert capped.truncated and all(n.hop < 2 for n in capped.nodes)


def test_metrics_hand_checked_and_agree_with_networkx() -> None:
    g = build_ego_graph(FIRST)
    m = ego_metrics(g, "E")
    # sales: C1 400, C2 100, B 100 -> 600; purchases: S1 50, B 150 -> 200
    assert m == {"out_degree": 3, "in_degree": 2, "out_strength": 600, "in_strength": 200,
                 "top_customer_share": pytest.approx(400 / 600), "top_supplier_share": pytest.approx(150 / 200),
                 "partners": 4}
    ref = nx.DiGraph()
    for t in FIRST:
        w = ref.get_edge_data(t.seller, t.buyer, {"amount": 0})["amount"]
        ref.add_edge(t.seller, t.buyer, amount=w + t.amount)
    assert m["out_strength"] == ref.out_degree("E", weight="amount")
    assert m["in_degree"] == ref.in_degree("E")
    assert isinstance(m["out_strength"], int) and isinstance(m["top_customer_share"], float)


def test_isolated_firm_and_bad_hops() -> None:
    net = ego_network("E", [], [], hops=1)
    assert [n.id for n in net.nodes] == ["E"] and net.edges == []
    assert net.metrics["top_customer_share"] is None
    with pytest.raises(ValueError):
        ego_network("E", [], [], hops=3)
