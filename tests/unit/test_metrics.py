"""Ego metrics on a small hand-checked network, and agreement with networkx."""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from graph import metrics as M
from graph.ego import build_ego_graph, ego_metrics
from graph.network import TradeNetwork


@dataclass(frozen=True)
class T:
    seller: str
    buyer: str
    month: str
    amount: int
    lines: int = 1


# Window 2025-01 … 2025-06 (two quarters). Yen.
#   E sells to A (300 in Jan + 300 in Apr), B (200 Feb), C (200 May): sales 1000
#   E buys from S (400 Jan) and A (100 Mar):                           purchases 500
#   S sells to A (500 Feb): the one tie among E's partners
#   B sells to X (300 Jun): X is two hops from E
TRADES = [
    T("E", "A", "2025-01", 300), T("E", "A", "2025-04", 300), T("E", "B", "2025-02", 200),
    T("E", "C", "2025-05", 200), T("S", "E", "2025-01", 400), T("A", "E", "2025-03", 100),
    T("S", "A", "2025-02", 500), T("B", "X", "2025-06", 300),
]
DISTRESSED = {"X", "C"}
CLIENTS = {"A", "X"}


def is_nan(x: object) -> bool:
    return x != x  # NaN is the only value not equal to itself


@pytest.fixture(scope="module")
def net() -> TradeNetwork:
    return TradeNetwork.from_trades(TRADES, start="2025-01", end="2025-06")


@pytest.fixture(scope="module")
def table(net: TradeNetwork) -> pd.DataFrame:
    return M.ego_metrics_table(net, ["E", "A", "B", "C", "S", "X", "nobody"],
                               distressed=DISTRESSED, clients=CLIENTS)


def test_degree_strength_and_shares(net: TradeNetwork, table: pd.DataFrame) -> None:
    e = table.loc["E"]
    assert (e.out_degree, e.in_degree, e.partners) == (3, 2, 4)  # A,B,C / S,A / A,B,C,S
    assert (e.out_strength, e.in_strength) == (1000, 500)
    # sales shares A .6, B .2, C .2: top1 .6, top3 1, HHI .36 + .04 + .04 = .44
    assert e.top_customer_share == pytest.approx(0.6)
    assert e.top3_customer_share == pytest.approx(1.0)
    assert e.customer_hhi == pytest.approx(0.44)
    # purchase shares S .8, A .2: top1 .8, HHI .64 + .04 = .68
    assert e.top_supplier_share == pytest.approx(0.8)
    assert e.top3_supplier_share == pytest.approx(1.0)
    assert e.supplier_hhi == pytest.approx(0.68)
    # X buys only: no customers → customer shares undefined
    assert is_nan(table.loc["X", "top_customer_share"])
    assert M.top_share(net, ["E"], side="supplier") == {"E": pytest.approx(0.8)}
    assert M.top_share(net, ["E"], k=2) == {"E": pytest.approx(0.8)}
    assert M.hhi(net, ["E"], side="supplier") == {"E": pytest.approx(0.68)}
    assert M.out_degree(net, ["E"]) == {"E": 3} and M.in_degree(net, ["E"]) == {"E": 2}
    assert M.partner_count(net, ["E"]) == {"E": 4}
    assert M.out_strength(net, ["E"]) == {"E": 1000} and M.in_strength(net, ["E"]) == {"E": 500}


def test_first_metrics_agree_with_graph_ego() -> None:
    net = TradeNetwork.from_trades(TRADES)
    tab = M.ego_metrics_table(net, ["E", "A", "B"])
    for firm in ("E", "A", "B"):
        first = ego_metrics(build_ego_graph(TRADES), firm)
        for name, value in first.items():
            got = tab.loc[firm, name]
            if value is None:
                assert is_nan(got)
            else:
                assert got == pytest.approx(value), (firm, name)


