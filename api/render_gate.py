"""At most a few answers computed at once in one server process.

A computed answer (a two-hop ego, a view of a firm nothing was stored for)
is Python work: tens of milliseconds of one core, most of it holding the
interpreter lock. With ten requests in one process the threads that run
them share the lock every few milliseconds, so each answer takes ten times
its own work and the process does less in all (the lock changes hands,
caches go cold). The gate lets ``slots`` of them run and queues the others
in arrival order, so an answer waits for those before it and then runs at
the speed of one alone.

One slot per process on the embedded store and on a Neo4j on the same
machine, two on a Neo4j elsewhere (``api.app.render_slots``). On the
embedded store with the 100k region, two server processes on two cores,
ten connections asking two-hop egos of client firms, one slot served
79–81 answers/s at p99 392–485 ms, two slots 59–64/s at p99 530–661 ms,
no gate 59–66/s at p99 542–581 ms (30 s runs, alternated;
docs/data-model.md; that gate put a waiter back in line every time it
looked for a gone client, this one keeps the line). A second slot would
let one answer compute while another waits on the store, but the store's
reads (SQLite in this process) are CPU work on the same core too; so
are a Neo4j's on the same machine, now that its part of an answer is
~5 ms of its CPU.

Answers read as stored (the cache, the answers stored at load time) do not
pass the gate, nor do what-ifs (seconds each: a burst of them must not hold
every other answer back). A request whose client has gone away stops
waiting (:mod:`queries.cancel`).
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from typing import TypeVar

from queries.cancel import cancelled, check

T = TypeVar("T")

__all__ = ["RenderGate"]

_POLL_S = 0.05  # how often a waiting request checks that its client is still there, seconds


class RenderGate:
    """A counting gate for :meth:`run` whose waiters are served first come,
    first served (a freed slot is handed to the longest waiting);
    ``slots = 0`` lets everything through."""

    def __init__(self, slots: int) -> None:
        self.slots = slots
        self._lock = threading.Lock()
        self._free = slots
        self._queue: deque[threading.Event] = deque()  # one event per waiter, set when its turn comes
        self._held = threading.local()  # a thread inside run() does not wait for itself

    def run(self, work: Callable[[], T]) -> T:
        """``work()`` once a slot is free (waiting in arrival order)."""
        if self.slots <= 0 or getattr(self._held, "slot", False):
            return work()
        self._enter()
        self._held.slot = True
        try:
            return work()
        finally:
            self._held.slot = False
            self._leave()

    def _enter(self) -> None:
        with self._lock:
            if self._free > 0 and not self._queue:
                self._free -= 1
                return
            turn = threading.Event()
            self._queue.append(turn)
        while not turn.wait(_POLL_S):
            if cancelled():  # the client has gone: leave the line (or pass on a slot just handed over)
                with self._lock:
                    granted = turn.is_set()
                    if not granted:
                        self._queue.remove(turn)
                if granted:
                    self._leave()
                check()  # raises Cancelled

    def _leave(self) -> None:
        with self._lock:
            if self._queue:
                self._queue.popleft().set()  # the slot goes to the next in line
            else:
                self._free += 1
