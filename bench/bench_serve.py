"""Benchmark serving a firm: the API under concurrent clients against the
store's raw query for the same firms, in the same run.

    .venv/bin/python bench/bench_serve.py --store embedded --home bench/out/home-100k --out serve.json
    eval "$(scripts/neo4j-local env)"; .venv/bin/python bench/bench_serve.py --store neo4j --out serve-neo4j.json

What it does, on a store already loaded (``make bench`` loads the regions):

1. Picks the firms users ask for: a random sample of BPO client firms
   (seeded) and the 50 firms with the most trading partners.
2. **Baseline, same run:** the store's raw one-hop query (the firm's merged
   pairs with their monthly series — what ``GET /firms/{id}/ego?hops=1``
   starts from) run by 10 threads in this process over the same firms,
   for the same duration: latency p50 / p99 and queries/s. And the framework
   floor: ``GET /health`` through the same server and load tool.
3. Starts ``torihiki serve`` (``--workers``) with the response cache off
   (``TORIHIKI_CACHE_MIB=0``: every request is answered from the store — an
   answer rendered at load time (``api.precompute``: every client's one-hop
   ego, the largest firms' answers) or else computed; the cold figures)
   and drives it with ``oha`` on loopback, 10 connections, closed loop:
   ego hops=1 and hops=2 for the clients; ego, view, trend, figures and
   peers for the 50 largest firms, and their ego, view and trend over a
   fiscal year's window (``TOP_WINDOW``: no answer is stored for a window;
   each is computed, from the firm's window table made at load time,
   ``api.window_tables``, else from its thousands of pairs). Then at a fixed rate (60% of the
   closed-loop throughput) with ``--latency-correction`` (no coordinated
   omission). Server memory (RSS of the server and its workers) after.
   Then a bank's credit officer (the bank with the most consenting
   clients; a user made once per store) on a sample of that bank's
   consenting clients, ego hops=1 and hops=2: an officer's answers are
   consent-masked (never the stored, unscoped ones); the one-hop ones are
   rendered for the bank at load time (``TORIHIKI_PRECOMPUTE_OFFICERS``),
   the two-hop ones too where the clients' are (Neo4j's default; computed
   on the embedded store, after an untimed ``OFFICER_WARM_UP_S`` of
   them: each server process reads the bank's view once per data version;
   ``officer_two_hop_stored`` says which). Then a consent change (a grant and its revocation, ``torihiki consent``)
   and the clients' ego hops=1 and hops=2 again: the answers stored at
   load time and the partner lists must stay in use across it.
   Then a server that serves nothing stored at load time
   (``TORIHIKI_SERVE_PRECOMPUTED=0``): the clients' ego hops=1 and hops=2,
   and the officer's hops=1 and hops=2 (on a bank whose consents did not change),
   computed on every request (on Neo4j all are stored at load time by
   default, ``TORIHIKI_PRECOMPUTE_TWO_HOP``; on the embedded store hops=2
   is computed in both runs).
4. Starts it again with the cache on (the default): the same ego run warm,
   then the soak: 50 connections for ``--soak-seconds`` over a mix of ego,
   view, trend and peers of clients and large firms; every non-2xx answer
   and transport error is counted. Server memory after.

Figures are not asserted: the JSON (``--out``) goes into ``make bench``'s
report, which puts each next to its target and baseline.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from api.server_processes import ALL_SERVING  # the line it prints once every process serves

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import REPO, machine, summary_ms, tree_cpu_s, tree_rss_mib, write_json  # noqa: E402

TORIHIKI = REPO / ".venv" / "bin" / "torihiki"


# -- the firms -----------------------------------------------------------------------
def pick_firms(store: Any, sample: int, top: int, seed: int) -> tuple[list[str], list[str]]:
    """A seeded random sample of client firms and the ``top`` firms by partners."""
    clients = sorted(f.id for f in store.all_firms() if f.is_client)
    rng = random.Random(seed)
    chosen = rng.sample(clients, min(sample, len(clients)))
    if store.backend == "embedded":
        rows = store._conn().execute(
            "SELECT f, count(*) AS n FROM (SELECT seller AS f FROM trade_pairs UNION ALL "
            "SELECT buyer AS f FROM trade_pairs) GROUP BY f ORDER BY n DESC, f LIMIT ?", (top,)).fetchall()
        hubs = [r[0] for r in rows]
    else:
        records, _, _ = store.driver.execute_query(
            "MATCH (f:Firm)-[m:TRADES_WITH]-() RETURN f.id AS id, count(m) AS n ORDER BY n DESC, id LIMIT $top",
            top=top, database_=store.database)
        hubs = [r["id"] for r in records]
    return chosen, hubs


OFFICER_WARM_UP_S = 5.0
"""Seconds of an officer's two-hop egos before the officer's timed runs (untimed)."""


def stored_for_bank(store: Any, bank: str | None, firms: list[str], hops: int) -> float:
    """The share of ``firms`` whose default ego network of ``hops`` is stored
    for ``bank``'s officers and current (rendered at load time,
    :mod:`api.precompute`; served while no write but other banks' consent
    changes came after it, as :mod:`api.cache` decides): the report says
    whether the officer's rows read stored answers or computed them."""
    from api.cache import stored_is_current
    from api.firm_pages import stored_key
    from api.precompute import officer_ego
    from api.settings import Settings

    if not bank or not firms:
        return 0.0
    trades, consents = store.trade_version(), store.consent_version(bank)
    version, nodes = store.data_version(), Settings().max_ego_nodes
    entries = [store.get_analytics(stored_key(officer_ego(store, bank, f, nodes, hops)[0])) for f in firms]
    return sum(1 for e in entries
               if e is not None and stored_is_current(e[0], trades, version, consents)) / len(firms)


