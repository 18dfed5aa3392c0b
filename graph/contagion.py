"""What-if contagion: what happens to a firm if one trading partner fails.

Two answers, never one score:

1. **Direct exposure** of the focal firm to the failing partner ``X``:
   receivables owed by ``X`` (yen), the share of the firm's sales that go to
   ``X`` and the share of its purchases that come from ``X`` (0–1).
2. **Propagation** of ``X``'s default over at most two steps with the
   DebtRank rule (Battiston et al. 2012): every firm's distress ``h`` is the
   fraction of its equity proxy lost (0–1, capped at 1), and every firm
   passes its distress on once, in the step after it became distressed.
   The impact of a fully defaulted firm ``j`` on a partner ``i`` is linear
   (as in the linear DebtRank of Bardoscia et al. 2015)::

       W[j → i] = min(1, loss_ij / E_i)
       loss_ij  = (1 − recovery) × R_ij                              credit channel
                + s_ij × S_i × supply_months / 12 × contribution_margin   supply channel
       E_i      = equity_ratio × S_i

   with ``R_ij`` the receivables ``i`` holds on ``j`` (yen), ``s_ij`` the
   share of ``i``'s purchases bought from ``j`` (0–1) and ``S_i`` ``i``'s
   annual sales (yen). A partly distressed ``j`` (``0 < h_j < 1``) passes on
   ``W[j → i] × h_j``.

The propagation runs once per scenario of a small grid of stated
assumptions (recovery rate × equity/sales ratio); the focal firm's result
is the minimum–maximum over the grid with a band label
(:data:`BANDS`: "low" below 5 % of the equity proxy, "moderate" 5–20 %,
"high" above 20 %; the thresholds are conventions, not calibrated
probabilities). This is supplementary material for a credit officer, not a
credit score.

Receivables ``R_ij`` come from ``i``'s own ledger when it holds receipts
from ``j`` (sales to ``j`` minus receipts from ``j``, cumulated from the
first month with data, as in :mod:`graph.ledger_figures`); otherwise they
are estimated as the average daily sales to ``j`` over the last
``recent_months`` months times an assumed number of receivable days. Each
exposure reports which method was used.

References
----------
.. [1] S. Battiston, M. Puliga, R. Kaushik, P. Tasca, G. Caldarelli,
   "DebtRank: Too Central to Fail? Financial Networks, the FED and Systemic
   Risk", Scientific Reports 2, 541 (2012).
.. [2] M. Bardoscia, S. Battiston, F. Caccioli, G. Caldarelli, "DebtRank:
   A microscopic foundation for shock propagation", PLoS ONE 10(6),
   e0130406 (2015).
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import networkx as nx

from domain.errors import InputError
from graph.ledger_figures import PaymentObs, TradeObs

__all__ = [
    "BANDS",
    "band",
    "DebtRankRun",
    "debtrank",
    "DirectExposure",
    "ImpactRange",
    "NotWithinTwoHops",
    "PartnerImpact",
    "Contribution",
    "ScenarioResult",
    "WhatIfResult",
    "WHATIF_NOTES",
    "WINDOW_MONTHS",
    "what_if",
]

WINDOW_MONTHS: Final = 12
"""Months (ending at the what-if's date) whose trade gives the shares and sizes."""

BANDS: tuple[float, float] = (0.05, 0.20)
"""Band thresholds on the share of the equity proxy lost: below the first is
"low", up to and including the second "moderate", above it "high".
Conventions for reading the result, not calibrated probabilities."""

DAYS_PER_MONTH = 365 / 12


def band(distress: float) -> str:
    """Band label ("low", "moderate" or "high") for a share of equity lost (0–1)."""
    if distress < BANDS[0]:
        return "low"
    if distress <= BANDS[1]:
        return "moderate"
    return "high"


def _band_range(lo: float, hi: float) -> str:
    a, b = band(lo), band(hi)
    return a if a == b else f"{a} to {b}"


# --------------------------------------------------------------------------- DebtRank


@dataclass(frozen=True)
class DebtRankRun:
    """One DebtRank propagation.

    ``distress`` maps every node reached (and the shocked ones) to its final
    distress (0–1); ``step_distressed`` gives the step at which a node first
    became distressed (0 for the shocked ones); ``transfers`` lists every
    transmission ``(source, target, step, amount)`` before capping.
    """

    distress: dict[str, float]
    step_distressed: dict[str, int]
    transfers: list[tuple[str, str, int, float]]


def debtrank(
    impact: Mapping[str, Mapping[str, float]],
    shocked: Mapping[str, float],
    steps: int = 2,
) -> DebtRankRun:
    """Propagate distress with the DebtRank rule for a fixed number of steps.

    Parameters
    ----------
    impact : ``impact[j][i]`` is the fraction of ``i``'s equity lost when
        ``j`` fully defaults (0–1; larger values are capped at 1).
    shocked : initial distress of the shocked nodes (0–1), e.g. ``{"X": 1.0}``.
    steps : number of propagation steps (1 or more).

    Returns
    -------
    DebtRankRun

    Notes
    -----
    States follow Battiston et al. (2012): a node is *undistressed*,
    *distressed* or *inactive*. At step ``t`` every node that was distressed
    at ``t − 1`` passes ``impact[j][i] × h_j(t − 1)`` to each ``i``, then
    becomes inactive: each node propagates once, so a cycle cannot feed a
    node's own distress back into the network twice. Distress is capped at 1.
    Nodes that become distressed at the last step do not propagate.
    """
    if steps < 1:
        raise ValueError("steps must be at least 1")
    h: dict[str, float] = {}
    for n, v in shocked.items():
        if not 0.0 <= v <= 1.0:
            raise ValueError(f"initial distress of {n!r} must be within 0..1, got {v}")
        h[n] = float(v)
    first_step = {n: 0 for n, v in h.items() if v > 0}
    distressed = set(first_step)
    inactive: set[str] = set()
    transfers: list[tuple[str, str, int, float]] = []
    for t in range(1, steps + 1):
        if not distressed:
            break
        before = dict(h)
        add: dict[str, float] = defaultdict(float)
        for j in sorted(distressed):
            hj = before[j]
            for i, w in sorted(impact.get(j, {}).items()):
                if i == j or w <= 0:
                    continue
                amount = min(1.0, float(w)) * hj
                add[i] += amount
                transfers.append((j, i, t, amount))
        for i, a in add.items():
            h[i] = min(1.0, before.get(i, 0.0) + a)
        inactive |= distressed
        distressed = {i for i, v in h.items() if v > 0 and i not in inactive}
        for i in distressed:
            first_step.setdefault(i, t)
    return DebtRankRun(h, first_step, transfers)


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class DirectExposure:
    """The focal firm's direct exposure to the failing partner.

    ``receivable`` in yen with ``receivable_method``: ``ledger`` (sales minus
    receipts from the firm's own ledger, cumulated up to ``as_of``),
    ``receivable_days`` (average daily sales over the last
    ``recent_months`` × ``receivable_days_assumed``) or ``none`` (no sales
    to the partner). ``sales_to`` / ``purchases_from`` are yen over the
    window; ``sales_share`` / ``supply_share`` are their shares (0–1) of the
    firm's sales / purchases in the window, ``None`` when it has none.
    """

    receivable: int
    receivable_method: str
    receivable_days_assumed: float | None
    sales_to: int
    purchases_from: int
    sales_share: float | None
    supply_share: float | None


class OutsideWindow(InputError):
    """Nothing to compute: the firm or the failing partner has no trade in
    the window (``window``: first and last month, ``YYYY-MM``), or they are
    not within two hops in its trade — a partner of earlier months only."""

    def __init__(self, message: str, window: tuple[str, str]) -> None:
        super().__init__(message)
        self.window = window


class NotWithinTwoHops(InputError):
    """Nothing to compute: the failing firm never traded with the firm,
    directly or through one other firm, in any month of the data."""


@dataclass(frozen=True)
class ImpactRange:
    """The focal firm's loss over the scenario grid: ``distress`` is the share
    of the equity proxy lost (0–1), ``loss_yen`` the loss in yen (capped at
    the equity proxy), ``loss_to_sales`` the loss over annual sales (0–1)."""

    distress_min: float
    distress_max: float
    loss_yen_min: int
    loss_yen_max: int
    loss_to_sales_min: float
    loss_to_sales_max: float
    band: str


@dataclass(frozen=True)
class PartnerImpact:
    """A direct partner of the focal firm: its distress range (0–1) over
    the grid. ``relation`` is seen from the focal firm (customer, supplier,
    both); ``hops_from_failing`` is its distance to the failing firm."""

    id: str
    relation: str
    hops_from_failing: int | None
    distress_min: float
    distress_max: float
    band: str


@dataclass(frozen=True)
class Contribution:
    """Distress passed to the focal firm by ``source`` at ``step`` (1: from
    the failing firm itself, 2: via a partner), before capping, min–max
    over the grid (share of the focal firm's equity proxy)."""

    source: str
    step: int
    min: float
    max: float


@dataclass(frozen=True)
class ScenarioResult:
    """One scenario of the grid: its assumptions and the focal firm's result."""

    recovery_rate: float
    equity_ratio: float
    distress: float
    loss_yen: int


WHATIF_NOTES: Final[dict[str, str]] = {
    "unsized": "%(n)s firm(s) near the failing firm have no size and are left out of the propagation",
    "observed_sizes": "%(n)s firm(s) near the failing firm are sized by observed trade only (a lower bound), "
                      "which overstates their relative loss",
    "receivable_estimated": "the focal firm's receivable on %(firm)s is estimated from the last %(months)s "
                            "month(s) of sales × %(days)s days: its ledger holds no receipts from it",
    "receivable_days": "%(n)s of %(total)s receivables in the propagation are receivable-days estimates",
    "annualised_sales": "the focal firm's annual trade is its sales or its purchases with named partners in the "
                        "window, whichever is larger, annualised (its ledger's other sales are not counted)",
}
"""What a what-if answer may rest on, as English templates (``%`` with the note's
values); the web UI translates the same templates (``api.web.dossier``)."""


@dataclass
class WhatIfResult:
    """The answer to "if ``failing_id`` fails, what happens to ``firm_id``"."""

    firm_id: str
    failing_id: str
    as_of: str
    window: tuple[str, str]
    hops: int  # distance firm ↔ failing firm in the window's trade graph (1 or 2)
    annual_sales: int
    annual_sales_source: str  # given | observed
    direct: DirectExposure
    focal: ImpactRange
    scenarios: list[ScenarioResult]
    partners: list[PartnerImpact]
    contributions: list[Contribution]
    assumptions: dict[str, Any]
    # (key of WHATIF_NOTES, its values): what the answer rests on, in the reader's language
    note_items: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    @property
    def notes(self) -> list[str]:
        """The notes in English (the API's and the CLI's text)."""
        return [WHATIF_NOTES[key] % values for key, values in self.note_items]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (plain Python numbers, floats rounded to 6 places)."""

        def r(x: float) -> float:
            return round(float(x), 6)

        return {
            "firm_id": self.firm_id,
            "failing_id": self.failing_id,
            "as_of": self.as_of,
            "window": list(self.window),
            "hops": self.hops,
            "annual_sales": self.annual_sales,
            "annual_sales_source": self.annual_sales_source,
            "direct": {
                "receivable": self.direct.receivable,
                "receivable_method": self.direct.receivable_method,
                "receivable_days_assumed": self.direct.receivable_days_assumed,
                "sales_to": self.direct.sales_to,
                "purchases_from": self.direct.purchases_from,
                "sales_share": None if self.direct.sales_share is None else r(self.direct.sales_share),
                "supply_share": None if self.direct.supply_share is None else r(self.direct.supply_share),
            },
            "focal": {
                "distress": [r(self.focal.distress_min), r(self.focal.distress_max)],
                "loss_yen": [self.focal.loss_yen_min, self.focal.loss_yen_max],
                "loss_to_sales": [r(self.focal.loss_to_sales_min), r(self.focal.loss_to_sales_max)],
                "band": self.focal.band,
            },
            "scenarios": [
                {"recovery_rate": s.recovery_rate, "equity_ratio": s.equity_ratio,
                 "distress": r(s.distress), "loss_yen": s.loss_yen}
                for s in self.scenarios
            ],
            "partners": [
                {"id": p.id, "relation": p.relation, "hops_from_failing": p.hops_from_failing,
                 "distress": [r(p.distress_min), r(p.distress_max)], "band": p.band}
                for p in self.partners
            ],
            "contributions": [
                {"source": c.source, "step": c.step, "distress": [r(c.min), r(c.max)]}
                for c in self.contributions
            ],
            "assumptions": dict(self.assumptions),
            "notes": self.notes,
            "note_items": [{"key": key, "values": dict(values)} for key, values in self.note_items],
        }


# --------------------------------------------------------------------------- ledger figures


def _month_index(month: str) -> int:
    try:
        y, m = month.split("-")
        yi, mi = int(y), int(m)
    except ValueError as e:
        raise ValueError(f"month must be YYYY-MM, got {month!r}") from e
    if not 1 <= mi <= 12:
        raise ValueError(f"month must be YYYY-MM, got {month!r}")
    return yi * 12 + mi - 1


def _month_str(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


class _Figures:
    """Per-pair yen figures over the window, the recent months and the whole history."""

    def __init__(
        self,
        edges: Iterable[TradeObs],
        payments: Iterable[PaymentObs] | None,
        as_of: str | None,
        window_months: int,
        recent_months: int,
    ) -> None:
        rows = [(e.seller, e.buyer, _month_index(e.month), int(e.amount),
                 tuple(getattr(e, "observers", ()) or ())) for e in edges]
        if not rows:
            raise InputError("no trade edges given")
        end = _month_index(as_of) if as_of is not None else max(r[2] for r in rows)
        first = min(r[2] for r in rows)
        if first > end:
            raise InputError(f"no trade edges up to as_of {as_of}")
        self.end = end
        self.start = max(first, end - window_months + 1)
        self.n_window = end - self.start + 1
        recent_start = max(first, end - recent_months + 1)
        self.n_recent = end - recent_start + 1
        self.window: dict[tuple[str, str], int] = defaultdict(int)  # (seller, buyer) -> yen
        self.recent: dict[tuple[str, str], int] = defaultdict(int)
        self.history: dict[tuple[str, str], int] = defaultdict(int)  # as seen by the seller's ledger
        self.sales: dict[str, int] = defaultdict(int)
        self.purchases: dict[str, int] = defaultdict(int)
        for s, b, m, amount, observers in rows:
            if m > end or s == b:
                continue
            if not observers or s in observers:
                self.history[(s, b)] += amount
            if m < self.start:
                continue
            self.window[(s, b)] += amount
            self.sales[s] += amount
            self.purchases[b] += amount
            if m >= recent_start:
                self.recent[(s, b)] += amount
        self.receipts: dict[tuple[str, str], int] = defaultdict(int)  # (payee, payer) -> yen
        for p in payments or ():
            if _month_index(p.month) > end:
                continue
            observer = getattr(p, "observer", None)
            if observer is not None and observer != p.payee:
                continue  # only the creditor's own ledger counts its receipts
            self.receipts[(p.payee, p.payer)] += int(p.amount)
        self.graph = nx.Graph()
        self.graph.add_edges_from(pair for pair, v in self.window.items() if v != 0)

    def receivable(self, holder: str, debtor: str, days: float) -> tuple[float, str]:
        """Receivables ``holder`` has on ``debtor`` (yen) and the method used."""
        if (holder, debtor) in self.receipts:
            balance = self.history.get((holder, debtor), 0) - self.receipts[(holder, debtor)]
            return float(max(0, balance)), "ledger"
        recent = self.recent.get((holder, debtor), 0)
        if recent <= 0 and self.window.get((holder, debtor), 0) <= 0:
            return 0.0, "none"
        return max(0.0, recent / (self.n_recent * DAYS_PER_MONTH) * days), "receivable_days"

    def supply_share(self, buyer: str, seller: str) -> float | None:
        total = self.purchases.get(buyer, 0)
        return None if total <= 0 else self.window.get((seller, buyer), 0) / total

    def sales_share(self, seller: str, buyer: str) -> float | None:
        total = self.sales.get(seller, 0)
        return None if total <= 0 else self.window.get((seller, buyer), 0) / total

    def observed_size(self, firm: str) -> float:
        """Annualised max(observed sales, observed purchases) in yen."""
        return max(self.sales.get(firm, 0), self.purchases.get(firm, 0)) * 12 / self.n_window


# --------------------------------------------------------------------------- what if


def what_if(
    firm_id: str,
    failing_id: str,
    edges: Iterable[TradeObs],
    payments: Iterable[PaymentObs] | None = None,
    sizes: Mapping[str, float] | None = None,
    *,
    as_of: str | None = None,
    window_months: int = WINDOW_MONTHS,
    recent_months: int = 3,
    receivable_days: float = 60.0,
    recovery_rates: Sequence[float] = (0.0, 0.4, 0.7),
    equity_ratios: Sequence[float] = (0.1, 0.2, 0.3),
    supply_months: float = 3.0,
    contribution_margin: float = 0.2,
    steps: int = 2,
) -> WhatIfResult:
    """What happens to ``firm_id`` if ``failing_id`` fails.

    Parameters
    ----------
    firm_id : the focal firm.
    failing_id : the partner assumed to default (distress 1); it must lie
        within two hops of the focal firm in the window's trade graph.
    edges : monthly trades seller → buyer (``amount`` in yen), e.g.
        :class:`queries.model.TradeEdge` for the two-hop neighbourhood of
        both firms. An ``observers`` attribute, when present and non-empty,
        limits the ledger receivable to trades the seller itself recorded.
    payments : settlements payer → payee (yen), e.g.
        :class:`queries.model.PaymentRow`. Only rows recorded by the payee's
        own ledger (``observer == payee``) count as receipts.
    sizes : annual sales (yen) per firm. Firms without one are sized by
        their annualised observed sales or purchases in the window,
        whichever is larger (a lower bound for firms whose own ledger is
        not in the data, which overstates their relative loss).
    as_of : last month (``YYYY-MM``) considered; default the latest month
        in ``edges``.
    window_months : months (ending at ``as_of``) for shares and sizes.
    recent_months : months of sales behind a receivable-days estimate.
    receivable_days : assumed days of sales outstanding (days) when a
        firm's own ledger holds no receipts from the debtor.
    recovery_rates : scenario grid, share of receivables recovered (0–1).
    equity_ratios : scenario grid, equity proxy as a share of annual sales
        (0–1); equity is not in the ledgers.
    supply_months : months a buyer loses the output that depends on a
        failed supplier before it finds another (months).
    contribution_margin : share of lost sales that is lost profit (0–1).
    steps : propagation steps, 1 or 2.

    Returns
    -------
    WhatIfResult
        Direct exposure, the focal firm's distress (share of the equity
        proxy lost, 0–1), loss (yen) and loss over annual sales as min–max
        over the scenario grid with a band label, each scenario, the focal
        firm's direct partners with their distress ranges, the
        contributions by source and step, the assumptions and notes.

    Raises
    ------
    ValueError
        If the two ids are equal, either firm is not in the window's trades,
        ``failing_id`` is not within two hops of ``firm_id``, the focal firm
        has no size, or a parameter is out of range.

    Notes
    -----
    The demand channel (future sales lost to a failed customer) and set-off
    of payables against receivables (相殺) are not modelled; the supply
    channel assumes no substitute supplier for ``supply_months``.

    Examples
    --------
    >>> from queries.model import TradeEdge
    >>> edges = [TradeEdge("F", "X", "2025-01", 1_000_000, 1)]
    >>> res = what_if("F", "X", edges, sizes={"F": 100_000_000})
    >>> res.direct.receivable_method
    'receivable_days'
    """
    if firm_id == failing_id:
        raise InputError("firm_id and failing_id must differ")
    if steps not in (1, 2):
        raise ValueError("steps must be 1 or 2")
    if window_months < 1 or recent_months < 1:
        raise ValueError("window_months and recent_months must be at least 1")
    if receivable_days < 0 or supply_months < 0 or not 0 <= contribution_margin <= 1:
        raise ValueError("receivable_days and supply_months must be >= 0, contribution_margin within 0..1")
    if not recovery_rates or any(not 0 <= x <= 1 for x in recovery_rates):
        raise ValueError("recovery_rates must be a non-empty sequence within 0..1")
    if not equity_ratios or any(not 0 < x <= 1 for x in equity_ratios):
        raise ValueError("equity_ratios must be a non-empty sequence within (0, 1]")

    fig = _Figures(edges, payments, as_of, window_months, recent_months)
    g = fig.graph
    window = (_month_str(fig.start), _month_str(fig.end))
    for who in (firm_id, failing_id):
        if who not in g:
            raise OutsideWindow(f"{who!r} has no trades in the window {window[0]}..{window[1]}", window)
    dist = nx.single_source_shortest_path_length(g, failing_id, cutoff=2)
    if firm_id not in dist:
        raise OutsideWindow(
            f"{failing_id!r} is not among the partners of {firm_id!r} within 2 hops "
            f"in the trades of {window[0]}..{window[1]}", window)
    hops = dist[firm_id]

    notes: list[tuple[str, dict[str, Any]]] = []
    sizes = dict(sizes or {})
    size: dict[str, float] = {}
    source: dict[str, str] = {}
    for n in g:
        given = sizes.get(n)
        if given is not None and given > 0:
            size[n], source[n] = float(given), "given"
        else:
            obs = fig.observed_size(n)
            if obs > 0:
                size[n], source[n] = obs, "observed"
    if firm_id not in size:
        raise InputError(f"no size for {firm_id!r}: pass its annual sales in sizes")
    unsized = sorted(n for n in g if n not in size and n in dist)
    if unsized:
        notes.append(("unsized", {"n": len(unsized)}))
    observed_near = sum(1 for n in dist if source.get(n) == "observed" and n != failing_id)
    if observed_near:
        notes.append(("observed_sizes", {"n": observed_near}))

    # Exposures in yen: credit (receivables of i on j) and supply (lost margin of i if j stops).
    credit: dict[tuple[str, str], float] = {}  # (debtor j, holder i) -> yen
    supply: dict[tuple[str, str], float] = {}  # (supplier j, buyer i) -> yen
    methods: dict[str, int] = defaultdict(int)
    for s, b in fig.window:
        # s sold to b: s holds receivables on b; b depends on s for supply.
        if s in size:
            rec, method = fig.receivable(s, b, receivable_days)
            if rec > 0:
                credit[(b, s)] = rec
                methods[method] += 1
        share = fig.supply_share(b, s)
        if b in size and share:
            supply[(s, b)] = share * size[b] * supply_months / 12 * contribution_margin
    # Ledger receivables may outlive the window's trades (sales earlier, not yet paid).
    for holder, debtor in fig.receipts:
        if (debtor, holder) not in credit and holder in size and holder in g and debtor in g:
            rec, method = fig.receivable(holder, debtor, receivable_days)
            if rec > 0:
                credit[(debtor, holder)] = rec
                methods[method] += 1

    scenarios: list[ScenarioResult] = []
    partner_h: dict[str, list[float]] = defaultdict(list)
    contrib: dict[tuple[str, int], list[float]] = defaultdict(list)
    first_hop = sorted(set(g[firm_id]))
    for rho, ratio in itertools.product(recovery_rates, equity_ratios):
        impact: dict[str, dict[str, float]] = defaultdict(dict)
        for (j, i), yen in credit.items():
            impact[j][i] = impact[j].get(i, 0.0) + (1 - rho) * yen
        for (j, i), yen in supply.items():
            impact[j][i] = impact[j].get(i, 0.0) + yen
        weights = {j: {i: min(1.0, yen / (ratio * size[i])) for i, yen in row.items()}
                   for j, row in impact.items()}
        run = debtrank(weights, {failing_id: 1.0}, steps=steps)
        h = run.distress.get(firm_id, 0.0)
        equity = ratio * size[firm_id]
        scenarios.append(ScenarioResult(float(rho), float(ratio), h, round(h * equity)))
        for p in first_hop:
            if p != failing_id:
                partner_h[p].append(run.distress.get(p, 0.0))
        per: dict[tuple[str, int], float] = defaultdict(float)
        for j, i, t, amount in run.transfers:
            if i == firm_id:
                per[(j, t)] += amount
        for key in set(per) | set(contrib):
            contrib[key].append(per.get(key, 0.0))

    n_scen = len(scenarios)
    dmin = min(s.distress for s in scenarios)
    dmax = max(s.distress for s in scenarios)
    annual = size[firm_id]
    focal = ImpactRange(
        dmin, dmax,
        min(s.loss_yen for s in scenarios), max(s.loss_yen for s in scenarios),
        min(s.loss_yen for s in scenarios) / annual, max(s.loss_yen for s in scenarios) / annual,
        _band_range(dmin, dmax),
    )
    partners = []
    for p, hs in partner_h.items():
        relation = ("both" if (firm_id, p) in fig.window and (p, firm_id) in fig.window
                    else "customer" if (firm_id, p) in fig.window else "supplier")
        lo, hi = min(hs), max(hs)
        partners.append(PartnerImpact(p, relation, dist.get(p), lo, hi, _band_range(lo, hi)))
    partners.sort(key=lambda p: (-p.distress_max, p.id))
    contributions = []
    for (src, t), vals in contrib.items():
        vals = vals + [0.0] * (n_scen - len(vals))  # scenarios before the first transfer
        contributions.append(Contribution(src, t, min(vals), max(vals)))
    contributions.sort(key=lambda c: (c.step, -c.max, c.source))

    direct_rec, direct_method = fig.receivable(firm_id, failing_id, receivable_days)
    direct = DirectExposure(
        receivable=round(direct_rec),
        receivable_method=direct_method,
        receivable_days_assumed=float(receivable_days) if direct_method == "receivable_days" else None,
        sales_to=fig.window.get((firm_id, failing_id), 0),
        purchases_from=fig.window.get((failing_id, firm_id), 0),
        sales_share=fig.sales_share(firm_id, failing_id),
        supply_share=fig.supply_share(firm_id, failing_id),
    )
    if direct_method == "receivable_days":
        notes.append(("receivable_estimated",
                      {"firm": failing_id, "months": fig.n_recent, "days": f"{receivable_days:g}"}))
    if methods.get("receivable_days"):
        notes.append(("receivable_days", {"n": methods["receivable_days"], "total": sum(methods.values())}))
    if source[firm_id] == "observed":
        notes.append(("annualised_sales", {}))

    assumptions: dict[str, Any] = {
        "recovery_rates": [float(x) for x in recovery_rates],
        "equity_ratios": [float(x) for x in equity_ratios],
        "receivable_days": float(receivable_days),
        "recent_months": recent_months,
        "window_months": window_months,
        "supply_months": float(supply_months),
        "contribution_margin": float(contribution_margin),
        "steps": steps,
        "propagation": "DebtRank (each firm propagates once), linear impact, distress capped at 1",
        "bands": {"low": f"< {BANDS[0]:.0%}", "moderate": f"{BANDS[0]:.0%}–{BANDS[1]:.0%}",
                  "high": f"> {BANDS[1]:.0%}", "of": "equity proxy lost",
                  "status": "conventions, not calibrated probabilities"},
        "not_modelled": ["lost future sales to a failed customer (demand channel)",
                         "set-off of payables against receivables (相殺)",
                         "substitute suppliers within supply_months"],
    }
    return WhatIfResult(
        firm_id=firm_id,
        failing_id=failing_id,
        as_of=window[1],
        window=window,
        hops=hops,
        annual_sales=round(annual),
        annual_sales_source=source[firm_id],
        direct=direct,
        focal=focal,
        scenarios=scenarios,
        partners=partners,
        contributions=contributions,
        assumptions=assumptions,
        note_items=notes,
    )
