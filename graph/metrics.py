"""Ego metrics of many firms at once, computed on one :class:`~graph.network.TradeNetwork`.

The portfolio batch scores thousands of client firms per run, so nothing
here builds a graph per firm. Every metric is computed for a whole set of
focal firms with sparse-matrix algebra on the window's trade matrix
``A`` (``A[i, j]`` = yen firm ``i`` sold to firm ``j``), and
:func:`ego_metrics_table` shares the intermediate products between metrics.

Notation used in the docstrings. For firms ``i`` and ``j``:

* ``w_ij = A[i, j] + A[j, i]`` — *mutual weight*, yen traded between the
  two in either direction over the window (``w_ii = 0``);
* ``N(i)`` — the partners of ``i``: firms with ``w_ij > 0``;
* ``p_ij = w_ij / Σ_k w_ik`` — ``i``'s yen share with ``j`` (sales plus
  purchases), normalised over **all** of ``i``'s partners in the network;
* ``δ_j = 1`` if ``j`` is in the distressed set, else 0.

Each public metric function takes the network and an iterable of firm ids
(``None`` = every firm) and returns ``{firm: value}`` with plain Python
``int`` / ``float`` values — ``nan`` where the metric is undefined (a firm
without partners, or not in the network). :data:`METRICS` lists every column
of :func:`ego_metrics_table` with its unit and the direction that is worse
for a credit reading; ``docs/metrics.md`` explains each one.

Why not ``nx.constraint`` / ``nx.effective_size`` directly
----------------------------------------------------------
networkx 3.6 (``algorithms/structuralholes.py``) has a fast sparse-matrix
path only when ``nodes is None``: it then computes every node of the graph
(for constraint the full ``P @ P``, which on a 100k-firm generated network
has ~9·10⁸ non-zeros, ~73 s and ~17 GB; for effective size it densifies an
``n × n`` matrix, 80 GB at 100k firms). With ``nodes=`` it falls back to
per-node pure-Python loops over ``normalized_mutual_weight`` (cubic in the
degree of a hub). We therefore evaluate the *same formulas* as networkx
(``weight="amount"`` on the window's DiGraph, or mutual yen on the
undirected graph; the tests check agreement to 1e-9) with the product
``P @ P`` evaluated only at the focal firms' own ties (a masked sparse
product, see :func:`_masked_product`). A further reason: with ``nodes=`` on a
DiGraph, networkx 3.6 returns ``nan`` for a firm that only buys (its
isolation check looks at successors only — networkx issue #2661, open since
2017), while its whole-graph path gives the right value.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
import scipy.sparse as sp

from graph.network import TradeNetwork

__all__ = [
    "MetricSpec", "METRICS", "METRIC_NAMES", "Side",
    "out_degree", "in_degree", "partner_count", "out_strength", "in_strength",
    "top_share", "hhi", "constraint", "effective_size", "ego_density", "reciprocity",
    "new_partners_per_period", "lost_partners_per_period", "partner_churn_rate",
    "client_coverage", "partner_distress_share", "side_distress_share",
    "two_hop_distress_exposure",
    "hops_to_distress", "ego_metrics_table",
]

Side = Literal["customer", "supplier"]
Worse = Literal["higher", "lower"]


@dataclass(frozen=True, slots=True)
class MetricSpec:
    """One column of :func:`ego_metrics_table`.

    ``worse``: the direction that reads worse for a credit officer
    (``"higher"`` / ``"lower"``), or ``None`` when the metric describes a
    firm without grading it (size, data coverage) or when the literature
    disagrees on the sign (closure: Burt vs Coleman).
    """

    name: str
    unit: str
    worse: Worse | None
    description: str
    reference: str


_BURT = "Burt, R. S. (1992). Structural Holes. Harvard University Press"
_BORGATTI = ("Borgatti, S. P. (1997). Structural holes: unpacking Burt's redundancy measures. "
             "Connections 20(1), 35-38")
_HHI = ("Herfindahl, O. C. (1950), Concentration in the steel industry (diss., Columbia); "
        "Hirschman, A. O. (1945), National Power and the Structure of Foreign Trade; "
        "Patatoukas, P. N. (2012), Customer-base concentration, The Accounting Review 87(2)")
_STRENGTH = ("Barrat, A. et al. (2004). The architecture of complex weighted networks. "
             "PNAS 101(11), 3747-3752")
_RECIPROCITY = ("Garlaschelli, D. & Loffredo, M. I. (2004). Patterns of link reciprocity in "
                "directed networks. Phys. Rev. Lett. 93, 268701")
_DENSITY = ("Wasserman, S. & Faust, K. (1994). Social Network Analysis; Coleman, J. S. (1988). "
            "Social capital in the creation of human capital. AJS 94, S95-S120")
_CONTAGION = ("Battiston, S. et al. (2007). Credit chains and bankruptcy propagation in production "
              "networks. JEDC 31(6); Jacobson, T. & von Schedvin, E. (2015). Trade credit and the "
              "propagation of corporate failure. Econometrica 83(4)")
_DEBTRANK = ("Battiston, S. et al. (2012). DebtRank: too central to fail? Scientific Reports 2, "
             "541; Carvalho, V. M., Nirei, M., Saito, Y. U. & Tahbaz-Salehi, A. (2021). Supply "
             "chain disruptions: evidence from the Great East Japan Earthquake. QJE 136(2)")

METRICS: tuple[MetricSpec, ...] = (
    MetricSpec("out_degree", "firms", None, "number of customers (firms the firm sold to)",
               _STRENGTH),
    MetricSpec("in_degree", "firms", None, "number of suppliers (firms the firm bought from)",
               _STRENGTH),
    MetricSpec("partners", "firms", None, "distinct trading partners (customers ∪ suppliers)",
               _STRENGTH),
    MetricSpec("out_strength", "yen", None, "sales to firms in the network over the window",
               _STRENGTH),
    MetricSpec("in_strength", "yen", None, "purchases from firms in the network over the window",
               _STRENGTH),
    MetricSpec("top_customer_share", "share 0-1", "higher",
               "largest customer's share of the firm's sales", _HHI),
    MetricSpec("top3_customer_share", "share 0-1", "higher",
               "three largest customers' share of the firm's sales", _HHI),
    MetricSpec("customer_hhi", "index 0-1", "higher",
               "Herfindahl-Hirschman index of the sales shares by customer", _HHI),
    MetricSpec("top_supplier_share", "share 0-1", "higher",
               "largest supplier's share of the firm's purchases", _HHI),
    MetricSpec("top3_supplier_share", "share 0-1", "higher",
               "three largest suppliers' share of the firm's purchases", _HHI),
    MetricSpec("supplier_hhi", "index 0-1", "higher",
               "Herfindahl-Hirschman index of the purchase shares by supplier", _HHI),
    MetricSpec("constraint", "index 0-1+", "higher",
               "Burt's constraint on yen mutual weights: dependence on few, interconnected "
               "partners", _BURT),
    MetricSpec("effective_size", "firms", "lower",
               "Burt's effective size on yen mutual weights: non-redundant partners",
               f"{_BURT}; {_BORGATTI}"),
    MetricSpec("ego_density", "share 0-1", None,
               "ties among the firm's partners / possible ties (undirected, unweighted)",
               _DENSITY),
    MetricSpec("reciprocity", "share 0-1", None,
               "share of partners that are both customer and supplier", _RECIPROCITY),
    MetricSpec("reciprocity_amount", "share 0-1", None,
               "share of the firm's traded yen (sales + purchases) with two-way partners",
               _RECIPROCITY),
    MetricSpec("new_partners_per_period", "firms/period", None,
               "mean number of partners gained from one period (default quarter) to the next",
               "defined here"),
    MetricSpec("lost_partners_per_period", "firms/period", "higher",
               "mean number of partners lost from one period (default quarter) to the next",
               "defined here"),
    MetricSpec("partner_churn_rate", "share 0-1", "higher",
               "partners lost / partners at the start of the period, pooled over periods",
               "defined here"),
    MetricSpec("client_sales_coverage", "share 0-1", None,
               "share of the firm's sales (yen) to customers that are BPO clients",
               "defined here (data coverage, not a risk grade)"),
    MetricSpec("client_purchase_coverage", "share 0-1", None,
               "share of the firm's purchases (yen) from suppliers that are BPO clients",
               "defined here (data coverage, not a risk grade)"),
    MetricSpec("distressed", "flag 0/1", "higher", "the firm itself is in the distressed set",
               "graph/distress.py"),
    MetricSpec("partner_distress_share", "share 0-1", "higher",
               "yen-weighted share of the firm's partners (both sides) that are in distress",
               _CONTAGION),
    MetricSpec("customer_distress_share", "share 0-1", "higher",
               "share of the firm's sales (yen) to customers in distress (sales and "
               "receivables at risk)", _CONTAGION),
    MetricSpec("supplier_distress_share", "share 0-1", "higher",
               "share of the firm's purchases (yen) from suppliers in distress (supply at risk)",
               _CONTAGION),
    MetricSpec("two_hop_distress_exposure", "share 0-1", "higher",
               "Σ_p p_fp · (distress share of p's partners other than the firm)", _DEBTRANK),
    MetricSpec("hops_to_distress", "hops", "lower",
               "undirected shortest-path length to the nearest distressed firm (0 = itself)",
               _DEBTRANK),
)
"""Every column of :func:`ego_metrics_table`, in column order."""

METRIC_NAMES: tuple[str, ...] = tuple(m.name for m in METRICS)

_INT_COLUMNS = {"out_degree", "in_degree", "partners", "out_strength", "in_strength", "distressed"}


# --- shared structure --------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Structure:
    a: sp.csr_array  # A: seller × buyer, yen
    at: sp.csr_array  # Aᵀ: buyer × seller, yen
    w: sp.csr_array  # mutual weights, symmetric, yen
    p: sp.csr_array  # row-normalised w (p_ij)
    b: sp.csr_array  # pattern of w (1.0)
    mx: sp.csr_array  # w_ij / max_k w_ik
    strength: np.ndarray  # Σ_j w_ij, yen
    degree: np.ndarray  # |N(i)|


_CACHE: weakref.WeakKeyDictionary[TradeNetwork, _Structure] = weakref.WeakKeyDictionary()


def _structure(network: TradeNetwork) -> _Structure:
    st = _CACHE.get(network)
    if st is not None:
        return st
    a = network.matrix()
    at = sp.csr_array(a.T.tocsr())
    at.sort_indices()
    w = sp.csr_array((a + at).tocsr())
    w.eliminate_zeros()
    w.sort_indices()
    strength = np.asarray(w.sum(axis=1)).ravel()
    degree = np.diff(w.indptr)
    rows = np.repeat(np.arange(w.shape[0]), degree)
    inv_s = np.divide(1.0, strength, out=np.zeros_like(strength), where=strength > 0)
    p = sp.csr_array((w.data * inv_s[rows], w.indices, w.indptr), shape=w.shape)
    rowmax = np.zeros(w.shape[0])
    if w.nnz:
        np.maximum.at(rowmax, rows, w.data)
    inv_m = np.divide(1.0, rowmax, out=np.zeros_like(rowmax), where=rowmax > 0)
    mx = sp.csr_array((w.data * inv_m[rows], w.indices, w.indptr), shape=w.shape)
    b = sp.csr_array((np.ones(w.nnz), w.indices, w.indptr), shape=w.shape)
    st = _Structure(a, at, w, p, b, mx, strength, degree)
    _CACHE[network] = st
    return st


@dataclass(frozen=True, slots=True)
class _Focal:
    ids: list[str]
    codes: np.ndarray  # row numbers, -1 for firms not in the network
    ok: np.ndarray  # codes >= 0
    v: np.ndarray  # codes[ok]

    def fill(self, values: np.ndarray, default: float) -> np.ndarray:
        out = np.full(len(self.ids), default, dtype=np.float64)
        out[self.ok] = values
        return out

    def as_dict(self, values: np.ndarray, integer: bool = False) -> dict[str, float]:
        if integer:
            return dict(zip(self.ids, (int(x) for x in values.tolist()), strict=True))
        return dict(zip(self.ids, (float(x) for x in values.tolist()), strict=True))


def _focal(network: TradeNetwork, firms: Iterable[str] | None) -> _Focal:
    ids = list(network.index) if firms is None else list(dict.fromkeys(str(f) for f in firms))
    codes = network.codes(ids)
    ok = codes >= 0
    return _Focal(ids, codes, ok, codes[ok])


def _sum_by(index: np.ndarray, weights: np.ndarray, n: int) -> np.ndarray:
    """``out[k] = Σ weights[index == k]`` for ``k < n``, always float64."""
    return np.bincount(index, weights=weights, minlength=n).astype(np.float64, copy=False)


def _row_ids(m: sp.csr_array) -> np.ndarray:
    return np.repeat(np.arange(m.shape[0]), np.diff(m.indptr))


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    return np.divide(num, den, out=np.full(num.shape, np.nan), where=den > 0)


def _indicator(network: TradeNetwork, firms: Iterable[str]) -> np.ndarray:
    x = np.zeros(network.n_firms)
    c = network.codes(firms)
    x[c[c >= 0]] = 1.0
    return x


# --- degree, strength, concentration -------------------------------------------


def out_degree(network: TradeNetwork, firms: Iterable[str] | None = None) -> dict[str, float]:
    """Number of customers of each firm in the window.

    Parameters
    ----------
    network : TradeNetwork
    firms : iterable of str, optional
        Focal firms (default: all). Firms not in the network get 0.

    Returns
    -------
    dict
        ``{firm: int}``.

    Examples
    --------
    >>> import pandas as pd
    >>> net = TradeNetwork(pd.DataFrame({"seller": ["A", "A"], "buyer": ["B", "C"],
    ...                                  "month": ["2025-01"] * 2, "amount": [1, 2]}))
    >>> out_degree(net, ["A", "B"])
    {'A': 2, 'B': 0}
    """
    f = _focal(network, firms)
    st = _structure(network)
    return f.as_dict(f.fill(np.diff(st.a.indptr)[f.v], 0), integer=True)


def in_degree(network: TradeNetwork, firms: Iterable[str] | None = None) -> dict[str, float]:
    """Number of suppliers of each firm in the window (``{firm: int}``; see :func:`out_degree`)."""
    f = _focal(network, firms)
    st = _structure(network)
    return f.as_dict(f.fill(np.diff(st.at.indptr)[f.v], 0), integer=True)


def partner_count(network: TradeNetwork, firms: Iterable[str] | None = None) -> dict[str, float]:
    """Distinct partners (customers ∪ suppliers) of each firm (``{firm: int}``)."""
    f = _focal(network, firms)
    st = _structure(network)
    return f.as_dict(f.fill(st.degree[f.v], 0), integer=True)


def out_strength(network: TradeNetwork, firms: Iterable[str] | None = None) -> dict[str, float]:
    """Sales of each firm to firms in the network over the window (``{firm: int}``, yen)."""
    f = _focal(network, firms)
    st = _structure(network)
    return f.as_dict(np.rint(f.fill(np.asarray(st.a[f.v].sum(axis=1)).ravel(), 0)), integer=True)


def in_strength(network: TradeNetwork, firms: Iterable[str] | None = None) -> dict[str, float]:
    """Purchases of each firm from firms in the network over the window (``{firm: int}``, yen)."""
    f = _focal(network, firms)
    st = _structure(network)
    return f.as_dict(np.rint(f.fill(np.asarray(st.at[f.v].sum(axis=1)).ravel(), 0)), integer=True)


def _concentration(m: sp.csr_array, rows: np.ndarray, k: int
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Top-1 share, top-``k`` share and HHI of each row's values (NaN for empty rows)."""
    sub = m[rows]
    r = _row_ids(sub)
    n = rows.size
    total = _sum_by(r, sub.data, n)
    share = sub.data / np.where(total > 0, total, 1.0)[r]
    order = np.lexsort((-share, r))
    s_sorted = share[order]
    pos = np.arange(s_sorted.size) - sub.indptr[:-1][r]  # r is sorted already
    top1 = _sum_by(r, s_sorted * (pos < 1), n)
    topk = _sum_by(r, s_sorted * (pos < k), n)
    h = _sum_by(r, share * share, n)
    empty = total <= 0
    for x in (top1, topk, h):
        x[empty] = np.nan
    return top1, topk, h


