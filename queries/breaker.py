"""A circuit breaker in front of a store server that stopped answering.

Without one, every request made while Neo4j is down waits for its own
connection attempt (and the driver's retries) before it fails. With one, the
first failure opens the circuit for ``cooldown`` seconds: calls in that time
fail at once with :class:`queries.store.StoreUnavailable` (its
``retry_after`` says how long is left); after it, calls go through again —
the first success closes the circuit, a failure opens it for another
``cooldown``. So service resumes on its own when the server returns.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from queries.store import StoreUnavailable

__all__ = ["CircuitBreaker"]


class CircuitBreaker:
    """Open for ``cooldown`` seconds after a failure; thread-safe."""

    def __init__(self, cooldown: float = 2.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.cooldown = cooldown
        self._clock = clock
        self._open_until = 0.0
        self._lock = threading.Lock()

    @property
    def is_open(self) -> bool:
        return self._clock() < self._open_until

    def before(self) -> None:
        """Raise :class:`StoreUnavailable` at once while the circuit is open."""
        left = self._open_until - self._clock()
        if left > 0:
            raise StoreUnavailable("store unavailable (circuit open after a failure)", retry_after=left)

    def failure(self) -> float:
        """Open (or keep open) the circuit; returns the seconds until calls go through again."""
        with self._lock:
            self._open_until = self._clock() + self.cooldown
        return self.cooldown

    def success(self) -> None:
        """Close the circuit."""
        if self._open_until:
            with self._lock:
                self._open_until = 0.0
