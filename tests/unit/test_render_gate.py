"""The gate that lets a few answers compute at once (api.render_gate)."""

from __future__ import annotations

import threading
import time

import pytest

from api.render_gate import RenderGate
from queries.cancel import CANCEL, Cancelled


def _busy(gate: RenderGate, n: int, seconds: float = 0.03) -> tuple[int, list[int]]:
    """Run ``n`` works of ``seconds`` through ``gate`` from ``n`` threads
    arriving one after the other: the most that ran together and the order
    they started in."""
    lock = threading.Lock()
    running = 0
    most = 0
    started: list[int] = []

    def work(i: int) -> int:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
            started.append(i)
        time.sleep(seconds)
        with lock:
            running -= 1
        return i

    results: list[int] = []
    threads = []
    for i in range(n):
        t = threading.Thread(target=lambda i=i: results.append(gate.run(lambda: work(i))))
        t.start()
        threads.append(t)
        time.sleep(0.005)  # arrive one after the other
    for t in threads:
        t.join()
    assert sorted(results) == list(range(n))
    return most, started


def _meet(gate: RenderGate, n: int, together: int) -> None:
    """Run ``n`` works through ``gate``, each waiting inside it until
    ``together`` of them are in (a barrier, 10 s at most): they meet only
    if the gate lets that many through at once. Timing-free: a busy
    machine (the suite's other process) delays the threads, not the meeting."""
    barrier = threading.Barrier(together, timeout=10)
    broken: list[BaseException] = []

    def work() -> None:
        try:
            gate.run(barrier.wait)
        except threading.BrokenBarrierError as e:
            broken.append(e)

    threads = [threading.Thread(target=work) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not broken, f"{together} works never ran at once"


def test_at_most_the_slots_compute_at_once_in_arrival_order() -> None:
    most, started = _busy(RenderGate(1), 6)
    assert most == 1
    assert started == sorted(started)  # first come, first served
    assert _busy(RenderGate(2), 6)[0] <= 2
    _meet(RenderGate(2), 6, together=2)  # and two do run at once


def test_waiters_keep_their_order_however_long_they_wait() -> None:
    """Works longer than the interval at which waiters look for a gone
    client: a waiter that looked is still served in its turn."""
    most, started = _busy(RenderGate(1), 5, seconds=0.12)
    assert most == 1 and started == [0, 1, 2, 3, 4]


def test_no_slots_lets_everything_through() -> None:
    _meet(RenderGate(0), 4, together=4)


def test_work_inside_the_gate_does_not_wait_for_itself() -> None:
    gate = RenderGate(1)
    assert gate.run(lambda: gate.run(lambda: 7)) == 7


def test_a_waiting_request_whose_client_has_gone_stops_waiting() -> None:
    gate = RenderGate(1)
    release = threading.Event()
    holder = threading.Thread(target=lambda: gate.run(release.wait))
    holder.start()
    time.sleep(0.05)
    gone = threading.Event()
    outcome: list[BaseException | str] = []

    def waiter() -> None:
        CANCEL.set(gone)
        try:
            gate.run(lambda: "ran")
            outcome.append("ran")
        except Cancelled as e:
            outcome.append(e)

    t = threading.Thread(target=waiter)
    t.start()
    time.sleep(0.1)
    assert outcome == []  # still waiting for the slot
    gone.set()
    t.join(timeout=2)
    assert len(outcome) == 1 and isinstance(outcome[0], Cancelled)
    release.set()
    holder.join()
    assert gate.run(lambda: "free") == "free"  # the waiter took no slot with it


def test_an_error_frees_the_slot() -> None:
    gate = RenderGate(1)

    def fail() -> None:
        raise ValueError("boom")

    with pytest.raises(ValueError):
        gate.run(fail)
    assert gate.run(lambda: 1) == 1


@pytest.mark.parametrize(("uri", "here"), [
    ("bolt://127.0.0.1:7687", True),
    ("neo4j://localhost:7687", True),
    ("bolt://127.0.1.1", True),
    ("bolt://[::1]:7687", True),
    ("neo4j+s://abcd1234.databases.neo4j.io", False),
    ("bolt://neo4j:7687", False),  # a compose service: not resolved
    ("bolt://10.0.0.5:7687", False),
    ("", False),
    (None, False),
    ("bolt://[not-an-address", False),
])
def test_a_neo4j_on_this_machine_is_one_reached_over_loopback(uri: str | None, here: bool) -> None:
    """One slot where Neo4j shares the server's cores, two where it is elsewhere
    (``api.app.render_slots``): told by the URI's host, without resolving a name."""
    from api.app import database_on_this_machine

    assert database_on_this_machine(uri) is here
