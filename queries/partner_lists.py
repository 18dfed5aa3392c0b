"""A firm's partner list on one side as one Neo4j byte-array property.

Neo4j keeps the partner lists (``Store.prepare_reads``) on each firm as
``Firm.sells`` and ``Firm.buys``: per side, the partners' ids, the yen of
each pair (absolute, over all months) and each pair's relationship element
id, JSON-encoded. One byte array is read from the store and sent whole,
where parallel lists of strings are read and unpacked element by element: a
two-hop ego reads ~4,900 entries (a hub partner's thousands): 1.4 ms of
Neo4j's CPU and 1.7–2.0 ms of the server's, against 8.5 and 3.0 ms as
parallel arrays (100k region; ``docs/data-model.md``).

Element ids share a long prefix (``5:<database uuid>:`` in Neo4j 5), so a
list keeps that prefix once and the rest of each id: whatever the ids look
like, the prefix is only what they have in common.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import orjson

__all__ = ["encode", "decode", "handle"]

Side = tuple[list[str], list[int], str, list[str]]
"""(partners' ids, yen of each pair, the element ids' common prefix, the
rest of each element id)."""


def encode(others: Sequence[str], yen: Sequence[int], handles: Sequence[str]) -> bytes | None:
    """One side of a firm's partner list as bytes; ``None`` (no property)
    for a side without partners."""
    if not others:
        return None
    prefix = os.path.commonprefix(list(handles))
    cut = len(prefix)
    return orjson.dumps([list(others), list(yen), prefix, [h[cut:] for h in handles]])


def decode(blob: bytes) -> Side:
    """What :func:`encode` wrote."""
    others, yen, prefix, rest = orjson.loads(blob)
    return others, yen, prefix, rest


def handle(side: Side, position: int) -> str:
    """The element id of the pair at ``position`` of ``side``."""
    return side[2] + side[3][position]
