"""Leases in the embedded store (a part of
:class:`queries.embedded_store.EmbeddedStore`; :mod:`queries.leases`)."""

from __future__ import annotations

import sqlite3

from queries.embedded_part import EmbeddedPart, create_schema
from queries.leases import lease_milliseconds
from queries.sql import leases as lq

__all__ = ["EmbeddedLeases"]


class EmbeddedLeases(EmbeddedPart):
    """``take_lease``, ``release_lease`` and ``lease_holder`` of the
    :class:`~queries.store.Store` interface on SQLite; the store supplies
    the connection and transactions (``BEGIN IMMEDIATE``: one writer at a
    time, so a take reads the holder it may replace under the write lock)."""

    def _ensure_leases(self, c: sqlite3.Connection) -> None:
        """Create the table (idempotent)."""
        create_schema(c, lq.SCHEMA)

    def take_lease(self, name: str, holder: str, seconds: float) -> bool:
        ms = lease_milliseconds(seconds)
        with self._tx(bump=False) as c:
            c.execute(lq.TAKE, (name, holder, ms))
            row = c.execute(lq.HOLDER, (name,)).fetchone()
            return row is not None and row[0] == holder

    def release_lease(self, name: str, holder: str) -> bool:
        with self._tx(bump=False) as c:
            return c.execute(lq.RELEASE, (name, holder)).rowcount == 1

    def lease_holder(self, name: str) -> tuple[str, float] | None:
        row = self._conn().execute(lq.CURRENT, (name,)).fetchone()
        return None if row is None else (str(row[0]), max(0.0, int(row[1]) / 1000))
