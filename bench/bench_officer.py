"""Benchmark a credit officer's pages in one process, with a digest of every answer.

A bank's credit officer always gets answers computed through the consent
scope (``queries.scoped.ScopedStore``), never the stored unscoped ones. This
times, on a store already loaded (``make bench`` loads the regions), for the
bank with the most consenting clients and a seeded sample of them (as
``bench_serve.py`` picks them):

* ``GET /firms/{id}/ego`` with ``hops=1`` and ``hops=2`` (``--firms``
  clients, default 60);
* the network view's model with ``hops=2``, the dossier (firm page and
  memo, peers left out) and the trend (the first ``--pages`` of them,
  default 30);

each through a new scoped store, as a request makes one, after five
untimed two-hop egos (imports, caches). It writes per page the times (ms)
and a SHA-256 digest of each answer (the dossier without its time of
making), so that two runs — the code before and after a change, on the
same store — can be compared answer by answer (``--compare``)::

    .venv/bin/python bench/bench_officer.py --store embedded --home bench/out/home-100k --out after.json
    eval "$(scripts/neo4j-local env)"; .venv/bin/python bench/bench_officer.py --store neo4j --out after.json
    .venv/bin/python bench/bench_officer.py ... --out after.json --compare before.json

Figures are not asserted; the pseudonym secret may be written on first use.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_serve import pick_officer_firms  # noqa: E402
from common import machine, write_json  # noqa: E402


def digest(body: Any) -> str:
    return hashlib.sha256(orjson.dumps(body, option=orjson.OPT_SORT_KEYS, default=str)).hexdigest()[:16]


def timed_pages(firms: list[str], answer: Callable[[str], Any]) -> dict[str, Any]:
    times, digests = [], []
    for firm in firms:
        t0 = time.perf_counter()
        body = answer(firm)
        times.append(round((time.perf_counter() - t0) * 1000, 2))
        digests.append(digest(body))
    return {"firms": firms, "ms": times, "digests": digests,
            "mean_ms": round(statistics.mean(times), 1) if times else None,
            "p50_ms": round(statistics.median(times), 1) if times else None,
            "max_ms": max(times, default=None)}


def run(args: argparse.Namespace) -> dict[str, Any]:
    from api import analytics, service
    from api.network_view import view_model
    from api.settings import Settings
    from api.web.dossier import build_dossier
    from queries.access import Principal, Role
    from queries.config import StoreConfig
    from queries.factory import open_store
    from queries.scoped import ScopedStore

    cfg = Settings().store_config("api") if args.store == "neo4j" else StoreConfig(home=Path(args.home))
    store = open_store(cfg)
    bank, firms = pick_officer_firms(store, 200, args.seed)
    officer = Principal("bench-officer", Role.CREDIT_OFFICER, bank)

    def scoped() -> ScopedStore:
        return ScopedStore(store, officer)

    def ego(hops: int) -> Callable[[str], Any]:
        def answer(firm: str) -> Any:
            f, net, named = service.ego(scoped(), firm, hops, None, None, 500)
            return service.ego_as_dict(f, net, named, None, None)
        return answer

    def dossier(firm: str) -> Any:
        body = dataclasses.asdict(build_dossier(scoped(), firm))
        body.get("lineage", {}).pop("generated_at", None)
        return body

    egos, pages = firms[:args.firms], firms[:args.pages]
    for firm in egos[:5]:
        ego(2)(firm)
    result: dict[str, Any] = {"machine": machine(), "store": args.store, "bank": bank}
    for name, answer, which in (("ego_hops1", ego(1), egos), ("ego_hops2", ego(2), egos),
                                ("view_hops2", lambda f: view_model(scoped(), f, 2, None, None, "ja"), pages),
                                ("dossier", dossier, pages),
                                ("trend", lambda f: analytics.trend_of(scoped(), f, "month"), pages)):
        result[name] = timed_pages(which, answer)
        print(f"{name}: mean {result[name]['mean_ms']} ms, p50 {result[name]['p50_ms']}, "
              f"max {result[name]['max_ms']}", file=sys.stderr)
    store.close()
    return result


def compare(result: dict[str, Any], other: dict[str, Any]) -> dict[str, Any]:
    """Per page: answers that differ (by firm) and the mean time's ratio (this run ÷ the other)."""
    out: dict[str, Any] = {}
    for name, page in result.items():
        if not isinstance(page, dict) or "digests" not in page or name not in other:
            continue
        theirs = dict(zip(other[name]["firms"], other[name]["digests"], strict=True))
        differ = [f for f, d in zip(page["firms"], page["digests"], strict=True) if f in theirs and theirs[f] != d]
        out[name] = {"compared": sum(f in theirs for f in page["firms"]), "differ": differ,
                     "mean_ratio": round(page["mean_ms"] / other[name]["mean_ms"], 3)
                     if page["mean_ms"] and other[name]["mean_ms"] else None}
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--store", choices=("embedded", "neo4j"), required=True)
    p.add_argument("--home", default=".torihiki", help="TORIHIKI_HOME of the embedded store")
    p.add_argument("--firms", type=int, default=60, help="clients whose ego networks are timed")
    p.add_argument("--pages", type=int, default=30, help="of them, those whose view, dossier and trend are")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--out", required=True, help="JSON file")
    p.add_argument("--compare", help="an earlier run's JSON: which answers differ, and the time ratios")
    args = p.parse_args()
    result = run(args)
    if args.compare:
        result["compared_with"] = {"file": args.compare,
                                   **compare(result, json.loads(Path(args.compare).read_text()))}
        print(json.dumps(result["compared_with"], indent=2), file=sys.stderr)
    write_json(Path(args.out), result)


if __name__ == "__main__":
    main()
