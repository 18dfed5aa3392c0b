"""Measure the published firm-network statistics on a generated region.

Why: the generator claims to reproduce published structure; this module
checks the claim on the files actually written (``truth/`` plus
``parameters.csv``), not on the generator's internals. Each statistic comes
with its target, a tolerance and pass/fail; ``source`` says whether the
target is a published figure (``published``) or a design choice of the
generator where the literature gives only a direction (``design``).

Definitions (the snapshot network is the trade of the first month):

* tail exponents — discrete Hill/MLE of the CCDF exponent,
  ``α = n / Σ ln(k_i / (k_min − ½))`` over degrees ``k_i ≥ k_min = 10``;
  customer count = out-degree, supplier count = in-degree;
* median partners — distinct partners (either direction) of firms that
  trade; sales–degree exponent — OLS slope of log sales (first fiscal year,
  yen) on log partners; assortativity — Pearson correlation of partner
  counts across links; giant component — share of all firms in the largest
  weakly connected component; mean shortest path — BFS from up to 64
  sampled firms of the giant component, undirected, against the published
  4.3 (about 1M firms) scaled by ln N / ln 10⁶ as in a random graph;
* churn — share of links of month ``t`` still trading in month ``t + 12``
  (averaged over ``t``); half-life = 12·ln 2 / −ln(survival), months;
* seasonality — March trade / mean monthly trade within full fiscal years;
* co-movement — OLS of a firm's log sales growth (second 12 months over
  first) on the mean growth of its month-0 suppliers and customers, firms in
  distress excluded;
* contagion — share of distress episodes caused by a partner's failure;
* receivable days — mean 売掛金回転期間 of client-years in distress over the
  others (``parameters.csv``).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components, shortest_path

__all__ = ["Statistic", "CalibrationReport", "calibration_report", "hill_exponent"]

KMIN = 10


@dataclass(frozen=True, slots=True)
class Statistic:
    """One measured statistic next to its target (pass when |measured − target| ≤ tolerance)."""

    name: str
    measured: float
    target: float
    tolerance: float
    unit: str = ""
    source: str = "published"
    note: str = ""

    @property
    def passed(self) -> bool:
        return bool(np.isfinite(self.measured)) and abs(self.measured - self.target) <= self.tolerance


@dataclass(slots=True)
class CalibrationReport:
    """All statistics of one generated region."""

    out_dir: str
    firms: int
    months: int
    statistics: list[Statistic] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(s.passed for s in self.statistics)

    def get(self, name: str) -> Statistic:
        for s in self.statistics:
            if s.name == name:
                return s
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        return {
            "out_dir": self.out_dir, "firms": self.firms, "months": self.months,
            "passed": self.passed,
            "statistics": [{**asdict(s), "passed": s.passed} for s in self.statistics],
        }

    def to_markdown(self) -> str:
        rows = [f"# Calibration report: {self.firms} firms, {self.months} months", "",
                "| statistic | measured | target | tolerance | pass | source | note |",
                "|---|---:|---:|---:|:-:|---|---|"]
        for s in self.statistics:
            unit = f" {s.unit}" if s.unit else ""
            rows.append(f"| {s.name} | {s.measured:.3f}{unit} | {s.target:g}{unit} | ±{s.tolerance:g} "
                        f"| {'✅' if s.passed else '❌'} | {s.source} | {s.note} |")
        return "\n".join(rows) + "\n"


def hill_exponent(k: np.ndarray, kmin: int = KMIN) -> float:
    """Discrete Hill estimate of the CCDF tail exponent over ``k ≥ kmin``."""
    x = k[k >= kmin].astype(float)
    if x.size < 5:
        return float("nan")
    return float(x.size / np.log(x / (kmin - 0.5)).sum())


def _ols(y: np.ndarray, *xs: np.ndarray) -> np.ndarray:
    x = np.column_stack([np.ones(y.size), *xs])
    return np.asarray(np.linalg.lstsq(x, y, rcond=None)[0])


def calibration_report(out_dir: Path | str) -> CalibrationReport:
    """Measure the calibration statistics of the region generated in ``out_dir``."""
    out = Path(out_dir)
    cfg = json.loads((out / "truth" / "config.json").read_text(encoding="utf-8"))
    firms = pd.read_csv(out / "truth" / "firms.csv", dtype={"firm_id": str}, keep_default_na=False)
    ids = firms["firm_id"].tolist()
    n = len(ids)
    firm_cat = pd.CategoricalDtype(ids)
    dtypes: dict[str, Any] = {"seller_id": firm_cat, "buyer_id": firm_cat, "month": "category",
                              "amount_yen": np.int64}
    edges = pd.read_csv(out / "truth" / "edges.csv", dtype=dtypes)
    s = edges["seller_id"].cat.codes.to_numpy(np.int64)
    b = edges["buyer_id"].cat.codes.to_numpy(np.int64)
    months = sorted(edges["month"].cat.categories)
    mcode = pd.Categorical(edges["month"], categories=months).codes.astype(np.int64)
    amount = edges["amount_yen"].to_numpy(np.float64)
    del edges
    rep = CalibrationReport(str(out), n, len(months))
    stats = rep.statistics

    # --- snapshot network (month 0)
    m0 = mcode == 0
    s0, b0 = s[m0], b[m0]
    dout = np.bincount(s0, minlength=n)
    din = np.bincount(b0, minlength=n)
    lo, hi = np.minimum(s0, b0), np.maximum(s0, b0)
    und = np.unique(lo * n + hi)
    u_a, u_b = und // n, und % n
    deg = np.bincount(u_a, minlength=n) + np.bincount(u_b, minlength=n)
    stats.append(Statistic("customer-count tail exponent (CCDF)", hill_exponent(dout), 1.0, 0.25,
                           note=f"Hill, k ≥ {KMIN}"))
    stats.append(Statistic("supplier-count tail exponent (CCDF)", hill_exponent(din), 1.5, 0.3,
                           note=f"Hill, k ≥ {KMIN}"))
    stats.append(Statistic("median partners", float(np.median(deg[deg > 0])), 6.0, 1.5,
                           note="firms that trade, month 0"))
    sales_col = [c for c in firms.columns if c.startswith("sales_FY")][0]
    sales = firms[sales_col].to_numpy(np.float64)
    ok = (deg > 0) & (sales > 0)
    slope = _ols(np.log(sales[ok]), np.log(deg[ok]))[1]
    stats.append(Statistic("sales–degree exponent", float(slope), 1.3, 0.15,
                           note=f"OLS log {sales_col} on log partners"))
    da, db = deg[u_a].astype(float), deg[u_b].astype(float)
    r = float(np.corrcoef(np.concatenate([da, db]), np.concatenate([db, da]))[0, 1])
    stats.append(Statistic("degree assortativity", r, -0.15, 0.12, source="published",
                           note="negative = disassortative"))
    adj = sp.coo_matrix((np.ones(und.size), (u_a, u_b)), shape=(n, n)).tocsr()
    _, labels = connected_components(adj, directed=False)
    sizes = np.bincount(labels)
    giant = labels == np.argmax(sizes)
    stats.append(Statistic("giant component share", float(giant.mean()), 0.8, 0.07))
    members = np.flatnonzero(giant)
    rng = np.random.default_rng(0)
    src = rng.choice(members, size=min(64, members.size), replace=False)
    dist = shortest_path(adj, directed=False, unweighted=True, indices=src)
    fin = dist[np.isfinite(dist) & (dist > 0)]
    path_target = 4.3 * np.log(n) / np.log(1e6)
    stats.append(Statistic("mean shortest path", float(fin.mean()), round(path_target, 2), 1.0,
                           source="published, scaled",
                           note="4.3 at 1M firms × ln N / ln 10⁶; undirected, giant component"))

    # --- churn
    keys = s * n + b
    surv: list[float] = []
    month_keys = [np.unique(keys[mcode == t]) for t in range(len(months))]
    for t in range(len(months) - 12):
        a = month_keys[t]
        surv.append(np.intersect1d(a, month_keys[t + 12], assume_unique=True).size / max(a.size, 1))
    half_target = 13.0 if cfg.get("churn", "fast") == "fast" else 36.0
    if surv:
        sv = float(np.mean(surv))
        stats.append(Statistic("links gone within 12 months", 1.0 - sv,
                               1.0 - 0.5 ** (12.0 / half_target), 0.08,
                               note="share of a month's links not trading 12 months later"))
        stats.append(Statistic("link half-life", 12.0 * np.log(2) / -np.log(sv), half_target,
                               0.25 * half_target, unit="months"))

    # --- seasonality (full fiscal years only)
    vol = np.bincount(mcode, weights=amount, minlength=len(months))
    cal = np.array([int(m[5:7]) for m in months])
    fy = np.array([int(m[:4]) - (1 if int(m[5:7]) < 4 else 0) for m in months])
    ratios = []
    for y in np.unique(fy):
        sel = fy == y
        if sel.sum() == 12:
            ratios.append(vol[sel & (cal == 3)].sum() / vol[sel].mean())
    if ratios:
        stats.append(Statistic("March / mean month trade", float(np.mean(ratios)), 1.3, 0.12,
                               source="design", note="fiscal year-end peak"))

    # --- co-movement
    distress = pd.read_csv(out / "truth" / "distress.csv", dtype=str, keep_default_na=False)
    dset = np.zeros(n, dtype=bool)
    dset[pd.Categorical(distress["firm_id"], categories=ids).codes] = True
    if len(months) >= 24:
        y1 = np.bincount(s[mcode < 12], weights=amount[mcode < 12], minlength=n)
        y2 = np.bincount(s[(mcode >= 12) & (mcode < 24)],
                         weights=amount[(mcode >= 12) & (mcode < 24)], minlength=n)
        valid = (y1 > 0) & (y2 > 0) & ~dset
        g = np.zeros(n)
        g[valid] = np.log(y2[valid] / y1[valid])
        one = np.ones(s0.size)
        sup = sp.csr_matrix((one, (b0, s0)), shape=(n, n))
        cus = sp.csr_matrix((one, (s0, b0)), shape=(n, n))
        sup.data[:] = 1.0
        cus.data[:] = 1.0
        sup = sup.multiply(valid[None, :]).tocsr()
        cus = cus.multiply(valid[None, :]).tocsr()
        c1 = np.asarray(sup.sum(axis=1)).ravel()
        c2 = np.asarray(cus.sum(axis=1)).ravel()
        sel = valid & (c1 > 0) & (c2 > 0)
        gs = (sup @ g) / np.maximum(c1, 1)
        gc = (cus @ g) / np.maximum(c2, 1)
        beta = _ols(g[sel], gs[sel], gc[sel])
        stats.append(Statistic("growth elasticity to suppliers", float(beta[1]), 0.15, 0.08,
                               note=f"OLS, {int(sel.sum())} firms"))
        stats.append(Statistic("growth elasticity to customers", float(beta[2]), 0.26, 0.08,
                               note=f"OLS, {int(sel.sum())} firms"))

    # --- distress
    if len(distress):
        share = float((distress["cause"] == "partner").mean())
        stats.append(Statistic("partner-caused share of distress", share, 0.2, 0.08,
                               note=f"{len(distress)} episodes"))
    params = pd.read_csv(out / "parameters.csv", dtype={"firm_id": str})
    if len(params) and len(distress):
        loss = params["profitable"] == 0
        d_ids = set(distress["firm_id"])
        in_d = params["firm_id"].isin(d_ids) & loss
        healthy = ~params["firm_id"].isin(d_ids)
        if in_d.any() and healthy.any():
            ratio = params.loc[in_d, "ar_turnover_days"].mean() / params.loc[
                healthy, "ar_turnover_days"].mean()
            stats.append(Statistic("receivable days, distressed / healthy", float(ratio), 2.0, 0.8,
                                   source="design", note="clients, parameters.csv"))

    # --- communities
    pref = firms["prefecture_code"].to_numpy()
    tier_names = ["raw", "parts", "assembly", "wholesale", "retail", "services"]
    tier = pd.Categorical(firms["tier"], categories=tier_names).codes
    stats.append(Statistic("links within one prefecture", float((pref[s0] == pref[b0]).mean()),
                           0.65, 0.1, source="design", note="regional communities"))
    chain = tier[s0] <= 3
    stats.append(Statistic("supply-chain links one tier downstream",
                           float((tier[b0][chain] == tier[s0][chain] + 1).mean()), 0.55, 0.12,
                           source="design", note="raw→parts→assembly→wholesale→retail"))
    return rep
