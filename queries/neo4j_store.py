"""The Neo4j store: the official driver, reads as auto-commit transactions
routed to readers (retried by the store, :mod:`queries.neo4j_retry`), writes
as retried, idempotent transaction functions, values always as parameters.

One driver per process (it is thread-safe and pools connections); sessions
are short-lived, one per call. Every call names the database.
"""

from __future__ import annotations

import functools
import logging
import time
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from typing import Any, LiteralString, TypeVar

import neo4j
import pandas as pd
from neo4j import GraphDatabase, RoutingControl
from neo4j.exceptions import (
    AuthError,
    ClientError,
    DriverError,
    Neo4jError,
    ServiceUnavailable,
    SessionExpired,
)

from domain.search import SEARCH_KEY_VERSION, id_query, number_query, query_key, search_key
from domain.second_hop import Partners, rank_from_partners, shown_pairs, top_by_weight
from queries import pair_series
from queries import partner_lists as lists_codec
from queries.breaker import CircuitBreaker
from queries.cancel import check
from queries.config import StoreConfig
from queries.cypher import acks as ackq
from queries.cypher import banks as bankq
from queries.cypher import batches as bq
from queries.cypher import firms as fq
from queries.cypher import identity as iq
from queries.cypher import leases as leaseq
from queries.cypher import reference as rq
from queries.cypher import search as sq
from queries.cypher import trades as tq
from queries.cypher.schema import OBSOLETE, SCHEMA
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
from queries.neo4j_acks import Neo4jAcks
from queries.neo4j_banks import Neo4jBanks
from queries.neo4j_identity import Neo4jIdentity
from queries.neo4j_leases import Neo4jLeases
from queries.neo4j_retry import retried
from queries.neo4j_rows import collected, collected_rows
from queries.neo4j_rows import rows as plain_rows
from queries.observations import (
    ledger_sums,
    pairs_frame,
    series_by_observer,
    sum_payments,
    sum_trades,
    unnamed_totals,
    with_own_totals,
)
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
from queries.store import BatchLoading, NotFound, StoreError, StoreUnavailable

__all__ = ["Neo4jStore", "make_driver"]

T = TypeVar("T")
_DELETE_SLICE = 10_000  # relationships deleted per rollback transaction
_LISTS_SLICE = 5_000  # firms whose partner lists are built per read and write
_STALE_LISTS_EVERY_S = 600.0  # a process says at most this often that the lists name other pairs
log = logging.getLogger(__name__)
PAIR_SERIES_VERSION = 1  # how merged pairs keep their series (queries.pair_series)
_ENCODE_SLICE = 10_000  # merged pairs rewritten per transaction by _ensure_pair_series
_REFRESH_PAIRS = 5_000  # merged pairs rewritten per transaction when batches finish


def make_driver(config: StoreConfig) -> neo4j.Driver:
    """Create the process's driver with timeouts that fit its purpose.

    The API fails fast: a connection attempt gives up after
    ``config.connect_timeout`` (0.5 s by default) and nothing is retried, so
    a request answers 503 within a second while the server is down (the
    store's :class:`~queries.breaker.CircuitBreaker` makes the next ones
    fail at once). Batch work waits longer and lets the driver retry
    transient errors for ``config.retry_seconds`` (default two minutes).
    """
    if config.purpose == "api":
        timeouts = {"connection_timeout": config.connect_timeout,
                    "connection_acquisition_timeout": config.connect_timeout + 0.3,
                    "max_transaction_retry_time": 0.0}
    else:
        timeouts = {"connection_timeout": 30.0, "connection_acquisition_timeout": 60.0,
                    "max_transaction_retry_time": config.retry_seconds}
    assert config.neo4j_uri is not None
    return GraphDatabase.driver(
        config.neo4j_uri,
        auth=(config.neo4j_username, config.neo4j_password),
        **timeouts,  # type: ignore[arg-type]
    )


def _translate(fn: Callable[..., T]) -> Callable[..., T]:
    """Map driver exceptions to the store's own hierarchy, through the
    store's circuit breaker (when it has one): fail at once while it is open,
    open it when the server does not answer, close it on success."""

    def wrapper(*args: Any, **kwargs: Any) -> T:
        breaker: CircuitBreaker | None = getattr(args[0], "breaker", None) if args else None
        if breaker is not None:
            breaker.before()
        try:
            result = fn(*args, **kwargs)
        except (ServiceUnavailable, SessionExpired, AuthError) as e:
            retry = breaker.failure() if breaker is not None else 1.0
            raise StoreUnavailable(f"Neo4j unavailable: {e}", retry_after=retry) from e
        except (Neo4jError, DriverError) as e:
            raise StoreError(f"Neo4j error: {e}") from e
        if breaker is not None:
            breaker.success()
        return result

    wrapper.__name__ = fn.__name__
    wrapper.__doc__ = fn.__doc__
    return wrapper


for _name, _method in list(vars(Neo4jIdentity).items()):  # users, consent, audit: the same error mapping
    if callable(_method) and not _name.startswith("_"):
        setattr(Neo4jIdentity, _name, _translate(_method))
for _cls in (Neo4jAcks, Neo4jBanks, Neo4jLeases):  # acknowledgements of alerts, banks' names, leases: the same
    for _name, _method in list(vars(_cls).items()):
        if callable(_method) and not _name.startswith("_"):
            setattr(_cls, _name, _translate(_method))


