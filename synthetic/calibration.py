"""Measure the published firm-network statistics on a generated region.

Why: the generator claims to reproduce published structure; this module
checks the claim. :func:`calibration_report` measures the files actually
written (``truth/`` plus ``parameters.csv``), not the generator's
internals; :func:`calibrate` measures the same statistics on a region
simulated in memory (economy and dynamics only, no files written — the
same numbers as the files of that config would give), and
:func:`calibrate_seeds` runs it over several seeds. Each statistic comes
with its target, a tolerance, pass/fail (on the point estimate) and a 95%
bootstrap interval (percentiles of 200 resamples of the statistic's
sampling unit, given in its note); ``source`` says whether the target is a
published figure (``published``) or a design choice of the generator where
the literature gives only a direction (``design``).

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
* receivable days — mean 売掛金回転期間 (``parameters.csv``) of the
  client-years in distress (the fiscal year overlaps the firm's distress
  episode, from onset to failure or the end of the window) over the mean of
  the client-years of clients never in distress; client-years without
  credit sales (no sales to a firm that year: a shop selling for cash has
  no receivables, its days are 0 whatever its health) are left out of
  both.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components, shortest_path

from synthetic.config import GenerateConfig

__all__ = [
    "Statistic", "CalibrationReport", "RegionData", "SeedSummary", "calibration_report",
    "calibrate", "calibrate_seeds", "hill_exponent", "measure", "region_data",
    "region_data_from_files",
]

KMIN = 10
BOOTSTRAP = 200  # resamples per statistic
MIN_OPERATING_MONTHS = 6  # a client-year with fewer operating months has no parameters row


@dataclass(frozen=True, slots=True)
class Statistic:
    """One measured statistic next to its target (pass when |measured − target| ≤ tolerance).

    ``low`` and ``high`` bound the 95% interval of the measurement (bootstrap
    within one region, or the spread across seeds in :class:`SeedSummary`).
    """

    name: str
    measured: float
    target: float
    tolerance: float
    unit: str = ""
    source: str = "published"
    note: str = ""
    low: float = float("nan")
    high: float = float("nan")

    @property
    def passed(self) -> bool:
        """The point estimate is finite and within tolerance of the target."""
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
        """Every statistic within tolerance."""
        return all(s.passed for s in self.statistics)

    def get(self, name: str) -> Statistic:
        """The statistic called ``name`` (KeyError when absent)."""
        for s in self.statistics:
            if s.name == name:
                return s
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (``passed`` per statistic and overall)."""
        return {
            "out_dir": self.out_dir, "firms": self.firms, "months": self.months,
            "passed": self.passed,
            "statistics": [{**asdict(s), "passed": s.passed} for s in self.statistics],
        }

    def to_markdown(self) -> str:
        """A Markdown table: measured value, 95% interval, target, tolerance, pass."""
        rows = [f"# Calibration report: {self.firms} firms, {self.months} months", "",
                "| statistic | measured | 95% interval | target | tolerance | pass | source | note |",
                "|---|---:|---:|---:|---:|:-:|---|---|"]
        for s in self.statistics:
            unit = f" {s.unit}" if s.unit else ""
            rows.append(f"| {s.name} | {s.measured:.3f}{unit} | {_interval(s)} | {s.target:g}{unit} "
                        f"| ±{s.tolerance:g} | {'✅' if s.passed else '❌'} | {s.source} | {s.note} |")
        return "\n".join(rows) + "\n"


def _interval(s: Statistic) -> str:
    if not (np.isfinite(s.low) and np.isfinite(s.high)):
        return "–"
    return f"{s.low:.3f} – {s.high:.3f}"


@dataclass(slots=True)
class RegionData:
    """What the statistics are measured on, from files or from memory.

    Firms are indexed 0..n−1; trade arrays have one row per (seller, buyer,
    month) with ``month`` 0-based and ``amount`` in yen. Distress arrays per
    firm: ``onset`` / ``failure`` month (−1 none; failure −1 also when after
    the window), ``cause`` 0 none, 1 own, 2 partner. Receivable days per
    client-year (``parameters.csv`` rows): ``ar_days``, ``ar_firm`` and
    ``ar_fy`` (the client and fiscal year of the row).
    """

    n: int
    month_labels: list[str]
    churn: str
    seller: np.ndarray
    buyer: np.ndarray
    month: np.ndarray
    amount: np.ndarray
    first_fy_sales: np.ndarray
    first_fy_label: str
    tier: np.ndarray
    pref: np.ndarray
    onset: np.ndarray
    failure: np.ndarray
    cause: np.ndarray
    ar_days: np.ndarray
    ar_firm: np.ndarray
    ar_fy: np.ndarray


