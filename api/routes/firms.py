"""Firms: search, one firm, its ego network (JSON) and its view (HTML)."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal
from urllib.parse import quote

import orjson
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from api import firm_pages as pages
from api import first_read, service
from api.audit import audited_read
from api.deps import ScopedDep, SettingsDep
from api.errors import STANDARD_ERRORS, error_responses
from api.network_view import COLOURS, EXPAND_LIMIT, MAX_EXPAND_LIMIT
from api.responses import JSON, answer, serve
from api.schemas import (
    EgoOut,
    FiguresOut,
    FirmOut,
    FirmPage,
    PeersOut,
    TrendOut,
    ViewExpansionOut,
    WhatIfOut,
)
from api.settings import Settings
from api.web.render import render, request_lang
from queries.store import NotFound

router = APIRouter(prefix="/firms", tags=["firms"], default_response_class=JSON)

# Years 1900–2099: a ledger month, not any four digits (year 0 is no calendar month).
MONTH = r"(19|20)\d{2}-(0[1-9]|1[0-2])"
PERIOD = rf"^({MONTH}|FY(19|20)\d{{2}})$"
_MONTH = re.compile(MONTH)
Month = Annotated[str | None, Query(pattern=rf"^{MONTH}$", description="YYYY-MM", examples=["2024-04"])]
Hops = Annotated[int, Query(ge=1, le=2)]
MAX_OFFSET = 1_000_000  # past every match anyway; a larger one is a bad request, not a store error
FIRM_ERRORS = {**STANDARD_ERRORS, **error_responses(404)}
_HTML: dict[int | str, dict[str, Any]] = {200: {"description": "an HTML page", "content": {"text/html": {"schema": {"type": "string"}}}}}


@router.get("", response_model=FirmPage, responses=STANDARD_ERRORS, dependencies=[audited_read("firm.search")])
def search_firms(
    store: ScopedDep,
    q: Annotated[str, Query(max_length=200)] = "",
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> dict[str, Any]:
    """Firms found by ``q`` — part of any spelling of a name (kanji, full- or
    half-width kana, hiragana; a legal form in ``q`` is ignored), of a 法人番号
    or of an id — clients first, then by id; paginated (``count`` = all matches)."""
    firms, total = store.search_firms(q, limit, offset)
    return {"data": [service.firm_public(f) for f in firms], "count": total,
            "limit": limit, "offset": offset, "access": store.access()}


@router.get("/{firm_id}", response_model=FirmOut, responses=FIRM_ERRORS, dependencies=[audited_read("firm.get")])
def get_firm(firm_id: str, store: ScopedDep) -> dict[str, Any]:
    firm = store.get_firm(firm_id)
    if firm is None:
        raise NotFound(f"no firm {firm_id!r}")
    return {**service.firm_public(firm), "access": store.access()}


@router.get("/{firm_id}/ego", response_model=EgoOut, responses=FIRM_ERRORS, dependencies=[audited_read("firm.ego")])
def get_ego(
    firm_id: str, store: ScopedDep, settings: SettingsDep, request: Request,
    hops: Hops = 1,
    from_: Annotated[Month, Query(alias="from")] = None,
    to: Month = None,
) -> Response:
    """The firm's trading partners within ``hops``, edges seller → buyer (yen):
    ``firm``, ``nodes``, ``edges`` (monthly series), ``metrics``, ``truncated``
    (at most ``TORIHIKI_MAX_EGO_NODES`` nodes, the largest partners by yen)."""
    return serve(request, store, pages.ego(store, firm_id, hops, from_, to, settings.max_ego_nodes))


@first_read.stored_answer("/firms/{firm_id}/ego")
def _stored_ego(request: Request, settings: Settings) -> str | None:
    """The key of the stored answer :func:`get_ego` would read, from the
    plain spellings of its parameters (``None`` for any other: the route
    reads it itself)."""
    q = first_read.plain_query(request, "hops", "from", "to")
    if q is None or q.get("hops", "1") not in ("1", "2"):
        return None
    months = [q.get("from"), q.get("to")]
    if any(m is not None and not _MONTH.fullmatch(m) for m in months):
        return None
    return pages.ego_key(request.path_params["firm_id"], int(q.get("hops", "1")), months[0], months[1],
                         settings.max_ego_nodes)


@router.get("/{firm_id}/view", response_class=HTMLResponse, responses={**_HTML, **FIRM_ERRORS},
            dependencies=[audited_read("firm.view")])
def view_ego(
    firm_id: str, store: ScopedDep, request: Request,
    hops: Hops = 1,
    from_: Annotated[Month, Query(alias="from")] = None,
    to: Month = None,
    embed: Annotated[bool, Query(description="without the app's frame, for an iframe")] = False,
) -> Response:
    """The firm's trade network as an interactive page (vis-network, drawn
    with fixed positions): the firm at the centre, its partners on a ring
    (the largest :data:`api.network_view.FIRST_HOP_CAP`, the others folded
    per role), with ``hops=2`` a summary of each partner's own partners that
    opens on a click (``/view/expand``). In the request's language
    (``?lang=en``); ``embed=1`` without the app's frame."""
    lang = request_lang(request)
    model = orjson.loads(answer(request, store, pages.view(store, firm_id, hops, from_, to, lang)).body)
    return render(request, "network_view_embed.html" if embed else "network_view.html", lang=lang, view=model, embed=embed,
                  expand_url=f"/firms/{quote(firm_id, safe='')}/view/expand",
                  firm_page=f"/ui/firms/{quote(firm_id, safe='')}", colours=COLOURS)


