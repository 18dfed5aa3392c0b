"""Banks' names in Neo4j (a part of :class:`queries.neo4j_store.Neo4jStore`).
Values only as parameters."""

from __future__ import annotations

import neo4j

from queries.cypher import banks as bq
from queries.neo4j_part import Neo4jPart

__all__ = ["Neo4jBanks"]


class Neo4jBanks(Neo4jPart):
    """``set_bank_name`` and ``bank_names`` of the :class:`~queries.store.Store`
    interface on Neo4j; the store supplies reads and write transactions."""

    def set_bank_name(self, bank: str, name: str | None) -> bool:
        def work(tx: neo4j.ManagedTransaction) -> bool:
            if name is None:
                return bool(tx.run(bq.DELETE_NAME, bank=bank).single(strict=True)["gone"])
            return bool(tx.run(bq.SET_NAME, bank=bank, name=name).single(strict=True)["changed"])

        return self._tx(work, bump=False)

    def bank_names(self) -> dict[str, str]:
        return {r["bank"]: r["name"] for r in self._read(bq.ALL_NAMES)}
