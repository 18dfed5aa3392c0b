"""What a part of :class:`queries.embedded_store.EmbeddedStore` (users and
audit, acknowledgements, leases) needs of the store: its connection and its
write transactions, declared once for every part."""

from __future__ import annotations

import sqlite3
from contextlib import AbstractContextManager

__all__ = ["EmbeddedPart"]


class EmbeddedPart:
    """The store's ``_conn`` (this thread's connection) and ``_tx`` (one write
    transaction, bumping the data version unless ``bump`` is false), which
    :class:`~queries.embedded_store.EmbeddedStore` supplies."""

    def _conn(self) -> sqlite3.Connection:
        raise NotImplementedError

    def _tx(self, bump: bool = True, trades: bool = True) -> AbstractContextManager[sqlite3.Connection]:
        raise NotImplementedError
