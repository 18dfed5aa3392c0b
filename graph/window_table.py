"""A busy firm's trade laid out month by month, so that any window is a slice.

A firm with thousands of partners asked for a window of its own (a credit
officer narrowing it to a fiscal year) used to be answered from its pairs'
monthly series and its partners' monthly totals, decoded pair by pair and
summed month by month: ~100 ms of the server's CPU per answer for the
busiest firms of the 100k region. A :class:`WindowTable` holds the same
facts as matrices over one axis of calendar months, made once per data
version for the firms with the most partners (:mod:`api.precompute`), so
that the yen of every pair, each partner's first and last active month and
the trading group's turnover over any window are a few vector sums.

What it holds, for the firm ``firm`` (money in yen, months ``YYYY-MM``):

* ``months``: every calendar month from the first to the last one any
  series below has (contiguous);
* one row per pair of ``store.pairs_of(firm)`` in that order (trade of the
  firm with itself left out, as every reader of the pairs leaves it out):
  the partner, whether the firm sold (``sells``), the pair's yen per month
  (``pair_yen``) and which months its series has (``pair_seen``: a month
  can hold 0 yen and still count as trade in the window);
* one row per *member* — the firm, then its partners sorted — of the firm
  totals the store keeps: turnover (sales + purchases with anyone) per
  month (``turnover``), which months the totals have (``totals_seen``), and
  whether the member's own books are observed (``books``: 1, 0, or -1 when
  the firm is unknown).

Every method answers exactly what the computation from the store's pairs
and totals answers for the same window (``tests/unit/test_window_table.py``
checks them against it). Nothing here is scoped: a table is read only by
whoever may read the whole network (:meth:`queries.scoped.ScopedStore.get_analytics`).
"""

from __future__ import annotations

import struct
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from itertools import repeat
from operator import add, itemgetter
from typing import Protocol, cast

import numpy as np
import orjson

from graph.network import month_range
from graph.records import PairSeries, window_slice

__all__ = ["WindowTable", "MonthlyTotals"]

_MAGIC = b"TWT1"
_HEAD = struct.Struct("<4sI")  # magic, length of the JSON header


class MonthlyTotals(Protocol):
    """A firm's sales and purchases per month, yen (``queries.series.FirmTotals``)."""

    @property
    def months(self) -> tuple[str, ...]: ...
    @property
    def sales(self) -> tuple[int, ...]: ...
    @property
    def purchases(self) -> tuple[int, ...]: ...


