"""Merged pairs as monthly rows (``queries.observations.pairs_frame``): sorted
by seller, buyer and month whatever order the pairs come in; seller, buyer
and month categorical, of the values each column holds, sorted."""

from __future__ import annotations

import pandas as pd

from queries.observations import pairs_frame
from queries.series import PairTrade


def _pair(seller: str, buyer: str, months: tuple[str, ...]) -> PairTrade:
    return PairTrade(seller, buyer, months, tuple(range(1, len(months) + 1)), (1,) * len(months),
                     ("C",) * len(months))


def _expected(pairs: list[PairTrade]) -> pd.DataFrame:
    rows = [(p.seller, p.buyer, m, a, n) for p in pairs for m, a, n in zip(p.months, p.amounts, p.lines, strict=True)]
    frame = pd.DataFrame(rows, columns=["seller", "buyer", "month", "amount", "lines"]).astype(
        {"seller": object, "buyer": object, "month": object, "amount": "int64", "lines": "int64"})
    frame = frame.sort_values(["seller", "buyer", "month"], kind="stable").reset_index(drop=True)
    for col in ("seller", "buyer", "month"):
        frame[col] = pd.Categorical(frame[col], categories=pd.Index(sorted(set(frame[col])), dtype=object))
    return frame


def test_rows_are_sorted_when_the_pairs_are_not() -> None:
    pairs = [_pair("B", "A", ("2024-01", "2024-03")), _pair("A", "C", ("2024-02",)),
             _pair("A", "B", ("2023-12", "2024-01"))]
    pd.testing.assert_frame_equal(pairs_frame(pairs, None, None), _expected(pairs))


def test_a_pair_given_twice_interleaves_its_months() -> None:
    pairs = [_pair("A", "B", ("2024-01", "2024-03")), _pair("A", "B", ("2024-02",)), _pair("A", "A", ("2024-01",))]
    pd.testing.assert_frame_equal(pairs_frame(pairs, None, None), _expected(pairs))


def test_a_window_keeps_its_months_only() -> None:
    pairs = [_pair("B", "A", ("2024-01", "2024-03")), _pair("A", "B", ("2023-12", "2024-01"))]
    got = pairs_frame(pairs, "2024-01", "2024-12")
    assert list(got["month"]) == ["2024-01", "2024-01", "2024-03"]
    assert list(got["seller"]) == ["A", "B", "B"]
    assert list(got["amount"]) == [2, 1, 2]  # A→B's second month, B→A's two
    assert list(got["month"].cat.categories) == ["2024-01", "2024-03"]  # 2023-12 is outside


def test_no_pairs_make_an_empty_frame() -> None:
    got = pairs_frame([], None, None)
    assert list(got.columns) == ["seller", "buyer", "month", "amount", "lines"] and len(got) == 0
