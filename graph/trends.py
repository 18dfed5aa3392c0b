"""A firm's trend against its trading group's ("全体のトレンドと当社のトレンド").

The study behind torihiki evaluates a firm with six partners as a group of
seven and compares, qualitatively, the group's overall trend with the
firm's own. This module builds, per month or per fiscal quarter:

* the firm's sales, purchases and turnover (sales + purchases), yen;
* its partners' aggregate volume: every trade of each first-hop partner
  observed in the data (with anyone, the firm included), yen;
* the group's ("gross", グロス) volume: the firm's turnover plus its
  partners' — the sum of the members' turnovers, so trade between two
  members counts once for each side, as in a sum of the members' books;
* optionally the share of partners in distress;
* growth, period on period (``pop``) and year on year (``yoy``), percent;
  the gap between the firm and its group, percentage points; and which
  partners drive the group's growth (attribution).

Choices
-------
Quarters are Japanese fiscal quarters, the fiscal year starting in April
as the study's firms keep it: ``FY2024Q1`` = April–June 2024, ``FY2024Q4``
= January–March 2025. A quarter only partly inside the data window is
marked ``complete: false`` and gets no growth figure (a one-month quarter
against a three-month one would be noise).

The partner set is fixed over the window: every firm that traded with the
focal firm in any month of it. A partner gained mid-window therefore adds
to the group's growth, as it did to the firm's trade.

Growth is ``(x_t / x_base - 1) * 100`` with ``base`` the previous period
(``pop``) or the same period a year before (``yoy``: 12 months or 4
quarters back); ``None`` when the base is outside the window, incomplete or
not positive. The gap compares like with like: the firm's turnover growth
minus the group's (``gap_*_pp``) or minus its partners' (``gap_partners_*_pp``).

Attribution splits the group's growth exactly into the members' shares:
``contribution_i = (v_i(t) - v_i(base)) / G(base) * 100`` percentage points,
summing to the group's growth. Since the gap is ``g_firm - g_group``, a
partner with a large positive contribution lifts the group and so narrows
the firm's gap; these are the partners that "drive the gap".

Partners not kept at the BPO operator are seen only through clients'
ledgers: their volume is what the data observes, not their whole trade.
Each partner says whether its own books are observed (``own_books``, from
the edges' ``observers`` when present).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from graph.records import MonthlyTrade as TradeEdgeLike
from graph.window_table import WindowTable

__all__ = ["TradeEdgeLike", "TrendResult", "trend", "trend_of_group", "trend_of_table", "fiscal_quarter", "NOTE",
           "select_growth", "group_gaps", "GAP_COLUMNS"]

Freq = Literal["month", "quarter"]

_MONTH_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")

SERIES = ("firm_sales", "firm_purchases", "firm_volume", "partners_volume", "group_volume")
"""Level series per period, yen."""

NOTE = (
    "Qualitative comparison of the firm's trend with its trading group's, not a score. "
    "Volumes are trade observed in the BPO data (partners not kept at the operator are seen "
    "only through clients' ledgers); the group volume is the sum of members' turnovers "
    "(sales + purchases). Growth in percent, gaps in percentage points; None where a period "
    "is incomplete or the base is not positive."
)



def fiscal_quarter(month: str) -> str:
    """The Japanese fiscal quarter (year from April) of a ``YYYY-MM`` month.

    >>> fiscal_quarter("2024-04"), fiscal_quarter("2024-12"), fiscal_quarter("2025-03")
    ('FY2024Q1', 'FY2024Q3', 'FY2024Q4')
    """
    m = _MONTH_RE.match(month)
    if not m:
        raise ValueError(f"not a month (YYYY-MM): {month!r}")
    year, mon = int(m.group(1)), int(m.group(2))
    fy = year if mon >= 4 else year - 1
    return f"FY{fy}Q{(mon - 4) % 12 // 3 + 1}"


def _months(start: str, end: str) -> list[str]:
    return [str(p) for p in pd.period_range(start, end, freq="M").strftime("%Y-%m")]


def _growth(x: int, base: int) -> float | None:
    return None if base <= 0 else (x / base - 1.0) * 100.0


def _sub(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else a - b


def _lags(freq: Freq) -> dict[str, int]:
    """Periods back to the base: previous period (``pop``) or a year before (``yoy``)."""
    return {"pop": 1, "yoy": 12 if freq == "month" else 4}


def select_growth(group: Sequence[float], complete: Sequence[bool], lags: Mapping[str, int],
                  period: int | None = None, bases: Sequence[str] = ("yoy", "pop"),
                  ) -> tuple[int, int, str] | None:
    """The one rule for which growth a firm-versus-group gap compares.

    The latest period (or ``period``, an index) whose group growth is defined
    on the first basis of ``bases`` that has one: both it and its base
    complete, inside the series, the base positive. Returns ``(i, j,
    basis)`` — the period, its base, the basis — or ``None``. Used by a
    trend's attribution (:meth:`TrendResult.attribute`) and by every
    client's gap in the portfolio (:func:`group_gaps`).
    """
    candidates = [period] if period is not None else range(len(group) - 1, -1, -1)
    for i in candidates:
        for b in bases:
            j = i - lags[b]
            if j >= 0 and complete[i] and complete[j] and group[j] > 0:
                return i, j, b
    return None


GAP_COLUMNS = ["trend_basis", "firm_growth_pct", "group_growth_pct", "trend_gap_pp"]


def _firm_codes(seller: pd.Series, buyer: pd.Series) -> tuple[list[str], np.ndarray, np.ndarray]:
    """The firms with a row (sorted ids) and each row's seller and buyer as
    positions in them. A network's edges (:attr:`TradeNetwork.edges`) are
    categorical over one index: their codes are taken as they are, where
    converting ten million ids to strings and back took seconds."""
    cats = seller.dtype.categories if isinstance(seller.dtype, pd.CategoricalDtype) else None
    if cats is not None and seller.dtype == buyer.dtype and cats.is_monotonic_increasing:
        s = seller.cat.codes.to_numpy().astype(np.int64)
        b = buyer.cat.codes.to_numpy().astype(np.int64)
        if not ((s < 0).any() or (b < 0).any()):  # no missing id
            present = np.zeros(len(cats), dtype=bool)
            present[s] = True
            present[b] = True
            remap = np.cumsum(present) - 1
            return [str(x) for x in cats[present]], remap[s], remap[b]
    s_str = seller.astype(str).to_numpy()
    b_str = buyer.astype(str).to_numpy()
    ids = pd.Index(sorted(set(s_str) | set(b_str)))
    return [str(x) for x in ids], ids.get_indexer(s_str).astype(np.int64), ids.get_indexer(b_str).astype(np.int64)


def _period_codes(month: pd.Series, month_period: dict[str, int]) -> np.ndarray:
    """Each row's period (position), -1 for a month outside ``month_period``;
    from the categories' codes when ``month`` is categorical."""
    if isinstance(month.dtype, pd.CategoricalDtype):
        of_cat = np.array([month_period.get(str(m), -1) for m in month.dtype.categories] + [-1], dtype=np.int64)
        return of_cat[month.cat.codes.to_numpy().astype(np.int64)]  # code -1 (missing) → the last: -1
    t = month.astype(str).map(month_period).to_numpy()
    return np.where(pd.isna(t), -1, t).astype(np.int64)