def hill_exponent(k: np.ndarray, kmin: int = KMIN) -> float:
    """Discrete Hill estimate of the CCDF tail exponent over ``k ≥ kmin``."""
    x = k[k >= kmin].astype(float)
    if x.size < 5:
        return float("nan")
    return float(x.size / np.log(x / (kmin - 0.5)).sum())


def _ols(y: np.ndarray, *xs: np.ndarray) -> np.ndarray:
    x = np.column_stack([np.ones(y.size), *xs])
    return np.asarray(np.linalg.lstsq(x, y, rcond=None)[0])


def _fiscal_year(label: str) -> int:
    """Japanese fiscal year (April–March) of a ``YYYY-MM`` label."""
    return int(label[:4]) - (1 if int(label[5:7]) < 4 else 0)


def _boot(rng: np.random.Generator, size: int, fn: Callable[[np.ndarray], float]
          ) -> tuple[float, float]:
    """95% percentile interval of ``fn(resampled row indexes)`` over :data:`BOOTSTRAP` resamples."""
    if size < 2:
        return float("nan"), float("nan")
    vals = np.array([fn(rng.integers(0, size, size)) for _ in range(BOOTSTRAP)], dtype=float)
    vals = vals[np.isfinite(vals)]
    if vals.size < BOOTSTRAP // 2:
        return float("nan"), float("nan")
    lo, hi = np.percentile(vals, [2.5, 97.5])
    return float(lo), float(hi)


# --------------------------------------------------------------------------- inputs

def region_data_from_files(out_dir: Path | str) -> RegionData:
    """Read the statistics' inputs from a generated region's ``truth/`` and ``parameters.csv``."""
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
    month_index = {m: i for i, m in enumerate(months)}
    sales_col = [c for c in firms.columns if c.startswith("sales_FY")][0]
    tier_names = ["raw", "parts", "assembly", "wholesale", "retail", "services"]

    distress = pd.read_csv(out / "truth" / "distress.csv", dtype=str, keep_default_na=False)
    onset = np.full(n, -1, dtype=np.int64)
    failure = np.full(n, -1, dtype=np.int64)
    cause = np.zeros(n, dtype=np.int8)
    if len(distress):
        idx = pd.Categorical(distress["firm_id"], categories=ids).codes
        onset[idx] = [month_index.get(m, -1) for m in distress["onset_month"]]
        failure[idx] = [month_index.get(m, -1) for m in distress["failure_month"]]
        cause[idx] = np.where(distress["cause"] == "partner", 2, 1)

    params = pd.read_csv(out / "parameters.csv", dtype={"firm_id": str, "period": str})
    pos = {fid: i for i, fid in enumerate(ids)}
    return RegionData(
        n=n, month_labels=months, churn=str(cfg.get("churn", "fast")), seller=s, buyer=b,
        month=mcode, amount=amount, first_fy_sales=firms[sales_col].to_numpy(np.float64),
        first_fy_label=sales_col[len("sales_"):],
        tier=pd.Categorical(firms["tier"], categories=tier_names).codes.astype(np.int64),
        pref=firms["prefecture_code"].to_numpy(np.int64), onset=onset, failure=failure,
        cause=cause, ar_days=params["ar_turnover_days"].to_numpy(np.float64),
        ar_firm=np.array([pos[f] for f in params["firm_id"]], dtype=np.int64),
        ar_fy=np.array([int(str(p)[2:6]) for p in params["period"]], dtype=np.int64),
    )