def _side_matrix(st: _Structure, side: Side) -> sp.csr_array:
    if side == "customer":
        return st.a
    if side == "supplier":
        return st.at
    raise ValueError(f"side must be 'customer' or 'supplier': {side!r}")


def top_share(network: TradeNetwork, firms: Iterable[str] | None = None, *,
              side: Side = "customer", k: int = 1) -> dict[str, float]:
    """Share of the ``k`` largest customers in a firm's sales (or suppliers in
    its purchases), yen over the window.

    Parameters
    ----------
    network : TradeNetwork
    firms : iterable of str, optional
        Focal firms (default: all).
    side : {"customer", "supplier"}
        Customers (shares of sales) or suppliers (shares of purchases).
    k : int
        How many of the largest partners to add up (1 = top-1 share).

    Returns
    -------
    dict
        ``{firm: float}`` in 0–1; ``nan`` for a firm without partners on
        that side.

    Examples
    --------
    >>> import pandas as pd
    >>> net = TradeNetwork(pd.DataFrame({"seller": ["A", "A", "A"], "buyer": ["B", "C", "D"],
    ...                                  "month": ["2025-01"] * 3, "amount": [50, 40, 10]}))
    >>> top_share(net, ["A"], k=2)
    {'A': 0.9}
    """
    if k < 1:
        raise ValueError("k must be at least 1")
    f = _focal(network, firms)
    _, topk, _ = _concentration(_side_matrix(_structure(network), side), f.v, k)
    return f.as_dict(f.fill(topk, np.nan))


