"""Benchmark a firm's dossier (the firm page and the credit memo) as an analyst and as a credit officer.

:func:`api.web.dossier.build_dossier` reads a firm and everything around it
through the principal's :class:`queries.scoped.ScopedStore`. For an analyst
the scoped store passes reads through; for a credit officer it relabels
every pair it reads (pseudonyms for partners that did not consent) and
reads visible clients' own ledgers, which made the officer's dossier of a
hub client several times slower than the analyst's. This script times it on
a generated benchmark store (default ``bench/out/home-10k``, made by
``bench_load.py``), which it first copies to a temporary folder: the scoped
store may write its pseudonym secret, and ``bench/out`` is never written.

The firms: the ``--firms`` (default 5) clients with the most partners among
those that consented to at least one bank; each credit officer belongs to
the first bank in the firm's ``consented_banks`` (``--bank`` for one bank
for all: firms it does not see are reported as such). Per firm and role,
``--repeat`` builds (default 3), each through a new scoped store, as a
request makes one, after one untimed build (imports, SQLite's page cache);
the best and the median are printed (wall seconds), with the officer /
analyst ratio of the best and, separately, ``api.analytics.trend_of`` alone.
Peers are left out (``snapshots=None``): the app computes each scope's peer
snapshot once per data version, not per dossier. ``--profile`` prints a
cProfile of the officer's first build of the largest firm (stderr)::

    .venv/bin/python bench/bench_dossier.py [--home bench/out/home-10k] [--firms 5] [--repeat 3] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import pstats
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import REPO, machine  # noqa: E402

LARGEST = """
WITH p AS (SELECT seller AS f, buyer AS o FROM trade_pairs UNION SELECT buyer, seller FROM trade_pairs)
SELECT f.id, count(*), coalesce(f.consented_banks, '') FROM p JOIN firms f ON f.id = p.f
WHERE f.is_client = 1 AND coalesce(f.consented_banks, '') <> ''
GROUP BY f.id ORDER BY 2 DESC, 1 LIMIT ?
"""


def largest(db: Path, n: int) -> list[tuple[str, int, str]]:
    """The ``n`` consenting clients with the most partners: (id, partners, first bank)."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as c:
        return [(f, int(k), banks.split(";")[0]) for f, k, banks in c.execute(LARGEST, (n,))]


def timed(fn: Callable[[], Any], repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--home", type=Path, default=REPO / "bench" / "out" / "home-10k",
                    help="a store folder (TORIHIKI_HOME) to copy and read")
    ap.add_argument("--firms", type=int, default=5)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--bank", help="one bank for every credit officer (default: each firm's first bank)")
    ap.add_argument("--profile", action="store_true", help="cProfile the officer's build of the largest firm")
    args = ap.parse_args()

    from api import analytics
    from api.web.dossier import build_dossier
    from queries.access import Principal, Role
    from queries.embedded_store import DB_FILENAME, EmbeddedStore
    from queries.scoped import ScopedStore
    from queries.store import NotFound

    with tempfile.TemporaryDirectory(prefix="bench-dossier-") as tmp:
        home = Path(tmp) / "home"
        home.mkdir()
        shutil.copy2(args.home / DB_FILENAME, home / DB_FILENAME)
        store = EmbeddedStore(home)
        firms = largest(home / DB_FILENAME, args.firms)
        analyst = Principal("bench-analyst", Role.ANALYST)
        if firms:  # imports and SQLite's page cache warmed once, untimed, the same for both roles
            build_dossier(ScopedStore(store, analyst), firms[0][0], snapshots=None, months=24)
        m = machine()
        print(f"# dossier of the {len(firms)} largest consenting clients ({args.home.name}), "
              f"best / median of {args.repeat}, seconds")
        print(f"\n{m['cpus']} CPUs, {m['cpu_model']}, Python {m['python']}, load {m['loadavg']}, "
              f"commit {m['commit']}\n")
        print("| firm | partners | bank | analyst | officer | officer / analyst | trend_of analyst | trend_of officer |")
        print("|---|---:|---|---:|---:|---:|---:|---:|")
        for n, (firm, partners, bank) in enumerate(firms):
            bank = args.bank or bank
            officer = Principal("bench-officer", Role.CREDIT_OFFICER, bank)

            def dossier(p: Principal, firm: str = firm) -> Any:
                return build_dossier(ScopedStore(store, p), firm, snapshots=None, months=24)

            def trend(p: Principal, firm: str = firm) -> Any:
                return analytics.trend_of(ScopedStore(store, p), firm, "month")

            if n == 0 and args.profile:
                prof = cProfile.Profile()
                prof.enable()
                dossier(officer)
                prof.disable()
                pstats.Stats(prof, stream=sys.stderr).sort_stats("cumulative").print_stats(45)
            a = timed(lambda: dossier(analyst), args.repeat)
            try:
                o = timed(functools.partial(dossier, officer), args.repeat)
            except NotFound:
                print(f"| {firm} | {partners:,} | {bank} | {min(a):.2f} / {statistics.median(a):.2f} "
                      "| not visible | | | |")
                continue
            ta = timed(lambda: trend(analyst), args.repeat)
            to = timed(functools.partial(trend, officer), args.repeat)
            print(f"| {firm} | {partners:,} | {bank} | {min(a):.2f} / {statistics.median(a):.2f} "
                  f"| {min(o):.2f} / {statistics.median(o):.2f} | {min(o) / min(a):.2f} "
                  f"| {min(ta):.2f} | {min(to):.2f} |", flush=True)
        print(f"\nload average after: {machine()['loadavg']}")


if __name__ == "__main__":
    main()
