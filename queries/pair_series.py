"""A merged pair's monthly series as one Neo4j byte-array property.

``TRADES_WITH.series`` holds the JSON of the pair's four parallel lists —
months (``YYYY-MM``), yen, ledger lines and the observing client of each
month — where the relationship had held them as four array properties. A
firm's network reads hundreds of pairs (a two-hop ego ~385, a hub's
thousands); one byte array each is read from the store and sent whole, where
arrays of strings were read and unpacked element by element: for the pairs a
two-hop ego shows (100k region), 3.9–5.2 ms of Neo4j's CPU and 5.6–6.3 ms
of the server's, against 6.8–7.2 and 8.5–8.8 ms as four arrays
(``docs/data-model.md``). Observations (``TRADE``, ``PAID``) keep their
arrays: they are read in bulk by the load, not per request.
"""

from __future__ import annotations

import orjson

from queries.series import PairTrade

__all__ = ["encode", "pair"]


def encode(p: PairTrade) -> bytes:
    """``p``'s series as stored on its relationship."""
    return orjson.dumps([p.months, p.amounts, p.lines, p.observers])


def pair(seller: str, buyer: str, blob: bytes) -> PairTrade:
    """The pair whose series :func:`encode` wrote."""
    months, amounts, lines, observers = orjson.loads(blob)
    return PairTrade(seller, buyer, tuple(months), tuple(amounts), tuple(lines), tuple(observers))
