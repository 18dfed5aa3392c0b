"""Benchmark the synthetic-region generator (issue 4).

Times :func:`synthetic.generate` for 1k and 10k firms (and 100k with
``--large``: 10k clients, 24 months) and prints wall time, ledger rows
written, truth edge rows and peak RSS (``resource.getrusage``) of the main
process and of the largest client-writing worker (forked; its pages are
shared copy-on-write with the main process, so the two do not simply add).
Each size runs in a fresh subprocess so peak RSS is per size.

    .venv/bin/python bench/bench_generate.py [--large] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SIZES = [(1_000, 100), (10_000, 1_000)]
LARGE = (100_000, 10_000)


def run_one(firms: int, clients: int, months: int, out: Path, workers: int) -> dict[str, float]:
    from synthetic import GenerateConfig, generate

    t0 = time.perf_counter()
    r = generate(GenerateConfig(firms=firms, clients=clients, months=months, seed=1, out=out,
                                workers=workers))
    wall = time.perf_counter() - t0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0
    return {"firms": firms, "clients": clients, "months": months, "seconds": round(wall, 1),
            "ledger_files": r.ledger_files, "ledger_lines": r.ledger_lines,
            "edge_rows": r.edge_rows, "peak_rss_mib": round(rss, 0),
            "worker_rss_mib": round(child, 0)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--large", action="store_true", help="also run 100k firms / 10k clients")
    ap.add_argument("--months", type=int, default=24)
    ap.add_argument("--workers", type=int, default=0, help="0 = one per CPU (at most 4)")
    ap.add_argument("--keep", type=Path, help="write regions under this folder (else a temp dir)")
    ap.add_argument("--one", nargs=2, type=int, help=argparse.SUPPRESS)
    ap.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one[0], args.one[1], args.months, args.out, args.workers)))
        return
    sizes = SIZES + ([LARGE] if args.large else [])
    base = args.keep or Path(tempfile.mkdtemp(prefix="torihiki-bench-"))
    print(f"{'firms':>8} {'clients':>8} {'months':>6} {'seconds':>8} {'ledger rows':>12} "
          f"{'files':>7} {'edge rows':>11} {'peak RSS MiB':>13} {'worker RSS MiB':>15}")
    for firms, clients in sizes:
        out = base / f"region-{firms}"
        res = subprocess.run(
            [sys.executable, __file__, "--one", str(firms), str(clients), "--months",
             str(args.months), "--out", str(out), "--workers", str(args.workers)],
            check=True, capture_output=True, text=True)
        d = json.loads(res.stdout.strip().splitlines()[-1])
        print(f"{d['firms']:>8} {d['clients']:>8} {d['months']:>6} {d['seconds']:>8} "
              f"{d['ledger_lines']:>12} {d['ledger_files']:>7} {d['edge_rows']:>11} "
              f"{d['peak_rss_mib']:>13} {d['worker_rss_mib']:>15}")
    print(f"regions in {base}")


if __name__ == "__main__":
    main()
