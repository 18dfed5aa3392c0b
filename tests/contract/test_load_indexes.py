"""Indexes a large load builds once at its end (both stores).

A load of at least twice as many files as the store holds batches may drop
the indexes that no read of a load uses and build them again when it ends
(:meth:`queries.store.Store.defer_load_indexes`; the embedded store does,
Neo4j keeps its own). Whatever the store chose, the load stores what loading
the same files one by one stores. The embedded store's are gone while the
load writes (with its writer in a process or a thread) and there again after
a load that ends, one whose write fails, one its caller abandons and one
killed outright (the next open of the store creates them); a failure to
build them after a failed load does not hide the load's own error.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from ingest.load import Loader, LoadJob, LoadSummary
from queries.embedded_store import EmbeddedStore
from queries.model import LoadWrite
from queries.sql.schema import LOAD_DEFERRED_INDEXES
from queries.store import Store, StoreUnavailable

HEADER = "date,counterparty_name,direction,amount\n"


def _ledgers(folder: Path, n: int) -> list[LoadJob]:
    """``n`` clients' ledgers naming some of the same counterparties, with sales,
    purchases, receipts and payments (the observations of both tables)."""
    folder.mkdir(parents=True, exist_ok=True)
    jobs = []
    for i in range(n):
        rows = [
            f"2025-04-0{1 + i % 9},株式会社大田機械,sale,{100_000 + i}",
            f"2025-04-1{i % 9},合同会社倉吉デザイン{i % 3},purchase,{40_000 + i}",
            f"2025-05-02,株式会社大田機械,receipt,{100_000 + i}",
            f"2025-05-20,合同会社倉吉デザイン{i % 3},payment,{40_000 + i}",
            f"2025-06-0{1 + i % 5},株式会社米子商事{i % 2},sale,{7_000 * (i + 1)}",
        ]
        path = folder / f"C{i:02d}.csv"
        path.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
        jobs.append(LoadJob(path, f"C{i:02d}"))
    return jobs


def _load(store: Store, tmp_path: Path, jobs: list[LoadJob]) -> list[object]:
    loader = Loader(store, tmp_path / "rejects", progress=False)
    return [outcome for _, outcome in loader.load(jobs)]


def _stored(store: Store) -> tuple[object, ...]:
    """What a reader sees: counts, every firm's merged pairs and payments,
    and every client's own ledger and monthly sums."""
    firms = sorted(f.id for f in store.search_firms("", 1000, 0)[0])
    clients = sorted(store.client_ids())
    return (store.counts(), store.trade_edges(firms, None, None), store.payments(firms, None, None),
            [store.own_ledger(c) for c in clients], store.ledger_sums_of(clients))


def _index_names(store: EmbeddedStore) -> set[str]:
    with closing(sqlite3.connect(store.path)) as c:
        return {n for (n,) in c.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}


DEFERRED = set(LOAD_DEFERRED_INDEXES)


def test_a_large_load_stores_what_one_file_at_a_time_does(store: Store, tmp_path: Path) -> None:
    jobs = _ledgers(tmp_path / "ledgers", 12)
    outcomes = _load(store, tmp_path / "a", jobs)
    assert all(isinstance(o, LoadSummary) and o.rows_rejected == 0 for o in outcomes), outcomes
    together = _stored(store)
    for b in store.list_batches():
        store.rollback_batch(b.id)
    assert store.counts()["trades"] == 0 == store.counts()["payments"]
    for job in jobs:  # one job per load: nothing is deferred
        (outcome,) = _load(store, tmp_path / "b", [job])
        assert isinstance(outcome, LoadSummary)
    assert _stored(store) == together


def test_the_embedded_store_drops_them_only_for_a_load_twice_its_size(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "home")
    store.ensure_schema()
    try:
        every = _index_names(store)
        assert every >= DEFERRED
        assert store.defer_load_indexes(2)  # an empty store: dropped
        assert not _index_names(store) & DEFERRED
        assert "trade_obs_pair" in _index_names(store)  # the finish reads observations by pair
        store.restore_load_indexes()
        assert _index_names(store) == every

        _load(store, tmp_path, _ledgers(tmp_path / "first", 6))
        assert _index_names(store) == every  # built again at the end of the load
        assert not store.defer_load_indexes(11)  # less than twice the 6 batches stored: kept
        assert not store.defer_load_indexes(6)  # the same delivery again: kept
        assert _index_names(store) == every
        assert store.defer_load_indexes(12)
        # A refresh while such a load runs builds the partner lists off the
        # merged pairs' indexes: it creates them first.
        store.prepare_reads()
        assert store.partner_lists(["C00"])
        assert {"trade_pairs_buyer", "trade_pairs_seller"} <= _index_names(store)
        store.restore_load_indexes()
        assert _index_names(store) == every
    finally:
        store.close()