def group_gaps(edges: pd.DataFrame, months: Sequence[str], firms: Sequence[str],
               freq: Freq = "quarter", unnamed: Mapping[str, Mapping[str, int]] | None = None) -> pd.DataFrame:
    """Firm-versus-group growth gap for many firms at once (vectorised).

    The same gap as a firm's trend (:func:`trend_of_group`, its attribution):
    per period (fiscal quarter by default), a firm's turnover (sales +
    purchases, yen) and its group's — the firm's plus each partner's in the
    window, trade with anyone — and, at the period :func:`select_growth`
    picks, firm growth − group growth in percentage points. ``edges``:
    monthly trade (``seller``, ``buyer``, ``month``, ``amount``); ``months``:
    every month of the window (a quarter only partly inside is incomplete).
    ``unnamed``: firm → {month: yen} of a client's ledger lines that name no
    counterparty (sales and purchases): part of its turnover, and so of its
    partners' groups, as on the trend page (without them a client whose
    ledger named more of its customers over time seemed to grow tenfold).

    Returns columns :data:`GAP_COLUMNS` indexed by ``firms`` (``trend_basis``
    like ``"FY2024Q4 vs FY2023Q4 (yoy)"``; NaN without a defined growth).
    """
    import scipy.sparse as sp

    out = pd.DataFrame(index=pd.Index(list(firms), name="firm"), columns=GAP_COLUMNS, dtype=object)
    if edges.empty or not months:
        return out
    label = (lambda m: m) if freq == "month" else fiscal_quarter
    periods: list[str] = []
    size: dict[str, int] = {}
    for m in months:
        p = label(m)
        if p not in size:
            periods.append(p)
            size[p] = 0
        size[p] += 1
    full = 1 if freq == "month" else 3
    complete = [size[p] == full for p in periods]
    period_index = {p: i for i, p in enumerate(periods)}
    month_period = {m: period_index[label(m)] for m in months}
    ids, s, b = _firm_codes(edges["seller"], edges["buyer"])
    t = _period_codes(edges["month"], month_period)
    keep = t >= 0
    s, b, t = s[keep], b[keep], t[keep]
    amount = edges["amount"].to_numpy(dtype=float)[keep]
    n, k = len(periods), len(ids)
    volume = (sp.coo_array((amount, (t, s)), shape=(n, k)).toarray()
              + sp.coo_array((amount, (t, b)), shape=(n, k)).toarray())
    pos = dict(zip(ids, range(k), strict=True))
    for firm, monthly in (unnamed or {}).items():
        c = pos.get(firm)
        if c is None:  # no named trade at all: no group to compare with
            continue
        for month, yen in monthly.items():
            p = month_period.get(month)
            if p is not None:
                volume[p, c] += yen
    adj = sp.coo_array((np.ones(2 * len(s)), (np.r_[s, b], np.r_[b, s])), shape=(k, k)).tocsr()
    adj.data[:] = 1.0
    adj.setdiag(0)
    group = volume + (adj @ volume.T).T  # the firm's turnover plus each partner's
    lags = _lags(freq)
    rows = {}
    for firm in firms:
        c = pos.get(firm)
        if c is None:
            continue
        chosen = select_growth(group[:, c], complete, lags)
        if chosen is None:
            continue
        i, j, basis = chosen
        g_group = _growth(group[i, c], group[j, c])
        g_firm = _growth(volume[i, c], volume[j, c])
        rows[firm] = (f"{periods[i]} vs {periods[j]} ({basis})", g_firm, g_group, _sub(g_firm, g_group))
    if rows:
        found = pd.DataFrame.from_dict(rows, orient="index", columns=GAP_COLUMNS)
        out.loc[found.index] = found.to_numpy()
    for col in GAP_COLUMNS[1:]:
        out[col] = pd.to_numeric(out[col], errors="coerce")
    return out


