"""Merge trade observations: one flow seen by two clients is counted once.

Both stores return per (seller, buyer, month, observer) sums; this module
folds observers into one :class:`~queries.model.TradeEdge` per
(seller, buyer, month), taking the largest observation (the two sides of a
flow usually agree; where they differ, reconciliation reports it).
"""

from __future__ import annotations

from collections.abc import Iterable

from queries.model import TradeEdge, TradeRow

__all__ = ["merge_observations"]


def merge_observations(rows: Iterable[TradeRow]) -> list[TradeEdge]:
    """Fold observations into edges, sorted by (seller, buyer, month)."""
    best: dict[tuple[str, str, str], TradeRow] = {}
    observers: dict[tuple[str, str, str], set[str]] = {}
    for r in rows:
        key = (r.seller, r.buyer, r.month)
        observers.setdefault(key, set()).add(r.observer)
        cur = best.get(key)
        if cur is None or (abs(r.amount), r.lines, r.observer) > (abs(cur.amount), cur.lines, cur.observer):
            best[key] = r
    return [
        TradeEdge(k[0], k[1], k[2], r.amount, r.lines, tuple(sorted(observers[k])))
        for k, r in sorted(best.items())
    ]
