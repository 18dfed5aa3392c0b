"""Leases in Neo4j (:mod:`queries.leases`): one (:Lease) per name (unique).
The time is the server's ``timestamp()`` (ms since the epoch; the same
throughout a query).

Taking a lease first writes a property of the node: that takes the node's
write lock, so the holder read after it is the last committed one and two
transactions cannot both find the lease free (the Neo4j manual's
"Concurrent data access": read committed, lost updates avoided by taking
the write lock before reading)."""

from typing import Final, LiteralString

SCHEMA: Final[tuple[LiteralString, ...]] = (
    "CREATE CONSTRAINT lease_name IF NOT EXISTS FOR (l:Lease) REQUIRE l.name IS UNIQUE",
)

TAKE: Final[LiteralString] = """
MERGE (l:Lease {name: $name})
SET l.locked = true
WITH l, timestamp() AS now
WITH l, now, (l.holder IS NULL OR l.holder = $holder OR coalesce(l.until, 0) < now) AS free
FOREACH (_ IN CASE WHEN free THEN [1] ELSE [] END | SET l.holder = $holder, l.until = now + $ms)
REMOVE l.locked
RETURN free AS taken
"""

CURRENT: Final[LiteralString] = """
MATCH (l:Lease {name: $name})
WITH l, timestamp() AS now
WHERE l.holder IS NOT NULL AND l.until >= now
RETURN l.holder AS holder, l.until - now AS left_ms
"""

RELEASE: Final[LiteralString] = """
MATCH (l:Lease {name: $name})
WHERE l.holder = $holder
SET l.holder = null, l.until = 0
RETURN count(l) AS released
"""