@dataclass
class TrendResult:
    """Series, growth, gaps and attribution of a firm against its group.

    ``series``: one dict per period (see :func:`trend`); ``partners``: one
    dict per first-hop partner; ``attribution``: the group's growth split
    by member for one period (``None`` without a defined growth);
    ``volumes``: period × member turnover (yen), the firm first — kept for
    :meth:`attribute`, not part of :meth:`to_dict`.
    """

    firm_id: str
    freq: Freq
    start: str | None
    end: str | None
    partners: list[dict[str, object]]
    series: list[dict[str, object]]
    attribution: dict[str, object] | None = None
    volumes: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    note: str = NOTE

    @property
    def period_convention(self) -> str:
        if self.freq == "month":
            return "calendar months YYYY-MM"
        return "Japanese fiscal quarters, FY from April: FY2024Q1 = 2024-04..2024-06"

    def to_dict(self) -> dict[str, object]:
        """JSON-ready: ``{"firm_id", "freq", "period_convention", "start", "end",
        "partners", "series", "attribution", "note"}``."""
        return {
            "firm_id": self.firm_id,
            "freq": self.freq,
            "period_convention": self.period_convention,
            "start": self.start,
            "end": self.end,
            "partners": [dict(p) for p in self.partners],
            "series": [dict(r) for r in self.series],
            "attribution": None if self.attribution is None else dict(self.attribution),
            "note": self.note,
        }

    def frame(self) -> pd.DataFrame:
        """``series`` as a DataFrame indexed by period."""
        return pd.DataFrame(self.series).set_index("period") if self.series else pd.DataFrame()

    def attribute(self, period: str | None = None, basis: Literal["auto", "pop", "yoy"] = "auto",
                  top: int = 5) -> dict[str, object] | None:
        """Split the group's growth in ``period`` into members' contributions.

        Parameters
        ----------
        period : a period label of ``series``; default the latest period with
            a defined group growth on the basis.
        basis : ``"pop"``, ``"yoy"`` or ``"auto"`` (``yoy`` where defined,
            else ``pop``).
        top : partners listed individually, by absolute contribution; the
            rest are summed into ``others_contribution_pp``.

        Returns
        -------
        ``{"period", "basis", "base_period", "group_growth_pct",
        "firm_growth_pct", "gap_pp", "firm_contribution_pp",
        "partners_contribution_pp", "contributors": [{"partner", "role",
        "base", "current", "change" (yen), "contribution_pp"}],
        "others_contribution_pp"}`` or ``None`` when no growth is defined.
        """
        if basis not in ("auto", "pop", "yoy"):
            raise ValueError("basis must be 'auto', 'pop' or 'yoy'")
        rows = {str(r["period"]): i for i, r in enumerate(self.series)}
        order = [str(r["period"]) for r in self.series]
        if period is not None and period not in rows:
            raise KeyError(f"no such period: {period!r}")
        bases: tuple[str, ...] = ("yoy", "pop") if basis == "auto" else (basis,)
        chosen = select_growth([int(r["group_volume"]) for r in self.series],  # type: ignore[call-overload]
                               [bool(r["complete"]) for r in self.series], _lags(self.freq),
                               None if period is None else rows[period], bases)
        if chosen is None:
            return None
        i, j, b = chosen
        return self._attribute(order, i, j, b, top)

    def _attribute(self, order: list[str], i: int, j: int, basis: str,
                   top: int) -> dict[str, object]:
        cur_row = self.volumes.iloc[i].to_numpy(dtype=np.int64)
        base_row = self.volumes.iloc[j].to_numpy(dtype=np.int64)
        names = [str(k) for k in self.volumes.columns]
        cur = dict(zip(names, (int(x) for x in cur_row), strict=True))
        base = dict(zip(names, (int(x) for x in base_row), strict=True))
        total_base = int(base_row.sum())
        contrib = {k: (cur[k] - base[k]) / total_base * 100.0 for k in names}
        roles = {str(p["id"]): p["role"] for p in self.partners}
        partner_ids = [k for k in contrib if k != self.firm_id]
        ranked = sorted(partner_ids, key=lambda k: (-abs(contrib[k]), k))
        row = self.series[i]
        firm_growth = row.get(f"firm_volume_{basis}_pct")
        return {
            "period": order[i],
            "basis": basis,
            "base_period": order[j],
            "group_growth_pct": row.get(f"group_volume_{basis}_pct"),
            "firm_growth_pct": firm_growth,
            "gap_pp": row.get(f"gap_{basis}_pp"),
            "firm_contribution_pp": contrib[self.firm_id],
            "partners_contribution_pp": sum(contrib[k] for k in partner_ids),
            "contributors": [
                {"partner": k, "role": roles.get(k), "base": base[k],
                 "current": cur[k], "change": cur[k] - base[k],
                 "contribution_pp": contrib[k]}
                for k in ranked[:top]
            ],
            "others_contribution_pp": sum(contrib[k] for k in ranked[top:]),
        }


