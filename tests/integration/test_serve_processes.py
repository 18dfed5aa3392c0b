"""``torihiki serve --workers 2`` (:mod:`api.server_processes`): two server
processes, each on a socket of its own, started as a user starts them (a
process on a fresh embedded store) and asked over TCP.

What a user relies on: connections opened at once are spread over both
processes (uvicorn's shared socket often gave all of them to one); a
process that dies is replaced while the other keeps answering; a second
server on the same port is refused with a clear error instead of sharing
it; SIGTERM stops every process."""

from __future__ import annotations

import collections
import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import free_port


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEO4J_", "TORIHIKI_"))}
    env["TORIHIKI_HOME"] = str(home)
    return env


def _answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=5) as r:
            return bool(r.status == 200)
    except OSError:
        return False


def _wait(cond: Callable[[], bool], what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not cond():
        assert time.monotonic() < deadline, f"not within {seconds:.0f} s: {what}"
        time.sleep(0.2)


class Served:
    def __init__(self, proc: subprocess.Popen[bytes], port: int, log: Path) -> None:
        self.proc, self.port, self.log = proc, port, log
        self.closed = 0

    def _socket_pids(self, *state: str) -> collections.Counter[int]:
        """Sockets of the server's port in ``state`` (``ss``), counted by the process holding them."""
        out = subprocess.run(["ss", "-tnpH", *state, f"( sport = :{self.port} )"],
                             capture_output=True, text=True).stdout
        return collections.Counter(int(p) for p in re.findall(r"pid=(\d+)", out))

    def processes(self) -> set[int]:
        """The server processes: those listening on the port (each does once
        its app has started; the supervisor never listens)."""
        return set(self._socket_pids("state", "listening"))

    def owners(self, n: int) -> collections.Counter[int]:
        """Open ``n`` connections at once, ask /health on each, and count
        which server process holds them (:attr:`closed`: how many the server
        closed after the answer)."""
        self.closed = 0
        conns: list[socket.socket] = []
        failed: list[str] = []
        lock, start = threading.Lock(), threading.Barrier(n)

        def one() -> None:
            start.wait()
            try:
                s = socket.create_connection(("127.0.0.1", self.port), timeout=10)
            except OSError as e:
                with lock:
                    failed.append(repr(e))
                return
            with lock:
                conns.append(s)  # closed below, also after a failure
            try:
                s.sendall(b"GET /health HTTP/1.1\r\nHost: t\r\n\r\n")
                head = s.recv(65536)
            except OSError as e:
                head = repr(e).encode()
            if not head.startswith(b"HTTP/1.1 200"):
                with lock:
                    failed.append(head[:80].decode(errors="replace"))
            elif b"connection: close" in head.lower():  # over its process's share (api.connection_balance)
                with lock:
                    self.closed += 1

        threads = [threading.Thread(target=one) for _ in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        try:
            assert not failed, failed
            return self._socket_pids("state", "established")
        finally:
            for s in conns:
                s.close()


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    port, log = free_port(), tmp_path / "serve.log"
    with log.open("w") as fh:
        proc = subprocess.Popen([sys.executable, "-m", "api.cli", "serve", "--port", str(port), "--workers", "2",
                                 "--no-access-log"], env=_env(tmp_path / "home"), stdout=fh, stderr=fh,
                                start_new_session=True)
    s = Served(proc, port, log)
    try:
        _wait(lambda: proc.poll() is None and len(s.processes()) == 2 and _answers(port), "two processes serving")
        yield s
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)


def test_connections_opened_at_once_are_spread_over_both_processes(served: Served) -> None:
    processes = served.processes()
    counts = served.owners(40)
    assert set(counts) == processes, counts
    # Spread by the kernel's hash of each connection: an even split on average,
    # never all on one; fewer than 6 of 40 on one process has odds below 1 in 10^6.
    # (A process over its share may close one after its answer: at most one each, only
    # the process holding more, so the fewer are never fewer for it.)
    assert min(counts.values()) >= 6 and sum(counts.values()) + served.closed == 40, (counts, served.closed)
    assert served.closed <= 2


def test_kept_alive_connections_are_evened_out_over_the_processes(served: Served) -> None:
    """Twenty clients each asking again and again on a kept-alive connection,
    opening a new one when the server closes theirs: whatever the kernel's
    first split, the processes hold ten each within seconds, and from then
    on no connection is closed (api.connection_balance)."""
    n, stop, lock = 20, threading.Event(), threading.Lock()
    reconnects, failed, start = [0], [], threading.Barrier(20)
    first: list[collections.Counter[int]] = []

    def client() -> None:
        start.wait()
        conn = http.client.HTTPConnection("127.0.0.1", served.port, timeout=10)
        try:
            while not stop.is_set():
                conn.request("GET", "/health")
                r = conn.getresponse()
                r.read()
                if r.status != 200:
                    with lock:
                        failed.append(r.status)
                if r.will_close:
                    conn.close()
                    with lock:
                        reconnects[0] += 1
                time.sleep(0.01)
        except OSError as e:
            with lock:
                failed.append(repr(e))
        finally:
            conn.close()

    threads = [threading.Thread(target=client) for _ in range(n)]
    for t in threads:
        t.start()
    try:
        time.sleep(0.3)
        first.append(served._socket_pids("state", "established"))
        _wait(lambda: sorted(served._socket_pids("state", "established").values()) == [10, 10],
              "ten connections on each process", 20)
        with lock:
            before = reconnects[0]
        time.sleep(1.0)
        counts = served._socket_pids("state", "established")
        with lock:
            after = reconnects[0]
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert not failed, failed
    assert sorted(counts.values()) == [10, 10], (first, counts)
    assert after == before, f"{after - before} connections closed once the processes were even"


def test_the_supervisor_says_when_every_process_serves(served: Served) -> None:
    """A load test or a proxy that starts at the first answer puts every
    connection on the processes already listening; the line tells it when
    all of them do, once."""
    _wait(lambda: "all 2 worker processes serving" in served.log.read_text(), "the line")
    assert len(served.processes()) == 2
    assert served.log.read_text().count("worker processes serving") == 1


def test_a_process_that_dies_is_replaced_and_the_other_keeps_answering(served: Served) -> None:
    first = served.processes()
    victim = min(first)
    os.kill(victim, signal.SIGKILL)
    _wait(lambda: victim not in served.processes(), "the killed process's socket closed")
    # and reaped by the supervisor: for a moment after a process's socket is
    # gone from the list, the kernel can still hash a connection to it (reset)
    _wait(lambda: not Path(f"/proc/{victim}").exists(), "the killed process reaped")
    assert _answers(served.port)  # the other one answers meanwhile
    _wait(lambda: len(served.processes()) == 2 and victim not in served.processes(), "a replacement")
    now = served.processes()
    assert len(now & first) == 1
    assert set(served.owners(40)) == now
    assert "starting another" in served.log.read_text()


def test_a_second_server_on_the_same_port_is_refused(served: Served, tmp_path: Path) -> None:
    second = subprocess.run([sys.executable, "-m", "api.cli", "serve", "--port", str(served.port), "--workers", "2"],
                            env=_env(tmp_path / "other"), capture_output=True, text=True, timeout=60)
    assert second.returncode == 2
    assert f"cannot listen on 127.0.0.1:{served.port}" in second.stderr
    assert len(served.processes()) == 2 and _answers(served.port)  # the first one untouched


def test_sigterm_stops_every_process(served: Served) -> None:
    processes = served.processes()
    served.proc.send_signal(signal.SIGTERM)
    assert served.proc.wait(timeout=60) == 0
    for pid in processes:
        _wait(lambda pid=pid: not Path(f"/proc/{pid}").exists(), f"process {pid} ended", 10)
    assert not _answers(served.port)


def test_ctrl_c_stops_every_process_without_replacing_one(served: Served) -> None:
    """Ctrl+C in a terminal signals the whole process group: the server
    processes end on their own and the supervisor must not take that for
    a death to repair."""
    processes = served.processes()
    os.killpg(served.proc.pid, signal.SIGINT)
    assert served.proc.wait(timeout=60) == 0
    for pid in processes:
        _wait(lambda pid=pid: not Path(f"/proc/{pid}").exists(), f"process {pid} ended", 10)
    assert "starting another" not in served.log.read_text()
    assert not _answers(served.port)
