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
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple

from domain.second_hop import second_hop_weights, top_by_weight
from graph.records import CountedTrade as TradeLike
from graph.records import PairSeries, window_slice

if TYPE_CHECKING:  # annotations; imported where a DiGraph is built (a large import for the server's start)
    import networkx as nx

__all__ = [
    "TradeLike", "PairSeries", "EgoNode", "EgoEdge", "EgoNetwork", "build_ego_graph", "ego_network",
    "ego_metrics", "metrics_of", "window_pairs", "window_amounts", "window_monthly", "partner_sums",
    "rank_partners", "rank_second_hop", "reached_via", "assemble", "pairs_of_trades",
]



class EgoNode(NamedTuple):
    """A firm of an ego network (a named tuple: a two-hop answer builds a few
    hundred of them per request, and a frozen dataclass costs ~3x as much
    to build)."""

    id: str
    hop: int  # 0 for the ego firm itself
    role: str  # ego | customer | supplier | both | indirect
    sales_to: int = 0  # yen the ego sold to this partner in the window
    purchases_from: int = 0  # yen the ego bought from this partner
    months: tuple[str, ...] = ()  # months with trade between ego and partner
    via: tuple[str, ...] = ()  # for hop 2: the first-hop partners in between


class EgoEdge(NamedTuple):
    """Trade seller → buyer over the window (a named tuple, as :class:`EgoNode`)."""

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


class _Pair(NamedTuple):
    """One pair's trade over the window: yen, lines and yen per month."""

    seller: str
    buyer: str
    amount: int
    lines: int
    monthly: tuple[tuple[str, int], ...]


def _in_window(pairs: Iterable[PairSeries], start: str | None,
               end: str | None) -> Iterator[tuple[PairSeries, int, int]]:
    """Each pair with a month inside the inclusive window, with the slice
    ``[i:j]`` of its tuples that the window holds (months are sorted,
    ``PairSeries``: found by bisection, not month by month). A pair seen
    again, and trade of a firm with itself, are skipped."""
    seen: set[tuple[str, str]] = set()
    for p in pairs:
        key = (p.seller, p.buyer)
        if p.seller == p.buyer or key in seen:
            continue
        i, j = window_slice(p.months, start, end)
        if i < j:
            seen.add(key)
            yield p, i, j


def window_pairs(pairs: Iterable[PairSeries], start: str | None = None,
                 end: str | None = None) -> dict[tuple[str, str], _Pair]:
    """Pairs summed over the months inside the inclusive window; pairs with
    no month inside are absent. Trade of a firm with itself is dropped."""
    out: dict[tuple[str, str], _Pair] = {}
    if start is None and end is None:  # the common case: sums over whole tuples, in C
        for p in pairs:
            key = (p.seller, p.buyer)
            if p.seller != p.buyer and p.months and key not in out:
                out[key] = _Pair(p.seller, p.buyer, sum(p.amounts), sum(p.lines),
                                 tuple(zip(p.months, p.amounts, strict=True)))
        return out
    for p, i, j in _in_window(pairs, start, end):
        months, amounts = p.months[i:j], p.amounts[i:j]
        out[(p.seller, p.buyer)] = _Pair(p.seller, p.buyer, sum(amounts), sum(p.lines[i:j]),
                                         tuple(zip(months, amounts, strict=True)))
    return out


def window_amounts(pairs: Iterable[PairSeries], start: str | None = None,
                   end: str | None = None) -> list[tuple[str, str, int]]:
    """(seller, buyer, yen inside the window) of :func:`window_pairs`, in its
    order, without building each pair's monthly tuples (what the network
    view draws and what an ego ranks its partners by: a busy firm has
    thousands of pairs, of which it shows a few hundred)."""
    return [(p.seller, p.buyer, sum(p.amounts[i:j])) for p, i, j in _in_window(pairs, start, end)]


def window_monthly(pairs: Iterable[PairSeries], start: str | None = None,
                   end: str | None = None) -> dict[tuple[str, str], dict[str, int]]:
    """(seller, buyer) → {month: yen} inside the window, of :func:`window_pairs`
    (what a trend reads of the firm's own pairs)."""
    return {(p.seller, p.buyer): dict(zip(p.months[i:j], p.amounts[i:j], strict=True))
            for p, i, j in _in_window(pairs, start, end)}


