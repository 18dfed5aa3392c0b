"""Choose and open the store from configuration."""

from __future__ import annotations

from queries.config import StoreConfig
from queries.store import Store

__all__ = ["open_store"]


def open_store(config: StoreConfig) -> Store:
    """Open Neo4j when ``config.neo4j_uri`` is set, else the embedded store.

    The Neo4j driver is created here once; the caller owns the store and
    closes it (the API does so in its lifespan).
    """
    if config.neo4j_uri:
        from queries.neo4j_store import Neo4jStore, make_driver

        return Neo4jStore(make_driver(config), config.neo4j_database)
    from queries.embedded_store import EmbeddedStore

    return EmbeddedStore(config.home)
