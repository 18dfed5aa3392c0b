"""queries.pair_series: a merged pair's series survives its encoding."""

from __future__ import annotations

from queries import pair_series
from queries.series import PairTrade


def test_a_pair_round_trips() -> None:
    p = PairTrade("S", "B", ("2024-01", "2024-03"), (1_200_000, -35_000), (3, 1), ("C1", "C1;C2"))
    assert pair_series.pair("S", "B", pair_series.encode(p)) == p
    empty = PairTrade("S", "B", (), (), (), ())
    assert pair_series.pair("S", "B", pair_series.encode(empty)) == empty
