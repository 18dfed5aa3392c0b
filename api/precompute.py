"""Answers for the busiest firms, rendered at load time.

A firm with thousands of trading partners is the one many people look at
and the one whose ego network, view, trend and figures cost the most to
compute (hundreds of milliseconds each, where a typical client takes a few).
After a load, :func:`precompute_busiest` renders the default answers of the
firms with the most partners — exactly as the API would, through
:mod:`api.firm_pages` — and stores them, compressed, with the data version
they were computed from (gzip, as they are sent). Every server process then serves them from the
store until the data changes (:class:`api.cache.ResponseCache` looks them up
on a miss), so a request for such a firm costs a read, not a computation.

``TORIHIKI_PRECOMPUTE_FIRMS`` (default 50) sets how many firms.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import orjson

from api import firm_pages as pages
from api.network_view import ParameterCache
from api.portfolio import SnapshotCache
from api.settings import Settings
from api.web.i18n import DEFAULT_LANG
from queries.store import Store, StoreError

__all__ = ["precompute_busiest", "INDEX", "stored_key"]

INDEX = "responses"
"""Analytics entry listing the keys of the stored answers."""


def stored_key(key: str) -> str:
    return f"response:{key}"


def precompute_busiest(store: Store, settings: Settings, firms: int | None = None) -> dict[str, Any]:
    """Render and store the default answers of the ``firms`` busiest firms."""
    n = settings.precompute_firms if firms is None else firms
    version = store.data_version()
    created = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    busiest = store.busiest_firms(n) if n > 0 else []
    snapshots = SnapshotCache()
    # Every view reads the parameters of a few firms and the store reads them
    # all (160k rows for the 100k region): once for the run, as the app does.
    parameters = ParameterCache().get
    keys: list[str] = []
    stored_bytes = 0
    for firm_id, _ in busiest:
        firm = store.get_firm(firm_id)
        if firm is None:
            continue
        wanted = [pages.ego(store, firm_id, 1, None, None, settings.max_ego_nodes),
                  pages.view(store, firm_id, 1, None, None, DEFAULT_LANG, parameters),  # the view's model, Japanese
                  pages.trend(store, firm_id, "month", None, None)]
        if firm.is_client:
            wanted += [pages.figures(store, firm_id), pages.peers(store, firm_id, None, snapshots)]
        for key, render in wanted:
            try:
                rendered = render()
            except (ValueError, StoreError):
                continue  # e.g. peers of a client without an industry: computed (and refused) on request
            payload = orjson.dumps({"media_type": rendered.media_type}) + b"\n" + rendered.gzipped
            store.put_analytics(stored_key(key), payload, version, created)
            keys.append(key)
            stored_bytes += len(payload)
    store.put_analytics(INDEX, orjson.dumps(keys), version, created)
    return {"firms": len(busiest), "answers": len(keys), "bytes": stored_bytes, "data_version": version}


def read_stored(payload: bytes) -> tuple[str, bytes]:
    """(media type, gzip-compressed body) of a stored answer."""
    head, _, body = payload.partition(b"\n")
    return str(orjson.loads(head)["media_type"]), body
