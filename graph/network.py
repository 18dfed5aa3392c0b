"""The whole trade network of a month window, built once for many firms.

Ego metrics for a portfolio of thousands of firms must not rebuild a graph
per firm. :class:`TradeNetwork` takes every monthly trade of a window
(seller → buyer, one calendar month, yen) once and keeps three views of it:

* :attr:`TradeNetwork.edges` — a pandas DataFrame of monthly edges
  (``seller``, ``buyer``, ``month`` ``YYYY-MM``, ``amount`` yen), duplicates
  within a month summed;
* a sparse matrix :meth:`TradeNetwork.matrix` ``A`` with ``A[i, j]`` = yen
  firm ``i`` sold to firm ``j`` over the window, rows and columns in the
  order of :attr:`TradeNetwork.index` — what :mod:`graph.metrics` computes on;
* :attr:`TradeNetwork.graph`, the aggregated ``networkx.DiGraph`` seller →
  buyer with edge attributes ``amount`` (yen over the window) and ``months``
  (number of calendar months with trade), built on first use.

Units: money in yen (integers in :attr:`edges`, float64 in the matrix — exact
below 2**53 yen, about 9 quadrillion), months are calendar months.

Conventions: trade of a firm with itself is dropped; a pair whose trade sums
to zero or less over the window (credit notes exceeding sales) is kept in
:attr:`edges` but is not a tie of the aggregated graph or matrix.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import scipy.sparse as sp

from graph.records import MonthlyTrade

if TYPE_CHECKING:  # annotations; imported where the DiGraph is built (a large import for the server's start)
    import networkx as nx

__all__ = ["MonthlyTrade", "TradeNetwork", "month_label", "month_number", "month_range"]

_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")



def month_number(month: str) -> int:
    """A ``YYYY-MM`` month as a count of months (year × 12 + month − 1), so
    that months subtract; ``ValueError`` for another shape."""
    if not _MONTH.match(month):
        raise ValueError(f"month must be YYYY-MM: {month!r}")
    return int(month[:4]) * 12 + int(month[5:7]) - 1


def month_label(number: int) -> str:
    """The ``YYYY-MM`` month of a count of months (:func:`month_number`'s inverse)."""
    y, m = divmod(number, 12)
    return f"{y:04d}-{m + 1:02d}"


def _run_starts(sorted_keys: np.ndarray) -> np.ndarray:
    """Positions where a new value starts in a sorted array."""
    if sorted_keys.size == 0:
        return np.zeros(0, dtype=np.int64)
    return np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])


def month_range(start: str, end: str) -> tuple[str, ...]:
    """Calendar months ``start`` … ``end`` inclusive, as ``YYYY-MM`` strings.

    Examples
    --------
    >>> month_range("2024-11", "2025-02")
    ('2024-11', '2024-12', '2025-01', '2025-02')
    """
    a, b = month_number(start), month_number(end)
    if b < a:
        raise ValueError(f"end {end} is before start {start}")
    return tuple(month_label(k) for k in range(a, b + 1))


