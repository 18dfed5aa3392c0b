"""One refresh at a time wherever the store is used (api.refresh_turn), on
both stores: a refresh waits while another holder (another machine's
server, a CLI load) has the turn and runs when it ends; a running refresh
keeps its turn past the lease's length by renewing it; a holder that died
keeps the next one waiting only until its lease ends."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from api.commands.common import refresh_analytics
from api.portfolio_signals import PORTFOLIO_SIGNALS
from api.refresh_turn import REFRESH_LEASE, RefreshTurn, holder_name, refresh_holder
from api.service import ingest_file
from api.settings import Settings
from queries.model import Firm
from queries.store import Store

LEDGER = Path(__file__).resolve().parents[2] / "sample" / "ledgers" / "F0005.csv"


def test_a_turn_is_kept_by_renewing_and_waited_for(store: Store) -> None:
    turn = RefreshTurn.take(store, seconds=0.6, renew_every=0.1)
    with turn:
        time.sleep(1.2)  # twice the lease's length: renewed meanwhile
        assert refresh_holder(store) == turn.holder
        told: list[str] = []
        waiting: list[RefreshTurn] = []
        other = threading.Thread(target=lambda: waiting.append(
            RefreshTurn.take(store, said=told.append, seconds=5, poll=0.05)))
        other.start()
        time.sleep(0.5)
        assert not waiting and told == [turn.holder]  # told once who holds it
    other.join(30)
    assert waiting and refresh_holder(store) == waiting[0].holder
    assert waiting[0].waited_seconds >= 0.4
    waiting[0].release()
    assert refresh_holder(store) is None


def test_a_dead_holder_keeps_the_next_refresh_waiting_only_until_its_lease_ends(store: Store) -> None:
    t0 = time.monotonic()  # before the lease is written: its 0.8 s end comes after t0 + 0.8 s, however slow the write
    assert store.take_lease(REFRESH_LEASE, "gone pid 1", 0.8)  # a refresh killed outright: never released
    turn = RefreshTurn.take(store, poll=0.05)
    assert 0.5 <= time.monotonic() - t0 < 10
    turn.release()


def test_a_killed_holder_of_this_machine_does_not_keep_the_next_one_waiting(store: Store) -> None:
    """A refresh killed outright on this machine (its process gone) leaves
    its lease; the next one here sees the process is gone and takes the turn
    at once, rather than after the lease's 120 s."""
    import os
    import socket
    import subprocess
    import sys

    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True)
    space = holder_name().split()[-1]
    holder = f"{socket.gethostname()} pid {int(gone.stdout)} abcdef {space}"  # as holder_name() writes it
    assert store.take_lease(REFRESH_LEASE, holder, 120)
    t0 = time.monotonic()
    turn = RefreshTurn.take(store, poll=0.05)
    assert time.monotonic() - t0 < 5 and refresh_holder(store) == turn.holder
    turn.release()
    # a live process of this machine is waited for
    t0 = time.monotonic()
    assert store.take_lease(REFRESH_LEASE, f"{socket.gethostname()} pid {os.getpid()} abcdef {space}", 0.8)
    RefreshTurn.take(store, poll=0.05).release()
    assert time.monotonic() - t0 >= 0.5
    # a holder of another process-id namespace (another container of the same host name) is waited for
    assert store.take_lease(REFRESH_LEASE, f"{socket.gethostname()} pid {int(gone.stdout)} abcdef 0:1", 0.8)
    t0 = time.monotonic()
    RefreshTurn.take(store, poll=0.05).release()
    assert time.monotonic() - t0 >= 0.5


def test_a_refresh_waits_for_another_holders_turn(store: Store, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    store.upsert_firms([Firm("F0005", "株式会社五番", industry="E", is_client=True)])
    ingest_file(store, LEDGER, "F0005", None, tmp_path / "rejects")
    settings = Settings(TORIHIKI_HOME=tmp_path / "home", NEO4J_URI=None,  # type: ignore[call-arg]
                        TORIHIKI_PRECOMPUTE_CLIENTS=0)
    assert store.take_lease(REFRESH_LEASE, "another-machine pid 7 abc", 60)
    done: list[object] = []
    refresh = threading.Thread(target=lambda: done.append(refresh_analytics(store, settings, quiet=True)))
    refresh.start()
    time.sleep(3)
    assert not done and store.get_analytics(PORTFOLIO_SIGNALS) is None  # waiting: nothing computed yet
    assert "another refresh holds the turn (another-machine pid 7 abc)" in capsys.readouterr().err
    assert store.release_lease(REFRESH_LEASE, "another-machine pid 7 abc")
    refresh.join(300)
    assert done and isinstance(done[0], dict) and done[0]["waited_seconds"] >= 2
    stored = store.get_analytics(PORTFOLIO_SIGNALS)
    assert stored is not None and stored[0] == store.data_version()
    assert refresh_holder(store) is None  # released at its end
