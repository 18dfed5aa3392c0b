"""Benchmark loading a whole region, next to same-run baselines.

    .venv/bin/python bench/bench_load.py --region bench/out/region-100k --store embedded \
        --home bench/out/home-100k --out load-100k.json
    eval "$(scripts/neo4j-local env)"
    .venv/bin/python bench/bench_load.py --region bench/out/region-10k --store neo4j --out load-neo4j.json

A region is what a BPO operator hands over (``torihiki generate`` writes one):
many clients' ledgers in six formats, a firm master, management parameters
and a 法人番号 registry. Phases, each in a child process of its own so that
its peak RSS is its own:

* ``pandas`` — the baseline: ``pandas.read_csv`` of every ledger file of
  the manifest (strings, no validation), as a plain reading floor.
* ``load`` — what a user runs, in a fresh store: firm master, registry and
  parameters imports, then every ledger file through the loader (parsing in
  worker processes, entity resolution, writing), then the refresh of the
  peer-baseline metrics. The time of every 5% of files is recorded (when
  their rows were committed), so the table shows whether a file costs more
  once the store is full.
* ``neo4j-baseline`` (``--store neo4j``) — after the load: every
  relationship the load created (observations, merged pairs) read back,
  deleted, and written again with a plain batched
  ``UNWIND $rows … MATCH … MERGE … SET`` from the same driver, 10,000 rows
  per transaction — the speed of a plain batched write of the same
  relationships; and once more with ``CREATE`` instead of ``MERGE``. The
  relationships written last are new ones (new element ids), so the
  partner lists are built again at the end (``partner_lists_rebuilt_s``):
  serving measured afterwards reads the store as a load leaves it.

Lines are the ledger files' physical lines (headers included) for both the
loader and pandas. Nothing is asserted; ``make bench`` turns the JSON into the
README's table.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import REPO, machine, peak_rss_mib, write_json  # noqa: E402


def _manifest(region: Path) -> list[tuple[Path, str, str | None]]:
    from ingest.manifest import read_manifest

    entries, bad = read_manifest(region / "manifest.csv")
    if bad:
        raise SystemExit(f"bad manifest rows: {bad[:3]}")
    return [(e.path, e.client_id, e.format) for e in entries]


def _cpu_seconds() -> dict[str, float]:
    """CPU seconds (user + system) so far of this process and its waited-for
    children (the parsing workers), and of the Neo4j server when
    ``scripts/neo4j-local`` started it (its pid file). On a shared machine
    the wall time of a phase depends on what else runs; its CPU time much
    less, so the benchmark reports both."""
    import resource

    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = {"python": own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime}
    state = os.environ.get("TORIHIKI_NEO4J_DIR")
    try:
        pid = (Path(state) / "neo4j.pid").read_text().strip() if state else ""
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split() if pid else []
        if fields:
            out["neo4j"] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        pass
    return out


def _cpu_since(before: dict[str, float]) -> dict[str, float]:
    now = _cpu_seconds()
    return {k: round(now[k] - before[k], 1) for k in now if k in before}


def _lines(path: Path) -> int:
    data = path.read_bytes()
    if not data:
        return 0
    n = data.count(b"\n")
    if n == 0:  # 全銀 files without line ends: 120-byte records
        return max(1, len(data.rstrip(b"\x1a")) // 120)
    return n + (0 if data.endswith(b"\n") else 1)


# -- phases (run in a child) --------------------------------------------------------------
def phase_pandas(region: Path) -> dict[str, Any]:
    import pandas as pd

    files = _manifest(region)
    lines = sum(_lines(p) for p, _, _ in files)
    t0 = time.perf_counter()
    for path, _, _ in files:
        head = path.read_bytes()[:3]
        encoding = "utf-8-sig" if head == b"\xef\xbb\xbf" else "cp932"
        with contextlib.suppress(pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeError):
            pd.read_csv(path, header=None, dtype=str, encoding=encoding, encoding_errors="replace",
                        on_bad_lines="skip", engine="c", sep=",")
    seconds = time.perf_counter() - t0
    return {"files": len(files), "lines": lines, "seconds": round(seconds, 2),
            "lines_per_s": round(lines / seconds), "peak_rss_mib": round(peak_rss_mib(), 1)}


def phase_load(region: Path, home: Path, chunk_rows: int | None, statements: bool = False,
               refresh: bool = True, tx_rows: int | None = None) -> dict[str, Any]:
    from api.commands.common import refresh_after_load
    from api.settings import Settings, get_settings
    from ingest.imports import import_firms, import_parameters, import_registry
    from ingest.load import CHUNK_ROWS, IngestError, Loader, LoadJob, default_workers
    from queries.config import StoreConfig
    from queries.factory import open_store

    if statements:
        import neo4j_statements

        neo4j_statements.install()
    files = _manifest(region)
    lines = [_lines(p) for p, _, _ in files]
    cfg = Settings().store_config("batch") if os.environ.get("NEO4J_URI") else StoreConfig(home=home)
    store = open_store(cfg)
    store.ensure_schema()
    rejects = home / "rejects"
    out: dict[str, Any] = {"store": store.backend, "files": len(files), "lines": sum(lines)}
    t0 = time.perf_counter()
    import_firms(store, region / "firms.csv", rejects)
    out["firms_import_s"] = round(time.perf_counter() - t0, 2)
    t0 = time.perf_counter()
    import_registry(store, region / "registry.csv", rejects)
    out["registry_import_s"] = round(time.perf_counter() - t0, 2)
    t0 = time.perf_counter()
    import_parameters(store, region / "parameters.csv", rejects, None)
    out["parameters_import_s"] = round(time.perf_counter() - t0, 2)

    # (tx_rows and times: not in loaders before them — the "before" of a comparison)
    extra = {"tx_rows": tx_rows} if tx_rows else {}
    loader = Loader(store, rejects, workers=default_workers(), chunk_rows=chunk_rows or CHUNK_ROWS,
                    progress=False, **extra)
    out["tx_rows"] = getattr(loader, "tx_rows", loader.chunk_rows)
    jobs = [LoadJob(p, c, f) for p, c, f in files]
    committed = _watch_commits(loader)
    failed = 0
    cpu0 = _cpu_seconds()
    t0 = time.perf_counter()
    for _, outcome in loader.load(jobs):
        if isinstance(outcome, IngestError):
            failed += 1
    end = time.perf_counter()
    ingest_s = end - t0
    out["cpu_s"] = _cpu_since(cpu0)
    times = getattr(loader, "times", None)
    out.update({"ingest_s": round(ingest_s, 2), "lines_per_s": round(sum(lines) / ingest_s),
                "failed_files": failed, "slices": _slices(files, lines, committed.times, t0, end),
                "finish_s": round(committed.finish_s, 2), "counts": store.counts(),
                # The split: the writer's time in the store's writes (a thread,
                # or a process of its own for the embedded store), in parallel
                # with the main thread, and the main thread's own work (waiting
                # for the parsing workers, resolving, building rows) = wall -
                # its waits on the writer.
                "times": times.to_dict() if times else None,
                "main_work_s": round(ingest_s - times.write_wait - times.names, 2) if times else None,
                "write_busy_s": round(times.write_busy + times.names, 2) if times else None})
    if statements:
        out["statements"] = neo4j_statements.report()
    # `torihiki load` refreshes after its loader has returned: drop it (with its
    # resolver's name index, millions of objects the collector would walk) here too.
    del loader, committed, jobs
    t0 = time.perf_counter()
    # what `torihiki ingest` does next (not part of the load's figures; --no-refresh skips it):
    # after a load this large, in a process of its own on the embedded store
    info = refresh_after_load(store, get_settings(), sum(lines), quiet=True) if refresh else None
    out["refresh_s"] = round(time.perf_counter() - t0, 2) if refresh else None
    if info:
        out["refresh_clients"] = info["clients"]
        out["peer_inputs_s"] = info["seconds"]
        out["precompute_s"] = info["precompute_seconds"]
        out["precomputed"] = info["precomputed"]
    out["peak_rss_mib"] = round(peak_rss_mib(), 1)
    out["workers_peak_rss_mib"] = round(peak_rss_mib(children=True), 1)
    if store.backend == "neo4j":
        out["relationships"] = _neo4j_rel_counts(store)
    store.close()
    return out


class _Commits:
    """When each file's rows were committed (``perf_counter``, by path), and
    the seconds spent finishing batches (merged pairs and totals)."""

    def __init__(self) -> None:
        self.times: dict[str, float] = {}
        self.finish_s = 0.0
        self.last = 0.0  # when the writer last completed a write
        self.files: dict[str, str] = {}  # batch id -> file


def _watch_commits(loader: Any) -> _Commits:
    """Record when every file's writes were committed (wraps the loader's
    ``_submit``, which hands each write to the writer; nothing else changes).

    The loader reports a file only once its batch is *finished*, which for a
    whole region happens every 100,000 trading pairs — for the 10k region
    only at the end — so timing the reported files put the whole load in the
    first slice. A file's rows are committed by the writer (a thread or a
    process) in file order shortly after the main thread resolved them;
    their commit times show what each part of the region cost as the store
    fills up. A finish starts when the writer is done with the write before
    it (or when submitted, if later) and ends when it completes.
    """
    commits = _Commits()
    submit = loader._submit

    def timed(method: str, *args: Any) -> Any:
        submitted = time.perf_counter()
        future = submit(method, *args)

        def done(_: Any = None) -> None:
            now = time.perf_counter()
            if method == "finish_batches":
                commits.finish_s += now - max(submitted, commits.last)
            elif method == "write_load":
                load = args[0]
                for b in load.begun:
                    commits.files[b.id] = b.file
                for f in {b.file for b in load.begun} | {commits.files.get(c.batch_id, "") for c in load.chunks}:
                    commits.times[f] = now
            commits.last = now

        if future is None:
            done()
        else:
            future.add_done_callback(done)
        return future

    loader._submit = timed
    return commits


def _slices(files: list[tuple[Path, str, str | None]], lines: list[int], committed: dict[str, float],
            t0: float, end: float) -> list[dict[str, Any]]:
    """Seconds and µs per line of every 5% of files.

    Files are committed by group (~20,000 monthly values, often a hundred
    small files at once), so a slice's end is interpolated on the commit
    times: each commit brings the lines committed so far (files commit in
    order) up to a known figure, and the time a slice's last line was
    committed is read off linearly between the two commits around it. The
    load's start (0 lines) and end (every line, after the last finish of
    batches) close the curve.
    """
    points: list[tuple[float, int]] = [(t0, 0)]
    total = 0
    for (path, _, _), n in zip(files, lines, strict=True):
        total += n
        at = committed.get(str(path))
        if at is not None and at >= points[-1][0]:
            if at == points[-1][0]:
                points[-1] = (at, total)
            else:
                points.append((at, total))
    points.append((end, total))

    def time_at(count: int) -> float:
        for (ta, ca), (tb, cb) in zip(points, points[1:], strict=False):
            if cb >= count:
                return tb if cb == ca else ta + (tb - ta) * (count - ca) / (cb - ca)
        return end

    # Twenty slices of (nearly) equal file counts; the remainder of an
    # integer step made a 21st slice of a few files that held only the end.
    ends = {max(1, round(k * len(files) / 20)) for k in range(1, 21)}
    out: list[dict[str, Any]] = []
    last_t, last_lines, loaded = t0, 0, 0
    for done, n in enumerate(lines, start=1):
        loaded += n
        if done in ends:
            now = end if done == len(files) else time_at(loaded)
            out.append({"files": done, "seconds": round(now - t0, 2),
                        "us_per_line": round((now - last_t) / max(1, loaded - last_lines) * 1e6, 2)})
            last_t, last_lines = now, loaded
    return out


def _neo4j_rel_counts(store: Any) -> dict[str, int]:
    records, _, _ = store.driver.execute_query(
        "CALL () { MATCH ()-[r:TRADE]->() RETURN count(r) AS trade } "
        "CALL () { MATCH ()-[r:PAID]->() RETURN count(r) AS paid } "
        "CALL () { MATCH ()-[r:TRADES_WITH]->() RETURN count(r) AS pairs } "
        "RETURN trade, paid, pairs", database_=store.database)
    r = records[0]
    return {"TRADE": int(r["trade"]), "PAID": int(r["paid"]), "TRADES_WITH": int(r["pairs"])}


# The plain batched writes of the baseline (bench-only Cypher; the type names
# are the product's own, from queries.cypher.names).
_READ = {
    "TRADE": "MATCH (s:Firm)-[r:TRADE]->(b:Firm) RETURN s.id AS s, b.id AS b, properties(r) AS p",
    "PAID": "MATCH (s:Firm)-[r:PAID]->(b:Firm) RETURN s.id AS s, b.id AS b, properties(r) AS p",
    "TRADES_WITH": "MATCH (s:Firm)-[r:TRADES_WITH]->(b:Firm) RETURN s.id AS s, b.id AS b, properties(r) AS p",
}
_DELETE = ("MATCH ()-[r:TRADE|PAID|TRADES_WITH]->() CALL (r) { DELETE r } IN TRANSACTIONS OF 10000 ROWS")
_MERGE = {
    "TRADE": "UNWIND $rows AS row MATCH (s:Firm {id: row.s}) MATCH (b:Firm {id: row.b}) "
             "MERGE (s)-[r:TRADE {key: row.p.key}]->(b) SET r += row.p",
    "PAID": "UNWIND $rows AS row MATCH (s:Firm {id: row.s}) MATCH (b:Firm {id: row.b}) "
            "MERGE (s)-[r:PAID {key: row.p.key}]->(b) SET r += row.p",
    "TRADES_WITH": "UNWIND $rows AS row MATCH (s:Firm {id: row.s}) MATCH (b:Firm {id: row.b}) "
                   "MERGE (s)-[r:TRADES_WITH]->(b) SET r += row.p",
}
_CREATE = {
    "TRADE": "UNWIND $rows AS row MATCH (s:Firm {id: row.s}) MATCH (b:Firm {id: row.b}) "
             "CREATE (s)-[r:TRADE]->(b) SET r = row.p",
    "PAID": "UNWIND $rows AS row MATCH (s:Firm {id: row.s}) MATCH (b:Firm {id: row.b}) "
            "CREATE (s)-[r:PAID]->(b) SET r = row.p",
    "TRADES_WITH": "UNWIND $rows AS row MATCH (s:Firm {id: row.s}) MATCH (b:Firm {id: row.b}) "
                   "CREATE (s)-[r:TRADES_WITH]->(b) SET r = row.p",
}


def _timed_pass(drv: Any, db: str, statements: dict[str, str], rows: dict[str, list[dict[str, Any]]],
                batch: int, sessions: int) -> dict[str, Any]:
    """Delete the relationships, then write them again with ``statements``,
    ``batch`` rows per transaction, from ``sessions`` threads (rows split by
    seller, so that two threads rarely lock the same firm; the driver retries
    a deadlock). Relationships/s."""
    from concurrent.futures import ThreadPoolExecutor

    with drv.session(database=db) as s:
        s.run(_DELETE).consume()
    total = sum(len(v) for v in rows.values())
    work: list[list[tuple[str, list[dict[str, Any]]]]] = [[] for _ in range(sessions)]
    for kind, q in statements.items():
        parts: list[list[dict[str, Any]]] = [[] for _ in range(sessions)]
        for r in rows[kind]:
            parts[hash(r["s"]) % sessions].append(r)
        for i, part in enumerate(parts):
            work[i] += [(q, part[j:j + batch]) for j in range(0, len(part), batch)]

    def run(items: list[tuple[str, list[dict[str, Any]]]]) -> None:
        for q, chunk in items:
            drv.execute_query(q, rows=chunk, database_=db)

    t0 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=sessions) as pool:
        list(pool.map(run, work))
    seconds = time.perf_counter() - t0
    return {"seconds": round(seconds, 2), "rels_per_s": round(total / seconds), "batch_rows": batch,
            "sessions": sessions}


def phase_neo4j_baseline(ceiling: bool = False) -> dict[str, Any]:
    from neo4j import RoutingControl

    from api.settings import Settings
    from queries.factory import open_store

    store = open_store(Settings().store_config("batch"))
    drv, db = store.driver, store.database  # type: ignore[attr-defined]
    rows: dict[str, list[dict[str, Any]]] = {}
    for kind, q in _READ.items():
        records, _, _ = drv.execute_query(q, routing_=RoutingControl.READ, database_=db)
        rows[kind] = [r.data() for r in records]
    total = sum(len(v) for v in rows.values())
    out: dict[str, Any] = {"relationships": total, "batch_rows": 10_000}
    for name, statements in (("merge", _MERGE), ("create", _CREATE)):
        with drv.session(database=db) as s:
            s.run(_DELETE).consume()
        cpu0 = _cpu_seconds()
        t0 = time.perf_counter()
        for kind, q in statements.items():
            data = rows[kind]
            for start in range(0, len(data), 10_000):
                drv.execute_query(q, rows=data[start:start + 10_000], database_=db)
        seconds = time.perf_counter() - t0
        out[name] = {"seconds": round(seconds, 2), "rels_per_s": round(total / seconds),
                     "cpu_s": _cpu_since(cpu0)}
    if ceiling:  # how fast can this machine's Neo4j write these relationships at all?
        out["ceiling"] = {
            "create_50k_rows": _timed_pass(drv, db, _CREATE, rows, 50_000, 1),
            "create_2_sessions": _timed_pass(drv, db, _CREATE, rows, 10_000, 2),
            "merge_50k_rows": _timed_pass(drv, db, _MERGE, rows, 50_000, 1),
        }
    # The last pass wrote the same relationships, but as new ones: their
    # element ids, which the partner lists point to, are new too, and the data
    # version did not move (this is not the store's own write). The lists are
    # built again, so that the store is left as the load and its refresh left
    # it: else a two-hop ego measured after this ranks from lists that name
    # no relationship, finds that out, and takes the slow path (as the
    # serving runs of make bench did until 2026-12-03).
    t0 = time.perf_counter()
    store.prepare_reads()
    out["partner_lists_rebuilt_s"] = round(time.perf_counter() - t0, 2)
    out["peak_rss_mib"] = round(peak_rss_mib(), 1)
    store.close()
    return out


# -- driver -------------------------------------------------------------------------------
def _child(phase: str, args: argparse.Namespace) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--phase", phase, "--region", str(args.region), "--store", args.store,
           "--home", str(args.home)]
    if args.chunk_rows:
        cmd += ["--chunk-rows", str(args.chunk_rows)]
    if args.statements and phase == "load":
        cmd += ["--statements"]
    if args.no_refresh and phase == "load":
        cmd += ["--no-refresh"]
    if args.tx_rows and phase == "load":
        cmd += ["--tx-rows", str(args.tx_rows)]
    if args.ceiling and phase == "neo4j-baseline":
        cmd += ["--ceiling"]
    env = dict(os.environ)
    if args.store == "embedded":
        env.pop("NEO4J_URI", None)
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=REPO, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"phase {phase} failed:\n{proc.stderr[-4000:]}")
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--region", type=Path, required=True)
    p.add_argument("--store", choices=("embedded", "neo4j"), default="embedded")
    p.add_argument("--home", type=Path, default=REPO / "bench" / "out" / "home")
    p.add_argument("--chunk-rows", type=int, default=None)
    p.add_argument("--no-pandas", action="store_true", help="skip the pandas baseline")
    p.add_argument("--tx-rows", type=int, default=None,
                   help="monthly rows per write transaction (default: the loader's, by store)")
    p.add_argument("--no-refresh", action="store_true",
                   help="skip the refresh of the peer metrics after the load (not part of its figures)")
    p.add_argument("--ceiling", action="store_true",
                   help="also time the plain write with 50,000 rows per transaction (CREATE, MERGE) "
                        "and CREATE from two sessions: what this machine's Neo4j reaches at all")
    p.add_argument("--statements", action="store_true",
                   help="time every Cypher statement of the load by name and thread (bench/neo4j_statements.py)")
    p.add_argument("--phase", choices=("pandas", "load", "neo4j-baseline"), help=argparse.SUPPRESS)
    p.add_argument("--out", type=Path)
    args = p.parse_args()
    if args.phase == "pandas":
        print(json.dumps(phase_pandas(args.region)))
        return
    if args.phase == "load":
        print(json.dumps(phase_load(args.region, args.home, args.chunk_rows, args.statements,
                                    not args.no_refresh, args.tx_rows)))
        return
    if args.phase == "neo4j-baseline":
        print(json.dumps(phase_neo4j_baseline(args.ceiling)))
        return

    if args.store == "embedded":
        import shutil

        shutil.rmtree(args.home, ignore_errors=True)
    result: dict[str, Any] = {"machine": machine(), "region": str(args.region), "store": args.store}
    config = args.region / "truth" / "config.json"
    if config.exists():
        result["region_config"] = json.loads(config.read_text())
    if not args.no_pandas:
        result["pandas"] = _child("pandas", args)
    result["load"] = _child("load", args)
    if not args.no_pandas:
        result["ratio_to_pandas"] = round(result["load"]["lines_per_s"] / result["pandas"]["lines_per_s"], 3)
    if args.store == "neo4j":
        if args.out:  # the load's figures are kept even if the baseline phase fails
            write_json(args.out, result)
        result["baseline"] = _child("neo4j-baseline", args)
        rels = sum(result["load"]["relationships"].values())
        # CPU seconds per 1,000 relationships, Neo4j's and ours: less at the
        # mercy of other work on the machine than the wall-time ratio.
        cpu = {"load": result["load"].get("cpu_s", {}), "merge": result["baseline"]["merge"].get("cpu_s", {})}
        result["cpu_ms_per_rel"] = {k: {p: round(v / rels * 1000, 3) for p, v in c.items()} for k, c in cpu.items()}
        result["load_rels_per_s"] = round(rels / result["load"]["ingest_s"])
        result["ratio_to_merge"] = round(result["load_rels_per_s"] / result["baseline"]["merge"]["rels_per_s"], 3)
        result["ratio_to_create"] = round(result["load_rels_per_s"] / result["baseline"]["create"]["rels_per_s"], 3)
        # The write path alone: the relationships over the writer's busy time.
        busy = result["load"]["write_busy_s"]
        if busy:
            result["write_rels_per_s"] = round(rels / busy)
            result["write_ratio_to_merge"] = round(result["write_rels_per_s"]
                                                   / result["baseline"]["merge"]["rels_per_s"], 3)
    if args.out:
        write_json(args.out, result)
    print(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
