"""Peer baselines: fixed groups, fallback, suppression, percentile and direction, by hand."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from graph.frames import parameters_frame, parameters_table
from graph.peers import MIN_PEERS, PeerStat, peer_baseline
from queries.model import ParameterRow

NAN = np.nan

# Division E: size 2 has six firms F1..F6 (a cell of its own), size 3 two (G1, G2),
# size 1 three (H1..H3). Division K: six firms of size 2 and K7 alone in size 3.
# Division X: three firms. N1 has no division.
FIRMS = pd.DataFrame(
    [(f"F{i}", "E", 2) for i in range(1, 7)]
    + [("G1", "E", 3), ("G2", "E", 3), ("H1", "E", 1), ("H2", "E", 1), ("H3", "E", 1)]
    + [(f"K{i}", "K", 2) for i in range(1, 7)] + [("K7", "K", 3)]
    + [("X1", "x", 1), ("X2", "X", 1), ("X3", "X", 1), ("N1", None, 2)],
    columns=["id", "industry", "size_class"],
)

OVERTIME = {"F1": 10, "F2": 20, "F3": 30, "F4": 40, "F5": 50, "F6": 60,
            "G1": 15, "G2": 25, "H1": 35, "H2": 45, "H3": 55,
            **{f"K{i}": 10 * i for i in range(1, 8)}, "X1": 1, "X2": 2, "X3": 3, "N1": 9}
MARGIN = {"F1": 1, "F2": 2, "F3": 3, "F4": 4, "F5": 5, "G1": 2.5, "G2": 0.5}  # F6, H*: none
EMPLOYEES = {"F1": 10, "F2": 20, "F3": 30, "F4": 40}  # only four in the cell


def _params() -> pd.DataFrame:
    rows = []
    for firm in FIRMS["id"]:
        vals = [("overtime_hours", float(OVERTIME[firm]))]
        if firm in MARGIN:
            vals.append(("ordinary_margin_pct", float(MARGIN[firm])))
        if firm in EMPLOYEES:
            vals.append(("employees", float(EMPLOYEES[firm])))
        rows.append(ParameterRow(firm, "FY2024", tuple(vals)))
    # an older period with other values, to check the period choice
    rows.append(ParameterRow("F1", "FY2023", (("overtime_hours", 99.0),)))
    return parameters_table(rows)


def _by_name(stats: list[PeerStat]) -> dict[str, PeerStat]:
    return {s.name: s for s in stats}


def test_cell_quartiles_percentile_and_direction() -> None:
    res = peer_baseline("F1", FIRMS, _params())
    assert res.period == "FY2024"  # the firm's latest period, not FY2023
    assert res.group.basis == "division_size" and res.group.industry == "E"
    assert res.group.size_class == 2 and res.group.members == 6
    assert res.group.fallback_reason is None and res.group.size_class_source == "firms.size_class"
    p = _by_name(res.parameters)
    ot = p["overtime_hours"]
    # 10..60 (six values, firm included): linear quartiles at positions 1.25, 2.5, 3.75
    assert (ot.value, ot.n) == (10.0, 6)
    assert (ot.q1, ot.median, ot.q3) == pytest.approx((22.5, 35.0, 47.5))
    assert ot.percentile == pytest.approx(100 * 0.5 / 6)  # none below, itself half
    assert ot.direction == "lower" and ot.comparison == "better"  # 10 < q1, lower is better
    assert ot.unit == "hours/month" and not ot.suppressed

    m = p["ordinary_margin_pct"]  # 1..5 (F6 has none): n = 5, just enough
    assert (m.n, m.q1, m.median, m.q3) == (5, 2.0, 3.0, 4.0)
    assert m.percentile == pytest.approx(10.0) and m.comparison == "worse"  # higher is better

    e = p["employees"]  # four values < 5: suppressed, n hidden too
    assert e.suppressed and e.reason is not None and "fewer than 5" in e.reason
    assert (e.n, e.q1, e.median, e.q3, e.percentile, e.comparison) == (None,) * 6
    assert e.value == 10.0  # the firm's own value is still shown


def test_worse_similar_and_same_statistics_for_every_member() -> None:
    f6 = _by_name(peer_baseline("F6", FIRMS, _params()).parameters)["overtime_hours"]
    f3 = _by_name(peer_baseline("F3", FIRMS, _params()).parameters)["overtime_hours"]
    f1 = _by_name(peer_baseline("F1", FIRMS, _params()).parameters)["overtime_hours"]
    assert f6.comparison == "worse" and f6.percentile == pytest.approx(100 * 5.5 / 6)
    assert f3.comparison == "similar" and f3.percentile == pytest.approx(100 * 2.5 / 6)
    # fixed group, firm included: every member sees the same peer figures
    assert {(s.n, s.q1, s.median, s.q3) for s in (f1, f3, f6)} == {(6, 22.5, 35.0, 47.5)}


def test_fallback_to_division_and_complementary_suppression() -> None:
    res = peer_baseline("G1", FIRMS, _params())
    assert res.group.basis == "division" and res.group.members == 11
    assert res.group.fallback_reason is not None and "size class 3" in res.group.fallback_reason
    p = _by_name(res.parameters)
    ot = p["overtime_hours"]
    # division: 10,15,20,...,60 (11 values); positions 2.5, 5, 7.5
    assert (ot.n, ot.q1, ot.median, ot.q3) == (11, 22.5, 35.0, 47.5)
    assert ot.percentile == pytest.approx(100 * 1.5 / 11) and ot.comparison == "better"
    # margin: the published F-cell holds 5 of the division's 7 values, G1/G2 are the rest:
    # division minus cell would expose two firms
    m = p["ordinary_margin_pct"]
    assert m.suppressed and m.reason is not None and "complementary" in m.reason
    assert m.median is None

    k7 = _by_name(peer_baseline("K7", FIRMS, _params()).parameters)["overtime_hours"]
    assert k7.suppressed and k7.reason is not None and "complementary" in k7.reason


def test_small_division_and_no_division() -> None:
    x = peer_baseline("X2", FIRMS, _params())
    assert x.group.basis == "division" and x.group.members is None  # 3 < 5, count hidden
    assert all(s.suppressed for s in x.parameters)  # "x" is read as division X
    n = peer_baseline("N1", FIRMS, _params())
    assert n.group.basis is None and all(s.suppressed for s in n.parameters)
    assert _by_name(n.parameters)["overtime_hours"].value == 9.0
    with pytest.raises(KeyError):
        peer_baseline("nobody", FIRMS, _params())


def test_metrics_directions_and_json() -> None:
    ids = [f"F{i}" for i in range(1, 7)]
    metrics = pd.DataFrame({
        "degree": [9, 1, 2, 3, 4, 5],
        "top_customer_share": [0.9, 0.1, 0.2, 0.3, 0.4, 0.5],
        "betweenness": [0.0, 0.1, 0.2, 0.3, 0.4, 0.5],
    }, index=ids)
    res = peer_baseline("F1", FIRMS, _params(), metrics, directions={
        "degree": "higher is better", "top_customer_share": "lower is better",
        "betweenness": None})
    m = _by_name(res.metrics)
    assert m["degree"].comparison == "better" and m["degree"].percentile == pytest.approx(
        100 * 5.5 / 6)
    assert m["top_customer_share"].comparison == "worse"
    assert m["betweenness"].comparison is None and m["betweenness"].percentile == pytest.approx(
        100 * 0.5 / 6)
    assert m["degree"].unit is None and m["degree"].kind == "metric"
    out = res.to_dict()
    assert out["includes_firm"] is True and out["min_n"] == MIN_PEERS
    assert set(out) == {"firm_id", "period", "group", "min_n", "includes_firm", "parameters",
                        "metrics", "note"}
    json.dumps(out, allow_nan=False)
    with pytest.raises(ValueError):
        peer_baseline("F1", FIRMS, _params(), metrics, directions={"degree": "up"})


def test_given_period_size_from_sales_or_parameters_and_wide_frame() -> None:
    older = peer_baseline("F1", FIRMS, _params(), period="FY2023")
    assert older.period == "FY2023"
    assert _by_name(older.parameters)["overtime_hours"].suppressed  # only F1 has FY2023

    sales = FIRMS.drop(columns="size_class").assign(
        annual_sales=[60_000_000] * 6 + [40_000_000] * 16)
    res = peer_baseline("F1", sales, _params())
    assert res.group.size_class == 2 and res.group.size_class_source == "firms.annual_sales"
    assert res.group.basis == "division_size"

    # size class from the parameters of the period; params as a firm x parameter frame
    rows = [ParameterRow(f, "FY2024", (("size_class", 2.0), ("overtime_hours", float(i))))
            for i, f in enumerate(["F1", "F2", "F3", "F4", "F5"], start=1)]
    wide = parameters_frame(rows)
    res2 = peer_baseline("F3", FIRMS.drop(columns="size_class"), wide)
    assert res2.group.size_class_source == "parameters" and res2.group.members == 5
    assert res2.period == "FY2024"
    ot = _by_name(res2.parameters)["overtime_hours"]
    assert (ot.n, ot.median, ot.percentile, ot.comparison) == (5, 3.0, 50.0, "similar")
    assert [s.name for s in res2.parameters] == ["size_class", "overtime_hours"]
