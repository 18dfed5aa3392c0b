"""Is a change faster? Two versions of the server, alternated on one store.

    .venv/bin/python bench/bench_ab.py --base HEAD~1 --store neo4j --out bench/out/ab.json
    .venv/bin/python bench/bench_ab.py --base HEAD --env-b TORIHIKI_RENDER_SLOTS=2 \\
        --store embedded --home bench/out/home-100k --kinds ego2-computed --out bench/out/ab.json

One ``make bench`` cannot tell a serving change of ~10 % from this
machine's drift: Neo4j's ``GET /health`` ranged from 696 to 1,688
requests/s over seven whole runs, and a row read as stored, through no
changed code, moved from 32.5 to 74.7 ms of p99 between two of them. A
change is judged here the way the render slots were (``docs/data-model.md``):

* **A** is ``--base`` (a commit, branch or tag), served from a worktree
  of it under ``bench/out/ab-trees/`` with this project's virtual
  environment; **B** is this checkout as it is, uncommitted changes
  included (its commit marked ``+dirty``). ``--env-b`` adds settings to
  B only (``--base HEAD`` then compares settings, not code).
* Both serve the same loaded store (the embedded store under ``--home``,
  or the Neo4j that ``NEO4J_URI`` names; ``--home-b`` gives B a copy of
  its own, for a change that rewrites the store when it opens it), the same sampled firms
  (``bench_serve.pick_firms``: seed, sample; the 50 with the most partners
  for the ``top-*`` kinds), through the same load tool
  (``oha``, 10 connections, closed loop, the response cache off).
* Both versions serve at once, on ``--port`` and the port after it, one
  idle while the other is measured. For each kind of request, after an
  untimed warm-up of the same requests on each, ``--pairs`` pairs of runs
  in ABBA order (A first in even pairs, B first in odd ones): the two runs
  of a pair are one run apart, and a drift of the machine over the pairs
  falls on both alike. (One server at a time, every kind run on it before
  the other started, put minutes between a pair's runs; in a first trial
  one pair's B ran in a slow stretch for every kind.) Each run:
  requests/s, p50 and p99, and the CPU milliseconds per request of the
  server's processes (and of Neo4j's, with ``--neo4j-pid``).
* The summary gives per kind and figure the median of the pairs' B ÷ A
  ratios, their range, and in how many pairs B was better. Nothing is
  asserted: the JSON and Markdown (``--out``, and the same name with
  ``.md``) are the evidence a change's commit or docs cite.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NamedTuple

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_serve as bs  # noqa: E402
from common import REPO, commit, machine, tree_cpu_s, write_json  # noqa: E402

TREES = REPO / "bench" / "out" / "ab-trees"
WARM_UP_S = 5.0  # untimed, on each new server: its first answers read the bank's view, fill page caches
CACHE_OFF = {"TORIHIKI_CACHE_MIB": "0"}
COMPUTED = {**CACHE_OFF, "TORIHIKI_SERVE_PRECOMPUTED": "0"}


class Kind(NamedTuple):
    """A kind of request: its path after ``/firms/{id}`` (``None``: ``/health``),
    whose firms (the clients, or the officer's bank's consenting clients)
    and the server settings it needs (what is stored at load time served,
    or every answer computed)."""

    path: str | None
    officer: bool
    env: dict[str, str]
    busiest: bool = False  # the 50 firms with the most partners instead of the clients


KINDS: dict[str, Kind] = {
    "health": Kind(None, False, CACHE_OFF),
    "ego1": Kind("/ego?hops=1", False, CACHE_OFF),
    "ego2": Kind("/ego?hops=2", False, CACHE_OFF),
    "officer-ego1": Kind("/ego?hops=1", True, CACHE_OFF),
    "officer-ego2": Kind("/ego?hops=2", True, CACHE_OFF),
    "ego1-computed": Kind("/ego?hops=1", False, COMPUTED),
    "ego2-computed": Kind("/ego?hops=2", False, COMPUTED),
    "officer-ego2-computed": Kind("/ego?hops=2", True, COMPUTED),
    # a client over a window of its own: computed (nothing is stored for a window)
    "ego1-window": Kind(f"/ego?hops=1&{bs.TOP_WINDOW}", False, CACHE_OFF),
    # the busiest firms over a window of their own: computed (nothing is stored for a window)
    "top-ego1-window": Kind(f"/ego?hops=1&{bs.TOP_WINDOW}", False, CACHE_OFF, True),
    "top-view-window": Kind(f"/view?{bs.TOP_WINDOW}", False, CACHE_OFF, True),
    "top-trend-window": Kind(f"/trend?{bs.TOP_WINDOW}", False, CACHE_OFF, True),
}
FIGURES = (("per_s", True), ("p50_ms", False), ("p99_ms", False), ("server_ms", False), ("neo4j_ms", False))
"""(figure, whether more is better)."""


def worktree(ref: str) -> tuple[str, Path]:
    """The commit ``ref`` names and a checkout of it (made once, reused)."""
    sha = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--verify", f"{ref}^{{commit}}"],
                         capture_output=True, text=True, check=True).stdout.strip()
    tree = TREES / sha[:12]
    if not (tree / "api").is_dir():
        TREES.mkdir(parents=True, exist_ok=True)
        subprocess.run(["git", "-C", str(REPO), "worktree", "add", "--detach", "--force", str(tree), sha],
                       capture_output=True, text=True, check=True)
    return sha, tree


def order(pairs: int) -> list[tuple[int, str]]:
    """(pair, variant) in ABBA order: A first in even pairs, B first in odd ones."""
    return [(i, v) for i in range(pairs) for v in (("A", "B") if i % 2 == 0 else ("B", "A"))]


def cpu_s(pid: int) -> float:
    """CPU seconds (user + system) so far of a process and its descendants."""
    return sum(tree_cpu_s(pid).values())


def summarise(rows: Sequence[dict[str, Any]], kinds: Sequence[str]) -> list[dict[str, Any]]:
    """Per kind and figure: A's and B's values in pair order, the median of
    the pairs' B ÷ A ratios and their range, and in how many pairs B was
    better (more requests/s, fewer milliseconds)."""
    out = []
    for kind in kinds:
        by: dict[tuple[int, str], dict[str, Any]] = {(r["pair"], r["variant"]): r for r in rows if r["kind"] == kind}
        pairs = sorted({p for p, _ in by if (p, "A") in by and (p, "B") in by})
        for figure, more_is_better in FIGURES:
            if not pairs or any(figure not in by[(p, v)] for p in pairs for v in "AB"):
                continue
            a = [float(by[(p, "A")][figure]) for p in pairs]
            b = [float(by[(p, "B")][figure]) for p in pairs]
            ratios = [y / x for x, y in zip(a, b, strict=True) if x]
            better = sum((y > x) if more_is_better else (y < x) for x, y in zip(a, b, strict=True))
            out.append({"kind": kind, "figure": figure, "a": a, "b": b,
                        "median_ratio": round(statistics.median(ratios), 3) if ratios else None,
                        "ratio_range": [round(min(ratios), 3), round(max(ratios), 3)] if ratios else None,
                        "b_better": f"{better} of {len(pairs)}"})
    return out


def markdown(result: dict[str, Any]) -> str:
    """The summary as a Markdown table, with what was compared on what."""
    m = result["machine"]
    lines = [
        f"# A/B: {result['a']['commit'][:12]} (A) against {result['b']['commit']} (B)",
        "",
        f"Store {result['store']}; {result['pairs']} pairs in ABBA order, {result['seconds']:g} s per run, "
        f"10 connections, {result['workers']} server processes; B's extra settings: "
        f"{result['b']['env'] or 'none'}. Machine: {m.get('cpu_model', '')}, {m.get('cpus', '')} CPUs.",
        "",
        "| request | figure | A, by pair | B, by pair | B ÷ A, median (range) | B better |",
        "|---|---|---|---|---:|---:|",
    ]
    for s in result["summary"]:
        lines.append(f"| {s['kind']} | {s['figure']} | {', '.join(f'{x:g}' for x in s['a'])} | "
                     f"{', '.join(f'{x:g}' for x in s['b'])} | {s['median_ratio']} "
                     f"({s['ratio_range'][0]}–{s['ratio_range'][1]}) | {s['b_better']} |")
    return "\n".join(lines) + "\n"


def measure(server: bs.Server, urls: list[str], auth: list[str] | None, seconds: float,
            neo4j_pid: int | None) -> dict[str, Any]:
    """One timed oha run, with CPU per request."""
    before, n0 = cpu_s(server.proc.pid), cpu_s(neo4j_pid) if neo4j_pid else 0.0
    e = bs.oha(urls, 10, seconds, auth=auth)
    n = max(e["requests"], 1)
    row = {k: e[k] for k in ("requests", "per_s", "p50_ms", "p90_ms", "p99_ms", "max_ms", "errors", "non_2xx")}
    row["server_ms"] = round(1000 * (cpu_s(server.proc.pid) - before) / n, 2)
    if neo4j_pid:
        row["neo4j_ms"] = round(1000 * (cpu_s(neo4j_pid) - n0) / n, 2)
    return row


def run(args: argparse.Namespace, say: Callable[[str], None]) -> dict[str, Any]:
    from api.settings import Settings
    from queries.config import StoreConfig
    from queries.factory import open_store

    kinds = [k.strip() for k in args.kinds.split(",") if k.strip()]
    unknown = [k for k in kinds if k not in KINDS]
    if unknown:
        raise SystemExit(f"unknown --kinds {unknown}; known: {', '.join(KINDS)}")
    env = dict(os.environ)
    if args.store == "embedded":
        env.pop("NEO4J_URI", None)
        env["TORIHIKI_HOME"] = str(Path(args.home).resolve())  # absolute: A's server runs in its worktree
    elif not env.get("NEO4J_URI"):
        raise SystemExit("--store neo4j needs NEO4J_URI (eval \"$(scripts/neo4j-local env)\")")
    extra_b = dict(kv.split("=", 1) for kv in args.env_b)
    if args.home_b:  # B serves a store of its own (e.g. a copy that A's code left as it was)
        if args.store != "embedded":
            raise SystemExit("--home-b is for --store embedded")
        extra_b["TORIHIKI_HOME"] = str(Path(args.home_b).resolve())
    base_sha, base_tree = worktree(args.base)
    cfg = Settings().store_config("api") if args.store == "neo4j" else StoreConfig(home=Path(args.home))
    store = open_store(cfg)
    clients, busiest = bs.pick_firms(store, args.sample, 50, args.seed)
    bank, officer_firms = bs.pick_officer_firms(store, args.sample, args.seed)
    store.close()
    # Each variant's tokens from the store it serves, made by that variant's code (this
    # checkout's may rewrite the schema of the store A serves). On one store A and B share
    # them: a user's new token replaces the one before.
    env_of = {"A": env, "B": {**env, **extra_b}}
    tree_of = {"A": base_tree, "B": None}

    def tokens(*user: str) -> dict[str, list[str]]:
        made = {v: bs.auth_header(bs.bench_token(env_of[v], *user, tree=tree_of[v]))
                for v in (("A", "B") if args.home_b else ("A",))}
        return {"A": made["A"], "B": made.get("B", made["A"])}

    analyst = tokens()
    officer = tokens("bench-officer", "credit_officer", bank) if bank else None
    if officer is None:
        kinds = [k for k in kinds if not KINDS[k].officer]
    groups: dict[tuple[tuple[str, str], ...], list[str]] = {}
    for k in kinds:  # one server per variant and settings, its kinds run in turn
        groups.setdefault(tuple(sorted(KINDS[k].env.items())), []).append(k)
    rows: list[dict[str, Any]] = []
    for settings, names in groups.items():
        # Both versions serve at once (on two ports), each idle while the other is measured:
        # a pair's two runs are a run's length apart, not the length of every kind's runs.
        servers: dict[str, bs.Server] = {}
        try:
            for i, variant in enumerate("AB"):
                servers[variant] = bs.Server(args.port + i, args.workers,
                                             {**env, **dict(settings), **(extra_b if variant == "B" else {})},
                                             base_tree if variant == "A" else None)
            for name in names:
                k = KINDS[name]
                auth = officer if k.officer and officer else analyst

                def urls(server: bs.Server, k: Kind = k) -> list[str]:
                    return ([f"{server.base}/health"] if k.path is None else
                            [f"{server.base}/firms/{f}{k.path}"
                             for f in (officer_firms if k.officer else busiest if k.busiest else clients)])

                for variant, server in servers.items():
                    bs.oha(urls(server), 10, WARM_UP_S, auth=auth[variant])
                for pair, variant in order(args.pairs):
                    server = servers[variant]
                    row = {"pair": pair, "variant": variant, "kind": name,
                           **measure(server, urls(server), auth[variant], args.seconds, args.neo4j_pid)}
                    say(f"{name} pair {pair} {variant}: {row['per_s']}/s p50 {row['p50_ms']} p99 {row['p99_ms']} ms, "
                        f"server {row['server_ms']} ms/request" +
                        (f", neo4j {row['neo4j_ms']}" if "neo4j_ms" in row else ""))
                    rows.append(row)
        finally:
            for server in servers.values():
                server.stop()
    return {
        "machine": machine(), "store": args.store, "workers": args.workers, "pairs": args.pairs,
        "seconds": args.seconds, "sample": args.sample, "seed": args.seed, "kinds": kinds,
        "a": {"ref": args.base, "commit": base_sha},
        "b": {"commit": commit(), "env": extra_b},  # HEAD, "+dirty" with uncommitted changes
        "runs": rows, "summary": summarise(rows, kinds),
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--base", required=True, help="A: the commit, branch or tag to compare with")
    p.add_argument("--env-b", action="append", default=[], metavar="NAME=VALUE",
                   help="a setting for B's server only (repeatable)")
    p.add_argument("--store", choices=("embedded", "neo4j"), required=True)
    p.add_argument("--home", default=".torihiki", help="TORIHIKI_HOME of the embedded store")
    p.add_argument("--home-b", help="B's own TORIHIKI_HOME (a copy of --home: a change that rewrites "
                                    "the store on open, judged against A on the store as it was)")
    p.add_argument("--kinds", default="health,ego1,ego2-computed,officer-ego2-computed",
                   help=f"comma-separated, of: {', '.join(KINDS)}")
    p.add_argument("--pairs", type=int, default=4)
    p.add_argument("--seconds", type=float, default=20, help="duration of each timed run")
    p.add_argument("--port", type=int, default=8811)
    p.add_argument("--workers", type=int, default=2, help="server processes")
    p.add_argument("--sample", type=int, default=200, help="client firms sampled")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--neo4j-pid", type=int, help="Neo4j's process, for its CPU per request")
    p.add_argument("--out", required=True, help="JSON file; the Markdown beside it (.md)")
    args = p.parse_args()
    result = run(args, lambda line: print(line, file=sys.stderr, flush=True))
    out = Path(args.out)
    write_json(out, result)
    table = markdown(result)
    out.with_suffix(".md").write_text(table, encoding="utf-8")
    print(table)


if __name__ == "__main__":
    main()
