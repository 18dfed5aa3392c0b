"""domain.second_hop: the weights and shown pairs from partner lists equal
those from the pairs themselves, and the top of a ranking is the sort's."""

from __future__ import annotations

import heapq
import random

from domain.second_hop import (
    Partners,
    partner_weights,
    rank_from_partners,
    second_hop_weights,
    shown_pairs,
    top_by_weight,
)


def random_pairs(rng: random.Random, firms: int, pairs: int) -> dict[tuple[str, str], int]:
    """(seller, buyer) → yen (negative too: returns), without self-trade."""
    ids = [f"F{i:03d}" for i in range(firms)]
    out: dict[tuple[str, str], int] = {}
    pairs = min(pairs, firms * (firms - 1))
    while len(out) < pairs:
        s, b = rng.sample(ids, 2)
        out[(s, b)] = rng.choice([-1, 1]) * rng.randint(1, 50) * 1000
    return out


def lists_of(pairs: dict[tuple[str, str], int], firms: set[str]) -> list[Partners]:
    """What the embedded store's partner lists hold for ``firms``."""
    out: list[Partners] = []
    for firm in sorted(firms):
        sold = [(b, abs(a)) for (s, b), a in sorted(pairs.items()) if s == firm]
        bought = [(s, abs(a)) for (s, b), a in sorted(pairs.items()) if b == firm]
        if sold:
            out.append((firm, True, [o for o, _ in sold], [y for _, y in sold]))
        if bought:
            out.append((firm, False, [o for o, _ in bought], [y for _, y in bought]))
    return out


def test_weights_and_shown_pairs_from_lists_equal_those_from_the_pairs() -> None:
    rng = random.Random(7)
    for _ in range(200):
        pairs = random_pairs(rng, rng.randint(3, 30), rng.randint(2, 80))
        firms = sorted({x for key in pairs for x in key})
        first = set(rng.sample(firms, rng.randint(1, len(firms) - 1)))
        keep = set(rng.sample(firms, rng.randint(0, len(firms)))) | set(rng.sample(sorted(first), 1))
        around = [(s, b, a) for (s, b), a in pairs.items() if s in first or b in first]
        lists = lists_of(pairs, first)
        assert dict(partner_weights(lists, keep)) == dict(second_hop_weights(keep, first, around))
        room = rng.randint(0, 5)
        ranking, ranked_shown = rank_from_partners(lists, keep, room)
        weight = second_hop_weights(keep, first, around)
        assert ranking == [(f, weight[f]) for f in top_by_weight(weight, room + 1)]
        assert ranked_shown == keep | {f for f, _ in ranking[:room]}
        shown = keep | set(rng.sample(firms, rng.randint(0, len(firms))))
        expected = {(s, b) for s, b in pairs if (s in first and b in shown) or (b in first and s in shown)}
        at = shown_pairs(lists, shown)
        assert at.keys() == expected
        for (s, b), (i, j) in at.items():  # the position names the pair's other end in its list
            firm, sells, others, _ = lists[i]
            assert (firm, others[j]) == ((s, b) if sells else (b, s))


def test_top_by_weight_is_the_first_n_of_the_sort_ties_by_id() -> None:
    rng = random.Random(11)
    for _ in range(300):
        weight = {f"F{i:03d}": rng.choice([1, 2, 3, 5, 8, 1000]) for i in range(rng.randint(0, 60))}
        for n in (0, 1, 2, 5, 17, 59, 60, 100):
            assert top_by_weight(weight, n) == heapq.nsmallest(n, weight, key=lambda f: (-weight[f], f))
    assert top_by_weight({"A": 1}, -1) == []
