"""The second hop of an ego network from a store's two reads.

:meth:`queries.store.Store.second_hop` is one call so that a store can
rank from its partner lists when they are current (``Store.prepare_reads``)
and, when they are not, Neo4j can read the first hop's pairs once for both
the ranking and the pairs shown (``queries.cypher.trades.SECOND_HOP``).
The embedded store answers it with the two reads it stands for, here,
while its partner lists are not current (a credit officer's scoped store
ranks from the pairs it weighed and reads the shown ones by key:
``queries.scoped.ScopedStore.second_hop``).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Protocol

from queries.series import PairTrade

__all__ = ["second_hop"]


class _Reads(Protocol):
    def second_hop_ranking(self, first: Collection[str], keep: Collection[str],
                           limit: int) -> list[tuple[str, int]]: ...
    def pairs_between(self, firm_ids: Collection[str], others: Collection[str]) -> list[PairTrade]: ...


def second_hop(store: _Reads, first: Collection[str], keep: Collection[str],
               room: int) -> tuple[list[tuple[str, int]], list[PairTrade]]:
    """The ranking (at most ``room + 1`` firms) and the pairs between
    ``first`` and the firms shown (``keep`` and the first ``room`` ranked).
    The pairs are read from ``first``'s side: every one touches it."""
    ranking = store.second_hop_ranking(first, keep, room + 1)
    shown = set(keep) | {f for f, _ in ranking[:room]}
    return ranking, store.pairs_between(shown, first) if first else []