def test_constraint_and_effective_size_by_hand(net: TradeNetwork, table: pd.DataFrame) -> None:
    # Mutual yen of E: A 600+100=700, B 200, C 200, S 400; total 1500.
    # p_EA=7/15, p_EB=p_EC=2/15, p_ES=4/15. Partner totals: A 700+500=1200, S 400+500=900.
    # constraint(E) = (7/15 + 4/15·500/900)² + (2/15)² + (2/15)² + (4/15 + 7/15·500/1200)²
    #              = (83/135)² + 2·(2/15)² + (83/180)² = 182593/291600
    assert table.loc["E", "constraint"] == pytest.approx(182593 / 291600)
    # effective size: m_AS = 500/max(700,500) = 5/7, m_SA = 500/max(400,500) = 1
    # e(E) = (1 − 4/15·5/7) + 1 + 1 + (1 − 7/15·1) = 117/35
    assert table.loc["E", "effective_size"] == pytest.approx(117 / 35)
    # C has a single partner: constraint 1, effective size 1
    assert table.loc["C", "constraint"] == pytest.approx(1.0)
    assert table.loc["C", "effective_size"] == pytest.approx(1.0)
    assert M.constraint(net, ["E"]) == {"E": pytest.approx(182593 / 291600)}
    assert M.effective_size(net, ["E"]) == {"E": pytest.approx(117 / 35)}
    # the same as networkx on the window graph with mutual yen as weight
    u = mutual_graph(net)
    nodes = ["E", "A", "B", "C", "S", "X"]
    assert table.loc[nodes, "constraint"].tolist() == pytest.approx(
        [nx.constraint(u, nodes=nodes, weight="w")[n] for n in nodes])
    assert table.loc[nodes, "effective_size"].tolist() == pytest.approx(
        [nx.effective_size(u, nodes=nodes, weight="w")[n] for n in nodes])
    # and as networkx's own whole-graph (sparse) path on the DiGraph
    g = net.graph
    assert table.loc[nodes, "constraint"].tolist() == pytest.approx(
        [nx.constraint(g, weight="amount")[n] for n in nodes])


def test_density_and_reciprocity_by_hand(net: TradeNetwork, table: pd.DataFrame) -> None:
    # E's partners A, B, C, S: one tie among them (S–A) of 4·3/2 = 6 possible
    assert table.loc["E", "ego_density"] == pytest.approx(1 / 6)
    assert table.loc["B", "ego_density"] == 0.0  # partners E and X do not trade
    assert is_nan(table.loc["C", "ego_density"])  # one partner
    # A is customer and supplier of E: 1 of 4 partners; yen (600+100)/1500 = 7/15
    assert table.loc["E", "reciprocity"] == pytest.approx(0.25)
    assert table.loc["E", "reciprocity_amount"] == pytest.approx(7 / 15)
    assert M.reciprocity(net, ["E"], weighted=True) == {"E": pytest.approx(7 / 15)}
    assert M.ego_density(net, ["E"]) == {"E": pytest.approx(1 / 6)}


def test_churn_by_hand(net: TradeNetwork, table: pd.DataFrame) -> None:
    # Quarters: Q1 = Jan–Mar, Q2 = Apr–Jun.
    # E: Q1 partners {A, B, S}, Q2 {A, C} → new {C} = 1, lost {B, S} = 2, rate 2/3
    e = table.loc["E"]
    assert (e.new_partners_per_period, e.lost_partners_per_period) == (1.0, 2.0)
    assert e.partner_churn_rate == pytest.approx(2 / 3)
    # A: Q1 {E, S}, Q2 {E} → new 0, lost 1, rate 1/2
    a = table.loc["A"]
    assert (a.new_partners_per_period, a.lost_partners_per_period) == (0.0, 1.0)
    assert a.partner_churn_rate == pytest.approx(0.5)
    # X: nothing in Q1 → new 1, lost 0, rate undefined (no partners to lose)
    assert table.loc["X", "new_partners_per_period"] == 1.0
    assert is_nan(table.loc["X", "partner_churn_rate"])
    # monthly periods: E's partners by month Jan {A,S}, Feb {B}, Mar {A}, Apr {A}, May {C},
    # Jun {}: new 1+1+0+1+0 = 3, lost 2+1+0+1+1 = 5 over 5 steps; rate 5/(2+1+1+1+1)
    assert M.new_partners_per_period(net, ["E"], period_months=1) == {"E": pytest.approx(0.6)}
    assert M.lost_partners_per_period(net, ["E"], period_months=1) == {"E": pytest.approx(1.0)}
    assert M.partner_churn_rate(net, ["E"], period_months=1) == {"E": pytest.approx(5 / 6)}
    # fewer than two whole periods: undefined
    assert math.isnan(M.partner_churn_rate(net, ["E"], period_months=4)["E"])
    assert math.isnan(M.new_partners_per_period(net, ["E"], period_months=4)["E"])


