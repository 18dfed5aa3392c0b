"""Leases: a named turn that one holder at a time may take in the store.

Work that must not run twice at once wherever the store is used — the
refresh after a load, started by the CLI on one machine and by an API
server on another — takes a lease named for it, with a holder name (which
machine and process) and a length in seconds. While the holder keeps
renewing it before it ends, nobody else can take it; if the holder dies,
the lease ends by itself after its length.

The time is the store's clock (SQLite's on the embedded store, the Neo4j
server's ``timestamp()``), so that holders on machines whose clocks differ
agree on when a lease ends. Taking, renewing and releasing a lease do not
change the data version (nothing derived from the data is stale for it).
"""

from __future__ import annotations

__all__ = ["MAX_LEASE_SECONDS", "lease_milliseconds"]

MAX_LEASE_SECONDS = 24 * 3600.0
"""The longest lease the stores accept (seconds): a holder renews well
before its lease ends, so a longer one only makes a dead holder's lease last."""


def lease_milliseconds(seconds: float) -> int:
    """A lease's length as the stores keep it (whole milliseconds, at least 1);
    ``ValueError`` for a length that is not positive or above :data:`MAX_LEASE_SECONDS`.

    >>> lease_milliseconds(1.5)
    1500
    """
    if not 0 < seconds <= MAX_LEASE_SECONDS:
        raise ValueError(f"a lease lasts more than 0 and at most {MAX_LEASE_SECONDS:.0f} seconds, not {seconds}")
    return max(1, round(seconds * 1000))
