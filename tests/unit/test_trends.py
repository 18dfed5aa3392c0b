"""Firm vs group trends on a hand-made 3-partner example: levels, growth, gap, attribution."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest

from graph.trends import fiscal_quarter, trend
from queries.model import TradeEdge


@dataclass(frozen=True)
class T:
    seller: str
    buyer: str
    month: str
    amount: int


# E sells to C (customer), buys from S (supplier), both ways with B.
# C also buys from X, S also sells to Y; Y -> Z touches no member.
MONTHLY = [
    TradeEdge("E", "C", "2024-04", 100, 1, ("E",)), TradeEdge("S", "E", "2024-04", 50, 1, ("E",)),
    TradeEdge("E", "B", "2024-04", 20, 1, ("E",)), TradeEdge("B", "E", "2024-04", 30, 1, ("E",)),
    TradeEdge("X", "C", "2024-04", 200, 1, ("X",)), TradeEdge("S", "Y", "2024-04", 100, 1, ("S",)),
    TradeEdge("E", "C", "2024-05", 150, 1, ("E",)), TradeEdge("S", "E", "2024-05", 50, 1, ("E",)),
    TradeEdge("E", "B", "2024-05", 20, 1, ("E",)), TradeEdge("B", "E", "2024-05", 30, 1, ("E",)),
    TradeEdge("X", "C", "2024-05", 100, 1, ("X",)), TradeEdge("S", "Y", "2024-05", 300, 1, ("S",)),
    TradeEdge("Y", "Z", "2024-05", 999, 1, ("Y",)),
    # the same edge fetched twice (around E and around C): counted once, larger amount
    TradeEdge("E", "C", "2024-05", 140, 1, ("C",)),
]


def test_levels_growth_and_gap_by_hand() -> None:
    r = trend("E", MONTHLY)
    assert (r.start, r.end, r.freq) == ("2024-04", "2024-05", "month")
    apr, may = r.series
    # April: E sells 100 + 20, buys 50 + 30; C 100 + 200, S 50 + 100, B 50
    assert (apr["firm_sales"], apr["firm_purchases"], apr["firm_volume"]) == (120, 80, 200)
    assert (apr["partners_volume"], apr["group_volume"]) == (500, 700)
    # May: E sells 150 + 20, buys 80; C 150 + 100, S 50 + 300, B 50
    assert (may["firm_sales"], may["firm_volume"], may["partners_volume"]) == (170, 250, 650)
    assert may["group_volume"] == 900
    assert apr["firm_sales_pop_pct"] is None and may["firm_sales_yoy_pct"] is None
    assert may["firm_sales_pop_pct"] == pytest.approx((170 / 120 - 1) * 100)
    assert may["firm_volume_pop_pct"] == pytest.approx(25.0)
    assert may["partners_volume_pop_pct"] == pytest.approx(30.0)
    assert may["group_volume_pop_pct"] == pytest.approx((900 / 700 - 1) * 100)
    assert may["gap_pop_pp"] == pytest.approx(25.0 - (900 / 700 - 1) * 100)  # ≈ -3.57
    assert may["gap_partners_pop_pp"] == pytest.approx(-5.0)
    assert "partners_distressed" not in may  # no distress mapping: omitted


def test_partners_roles_and_own_books() -> None:
    r = trend("E", MONTHLY)
    p = {x["id"]: x for x in r.partners}
    assert list(p) == ["B", "C", "S"]
    assert (p["B"]["role"], p["C"]["role"], p["S"]["role"]) == ("both", "customer", "supplier")
    assert (p["C"]["sales_to"], p["C"]["volume"]) == (250, 550)
    assert (p["S"]["purchases_from"], p["S"]["volume"]) == (100, 500)
    assert (p["S"]["own_books"], p["C"]["own_books"]) == (True, True)  # C observed the dup
    assert p["B"]["own_books"] is False
    plain = trend("E", [T(e.seller, e.buyer, e.month, e.amount) for e in MONTHLY])
    assert plain.partners[0]["own_books"] is None  # no observer data


def test_attribution_sums_to_group_growth() -> None:
    a = trend("E", MONTHLY, top=2).attribution
    assert a is not None
    assert (a["period"], a["basis"], a["base_period"]) == ("2024-05", "pop", "2024-04")
    # group base 700: E +50, C -50, S +200, B 0
    assert a["firm_contribution_pp"] == pytest.approx(50 / 7)
    contributors = a["contributors"]
    assert isinstance(contributors, list)
    assert [c["partner"] for c in contributors] == ["S", "C"]
    assert contributors[0]["contribution_pp"] == pytest.approx(200 / 7)
    assert contributors[1]["contribution_pp"] == pytest.approx(-50 / 7)
    assert (contributors[0]["base"], contributors[0]["current"], contributors[0]["change"]) == (
        150, 350, 200)
    assert a["others_contribution_pp"] == pytest.approx(0.0)
    assert a["partners_contribution_pp"] == pytest.approx(150 / 7)
    total = a["firm_contribution_pp"] + a["partners_contribution_pp"]  # type: ignore[operator]
    assert total == pytest.approx(a["group_growth_pct"])
    assert a["gap_pp"] == pytest.approx(25.0 - 200 / 7)


def test_distress_share() -> None:
    r = trend("E", MONTHLY, distress={"C": ["2024-05"], "B": True, "S": False})
    apr, may = r.series
    assert (apr["partners_distressed"], apr["partners_distress_share"]) == (1, pytest.approx(1 / 3))
    assert (may["partners_distressed"], may["partners_distress_share"]) == (2, pytest.approx(2 / 3))
    p = {x["id"]: x for x in r.partners}
    assert p["C"]["distressed_periods"] == ["2024-05"] and p["S"]["distressed_periods"] == []


QUARTERLY = [
    T("E", "C", "2023-05", 100), T("X", "C", "2023-05", 100),
    T("E", "C", "2023-08", 100), T("E", "C", "2023-11", 100), T("E", "C", "2024-02", 100),
    T("E", "C", "2024-05", 120), T("X", "C", "2024-05", 180),
]


def test_fiscal_quarters_completeness_and_yoy() -> None:
    assert [fiscal_quarter(m) for m in ("2024-03", "2024-04", "2024-07", "2024-10", "2025-01")] \
        == ["FY2023Q4", "FY2024Q1", "FY2024Q2", "FY2024Q3", "FY2024Q4"]
    r = trend("E", QUARTERLY, "quarter")
    assert [(s["period"], s["months"], s["complete"]) for s in r.series] == [
        ("FY2023Q1", 2, False), ("FY2023Q2", 3, True), ("FY2023Q3", 3, True),
        ("FY2023Q4", 3, True), ("FY2024Q1", 2, False)]
    assert r.series[1]["firm_volume_pop_pct"] is None  # base quarter incomplete
    assert r.series[2]["firm_volume_pop_pct"] == pytest.approx(0.0)
    assert r.series[4]["group_volume_yoy_pct"] is None
    assert r.attribution is not None and r.attribution["period"] == "FY2023Q4"

    full = trend("E", QUARTERLY, "quarter", start="2023-04", end="2024-06")
    last = full.series[-1]
    assert last["period"] == "FY2024Q1" and last["complete"] is True
    assert last["firm_volume_yoy_pct"] == pytest.approx(20.0)  # 100 -> 120
    assert last["partners_volume_yoy_pct"] == pytest.approx(50.0)  # C: 200 -> 300
    assert last["group_volume_yoy_pct"] == pytest.approx(40.0)  # 300 -> 420
    assert last["gap_yoy_pp"] == pytest.approx(-20.0)
    assert last["gap_partners_yoy_pp"] == pytest.approx(-30.0)
    assert last["group_volume_pop_pct"] == pytest.approx(110.0)  # 200 -> 420
    a = full.attribution
    assert a is not None and (a["basis"], a["base_period"]) == ("yoy", "FY2023Q1")
    assert a["firm_contribution_pp"] == pytest.approx(20 / 3)
    pop = full.attribute("FY2024Q1", "pop")
    assert pop is not None and pop["group_growth_pct"] == pytest.approx(110.0)
    out = full.to_dict()
    assert "FY2024Q1 = 2024-04..2024-06" in str(out["period_convention"])
    json.dumps(out, allow_nan=False)


def test_edge_cases() -> None:
    empty = trend("E", [])
    assert empty.series == [] and empty.attribution is None
    json.dumps(empty.to_dict())
    with pytest.raises(ValueError):
        trend("E", MONTHLY, freq="week")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        trend("E", [T("E", "C", "2024-13", 1)])
    # zero base: growth undefined, not infinite
    r = trend("E", [T("E", "C", "2024-04", 0), T("E", "C", "2024-05", 10)])
    assert r.series[1]["firm_sales_pop_pct"] is None
    with pytest.raises(KeyError):
        trend("E", MONTHLY).attribute("2030-01")
