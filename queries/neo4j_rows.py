"""Records of the Neo4j driver as plain dicts, without copying every value.

``neo4j.Record.data()`` rebuilds every value it returns, element by element
in Python, to turn nodes and relationships into dicts: a stored answer of
54 KB (a ``bytes`` property) took 120–150 ms to convert where the query took
10 ms, and every monthly series (lists of 24 months, yen and line counts)
went through a Python call per element. Our queries return scalars, lists of
scalars (property arrays, ``collect`` of scalars) and maps; those are used as
the driver gives them, and only graph entities are converted (as ``data()``
would).

A result of many rows is cheaper as one record: the driver handles every
record as its own Bolt message, ~20 µs of Python each (socket reads,
unpacking, a ``Record``), where one ``collect`` of lists is unpacked by the
Rust extension at once. :func:`collected` wraps a query so; on the 183
two-hop egos of the 100k region's sampled clients, their pairs (70,521
rows) took 3.3 s of the server process's CPU as records against 0.95 s
collected, and the database's CPU fell too (3.2 → 2.7 s).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, LiteralString

import neo4j

__all__ = ["plain", "rows", "collected", "collected_rows"]

_SCALARS = (str, int, float, bool, bytes, type(None))


def plain(value: Any) -> Any:
    """``value`` as ``Record.data()`` would give it, without copying scalars
    or lists of scalars (a list is taken to be of one kind, as Neo4j's
    property arrays are and our ``collect`` results are)."""
    if isinstance(value, _SCALARS):
        return value
    if isinstance(value, list):
        if not value or isinstance(value[0], _SCALARS):
            return value
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return neo4j.Record([("v", value)]).data()["v"]  # nodes, relationships, paths, temporal values


def rows(records: Iterable[neo4j.Record]) -> list[dict[str, Any]]:
    """Each record (of a result or of ``execute_query``) as a dict of :func:`plain` values."""
    return [{k: plain(v) for k, v in r.items()} for r in records]


def collected(query: LiteralString, columns: tuple[LiteralString, ...]) -> LiteralString:
    """``query`` (whose ``RETURN`` names ``columns``) as one record: its
    rows collected on the server into a list of lists, in ``columns``'
    order. For reads whose rows fit in the server's memory at once (a
    firm's network, not the whole graph); the rows' order is not kept."""
    return "CALL () { " + query + " } RETURN collect([" + ", ".join(columns) + "]) AS rows"


def collected_rows(records: list[neo4j.Record], columns: tuple[str, ...]) -> list[dict[str, Any]]:
    """The rows of a :func:`collected` query's one record, as dicts by column."""
    return [dict(zip(columns, row, strict=True)) for row in records[0]["rows"]] if records else []
