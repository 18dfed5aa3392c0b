"""Benchmark the web pages a BPO analyst opens, with page templates kept
compiled (as the server runs) against compiled again in every request (as
it ran before 2026-12-08, when the template environment was made per page).

The store (default: the demo store ``.torihiki`` that ``make run`` makes) is
copied to a temporary folder, and the app runs in this process through
FastAPI's test client, signed in as ``analyst`` (a bench password is set on
the copy). Per page, the two ways alternate request by request, after one
untimed request of each (the firm's dossier, caches); the median and p90 of
``--repeat`` requests each are printed (ms) with their ratio. The pages: the
firm pages of the ``--firms`` clients with the most partners, the loads list,
the portfolio and the home page::

    .venv/bin/python bench/bench_pages.py [--home .torihiki] [--firms 3] [--repeat 30] [--json out.json]
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from common import REPO, machine, pct, write_json

PASSWORD = "bench pages: a long passphrase"


def _login(client: Any) -> None:
    csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text)
    assert csrf, "no sign-in form"
    reply = client.post("/login", data={"name": "analyst", "password": PASSWORD, "csrf": csrf.group(1)})
    assert reply.status_code == 200 and "/login" not in str(reply.url), "sign-in failed"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--home", type=Path, default=REPO / ".torihiki")
    parser.add_argument("--firms", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    if not (args.home / "torihiki.sqlite3").is_file():
        print(f"no embedded store in {args.home} (run `make run` once, or give --home)", file=sys.stderr)
        return 2

    from fastapi.testclient import TestClient

    from api.app import create_app
    from api.identity import set_password
    from api.settings import Settings
    from api.web import render
    from queries.access import SYSTEM
    from queries.factory import open_store

    with tempfile.TemporaryDirectory(prefix="bench-pages-") as tmp:
        home = Path(tmp) / "home"
        shutil.copytree(args.home, home, ignore=shutil.ignore_patterns("region", "uploads"))
        settings = Settings(TORIHIKI_HOME=home)  # type: ignore[call-arg]
        store = open_store(settings.store_config("api"))
        set_password(store, "analyst", PASSWORD, SYSTEM)
        busiest = [f for f, _ in store.busiest_firms(200) if f in store.client_ids()][:args.firms]
        pages = [f"/ui/firms/{f}" for f in busiest] + ["/ui/loads", "/ui/portfolio", "/ui/"]
        rows = []
        with TestClient(create_app(settings, store=store)) as client:
            _login(client)
            for page in pages:
                times: dict[str, list[float]] = {"kept": [], "per_request": []}
                for i in range(args.repeat + 1):
                    for way in ("kept", "per_request"):
                        if way == "per_request":  # the environment made again, as before; the next "kept"
                            render.environment.cache_clear()  # request uses the one this request made
                        start = time.perf_counter()
                        reply = client.get(page)
                        elapsed = time.perf_counter() - start
                        assert reply.status_code == 200, (page, reply.status_code)
                        if i:  # the first of each is untimed
                            times[way].append(elapsed * 1000)
                kept, again = statistics.median(times["kept"]), statistics.median(times["per_request"])
                rows.append({"page": page, "kept_p50_ms": round(kept, 1), "kept_p90_ms": round(pct(times["kept"], 90), 1),
                             "per_request_p50_ms": round(again, 1),
                             "per_request_p90_ms": round(pct(times["per_request"], 90), 1),
                             "ratio_p50": round(kept / again, 3)})
        store.close()
    facts = machine()
    print(f"# page templates kept vs compiled per request ({facts['cpu_model']}, {facts['cpus']} CPUs, "
          f"commit {facts['commit']}, store {args.home}, {args.repeat} requests each)")
    print("| page | kept p50 ms | p90 | per request p50 ms | p90 | kept ÷ per request (p50) |")
    print("|---|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| `{r['page']}` | {r['kept_p50_ms']} | {r['kept_p90_ms']} | {r['per_request_p50_ms']} | "
              f"{r['per_request_p90_ms']} | {r['ratio_p50']} |")
    if args.json:
        write_json(args.json, {"machine": facts, "store": str(args.home), "repeat": args.repeat, "pages": rows})
    return 0


if __name__ == "__main__":
    sys.exit(main())
