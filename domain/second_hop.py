"""How the second hop of an ego network is ranked, in one place.

The store ranks it where the pairs are (``Store.second_hop_ranking``: SQL or
Cypher, so a hub's thousands of pairs are not shipped to rank a few hundred
firms); the analytics (``graph.ego``) and a credit officer's scoped reads
(``queries.scoped``, over the pairs the officer may see) rank it in Python
with these functions. All three must agree: a firm outside the kept set is
weighed by its yen (absolute, both ways, over the pairs given) with the
first-hop firms, most first, ties by id.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Collection, Iterable

__all__ = ["second_hop_weights", "top_by_weight"]


def second_hop_weights(keep: Collection[str], first: Collection[str],
                       around: Iterable[tuple[str, str, int]]) -> dict[str, int]:
    """Yen (absolute, both ways) of each firm outside ``keep`` with the
    firms of ``first``, from ``around`` (seller, buyer, yen of pairs
    touching them)."""
    weight: dict[str, int] = defaultdict(int)
    for s, b, amount in around:
        if s in first and b not in keep:
            weight[b] += abs(amount)
        if b in first and s not in keep:
            weight[s] += abs(amount)
    return weight


def top_by_weight(weight: dict[str, int], n: int) -> list[str]:
    """The ``n`` firms of largest weight, most first, ties by id."""
    return heapq.nsmallest(max(0, n), weight, key=lambda f: (-weight[f], f))
