"""Firms: search, one firm, its ego network (JSON) and its view (HTML)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from api import analytics, service
from api.deps import SettingsDep, StoreDep
from api.responses import JSON, cached_html, cached_json
from api.view import CSP, render_ego_page
from queries.store import NotFound

router = APIRouter(prefix="/firms", tags=["firms"], default_response_class=JSON)

Month = Annotated[str | None, Query(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="YYYY-MM")]
Hops = Annotated[int, Query(ge=1, le=2)]


@router.get("")
def search_firms(
    store: StoreDep,
    q: Annotated[str, Query(max_length=200)] = "",
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    """Firms whose id or name contains ``q``; paginated (``count`` = all matches)."""
    firms, total = store.search_firms(q, limit, offset)
    return {"data": [service.firm_public(f) for f in firms], "count": total,
            "limit": limit, "offset": offset}


@router.get("/{firm_id}")
def get_firm(firm_id: str, store: StoreDep) -> dict[str, Any]:
    firm = store.get_firm(firm_id)
    if firm is None:
        raise NotFound(f"no firm {firm_id!r}")
    return service.firm_public(firm)


@router.get("/{firm_id}/ego")
def get_ego(
    firm_id: str, store: StoreDep, settings: SettingsDep, request: Request,
    hops: Hops = 1,
    from_: Annotated[Month, Query(alias="from")] = None,
    to: Month = None,
) -> Response:
    """The firm's trading partners within ``hops``, edges seller → buyer (yen):
    ``firm``, ``nodes``, ``edges`` (monthly series), ``metrics``, ``truncated``
    (at most ``TORIHIKI_MAX_EGO_NODES`` nodes, the largest partners by yen)."""
    def compute() -> dict[str, Any]:
        firm, net, firms = service.ego(store, firm_id, hops, from_, to, settings.max_ego_nodes)
        return service.ego_as_dict(firm, net, firms, from_, to)

    return cached_json(request, store, compute)


@router.get("/{firm_id}/view", response_class=HTMLResponse)
def view_ego(
    firm_id: str, store: StoreDep, settings: SettingsDep, request: Request,
    hops: Hops = 1,
    from_: Annotated[Month, Query(alias="from")] = None,
    to: Month = None,
) -> Response:
    """An interactive network view (pyvis / vis-network) of the ego network."""
    def compute() -> str:
        firm, net, firms = service.ego(store, firm_id, hops, from_, to, settings.max_ego_nodes)
        return render_ego_page(service.ego_as_dict(firm, net, firms, from_, to))

    return cached_html(request, store, compute,
                       {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff"})


@router.get("/{firm_id}/figures")
def get_figures(firm_id: str, store: StoreDep, request: Request) -> Response:
    """Monthly sales, purchases, balances (yen) and receivable days from the
    firm's own ledger."""
    return cached_json(request, store, lambda: service.figures(store, firm_id))


@router.get("/{firm_id}/trend")
def get_trend(
    firm_id: str, store: StoreDep, request: Request,
    freq: Annotated[Literal["month", "quarter"], Query()] = "month",
    from_: Annotated[Month, Query(alias="from")] = None,
    to: Month = None,
) -> Response:
    """The firm's sales and purchases against its trading group's (yen,
    growth in %, gap in percentage points) and the partners driving the gap."""
    return cached_json(request, store, lambda: analytics.trend_of(store, firm_id, freq, from_, to))


@router.get("/{firm_id}/whatif")
def get_whatif(
    firm_id: str, store: StoreDep, request: Request,
    fails: Annotated[str, Query(min_length=1, max_length=64, description="partner assumed to fail")],
) -> Response:
    """Direct exposure to ``fails`` and a two-hop DebtRank-style propagation,
    as ranges and bands over stated assumptions (never a single score)."""
    return cached_json(request, store, lambda: analytics.whatif_of(store, firm_id, fails))


@router.get("/{firm_id}/peers")
def get_peers(
    firm_id: str, store: StoreDep, request: Request,
    period: Annotated[str | None, Query(pattern=r"^(\d{4}-(0[1-9]|1[0-2])|FY\d{4})$")] = None,
) -> Response:
    """The client's management parameters and network metrics against its
    peers (same JSIC division and size class, else the division); any
    statistic over fewer than five firms is suppressed."""
    from api.portfolio import peers_of, shared_snapshot_cache

    def compute() -> dict[str, Any]:
        if store.get_firm(firm_id) is None:
            raise NotFound(f"no firm {firm_id!r}")
        return peers_of(shared_snapshot_cache(request.app.state).get(store), firm_id, period)

    return cached_json(request, store, compute)
