"""The firm-level answers of the API, rendered, and their cache keys.

One place that says how each answer is computed and rendered (JSON with
orjson, or the network view's model), so that the routes and the work done at load time
(:mod:`api.precompute`) produce the same bytes under the same key.

Keys name the answer and its parameters, not the raw query string, so
``/ego`` and ``/ego?hops=1`` are one entry; :func:`api.responses.serve`
adds the principal's scope (``queries.scoped``) to them. Every JSON answer
carries ``access``: the scope it was computed in and what was masked.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from api import analytics, service
from api.cache import Rendered
from api.responses import JSON, to_json
from api.web.i18n import Lang
from queries.scoped import STORED_ANSWER_PREFIX, ReadStore, access_of
from queries.store import NotFound

__all__ = ["Page", "ego", "ego_key", "stored_key", "view", "view_expansion", "figures", "trend", "whatif", "peers", "HTML"]

HTML = "text/html; charset=utf-8"

Page = tuple[str, Callable[[], Rendered]]
"""(cache key, render) of one answer."""


def _json(store: ReadStore, compute: Callable[[], dict[str, Any]]) -> Callable[[], Rendered]:
    def render() -> Rendered:
        body = compute()
        body["access"] = access_of(store)
        return Rendered.of(to_json(body), JSON.media_type)

    return render


def stored_key(key: str) -> str:
    """The analytics entry an answer rendered at load time is stored under
    (:mod:`api.precompute`)."""
    return f"{STORED_ANSWER_PREFIX}{key}"


def ego_key(firm_id: str, hops: int, month_from: str | None, month_to: str | None, max_nodes: int) -> str:
    return f"ego|{firm_id}|{hops}|{month_from}|{month_to}|{max_nodes}"


def ego(store: ReadStore, firm_id: str, hops: int, month_from: str | None, month_to: str | None,
        max_nodes: int) -> Page:
    def compute() -> dict[str, Any]:
        firm, net, firms = service.ego(store, firm_id, hops, month_from, month_to, max_nodes)
        return service.ego_as_dict(firm, net, firms, month_from, month_to)

    return ego_key(firm_id, hops, month_from, month_to, max_nodes), _json(store, compute)


def view(store: ReadStore, firm_id: str, hops: int, month_from: str | None, month_to: str | None,
         lang: Lang) -> Page:
    """What the network view draws (:func:`api.network_view.view_model`), as
    JSON: labels and tooltips are in ``lang``, so the language is part of the
    key. The page around it (the app's frame with the user's name and CSRF
    token, or the bare ``embed`` page) is rendered per request from this."""
    from api.network_view import view_model

    return (f"view|{firm_id}|{hops}|{month_from}|{month_to}|{lang}",
            _json(store, lambda: view_model(store, firm_id, hops, month_from, month_to, lang)))


def view_expansion(store: ReadStore, firm_id: str, via: str, month_from: str | None, month_to: str | None,
                   lang: Lang, limit: int) -> Page:
    """The second-hop firms of one drawn partner (:func:`api.network_view.expansion`), as JSON."""
    from api.network_view import expansion

    return (f"view-expand|{firm_id}|{via}|{month_from}|{month_to}|{lang}|{limit}",
            _json(store, lambda: expansion(store, firm_id, via, month_from, month_to, lang, limit)))


def figures(store: ReadStore, firm_id: str) -> Page:
    # "figures.2": the answer has below_zero since 2026-12-08; answers stored by an earlier version under
    # "figures|" are not served (computed on request until the next refresh stores them again)
    return f"figures.2|{firm_id}", _json(store, lambda: service.figures(store, firm_id))


def trend(store: ReadStore, firm_id: str, freq: Literal["month", "quarter"], month_from: str | None,
          month_to: str | None) -> Page:
    return (f"trend|{firm_id}|{freq}|{month_from}|{month_to}",
            _json(store, lambda: analytics.trend_of(store, firm_id, freq, month_from, month_to)))


def whatif(store: ReadStore, firm_id: str, fails: str) -> Page:
    return f"whatif|{firm_id}|{fails}", _json(store, lambda: analytics.whatif_of(store, firm_id, fails))


def peers(store: ReadStore, firm_id: str, period: str | None, snapshots: Any) -> Page:
    def compute() -> dict[str, Any]:
        from api.portfolio import peers_of

        if store.get_firm(firm_id) is None:
            raise NotFound(f"no firm {firm_id!r}")
        return peers_of(snapshots.get(store), firm_id, period)

    return f"peers|{firm_id}|{period}", _json(store, compute)
