"""All data access: one :class:`~queries.store.Store` interface, two backends.

* :class:`~queries.neo4j_store.Neo4jStore` when ``NEO4J_URI`` is set — the
  production store (a single server, a cluster or Aura over ``neo4j+s://``).
* :class:`~queries.embedded_store.EmbeddedStore` otherwise — SQLite under
  ``TORIHIKI_HOME`` so that everything runs on a laptop with no server.

Both answer the same contract tests (``tests/contract``).
"""

from queries.config import StoreConfig
from queries.factory import open_store
from queries.model import BatchInfo, Firm, TradeEdge, TradeRow
from queries.store import Store, StoreError, StoreUnavailable

__all__ = [
    "StoreConfig",
    "open_store",
    "Firm",
    "TradeRow",
    "TradeEdge",
    "BatchInfo",
    "Store",
    "StoreError",
    "StoreUnavailable",
]