class Neo4jStore(Neo4jIdentity, Neo4jAcks, Neo4jBanks, Neo4jLeases):
    """Neo4j-backed :class:`~queries.store.Store`. The driver is passed in."""

    backend = "neo4j"
    finish_uses_written = True  # reading a pair's observations back is a round trip per batch of pairs

    def __init__(self, driver: neo4j.Driver, database: str = "neo4j",
                 breaker: CircuitBreaker | None = None, retry_seconds: float = 30.0) -> None:
        """``retry_seconds``: how long a read is tried again after a
        retryable error (:mod:`queries.neo4j_retry`; ``0`` for the API,
        which fails fast, like its driver's ``max_transaction_retry_time``)."""
        self.driver = driver
        self.database = database
        self.breaker = breaker
        self.retry_seconds = retry_seconds
        self._stale_said = -_STALE_LISTS_EVERY_S  # when the stale partner lists were last logged

    # -- plumbing ----------------------------------------------------------
    def _records(self, query: LiteralString, params: dict[str, Any]) -> list[neo4j.Record]:
        """One read as an auto-commit transaction routed to a reader (one
        round trip where ``execute_query`` takes two), retried here since the
        driver does not (:mod:`queries.neo4j_retry`). It shares
        ``execute_query``'s bookmark manager with the writes, so that a read
        follows this process's writes on a cluster."""

        def run() -> list[neo4j.Record]:
            check()  # the caller may have gone away since the last query
            with self.driver.session(database=self.database, default_access_mode=neo4j.READ_ACCESS,
                                     bookmark_manager=self.driver.execute_query_bookmark_manager) as s:
                return list(s.run(query, params))

        return retried(run, self.retry_seconds)

    def _read(self, query: LiteralString, **params: Any) -> list[dict[str, Any]]:
        return plain_rows(self._records(query, params))

    def _read_many(self, query: LiteralString, columns: tuple[LiteralString, ...],
                   **params: Any) -> list[dict[str, Any]]:
        """:meth:`_read` for a result of many rows (a firm's network): sent
        as one record (see :func:`queries.neo4j_rows.collected`), in no
        particular order."""
        return collected_rows(self._records(collected(query, columns), params), columns)

    def _write(self, query: LiteralString, **params: Any) -> list[dict[str, Any]]:
        """One statement in its own retried write transaction (data version bumped)."""
        return self._tx(lambda tx: plain_rows(tx.run(query, params)))

    def _tx(self, work: Callable[[neo4j.ManagedTransaction], T], bump: bool = True,
            trades: bool = True) -> T:
        """Run ``work`` as one retried write transaction that also bumps the
        data version (unless ``bump`` is false) and, unless ``trades`` is
        false (a consent change), the trade version with it
        (:meth:`~queries.store.Store.trade_version`). ``work`` may run more
        than once: it must be idempotent."""

        def fn(tx: neo4j.ManagedTransaction) -> T:
            result = work(tx)
            if bump:
                tx.run(tq.BUMP_VERSION if trades else tq.BUMP_VERSION_NOT_TRADES).consume()
            return result

        with self.driver.session(database=self.database,
                                 bookmark_manager=self.driver.execute_query_bookmark_manager) as session:
            return session.execute_write(fn)

    def close(self) -> None:
        self.driver.close()

    # -- lifecycle ---------------------------------------------------------
    @_translate
    def ensure_schema(self) -> None:
        for statement in (*OBSOLETE, *SCHEMA, *sq.SEARCH_SCHEMA, *iq.SCHEMA, *ackq.SCHEMA, *bankq.SCHEMA, *leaseq.SCHEMA):
            try:
                self.driver.execute_query(statement, routing_=RoutingControl.WRITE,
                                          database_=self.database)
            except ClientError as e:
                # An equivalent index created under another name is fine.
                if "EquivalentSchemaRuleAlreadyExists" not in (e.code or ""):
                    raise
        self._ensure_search()
        self._ensure_pair_series()
        # The trade version a store written before it reads as (its data
        # version), written down: a read naming a property key the database
        # has never held gets an "unknown property" notice from the server,
        # which the driver logs at WARNING on every request.
        self._tx(functools.partial(_run_rows, tq.ENSURE_TRADE_VERSION, None), bump=False)

    def defer_load_indexes(self, files: int) -> bool:
        # Kept through every load. Their upkeep is about a sixth of the
        # server's work in a load (docs/data-model.md, "Where the 100k
        # load's CPU goes"), and Neo4j builds a created index in the
        # background: reads would scan until it is online, on every member
        # of a cluster.
        return False

    def restore_load_indexes(self) -> None:
        return None

    @_translate  # any other driver error (a wrong password: AuthError) as the store's own, as every call
    def unreachable(self) -> str | None:
        try:
            self.driver.verify_connectivity()
        except (neo4j.exceptions.ServiceUnavailable, neo4j.exceptions.SessionExpired, OSError) as e:
            return " ".join(str(e).split()) or type(e).__name__  # one line: the driver's has breaks
        return None

    def ping(self) -> bool:
        if self.breaker is not None and self.breaker.is_open:
            return False
        try:
            ok = self._read("RETURN 1 AS one") == [{"one": 1}]
        except (Neo4jError, DriverError, OSError):
            if self.breaker is not None:
                self.breaker.failure()
            return False
        if ok and self.breaker is not None:
            self.breaker.success()
        return ok

    @_translate
    def counts(self) -> dict[str, int]:
        row = self._read(fq.COUNTS)[0]
        return {k: int(v) for k, v in row.items()}

    # -- firms -------------------------------------------------------------
    @_translate
    def upsert_firms(self, firms: Sequence[Firm], batch_id: str | None = None) -> None:
        rows = [_firm_payload(f, batch_id) for f in firms]
        for start in range(0, len(rows), 5000):
            self._tx(functools.partial(_upsert_firms, rows[start:start + 5000]))

    @_translate
    def end_clients(self, firm_ids: Collection[str]) -> list[str]:
        ids = sorted(set(firm_ids))
        if not self._read(fq.ANY_CLIENT_OF, ids=ids):
            return []  # nothing to end: no write, no new data version
        return sorted(self._tx(lambda tx: [str(r["id"]) for r in tx.run(fq.END_CLIENTS, ids=ids)]))

    @_translate
    def get_firm(self, firm_id: str) -> Firm | None:
        rows = self._read(fq.GET_FIRM, id=firm_id)
        return _firm(rows[0]) if rows else None

    @_translate
    def get_firms(self, firm_ids: Collection[str]) -> dict[str, Firm]:
        return {r["id"]: _firm(r) for r in self._read_many(fq.GET_FIRMS, fq.FIRM_COLUMNS, ids=list(firm_ids))}

    @_translate
    def search_firms(self, q: str, limit: int, offset: int) -> tuple[list[Firm], int]:
        args = {"key": query_key(q), "q": id_query(q), "cn": number_query(q)}
        rows = self._read(sq.SEARCH, **args, limit=limit, offset=offset)
        total = self._read(sq.COUNT_SEARCH, **args)[0]["n"]
        return [_firm(r) for r in rows], int(total)

    @_translate
    def firm_by_corporate_number(self, corporate_number: str) -> Firm | None:
        rows = self._read(fq.FIRM_BY_CORPORATE_NUMBER, cn=corporate_number)
        return _firm(rows[0]) if rows else None

    @_translate
    def firms_by_corporate_numbers(self, numbers: Collection[str]) -> dict[str, Firm]:
        rows = self._read(fq.FIRMS_BY_CORPORATE_NUMBERS, cns=sorted(set(numbers)))
        return {r["corporate_number"]: _firm(r) for r in rows}

    @_translate
    def firm_spellings(self, firm_ids: Collection[str]) -> dict[str, FirmSpellings]:
        ids = sorted(set(firm_ids))
        seen: dict[str, dict[str, int]] = {}
        for r in self._read(sq.ALIAS_SPELLINGS, ids=ids):
            seen.setdefault(r["id"], {})[r["name"]] = int(r["n"])
        out = {}
        for r in self._read(sq.FIRMS_WITH_REGISTRY, ids=ids):
            names = seen.setdefault(r["id"], {})
            for name in r["spellings"]:
                names[name] = names.get(name, 0) + 1
            out[r["id"]] = FirmSpellings(r["id"], r["name"], r["registry_name"], tuple(sorted(names.items())),
                                         tuple(sorted(set(r["spellings"]))))
        return out

    @_translate
    def set_firm_names(self, names: Mapping[str, str]) -> None:
        rows = [{"id": fid, "name": name} for fid, name in names.items()]
        for start in range(0, len(rows), 5000):
            def work(tx: neo4j.ManagedTransaction, part: list[dict[str, Any]] = rows[start:start + 5000]) -> None:
                tx.run(sq.SET_NAMES, rows=part).consume()
                tx.run(sq.ADD_FIRM_KEYS, rows=_key_rows((r["id"], r["name"]) for r in part)).consume()

            self._tx(work)

    def _ensure_search(self) -> None:
        """(Re)build every search key once when they were made by another
        version of :func:`domain.search.search_key` (or by none: a store of
        a version without them). Idempotent, in slices; the version is
        recorded last, so an interrupted rebuild runs again."""
        rows = self._read(sq.KEYS_VERSION)
        if rows and rows[0]["version"] == SEARCH_KEY_VERSION:
            return
        if not rows:  # a store of the version before: keep the firm master's names
            self._tx(functools.partial(_run_rows, sq.SEED_SPELLINGS, None), bump=False)
        for clear in (sq.CLEAR_FIRM_KEYS, sq.CLEAR_REGISTRY_KEYS):
            while self._tx(functools.partial(_delete_slice, clear), bump=False) >= _DELETE_SLICE:
                pass
        firm_keys = _key_rows((r["id"], r["name"]) for r in self._read(sq.ALL_NAMES))
        registry_keys = _key_rows((r["id"], t) for r in self._read(sq.ALL_REGISTRY_NAMES)
                                  for t in (r["name"], r["furigana"]))
        for query, keys in ((sq.ADD_FIRM_KEYS, firm_keys), (sq.ADD_REGISTRY_KEYS, registry_keys)):
            for start in range(0, len(keys), _DELETE_SLICE):
                part = keys[start:start + _DELETE_SLICE]
                self._tx(functools.partial(_run_rows, query, part), bump=False)
        self._tx(functools.partial(_run_rows, sq.SET_KEYS_VERSION, None, version=SEARCH_KEY_VERSION), bump=False)

    def _ensure_pair_series(self) -> None:
        """Merged pairs written as four arrays (a store of a version before
        :mod:`queries.pair_series`) rewritten once, in slices."""
        rows = self._read(tq.PAIR_SERIES_VERSION)
        if rows and rows[0]["version"] == PAIR_SERIES_VERSION:
            return
        if self._read(tq.ANY_PAIR):  # (a new store has none: nothing to read, no unknown property named)
            while self._tx(_encode_old_pairs, bump=False) >= _ENCODE_SLICE:
                pass
        self._tx(functools.partial(_run_rows, tq.SET_PAIR_SERIES_VERSION, None, version=PAIR_SERIES_VERSION),
                 bump=False)

    # -- batches -----------------------------------------------------------
    @_translate
    def get_batch(self, batch_id: str) -> BatchInfo | None:
        rows = self._read(bq.GET_BATCH, id=batch_id)
        return _batch(rows[0]) if rows else None

    @_translate
    def batches_by_sha256(self, sha256s: Collection[str]) -> dict[str, list[BatchInfo]]:
        out: dict[str, list[BatchInfo]] = {}
        for r in self._read(bq.BATCHES_BY_SHA256, shas=sorted(set(sha256s))):
            b = _batch(r)
            out.setdefault(b.sha256, []).append(b)
        return out

    @_translate
    def begin_batch(self, info: BatchInfo) -> None:
        self._write(bq.BEGIN_BATCHES, rows=[_begin_payload(info)])

    @_translate
    def chunks_done(self, batch_id: str) -> set[int]:
        rows = self._read(bq.CHUNKS_DONE, id=batch_id)
        return {int(c) for c in rows[0]["chunks"]} if rows else set()

    def write_chunk(
        self, batch_id: str, chunk: int, trades: Sequence[TradeRow], payments: Sequence[PaymentRow]
    ) -> None:
        observations = list(group_rows(trades).items())
        self.write_load(LoadWrite(chunks=[ChunkWrite(
            batch_id, chunk, observations, list(group_rows(payments).items()))]))
        self.finish_batches([], {(s, b) for (s, b, _, _), _ in observations})

    @_translate
    def write_load(self, load: LoadWrite) -> None:
        firms = [_firm_payload(f, batch) for f, batch in load.firms]
        keys = _key_rows([(a.firm_id, a.raw_name) for a in load.aliases] + [(f.id, f.name) for f, _ in load.firms])
        batch_ids = sorted({c.batch_id for c in load.chunks})

        def work(tx: neo4j.ManagedTransaction) -> None:
            if load.begun:
                tx.run(bq.BEGIN_BATCHES, rows=[_begin_payload(b) for b in load.begun]).consume()
            for start in range(0, len(firms), 5000):
                tx.run(fq.UPSERT_FIRMS, rows=firms[start:start + 5000]).consume()
            if load.aliases:
                tx.run(rq.UPSERT_ALIASES, rows=[_alias_payload(a) for a in load.aliases]).consume()
            if keys:
                tx.run(sq.ADD_FIRM_KEYS, rows=keys).consume()
            if load.merges:
                tx.run(rq.INSERT_MERGES, rows=[_merge_payload(m) for m in load.merges]).consume()
            if load.bank_accounts:
                tx.run(rq.UPSERT_BANK_ACCOUNTS,
                       rows=[{"account": a, "firm_id": f} for a, f in load.bank_accounts]).consume()
            # A chunk already committed (a retried call) is not written again.
            done = {r["id"]: set(r["chunks"])
                    for r in plain_rows(tx.run(tq.CHUNKS_OF_BATCHES, ids=batch_ids))} if batch_ids else {}
            chunks = [c for c in load.chunks if c.chunk not in done.get(c.batch_id, set())]
            trade_rows = [_obs_payload(c.batch_id, k, v) for c in chunks for k, v in c.trades]
            pay_rows = [_obs_payload(c.batch_id, k, v) for c in chunks for k, v in c.payments]
            own_rows = [_own_payload(c.batch_id, k, v) for c in chunks for k, v in c.own]
            if own_rows:
                tx.run(tq.WRITE_OWN_OBS, rows=own_rows).consume()
            if trade_rows:
                tx.run(tq.WRITE_TRADE_OBS, rows=trade_rows).consume()
            if pay_rows:
                tx.run(tq.WRITE_PAY_OBS, rows=pay_rows).consume()
            if chunks:
                tx.run(bq.MARK_CHUNKS, rows=[{"batch": c.batch_id, "chunk": c.chunk}
                                             for c in chunks]).consume()

        self._tx(work)

    @_translate
    def finish_batches(self, batches: Sequence[BatchInfo], pairs: Collection[tuple[str, str]],
                       written: Mapping[tuple[str, str], Sequence[tuple[str, Series]]] | None = None) -> None:
        if not batches and not pairs:  # files already loaded: no write, so the data version stays
            return
        ordered = sorted(set(pairs))
        slices = [ordered[i:i + _REFRESH_PAIRS] for i in range(0, len(ordered), _REFRESH_PAIRS)] or [[]]
        for n, part in enumerate(slices):
            last = n == len(slices) - 1

            def work(tx: neo4j.ManagedTransaction, part: list[tuple[str, str]] = part,
                     last: bool = last) -> None:
                _refresh_pairs(tx, part, _lock_firms(tx, {f for p in part for f in p}), written)
                if last and batches:
                    tx.run(bq.FINISH_BATCHES, rows=[_finish_payload(b) for b in batches]).consume()

            self._tx(work)

    @_translate
    def finish_batch(self, info: BatchInfo) -> None:
        self._write(bq.FINISH_BATCHES, rows=[_finish_payload(info)])

    @_translate
    def list_batches(self, client_id: str | None = None) -> list[BatchInfo]:
        if client_id is not None:
            return [_batch(r) for r in self._read(bq.LIST_BATCHES_OF, client=client_id)]
        return [_batch(r) for r in self._read(bq.LIST_BATCHES)]

    @_translate
    def rollback_batch(self, batch_id: str, interrupted: bool = False) -> dict[str, int]:
        found = self._read(bq.GET_BATCH, id=batch_id)
        if not found:
            raise NotFound(f"no batch {batch_id!r}")
        if found[0]["status"] == "loading" and not interrupted:
            raise BatchLoading(f"batch {batch_id!r} is still loading, or its load was interrupted")

        def delete_slice(tx: neo4j.ManagedTransaction) -> dict[str, int]:
            deleted = plain_rows(tx.run(bq.DELETE_BATCH_OBS, id=batch_id, limit=_DELETE_SLICE))
            pairs = sorted({(r["source"], r["target"]) for r in deleted if r["kind"] == "TRADE"})
            _refresh_pairs(tx, pairs, _lock_firms(tx, {f for p in pairs for f in p}))
            return {kind: sum(1 for r in deleted if r["kind"] == kind) for kind in ("TRADE", "PAID")}

        # Counted from what each slice deleted, not from global counts, which
        # other loads running at the same time would change.
        trades = payments = 0
        while True:
            n = self._tx(delete_slice)
            trades, payments = trades + n["TRADE"], payments + n["PAID"]
            if n["TRADE"] + n["PAID"] < _DELETE_SLICE:
                break
        own = int(self._write(bq.DELETE_BATCH_OWN, id=batch_id)[0]["deleted"])
        firms = int(self._write(bq.DELETE_ORPHAN_FIRMS, id=batch_id)[0]["deleted"])
        self._write(bq.DELETE_BATCH, id=batch_id)
        return {"trades": trades, "payments": payments, "unnamed": own, "firms": firms, "batches": 1}

    # -- trade ---------------------------------------------------------------
    @_translate
    def data_version(self) -> int:
        rows = self._read(tq.DATA_VERSION)
        return int(rows[0]["version"]) if rows else 0

    @_translate
    def trade_version(self) -> int:
        rows = self._read(tq.TRADE_VERSION)
        return int(rows[0]["version"] or 0) if rows else 0

    @_translate
    def pairs_of(self, firm_id: str) -> list[PairTrade]:
        return _pairs(self._read_many(tq.PAIRS_OF, tq.PAIR_COLUMNS, id=firm_id))

    @_translate
    def pairs_among(self, firm_ids: Collection[str]) -> list[PairTrade]:
        return _pairs(self._read_many(tq.PAIRS_AMONG, tq.PAIR_COLUMNS, ids=sorted(set(firm_ids))))

    @_translate
    def pairs_by_keys(self, keys: Collection[tuple[str, str]]) -> list[PairTrade]:
        return _pairs(self._read_many(tq.PAIRS_BY_KEYS, tq.PAIR_COLUMNS,
                                     pairs=[list(k) for k in sorted(set(keys))]))

    @_translate
    def pairs_around(self, firm_ids: Collection[str]) -> list[PairTrade]:
        return _pairs(self._read_many(tq.PAIRS_AROUND, tq.PAIR_COLUMNS, ids=sorted(set(firm_ids))))

    @_translate
    def pairs_between(self, firm_ids: Collection[str], others: Collection[str]) -> list[PairTrade]:
        return _pairs(self._read_many(tq.PAIRS_BETWEEN, tq.PAIR_COLUMNS, ids=sorted(set(firm_ids)),
                                     others=sorted(set(others))))

    @_translate
    def pairs_with_bank(self, firm_ids: Collection[str], bank: str) -> list[PairTrade]:
        if not bank:
            return []
        return _pairs(self._read_many(tq.PAIRS_WITH_BANK, tq.PAIR_COLUMNS, ids=sorted(set(firm_ids)),
                                     bank=bank))

    @_translate
    def second_hop_ranking(self, first: Collection[str], keep: Collection[str],
                           limit: int) -> list[tuple[str, int]]:
        if limit <= 0 or not first:
            return []
        rows = self._read_many(tq.SECOND_HOP_RANKING, tq.RANKING_COLUMNS, first=sorted(set(first)),
                               keep=sorted(set(keep)), limit=limit)
        weight = {r["other"]: int(r["weight"]) for r in rows}
        return [(f, weight[f]) for f in top_by_weight(weight, limit)]  # the rows come unordered

    @_translate
    def second_hop(self, first: Collection[str], keep: Collection[str],
                   room: int) -> tuple[list[tuple[str, int]], list[PairTrade]]:
        firsts, kept = sorted(set(first)), sorted(set(keep))
        if not firsts:
            return [], []
        # From the first hop's partner lists when they are current
        # (prepare_reads): a node read per firm, then the shown pairs by
        # element id. Else in one read that expands every relationship of
        # the first hop (a hub partner's thousands) and ranks in Cypher.
        listed = self._partner_lists(firsts)
        if listed is not None:
            ranking, shown = rank_from_partners(listed, kept, room)
            pairs = self._by_handles(listed, shown_pairs(listed, shown))
            if pairs is not None:
                return ranking, pairs
            # else read them as below
        limit = max(room + 1, 0)
        groups = self._read_many(tq.SECOND_HOP, tq.SECOND_HOP_COLUMNS, first=firsts, keep=kept,
                                 most=len(kept) + limit)
        weight = {g["other"]: int(g["weight"]) for g in groups if not g["kept"]}
        ranking = [(f, weight[f]) for f in top_by_weight(weight, limit)]
        shown = {f for f, _ in ranking[:room]}
        return ranking, _pairs(dict(zip(tq.PAIR_COLUMNS, p, strict=True))
                               for g in groups if g["kept"] or g["other"] in shown for p in g["pairs"])

    def _stale_lists(self) -> None:
        """Log (at most every :data:`_STALE_LISTS_EVERY_S` s) that the partner
        lists named pairs they do not hold: once in a while a load landing
        between two reads; on every two-hop ego, relationships written again
        outside torihiki (a copied database, a script), which leaves every
        second hop on the slow read until the lists are built again."""
        now = time.monotonic()
        if now - self._stale_said >= _STALE_LISTS_EVERY_S:
            self._stale_said = now
            log.warning("the partner lists name relationships that are not the pairs they list: two-hop "
                        "egos read every relationship of their first hop instead. Unless a load was "
                        "running, the relationships were written again outside torihiki; `torihiki "
                        "refresh` builds the lists again")

    @_translate
    def partner_lists(self, firm_ids: Collection[str]) -> list[Partners] | None:
        return self._partner_lists(sorted(set(firm_ids)))

    def _partner_lists(self, firm_ids: list[str]) -> _Listed | None:
        """The partner lists of ``firm_ids``, each with its side as stored
        (for the pairs' element ids), or ``None`` when a write other than a
        consent change came after they were built."""
        rows = self._read(tq.PARTNER_LISTS_OF, ids=firm_ids)
        if not rows or not rows[0]["current"]:
            return None
        partners = _Listed()
        for firm, sells, buys in rows[0]["lists"]:
            for is_seller, blob in ((True, sells), (False, buys)):
                if blob is not None:
                    side = lists_codec.decode(blob)
                    partners.append((firm, is_seller, side[0], side[1]))
                    partners.sides.append(side)
        return partners

    @_translate
    def listed_pairs(self, lists: Sequence[Partners],
                     at: Mapping[tuple[str, str], tuple[int, int]]) -> list[PairTrade]:
        pairs = self._by_handles(lists, at) if isinstance(lists, _Listed) else None
        return self.pairs_by_keys(at.keys()) if pairs is None else pairs

    def _by_handles(self, lists: _Listed, at: Mapping[tuple[str, str], tuple[int, int]]) -> list[PairTrade] | None:
        """The pairs of ``at`` read by the element ids the lists hold for
        them (a relationship found by id where a key costs an expand between
        two firms: an officer's shown pairs 8.1 → 2.5 ms a two-hop answer),
        or ``None`` when those ids no longer name those pairs: a load
        changed the pairs between the two reads, or the relationships were
        written again outside torihiki (new element ids, the same data
        version) — said in the log."""
        if not at:
            return []
        sides = lists.sides
        pairs = _pairs(self._read_many(tq.PAIRS_BY_IDS, tq.PAIR_COLUMNS,
                                       rels=[lists_codec.handle(sides[i], j) for i, j in at.values()]))
        if {(p.seller, p.buyer) for p in pairs} == at.keys():
            return pairs
        self._stale_lists()
        return None

    @_translate
    def pair_amounts(self, firm_ids: Collection[str]) -> list[tuple[str, str, int]]:
        rows = self._read_many(tq.PAIR_AMOUNTS, tq.AMOUNT_COLUMNS, ids=sorted(set(firm_ids)))
        return sorted({(r["seller"], r["buyer"], int(r["amount"])) for r in rows})

    @_translate
    def firm_totals(self, firm_ids: Collection[str]) -> dict[str, FirmTotals]:
        ids = sorted(set(firm_ids))
        totals = {r["id"]: _totals(r) for r in self._read_many(tq.FIRM_TOTALS, tq.TOTALS_COLUMNS, ids=ids)}
        own = [(r["client"], r["kind"], _series(r)) for r in self._read_many(tq.OWN_UNNAMED_OF, tq.OWN_COLUMNS, ids=ids)]
        return with_own_totals(totals, own) if own else totals

    @_translate
    def trade_edges(
        self, firm_ids: Collection[str], month_from: str | None, month_to: str | None
    ) -> list[TradeEdge]:
        return list(expand_edges(self.pairs_around(firm_ids), month_from, month_to))

    @_translate
    def payments(
        self, firm_ids: Collection[str], month_from: str | None, month_to: str | None
    ) -> list[PaymentRow]:
        rows = self._read_many(tq.PAYMENTS_OF, tq.OBS_COLUMNS, ids=sorted(set(firm_ids)))
        return sum_payments(_observations(rows), month_from, month_to)

    @_translate
    def two_sided(self, month_from: str | None, month_to: str | None) -> list[TradeRow]:
        return sum_trades(_observations(self._read(tq.TWO_SIDED)), month_from, month_to)

    def ledger_sums(self, client_id: str) -> dict[str, dict[str, int]]:
        return self.ledger_sums_of([client_id])[client_id]  # the same three reads, for one client

    @_translate
    def ledger_sums_of(self, client_ids: Collection[str]) -> dict[str, dict[str, dict[str, int]]]:
        ids = sorted(set(client_ids))
        out: dict[str, dict[str, dict[str, int]]] = {}
        for start in range(0, len(ids), _LEDGERS_PER_READ):
            chunk = ids[start:start + _LEDGERS_PER_READ]
            trades = _by_key(self._read(tq.OWN_TRADES_OF, clients=chunk), "observer")
            payments = _by_key(self._read(tq.OWN_PAYMENTS_OF, clients=chunk), "observer")
            own = _by_key(self._read(tq.OWN_ALL_UNNAMED_OF, clients=chunk), "client")
            for c in chunk:
                out[c] = ledger_sums(c, _observations(trades.get(c, ())), _observations(payments.get(c, ())),
                                     [(r["kind"], _series(r)) for r in own.get(c, ())])
        return out

    @_translate
    def own_ledger(self, client_id: str) -> tuple[list[TradeRow], list[PaymentRow]]:
        trades = sum_trades(_observations(self._read(tq.OWN_TRADES, client=client_id)), None, None)
        payments = sum_payments(_observations(self._read(tq.OWN_PAYMENTS, client=client_id)), None, None)
        return (sorted(trades, key=lambda r: (r.month, r.seller, r.buyer)),
                sorted(payments, key=lambda p: (p.month, p.payer, p.payee)))

    @_translate
    def client_batch_months(self, client_id: str) -> dict[str, set[str]]:
        out: dict[str, set[str]] = {}
        for r in self._read(tq.CLIENT_BATCH_MONTHS, client=client_id):
            out.setdefault(str(r["batch"]), set()).update(r["months"])
        return out

    def _read_by_load(self, query: LiteralString, batch_ids: Collection[str]) -> Iterator[dict[str, Any]]:
        """The records of ``query`` (its ``$batches``: load ids) for
        ``batch_ids``, :data:`_BATCHES_PER_READ` loads a read."""
        ids = sorted(set(batch_ids))
        for start in range(0, len(ids), _BATCHES_PER_READ):
            yield from self._read(query, batches=ids[start:start + _BATCHES_PER_READ])

    @_translate
    def batch_months(self, batch_ids: Collection[str]) -> dict[str, set[str]]:
        out: dict[str, set[str]] = {}
        for r in self._read_by_load(tq.BATCH_MONTHS, batch_ids):
            out.setdefault(str(r["batch"]), set()).update(r["months"])
        return out

    @_translate
    def batch_client_months(self, batch_ids: Collection[str]) -> dict[str, dict[str, set[str]]]:
        out: dict[str, dict[str, set[str]]] = {}
        for r in self._read_by_load(tq.BATCH_CLIENT_MONTHS, batch_ids):
            out.setdefault(str(r["batch"]), {}).setdefault(str(r["client"]), set()).update(r["months"])
        return out

    @_translate
    def settlement_months(self, batch_ids: Collection[str]) -> dict[str, dict[str, set[str]]]:
        out: dict[str, dict[str, set[str]]] = {}
        for r in self._read_by_load(tq.SETTLEMENT_MONTHS, batch_ids):
            out.setdefault(str(r["batch"]), {}).setdefault(str(r["kind"]), set()).update(r["months"])
        return out

    @_translate
    def pair_observations(self, keys: Collection[tuple[str, str]]) -> list[TradeRow]:
        wanted = [list(k) for k in sorted(set(keys))]
        if not wanted:
            return []
        rows = self._read_many(tq.OBS_OF_PAIRS, tq.OBS_OF_PAIRS_COLUMNS, pairs=wanted)
        return sum_trades(((r["seller"], r["buyer"], r["observer"], _series(r)) for r in rows), None, None)

    @_translate
    def observed_yen(self, keys: Collection[tuple[str, str, str]]) -> dict[tuple[str, str, str], int]:
        wanted = [list(k) for k in sorted(set(keys))]
        if not wanted:
            return {}
        rows = self._read_many(tq.OBSERVED_YEN, tq.OBSERVED_YEN_COLUMNS, keys=wanted)
        return {(r["seller"], r["buyer"], r["observer"]): int(r["yen"]) for r in rows}

    @_translate
    def observed_series(self, keys: Collection[tuple[str, str, str]]) -> dict[tuple[str, str, str], Series]:
        wanted = [list(k) for k in sorted(set(keys))]
        if not wanted:
            return {}
        rows = self._read_many(tq.OBSERVED_SERIES, tq.OBS_OF_PAIRS_COLUMNS, keys=wanted)
        return series_by_observer((r["seller"], r["buyer"], r["observer"], _series(r)) for r in rows)

    @_translate
    def unnamed_totals(self, client_ids: Collection[str]) -> dict[str, dict[str, dict[str, int]]]:
        ids = sorted(set(client_ids))
        own = [(r["client"], r["kind"], _series(r)) for r in self._read_many(tq.OWN_UNNAMED_OF, tq.OWN_COLUMNS, ids=ids)]
        return unnamed_totals(ids, own)

    # -- reference data ----------------------------------------------------
    @_translate
    def upsert_registry(self, records: Sequence[RegistryRecord]) -> None:
        for start in range(0, len(records), 5000):
            self._tx(functools.partial(_upsert_registry, records[start:start + 5000]))

    @_translate
    def registry_records(self) -> list[RegistryRecord]:
        return [RegistryRecord(**r) for r in self._read(rq.ALL_REGISTRY)]

    @_translate
    def registry_get(self, corporate_number: str) -> RegistryRecord | None:
        rows = self._read(rq.GET_REGISTRY, cn=corporate_number)
        return RegistryRecord(**rows[0]) if rows else None

    @_translate
    def registry_get_many(self, corporate_numbers: Collection[str]) -> dict[str, RegistryRecord]:
        rows = self._read(rq.GET_REGISTRIES, cns=sorted(set(corporate_numbers)))
        return {r["corporate_number"]: RegistryRecord(**r) for r in rows}

    @_translate
    def upsert_parameters(self, rows: Sequence[ParameterRow]) -> None:
        payload = [{"key": f"{r.firm_id}|{r.period}", "firm_id": r.firm_id, "period": r.period,
                    "values": dict(r.values)} for r in rows]
        for start in range(0, len(payload), 5000):
            self._write(rq.UPSERT_PARAMETERS, rows=payload[start:start + 5000])

    @_translate
    def parameters(self) -> list[ParameterRow]:
        return [_parameter_row(r) for r in self._read(rq.ALL_PARAMETERS)]

    @_translate
    def parameters_of(self, firm_ids: Collection[str]) -> list[ParameterRow]:
        # One record (the rows collected on the server), not a record per firm and
        # period: a busy firm's partners have ~470 rows, and streaming them one Bolt
        # message each took ~39 ms of a network view's ~55 (the 50 busiest, 100k region).
        found = self._read_many(rq.PARAMETERS_OF, ("firm_id", "period", "props"), ids=sorted(set(firm_ids)))
        return sorted((_parameter_row(r) for r in found), key=lambda r: (r.firm_id, r.period))

    @_translate
    def firm_names(self) -> list[tuple[str, str | None, str | None]]:
        return [(r["id"], r["name"], r["corporate_number"]) for r in self._read(rq.FIRM_NAMES)]

    @_translate
    def alias_spellings(self) -> list[tuple[str, str]]:
        return [(r["id"], r["name"]) for r in self._read(rq.ALIAS_SPELLINGS)]

    # -- entity resolution -------------------------------------------------
    @_translate
    def aliases(self, client_id: str) -> dict[str, Alias]:
        return {r["key"]: _alias(r) for r in self._read(rq.ALIASES_OF_CLIENT, client=client_id)}

    @_translate
    def aliases_for(self, client_ids: Collection[str]) -> dict[str, dict[str, Alias]]:
        out: dict[str, dict[str, Alias]] = {c: {} for c in client_ids}
        for r in self._read(rq.ALIASES_OF_CLIENTS, clients=sorted(out)):
            out[r["client_id"]][r["key"]] = _alias(r)
        return out

    @_translate
    def spellings(self, pairs: Collection[tuple[str, str]]) -> dict[tuple[str, str], list[str]]:
        out: dict[tuple[str, str], list[str]] = defaultdict(list)
        for r in self._read_many(rq.SPELLINGS, rq.SPELLING_COLUMNS, pairs=[list(p) for p in sorted(set(pairs))]):
            out[(r["client_id"], r["firm_id"])].append(r["raw_name"])
        return {k: sorted(v) for k, v in out.items()}

    @_translate
    def search_names(self, firm_ids: Collection[str]) -> dict[str, list[tuple[str | None, str]]]:
        out: dict[str, list[tuple[str | None, str]]] = defaultdict(list)
        for r in self._read(sq.SEARCH_NAMES, ids=sorted(set(firm_ids))):
            out[r["id"]].append((r["client_id"], r["name"]))
        return dict(out)

    @_translate
    def aliases_by_status(self, status: str) -> list[Alias]:
        return [_alias(r) for r in self._read(rq.ALIASES_BY_STATUS, status=status)]

    @_translate
    def aliases_of_firm(self, firm_id: str, status: str | None = None) -> list[Alias]:
        return [_alias(r) for r in self._read(rq.ALIASES_OF_FIRM, firm=firm_id, status=status)]

    @_translate
    def upsert_aliases(self, aliases: Sequence[Alias], merges: Sequence[MergeRecord] = ()) -> None:
        alias_rows = [_alias_payload(a) for a in aliases]
        merge_rows = [_merge_payload(m) for m in merges]
        keys = _key_rows((a.firm_id, a.raw_name) for a in aliases)

        def work(tx: neo4j.ManagedTransaction) -> None:
            for start in range(0, len(alias_rows), 5000):
                tx.run(rq.UPSERT_ALIASES, rows=alias_rows[start:start + 5000]).consume()
                tx.run(sq.ADD_FIRM_KEYS, rows=keys[start:start + 5000]).consume()
            if merge_rows:
                tx.run(rq.INSERT_MERGES, rows=merge_rows).consume()

        self._tx(work)

    @_translate
    def list_merges(self) -> list[MergeRecord]:
        return [MergeRecord(**r) for r in self._read(rq.LIST_MERGES)]

    @_translate
    def get_merge(self, merge_id: str) -> MergeRecord | None:
        rows = self._read(rq.GET_MERGE, id=merge_id)
        return MergeRecord(**rows[0]) if rows else None

    @_translate
    def reassign_alias(
        self, alias: Alias, merge: MergeRecord | None = None, undo: MergeRecord | None = None
    ) -> None:
        uid = f"{alias.client_id}|{alias.key}"

        def work(tx: neo4j.ManagedTransaction) -> None:
            rows = plain_rows(tx.run(rq.GET_ALIAS, uid=uid))
            if not rows:
                raise NotFound(f"no spelling {alias.key!r} of client {alias.client_id!r}")
            old, new = rows[0]["firm_id"], alias.firm_id
            if old != new:
                tx.run(rq.ENSURE_FIRM, id=new, name=alias.raw_name).consume()
                pairs = {(r["seller"], r["buyer"]) for r in tx.run(
                    rq.ALIAS_OBS_PAIRS, old=old, alias=alias.key, client=alias.client_id).data()}
                for q in (rq.MOVE_TRADE_OUT, rq.MOVE_TRADE_IN, rq.MOVE_PAID_OUT, rq.MOVE_PAID_IN):
                    tx.run(q, old=old, new=new, alias=alias.key, client=alias.client_id).consume()
                pairs |= {(new if s == old else s, new if b == old else b) for s, b in pairs}
                ordered = sorted(pairs)
                _refresh_pairs(tx, ordered, _lock_firms(tx, {f for p in ordered for f in p}))
            tx.run(rq.UPSERT_ALIASES, rows=[_alias_payload(alias)]).consume()
            tx.run(sq.ADD_FIRM_KEYS, rows=_key_rows([(alias.firm_id, alias.raw_name)])).consume()
            if merge is not None:
                tx.run(rq.INSERT_MERGES, rows=[_merge_payload(merge)]).consume()
            if undo is not None:
                tx.run(rq.UNDO_MERGE, id=undo.id, undone_at=undo.undone_at).consume()
            if old != new:
                tx.run(rq.DELETE_FIRM_IF_ORPHAN, id=old).consume()
                tx.run(sq.DELETE_FIRM_KEYS, id=old).consume()
                names = [(old, r["name"]) for r in plain_rows(tx.run(sq.NAMES_OF_FIRM, id=old))]
                tx.run(sq.ADD_FIRM_KEYS, rows=_key_rows(names)).consume()

        self._tx(work)

    @_translate
    def bank_account_firm(self, account: str) -> str | None:
        rows = self._read(rq.GET_BANK_ACCOUNT, account=account)
        return str(rows[0]["firm_id"]) if rows else None

    @_translate
    def bank_account_firms(self, accounts: Collection[str]) -> dict[str, str]:
        rows = self._read(rq.GET_BANK_ACCOUNTS, accounts=sorted(set(accounts)))
        return {str(r["account"]): str(r["firm_id"]) for r in rows}

    # -- whole network -----------------------------------------------------
    @_translate
    def all_firms(self) -> list[Firm]:
        return [_firm(r) for r in self._read(fq.ALL_FIRMS)]

    @_translate
    def client_ids(self) -> set[str]:
        return {str(r["id"]) for r in self._read(fq.CLIENT_IDS)}

    @_translate
    def client_last_months(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for r in self._read(tq.CLIENT_LAST_MONTHS):
            client, month = str(r["client"]), r["month"]
            if month and (client not in out or month > out[client]):
                out[client] = str(month)
        return out

    def put_analytics(self, name: str, payload: bytes, data_version: int, created_at: str) -> None:
        self.put_analytics_many([(name, payload)], data_version, created_at)

    @_translate
    def put_analytics_many(self, entries: Sequence[tuple[str, bytes]], data_version: int,
                           created_at: str) -> None:
        rows = [{"name": n, "payload": p} for n, p in entries]
        self._tx(lambda tx: tx.run(tq.PUT_ANALYTICS_MANY, rows=rows, version=data_version,
                                   created_at=created_at).consume(), bump=False)

    @_translate
    def get_analytics(self, name: str) -> tuple[int, str, bytes] | None:
        rows = self._read(tq.GET_ANALYTICS, name=name)
        if not rows:
            return None
        return int(rows[0]["data_version"]), str(rows[0]["created_at"]), bytes(rows[0]["payload"])

    @_translate
    def prepare_reads(self) -> None:
        # Stamped with the version read before the build: a load that lands
        # meanwhile moves the data version past it, and the lists go unused.
        version = self.data_version()
        ids = [r["id"] for r in self._read_many(tq.ALL_FIRM_IDS, ("id",))]
        for start in range(0, len(ids), _LISTS_SLICE):
            rows = [{"id": r["id"], "sells": _encoded_side(r["sells"]), "buys": _encoded_side(r["buys"])}
                    for r in self._read_many(tq.PAIRS_FOR_LISTS, tq.LISTS_COLUMNS,
                                             ids=ids[start:start + _LISTS_SLICE])]
            self._tx(functools.partial(_run_rows, tq.SET_PARTNER_LISTS, rows), bump=False)
        self._tx(functools.partial(_run_rows, tq.SET_PARTNERS_VERSION, None, version=version), bump=False)

    @_translate
    def put_ledger_totals(self, totals: Mapping[str, FirmTotals], version: int) -> None:
        rows = [{"id": firm, "months": list(t.months), "sales": list(t.sales), "purchases": list(t.purchases)}
                for firm, t in sorted(totals.items())]
        for start in range(0, len(rows), _LISTS_SLICE):
            self._tx(functools.partial(_run_rows, tq.SET_LEDGER_TOTALS, rows[start:start + _LISTS_SLICE],
                                       version=version), bump=False)
        self._tx(functools.partial(_run_rows, tq.SET_LEDGER_TOTALS_VERSION, None, version=version), bump=False)

    @_translate
    def ledger_totals(self, client_ids: Collection[str]) -> dict[str, FirmTotals] | None:
        rows = self._read(tq.LEDGER_TOTALS_OF, ids=sorted(set(client_ids)))
        if not rows or not rows[0]["current"]:
            return None
        return {firm: FirmTotals(firm, tuple(months or ()), tuple(sales or ()), tuple(purchases or ()))
                for firm, months, sales, purchases in rows[0]["totals"]}

    @_translate
    def busiest_firms(self, limit: int) -> list[tuple[str, int]]:
        return [(r["id"], int(r["n"])) for r in self._read(tq.BUSIEST_FIRMS, limit=limit)]

    @_translate
    def all_pairs(self) -> list[PairTrade]:
        return _pairs(self._read(tq.ALL_PAIRS))

    @_translate
    def all_trade_edges(self, month_from: str | None, month_to: str | None) -> list[TradeEdge]:
        return list(expand_edges(self.all_pairs(), month_from, month_to))

    @_translate
    def trade_frame(self, month_from: str | None, month_to: str | None) -> pd.DataFrame:
        return pairs_frame(self.all_pairs(), month_from, month_to)

    @_translate
    def all_payments(self, month_from: str | None, month_to: str | None) -> list[PaymentRow]:
        return sum_payments(_observations(self._read(tq.ALL_PAYMENTS)), month_from, month_to)


# -- derived data, inside a write transaction ---------------------------------------
def _lock_firms(tx: neo4j.ManagedTransaction, ids: set[str]) -> dict[str, FirmTotals]:
    """Take the write locks of ``ids`` (sorted) and read their totals under them."""
    if not ids:
        return {}
    return {r["id"]: _totals(r) for r in plain_rows(tx.run(tq.LOCK_AND_READ_TOTALS, ids=sorted(ids)))}


def _refresh_pairs(tx: neo4j.ManagedTransaction, pairs: Sequence[tuple[str, str]],
                   totals: dict[str, FirmTotals],
                   written: Mapping[tuple[str, str], Sequence[tuple[str, Series]]] | None = None) -> None:
    """Rewrite the merged pairs from their observations and add each pair's
    change to both firms' totals (read under lock by :func:`_lock_firms`).

    ``written`` (see :meth:`~queries.store.Store.finish_batches`): a pair
    in it that has no merged relationship yet is merged from those
    observations instead of reading them back — in a fresh region almost
    every pair; any other pair is read from the store."""
    if not pairs:
        return
    keys = [list(p) for p in pairs]
    old = {(p.seller, p.buyer): p for p in _pairs(plain_rows(tx.run(tq.MERGED_OF_PAIRS, pairs=keys)))}
    written = written or {}
    obs: dict[tuple[str, str], list[tuple[str, Series]]] = {}
    reread = []
    for p in pairs:
        if p in old or p not in written:
            obs[p] = []
            reread.append(list(p))
        else:
            obs[p] = list(written[p])
    if reread:
        for r in plain_rows(tx.run(tq.OBS_OF_PAIRS, pairs=reread)):
            obs[(r["seller"], r["buyer"])].append(
                (r["observer"], Series(tuple(r["months"]), tuple(r["amounts"]), tuple(r["lines"]))))
    changes: list[tuple[PairTrade | None, PairTrade | None]] = []
    for s, b in pairs:
        new = merge_pair(s, b, obs[(s, b)])
        if new != old.get((s, b)):
            changes.append((old.get((s, b)), new))
    creates = [_pair_payload(new) for o, new in changes if new is not None and o is None]
    upserts = [_pair_payload(new) for o, new in changes if new is not None and o is not None]
    deletes = [[o.seller, o.buyer] for o, new in changes if new is None and o is not None]
    if creates:
        tx.run(tq.CREATE_PAIRS, rows=creates).consume()
    if upserts:
        tx.run(tq.SET_PAIRS, rows=upserts).consume()
    if deletes:
        tx.run(tq.DELETE_PAIRS, pairs=deletes).consume()
    sales, purchases = firm_deltas(changes)
    rows = []
    for firm in sorted(set(sales) | set(purchases)):
        t = apply_delta(totals.get(firm, FirmTotals(firm)), sales.get(firm, {}), purchases.get(firm, {}))
        rows.append({"id": firm, "months": list(t.months) or None, "sales": list(t.sales) or None,
                     "purchases": list(t.purchases) or None})
    if rows:
        tx.run(tq.SET_TOTALS, rows=rows).consume()


def _obs_payload(batch_id: str, key: tuple[str, str, str, str], s: Series) -> dict[str, Any]:
    source, target, observer, alias = key
    return {"key": f"{batch_id}|{observer}|{alias}", "batch": batch_id, "source": source,
            "target": target, "observer": observer, "alias": alias, "months": list(s.months),
            "amounts": list(s.amounts), "lines": list(s.lines)}


class _Listed(list[Partners]):
    """Partner lists as :meth:`Neo4jStore.partner_lists` read them, with each
    list's side as stored (``sides``, same order): the element ids by which
    :meth:`Neo4jStore.listed_pairs` reads the pairs at their positions."""

    def __init__(self) -> None:
        super().__init__()
        self.sides: list[lists_codec.Side] = []


def _own_payload(batch_id: str, key: tuple[str, str], s: Series) -> dict[str, Any]:
    client, kind = key
    return {"key": f"{batch_id}|{client}|{kind}", "batch": batch_id, "client": client, "kind": kind,
            "months": list(s.months), "amounts": list(s.amounts), "lines": list(s.lines)}


def _series(r: dict[str, Any]) -> Series:
    return Series(tuple(r["months"]), tuple(r["amounts"]), tuple(r["lines"]))


def _pair_payload(p: PairTrade) -> dict[str, Any]:
    return {"seller": p.seller, "buyer": p.buyer, "series": pair_series.encode(p), "amount": p.amount}


def _pairs(rows: Iterable[dict[str, Any]]) -> list[PairTrade]:
    found = {(r["seller"], r["buyer"]): r["series"] for r in rows}
    return [pair_series.pair(s, b, found[(s, b)]) for s, b in sorted(found)]


def _encode_old_pairs(tx: neo4j.ManagedTransaction) -> int:
    """Rewrite up to a slice of merged pairs stored as four arrays with
    their series as one byte array (:mod:`queries.pair_series`); how many."""
    rows = [{"id": r["id"], "series": pair_series.encode(PairTrade(
        r["seller"], r["buyer"], tuple(r["months"]), tuple(r["amounts"]), tuple(r["lines"]),
        tuple(r["observers"])))} for r in plain_rows(tx.run(tq.UNENCODED_PAIRS, limit=_ENCODE_SLICE))]
    if rows:
        tx.run(tq.ENCODE_PAIRS, rows=rows).consume()
    return len(rows)


def _totals(r: dict[str, Any]) -> FirmTotals:
    return FirmTotals(r["id"], tuple(r["months"] or ()), tuple(r["sales"] or ()),
                      tuple(r["purchases"] or ()))


_LEDGERS_PER_READ = 500
"""Clients whose own ledgers one query of :meth:`Neo4jStore.ledger_sums_of` reads."""
_BATCHES_PER_READ = 1_000
"""Loads whose months one query of :meth:`Neo4jStore.batch_months` reads."""


def _by_key(rows: Iterable[dict[str, Any]], key: str) -> dict[str, list[dict[str, Any]]]:
    """Rows grouped by the value of ``key``, in their order."""
    out: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        out.setdefault(r[key], []).append(r)
    return out


def _observations(rows: Iterable[dict[str, Any]]) -> Iterator[tuple[str, str, str, Series]]:
    for r in rows:
        yield r["source"], r["target"], r["observer"], Series(
            tuple(r["months"]), tuple(r["amounts"]), tuple(r["lines"]))


def _firm_payload(f: Firm, batch_id: str | None) -> dict[str, Any]:
    return {"id": f.id, "name": f.name, "corporate_number": f.corporate_number,
            "industry": f.industry, "prefecture": f.prefecture, "is_client": f.is_client,
            "consented_banks": None if f.consented_banks is None else list(f.consented_banks),
            "batch": batch_id}


def _begin_payload(b: BatchInfo) -> dict[str, Any]:
    return {"id": b.id, "sha256": b.sha256, "file": b.file, "client_id": b.client_id,
            "format": b.format, "started_at": b.started_at}


def _finish_payload(b: BatchInfo) -> dict[str, Any]:
    return {"id": b.id, "status": b.status, "rows_read": b.rows_read, "rows_loaded": b.rows_loaded,
            "rows_rejected": b.rows_rejected, "rows_skipped": b.rows_skipped,
            "rejects_path": b.rejects_path, "finished_at": b.finished_at}


def _registry_row(r: RegistryRecord) -> dict[str, Any]:
    return {"corporate_number": r.corporate_number, "name": r.name, "kind_code": r.kind_code,
            "prefecture": r.prefecture, "city": r.city, "furigana": r.furigana}


def _alias(r: dict[str, Any]) -> Alias:
    return Alias(r["client_id"], r["key"], r["raw_name"], r["firm_id"], r["method"], float(r["score"]),
                 r["status"], r.get("candidate_id"), r.get("reason") or "")


def _alias_payload(a: Alias) -> dict[str, Any]:
    return {"uid": f"{a.client_id}|{a.key}", "props": {
        "client_id": a.client_id, "key": a.key, "raw_name": a.raw_name, "firm_id": a.firm_id,
        "method": a.method, "score": a.score, "status": a.status, "candidate_id": a.candidate_id,
        "reason": a.reason}}


def _merge_payload(m: MergeRecord) -> dict[str, Any]:
    return {"id": m.id, "client_id": m.client_id, "alias_key": m.alias_key, "raw_name": m.raw_name,
            "from_firm": m.from_firm, "to_firm": m.to_firm, "method": m.method, "score": m.score,
            "reason": m.reason, "created_at": m.created_at, "undone_at": m.undone_at}


def _firm(r: dict[str, Any]) -> Firm:
    banks = r.get("consented_banks")
    return Firm(
        id=r["id"], name=r.get("name"), corporate_number=r.get("corporate_number"),
        industry=r.get("industry"), prefecture=r.get("prefecture"),
        is_client=bool(r.get("is_client")),
        consented_banks=tuple(banks) if banks is not None else None,
    )


def _batch(r: dict[str, Any]) -> BatchInfo:
    def text(key: str) -> str:
        return str(r.get(key) or "")

    def number(key: str) -> int:
        return int(r.get(key) or 0)

    return BatchInfo(
        id=text("id"), sha256=text("sha256"), file=text("file"), client_id=text("client_id"),
        format=text("format"), status=text("status"), rows_read=number("rows_read"),
        rows_loaded=number("rows_loaded"), rows_rejected=number("rows_rejected"),
        rows_skipped=number("rows_skipped"), rejects_path=text("rejects_path"),
        started_at=text("started_at"), finished_at=text("finished_at"),
    )


def _key_rows(names: Iterable[tuple[str, str | None]]) -> list[dict[str, str]]:
    """Search-key nodes of (owner — a firm id or a 法人番号 —, name): uid,
    owner and key, without empty keys or repeats."""
    keys = sorted({(owner, k) for owner, name in names if name and (k := search_key(name))})
    return [{"uid": f"{owner}\x1f{k}", "id": owner, "key": k} for owner, k in keys]


def _delete_slice(query: LiteralString, tx: neo4j.ManagedTransaction) -> int:
    """Run a ``LIMIT $limit`` delete; how many it deleted."""
    return int(tx.run(query, limit=_DELETE_SLICE).single(strict=True)["deleted"])


def _encoded_side(entries: list[list[Any]]) -> bytes | None:
    """One side of a firm's partner list ([partner, yen, element id] per
    pair) as :mod:`queries.partner_lists` stores it."""
    return lists_codec.encode([e[0] for e in entries], [e[1] for e in entries], [e[2] for e in entries])


def _run_rows(query: LiteralString, rows: list[dict[str, Any]] | None, tx: neo4j.ManagedTransaction,
              **params: Any) -> None:
    """Run one statement with ``$rows`` (and ``params``)."""
    tx.run(query, rows=rows, **params).consume()


def _upsert_firms(rows: list[dict[str, Any]], tx: neo4j.ManagedTransaction) -> None:
    """Firms, and the names given to them as spellings and search keys."""
    tx.run(fq.UPSERT_FIRMS, rows=rows).consume()
    named = [{"id": r["id"], "name": r["name"]} for r in rows if r["name"]]
    if named:
        tx.run(sq.ADD_SPELLINGS, rows=named).consume()
        tx.run(sq.ADD_FIRM_KEYS, rows=_key_rows((r["id"], r["name"]) for r in named)).consume()


def _upsert_registry(records: Sequence[RegistryRecord], tx: neo4j.ManagedTransaction) -> None:
    """Registry entries and the search keys of their names and フリガナ."""
    tx.run(rq.UPSERT_REGISTRY, rows=[_registry_row(r) for r in records]).consume()
    tx.run(sq.DELETE_REGISTRY_KEYS, cns=[r.corporate_number for r in records]).consume()
    tx.run(sq.ADD_REGISTRY_KEYS, rows=_key_rows(
        (r.corporate_number, t) for r in records for t in (r.name, r.furigana))).consume()


def _parameter_row(r: dict[str, Any]) -> ParameterRow:
    values = tuple(sorted((k, float(v)) for k, v in r["props"].items() if k not in ("key", "firm_id", "period")))
    return ParameterRow(r["firm_id"], r["period"], values)
