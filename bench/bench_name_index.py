"""Entity-resolution candidate search: ``ingest.matching.NameIndex`` against a full scan.

Why: the resolver queries the name index once per counterparty name it has
not seen, hundreds of thousands of times per region load, against every
known firm plus the NTA registry. The previous index scanned every indexed
core and reading with rapidfuzz per query, so its cost grew linearly with
the number of names; the current one looks up only the names within the
cutoff's edit bound, through one-deletion neighbourhoods of names and of
their halves (see the ``NameIndex`` docstring). This script measures both
on the same names and queries.

Corpus, per size N: N indexed names of firms from the synthetic name
generator (``synthetic.names``): registry names with furigana (55%),
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

Real region (``--region DIR``, a generated region such as
``bench/out/region-100k``): the index is built as ``Resolver._idx`` builds
it at the start of a run — the firm master (``firms.csv``) by name, then
every registry entry (``registry.csv``, read with
``ingest.readers.registry``) with its furigana, under the firm holding its
法人番号 when there is one — and then grown, as ``Resolver._remember`` grows
it during a load, with counterparty spellings of firms minted in the run
(distinct raw spellings from ``truth/counterparties.csv``, under their true
firm) up to ``--indexed`` names (187,000: what the index held in a measured
load). Queries: a seeded sample of the distinct raw spellings of the
ledgers (``truth/counterparties.csv``), without those the resolver does not
query by name (``is_sole_proprietor``), each as ``Resolver._matches`` asks:
``query(normalize_name(raw), limit=8)``, in sample order on a freshly built
index. Each query's time is the best of ``--repeat`` passes (each on a new
index: the machine is shared, single timings are noisy); median, p99 and
mean are over queries. Build time is ``normalize_name`` + ``add`` for the
start-of-run index (cold ``normalize_name`` cache) and ``add`` alone, best
of the passes. The first ``--old-queries`` queries are also answered by
``LinearNameIndex`` on the same names and compared. ``--baseline FILE``
times another version of ``ingest/matching.py`` in turn with the current one
(pass by pass, so that both meet the same load) and checks that both return
the same results on every query.

Usage: python bench/bench_name_index.py --region bench/out/region-100k [--queries 20000]
       [--baseline /tmp/matching_before.py]
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Protocol

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from ingest.matching import NameIndex  # noqa: E402
from ingest.names import NormalizedName, is_sole_proprietor, normalize_name  # noqa: E402
from ingest.readers.firm_master import read_firm_master  # noqa: E402
from ingest.readers.registry import RegistryEntry, read_registry  # noqa: E402
from ingest.records import Reject  # noqa: E402
from synthetic.names import (  # noqa: E402
    SUFFIXES,
    FirmName,
    bank_kana,
    cut_bytes,
    make_names,
    to_bank_kana,
)
from synthetic.noise import spellings, typo  # noqa: E402
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


# --- a real generated region ---------------------------------------------------------

_REG = "reg:"  # as ingest.resolve


def region_inputs(region: Path) -> tuple[list[tuple[str, str, str | None]], list[RegistryEntry],
                                         list[tuple[str, str]]]:
    """Firm master (id, name, 法人番号), registry entries, and distinct ledger spellings
    (raw, true firm), sorted."""
    firms = [(r.firm_id, r.name, r.corporate_number)
             for r in read_firm_master(region / "firms.csv") if not isinstance(r, Reject)]
    registry = [r for r in read_registry(region / "registry.csv") if not isinstance(r, Reject)]
    spellings: dict[str, str] = {}
    with open(region / "truth" / "counterparties.csv", encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            spellings.setdefault(row["raw"], row["firm_id"])
    return firms, registry, sorted(spellings.items())


def start_of_run(firms: list[tuple[str, str, str | None]], registry: list[RegistryEntry]
                 ) -> list[tuple[str, str, str | None]]:
    """(id, name, furigana) in the order ``Resolver._idx`` adds them: the firms by name,
    then the registry, an entry under the firm holding its 法人番号 if there is one."""
    by_cn: dict[str, str] = {}
    for fid, _, cn in firms:
        if cn:
            by_cn.setdefault(cn, fid)
    out: list[tuple[str, str, str | None]] = [(fid, name, None) for fid, name, _ in firms if name]
    for r in registry:
        out.append((by_cn.get(r.corporate_number, _REG + r.corporate_number), r.name, r.furigana))
    return out


class _Index(Protocol):
    def add(self, candidate_id: str, name: NormalizedName) -> None: ...

    def query(self, name: NormalizedName, limit: int = 5,
              min_score: float = ...) -> list[tuple[str, float]]: ...


def load_baseline(path: Path) -> type[_Index]:
    """``NameIndex`` of another version of ``ingest/matching.py`` (e.g. ``git show
    HEAD~1:ingest/matching.py > /tmp/old.py``), imported beside the current one."""
    spec = importlib.util.spec_from_file_location("baseline_matching", path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    index: type[_Index] = module.NameIndex
    return index


def _timed_build(cls: type[_Index], rows: list[tuple[str, str, str | None]]
                 ) -> tuple[float, float, _Index, list[tuple[str, NormalizedName]]]:
    """Build with a cold ``normalize_name`` cache: (normalize + add s, add s, index, entries)."""
    normalize_name.cache_clear()
    index = cls()
    entries: list[tuple[str, NormalizedName]] = []
    add_time = 0.0
    start = time.perf_counter()
    for cid, raw, furigana in rows:
        nn = normalize_name(raw, furigana)
        t = time.perf_counter()
        index.add(cid, nn)
        add_time += time.perf_counter() - t
        entries.append((cid, nn))
    return time.perf_counter() - start, add_time, index, entries


def bench_region(region: Path, indexed: int, n_queries: int, n_old: int, seed: int,
                 repeat: int, baseline: Path | None) -> list[dict[str, str]]:
    """Build the start-of-run index of a real region, grow it, time real spellings; with
    ``baseline``, the same for that version's index, round by round in turn."""
    _log(f"[{region.name}] reading firms, registry and ledger spellings")
    firms, registry, spellings = region_inputs(region)
    rows = start_of_run(firms, registry)
    impls: list[tuple[str, type[_Index]]] = [("current", NameIndex)]
    if baseline is not None:
        impls.append((f"baseline ({baseline.name})", load_baseline(baseline)))
    builds: dict[str, list[tuple[float, float]]] = {label: [] for label, _ in impls}
    entries: list[tuple[str, NormalizedName]] = []
    times = {label: np.full(n_queries, np.inf) for label, _ in impls}
    results: dict[str, list[list[tuple[str, float]]]] = {}
    queries: list[NormalizedName] = []
    for p in range(max(1, repeat)):
        for label, cls in impls:  # in turn, so that other work on the machine hits both
            total, add_only, index, start_entries = _timed_build(cls, rows)
            builds[label].append((total, add_only))
            if not entries:
                rng = np.random.default_rng(seed)
                order = [spellings[int(i)] for i in rng.permutation(len(spellings))]
                corporate = [(raw, fid) for raw, fid in order if not is_sole_proprietor(raw)]
                grow = corporate[:max(0, indexed - len(start_entries))]
                entries = start_entries + [(fid, normalize_name(raw)) for raw, fid in grow]
                picks = rng.permutation(len(corporate))[:n_queries]
                queries = [normalize_name(corporate[int(i)][0]) for i in picks]
            for cid, nn in entries[len(rows):]:
                index.add(cid, nn)
            _log(f"[{region.name}] {label}, pass {p + 1}: start of run {len(rows):,} names "
                 f"(normalize + add {total:.2f} s, add {add_only:.2f} s), grown to "
                 f"{len(entries):,}; {len(queries):,} queries")
            got, spent = [], times[label]
            for k, q in enumerate(queries):
                t = time.perf_counter()
                got.append(index.query(q, limit=LIMIT))
                spent[k] = min(spent[k], time.perf_counter() - t)
            results[label] = got
            del index
    _log(f"[{region.name}] checking {n_old:,} queries against the linear scan")
    old = LinearNameIndex()
    for cid, nn in entries:
        old.add(cid, nn)
    reference = [old.query(q, limit=LIMIT) for q in queries[:n_old]]
    out = []
    for label, _ in impls:
        best = times[label] * 1e6  # per query, the best pass (other work adds noise)
        same = results[label][:n_old] == reference
        found = sum(bool(r) for r in results[label])
        out.append({
            "index": label,
            "indexed names (start of run)": f"{len(entries):,} ({len(rows):,})",
            "build: normalize + add (s)": f"{min(b[0] for b in builds[label]):.2f}",
            "build: add (s)": f"{min(b[1] for b in builds[label]):.2f}",
            "queries (with a candidate)": f"{len(queries):,} ({found / len(queries):.0%})",
            "median µs": f"{statistics.median(best):.0f}",
            "p99 µs": f"{np.percentile(best, 99):.0f}",
            "mean µs": f"{best.mean():.0f}",
            "identical to linear scan": f"{'yes' if same else 'NO'} ({n_old:,} queries)",
        })
    if baseline is not None:
        agree = results[impls[0][0]] == results[impls[1][0]]
        _log(f"[{region.name}] current and baseline agree on all {len(queries):,} queries: "
             f"{'yes' if agree else 'NO'}")
    return out


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
    ap.add_argument("--region", type=Path,
                    help="a generated region directory: index and query its real names")
    ap.add_argument("--indexed", type=int, default=187_000,
                    help="with --region: grow the index with minted spellings to this size")
    ap.add_argument("--baseline", type=Path,
                    help="with --region: another version of ingest/matching.py to time in "
                         "turn with the current one (same names, queries and passes)")
    args = ap.parse_args()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    if args.region is not None:
        table = bench_region(args.region, args.indexed, args.queries,
                             min(args.old_queries, args.queries), args.seed, args.repeat,
                             args.baseline)
        print(f"NameIndex.query on {args.region}, limit={LIMIT}, min_score=REVIEW_MIN; "
              f"per query best of {args.repeat}; load average {load:.2f}\n")
        print("| " + " | ".join(table[0]) + " |")
        print("|" + "---|" * len(table[0]))
        for row in table:
            print("| " + " | ".join(row.values()) + " |")
        return
    rows = [bench(size, args.queries, min(args.old_queries, args.queries), args.seed,
                  max(1, args.repeat)) for size in args.sizes]
    print(f"NameIndex.query, limit={LIMIT}, min_score=REVIEW_MIN; best of {args.repeat}; "
          f"load average {load:.2f}\n")
    print("| " + " | ".join(rows[0]) + " |")
    print("|" + "---|" * len(rows[0]))
    for row in rows:
        print("| " + " | ".join(row.values()) + " |")


if __name__ == "__main__":
    main()
