"""Helpers shared by CLI commands: opening the store, printing JSON."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, is_dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from api.settings import Settings
from queries.factory import open_store
from queries.store import Store, StoreUnavailable

if TYPE_CHECKING:  # imported on use: the CLI starts without it
    from api.precompute import Precompute

__all__ = ["opened", "emit", "pct", "as_jsonable", "refresh_analytics", "refresh_after_load", "OWN_PROCESS_LINES"]


@contextmanager
def opened(settings: Settings, wait: bool = False) -> Iterator[Store]:
    """The store for batch work, schema ensured, closed afterwards. On the
    embedded store, a ``TORIHIKI_HOME`` without a database is said on stderr
    (a mistyped folder, or the variable forgotten: a new, empty store is made
    there, and every command would answer as if the data were gone).

    A Neo4j that does not answer as the command starts (not started, a
    mistyped port) is said at once (:class:`StoreUnavailable`): a read command
    waited ~5 minutes in silence through retries meant for a server lost
    during a load. With ``wait`` (a load, a refresh: work a schedule may start
    while Neo4j restarts) it is tried again, said on stderr, for
    ``TORIHIKI_NEO4J_RETRY_SECONDS``."""
    config = settings.store_config("batch")
    if config.backend == "embedded" and not (Path(config.home) / _db_filename()).exists():
        print(f"torihiki: note: no store in {Path(config.home).resolve()} yet: a new, empty one is made there "
              "(if your data is elsewhere, set TORIHIKI_HOME to its folder)", file=sys.stderr)
    store = open_store(config)
    try:
        if config.backend == "neo4j":  # the embedded store's own errors say what is wrong (not "does not answer")
            _reached(store, config.neo4j_uri or "", config.retry_seconds if wait else 0.0)
        store.ensure_schema()
        yield store
    finally:
        store.close()


def _reached(store: Store, where: str, seconds: float) -> None:
    """Return once ``store`` answers; raise :class:`StoreUnavailable` when it
    has not within ``seconds`` (0: one try), saying on stderr that it waits."""
    reason = store.unreachable()  # a refusal that waiting does not mend (a wrong password) is raised here
    if reason is None:
        return
    hint = "start it (`scripts/neo4j-local start`), or check NEO4J_URI"
    if seconds <= 0:
        raise StoreUnavailable(f"{where} does not answer ({reason}): {hint}")
    print(f"torihiki: {where} does not answer ({reason}); trying again for up to {seconds:.0f} s "
          "(TORIHIKI_NEO4J_RETRY_SECONDS; Ctrl-C stops)", file=sys.stderr)
    deadline, delay = time.monotonic() + seconds, 1.0
    while reason is not None:
        if time.monotonic() + delay > deadline:
            raise StoreUnavailable(f"{where} does not answer ({reason}) after {seconds:.0f} s: {hint}")
        time.sleep(delay)
        delay = min(delay * 2, 15.0)
        reason = store.unreachable()


def _db_filename() -> str:
    from queries.embedded_store import (
        DB_FILENAME,  # on use: a Neo4j command does not load the embedded store
    )

    return DB_FILENAME


def as_jsonable(obj: Any) -> Any:
    if is_dataclass(obj) and not isinstance(obj, type):
        return asdict(obj)
    if isinstance(obj, list | tuple):
        return [as_jsonable(o) for o in obj]
    return obj


def emit(obj: Any) -> None:
    """One JSON document on its own line (UTF-8, not ASCII-escaped)."""
    print(json.dumps(as_jsonable(obj), ensure_ascii=False, default=str))  # noqa: T201


def pct(x: float | None) -> str:
    return "—" if x is None else f"{x * 100:.1f}%"


def refresh_analytics(store: Store, settings: Settings, quiet: bool = False) -> dict[str, Any] | None:
    """Recompute what is computed once per change of the data (after a
    load): the stored whole-network metrics that peer baselines read, and
    the answers of the busiest firms and the clients' networks
    (:mod:`api.precompute`). ``None`` when there is no trade yet."""
    import time

    from api.precompute import Precompute
    from api.refresh_turn import RefreshTurn

    # One refresh at a time on the store, wherever it runs (api.refresh_turn).
    turn = RefreshTurn.take(store, said=_say_waiting)
    try:
        t0 = time.perf_counter()
        store.prepare_reads()  # before the answers rendered below read the second hops
        # The answers rendered at load time, beside the rest (in another process on the embedded store).
        answers = Precompute(store, settings)
        turn.keep()  # renewed from now on: after the rendering processes were forked
        info = _refresh(store, answers, t0, quiet)
        if info is not None and turn.waited_seconds >= 1:
            info["waited_seconds"] = round(turn.waited_seconds, 1)
        return info
    finally:
        turn.release()


def _say_waiting(holder: str) -> None:
    from api.refresh_turn import LEASE_SECONDS

    print(f"another refresh holds the turn ({holder}): this one starts when it ends — or, if that process "  # noqa: T201
          f"was killed, when its lease runs out, within {LEASE_SECONDS:.0f} s of its last renewal",
          file=sys.stderr, flush=True)


def _refresh(store: Store, answers: Precompute, t0: float, quiet: bool) -> dict[str, Any] | None:
    """The body of :func:`refresh_analytics`, in its turn (``answers``: the
    :class:`api.precompute.Precompute` started)."""
    import time

    from api.alerts import refresh_alerts  # the alert feed: a read, not a computation
    from api.portfolio import Snapshot, refresh_peer_inputs
    from api.portfolio_signals import refresh_portfolio_signals  # the portfolio page's table
    from api.region_month import keep_region_month, month_of_ledgers
    from queries.series import ledger_totals_of

    try:
        try:
            # The whole network is read, and every client's metrics computed, once for all three tables.
            snap = Snapshot.load(store)
        except ValueError:  # no trade loaded yet: nothing to compute
            answers.finish()
            return None
        info = refresh_peer_inputs(store, snap=snap)
        info["seconds"] = round(time.perf_counter() - t0, 1)
        t2 = time.perf_counter()
        version = store.data_version()  # before the ledgers are read: a load meanwhile leaves them unused
        ledgers = store.ledger_sums_of(snap.clients)  # read once for the table, the alerts, the officers' totals
        store.put_ledger_totals({c: ledger_totals_of(c, sums) for c, sums in ledgers.items()}, version)
        keep_region_month(store, month_of_ledgers(ledgers), version)  # servers read it instead of every ledger
        info["portfolio"] = refresh_portfolio_signals(store, snap, ledgers=ledgers)
        info["portfolio_seconds"] = round(time.perf_counter() - t2, 1)
        info["alerts"] = refresh_alerts(store, snap=snap, ledgers=ledgers)
        del snap, ledgers
    except BaseException:
        # A failed (or interrupted) refresh does not leave the rendering running:
        # it stops after the answer at hand rather than render every client first.
        answers.abandon()
        raise
    t1 = time.perf_counter()
    info["precomputed"] = done = answers.finish()
    info["precompute_seconds"] = round(time.perf_counter() - t1, 1)  # what was left of it by then
    info["refresh_seconds"] = round(time.perf_counter() - t0, 1)
    if not quiet:
        two_hop = ", one and two hops" if done.get("client_egos_two_hop") else ""
        officers = (f", and {done['officer_egos']} as the banks' officers see them"
                    f"{' (one and two hops)' if done.get('officer_egos_two_hop') else ''}"
                    if done.get("officer_egos") else "")
        print(f"network metrics of {info['clients']} clients refreshed for peer baselines "
              f"in {info['seconds']} s; {done['answers']} answers (the {done['firms']} busiest firms', "
              f"the networks of {done['client_egos']} clients{two_hop}{officers}) rendered beside it in "
              f"{done['seconds']} s")  # noqa: T201
    return info


def analytics_behind(store: Store) -> bool:
    """Whether the analytics were not refreshed to the end for the data as
    it is now: the portfolio table and the list of answers rendered at load
    time (written last by :func:`refresh_analytics`) are missing or from
    another data version — a refresh interrupted, or a load run with
    ``--no-refresh``. A load that changes nothing refreshes only then."""
    from api.cache import stored_is_current
    from api.portfolio_signals import PORTFOLIO_SIGNALS
    from api.precompute import INDEX

    trades, version = store.trade_version(), store.data_version()
    # consent changes move the data version, not the trade the analytics are computed from
    if all((entry := store.get_analytics(name)) is not None and stored_is_current(entry[0], trades, version)
           for name in (PORTFOLIO_SIGNALS, INDEX)):
        return False
    # no trade: a refresh has nothing to compute and stores nothing (read only now: it scans every pair)
    return bool(store.busiest_firms(1))


OWN_PROCESS_LINES = 1_000_000
"""Ledger lines read by a load from which the refresh after it runs in a
process of its own (:func:`refresh_after_load`)."""


def refresh_after_load(store: Store, settings: Settings, lines: int, quiet: bool = False) -> dict[str, Any] | None:
    """:func:`refresh_analytics` after a load that read ``lines`` ledger
    lines: in a new process (started, not forked) when the load was large
    and the store is the embedded one, else in this process.

    Why: a large load leaves this process's heap fragmented (millions of
    names, spellings and series allocated and freed), and the refresh is
    allocation-heavy Python and pandas work, as are the rendering processes
    it forks. After the 100k-firm region's load the same refresh took
    65–70 s in a new process and 76 s in the loading one (in one run
    71 against 95 s; docs/data-model.md). Starting the process costs about
    a second of imports (0.9–1.5 s measured): nothing for a load of a
    million lines, much for one client's file, which keeps the refresh here.

    Only the embedded store: a new process's Neo4j driver does not hold the
    load's bookmarks, so on a cluster it could read a member that has not
    applied the load's last writes yet."""
    opener = getattr(store, "reopener", None)
    if lines < OWN_PROCESS_LINES or store.backend != "embedded" or opener is None:
        return refresh_analytics(store, settings, quiet)
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(1, mp_context=mp.get_context("spawn")) as pool:
        return pool.submit(_refresh_in_own_process, opener(), settings, quiet).result()


def _refresh_in_own_process(opener: Callable[[], Store], settings: Settings, quiet: bool) -> dict[str, Any] | None:
    """:func:`refresh_analytics` on the store opened again in this (new)
    process, where NumPy does not ask for transparent huge pages and
    Python's cyclic collector runs rarely (:mod:`api.process_memory`; so do
    the rendering processes it forks)."""
    from api.process_memory import collect_rarely, no_numpy_huge_pages

    no_numpy_huge_pages()
    collect_rarely()
    store = opener()
    try:
        return refresh_analytics(store, settings, quiet)
    finally:
        store.close()
