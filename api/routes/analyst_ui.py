"""Pages for BPO analysts and researchers.

* ``GET /ui/portfolio`` — every BPO client with its risk signals, sorted and
  filtered by query parameters (shareable links), 50 a page; the table is
  the one stored after the last load (:mod:`api.portfolio_signals`), so a
  request sorts and filters a frame in memory instead of rebuilding the
  network.
* ``GET /ui/review`` — the entity-resolution review queue with accept /
  reject, and recent merges with undo (``POST`` forms with the CSRF token;
  every decision is audited, then the page comes back with a message).
* ``GET /ui/loads``, ``GET /ui/loads/{batch_id}`` — the loads (batches)
  newest first, and one load with its rejected rows (the batch's quarantine
  CSV under ``TORIHIKI_HOME/rejects``); ``POST /ui/loads`` — the upload form
  of one client's ledger file (loaded as ``POST /ingest`` does,
  :mod:`api.uploads`; audited ``load``) and ``POST /ui/loads/{id}/rollback``
  (audited ``batch.rollback``), after which ``torihiki refresh``
  runs in the background (:mod:`api.refresh_runner`); ``POST /ui/refresh``
  starts it by hand.
* ``GET /ui/export``, ``POST /ui/export`` — the anonymised research export
  (:func:`api.export.export_research`), downloaded as one zip file.

Portfolio, review and loads are for analysts and admins; the export for
researchers and admins (``page_roles``).
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import re
import shutil
import unicodedata
from collections import Counter
from collections.abc import Callable, Collection, Mapping
from typing import Annotated, Any
from urllib.parse import urlencode

import pandas as pd
from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.background import BackgroundTask
from starlette.datastructures import UploadFile as StarletteUpload  # what the form parser gives

from api.audit import audit, audited_read
from api.deps import SettingsDep
from api.errors import PayloadTooLarge
from api.limits import megabytes
from api.load_checks import batch_double_settlements, batch_overlaps, flags_of
from api.portfolio_signals import shared_portfolio_cache
from api.refresh_runner import refresh_runner, refresh_status
from api.research_zip import ExportRefused, export_key, research_zip
from api.rollbacks import recent_rollbacks, rejects_file, rollback_detail, rolled_back
from api.service import shown_name
from api.settings import Settings
from api.uploads import FORMATS, is_client_id, is_known_client, load_upload, receive_upload
from api.web.render import FILE_HEADERS, render
from api.web.session import FormPrincipal, PagePrincipal, page_roles
from graph.network import month_number
from ingest import review
from ingest.client_ids import unknown_client_ids
from ingest.load import IngestError
from ingest.month_window import MonthWindow, parse_window
from ingest.values import accounting_minus
from queries.access import Role
from queries.model import BatchInfo
from queries.scoped import ScopedStore
from queries.store import BatchLoading, NotFound, Store

__all__ = ["router", "PAGE_SIZE", "SORTS", "FILTERS"]

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50
ANALYSTS = page_roles(Role.ANALYST, Role.ADMIN)
RESEARCHERS = page_roles(Role.RESEARCHER, Role.ADMIN)

# sort key of the query string -> column of the signals table
SORTS: dict[str, str] = {
    "name": "name", "id": "firm_id", "industry": "industry", "sales": "sales_yen", "gap": "trend_gap_pp",
    "hhi": "customer_hhi", "top": "top_customer_share", "days": "receivable_days",
    "days_change": "receivable_days_change", "distress": "distressed_partners",
    "exposure": "two_hop_distress_exposure", "months": "ledger_months", "last": "last_month",
    "alerts": "open_alerts",
}
# filter of the query string -> (column, comparison)
FILTERS: dict[str, tuple[str, str]] = {
    "min_hhi": ("customer_hhi", ">="), "min_top_pct": ("top_customer_share", ">="),
    "min_gap": ("trend_gap_pp", ">="), "max_gap": ("trend_gap_pp", "<="),
    "min_days": ("receivable_days", ">="), "min_days_change": ("receivable_days_change", ">="),
    "min_exposure_pct": ("two_hop_distress_exposure", ">="), "min_months": ("ledger_months", ">="),
}


PERCENT_FILTERS = frozenset({"min_top_pct", "min_exposure_pct"})
"""Filters typed in percent, as the table shows those shares (the table's columns hold 0–1)."""
_UNITS: dict[str, str] = {
    "min_top_pct": r"%", "min_exposure_pct": r"%", "min_gap": r"pp|pt|ポイント", "max_gap": r"pp|pt|ポイント",
    "min_days": r"日間?", "min_days_change": r"日間?", "min_months": r"か月|ヶ月|カ月|箇月",
}
"""The unit a filter's value may carry after it (``50%``, ``６０日``, ``-10pp``); HHI has none."""


def _number(text: str, unit: str = "") -> float | None:
    """A filter value as typed: full-width digits, thousands separators, a
    leading ▲ or △ for minus and its own ``unit`` (a pattern) after it allowed; ``None`` for anything
    else — another field's unit too — and the page says it was not used."""
    cleaned = unicodedata.normalize("NFKC", text).strip().replace(",", "").replace("−", "-")
    cleaned = accounting_minus(cleaned)  # ▲20, △20: a negative as Japanese accounts write it
    if unit:
        cleaned = re.sub(rf"\s*(?:{unit})$", "", cleaned, flags=re.IGNORECASE)
    try:
        value = float(cleaned)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _open_alerts(store: Store, clients: pd.Index) -> pd.Series:
    """Per client: alerts of material change (:mod:`api.alerts`, stored after
    each load) that no one has acknowledged yet."""
    from api.alerts import stored_alerts

    alerts, _ = stored_alerts(store)
    acked = store.alert_acks() if alerts else {}
    counts = pd.Series(Counter(str(a["firm_id"]) for a in alerts if a["id"] not in acked), dtype="int64")
    return counts.reindex(clients, fill_value=0).astype("int64")


def _select(table: pd.DataFrame, q: str, industry: str, distress: bool, own: bool, alerts: bool,
            bounds: dict[str, float], checks: bool = False) -> pd.DataFrame:
    """The rows of ``table`` that pass every filter."""
    keep = pd.Series(True, index=table.index)
    if q.strip():
        needle = q.strip().casefold()
        names = table["name"].fillna("").astype(str).str.casefold()
        ids = table.index.to_series().astype(str).str.casefold()
        keep &= names.str.contains(needle, regex=False) | ids.str.contains(needle, regex=False)
    if industry:
        keep &= table["industry"].fillna("").astype(str) == industry
    if distress:
        keep &= pd.to_numeric(table["distressed_partners"], errors="coerce").fillna(0) > 0
    if own:
        keep &= table["own_distress"].fillna("").astype(str) != ""
    if alerts:
        keep &= table["open_alerts"] > 0
    if checks:  # something to check; a ledger only ahead of the others is not (read at the region's month)
        keep &= table["ledger_checks"].fillna("").astype(str).map(
            lambda codes: any(c and c != "ahead" for c in codes.split(";")))
    for name, value in bounds.items():
        column, op = FILTERS[name]
        values = pd.to_numeric(table[column], errors="coerce")
        keep &= (values >= value) if op == ">=" else (values <= value)
    return table[keep.to_numpy()]


def _ordered(table: pd.DataFrame, sort: str, descending: bool) -> pd.DataFrame:
    """Sorted by ``sort`` (ties and the rest by id); missing values last either way."""
    column = SORTS[sort]
    frame = table.rename_axis("firm_id").reset_index()
    if column == "firm_id":
        return frame.sort_values("firm_id", ascending=not descending, kind="stable")
    frame = frame.sort_values("firm_id", kind="stable")
    return frame.sort_values(column, ascending=not descending, na_position="last", kind="stable")


def _row(rec: Mapping[Any, Any]) -> dict[str, Any]:
    """One table row for the template (NaN as ``None``)."""
    return {str(k): (None if isinstance(v, float) and math.isnan(v) else (None if v is pd.NA else v))
            for k, v in rec.items()}


@router.get("/ui/portfolio", response_class=HTMLResponse, dependencies=[ANALYSTS, audited_read("ui.portfolio")])
def portfolio_page(request: Request, principal: PagePrincipal,
                   sort: Annotated[str, Query(max_length=20)] = "gap",
                   dir: Annotated[str, Query(max_length=4)] = "",  # noqa: A002 (the query parameter's name)
                   q: Annotated[str, Query(max_length=200)] = "",
                   industry: Annotated[str, Query(max_length=2)] = "",
                   distress: Annotated[str, Query(max_length=5)] = "",
                   own: Annotated[str, Query(max_length=5)] = "",
                   alerts: Annotated[str, Query(max_length=5)] = "",
                   checks: Annotated[str, Query(max_length=5)] = "",
                   min_hhi: Annotated[str, Query(max_length=30)] = "",
                   min_top_pct: Annotated[str, Query(max_length=30)] = "",
                   min_top: Annotated[str, Query(max_length=30)] = "",
                   min_gap: Annotated[str, Query(max_length=30)] = "",
                   max_gap: Annotated[str, Query(max_length=30)] = "",
                   min_days: Annotated[str, Query(max_length=30)] = "",
                   min_days_change: Annotated[str, Query(max_length=30)] = "",
                   min_exposure_pct: Annotated[str, Query(max_length=30)] = "",
                   min_exposure: Annotated[str, Query(max_length=30)] = "",
                   min_months: Annotated[str, Query(max_length=30)] = "",
                   page: Annotated[int, Query(ge=1, le=100_000)] = 1,
                   format: Annotated[str, Query(max_length=4)] = "") -> Response:  # noqa: A002
    """Every BPO client with its signals; ``sort`` one of :data:`SORTS`,
    ``dir`` ``asc``/``desc`` (default: the column's worse end first), filters
    of :data:`FILTERS` (shares in percent, as the table shows them —
    ``min_top`` and ``min_exposure`` of older links in fractions; HHI as
    a fraction 0–1; gap in percentage points; days in days; a value that is
    no number is named on the page and not used), ``distress=1`` (a partner in distress),
    ``own=1`` (the client itself), ``alerts=1`` (open alerts), ``checks=1``
    (something to check in the client's ledger first:
    :data:`api.portfolio_signals.LEDGER_CHECKS`), ``industry``
    (JSIC letter), ``q`` (name or id). ``format=csv``: every client the
    filters chose, in this order, as one CSV file (:mod:`api.portfolio_csv`)."""
    sort = sort if sort in SORTS else "gap"
    descending = dir == "desc" if dir in ("asc", "desc") else sort not in ("name", "id", "industry", "months", "last")
    given = {"min_hhi": min_hhi, "min_top_pct": min_top_pct, "min_gap": min_gap, "max_gap": max_gap,
             "min_days": min_days, "min_days_change": min_days_change, "min_exposure_pct": min_exposure_pct,
             "min_months": min_months}
    if min_top.strip() and not min_top_pct.strip():  # a link of before: a fraction 0–1
        given["min_top_pct"] = str(v * 100) if (v := _number(min_top)) is not None else min_top
    if min_exposure.strip() and not min_exposure_pct.strip():
        given["min_exposure_pct"] = str(v * 100) if (v := _number(min_exposure)) is not None else min_exposure
    read = {k: _number(text, _UNITS.get(k, "")) for k, text in given.items() if text.strip()}
    bounds = {k: v / 100 if k in PERCENT_FILTERS else v for k, v in read.items() if v is not None}
    unreadable = [k for k, v in read.items() if v is None]
    store = ScopedStore(request.app.state.store, principal)
    signals = shared_portfolio_cache(request.app.state).get(store)
    table = signals.table.assign(open_alerts=_open_alerts(_raw(request), signals.table.index))
    on = ("1", "on", "true")
    chosen = _select(table, q, industry.strip().upper(), distress in on, own in on, alerts in on, bounds,
                     checks in on)
    total = len(chosen)
    pages = max(1, math.ceil(total / PAGE_SIZE))
    page = min(page, pages)
    ordered = _ordered(chosen, sort, descending)
    if format == "csv":
        from api.portfolio_csv import portfolio_csv
        from api.web.i18n import TOKYO, locale_for
        from api.web.render import request_lang

        made = dt.datetime.now(TOKYO).strftime("%Y%m%d")
        chosen_by = {"q": q, "industry": industry, "distress": distress, "own": own, "alerts": alerts,
                     "checks": checks, **given}
        # every client's name and signals handed out as a file: an export, as torihiki score's table is
        audit(request, "export", None, "ok", f"portfolio CSV in the web UI: {len(ordered)} clients; sort {sort}; "
              "filters " + (", ".join(f"{k}={v.strip()}" for k, v in chosen_by.items() if v.strip()) or "none"))
        return Response(portfolio_csv(ordered, locale_for(request_lang(request))), media_type="text/csv; charset=utf-8",
                        headers={**FILE_HEADERS,
                                 "Content-Disposition": f'attachment; filename="torihiki-portfolio-{made}.csv"'})
    rows = [_row(r) for r in ordered.iloc[(page - 1) * PAGE_SIZE: page * PAGE_SIZE].to_dict("records")]
    params = {"q": q, "industry": industry.strip().upper(), "distress": "1" if distress in on else "",
              "own": "1" if own in on else "", "alerts": "1" if alerts in on else "",
              "checks": "1" if checks in on else "",
              **{k: v.strip() for k, v in given.items()}}
    kept = {k: v for k, v in params.items() if v}
    industries = sorted({str(x) for x in table["industry"].dropna().unique()}) if len(table) else []
    return render(request, "portfolio.html", rows=rows, total=total, clients=len(table), page=page,
                  pages=pages, sort=sort, descending=descending, filters=params, kept=kept,
                  industries=industries, computed_at=signals.computed_at, stale=signals.stale,
                  page_size=PAGE_SIZE, unreadable=unreadable)


# -- entity-resolution review --------------------------------------------------

def _raw(request: Request) -> Store:
    """The operator's store: review decisions and batches are the operator's
    records, and only analysts and admins (who see every firm) reach these pages."""
    store: Store = request.app.state.store
    return store


def _flash(request: Request, kind: str, **values: str) -> None:
    request.session["analyst_flash"] = {"kind": kind, **values}


def _moved(request: Request, store: Store) -> None:
    """The data changed: the response cache reads the new data version now
    (instead of up to ``TORIHIKI_CACHE_VERSION_SECONDS`` later)."""
    responses = getattr(request.app.state, "responses", None)
    if responses is not None:
        responses.version(store, fresh=True)


@router.get("/ui/review", response_class=HTMLResponse, dependencies=[ANALYSTS, audited_read("ui.review")])
def review_page(request: Request, principal: PagePrincipal,
                page: Annotated[int, Query(ge=1, le=100_000)] = 1,
                client: Annotated[str, Query(max_length=64)] = "",
                firm: Annotated[str, Query(max_length=64)] = "") -> HTMLResponse:
    """Spellings waiting for a decision, and the recent merges (undo);
    ``client`` (or ``firm``, as the alerts page names it) keeps those of one
    client's ledger, and its merges."""
    store = _raw(request)
    client = (client or firm).strip()
    queue = review.review_queue(store)
    counts = Counter(i.client_id for i in queue)  # the queue is in client order: so is the count
    items = [i for i in queue if i.client_id == client] if client else queue
    total = len(items)
    pages = max(1, math.ceil(total / PAGE_SIZE))
    page = min(page, pages)
    shown = items[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]
    merges = sorted((m for m in store.list_merges() if not client or m.client_id == client),
                    key=lambda m: (m.created_at, m.id), reverse=True)[:PAGE_SIZE]
    names = store.get_firms(set(counts) | ({client} if client else set()) | {m.to_firm for m in merges} | {m.client_id for m in merges})
    rivals = {i.id: m.group(1) for i in shown if (m := _RIVAL.match(i.reason))}
    candidates = {i.candidate_id for i in shown if i.candidate_id}
    flash = request.session.pop("analyst_flash", None)
    # what rides on each decision: the yen between the client and the spelling's firm (one read; both
    # ledgers' records merged when that firm is a client too)
    traded: Counter[tuple[str, str]] = Counter()
    for seller, buyer, yen in store.pair_amounts({i.firm_id for i in shown}) if shown else ():
        traded[(seller, buyer)] += abs(yen)
    at_stake = {i.id: traded[(i.client_id, i.firm_id)] + traded[(i.firm_id, i.client_id)] for i in shown}
    return render(request, "review.html", items=shown, total=total, all_total=len(queue), page=page, pages=pages,
                  at_stake=at_stake,
                  client=client, by_client=list(counts.items()), back={"client": client, "page": str(page)},
                  clients={k: f.name for k, f in names.items()}, merges=merges, flash=flash,
                  rivals=rivals, known=review.names_of(store, candidates | set(rivals.values())),
                  registered_only=review.registered_only(store, candidates))


_RIVAL = re.compile(r"ambiguous: (\S+) scores ")
"""The other firm as close as the candidate, in a review reason (``ingest.matching``)."""


Back = Annotated[str, Form(max_length=64)]
"""The review page's filter and page a decision was made on (hidden fields), to come back to."""


def _back_to(store: Store, client: str, page: str) -> str:
    """The review page of ``client`` (all clients when empty) at ``page``,
    or at its last page when the decision left fewer pages."""
    client = client.strip()
    try:
        wanted = max(1, int(page))
    except ValueError:
        wanted = 1
    if wanted > 1:
        waiting = store.aliases(client).values() if client else store.aliases_by_status("review")
        left = sum(1 for a in waiting if a.status == "review")
        wanted = min(wanted, max(1, math.ceil(left / PAGE_SIZE)))
    query = urlencode({k: v for k, v in (("client", client), ("page", str(wanted) if wanted > 1 else "")) if v})
    return "/ui/review" + (f"?{query}" if query else "")


def _decide(request: Request, settings: Settings, action: str, item: str,
            do: Callable[[Store], tuple[str, str, str, dict[str, str]]], client: str = "", page: str = "") -> Response:
    """Run one review decision: ``do(store)`` → (firm, audit detail, flash
    kind, flash values). Audited either way (``invalid`` when the item is
    gone or cannot be decided); the data version moves on success; back to
    the queue with a message, on the filter (``client``) and page the
    decision was made on (the last page if there are fewer now). A decision
    moves trade between firms: the portfolio, peers and alerts are computed
    again in the background, as after a load (several decisions in a row:
    one refresh running, at most one more after it)."""
    store = _raw(request)
    try:
        firm, detail, kind, values = do(store)
    except (NotFound, ValueError) as e:
        audit(request, action, None, "invalid", f"{item}: {e}")
        _flash(request, "failed", item=item)
    else:
        audit(request, action, firm, "ok", detail)
        _moved(request, store)
        refresh_runner(request.app.state, settings, store).request()
        _flash(request, kind, **values)
    return RedirectResponse(_back_to(store, client, page), status_code=303)


def _named(store: Store, firm_id: str) -> str:
    """A firm as a message names it: its name and id (the id alone without a name)."""
    found = store.get_firm(firm_id)
    return f"{found.name}（{firm_id}）" if found is not None and found.name else firm_id


@router.post("/ui/review/{review_id}/accept", dependencies=[ANALYSTS])
def review_accept(request: Request, principal: FormPrincipal, settings: SettingsDep, review_id: str,
                  note: Annotated[str, Form(max_length=500)] = "", client: Back = "", page: Back = "") -> Response:
    """Merge the spelling into its candidate (audited ``review.accept``)."""
    def do(store: Store) -> tuple[str, str, str, dict[str, str]]:
        m = review.accept(store, review_id, note.strip())
        return (m.to_firm, f"{review_id}: {m.from_firm} merged into {m.to_firm} (merge {m.id})", "accepted",
                {"name": m.raw_name, "firm": _named(store, m.to_firm), "merge": m.id})
    return _decide(request, settings, "review.accept", review_id, do, client, page)


@router.post("/ui/review/{review_id}/reject", dependencies=[ANALYSTS])
def review_reject(request: Request, principal: FormPrincipal, settings: SettingsDep, review_id: str,
                  client: Back = "", page: Back = "") -> Response:
    """Keep the spelling apart for good (audited ``review.reject``)."""
    def do(store: Store) -> tuple[str, str, str, dict[str, str]]:
        a = review.reject(store, review_id)
        return (a.firm_id, f"{review_id}: kept apart as {a.firm_id}", "rejected",
                {"name": a.raw_name, "firm": a.firm_id})
    return _decide(request, settings, "review.reject", review_id, do, client, page)


@router.post("/ui/review/merges/{merge_id}/undo", dependencies=[ANALYSTS])
def merge_undo(request: Request, principal: FormPrincipal, settings: SettingsDep, merge_id: str,
               client: Back = "", page: Back = "") -> Response:
    """Undo a merge: the spelling's rows go back to its own firm (audited ``review.undo``)."""
    def do(store: Store) -> tuple[str, str, str, dict[str, str]]:
        m = review.undo_merge(store, merge_id)
        return (m.from_firm, f"merge {m.id} undone: {m.to_firm} → {m.from_firm}", "undone",
                {"name": m.raw_name, "firm": _named(store, m.from_firm), "merge": m.id})
    return _decide(request, settings, "review.undo", merge_id, do, client, page)


# -- loads ---------------------------------------------------------------------------

def _batch_row(b: BatchInfo) -> dict[str, Any]:
    """A batch for the page: the file by the name its sender knows (:func:`api.service.shown_name`)."""
    return {"id": b.id, "file": shown_name(b.file), "client_id": b.client_id, "format": b.format,
            "status": b.status, "rows_read": b.rows_read, "rows_loaded": b.rows_loaded,
            "rows_rejected": b.rows_rejected, "rows_skipped": b.rows_skipped,
            "started_at": b.started_at, "finished_at": b.finished_at}


@router.get("/ui/loads", response_class=HTMLResponse, dependencies=[ANALYSTS])
def loads_page(request: Request, principal: PagePrincipal, settings: SettingsDep,
               client: Annotated[str, Query(max_length=64)] = "",
               rejected: Annotated[str, Query(max_length=5)] = "",
               page: Annotated[int, Query(ge=1, le=1_000_000)] = 1) -> HTMLResponse:
    """Every load (batch), newest first; ``client`` and ``rejected=1`` narrow the list."""
    context = _loads_context(request, settings, client.strip(), rejected in ("1", "on", "true"), page)
    context["flash"] = _flash_for(request, lambda f: f.get("kind") in LIST_FLASHES)
    return render(request, "loads.html", **context)


LIST_FLASHES = frozenset({"rolled_back", "no_file", "bad_client", "unknown_client", "bad_format", "bad_months",
                          "bad_year", "too_many", "too_large", "refused"})
"""The messages the loads list shows; the others (a file loaded, a rollback refused) are a
load page's, and stay for it when the list is opened first (another tab)."""


def _flash_for(request: Request, mine: Callable[[dict[str, Any]], bool]) -> dict[str, Any] | None:
    """The loads pages' message, taken only by the page it is for."""
    flash = request.session.get("loads_flash")
    if isinstance(flash, dict) and mine(flash):
        return request.session.pop("loads_flash")
    return None


def _loads_context(request: Request, settings: Any, client: str, rejected: bool, page: int) -> dict[str, Any]:
    """What the loads page shows: one page of loads, the upload form's choices
    and the state of the refresh after loads."""
    # newest first, as the store lists them; loads started in the same second (one upload of many
    # files) by their file's name, not by their ids (hashes, in no order a person sees)
    batches = every = sorted(_raw(request).list_batches(), key=lambda b: shown_name(b.file))
    batches.sort(key=lambda b: b.started_at, reverse=True)
    if client:
        batches = [b for b in batches if b.client_id == client]
    if rejected:
        batches = [b for b in batches if b.rows_rejected]
    total = len(batches)
    pages = max(1, math.ceil(total / PAGE_SIZE))
    page = min(page, pages)
    shown = batches[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]
    rows = [_batch_row(b) for b in shown]
    names = _raw(request).get_firms({b.client_id for b in shown if b.client_id})  # one read for the page
    for r in rows:
        r["client_name"] = names[r["client_id"]].name if r["client_id"] in names else None
    kept = {k: v for k, v in {"client": client, "rejected": "1" if rejected else ""}.items() if v}
    return {"rows": rows, "total": total, "page": page, "pages": pages, "client": client,
            "flags": flags_of(_raw(request), shown, every),
            "rejected": rejected, "kept": kept, "formats": FORMATS, "flash": None, "results": None,
            "refresh": refresh_status(request.app.state, settings, _raw(request)),
            "rollbacks": recent_rollbacks(_raw(request), client or None) if page == 1 else [],
            "max_mb": megabytes(settings.max_upload_bytes), "max_files": MAX_UPLOAD_FILES}


def _loads_flash(request: Request, kind: str, **values: Any) -> None:
    request.session["loads_flash"] = {"kind": kind, **values}


MAX_UPLOAD_FILES = 20
"""Files one submission of the upload form may carry (together within the size limit)."""


@router.post("/ui/loads", dependencies=[ANALYSTS])
def upload_load(request: Request, principal: FormPrincipal, settings: SettingsDep,
                file: Annotated[list[UploadFile | str] | None, File()] = None,  # "": no file chosen
                client_id: Annotated[str, Form(max_length=200)] = "",
                format: Annotated[str, Form(max_length=40)] = "",  # noqa: A002 (the form field)
                year: Annotated[str, Form(max_length=20)] = "",
                months_from: Annotated[str, Form(max_length=20)] = "",
                months_to: Annotated[str, Form(max_length=20)] = "") -> Response:
    """Load one client's ledger files from the upload form (each as ``POST
    /ingest`` does: :mod:`api.uploads`, one load per file). One file: its
    load's page with a message, or the loads page with the reason it was
    refused. Several: the loads page with a line per file. A form that cannot
    be loaded comes back with the reason (the form keeps its client)."""
    store = _raw(request)
    client_id = unicodedata.normalize("NFKC", client_id).strip()  # Ｆ００００９ typed with the IME is F00009
    back = RedirectResponse("/ui/loads" + (f"?client={client_id}" if is_client_id(client_id) else ""), 303)

    def refused(kind: str, **values: Any) -> Response:
        _loads_flash(request, kind, **values)
        return back

    chosen = [f for f in file or [] if isinstance(f, StarletteUpload) and f.filename]
    if not chosen:
        return refused("no_file")
    if len(chosen) > MAX_UPLOAD_FILES:
        return refused("too_many", n=len(chosen), most=MAX_UPLOAD_FILES)
    if not is_client_id(client_id):
        return refused("bad_client", client=client_id[:64])
    if not is_known_client(store, client_id):  # with the ids close to it (f000119 typed for F000119)
        near = unknown_client_ids(store, {client_id}).get(client_id, [])
        return refused("unknown_client", client=client_id, near=", ".join(near))
    if format and format not in FORMATS:
        return refused("bad_format", format=format[:40])
    if year.strip() and not (year.strip().isdigit() and 1900 <= int(year) <= 2100):
        return refused("bad_year", year=year.strip()[:20])
    window: MonthWindow | None = None
    if months_from.strip() or months_to.strip():
        try:
            window = parse_window(f"{months_from.strip()}..{months_to.strip()}")
        except ValueError:
            return refused("bad_months", first=months_from.strip()[:20], last=months_to.strip()[:20])
    outcomes = [_load_one(request, store, settings, f, client_id, format or None,
                          int(year) if year.strip() else None, window) for f in chosen]
    if any(o["kind"] in ("loaded", "resumed") for o in outcomes):
        _moved(request, store)
        refresh_runner(request.app.state, settings, store).request()  # the portfolio, peers and alerts follow
    if len(outcomes) > 1:  # a line per file, answered here (the same files again change nothing)
        _far_transfer_files(store, outcomes)
        context = _loads_context(request, settings, client_id, False, 1)
        context["results"] = outcomes
        return render(request, "loads.html", **context)
    (one,) = outcomes
    if one["kind"] in ("refused", "too_large"):
        return refused(**one)
    _loads_flash(request, **one)
    return RedirectResponse(f"/ui/loads/{one['batch']}", 303)


def _load_one(request: Request, store: Store, settings: Any, file: UploadFile, client_id: str,
              fmt: str | None, year: int | None, months: MonthWindow | None = None) -> dict[str, Any]:
    """Receive and load one file of the form: what the page says of it
    (``kind``: loaded, resumed, duplicate, refused, too_large)."""
    try:
        upload = receive_upload(file.file, file.filename, settings)
    except PayloadTooLarge:
        return {"kind": "too_large", "file": file.filename or "", "mb": megabytes(settings.max_upload_bytes)}
    try:
        summary = load_upload(request, store, settings, upload, client_id, fmt, year, months)
    except IngestError as e:
        return {"kind": "refused", "file": upload.name, "reason": str(e)}
    return {"kind": summary.status, "file": upload.name, "batch": summary.batch_id,
            "loaded": summary.rows_loaded, "rejected": summary.rows_rejected, "skipped": summary.rows_skipped,
            "outside": summary.rows_outside, "months": summary.months,
            "others": [{"batch": b["batch_id"], "client": b["client_id"]} for b in summary.same_file],
            "overlaps": _overlap_rows(summary.overlaps), "settlements": summary.double_settlements,
            "requesters": summary.other_requesters}


def _overlap_rows(overlaps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What ``_loads.html``'s warning says of each load repeating months (the first five)."""
    return [{"batch": o["batch_id"], "file": o["file"], "n": len(o["months"]), "first": o["months"][0],
             "last": o["months"][-1], "client": o.get("client_id", "")} for o in overlaps[:5]]


@router.post("/ui/loads/{batch_id}/rollback", dependencies=[ANALYSTS])
def rollback_load(request: Request, principal: FormPrincipal, settings: SettingsDep, batch_id: str,
                  confirm: Annotated[str, Form(max_length=10)] = "") -> Response:
    """Remove one load (``Store.rollback_batch``: its trade, its lines without a
    counterparty, the firms it alone created, its record), audited
    ``batch.rollback``, once the form's box is ticked; then the refresh runs
    in the background, as after a load."""
    store = _raw(request)
    batch = store.get_batch(batch_id)
    if batch is None:
        raise NotFound(f"no load {batch_id!r}")
    if confirm != "yes":
        _loads_flash(request, "unconfirmed", batch=batch_id)
        return RedirectResponse(f"/ui/loads/{batch_id}", 303)
    try:
        counts = store.rollback_batch(batch_id)
    except BatchLoading as e:  # still writing, or interrupted: a rollback now would leave what it writes next
        audit(request, "batch.rollback", batch.client_id or None, "invalid", f"{batch_id}: {e}")
        _loads_flash(request, "still_loading", batch=batch_id)
        return RedirectResponse(f"/ui/loads/{batch_id}", 303)
    audit(request, "batch.rollback", batch.client_id or None, "ok", rollback_detail(batch_id, shown_name(batch.file), counts))
    if (kept := rejects_file(settings.home, batch)) is not None:
        kept.unlink(missing_ok=True)
    _moved(request, store)
    refresh_runner(request.app.state, settings, store).request()
    _loads_flash(request, "rolled_back", batch=batch_id, file=shown_name(batch.file), client=batch.client_id)
    return RedirectResponse("/ui/loads", 303)


@router.post("/ui/refresh", dependencies=[ANALYSTS])
def refresh_now(request: Request, principal: FormPrincipal, settings: SettingsDep) -> Response:
    """Start the refresh (``torihiki refresh``) in the background now: for a
    load made another way (``POST /ingest``, a CLI load with ``--no-refresh``)."""
    refresh_runner(request.app.state, settings, _raw(request)).request()
    audit(request, "refresh", None, "ok", "from the loads page")
    return RedirectResponse("/ui/loads", 303)


@router.get("/ui/loads/{batch_id}", response_class=HTMLResponse, dependencies=[ANALYSTS])
def load_page(request: Request, principal: PagePrincipal, settings: SettingsDep, batch_id: str,
              page: Annotated[int, Query(ge=1, le=1_000_000)] = 1) -> HTMLResponse:
    """One load with its rejected rows (file, line, column, reason, raw), 50 a page."""
    batch = _raw(request).get_batch(batch_id)
    if batch is None:
        gone = rolled_back(_raw(request), batch_id)
        if gone is None:
            raise NotFound(f"no load {batch_id!r}")
        return render(request, "load_gone.html", status_code=410, batch_id=batch_id, entry=gone)
    path = rejects_file(settings.home, batch)
    rows: list[dict[str, str]] = []
    total = 0
    start = (page - 1) * PAGE_SIZE
    if path is not None:
        with path.open(encoding="utf-8", newline="") as f:
            reader = csv.reader(f)
            next(reader, None)  # header: file, line, column, reason, raw
            for i, rec in enumerate(reader):
                if start <= i < start + PAGE_SIZE:
                    rec = [*rec, "", "", "", "", ""][:5]
                    rows.append({"file": shown_name(rec[0]), "line": rec[1], "column": rec[2], "reason": rec[3],
                                 "raw": rec[4]})
                total = i + 1
    pages = max(1, math.ceil(total / PAGE_SIZE))
    flash = _flash_for(request, lambda f: f.get("batch") == batch.id and f.get("kind") not in LIST_FLASHES)
    # months loaded twice, however either load was made: the same client and format, or journal and bank
    overlaps = _overlap_rows(batch_overlaps(_raw(request), batch))
    settlements = batch_double_settlements(_raw(request), batch)
    held = sorted(_raw(request).batch_months([batch.id]).get(batch.id, ()))  # what a 全銀 file's year decided
    apart = _far_from_the_rest(_raw(request), batch, held) if batch.format == "zengin" else None
    flash = flash if flash and flash.get("batch") == batch_id else None
    # the same bytes stored for another client, format or year: each named by its client, on every visit
    # (it was said only right after the load; one of the two is usually a mistake)
    others = [o if isinstance(o, dict) else {"batch": o, "client": ""} for o in (flash or {}).get("others", ())]
    if not others:
        others = [{"batch": b.id, "client": b.client_id}
                  for b in _raw(request).batches_by_sha256([batch.sha256]).get(batch.sha256, [])
                  if b.id != batch.id and b.status == "done"]
    names = _raw(request).get_firms({c for c in (batch.client_id, *(o["client"] for o in others)) if c})
    client = names.get(batch.client_id)
    for o in others:
        o["client_name"] = names[o["client"]].name if o["client"] in names else None
    return render(request, "load.html", batch=_batch_row(batch), rows=rows, total=total, page=page, pages=pages,
                  has_file=path is not None, flash=flash, same_file=others,
                  overlaps=overlaps, settlements=settlements, held=held, client_name=client.name if client else None,
                  refresh=refresh_status(request.app.state, settings, _raw(request)), apart=apart)


FAR_MONTHS = 3
"""A 全銀 file whose months are this many months or more away from every
other ledger month of its client is pointed out on its page."""


def _far_transfer_files(store: Store, outcomes: list[dict[str, Any]]) -> None:
    """Mark (``apart``) each 全銀 file of a run of several whose months are far
    from the client's other ledger files, as its own page would: the year
    a 全銀 date lacks was taken wrong (found by a BPO analyst: two files
    uploaded at once landed a year off and the results said nothing). The
    run's other 全銀 files are not counted as the rest: files of one wrong
    year sent together are near each other."""
    loaded = [(o, batch) for o in outcomes if o["kind"] in ("loaded", "resumed")
              and (batch := store.get_batch(o["batch"])) is not None and batch.format == "zengin"]
    run = {batch.id for _, batch in loaded}  # a journal sent with them is the rest, as on the file's page
    for o, batch in loaded:
        held = sorted(store.batch_months([batch.id]).get(batch.id, ()))
        if (apart := _far_from_the_rest(store, batch, held, skip=run)) is not None:
            o["apart"] = {"held": held, "other": list(apart)}


def _far_from_the_rest(store: Store, batch: BatchInfo, held: list[str],
                       skip: Collection[str] = ()) -> tuple[str, str] | None:
    """The first and last month of the client's other ledger files when this
    load's months (``held``, sorted) are :data:`FAR_MONTHS` or more away
    from all of them, else ``None``. A 全銀 transfer date has no year; the
    reader takes the latest year at most a month after the file was made
    (the upload day): a file of an earlier year, uploaded late, lands a
    year or more away from the client's books, and every partner looks
    stopped and every client behind."""
    if not held or not batch.client_id:
        return None
    other = sorted(m for b, months in store.client_batch_months(batch.client_id).items()
                   if b != batch.id and b not in skip for m in months)
    if not other:
        return None
    first, last = month_number(held[0]), month_number(held[-1])
    # months from each other month to the load's span (0 inside it)
    if any(max(first - n, n - last, 0) < FAR_MONTHS for n in map(month_number, other)):
        return None
    return other[0], other[-1]


# -- research export -------------------------------------------------------------------

@router.get("/ui/export", response_class=HTMLResponse, dependencies=[RESEARCHERS])
def export_page(request: Request, principal: PagePrincipal, settings: SettingsDep) -> HTMLResponse:
    """What the anonymised export holds, and the form that downloads it."""
    return render(request, "export.html", ready=bool(export_key(settings)), error=None, month_from="",
                  month_to="", fmt="csv")


@router.post("/ui/export", dependencies=[RESEARCHERS])
def export_download(request: Request, principal: FormPrincipal, settings: SettingsDep,
                    month_from: Annotated[str, Form(max_length=7)] = "",
                    month_to: Annotated[str, Form(max_length=7)] = "",
                    fmt: Annotated[str, Form(max_length=10)] = "csv") -> Response:
    """The export as one zip file (audited ``export``, as ``GET /export`` and ``torihiki export``)."""
    key = export_key(settings)
    try:
        made = research_zip(ScopedStore(request.app.state.store, principal), principal.user, key,
                            month_from, month_to, fmt)
    except ExportRefused as e:
        if e.reason == "empty":
            audit(request, "export", None, "invalid", "research export: no trade in the window")
        return render(request, "export.html", status_code=e.status, ready=bool(key), error=e.reason,
                      month_from=month_from.strip(), month_to=month_to.strip(), fmt=fmt)
    audit(request, "export", None, "ok", made.audit_detail("in the web UI"))
    return FileResponse(made.path, media_type="application/zip", filename=made.filename,
                        headers=FILE_HEADERS,
                        background=BackgroundTask(shutil.rmtree, made.work, True))