def test_churn_periods_count_back_from_the_window_end() -> None:
    # 7 months with quarters: the first month (2025-01) is left out
    n = TradeNetwork.from_trades([T("E", "A", "2025-01", 1), T("E", "B", "2025-03", 1),
                                  T("E", "C", "2025-06", 1)], start="2025-01", end="2025-07")
    # Q = Feb–Apr {B}, May–Jul {C}: new 1, lost 1
    assert M.new_partners_per_period(n, ["E"]) == {"E": 1.0}
    assert M.lost_partners_per_period(n, ["E"]) == {"E": 1.0}


def test_coverage_by_hand(net: TradeNetwork, table: pd.DataFrame) -> None:
    # clients A and X. E sells 600 of 1000 to A; buys 100 of 500 from A.
    assert table.loc["E", "client_sales_coverage"] == pytest.approx(0.6)
    assert table.loc["E", "client_purchase_coverage"] == pytest.approx(0.2)
    # B sells only to X (client), buys only from E (not a client)
    assert table.loc["B", "client_sales_coverage"] == 1.0
    assert table.loc["B", "client_purchase_coverage"] == 0.0
    assert M.client_coverage(net, ["E"], clients=CLIENTS, side="supplier") == {
        "E": pytest.approx(0.2)}


def test_distress_metrics_by_hand(net: TradeNetwork, table: pd.DataFrame) -> None:
    # distressed C and X. E: p_EC = 2/15 (of 1500 mutual yen)
    assert table.loc["E", "partner_distress_share"] == pytest.approx(2 / 15)
    assert table.loc["E", "customer_distress_share"] == pytest.approx(0.2)  # 200 of 1000 sales
    assert table.loc["E", "supplier_distress_share"] == 0.0
    # B trades 200 with E and 300 with X: 300/500
    assert table.loc["B", "partner_distress_share"] == pytest.approx(0.6)
    # two-hop for E: only B has a distressed partner other than E: p_EB · 300/500 = 2/15·0.6
    assert table.loc["E", "two_hop_distress_exposure"] == pytest.approx(0.08)
    # hops: E–C 1, A–E–C 2, B–X 1, S–E–C 2, C and X themselves 0
    assert table.loc[["E", "A", "B", "C", "S", "X"], "hops_to_distress"].tolist() == [
        1, 2, 1, 0, 2, 0]
    assert table.loc[["E", "C"], "distressed"].tolist() == [0, 1]


def test_two_hop_excludes_the_firm_itself(net: TradeNetwork) -> None:
    # E distressed too: E's own distress is not E's exposure (still 0.08)
    assert M.two_hop_distress_exposure(net, ["E"], distressed={"X", "C", "E"}) == {
        "E": pytest.approx(0.08)}
    # A with only E distressed: via E (partners of E other than A: none distressed) 0,
    # via S (p_AS = 500/1200; S's partners other than A: E, 400 of 900) → 5/12 · 4/9 = 5/27
    assert M.two_hop_distress_exposure(net, ["A"], distressed={"E"}) == {
        "A": pytest.approx(5 / 27)}
    assert M.partner_distress_share(net, ["A"], distressed={"E"}) == {
        "A": pytest.approx(700 / 1200)}


