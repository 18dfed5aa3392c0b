"""Benchmark the network view's server part: the model of a large ego and its expansions.

A hub client trades with ``--partners`` firms (default 1,500); its
``--clients`` largest partners (default 40: the ones the view draws) are
clients with ``--second`` partners of their own each (default 37), so that
the view with every drawn partner expanded holds about 1,500 nodes. Loaded
through the real loader into an embedded store in a temporary folder, with
``--params`` firms' management parameters (the distress signals read them).

Timed, each ``--repeat`` times (median and worst, milliseconds):

1. :func:`api.network_view.view_model` with ``hops=1`` and ``hops=2`` (the
   cached answer of ``GET /firms/{id}/view``: store reads, distress, layout);
2. :func:`api.network_view.expansion` of every drawn partner (one
   ``GET /firms/{id}/view/expand`` each, uncached);
3. the page around the model (Jinja, ``network_view.html``).

Prints the figures and the nodes drawn when everything is expanded; the
browser's part (drawing 1,500 nodes with physics off) is checked by
``tests/browser/test_network_view.py``::

    .venv/bin/python bench/bench_network_view.py [--partners 1500] [--clients 40] [--second 37]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import machine  # noqa: E402

MONTHS = ("2024-01", "2024-02", "2024-03", "2024-04", "2024-05", "2024-06")


def _ledger(folder: Path, client: str, lines: list[tuple[str, str, int]]) -> Path:
    rows = ["date,client_id,counterparty_name,counterparty_id,direction,amount"]
    for month in MONTHS:
        rows += [f"{month}-15,{client},株式会社{cp},{cp},{direction},{yen}" for cp, direction, yen in lines]
    path = folder / f"{client}.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def build(home: Path, partners: int, clients: int, second: int, params: int) -> tuple[Any, str]:
    from ingest.load import load_file
    from ingest.readers.detect import read_ledger
    from queries.embedded_store import EmbeddedStore
    from queries.model import Firm, ParameterRow

    store = EmbeddedStore(home / "store")
    store.ensure_schema()
    hub = "H0000001"
    firsts = [f"P{i:07d}" for i in range(partners)]
    store.upsert_firms([Firm(hub, "株式会社ハブ", is_client=True)]
                       + [Firm(p, f"株式会社取引先{i}", is_client=i < clients) for i, p in enumerate(firsts)])
    store.upsert_parameters([ParameterRow(f"X{i:07d}", "FY2023", (("profitable", float(i % 7 != 0)),))
                             for i in range(params)]
                            + [ParameterRow(p, "FY2023", (("profitable", float(i % 11 != 0)),))
                               for i, p in enumerate(firsts)])
    folder = home / "ledgers"
    folder.mkdir()

    def load(path: Path, client: str) -> None:
        load_file(store, path, client, fmt="canonical", reader=lambda p: read_ledger(p, "canonical"),
                  rejects_dir=home / "rejects", progress=False)

    lines = [(p, "sale" if i % 3 else "purchase", 10_000_000 - 5_000 * i) for i, p in enumerate(firsts)]
    load(_ledger(folder, hub, lines), hub)
    for i, p in enumerate(firsts[:clients]):
        own = [(f"S{i:03d}{k:04d}", "sale" if k % 2 else "purchase", 100_000 + 1_000 * k) for k in range(second)]
        load(_ledger(folder, p, own), p)
    return store, hub


def timed(fn: Callable[[], Any], repeat: int) -> tuple[dict[str, float], Any]:
    runs, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        runs.append((time.perf_counter() - t0) * 1000)
    return {"median_ms": round(statistics.median(runs), 1), "max_ms": round(max(runs), 1)}, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--partners", type=int, default=1500)
    ap.add_argument("--clients", type=int, default=40)
    ap.add_argument("--second", type=int, default=37)
    ap.add_argument("--params", type=int, default=10_000, help="other firms with management parameters")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()

    from api.network_view import expansion, view_model
    from api.web.render import render_text
    from queries.access import Principal, Role
    from queries.scoped import ScopedStore

    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        raw, hub = build(Path(tmp), args.partners, args.clients, args.second, args.params)
        print(f"region built in {time.perf_counter() - t0:.1f} s: hub {hub} with {args.partners} partners, "
              f"{args.clients} of them with {args.second} partners each")
        store = ScopedStore(raw, Principal("bench", Role.ANALYST))
        one, _ = timed(lambda: view_model(store, hub, 1, None, None, "ja"), args.repeat)
        two, model = timed(lambda: view_model(store, hub, 2, None, None, "ja"), args.repeat)
        drawn = [n for n in model["graph"]["nodes"] if n["kind"] == "partner"]
        t0 = time.perf_counter()
        added = 0
        for n in drawn:
            added += len(expansion(store, hub, n["ref"], None, None, "ja")["nodes"])
        expand_all = (time.perf_counter() - t0) * 1000
        page, _ = timed(lambda: render_text("network_view_embed.html", "ja", view=model, embed=True,
                                            expand_url="/x", firm_page="/y",
                                            colours=__import__("api.network_view").network_view.COLOURS),
                        args.repeat)
        total = len(model["graph"]["nodes"]) + added
        print(f"machine: {machine()}")
        print(f"view model hops=1: {one}")
        print(f"view model hops=2: {two} ({len(model['graph']['nodes'])} nodes drawn)")
        print(f"expand each of {len(drawn)} drawn partners: {expand_all:.0f} ms in all, "
              f"{expand_all / max(len(drawn), 1):.1f} ms each; {total} nodes with everything expanded")
        print(f"page around the model: {page}")
        raw.close()


if __name__ == "__main__":
    main()
