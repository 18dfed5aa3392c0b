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

__all__ = ["second_hop_weights", "top_by_weight", "contenders", "Partners", "partner_weights", "rank_from_partners",
           "shown_pairs"]

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
    candidates = list(contenders(weight, n))
    candidates.sort(key=lambda f: (-weight[f], f))
    return candidates[:n]


def contenders(weight: dict[str, int], n: int) -> dict[str, int]:
    """The firms of ``weight`` that can be among its ``n`` largest, whatever
    their ids: those at or above the ``n``-th largest weight (all when
    there are no more than ``n``). A scope that ranks under other ids (a
    bank's pseudonyms) renames only these."""
    if n <= 0:
        return {}
    if len(weight) <= n:
        return weight
    cut = heapq.nlargest(n, weight.values())[-1]
    return {f: w for f, w in weight.items() if w >= cut}


def partner_weights(partners: Iterable[Partners], keep: Collection[str]) -> dict[str, int]:
    """:func:`second_hop_weights` from the first-hop firms' partner lists
    (every list of every firm of the first hop, both sides): the same
    weights without a row per pair. Every partner is summed and ``keep``
    dropped after (a test per entry cost half again as much: a two-hop ego
    sums ~4,900 entries)."""
    weight: dict[str, int] = {}
    get = weight.get
    for _, _, others, yen in partners:
        for other, amount in zip(others, yen, strict=True):
            weight[other] = get(other, 0) + amount
    for firm in keep:
        weight.pop(firm, None)
    return weight


def rank_from_partners(partners: Iterable[Partners], keep: Collection[str],
                       room: int) -> tuple[list[tuple[str, int]], set[str]]:
    """The second hop ranked from the first hop's partner lists (at most
    ``room + 1`` firms with their yen, as ``Store.second_hop`` answers) and
    the firms shown: ``keep`` and the first ``room`` ranked."""
    keep = set(keep)
    weight = partner_weights(partners, keep)
    ranking = [(f, weight[f]) for f in top_by_weight(weight, room + 1)]
    return ranking, keep | {f for f, _ in ranking[:room]}


def shown_pairs(partners: Sequence[Partners], shown: Collection[str]) -> dict[tuple[str, str], tuple[int, int]]:
    """(seller, buyer) of every pair between the first-hop firms (whose
    partner lists these are) and ``shown`` — a pair with one end in each —
    with where it sits in ``partners``: (list, position in the list). A
    store that keeps a handle per position (Neo4j: the relationship's
    element id) reads the pairs by it."""
    at: dict[tuple[str, str], tuple[int, int]] = {}
    for i, (firm, sells, others, _) in enumerate(partners):
        for j, other in enumerate(others):
            if other in shown:
                at[(firm, other) if sells else (other, firm)] = (i, j)
    return at