def region_data(cfg: GenerateConfig) -> RegionData:
    """Simulate ``cfg``'s economy and months in memory (no files) and collect the inputs.

    Uses the same random streams as :func:`synthetic.generate` and the same
    rules as the written files (receivable days as in ``parameters.csv``,
    from :func:`synthetic.ledger.client_fy_figures`), so the statistics equal
    those measured on the generated folder.
    """
    from synthetic.dynamics import simulate
    from synthetic.economy import build_economy
    from synthetic.ledger import client_fy_figures

    econ = build_economy(cfg, cfg.rng(1))
    pieces: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []

    def collect(t: int, s: np.ndarray, b: np.ndarray, amount: np.ndarray) -> None:
        pieces.append((s.astype(np.int64), b.astype(np.int64),
                       np.full(s.size, t, dtype=np.int64), amount.astype(np.float64)))

    sim = simulate(cfg, econ, cfg.rng(2), collect)
    seller, buyer, month, amount = (np.concatenate([p[k] for p in pieces]) for k in range(4))
    labels = [cfg.month_label(t) for t in range(cfg.months)]
    days: list[float] = []
    firm: list[int] = []
    fiscal: list[int] = []
    for c in econ.clients.tolist():
        for fy, (op_months, sales, ar_end) in sorted(client_fy_figures(cfg, sim, c).items()):
            if op_months < MIN_OPERATING_MONTHS:
                continue
            annual = sales * 12.0 / op_months
            days.append(round(ar_end / annual * 365.0, 1) if annual > 0 else 0.0)
            firm.append(c)
            fiscal.append(fy)
    return RegionData(
        n=econ.n, month_labels=labels, churn=cfg.churn, seller=seller, buyer=buyer, month=month,
        amount=amount, first_fy_sales=np.round(sim.fy_sales[:, 0]),
        first_fy_label=f"FY{sim.fiscal_years[0]}", tier=econ.tier.astype(np.int64),
        pref=econ.pref.astype(np.int64), onset=sim.onset.copy(), failure=sim.failure.copy(),
        cause=sim.cause.copy(), ar_days=np.array(days, dtype=np.float64),
        ar_firm=np.array(firm, dtype=np.int64), ar_fy=np.array(fiscal, dtype=np.int64),
    )


# --------------------------------------------------------------------------- statistics

def calibration_report(out_dir: Path | str) -> CalibrationReport:
    """Measure the calibration statistics of the region generated in ``out_dir``."""
    return measure(region_data_from_files(out_dir), str(out_dir))


def calibrate(cfg: GenerateConfig) -> CalibrationReport:
    """Measure the statistics of ``cfg``'s region simulated in memory (nothing written)."""
    return measure(region_data(cfg), f"(in memory, seed {cfg.seed})")


