"""Benchmark ingest: lines/s of ``load_file`` on a generated multi-million-line
canonical ledger, next to the time ``pandas.read_csv`` takes to read the same
bytes in the same run, and peak memory.

The figure is the ratio ingest time / pandas time: pandas' C parser is the
floor for "reading a CSV in Python", while the loader also validates every
cell, keeps line numbers for the quarantine, resolves counterparties and
writes a resumable batch. Measuring both in the same run on the same file
makes the ratio comparable across machines and loads; absolute lines/s are
not (the table prints the machine and its load average).

Each phase runs in a child process of its own (this script with
``--phase``), which reports its own peak RSS (``ru_maxrss``), so phases do
not mix. The loader's memory should be bounded by the distinct
(counterparty, month) pairs, not by lines: the generator gives every size
the same pairs, so ``--lines 1000000 2000000`` should show about the same
peak RSS for both.

    .venv/bin/python bench/bench_ingest.py                          # 2,000,000 lines
    .venv/bin/python bench/bench_ingest.py --lines 1000000 2000000  # memory vs lines
    .venv/bin/python bench/bench_ingest.py --neo4j --neo4j-lines 500000
    .venv/bin/python bench/bench_ingest.py --lines 300000 --profile # where the time goes

``--neo4j`` also loads into the Neo4j at ``NEO4J_URI``: the database must be
empty (or pass ``--neo4j-wipe`` to empty it first) and is emptied again
afterwards — use a scratch server, e.g.
``TORIHIKI_NEO4J_DIR=.cache/neo4j-bench scripts/neo4j-local start --fresh``.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

CLIENT = "C1"
ENCODING = "utf-8"

# Name parts: one distinct core per counterparty (mixed radix over three pools).
_A = "東西南北上中央新大小高長広深明青赤白黒金銀銅鉄石木林森山川海湖島岬浜港原野田畑"
_B = "日月星雲風雷雪花草竹梅桜松杉柳菊桐楓藤葵萩蓮菖蘭椿桃梨柿栗麦稲"
_C = ("商事", "工業", "建設", "物産", "製作所", "運輸", "電機", "食品", "化学", "産業")
_FORMS = ("株式会社{}", "{}株式会社", "有限会社{}", "合同会社{}")


# -- the ledger ------------------------------------------------------------
def counterparty(i: int) -> tuple[str, str]:
    """(name, 法人番号 or "") of counterparty ``i``: 9 in 10 carry a number."""
    from ingest.corporate_number import check_digit

    a, rest = _A[i % len(_A)], i // len(_A)
    b, rest = _B[rest % len(_B)], rest // len(_B)
    core = f"{a}{b}{_C[rest % len(_C)]}{'' if rest < len(_C) else rest // len(_C)}"
    name = _FORMS[(i // 7) % len(_FORMS)].format(core)
    base = f"{700_000_000_000 + i * 37:012d}"
    return name, (f"{check_digit(base)}{base}" if i % 10 else "")


def write_ledger(path: Path, lines: int, counterparties: int, months: int) -> dict[str, int]:
    """Write a deterministic canonical ledger of client :data:`CLIENT`.

    Lines are spread evenly over ``months`` months from April 2023, in date
    order. Within a month, line ``k`` goes to counterparty ``(k * 7919) mod
    counterparties`` (each pass over the counterparties covers all of them):
    passes 0 and 1 of every three are trade (counterparty ``i`` is a
    customer — sale — when even, a supplier — purchase — when odd), pass 2
    is the settlement (receipt / payment). So any size with at least three
    passes a month has the same (counterparty, direction, month) keys — and
    the same aggregated rows — and only the lines per key grow.
    """
    per_month = lines // months
    if per_month < 3 * counterparties:
        raise SystemExit(f"--lines {lines}: need at least {3 * counterparties * months} lines "
                         f"for {counterparties} counterparties x {months} months")
    stride = 7919 if counterparties % 7919 else 7907
    parties = [counterparty(i) for i in range(counterparties)]
    written = 0
    with path.open("w", encoding=ENCODING, newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["date", "counterparty_name", "corporate_number", "direction", "amount", "memo"])
        for m in range(months):
            year, month = 2023 + (3 + m) // 12, (3 + m) % 12 + 1
            n = per_month + (lines - per_month * months if m == months - 1 else 0)
            for k in range(n):
                i = (k * stride) % counterparties
                name, cn = parties[i]
                settle = (k // counterparties) % 3 == 2
                if i % 2 == 0:
                    direction = "receipt" if settle else "sale"
                else:
                    direction = "payment" if settle else "purchase"
                yen = 100 * (1 + (k * 131 + i) % 99_991)
                amount = f"{yen:,}" if k % 4 == 0 else str(yen)
                day = 1 + k * 28 // n
                w.writerow([f"{year}-{month:02d}-{day:02d}", name, cn, direction, amount,
                            f"{month}月分 伝票{k % 1000:03d}"])
                written += 1
    return {"lines": written, "bytes": path.stat().st_size}


# -- phases (each in its own child process) ---------------------------------
def _rss_mib() -> float:
    """Peak RSS of this process so far (``ru_maxrss``, KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _current_rss_mib() -> float:
    """RSS of this process now (``VmRSS``): the base a phase's peak is compared with."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024.0
    return 0.0


def phase_pandas(path: Path, repeat: int = 3) -> dict[str, Any]:
    """Best of ``repeat`` reads: the floor is what the ratio is taken against,
    and a sub-second read is easily disturbed by other work on the machine."""
    import pandas as pd

    base = _current_rss_mib()
    best, rows = float("inf"), 0
    for _ in range(repeat):
        t0 = time.perf_counter()
        df = pd.read_csv(path, dtype=str, encoding=ENCODING, keep_default_na=False)
        best = min(best, time.perf_counter() - t0)
        rows = len(df)
        del df
    return {"rows": rows, "seconds": best, "base_rss_mib": base, "peak_rss_mib": _rss_mib()}


def _load(store: Any, path: Path, rejects: Path, profile: bool) -> dict[str, Any]:
    from ingest.load import load_file
    from ingest.readers.detect import read_ledger

    def run() -> Any:
        return load_file(store, path, CLIENT, fmt="canonical",
                         reader=lambda p: read_ledger(p, "canonical"), rejects_dir=rejects,
                         progress=False)

    base = _current_rss_mib()
    t0 = time.perf_counter()
    if profile:
        import cProfile
        import pstats

        prof = cProfile.Profile()
        summary = prof.runcall(run)
        seconds = time.perf_counter() - t0
        stats = pstats.Stats(prof, stream=sys.stderr)
        for key in ("tottime", "cumulative"):
            print(f"\n== cProfile, top 25 by {key} (times inflated by profiling)", file=sys.stderr)
            stats.sort_stats(key).print_stats(25)
    else:
        summary = run()
        seconds = time.perf_counter() - t0
    return {"rows": summary.rows_read, "seconds": seconds, "base_rss_mib": base,
            "peak_rss_mib": _rss_mib(), "rows_loaded": summary.rows_loaded,
            "rows_rejected": summary.rows_rejected, "trade_rows": summary.trade_rows,
            "payment_rows": summary.payment_rows, "firms_created": summary.firms_created}


def phase_embedded(path: Path, home: Path, profile: bool) -> dict[str, Any]:
    from queries.embedded_store import EmbeddedStore

    store = EmbeddedStore(home)
    store.ensure_schema()
    try:
        return _load(store, path, home / "rejects", profile)
    finally:
        store.close()


def _neo4j_empty(store: Any) -> None:
    """Delete everything, a slice per transaction: relationships first, since
    detaching a client node with all its relationships at once can exceed the
    server's transaction memory limit."""
    with store.driver.session(database=store.database) as s:
        s.run("MATCH ()-[r]->() CALL (r) { DELETE r } IN TRANSACTIONS OF 10000 ROWS").consume()
        s.run("MATCH (n) CALL (n) { DELETE n } IN TRANSACTIONS OF 10000 ROWS").consume()


def phase_neo4j(path: Path, home: Path, profile: bool, wipe: bool) -> dict[str, Any]:
    import logging

    from api.settings import Settings
    from queries.neo4j_store import Neo4jStore, make_driver

    logging.getLogger("neo4j").addHandler(logging.NullHandler())  # driver notifications
    cfg = Settings().store_config("batch")
    if not cfg.neo4j_uri:
        raise SystemExit("--neo4j: NEO4J_URI is not set")
    store = Neo4jStore(make_driver(cfg), cfg.neo4j_database)
    try:
        nodes = store.driver.execute_query("MATCH (n) RETURN count(n) AS n",
                                           database_=store.database).records[0]["n"]
        if nodes and not wipe:
            raise SystemExit(f"--neo4j: {cfg.neo4j_uri} holds {nodes} nodes; use an empty scratch "
                             "database or pass --neo4j-wipe to delete them")
        if nodes:
            _neo4j_empty(store)
        store.ensure_schema()
        version = store.driver.execute_query(
            "CALL dbms.components() YIELD name, versions, edition "
            "RETURN name + ' ' + versions[0] + ' ' + edition AS v",
            database_=store.database).records[0]["v"]
        out = _load(store, path, home / "rejects", profile)
        out["server"] = version
        return out
    finally:
        try:
            _neo4j_empty(store)  # it was empty before the run
        finally:
            store.close()


def run_phase(phase: str, path: Path, home: Path, profile: bool = False,
              wipe: bool = False) -> dict[str, Any]:
    """Run one phase in a child process and return what it reports."""
    cmd = [sys.executable, __file__, "--phase", phase, "--file", str(path), "--home", str(home)]
    cmd += ["--profile"] if profile else []
    cmd += ["--neo4j-wipe"] if wipe else []
    env = dict(os.environ, TORIHIKI_HOME=str(home))
    proc = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, text=True, check=False)
    if proc.returncode:
        raise SystemExit(f"phase {phase} failed (exit {proc.returncode})")
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


