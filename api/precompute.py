"""Answers rendered at load time: the busiest firms', and every client's network.

A firm with thousands of trading partners is the one many people look at
and the one whose ego network, view, trend and figures cost the most to
compute (hundreds of milliseconds each, where a typical client takes a few).
And the client firms — the firms whose ledgers the BPO operator keeps, the
borrowers a credit officer opens — are the firms people ask for most; the
network of one (``GET /firms/{id}/ego``) costs ~6 ms of CPU to compute on
the 100k-firm region, which ten concurrent users on two cores turn into a
queue (docs/data-model.md).

After a load, :func:`precompute_answers` renders, exactly as the API would
(through :mod:`api.firm_pages`), the default answers of the firms with the
most partners (ego, view, trend, figures, peers) and the default ego network
of every client firm (one hop, whole window, the server's node cap; on Neo4j
also two hops), and stores them, compressed as they are sent (gzip), with the data version they
were computed from. Every server process then serves them from the store
until the data changes (:class:`api.cache.ResponseCache` looks them up on a
miss), so such a request costs a read, not a computation. Those are the
unscoped answers (an analyst's). A bank's credit officer gets answers masked
by consent; so for each bank, the one-hop network of every client that
consented to share with it is rendered as well, through the bank's scope
(:class:`queries.scoped.ScopedStore`), stored under the bank's scope key and
served to its officers only while neither the trade nor that bank's
consents changed (``Store.consent_version``); where the clients' two-hop
networks are rendered (below), the banks' two-hop networks are too; other
answers of an officer are computed on request. ``TORIHIKI_PRECOMPUTE_OFFICERS=0``
turns that off (~100 s of CPU less after the 100k-firm region's load,
~10,700 answers; on Neo4j ~10,700 two-hop answers more, ~30 ms an answer
with four threads).

A refresh starts them first (:class:`Precompute`) and renders all but the
busiest clients' peers beside its other work, in a process of its own (with
four threads on Neo4j, where an answer partly waits for its reads; on the
embedded store two processes when the officers' answers are rendered).

``TORIHIKI_PRECOMPUTE_FIRMS`` (default 50) sets how many busiest firms;
``TORIHIKI_PRECOMPUTE_CLIENTS=0`` leaves the clients' networks to be computed
on request (~40 s of CPU less after the 100k-firm region's load).
``TORIHIKI_PRECOMPUTE_TWO_HOP`` renders each client's two-hop network too,
for analysts and for the banks' officers: on by default on Neo4j, where an
analyst's costs ~25 ms of the server's CPU and ~13 ms of the database's,
four round trips, an officer's ~20 ms and ~20 ms in ~9 round trips (at ten
concurrent requests on two cores: p99 ~500 ms computed), and a stored copy
(~40–60 kB compressed) is read with the token in one; off on the embedded
store, where one is computed in ~20 ms and 20,000 of them would add minutes
to the refresh (docs/data-model.md).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import functools
import gc
import itertools
import logging
import multiprocessing as mp
import os
import threading
import time
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Protocol

import orjson

from api import firm_pages as pages
from api import window_tables
from api.cache import Rendered
from api.firm_pages import stored_key
from api.portfolio import SnapshotCache
from api.process_memory import collect_rarely
from api.settings import Settings
from api.web.i18n import DEFAULT_LANG
from domain.parent_watch import watch_parent
from queries.access import Principal, Role
from queries.factory import open_store
from queries.scoped import ScopedStore, scoped_key
from queries.store import Store, StoreError

__all__ = ["precompute_answers", "Precompute", "INDEX", "stored_key", "two_hop_precomputed", "render_for_banks",
           "BankRenderer"]

log = logging.getLogger(__name__)

INDEX = "responses"
"""Analytics entry listing the keys of the stored answers."""


_WRITE_EVERY = 500
"""Answers stored per write (about 5 MB of compressed JSON at 10 kB each) …"""
_WRITE_BYTES = 8 << 20
"""… or fewer when they come to 8 MiB (two-hop networks: ~60 kB each)."""
_THREADS = 4
"""Clients' networks rendered at once on Neo4j (100k region: 18 ms an answer with 4, 66 ms serially).
On the embedded store one: 5.1 ms an answer serially, 7.2 ms with four threads (contention)."""
_PROCESSES = 2
"""Rendering processes on the embedded store when banks' officers' answers are rendered too
(at most one per core)."""
_NICE = 5
"""Niceness added to a rendering process on the embedded store. The refresh's own part
(peer inputs, portfolio, alerts: one process, ~40 s of one core on the 100k region) was
what the refresh waited for last: the two rendering processes beside it took two thirds
of the cores from it and it ended alone. At a lower priority they use what it leaves and
both cores once it is done (and yield to a server's requests on the same machine)."""


@dataclass
class _Stored:
    """Answers written: their keys (as the API caches them), compressed bytes, seconds."""

    keys: list[str]
    stored_bytes: int
    seconds: float


class _Batches:
    """Rendered answers, written :data:`_WRITE_EVERY` at a time with the data version."""

    def __init__(self, store: Store, version: int, created: str,
                 current: Callable[[], bool] | None = None) -> None:
        self.store, self.version, self.created, self.current = store, version, created, current
        self.keys: list[str] = []
        self.stored_bytes = 0
        self._pending: list[tuple[str, bytes]] = []
        self._pending_bytes = 0

    def keep(self, key: str, rendered: Rendered | None) -> None:
        if rendered is None:
            return
        payload = orjson.dumps({"media_type": rendered.media_type}) + b"\n" + rendered.gzipped
        self._pending.append((stored_key(key), payload))
        self.keys.append(key)
        self.stored_bytes += len(payload)
        self._pending_bytes += len(payload)
        if len(self._pending) >= _WRITE_EVERY or self._pending_bytes >= _WRITE_BYTES:
            self.flush()

    def flush(self) -> None:
        if self._pending:
            if self.current is None or self.current():
                self.store.put_analytics_many(self._pending, self.version, self.created)
            else:  # could not be served: not written (a newer answer may be stored under the key)
                del self.keys[len(self.keys) - len(self._pending):]
                self.stored_bytes -= self._pending_bytes
            self._pending.clear()
            self._pending_bytes = 0


class EventLike(Protocol):
    """A threading or multiprocessing event."""

    def is_set(self) -> bool: ...

    def set(self) -> None: ...


_stop: EventLike | None = None
"""In the rendering process: set when the refresh that started it is abandoned
(given to the process when it is forked, :func:`_inherit_stop`)."""


def _inherit_stop(stop: EventLike, parent: int) -> None:
    global _stop
    _stop = stop
    watch_parent(parent)  # a refresh killed outright leaves no rendering process behind


@dataclass(frozen=True)
class _Todo:
    """What a rendering process renders (picklable: it crosses to the
    process as arguments): each busiest firm's ego, view, trend (and
    figures for a client), each client's network not among them, each
    (bank, client) of ``officers`` (the client's network as the bank's
    officers see it), then (``two_hop``) every client's two-hop network and
    every (bank, client)'s — of which this process renders every
    ``shards``-th from ``shard`` on."""

    busiest: list[tuple[str, bool]]
    clients: list[str]
    max_nodes: int
    two_hop: bool = False
    officers: Sequence[tuple[str, str]] = ()
    shard: int = 0
    shards: int = 1

    def sharded(self, shards: int) -> list[_Todo]:
        """This work split among ``shards`` processes, answer by answer in
        turn (a busy firm's next to a small one's in each)."""
        return [dataclasses.replace(self, shard=i, shards=shards) for i in range(shards)]

    def answers(self, store: Store) -> Iterator[pages.Page]:
        return itertools.islice(self._all(store), self.shard, None, self.shards)

    def _all(self, store: Store) -> Iterator[pages.Page]:
        for firm_id, is_client in self.busiest:
            yield pages.ego(store, firm_id, 1, None, None, self.max_nodes)
            yield pages.view(store, firm_id, 1, None, None, DEFAULT_LANG)  # the view's model, Japanese
            yield pages.trend(store, firm_id, "month", None, None)
            if is_client:
                yield pages.figures(store, firm_id)
        busiest_ids = {f for f, _ in self.busiest}
        for firm_id in self.clients:
            if firm_id not in busiest_ids:
                yield pages.ego(store, firm_id, 1, None, None, self.max_nodes)
        for bank, firm_id in self.officers:
            yield officer_ego(store, bank, firm_id, self.max_nodes)
        if self.two_hop:
            for firm_id in self.clients:
                yield pages.ego(store, firm_id, 2, None, None, self.max_nodes)
            for bank, firm_id in self.officers:
                yield officer_ego(store, bank, firm_id, self.max_nodes, 2)


def _render(store: Store, todo: Iterable[pages.Page], version: int, created: str,
            stop: EventLike | None = None, threads: int | None = None,
            current: Callable[[], bool] | None = None) -> _Stored:
    """Render and store ``todo``, in order; none more once ``stop`` (else
    this process's :data:`_stop`) is set. ``threads``: at once (default:
    :data:`_THREADS` on Neo4j, else one; one renders in this thread).
    ``current``: asked before each write; ``False`` drops what would be
    written (it could not be served)."""
    t0 = time.perf_counter()
    out = _Batches(store, version, created, current)
    render = functools.partial(_rendered, stop=stop or _stop)
    # Threads on Neo4j, where most of an answer's time is its four reads' round trips;
    # on the embedded store an answer is CPU in this process, and threads only contend.
    n = threads or (_THREADS if store.backend == "neo4j" else 1)
    if n == 1:
        for key, rendered in map(render, todo):
            out.keep(key, rendered)
    else:
        with ThreadPoolExecutor(n) as pool:
            for key, rendered in pool.map(render, todo):
                out.keep(key, rendered)
    out.flush()
    return _Stored(out.keys, out.stored_bytes, time.perf_counter() - t0)


_CATCH_UP_SECONDS = 120.0
"""How long the rendering process waits for its store to read the data version it renders."""


def _lower_priority() -> None:
    """This (rendering) process at :data:`_NICE` more than it was."""
    with contextlib.suppress(OSError):  # not allowed here: rendered at the same priority
        os.nice(_NICE)


def _render_elsewhere(opener: Callable[[], Store], todo: _Todo, version: int, created: str) -> _Stored:
    """``todo`` rendered in a process of its own, on the store opened again
    there. Its reads start once they see data version ``version``: on a
    Neo4j cluster they may go to a member that has not applied the load's
    last writes yet (this process's driver does not hold the refresh's
    bookmarks), and answers rendered from older data would be stored under
    the new version. If they do not within :data:`_CATCH_UP_SECONDS`,
    nothing is rendered (the answers are computed on request)."""
    collect_rarely()  # what it inherited is frozen already (around the fork); collections rarer
    store = opener()
    if store.backend != "neo4j":  # on Neo4j the rendering is the refresh's longer part
        _lower_priority()
    try:
        deadline = time.monotonic() + _CATCH_UP_SECONDS
        while (seen := store.data_version()) < version:
            if time.monotonic() > deadline:
                log.warning("answers not rendered at load time: the store read data version %d, not %d",
                            seen, version)
                return _Stored([], 0, 0.0)
            time.sleep(0.2)
        return _render(store, todo.answers(store), version, created)
    finally:
        store.close()


class Precompute:
    """The answers rendered at load time, started before the rest of a
    refresh and finished after it (:meth:`finish`).

    Of them only the busiest clients' peers read what the refresh computes
    (the peer inputs); the rest — the busiest firms' ego, view, trend and
    figures, and every client's network — is rendered meanwhile, in a
    process of its own (forked; the store opened again there) while this
    process computes the peer inputs, portfolio signals and alerts: the two
    halves of the refresh share the machine's two cores instead of taking
    turns for one interpreter lock (the refresh after the 100k region's
    load on the embedded store: 154 → 83 s). On Neo4j, where an answer is
    partly waiting for its reads, four threads of that process render
    (four reads at a time); the process has a driver of its own, from the
    settings.
    """

    def __init__(self, store: Store, settings: Settings, firms: int | None = None,
                 clients: Iterable[str] | None = None, background: bool = True) -> None:
        self.store = store
        n = settings.precompute_firms if firms is None else firms
        self.t0 = time.perf_counter()
        self.version = store.data_version()
        self.created = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        self.busiest: list[tuple[str, bool]] = []
        for firm_id, _ in store.busiest_firms(n) if n > 0 else []:
            firm = store.get_firm(firm_id)
            if firm is not None:
                self.busiest.append((firm_id, bool(firm.is_client)))
        # Before the answers: the busiest firms' pairs and partners laid out by month
        # (api.window_tables), which their answers below and over any window read.
        t_tables = time.perf_counter()
        self.table_bytes = window_tables.write_tables(store, [f for f, _ in self.busiest], self.version,
                                                      self.created)
        self.table_seconds = time.perf_counter() - t_tables
        ids = sorted(clients if clients is not None else store.client_ids()) if settings.precompute_clients else []
        self.clients = len(ids)
        self.two_hop = two_hop_precomputed(settings, store) and bool(ids)
        officers = officer_clients(store, ids) if settings.precompute_officers else []
        self.officers = len(officers)
        todo = _Todo(self.busiest, ids, settings.max_ego_nodes, self.two_hop, officers)
        opener = _opener(store, settings)
        self._pool: Executor | None = None
        # Set by abandon(): the rendering stops after the answer at hand.
        self._stop: EventLike = threading.Event()
        self._futures: list[Future[_Stored]] = []
        cpus = os.cpu_count() or 1
        if not background:
            self._futures.append(Future())
            self._futures[0].set_result(_render(store, todo.answers(store), self.version, self.created))
        elif opener is not None and cpus > 1:
            # Neo4j: one process of four threads (an answer there mostly waits for its reads, and
            # the database needs the other core). Embedded: each answer is CPU in Python; without
            # the officers' answers one process ends before this one's part of the refresh (100k
            # region: ~50 against ~65 s), with them (~100 s more) two, the answers dealt out in turn.
            processes = 1 if store.backend == "neo4j" or not officers else min(cpus, _PROCESSES)
            shards = todo.sharded(processes)
            fork = mp.get_context("fork")
            self._stop = fork.Event()  # reaches the processes as they are forked, not through the call queue
            self._pool = ProcessPoolExecutor(len(shards), mp_context=fork, initializer=_inherit_stop,
                                             initargs=(self._stop, os.getpid()))
            # The children's garbage collectors leave what they inherit alone (a load's
            # leftovers, pages shared with this process until touched): frozen
            # around the forks, which happen in the first submit.
            gc.freeze()
            try:
                self._futures = [self._pool.submit(_render_elsewhere, opener, shard, self.version, self.created)
                                 for shard in shards]
            finally:
                gc.unfreeze()
        else:
            self._pool = ThreadPoolExecutor(1)
            self._futures.append(self._pool.submit(_render, store, todo.answers(store), self.version, self.created,
                                                   self._stop))

    def abandon(self) -> None:
        """Stop the rendering started here (the refresh failed): no answer is
        rendered after the one at hand, the process or thread is waited for,
        and the list of stored answers is left as it was. Answers already
        stored stay: each is right for the data version it is stored with."""
        self._stop.set()
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)

    def finish(self) -> dict[str, Any]:
        """Render the busiest clients' peers (the peer inputs stored by now),
        wait for the rest, store the list of keys; counts, bytes, seconds."""
        try:
            snapshots = SnapshotCache()
            t0 = time.perf_counter()
            peers = _render(self.store, (pages.peers(self.store, f, None, snapshots)
                                         for f, is_client in self.busiest if is_client),
                            self.version, self.created)
            rendered = [f.result() for f in self._futures]
        finally:
            if self._pool is not None:
                self._pool.shutdown(wait=True)
        rest = _Stored([k for r in rendered for k in r.keys], sum(r.stored_bytes for r in rendered),
                       max((r.seconds for r in rendered), default=0.0))
        keys = [*rest.keys, *peers.keys]
        self.store.put_analytics(INDEX, orjson.dumps(keys), self.version, self.created)
        return {"firms": len(self.busiest), "window_tables": len(self.busiest),
                "window_table_bytes": self.table_bytes, "window_table_seconds": round(self.table_seconds, 1),
                "client_egos": self.clients,
                "client_egos_two_hop": self.clients if self.two_hop else 0, "officer_egos": self.officers,
                "officer_egos_two_hop": self.officers if self.two_hop else 0,
                "answers": len(keys),
                "bytes": rest.stored_bytes + peers.stored_bytes, "data_version": self.version,
                "rendered_seconds": round(rest.seconds, 1), "peers_seconds": round(time.perf_counter() - t0, 1),
                "seconds": round(time.perf_counter() - self.t0, 1)}