def measure(d: RegionData, label: str = "") -> CalibrationReport:
    """All statistics of one region, with bootstrap intervals (fixed resampling seed)."""
    n = d.n
    s, b, mcode, amount = d.seller, d.buyer, d.month, d.amount
    nm = len(d.month_labels)
    rep = CalibrationReport(label, n, nm)
    stats = rep.statistics
    rng = np.random.default_rng(0)

    def add(st: Statistic, size: int, fn: Callable[[np.ndarray], float]) -> None:
        lo, hi = _boot(rng, size, fn)
        stats.append(replace(st, low=lo, high=hi))

    # --- snapshot network (month 0)
    m0 = mcode == 0
    s0, b0 = s[m0], b[m0]
    dout = np.bincount(s0, minlength=n)
    din = np.bincount(b0, minlength=n)
    lo_, hi_ = np.minimum(s0, b0), np.maximum(s0, b0)
    und = np.unique(lo_ * n + hi_)
    u_a, u_b = und // n, und % n
    deg = np.bincount(u_a, minlength=n) + np.bincount(u_b, minlength=n)
    add(Statistic("customer-count tail exponent (CCDF)", hill_exponent(dout), 1.0, 0.25,
                  note=f"Hill, k ≥ {KMIN}; interval over firms"),
        n, lambda i: hill_exponent(dout[i]))
    add(Statistic("supplier-count tail exponent (CCDF)", hill_exponent(din), 1.5, 0.3,
                  note=f"Hill, k ≥ {KMIN}; interval over firms"),
        n, lambda i: hill_exponent(din[i]))
    traders = deg[deg > 0]
    add(Statistic("median partners", float(np.median(traders)), 6.0, 1.5,
                  note="firms that trade, month 0"),
        traders.size, lambda i: float(np.median(traders[i])))
    ok = (deg > 0) & (d.first_fy_sales > 0)
    ly, lx = np.log(d.first_fy_sales[ok]), np.log(deg[ok].astype(float))
    add(Statistic("sales–degree exponent", float(_ols(ly, lx)[1]), 1.3, 0.15,
                  note=f"OLS log sales_{d.first_fy_label} on log partners"),
        ly.size, lambda i: float(_ols(ly[i], lx[i])[1]))
    da, db = deg[u_a].astype(float), deg[u_b].astype(float)

    def assort(i: np.ndarray) -> float:
        return float(np.corrcoef(np.concatenate([da[i], db[i]]), np.concatenate([db[i], da[i]]))[0, 1])

    add(Statistic("degree assortativity", assort(np.arange(da.size)), -0.15, 0.12,
                  source="published", note="negative = disassortative; interval over links"),
        da.size, assort)
    adj = sp.coo_matrix((np.ones(und.size), (u_a, u_b)), shape=(n, n)).tocsr()
    _, labels = connected_components(adj, directed=False)
    giant = labels == np.argmax(np.bincount(labels))
    g_f = giant.astype(float)
    add(Statistic("giant component share", float(giant.mean()), 0.8, 0.07,
                  note="interval over firms"),
        n, lambda i: float(g_f[i].mean()))
    members = np.flatnonzero(giant)
    src = np.random.default_rng(0).choice(members, size=min(64, members.size), replace=False)
    dist = shortest_path(adj, directed=False, unweighted=True, indices=src)
    reach = np.isfinite(dist) & (dist > 0)
    per_src_sum = np.where(reach, dist, 0.0).sum(axis=1)
    per_src_cnt = reach.sum(axis=1)
    path_target = 4.3 * np.log(n) / np.log(1e6)
    add(Statistic("mean shortest path", float(per_src_sum.sum() / per_src_cnt.sum()),
                  round(path_target, 2), 1.0, source="published, scaled",
                  note="4.3 at 1M firms × ln N / ln 10⁶; undirected, giant component; "
                       "interval over sources"),
        src.size, lambda i: float(per_src_sum[i].sum() / max(per_src_cnt[i].sum(), 1)))

    # --- churn
    keys = s * n + b
    month_keys = [np.unique(keys[mcode == t]) for t in range(nm)]
    surv = np.array([np.intersect1d(month_keys[t], month_keys[t + 12], assume_unique=True).size
                     / max(month_keys[t].size, 1) for t in range(nm - 12)])
    half_target = 13.0 if d.churn == "fast" else 36.0
    if surv.size:
        sv = float(surv.mean())
        add(Statistic("links gone within 12 months", 1.0 - sv, 1.0 - 0.5 ** (12.0 / half_target),
                      0.08, note="share of a month's links not trading 12 months later; "
                                 "interval over months"),
            surv.size, lambda i: 1.0 - float(surv[i].mean()))
        add(Statistic("link half-life", 12.0 * np.log(2) / -np.log(sv), half_target,
                      0.25 * half_target, unit="months", note="interval over months"),
            surv.size, lambda i: 12.0 * np.log(2) / -np.log(float(surv[i].mean())))

    # --- seasonality (full fiscal years only), resampling sellers
    cal = np.array([int(m[5:7]) for m in d.month_labels])
    fy = np.array([_fiscal_year(m) for m in d.month_labels])
    full = [y for y in np.unique(fy) if (fy == y).sum() == 12]
    if full:
        sellers, s_code = np.unique(s, return_inverse=True)
        vol = sp.csr_matrix((amount, (s_code, mcode)), shape=(sellers.size, nm)).toarray()

        def march(i: np.ndarray) -> float:
            v = vol[i].sum(axis=0)
            return float(np.mean([v[(fy == y) & (cal == 3)].sum() / v[fy == y].mean()
                                  for y in full]))

        add(Statistic("March / mean month trade", march(np.arange(sellers.size)), 1.3, 0.12,
                      source="design", note="fiscal year-end peak; interval over sellers"),
            sellers.size, march)

    # --- co-movement
    dset = d.onset >= 0
    if nm >= 24:
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
        gy = g[sel]
        gs = ((sup @ g) / np.maximum(c1, 1))[sel]
        gc = ((cus @ g) / np.maximum(c2, 1))[sel]
        beta = _ols(gy, gs, gc)
        boots = [_ols(gy[i], gs[i], gc[i]) for i in
                 (rng.integers(0, gy.size, gy.size) for _ in range(BOOTSTRAP))] if gy.size > 3 else []
        for k, (name, target) in enumerate((("growth elasticity to suppliers", 0.15),
                                            ("growth elasticity to customers", 0.26)), start=1):
            lo, hi = (np.percentile([bb[k] for bb in boots], [2.5, 97.5]) if boots
                      else (np.nan, np.nan))
            stats.append(Statistic(name, float(beta[k]), target, 0.08,
                                   note=f"OLS, {int(sel.sum())} firms; interval over firms",
                                   low=float(lo), high=float(hi)))

    # --- distress
    episodes = d.cause[d.cause > 0]
    if episodes.size:
        partner = (episodes == 2).astype(float)
        add(Statistic("partner-caused share of distress", float(partner.mean()), 0.2, 0.08,
                      note=f"{episodes.size} episodes; interval over episodes"),
            partner.size, lambda i: float(partner[i].mean()))
    distressed, healthy, credit = _client_years(d)
    in_d, ok_h = d.ar_days[distressed & credit], d.ar_days[healthy & credit]
    if in_d.size and ok_h.size:
        ratio = float(in_d.mean() / ok_h.mean())
        lo, hi = _boot2(rng, in_d, ok_h)
        stats.append(Statistic("receivable days, distressed / healthy", ratio, 2.0, 0.8,
                               source="design",
                               note=f"{in_d.size} client-years in distress, {ok_h.size} of "
                                    "healthy clients, with credit sales (parameters.csv); "
                                    "interval over client-years",
                               low=lo, high=hi))

    # --- communities
    same = (d.pref[s0] == d.pref[b0]).astype(float)
    add(Statistic("links within one prefecture", float(same.mean()), 0.65, 0.1, source="design",
                  note="regional communities; interval over links"),
        same.size, lambda i: float(same[i].mean()))
    chain = d.tier[s0] <= 3
    down = (d.tier[b0][chain] == d.tier[s0][chain] + 1).astype(float)
    add(Statistic("supply-chain links one tier downstream", float(down.mean()), 0.55, 0.12,
                  source="design", note="raw→parts→assembly→wholesale→retail; interval over links"),
        down.size, lambda i: float(down[i].mean()))
    return rep


