"""A firm's ego network: its trading partners within one or two hops.

The study behind torihiki evaluates a firm together with its trading
partners ("a firm with six partners is a group of seven"). This module
builds that group as a directed graph (edges seller → buyer, weighted by
yen), assigns each partner a role, and computes first metrics with networkx.

Roles of first-hop partners, seen from the ego firm:
``customer`` (the ego sells to it), ``supplier`` (it sells to the ego) or
``both``. Second-hop partners have role ``indirect`` and list the first-hop
partners they reach the ego through (``via``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import networkx as nx

from graph.records import CountedTrade as TradeLike

__all__ = ["TradeLike", "EgoNode", "EgoEdge", "EgoNetwork", "build_ego_graph", "ego_network", "ego_metrics"]



@dataclass(frozen=True)
class EgoNode:
    id: str
    hop: int  # 0 for the ego firm itself
    role: str  # ego | customer | supplier | both | indirect
    sales_to: int = 0  # yen the ego sold to this partner in the window
    purchases_from: int = 0  # yen the ego bought from this partner
    months: tuple[str, ...] = ()  # months with trade between ego and partner
    via: tuple[str, ...] = ()  # for hop 2: the first-hop partners in between


@dataclass(frozen=True)
class EgoEdge:
    source: str  # seller
    target: str  # buyer
    amount: int  # yen over the window
    lines: int
    monthly: tuple[tuple[str, int], ...]  # (YYYY-MM, yen), sorted by month


@dataclass
class EgoNetwork:
    ego: str
    hops: int
    nodes: list[EgoNode]
    edges: list[EgoEdge]
    truncated: bool = False
    metrics: dict[str, float | int | None] = field(default_factory=dict)


def build_ego_graph(trades: Iterable[TradeLike]) -> nx.DiGraph:
    """A DiGraph seller → buyer with ``amount`` (yen), ``lines`` and
    ``monthly`` ({month: yen}) summed over the given monthly trades."""
    g = nx.DiGraph()
    for t in trades:
        if g.has_edge(t.seller, t.buyer):
            d = g[t.seller][t.buyer]
            d["amount"] += t.amount
            d["lines"] += t.lines
            d["monthly"][t.month] = d["monthly"].get(t.month, 0) + t.amount
        else:
            g.add_edge(t.seller, t.buyer, amount=t.amount, lines=t.lines, monthly={t.month: t.amount})
    return g


def ego_network(
    ego: str,
    first_hop_trades: Iterable[TradeLike],
    second_hop_trades: Iterable[TradeLike] = (),
    *,
    hops: int = 1,
    max_nodes: int = 500,
) -> EgoNetwork:
    """Assemble the ego network from the trades around the ego and around its
    first-hop partners.

    Parameters
    ----------
    ego : the focal firm id.
    first_hop_trades : monthly trades with the ego as seller or buyer.
    second_hop_trades : monthly trades with a first-hop partner as seller or
        buyer (used for ties among partners and, with ``hops=2``, for the
        second hop).
    hops : 1 or 2.
    max_nodes : cap on nodes; the largest second-hop partners by yen are kept.

    Notes
    -----
    With ``hops=1`` the graph is the ego, its partners and the trades among
    them. With ``hops=2`` it adds partners of partners and their trades with
    first-hop partners; trades between two second-hop firms are not included.
    """
    if hops not in (1, 2):
        raise ValueError("hops must be 1 or 2")
    g1 = build_ego_graph(first_hop_trades)
    first = set(g1.nodes) - {ego}
    g2 = build_ego_graph(second_hop_trades)
    keep = {ego} | first
    truncated = False
    second_weight: dict[str, int] = defaultdict(int)
    via: dict[str, set[str]] = defaultdict(set)
    if hops == 2:
        for u, v, d in g2.edges(data=True):
            for a, b in ((u, v), (v, u)):
                if a in first and b not in keep:
                    second_weight[b] += abs(d["amount"])
                    via[b].add(a)
        ranked = sorted(second_weight, key=lambda n: (-second_weight[n], n))
        room = max(0, max_nodes - len(keep))
        truncated = len(ranked) > room
        keep |= set(ranked[:room])
    g = nx.DiGraph()
    g.add_node(ego)
    for src in (g1, g2):
        for u, v, d in src.edges(data=True):
            if u in keep and v in keep and not g.has_edge(u, v):
                g.add_edge(u, v, **d)
    nodes = [EgoNode(ego, 0, "ego")]
    for n in sorted(first):
        sales = g[ego][n]["amount"] if g.has_edge(ego, n) else 0
        purchases = g[n][ego]["amount"] if g.has_edge(n, ego) else 0
        months = set()
        for a, b in ((ego, n), (n, ego)):
            if g.has_edge(a, b):
                months |= set(g[a][b]["monthly"])
        role = "both" if g.has_edge(ego, n) and g.has_edge(n, ego) else (
            "customer" if g.has_edge(ego, n) else "supplier")
        nodes.append(EgoNode(n, 1, role, sales, purchases, tuple(sorted(months))))
    for n in sorted(keep - first - {ego}):
        nodes.append(EgoNode(n, 2, "indirect", via=tuple(sorted(via[n]))))
    edges = [
        EgoEdge(u, v, d["amount"], d["lines"], tuple(sorted(d["monthly"].items())))
        for u, v, d in sorted(g.edges(data=True))
    ]
    net = EgoNetwork(ego, hops, nodes, edges, truncated)
    net.metrics = ego_metrics(g, ego)
    return net


def _share_of_top(weights: Mapping[str, int]) -> float | None:
    total = sum(w for w in weights.values() if w > 0)
    return None if total <= 0 else max(weights.values()) / total


def ego_metrics(g: nx.DiGraph, ego: str) -> dict[str, float | int | None]:
    """First metrics of the ego firm in its ego graph.

    Returns
    -------
    dict with ``out_degree`` (number of customers), ``in_degree`` (number of
    suppliers), ``out_strength`` (sales, yen), ``in_strength`` (purchases,
    yen), ``top_customer_share`` and ``top_supplier_share`` (largest single
    partner's share of sales / purchases, 0–1; ``None`` without any), and
    ``partners`` (distinct first-hop partners).
    """
    if ego not in g:
        return {"out_degree": 0, "in_degree": 0, "out_strength": 0, "in_strength": 0,
                "top_customer_share": None, "top_supplier_share": None, "partners": 0}
    sales = {v: int(d["amount"]) for _, v, d in g.out_edges(ego, data=True)}
    purchases = {u: int(d["amount"]) for u, _, d in g.in_edges(ego, data=True)}
    return {
        "out_degree": int(g.out_degree(ego)),
        "in_degree": int(g.in_degree(ego)),
        "out_strength": int(g.out_degree(ego, weight="amount")),
        "in_strength": int(g.in_degree(ego, weight="amount")),
        "top_customer_share": _share_of_top(sales) if sales else None,
        "top_supplier_share": _share_of_top(purchases) if purchases else None,
        "partners": len(set(sales) | set(purchases)),
    }