def precompute_answers(store: Store, settings: Settings, firms: int | None = None,
                       clients: Iterable[str] | None = None) -> dict[str, Any]:
    """Render and store the default answers of the ``firms`` busiest firms
    (``TORIHIKI_PRECOMPUTE_FIRMS`` when ``None``) and the default ego network
    of each client firm (``clients``; every client in the store when
    ``None``; none when ``TORIHIKI_PRECOMPUTE_CLIENTS`` is off), in this
    process. Returns counts, bytes stored and seconds."""
    return Precompute(store, settings, firms, clients, background=False).finish()


def render_for_banks(store: Store, settings: Settings, banks: Iterable[str],
                     stop: EventLike | None = None, threads: int | None = 1) -> dict[str, Any]:
    """Render again, at the store's data version now, the one-hop network
    of every client that consents to share with one of ``banks``, as that
    bank's officers get it, then (where a refresh renders two-hop networks,
    :func:`two_hop_precomputed`) its two-hop network: after a change of a
    bank's consents its stored answers are no longer served
    (``Store.consent_version``), and until the next load's refresh its
    officers' networks would be computed on every request. Nothing when a
    refresh renders none (``TORIHIKI_PRECOMPUTE_OFFICERS`` or
    ``TORIHIKI_PRECOMPUTE_CLIENTS`` off) or stored answers are not served.
    ``threads`` at once (a server's: one, in this thread; ``stop`` ends it
    after the answer at hand; ``None``: as a refresh, :data:`_THREADS` on
    Neo4j, the CLI's).

    The round stops, storing nothing more, once what it renders could not
    be served any more (:class:`_Outdated`: a later change of one of the
    banks' consents, or a load); ``complete`` says whether it rendered
    every answer. An answer rendered from data newer than the version it is
    stored with (a write landing meanwhile) is never served after such a
    change either: its consent or trade version is above it."""
    wanted = {b.strip() for b in banks}
    if not wanted or not _renders_banks(settings):
        return {"banks": sorted(wanted), "officer_egos": 0, "officer_egos_two_hop": 0, "seconds": 0.0,
                "complete": True}
    version = store.data_version()
    created = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    todo = [(b, f) for b, f in officer_clients(store, store.client_ids()) if b in wanted]
    outdated = _Outdated(store, wanted, version, stop)
    done = [_render(store, (officer_ego(store, b, f, settings.max_ego_nodes, hops) for b, f in todo), version,
                    created, outdated, threads=threads, current=outdated.current)
            for hops in (1, 2) if hops == 1 or two_hop_precomputed(settings, store)]
    keys = sum(len(d.keys) for d in done)
    return {"banks": sorted(wanted), "officer_egos": len(done[0].keys),
            "officer_egos_two_hop": len(done[1].keys) if len(done) > 1 else 0, "data_version": version,
            "bytes": sum(d.stored_bytes for d in done), "seconds": round(sum(d.seconds for d in done), 1),
            "complete": keys == len(todo) * len(done) or not outdated.stopped()}


