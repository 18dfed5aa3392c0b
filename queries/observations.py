"""Merge trade observations: one flow seen by two clients is counted once.

Both stores return per (seller, buyer, month, observer) sums; this module
folds observers into one :class:`~queries.model.TradeEdge` per
(seller, buyer, month), taking the largest observation (the two sides of a
flow usually agree; where they differ, reconciliation reports it).
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from queries.model import TradeEdge, TradeRow

__all__ = ["merge_observations", "merge_observations_frame"]


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


def merge_observations_frame(df: pd.DataFrame) -> pd.DataFrame:
    """The same rule on a frame of per-observer sums (columns seller, buyer,
    month, observer, amount, lines): one row per (seller, buyer, month) with
    the observation :func:`merge_observations` would keep. For whole-network
    reads, where millions of Python objects would be too slow."""
    cols = ["seller", "buyer", "month", "amount", "lines"]
    if df.empty:
        return pd.DataFrame({c: pd.Series(dtype="int64" if c in ("amount", "lines") else "object")
                             for c in cols})
    ranked = df.assign(_abs=df["amount"].abs()).sort_values(
        ["seller", "buyer", "month", "_abs", "lines", "observer"], ascending=[True, True, True, False, False, False])
    best = ranked.drop_duplicates(["seller", "buyer", "month"], keep="first")
    return best[cols].astype({"amount": "int64", "lines": "int64"}).reset_index(drop=True)
