"""A bank's peer inputs leave missing what the bank cannot assess
(``api.portfolio.unassessed_to_missing``), as the firm page shows 判定不可:
a peer whose partners are all under pseudonyms counted 0 % in the peers'
quartiles, as if its partners were healthy (found by a credit officer)."""

from __future__ import annotations

import math

import pandas as pd

from api.portfolio import unassessed_to_missing
from queries.scoped import PSEUDONYM_PREFIX

P1, P2 = PSEUDONYM_PREFIX + "aaaa", PSEUDONYM_PREFIX + "bbbb"


def test_what_a_bank_cannot_assess_is_missing_not_zero() -> None:
    # A trades only with pseudonyms; B with the visible V, who trades with the visible W;
    # C with the visible V2, beyond whom is only a pseudonym
    edges = pd.DataFrame([("A", P1), (P2, "A"), ("B", "V"), ("V", "W"), ("C", "V2"), ("V2", P1)],
                         columns=["seller", "buyer"])
    metrics = pd.DataFrame({"partner_distress_share": [0.0, 0.2, 0.0], "customer_distress_share": [0.0, 0.2, 0.0],
                            "two_hop_distress_exposure": [0.0, 0.1, 0.0], "out_degree": [1, 1, 1]},
                           index=["A", "B", "C"])
    got = unassessed_to_missing(metrics, edges, ["A", "B", "C"])
    assert math.isnan(got.loc["A", "partner_distress_share"]) and math.isnan(got.loc["A", "customer_distress_share"])
    assert math.isnan(got.loc["A", "two_hop_distress_exposure"]) and got.loc["A", "out_degree"] == 1
    assert got.loc["B"].tolist() == [0.2, 0.2, 0.1, 1]  # assessed both ways: kept
    assert got.loc["C", "partner_distress_share"] == 0.0  # its partner is visible
    assert math.isnan(got.loc["C", "two_hop_distress_exposure"])  # nothing visible beyond it
    assert metrics.loc["A", "partner_distress_share"] == 0.0  # the input is not changed