class _Outdated:
    """Set (:class:`EventLike`) once ``stop`` is, or once what a round
    renders at data version ``version`` could not be served any more: one
    of ``banks`` had a consent change after it (another server process or
    the CLI changed the bank's consents, and renders them again itself), or
    a load wrote after it (its refresh renders them). Checked every
    :data:`_CONSENT_CHECK_EVERY` answers and before each write
    (:meth:`current`)."""

    def __init__(self, store: Store, banks: Collection[str], version: int, stop: EventLike | None) -> None:
        self.store, self.banks, self.version, self.stop = store, sorted(banks), version, stop
        self._asked = 0
        self._outdated = False

    def stopped(self) -> bool:
        """Whether the round stopped (as last seen: no read)."""
        return self._outdated or (self.stop is not None and self.stop.is_set())

    def is_set(self) -> bool:
        if self.stopped():
            return True
        self._asked += 1
        if self._asked % _CONSENT_CHECK_EVERY == 0:
            self.current()
        return self._outdated

    def current(self) -> bool:
        """Whether answers rendered at the round's version can still be served (read now)."""
        if not self._outdated:
            self._outdated = (self.store.trade_version() > self.version
                              or any(self.store.consent_version(b) > self.version for b in self.banks))
        return not self._outdated

    def set(self) -> None:
        self._outdated = True


