"""Entity-resolution candidate search: ``ingest.matching.NameIndex`` against a full scan.

Why: the resolver queries the name index once per counterparty name it has
not seen, hundreds of thousands of times per region load, against every
known firm plus the NTA registry. The previous index scanned every indexed
core and reading with rapidfuzz per query, so its cost grew linearly with
the number of names; the current one reads only the posting lists of a
query's rarest bigrams (see the ``NameIndex`` docstring). This script
measures both on the same names and queries.

Corpus, per size N: N indexed names of firms from the synthetic name
generator (``ingest.synthetic.names``): registry names with furigana (55%),
without furigana (25%), firms known only by a bank's half-width kana (20%),
and a second spelling (with typos) for 15% of the firms. Queries: how
ledgers write counterparties — client spellings and typos, bank kana cut at
30 or 48 bytes, kana cut anywhere, bare readings — 80% of indexed firms,
20% of firms not in the index. Default limit and minimum score (those of
``ingest.resolve``: ``limit=8``, ``REVIEW_MIN``).

Measured (best of ``--repeat`` passes, as other work on the machine makes
single timings noisy): build time of each index (N ``add`` calls),
queries/s of the new index over ``--queries`` queries and of the old one
over the first ``--old-queries`` of them (it is slow at 100k), the speed-up
on those same queries, and whether both return the same results on them. The reference implementation is
``LinearNameIndex`` in ``tests/unit/test_name_index.py``.

Usage: python bench/bench_name_index.py [--sizes 10000 100000] [--queries 4000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from ingest.matching import NameIndex  # noqa: E402
from ingest.names import NormalizedName, normalize_name  # noqa: E402
from ingest.synthetic.names import (  # noqa: E402
    SUFFIXES,
    FirmName,
    bank_kana,
    cut_bytes,
    make_names,
    to_bank_kana,
)
from ingest.synthetic.noise import spellings, typo  # noqa: E402
from tests.unit.test_name_index import LinearNameIndex  # noqa: E402

_FORMS = ["kk"] * 8 + ["yk"] * 3 + ["gk", "gs", "gm", "iryo", "fuku", "shadan", "sole", "sole"]
LIMIT = 8


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _firms(rng: np.random.Generator, n: int) -> list[FirmName]:
    groups = list(SUFFIXES)
    g = [groups[int(i)] for i in rng.integers(len(groups), size=n)]
    f = [_FORMS[int(i)] for i in rng.integers(len(_FORMS), size=n)]
    return make_names(rng, g, f)


def corpus(size: int, n_queries: int, seed: int
           ) -> tuple[list[tuple[str, NormalizedName]], list[NormalizedName]]:
    """``size`` indexed (id, name) entries and ``n_queries`` query names (see the docstring)."""
    rng = np.random.default_rng(seed)
    firms = _firms(rng, size + size // 4)
    indexed, unseen = firms[:size], firms[size:]
    entries: list[tuple[str, NormalizedName]] = []
    for i, firm in enumerate(indexed):
        if len(entries) >= size:
            indexed = indexed[:i]
            break
        fid = f"f{i:06d}"
        r = rng.random()
        if r < 0.55:
            entries.append((fid, normalize_name(firm.official, furigana=firm.reading)))
        elif r < 0.8:
            entries.append((fid, normalize_name(firm.official)))
        else:
            entries.append((fid, normalize_name(bank_kana(firm))))
        if rng.random() < 0.15 and len(entries) < size:
            entries.append((fid, normalize_name(spellings(firm, rng, 0.9, 0.4)[0])))
    queries: list[NormalizedName] = []
    for _ in range(n_queries):
        pool = indexed if rng.random() < 0.8 else unseen
        firm = pool[int(rng.integers(len(pool)))]
        kind = rng.random()
        if kind < 0.45:
            raw = spellings(firm, rng, 0.7, 0.3)[int(rng.integers(2))]
        elif kind < 0.65:
            raw = bank_kana(firm, int(rng.choice([30, 48])))
        elif kind < 0.75:
            kana = to_bank_kana(firm.reading).replace(" ", "")
            raw = cut_bytes(kana, int(rng.integers(4, max(5, len(kana.encode("cp932")) + 1))))
        elif kind < 0.9:
            raw = typo(firm.official, rng)
        else:
            raw = firm.reading
        queries.append(normalize_name(raw))
    return entries, queries


def _build(cls: type[NameIndex] | type[LinearNameIndex],
           entries: list[tuple[str, NormalizedName]], repeat: int
           ) -> tuple[float, NameIndex | LinearNameIndex]:
    """Best time of ``repeat`` builds, and the index."""
    best = float("inf")
    for _ in range(repeat):
        index = cls()
        start = time.perf_counter()
        for cid, name in entries:
            index.add(cid, name)
        best = min(best, time.perf_counter() - start)
    return best, index


def _run(index: NameIndex | LinearNameIndex, queries: list[NormalizedName], repeat: int
         ) -> tuple[float, list[list[tuple[str, float]]]]:
    """Best time of ``repeat`` passes over ``queries``, and the results."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        results = [index.query(q, limit=LIMIT) for q in queries]
        best = min(best, time.perf_counter() - start)
    return best, results


def bench(size: int, n_queries: int, n_old: int, seed: int, repeat: int) -> dict[str, str]:
    """One row of the table: build times, queries/s old and new, and agreement."""
    _log(f"[{size:,}] generating names and {n_queries:,} queries")
    entries, queries = corpus(size, n_queries, seed)
    build_new, new = _build(NameIndex, entries, repeat)
    build_old, old = _build(LinearNameIndex, entries, repeat)
    _log(f"[{size:,}] built: new {build_new:.2f} s, old {build_old:.2f} s; querying new")
    t_new, r_new = _run(new, queries, repeat)
    _log(f"[{size:,}] new: {len(queries) / t_new:,.0f} q/s; querying old ({n_old:,} queries)")
    old_queries = queries[:n_old]
    t_old, r_old = _run(old, old_queries, repeat)
    _log(f"[{size:,}] old: {len(old_queries) / t_old:,.0f} q/s")
    t_new_same, _ = _run(new, old_queries, repeat)
    same = r_new[:n_old] == r_old
    found = sum(bool(r) for r in r_new)
    return {
        "indexed names": f"{len(entries):,}",
        "build new (s)": f"{build_new:.2f}",
        "build old (s)": f"{build_old:.2f}",
        "queries (with a candidate)": f"{len(queries):,} ({found / len(queries):.0%})",
        "old q/s": f"{len(old_queries) / t_old:,.0f}",
        "new q/s": f"{len(queries) / t_new:,.0f}",
        "speed-up (same queries)": f"{t_old / t_new_same:.1f}×",
        "identical results": f"{'yes' if same else 'NO'} ({n_old:,} queries)",
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000],
                    help="numbers of indexed names")
    ap.add_argument("--queries", type=int, default=4000, help="queries for the new index")
    ap.add_argument("--old-queries", type=int, default=400,
                    help="of those, how many the old (linear) index answers")
    ap.add_argument("--repeat", type=int, default=3,
                    help="time each build and query pass this often, keep the best")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rows = [bench(size, args.queries, min(args.old_queries, args.queries), args.seed,
                  max(1, args.repeat)) for size in args.sizes]
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"NameIndex.query, limit={LIMIT}, min_score=REVIEW_MIN; best of {args.repeat}; "
          f"load average {load:.2f}\n")
    print("| " + " | ".join(rows[0]) + " |")
    print("|" + "---|" * len(rows[0]))
    for row in rows:
        print("| " + " | ".join(row.values()) + " |")


if __name__ == "__main__":
    main()
