"""Acknowledgements of alerts in the embedded store (a part of
:class:`queries.embedded_store.EmbeddedStore`)."""

from __future__ import annotations

import sqlite3
from collections.abc import Collection

import orjson

from queries.acks import ACKS_PER_WRITE, AlertAck
from queries.embedded_part import EmbeddedPart, create_schema
from queries.sql import acks as aq

__all__ = ["EmbeddedAcks"]


class EmbeddedAcks(EmbeddedPart):
    """``ack_alert`` and ``alert_acks`` of the :class:`~queries.store.Store`
    interface on SQLite; the store supplies the connection and transactions."""

    def _ensure_acks(self, c: sqlite3.Connection) -> None:
        """Create the table (idempotent)."""
        create_schema(c, aq.SCHEMA)

    def ack_alert(self, alert_id: str, user: str, note: str, at: str) -> bool:
        with self._tx(bump=False) as c:
            return c.execute(aq.INSERT_ACK, (alert_id, user, note, at)).rowcount == 1

    def ack_alerts(self, alert_ids: Collection[str], user: str, note: str, at: str) -> list[str]:
        ids = sorted(set(alert_ids))
        made: list[str] = []
        for start in range(0, len(ids), ACKS_PER_WRITE):
            part = ids[start:start + ACKS_PER_WRITE]
            with self._tx(bump=False) as c:  # one writer at a time: what is acknowledged stays so
                before = {str(r[0]) for r in c.execute(aq.ACKED_OF, (orjson.dumps(part).decode(),))}
                new = [i for i in part if i not in before]
                c.executemany(aq.INSERT_ACK, [(i, user, note, at) for i in new])
            made += new
        return made

    def unack_alerts(self, alert_ids: Collection[str]) -> list[str]:
        ids = sorted(set(alert_ids))
        gone: list[str] = []
        for start in range(0, len(ids), ACKS_PER_WRITE):
            with self._tx(bump=False) as c:
                part = orjson.dumps(ids[start:start + ACKS_PER_WRITE]).decode()
                gone += [str(r[0]) for r in c.execute(aq.DELETE_ACKS, (part,)).fetchall()]
        return sorted(gone)

    def alert_acks(self, alert_ids: Collection[str] | None = None) -> dict[str, AlertAck]:
        c = self._conn()
        rows = (c.execute(aq.ALL_ACKS) if alert_ids is None
                else c.execute(aq.ACKS_OF, (orjson.dumps(sorted(set(alert_ids))).decode(),)))
        return {str(r[0]): AlertAck(str(r[0]), str(r[1]), str(r[2]), str(r[3])) for r in rows}