def _span(series: Sequence[tuple[str, int]], start: str | None,
          end: str | None) -> tuple[str | None, str | None]:
    """First and last month of a month-sorted series inside the window."""
    first = next((m for m, _ in series if (start is None or m >= start) and (end is None or m <= end)), None)
    last = next((m for m, _ in reversed(series) if (start is None or m >= start) and (end is None or m <= end)),
                None)
    return first, last


def _distressed(spec: bool | Iterable[str], months: list[str]) -> bool:
    if isinstance(spec, bool):
        return spec
    flagged = {spec} if isinstance(spec, str) else set(spec)
    return any(m in flagged for m in months)


def trend(
    firm_id: str,
    edges: Iterable[TradeEdgeLike],
    freq: Freq = "month",
    distress: Mapping[str, bool | Iterable[str]] | None = None,
    *,
    start: str | None = None,
    end: str | None = None,
    top: int = 5,
) -> TrendResult:
    """Monthly or fiscal-quarterly series of a firm and its trading group.

    Parameters
    ----------
    firm_id : the focal firm.
    edges : monthly trades (``seller``, ``buyer``, ``month`` ``YYYY-MM``,
        ``amount`` yen; ``observers`` optional) covering the firm and its
        partners: the firm's own trades and all observed trades of each
        partner. Records with the same (seller, buyer, month) are one edge
        fetched twice: the larger amount is kept (as ``TradeEdge`` merges
        observers). Trades touching no group member are ignored.
    freq : ``"month"`` or ``"quarter"`` (Japanese fiscal quarters).
    distress : partner id → ``True`` (in distress throughout), ``False``,
        or the months ``YYYY-MM`` it was in distress (a quarter counts when
        any of its months does). Without it the distress fields are omitted.
    start, end : the window, ``YYYY-MM`` inclusive; default the first and
        last month with trade of a group member.
    top : partners listed in the attribution.

    Returns
    -------
    TrendResult
        ``series`` rows: ``period``, ``months`` (months of the period inside
        the window), ``complete``, levels ``firm_sales``, ``firm_purchases``,
        ``firm_volume``, ``partners_volume``, ``group_volume`` (int yen);
        with ``distress``: ``partners_distressed`` (count) and
        ``partners_distress_share`` (0–1, of all partners); growth
        ``<level>_pop_pct`` and ``<level>_yoy_pct`` (percent); gaps
        ``gap_pop_pp``, ``gap_yoy_pp`` (firm turnover growth − group growth)
        and ``gap_partners_pop_pp``, ``gap_partners_yoy_pp`` (− partners'
        growth), percentage points. ``partners`` rows: ``id``, ``role``
        (``customer`` / ``supplier`` / ``both`` seen from the firm),
        ``sales_to``, ``purchases_from`` (the firm's trade with it, yen),
        ``volume`` (its observed turnover, yen), ``own_books`` (it observed
        some of its trade itself; ``None`` without observer data),
        ``distressed_periods`` (with ``distress``). ``attribution``: see
        :meth:`TrendResult.attribute`.

    Examples
    --------
    >>> from queries.model import TradeEdge
    >>> e = [TradeEdge("A", "B", "2024-04", 100, 1), TradeEdge("A", "B", "2024-05", 150, 1)]
    >>> r = trend("A", e)
    >>> r.series[1]["firm_sales_pop_pct"], r.series[1]["group_volume"]
    (50.0, 300)
    """
    if freq not in ("month", "quarter"):
        raise ValueError("freq must be 'month' or 'quarter'")
    for bound in (start, end):
        if bound is not None and not _MONTH_RE.match(bound):
            raise ValueError(f"not a month (YYYY-MM): {bound!r}")
    firm_id = str(firm_id)

    merged: dict[tuple[str, str, str], int] = {}
    observers: set[str] = set()
    has_observers = False
    for e in edges:
        if not _MONTH_RE.match(e.month):
            raise ValueError(f"not a month (YYYY-MM): {e.month!r}")
        if e.seller == e.buyer:
            continue
        if (start is not None and e.month < start) or (end is not None and e.month > end):
            continue
        key = (str(e.seller), str(e.buyer), e.month)
        merged[key] = max(merged.get(key, e.amount), e.amount)
        obs = getattr(e, "observers", None)
        if obs is not None:
            has_observers = True
            observers.update(str(o) for o in obs)

    own: dict[tuple[str, str], dict[str, int]] = defaultdict(dict)
    for (s, b, month), amount in merged.items():
        if firm_id in (s, b):
            own[(s, b)][month] = amount
    partners = {b if s == firm_id else s for s, b in own}
    member_set = partners | {firm_id}
    volume: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for (s, b, month), amount in merged.items():
        for m in (s, b):
            if m in member_set:
                volume[m][month] += amount
    books = {q: ((q in observers) if has_observers else None) for q in partners}
    series = {k: sorted(v.items()) for k, v in volume.items()}
    return trend_of_group(firm_id, own, series, books, freq, distress, start=start, end=end, top=top)