@dataclass(frozen=True)
class _MonthlyPair:
    seller: str
    buyer: str
    months: tuple[str, ...]
    amounts: tuple[int, ...]
    lines: tuple[int, ...]


def pairs_of_trades(trades: Iterable[TradeLike]) -> list[_MonthlyPair]:
    """Monthly trades folded into pair series (same month summed)."""
    acc: dict[tuple[str, str], dict[str, list[int]]] = defaultdict(dict)
    for t in trades:
        cell = acc[(t.seller, t.buyer)].setdefault(t.month, [0, 0])
        cell[0] += t.amount
        cell[1] += t.lines
    out = []
    for (s, b), by_month in acc.items():
        months = tuple(sorted(by_month))
        out.append(_MonthlyPair(s, b, months, tuple(by_month[m][0] for m in months),
                                tuple(by_month[m][1] for m in months)))
    return out


def build_ego_graph(trades: Iterable[TradeLike]) -> nx.DiGraph:
    """A DiGraph seller → buyer with ``amount`` (yen), ``lines`` and
    ``monthly`` ({month: yen}) summed over the given monthly trades."""
    import networkx as nx  # here: nothing else of the server's start needs networkx

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


def partner_sums(ego: str, pairs: Iterable[tuple[str, str, int]]) -> tuple[dict[str, int], dict[str, int]]:
    """Yen the ego sold to each customer and bought from each supplier, from
    (seller, buyer, yen) of its pairs (other pairs are ignored)."""
    sales: dict[str, int] = {}
    purchases: dict[str, int] = {}
    for s, b, amount in pairs:
        if s == b:
            continue
        if s == ego:
            sales[b] = amount
        elif b == ego:
            purchases[s] = amount
    return sales, purchases


def rank_partners(sales: Mapping[str, int], purchases: Mapping[str, int],
                  room: int) -> tuple[list[str], bool]:
    """The ``room`` largest partners by yen both ways (ties by id) and
    whether some were left out."""
    weight: dict[str, int] = defaultdict(int)
    for q, a in sales.items():
        weight[q] += abs(a)
    for q, a in purchases.items():
        weight[q] += abs(a)
    ranked = sorted(weight, key=lambda q: (-weight[q], q))
    return sorted(ranked[:max(0, room)]), len(ranked) > room


def rank_second_hop(keep: set[str], first: Iterable[str],
                    around: Iterable[tuple[str, str, int]], room: int
                    ) -> tuple[list[str], dict[str, set[str]], bool]:
    """Second-hop firms by their yen with the kept first-hop partners
    (``around``: seller, buyer, yen of pairs touching them): the ``room``
    largest (ties by id), the partners each kept one is reached through,
    and whether some were left out."""
    first_set = set(first)
    rows = around if isinstance(around, list) else list(around)
    weight = second_hop_weights(keep, first_set, rows)
    if room <= 0:
        return [], {}, bool(weight)
    ranked = top_by_weight(weight, room)
    return ranked, reached_via(first_set, ranked, ((s, b) for s, b, _ in rows)), len(weight) > room


def reached_via(first: Collection[str], second: Iterable[str],
                pairs: Iterable[tuple[str, str]]) -> dict[str, set[str]]:
    """For each firm of ``second``, the firms of ``first`` it trades with
    (``pairs``: seller, buyer of pairs touching ``first``)."""
    kept = set(second)
    via: dict[str, set[str]] = defaultdict(set)
    for s, b in pairs:
        if s in first and b in kept:
            via[b].add(s)
        if b in first and s in kept:
            via[s].add(b)
    return via


