"""What-if contagion, hand-checked on a six-firm network.

Network (all trades in 2025-01, yen), seller → buyer::

    F → X 10M    X → F 3M     F → A 10M    B → F 7M
    A → X  5M    C → A 1M     D → C 0.5M

Receipts in the creditors' own ledgers: X pays F 4M and A pays F 8M
(observer F), X pays A 1M (observer A). Sizes (annual sales): F 100M,
A 50M, B 80M, C 20M, D 10M, X 200M.

Hops from the failing firm X: F and A are 1, B and C are 2, D is 3.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from graph.contagion import BANDS, WhatIfResult, band, debtrank, what_if


@dataclass(frozen=True)
class T:
    seller: str
    buyer: str
    month: str
    amount: int


@dataclass(frozen=True)
class P:
    payer: str
    payee: str
    month: str
    amount: int
    observer: str


M = "2025-01"
EDGES = [
    T("F", "X", M, 10_000_000), T("X", "F", M, 3_000_000), T("F", "A", M, 10_000_000),
    T("B", "F", M, 7_000_000), T("A", "X", M, 5_000_000), T("C", "A", M, 1_000_000),
    T("D", "C", M, 500_000),
]
PAYMENTS = [
    P("X", "F", M, 4_000_000, "F"), P("A", "F", M, 8_000_000, "F"), P("X", "A", M, 1_000_000, "A"),
    # Recorded by the payer's ledger, not the creditor's: must not count as a receipt.
    P("X", "F", M, 100_000_000, "X"),
]
SIZES = {"F": 100e6, "A": 50e6, "B": 80e6, "C": 20e6, "D": 10e6, "X": 200e6}
# One month of data: a receivable-days estimate with 365/12 days is one month of sales.
ONE_MONTH = 365 / 12


def run(firm: str = "F", failing: str = "X", **kw: Any) -> WhatIfResult:
    args: dict[str, Any] = {"sizes": SIZES, "receivable_days": ONE_MONTH, "recovery_rates": (0.0,),
                  "equity_ratios": (0.2,), "supply_months": 3.0, "contribution_margin": 0.2}
    args.update(kw)
    return what_if(firm, failing, EDGES, PAYMENTS, **args)


def test_direct_exposure_from_the_ledger() -> None:
    res = run()
    d = res.direct
    # F's ledger: sales to X 10M − receipts from X 4M (X's own record of 100M ignored).
    assert (d.receivable, d.receivable_method, d.receivable_days_assumed) == (6_000_000, "ledger", None)
    assert (d.sales_to, d.purchases_from) == (10_000_000, 3_000_000)
    assert d.sales_share == pytest.approx(0.5)  # 10M of F's 20M sales
    assert d.supply_share == pytest.approx(0.3)  # 3M of F's 10M purchases (X 3M, B 7M)
    assert res.hops == 1 and res.window == ("2025-01", "2025-01")
    assert res.annual_sales == 100_000_000 and res.annual_sales_source == "given"


def test_direct_exposure_estimated_from_receivable_days() -> None:
    # No receipts in F's ledger: the last 3 months of sales to X (3 × 3M) times 60 days.
    edges = [T("F", "X", "2024-06", 10_000_000), T("F", "X", "2024-11", 3_000_000),
             T("F", "X", "2024-12", 3_000_000), T("F", "X", "2025-01", 3_000_000),
             T("F", "A", "2025-01", 1_000_000)]
    res = what_if("F", "X", edges, sizes={"F": 100e6}, receivable_days=60)
    d = res.direct
    # 9M / (3 months × 365/12 days) × 60 days = 9M × 720 / 1095 = 5,917,808.2
    assert d.receivable == 5_917_808
    assert d.receivable_method == "receivable_days" and d.receivable_days_assumed == 60.0
    # The 12-month window starts at the first month with data (2024-06): 19M of 20M sales go to X.
    assert res.window == ("2024-06", "2025-01")
    assert d.sales_to == 19_000_000 and d.sales_share == pytest.approx(0.95)
    assert d.supply_share is None  # F bought nothing in the window
    assert any("estimated" in n for n in res.notes)


def test_propagation_hand_checked() -> None:
    # One scenario: recovery 0, equity = 0.2 × sales; supply loss = share × S × 3/12 × 0.2,
    # i.e. share × 0.25 of equity. Equity proxies: F 20M, A 10M, B 16M, C 4M, D 2M.
    # Impacts W[j → i]:
    #   X → F: receivable 6M / 20M = 0.3, plus supply 0.3 × 0.25 = 0.075     → 0.375
    #   X → A: receivable (5M − 1M) / 10M                                       → 0.4
    #   F → B: receivable 7M (estimate, one month of sales) / 16M               → 0.4375
    #   F → A: supply share 10/11 × 0.25                                        → 0.22727…
    #   A → F: receivable (10M − 8M) / 20M                                      → 0.1
    #   A → C: receivable 1M / 4M                                               → 0.25
    #   C → D: receivable 0.5M / 2M                                             → 0.25
    # Step 1: X (h = 1) → h_F = 0.375, h_A = 0.4.
    # Step 2: F passes 0.375 → h_B = 0.4375 × 0.375 = 0.1640625,
    #                          h_A += 0.22727… × 0.375 = 0.0852272…  → 0.4852272…
    #         A passes 0.4   → h_F += 0.1 × 0.4 = 0.04               → 0.415
    #                          h_C = 0.25 × 0.4                      → 0.1
    # Two steps only: C does not pass its distress on, so D stays at 0.
    res = run()
    assert res.focal.distress_min == pytest.approx(0.415)
    assert res.focal.distress_max == pytest.approx(0.415)
    assert res.focal.loss_yen_min == 8_300_000  # 0.415 × 20M
    assert res.focal.loss_to_sales_min == pytest.approx(0.083)
    assert res.focal.band == "high"
    partners = {p.id: (p.relation, p.hops_from_failing, p.distress_max) for p in res.partners}
    assert partners == {
        "A": ("customer", 1, pytest.approx(0.4 + 0.25 * 10 / 11 * 0.375)),
        "B": ("supplier", 2, pytest.approx(0.1640625)),
    }
    contributions = {(c.source, c.step): c.max for c in res.contributions}
    assert contributions == {("X", 1): pytest.approx(0.375), ("A", 2): pytest.approx(0.04)}


def test_propagate_once_rule() -> None:
    # X stays at h = 1 but is inactive after step 1: were it to pass again at step 2,
    # F would reach 0.375 + 0.375 + 0.04 = 0.79 instead of 0.415.
    assert run().focal.distress_max == pytest.approx(0.415)
    # A cycle A ↔ B shocked through A: A passes once (step 2), B once (step 3);
    # A's later rise is never passed on, however many steps are allowed.
    impact = {"X": {"A": 0.5}, "A": {"B": 0.5}, "B": {"A": 0.5}}
    for steps in (3, 10):
        r = debtrank(impact, {"X": 1.0}, steps=steps)
        # t1: A = 0.5; t2: B = 0.5 × 0.5 = 0.25; t3: A += 0.5 × 0.25 → 0.625
        assert r.distress == {"X": 1.0, "A": pytest.approx(0.625), "B": pytest.approx(0.25)}
        sources = [(s, t) for s, _, t, _ in r.transfers]
        assert sources == [("X", 1), ("A", 2), ("B", 3)]
    assert r.step_distressed == {"X": 0, "A": 1, "B": 2}


def test_distress_capped_at_one() -> None:
    r = debtrank({"X": {"A": 1.5, "B": 0.7}, "B": {"A": 0.8}}, {"X": 1.0}, steps=2)
    # A: min(1, 1.5) = 1 at step 1; + 0.8 × 0.7 at step 2, capped at 1.
    assert r.distress["A"] == 1.0 and r.distress["B"] == pytest.approx(0.7)


def test_two_hop_limit() -> None:
    # D is three hops from X (D–C–A–X): out of scope, a clear error.
    with pytest.raises(ValueError, match="within 2 hops"):
        run("D", "X")
    # C is two hops away: no direct exposure, distress only at step 2 via A (0.25 × 0.4).
    res = run("C", "X")
    assert res.hops == 2
    assert (res.direct.receivable, res.direct.receivable_method) == (0, "none")
    assert res.direct.sales_share == pytest.approx(0.0) and res.direct.supply_share == pytest.approx(0.0)
    assert res.focal.distress_max == pytest.approx(0.1)
    # With one step, a two-hop firm is not reached at all.
    assert run("C", "X", steps=1).focal.distress_max == 0.0


def test_ranges_and_bands_over_the_default_grid() -> None:
    res = run(recovery_rates=(0.0, 0.4, 0.7), equity_ratios=(0.1, 0.2, 0.3))
    assert len(res.scenarios) == 9
    # Worst: recovery 0, equity 0.1 × sales (F 10M, A 5M):
    #   X → F = 6M/10M + 0.3 × (0.05 / 0.1) = 0.75; X → A = 4M/5M = 0.8; A → F = 2M/10M = 0.2
    #   h_F = 0.75 + 0.2 × 0.8 = 0.91, loss 9.1M.
    # Best: recovery 0.7, equity 0.3 × sales (F 30M, A 15M):
    #   X → F = 0.3 × 6M/30M + 0.3 × (0.05 / 0.3) = 0.11; X → A = 0.3 × 4M/15M = 0.08;
    #   A → F = 0.3 × 2M/30M = 0.02;  h_F = 0.11 + 0.02 × 0.08 = 0.1116, loss 3.348M.
    assert res.focal.distress_min == pytest.approx(0.1116)
    assert res.focal.distress_max == pytest.approx(0.91)
    assert (res.focal.loss_yen_min, res.focal.loss_yen_max) == (3_348_000, 9_100_000)
    assert res.focal.loss_to_sales_max == pytest.approx(0.091)
    assert res.focal.band == "moderate to high"
    d = res.to_dict()
    assert d["focal"]["distress"] == [pytest.approx(0.1116), pytest.approx(0.91)]
    assert d["assumptions"]["recovery_rates"] == [0.0, 0.4, 0.7]
    assert d["assumptions"]["bands"]["status"].startswith("conventions")
    assert {s["recovery_rate"] for s in d["scenarios"]} == {0.0, 0.4, 0.7}


def test_band_thresholds() -> None:
    assert BANDS == (0.05, 0.20)
    assert [band(x) for x in (0.0, 0.0499, 0.05, 0.2, 0.2001, 1.0)] == [
        "low", "low", "moderate", "moderate", "high", "high"]


def test_errors() -> None:
    with pytest.raises(ValueError, match="differ"):
        run("F", "F")
    with pytest.raises(ValueError, match="no trades"):
        run("F", "NOBODY")
    with pytest.raises(ValueError, match="recovery"):
        run(recovery_rates=(1.5,))
    with pytest.raises(ValueError, match="steps"):
        run(steps=3)


def test_sizes_fall_back_to_observed_trade() -> None:
    # Without sizes, F is sized by its observed sales (20M in one month → 240M a year).
    res = what_if("F", "X", EDGES, PAYMENTS, recovery_rates=(0.0,), equity_ratios=(0.2,))
    assert res.annual_sales == 240_000_000 and res.annual_sales_source == "observed"
    assert any("observed" in n for n in res.notes)