@router.get("/{firm_id}/view/expand", response_model=ViewExpansionOut, responses=FIRM_ERRORS,
            dependencies=[audited_read("firm.view")])
def expand_view(
    firm_id: str, store: ScopedDep, request: Request,
    via: Annotated[str, Query(min_length=1, max_length=128, description="a drawn first-hop partner")],
    from_: Annotated[Month, Query(alias="from")] = None,
    to: Month = None,
    limit: Annotated[int, Query(ge=1, le=MAX_EXPAND_LIMIT)] = EXPAND_LIMIT,
) -> Response:
    """The second-hop firms of the view's partner ``via`` (its own partners
    outside the firm's first hop) with positions beyond it: the ``limit``
    largest by yen, the rest folded into one node (``nodes``, ``edges``,
    ``count``, ``more``, ``yen``, ``distressed``). 404 when ``via`` is not a
    drawn partner of the firm."""
    return serve(request, store, pages.view_expansion(store, firm_id, via, from_, to, request_lang(request), limit))


@router.get("/{firm_id}/figures", response_model=FiguresOut, responses=FIRM_ERRORS,
            dependencies=[audited_read("firm.figures")])
def get_figures(firm_id: str, store: ScopedDep, request: Request) -> Response:
    """Monthly sales, purchases, balances (yen) and receivable days from the
    firm's own ledger."""
    return serve(request, store, pages.figures(store, firm_id))


@router.get("/{firm_id}/trend", response_model=TrendOut, responses=FIRM_ERRORS,
            dependencies=[audited_read("firm.trend")])
def get_trend(
    firm_id: str, store: ScopedDep, request: Request,
    freq: Annotated[Literal["month", "quarter"], Query()] = "month",
    from_: Annotated[Month, Query(alias="from")] = None,
    to: Month = None,
) -> Response:
    """The firm's sales and purchases against its trading group's (yen,
    growth in %, gap in percentage points) and the partners driving the gap."""
    return serve(request, store, pages.trend(store, firm_id, freq, from_, to))


@router.get("/{firm_id}/whatif", response_model=WhatIfOut, responses=FIRM_ERRORS,
            dependencies=[audited_read("firm.whatif")])
def get_whatif(
    firm_id: str, store: ScopedDep, request: Request,
    fails: Annotated[str, Query(min_length=1, max_length=128, description="partner assumed to fail")],
) -> Response:
    """Direct exposure to ``fails`` and a two-hop DebtRank-style propagation,
    as ranges and bands over stated assumptions (never a single score)."""
    # not gated: seconds of work each, which would hold every other computed answer back
    return serve(request, store, pages.whatif(store, firm_id, fails), gated=False)


@router.get("/{firm_id}/peers", response_model=PeersOut, responses=FIRM_ERRORS,
            dependencies=[audited_read("firm.peers")])
def get_peers(
    firm_id: str, store: ScopedDep, request: Request,
    period: Annotated[str | None, Query(pattern=PERIOD, description="YYYY-MM or FYyyyy")] = None,
) -> Response:
    """The client's management parameters and network metrics against its
    peers (same JSIC division and size class, else the division); any
    statistic over fewer than five firms is suppressed."""
    from api.portfolio import shared_snapshot_cache

    return serve(request, store, pages.peers(store, firm_id, period, shared_snapshot_cache(request.app.state)))
