"""What a part of :class:`queries.neo4j_store.Neo4jStore` (users and audit,
acknowledgements, leases) needs of the store: its reads and its write
transactions, declared once for every part."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, LiteralString, TypeVar

import neo4j

__all__ = ["Neo4jPart"]

T = TypeVar("T")


class Neo4jPart:
    """The store's ``_read`` (one retried read) and ``_tx`` (one retried write
    transaction, bumping the data version unless ``bump`` is false), which
    :class:`~queries.neo4j_store.Neo4jStore` supplies."""

    def _read(self, query: LiteralString, **params: Any) -> list[dict[str, Any]]:
        raise NotImplementedError

    def _tx(self, work: Callable[[neo4j.ManagedTransaction], T], bump: bool = True,
            trades: bool = True) -> T:
        raise NotImplementedError
