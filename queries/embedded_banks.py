"""Banks' names in the embedded store (a part of
:class:`queries.embedded_store.EmbeddedStore`)."""

from __future__ import annotations

import sqlite3

from queries.embedded_part import EmbeddedPart, create_schema
from queries.sql import banks as bq

__all__ = ["EmbeddedBanks"]


class EmbeddedBanks(EmbeddedPart):
    """``set_bank_name`` and ``bank_names`` of the :class:`~queries.store.Store`
    interface on SQLite; the store supplies the connection and transactions."""

    def _ensure_banks(self, c: sqlite3.Connection) -> None:
        """Create the table (idempotent)."""
        create_schema(c, bq.SCHEMA)

    def set_bank_name(self, bank: str, name: str | None) -> bool:
        with self._tx(bump=False) as c:
            if name is None:
                return c.execute(bq.DELETE_NAME, (bank,)).rowcount == 1
            return c.execute(bq.UPSERT_NAME, (bank, name)).rowcount == 1

    def bank_names(self) -> dict[str, str]:
        return {str(b): str(n) for b, n in self._conn().execute(bq.ALL_NAMES)}
