"""At most a few answers computed at once in one server process.

A computed answer (a two-hop ego, a view of a firm nothing was stored for)
is Python work: tens of milliseconds of one core, most of it holding the
interpreter lock. With ten requests in one process the threads that run
them share the lock every few milliseconds, so each answer takes ten times
its own work and the process does less in all (the lock changes hands,
caches go cold). The gate lets ``slots`` of them run and queues the others
in arrival order, so an answer waits for those before it and then runs at
the speed of one alone.

One slot per process on the embedded store (``api.app.render_slots``; no
limit on Neo4j, whose answers mostly wait on the database): on the 100k
region, two server processes
on two cores, ten connections asking two-hop egos of client firms, one slot
served 79–81 answers/s at p99 392–485 ms, two slots 59–64/s at p99
530–661 ms, no gate 59–66/s at p99 542–581 ms (30 s runs, alternated;
docs/data-model.md). A second slot would let one answer compute while
another waits on the store, but the store's reads (SQLite in this process)
are CPU work on the same core too.

Answers read as stored (the cache, the answers stored at load time) do not
pass the gate, nor do what-ifs (seconds each: a burst of them must not hold
every other answer back). A request whose client has gone away stops
waiting (:mod:`queries.cancel`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

from queries.cancel import check

T = TypeVar("T")

__all__ = ["RenderGate"]

_POLL_S = 0.05  # how often a waiting request checks that its client is still there, seconds


class RenderGate:
    """A counting gate for :meth:`run`; ``slots = 0`` lets everything through."""

    def __init__(self, slots: int) -> None:
        self.slots = slots
        self._free = threading.Semaphore(slots) if slots > 0 else None
        self._held = threading.local()  # a thread inside run() does not wait for itself

    def run(self, work: Callable[[], T]) -> T:
        """``work()`` once a slot is free (waiting in arrival order)."""
        if self._free is None or getattr(self._held, "slot", False):
            return work()
        while not self._free.acquire(timeout=_POLL_S):
            check()  # raises Cancelled when the client has gone
        self._held.slot = True
        try:
            return work()
        finally:
            self._held.slot = False
            self._free.release()
