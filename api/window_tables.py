"""The window tables of the busiest firms (:class:`graph.window_table.WindowTable`):
made after each load with the answers rendered then, and read by the ego,
the network view and the trend of such a firm over any window.

A table is stored as an analytics entry (``window-table:<firm id>``) with
the data version it was made at, like the rendered answers: both stores
keep it the same way, and it is current while no write but a consent
change came after it (:func:`api.cache.stored_is_current`). It describes
the whole network, so only a reader who may see all of it gets one
(:meth:`queries.scoped.ScopedStore.get_analytics` answers ``None`` to a
credit officer, whose answers are computed with the bank's consents).
"""

from __future__ import annotations

from collections.abc import Iterable

from api.cache import stored_is_current
from graph.window_table import WindowTable
from queries.scoped import ReadStore
from queries.store import Store

__all__ = ["PREFIX", "table_key", "build", "write_tables", "read_table"]

PREFIX = "window-table:"


def table_key(firm_id: str) -> str:
    return PREFIX + firm_id


def build(store: ReadStore, firm_id: str) -> WindowTable:
    """The firm's table from what the store reads now: its pairs, the totals
    of the firm and its partners, and which partners are clients."""
    pairs = store.pairs_of(firm_id)
    partners = {p.buyer if p.seller == firm_id else p.seller for p in pairs} - {firm_id}
    totals = store.firm_totals(partners | {firm_id})
    firms = store.get_firms(partners)
    books = {q: bool(firms[q].is_client) if q in firms else None for q in partners}
    return WindowTable.build(firm_id, pairs, totals, books)


_WRITE_BYTES = 8 << 20
"""Tables written per transaction, by size (a busy firm's is ~1–2 MB; 50 in one
Neo4j transaction would hold ~50 MB of its heap until the commit)."""


def write_tables(store: Store, firm_ids: Iterable[str], version: int, created: str) -> int:
    """Make and store the tables of ``firm_ids`` at data ``version``; bytes written."""
    pending: list[tuple[str, bytes]] = []
    size = written = 0
    for f in firm_ids:
        pending.append((table_key(f), build(store, f).encode()))
        size += len(pending[-1][1])
        if size >= _WRITE_BYTES:
            store.put_analytics_many(pending, version, created)
            written, pending, size = written + size, [], 0
    if pending:
        store.put_analytics_many(pending, version, created)
    return written + size


def read_table(store: ReadStore, firm_id: str) -> WindowTable | None:
    """The firm's table if one is stored, current and readable by this
    reader; else ``None`` (the answer is computed from the pairs)."""
    entry = store.get_analytics(table_key(firm_id))
    if entry is None or not stored_is_current(entry[0], store.trade_version(), store.data_version()):
        return None
    return WindowTable.decode(entry[2])