def _client_years(d: RegionData) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per parameters row: in distress that year; client never in distress; sold on credit."""
    fys = np.array([_fiscal_year(m) for m in d.month_labels], dtype=np.int64)
    last = len(d.month_labels) - 1
    on, fail = d.onset[d.ar_firm], d.failure[d.ar_firm]
    hit = on >= 0
    first_fy = np.where(hit, fys[np.maximum(on, 0)], 0)
    last_fy = np.where(fail >= 0, fys[np.maximum(fail, 0)], fys[last])
    distressed = hit & (first_fy <= d.ar_fy) & (d.ar_fy <= last_fy)
    sold = np.unique(d.seller[d.amount > 0] * 10_000 + fys[d.month[d.amount > 0]])
    credit = np.isin(d.ar_firm * 10_000 + d.ar_fy, sold)
    return distressed, ~hit, credit


def _boot2(rng: np.random.Generator, a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """95% interval of mean(a) / mean(b), resampling each group on its own."""
    if a.size < 2 or b.size < 2:
        return float("nan"), float("nan")
    vals = [a[rng.integers(0, a.size, a.size)].mean() / b[rng.integers(0, b.size, b.size)].mean()
            for _ in range(BOOTSTRAP)]
    lo, hi = np.percentile(vals, [2.5, 97.5])
    return float(lo), float(hi)


# --------------------------------------------------------------------------- several seeds

@dataclass(slots=True)
class SeedSummary:
    """The statistics of one configuration over several seeds.

    ``reports[k]`` is seed ``seeds[k]``; :attr:`mean` has one statistic per
    name whose ``measured`` is the mean over seeds and whose interval is the
    range over seeds (pass = the mean within tolerance).
    """

    seeds: list[int]
    reports: list[CalibrationReport]

    @property
    def mean(self) -> CalibrationReport:
        """Per statistic: mean over seeds, interval = min – max over seeds."""
        first = self.reports[0]
        out = CalibrationReport(f"mean over seeds {self.seeds}", first.firms, first.months)
        for st in first.statistics:
            vals = np.array([r.get(st.name).measured for r in self.reports], dtype=float)
            out.statistics.append(replace(st, measured=float(vals.mean()), low=float(vals.min()),
                                          high=float(vals.max()), note="mean over seeds; "
                                          "interval = range over seeds"))
        return out

    def values(self, name: str) -> list[float]:
        """The statistic ``name`` on each seed."""
        return [r.get(name).measured for r in self.reports]

    def to_markdown(self) -> str:
        """One row per statistic, one column per seed (✗ = out of tolerance), then the mean."""
        first = self.reports[0]
        rows = [f"# Calibration over seeds: {first.firms} firms, {first.months} months", "",
                "| statistic | target | " + " | ".join(f"seed {s}" for s in self.seeds)
                + " | mean |", "|---|---:|" + "---:|" * (len(self.seeds) + 1)]
        mean = self.mean
        for st in first.statistics:
            cells = []
            for r in self.reports:
                x = r.get(st.name)
                cells.append(f"{x.measured:.3f}{'' if x.passed else ' ✗'}")
            m = mean.get(st.name)
            rows.append(f"| {st.name} | {st.target:g} ± {st.tolerance:g} | " + " | ".join(cells)
                        + f" | {m.measured:.3f}{'' if m.passed else ' ✗'} |")
        return "\n".join(rows) + "\n"


def calibrate_seeds(cfg: GenerateConfig, seeds: Sequence[int]) -> SeedSummary:
    """:func:`calibrate` for ``cfg`` with each of ``seeds`` (in memory, one after another)."""
    seeds = list(seeds)
    return SeedSummary(seeds, [calibrate(replace(cfg, seed=s)) for s in seeds])
