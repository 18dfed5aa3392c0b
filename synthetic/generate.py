"""Orchestration: economy → monthly simulation → client books → files and truth.

Why streaming: at 100k firms the economy trades millions of edge-months;
trade is written to ``truth/edges.csv`` month by month and each client's
files are written and dropped before the next client, so memory stays
bounded by the client-incident trade arrays.
"""

from __future__ import annotations

import csv
import multiprocessing as mp
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from synthetic.config import GenerateConfig
from synthetic.dynamics import SimResult, simulate
from synthetic.economy import BANKS, Economy, build_economy
from synthetic.ledger import build_book
from synthetic.truth import (
    CounterpartySink,
    EdgeSink,
    write_config,
    write_distress,
    write_malformed,
    write_truth_firms,
)
from synthetic.writers.bank import write_bank
from synthetic.writers.canonical import write_canonical
from synthetic.writers.common import Malformed
from synthetic.writers.firm_master import write_firm_master
from synthetic.writers.freee import write_freee
from synthetic.writers.moneyforward import write_moneyforward
from synthetic.writers.parameters import parameter_rows, write_parameters
from synthetic.writers.registry import write_registry
from synthetic.writers.yayoi import write_yayoi
from synthetic.writers.zengin import write_zengin

__all__ = ["generate", "GenerateResult"]


@dataclass(frozen=True, slots=True)
class GenerateResult:
    """What :func:`generate` wrote (counts; seconds is wall time)."""

    out: Path
    firms: int
    clients: int
    months: int
    ledger_files: int
    ledger_lines: int
    edge_rows: int
    counterparty_strings: int
    malformed_rows: int
    distressed_firms: int
    seconds: float


def _rng(cfg: GenerateConfig, *key: int) -> np.random.Generator:
    return cfg.rng(*key)


