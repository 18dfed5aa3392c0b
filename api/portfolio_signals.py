"""The portfolio page's table: one row of risk signals per BPO client.

Computed once per change of the data — after a load, by
:func:`refresh_portfolio_signals` (``torihiki load``/``ingest``/``refresh``
call it next to the peer inputs) — and stored as the derived table
``portfolio_signals``; the page reads it (a few hundred kilobytes at 10,000
clients) instead of rebuilding the network per request, and sorts and
filters it in memory.

Columns (one row per client, index ``firm_id``):

* ``name``, ``industry``, ``prefecture``, ``size_class`` — the firm master;
* ``sales_yen`` — the client's own ledger sales over the trailing twelve
  months at its last month (yen, annualised when fewer months exist,
  :func:`graph.ledger_figures.figures_from_sums`); ``sales_months``: the
  months it is made of (1–12; below 12 the page marks it 年換算);
* ``trend_basis``, ``firm_growth_pct``, ``group_growth_pct``,
  ``trend_gap_pp`` — the firm's turnover growth against its trading group's
  (percent, gap in percentage points; :func:`api.portfolio.trend_gaps`);
* ``customer_hhi`` (index 0–1), ``top_customer_share`` (share 0–1),
  ``partner_distress_share`` (share 0–1), ``two_hop_distress_exposure``
  (share 0–1) — ego metrics over the whole network (:mod:`graph.metrics`);
* ``distressed_partners`` — partners (customers or suppliers) in the
  distressed set (firms); ``own_distress`` — the firm's own distress reasons;
* ``receivable_days`` — at the ledger's last month (days);
  ``receivable_days_change`` — mean of the last three months minus the mean
  of the three before (days; the first three months are skipped: the ledger
  has no opening balance), the rule of :func:`graph.distress.receivable_days_rising`;
* ``ledger_months`` — months with at least one line in the client's own
  ledger; ``first_month``, ``last_month`` (``YYYY-MM``);
* ``sales_named_share`` — share of the ledger's sales (yen) naming a partner;
* ``missing_months`` — the months between ``first_month`` and ``last_month``
  without a single line in the client's own ledger (``;``-joined
  ``YYYY-MM``): a month not delivered, or not booked, reads as trade that
  stopped (a partner lost, a dip in the trend) unless the analyst knows;
* ``ledger_checks`` — what to check in the client's ledger before reading
  its signals (``;``-joined codes of :data:`LEDGER_CHECKS`).

Names and the firm master are read again whenever the data version moves,
so a rename or a merge shows at once; the metrics are those of the last
refresh, marked ``stale`` when data changed since (``torihiki refresh``).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import pandas as pd

from api.cache import StoredTableCache, app_state_once
from api.portfolio import Snapshot, trend_gaps
from api.region_month import month_of_ledgers
from api.service import coverage
from graph.ledger_figures import KINDS
from graph.network import month_range
from queries.scoped import ReadStore
from queries.store import Store

__all__ = ["PORTFOLIO_SIGNALS", "SIGNAL_COLUMNS", "LEDGER_CHECKS", "signals_table", "refresh_portfolio_signals",
           "PortfolioSignals", "PortfolioCache", "shared_portfolio_cache"]

PORTFOLIO_SIGNALS = "portfolio_signals"
"""Name of the stored table."""

FIRM_COLUMNS = ["name", "industry", "prefecture", "size_class"]
SIGNAL_COLUMNS = [
    *FIRM_COLUMNS, "sales_yen", "sales_months", "trend_basis", "firm_growth_pct", "group_growth_pct", "trend_gap_pp",
    "customer_hhi", "top_customer_share", "partner_distress_share", "two_hop_distress_exposure",
    "distressed_partners", "own_distress", "receivable_days", "receivable_days_change",
    "ledger_months", "first_month", "last_month", "sales_named_share", "missing_months", "ledger_checks",
]
LEDGER_CHECKS = {
    "no_sales": "the ledger books purchases but not one sale, named or not: its sales are in books the operator "
                "does not hold, or the account table files them under another account",
    "missing_months": "months without a line between the ledger's first and last month",
    "behind": "the ledger ends before the region's month, the latest month most clients' ledgers reach: "
              "its later months are not delivered, or the client stopped trading",
    "ahead": "the ledger reaches past the region's month (delivered before most, or a part-month such as one bank "
             "statement): its sales and receivable days are taken at the region's month until most clients deliver",
}
"""Codes of ``ledger_checks``, with what each means."""
_METRIC_COLUMNS = ["customer_hhi", "top_customer_share", "partner_distress_share", "two_hop_distress_exposure"]
_CHANGE_MONTHS = 3  # receivable days: mean of the last 3 months against the 3 before
_SKIP_FIRST = 3  # months without an opening balance


def _month_number(month: str) -> int:
    return int(month[:4]) * 12 + int(month[5:7]) - 1


def _ledger_signals(sums: Mapping[str, Mapping[str, int]], region: str | None = None) -> dict[str, Any]:
    """Sales, receivable days and coverage of one client's own ledger.

    The numbers of :func:`graph.ledger_figures.figures_from_sums` at the
    ledger's last month (``tests/unit/test_portfolio_signals.py`` checks
    they agree), computed with numpy on the two series needed: that
    function builds a DataFrame of every column per client, ~6 ms each,
    a minute per refresh at 10,000 clients. ``region``: the region's month
    (:func:`api.region_month.month_of_ledgers`), for the checks ``behind``
    and ``ahead``: a ledger reaching past it (a client's April delivered
    before most others', or only its April bank statement) has its sales
    and receivable days taken at the region's month, as its trend is — a
    part-month moved them (receivable days 46.4 → 18.5 from one early bank
    statement, found by a BPO analyst) — and is flagged ``ahead``."""
    seen = sorted({m for kind in KINDS for m in sums.get(kind, {})
                   if region is None or m <= region})
    held = {m for kind in KINDS for m, v in sums.get(kind, {}).items() if v}
    active = sorted(held)
    missing = [m for m in month_range(active[0], active[-1]) if m not in held] if active else []
    checks = [code for code, hit in (
        ("no_sales", not any(sums.get("sales", {}).values()) and any(sums.get("purchases", {}).values())),
        ("missing_months", bool(missing)),
        ("behind", bool(active) and region is not None and active[-1] < region),
        ("ahead", bool(active) and region is not None and active[-1] > region)) if hit]
    out: dict[str, Any] = {"sales_yen": np.nan, "sales_months": np.nan,
                           "receivable_days": np.nan, "receivable_days_change": np.nan,
                           "ledger_months": len(active), "first_month": active[0] if active else None,
                           "last_month": active[-1] if active else None,
                           "sales_named_share": coverage(sums)["sales"]["named_share"],
                           "missing_months": ";".join(missing), "ledger_checks": ";".join(checks)}
    if not seen:
        return out
    first = _month_number(seen[0])
    n = _month_number(seen[-1]) - first + 1
    sales = np.zeros(n, dtype=np.int64)
    receipts = np.zeros(n, dtype=np.int64)
    for series, kind in ((sales, "sales"), (receipts, "receipts")):
        for m, v in sums.get(kind, {}).items():
            if region is None or m <= region:
                series[_month_number(m) - first] += int(v)
    receivable = np.cumsum(sales - receipts)
    total = np.cumsum(sales)
    trailing = total - np.concatenate([np.zeros(12, dtype=np.int64), total])[:n]  # the last 12 months
    annual = trailing * 12 / np.minimum(np.arange(1, n + 1), 12)
    with np.errstate(divide="ignore", invalid="ignore"):
        days = np.round(np.where(annual > 0, receivable / (annual / 365), np.nan), 1)
    out["sales_yen"] = float(np.round(annual[-1]))
    out["sales_months"] = float(min(n, 12))
    out["receivable_days"] = float(days[-1])
    later = days[_SKIP_FIRST:]
    later = later[~np.isnan(later)]
    if len(later) >= 2 * _CHANGE_MONTHS:
        out["receivable_days_change"] = round(float(later[-_CHANGE_MONTHS:].mean())
                                              - float(later[-2 * _CHANGE_MONTHS:-_CHANGE_MONTHS].mean()), 1)
    return out


def _distressed_partner_counts(snap: Snapshot) -> pd.Series:
    """Per client: distinct partners (either side, any month of the window) in the distressed set."""
    edges = snap.network.edges
    if edges.empty or not snap.distress:
        return pd.Series(0, index=pd.Index(snap.clients), dtype="int64")
    pairs = edges[["seller", "buyer"]].astype(str).drop_duplicates()
    both = pd.concat([pairs.set_axis(["firm", "partner"], axis=1),
                      pairs[["buyer", "seller"]].set_axis(["firm", "partner"], axis=1)], ignore_index=True)
    hit = both[both["partner"].isin(set(snap.distress)) & (both["firm"] != both["partner"])]
    counts = hit.drop_duplicates().groupby("firm")["partner"].size()
    return counts.reindex(snap.clients, fill_value=0).astype("int64")


def signals_table(snap: Snapshot, ledger: Callable[[str], Mapping[str, Mapping[str, int]]],
                  progress: Callable[[str], None] | None = None) -> pd.DataFrame:
    """The table of the module docstring for every client of ``snap``;
    ``ledger(client)`` returns the client's own ledger sums
    (:meth:`queries.store.Store.ledger_sums`)."""
    step = progress or (lambda _: None)
    idx = pd.Index(snap.clients, name="firm_id")
    firms = snap.firms_frame()
    table = pd.DataFrame({"name": [snap.firms[f].name for f in snap.clients]}, index=idx)
    table = table.join(firms[["industry", "prefecture", "size_class"]], how="left")
    ledgers = {f: ledger(f) for f in snap.clients}  # read once: the trend gaps and the ledger figures
    step("trend gaps")
    region = month_of_ledgers(ledgers)  # the region's month
    gaps = trend_gaps(snap.network, snap.clients, ledgers, region)  # up to the region's month
    table = table.join(gaps.rename_axis("firm_id"), how="left")
    step("ego metrics")
    metrics = snap.metrics
    for col in _METRIC_COLUMNS:
        table[col] = pd.to_numeric(metrics[col], errors="coerce").reindex(idx) if col in metrics else np.nan
    table["distressed_partners"] = _distressed_partner_counts(snap).reindex(idx).fillna(0).astype("int64")
    table["own_distress"] = [";".join(sorted(snap.distress.get(f, ()))) for f in snap.clients]
    step("ledger figures")
    rows = pd.DataFrame.from_records([_ledger_signals(ledgers[f], region) for f in snap.clients], index=idx)
    if rows.empty:
        rows = pd.DataFrame(columns=["sales_yen", "sales_months", "receivable_days", "receivable_days_change",
                                     "ledger_months",
                                     "first_month", "last_month", "sales_named_share", "missing_months",
                                     "ledger_checks"], index=idx)
    table = table.join(rows, how="left")
    for col in ("sales_yen", "sales_months", "receivable_days", "receivable_days_change", "sales_named_share",
                "firm_growth_pct", "group_growth_pct", "trend_gap_pp"):
        table[col] = pd.to_numeric(table[col], errors="coerce").astype("float64")
    table["ledger_months"] = pd.to_numeric(table["ledger_months"], errors="coerce").fillna(0).astype("int64")
    return table[SIGNAL_COLUMNS]


def _with_every_column(table: pd.DataFrame, store: ReadStore) -> pd.DataFrame:
    """A table stored by an earlier version, with the columns added since
    computed here from the clients' ledgers (one read; the page is the
    operator's), until the next refresh stores them: left empty, the filter
    帳簿に確認事項あり would find no client, as if none had anything to check."""
    added = ("missing_months", "ledger_checks", "sales_months")
    if all(col in table.columns for col in added) or table.empty:
        return table
    raw = cast(Store, getattr(store, "store", store))
    ledgers = raw.ledger_sums_of([str(f) for f in table.index])
    region = month_of_ledgers(ledgers)
    rows = {f: _ledger_signals(ledgers.get(str(f), {}), region) for f in table.index}
    return table.assign(**{col: [rows[f][col] for f in table.index] for col in added})


def refresh_portfolio_signals(store: Store, snap: Snapshot | None = None,
                              progress: Callable[[str], None] | None = None,
                              ledgers: Mapping[str, Mapping[str, Mapping[str, int]]] | None = None
                              ) -> dict[str, Any]:
    """Compute :func:`signals_table` on the whole network and store it with
    the data version it was computed from (after a load). ``snap``: a
    snapshot of the store already built for the same version, if any;
    ``ledgers``: every client's ledger sums read for it, if already read."""
    version = store.data_version()
    snap = snap or Snapshot.load(store, progress=progress)
    table = signals_table(snap, ledgers.__getitem__ if ledgers is not None else store.ledger_sums, progress)
    buf = io.BytesIO()
    table.to_parquet(buf)
    created = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    store.put_analytics(PORTFOLIO_SIGNALS, buf.getvalue(), version, created)
    return {"clients": len(table), "data_version": version, "created_at": created, "bytes": len(buf.getvalue())}


@dataclass(frozen=True)
class PortfolioSignals:
    """The table as the page reads it, and how current it is."""

    table: pd.DataFrame
    computed_at: str
    stale: bool


class PortfolioCache(StoredTableCache[PortfolioSignals]):
    """The signals table per process, by scope and data version.

    Reads the stored table (or, when none was stored yet, computes it here
    once per data version); names and the firm master are read again when
    the data version moves. Only the operator's scope (admins, analysts)
    uses it: the page is theirs.
    """

    MAX_SCOPES = 4
    NAME = PORTFOLIO_SIGNALS

    def build(self, store: ReadStore, version: int, stored: tuple[int, str, bytes] | None) -> PortfolioSignals:
        if stored is not None:
            table = _with_every_column(pd.read_parquet(io.BytesIO(stored[2])), store)
            if stored[0] != version:
                table = _current_master(store, table)
            return PortfolioSignals(table, stored[1], stale=stored[0] != version)
        now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        try:
            snap = Snapshot.load(store)
        except ValueError:  # no trade yet: an empty portfolio
            table = pd.DataFrame(columns=SIGNAL_COLUMNS, index=pd.Index([], name="firm_id"))
        else:
            table = signals_table(snap, store.ledger_sums)
        return PortfolioSignals(table, now, stale=False)


def _current_master(store: ReadStore, table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with names, industry and prefecture as the store says now
    (a client merged away or removed since is left out)."""
    firms = store.get_firms([str(f) for f in table.index])
    table = table[table.index.isin(list(firms))].copy()
    table["name"] = [firms[f].name for f in table.index]
    table["industry"] = [firms[f].industry for f in table.index]
    table["prefecture"] = [firms[f].prefecture for f in table.index]
    return table


def shared_portfolio_cache(state: Any) -> PortfolioCache:
    """The app's one :class:`PortfolioCache` (``state``: the FastAPI ``app.state``)."""
    return app_state_once(state, "portfolio_signals", PortfolioCache)
