"""Closing the embedded store while another thread still uses it.

A background refresh of the alerts was still writing when a test closed
its store, and closing a SQLite connection that another thread is running
a statement on crashed the interpreter (a segmentation fault in CI).
``EmbeddedStore.close`` now waits for the calls that run.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

from queries.embedded_store import EmbeddedStore


def test_close_waits_for_calls_running_in_other_threads(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "home")
    store.ensure_schema()
    payload = bytes(range(256)) * 4096  # 1 MiB: each write takes a while
    stop = threading.Event()
    done: list[int] = []
    written = [0]  # writes so far, all threads (a rough count: += from three threads)
    errors: list[BaseException] = []

    def keep_writing() -> None:
        n = 0
        try:
            while not stop.is_set():
                store.put_analytics("blob", payload, n, "2026-12-02T00:00:00+00:00")
                got = store.get_analytics("blob")
                assert got is not None and got[2] == payload
                n += 1
                written[0] += 1
        except BaseException as e:  # noqa: BLE001 — reported to the test below
            errors.append(e)
        done.append(n)

    writers = [threading.Thread(target=keep_writing) for _ in range(3)]
    for t in writers:
        t.start()
    # A number of closes among a number of writes, not a time: each close
    # waits for the calls running, so how many fit in a second depends on the
    # machine (a loaded one managed 6 in 2 s). The deadline only ends a hang.
    deadline = time.monotonic() + 120.0
    closes = 0
    while (closes < 20 or written[0] < 20) and time.monotonic() < deadline:
        store.close()  # every connection, the writers' included, while they write
        closes += 1
        time.sleep(0.005)
    stop.set()
    for t in writers:
        t.join(timeout=30)
    store.close()

    assert not errors, errors
    assert closes >= 20 and sum(done) >= 20
    reopened = EmbeddedStore(tmp_path / "home")
    last = reopened.get_analytics("blob")
    reopened.close()
    assert last is not None and last[2] == payload
