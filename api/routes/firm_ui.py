"""The firm page of the web UI: ``GET /ui/firms/{firm_id}``.

One page per firm for credit officers and BPO analysts: profile and data
coverage, the ego network view (embedded), the trend against the trading
group with the partners that drive the gap, concentration of customers and
suppliers (share and HHI), receivable and payable days, partner health,
peer position, a what-if picker and what was masked for the asker's scope.
Everything comes from :func:`api.web.dossier.build_dossier` through the
principal's scoped store; charts from :mod:`api.web.charts`.

The what-if picker is a GET form on the page itself (``?fails=PARTNER``,
works without JavaScript); with htmx it fetches only the result from
``GET /ui/firms/{firm_id}/whatif?fails=PARTNER``. A what-if reads three hops
of trade (seconds around a firm with many partners), so it is computed only
when asked for.

Both routes are for admins, analysts and credit officers (a researcher
gets 403) and are audited reads (``ui.firm``, ``ui.firm.whatif``); a firm
the principal may not see answers 404 exactly like an unknown one.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.audit import audited_read
from api.web.i18n import locale_for
from api.web.render import PAGE_CSP, render, request_lang
from api.web.session import PagePrincipal, page_roles
from queries.access import Role
from queries.scoped import ScopedStore
from queries.store import NotFound

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
# Signed in first (a redirect to the login page), then the role, then the audit entry.
READERS = page_roles(Role.ADMIN, Role.ANALYST, Role.CREDIT_OFFICER)
# The page embeds the network view of this server in a frame.
FIRM_HEADERS = {"Content-Security-Policy": PAGE_CSP + "; frame-src 'self'"}

MONTHS = 24
"""Months of the series the page charts (terms, trend); figures use all data."""
# Charts drawn for a cached dossier, per language: (dossier, {name: data URI}).
_CHARTS: OrderedDict[tuple[int, str], tuple[Any, dict[str, str | None]]] = OrderedDict()
_CHARTS_LOCK = threading.Lock()

Fails = Annotated[str, Query(max_length=128, description="the partner assumed to fail")]


def _whatif(store: ScopedStore, firm_id: str, fails: str) -> dict[str, Any]:
    """The page's what-if: ``result`` for ``fails``, or ``problem`` saying why
    there is none — ``"unknown"``: not a partner within two hops nor a firm
    one may open (the same for a hidden firm as for an unknown id);
    ``"outside_window"``: no trade with it in the months the what-if counts
    (``problem_window``: first and last month), a partner of earlier months;
    ``"never_near"``: a firm one may open that never traded with the firm,
    directly or through one other firm."""
    from api.web.dossier import whatif
    from graph.contagion import NotWithinTwoHops, OutsideWindow

    fails = fails.strip()
    out: dict[str, Any] = {"result": None, "problem": None, "problem_window": None}
    if fails:
        try:
            out["result"] = whatif(store, firm_id, fails)
        except NotFound:
            out["problem"] = "unknown"
        except OutsideWindow as e:
            out["problem"], out["problem_window"] = "outside_window", e.window
        except NotWithinTwoHops:
            out["problem"] = "never_near"
    return out


@router.get("/ui/firms/{firm_id}", response_class=HTMLResponse, dependencies=[READERS, audited_read("ui.firm")])
def firm_page(request: Request, firm_id: str, principal: PagePrincipal, fails: Fails = "") -> HTMLResponse:
    """The firm page (see the module docstring)."""
    from api.portfolio import shared_snapshot_cache
    from api.web import charts
    from api.web.dossier import KEY_MEASURES, REASON_LABELS, dossier_cache

    store = ScopedStore(request.app.state.store, principal, focus=firm_id)  # hidden partners as its ledger names them
    dossier = dossier_cache(request.app.state).get(store, firm_id, snapshots=shared_snapshot_cache(request.app.state),
                                                   months=MONTHS)
    lang = request_lang(request)
    key = (id(dossier), lang)
    with _CHARTS_LOCK:
        drawn = _CHARTS.get(key)
    if drawn is None or drawn[0] is not dossier:
        loc = locale_for(lang)
        drawn = (dossier, {
            "trend": charts.trend_chart(dossier.trend, loc),
            "terms": charts.terms_chart(dossier.terms, loc),
            "concentration": charts.concentration_chart(dossier.concentration, loc),
        })
        with _CHARTS_LOCK:
            _CHARTS[key] = drawn
            while len(_CHARTS) > 64:
                _CHARTS.popitem(last=False)
    open_alerts = None
    if principal.role in (Role.ANALYST, Role.ADMIN) and dossier.profile.is_client:
        from api.alerts import open_alert_count

        open_alerts = open_alert_count(request.app.state.store, firm_id)
    consent_banks = (request.app.state.store.consents(firm_id).get(firm_id, ())
                     if principal.role is Role.ADMIN else None)  # the admin manages it (/ui/admin/consent)
    context: dict[str, Any] = {
        "open_alerts": open_alerts,
        "consent_banks": consent_banks,
        "d": dossier,
        "charts": drawn[1],
        "reasons": REASON_LABELS,
        "key_measures": KEY_MEASURES,
        "fails": fails.strip(),
        **_whatif(store, firm_id, fails),
    }
    return render(request, "firm.html", headers=FIRM_HEADERS, **context)


@router.get("/ui/firms/{firm_id}/whatif", response_class=HTMLResponse,
            dependencies=[READERS, audited_read("ui.firm.whatif")])
def firm_whatif(request: Request, firm_id: str, principal: PagePrincipal, fails: Fails = "") -> Response:
    """The what-if result alone (the page's htmx picker swaps it in). Opened
    as a page of its own (a link copied, a bookmark: no ``HX-Request``), the
    firm page with the result, rather than an unstyled fragment."""
    store = ScopedStore(request.app.state.store, principal, focus=firm_id)
    if store.get_firm(firm_id) is None:
        raise NotFound(f"no firm {firm_id!r}")
    query = urlencode({k: v for k, v in (("fails", fails.strip()),
                                         ("lang", request.query_params.get("lang", ""))) if v})
    page = f"/ui/firms/{quote(firm_id, safe='')}{'?' + query if query else ''}#whatif"
    if request.headers.get("hx-request") != "true":
        return RedirectResponse(page, 303)
    # the browser's address becomes the firm page with this result: a reload or a bookmark shows it again
    return render(request, "firm_whatif.html", headers={"HX-Push-Url": page}, firm_id=firm_id,
                  fails=fails.strip(), **_whatif(store, firm_id, fails))
