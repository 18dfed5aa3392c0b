"""A load goes on resolving while the writer finishes a round of batches.

The writer finishes the batches of many groups of files at once (their
merged pairs and firm totals). The main thread used to wait for that
finish before resolving more than a few dozen further groups, so the
parsing workers and the main process idled while the writer worked alone
(100k region: the machine at ~1.45 of its two cores for a fifth of the
load; 314 → 279 s and 317 → 308 s in two pairs of runs). Now only the groups
whose rows the writer has not taken count toward that bound: this test
holds the first finish until a later group's rows have been handed to the
writer, which with the old bound never happened (the main thread waited
for the finish).
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

import ingest.load as load_module
from ingest.load import Loader, LoadJob, LoadSummary
from queries.embedded_store import EmbeddedStore

HEADER = "date,counterparty_name,direction,amount\n"


def _ledger(path: Path, partner: str) -> Path:
    path.write_text(HEADER + f"2025-04-03,株式会社{partner},sale,100000\n"
                    f"2025-05-03,株式会社{partner},purchase,40000\n", encoding="utf-8")
    return path


class _WatchedLoader(Loader):
    """Sets ``later_write`` when a group's rows are handed over after the first finish."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.finish_submitted = False
        self.later_write = threading.Event()

    def _submit(self, method: str, *args: Any) -> Any:
        if method == "finish_batches":
            self.finish_submitted = True
        elif method == "write_load" and self.finish_submitted:
            self.later_write.set()
        return super()._submit(method, *args)


def test_main_thread_resolves_on_while_the_writer_finishes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(load_module, "_MAX_INFLIGHT", 1)  # the bound, small
    monkeypatch.setattr(load_module, "_FINISH_PAIRS", 6)  # a finish every third file (two pairs each)
    store = EmbeddedStore(tmp_path / "home")
    store.ensure_schema()
    loader = _WatchedLoader(store, tmp_path / "rejects", progress=False, tx_rows=1)  # a group per file
    seen_during_finish: list[bool] = []
    real_finish = store.finish_batches

    def held_finish(*args: Any, **kwargs: Any) -> None:
        if not seen_during_finish:  # the first finish waits for a later group's rows (at most 10 s)
            seen_during_finish.append(loader.later_write.wait(timeout=10))
        real_finish(*args, **kwargs)

    monkeypatch.setattr(store, "finish_batches", held_finish)
    jobs = [LoadJob(_ledger(tmp_path / f"c{i}.csv", f"取引先{i}"), f"C{i}") for i in range(8)]
    try:
        outcomes = [outcome for _, outcome in loader.load(jobs)]
        assert seen_during_finish == [True]
        assert all(isinstance(o, LoadSummary) and o.rows_loaded == 2 for o in outcomes), outcomes
        assert [o.file for o in outcomes if isinstance(o, LoadSummary)] == [str(j.path) for j in jobs]
        assert {b.status for b in store.list_batches()} == {"done"} and len(store.list_batches()) == 8
        assert len(store.pairs_of("C7")) == 2
    finally:
        store.close()


def test_a_failed_read_of_the_display_names_is_raised_after_every_outcome(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The display names are worked out before the last groups are reported
    (beside the writer's last finish): if that read fails, every file's
    outcome is still reported first, and its rows stay committed."""
    def broken(*_: Any) -> dict[str, str]:
        raise RuntimeError("names read failed")

    monkeypatch.setattr(load_module, "display_name_changes", broken)
    store = EmbeddedStore(tmp_path / "home")
    store.ensure_schema()
    loader = Loader(store, tmp_path / "rejects", progress=False, tx_rows=1)
    jobs = [LoadJob(_ledger(tmp_path / f"c{i}.csv", f"取引先{i}"), f"C{i}") for i in range(4)]
    outcomes: list[object] = []
    try:
        with pytest.raises(RuntimeError, match="names read failed"):
            for _, outcome in loader.load(jobs):
                outcomes.append(outcome)
        assert len(outcomes) == 4 and all(isinstance(o, LoadSummary) for o in outcomes), outcomes
        assert {b.status for b in store.list_batches()} == {"done"} and len(store.list_batches()) == 4
    finally:
        store.close()
