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
from collections.abc import Collection, Iterable, Sequence

__all__ = ["second_hop_weights", "top_by_weight", "Partners", "partner_weights", "shown_pair_keys"]

Partners = tuple[str, bool, Sequence[str], Sequence[int]]
"""One firm's partners on one side: (firm, whether it sells to them, their
ids, the yen of each pair — absolute, over all months)."""


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
    """The ``n`` firms of largest weight, most first, ties by id.

    The ``n``-th largest weight is found among the bare numbers first, and
    only the firms at or above it are sorted (a two-hop ego weighs ~4,000
    firms to show ~180: a key function called for each of them cost more
    than the ranking's arithmetic)."""
    if n <= 0:
        return []
    if len(weight) > n:
        cut = heapq.nlargest(n, weight.values())[-1]
        candidates = [f for f, w in weight.items() if w >= cut]
    else:
        candidates = list(weight)
    candidates.sort(key=lambda f: (-weight[f], f))
    return candidates[:n]


def partner_weights(partners: Iterable[Partners], keep: Collection[str]) -> dict[str, int]:
    """:func:`second_hop_weights` from the first-hop firms' partner lists
    (every list of every firm of the first hop, both sides): the same
    weights without a row per pair."""
    weight: dict[str, int] = defaultdict(int)
    for _, _, others, yen in partners:
        for other, amount in zip(others, yen, strict=True):
            if other not in keep:
                weight[other] += amount
    return weight


def shown_pair_keys(partners: Iterable[Partners], shown: Collection[str]) -> set[tuple[str, str]]:
    """(seller, buyer) of every pair between the first-hop firms (whose
    partner lists these are) and ``shown``: a pair with one end in each."""
    keys: set[tuple[str, str]] = set()
    for firm, sells, others, _ in partners:
        if sells:
            keys.update((firm, other) for other in others if other in shown)
        else:
            keys.update((other, firm) for other in others if other in shown)
    return keys