def pick_officer_firms(store: Any, sample: int, seed: int) -> tuple[str, list[str]]:
    """The bank with the most consenting client firms, and a seeded random
    sample of them: what that bank's credit officer opens."""
    clients = {f.id for f in store.all_firms() if f.is_client}
    by_bank: dict[str, list[str]] = {}
    for firm, banks in store.consents().items():
        for bank in banks:
            if firm in clients:
                by_bank.setdefault(bank, []).append(firm)
    if not by_bank:
        return "", []
    bank = max(sorted(by_bank), key=lambda b: len(by_bank[b]))
    rng = random.Random(seed)
    return bank, rng.sample(sorted(by_bank[bank]), min(sample, len(by_bank[bank])))


def partners(store: Any, firm_ids: list[str]) -> list[int]:
    return [len({p.buyer if p.seller == f else p.seller for p in store.pairs_of(f)}) for f in firm_ids]


# -- the baseline: the store's raw query, 10 threads ---------------------------------------
def raw_query_runner(store: Any) -> Callable[[], Callable[[str], int]]:
    """A factory of per-thread callables running the store's one-hop query."""
    if store.backend == "embedded":
        import sqlite3

        from queries.sql import trades as tq

        def make() -> Callable[[str], int]:
            conn = sqlite3.connect(store.path, check_same_thread=False)
            conn.execute("PRAGMA cache_size=-16384")

            def run(firm: str) -> int:
                return (len(conn.execute(tq.PAIRS_AS_SELLER, (firm,)).fetchall())
                        + len(conn.execute(tq.PAIRS_AS_BUYER, (firm,)).fetchall()))
            return run
        return make

    from neo4j import RoutingControl

    from queries.cypher import trades as cq

    def make_neo() -> Callable[[str], int]:
        def run(firm: str) -> int:
            records, _, _ = store.driver.execute_query(cq.PAIRS_OF, id=firm, routing_=RoutingControl.READ,
                                                       database_=store.database)
            return len(records)
        return run
    return make_neo


