"""Answers rendered at load time: the busiest firms', and every client's network.

A firm with thousands of trading partners is the one many people look at
and the one whose ego network, view, trend and figures cost the most to
compute (hundreds of milliseconds each, where a typical client takes a few).
And the client firms — the firms whose ledgers the BPO operator keeps, the
borrowers a credit officer opens — are the firms people ask for most; the
network of one (``GET /firms/{id}/ego``) costs ~6 ms of CPU to compute on
the 100k-firm region, which ten concurrent users on two cores turn into a
queue (docs/data-model.md).

After a load, :func:`precompute_answers` renders, exactly as the API would
(through :mod:`api.firm_pages`), the default answers of the firms with the
most partners (ego, view, trend, figures, peers) and the default ego network
of every client firm (one hop, whole window, the server's node cap), and
stores them, compressed as they are sent (gzip), with the data version they
were computed from. Every server process then serves them from the store
until the data changes (:class:`api.cache.ResponseCache` looks them up on a
miss), so such a request costs a read, not a computation. They are the
unscoped answers (an analyst's): a bank's officer, whose answers are masked
by consent, is served a computed one.

``TORIHIKI_PRECOMPUTE_FIRMS`` (default 50) sets how many busiest firms;
``TORIHIKI_PRECOMPUTE_CLIENTS=0`` leaves the clients' networks to be computed
on request (a refresh ~1 minute shorter after the 100k-firm region's load).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import orjson

from api import firm_pages as pages
from api.cache import Rendered
from api.portfolio import SnapshotCache
from api.settings import Settings
from api.web.i18n import DEFAULT_LANG
from queries.store import Store, StoreError

__all__ = ["precompute_answers", "INDEX", "stored_key"]

INDEX = "responses"
"""Analytics entry listing the keys of the stored answers."""


def stored_key(key: str) -> str:
    return f"response:{key}"


_WRITE_EVERY = 500
"""Answers stored per write (about 5 MB of compressed JSON at 10 kB each)."""
_THREADS = 4
"""Clients' networks rendered at once on Neo4j (100k region: 18 ms an answer with 4, 66 ms serially).
On the embedded store one: 5.1 ms an answer serially, 7.2 ms with four threads (contention)."""


def precompute_answers(store: Store, settings: Settings, firms: int | None = None,
                       clients: Iterable[str] | None = None) -> dict[str, Any]:
    """Render and store the default answers of the ``firms`` busiest firms
    (``TORIHIKI_PRECOMPUTE_FIRMS`` when ``None``) and the default ego network
    of each client firm (``clients``; every client in the store when
    ``None``; none when ``TORIHIKI_PRECOMPUTE_CLIENTS`` is off). Returns
    counts, bytes stored and seconds."""
    n = settings.precompute_firms if firms is None else firms
    version = store.data_version()
    created = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    snapshots = SnapshotCache()
    keys: list[str] = []
    pending: list[tuple[str, bytes]] = []
    stored_bytes = 0

    def keep(key: str, rendered: Rendered | None) -> None:
        nonlocal stored_bytes
        if rendered is None:
            return
        payload = orjson.dumps({"media_type": rendered.media_type}) + b"\n" + rendered.gzipped
        pending.append((stored_key(key), payload))
        keys.append(key)
        stored_bytes += len(payload)
        if len(pending) >= _WRITE_EVERY:
            store.put_analytics_many(pending, version, created)
            pending.clear()

    t0 = time.perf_counter()
    busiest = store.busiest_firms(n) if n > 0 else []
    for firm_id, _ in busiest:
        firm = store.get_firm(firm_id)
        if firm is None:
            continue
        wanted = [pages.ego(store, firm_id, 1, None, None, settings.max_ego_nodes),
                  pages.view(store, firm_id, 1, None, None, DEFAULT_LANG),  # the view's model, Japanese
                  pages.trend(store, firm_id, "month", None, None)]
        if firm.is_client:
            wanted += [pages.figures(store, firm_id), pages.peers(store, firm_id, None, snapshots)]
        for page in wanted:
            keep(*_rendered(page))
    busiest_seconds = time.perf_counter() - t0
    t1 = time.perf_counter()
    done = set(keys)
    egos = 0
    if settings.precompute_clients:
        egos_of = (pages.ego(store, firm_id, 1, None, None, settings.max_ego_nodes)
                   for firm_id in sorted(clients if clients is not None else _client_ids(store)))
        todo = (page for page in egos_of if page[0] not in done)
        # Threads on Neo4j, where most of an answer's time is its four reads' round trips;
        # on the embedded store an answer is CPU in this process, and threads only contend.
        with ThreadPoolExecutor(_THREADS if store.backend == "neo4j" else 1) as pool:
            for key, rendered in pool.map(_rendered, todo):
                keep(key, rendered)
                egos += rendered is not None
    if pending:
        store.put_analytics_many(pending, version, created)
    store.put_analytics(INDEX, orjson.dumps(keys), version, created)
    return {"firms": len(busiest), "client_egos": egos, "answers": len(keys), "bytes": stored_bytes,
            "data_version": version, "busiest_seconds": round(busiest_seconds, 1),
            "client_egos_seconds": round(time.perf_counter() - t1, 1)}


def _rendered(page: pages.Page) -> tuple[str, Rendered | None]:
    """(key, rendered answer), or ``None`` for an answer refused (e.g. peers
    of a client without an industry: computed, and refused, on request)."""
    key, render = page
    try:
        return key, render()
    except (ValueError, StoreError):
        return key, None


def _client_ids(store: Store) -> list[str]:
    return [f.id for f in store.all_firms() if f.is_client]


def read_stored(payload: bytes) -> tuple[str, bytes]:
    """(media type, gzip-compressed body) of a stored answer."""
    head, _, body = payload.partition(b"\n")
    return str(orjson.loads(head)["media_type"]), body