def assemble(ego: str, hops: int, sales: Mapping[str, int], purchases: Mapping[str, int],
             kept_first: Iterable[str], kept_second: Iterable[str],
             via: Mapping[str, set[str]], pairs: Mapping[tuple[str, str], _Pair],
             truncated: bool) -> EgoNetwork:
    """The :class:`EgoNetwork` of the kept firms from the window's pairs
    among them: the ego's pairs with kept partners, ties among first-hop
    partners and, with ``hops=2``, pairs between first- and second-hop
    firms (not among second-hop firms). ``sales`` and ``purchases`` (yen
    per partner, every first-hop partner, kept or not) give the roles and
    the metrics."""
    kf, ks = set(kept_first), set(kept_second)
    nodes = [EgoNode(ego, 0, "ego")]
    edges: dict[tuple[str, str], _Pair] = {}
    for n in sorted(kf):
        months: set[str] = set()
        for key in ((ego, n), (n, ego)):
            if key in pairs:
                edges[key] = pairs[key]
                months.update(m for m, _ in pairs[key].monthly)
        role = "both" if n in sales and n in purchases else ("customer" if n in sales else "supplier")
        nodes.append(EgoNode(n, 1, role, sales.get(n, 0), purchases.get(n, 0), tuple(sorted(months))))
    for n in sorted(ks):
        nodes.append(EgoNode(n, 2, "indirect", via=tuple(sorted(via.get(n, ())))))
    for (s, b), p in pairs.items():
        if (s, b) in edges or ego in (s, b):
            continue
        if (s in kf and b in kf) or (hops == 2 and ((s in kf and b in ks) or (s in ks and b in kf))):
            edges[(s, b)] = p
    net = EgoNetwork(ego, hops, nodes, [
        EgoEdge(s, b, p.amount, p.lines, p.monthly) for (s, b), p in sorted(edges.items())], truncated)
    net.metrics = metrics_of(sales, purchases)
    return net


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
    max_nodes : cap on nodes; the largest partners by yen are kept (first-hop
        partners first, then second-hop firms).

    Notes
    -----
    With ``hops=1`` the graph is the ego, its partners and the trades among
    them. With ``hops=2`` it adds partners of partners and their trades with
    first-hop partners; trades between two second-hop firms are not included.
    The API builds the same network from stored pairs (``api.service.ego``)
    with :func:`rank_partners`, :func:`rank_second_hop` and :func:`assemble`.
    """
    if hops not in (1, 2):
        raise ValueError("hops must be 1 or 2")
    first = {k: p for k, p in window_pairs(pairs_of_trades(first_hop_trades)).items() if ego in k}
    others = window_pairs(pairs_of_trades(second_hop_trades))
    sales, purchases = partner_sums(ego, ((s, b, p.amount) for (s, b), p in first.items()))
    kept_first, truncated = rank_partners(sales, purchases, max_nodes - 1)
    kept_second: list[str] = []
    via: dict[str, set[str]] = {}
    if hops == 2:
        keep = {ego, *kept_first}
        around = [(s, b, p.amount) for (s, b), p in others.items()]
        kept_second, via, cut = rank_second_hop(keep, kept_first, around, max_nodes - len(keep))
        truncated = truncated or cut
    return assemble(ego, hops, sales, purchases, kept_first, kept_second, via, {**others, **first},
                    truncated)


def _share_of_top(weights: Mapping[str, int]) -> float | None:
    total = sum(w for w in weights.values() if w > 0)
    return None if total <= 0 else max(weights.values()) / total


def metrics_of(sales: Mapping[str, int], purchases: Mapping[str, int]) -> dict[str, float | int | None]:
    """First metrics of a firm from its yen per customer and per supplier:
    see :func:`ego_metrics`."""
    return {
        "out_degree": len(sales),
        "in_degree": len(purchases),
        "out_strength": int(sum(sales.values())),
        "in_strength": int(sum(purchases.values())),
        "top_customer_share": _share_of_top(sales) if sales else None,
        "top_supplier_share": _share_of_top(purchases) if purchases else None,
        "partners": len(set(sales) | set(purchases)),
    }


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
        return metrics_of({}, {})
    sales = {v: int(d["amount"]) for _, v, d in g.out_edges(ego, data=True) if v != ego}
    purchases = {u: int(d["amount"]) for u, _, d in g.in_edges(ego, data=True) if u != ego}
    return metrics_of(sales, purchases)