def hhi(network: TradeNetwork, firms: Iterable[str] | None = None, *,
        side: Side = "customer") -> dict[str, float]:
    """Herfindahl–Hirschman index of a firm's sales by customer (or purchases
    by supplier): ``Σ_j s_j²`` with ``s_j`` the yen share of partner ``j``.

    Returns
    -------
    dict
        ``{firm: float}`` in ``(0, 1]`` — 1 for a single partner, ``1/n`` for
        ``n`` equal ones; ``nan`` without partners on that side.

    Notes
    -----
    On the 0–1 scale (shares, not percent); the antitrust convention
    multiplies by 10,000. Patatoukas (2012) uses this index of customer
    sales shares as customer-base concentration.

    Examples
    --------
    >>> import pandas as pd
    >>> net = TradeNetwork(pd.DataFrame({"seller": ["A", "A"], "buyer": ["B", "C"],
    ...                                  "month": ["2025-01"] * 2, "amount": [75, 25]}))
    >>> hhi(net, ["A"])
    {'A': 0.625}
    """
    f = _focal(network, firms)
    _, _, h = _concentration(_side_matrix(_structure(network), side), f.v, 1)
    return f.as_dict(f.fill(h, np.nan))


# --- structural holes ----------------------------------------------------------


_CHUNK_NNZ = 8_000_000  # heavy-part entries expanded at once (bounds memory, ~200 MB)