_CONSENT_CHECK_EVERY = 100
"""Answers rendered for banks between two reads of their consent versions (~0.5–3 s of rendering)."""


def _renders_banks(settings: Settings) -> bool:
    """Whether banks' answers are rendered (as a refresh renders them) and served."""
    return settings.precompute_clients and settings.precompute_officers and settings.serve_precomputed


class BankRenderer:
    """A server process's renderer of banks' answers after their consents
    change (:func:`render_for_banks`), in one background thread (started on
    the first change, then kept: one store connection) so that the change
    itself (an admin's request) returns at once. Changes that arrive while
    it renders are rendered after, once per bank; a change of a bank the
    round at hand renders stops the round, whose banks are all rendered
    again in the next."""

    def __init__(self, store: Store, settings: Settings) -> None:
        self.store, self.settings = store, settings
        self._cond = threading.Condition()
        self._pending: set[str] = set()
        self._busy = False  # a round is being rendered
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._rendering: frozenset[str] = frozenset()  # the banks of the round at hand
        self._superseded = threading.Event()  # set when one of them changes again: the round stops
        self.last: dict[str, Any] | None = None  # what the last round rendered

    def changed(self, bank: str) -> None:
        """``bank``'s consents changed: render its answers again, soon (a
        round rendering it now stops: what it would store is stale)."""
        if not _renders_banks(self.settings):
            return
        bank = bank.strip()
        with self._cond:
            if self._stop.is_set():
                return
            self._pending.add(bank)
            if bank in self._rendering:
                self._superseded.set()
            if self._thread is None:
                thread = threading.Thread(target=self._run, name="torihiki-bank-answers", daemon=True)
                try:
                    thread.start()
                except RuntimeError as e:  # no thread to be had: the answers are computed on request
                    log.warning("the answers of %s are not rendered again: %s", bank, e)
                    return
                self._thread = thread
            self._cond.notify_all()

    def is_set(self) -> bool:
        """The round at hand stops (:class:`EventLike`): closing, or superseded."""
        return self._stop.is_set() or self._superseded.is_set()

    def set(self) -> None:
        self._superseded.set()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._pending and not self._stop.is_set():
                    self._busy = False
                    self._cond.notify_all()  # wait() returns
                    self._cond.wait()
                if self._stop.is_set():
                    self._busy = False
                    self._cond.notify_all()
                    return
                banks, self._pending = self._pending, set()
                self._rendering = frozenset(banks)
                self._superseded.clear()
                self._busy = True
            done: dict[str, Any] | None = None
            try:
                done = self.last = render_for_banks(self.store, self.settings, banks, self)
            except StoreError as e:  # the store went away: the answers are computed on request meanwhile
                log.warning("the answers of %s were not rendered again after a consent change: %s",
                            ", ".join(sorted(banks)), e)
            except Exception:  # a fault in rendering: logged, and this thread goes on with later changes
                log.exception("the answers of %s were not rendered again after a consent change",
                              ", ".join(sorted(banks)))
            with self._cond:
                self._rendering = frozenset()
                if done is not None and not done["complete"] and not self._stop.is_set():
                    self._pending |= banks  # stopped early: every bank of the round again, at the new version

    def wait(self, timeout: float | None = None) -> bool:
        """Until what was asked so far is rendered (tests, shutdown); ``False`` on timeout."""
        with self._cond:
            return self._cond.wait_for(lambda: not self._busy and (not self._pending or self._stop.is_set()),
                                       timeout)

    def close(self) -> None:
        """Stop after the answer at hand, and wait for it."""
        with self._cond:
            self._stop.set()
            self._cond.notify_all()
            thread = self._thread
        if thread is not None:
            thread.join(30)


