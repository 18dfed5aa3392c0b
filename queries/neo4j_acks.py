"""Acknowledgements of alerts in Neo4j (a part of
:class:`queries.neo4j_store.Neo4jStore`). Values only as parameters."""

from __future__ import annotations

from collections.abc import Collection

import neo4j

from queries.acks import ACKS_PER_WRITE, AlertAck
from queries.cypher import acks as aq
from queries.neo4j_part import Neo4jPart

__all__ = ["Neo4jAcks"]


class Neo4jAcks(Neo4jPart):
    """``ack_alert`` and ``alert_acks`` of the :class:`~queries.store.Store`
    interface on Neo4j; the store supplies reads and write transactions."""

    def ack_alert(self, alert_id: str, user: str, note: str, at: str) -> bool:
        def work(tx: neo4j.ManagedTransaction) -> bool:
            rows = tx.run(aq.MERGE_ACK, alert_id=alert_id, user=user, note=note, at=at).data()
            return bool(rows and rows[0]["created"])

        return self._tx(work, bump=False)

    def ack_alerts(self, alert_ids: Collection[str], user: str, note: str, at: str) -> list[str]:
        ids = sorted(set(alert_ids))
        made: list[str] = []
        for start in range(0, len(ids), ACKS_PER_WRITE):
            part = ids[start:start + ACKS_PER_WRITE]

            def work(tx: neo4j.ManagedTransaction, part: list[str] = part) -> list[str]:
                return [r["alert_id"] for r in tx.run(aq.MERGE_ACKS, ids=part, user=user, note=note, at=at).data()]

            made += self._tx(work, bump=False)
        return sorted(made)

    def unack_alerts(self, alert_ids: Collection[str]) -> list[str]:
        ids = sorted(set(alert_ids))
        gone: list[str] = []
        for start in range(0, len(ids), ACKS_PER_WRITE):
            part = ids[start:start + ACKS_PER_WRITE]

            def work(tx: neo4j.ManagedTransaction, part: list[str] = part) -> list[str]:
                return [r["alert_id"] for r in tx.run(aq.DELETE_ACKS, ids=part).data()]

            gone += self._tx(work, bump=False)
        return sorted(gone)

    def alert_acks(self, alert_ids: Collection[str] | None = None) -> dict[str, AlertAck]:
        rows = (self._read(aq.ALL_ACKS) if alert_ids is None
                else self._read(aq.ACKS_OF, ids=sorted(set(alert_ids))))
        return {r["alert_id"]: AlertAck(r["alert_id"], r["user"], r["note"] or "", r["at"]) for r in rows}
