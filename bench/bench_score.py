"""Portfolio batch benchmark: ``torihiki score --all`` over 10,000 clients.

Setup (not part of the figure): a generated region (``torihiki generate``;
default 100,000 firms, 10,000 clients, 24 months) has its true monthly edges
that touch a client — what the clients' ledgers record — bulk-written into a
fresh embedded store, with the firm master and parameters imported.

Measured, each in its own child process (wall seconds, peak RSS):

* baseline: ``pandas.read_csv`` of those same edges from CSV;
* score: what ``torihiki score --all --out FILE.parquet`` does — read all
  trade from the store, build the network, find distress, compute every
  client's ego metrics, trend gaps and peer percentiles, write Parquet.

The figure is the score time and its ratio to the baseline in the same run.

Usage: python bench/bench_score.py [--region DIR] [--firms N --clients K]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _setup(region: Path, home: Path) -> dict[str, int]:
    import pandas as pd

    from ingest.imports import import_firms, import_parameters
    from queries.embedded_store import EmbeddedStore
    from queries.model import BatchInfo, TradeRow

    store = EmbeddedStore(home)
    store.ensure_schema()
    import_firms(store, region / "firms.csv", home / "rejects")
    import_parameters(store, region / "parameters.csv", home / "rejects")
    clients = {f.id for f in store.all_firms() if f.is_client}
    edges = pd.read_csv(region / "truth" / "edges.csv", dtype={"month": str})
    edges.columns = ["seller", "buyer", "month", "amount"]
    seen = edges[edges["seller"].isin(clients) | edges["buyer"].isin(clients)]
    seen.to_csv(home / "edges.csv", index=False)
    firms = sorted(set(seen["seller"]) | set(seen["buyer"]))
    from queries.model import Firm

    store.upsert_firms([Firm(f) for f in firms], batch_id="bench")
    store.begin_batch(BatchInfo("bench", "0" * 64, "truth/edges.csv", "", "bench", started_at="bench"))
    observer = seen["seller"].where(seen["seller"].isin(clients), seen["buyer"])
    rows = [TradeRow(s, b, m, o, int(a), 1) for s, b, m, a, o in
            zip(seen["seller"], seen["buyer"], seen["month"], seen["amount"], observer, strict=True)]
    for n, start in enumerate(range(0, len(rows), 200_000)):
        store.write_chunk("bench", n, rows[start:start + 200_000], [])
    store.close()
    return {"clients": len(clients), "edge_rows": len(seen), "firms": len(firms)}


def _child(phase: str, home: Path, out: Path) -> None:
    started = time.perf_counter()
    if phase == "baseline":
        import pandas as pd

        pd.read_csv(home / "edges.csv")
    else:
        from api.portfolio import Snapshot, score_table
        from queries.embedded_store import EmbeddedStore

        store = EmbeddedStore(home)
        snap = Snapshot.load(store)
        table = score_table(snap)
        table.to_parquet(out)
    seconds = time.perf_counter() - started
    rss = _peak_rss_mib()
    print(json.dumps({"phase": phase, "seconds": seconds, "peak_rss_mib": rss}))


def _peak_rss_mib() -> float:
    """Peak resident memory of this process (VmHWM; unlike ru_maxrss it is
    not inherited across exec from the forking parent)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _run(phase: str, home: Path, out: Path) -> dict[str, float]:
    proc = subprocess.run([sys.executable, __file__, "--child", phase, "--home", str(home), "--out", str(out)],
                          check=True, capture_output=True, text=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--region", type=Path, default=ROOT / "bench" / "out" / "region100k")
    p.add_argument("--firms", type=int, default=100_000)
    p.add_argument("--clients", type=int, default=10_000)
    p.add_argument("--child")
    p.add_argument("--home", type=Path)
    p.add_argument("--out", type=Path)
    args = p.parse_args()
    if args.child:
        _child(args.child, args.home, args.out)
        return
    if not (args.region / "manifest.csv").exists():
        from synthetic import GenerateConfig, generate

        generate(GenerateConfig(firms=args.firms, clients=args.clients, months=24, seed=1, out=args.region))
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        t = time.perf_counter()
        size = _setup(args.region, home)
        setup_s = time.perf_counter() - t
        base = _run("baseline", home, home / "score.parquet")
        score = _run("score", home, home / "score.parquet")
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    print(f"machine: {os.cpu_count()} cores, {cpu}, Python {platform.python_version()}")
    print(f"dataset: {args.region.name}: {size['clients']:,} clients, {size['firms']:,} firms seen, "
          f"{size['edge_rows']:,} monthly edge rows (store set up in {setup_s:.0f} s)\n")
    print("| phase | seconds | peak RSS (MiB) |\n|---|---:|---:|")
    print(f"| baseline: pandas.read_csv of the same edges | {base['seconds']:.1f} | {base['peak_rss_mib']:.0f} |")
    print(f"| score --all: {size['clients']:,} clients → Parquet | {score['seconds']:.1f} | "
          f"{score['peak_rss_mib']:.0f} |")
    print(f"\nratio score / read_csv: {score['seconds'] / base['seconds']:.1f}")


if __name__ == "__main__":
    main()
