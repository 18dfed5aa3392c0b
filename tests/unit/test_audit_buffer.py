"""The read audit buffer (:class:`api.audit.AuditBuffer`) on the real
embedded store: a flush returns only once what was added before it is in
the log, also while the buffer's thread is still writing a flush of its own."""

from __future__ import annotations

import threading

import pytest

from api.audit import AuditBuffer
from queries.identity import AuditEntry
from queries.store import Store


def _entry(firm: str) -> AuditEntry:
    return AuditEntry("analyst", "analyst", None, "firm.ego", firm)


def test_a_flush_waits_for_one_under_way(embedded_store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    store = embedded_store
    buffer = AuditBuffer(store, flush_seconds=3600)  # its thread flushes only when woken
    writing, release = threading.Event(), threading.Event()
    real = store.append_audit

    def slow_first(entries: list[AuditEntry]) -> None:
        if not writing.is_set():  # the first write (the thread's flush) is held mid-way
            writing.set()
            assert release.wait(30)
        real(entries)

    monkeypatch.setattr(store, "append_audit", slow_first)
    try:
        buffer.add(_entry("F1"))
        first = threading.Thread(target=buffer.flush)  # as the buffer's thread would
        first.start()
        assert writing.wait(30)
        buffer.add(_entry("F2"))
        second = threading.Thread(target=buffer.flush)  # what a caller (a test, shutdown) asks
        second.start()
        second.join(0.5)
        assert second.is_alive()  # it waits for F1's write, not returns with F2 alone written
        release.set()
        first.join(30)
        second.join(30)
        entries, _ = store.audit_log(user="analyst", limit=10)
        assert {e.firm_id for e in entries} == {"F1", "F2"}
    finally:
        release.set()
        buffer.close()