def _masked_product(left: sp.csr_array, right: sp.csr_array, rows: np.ndarray,
                    pattern: sp.csr_array, heavy: np.ndarray) -> np.ndarray:
    """``Σ_q left[rows[i], q] · right[q, j]`` at every stored entry ``(i, j)`` of
    ``pattern`` (a ``len(rows) × n`` CSR matrix), aligned with ``pattern.data``.

    Only the entries of ``pattern`` are wanted (the focal firms' own ties),
    but the full product ``left[rows] @ right`` runs through every
    partner's partners — through a hub with thousands of partners for
    almost every firm. So the sum over ``q`` is split: through ordinary
    ``q`` by a sparse product, through the ``heavy`` ``q`` (a boolean mask
    over firms, see :func:`_heavy`) by an element-wise product of the two
    entries' rows restricted to the heavy columns, in chunks of entries.
    """
    i = _row_ids(pattern)
    j = pattern.indices
    out = np.zeros(pattern.nnz)
    if pattern.nnz == 0:
        return out
    light = sp.csr_array(sp.diags_array((~heavy).astype(np.float64)) @ right)
    prod = sp.csr_array(left[rows] @ light)
    out += _values_at(prod, pattern)
    del prod
    hv = np.flatnonzero(heavy)
    if hv.size:
        left_h = sp.csr_array(left.tocsc()[:, hv].tocsr())  # firm × heavy
        right_h = sp.csr_array(right[hv].T.tocsr())  # firm × heavy: right[q, j]
        li, rj = rows[i], j
        size = np.diff(left_h.indptr)[li] + np.diff(right_h.indptr)[rj]
        bounds = np.searchsorted(np.cumsum(size), np.arange(_CHUNK_NNZ, size.sum(), _CHUNK_NNZ))
        for a, b in zip(np.r_[0, bounds], np.r_[bounds, size.size], strict=True):
            if b > a:
                lh = left_h[li[a:b]]
                rh = right_h[rj[a:b]]
                out[a:b] += np.asarray(lh.multiply(rh).sum(axis=1)).ravel()
    return out


def _values_at(m: sp.csr_array, pattern: sp.csr_array) -> np.ndarray:
    """Values of ``m`` at the stored entries of ``pattern`` (same shape,
    sorted indices), aligned with ``pattern.data``; 0 where ``m`` has none.

    (``m[i, j]`` fancy indexing scans unsorted product rows linearly; this
    masks first, then matches sorted row-major keys.)
    """
    ones = sp.csr_array((np.ones(pattern.nnz), pattern.indices, pattern.indptr),
                        shape=pattern.shape)
    masked = sp.csr_array(m.multiply(ones).tocsr())  # canonical: sorted, no duplicates
    masked.sort_indices()
    ncol = pattern.shape[1]
    want = _row_ids(pattern).astype(np.int64) * ncol + pattern.indices
    have = _row_ids(masked).astype(np.int64) * ncol + masked.indices
    out = np.zeros(pattern.nnz)
    out[np.searchsorted(want, have)] = masked.data
    return out


def _heavy(st: _Structure, rows: np.ndarray, pattern: sp.csr_array,
           threshold: int | None = None) -> np.ndarray:
    """Firms with more than ``threshold`` partners: the intermediaries that
    :func:`_masked_product` handles element-wise.

    By default the threshold (a power of two from 32) minimises an estimate
    of the work: the light sparse product costs ``Σ_v Σ_{q∈N(v), light} |N(q)|``
    multiply-adds, the heavy part ``Σ_(v,j) (h(v) + h(j))`` with ``h`` the
    number of heavy partners. (On the 100k-firm generated network: 512.)
    """
    if threshold is not None:
        return np.asarray(st.degree > threshold)
    top = int(st.degree.max()) if st.degree.size else 0
    if top <= 32 or pattern.nnz == 0:
        return np.zeros(st.degree.size, dtype=bool)
    deg = st.degree.astype(np.float64)
    b_rows = st.b[rows]
    li, rj = rows[_row_ids(pattern)], pattern.indices
    best, best_cost = top, float("inf")
    for thr in 2 ** np.arange(5, int(np.ceil(np.log2(top))) + 1):
        heavy = st.degree > thr
        light_cost = float((b_rows @ np.where(heavy, 0.0, deg)).sum())
        h = st.b @ heavy.astype(np.float64)
        cost = light_cost + float(h[li].sum() + h[rj].sum())
        if cost < best_cost:
            best, best_cost = int(thr), cost
    return np.asarray(st.degree > best)


@dataclass(frozen=True, slots=True)
class _Holes:
    constraint: np.ndarray
    effective_size: np.ndarray
    density: np.ndarray


def _holes(st: _Structure, v: np.ndarray, heavy_threshold: int | None = None) -> _Holes:
    pat = st.w[v]  # focal rows (sorted indices): entries (i, j) for j ∈ N(v_i)
    heavy = _heavy(st, v, pat, heavy_threshold)
    i = _row_ids(pat)
    n = v.size
    pv = st.p[v].data  # same structure as pat
    # constraint: Σ_j (p_vj + Σ_q p_vq p_qj)²
    indirect = _masked_product(st.p, st.p, v, pat, heavy)
    c = _sum_by(i, (pv + indirect) ** 2, n)
    # effective size: Σ_j (1 − Σ_q p_vq m_jq) = deg − Σ_q p_vq Σ_{j∈N(v)} m_jq
    z = _masked_product(st.b, st.mx, v, pat, heavy)  # Σ_j b_vj m_jq at q ∈ N(v)
    deg = st.degree[v].astype(np.float64)
    e = deg - _sum_by(i, pv * z, n)
    # ego density: ties among partners (common neighbours per tie, halved)
    tri = _masked_product(st.b, st.b, v, pat, heavy)
    t = _sum_by(i, tri, n) / 2.0
    possible = deg * (deg - 1) / 2.0
    isolated = deg == 0
    c[isolated] = np.nan
    e[isolated] = np.nan
    return _Holes(c, e, _ratio(t, possible))