# -- the report --------------------------------------------------------------
def machine() -> dict[str, str]:
    model = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import pandas as pd

    load1, load5, _ = os.getloadavg()
    return {
        "nproc": f"{len(os.sched_getaffinity(0))} (cpu_count {os.cpu_count()})",
        "cpu": model,
        "memory": f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.1f} GiB",
        "python": f"{platform.python_version()} ({platform.python_implementation()})",
        "pandas": pd.__version__,
        "load average at start (1 / 5 min)": f"{load1:.2f} / {load5:.2f}",
    }


def _fmt_int(n: float) -> str:
    return f"{n:,.0f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lines", type=int, nargs="+", default=[2_000_000],
                    help="ledger sizes (same counterparties and months for all)")
    ap.add_argument("--counterparties", type=int, default=5_000)
    ap.add_argument("--months", type=int, default=24)
    ap.add_argument("--neo4j", action="store_true", help="also load into the Neo4j at NEO4J_URI")
    ap.add_argument("--neo4j-lines", type=int, help="ledger size for Neo4j (default: the smallest --lines)")
    ap.add_argument("--neo4j-wipe", action="store_true", help="empty a non-empty Neo4j database first")
    ap.add_argument("--profile", action="store_true", help="cProfile each ingest phase (to stderr)")
    ap.add_argument("--keep", type=Path, help="keep generated ledgers here and reuse them")
    ap.add_argument("--phase", choices=["pandas", "embedded", "neo4j"], help=argparse.SUPPRESS)
    ap.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--home", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.phase:
        if args.phase == "pandas":
            report = phase_pandas(args.file)
        elif args.phase == "embedded":
            report = phase_embedded(args.file, args.home, args.profile)
        else:
            report = phase_neo4j(args.file, args.home, args.profile, args.neo4j_wipe)
        print(json.dumps(report))
        return

    info = machine()
    work = Path(tempfile.mkdtemp(prefix="torihiki-bench-ingest-"))
    ledgers = args.keep or work
    ledgers.mkdir(parents=True, exist_ok=True)
    sizes = sorted(set(args.lines))
    neo4j_size = args.neo4j_lines or sizes[0]
    rows: list[list[str]] = []
    datasets: list[str] = []
    for lines in sorted(set(sizes) | ({neo4j_size} if args.neo4j else set())):
        path = ledgers / f"ledger-{lines}-{args.counterparties}-{args.months}.csv"
        if not path.exists():
            t0 = time.perf_counter()
            write_ledger(path, lines, args.counterparties, args.months)
            print(f"generated {path} in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
        size_mib = path.stat().st_size / 2**20
        phases = ["pandas"]
        phases += ["embedded"] if lines in sizes else []
        phases += ["neo4j"] if args.neo4j and lines == neo4j_size else []
        pandas_s = 0.0
        for phase in phases:
            home = work / f"home-{phase}-{lines}"
            print(f"{lines:,} lines: {phase} ...", file=sys.stderr)
            r = run_phase(phase, path, home, profile=args.profile and phase != "pandas",
                          wipe=args.neo4j_wipe)
            if phase == "pandas":
                pandas_s = r["seconds"]
            else:
                datasets.append(f"{lines:,} lines, {size_mib:.0f} MiB: {r['trade_rows']:,} monthly trade rows "
                                f"+ {r['payment_rows']:,} payment rows, {r['firms_created']:,} firms "
                                f"({phase}{', ' + r['server'] if 'server' in r else ''})")
                assert r["rows_loaded"] == lines and r["rows_rejected"] == 0, r
            label = {"pandas": "pandas.read_csv (dtype=str, best of 3)", "embedded": "ingest → embedded (SQLite)",
                     "neo4j": "ingest → Neo4j"}[phase]
            ratio = "1.0" if phase == "pandas" else f"{r['seconds'] / pandas_s:.1f}"
            rows.append([label, _fmt_int(lines), f"{r['seconds']:.1f}", _fmt_int(r["rows"] / r["seconds"]),
                         ratio, f"{r['peak_rss_mib']:.0f}", f"{r['peak_rss_mib'] - r['base_rss_mib']:.0f}"])

    print("\n## Ingest benchmark\n")
    print("| machine | |\n|---|---|")
    for k, v in info.items():
        print(f"| {k} | {v} |")
    print(f"| dataset | canonical CSV ({ENCODING}), client {CLIENT}, {args.counterparties:,} counterparties "
          f"x {args.months} months |")
    for d in datasets:
        print(f"| | {d} |")
    print()
    print("| phase | lines | seconds | lines/s | time / pandas | peak RSS MiB | RSS growth MiB |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for cells in rows:
        print("| " + " | ".join(cells) + " |")
    print("\nPeak RSS: ru_maxrss of the phase's own process. RSS growth: that peak minus the "
          "process's RSS just before the work (after imports and opening the store).")


if __name__ == "__main__":
    main()
