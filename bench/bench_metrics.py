"""Benchmark the portfolio batch: ego metrics of 10,000 firms in a 100,000-firm network.

The network is the synthetic generator's economy (heavy-tailed degrees,
churn, distress; :mod:`synthetic`), simulated in memory — the
generator's ledger writing is skipped, only its month-by-month trade is
kept. Steps timed separately:

1. simulate the economy (not part of the batch);
2. build :class:`graph.network.TradeNetwork` from the monthly edges;
3. :func:`graph.distress.distress_reasons` (stopped trading);
4. :func:`graph.metrics.ego_metrics_table` for ``--focal`` client firms
   (the timed figure), with the generator's distress set (onset on or
   before the last month) and its client set.

Prints seconds per step, edge counts, the RSS before the table, the peak
RSS while the table is computed (sampled) and the peak of the whole run
(``ru_maxrss``, which includes the simulation)::

    .venv/bin/python bench/bench_metrics.py [--firms 100000] [--focal 10000] [--months 24]
"""

from __future__ import annotations

import argparse
import resource
import threading
import time

import numpy as np
import pandas as pd


def rss_mib() -> float:
    """Peak resident set size of this process so far, MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def current_rss_mib() -> float:
    """Current resident set size, MiB (Linux ``/proc``; nan elsewhere)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return float("nan")


class RssSampler:
    """Highest current RSS seen while running (sampled every 20 ms), MiB."""

    def __init__(self) -> None:
        self.peak = current_rss_mib()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, current_rss_mib())

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, current_rss_mib())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--firms", type=int, default=100_000)
    ap.add_argument("--focal", type=int, default=10_000)
    ap.add_argument("--months", type=int, default=24)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()

    from graph.distress import distress_reasons
    from graph.metrics import ego_metrics_table
    from graph.network import TradeNetwork
    from synthetic import GenerateConfig
    from synthetic.dynamics import simulate
    from synthetic.economy import build_economy

    cfg = GenerateConfig(firms=args.firms, clients=min(args.focal, args.firms),
                         months=args.months, seed=args.seed)
    t0 = time.perf_counter()
    econ = build_economy(cfg, np.random.default_rng(np.random.SeedSequence([cfg.seed, 1])))
    parts: list[tuple[int, np.ndarray, np.ndarray, np.ndarray]] = []

    def keep(t: int, s: np.ndarray, b: np.ndarray, a: np.ndarray) -> None:
        parts.append((t, s.astype(np.int32), b.astype(np.int32), a.astype(np.int64)))

    sim = simulate(cfg, econ, np.random.default_rng(np.random.SeedSequence([cfg.seed, 2])), keep)
    ids = np.asarray(econ.ids, dtype=object)
    months = [cfg.month_label(t) for t in range(cfg.months)]
    edges = pd.DataFrame({
        "seller": pd.Categorical.from_codes(np.concatenate([p[1] for p in parts]),
                                            categories=pd.Index(ids)),
        "buyer": pd.Categorical.from_codes(np.concatenate([p[2] for p in parts]),
                                           categories=pd.Index(ids)),
        "month": pd.Categorical.from_codes(
            np.concatenate([np.full(p[1].size, p[0], dtype=np.int8) for p in parts]),
            categories=pd.Index(months)),
        "amount": np.concatenate([p[3] for p in parts]),
    })
    parts.clear()
    t_sim = time.perf_counter() - t0

    t0 = time.perf_counter()
    net = TradeNetwork(edges)
    t_net = time.perf_counter() - t0
    del edges

    t0 = time.perf_counter()
    reasons = distress_reasons(network=net)
    t_dis = time.perf_counter() - t0

    distressed = {str(ids[i]) for i in np.flatnonzero(sim.onset >= 0)}
    clients = [str(ids[i]) for i in econ.clients.tolist()]
    focal = clients[: args.focal]
    rss_before = current_rss_mib()
    with RssSampler() as sampler:
        t0 = time.perf_counter()
        table = ego_metrics_table(net, focal, distressed=distressed, clients=clients)
        t_table = time.perf_counter() - t0

    _, _, amount, _ = net.ties()
    print(f"firms {net.n_firms:,}  monthly edges {net.monthly_codes()[0].size:,}  "
          f"ties {amount.size:,}  months {len(net.months)}")
    print(f"distressed (generator) {len(distressed):,}  stopped trading {len(reasons):,}  "
          f"focal {len(focal):,}")
    print(f"simulate {t_sim:.1f} s | TradeNetwork {t_net:.1f} s | distress {t_dis:.1f} s | "
          f"ego_metrics_table {t_table:.1f} s")
    print(f"RSS before the table {rss_before:,.0f} MiB (network and edges held), peak during "
          f"the table {sampler.peak:,.0f} MiB; peak of the whole run (incl. simulation) "
          f"{rss_mib():,.0f} MiB")
    print(table.describe().T[["mean", "50%", "max"]].to_string(float_format=lambda x: f"{x:.3g}"))


if __name__ == "__main__":
    main()