def trend_of_group(
    firm_id: str,
    own: Mapping[tuple[str, str], Mapping[str, int]],
    volume: Mapping[str, Sequence[tuple[str, int]]],
    own_books: Mapping[str, bool | None],
    freq: Freq = "month",
    distress: Mapping[str, bool | Iterable[str]] | None = None,
    *,
    start: str | None = None,
    end: str | None = None,
    top: int = 5,
    unnamed: Mapping[str, tuple[int, int]] | None = None,
) -> TrendResult:
    """:func:`trend` from what a store keeps per pair and per firm.

    Parameters
    ----------
    firm_id : the focal firm.
    own : the firm's own pairs, (seller, buyer) → {month: yen}, months
        inside the window.
    volume : for the firm and each partner, its observed turnover (sales +
        purchases with anyone, yen) per month, as (``YYYY-MM``, yen) sorted
        by month — a store's firm totals.
    own_books : partner → whether its own books are observed (``None``:
        unknown).
    freq, distress, start, end, top : as for :func:`trend`.
    unnamed : month → (sales, purchases) of the firm's own ledger lines that
        name no counterparty (yen, months inside the window): part of the
        firm's sales and purchases, of no partner's.
    """
    if freq not in ("month", "quarter"):
        raise ValueError("freq must be 'month' or 'quarter'")
    sales_to: dict[str, int] = defaultdict(int)
    purchases_from: dict[str, int] = defaultdict(int)
    firm_sales: dict[str, int] = defaultdict(int)
    firm_purchases: dict[str, int] = defaultdict(int)
    for month, (unnamed_sales, unnamed_purchases) in (unnamed or {}).items():
        firm_sales[month] += unnamed_sales
        firm_purchases[month] += unnamed_purchases
    for (s, b), monthly in own.items():
        for month, amount in monthly.items():
            if s == firm_id:
                sales_to[b] += amount
                firm_sales[month] += amount
            elif b == firm_id:
                purchases_from[s] += amount
                firm_purchases[month] += amount
    partners = sorted(set(sales_to) | set(purchases_from))
    members = [firm_id, *partners]
    lo, hi = start, end
    if start is None or end is None:
        spans = [_span(volume.get(k, ()), start, end) for k in members]
        firsts = [a for a, _ in spans if a is not None]
        lasts = [b for _, b in spans if b is not None]
        lo = start if start is not None else (min(firsts) if firsts else None)
        hi = end if end is not None else (max(lasts) if lasts else None)
    if lo is None or hi is None or lo > hi:
        return TrendResult(firm_id, freq, lo, hi, [], [], None, pd.DataFrame())
    periods, period_months = _periods(lo, hi, freq)

    # period × member turnover (yen): one pass over each member's months
    period_of = {m: i for i, p in enumerate(periods) for m in period_months[p]}
    rows = [[0] * len(members) for _ in periods]  # plain lists: numpy item access is slower
    for j, k in enumerate(members):
        for m, v in volume.get(k, ()):
            i = period_of.get(m)
            if i is not None:
                rows[i][j] += v
    matrix = np.array(rows, dtype=np.int64).reshape(len(periods), len(members))
    return _group_trend(firm_id, freq, lo, hi, period_months, members, matrix, firm_sales, firm_purchases,
                        sales_to, purchases_from, own_books, distress, top)