def _slices(owner: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    rows = np.flatnonzero(mask)
    order = rows[np.argsort(owner[rows], kind="stable")]
    return order, owner[order]


def generate(config: GenerateConfig) -> GenerateResult:
    """Generate a synthetic region into ``config.out`` (see the package docstring)."""
    t0 = time.perf_counter()
    cfg = config
    out = cfg.out
    (out / "truth").mkdir(parents=True, exist_ok=True)
    econ = build_economy(cfg, _rng(cfg, 1))
    edges = EdgeSink(out / "truth" / "edges.csv", cfg, econ.ids)
    try:
        sim = simulate(cfg, econ, _rng(cfg, 2), edges)
    finally:
        edges.close()
    lines, files, malformed, n_names, params = _write_clients(cfg, econ, sim)
    write_firm_master(out / "firms.csv", econ, _rng(cfg, 3))
    write_parameters(out / "parameters.csv", params)
    write_registry(out / "registry.csv", econ, _rng(cfg, 4))
    write_truth_firms(out / "truth" / "firms.csv", econ, sim)
    write_distress(out / "truth" / "distress.csv", cfg, econ, sim)
    write_malformed(out / "truth" / "malformed.csv", malformed)
    write_config(out / "truth" / "config.json", cfg)
    return GenerateResult(
        out=out, firms=econ.n, clients=int(econ.is_client.sum()), months=cfg.months,
        ledger_files=files, ledger_lines=lines, edge_rows=edges.rows,
        counterparty_strings=n_names, malformed_rows=len(malformed),
        distressed_firms=int((sim.cause > 0).sum()), seconds=time.perf_counter() - t0,
    )


def _distressed_fys(cfg: GenerateConfig, sim: SimResult, c: int) -> set[int]:
    if sim.onset[c] < 0:
        return set()
    end = sim.failure[c] if sim.failure[c] >= 0 else cfg.months - 1
    out = set()
    for t in range(int(sim.onset[c]), int(end) + 1):
        y, m = cfg.year_month(t)
        out.add(y if m >= 4 else y - 1)
    return out


@dataclass(slots=True)
class _ClientOutput:
    manifest: list[list[str]]
    names: list[tuple[str, int]]
    malformed: list[Malformed]
    params: list[list[str]]
    lines: int
    files: int


@dataclass(slots=True)
class _Shared:
    cfg: GenerateConfig
    econ: Economy
    sim: SimResult
    s_order: np.ndarray
    s_owner: np.ndarray
    p_order: np.ndarray
    p_owner: np.ndarray


# Shared with forked workers (copy-on-write): set before the pool starts.
_STATE: list[_Shared] = []


def _client_job(c: int) -> _ClientOutput:
    st = _STATE[0]
    cfg, econ, sim = st.cfg, st.econ, st.sim
    s_order, s_owner, p_order, p_owner = st.s_order, st.s_owner, st.p_order, st.p_owner
    out = cfg.out
    rate = cfg.rates.malformed
    cid = econ.ids[c]
    rng = _rng(cfg, 100, c)
    a, b = np.searchsorted(s_owner, [c, c + 1])
    srows = s_order[a:b]
    a, b = np.searchsorted(p_owner, [c, c + 1])
    prows = p_order[a:b]
    book = build_book(
        cfg, econ, c, rng,
        (sim.c_buyer[srows], sim.c_month[srows], sim.c_amount[srows], sim.c_pay[srows]),
        (sim.c_seller[prows], sim.c_month[prows], sim.c_amount[prows], sim.c_pay[prows]),
        sim.consumer[c], cfg.last_operating_month(int(sim.failure[c])), sim.failure,
    )
    malformed: list[Malformed] = []
    manifest: list[list[str]] = []
    folder = f"ledgers/{cid}"
    rel = f"{folder}/journal_{book.fmt}.csv"
    path = out / rel
    if book.fmt == "yayoi":
        lines = write_yayoi(path, rel, book, rng, rate, malformed)
    elif book.fmt == "freee":
        lines = write_freee(path, rel, book, rng, rate, malformed)
    elif book.fmt == "moneyforward":
        lines = write_moneyforward(path, rel, book, rng, rate, malformed)
    else:
        lines = write_canonical(path, rel, book, econ, rng, rate, malformed)
    manifest.append([rel, cid, book.fmt])
    if book.bank_rows:
        key = BANKS[int(econ.bank[c])].key.split(":")[1]
        rel = f"{folder}/bank_{key}.csv"
        lines += write_bank(out / rel, rel, book, rng, rate, malformed)
        manifest.append([rel, cid, "bank"])
    for d in sorted(book.transfers):
        rel = f"{folder}/zengin/furikomi_{d:%Y%m%d}.txt"
        lines += write_zengin(out / rel, econ, c, d, book.transfers[d])
        manifest.append([rel, cid, "zengin"])
    params = parameter_rows(book, econ, _distressed_fys(cfg, sim, c), rng)
    return _ClientOutput(manifest, list(book.names), malformed, params, lines, len(manifest))


def _workers(cfg: GenerateConfig) -> int:
    if cfg.workers > 0:
        return cfg.workers
    return max(1, min(4, os.cpu_count() or 1))


def _write_clients(cfg: GenerateConfig, econ: Economy, sim: SimResult
                   ) -> tuple[int, int, list[Malformed], int, list[list[str]]]:
    """Write every client's files (in parallel when allowed) and the manifest, in client order."""
    s_order, s_owner = _slices(sim.c_seller, econ.is_client[sim.c_seller])
    p_order, p_owner = _slices(sim.c_buyer, econ.is_client[sim.c_buyer])
    _STATE[:] = [_Shared(cfg, econ, sim, s_order, s_owner, p_order, p_owner)]
    clients = econ.clients.tolist()
    malformed: list[Malformed] = []
    params: list[list[str]] = []
    lines = files = n_names = 0
    workers = _workers(cfg)
    cps = CounterpartySink(cfg.out / "truth" / "counterparties.csv")
    pool = None
    try:
        if workers > 1 and len(clients) >= 50 and "fork" in mp.get_all_start_methods():
            pool = mp.get_context("fork").Pool(workers)
            results: Iterator[_ClientOutput] = pool.imap(_client_job, clients, chunksize=8)
        else:
            results = map(_client_job, clients)
        with (cfg.out / "manifest.csv").open("w", encoding="utf-8", newline="") as mf:
            manifest = csv.writer(mf, lineterminator="\n")
            manifest.writerow(["path", "client_id", "format"])
            for c, res in zip(clients, results, strict=True):
                manifest.writerows(res.manifest)
                cps.add(econ, econ.ids[c], res.names)
                n_names += len(res.names)
                malformed.extend(res.malformed)
                params.extend(res.params)
                lines += res.lines
                files += res.files
    finally:
        if pool is not None:
            pool.close()
            pool.join()
        cps.close()
        _STATE.clear()
    return lines, files, malformed, n_names, params