def raw_baseline(store: Any, firms: list[str], threads: int, seconds: float) -> dict[str, Any]:
    make = raw_query_runner(store)
    latencies: list[list[float]] = [[] for _ in range(threads)]
    stop = time.monotonic() + seconds

    def worker(i: int) -> None:
        run = make()
        rng = random.Random(i)
        while time.monotonic() < stop:
            firm = rng.choice(firms)
            t0 = time.perf_counter()
            run(firm)
            latencies[i].append(time.perf_counter() - t0)

    pool = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    t0 = time.perf_counter()
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    elapsed = time.perf_counter() - t0
    flat = [x for xs in latencies for x in xs]
    return {**summary_ms(flat), "per_s": round(len(flat) / elapsed, 1), "threads": threads,
            "seconds": round(elapsed, 1)}


# -- the server and the load tool ---------------------------------------------------------
class Server:
    """``torihiki serve`` in a child process (own process group), ready
    when every worker process serves: the first answer of ``/health`` comes
    from the first process that listens, and a load run started then put all
    its connections on it (``GET /health`` at half its rate, p99 43 against
    26 ms, in two of three starts)."""

    def __init__(self, port: int, workers: int, env: dict[str, str], tree: Path | None = None) -> None:
        """``tree``: another checkout of torihiki to serve from (its code first
        on the import path, this project's virtual environment), as
        ``bench_ab.py`` does for a commit to compare with."""
        self.port = port
        self.log = tempfile.NamedTemporaryFile(  # noqa: SIM115 (open for the server's lifetime)
            "w+", prefix="torihiki-serve-", suffix=".log", delete=False)
        serve = ["serve", "--port", str(port), "--workers", str(workers), "--no-access-log"]
        if tree is None:
            cmd, cwd = [str(TORIHIKI), *serve], None
        else:
            cmd, cwd = [str(TORIHIKI.parent / "python"), "-m", "api.cli", *serve], tree
            env = {**env, "PYTHONPATH": str(tree)}
        self.proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"{self.base}/health", timeout=2) as r:
                    if r.status == 200 and (workers < 2 or ALL_SERVING in self._log_text()):
                        break
            except OSError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.log.seek(0)
                raise RuntimeError(f"server did not start: {self.log.read()[-2000:]}")
            time.sleep(0.2)

    def _log_text(self) -> str:
        self.log.flush()
        return Path(self.log.name).read_text(errors="replace")

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def rss_mib(self) -> float:
        return round(tree_rss_mib(self.proc.pid), 1)

    def warnings(self) -> list[str]:
        """The server's log lines at WARNING or above so far (distinct, first 10):
        a slow path the server noticed (stale partner lists) shows in the result."""
        text = self._log_text()
        found = [line.strip() for line in text.splitlines() if "WARNING" in line or "ERROR" in line]
        return list(dict.fromkeys(found))[:10]

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


TOP_WINDOW = "from=2024-04&to=2025-03"
"""The window of the busiest firms' computed runs: a fiscal year (April to
March) inside the generated regions' 24 months (from 2023-04)."""


def oha_binary() -> str:
    for candidate in (REPO / ".cache" / "tools" / "bin" / "oha", Path.home() / ".cargo" / "bin" / "oha"):
        if candidate.exists():
            return str(candidate)
    found = shutil.which("oha")
    if not found:
        raise SystemExit("oha not found: `make bench` installs it (cargo install oha --root .cache/tools)")
    return found


def bench_token(env: dict[str, str], name: str = "bench-analyst", role: str = "analyst",
                bank: str | None = None, tree: Path | None = None) -> str:
    """An API token for the load tool (the user is created once per store).

    By default an analyst's, who sees every firm unscoped, as the BPO
    operator's staff do; a credit officer's with ``bank``. The token is
    checked on every request like any user's. ``tree``: made by that
    checkout's code (as :class:`Server` serves it), which opens the store as
    that version does (this one may rewrite the schema of an older store)."""
    cli, cwd = [str(TORIHIKI)], None
    if tree is not None:
        cli, cwd = [str(TORIHIKI.parent / "python"), "-m", "api.cli"], tree
        env = {**env, "PYTHONPATH": str(tree)}

    def run(*args: str) -> str:
        return subprocess.run([*cli, *args], env=env, cwd=cwd, capture_output=True, text=True,
                              check=True).stdout

    if not any(u.get("name") == name for u in json.loads(run("users", "list", "--json"))):
        run("users", "add", name, "--role", role, *(["--bank", bank] if bank else []))
    return run("users", "token", name).strip().splitlines()[-1]


