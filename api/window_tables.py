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

A table :func:`read_table` finds is remembered per process while the data
version holds (:data:`_TABLES`): on Neo4j a busy firm's windowed request
read it with three round trips (the entry of 1-2 MB, the trade and data
versions: ~9 ms on the 100k region). That a firm has none is not
remembered: the refresh writes the tables after the load, at the load's
data version, so "none" can turn into a table without the version moving
(asking costs one read, ~1.6 ms on Neo4j, ~5 µs on the embedded store).
"""

from __future__ import annotations

from collections.abc import Iterable

from api.cache import stored_is_current
from graph.window_table import WindowTable
from queries.scoped import ReadStore, memo_key_of, scope_key_of
from queries.store import Store
from queries.version_memo import VersionMemo

__all__ = ["PREFIX", "table_key", "build", "observed_books", "write_tables", "read_table"]

PREFIX = "window-table:"


def table_key(firm_id: str) -> str:
    return PREFIX + firm_id


def build(store: ReadStore, firm_id: str) -> WindowTable:
    """The firm's table from what the store reads now: its pairs, the totals
    of the firm and its partners, and which partners are clients."""
    pairs = store.pairs_of(firm_id)
    partners = {p.buyer if p.seller == firm_id else p.seller for p in pairs} - {firm_id}
    totals = store.firm_totals(partners | {firm_id})
    return WindowTable.build(firm_id, pairs, totals, observed_books(store, partners))


def observed_books(store: ReadStore, partners: Iterable[str]) -> dict[str, bool | None]:
    """Whether each partner's own books are observed (it is a BPO client),
    ``None`` for a partner the reader cannot see: what a trend's groups read
    of the partners (from the pairs, or from a window table)."""
    partners = list(partners)
    firms = store.get_firms(partners)
    return {q: bool(firms[q].is_client) if q in firms else None for q in partners}


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


_TABLES: VersionMemo[tuple[str, str], WindowTable] = VersionMemo(1_000, keep_missing=False)
"""(scope key, firm id) → the firm's current table as that scope read it
(a scope that may not read tables gets none from the data layer, and one
scope's table is never another's). Only the busiest firms have tables
(``TORIHIKI_PRECOMPUTE_FIRMS``, ~1 MB each): ~52 MB for the 50 of the 100k
region at most, per process."""


def read_table(store: ReadStore, firm_id: str) -> WindowTable | None:
    """The firm's table if one is stored, current and readable by this
    reader; else ``None`` (the answer is computed from the pairs).
    Remembered per process, scope and data version (:data:`_TABLES`) for a
    request that read the data version with its token (the API's)."""
    base, version = memo_key_of(store)
    if version is None:  # a raw store (the CLI, the refresh), or a page that read no token
        return _read(store, firm_id)  # as before: asking for the version first would be one read more
    key = (scope_key_of(store), firm_id)
    return _TABLES.get(base, version, [key],
                       lambda keys: {k: t for k in keys if (t := _read(store, k[1])) is not None})[key]


def _read(store: ReadStore, firm_id: str) -> WindowTable | None:
    entry = store.get_analytics(table_key(firm_id))
    if entry is None or not stored_is_current(entry[0], store.trade_version(), store.data_version()):
        return None
    return WindowTable.decode(entry[2])
