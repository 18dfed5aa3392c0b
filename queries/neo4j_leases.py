"""Leases in Neo4j (a part of :class:`queries.neo4j_store.Neo4jStore`;
:mod:`queries.leases`). Values only as parameters."""

from __future__ import annotations

import neo4j

from queries.cypher import leases as lq
from queries.leases import lease_milliseconds
from queries.neo4j_part import Neo4jPart

__all__ = ["Neo4jLeases"]


class Neo4jLeases(Neo4jPart):
    """``take_lease``, ``release_lease`` and ``lease_holder`` of the
    :class:`~queries.store.Store` interface on Neo4j; the store supplies
    reads and write transactions. A take is written to the leader; the
    holder is read from a reader that follows this process's writes."""

    def take_lease(self, name: str, holder: str, seconds: float) -> bool:
        ms = lease_milliseconds(seconds)

        def work(tx: neo4j.ManagedTransaction) -> bool:
            rows = tx.run(lq.TAKE, name=name, holder=holder, ms=ms).data()
            return bool(rows and rows[0]["taken"])

        return self._tx(work, bump=False)  # idempotent: taken again by the same holder on a retry

    def release_lease(self, name: str, holder: str) -> bool:
        def work(tx: neo4j.ManagedTransaction) -> bool:
            rows = tx.run(lq.RELEASE, name=name, holder=holder).data()
            return bool(rows and rows[0]["released"])

        return self._tx(work, bump=False)

    def lease_holder(self, name: str) -> tuple[str, float] | None:
        rows = self._read(lq.CURRENT, name=name)
        return None if not rows else (str(rows[0]["holder"]), max(0.0, int(rows[0]["left_ms"]) / 1000))
