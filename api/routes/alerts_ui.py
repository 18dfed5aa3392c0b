"""The alert feed in the web UI (analysts and admins): ``/ui/alerts`` —
newest month first, filtered by kind, month and whether acknowledged (open
ones by default) and by client (``firm``: the portfolio's and the firm
page's links) — ``/ui/alerts/{id}`` for one alert with the trade behind
it, and the acknowledge forms (CSRF, audited ``alert.ack``): one alert, or
every open alert of the page's filter (``/ui/alerts/ack``)."""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api import alerts as feed
from api.audit import audit, audited_read
from api.web.render import render
from api.web.session import FormPrincipal, PagePrincipal, page_roles, safe_next
from domain.errors import InputError
from graph.alert_kinds import KINDS
from queries.access import Role
from queries.acks import MAX_NOTE_CHARS
from queries.store import NotFound, Store

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
ANALYSTS = page_roles(Role.ANALYST, Role.ADMIN)
PAGE_SIZE = 50
MONTH = r"^(19|20)\d{2}-(0[1-9]|1[0-2])$"
AlertId = Annotated[str, Path(pattern=r"^[0-9a-f]{16}$")]
KIND_PATTERN = rf"^$|^({'|'.join(KINDS)})$"
FIRM_MAX = 200
"""A client's id in the filter (empty: every client): any id the firm master
holds, however it is spelled; an unknown one answers 404."""


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def _firm(firm: str) -> dict[str, str]:
    """The client filter of a list's address, when there is one."""
    return {"firm": firm} if firm else {}


def _bars(alert: dict[str, Any]) -> dict[str, Any]:
    """The alert with each series' bar widths (percent of the largest month)."""
    top = max((y for s in alert["series"] for y in s["yen"] if y is not None), default=0)
    for s in alert["series"]:
        s["bars"] = [round(100 * y / top, 1) if top > 0 and y is not None and y > 0 else 0 for y in s["yen"]]
    return alert


