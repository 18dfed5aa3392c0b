"""Turn the JSON files of ``make bench`` into one Markdown and one JSON report.

    .venv/bin/python bench/report.py --dir bench/out

Reads what the benchmark scripts wrote into ``--dir`` (``load-*.json``,
``serve-*.json``, ``start.json``), puts every figure next to its target and
the baseline measured in the same run, and writes ``report.md`` and
``report.json`` there, with the machine, the datasets and the commit. Missing
inputs are reported as missing, not skipped silently.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import machine, write_json  # noqa: E402

Row = list[str]


def _load(path: Path) -> dict[str, Any] | None:
    return json.loads(path.read_text()) if path.exists() else None


def _fmt(x: Any, digits: int = 0) -> str:
    if x is None:
        return "—"
    if isinstance(x, float):
        return f"{x:,.{digits}f}"
    if isinstance(x, int):
        return f"{x:,}"
    return str(x)


def _check(ok: bool | None) -> str:
    return "—" if ok is None else ("met" if ok else "**not met**")


def _table(head: Row, rows: list[Row]) -> str:
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---:" if i else "---" for i in range(len(head))) + "|"]
    lines += ["| " + " | ".join(r + ["—"] * (len(head) - len(r))) + " |" for r in rows]
    return "\n".join(lines)


def ingest_section(d: Path, out: dict[str, Any]) -> str:
    rows: list[Row] = []
    per_line: dict[str, float] = {}
    for name in ("1k", "10k", "100k"):
        r = _load(d / f"load-embedded-{name}.json")
        if r is None:
            rows.append([name, "missing"] + ["—"] * 8)
            continue
        load, pandas = r["load"], r.get("pandas", {})
        us = load["ingest_s"] / load["lines"] * 1e6
        per_line[name] = us
        slices = [s["us_per_line"] for s in load["slices"] if s["us_per_line"] > 0]
        q = max(1, len(slices) // 5)
        first, last = sum(slices[:q]) / q, sum(slices[-q:]) / q
        rows.append([name, _fmt(load["files"]), _fmt(load["lines"]), _fmt(load["ingest_s"], 1),
                     _fmt(load["lines_per_s"]), _fmt(pandas.get("lines_per_s")),
                     _fmt(r.get("ratio_to_pandas"), 3), f"{us:.1f}", f"{first:.1f} → {last:.1f}",
                     _fmt(load.get("refresh_s"), 1), _fmt(load.get("peak_rss_mib"), 0)])
        out[f"ingest_{name}"] = {"lines_per_s": load["lines_per_s"], "ratio_to_pandas": r.get("ratio_to_pandas"),
                                 "ingest_s": load["ingest_s"], "us_per_line": round(us, 2),
                                 "refresh_s": load.get("refresh_s")}
    growth = per_line["100k"] / per_line["1k"] if "100k" in per_line and "1k" in per_line else None
    big = out.get("ingest_100k", {})
    ratio = big.get("ratio_to_pandas")
    total = (big.get("ingest_s") or 0) + (big.get("refresh_s") or 0) if big else None
    checks = [
        ["lines/s ÷ pandas.read_csv, whole region (100k)", "≥ 0.5", _fmt(ratio, 3),
         _check(None if ratio is None else ratio >= 0.5)],
        ["µs per line, 100k ÷ 1k region", "≤ 1.5", _fmt(growth, 2), _check(None if growth is None else growth <= 1.5)],
        ["100k region into the embedded store (ingest + refresh), s", "≤ 300", _fmt(total, 0),
         _check(None if not total else total <= 300)],
    ]
    out["ingest_checks"] = checks
    return ("### Ingest into the embedded store\n\n" + _table(
        ["region", "files", "lines", "ingest s", "lines/s", "pandas lines/s", "ratio", "µs/line",
         "µs/line first → last fifth", "refresh s", "peak RSS MiB"], rows)
        + "\n\n" + _table(["target", "goal", "measured", ""], checks))


def neo4j_section(d: Path, out: dict[str, Any]) -> str:
    rows: list[Row] = []
    checks: list[Row] = []
    for name in ("10k", "100k"):
        r = _load(d / f"load-neo4j-{name}.json")
        if r is None:
            rows.append([name, "missing"] + ["—"] * 9)
            continue
        rels = sum(r["load"]["relationships"].values())
        # The split (bench_load.py): the main thread's own work — parsing
        # (workers), resolution, rows: what the embedded store also pays — and
        # the writer thread's time in Neo4j writes, which runs beside it.
        rows.append([name, _fmt(rels), _fmt(r["load"]["ingest_s"], 1), _fmt(r["load"].get("main_work_s"), 1),
                     _fmt(r["load"].get("write_busy_s"), 1), _fmt(r["load_rels_per_s"]),
                     _fmt(r.get("write_rels_per_s")),
                     _fmt(r["baseline"]["merge"]["rels_per_s"]), _fmt(r["ratio_to_merge"], 2),
                     _fmt(r.get("write_ratio_to_merge"), 2),
                     _fmt(r["baseline"]["create"]["rels_per_s"]), _fmt(r["ratio_to_create"], 2)])
        out[f"neo4j_load_{name}"] = {"rels_per_s": r["load_rels_per_s"], "ratio_to_merge": r["ratio_to_merge"],
                                     "ratio_to_create": r["ratio_to_create"],
                                     "main_work_s": r["load"].get("main_work_s"),
                                     "write_busy_s": r["load"].get("write_busy_s"),
                                     "write_rels_per_s": r.get("write_rels_per_s"),
                                     "write_ratio_to_merge": r.get("write_ratio_to_merge"),
                                     # CPU ms per relationship (ours, the server's): load against plain MERGE
                                     "cpu_ms_per_rel": r.get("cpu_ms_per_rel"),
                                     "ceiling": r["baseline"].get("ceiling")}
        checks += [[f"{name}: load ÷ plain batched UNWIND … MERGE", "≥ 0.8", _fmt(r["ratio_to_merge"], 2),
                    _check(r["ratio_to_merge"] >= 0.8)],
                   [f"{name}: relationships/s", "≥ 25,000", _fmt(r["load_rels_per_s"]),
                    _check(r["load_rels_per_s"] >= 25_000)]]
    out["neo4j_checks"] = checks
    return ("### Load into Neo4j\n\n" + _table(
        ["region", "relationships", "load s", "of it parse + resolve s", "Neo4j write s (beside it)",
         "load rels/s", "write rels/s", "plain MERGE rels/s", "ratio", "write ratio", "plain CREATE rels/s",
         "ratio"], rows) + "\n\n" + _table(["target", "goal", "measured", ""], checks))


def _serve_row(r: dict[str, Any], label: str, key: str, baseline: str | None) -> Row:
    v = r[key]
    ratio = (v["p50_ms"] / r[baseline]["p50_ms"]) if baseline and r.get(baseline) else None
    errors = v.get("non_2xx", 0) + sum(v.get("errors", {}).values())
    split = "/".join(str(n) for n in v.get("connections_by_process") or []) or "–"
    return [label, _fmt(v["p50_ms"], 2), _fmt(v["p99_ms"], 2), _fmt(v["per_s"], 0), _fmt(ratio, 1), split,
            _fmt(errors)]


def serve_section(d: Path, out: dict[str, Any]) -> str:
    parts = []
    checks: list[Row] = []
    for store in ("embedded", "neo4j"):
        r = _load(d / f"serve-{store}.json")
        if r is None:
            parts.append(f"*serve-{store}.json missing*")
            continue
        # the officer's two-hop answers: stored for the bank at load time (Neo4j's default) or computed
        two_stored = r.get("firms", {}).get("officer_two_hop_stored", 0) >= 0.99
        how2 = "stored for the bank" if two_stored else "computed"
        lines: list[tuple[str, str, str | None]] = [
            ("raw store query, client firms (10 threads)", "raw_clients", None),
            ("raw store query, 50 largest firms", "raw_top", None),
            ("GET /health (framework floor)", "floor_health", None),
            ("ego hops=1, client firms, cold", "ego1_clients", "raw_clients"),
            ("ego hops=1, client firms, computed (nothing stored at load)", "ego1_clients_computed",
             "raw_clients"),
            ("ego hops=1, client firms, fixed rate, CO-corrected", "ego1_clients_fixed_rate", "raw_clients"),
            ("ego hops=1, client firms, warm cache", "ego1_clients_warm", "raw_clients"),
            ("ego hops=2, client firms, cold", "ego2_clients", None),
            ("ego hops=2, client firms, computed (nothing stored at load)", "ego2_clients_computed", None),
            ("ego hops=1, a bank's consenting clients, its credit officer (consent-masked, stored for the bank)",
             "ego1_officer", None),
            ("ego hops=1, the same, computed (nothing stored at load)", "ego1_officer_computed", None),
            (f"ego hops=2, a bank's consenting clients, its credit officer (consent-masked, {how2})",
             "ego2_officer", None),
            ("ego hops=2, the same, computed (nothing stored at load)", "ego2_officer_computed", None),
            ("ego hops=1, client firms, after a consent change", "ego1_clients_after_consent", "raw_clients"),
            ("ego hops=2, client firms, after a consent change", "ego2_clients_after_consent", None),
            *((f"{n}, 50 largest firms, cold", f"top_{n}", "raw_top" if n == "ego" else None)
              for n in ("ego", "view", "trend", "figures", "peers")),
            *((f"{n}, 50 largest firms, a fiscal year's window (computed: nothing stored for it)",
               f"top_{n}_window", None) for n in ("ego", "view", "trend")),
            ("soak: 50 users, ego/view/trend/peers, warm", "soak", None),
        ]
        rows = [_serve_row(r, label, key, baseline) for label, key, baseline in lines if r.get(key)]
        parts.append(f"#### {store} ({r['workers']} server processes)\n\n" + _table(
            ["request (10 connections unless said)", "p50 ms", "p99 ms", "req/s", "p50 ÷ raw",
             "connections per process", "errors"], rows)
            + f"\n\nServer RSS: {_fmt(r.get('rss_cold_mib'), 0)} MiB after the cold runs, "
              f"{_fmt(r.get('rss_after_soak_mib'), 0)} MiB after the soak. Connections per process: how a "
              "run's ten connections fell on the server processes, seen 2 s into the run: the kernel "
              "hashes each new connection onto a process (`api.server_processes`), and a process "
              "holding more than its share closes one now and then until they are even "
              "(`api.connection_balance`)."
            + _split_note(r.get("ego2_clients", {}))
            + _split_note(r.get("ego2_clients_after_consent", {}), "two-hop run after the consent change")
            + _split_note(r.get("ego2_clients_computed", {}), "computed two-hop run")
            + _split_note(r.get("ego2_officer", {}), "officer's two-hop run")
            + _split_note(r.get("ego2_officer_computed", {}), "officer's computed two-hop run")
            + "".join(f"\n\nServer warning (cold runs): `{w}`" for w in r.get("server_warnings_cold", [])))
        e1, e2 = r.get("ego1_clients", {}), r.get("ego2_clients", {})
        e2c = r.get("ego2_clients_computed", {})
        o1, o2 = r.get("ego1_officer", {}), r.get("ego2_officer", {})
        o2c = r.get("ego2_officer_computed", {})
        raw = r.get("raw_clients", {})
        top_p99 = max((r.get(f"top_{n}", {}).get("p99_ms", 0) for n in ("ego", "view", "trend", "figures", "peers")),
                      default=0)
        windowed = [r[f"top_{n}_window"]["p99_ms"] for n in ("ego", "view", "trend") if r.get(f"top_{n}_window")]
        top_window_p99 = max(windowed) if windowed else None  # (runs before 2026-12-06 have none)
        soak = r.get("soak", {})
        soak_errors = soak.get("non_2xx", 0) + sum(soak.get("errors", {}).values()) if soak else None
        checks += [
            [f"{store}: ego hops=1 p50 / p99, ms (cold)", "≤ 15 / ≤ 50",
             f"{_fmt(e1.get('p50_ms'), 1)} / {_fmt(e1.get('p99_ms'), 1)}",
             _check(bool(e1) and e1["p50_ms"] <= 15 and e1["p99_ms"] <= 50)],
            [f"{store}: ego hops=1 p50 ÷ raw query p50", "≤ 2",
             _fmt(e1["p50_ms"] / raw["p50_ms"] if e1 and raw else None, 1),
             _check(bool(e1 and raw) and e1["p50_ms"] / raw["p50_ms"] <= 2)],
            [f"{store}: ego hops=2 p99, ms (cold)", "≤ 300", _fmt(e2.get("p99_ms"), 1),
             _check(bool(e2) and e2["p99_ms"] <= 300)],
            [f"{store}: ego hops=2 p99, ms (computed, nothing stored at load: a firm "
             "that is not a client, another window)", "≤ 300", _fmt(e2c.get("p99_ms"), 1),
             _check(bool(e2c) and e2c["p99_ms"] <= 300)],
            [f"{store}: a credit officer's ego hops=1 / hops=2 p99, ms (consent-masked; one hop stored for the "
             f"bank, two {'too' if two_stored else 'computed'})",
             "≤ 50 / ≤ 300", f"{_fmt(o1.get('p99_ms'), 1)} / {_fmt(o2.get('p99_ms'), 1)}",
             _check(o1["p99_ms"] <= 50 and o2["p99_ms"] <= 300) if o1 and o2 else _check(None)],
            *([[f"{store}: a credit officer's ego hops=2 p99, ms (computed, nothing stored at load: after "
                "the bank's consents change until rendered again, another window)", "≤ 300",
                _fmt(o2c.get("p99_ms"), 1), _check(o2c["p99_ms"] <= 300)]] if two_stored and o2c else []),
            [f"{store}: 50 largest firms, worst p99 of ego/view/trend/figures/peers, ms (cold)", "≤ 300",
             _fmt(top_p99, 1), _check(top_p99 <= 300)],
            *([[f"{store}: 50 largest firms, worst p99 of ego/view/trend over a fiscal year's window, ms "
                "(computed)", "≤ 300", _fmt(top_window_p99, 1), _check(top_window_p99 <= 300)]]
              if top_window_p99 is not None else []),
            [f"{store}: server RSS after the soak, MiB", "≤ 1,024", _fmt(r.get("rss_after_soak_mib"), 0),
             _check(r.get("rss_after_soak_mib") is not None and r["rss_after_soak_mib"] <= 1024)],
            [f"{store}: soak errors (50 users, {int(soak.get('seconds', 0))} s)", "0", _fmt(soak_errors),
             _check(soak_errors == 0 if soak else None)],
        ]
    out["serve_checks"] = checks
    return "### Serving a firm (100k region)\n\n" + "\n\n".join(parts) + "\n\n" + _table(
        ["target", "goal", "measured", ""], checks)


def _split_note(run: dict[str, Any], what: str = "two-hop run") -> str:
    """How a two-hop run's CPU fell on the server's processes: ten
    connections opened at once can all land on one of them."""
    split = run.get("cpu_s_by_process")
    if not split:
        return ""
    return (f" CPU seconds per server process during the {what}: {' / '.join(_fmt(x, 1) for x in split)}"
            f" (in {_fmt(run.get('seconds'), 0)} s).")


def start_section(d: Path, out: dict[str, Any]) -> str:
    r = _load(d / "start.json")
    if r is None:
        return "### First start\n\n*start.json missing*"
    first, later = r["first"], r["later"]
    checks = [
        ["`make run` on a fresh clone, empty installer caches, to the first answer, s", "≤ 45",
         _fmt(first["seconds_to_answer"], 1),
         _check(first["seconds_to_answer"] is not None and first["seconds_to_answer"] <= 45)],
        ["a later `make run`, s", "≤ 5", _fmt(later["seconds_to_answer"], 1),
         _check(later["seconds_to_answer"] is not None and later["seconds_to_answer"] <= 5)],
        ["lines printed before serving / of them warnings", "a few / 0",
         f"{first['output_lines']} / {first['warning_lines']}", _check(first["warning_lines"] == 0)],
    ]
    out["start_checks"] = checks
    return "### First start\n\n" + _table(["target", "goal", "measured", ""], checks)


SOURCES = [("ingest", [f"load-embedded-{r}.json" for r in ("1k", "10k", "100k")]),
           ("Neo4j load", [f"load-neo4j-{r}.json" for r in ("10k", "100k")]),
           ("serving", ["serve-embedded.json", "serve-neo4j.json"]), ("first start", ["start.json"])]
"""The inputs of each section (``BENCH_SKIP`` keeps an earlier run's)."""


def sources(d: Path, out: dict[str, Any]) -> str:
    """Which code and when each input was measured: a report may combine
    parts run at different times (``BENCH_SKIP`` keeps the files of an
    earlier run), and then says so."""
    found: dict[str, dict[str, str]] = {}
    for _, names in SOURCES:
        for name in names:
            r = _load(d / name)
            if r is not None and "machine" in r:
                found[name] = {"commit": r["machine"].get("commit", "?"), "date": r["machine"].get("date", "?")}
    out["sources"] = found
    commits = {v["commit"] for v in found.values()}
    if len(commits) <= 1:
        return ""
    parts = []
    for label, names in SOURCES:
        runs: dict[str, str] = {}  # commit -> its first date
        for n in names:
            if n in found:
                c, t = found[n]["commit"], found[n]["date"][:16]
                runs[c] = min(runs.get(c, t), t)
        if runs:
            parts.append(f"{label} at " + " and ".join(f"{c} ({t} UTC)" for c, t in sorted(runs.items())))
    return "Parts measured in different runs: " + "; ".join(parts) + ".\n"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--dir", type=Path, default=Path("bench/out"))
    args = p.parse_args()
    out: dict[str, Any] = {"machine": machine()}
    regions = {}
    for name in ("1k", "10k", "100k"):
        cfg = args.dir / f"region-{name}" / "truth" / "config.json"
        if cfg.exists():
            regions[name] = json.loads(cfg.read_text())
    out["regions"] = regions
    m = out["machine"]
    head = (f"# torihiki benchmarks\n\nMachine: {m['cpus']} CPUs ({m['cpu_model']}), {m['memory_gib']} GiB, "
            f"Python {m['python']}; commit {m['commit']}; {m['date']}; load average at the end "
            f"{m['loadavg']}.\n\nDatasets: generated regions (`torihiki generate`, seed 1, 24 months): "
            + ", ".join(f"{k} = {v.get('firms'):,} firms / {v.get('clients'):,} clients" for k, v in regions.items())
            + ". Every figure sits next to a baseline measured in the same run.\n")
    mixed = sources(args.dir, out)
    if mixed:
        head += "\n" + mixed
    body = "\n\n".join([ingest_section(args.dir, out), neo4j_section(args.dir, out), serve_section(args.dir, out),
                        start_section(args.dir, out)])
    args.dir.mkdir(parents=True, exist_ok=True)
    (args.dir / "report.md").write_text(head + "\n" + body + "\n", encoding="utf-8")
    write_json(args.dir / "report.json", out)
    print(head + "\n" + body)


if __name__ == "__main__":
    main()
