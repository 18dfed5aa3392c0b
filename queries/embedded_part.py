"""What a part of :class:`queries.embedded_store.EmbeddedStore` (users and
audit, acknowledgements, leases) needs of the store: its connection and its
write transactions, declared once for every part; and how every part and
the store create their tables (:func:`create_schema`)."""

from __future__ import annotations

import sqlite3
from contextlib import AbstractContextManager

__all__ = ["EmbeddedPart", "create_schema"]


def create_schema(c: sqlite3.Connection, script: str) -> None:
    """Run a schema script (``CREATE … IF NOT EXISTS``) as one transaction
    that holds the write lock from its start.

    Why: server processes started together on a fresh store (``torihiki
    serve --workers 2``) each create the tables. Statement by statement,
    one process read the schema, another changed it, and the first failed
    with "database schema has changed" (a server process of the test suite
    did not start, once). Under the write lock the others wait (the
    connection's busy timeout) and then find the tables there."""
    c.executescript(f"BEGIN IMMEDIATE;\n{script}\nCOMMIT;")


class EmbeddedPart:
    """The store's ``_conn`` (this thread's connection) and ``_tx`` (one write
    transaction, bumping the data version unless ``bump`` is false), which
    :class:`~queries.embedded_store.EmbeddedStore` supplies."""

    def _conn(self) -> sqlite3.Connection:
        raise NotImplementedError

    def _tx(self, bump: bool = True, trades: bool = True) -> AbstractContextManager[sqlite3.Connection]:
        raise NotImplementedError
