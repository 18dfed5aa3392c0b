"""One firm-versus-group gap: the portfolio's vectorised gaps equal the trend page's."""

from __future__ import annotations

import numpy as np
import pandas as pd

from graph.peers import MIN_PEERS, peer_percentiles
from graph.trends import group_gaps, trend
from queries.model import TradeEdge


def _random_trade(seed: int) -> tuple[list[str], list[str], list[tuple[str, str, str, int]]]:
    rng = np.random.default_rng(seed)
    firms = [f"F{i}" for i in range(9)]
    months = [f"{y}-{m:02d}" for y in (2023, 2024, 2025) for m in range(1, 13)][3:27]
    rows = [(a, b, m, int(rng.integers(1, 1000))) for m in months for a in firms for b in firms
            if a < b and rng.random() < 0.3]
    return firms, months, rows


def test_group_gaps_equal_the_trend_attribution() -> None:
    for seed in (1, 2, 3):
        firms, months, rows = _random_trade(seed)
        gaps = group_gaps(pd.DataFrame(rows, columns=["seller", "buyer", "month", "amount"]), months, firms)
        edges = [TradeEdge(*r, 1) for r in rows]
        for firm in firms:
            attribution = trend(firm, edges, freq="quarter", start=months[0], end=months[-1]).attribution
            assert attribution is not None
            row = gaps.loc[firm]
            assert row["trend_basis"] == (f"{attribution['period']} vs {attribution['base_period']} "
                                          f"({attribution['basis']})")
            assert abs(row["trend_gap_pp"] - attribution["gap_pp"]) < 1e-9
            assert abs(row["group_growth_pct"] - attribution["group_growth_pct"]) < 1e-9


def test_group_gaps_without_a_year_fall_back_to_the_previous_quarter() -> None:
    firms, months, rows = _random_trade(4)
    short = months[:9]  # three quarters: no year-on-year base
    frame = pd.DataFrame([r for r in rows if r[2] in short], columns=["seller", "buyer", "month", "amount"])
    gaps = group_gaps(frame, short, firms)
    assert gaps["trend_basis"].dropna().str.endswith("(pop)").all()
    assert gaps.loc["NOPE" if "NOPE" in gaps.index else firms[0], "trend_basis"] is not None


def test_peer_percentiles_suppress_small_groups() -> None:
    ids = [f"F{i}" for i in range(MIN_PEERS + 2)]
    firms = pd.DataFrame({"industry": ["E"] * (MIN_PEERS + 1) + ["K"],
                          "size_class": [1] * (MIN_PEERS + 2)}, index=ids)
    table = pd.DataFrame({"x": range(MIN_PEERS + 2)}, index=ids, dtype=float)
    out = peer_percentiles(table, firms, ["x"])
    assert out.loc["F6", "pctl_x"] != out.loc["F6", "pctl_x"]  # NaN: a group of one
    assert out.loc["F0", "pctl_x"] == round(100 * 0.5 / (MIN_PEERS + 1), 1)


def test_peer_percentiles_of_a_client_without_industry_or_size() -> None:
    """A client known by its id alone (no firm master row: no industry, no
    size) has no peer group; the others keep theirs (``torihiki score --all``
    crashed on it: the boolean value of NA)."""
    ids = [f"F{i}" for i in range(MIN_PEERS + 1)] + ["C01"]
    firms = pd.DataFrame({"industry": pd.array(["E"] * (MIN_PEERS + 1) + [None], dtype="string"),
                          "size_class": pd.array([1] * (MIN_PEERS + 1) + [None], dtype="Int64")}, index=ids)
    table = pd.DataFrame({"x": range(MIN_PEERS + 2)}, index=ids, dtype=float)
    out = peer_percentiles(table, firms, ["x"])
    assert out.loc["C01", "peer_group"] is pd.NA or out.loc["C01", "peer_group"] != out.loc["C01", "peer_group"]
    assert out.loc["C01", "pctl_x"] != out.loc["C01", "pctl_x"]  # NaN
    assert out.loc["F0", "peer_basis"] == "division×size" and out.loc["F0", "pctl_x"] == round(
        100 * 0.5 / (MIN_PEERS + 1), 1)


def test_group_gaps_read_a_networks_categorical_edges_as_plain_ids() -> None:
    from graph.network import TradeNetwork

    for seed in (5, 6):
        firms, months, rows = _random_trade(seed)
        # a firm asked for without trade (in the network's index, not in its edges)
        net = TradeNetwork(pd.DataFrame(rows, columns=["seller", "buyer", "month", "amount"]),
                           firms=[*firms, "QUIET"])
        plain = net.edges.assign(seller=net.edges["seller"].astype(str), buyer=net.edges["buyer"].astype(str),
                                 month=net.edges["month"].astype(str))
        asked = [*firms, "QUIET", "ABSENT"]
        pd.testing.assert_frame_equal(group_gaps(net.edges, net.months, asked),
                                      group_gaps(plain, net.months, asked))
        # a window shorter than the network's: months outside it are left out on both paths
        short = list(net.months[3:15])
        pd.testing.assert_frame_equal(group_gaps(net.edges, short, asked), group_gaps(plain, short, asked))


def test_group_gaps_count_a_clients_lines_without_a_counterparty_as_the_trend_page_does() -> None:
    """A client's ledger lines that name no counterparty are part of its
    turnover and of its partners' groups, on the portfolio as on the trend
    page (:func:`graph.trends.trend_of_group` with its firm totals)."""
    from collections import defaultdict

    from graph.trends import trend_of_group

    firms, months, rows = _random_trade(5)
    rng = np.random.default_rng(5)
    unnamed = {f: {m: int(rng.integers(0, 3000)) for m in months} for f in firms[:4]}
    gaps = group_gaps(pd.DataFrame(rows, columns=["seller", "buyer", "month", "amount"]), months, firms,
                      unnamed=unnamed)
    turnover: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))  # the store's firm totals
    for s, b, m, yen in rows:
        turnover[s][m] += yen
        turnover[b][m] += yen
    for f, monthly in unnamed.items():
        for m, yen in monthly.items():
            turnover[f][m] += yen
    volume = {f: sorted(v.items()) for f, v in turnover.items()}
    for firm in firms:
        own: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for s, b, m, yen in rows:
            if firm in (s, b):
                own[(s, b)][m] += yen
        lines = {m: (yen, 0) for m, yen in unnamed.get(firm, {}).items()}  # as sales: only their sum counts here
        attribution = trend_of_group(firm, own, volume, {}, "quarter", start=months[0], end=months[-1],
                                     unnamed=lines).attribution
        assert attribution is not None
        assert abs(gaps.loc[firm, "trend_gap_pp"] - attribution["gap_pp"]) < 1e-9, firm
    plain = group_gaps(pd.DataFrame(rows, columns=["seller", "buyer", "month", "amount"]), months, firms)
    assert not np.allclose(plain["trend_gap_pp"].astype(float), gaps["trend_gap_pp"].astype(float))
