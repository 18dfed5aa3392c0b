"""Keep-alive connections evened out over ``torihiki serve``'s processes.

Each server process has a listening socket of its own
(:mod:`api.server_processes`), and the kernel puts a new connection on one
by a hash of its addresses: ten connections opened at once split 6/4 or 7/3
as a rule, 8/2 or worse about one time in ten. A kept-alive connection stays
with its process, and a process computes its connections' answers on its own
core: the process with seven of ten makes its answers wait more than twice
as long as the other's. Ten connections asking two-hop networks computed on
Neo4j (the 100k region, two cores) answered at p99 359 and 387 ms in the
runs split 9/1 and 8/2, against 222–297 ms in those split 5/5 to 7/3, and
222–290 ms once evened out (``docs/data-model.md``).

So a process that holds more than its share of the open connections (their
total over the processes divided by the number of processes, rounded up)
answers a request with ``Connection: close``, at most one every
:data:`CLOSE_EVERY_S`: the client opens a new connection, which the kernel
hashes again onto one of the processes (back onto the same one, one time in
N, and then closed again later). Ten connections split 7/3 are 5/5 after a
few answers, and stay open from then on: a process within its share never
closes one. A proxy's or a browser's pool reconnects the same way.

The processes share one array of counts (:class:`Shares`), each process
writing its own slot: when it begins an answer, and every
:data:`COUNT_EVERY_S` from a thread of its own (an idle process's count
follows its clients leaving).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping, Sized
from typing import Any

__all__ = ["Shares", "Balanced", "install", "server_app", "CLOSE_EVERY_S", "COUNT_EVERY_S"]

CLOSE_EVERY_S = 0.1
"""A process closes at most one connection this often, seconds (its count
follows the close a moment later)."""
COUNT_EVERY_S = 0.1
"""How often a process writes its count of open connections, seconds."""

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class Shares:
    """One server process's view of the connections of all of them:
    ``counts`` is shared by the processes (a ``multiprocessing`` array of
    ints, one slot each), ``slot`` this process's, ``connections`` its open
    connections (uvicorn's ``server_state.connections``)."""

    def __init__(self, counts: Any, slot: int, connections: Sized) -> None:
        self.counts, self.slot, self.connections = counts, slot, connections
        self._last_close = -math.inf
        self._lock = threading.Lock()

    def count(self) -> int:
        """Write this process's count of open connections to its slot; the count."""
        mine = len(self.connections)
        self.counts[self.slot] = mine
        return mine

    def should_close(self) -> bool:
        """Whether this answer should close its connection: this process holds
        more than its share and has closed none in the last :data:`CLOSE_EVERY_S`."""
        mine = self.count()
        share = math.ceil(sum(self.counts) / len(self.counts))
        if mine <= share:
            return False
        now = time.monotonic()
        with self._lock:
            if now - self._last_close < CLOSE_EVERY_S:
                return False
            self._last_close = now
        return True

    def keep_counting(self, stop: threading.Event) -> threading.Thread:
        """Start the thread that writes the count every :data:`COUNT_EVERY_S` until ``stop``."""

        def run() -> None:
            while not stop.wait(COUNT_EVERY_S):
                self.count()

        thread = threading.Thread(target=run, name="connection-count", daemon=True)
        thread.start()
        return thread


class Balanced:
    """ASGI middleware: an HTTP answer says ``Connection: close`` when
    :meth:`Shares.should_close` (uvicorn then closes the connection after it)."""

    def __init__(self, app: ASGIApp, shares: Shares) -> None:
        self.app, self.shares = app, shares

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.shares.should_close():
            await self.app(scope, receive, send)
            return

        async def closing(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), (b"connection", b"close")]}
            await send(message)

        await self.app(scope, receive, closing)


_SHARES: Shares | None = None


def install(shares: Shares) -> None:
    """Make :func:`server_app` balance this process's connections with ``shares``."""
    global _SHARES
    _SHARES = shares


def server_app() -> ASGIApp:
    """The app of a server process (``api.app.server_app``), wrapped in
    :class:`Balanced` once :func:`install` was called (uvicorn's factory)."""
    from api.app import server_app as app

    inner: ASGIApp = app()
    return Balanced(inner, _SHARES) if _SHARES is not None else inner