class TradeNetwork:
    """All trade of a month window: monthly edges, aggregated matrix and graph.

    Parameters
    ----------
    edges : pandas.DataFrame
        Monthly trade with columns ``seller``, ``buyer`` (firm ids), ``month``
        (``YYYY-MM``) and ``amount`` (yen, integer). Other columns are ignored.
    start, end : str, optional
        First and last month of the window (``YYYY-MM``, inclusive). Rows
        outside are dropped. Default: the first and last month in ``edges``.
    firms : iterable of str, optional
        Firms to include even without trade in the window (they get rows of
        zeros in the matrix and isolated nodes in the graph).

    Attributes
    ----------
    edges : pandas.DataFrame
        Columns ``seller``, ``buyer`` (categorical firm ids, categories =
        :attr:`index`), ``month`` (categorical ``YYYY-MM``, categories =
        :attr:`months`), ``amount`` (int64 yen);
        one row per seller, buyer and month; sorted by seller, buyer, month.
    months : tuple of str
        Every calendar month of the window, gaps included.
    index : pandas.Index
        Firm ids in sorted order; the row/column order of :meth:`matrix`.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"seller": ["A", "A", "B"], "buyer": ["B", "B", "C"],
    ...                    "month": ["2025-01", "2025-02", "2025-02"],
    ...                    "amount": [100, 50, 30]})
    >>> net = TradeNetwork(df)
    >>> net.months
    ('2025-01', '2025-02')
    >>> net.graph["A"]["B"]
    {'amount': 150, 'months': 2}
    >>> net.customers("A")
    {'B': (150, 2)}
    """

    def __init__(self, edges: pd.DataFrame, *, start: str | None = None, end: str | None = None,
                 firms: Iterable[str] = ()) -> None:
        missing = {"seller", "buyer", "month", "amount"} - set(edges.columns)
        if missing:
            raise ValueError(f"edges lack columns: {sorted(missing)}")
        month_cat = edges["month"].astype("category")
        cats = [str(c) for c in month_cat.cat.categories]
        numbers = np.array([month_number(c) for c in cats], dtype=np.int64)
        lo = month_number(start) if start is not None else (int(numbers.min()) if cats else None)
        hi = month_number(end) if end is not None else (int(numbers.max()) if cats else None)
        if lo is None or hi is None:
            raise ValueError("an empty network needs start and end")
        if hi < lo:
            raise ValueError(f"end {end} is before start {start}")
        self.months: tuple[str, ...] = tuple(month_label(k) for k in range(lo, hi + 1))
        t_all = np.full(len(edges), -1, dtype=np.int64)
        if cats:
            mcodes = month_cat.cat.codes.to_numpy()
            t_all = np.where(mcodes >= 0, (numbers - lo)[mcodes], -1)
        # firm ids → row numbers (factorize each column, then one sorted index)
        s_codes, s_uniq = pd.factorize(edges["seller"])
        b_codes, b_uniq = pd.factorize(edges["buyer"])
        firms = list(firms)
        ids = {str(x) for x in s_uniq} | {str(x) for x in b_uniq} | {str(f) for f in firms}
        self.index: pd.Index = pd.Index(sorted(ids), dtype=object, name="firm")
        s_map = self.index.get_indexer(pd.Index([str(x) for x in s_uniq], dtype=object))
        b_map = self.index.get_indexer(pd.Index([str(x) for x in b_uniq], dtype=object))
        s = s_map[s_codes].astype(np.int64)
        b = b_map[b_codes].astype(np.int64)
        amount = edges["amount"].to_numpy(dtype=np.int64)
        keep = (t_all >= 0) & (t_all <= hi - lo) & (s != b) & (s_codes >= 0) & (b_codes >= 0)
        s, b, amount, t_all = s[keep], b[keep], amount[keep], t_all[keep]
        # keep only firms with trade in the window (and the extra ones asked for)
        present = np.zeros(len(self.index), dtype=bool)
        present[s] = True
        present[b] = True
        extra = self.index.get_indexer(pd.Index(sorted({str(f) for f in firms}), dtype=object))
        present[extra] = True
        remap = np.cumsum(present) - 1
        self.index = self.index[present]
        s, b = remap[s], remap[b]
        n, m = len(self.index), len(self.months)
        # one row per (seller, buyer, month), duplicates summed (exact int64);
        # one sort, rows end up ordered by seller, buyer, month
        key = (s * n + b) * m + t_all
        order = np.argsort(key, kind="stable")
        key = key[order]
        starts = _run_starts(key)
        self._amount = np.add.reduceat(amount[order], starts) if starts.size else amount[:0]
        ukey = key[starts]
        self._t = (ukey % m).astype(np.int64)
        pair = ukey // m
        self._s = (pair // n).astype(np.int64)
        self._b = (pair % n).astype(np.int64)
        cat = pd.CategoricalDtype(self.index)
        self.edges: pd.DataFrame = pd.DataFrame({
            "seller": pd.Categorical.from_codes(self._s, dtype=cat),
            "buyer": pd.Categorical.from_codes(self._b, dtype=cat),
            "month": pd.Categorical.from_codes(self._t, categories=pd.Index(self.months)),
            "amount": self._amount,
        })
        # aggregated pairs over the window (pair is sorted): positive totals only
        p_starts = _run_starts(pair)
        if p_starts.size:
            p_amt = np.add.reduceat(self._amount, p_starts)
            p_months = np.add.reduceat((self._amount != 0).astype(np.int64), p_starts)
        else:
            p_amt = p_months = self._amount[:0]
        upair = pair[p_starts]
        pos = p_amt > 0
        self._pair_s = (upair[pos] // n).astype(np.int64)
        self._pair_b = (upair[pos] % n).astype(np.int64)
        self._pair_amount = p_amt[pos].astype(np.float64)
        self._pair_months = p_months[pos].astype(np.int64)

    @classmethod
    def from_trades(cls, trades: Iterable[MonthlyTrade], *, start: str | None = None,
                    end: str | None = None, firms: Iterable[str] = ()) -> TradeNetwork:
        """Build from records with ``seller``, ``buyer``, ``month`` and ``amount``
        (yen) attributes, e.g. :class:`queries.model.TradeEdge`."""
        rows = [(t.seller, t.buyer, t.month, int(t.amount)) for t in trades]
        df = pd.DataFrame(rows, columns=["seller", "buyer", "month", "amount"])
        return cls(df, start=start, end=end, firms=firms)

    # --- sizes and lookups -------------------------------------------------

    @property
    def start(self) -> str:
        """First month of the window (``YYYY-MM``)."""
        return self.months[0]

    @property
    def end(self) -> str:
        """Last month of the window (``YYYY-MM``)."""
        return self.months[-1]

    @property
    def n_firms(self) -> int:
        """Number of firms (rows of :meth:`matrix`)."""
        return len(self.index)

    def __contains__(self, firm: object) -> bool:
        return firm in self.index

    def __repr__(self) -> str:
        return (f"TradeNetwork({self.start}..{self.end}, firms={self.n_firms}, "
                f"ties={self._pair_s.size}, monthly_edges={self._s.size})")

    def codes(self, firms: Iterable[str]) -> np.ndarray:
        """Row numbers of ``firms`` in :meth:`matrix`; ``-1`` for firms not in the network."""
        return np.asarray(self.index.get_indexer(pd.Index(list(firms), dtype=object)),
                          dtype=np.int64)

    def monthly_codes(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The monthly edges as arrays: seller row, buyer row, month number
        (0 = :attr:`start`) and amount (yen), aligned with :attr:`edges`."""
        return self._s, self._b, self._t, self._amount

    def ties(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The aggregated ties as arrays: seller row, buyer row, amount (yen
        over the window, float64, > 0) and months with trade."""
        return self._pair_s, self._pair_b, self._pair_amount, self._pair_months

    # --- matrix and graph --------------------------------------------------

    def matrix(self) -> sp.csr_array:
        """``A`` (firms × firms, CSR, float64 yen): ``A[i, j]`` = what firm ``i``
        sold to firm ``j`` over the window. Cached; do not modify."""
        return self._matrix

    @cached_property
    def _matrix(self) -> sp.csr_array:
        n = self.n_firms
        a = sp.csr_array((self._pair_amount, (self._pair_s, self._pair_b)), shape=(n, n))
        a.sum_duplicates()
        a.sort_indices()
        return a

    @cached_property
    def graph(self) -> nx.DiGraph:
        """The aggregated DiGraph seller → buyer: ``amount`` (yen over the
        window, int) and ``months`` (calendar months with trade, int) per edge;
        every firm of :attr:`index` is a node."""
        import networkx as nx  # here: the server's start needs no networkx

        g = nx.DiGraph()
        g.add_nodes_from(self.index)
        ids = self.index.to_numpy()
        g.add_edges_from(
            (ids[s], ids[b], {"amount": int(round(a)), "months": int(k)})
            for s, b, a, k in zip(self._pair_s.tolist(), self._pair_b.tolist(),
                                  self._pair_amount.tolist(), self._pair_months.tolist(),
                                  strict=True)
        )
        return g

    # --- one firm's partners -----------------------------------------------

    def _side(self, firm: str, own: np.ndarray, other: np.ndarray) -> dict[str, tuple[int, int]]:
        code = int(self.codes([firm])[0])
        if code < 0:
            raise KeyError(firm)
        rows = np.flatnonzero(own == code)
        ids = self.index.to_numpy()
        order = sorted(rows.tolist(), key=lambda r: (-self._pair_amount[r], ids[other[r]]))
        return {str(ids[other[r]]): (int(round(self._pair_amount[r])), int(self._pair_months[r]))
                for r in order}

    def customers(self, firm: str) -> dict[str, tuple[int, int]]:
        """``{customer: (yen sold to it over the window, months with trade)}``,
        largest first. ``KeyError`` if ``firm`` is not in the network."""
        return self._side(firm, self._pair_s, self._pair_b)

    def suppliers(self, firm: str) -> dict[str, tuple[int, int]]:
        """``{supplier: (yen bought from it over the window, months with trade)}``,
        largest first. ``KeyError`` if ``firm`` is not in the network."""
        return self._side(firm, self._pair_b, self._pair_s)

    def partners(self, firm: str) -> set[str]:
        """Customers and suppliers of ``firm`` in the window."""
        return set(self.customers(firm)) | set(self.suppliers(firm))

    def window(self, start: str, end: str) -> TradeNetwork:
        """A new network of the months ``start`` … ``end`` of this one (same firms)."""
        return TradeNetwork(self.edges.assign(seller=self.edges["seller"].astype(str),
                                              buyer=self.edges["buyer"].astype(str)),
                            start=start, end=end, firms=self.index)