@router.get("/ui/alerts", response_class=HTMLResponse, dependencies=[ANALYSTS, audited_read("ui.alerts")])
def alerts_page(request: Request, principal: PagePrincipal,
                kind: Annotated[str, Query(pattern=KIND_PATTERN)] = "",
                month: Annotated[str, Query(pattern=rf"^$|{MONTH}")] = "",
                state: Annotated[Literal["open", "acknowledged", "all"], Query()] = "open",
                firm: Annotated[str, Query(max_length=FIRM_MAX)] = "",
                page: Annotated[int, Query(ge=1, le=100_000)] = 1) -> HTMLResponse:
    """The feed: one page of alerts with a sentence saying why, the numbers
    and a link to the firm page; acknowledged ones marked. ``firm``: one
    client's alerts only (its name shown, with a link back to every client's)."""
    store = _store(request)
    first = feed.alert_feed(store, principal, kind=kind or None, month=month or None, firm=firm or None,
                            state=state, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    pages = max(1, math.ceil(first["count"] / PAGE_SIZE))
    all_alerts, _ = feed.stored_alerts(store)
    months = sorted({a["month"] for a in all_alerts if not firm or a["firm_id"] == firm}, reverse=True)
    flash = request.session.pop("alerts_flash", None)
    firm_name = None
    if firm:
        known = store.get_firms([firm]).get(firm)
        firm_name = (known.name if known else None) or firm
    return render(request, "alerts.html", alerts=[_bars(a) for a in first["alerts"]], count=first["count"],
                  computed_at=first["computed_at"], stale=first["stale"], kinds=KINDS, kind=kind, month=month, months=months,
                  state=state, firm=firm, firm_name=firm_name, page=min(page, pages), pages=pages, flash=flash,
                  max_note=MAX_NOTE_CHARS)


@router.post("/ui/alerts/ack", dependencies=[ANALYSTS])
def alerts_ack_all(request: Request, principal: FormPrincipal,
                   kind: Annotated[str, Form(pattern=KIND_PATTERN)] = "",
                   month: Annotated[str, Form(pattern=rf"^$|{MONTH}")] = "",
                   firm: Annotated[str, Form(max_length=FIRM_MAX)] = "",
                   note: Annotated[str, Form(max_length=MAX_NOTE_CHARS)] = "",
                   confirm: Annotated[str, Form(max_length=10)] = "") -> Response:
    """Acknowledge every open alert of the filter (kind, month, client; none:
    every open alert) as the signed-in analyst, once the box is ticked; each
    one audited ``alert.ack``. Back to the filter's list, which then holds none."""
    back = RedirectResponse("/ui/alerts?" + urlencode({"kind": kind, "month": month, **_firm(firm)}), status_code=303)
    if confirm != "yes":
        request.session["alerts_flash"] = {"kind": "confirm_all"}
        return back
    done = feed.ack_matching(_store(request), principal, kind=kind or None, month=month or None,
                             firm=firm or None, note=note.strip())
    request.session["alerts_flash"] = {"kind": "acked_all", **{k: str(v) for k, v in done.items()}}
    return back


@router.post("/ui/alerts/reopen", dependencies=[ANALYSTS])
def alerts_reopen_all(request: Request, principal: FormPrincipal,
                      kind: Annotated[str, Form(pattern=KIND_PATTERN)] = "",
                      month: Annotated[str, Form(pattern=rf"^$|{MONTH}")] = "",
                      firm: Annotated[str, Form(max_length=FIRM_MAX)] = "",
                      confirm: Annotated[str, Form(max_length=10)] = "") -> Response:
    """Take back the acknowledgements of every acknowledged alert of the
    filter, once the box is ticked (each audited ``alert.reopen``)."""
    back = RedirectResponse("/ui/alerts?" + urlencode({"kind": kind, "month": month, "state": "acknowledged",
                                                       **_firm(firm)}), status_code=303)
    if confirm != "yes":
        request.session["alerts_flash"] = {"kind": "confirm_reopen"}
        return back
    done = feed.reopen_matching(_store(request), principal, kind=kind or None, month=month or None,
                                firm=firm or None)
    request.session["alerts_flash"] = {"kind": "reopened_all", **{k: str(v) for k, v in done.items()}}
    return back


@router.post("/ui/alerts/{alert_id}/reopen", dependencies=[ANALYSTS])
def alert_reopen(request: Request, principal: FormPrincipal, alert_id: AlertId,
                 next: Annotated[str, Form(max_length=500)] = "") -> Response:  # noqa: A002 (the form field)
    """Take back the alert's acknowledgement (audited ``alert.reopen``)."""
    try:
        made = feed.reopen(_store(request), principal, alert_id)
    except NotFound:
        request.session["alerts_flash"] = {"kind": "failed", "id": alert_id}
    else:
        request.session["alerts_flash"] = {"kind": "reopened" if made else "not_acked", "id": alert_id}
    return RedirectResponse(safe_next(next, f"/ui/alerts/{alert_id}"), status_code=303)


@router.get("/ui/alerts/{alert_id}", response_class=HTMLResponse,
            dependencies=[ANALYSTS, audited_read("ui.alert")])
def alert_page(request: Request, principal: PagePrincipal, alert_id: AlertId,
               back: Annotated[str, Query(max_length=500)] = "") -> HTMLResponse:
    """One alert: why, the numbers, the trade behind it month by month, and
    who acknowledged it when (or the form to do so). ``back``: the list it
    was opened from, with its filters (a link back to it keeps them)."""
    alert = feed.one_alert(_store(request), principal, alert_id)
    flash = request.session.pop("alerts_flash", None)
    back = safe_next(back, "/ui/alerts") if back.startswith("/ui/alerts") else "/ui/alerts"
    return render(request, "alert.html", a=_bars(alert), flash=flash, max_note=MAX_NOTE_CHARS, back=back)


@router.post("/ui/alerts/{alert_id}/ack", dependencies=[ANALYSTS])
def alert_ack(request: Request, principal: FormPrincipal, alert_id: AlertId,
              note: Annotated[str, Form(max_length=MAX_NOTE_CHARS)] = "",
              next: Annotated[str, Form(max_length=500)] = "") -> Response:  # noqa: A002 (the form field)
    """Acknowledge the alert as the signed-in analyst (audited ``alert.ack``)."""
    store = _store(request)
    firms: list[str] = []  # the alert's firm, as the audit entry names it

    def record(action: str, firm: str | None, outcome: str, detail: str) -> None:
        firms.extend([firm] if firm else [])
        audit(request, action, firm, outcome, detail)

    try:
        got, made = feed.ack(store, principal, alert_id, note.strip(), record=record)
    except (NotFound, InputError):
        request.session["alerts_flash"] = {"kind": "failed", "id": alert_id}
    else:
        found = store.get_firm(firms[0]) if firms else None
        request.session["alerts_flash"] = {"kind": "acked" if made else "before", "id": alert_id,
                                           "user": got.user, "firm": (found.name or found.id) if found else ""}
    return RedirectResponse(safe_next(next, f"/ui/alerts/{alert_id}"), status_code=303)