def _periods(lo: str, hi: str, freq: Freq) -> tuple[list[str], dict[str, list[str]]]:
    """The periods from ``lo`` to ``hi`` (months or fiscal quarters) and the months of each."""
    label = (lambda m: m) if freq == "month" else fiscal_quarter
    period_months: dict[str, list[str]] = {}
    for m in _months(lo, hi):
        period_months.setdefault(label(m), []).append(m)
    return list(period_months), period_months


def _group_trend(firm_id: str, freq: Freq, lo: str, hi: str, period_months: dict[str, list[str]],
                 members: list[str], matrix: np.ndarray, firm_sales: Mapping[str, int],
                 firm_purchases: Mapping[str, int], sales_to: Mapping[str, int],
                 purchases_from: Mapping[str, int], own_books: Mapping[str, bool | None],
                 distress: Mapping[str, bool | Iterable[str]] | None, top: int) -> TrendResult:
    """The trend from the group's period × member turnover (``matrix``, yen;
    members the firm first, then its partners sorted), the firm's sales and
    purchases per month and its yen with each partner in the window: what
    :func:`trend_of_group` and :func:`trend_of_table` share."""
    periods = list(period_months)
    partners = members[1:]
    full = 1 if freq == "month" else 3
    vol = pd.DataFrame(matrix, index=periods, columns=members)
    partner_volume = matrix[:, 1:].sum(axis=1)
    levels: dict[str, list[int]] = {name: [] for name in SERIES}
    for i, p in enumerate(periods):
        fs = sum(firm_sales.get(m, 0) for m in period_months[p])
        fp = sum(firm_purchases.get(m, 0) for m in period_months[p])
        pv = int(partner_volume[i])
        for name, v in zip(SERIES, (fs, fp, fs + fp, pv, fs + fp + pv), strict=True):
            levels[name].append(v)
    complete = [len(period_months[p]) == full for p in periods]
    lags = _lags(freq)

    def growth(name: str, i: int, lag: int) -> float | None:
        j = i - lag
        if j < 0 or not (complete[i] and complete[j]):
            return None
        return _growth(levels[name][i], levels[name][j])

    series: list[dict[str, object]] = []
    for i, p in enumerate(periods):
        ms = period_months[p]
        row: dict[str, object] = {"period": p, "months": len(ms), "complete": complete[i]}
        row.update({name: levels[name][i] for name in SERIES})
        if distress is not None:
            flagged = sum(1 for q in partners if q in distress and _distressed(distress[q], ms))
            row["partners_distressed"] = flagged
            row["partners_distress_share"] = flagged / len(partners) if partners else None
        for basis, lag in lags.items():
            g = {name: growth(name, i, lag) for name in SERIES}
            row.update({f"{name}_{basis}_pct": g[name] for name in SERIES})
            row[f"gap_{basis}_pp"] = _sub(g["firm_volume"], g["group_volume"])
            row[f"gap_partners_{basis}_pp"] = _sub(g["firm_volume"], g["partners_volume"])
        series.append(row)

    totals = dict(zip(members, (int(x) for x in matrix.sum(axis=0)), strict=True))
    roles = []
    for q in partners:
        role = "both" if q in sales_to and q in purchases_from else (
            "customer" if q in sales_to else "supplier")
        info: dict[str, object] = {
            "id": q, "role": role, "sales_to": int(sales_to.get(q, 0)),
            "purchases_from": int(purchases_from.get(q, 0)), "volume": totals[q],
            "own_books": own_books.get(q),
        }
        if distress is not None:
            info["distressed_periods"] = [
                p for p in periods if q in distress and _distressed(distress[q], period_months[p])
            ]
        roles.append(info)

    result = TrendResult(firm_id, freq, lo, hi, roles, series, None, vol)
    result.attribution = result.attribute(top=top)
    return result