def constraint(network: TradeNetwork, firms: Iterable[str] | None = None) -> dict[str, float]:
    r"""Burt's constraint on each firm, with yen as tie strength.

    .. math::

       c_i = \sum_{j \in N(i)} \Big(p_{ij} + \sum_{q \in N(i)} p_{iq} p_{qj}\Big)^2

    with ``p_ij`` the yen share of ``i``'s trade (both directions) with ``j``.

    Parameters
    ----------
    network : TradeNetwork
    firms : iterable of str, optional
        Focal firms (default: all).

    Returns
    -------
    dict
        ``{firm: float}``; about ``1/n`` for ``n`` equal, unconnected
        partners, 1 for a single partner, up to ~1.3 when a few partners
        also trade with each other. ``nan`` for a firm without partners.

    Notes
    -----
    *Directed or not*: the tie strength is the mutual weight — yen sold
    plus yen bought between the two firms — so direction does not enter:
    dependence on a partner is the same risk whether the partner is a
    customer (sales at stake) or a supplier (inputs at stake), and the
    mutual weight is how Burt (1992) and networkx define ``p_ij`` on
    directed data. *Weighted*: by yen over the window, since the point is
    how much of the firm's business hangs on each partner; unweighted, a
    ¥10,000 supplier would weigh like a ¥100M customer.

    The sum runs over the firm's 1-hop neighbourhood (its partners ``j`` and
    the partners ``q`` in between), but each partner's ``p_qj`` is
    normalised by *all* of that partner's trade in the network, as
    ``nx.constraint`` does on the whole window graph — with weight
    ``"amount"`` on the DiGraph, or mutual yen on the undirected graph (the
    tests check agreement). Computing on the ego graph
    alone would normalise a partner's ties by its trade inside the ego
    network only and overstate constraint.

    Examples
    --------
    >>> import pandas as pd
    >>> net = TradeNetwork(pd.DataFrame({"seller": ["A", "A"], "buyer": ["B", "C"],
    ...                                  "month": ["2025-01"] * 2, "amount": [50, 50]}))
    >>> constraint(net, ["A"])
    {'A': 0.5}

    References
    ----------
    .. [1] Burt, R. S. (1992). *Structural Holes: The Social Structure of
       Competition*. Harvard University Press.
    .. [2] Burt, R. S. (2004). Structural holes and good ideas. *American
       Journal of Sociology* 110(2), 349–399.
    """
    f = _focal(network, firms)
    h = _holes(_structure(network), f.v)
    return f.as_dict(f.fill(h.constraint, np.nan))


def effective_size(network: TradeNetwork, firms: Iterable[str] | None = None) -> dict[str, float]:
    r"""Burt's effective size of each firm's ego network, with yen as tie strength.

    .. math::

       e_i = \sum_{j \in N(i)} \Big(1 - \sum_{q \in N(i)} p_{iq} m_{jq}\Big),
       \qquad m_{jq} = w_{jq} / \max_k w_{jk}

    Returns
    -------
    dict
        ``{firm: float}`` in partners: between 1 and the number of partners
        (all partners non-redundant); ``nan`` without partners.

    Notes
    -----
    Same tie strength as :func:`constraint` (mutual yen, undirected, whole-
    network normalisation), equal to ``nx.effective_size`` on the undirected
    window graph weighted by mutual yen. Without weights it reduces to Borgatti's
    ``n − 2t/n`` (``t`` ties among the ``n`` partners).

    Examples
    --------
    >>> import pandas as pd
    >>> net = TradeNetwork(pd.DataFrame({"seller": ["A", "A"], "buyer": ["B", "C"],
    ...                                  "month": ["2025-01"] * 2, "amount": [50, 50]}))
    >>> effective_size(net, ["A"])
    {'A': 2.0}

    References
    ----------
    .. [1] Burt, R. S. (1992). *Structural Holes*. Harvard University Press.
    .. [2] Borgatti, S. P. (1997). Structural holes: unpacking Burt's
       redundancy measures. *Connections* 20(1), 35–38.
    """
    f = _focal(network, firms)
    h = _holes(_structure(network), f.v)
    return f.as_dict(f.fill(h.effective_size, np.nan))


def ego_density(network: TradeNetwork, firms: Iterable[str] | None = None) -> dict[str, float]:
    """Density of the ties among each firm's partners (the ego excluded).

    ``t / (n (n − 1) / 2)`` with ``n`` partners and ``t`` pairs of partners
    that trade with each other in either direction (undirected, unweighted).

    Returns
    -------
    dict
        ``{firm: float}`` in 0–1; ``nan`` with fewer than two partners.

    Notes
    -----
    Equals ``nx.density(nx.ego_graph(G.to_undirected(), firm, center=False))``.
    No direction of "worse": dense partners are redundant in Burt's sense but
    closure is social capital in Coleman's (1988).

    Examples
    --------
    >>> import pandas as pd
    >>> net = TradeNetwork(pd.DataFrame({"seller": ["A", "A", "A", "B"],
    ...                                  "buyer": ["B", "C", "D", "C"],
    ...                                  "month": ["2025-01"] * 4, "amount": [1, 1, 1, 1]}))
    >>> round(ego_density(net, ["A"])["A"], 4)
    0.3333
    """
    f = _focal(network, firms)
    h = _holes(_structure(network), f.v)
    return f.as_dict(f.fill(h.density, np.nan))


# --- reciprocity ---------------------------------------------------------------


