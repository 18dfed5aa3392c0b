"""Analytics use cases shared by the CLI and the API: fetch through the
store, compute with :mod:`graph`, return JSON-ready dicts."""

from __future__ import annotations

import io
import operator
from typing import Any, Literal

from api.region_month import region_month
from api.service import check_month_window, counterparts
from api.window_tables import observed_books, read_table
from domain.errors import InputError
from graph.ego import window_monthly
from graph.network import month_label, month_number
from graph.records import window_slice
from graph.trends import TrendResult, trend_of_group, trend_of_table
from queries.scoped import ReadStore
from queries.series import FirmTotals
from queries.store import NotFound

# graph.correlation, graph.contagion and graph.frames pull in scipy.stats and
# friends (about a second): imported where used, so that the server starts fast.

__all__ = ["trend_of", "correlation_of", "correlation_png", "whatif_of"]


def _firm_or_404(store: ReadStore, firm_id: str) -> None:
    if store.get_firm(firm_id) is None:
        raise NotFound(f"no firm {firm_id!r}")


def trend_of(store: ReadStore, firm_id: str, freq: Literal["month", "quarter"] = "month",
             month_from: str | None = None, month_to: str | None = None) -> dict[str, Any]:
    """The firm's series against its trading group's (``graph.trends``):
    the firm's own pairs, and each member's turnover from the firm totals
    the store keeps current at load (not every trade of every partner).
    A partner's books count as observed when it is a BPO client. The firm's
    sales and purchases include its ledger lines without a named partner
    (cash sales …), which belong to no partner.

    Without ``month_to`` the trend ends at the region's month
    (:func:`api.region_month.region_month`) when the firm's trade goes
    beyond it: a month most clients have not delivered yet holds only part
    of the group's trade. ``months_left_out`` then names the months after
    it (``YYYY-MM``, first and last); ``None`` otherwise."""
    _firm_or_404(store, firm_id)
    check_month_window(month_from, month_to)
    result = _trend(store, firm_id, freq, month_from, month_to)
    left_out = None
    if month_to is None and result.end is not None and (region := region_month(store)) is not None \
            and result.end > region and (month_from is None or month_from <= region):
        left_out = [month_label(month_number(region) + 1), result.end]
        result = _trend(store, firm_id, freq, month_from, region)
    return {**result.to_dict(), "months_left_out": left_out}


def _trend(store: ReadStore, firm_id: str, freq: Literal["month", "quarter"], month_from: str | None,
           month_to: str | None) -> TrendResult:
    # Only the lines without a partner: not the whole ledger's sums, which hold them
    # too but read every observation of the client's ledger (a busy client's thousands).
    sums = store.unnamed_totals([firm_id]).get(firm_id, {})
    unnamed = {m: (sums.get("unnamed_sales", {}).get(m, 0), sums.get("unnamed_purchases", {}).get(m, 0))
               for m in {*sums.get("unnamed_sales", {}), *sums.get("unnamed_purchases", {})}
               if (month_from is None or m >= month_from) and (month_to is None or m <= month_to)}
    table = read_table(store, firm_id)  # one of the busiest firms: its pairs and partners laid out by month
    if table is not None:
        return trend_of_table(table, freq, start=month_from, end=month_to, unnamed=unnamed)
    own = window_monthly(store.pairs_of(firm_id), month_from, month_to)
    partners = {b if s == firm_id else s for s, b in own}
    totals = store.firm_totals(partners | {firm_id})
    volume = {f: _turnover(t, month_from, month_to) for f, t in totals.items()}
    return trend_of_group(firm_id, own, volume, observed_books(store, partners), freq, start=month_from,
                          end=month_to, unnamed=unnamed)


def _turnover(totals: FirmTotals, month_from: str | None, month_to: str | None) -> list[tuple[str, int]]:
    """A firm's turnover (sales + purchases, yen) per month inside the
    window, from its totals (months sorted: the window is one slice): all a
    trend reads of a member (a busy firm has thousands)."""
    i, j = window_slice(totals.months, month_from, month_to)
    return list(zip(totals.months[i:j], map(operator.add, totals.sales[i:j], totals.purchases[i:j]), strict=True))


def _parameters(store: ReadStore, period: str | None) -> Any:
    # The store first, the imports after: when the store is down the answer
    # is a 503 at once, not after a second of importing scipy (the first time).
    rows = store.parameters()
    if not rows:
        raise InputError("no management parameters loaded (torihiki metrics import FILE)")
    from graph.frames import parameters_frame

    frame = parameters_frame(rows, period)
    if period and frame.empty:  # a matrix of nothing but gaps would read as "no correlation"
        periods = sorted({r.period for r in rows})
        raise InputError(f"no firm has management parameters for the period {period!r}"
                         + (f"; periods with parameters: {', '.join(periods[:12])}" if periods else ""))
    return frame


def correlation_of(store: ReadStore, method: Literal["pearson", "spearman"] = "pearson",
                   period: str | None = None) -> dict[str, Any]:
    """Correlation of the management parameters across firms."""
    frame = _parameters(store, period)
    from graph.correlation import correlation

    result = correlation(frame, method).to_dict()
    result["period"] = period or "latest per firm"
    return result


def correlation_png(store: ReadStore, method: Literal["pearson", "spearman"] = "pearson",
                    period: str | None = None) -> bytes:
    """The correlation matrix as a PNG heatmap."""
    frame = _parameters(store, period)
    from graph.correlation import correlation, heatmap_png

    buf = io.BytesIO()
    heatmap_png(correlation(frame, method), buf)
    return buf.getvalue()


def whatif_of(store: ReadStore, firm_id: str, failing_id: str) -> dict[str, Any]:
    """If ``failing_id`` fails: the firm's direct exposure and a two-hop
    DebtRank-style propagation, as ranges and bands (``graph.contagion``)."""
    from graph.contagion import NotWithinTwoHops, what_if

    _firm_or_404(store, firm_id)
    if failing_id == firm_id:
        raise InputError(f"the firm whose failure is assumed must be another firm than {firm_id}")
    first = store.trade_edges([firm_id], None, None)
    hop1 = counterparts(first, {firm_id})
    second = store.trade_edges(hop1, None, None) if hop1 else []
    hop2 = counterparts(second, hop1 | {firm_id})
    # a partner within two hops (for a credit officer: as the visible data
    # names it, a pseudonym for a partner that did not consent), else a firm
    # the principal may open; anything else answers as an unknown firm
    if failing_id not in hop1 | hop2:
        if store.get_firm(failing_id) is None:
            raise NotFound(f"no firm {failing_id!r}")
        # a firm one may open, but no partner of the firm's nor of its partners' in any month
        raise NotWithinTwoHops(f"{failing_id!r} never traded with {firm_id!r}, directly or through one "
                               "other firm, in any month of the trade one may see")
    third = store.trade_edges(hop2, None, None) if hop2 else []
    edges = {(e.seller, e.buyer, e.month): e for e in [*first, *second, *third]}
    payments = store.payments([firm_id], None, None)
    # Up to the region's month: a later month most clients have not delivered holds part of the partners'
    # trade. Not when the failing partner's trade all comes later (a new partner): nothing to cut to.
    region = region_month(store)
    cut = region is not None and any(m > region for _, _, m in edges) and any(
        m <= region for s, b, m in edges if failing_id in (s, b) and firm_id in (s, b))
    as_of = region if cut else None
    return what_if(firm_id, failing_id, list(edges.values()), payments, as_of=as_of).to_dict()