@dataclass(frozen=True, eq=False)
class WindowTable:
    """See the module docstring. Arrays are read-only views of the stored bytes."""

    firm: str
    months: tuple[str, ...]
    members: tuple[str, ...]
    books: np.ndarray  # int8 (members,)
    pair_partner: np.ndarray  # int32 (pairs,): row of the partner in members
    pair_sells: np.ndarray  # bool (pairs,): the firm is the seller
    pair_yen: np.ndarray  # int64 (pairs, months)
    pair_seen: np.ndarray  # bool (pairs, months)
    turnover: np.ndarray  # int64 (members, months)
    totals_seen: np.ndarray  # bool (members, months)

    # -- made from what the store reads --------------------------------------------------
    @classmethod
    def build(cls, firm: str, pairs: Sequence[PairSeries], totals: Mapping[str, MonthlyTotals],
              books: Mapping[str, bool | None]) -> WindowTable:
        """From the firm's pairs (``store.pairs_of``, in its order), the firm
        totals of the firm and its partners (``store.firm_totals``) and
        whether each partner's books are observed (``is_client`` of its firm;
        ``None``: no such firm)."""
        own = [p for p in pairs if p.seller != p.buyer]
        partners = sorted({p.buyer if p.seller == firm else p.seller for p in own})
        members = (firm, *partners)
        row = {q: i for i, q in enumerate(members)}
        seen_months = {m for p in own for m in p.months}
        seen_months.update(m for q in members if (t := totals.get(q)) is not None for m in t.months)
        months = month_range(min(seen_months), max(seen_months)) if seen_months else ()
        col = {m: i for i, m in enumerate(months)}
        # Every cell of both matrices gathered first and written in one assignment each:
        # a firm has thousands of pairs and partners (the 50 busiest: 1.6 s with a write per row, 1.3 s so).
        cell = col.__getitem__
        at_row: list[int] = []
        at_col: list[int] = []
        yen: list[int] = []
        for k, p in enumerate(own):
            at_row.extend(repeat(k, len(p.months)))
            at_col.extend(map(cell, p.months))
            yen.extend(p.amounts)
        pair_yen = np.zeros((len(own), len(months)), dtype=np.int64)
        pair_seen = np.zeros((len(own), len(months)), dtype=np.bool_)
        pair_yen[at_row, at_col] = yen
        pair_seen[at_row, at_col] = True
        at_row, at_col, yen = [], [], []
        for q, i in row.items():
            t = totals.get(q)
            if t is not None and t.months:
                at_row.extend(repeat(i, len(t.months)))
                at_col.extend(map(cell, t.months))
                yen.extend(map(add, t.sales, t.purchases))
        turnover = np.zeros((len(members), len(months)), dtype=np.int64)
        totals_seen = np.zeros((len(members), len(months)), dtype=np.bool_)
        turnover[at_row, at_col] = yen
        totals_seen[at_row, at_col] = True
        flags = [-1 if (b := books.get(q)) is None else int(bool(b)) for q in members]
        flags[0] = -1  # the firm itself: never read
        return cls(firm, months, members, np.array(flags, dtype=np.int8),
                   np.array([row[p.buyer if p.seller == firm else p.seller] for p in own], dtype=np.int32),
                   np.array([p.seller == firm for p in own], dtype=np.bool_),
                   pair_yen, pair_seen, turnover, totals_seen)

    # -- stored as bytes ------------------------------------------------------------------
    def encode(self) -> bytes:
        """The table as bytes: a JSON header (firm, months, members, shapes)
        and the arrays' raw little-endian bytes after it."""
        head = orjson.dumps({"firm": self.firm, "months": self.months, "members": self.members,
                             "pairs": len(self.pair_partner)})
        parts = [_HEAD.pack(_MAGIC, len(head)), head]
        parts += [np.ascontiguousarray(a).tobytes() for a in self._arrays()]
        return b"".join(parts)

    @classmethod
    def decode(cls, data: bytes) -> WindowTable:
        """:meth:`encode` read back (the arrays are views of ``data``, not copies)."""
        magic, size = _HEAD.unpack_from(data)
        if magic != _MAGIC:
            raise ValueError("not a window table")
        head = orjson.loads(data[_HEAD.size:_HEAD.size + size])
        n_pairs, n_members, n_months = head["pairs"], len(head["members"]), len(head["months"])
        at = _HEAD.size + size
        out: list[np.ndarray] = []
        for dtype, shape in ((np.int8, (n_members,)), (np.int32, (n_pairs,)), (np.bool_, (n_pairs,)),
                             (np.int64, (n_pairs, n_months)), (np.bool_, (n_pairs, n_months)),
                             (np.int64, (n_members, n_months)), (np.bool_, (n_members, n_months))):
            count = int(np.prod(shape))
            a = np.frombuffer(data, dtype=np.dtype(dtype).newbyteorder("<"), count=count, offset=at)
            out.append(a.reshape(shape))
            at += a.nbytes
        if at != len(data):
            raise ValueError("window table of the wrong length")
        return cls(head["firm"], tuple(head["months"]), tuple(head["members"]), *out)

    def _arrays(self) -> tuple[np.ndarray, ...]:
        return (self.books.astype("<i1"), self.pair_partner.astype("<i4"), self.pair_sells,
                self.pair_yen.astype("<i8"), self.pair_seen, self.turnover.astype("<i8"), self.totals_seen)

    # -- a window --------------------------------------------------------------------------
    def columns(self, start: str | None, end: str | None) -> tuple[int, int]:
        """The columns ``[i:j]`` of the months inside the inclusive window."""
        return window_slice(self.months, start, end)

    def pairs_in(self, start: str | None, end: str | None) -> np.ndarray:
        """Rows of the pairs with a month inside the window (their series has one)."""
        i, j = self.columns(start, end)
        return np.flatnonzero(self.pair_seen[:, i:j].any(axis=1))

    def amounts(self, start: str | None, end: str | None) -> list[tuple[str, str, int]]:
        """(seller, buyer, yen inside the window) of the pairs with a month in
        it, in the store's order: :func:`graph.ego.window_amounts` of the
        firm's pairs."""
        rows = self.pairs_in(start, end)
        if not len(rows):
            return []
        i, j = self.columns(start, end)
        yen = self.pair_yen[rows, i:j].sum(axis=1).tolist()
        partners = _pick(self.members, self.pair_partner[rows].tolist())
        sells = self.pair_sells[rows].tolist()
        f = self.firm
        return [(f, q, y) if s else (q, f, y) for q, s, y in zip(partners, sells, yen, strict=True)]

    def spans(self, firm_ids: Collection[str], start: str | None,
              end: str | None) -> dict[str, tuple[str, str]]:
        """Of ``firm_ids`` among the members: the first and last month with
        turnover ≠ 0 inside the window, for those with one
        (:func:`graph.distress.active_span` of their totals)."""
        rows = self.rows_of(firm_ids)
        i, j = self.columns(start, end)
        if not rows or i >= j:
            return {}
        active = self.turnover[rows, i:j] != 0
        has = cast(list[bool], active.any(axis=1).tolist())
        first = active.argmax(axis=1)
        last = active.shape[1] - 1 - active[:, ::-1].argmax(axis=1)
        out: dict[str, tuple[str, str]] = {}
        for r, h, a, b in zip(rows, has, first.tolist(), last.tolist(), strict=True):
            if h:
                out[self.members[r]] = (self.months[i + a], self.months[i + b])
        return out

    def last_months(self, firm_ids: Collection[str]) -> dict[str, str]:
        """Of ``firm_ids`` among the members with totals: the last month of
        their totals (any window)."""
        rows = self.rows_of(firm_ids)
        if not rows or not self.months:
            return {}
        seen = self.totals_seen[rows]
        has = cast(list[bool], seen.any(axis=1).tolist())
        last = (seen.shape[1] - 1 - seen[:, ::-1].argmax(axis=1)).tolist()
        return {self.members[r]: self.months[k] for r, h, k in zip(rows, has, last, strict=True) if h}

    def rows_of(self, firm_ids: Collection[str]) -> list[int]:
        """Rows in ``members`` of those of ``firm_ids`` that are members."""
        row = self.row
        return sorted(row[q] for q in firm_ids if q in row)

    @cached_property
    def row(self) -> dict[str, int]:
        """Each member's row (made once per table)."""
        return {q: i for i, q in enumerate(self.members)}


def _pick(values: Sequence[str], rows: list[int]) -> list[str]:
    if len(rows) == 1:
        return [values[rows[0]]]
    return list(itemgetter(*rows)(values))
