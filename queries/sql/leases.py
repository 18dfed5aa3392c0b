"""Leases in the embedded store (:mod:`queries.leases`): one row per name.
The time is SQLite's clock in milliseconds since the epoch (``'now'`` is
the same throughout a statement)."""

from typing import Final

SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS leases (
    name     TEXT PRIMARY KEY,
    holder   TEXT,
    until_ms INTEGER NOT NULL DEFAULT 0
);
"""

_NOW_MS: Final = "CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER)"

TAKE: Final = (
    "INSERT INTO leases (name, holder, until_ms) VALUES (?1, ?2, " + _NOW_MS + " + ?3) "
    "ON CONFLICT(name) DO UPDATE SET holder = excluded.holder, until_ms = excluded.until_ms "
    "WHERE leases.holder IS NULL OR leases.holder = excluded.holder OR leases.until_ms < " + _NOW_MS
)
"""Take the lease ``?1`` for ``?2`` for ``?3`` ms: when nobody holds it, its
holder's time is over, or ``?2`` holds it already (a renewal)."""

HOLDER: Final = "SELECT holder FROM leases WHERE name = ?"

CURRENT: Final = (
    "SELECT holder, until_ms - " + _NOW_MS + " FROM leases "
    "WHERE name = ? AND holder IS NOT NULL AND until_ms >= " + _NOW_MS
)

RELEASE: Final = "UPDATE leases SET holder = NULL, until_ms = 0 WHERE name = ? AND holder = ?"
