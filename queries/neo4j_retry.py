"""Retrying a Neo4j read that runs as an auto-commit transaction.

The store's reads run as auto-commit transactions (``session.run``), not
through ``driver.execute_query``: a managed transaction sends BEGIN, RUN and
PULL together and then waits for a second round trip, the COMMIT, where an
auto-commit read is answered in one. On the 100k region's database, reading a
stored answer of ~13 kB took p50 1.0–1.4 → 0.6–1.0 ms from one thread and
650–690 → 920–1,000 reads/s from ten (0.4 ms less of the client's CPU per
read). But the driver retries only managed transactions (``session.run()``
never retries), so the store retries its reads itself, here, as the driver
would: the errors the driver calls retryable (a lost connection, a leader
switch, a transient server error), with exponential backoff and jitter, for
at most ``seconds``. A read has no side effects, so running it again is safe.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

from neo4j.exceptions import DriverError, Neo4jError

__all__ = ["retried"]

T = TypeVar("T")

FIRST_DELAY = 0.5
"""Seconds before the first retry; each later one waits twice as long (±20 %)."""


def retried(run: Callable[[], T], seconds: float, sleep: Callable[[float], None] = time.sleep,
            clock: Callable[[], float] = time.monotonic) -> T:
    """``run()``, run again after a retryable driver error until ``seconds``
    have passed (``0``: once, the error raised as it came). A retry that
    would start after the deadline is not made; the last error is raised."""
    deadline = clock() + seconds
    delay = FIRST_DELAY
    while True:
        try:
            return run()
        except (Neo4jError, DriverError) as e:
            if not e.is_retryable():
                raise
            wait = delay * random.uniform(0.8, 1.2)
            if clock() + wait > deadline:
                raise
        sleep(wait)
        delay *= 2