def two_hop_precomputed(settings: Settings, store: Store) -> bool:
    """Whether the clients' two-hop networks are rendered at load time
    (``TORIHIKI_PRECOMPUTE_TWO_HOP``; unset: on Neo4j only)."""
    if settings.precompute_two_hop is not None:
        return settings.precompute_two_hop
    return store.backend == "neo4j"


def _rendered(page: pages.Page, stop: EventLike | None = None) -> tuple[str, Rendered | None]:
    """(key, rendered answer), or ``None`` for an answer refused (e.g. peers
    of a client without an industry: computed, and refused, on request) or
    not rendered because ``stop`` is set."""
    key, render = page
    if stop is not None and stop.is_set():
        return key, None
    try:
        return key, render()
    except (ValueError, StoreError):
        return key, None


def _opener(store: Store, settings: Settings) -> Callable[[], Store] | None:
    """How the rendering process opens the store again (picklable): the
    embedded store's own reopener; on Neo4j a driver of that process's own,
    from ``settings`` (the server the refresh's store was opened on)."""
    reopener = getattr(store, "reopener", None)
    if reopener is not None:
        return reopener()
    if store.backend == "neo4j" and settings.neo4j_uri:
        return functools.partial(open_store, settings.store_config("batch"))
    return None


def officer_clients(store: Store, clients: Iterable[str]) -> list[tuple[str, str]]:
    """(bank, client) for each of ``clients`` and each bank it consented to
    share with: the networks rendered for banks' credit officers, bank by bank."""
    consents = store.consents()
    return sorted((bank, firm_id) for firm_id in clients for bank in consents.get(firm_id, ()))


def officer_ego(store: Store, bank: str, firm_id: str, max_nodes: int, hops: int = 1) -> pages.Page:
    """A client's default network of ``hops`` as ``bank``'s credit officers
    get it: read through the bank's scope (masked by consent, the same answer
    for every officer of the bank: :meth:`ScopedStore.access`), keyed as
    :func:`api.responses.answer` keys it for them."""
    # focus: as the API's request for it names its hidden partners (api.deps)
    scoped = ScopedStore(store, Principal("precompute", Role.CREDIT_OFFICER, bank), focus=firm_id)
    key, render = pages.ego(scoped, firm_id, hops, None, None, max_nodes)
    return scoped_key(scoped, key), render


def read_stored(payload: bytes) -> tuple[str, bytes]:
    """(media type, gzip-compressed body) of a stored answer."""
    head, _, body = payload.partition(b"\n")
    return str(orjson.loads(head)["media_type"]), body