@pytest.mark.parametrize("workers", [0, 1], ids=["writer-thread", "writer-process"])
def test_a_load_twice_the_store_runs_without_them(tmp_path: Path, workers: int) -> None:
    """Seen from the caller while the outcomes come in: dropped during the
    load (the command line's writer process, or a thread), built at its end;
    a load of fewer files than twice the batches stored keeps them."""
    store = EmbeddedStore(tmp_path / "home")
    store.ensure_schema()
    try:
        every = _index_names(store)
        loader = Loader(store, tmp_path / "rejects", workers=workers, progress=False)
        during = [_index_names(store) for _ in loader.load(_ledgers(tmp_path / "first", 12))]
        assert len(during) == 12 and all(not names & DEFERRED for names in during)
        assert _index_names(store) == every and loader.times.indexes > 0

        second = Loader(store, tmp_path / "rejects", workers=workers, progress=False)
        more = [LoadJob(tmp_path / "more" / j.path.name, "M" + j.client_id[1:])
                for j in _ledgers(tmp_path / "more", 12)]
        during = [_index_names(store) for _ in second.load(more)]
        assert during and all(names == every for names in during)
        assert second.times.indexes == 0
    finally:
        store.close()


def test_an_abandoned_load_builds_them_again(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "home")
    store.ensure_schema()
    try:
        every = _index_names(store)
        outcomes = Loader(store, tmp_path / "rejects", progress=False, tx_rows=3).load(
            _ledgers(tmp_path / "ledgers", 8))
        next(outcomes)
        assert not _index_names(store) & DEFERRED
        outcomes.close()  # the caller stops reading (Ctrl-C in a command, a client gone)
        assert _index_names(store) == every
    finally:
        store.close()


class Crash(StoreUnavailable):
    pass


def test_the_indexes_are_back_after_a_failed_and_a_killed_load(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                                              ) -> None:
    home = tmp_path / "home"
    store = EmbeddedStore(home)
    store.ensure_schema()
    every = _index_names(store)
    jobs = _ledgers(tmp_path / "ledgers", 8)
    real_write = store.write_load
    calls = {"n": 0}

    def dying_write(load: LoadWrite) -> None:
        calls["n"] += 1
        assert not _index_names(store) & DEFERRED  # written without them
        if calls["n"] == 2:
            raise Crash("disk gone")
        real_write(load)

    monkeypatch.setattr(store, "write_load", dying_write)
    loader = Loader(store, tmp_path / "rejects", progress=False, tx_rows=3)
    with pytest.raises(Crash):
        for _ in loader.load(jobs):
            pass
    assert calls["n"] == 2
    assert _index_names(store) == every  # the loader built them again on its way out
    monkeypatch.setattr(store, "write_load", real_write)

    # Killed between the drop and the end: nothing ran on its way out.
    assert store.defer_load_indexes(len(jobs))
    store.close()
    again = EmbeddedStore(home)
    again.ensure_schema()  # what every command and the API do when they open the store
    try:
        assert _index_names(again) == every
        _load(again, tmp_path, jobs)  # the resumed load
        assert _index_names(again) == every
        assert again.counts()["payments"] > 0
        assert all(b.status == "done" for b in again.list_batches())
    finally:
        again.close()


@pytest.mark.neo4j
def test_neo4j_keeps_its_indexes(neo4j_store: Store) -> None:
    before = neo4j_store.counts()
    assert neo4j_store.defer_load_indexes(1_000_000) is False
    neo4j_store.restore_load_indexes()  # nothing to build; harmless
    assert neo4j_store.counts() == before


def test_a_failed_build_after_a_failed_load_does_not_hide_its_error(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    store = EmbeddedStore(tmp_path / "home")
    store.ensure_schema()
    try:
        def locked() -> None:
            raise StoreUnavailable("database is locked")

        def dying_write(load: LoadWrite) -> None:
            raise Crash("disk gone")

        monkeypatch.setattr(store, "restore_load_indexes", locked)
        monkeypatch.setattr(store, "write_load", dying_write)
        with pytest.raises(Crash):  # the load's own error, not the build's
            for _ in Loader(store, tmp_path / "rejects", progress=False).load(_ledgers(tmp_path / "a", 4)):
                pass
        assert "next open of the store builds them" in caplog.text
        monkeypatch.undo()

        # After a load that ended, a failed build is the error to report.
        monkeypatch.setattr(store, "restore_load_indexes", locked)
        with pytest.raises(StoreUnavailable, match="locked"):
            for _ in Loader(store, tmp_path / "rejects", progress=False).load(_ledgers(tmp_path / "b", 4)):
                pass
    finally:
        store.close()
