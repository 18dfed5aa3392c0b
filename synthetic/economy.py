"""The firms of a synthetic regional economy and its trade network at month 0.

Why this shape: published work on Japanese firm networks (TSR/TDB data) finds
heavy-tailed degrees — customer counts with a CCDF tail exponent ≈ 1,
supplier counts ≈ 1.5 — a median of about six partners, sales growing with
degree (∝ degree^1.3), disassortative mixing and ~80% of firms in one
component. The network here is a directed configuration-like model: each
seller gets a Pareto(α=1) number of customer *slots*; each slot picks a buyer
with probability ∝ a Pareto(α=1.5) attractiveness, inside a pool chosen by
supply-chain tier (raw → parts → assembly → wholesale → retail; services sell
to anyone) and, mostly, the seller's own prefecture. About a sixth of firms
trade only within small islands (local groups), which sets the giant
component near 80%. Sales are in yen per year.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ingest.corporate_number import check_digit
from synthetic.config import GenerateConfig
from synthetic.names import SOLE, FirmName, make_names

__all__ = [
    "Economy", "build_economy", "DIVISIONS", "PREFECTURES", "BANKS", "Bank", "sample_buyers",
    "TIER_NAMES",
]

# JSIC division letter: (share of firms, tier, name-suffix group); tier 5 = services.
DIVISIONS: dict[str, tuple[float, int]] = {
    "A": (0.025, 0), "B": (0.012, 0), "C": (0.003, 0), "D": (0.12, 2), "E": (0.10, 1),
    "F": (0.003, 5), "G": (0.015, 5), "H": (0.035, 5), "I": (0.25, 3), "J": (0.01, 5),
    "K": (0.05, 5), "L": (0.05, 5), "M": (0.09, 4), "N": (0.07, 4), "O": (0.02, 4),
    "P": (0.07, 4), "Q": (0.004, 5), "R": (0.07, 5), "S": (0.001, 5), "T": (0.002, 5),
}
TIER_NAMES = ("raw", "parts", "assembly", "wholesale", "retail", "services")

# code, name, share of firms, cities (name, 3-digit code, postcode prefix)
PREFECTURES: list[tuple[int, str, float, list[tuple[str, str, str]]]] = [
    (31, "鳥取県", 0.36, [("鳥取市", "201", "680"), ("米子市", "202", "683"), ("倉吉市", "203", "682"),
                        ("境港市", "204", "684")]),
    (32, "島根県", 0.40, [("松江市", "201", "690"), ("浜田市", "202", "697"), ("出雲市", "203", "693"),
                        ("益田市", "204", "698"), ("大田市", "205", "694"), ("安来市", "206", "692")]),
    (33, "岡山県", 0.12, [("津山市", "203", "708"), ("真庭市", "214", "719")]),
    (34, "広島県", 0.09, [("三次市", "209", "728"), ("庄原市", "210", "727")]),
    (35, "山口県", 0.03, [("萩市", "204", "758")]),
]
_REGISTRY_OFFICE = {31: "2700", 32: "2800", 33: "2600", 34: "2400", 35: "2500"}
_FORM_KIND_DIGITS = {"kk": "01", "yk": "02", "gm": "03", "gs": "03", "gk": "03",
                     "iryo": "05", "fuku": "05", "shadan": "05"}
STREETS = ["東町", "西町", "本町", "末広町", "朝日町", "錦町", "栄町", "大正町", "新町", "旭町"]


@dataclass(frozen=True, slots=True)
class Bank:
    """A regional bank: consent id, 4-digit code, bank-kana name."""

    key: str
    code: str
    kana: str
    branches: tuple[tuple[str, str], ...]


# Codes are illustrative (real-looking, not a directory of real branches).
BANKS: list[Bank] = [
    Bank("bank:sanin", "0167", "ｻﾝｲﾝｺﾞｳﾄﾞｳ", (("001", "ﾎﾝﾃﾝ"), ("101", "ﾖﾅｺﾞ"), ("201", "ｲｽﾞﾓ"))),
    Bank("bank:tottori", "0166", "ﾄﾂﾄﾘ", (("001", "ﾎﾝﾃﾝ"), ("110", "ｸﾗﾖｼ"))),
    Bank("bank:shimane", "0565", "ｼﾏﾈ", (("001", "ﾎﾝﾃﾝ"), ("120", "ﾊﾏﾀﾞ"))),
    Bank("bank:tottori-chuo", "1701", "ﾄﾂﾄﾘﾁﾕｳｵｳ", (("001", "ﾎﾝﾃﾝ"), ("020", "ﾕﾘﾊﾏ"))),
    Bank("bank:yonago-shinkin", "1702", "ﾖﾅｺﾞｼﾝｷﾝ", (("001", "ﾎﾝﾃﾝ"), ("030", "ｻｶｲﾐﾅﾄ"))),
    Bank("bank:chugoku", "0168", "ﾁﾕｳｺﾞｸ", (("001", "ﾎﾝﾃﾝ"), ("401", "ﾂﾔﾏ"))),
]
_BANK_SHARE = np.array([0.38, 0.2, 0.14, 0.08, 0.1, 0.1])


@dataclass(slots=True)
class Economy:
    """All firms (index i = firm ``F{i+1:06d}``) and the month-0 network.

    Arrays have one entry per firm; ``slot_*`` arrays one per customer slot
    (a seller's standing relationship with one buyer at a time).
    """

    n: int
    ids: list[str]
    names: list[FirmName]
    division: np.ndarray  # <U1 JSIC letter
    tier: np.ndarray  # int8
    pref: np.ndarray  # int8 index into PREFECTURES
    city: np.ndarray  # int8 index into that prefecture's cities
    form: list[str]
    corp_no: list[str]  # "" for sole proprietors
    island: np.ndarray  # int32, -1 for the main economy
    w_in: np.ndarray  # buyer attractiveness
    bank: np.ndarray  # int8 index into BANKS
    branch: np.ndarray  # int8
    account: np.ndarray  # int32 7-digit account number
    sales: np.ndarray  # float64 annual sales, yen (level at month 0)
    network_share: np.ndarray  # share of sales to firms in the network
    employees: np.ndarray  # int32
    is_client: np.ndarray  # bool
    slot_seller: np.ndarray  # int32
    slot_buyer: np.ndarray  # int32
    slot_base: np.ndarray  # float64 monthly amount, yen, at level 1
    slot_lag: np.ndarray  # int8 payment lag, months

    @property
    def clients(self) -> np.ndarray:
        return np.flatnonzero(self.is_client)


def _pools(tier: np.ndarray, pref: np.ndarray, w: np.ndarray, mask: np.ndarray
           ) -> dict[tuple[int, int], tuple[np.ndarray, np.ndarray]]:
    """(tier or -1 any, pref or -1 any) → (firm indexes, cumulative weights)."""
    pools: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = {}
    for t in [*range(6), -1]:
        for p in [*range(len(PREFECTURES)), -1]:
            sel = mask.copy()
            if t >= 0:
                sel &= tier == t
            if p >= 0:
                sel &= pref == p
            idx = np.flatnonzero(sel)
            if idx.size:
                pools[(t, p)] = (idx, np.cumsum(w[idx]))
    return pools


def sample_buyers(rng: np.random.Generator, sellers: np.ndarray, econ_tier: np.ndarray,
                  econ_pref: np.ndarray, pools: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]]
                  ) -> np.ndarray:
    """A buyer for each seller: tier-downstream, same prefecture mostly, ∝ attractiveness."""
    n = sellers.size
    st = econ_tier[sellers]
    u = rng.random(n)
    target_tier = np.full(n, -1, dtype=np.int64)
    down = (st <= 3) & (u < 0.62)
    target_tier[down] = st[down] + 1
    same = (st <= 3) & (u >= 0.62) & (u < 0.72)
    target_tier[same] = st[same]
    target_pref = np.where(rng.random(n) < 0.62, econ_pref[sellers], -1)
    out = np.empty(n, dtype=np.int64)
    key = (target_tier + 1) * 16 + (target_pref + 1)
    for k in np.unique(key):
        rows = np.flatnonzero(key == k)
        t, p = int(k // 16) - 1, int(k % 16) - 1
        pool = pools.get((t, p)) or pools.get((t, -1)) or pools[(-1, -1)]
        idx, cum = pool
        r = rng.random(rows.size) * cum[-1]
        out[rows] = idx[np.minimum(np.searchsorted(cum, r, side="right"), idx.size - 1)]
    return out


def _corporate_numbers(rng: np.random.Generator, pref: np.ndarray, form: list[str]) -> list[str]:
    serial: dict[tuple[str, str], int] = {}
    out: list[str] = []
    starts = rng.integers(1000, 9000, size=len(form))
    for i, f in enumerate(form):
        if f == SOLE:
            out.append("")
            continue
        office = _REGISTRY_OFFICE[PREFECTURES[int(pref[i])][0]]
        kd = _FORM_KIND_DIGITS[f]
        s = serial.get((office, kd), int(starts[i]))
        serial[(office, kd)] = s + 1 + int(starts[i] % 7)
        base = f"{office}{kd}{s:06d}"
        out.append(f"{check_digit(base)}{base}")
    return out


def build_economy(cfg: GenerateConfig, rng: np.random.Generator) -> Economy:
    """Draw firms, names and the month-0 network."""
    n = cfg.firms
    letters = np.array(list(DIVISIONS))
    shares = np.array([v[0] for v in DIVISIONS.values()])
    division = rng.choice(letters, size=n, p=shares / shares.sum())
    tier = np.array([DIVISIONS[d][1] for d in division], dtype=np.int8)
    retail_i = (division == "I") & (rng.random(n) < 0.45)
    tier[retail_i] = 4
    manuf = division == "E"
    tier[manuf & (rng.random(n) < 0.45)] = 2
    pshare = np.array([p[2] for p in PREFECTURES])
    pref = rng.choice(len(PREFECTURES), size=n, p=pshare / pshare.sum()).astype(np.int8)
    city = np.array([rng.integers(len(PREFECTURES[p][3])) for p in pref], dtype=np.int8)

    # legal forms: sole proprietors are common among small retail, food, services
    u = rng.random(n)
    consumer = np.isin(division, ["M", "N", "A", "B"]) | retail_i
    form: list[str] = []
    for i in range(n):
        d = str(division[i])
        if d == "P":
            form.append("iryo" if u[i] < 0.45 else "fuku" if u[i] < 0.6 else "kk")
        elif d in ("S", "Q") or (d == "O" and u[i] < 0.3):
            form.append("shadan")
        elif u[i] < (0.28 if consumer[i] else 0.08):
            form.append(SOLE)
        elif u[i] < 0.55 + (0.08 if consumer[i] else 0):
            form.append("kk")
        elif u[i] < 0.86:
            form.append("yk")
        elif u[i] < 0.95:
            form.append("gk")
        else:
            form.append("gm" if u[i] < 0.97 else "gs")
    groups = [("Ir" if tier[i] == 4 else "Iw") if division[i] == "I"
              else "Pk" if division[i] == "P" and form[i] not in ("iryo", "fuku")
              else str(division[i]) for i in range(n)]
    names = make_names(rng, groups, form)
    corp_no = _corporate_numbers(rng, pref, form)

    # islands: small local groups outside the main economy (≈ 17% of firms)
    island = np.full(n, -1, dtype=np.int32)
    cand = rng.permutation(n)[: int(0.17 * n)]
    pos, k = 0, 0
    while pos < cand.size - 1:
        size = int(rng.integers(2, 6))
        island[cand[pos: pos + size]] = k
        pos += size
        k += 1
    main = island < 0

    # customer slots: Pareto(α=1) counts; consumer-facing firms often sell to nobody in the network
    cap = max(30, int(n ** 0.66))
    d_out = np.minimum(np.floor(1.5 / (1.0 - rng.random(n))), cap).astype(np.int64)
    zero = (tier == 4) & (rng.random(n) < 0.45)
    d_out[zero] = 0
    d_out[~main] = np.minimum(d_out[~main], 2)
    w_in = np.minimum((1.0 - rng.random(n)) ** (-1.0 / 1.3), n ** 0.75)
    w_in[~main] = 0.0
    pools = _pools(tier, pref, w_in, main)
    seller = np.repeat(np.arange(n), d_out)
    buyer = np.empty(seller.size, dtype=np.int64)
    in_main = main[seller]
    buyer[in_main] = sample_buyers(rng, seller[in_main], tier, pref, pools)
    # island slots: a random other member of the same island
    isl_rows = np.flatnonzero(~in_main)
    if isl_rows.size:
        order = np.argsort(island, kind="stable")
        isl_sorted = island[order]
        first = np.searchsorted(isl_sorted, island[seller[isl_rows]], side="left")
        last = np.searchsorted(isl_sorted, island[seller[isl_rows]], side="right")
        pick = first + (rng.random(isl_rows.size) * (last - first)).astype(np.int64)
        buyer[isl_rows] = order[pick]
    keep = seller != buyer
    pair = seller[keep] * n + buyer[keep]
    _, first_idx = np.unique(pair, return_index=True)
    first_idx.sort()
    seller = seller[keep][first_idx]
    buyer = buyer[keep][first_idx]

    # realised partners → sales ∝ degree^1.3
    deg = _undirected_degree(n, seller, buyer)
    sales = 12e6 * np.maximum(deg, 1) ** 1.3 * np.exp(rng.normal(0.0, 0.45, n))
    has_customers = np.bincount(seller, minlength=n) > 0
    share = np.where(tier == 4, 0.3, np.where(tier == 5, 0.85, 1.0))
    share = np.where(has_customers, share, 0.0)
    w = np.exp(rng.normal(0.0, 0.6, seller.size))
    wsum = np.bincount(seller, weights=w, minlength=n)
    base = sales[seller] * share[seller] / 12.0 * w / wsum[seller]
    lag = np.where(rng.random(seller.size) < 0.7, 1, 2).astype(np.int8)
    lag[(tier[seller] == 2) & (division[seller] == "D") & (rng.random(seller.size) < 0.6)] = 2
    employees = np.maximum(1, np.rint(sales / (18e6 * np.exp(rng.normal(0, 0.35, n))))).astype(np.int32)

    bank = rng.choice(len(BANKS), size=n, p=_BANK_SHARE).astype(np.int8)
    branch = np.array([rng.integers(len(BANKS[b].branches)) for b in bank], dtype=np.int8)
    account = rng.integers(1_000_000, 9_999_999, size=n).astype(np.int32)
    is_client = _choose_clients(rng, cfg.clients, n, seller, buyer, deg)
    return Economy(
        n=n, ids=[f"F{i + 1:06d}" for i in range(n)], names=names, division=division, tier=tier,
        pref=pref, city=city, form=form, corp_no=corp_no, island=island, w_in=w_in, bank=bank,
        branch=branch, account=account, sales=sales, network_share=share, employees=employees,
        is_client=is_client, slot_seller=seller.astype(np.int32), slot_buyer=buyer.astype(np.int32),
        slot_base=base, slot_lag=lag,
    )


def buyer_pools(econ: Economy) -> dict[tuple[int, int], tuple[np.ndarray, np.ndarray]]:
    """Sampling pools of the main economy (for rewiring during churn)."""
    return _pools(econ.tier, econ.pref, econ.w_in, econ.island < 0)


def _undirected_degree(n: int, seller: np.ndarray, buyer: np.ndarray) -> np.ndarray:
    a = np.minimum(seller, buyer).astype(np.int64)
    b = np.maximum(seller, buyer).astype(np.int64)
    u = np.unique(a * n + b)
    return np.bincount(u // n, minlength=n) + np.bincount(u % n, minlength=n)


def _choose_clients(rng: np.random.Generator, k: int, n: int, seller: np.ndarray,
                    buyer: np.ndarray, deg: np.ndarray) -> np.ndarray:
    """BPO clients: SMEs (big hubs rarely outsource), half by referral from clients' partners."""
    w = 1.0 / (1.0 + deg / 25.0)
    chosen = np.zeros(n, dtype=bool)
    first = rng.choice(n, size=max(1, k // 2), replace=False, p=w / w.sum())
    chosen[first] = True
    while chosen.sum() < k:
        cl = chosen[seller] | chosen[buyer]
        partners = np.unique(np.concatenate([seller[cl], buyer[cl]]))
        partners = partners[~chosen[partners]]
        need = k - int(chosen.sum())
        if partners.size == 0:
            rest = np.flatnonzero(~chosen)
            chosen[rng.choice(rest, size=need, replace=False)] = True
            break
        take = rng.choice(partners, size=min(need, max(1, partners.size // 3)), replace=False)
        chosen[take] = True
    return chosen
