"""The background refresh after loads (api.refresh_runner), on a real embedded
store with real child processes: requests made while one runs are served by
one more run, not lost; a failed run is reported and the next request runs."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from api.portfolio_signals import PORTFOLIO_SIGNALS
from api.refresh_runner import RefreshRunner
from api.refresh_turn import REFRESH_LEASE
from api.service import ingest_file
from api.settings import Settings
from queries.embedded_store import EmbeddedStore
from queries.model import Firm

LEDGER = Path(__file__).resolve().parents[2] / "sample" / "ledgers" / "F0005.csv"


@pytest.fixture
def loaded(tmp_path: Path) -> Iterator[EmbeddedStore]:
    store = EmbeddedStore(tmp_path / "home")
    store.ensure_schema()
    store.upsert_firms([Firm("F0005", "株式会社五番", industry="E", is_client=True)])
    ingest_file(store, LEDGER, "F0005", None, tmp_path / "rejects")
    yield store
    store.close()


def _refresh_children() -> list[str]:
    """Command lines of this process's children running ``api.cli refresh``."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            command = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, ValueError, IndexError):
            continue
        if ppid == os.getpid() and "api.cli refresh" in command:
            found.append(command)
    return found


def test_requests_while_running_are_served_once_more(loaded: EmbeddedStore, tmp_path: Path) -> None:
    runner = RefreshRunner(Settings(TORIHIKI_HOME=tmp_path / "home", NEO4J_URI=None), loaded)  # type: ignore[call-arg]
    runner.request()
    assert runner.state().running
    deadline = time.monotonic() + 10
    while not _refresh_children():  # the refresh runs in a child process
        assert time.monotonic() < deadline, "no child process ran the refresh"
        time.sleep(0.05)
    runner.request()  # while the first runs: once more after it
    runner.request()
    assert runner.wait(300)
    state = runner.state()
    assert not state.running and state.error is None and state.finished_at
    stored = loaded.get_analytics(PORTFOLIO_SIGNALS)
    assert stored is not None and stored[0] == loaded.data_version()
    assert not (tmp_path / "home" / "refresh.lock").exists()  # the turn is the store's, not a file's


def test_a_refresh_elsewhere_is_running_and_waited_for(loaded: EmbeddedStore, tmp_path: Path) -> None:
    runner = RefreshRunner(Settings(TORIHIKI_HOME=tmp_path / "home", NEO4J_URI=None), loaded)  # type: ignore[call-arg]
    assert loaded.take_lease(REFRESH_LEASE, "other-host pid 9 abcdef", 60)  # as another machine's refresh
    state = runner.state()
    assert state.running and state.by == "other-host pid 9 abcdef" and state.finished_at is None
    runner.request()
    time.sleep(4)  # waits for the turn, in the runner's thread: no child process yet
    assert runner.state().running and loaded.get_analytics(PORTFOLIO_SIGNALS) is None
    assert not _refresh_children()
    runner.request()  # asked again meanwhile: served by the same one run
    assert loaded.release_lease(REFRESH_LEASE, "other-host pid 9 abcdef")
    assert runner.wait(300)
    state = runner.state()
    assert not state.running and state.by is None and state.error is None and state.finished_at
    stored = loaded.get_analytics(PORTFOLIO_SIGNALS)
    assert stored is not None and stored[0] == loaded.data_version()


def test_a_failed_refresh_is_reported_and_the_next_one_runs(loaded: EmbeddedStore, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    runner = RefreshRunner(Settings(TORIHIKI_HOME=tmp_path / "home", NEO4J_URI=None), loaded)  # type: ignore[call-arg]
    with monkeypatch.context() as m:
        m.setenv("TORIHIKI_NEO4J_CONNECT_TIMEOUT", "-1")  # a setting the child's CLI refuses
        runner.request()
        assert runner.wait(300)
    failed = runner.state()
    assert failed.error and "TORIHIKI_NEO4J_CONNECT_TIMEOUT" in failed.error, failed.error
    assert loaded.get_analytics(PORTFOLIO_SIGNALS) is None
    runner.request()
    assert runner.wait(300) and runner.state().error is None
    assert loaded.get_analytics(PORTFOLIO_SIGNALS) is not None