def test_hops_agree_with_networkx_and_no_distress(net: TradeNetwork) -> None:
    u = net.graph.to_undirected()
    want = nx.multi_source_dijkstra_path_length(u, DISTRESSED)
    got = M.hops_to_distress(net, distressed=DISTRESSED)
    assert got == {n: float(want[n]) for n in u}
    assert all(math.isnan(x) for x in M.hops_to_distress(net, distressed=set()).values())


def test_unknown_firms_and_plain_numbers(table: pd.DataFrame, net: TradeNetwork) -> None:
    row = table.loc["nobody"]
    assert (row.out_degree, row.partners, row.out_strength, row.distressed) == (0, 0, 0, 0)
    assert is_nan(row.constraint) and is_nan(row.hops_to_distress)
    assert list(table.columns) == list(M.METRIC_NAMES)
    for col in table.columns:
        assert table[col].dtype == (np.int64 if col in M._INT_COLUMNS else np.float64), col
    for fn in (M.constraint, M.effective_size, M.ego_density, M.reciprocity, M.hhi):
        for v in fn(net).values():
            assert type(v) is float
    for v in M.out_degree(net).values():
        assert type(v) is int
    assert all(type(v) is float for v in M.hops_to_distress(net, distressed={"C"}).values())


def test_metric_specs() -> None:
    names = [m.name for m in M.METRICS]
    assert len(names) == len(set(names))
    assert all(m.worse in ("higher", "lower", None) for m in M.METRICS)
    assert all(m.unit and m.description and m.reference for m in M.METRICS)
    worse = {m.name: m.worse for m in M.METRICS}
    assert worse["constraint"] == "higher" and worse["effective_size"] == "lower"
    assert worse["hops_to_distress"] == "lower" and worse["out_strength"] is None