AUTH: list[str] = []  # oha's -H arguments, set once the token is known


def auth_header(token: str) -> list[str]:
    return ["-H", f"Authorization: Bearer {token}"]


def connections_by_process(port: int) -> list[int]:
    """How many established connections to ``port`` each process holds
    (``ss``), most first: which share of a load run's connections each
    server process serves."""
    out = subprocess.run(["ss", "-tnpH", "state", "established", f"( sport = :{port} )"],
                         capture_output=True, text=True, check=False).stdout
    return sorted(collections.Counter(re.findall(r"pid=(\d+)", out)).values(), reverse=True)


def with_cpu_split(server: Server, run: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """``run()``'s result with how its connections fell on the server
    processes (``connections_by_process``, seen 2 s into the run) and the
    CPU seconds each process spent meanwhile (``cpu_s_by_process``): ten
    connections opened at once fall on the server processes by the kernel's
    hash of each (``api.server_processes``), 6/4 or 7/3 as a rule, and a
    process over its share closes one now and then until they are even
    (``api.connection_balance``): the split shows that it did."""
    before = tree_cpu_s(server.proc.pid)
    seen: list[list[int]] = []
    timer = threading.Timer(2.0, lambda: seen.append(connections_by_process(server.port)))
    timer.start()
    try:
        result = run()
    finally:
        timer.cancel()
    result["connections_by_process"] = seen[0] if seen else []
    result["cpu_s_by_process"] = sorted(
        (round(t - before.get(p, 0.0), 1) for p, t in tree_cpu_s(server.proc.pid).items()
         if t - before.get(p, 0.0) >= 0.5), reverse=True)
    return result


BENCH_BANK = "BENCH"  # a bank no generated firm consents to


def consent_change(env: dict[str, str], firm: str) -> dict[str, Any]:
    """A grant and its revocation (``torihiki consent``, as the operator's
    staff make them), which leave the firm's consent as it was: the data
    version moves twice, the trade data not at all."""
    for action in ("grant", "revoke"):
        subprocess.run([str(TORIHIKI), "consent", action, firm, BENCH_BANK], env=env, capture_output=True,
                       check=True)
    return {"firm": firm, "bank": BENCH_BANK, "events": ["grant", "revoke"]}


def oha(urls: list[str], connections: int, seconds: float, rate: float | None = None,
        auth: list[str] | None = None) -> dict[str, Any]:
    """One oha run over ``urls`` (picked at random per request), as the
    analyst unless ``auth`` (oha's -H arguments) says whom; figures in ms."""
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as fh:
        fh.write("\n".join(urls) + "\n")
        url_file = fh.name
    cmd = [oha_binary(), "--no-tui", "--output-format", "json", "-c", str(connections), "-z", f"{seconds}s",
           "--urls-from-file", url_file, *(AUTH if auth is None else auth)]
    if rate:
        cmd += ["-q", str(rate), "--latency-correction"]
    out = subprocess.run(cmd, capture_output=True, text=True, check=False)
    os.unlink(url_file)
    if out.returncode != 0:
        raise RuntimeError(f"oha failed: {out.stderr[-2000:]}")
    d = json.loads(out.stdout)
    lat = d["latencyPercentiles"]
    codes = {str(k): int(v) for k, v in d.get("statusCodeDistribution", {}).items()}
    # Requests still in flight when the duration ends are cut off by oha: not server errors.
    errors = {str(k): int(v) for k, v in (d.get("errorDistribution") or {}).items()
              if "aborted due to deadline" not in str(k)}
    ok = sum(v for k, v in codes.items() if k.startswith("2"))
    return {
        "connections": connections, "seconds": seconds, "rate": rate,
        "requests": sum(codes.values()) + sum(errors.values()), "ok": ok,
        "non_2xx": sum(v for k, v in codes.items() if not k.startswith("2")), "errors": errors,
        "per_s": round(d["summary"]["requestsPerSec"] or 0.0, 1),
        "p50_ms": round((lat.get("p50") or 0) * 1000, 2), "p90_ms": round((lat.get("p90") or 0) * 1000, 2),
        "p99_ms": round((lat.get("p99") or 0) * 1000, 2),
        "max_ms": round((d["summary"].get("slowest") or 0) * 1000, 2),
    }


# -- the run ----------------------------------------------------------------------------
def run(args: argparse.Namespace) -> dict[str, Any]:
    from api.settings import Settings
    from queries.config import StoreConfig
    from queries.factory import open_store

    env = dict(os.environ)
    if args.store == "embedded":
        env.pop("NEO4J_URI", None)
        env["TORIHIKI_HOME"] = str(Path(args.home).resolve())
    elif not env.get("NEO4J_URI"):
        raise SystemExit("--store neo4j needs NEO4J_URI (eval \"$(scripts/neo4j-local env)\")")
    cfg = Settings().store_config("api") if args.store == "neo4j" else StoreConfig(home=Path(args.home))
    store = open_store(cfg)
    clients, hubs = pick_firms(store, args.sample, args.top, args.seed)
    bank, officer_firms = pick_officer_firms(store, args.sample, args.seed)
    result: dict[str, Any] = {
        "machine": machine(), "store": args.store, "workers": args.workers,
        "firms": {"clients_sampled": len(clients), "top": len(hubs),
                  "top_partners": partners(store, hubs[:5]), "counts": store.counts(),
                  "officer_bank": bank, "officer_clients_sampled": len(officer_firms)},
    }
    step = print if args.verbose else (lambda *a, **k: None)
    step("raw query baseline …", file=sys.stderr)
    result["raw_clients"] = raw_baseline(store, clients, 10, args.seconds)
    result["raw_top"] = raw_baseline(store, hubs, 10, args.seconds)
    result["firms"]["officer_two_hop_stored"] = stored_for_bank(store, bank, officer_firms, 2)
    store.close()

    def urls(base: str, firms: list[str], path: str) -> list[str]:
        return [f"{base}/firms/{f}{path}" for f in firms]

    AUTH[:] = auth_header(bench_token(env))
    officer = auth_header(bench_token(env, "bench-officer", "credit_officer", bank)) if bank else []

    cold = Server(args.port, args.workers, {**env, "TORIHIKI_CACHE_MIB": "0"})
    try:
        b = cold.base
        step("cold server …", file=sys.stderr)
        result["floor_health"] = with_cpu_split(cold, lambda: oha([f"{b}/health"], 10, args.seconds))
        result["ego1_clients"] = with_cpu_split(cold, lambda: oha(urls(b, clients, "/ego?hops=1"), 10, args.seconds))
        result["ego2_clients"] = with_cpu_split(cold, lambda: oha(urls(b, clients, "/ego?hops=2"), 10, args.seconds))
        for name, path in (("ego", "/ego?hops=1"), ("view", "/view"), ("trend", "/trend"),
                           ("figures", "/figures"), ("peers", "/peers")):
            result[f"top_{name}"] = oha(urls(b, hubs, path), 10, args.seconds)
        # The same firms over a window of their own (what an officer picks, e.g. the last fiscal
        # year): nothing is stored for it, every answer is computed from the firm's pairs.
        for name, path in (("ego", f"/ego?hops=1&{TOP_WINDOW}"), ("view", f"/view?{TOP_WINDOW}"),
                           ("trend", f"/trend?{TOP_WINDOW}")):
            result[f"top_{name}_window"] = oha(urls(b, hubs, path), 10, args.seconds)
        rate = max(1.0, round(result["ego1_clients"]["per_s"] * 0.6, 1))
        result["ego1_clients_fixed_rate"] = oha(urls(b, clients, "/ego?hops=1"), 10, args.seconds, rate)
        if officer_firms:  # consent-masked: one hop stored for the bank at load time, two hops on Neo4j
            step("a credit officer …", file=sys.stderr)
            # Untimed: each server process reads the bank's view (which firms it sees, the
            # clients) once per data version, on an officer's first computed answer.
            result["officer_warm_up"] = oha(urls(b, officer_firms, "/ego?hops=2"), 10, OFFICER_WARM_UP_S,
                                            auth=officer)
            result["ego1_officer"] = with_cpu_split(
                cold, lambda: oha(urls(b, officer_firms, "/ego?hops=1"), 10, args.seconds, auth=officer))
            result["ego2_officer"] = with_cpu_split(
                cold, lambda: oha(urls(b, officer_firms, "/ego?hops=2"), 10, args.seconds, auth=officer))
        result["rss_cold_mib"] = cold.rss_mib()
        result["server_warnings_cold"] = cold.warnings()
        # A bank's consent changes during the day; the answers stored at load
        # time and the partner lists are unscoped, and must stay in use.
        step("after a consent change …", file=sys.stderr)
        result["consent_change"] = consent_change(env, clients[0])
        result["ego1_clients_after_consent"] = with_cpu_split(
            cold, lambda: oha(urls(b, clients, "/ego?hops=1"), 10, args.seconds))
        result["ego2_clients_after_consent"] = with_cpu_split(
            cold, lambda: oha(urls(b, clients, "/ego?hops=2"), 10, args.seconds))
    finally:
        cold.stop()

    # The same firms with nothing read from what the load stored: each ego computed on request.
    computed = Server(args.port, args.workers, {**env, "TORIHIKI_CACHE_MIB": "0",
                                                "TORIHIKI_SERVE_PRECOMPUTED": "0"})
    try:
        step("computing server …", file=sys.stderr)
        result["ego1_clients_computed"] = with_cpu_split(
            computed, lambda: oha(urls(computed.base, clients, "/ego?hops=1"), 10, args.seconds))
        # What a two-hop answer costs where none is stored (the embedded store's default, a firm
        # that is not a client, a bank's officer): computed on every request.
        result["ego2_clients_computed"] = with_cpu_split(
            computed, lambda: oha(urls(computed.base, clients, "/ego?hops=2"), 10, args.seconds))
        if officer_firms:  # what the officer's answers cost without those stored for the bank
            result["ego1_officer_computed"] = oha(urls(computed.base, officer_firms, "/ego?hops=1"), 10,
                                                  args.seconds, auth=officer)
            # (after an untimed warm-up: each server process reads the bank's view once per data version)
            oha(urls(computed.base, officer_firms, "/ego?hops=2"), 10, OFFICER_WARM_UP_S, auth=officer)
            result["ego2_officer_computed"] = with_cpu_split(
                computed, lambda: oha(urls(computed.base, officer_firms, "/ego?hops=2"), 10, args.seconds,
                                      auth=officer))
    finally:
        computed.stop()

    warm = Server(args.port, args.workers, env)
    try:
        b = warm.base
        step("warm server and soak …", file=sys.stderr)
        result["ego1_clients_warm"] = oha(urls(b, clients, "/ego?hops=1"), 10, args.seconds)
        mix = [u for firms in (clients, hubs) for path in ("/ego?hops=1", "/view", "/trend", "/peers")
               for u in urls(b, firms, path)]
        result["soak"] = oha(mix, 50, args.soak_seconds)
        result["rss_after_soak_mib"] = warm.rss_mib()
    finally:
        warm.stop()
    return result


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--store", choices=("embedded", "neo4j"), required=True)
    p.add_argument("--home", default=".torihiki", help="TORIHIKI_HOME of the embedded store")
    p.add_argument("--port", type=int, default=8811)
    p.add_argument("--workers", type=int, default=2, help="server processes")
    p.add_argument("--seconds", type=float, default=20, help="duration of each load run")
    p.add_argument("--soak-seconds", type=float, default=300, help="duration of the 50-user soak")
    p.add_argument("--sample", type=int, default=200, help="client firms sampled")
    p.add_argument("--top", type=int, default=50, help="firms with the most partners")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--out", required=True, help="JSON file")
    p.add_argument("--verbose", action="store_true")
    args = p.parse_args()
    result = run(args)
    write_json(Path(args.out), result)
    print(json.dumps(result, indent=2, default=str))


if __name__ == "__main__":
    main()
