"""The embedded store: SQLite (standard library) under ``TORIHIKI_HOME``.

Durable (WAL journal, synchronous=NORMAL) and safe for the API's thread
pool: each thread gets its own connection; SQLite serialises writers.
"""

from __future__ import annotations

import functools
import json
import logging
import sqlite3
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import orjson
import pandas as pd

from domain.search import SEARCH_KEY_VERSION, id_query, number_query, query_key, search_key
from domain.second_hop import Partners, rank_from_partners, shown_pairs
from queries.cancel import Cancelled, cancelled, check
from queries.embedded_acks import EmbeddedAcks
from queries.embedded_banks import EmbeddedBanks
from queries.embedded_identity import EmbeddedIdentity
from queries.embedded_leases import EmbeddedLeases
from queries.embedded_part import create_schema
from queries.identity import TokenRead
from queries.model import (
    Alias,
    BatchInfo,
    ChunkWrite,
    Firm,
    FirmSpellings,
    LoadWrite,
    MergeRecord,
    ParameterRow,
    PaymentRow,
    RegistryRecord,
    TradeEdge,
    TradeRow,
)
from queries.observations import (
    ledger_sums_of_amounts,
    monthly_rows,
    series_by_observer,
    sum_payments,
    sum_trades,
    unnamed_totals,
    with_own_totals,
)
from queries.private_files import private_dir, private_file
from queries.second_hop import second_hop
from queries.series import (
    FirmTotals,
    PairTrade,
    Series,
    apply_delta,
    expand_edges,
    firm_deltas,
    group_rows,
    merge_pair,
)
from queries.sql import firms as fq
from queries.sql import reference as rq
from queries.sql import search as sq
from queries.sql import trades as tq
from queries.sql.schema import (
    DROP_REPLACED_INDEXES,
    LOAD_DEFERRED_INDEXES,
    MIGRATE_ANALYTICS,
    MIGRATE_BATCHES,
    SCHEMA,
)
from queries.store import BatchLoading, NotFound, StoreError, StoreUnavailable

__all__ = ["EmbeddedStore", "DB_FILENAME"]

DB_FILENAME = "torihiki.sqlite3"
log = logging.getLogger(__name__)
_REFRESH_PAIRS = 20_000  # merged pairs rewritten per transaction when batches finish
_BATCHES_PER_READ = 1_000  # loads whose months one read of batch_months takes (Store.batch_months)
T = TypeVar("T")
C = TypeVar("C", bound=type)

# SQLite errors that mean "the store does not answer" rather than "this call is wrong".
_UNAVAILABLE = ("database is locked", "unable to open", "disk i/o error", "database or disk is full",
                "readonly database", "no such table")