def _reciprocity(st: _Structure, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    pat = st.w[v]
    i = _row_ids(pat)
    sold = _values_at(st.a[v], pat)  # yen the focal firm sold to each partner
    bought = _values_at(st.at[v], pat)  # yen it bought from each partner
    two_way = (sold > 0) & (bought > 0)
    n = v.size
    count = _sum_by(i, two_way.astype(np.float64), n)
    amount = _sum_by(i, pat.data * two_way, n)
    return _ratio(count, st.degree[v].astype(np.float64)), _ratio(amount, st.strength[v])


def reciprocity(network: TradeNetwork, firms: Iterable[str] | None = None, *,
                weighted: bool = False) -> dict[str, float]:
    """Share of a firm's partners that are both customer and supplier.

    Parameters
    ----------
    weighted : bool
        If true, the share of the firm's traded yen (sales + purchases) that
        is with such two-way partners.

    Returns
    -------
    dict
        ``{firm: float}`` in 0–1; ``nan`` without partners.

    Notes
    -----
    Counted per partner, not per edge: with ``o`` two-way partners among
    ``n`` partners this is ``o / n``. ``nx.reciprocity(G, firm)`` counts
    edges, ``r = 2o / (n + o)``; the two are related by ``o/n = r / (2 − r)``.

    Examples
    --------
    >>> import pandas as pd
    >>> net = TradeNetwork(pd.DataFrame({"seller": ["A", "B", "A"], "buyer": ["B", "A", "C"],
    ...                                  "month": ["2025-01"] * 3, "amount": [10, 30, 60]}))
    >>> reciprocity(net, ["A"]), reciprocity(net, ["A"], weighted=True)
    ({'A': 0.5}, {'A': 0.4})
    """
    f = _focal(network, firms)
    r, ra = _reciprocity(_structure(network), f.v)
    return f.as_dict(f.fill(ra if weighted else r, np.nan))


# --- partner churn -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Churn:
    new: np.ndarray
    lost: np.ndarray
    rate: np.ndarray


def _churn(network: TradeNetwork, v: np.ndarray, period_months: int) -> _Churn:
    if period_months < 1:
        raise ValueError("period_months must be at least 1")
    n_focal = v.size
    k_periods = len(network.months) // period_months
    if k_periods < 2:
        nan = np.full(n_focal, np.nan)
        return _Churn(nan, nan.copy(), nan.copy())
    offset = len(network.months) - k_periods * period_months  # leading months left out
    s, b, t, amount = network.monthly_codes()
    pos = np.full(network.n_firms, -1, dtype=np.int64)
    pos[v] = np.arange(n_focal)
    use = (t >= offset) & (amount != 0)
    s, b, t = s[use], b[use], t[use]
    k = (t - offset) // period_months
    fs, fb = pos[s] >= 0, pos[b] >= 0
    f = np.concatenate([pos[s[fs]], pos[b[fb]]])
    partner = np.concatenate([b[fs], s[fb]])
    kk = np.concatenate([k[fs], k[fb]])
    key = np.unique((f * network.n_firms + partner) * k_periods + kk)
    kk = key % k_periods
    f = key // k_periods // network.n_firms

    def present(q: np.ndarray) -> np.ndarray:
        at = np.searchsorted(key, q)
        return (at < key.size) & (key[np.minimum(at, key.size - 1)] == q)

    new = (kk >= 1) & ~present(key - 1)
    lost = (kk <= k_periods - 2) & ~present(key + 1)
    before = kk <= k_periods - 2
    new_n = _sum_by(f, new.astype(np.float64), n_focal)
    lost_n = _sum_by(f, lost.astype(np.float64), n_focal)
    before_n = _sum_by(f, before.astype(np.float64), n_focal)
    return _Churn(new_n / (k_periods - 1), lost_n / (k_periods - 1), _ratio(lost_n, before_n))


def new_partners_per_period(network: TradeNetwork, firms: Iterable[str] | None = None, *,
                            period_months: int = 3) -> dict[str, float]:
    """Mean number of partners a firm gains from one period to the next.

    Parameters
    ----------
    period_months : int
        Period length in months (3 = quarter). Periods are counted back from
        the window's last month; leading months that do not fill a period
        are left out (a partial period would fake losses or gains).

    Returns
    -------
    dict
        ``{firm: float}`` partners per period: over the ``K − 1`` steps
        between the ``K`` periods, the mean of ``|S_k \\ S_{k−1}|``, where
        ``S_k`` is the set of partners (either direction) with trade in
        period ``k``. ``nan`` with fewer than two whole periods.

    Examples
    --------
    >>> import pandas as pd
    >>> net = TradeNetwork(pd.DataFrame({"seller": ["A", "A", "A"], "buyer": ["B", "C", "D"],
    ...                                  "month": ["2025-01", "2025-04", "2025-05"],
    ...                                  "amount": [1, 1, 1]}), end="2025-06")
    >>> new_partners_per_period(net, ["A"])
    {'A': 2.0}
    """
    f = _focal(network, firms)
    c = _churn(network, f.v, period_months)
    return f.as_dict(f.fill(c.new, 0.0 if len(network.months) >= 2 * period_months else np.nan))


def lost_partners_per_period(network: TradeNetwork, firms: Iterable[str] | None = None, *,
                             period_months: int = 3) -> dict[str, float]:
    """Mean number of partners a firm loses from one period to the next:
    the mean of ``|S_{k−1} \\ S_k|`` (see :func:`new_partners_per_period`)."""
    f = _focal(network, firms)
    c = _churn(network, f.v, period_months)
    return f.as_dict(f.fill(c.lost, 0.0 if len(network.months) >= 2 * period_months else np.nan))


def partner_churn_rate(network: TradeNetwork, firms: Iterable[str] | None = None, *,
                       period_months: int = 3) -> dict[str, float]:
    """Share of a firm's partners that are gone in the next period, pooled
    over periods: ``Σ_k |S_{k−1} \\ S_k| / Σ_k |S_{k−1}|`` (``k = 1 … K−1``).

    Returns
    -------
    dict
        ``{firm: float}`` in 0–1; ``nan`` without partners before the last
        period or with fewer than two whole periods.

    Notes
    -----
    With a link half-life of about 13 months (transaction data) a quarter
    loses about 15 % of its links (``1 − 0.5^(3/13)``); ledgers record a
    partner only in months with an invoice, so irregular buyers show as
    churn too.
    """
    f = _focal(network, firms)
    c = _churn(network, f.v, period_months)
    return f.as_dict(f.fill(c.rate, np.nan))


# --- coverage by BPO clients ---------------------------------------------------


def _coverage(st: _Structure, v: np.ndarray, is_client: np.ndarray
              ) -> tuple[np.ndarray, np.ndarray]:
    sales = np.asarray(st.a[v].sum(axis=1)).ravel()
    purchases = np.asarray(st.at[v].sum(axis=1)).ravel()
    sales_c = np.asarray(st.a[v] @ is_client).ravel()
    purchases_c = np.asarray(st.at[v] @ is_client).ravel()
    return _ratio(sales_c, sales), _ratio(purchases_c, purchases)


def client_coverage(network: TradeNetwork, firms: Iterable[str] | None = None, *,
                    clients: Iterable[str], side: Side = "customer") -> dict[str, float]:
    """Share of a firm's sales (``side="customer"``) or purchases
    (``"supplier"``), in yen, whose counterparties are BPO clients.

    Where the counterparty is a client too, its own ledger is in the data:
    the trade is seen from both sides and the partner's trend can be
    analysed ("gross" group trend). Not a risk grade: it says how much of
    the firm's trade the data can see from both ends.

    Returns
    -------
    dict
        ``{firm: float}`` in 0–1; ``nan`` without sales (purchases).

    Examples
    --------
    >>> import pandas as pd
    >>> net = TradeNetwork(pd.DataFrame({"seller": ["A", "A"], "buyer": ["B", "C"],
    ...                                  "month": ["2025-01"] * 2, "amount": [30, 70]}))
    >>> client_coverage(net, ["A"], clients={"A", "C"})
    {'A': 0.7}
    """
    f = _focal(network, firms)
    sales, purchases = _coverage(_structure(network), f.v, _indicator(network, clients))
    if side not in ("customer", "supplier"):
        raise ValueError(f"side must be 'customer' or 'supplier': {side!r}")
    return f.as_dict(f.fill(sales if side == "customer" else purchases, np.nan))


# --- distress around the firm --------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Distress:
    flag: np.ndarray
    share: np.ndarray
    customer: np.ndarray
    supplier: np.ndarray
    two_hop: np.ndarray
    hops: np.ndarray


def _distress(st: _Structure, v: np.ndarray, delta: np.ndarray) -> _Distress:
    share_all = st.p @ delta  # Σ_j p_ij δ_j for every firm
    pv = st.p[v]
    share = share_all[v]
    # Σ_p p_fp (share(p) − p_pf δ_f): f's own distress is not its own exposure
    # Σ_p p_fp p_pf, with p_pf = w_fp / s_p = p_fp s_f / s_p
    i = _row_ids(pv)
    s_p = st.strength[pv.indices]
    back = _sum_by(i, pv.data ** 2 / s_p, v.size) * st.strength[v]
    two_hop = np.asarray(pv @ share_all).ravel() - back * delta[v]
    isolated = st.degree[v] == 0
    share[isolated] = np.nan
    two_hop[isolated] = np.nan
    a_v, at_v = st.a[v], st.at[v]
    customer = _ratio(np.asarray(a_v @ delta).ravel(), np.asarray(a_v.sum(axis=1)).ravel())
    supplier = _ratio(np.asarray(at_v @ delta).ravel(), np.asarray(at_v.sum(axis=1)).ravel())
    src = np.flatnonzero(delta > 0)
    if src.size:
        # imported here: csgraph loads scipy.linalg (a tenth of a second), which nothing else
        # of the server's start needs
        from scipy.sparse import csgraph

        dist = csgraph.dijkstra(st.b, directed=False, indices=src, unweighted=True,
                                min_only=True)
        hops = np.where(np.isinf(dist[v]), np.nan, dist[v])
    else:
        hops = np.full(v.size, np.nan)
    return _Distress(delta[v].copy(), share, customer, supplier, two_hop, hops)


def partner_distress_share(network: TradeNetwork, firms: Iterable[str] | None = None, *,
                           distressed: Iterable[str]) -> dict[str, float]:
    """Yen-weighted share of a firm's partners that are in distress:
    ``Σ_j p_ij δ_j``, both sides (customers and suppliers), ``p_ij`` the yen
    share of the firm's trade (sales + purchases) with ``j``.

    Parameters
    ----------
    distressed : iterable of str
        Firms in distress (e.g. the keys of
        :func:`graph.distress.distress_reasons`).

    Returns
    -------
    dict
        ``{firm: float}`` in 0–1; ``nan`` without partners.

    Examples
    --------
    >>> import pandas as pd
    >>> net = TradeNetwork(pd.DataFrame({"seller": ["A", "C"], "buyer": ["B", "A"],
    ...                                  "month": ["2025-01"] * 2, "amount": [75, 25]}))
    >>> partner_distress_share(net, ["A"], distressed={"C"})
    {'A': 0.25}
    """
    f = _focal(network, firms)
    d = _distress(_structure(network), f.v, _indicator(network, distressed))
    return f.as_dict(f.fill(d.share, np.nan))


def side_distress_share(network: TradeNetwork, firms: Iterable[str] | None = None, *,
                        distressed: Iterable[str], side: Side = "customer") -> dict[str, float]:
    """Share of a firm's sales (``side="customer"``: yen sold to customers in
    distress / all sales) or purchases (``"supplier"``: yen bought from
    suppliers in distress / all purchases).

    Returns
    -------
    dict
        ``{firm: float}`` in 0–1; ``nan`` without sales (purchases).

    Notes
    -----
    The two sides carry different risks: a distressed customer pays late or
    not at all (sales and receivables at risk, Jacobson & von Schedvin
    2015), a distressed supplier may stop delivering. On generated data the
    customer side separates partner-caused distress better
    (``tests/unit/test_distress_separation.py``).

    Examples
    --------
    >>> import pandas as pd
    >>> net = TradeNetwork(pd.DataFrame({"seller": ["A", "A", "C"], "buyer": ["B", "D", "A"],
    ...                                  "month": ["2025-01"] * 3, "amount": [75, 25, 10]}))
    >>> side_distress_share(net, ["A"], distressed={"B", "C"})
    {'A': 0.75}
    >>> side_distress_share(net, ["A"], distressed={"B", "C"}, side="supplier")
    {'A': 1.0}
    """
    if side not in ("customer", "supplier"):
        raise ValueError(f"side must be 'customer' or 'supplier': {side!r}")
    f = _focal(network, firms)
    d = _distress(_structure(network), f.v, _indicator(network, distressed))
    return f.as_dict(f.fill(d.customer if side == "customer" else d.supplier, np.nan))


def two_hop_distress_exposure(network: TradeNetwork, firms: Iterable[str] | None = None, *,
                              distressed: Iterable[str]) -> dict[str, float]:
    r"""Exposure to distress two steps away, through the firm's partners.

    .. math::

       E_f = \sum_{p \in N(f)} p_{fp} \sum_{q \in N(p),\, q \ne f} p_{pq}\, \delta_q

    — each partner's yen-weighted distress share (its partners other than
    the firm itself), weighted by the firm's yen share with that partner.

    Returns
    -------
    dict
        ``{firm: float}`` in 0–1; ``nan`` without partners.

    Notes
    -----
    A one-step, linear reading of contagion in the spirit of DebtRank
    (Battiston et al. 2012) without its nonlinear iteration: it does not
    count the partner's own distress (that is :func:`partner_distress_share`),
    and excluding ``q = f`` keeps a distressed firm from being exposed to
    itself. A distressed ``q`` that is also a direct partner of ``f`` is
    counted again here through every common partner.

    Examples
    --------
    >>> import pandas as pd
    >>> # A sells to B (100); B buys from X (300), which is distressed
    >>> net = TradeNetwork(pd.DataFrame({"seller": ["A", "X"], "buyer": ["B", "B"],
    ...                                  "month": ["2025-01"] * 2, "amount": [100, 300]}))
    >>> two_hop_distress_exposure(net, ["A"], distressed={"X"})
    {'A': 0.75}
    """
    f = _focal(network, firms)
    d = _distress(_structure(network), f.v, _indicator(network, distressed))
    return f.as_dict(f.fill(d.two_hop, np.nan))


def hops_to_distress(network: TradeNetwork, firms: Iterable[str] | None = None, *,
                     distressed: Iterable[str]) -> dict[str, float]:
    """Undirected shortest-path length (trade ties in either direction) from
    each firm to the nearest distressed firm; 0 for a distressed firm.

    Returns
    -------
    dict
        ``{firm: float}`` hops; ``nan`` when no distressed firm is reachable.

    Notes
    -----
    One multi-source breadth-first search from the whole distressed set
    (``scipy.sparse.csgraph.dijkstra(..., unweighted=True, min_only=True)``),
    not one search per firm; equal to ``nx.multi_source_dijkstra`` lengths
    on the undirected window graph.

    Examples
    --------
    >>> import pandas as pd
    >>> net = TradeNetwork(pd.DataFrame({"seller": ["A", "B"], "buyer": ["B", "C"],
    ...                                  "month": ["2025-01"] * 2, "amount": [1, 1]}))
    >>> hops_to_distress(net, ["A", "C"], distressed={"C"})
    {'A': 2.0, 'C': 0.0}
    """
    f = _focal(network, firms)
    d = _distress(_structure(network), f.v, _indicator(network, distressed))
    return f.as_dict(f.fill(d.hops, np.nan))


# --- the table -----------------------------------------------------------------


def ego_metrics_table(network: TradeNetwork, firms: Iterable[str] | None = None,
                      distressed: Iterable[str] = (), clients: Iterable[str] = (), *,
                      period_months: int = 3, top_k: int = 3) -> pd.DataFrame:
    """Every metric of :data:`METRICS` for many firms at once.

    Parameters
    ----------
    network : TradeNetwork
        The window's whole network, built once.
    firms : iterable of str, optional
        Focal firms (default: every firm of the network). Firms not in the
        network get a row of zero counts and ``nan`` metrics.
    distressed : iterable of str
        Firms in distress at the end of the window (a mapping from
        :func:`graph.distress.distress_reasons` works: its keys are used).
    clients : iterable of str
        BPO client firms (their ledgers are in the data).
    period_months : int
        Period of the churn metrics (3 = quarter).
    top_k : int
        ``k`` of the ``top3_*`` columns (named for the default 3).

    Returns
    -------
    pandas.DataFrame
        Index ``firm`` (in the given order, duplicates dropped), one column
        per entry of :data:`METRICS`: int64 for counts, yen and the
        ``distressed`` flag, float64 (``nan`` where undefined) otherwise.

    Notes
    -----
    Cost: sparse products over the focal firms' own ties (see
    :func:`_masked_product`) plus one multi-source search: about 10–15 s and
    under 1 GB above the network itself for 10,000 focal firms of a
    100,000-firm, 1.6M-tie, 24-month network on two cores
    (``bench/bench_metrics.py``).
    """
    distressed = {str(x) for x in distressed}
    f = _focal(network, firms)
    st = _structure(network)
    v = f.v
    a_v, at_v = st.a[v], st.at[v]
    out: dict[str, np.ndarray] = {
        "out_degree": f.fill(np.diff(a_v.indptr), 0),
        "in_degree": f.fill(np.diff(at_v.indptr), 0),
        "partners": f.fill(st.degree[v], 0),
        "out_strength": f.fill(np.rint(np.asarray(a_v.sum(axis=1)).ravel()), 0),
        "in_strength": f.fill(np.rint(np.asarray(at_v.sum(axis=1)).ravel()), 0),
    }
    for side, m in (("customer", st.a), ("supplier", st.at)):
        t1, tk, h = _concentration(m, v, top_k)
        out[f"top_{side}_share"] = f.fill(t1, np.nan)
        out[f"top3_{side}_share"] = f.fill(tk, np.nan)
        out[f"{side}_hhi"] = f.fill(h, np.nan)
    holes = _holes(st, v)
    out["constraint"] = f.fill(holes.constraint, np.nan)
    out["effective_size"] = f.fill(holes.effective_size, np.nan)
    out["ego_density"] = f.fill(holes.density, np.nan)
    r, ra = _reciprocity(st, v)
    out["reciprocity"] = f.fill(r, np.nan)
    out["reciprocity_amount"] = f.fill(ra, np.nan)
    churn = _churn(network, v, period_months)
    zero = 0.0 if len(network.months) >= 2 * period_months else np.nan
    out["new_partners_per_period"] = f.fill(churn.new, zero)
    out["lost_partners_per_period"] = f.fill(churn.lost, zero)
    out["partner_churn_rate"] = f.fill(churn.rate, np.nan)
    cs, cp = _coverage(st, v, _indicator(network, clients))
    out["client_sales_coverage"] = f.fill(cs, np.nan)
    out["client_purchase_coverage"] = f.fill(cp, np.nan)
    delta = _indicator(network, distressed)
    d = _distress(st, v, delta)
    flag = np.zeros(len(f.ids))
    flag[f.ok] = d.flag
    # firms not in the network can still be in the distressed set
    for idx in np.flatnonzero(~f.ok):
        flag[idx] = 1.0 if f.ids[idx] in distressed else 0.0
    out["distressed"] = flag
    out["partner_distress_share"] = f.fill(d.share, np.nan)
    out["customer_distress_share"] = f.fill(d.customer, np.nan)
    out["supplier_distress_share"] = f.fill(d.supplier, np.nan)
    out["two_hop_distress_exposure"] = f.fill(d.two_hop, np.nan)
    out["hops_to_distress"] = f.fill(d.hops, np.nan)
    df = pd.DataFrame(out, index=pd.Index(f.ids, dtype=object, name="firm"))
    df = df[list(METRIC_NAMES)]
    for col in _INT_COLUMNS:
        df[col] = df[col].astype(np.int64)
    return df