def trend_of_table(
    table: WindowTable,
    freq: Freq = "month",
    *,
    start: str | None = None,
    end: str | None = None,
    top: int = 5,
    unnamed: Mapping[str, tuple[int, int]] | None = None,
) -> TrendResult:
    """:func:`trend_of_group` of ``table.firm`` from its :class:`WindowTable`:
    the same answer, from a few vector sums over the window's columns
    instead of every pair's and every partner's months (a busy firm has
    thousands). ``unnamed`` as for :func:`trend_of_group`."""
    if freq not in ("month", "quarter"):
        raise ValueError("freq must be 'month' or 'quarter'")
    firm_id = table.firm
    i, j = table.columns(start, end)
    window = table.months[i:j]
    rows = table.pairs_in(start, end)
    yen = table.pair_yen[rows, i:j]
    sells = table.pair_sells[rows]
    partner_rows = table.pair_partner[rows]
    sums = yen.sum(axis=1)
    names = table.members
    sales_to = {names[r]: y for r, y in zip(partner_rows[sells].tolist(), sums[sells].tolist(), strict=True)}
    purchases_from = {names[r]: y for r, y in zip(partner_rows[~sells].tolist(), sums[~sells].tolist(),
                                                   strict=True)}
    firm_sales = dict(zip(window, yen[sells].sum(axis=0).tolist(), strict=True))
    firm_purchases = dict(zip(window, yen[~sells].sum(axis=0).tolist(), strict=True))
    for month, (unnamed_sales, unnamed_purchases) in (unnamed or {}).items():
        firm_sales[month] = firm_sales.get(month, 0) + unnamed_sales
        firm_purchases[month] = firm_purchases.get(month, 0) + unnamed_purchases
    member_rows = np.concatenate(([0], np.unique(partner_rows))).astype(np.intp)  # the firm, partners sorted
    members = [names[r] for r in member_rows.tolist()]
    lo, hi = start, end
    if start is None or end is None:
        seen = np.flatnonzero(table.totals_seen[member_rows, i:j].any(axis=0))
        lo = start if start is not None else (window[seen[0]] if len(seen) else None)
        hi = end if end is not None else (window[seen[-1]] if len(seen) else None)
    if lo is None or hi is None or lo > hi:
        return TrendResult(firm_id, freq, lo, hi, [], [], None, pd.DataFrame())
    periods, period_months = _periods(lo, hi, freq)
    period_of = {m: k for k, p in enumerate(periods) for m in period_months[p]}
    turnover = table.turnover[member_rows, i:j]
    matrix = np.zeros((len(periods), len(members)), dtype=np.int64)
    for c, month in enumerate(window):
        k = period_of.get(month)
        if k is not None:
            matrix[k] += turnover[:, c]
    books = {names[r]: None if flag < 0 else bool(flag)
             for r, flag in zip(member_rows[1:].tolist(), table.books[member_rows[1:]].tolist(), strict=True)}
    return _group_trend(firm_id, freq, lo, hi, period_months, members, matrix, firm_sales, firm_purchases,
                        sales_to, purchases_from, books, None, top)
