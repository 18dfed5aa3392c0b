"""Month-by-month flows: trade amounts, link churn, seasonality, co-movement, distress.

Why: ledgers are monthly (月末締め), so the simulation step is one calendar
month and every amount is integer yen per month.

* **Churn** — each standing link ends with a monthly hazard
  ``h = 1 − 0.5^(1/half_life)`` (half-life 13 months for ``fast``, 36 for
  ``slow``); the seller's slot is then rewired to a new buyer drawn like the
  month-0 network, so degrees stay stationary while partners change.
* **Seasonality** — a Japanese fiscal-year pattern by industry: the March
  year-end peak (strongest in construction: public works close in March),
  December, and dips in January, May (Golden Week) and August (お盆).
* **Co-movement** — each firm has a yearly log-growth ``g`` drawn from a
  spatial autoregression on its partners, ``g = ε + β_s·W_sup·g + β_c·W_cus·g``,
  so that OLS of a firm's sales growth on its suppliers' and customers'
  average growth gives ≈ 0.15 and ≈ 0.26 (the published elasticities).
  The inputs are β_s = 0.025, β_c = 0.28: OLS on this feedback system finds
  a supplier elasticity mostly through reverse causation (a supplier grows
  with its customer) and attenuates the customer one (partners' growth is
  measured with noise), as it would on real data; the inputs were tuned so
  the *measured* values hit the targets (16 seeds at 5k firms: 0.15 ± 0.03
  and 0.26 ± 0.02). Noise that does not belong to the design is kept out:
  a rewired slot draws again when it picks its own seller or a failed firm
  (up to ``REWIRE_TRIES`` draws), and a supplier of a failed buyer waits
  1–3 months for a new one.
* **Distress and contagion** — a healthy firm enters distress with a small
  hazard that falls with its size (∝ (1 + partners)^−½, mean
  ``distress_rate``: small firms fail more often, hubs rarely); a
  distressed firm's sales fall, it pays its suppliers later and collects
  later (1 month at onset, one more every 2 months, at most 4; a quarter
  of its invoices are never collected), so its receivable days rise, and
  it fails 3–9 months later: its sales stop and its last payables are
  never paid. Each partner of a failing firm then enters distress with
  probability rising with its exposure (share of its sales to, or
  purchases from, the failed firm), scaled by the same size frailty; the
  constants make about a fifth of all distress partner-caused.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from synthetic.config import GenerateConfig
from synthetic.economy import Economy, buyer_pools, sample_buyers

__all__ = ["SimResult", "simulate", "SEASON", "season_matrix", "BETA_SUPPLIER", "BETA_CUSTOMER"]

# calendar month 1..12 → multiplier (normalised to mean 1 below)
SEASON: dict[str, list[float]] = {
    "general": [0.88, 0.93, 1.30, 0.92, 0.88, 0.98, 1.02, 0.87, 1.08, 0.98, 1.00, 1.16],
    "construction": [0.80, 0.95, 1.55, 0.80, 0.82, 0.95, 1.00, 0.88, 1.10, 0.98, 1.02, 1.15],
    "consumer": [0.90, 0.85, 1.20, 0.95, 1.00, 0.92, 1.05, 1.12, 0.92, 0.95, 0.98, 1.26],
    "harvest": [0.80, 0.78, 1.15, 0.85, 0.90, 0.95, 1.00, 1.02, 1.20, 1.25, 1.10, 1.10],
}
BETA_SUPPLIER = 0.025  # generation input; measured OLS ≈ 0.15 (see the module docstring)
BETA_CUSTOMER = 0.28  # generation input; measured OLS ≈ 0.26
GROWTH_MEAN, GROWTH_SD = 0.01, 0.12  # log sales growth per year
KAPPA_SUPPLIER, KAPPA_CUSTOMER = 0.7, 0.21  # contagion intensity per unit exposure
HAZARD_SIZE = 0.5  # own-distress hazard ∝ (1 + partners)^−HAZARD_SIZE, mean = distress_rate
DORMANT_MONTHS = (1, 4)  # a supplier of a failed buyer finds a new one after 1–3 months
BUY_DECAY = 0.95  # a distressed buyer's purchases fall by this factor a month
COLLECT_STEP, COLLECT_EXTRA = 2, 4  # distressed seller: +1 month, +1 more every STEP, ≤ EXTRA
REWIRE_TRIES = 4  # draws for a new buyer before the slot waits a month
BAD_DEBT = 0.25  # share of a distressed seller's invoices never collected
OnMonth = Callable[[int, np.ndarray, np.ndarray, np.ndarray], None]


def season_matrix(econ: Economy) -> np.ndarray:
    """(firms × 12) seasonal multiplier by calendar month (index 0 = January)."""
    table = {k: np.array(v) / np.mean(v) for k, v in SEASON.items()}
    group = np.full(econ.n, "general", dtype=object)
    group[econ.division == "D"] = "construction"
    group[(econ.tier == 4) | np.isin(econ.division, ["M", "N"])] = "consumer"
    group[np.isin(econ.division, ["A", "B"])] = "harvest"
    out = np.empty((econ.n, 12))
    for k, v in table.items():
        out[group == k] = v
    return out


@dataclass(slots=True)
class SimResult:
    """Outcome of the simulation.

    Client-incident trade (``c_*`` arrays, one row per seller/buyer/month with
    the month of payment, ``-1`` when never paid), consumer (non-network)
    sales per client and month, yearly sales of every firm by fiscal year,
    and the distress record. Amounts in yen, months 0-based.
    """

    c_seller: np.ndarray
    c_buyer: np.ndarray
    c_month: np.ndarray
    c_amount: np.ndarray
    c_pay: np.ndarray
    consumer: np.ndarray  # (firms, months) yen, only filled for clients
    fy_sales: np.ndarray  # (firms, fiscal years) yen, network + consumer
    fiscal_years: list[int]
    growth: np.ndarray
    onset: np.ndarray  # month distress began, -1 none
    failure: np.ndarray  # month of failure, -1 none (or after the window)
    cause: np.ndarray  # 0 none, 1 own, 2 partner
    caused_by: np.ndarray  # firm index of the failed partner, -1


def _partners(econ: Economy) -> np.ndarray:
    """Distinct month-0 partners (either direction) of each firm."""
    n = econ.n
    a = np.minimum(econ.slot_seller, econ.slot_buyer).astype(np.int64)
    b = np.maximum(econ.slot_seller, econ.slot_buyer).astype(np.int64)
    u = np.unique(a * n + b)
    return np.bincount(u // n, minlength=n) + np.bincount(u % n, minlength=n)


def _growth(econ: Economy, rng: np.random.Generator) -> np.ndarray:
    n = econ.n
    s, b = econ.slot_seller, econ.slot_buyer
    one = np.ones(s.size)
    a_sup = sp.csr_matrix((one, (b, s)), shape=(n, n))  # row i: i's suppliers
    a_cus = sp.csr_matrix((one, (s, b)), shape=(n, n))  # row i: i's customers
    a_sup.data[:] = 1.0
    a_cus.data[:] = 1.0

    def norm(a: sp.csr_matrix) -> sp.csr_matrix:
        d = np.asarray(a.sum(axis=1)).ravel()
        return sp.diags(np.where(d > 0, 1.0 / np.maximum(d, 1), 0.0)) @ a

    a = BETA_SUPPLIER * norm(a_sup) + BETA_CUSTOMER * norm(a_cus)
    eps = rng.normal(GROWTH_MEAN, GROWTH_SD, n)
    g = eps.copy()
    for _ in range(40):
        g = eps + a @ g
    return np.asarray(g)


def simulate(cfg: GenerateConfig, econ: Economy, rng: np.random.Generator,
             on_month: OnMonth | None = None) -> SimResult:
    """Run ``cfg.months`` months; ``on_month(t, seller, buyer, amount)`` gets all trade."""
    n, m = econ.n, cfg.months
    season = season_matrix(econ)
    growth = _growth(econ, rng)
    pools = buyer_pools(econ)
    hazard = 1.0 - 0.5 ** (1.0 / cfg.half_life_months)
    h0 = 1.0 - (1.0 - cfg.distress_rate) ** (1.0 / 12.0)
    frailty = (1.0 + _partners(econ)) ** -HAZARD_SIZE
    frailty /= frailty.mean()
    h_own = h0 * frailty
    seller = econ.slot_seller.astype(np.int64)
    buyer = econ.slot_buyer.astype(np.int64).copy()
    base, lag = econ.slot_base, econ.slot_lag.astype(np.int64)
    alive = np.ones(seller.size, dtype=bool)
    dormant_until = np.full(seller.size, -1, dtype=np.int64)  # rewire at this month
    island = econ.island
    isl_order = np.argsort(island, kind="stable")
    isl_sorted = island[isl_order]
    seller_total = np.bincount(seller, weights=base, minlength=n)

    onset = np.full(n, -1, dtype=np.int64)
    failure = np.full(n, -1, dtype=np.int64)
    planned_fail = np.full(n, -1, dtype=np.int64)
    cause = np.zeros(n, dtype=np.int8)
    caused_by = np.full(n, -1, dtype=np.int64)
    pending = np.full(n, -1, dtype=np.int64)  # partner-caused onset scheduled for this month
    pending_by = np.full(n, -1, dtype=np.int64)

    fiscal = [cfg.year_month(t)[0] - (1 if cfg.year_month(t)[1] < 4 else 0) for t in range(m)]
    fiscal_years = sorted(set(fiscal))
    fy_sales = np.zeros((n, len(fiscal_years)))
    clients = econ.is_client
    consumer = np.zeros((n, m))
    out: list[tuple[np.ndarray, ...]] = []

    def rewire(rows: np.ndarray, t: int) -> None:
        if rows.size == 0:
            return
        sel = seller[rows]
        nb = np.empty(rows.size, dtype=np.int64)
        todo = np.arange(rows.size)
        for _ in range(REWIRE_TRIES):  # a pick of itself or of a failed firm is drawn again
            s_ = sel[todo]
            main = island[s_] < 0
            if main.any():
                nb[todo[main]] = sample_buyers(rng, s_[main], econ.tier, econ.pref, pools)
            if (~main).any():
                ii = island[s_[~main]]
                lo = np.searchsorted(isl_sorted, ii, side="left")
                hi = np.searchsorted(isl_sorted, ii, side="right")
                nb[todo[~main]] = isl_order[lo + (rng.random(ii.size) * (hi - lo)).astype(np.int64)]
            todo = todo[(nb[todo] == sel[todo]) | (failure[nb[todo]] >= 0)]
            if todo.size == 0:
                break
        bad = (nb == sel) | (failure[nb] >= 0)
        buyer[rows] = nb
        dormant_until[rows] = np.where(bad, t + 1, -1)

    for t in range(m):
        cal = cfg.calendar_month(t) - 1
        # --- churn and rewiring
        if t > 0:
            active = alive & (dormant_until < 0)
            die = active & (rng.random(seller.size) < hazard)
            wake = alive & (dormant_until == t)
            rewire(np.flatnonzero(die | wake), t)
        # --- distress onsets
        healthy = onset < 0
        own = healthy & (rng.random(n) < h_own)
        partner = healthy & ~own & (pending == t)
        new = own | partner
        onset[new] = t
        cause[own] = 1
        cause[partner] = 2
        caused_by[partner] = pending_by[partner]
        planned_fail[new] = t + rng.integers(3, 10, size=int(new.sum()))
        # --- failures this month
        failing = np.flatnonzero(planned_fail == t)
        if failing.size:
            failure[failing] = t
            fmask = np.zeros(n, dtype=bool)
            fmask[failing] = True
            alive[fmask[seller]] = False
            hit = alive & fmask[buyer]
            dormant_until[hit] = t + rng.integers(*DORMANT_MONTHS, size=int(hit.sum()))
            _contagion(rng, t, fmask, seller, buyer, base, seller_total, econ.network_share,
                       frailty, onset, pending, pending_by, n)
        # --- amounts
        dist_s = np.where(onset >= 0, np.maximum(t - onset, 0), 0)
        sell_f = np.where(onset >= 0, 0.93 ** dist_s, 1.0)
        buy_f = np.where(onset >= 0, BUY_DECAY ** dist_s, 1.0)
        level = np.exp(growth * (t - 11.5) / 12.0)
        act = np.flatnonzero(alive & (dormant_until < 0))
        s_, b_ = seller[act], buyer[act]
        amt = (base[act] * season[s_, cal] * level[s_] * sell_f[s_] * buy_f[b_]
               * np.exp(rng.normal(0.0, 0.05, act.size)))
        key = s_ * n + b_
        ukey, inv = np.unique(key, return_inverse=True)
        amount = np.rint(np.bincount(inv, weights=amt)).astype(np.int64)
        us, ub = ukey // n, ukey % n
        plag = np.zeros(ukey.size, dtype=np.int64)
        np.maximum.at(plag, inv, lag[act])
        extra_b = np.where(onset[ub] >= 0, 1 + np.minimum(dist_s[ub] // 2, 2), 0)
        extra_s = np.where(onset[us] >= 0,
                           1 + np.minimum(dist_s[us] // COLLECT_STEP, COLLECT_EXTRA - 1), 0)
        pay = t + plag + extra_b + extra_s
        # a distressed seller also fails to collect part of its invoices (bad debts)
        bad_debt = (onset[us] >= 0) & (rng.random(us.size) < BAD_DEBT)
        pay = np.where(bad_debt, -1, pay)
        fb = planned_fail[ub]
        pay = np.where((fb >= 0) & (pay >= fb), -1, pay)  # buyer fails before paying
        keep = amount > 0
        us, ub, amount, pay = us[keep], ub[keep], amount[keep], pay[keep]
        cons = (econ.sales * (1.0 - econ.network_share) / 12.0 * season[:, cal] * level * sell_f
                * np.where(failure >= 0, 0.0, 1.0))
        cons = np.rint(cons)
        fy = fiscal_years.index(fiscal[t])
        fy_sales[:, fy] += np.bincount(us, weights=amount, minlength=n) + cons
        consumer[clients, t] = cons[clients]
        if on_month is not None:
            on_month(t, us, ub, amount)
        ci = clients[us] | clients[ub]
        out.append((us[ci].astype(np.int32), ub[ci].astype(np.int32),
                    np.full(int(ci.sum()), t, dtype=np.int16), amount[ci], pay[ci].astype(np.int16)))

    cols = [[o[k] for o in out] for k in range(5)]
    del out
    cat: list[np.ndarray] = []
    for k in range(5):  # field by field, freeing the monthly pieces (peak memory)
        cat.append(np.concatenate(cols[k]))
        cols[k] = []
    return SimResult(
        c_seller=cat[0], c_buyer=cat[1], c_month=cat[2], c_amount=cat[3], c_pay=cat[4],
        consumer=consumer, fy_sales=fy_sales, fiscal_years=fiscal_years, growth=growth,
        onset=onset, failure=failure, cause=cause, caused_by=caused_by,
    )


def _contagion(rng: np.random.Generator, t: int, fmask: np.ndarray, seller: np.ndarray,
               buyer: np.ndarray, base: np.ndarray, seller_total: np.ndarray,
               network_share: np.ndarray, frailty: np.ndarray, onset: np.ndarray,
               pending: np.ndarray,
               pending_by: np.ndarray, n: int) -> None:
    """Schedule partner-caused distress for suppliers and customers of failing firms."""
    # suppliers of failing buyers: share of their sales lost (and unpaid)
    rows = np.flatnonzero(fmask[buyer] & ~fmask[seller])
    exp_s = np.bincount(seller[rows], weights=base[rows], minlength=n)
    exp_s = exp_s / np.maximum(seller_total, 1.0) * network_share
    by = np.full(n, -1, dtype=np.int64)
    by[seller[rows]] = buyer[rows]
    # customers of failing sellers: share of their purchases lost
    rows_c = np.flatnonzero(fmask[seller] & ~fmask[buyer])
    bought = np.bincount(buyer, weights=base, minlength=n)
    exp_c = np.bincount(buyer[rows_c], weights=base[rows_c], minlength=n) / np.maximum(bought, 1.0)
    by_c = np.full(n, -1, dtype=np.int64)
    by_c[buyer[rows_c]] = seller[rows_c]
    p = 1.0 - np.exp(-(KAPPA_SUPPLIER * exp_s + KAPPA_CUSTOMER * exp_c) * frailty)
    hit = (rng.random(n) < p) & (onset < 0) & (pending < 0)
    pending[hit] = t + rng.integers(1, 4, size=int(hit.sum()))
    pending_by[hit] = np.where(by[hit] >= 0, by[hit], by_c[hit])