class _InFlight:
    """The calls running on a store, so that :meth:`EmbeddedStore.close`
    waits for them: closing a SQLite connection while another thread runs a
    statement on it crashes the interpreter (a background refresh of the
    alerts still writing when a test, or a server, closed the store). While
    the store closes, new calls wait for it to be closed (they then open
    new connections)."""

    def __init__(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._n = 0
        self._closing = False

    def enter(self) -> None:
        with self._cond:
            self._cond.wait_for(lambda: not self._closing)
            self._n += 1

    def leave(self) -> None:
        with self._cond:
            self._n -= 1
            if self._n == 0:
                self._cond.notify_all()

    @contextmanager
    def closing(self, timeout: float) -> Iterator[bool]:
        """Hold new calls back and wait until none runs (at most ``timeout``
        seconds); yields whether none does."""
        with self._cond:
            self._closing = True
            try:
                idle = self._cond.wait_for(lambda: self._n == 0, timeout)
                yield idle
            finally:
                self._closing = False
                self._cond.notify_all()


def _translate(fn: Callable[..., T]) -> Callable[..., T]:
    """Map ``sqlite3`` errors to the store's own hierarchy, as the interface
    promises, stop before the call when the caller has gone away, and count
    the call as running (``close`` waits for running calls)."""
    counted = fn.__name__ != "close"

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> T:
        check()  # the caller may have gone away since the last call
        running: _InFlight | None = getattr(args[0], "_running", None) if args and counted else None
        if running is not None:
            running.enter()
        try:
            return fn(*args, **kwargs)
        except sqlite3.Error as e:
            text = str(e)
            if isinstance(e, sqlite3.OperationalError) and text == "interrupted" and cancelled():
                raise Cancelled("the client closed the connection; query stopped") from e
            if isinstance(e, sqlite3.OperationalError) and any(u in text.lower() for u in _UNAVAILABLE):
                raise StoreUnavailable(f"embedded store unavailable: {text}") from e
            raise StoreError(f"embedded store error: {text}") from e
        finally:
            if running is not None:
                running.leave()

    return wrapper


BUSY_SECONDS = 30
"""How long a connection waits for another's lock (``sqlite3.connect``'s timeout)."""


def _write_ahead_log(conn: sqlite3.Connection) -> None:
    """Put the store in WAL mode (kept in the file: a no-op once it is).

    Processes opening a fresh store at once (``torihiki serve --workers 2``)
    each switch it, and SQLite does not wait for the lock of that switch: the
    others failed at once with "database is locked". Tried again for as long
    as a connection waits for a lock. (Three processes opening a fresh store
    at once: 13 of 30 stores failed to open before this and
    :func:`~queries.embedded_part.create_schema`, none of 60 after.)"""
    deadline = time.monotonic() + BUSY_SECONDS
    while True:
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as e:
            if "locked" not in str(e) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _translating(cls: C) -> C:
    """Apply :func:`_translate` to every public method of ``cls``."""
    for name, value in list(vars(cls).items()):
        if callable(value) and not name.startswith("_"):
            setattr(cls, name, _translate(value))
    return cls


_translating(EmbeddedIdentity)  # users, consent, audit: the same error mapping
_translating(EmbeddedAcks)  # acknowledgements of alerts: the same error mapping
_translating(EmbeddedBanks)  # banks' names: the same
_translating(EmbeddedLeases)  # leases (one refresh at a time): the same


@_translating
class EmbeddedStore(EmbeddedIdentity, EmbeddedAcks, EmbeddedBanks, EmbeddedLeases):
    """SQLite-backed :class:`~queries.store.Store`.

    ``cache_mib`` is SQLite's page cache per connection (one connection per
    thread): large for a bulk load, small for the API's many threads.
    """

    backend = "embedded"
    finish_uses_written = False  # reading a pair's observations back costs what merging them does

    def __init__(self, home: Path, cache_mib: int = 32) -> None:
        self.home = home
        self.path = home / DB_FILENAME
        self.cache_mib = cache_mib
        try:
            private_dir(home)  # 0700 when made here: confidential ledgers (queries.private_files)
        except OSError as e:
            raise StoreUnavailable(f"cannot create TORIHIKI_HOME {home}: {e}") from e
        try:
            private_file(self.path)  # 0600; SQLite gives its -wal and -shm the database's mode
        except OSError as e:
            raise StoreUnavailable(f"cannot create {self.path}: {e}") from e
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._running = _InFlight()

    # -- connections -----------------------------------------------------
    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            try:
                conn = sqlite3.connect(self.path, timeout=BUSY_SECONDS, check_same_thread=False)
            except sqlite3.Error as e:
                raise StoreUnavailable(f"cannot open {self.path}: {e}") from e
            _write_ahead_log(conn)
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute(f"PRAGMA cache_size=-{int(self.cache_mib) * 1024}")
            # Checkpoint the WAL every ~64 MiB rather than every 4 MiB: each
            # checkpoint syncs the database file, the costly part of a commit.
            conn.execute("PRAGMA wal_autocheckpoint=16384")
            conn.execute("PRAGMA temp_store=MEMORY")
            # Every ~10k virtual-machine steps: stop if the caller has gone away.
            conn.set_progress_handler(cancelled, 10_000)
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        return conn

    @contextmanager
    def _tx(self, bump: bool = True, trades: bool = True) -> Iterator[sqlite3.Connection]:
        """One write transaction: committed whole or rolled back whole; it
        bumps the data version unless ``bump`` is false, and the trade
        version with it unless ``trades`` is false (a consent change:
        :meth:`~queries.store.Store.trade_version`)."""
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
            if bump:
                if not trades:  # a store written before there was one: it was its data version
                    conn.execute(tq.KEEP_TRADE_VERSION)
                conn.execute(tq.BUMP_VERSION)
                if trades:
                    conn.execute(tq.MARK_TRADE_VERSION)
        except BaseException:
            conn.rollback()
            raise
        else:
            conn.commit()

    def reopener(self) -> Callable[[], EmbeddedStore]:
        """How to open this store again in another process (a bulk load's
        writer process: :mod:`ingest.load`): a picklable callable."""
        return functools.partial(EmbeddedStore, self.home, self.cache_mib)

    def close(self) -> None:
        """Close every thread's connection, once no call runs on any of them
        (a later call opens a new one). A call still running after a minute
        is a bug elsewhere; the store is closed then anyway."""
        with self._running.closing(60.0) as idle:
            if not idle:
                log.warning("closing the embedded store while a call still runs on it")
            with self._lock:
                for conn in self._all:
                    conn.close()
                self._all.clear()
            self._local = threading.local()

    # -- lifecycle -------------------------------------------------------
    def ensure_schema(self) -> None:
        c = self._conn()
        create_schema(c, SCHEMA)
        create_schema(c, DROP_REPLACED_INDEXES)
        row = c.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'batches'").fetchone()
        if row and "UNIQUE" in row[0].upper():  # a store of an earlier version (sha256 UNIQUE)
            c.executescript(f"BEGIN IMMEDIATE; {MIGRATE_BATCHES} COMMIT;")
        row = c.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'analytics'").fetchone()
        if row and "WITHOUT ROWID" in row[0].upper():  # a store of an earlier version (payloads in the key's b-tree)
            c.executescript(f"BEGIN IMMEDIATE; {MIGRATE_ANALYTICS} COMMIT;")
        self._ensure_identity(c)
        self._ensure_acks(c)
        self._ensure_banks(c)
        self._ensure_leases(c)
        self._ensure_search(self._conn())

    def defer_load_indexes(self, files: int) -> bool:
        # A load writes its rows in file order, and these indexes take them
        # at random places: on the 100k region the writer was busy 0.84× as
        # long without them, and building them once at the end (sorted,
        # page by page) took 4.2 s (docs/data-model.md, "Indexes built once
        # after a large load").
        # Built again whole, over what was stored before too: worth it only
        # when the load brings at least twice the files the store holds (a
        # first load, a region added to a small store). A delivery loaded
        # again (its files are duplicates) keeps them.
        with self._tx(bump=False) as c:
            if 2 * c.execute(tq.COUNT_BATCHES).fetchone()[0] > files:
                return False
            for name in LOAD_DEFERRED_INDEXES:  # names of the schema's own list, not input
                c.execute(f"DROP INDEX IF EXISTS {name}")
        return True

    def restore_load_indexes(self) -> None:
        with self._tx(bump=False) as c:
            _create_load_indexes(c)

    def ping(self) -> bool:
        try:
            return self._conn().execute("SELECT 1").fetchone() == (1,)
        except (sqlite3.Error, StoreUnavailable):
            return False

    def unreachable(self) -> str | None:
        try:
            self._conn().execute("SELECT 1").fetchone()
        except (sqlite3.Error, StoreUnavailable) as e:
            return str(e)
        return None

    def counts(self) -> dict[str, int]:
        return _counts(self._conn())

    # -- firms -----------------------------------------------------------
    def upsert_firms(self, firms: Sequence[Firm], batch_id: str | None = None) -> None:
        with self._tx() as c:
            c.executemany(fq.UPSERT_FIRM, [_firm_row(f, batch_id) for f in firms])
            named = [(f.id, f.name) for f in firms if f.name]
            c.executemany(sq.ADD_SPELLING, named)
            c.executemany(sq.ADD_FIRM_KEY, _keys(named))

    def end_clients(self, firm_ids: Collection[str]) -> list[str]:
        ids = _json(sorted(set(firm_ids)))
        if not self._conn().execute(fq.ANY_CLIENT_OF, (ids,)).fetchone():
            return []  # nothing to end: no write, no new data version
        with self._tx() as c:
            return sorted(str(r[0]) for r in c.execute(fq.END_CLIENTS, (ids,)).fetchall())

    def get_firm(self, firm_id: str) -> Firm | None:
        row = self._conn().execute(fq.GET_FIRM, (firm_id,)).fetchone()
        return _firm(row) if row else None

    def get_firms(self, firm_ids: Collection[str]) -> dict[str, Firm]:
        ids = json.dumps(list(firm_ids))
        rows = self._conn().execute(fq.GET_FIRMS, (ids,))
        return {r[0]: _firm(r) for r in rows}

    def search_firms(self, q: str, limit: int, offset: int) -> tuple[list[Firm], int]:
        c = self._conn()
        args = {"key": query_key(q), "q": id_query(q), "cn": number_query(q)}
        rows = c.execute(sq.SEARCH, {**args, "limit": limit, "offset": offset}).fetchall()
        total = c.execute(sq.COUNT_SEARCH, args).fetchone()[0]
        return [_firm(r) for r in rows], int(total)

    def firm_by_corporate_number(self, corporate_number: str) -> Firm | None:
        row = self._conn().execute(fq.FIRM_BY_CORPORATE_NUMBER, (corporate_number,)).fetchone()
        return _firm(row) if row else None

    def firms_by_corporate_numbers(self, numbers: Collection[str]) -> dict[str, Firm]:
        rows = self._conn().execute(fq.FIRMS_BY_CORPORATE_NUMBERS, (_json(sorted(set(numbers))),))
        return {str(f.corporate_number): f for f in map(_firm, rows)}

    def firm_spellings(self, firm_ids: Collection[str]) -> dict[str, FirmSpellings]:
        c = self._conn()
        ids = _json(sorted(set(firm_ids)))
        seen: dict[str, dict[str, int]] = defaultdict(dict)
        master: dict[str, list[str]] = defaultdict(list)
        for fid, name, n in c.execute(sq.ALIAS_SPELLINGS, (ids,)):
            seen[fid][name] = int(n)
        for fid, name in c.execute(sq.MASTER_SPELLINGS, (ids,)):
            seen[fid][name] = seen[fid].get(name, 0) + 1
            master[fid].append(name)
        return {fid: FirmSpellings(fid, name, reg, tuple(sorted(seen.get(fid, {}).items())),
                                   tuple(sorted(master.get(fid, ()))))
                for fid, name, reg in c.execute(sq.FIRMS_WITH_REGISTRY, (ids,))}

    def set_firm_names(self, names: Mapping[str, str]) -> None:
        with self._tx() as c:
            c.executemany(sq.SET_NAME, [(name, fid) for fid, name in names.items()])
            c.executemany(sq.ADD_FIRM_KEY, _keys(names.items()))

    def _ensure_search(self, c: sqlite3.Connection) -> None:
        """Create the search tables; (re)build every search key once when
        they were made by another version of :func:`domain.search.search_key`
        (or by none: a store of a version without them)."""
        create_schema(c, sq.SEARCH_SCHEMA)
        if (c.execute(sq.KEYS_VERSION).fetchone() or (None,))[0] == SEARCH_KEY_VERSION:
            return
        with self._tx(bump=False) as tx:
            version = (tx.execute(sq.KEYS_VERSION).fetchone() or (None,))[0]
            if version == SEARCH_KEY_VERSION:
                return  # another process rebuilt them meanwhile
            if version is None:  # a store of the version before: keep the firm master's names
                tx.execute(sq.SEED_SPELLINGS)
            tx.execute(sq.CLEAR_FIRM_KEYS)
            tx.execute(sq.CLEAR_REGISTRY_KEYS)
            for query in (sq.ALL_ALIAS_NAMES, sq.ALL_FIRM_NAMES, sq.ALL_SPELLINGS):
                tx.executemany(sq.ADD_FIRM_KEY, _keys(tx.execute(query).fetchall()))
            tx.executemany(sq.ADD_REGISTRY_KEY, _registry_keys(tx.execute(sq.ALL_REGISTRY_NAMES).fetchall()))
            tx.execute(sq.SET_KEYS_VERSION, (SEARCH_KEY_VERSION,))

    def _rebuild_firm_keys(self, c: sqlite3.Connection, firm_id: str) -> None:
        """Rewrite one firm's search keys from the names it is known by
        (after one of its spellings moved to another firm)."""
        c.execute(sq.DELETE_FIRM_KEYS, (firm_id,))
        names = [(firm_id, n) for (n,) in c.execute(sq.NAMES_OF_FIRM, {"id": firm_id})]
        c.executemany(sq.ADD_FIRM_KEY, _keys(names))

    # -- batches ---------------------------------------------------------
    def get_batch(self, batch_id: str) -> BatchInfo | None:
        row = self._conn().execute(tq.GET_BATCH, (batch_id,)).fetchone()
        return BatchInfo(*row) if row else None

    def batches_by_sha256(self, sha256s: Collection[str]) -> dict[str, list[BatchInfo]]:
        out: dict[str, list[BatchInfo]] = {}
        for r in self._conn().execute(tq.BATCHES_BY_SHA256, (_json(sorted(set(sha256s))),)):
            b = BatchInfo(*r)
            out.setdefault(b.sha256, []).append(b)
        return out

    def begin_batch(self, info: BatchInfo) -> None:
        with self._tx() as c:
            c.execute(
                tq.INSERT_BATCH,
                (info.id, info.sha256, info.file, info.client_id, info.format, info.started_at),
            )

    def chunks_done(self, batch_id: str) -> set[int]:
        return {r[0] for r in self._conn().execute(tq.CHUNKS_DONE, (batch_id,))}

    def write_chunk(
        self, batch_id: str, chunk: int, trades: Sequence[TradeRow], payments: Sequence[PaymentRow]
    ) -> None:
        observations = list(group_rows(trades).items())
        self.write_load(LoadWrite(chunks=[ChunkWrite(
            batch_id, chunk, observations, list(group_rows(payments).items()))]))
        with self._tx() as c:
            self._refresh_pairs(c, {(s, b) for (s, b, _, _), _ in observations})

    def write_load(self, load: LoadWrite) -> None:
        with self._tx() as c:
            c.executemany(tq.INSERT_BATCH, [
                (b.id, b.sha256, b.file, b.client_id, b.format, b.started_at) for b in load.begun])
            c.executemany(fq.UPSERT_FIRM, [_firm_row(f, batch) for f, batch in load.firms])
            c.executemany(rq.UPSERT_ALIAS, [_alias_row(a) for a in load.aliases])
            c.executemany(rq.INSERT_MERGE, [_merge_row(m) for m in load.merges])
            c.executemany(rq.UPSERT_BANK_ACCOUNT, list(load.bank_accounts))
            c.executemany(sq.ADD_FIRM_KEY, _keys([(a.firm_id, a.raw_name) for a in load.aliases]
                                                 + [(f.id, f.name) for f, _ in load.firms]))
            done = {(b, n) for b, n in c.execute(tq.CHUNKS_OF_BATCHES, (
                _json(sorted({ch.batch_id for ch in load.chunks})),))} if load.chunks else set()
            chunks = [ch for ch in load.chunks if (ch.batch_id, ch.chunk) not in done]
            for ch in chunks:
                c.executemany(tq.UPSERT_TRADE_OBS, [
                    (ch.batch_id, s, b, o, k, *_encode_series(v)) for (s, b, o, k), v in ch.trades])
                c.executemany(tq.UPSERT_PAY_OBS, [
                    (ch.batch_id, p, q, o, k, *_encode_series(v)) for (p, q, o, k), v in ch.payments])
                c.executemany(tq.INSERT_OWN_OBS, [
                    (ch.batch_id, client, kind, *_encode_series(v)) for (client, kind), v in ch.own])
            c.executemany(tq.MARK_CHUNK, [(ch.batch_id, ch.chunk) for ch in chunks])

    def finish_batches(self, batches: Sequence[BatchInfo], pairs: Collection[tuple[str, str]],
                       written: Mapping[tuple[str, str], Sequence[tuple[str, Series]]] | None = None) -> None:
        # ``written`` is not needed here: reading a pair's observations back
        # from SQLite costs about what merging them costs.
        if not batches and not pairs:  # files already loaded: no write, so the data version stays
            return
        ordered = sorted(set(pairs))
        slices = [ordered[i:i + _REFRESH_PAIRS] for i in range(0, len(ordered), _REFRESH_PAIRS)] or [[]]
        for n, part in enumerate(slices):
            with self._tx() as c:
                self._refresh_pairs(c, part)
                if n == len(slices) - 1:
                    c.executemany(tq.FINISH_BATCH, [_finish_row(b) for b in batches])

    def finish_batch(self, info: BatchInfo) -> None:
        with self._tx() as c:
            c.execute(tq.FINISH_BATCH, _finish_row(info))

    def list_batches(self, client_id: str | None = None) -> list[BatchInfo]:
        if client_id is not None:
            return [BatchInfo(*r) for r in self._conn().execute(tq.LIST_BATCHES_OF, (client_id,))]
        return [BatchInfo(*r) for r in self._conn().execute(tq.LIST_BATCHES)]

    def rollback_batch(self, batch_id: str, interrupted: bool = False) -> dict[str, int]:
        with self._tx() as c:
            row = c.execute(tq.GET_BATCH, (batch_id,)).fetchone()
            if row is None:
                raise NotFound(f"no batch {batch_id!r}")
            if BatchInfo(*row).status == "loading" and not interrupted:
                raise BatchLoading(f"batch {batch_id!r} is still loading, or its load was interrupted")
            pairs = {(s, b) for s, b in c.execute(tq.BATCH_TRADE_PAIRS, (batch_id,))}
            trades = c.execute(tq.DELETE_BATCH_TRADES, (batch_id,)).rowcount
            payments = c.execute(tq.DELETE_BATCH_PAYMENTS, (batch_id,)).rowcount
            own = c.execute(tq.DELETE_BATCH_OWN, (batch_id,)).rowcount
            self._refresh_pairs(c, pairs)
            firms = c.execute(tq.DELETE_ORPHAN_FIRMS, (batch_id,)).rowcount
            c.execute(tq.DELETE_BATCH_CHUNKS, (batch_id,))
            c.execute(tq.DELETE_BATCH, (batch_id,))
        return {"trades": trades, "payments": payments, "unnamed": own, "firms": firms, "batches": 1}

    # -- derived: pairs and firm totals ---------------------------------
    def _refresh_pairs(self, c: sqlite3.Connection, pairs: Iterable[tuple[str, str]]) -> None:
        """Rewrite the merged rows of ``pairs`` from their observations and
        add each pair's change to both firms' monthly totals (same transaction)."""
        keys = sorted(pairs)
        if not keys:
            return
        old = {(p.seller, p.buyer): p for p in map(_pair, c.execute(tq.PAIRS_BY_KEYS, (_json(keys),)))}
        obs: dict[tuple[str, str], list[tuple[str, Series]]] = defaultdict(list)
        for s, b, o, m, a, n in c.execute(tq.OBS_OF_PAIRS, (_json(keys),)):
            obs[(s, b)].append((o, _decode_series(m, a, n)))
        changes: list[tuple[PairTrade | None, PairTrade | None]] = []
        for key in keys:
            before = old.get(key)
            after = merge_pair(key[0], key[1], obs[key])
            if after != before:
                changes.append((before, after))
        c.executemany(tq.UPSERT_PAIR, [(n.seller, n.buyer, *_encode_pair(n), n.amount)
                                       for _, n in changes if n is not None])
        c.executemany(tq.DELETE_PAIR, [(o.seller, o.buyer) for o, n in changes if n is None and o is not None])
        sales, purchases = firm_deltas(changes)
        touched = sorted(set(sales) | set(purchases))
        if not touched:
            return
        current = {r[0]: _totals(r) for r in c.execute(tq.FIRM_TOTALS, (_json(touched),))}
        upserts, deletes = [], []
        for firm in touched:
            t = apply_delta(current.get(firm, FirmTotals(firm)), sales.get(firm, {}),
                            purchases.get(firm, {}))
            if t.months:
                upserts.append((firm, _json(t.months), _json(t.sales), _json(t.purchases)))
            else:
                deletes.append((firm,))
        c.executemany(tq.UPSERT_FIRM_TOTALS, upserts)
        c.executemany(tq.DELETE_FIRM_TOTALS, deletes)

    def data_version(self) -> int:
        row = self._conn().execute(tq.DATA_VERSION).fetchone()
        return int(row[0]) if row else 0

    def trade_version(self) -> int:
        row = self._conn().execute(tq.TRADE_VERSION).fetchone()
        return int(row[0]) if row and row[0] is not None else 0

    # -- trade -----------------------------------------------------------
    def pairs_of(self, firm_id: str) -> list[PairTrade]:
        c = self._conn()
        rows = [*c.execute(tq.PAIRS_AS_SELLER, (firm_id,)), *c.execute(tq.PAIRS_AS_BUYER, (firm_id,))]
        return sorted((_pair(r) for r in rows), key=_pair_key)

    def pairs_among(self, firm_ids: Collection[str]) -> list[PairTrade]:
        rows = self._conn().execute(tq.PAIRS_AMONG, (_json(sorted(set(firm_ids))),))
        return sorted((_pair(r) for r in rows), key=_pair_key)

    def pairs_by_keys(self, keys: Collection[tuple[str, str]]) -> list[PairTrade]:
        rows = self._conn().execute(tq.PAIRS_BY_KEYS, (_json(sorted(set(keys))),))
        return sorted((_pair(r) for r in rows), key=_pair_key)

    def pairs_between(self, firm_ids: Collection[str], others: Collection[str]) -> list[PairTrade]:
        rows = self._conn().execute(tq.PAIRS_BETWEEN, (_json(sorted(set(firm_ids))), _json(sorted(set(others)))))
        found = {(r[0], r[1]): r for r in rows}  # a pair with both ends in both sets comes twice
        return sorted((_pair(r) for r in found.values()), key=_pair_key)

    def pairs_with_bank(self, firm_ids: Collection[str], bank: str) -> list[PairTrade]:
        if not bank:  # '' would match a revoked consent's empty list
            return []
        rows = self._conn().execute(tq.PAIRS_WITH_BANK, (_json(sorted(set(firm_ids))), bank))
        return sorted((_pair(r) for r in rows), key=_pair_key)

    def second_hop_ranking(self, first: Collection[str], keep: Collection[str],
                           limit: int) -> list[tuple[str, int]]:
        if limit <= 0 or not first:
            return []
        rows = self._conn().execute(tq.SECOND_HOP_RANKING,
                                    (_json(sorted(set(first))), _json(sorted(set(keep))), limit))
        return [(str(f), int(w)) for f, w in rows]

    def second_hop(self, first: Collection[str], keep: Collection[str],
                   room: int) -> tuple[list[tuple[str, int]], list[PairTrade]]:
        # From the first hop's partner lists when they are current
        # (prepare_reads): one row per firm and side instead of a row per
        # pair (a hub partner's thousands), then the shown pairs by key.
        # Else two queries: the first hop's pairs grouped in SQLite, then the
        # shown pairs (shipping every pair to rank in Python was slower).
        partners = self.partner_lists(first)
        if partners is None:
            return second_hop(self, first, keep, room)
        ranking, shown = rank_from_partners(partners, keep, room)
        return ranking, self.pairs_by_keys(shown_pairs(partners, shown))

    def partner_lists(self, firm_ids: Collection[str]) -> list[Partners] | None:
        c = self._conn()
        if c.execute(tq.PARTNERS_CURRENT).fetchone()[0] != 1:
            return None
        return [(f, bool(sells), orjson.loads(others), orjson.loads(yen))
                for f, sells, others, yen in c.execute(tq.FIRM_PARTNERS_OF, (_json(sorted(set(firm_ids))),))]

    def listed_pairs(self, lists: Sequence[Partners],
                     at: Mapping[tuple[str, str], tuple[int, int]]) -> list[PairTrade]:
        return self.pairs_by_keys(at.keys())  # by key: the primary key of trade_pairs

    def prepare_reads(self) -> None:
        with self._tx(bump=False) as c:  # the data version cannot move while the lists are built
            # The lists are read off the merged pairs' indexes, which a large
            # load running meanwhile may have dropped (defer_load_indexes).
            _create_load_indexes(c)
            for statement in tq.BUILD_FIRM_PARTNERS:
                c.execute(statement)

    def put_ledger_totals(self, totals: Mapping[str, FirmTotals], version: int) -> None:
        rows = [(firm, _json(list(t.months)), _json(list(t.sales)), _json(list(t.purchases)))
                for firm, t in sorted(totals.items())]
        with self._tx(bump=False) as c:
            c.execute(tq.DELETE_LEDGER_TOTALS)
            c.executemany(tq.INSERT_LEDGER_TOTALS, rows)
            c.execute(tq.SET_LEDGER_TOTALS_VERSION, (version,))

    def ledger_totals(self, client_ids: Collection[str]) -> dict[str, FirmTotals] | None:
        c = self._conn()
        if c.execute(tq.LEDGER_TOTALS_CURRENT).fetchone()[0] != 1:
            return None
        return {r[0]: _totals(r) for r in c.execute(tq.LEDGER_TOTALS_OF, (_json(sorted(set(client_ids))),))}

    def pair_amounts(self, firm_ids: Collection[str]) -> list[tuple[str, str, int]]:
        rows = self._conn().execute(tq.PAIR_AMOUNTS, (_json(sorted(set(firm_ids))),)).fetchall()
        rows.sort()
        return rows

    def pairs_around(self, firm_ids: Collection[str]) -> list[PairTrade]:
        rows = self._conn().execute(tq.PAIRS_AROUND, (_json(sorted(set(firm_ids))),))
        return sorted((_pair(r) for r in rows), key=_pair_key)

    def firm_totals(self, firm_ids: Collection[str]) -> dict[str, FirmTotals]:
        c = self._conn()
        ids = _json(sorted(set(firm_ids)))
        totals = {r[0]: _totals(r) for r in c.execute(tq.FIRM_TOTALS, (ids,))}
        own = [(client, kind, _decode_series(m, a, n))
               for client, kind, m, a, n in c.execute(tq.OWN_UNNAMED_OF, (ids,))]
        return with_own_totals(totals, own) if own else totals

    def trade_edges(
        self, firm_ids: Collection[str], month_from: str | None, month_to: str | None
    ) -> list[TradeEdge]:
        return list(expand_edges(self.pairs_around(firm_ids), month_from, month_to))

    def payments(
        self, firm_ids: Collection[str], month_from: str | None, month_to: str | None
    ) -> list[PaymentRow]:
        ids = _json(sorted(set(firm_ids)))
        rows = self._conn().execute(tq.PAYMENTS_OF, (ids, ids, ids))
        return sum_payments(_observations(rows), month_from, month_to)

    def two_sided(self, month_from: str | None, month_to: str | None) -> list[TradeRow]:
        return sum_trades(_observations(self._conn().execute(tq.TWO_SIDED)), month_from, month_to)

    def ledger_sums(self, client_id: str) -> dict[str, dict[str, int]]:
        # Months and yen only, decoded as read, not whole observations: what the refresh
        # reads for every client (the 100k region's 10,000: 12.5 -> 9.2 s, alternated runs).
        c, key = self._conn(), (client_id,)
        loads = orjson.loads
        return ledger_sums_of_amounts(
            client_id,
            ((s, b, loads(m), loads(a)) for s, b, m, a in c.execute(tq.OWN_TRADE_AMOUNTS, key)),
            ((s, b, loads(m), loads(a)) for s, b, m, a in c.execute(tq.OWN_PAYMENT_AMOUNTS, key)),
            [(kind, loads(m), loads(a)) for kind, m, a in c.execute(tq.OWN_UNNAMED_AMOUNTS, key)])

    def ledger_sums_of(self, client_ids: Collection[str]) -> dict[str, dict[str, dict[str, int]]]:
        # One indexed read per client is what a batch would do here (no round trips to save).
        return {c: self.ledger_sums(c) for c in sorted(set(client_ids))}

    def own_ledger(self, client_id: str) -> tuple[list[TradeRow], list[PaymentRow]]:
        c = self._conn()
        trades = sum_trades(_observations(c.execute(tq.OWN_TRADES, (client_id,))), None, None)
        payments = sum_payments(_observations(c.execute(tq.OWN_PAYMENTS, (client_id,))), None, None)
        return (sorted(trades, key=lambda r: (r.month, r.seller, r.buyer)),
                sorted(payments, key=lambda p: (p.month, p.payer, p.payee)))

    def client_batch_months(self, client_id: str) -> dict[str, set[str]]:
        out: dict[str, set[str]] = {}
        for batch, months in self._conn().execute(tq.CLIENT_BATCH_MONTHS, (client_id,)):
            out.setdefault(str(batch), set()).update(json.loads(months))
        return out

    def _by_load(self, sql: str, batch_ids: Collection[str]) -> Iterator[Any]:
        """The rows of ``sql`` (its ``?1``: a JSON list of load ids) for
        ``batch_ids``, :data:`_BATCHES_PER_READ` loads a read."""
        ids = sorted(set(batch_ids))
        for start in range(0, len(ids), _BATCHES_PER_READ):
            yield from self._conn().execute(sql, (_json(ids[start:start + _BATCHES_PER_READ]),))

    def batch_months(self, batch_ids: Collection[str]) -> dict[str, set[str]]:
        out: dict[str, set[str]] = {}
        for batch, months in self._by_load(tq.BATCH_MONTHS, batch_ids):
            out.setdefault(str(batch), set()).update(json.loads(months))
        return out

    def batch_client_months(self, batch_ids: Collection[str]) -> dict[str, dict[str, set[str]]]:
        out: dict[str, dict[str, set[str]]] = {}
        for batch, client, months in self._by_load(tq.BATCH_CLIENT_MONTHS, batch_ids):
            out.setdefault(str(batch), {}).setdefault(str(client), set()).update(json.loads(months))
        return out

    def settlement_months(self, batch_ids: Collection[str]) -> dict[str, dict[str, set[str]]]:
        out: dict[str, dict[str, set[str]]] = {}
        for batch, kind, months in self._by_load(tq.SETTLEMENT_MONTHS, batch_ids):
            out.setdefault(str(batch), {}).setdefault(str(kind), set()).update(json.loads(months))
        return out

    def pair_observations(self, keys: Collection[tuple[str, str]]) -> list[TradeRow]:
        wanted = sorted(set(keys))
        if not wanted:
            return []
        return sum_trades(_observations(self._conn().execute(tq.OBS_OF_PAIRS, (_json(wanted),))), None, None)

    def observed_yen(self, keys: Collection[tuple[str, str, str]]) -> dict[tuple[str, str, str], int]:
        wanted = sorted(set(keys))
        if not wanted:
            return {}
        return {(s, b, o): int(yen) for s, b, o, yen in self._conn().execute(tq.OBSERVED_YEN, (_json(wanted),))}

    def observed_series(self, keys: Collection[tuple[str, str, str]]) -> dict[tuple[str, str, str], Series]:
        wanted = sorted(set(keys))
        if not wanted:
            return {}
        return series_by_observer(_observations(self._conn().execute(tq.OBSERVED_SERIES, (_json(wanted),))))

    def unnamed_totals(self, client_ids: Collection[str]) -> dict[str, dict[str, dict[str, int]]]:
        ids = sorted(set(client_ids))
        own = [(client, kind, _decode_series(m, a, n))
               for client, kind, m, a, n in self._conn().execute(tq.OWN_UNNAMED_OF, (_json(ids),))]
        return unnamed_totals(ids, own)

    # -- reference data --------------------------------------------------
    def upsert_registry(self, records: Sequence[RegistryRecord]) -> None:
        with self._tx() as c:
            c.executemany(rq.UPSERT_REGISTRY, [
                (r.corporate_number, r.name, r.kind_code, r.prefecture, r.city, r.furigana) for r in records])
            c.executemany(sq.DELETE_REGISTRY_KEYS, [(r.corporate_number,) for r in records])
            c.executemany(sq.ADD_REGISTRY_KEY, _registry_keys(
                [(r.corporate_number, r.name, r.furigana) for r in records]))

    def registry_records(self) -> list[RegistryRecord]:
        return [RegistryRecord(*r) for r in self._conn().execute(rq.ALL_REGISTRY)]

    def registry_get(self, corporate_number: str) -> RegistryRecord | None:
        row = self._conn().execute(rq.GET_REGISTRY, (corporate_number,)).fetchone()
        return RegistryRecord(*row) if row else None

    def registry_get_many(self, corporate_numbers: Collection[str]) -> dict[str, RegistryRecord]:
        rows = self._conn().execute(rq.GET_REGISTRIES, (_json(sorted(set(corporate_numbers))),))
        return {r[0]: RegistryRecord(*r) for r in rows}

    def upsert_parameters(self, rows: Sequence[ParameterRow]) -> None:
        with self._tx() as c:
            for r in rows:
                c.execute(rq.DELETE_PARAMETERS, (r.firm_id, r.period))
                c.executemany(rq.UPSERT_PARAMETER, [(r.firm_id, r.period, k, v) for k, v in r.values])

    def parameters(self) -> list[ParameterRow]:
        return _parameter_rows(self._conn().execute(rq.ALL_PARAMETERS))

    def parameters_of(self, firm_ids: Collection[str]) -> list[ParameterRow]:
        return _parameter_rows(self._conn().execute(rq.PARAMETERS_OF, (_json(sorted(set(firm_ids))),)))

    def firm_names(self) -> list[tuple[str, str | None, str | None]]:
        return [(r[0], r[1], r[2]) for r in self._conn().execute(rq.FIRM_NAMES)]

    def alias_spellings(self) -> list[tuple[str, str]]:
        return [(r[0], r[1]) for r in self._conn().execute(rq.ALIAS_SPELLINGS)]

    # -- entity resolution -----------------------------------------------
    def aliases(self, client_id: str) -> dict[str, Alias]:
        return {r[1]: Alias(*r) for r in self._conn().execute(rq.ALIASES_OF_CLIENT, (client_id,))}

    def aliases_for(self, client_ids: Collection[str]) -> dict[str, dict[str, Alias]]:
        out: dict[str, dict[str, Alias]] = {c: {} for c in client_ids}
        for r in self._conn().execute(rq.ALIASES_OF_CLIENTS, (_json(sorted(out)),)):
            out[r[0]][r[1]] = Alias(*r)
        return out

    def spellings(self, pairs: Collection[tuple[str, str]]) -> dict[tuple[str, str], list[str]]:
        out: dict[tuple[str, str], list[str]] = defaultdict(list)
        for client, firm, raw in self._conn().execute(rq.SPELLINGS, (_json([list(p) for p in sorted(set(pairs))]),)):
            out[(client, firm)].append(raw)
        return {k: sorted(v) for k, v in out.items()}

    def search_names(self, firm_ids: Collection[str]) -> dict[str, list[tuple[str | None, str]]]:
        out: dict[str, list[tuple[str | None, str]]] = defaultdict(list)
        for fid, client, name in self._conn().execute(sq.SEARCH_NAMES, (_json(sorted(set(firm_ids))),)):
            out[fid].append((client, name))
        return dict(out)

    def aliases_by_status(self, status: str) -> list[Alias]:
        return [Alias(*r) for r in self._conn().execute(rq.ALIASES_BY_STATUS, (status,))]

    def aliases_of_firm(self, firm_id: str, status: str | None = None) -> list[Alias]:
        return [Alias(*r) for r in self._conn().execute(rq.ALIASES_OF_FIRM, (firm_id, status, status))]

    def upsert_aliases(self, aliases: Sequence[Alias], merges: Sequence[MergeRecord] = ()) -> None:
        with self._tx() as c:
            c.executemany(rq.UPSERT_ALIAS, [_alias_row(a) for a in aliases])
            c.executemany(rq.INSERT_MERGE, [_merge_row(m) for m in merges])
            c.executemany(sq.ADD_FIRM_KEY, _keys([(a.firm_id, a.raw_name) for a in aliases]))

    def list_merges(self) -> list[MergeRecord]:
        return [MergeRecord(*r) for r in self._conn().execute(rq.LIST_MERGES)]

    def get_merge(self, merge_id: str) -> MergeRecord | None:
        row = self._conn().execute(rq.GET_MERGE, (merge_id,)).fetchone()
        return MergeRecord(*row) if row else None

    def reassign_alias(
        self, alias: Alias, merge: MergeRecord | None = None, undo: MergeRecord | None = None
    ) -> None:
        with self._tx() as c:
            row = c.execute(rq.GET_ALIAS, (alias.client_id, alias.key)).fetchone()
            if row is None:
                raise NotFound(f"no spelling {alias.key!r} of client {alias.client_id!r}")
            old = str(row[3])
            new = alias.firm_id
            if old != new:
                c.execute(rq.ENSURE_FIRM, (new, alias.raw_name))
                pairs = {(s, b) for s, b in c.execute(
                    tq.ALIAS_TRADE_PAIRS, (alias.key, alias.client_id, old, old))}
                args = (new, alias.key, alias.client_id, old)
                for q in (tq.MOVE_TRADES_SELLER, tq.MOVE_TRADES_BUYER,
                          tq.MOVE_PAYMENTS_PAYER, tq.MOVE_PAYMENTS_PAYEE):
                    c.execute(q, args)
                moved = {(new if s == old else s, new if b == old else b) for s, b in pairs}
                self._refresh_pairs(c, pairs | moved)
            c.execute(rq.UPSERT_ALIAS, _alias_row(alias))
            c.executemany(sq.ADD_FIRM_KEY, _keys([(alias.firm_id, alias.raw_name)]))
            if merge is not None:
                c.execute(rq.INSERT_MERGE, _merge_row(merge))
            if undo is not None:
                c.execute(rq.UNDO_MERGE, (undo.undone_at, undo.id))
            if old != new:
                c.execute(rq.DELETE_FIRM_IF_ORPHAN, (old,))
                self._rebuild_firm_keys(c, old)

    def bank_account_firm(self, account: str) -> str | None:
        row = self._conn().execute(rq.GET_BANK_ACCOUNT, (account,)).fetchone()
        return str(row[0]) if row else None

    def bank_account_firms(self, accounts: Collection[str]) -> dict[str, str]:
        rows = self._conn().execute(rq.GET_BANK_ACCOUNTS, (_json(sorted(set(accounts))),))
        return {str(a): str(f) for a, f in rows}

    # -- whole network ---------------------------------------------------
    def put_analytics(self, name: str, payload: bytes, data_version: int, created_at: str) -> None:
        self.put_analytics_many([(name, payload)], data_version, created_at)

    def put_analytics_many(self, entries: Sequence[tuple[str, bytes]], data_version: int,
                           created_at: str) -> None:
        with self._tx(bump=False) as c:
            c.executemany(tq.PUT_ANALYTICS, [(n, data_version, created_at, p) for n, p in entries])

    def get_analytics(self, name: str) -> tuple[int, str, bytes] | None:
        row = self._conn().execute(tq.GET_ANALYTICS, (name,)).fetchone()
        return (int(row[0]), str(row[1]), bytes(row[2])) if row else None

    def token_read(self, token_id: str, entry_name: str | None = None,
                   bank_entry: tuple[str, str] | None = None) -> TokenRead:
        # Reads of microseconds each here (a round trip each only on Neo4j).
        user = self.user_by_token(token_id)
        bank = user.bank if user is not None and user.bank else None
        bank_name = None if bank is None or bank_entry is None else f"{bank_entry[0]}{bank}{bank_entry[1]}"
        return TokenRead(user, self.data_version(), self.trade_version(), entry_name,
                         None if entry_name is None else self.get_analytics(entry_name), bank_name,
                         None if bank_name is None else self.get_analytics(bank_name),
                         0 if bank is None else self.consent_version(bank))

    def busiest_firms(self, limit: int) -> list[tuple[str, int]]:
        return [(str(f), int(n)) for f, n in self._conn().execute(tq.BUSIEST_FIRMS, (limit,))]

    def all_firms(self) -> list[Firm]:
        return [_firm(r) for r in self._conn().execute(fq.ALL_FIRMS)]

    def client_ids(self) -> set[str]:
        return {str(r[0]) for r in self._conn().execute(fq.CLIENT_IDS)}

    def client_last_months(self) -> dict[str, str]:
        return _latest((str(c), m) for c, m in self._conn().execute(tq.CLIENT_LAST_MONTHS))

    def all_pairs(self) -> list[PairTrade]:
        return sorted((_pair(r) for r in self._conn().execute(tq.ALL_PAIRS)), key=_pair_key)

    def all_trade_edges(self, month_from: str | None, month_to: str | None) -> list[TradeEdge]:
        return list(expand_edges(self.all_pairs(), month_from, month_to))

    def trade_frame(self, month_from: str | None, month_to: str | None) -> pd.DataFrame:
        return _monthly_frame(self._conn().execute(tq.ALL_PAIR_SERIES).fetchall(), month_from, month_to)

    def all_payments(self, month_from: str | None, month_to: str | None) -> list[PaymentRow]:
        return sum_payments(_observations(self._conn().execute(tq.ALL_PAYMENTS)), month_from, month_to)

    # -- backup ----------------------------------------------------------
    def backup_to(self, target: Path) -> dict[str, Any]:
        """Copy the database to the file ``target`` while other connections
        and processes read and write (``torihiki backup``).

        SQLite's online backup in one step, under one read transaction: the
        copy is the data as of its start, what is still only in the WAL
        included, uncommitted writes not; writers go on meanwhile (WAL mode).
        The copy is made 0600 and left as one file in rollback-journal mode
        (no -wal beside it; the store puts it back in WAL mode when it opens
        it). It is then checked and counted: ``integrity`` is ``PRAGMA
        integrity_check``'s answer ("ok"), then the data version and counts."""
        private_file(target)
        dst = sqlite3.connect(target, timeout=BUSY_SECONDS)
        try:
            self._conn().backup(dst)
            problems = [str(r[0]) for r in dst.execute("PRAGMA integrity_check")]
            report: dict[str, Any] = {"integrity": "; ".join(problems[:5])}
            if problems == ["ok"]:
                version = dst.execute(tq.DATA_VERSION).fetchone()
                report["data_version"] = int(version[0]) if version else 0
                report.update(_counts(dst), users=dst.execute("SELECT count(*) FROM users").fetchone()[0],
                              unfinished_batches=dst.execute(
                                  "SELECT count(*) FROM batches WHERE status = 'loading'").fetchone()[0])
                dst.execute("PRAGMA journal_mode=DELETE")
        finally:
            dst.close()
        return report


def _monthly_frame(rows: list[tuple[str, str, str, str, str]], month_from: str | None,
                   month_to: str | None) -> pd.DataFrame:
    """:func:`~queries.observations.pairs_frame` of the merged pairs' rows as
    stored (seller, buyer and the JSON arrays of months, yen and lines), in
    (seller, buyer) order: every pair's arrays joined as text and decoded
    once, not one ``orjson.loads`` and one object per pair and array (the
    100k region's 6M monthly rows: 10.6 → 4.6 s), and the rows built by
    :func:`~queries.observations.monthly_rows`."""
    def joined(col: int) -> list[Any]:
        return list(orjson.loads("[" + ",".join([r[col][1:-1] for r in rows if len(r[col]) > 2]) + "]"))

    counts = np.array([r[3].count(",") + 1 if len(r[3]) > 2 else 0 for r in rows], dtype=np.int64)  # yen: no comma inside
    frame = monthly_rows([r[0] for r in rows], [r[1] for r in rows], counts, joined(2), joined(3), joined(4))
    if month_from is None and month_to is None:
        return frame
    months = frame["month"].cat.categories
    inside = np.ones(len(months), dtype=bool)
    if month_from is not None:
        inside &= np.asarray(months >= month_from)
    if month_to is not None:
        inside &= np.asarray(months <= month_to)
    keep = inside[frame["month"].cat.codes.to_numpy()]
    frame = frame[keep].reset_index(drop=True)
    for col in ("seller", "buyer", "month"):  # as pairs_frame: what the window holds, no more
        frame[col] = frame[col].cat.remove_unused_categories()
    return frame


def _json(value: object) -> str:
    return orjson.dumps(value).decode()


def _create_load_indexes(c: sqlite3.Connection) -> None:
    """Create the indexes a large load drops (no-ops for those that exist),
    in the caller's transaction."""
    for create in LOAD_DEFERRED_INDEXES.values():
        c.execute(create)


def _encode_series(s: Series) -> tuple[str, str, str]:
    return _json(s.months), _json(s.amounts), _json(s.lines)


def _decode_series(months: str, amounts: str, lines: str) -> Series:
    return Series(tuple(orjson.loads(months)), tuple(orjson.loads(amounts)), tuple(orjson.loads(lines)))


def _encode_pair(p: PairTrade) -> tuple[str, str, str, str]:
    return (_json(p.months), _json(p.amounts), _json(p.lines),
            _json(p.observers))


def _pair(row: Sequence[Any]) -> PairTrade:
    s, b, months, amounts, lines, observers = row
    return PairTrade(s, b, tuple(orjson.loads(months)), tuple(orjson.loads(amounts)),
                     tuple(orjson.loads(lines)), tuple(orjson.loads(observers)))


def _pair_key(p: PairTrade) -> tuple[str, str]:
    return p.seller, p.buyer


def _totals(row: Sequence[Any]) -> FirmTotals:
    firm, months, sales, purchases = row
    return FirmTotals(firm, tuple(orjson.loads(months)), tuple(orjson.loads(sales)),
                      tuple(orjson.loads(purchases)))


def _observations(rows: Iterable[Sequence[Any]]) -> Iterator[tuple[str, str, str, Series]]:
    for src, dst, observer, months, amounts, lines in rows:
        yield src, dst, observer, _decode_series(months, amounts, lines)


def _counts(c: sqlite3.Connection) -> dict[str, int]:
    """Rows of the main tables (:meth:`EmbeddedStore.counts`; a backup's report)."""
    return {
        "firms": c.execute("SELECT count(*) FROM firms").fetchone()[0],
        "trades": c.execute("SELECT count(*) FROM trade_obs").fetchone()[0],
        "payments": c.execute("SELECT count(*) FROM pay_obs").fetchone()[0],
        "batches": c.execute("SELECT count(*) FROM batches").fetchone()[0],
    }


def _firm_row(f: Firm, batch_id: str | None) -> tuple[object, ...]:
    return (f.id, f.name, f.corporate_number, f.industry, f.prefecture,
            None if f.is_client is None else int(f.is_client),
            None if f.consented_banks is None else ";".join(f.consented_banks), batch_id)


def _finish_row(b: BatchInfo) -> tuple[object, ...]:
    return (b.status, b.rows_read, b.rows_loaded, b.rows_rejected, b.rows_skipped, b.rejects_path,
            b.finished_at, b.id)


def _alias_row(a: Alias) -> tuple[object, ...]:
    return (a.client_id, a.key, a.raw_name, a.firm_id, a.method, a.score, a.status, a.candidate_id, a.reason)


def _merge_row(m: MergeRecord) -> tuple[object, ...]:
    return (m.id, m.client_id, m.alias_key, m.raw_name, m.from_firm, m.to_firm, m.method, m.score,
            m.reason, m.created_at, m.undone_at)


def _firm(row: tuple[object, ...]) -> Firm:
    fid, name, cn, industry, pref, is_client, banks = row
    return Firm(
        id=str(fid),
        name=name if name is None else str(name),
        corporate_number=None if cn is None else str(cn),
        industry=None if industry is None else str(industry),
        prefecture=None if pref is None else str(pref),
        is_client=bool(is_client),
        consented_banks=tuple(b for b in str(banks).split(";") if b) if banks is not None else None,
    )


def _keys(names: Iterable[tuple[str, str | None]]) -> list[tuple[str, str]]:
    """(firm id, search key) of each (firm id, name), without empty keys or repeats."""
    return sorted({(fid, k) for fid, name in names if name and (k := search_key(name))})


def _registry_keys(rows: Iterable[tuple[str, str | None, str | None]]) -> list[tuple[str, str]]:
    """(法人番号, search key) of each registry name and フリガナ."""
    return _keys((cn, text) for cn, name, furigana in rows for text in (name, furigana))


def _parameter_rows(rows: Iterable[tuple[str, str, str, float]]) -> list[ParameterRow]:
    """(firm, period, name, value) rows, sorted, as one :class:`ParameterRow` per firm and period."""
    grouped: dict[tuple[str, str], list[tuple[str, float]]] = {}
    for firm, period, name, value in rows:
        grouped.setdefault((firm, period), []).append((name, value))
    return [ParameterRow(f, p, tuple(v)) for (f, p), v in grouped.items()]


def _latest(rows: Iterable[tuple[str, str | None]]) -> dict[str, str]:
    """The latest month per client of (client, month) rows (a client in several tables)."""
    out: dict[str, str] = {}
    for client, month in rows:
        if month and (client not in out or month > out[client]):
            out[client] = str(month)
    return out
