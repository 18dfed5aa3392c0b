"""Choose and open the store from configuration."""

from __future__ import annotations

from queries.config import StoreConfig
from queries.store import Store

__all__ = ["open_store"]


def open_store(config: StoreConfig) -> Store:
    """Open Neo4j when ``config.neo4j_uri`` is set, else the embedded store.

    The Neo4j driver is created here once; the caller owns the store and
    closes it (the API does so in its lifespan). An API store gets a circuit
    breaker (:mod:`queries.breaker`).
    """
    if config.neo4j_uri:
        from queries.breaker import CircuitBreaker
        from queries.neo4j_store import Neo4jStore, make_driver

        # The API fails fast while the server is down (503 at once, then tries again).
        breaker = CircuitBreaker(config.breaker_seconds) if config.purpose == "api" else None
        retry = 0.0 if config.purpose == "api" else config.retry_seconds
        return Neo4jStore(make_driver(config), config.neo4j_database, breaker, retry)
    from queries.embedded_store import EmbeddedStore

    # A bulk load gets a large page cache; each of the API's many threads (one
    # connection each, up to 40) a small one — the OS caches the file for all.
    return EmbeddedStore(config.home, cache_mib=256 if config.purpose == "batch" else 4)