def _random_network(seed: int, n: int = 60, m: int = 300, hubs: int = 2) -> TradeNetwork:
    """Random trade with a few hub firms (so the heavy-firm split is exercised)."""
    rng = np.random.default_rng(seed)
    rows = []
    for _ in range(m):
        s, b = rng.integers(0, n, 2)
        rows.append((f"F{s:03d}", f"F{b:03d}", f"2024-{rng.integers(1, 13):02d}",
                     int(rng.integers(1, 10_000))))
    for h in range(hubs):
        for b in rng.choice(n, n // 3, replace=False):
            rows.append((f"H{h}", f"F{b:03d}", "2024-06", int(rng.integers(1, 10_000))))
    return TradeNetwork(pd.DataFrame(rows, columns=["seller", "buyer", "month", "amount"]))


def mutual_graph(net: TradeNetwork) -> nx.Graph:
    """Undirected graph with weight = yen in both directions (Burt's mutual weight)."""
    u = nx.Graph()
    u.add_nodes_from(net.graph)
    for a, b, d in net.graph.edges(data=True):
        w = u.get_edge_data(a, b, {"w": 0})["w"]
        u.add_edge(a, b, w=w + d["amount"])
    return u


@functools.cache
def _nx_holes(seed: int) -> tuple[TradeNetwork, dict[str, float], dict[str, float]]:
    net = _random_network(seed)
    u = mutual_graph(net)
    return (net, nx.constraint(u, nodes=list(u), weight="w"),
            nx.effective_size(u, nodes=list(u), weight="w"))


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("threshold", [None, 0, 5, 10**9])
def test_structural_holes_agree_with_networkx(seed: int, threshold: int | None) -> None:
    net, c, e = _nx_holes(seed)
    firms = list(net.index)
    holes = M._holes(M._structure(net), net.codes(firms), threshold)
    assert holes.constraint.tolist() == pytest.approx([c[f] for f in firms], rel=1e-9,
                                                      nan_ok=True)
    assert holes.effective_size.tolist() == pytest.approx([e[f] for f in firms], rel=1e-9,
                                                          nan_ok=True)
    u = net.graph.to_undirected()
    dens = [nx.density(nx.ego_graph(u, f, center=False)) if u.degree(f) >= 2 else math.nan
            for f in firms]
    assert holes.density.tolist() == pytest.approx(dens, nan_ok=True)


def test_heavy_part_in_small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    # every firm with a partner is "heavy" and entries are expanded 7 at a time
    monkeypatch.setattr(M, "_CHUNK_NNZ", 7)
    net, c, e = _nx_holes(1)
    firms = list(net.index)
    holes = M._holes(M._structure(net), net.codes(firms), 0)
    assert holes.constraint.tolist() == pytest.approx([c[f] for f in firms], rel=1e-9,
                                                      nan_ok=True)
    assert holes.effective_size.tolist() == pytest.approx([e[f] for f in firms], rel=1e-9,
                                                          nan_ok=True)


def test_directed_networkx_agrees_except_for_pure_buyers() -> None:
    # On the DiGraph with weight="amount" networkx gives the same values, except that
    # with nodes= it returns nan for a firm that only buys (its isolation check looks
    # at successors only: networkx issue #2661, still in 3.6).
    net, c, _ = _nx_holes(0)
    g = net.graph
    sellers = [f for f in net.index if g.out_degree(f) > 0]
    d = nx.constraint(g, nodes=sellers, weight="amount")
    assert [d[f] for f in sellers] == pytest.approx([c[f] for f in sellers], rel=1e-9)


@pytest.mark.parametrize("seed", [0, 1])
def test_reciprocity_and_hops_agree_with_networkx(seed: int) -> None:
    net = _random_network(seed)
    g = net.graph
    firms = [f for f in net.index if g.degree(f) > 0]
    got = M.reciprocity(net, firms)
    # networkx counts edges: r = 2o/(n+o); per partner o/n = r/(2 − r)
    for f in firms:
        r = nx.reciprocity(g, f)
        assert got[f] == pytest.approx(r / (2 - r))
    distressed = set(firms[::17])
    want = nx.multi_source_dijkstra_path_length(g.to_undirected(), distressed)
    hops = M.hops_to_distress(net, firms, distressed=distressed)
    assert hops == {f: float(want[f]) if f in want else pytest.approx(math.nan, nan_ok=True)
                    for f in firms}


def test_distress_shares_agree_with_a_direct_computation() -> None:
    net = _random_network(3)
    g = net.graph
    distressed = set(list(net.index)[::7])
    share = M.partner_distress_share(net, distressed=distressed)
    two = M.two_hop_distress_exposure(net, distressed=distressed)

    def mutual(a: str, b: str) -> float:
        return float(g.get_edge_data(a, b, {"amount": 0})["amount"]
                     + g.get_edge_data(b, a, {"amount": 0})["amount"])

    def p(a: str) -> dict[str, float]:
        ws = {b: mutual(a, b) for b in nx.all_neighbors(g, a)}
        tot = sum(ws.values())
        return {b: w / tot for b, w in ws.items()}

    for f in net.index:
        if g.degree(f) == 0:
            continue
        pf = p(f)
        assert share[f] == pytest.approx(sum(w for b, w in pf.items() if b in distressed))
        want = sum(w * sum(x for q, x in p(b).items() if q in distressed and q != f)
                   for b, w in pf.items())
        assert two[f] == pytest.approx(want)


def test_edge_cases_empty_and_unknown() -> None:
    one = TradeNetwork.from_trades([T("A", "B", "2025-01", 5)])
    assert M.ego_metrics_table(one, []).empty
    row = M.ego_metrics_table(one, ["nobody"], distressed={"nobody"}).loc["nobody"]
    assert row.distressed == 1 and row.partners == 0 and is_nan(row.hops_to_distress)
    # a single month: churn undefined
    assert is_nan(M.ego_metrics_table(one, ["A"]).loc["A", "lost_partners_per_period"])
    empty = TradeNetwork(pd.DataFrame(columns=["seller", "buyer", "month", "amount"]),
                         start="2025-01", end="2025-06", firms=["A"])
    row = M.ego_metrics_table(empty).loc["A"]
    assert row.out_degree == 0 and is_nan(row.constraint) and is_nan(row.partner_churn_rate)
    assert row.new_partners_per_period == 0.0  # two whole quarters, no partners in either
