"""Alerts of material change: per BPO client and month, what moved and why.

An analyst watching hundreds of clients cannot read every client's trend
every month. :func:`compute_alerts` scans the whole region once and lists,
per client firm and calendar month, changes that deserve a look, each with
the numbers that triggered it and the trade behind it (the monthly yen
series of the pair or of the client around that month). Kinds:

``top_partner_lost``
    A top customer (or supplier) of the client — among its
    :data:`TOP_RANK` largest by yen over the :data:`PRIOR_MONTHS` months
    before, with at least :data:`MIN_SHARE` of the client's sales (or
    purchases) then — traded nothing with it for :data:`LOST_MONTHS`
    consecutive months. Raised once, in the last month of that gap.
``concentration_jump``
    The client's customer (or supplier) HHI of the month is at least
    :data:`HHI_JUMP` above its mean over the :data:`TRAILING_MONTHS` months
    before: its sales (purchases) came to rest on fewer partners.
``partner_distress``
    A trading partner (trade either way in the :data:`TIE_MONTHS` months up
    to the month) is newly in distress — the reasons of
    :mod:`graph.distress` (``loss_making``, ``receivable_days_rising``,
    ``stopped_trading``) hold at the end of the month and did not at the end
    of the month before — or a partner not itself distressed newly trades
    with a distressed firm other than the client (the client is newly two
    hops from distress). A loss known for the first time (the firm's first
    period with a ``profitable`` flag ends: :func:`loss_first_known`) is
    not a change: the month before it was unknown, not absent.
``receivable_days_rising``
    The client's receivable days (:mod:`graph.ledger_figures`, from its own
    ledger) rose over their mean of the :data:`TRAILING_MONTHS` months
    before by at least :data:`RECEIVABLE_RISE_DAYS` more than the median
    rise that month of the clients of its industry, or of every client
    where its industry has too few (:func:`usual_rise`: at the fiscal
    year-end every client's days rise with March's sales, construction's
    most).
``coverage_drop``
    The client's ledger stopped arriving: its ledger months end before the
    region's month (:func:`as_of_month`). Raised once, for the first month
    missing.

The alerts are computed *as of* the region's month, :func:`as_of_month`:
the latest month that at least half the clients' ledgers reach
(:data:`AS_OF_QUORUM`), not the latest month any file holds — one client's
file of a later year does not make every other client's ledger "stopped".
A client's months after it are not evaluated yet. And every kind but the
coverage drop is evaluated only in the months of the client's own ledger
(its first to its last month): after its last month a client's receivable
days, partners and concentration are not known, they did not change. A
partner has stopped trading only where a ledger that covers the month
could have seen its trade (:func:`_observed`).

Runs of the same change (a jump that stays high, days that keep rising)
are raised in their first month only. Everything is computed with numpy
over the region's month grid, one month at a time over all clients, so
that 10,000 clients take seconds, not a loop per client.

These are screening signals for an analyst's attention, not a judgement
of a firm. Money is yen; shares are fractions 0–1; days are days.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from graph.alert_kinds import (
    CONCENTRATION_JUMP,
    COVERAGE_DROP,
    KINDS,
    PARTNER_DISTRESS,
    RECEIVABLE_DAYS,
    TOP_PARTNER_LOST,
)
from graph.distress import (
    LOSS_MAKING,
    RECEIVABLE_DAYS_RISING,
    STOPPED_TRADING,
    ParameterLike,
    loss_making,
    period_end,
)
from graph.distress import receivable_days_rising as parameter_days_rising
from graph.network import TradeNetwork, month_number

__all__ = [
    "Alert", "compute_alerts", "alert_id", "distinct_ids", "KINDS", "SEVERITIES",
    "TOP_PARTNER_LOST", "CONCENTRATION_JUMP", "PARTNER_DISTRESS", "RECEIVABLE_DAYS", "COVERAGE_DROP",
    "TOP_RANK", "MIN_SHARE", "PRIOR_MONTHS", "LOST_MONTHS", "HHI_JUMP", "TRAILING_MONTHS",
    "TIE_MONTHS", "PARTNER_MIN_SHARE", "RECEIVABLE_RISE_DAYS", "USUAL_MIN_CLIENTS", "usual_rise", "SKIP_FIRST_MONTHS", "SERIES_BEFORE", "SERIES_AFTER",
    "distress_matrix", "loss_first_known", "LEDGER_KINDS", "AS_OF_QUORUM", "as_of_month",
]

SEVERITIES: tuple[str, ...] = ("high", "medium", "low")

TOP_RANK = 3
"""A partner is a *top* partner when it is among the client's 3 largest on
that side by yen: a small firm typically has about six partners, and losing
one of its three largest moves its sales (purchases) materially."""
MIN_SHARE = 0.10
"""…and had at least 10% of the client's sales (purchases) over the prior
months: below that, a lost partner is ordinary churn."""
HIGH_SHARE = 0.25
"""A lost partner with a quarter of the side or more is a ``high`` alert."""
PRIOR_MONTHS = 6
"""Months before the gap over which the top partners are ranked (half a
year smooths quarterly and seasonal orders)."""
LOST_MONTHS = 2
"""Consecutive months without trade that make a top partner *lost*: one
empty month is common (an order paid in the next month, a holiday month),
two in a row rarely are for a partner that traded every month."""
HHI_JUMP = 0.10
"""Rise of the monthly HHI (0–1) over its trailing mean that is *sharp*:
0.1 is e.g. five equal partners (0.2) becoming four with one twice as
large (≈ 0.33); month-to-month noise of a firm with steady partners stays
well below it on generated data."""
HIGH_HHI_JUMP = 0.25
"""A rise of the HHI of 0.25 or more is a ``high`` alert."""
TRAILING_MONTHS = 3
"""Months of the trailing mean the month is compared with (a quarter)."""
PARTNER_MIN_SHARE = 0.05
"""A partner counts for distress when it has at least 5% of the firm's
trade (sales and purchases) over the :data:`TIE_MONTHS` months: for the
client's partner, and for that partner's distressed partner two hops away.
Below that, a partner's distress hardly reaches the firm — and every hub
trades with some distressed firm."""
TIE_MONTHS = 6
"""Two firms are *partners* in a month when they traded (either way) in
the 6 months up to it."""
RECEIVABLE_RISE_DAYS = 15.0
"""Rise of receivable days over the trailing mean that is *sharp*: 15
days is half a month's more credit, three times the month-to-month spread
of healthy firms on generated data (sd ≈ 5 days). The distress signal of
:mod:`graph.distress` uses 10 days between two quarters' means."""
HIGH_RISE_DAYS = 30.0
"""A rise of 30 days or more is a ``high`` alert."""
USUAL_MIN_CLIENTS = 20
"""Clients with a rise of receivable days in a month (days known in it and
the :data:`TRAILING_MONTHS` before) for their median rise to stand for the
month's calendar (:func:`usual_rise`): of an industry's clients, for that
industry; of every client, for the others; fewer, and no rise is usual.
On the demo region (300 clients) the median rise is ~7 days in March,
the fiscal year-end, and 0–3.5 in the other months."""
SKIP_FIRST_MONTHS = 3
"""Months at the start of a client's ledger whose receivable days are not
used: there is no opening balance, so receivables build up from zero."""
AS_OF_QUORUM = 0.5
"""The region's month (:func:`as_of_month`) is the latest month that at
least half the clients' ledgers reach: a client (or a few) ahead of the
others — a file of a later year, a client that books early — does not move
it; a month most clients have not delivered yet is not evaluated."""
HIGH_MISSING_MONTHS = 3
"""A ledger missing for 3 months or more is a ``high`` alert."""
SERIES_BEFORE = 8
SERIES_AFTER = 2
"""The trade behind an alert: the months from 8 before to 2 after its month
(within the data)."""

LEDGER_KINDS = ("sales", "purchases", "receipts", "payments")
_DISTRESS_FIGURE_MONTHS = 3
_DISTRESS_RISE_DAYS = 10.0
_DISTRESS_QUIET_MONTHS = 3


def alert_id(kind: str, firm_id: str, month: str, subject: str | None) -> str:
    """A stable id: the same change of the same firm and month (and partner)
    gets the same id on every recomputation, so acknowledgements stick.

    >>> alert_id("coverage_drop", "F1", "2025-01", None)
    '0892715008b3c558'
    """
    text = "\x1f".join((kind, firm_id, month, subject or ""))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class Alert:
    """One alert. ``numbers`` hold what triggered it (``before``/``after``
    values in the kind's unit, ``yen``, ``share``, ``days``, …);
    ``series`` the trade behind it: ``[{"label", "seller", "buyer",
    "months": [...], "yen": [...]}]`` (``label``: ``sales``,
    ``purchases``, ``receipts``; seller/buyer ``None`` for the client's
    own totals)."""

    id: str
    firm_id: str
    month: str
    kind: str
    severity: str
    subject_id: str | None = None
    side: str | None = None
    numbers: dict[str, Any] = field(default_factory=dict)
    series: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "firm_id": self.firm_id, "month": self.month, "kind": self.kind,
                "severity": self.severity, "subject_id": self.subject_id, "side": self.side,
                "numbers": dict(self.numbers), "series": [dict(x) for x in self.series]}


def as_of_month(last_months: Iterable[str], quorum: float = AS_OF_QUORUM) -> str | None:
    """The region's month: the latest month that at least ``quorum`` of the
    clients reach, given each client's last ledger month (``YYYY-MM``);
    ``None`` without any.

    One client's file months ahead of the rest does not move it, and a
    client that stopped months ago does not hold it back while most
    deliver. It is always some client's last month, so never later than
    the latest month the data holds.

    >>> as_of_month(["2025-03"] * 9 + ["2026-03"])
    '2025-03'
    >>> as_of_month(["2024-08", "2024-12"]), as_of_month(["2024-08", "2024-12", "2024-12"])
    ('2024-12', '2024-12')
    >>> as_of_month([]) is None
    True
    """
    ordered = sorted(last_months, reverse=True)
    if not ordered:
        return None
    reach = max(1, int(np.ceil(quorum * len(ordered) - 1e-9)))
    return ordered[reach - 1]


def _clients_last_months(trades: pd.DataFrame, clients: Sequence[str], own_long: pd.DataFrame) -> list[str]:
    """Each client's last ledger month: of its own ledger, or for a client
    without one, its last month of trade (as :func:`_grid` takes its ledger
    months then). Clients with neither are left out."""
    wanted = set(clients)
    own = own_long[own_long["client"].isin(wanted)]
    last = {str(c): str(m) for c, m in own.groupby("client")["month"].max().items()}
    rest = wanted - set(last)
    if rest and len(trades):
        sides = [trades.loc[trades[col].isin(rest), [col, "month"]] for col in ("seller", "buyer")]
        firms = np.concatenate([x.iloc[:, 0].astype(str).to_numpy() for x in sides])
        months = np.concatenate([x["month"].astype(str).to_numpy() for x in sides])
        if len(firms):
            last.update({str(f): str(m) for f, m in pd.Series(months).groupby(firms).max().items()})
    return list(last.values())


# -- inputs on the month grid -----------------------------------------------------------


@dataclass
class _Grid:
    """The region's months and every client's pairs as dense matrices."""

    months: tuple[str, ...]
    network: TradeNetwork
    clients: list[str]
    # client-side pairs: one row per (client, side, partner)
    firm: np.ndarray  # client code (into clients)
    side: np.ndarray  # 0 customer (client sells), 1 supplier (client buys)
    partner: np.ndarray  # firm code (into network.index)
    group: np.ndarray  # (client, side) group code: firm * 2 + side
    amounts: np.ndarray  # rows × months, yen
    ledger_last: np.ndarray  # per client: last month index of its ledger (-1: none)
    ledger_first: np.ndarray
    own: dict[str, np.ndarray]  # kind (sales, purchases, receipts, payments) → clients × months, yen
    days: np.ndarray  # clients × months receivable days (NaN: unknown)
    pair_rows: dict[str, dict[str, int]] | None = None
    pair_keys: np.ndarray | None = None
    pair_order: np.ndarray | None = None
    _ids: list[str] | None = None

    @property
    def ids(self) -> list[str]:
        """Firm ids by network code (a list: indexing a pandas Index per alert is slow)."""
        if self._ids is None:
            self._ids = [str(x) for x in self.network.index]
        return self._ids

    @property
    def n(self) -> int:
        return len(self.months)

    def covered(self) -> np.ndarray:
        """Clients × months: whether the month is within the client's ledger
        (its first to its last month; a client's own measures and its
        partners are known there only)."""
        cols = np.arange(self.n)[None, :]
        return (cols >= self.ledger_first[:, None]) & (cols <= self.ledger_last[:, None]) \
            & (self.ledger_last[:, None] >= 0)


def _ledger_frame(ledgers: Mapping[str, Mapping[str, Mapping[str, int]]]) -> pd.DataFrame:
    """Clients' own ledger sums as one long frame (client, kind, month, yen)."""
    rows = [(c, k, m, v) for c, sums in ledgers.items() for k in LEDGER_KINDS
            for m, v in sums.get(k, {}).items()]
    return pd.DataFrame(rows, columns=["client", "kind", "month", "yen"])


def _grid(trades: pd.DataFrame, clients: Sequence[str], ledgers: Mapping[str, Mapping[str, Mapping[str, int]]],
          end: str | None) -> _Grid | None:
    own_long = _ledger_frame(ledgers)
    trade_months = [str(m) for m in trades["month"].unique()] if len(trades) else []
    known = trade_months + [str(m) for m in own_long["month"].unique()]
    if not known:
        return None
    start = min(known)
    last = (end if end is not None
            else as_of_month(_clients_last_months(trades, clients, own_long)) or max(known))
    edges = trades[["seller", "buyer", "month", "amount"]] if len(trades) else pd.DataFrame(
        {"seller": pd.Series([], dtype=object), "buyer": pd.Series([], dtype=object),
         "month": pd.Series([], dtype=object), "amount": pd.Series([], dtype=np.int64)})
    network = TradeNetwork(edges, start=start, end=last, firms=clients)
    months = network.months
    n = len(months)
    clients = sorted(set(clients))
    ccode = network.index.get_indexer(pd.Index(clients, dtype=object))  # every client is in the index
    client_of = np.full(network.n_firms, -1, dtype=np.int64)
    client_of[ccode] = np.arange(len(clients))
    s, b, t, amount = network.monthly_codes()
    parts = []
    for side, own_side, other in ((0, s, b), (1, b, s)):
        keep = client_of[own_side] >= 0
        parts.append((client_of[own_side[keep]], np.full(int(keep.sum()), side), other[keep], t[keep],
                      amount[keep]))
    firm = np.concatenate([p[0] for p in parts])
    sides = np.concatenate([p[1] for p in parts])
    partner = np.concatenate([p[2] for p in parts])
    tt = np.concatenate([p[3] for p in parts])
    yen = np.concatenate([p[4] for p in parts]).astype(np.float64)
    nf = max(network.n_firms, 1)
    key = (firm * 2 + sides) * nf + partner
    ukey, row = np.unique(key, return_inverse=True)
    amounts = np.zeros((len(ukey), n), dtype=np.float64)
    np.add.at(amounts, (row, tt), yen)
    pair_partner = (ukey % nf).astype(np.int64)
    group = (ukey // nf).astype(np.int64)
    # the clients' own ledgers on the grid
    start_n = month_number(months[0])
    own = {k: np.zeros((len(clients), n), dtype=np.float64) for k in LEDGER_KINDS}
    seen = np.zeros((len(clients), n), dtype=bool)
    if len(own_long):
        ci = pd.Index(clients, dtype=object).get_indexer(pd.Index(own_long["client"], dtype=object))
        mcat = own_long["month"].astype("category")
        mnum = np.array([month_number(str(m)) for m in mcat.cat.categories], dtype=np.int64) - start_n
        mi = mnum[mcat.cat.codes.to_numpy()]
        ok = (ci >= 0) & (mi >= 0) & (mi < n)
        seen[ci[ok], mi[ok]] = True
        kinds = own_long["kind"].to_numpy()
        vals = own_long["yen"].to_numpy(dtype=np.float64)
        for k in LEDGER_KINDS:
            sel = ok & (kinds == k)
            np.add.at(own[k], (ci[sel], mi[sel]), vals[sel])
    ledger_first = np.where(seen.any(axis=1), seen.argmax(axis=1), -1).astype(np.int64)
    ledger_last = np.where(seen.any(axis=1), n - 1 - seen[:, ::-1].argmax(axis=1), -1).astype(np.int64)
    days = _receivable_days(own["sales"], own["receipts"], ledger_first, ledger_last)
    # a client without a ledger of its own: its months with trade stand for its ledger
    traded = np.zeros((len(clients), n), dtype=bool)
    traded[firm, tt] = True
    for i in np.flatnonzero(ledger_last < 0):
        hit = np.flatnonzero(traded[i])
        if hit.size:
            ledger_first[i], ledger_last[i] = hit[0], hit[-1]
    return _Grid(months, network, clients, group // 2, group % 2, pair_partner, group, amounts,
                 ledger_last, ledger_first, own, days)


def _receivable_days(sales: np.ndarray, receipts: np.ndarray, first: np.ndarray,
                     last: np.ndarray | None = None) -> np.ndarray:
    """Clients × months receivable days as :func:`graph.ledger_figures.figures_from_sums`
    computes them, for every client at once: the balance (sales − receipts,
    from zero at the ledger's first month) over annual sales (the trailing 12
    months, annualised when fewer months exist) / 365, to 0.1 day; NaN
    before the ledger's first month, after its ``last`` (no ledger there is
    no sales, not sales of 0: the days would climb without end) and where
    annual sales are 0."""
    n = sales.shape[1]
    balance = np.cumsum(sales - receipts, axis=1)
    cum = np.concatenate([np.zeros((len(sales), 1)), np.cumsum(sales, axis=1)], axis=1)
    cols = np.arange(n)[None, :]
    lo = np.maximum(cols - 11, first[:, None])
    months = np.clip(cols - lo + 1, 1, 12)
    trailing = np.take_along_axis(cum, cols + 1 + 0 * lo, axis=1) - np.take_along_axis(cum, np.clip(lo, 0, n), axis=1)
    annual = trailing * 12 / months
    with np.errstate(invalid="ignore", divide="ignore"):
        days = np.where(annual > 0, balance / (annual / 365), np.nan)
    days = np.round(days, 1)
    days[(first[:, None] < 0) | (cols < first[:, None])] = np.nan
    if last is not None:
        days[cols > last[:, None]] = np.nan
    return days


def _window_sum(cum: np.ndarray, a: int, b: int) -> np.ndarray:
    """Row sums of months a..b inclusive from a cumulative matrix with a leading zero column."""
    return cum[:, b + 1] - cum[:, max(a, 0)]


def _series(g: _Grid, rows: Iterable[tuple[str, int]], t: int) -> list[dict[str, Any]]:
    """The trade behind an alert of month ``t``: each (label, pair row)'s monthly yen."""
    lo, hi = max(0, t - SERIES_BEFORE), min(g.n - 1, t + SERIES_AFTER)
    out = []
    for label, r in rows:
        client = g.clients[int(g.firm[r])]
        partner = g.ids[int(g.partner[r])]
        seller, buyer = (client, partner) if g.side[r] == 0 else (partner, client)
        out.append({"label": label, "seller": seller, "buyer": buyer, "months": list(g.months[lo:hi + 1]),
                    "yen": [int(x) for x in g.amounts[r, lo:hi + 1]]})
    return out


def _own_series(g: _Grid, client: str, labels: Sequence[str], lo_t: int, hi_t: int) -> list[dict[str, Any]]:
    """The client's own ledger totals (``sales``, ``receipts`` …) per month;
    ``None`` for a month outside its ledger's months (no ledger there is not
    a month of no trade: a coverage drop's missing months read as such)."""
    lo, hi = max(0, lo_t), min(g.n - 1, hi_t)
    i = g.clients.index(client)
    first, last = int(g.ledger_first[i]), int(g.ledger_last[i])
    return [{"label": label, "seller": None, "buyer": None, "months": list(g.months[lo:hi + 1]),
             "yen": [int(g.own[label][i, t]) if first <= t <= last else None for t in range(lo, hi + 1)]}
            for label in labels]


def _first_of_runs(fire: np.ndarray) -> np.ndarray:
    """Only the first month of each run of consecutive firing months."""
    prev = np.zeros_like(fire)
    prev[:, 1:] = fire[:, :-1]
    return fire & ~prev


# -- the kinds -------------------------------------------------------------------------------


def _top_partner_lost(g: _Grid) -> list[Alert]:
    out: list[Alert] = []
    cum = np.concatenate([np.zeros((len(g.amounts), 1)), np.cumsum(np.clip(g.amounts, 0, None), axis=1)],
                         axis=1)
    n_groups = len(g.clients) * 2
    traded = g.amounts > 0
    for t in range(LOST_MONTHS + PRIOR_MONTHS - 1, g.n):
        last = t - LOST_MONTHS  # the last month of trade
        cand = traded[:, last] & ~traded[:, last + 1:t + 1].any(axis=1)
        # the client's ledger covers the month (after it: coverage_drop; before it: not its ledger)
        cand &= (g.ledger_last[g.firm] >= t) & (g.ledger_first[g.firm] <= t)
        if not cand.any():
            continue
        window = _window_sum(cum, last - PRIOR_MONTHS + 1, last)
        totals = np.bincount(g.group, weights=window, minlength=n_groups)
        with np.errstate(invalid="ignore", divide="ignore"):
            shares = np.where(totals[g.group] > 0, window / totals[g.group], 0.0)
        cand &= (shares >= MIN_SHARE) & (window > 0)
        if not cand.any():
            continue
        in_groups = np.isin(g.group, np.unique(g.group[cand]))
        sub = pd.DataFrame({"group": g.group[in_groups], "yen": window[in_groups]},
                           index=np.flatnonzero(in_groups))
        rank = sub.groupby("group")["yen"].rank(ascending=False, method="min")
        for r in np.flatnonzero(cand):
            share = float(shares[r])
            if rank[r] > TOP_RANK:
                continue
            client = g.clients[int(g.firm[r])]
            partner = g.ids[int(g.partner[r])]
            side = "customer" if g.side[r] == 0 else "supplier"
            month = g.months[t]
            out.append(Alert(
                alert_id(TOP_PARTNER_LOST, client, month, partner), client, month, TOP_PARTNER_LOST,
                "high" if share >= HIGH_SHARE else "medium", partner, side,
                {"share": round(float(share), 4), "rank": int(rank[r]), "yen": int(window[r]),
                 "before": int(round(window[r] / PRIOR_MONTHS)), "after": 0, "months": LOST_MONTHS,
                 "prior_months": PRIOR_MONTHS, "last_month": g.months[last]},
                _series(g, [("sales" if side == "customer" else "purchases", int(r))], t)))
    return out


def _concentration_jump(g: _Grid) -> list[Alert]:
    n_groups = len(g.clients) * 2
    pos = np.clip(g.amounts, 0, None)
    totals = np.zeros((n_groups, g.n))
    np.add.at(totals, g.group, pos)
    with np.errstate(invalid="ignore", divide="ignore"):
        shares = pos / totals[g.group]
    shares = np.nan_to_num(shares)
    hhi = np.zeros((n_groups, g.n))
    np.add.at(hhi, g.group, shares ** 2)
    hhi[totals <= 0] = np.nan
    counts = np.zeros((n_groups, g.n))
    np.add.at(counts, g.group, (pos > 0).astype(np.float64))
    trailing = np.full((n_groups, g.n), np.nan)
    before_partners = np.zeros((n_groups, g.n))
    for t in range(TRAILING_MONTHS, g.n):
        w = hhi[:, t - TRAILING_MONTHS:t]
        ok = ~np.isnan(w).any(axis=1)
        trailing[ok, t] = w[ok].mean(axis=1)
        before_partners[:, t] = counts[:, t - TRAILING_MONTHS:t].max(axis=1)
    with np.errstate(invalid="ignore"):
        rise = hhi - trailing
        fire = np.nan_to_num(rise, nan=-1.0) >= HHI_JUMP
    fire &= g.covered()[np.arange(n_groups) // 2]  # months of the client's own ledger only
    fire &= before_partners >= 2  # a single partner all along is no jump
    fire = _first_of_runs(fire)
    out: list[Alert] = []
    rows_of: dict[int, np.ndarray] = {}
    order = np.argsort(g.group, kind="stable")
    starts = np.searchsorted(g.group[order], np.arange(n_groups + 1))
    for grp, t in zip(*np.nonzero(fire), strict=True):
        rows = rows_of.setdefault(int(grp), order[starts[grp]:starts[grp + 1]])
        top = int(rows[np.argmax(pos[rows, t])])
        # and the partner whose trade fell the most against the months before: the cause, beside the result
        fell = pos[rows, t - TRAILING_MONTHS:t].mean(axis=1) - pos[rows, t]
        fell[rows == top] = 0.0
        lost = int(rows[np.argmax(fell)]) if fell.size and float(fell.max()) > 0 else None
        client = g.clients[int(grp) // 2]
        side = "customer" if grp % 2 == 0 else "supplier"
        partner = g.ids[int(g.partner[top])]
        month = g.months[t]
        jump = float(rise[grp, t])
        out.append(Alert(
            alert_id(CONCENTRATION_JUMP, client, month, side), client, month, CONCENTRATION_JUMP,
            "high" if jump >= HIGH_HHI_JUMP else "medium", partner, side,
            {"before": round(float(trailing[grp, t]), 4), "after": round(float(hhi[grp, t]), 4),
             "rise": round(jump, 4), "share": round(float(shares[top, t]), 4), "yen": int(pos[top, t]),
             "partners_before": int(before_partners[grp, t]), "partners_after": int(counts[grp, t]),
             "trailing_months": TRAILING_MONTHS},
            _series(g, [("sales" if side == "customer" else "purchases", r)
                        for r in (top, lost) if r is not None], t)))
    return out


def _receivable_matrix(g: _Grid) -> np.ndarray:
    """Clients × months receivable days, NaN in the first
    :data:`SKIP_FIRST_MONTHS` months of each client's ledger (receivables
    build up from zero there) and outside its ledger's months."""
    days = g.days.copy()
    cols = np.arange(g.n)[None, :]
    days[cols < (g.ledger_first[:, None] + SKIP_FIRST_MONTHS)] = np.nan
    return days


def usual_rise(rise: np.ndarray, groups: Sequence[str | None] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Per client and month: the usual rise of receivable days over their
    trailing mean, and whether it is the client's industry's.

    The usual rise is the median rise of the clients of the same industry
    (``groups``, a JSIC division per row of ``rise``) that month, where at
    least :data:`USUAL_MIN_CLIENTS` of them have one; else the median of
    every client, where as many have one; else 0. Never below 0 days.

    Receivable days are a month-end balance over the year's sales, so a
    month whose sales are larger for every firm — March, the fiscal
    year-end — lifts every client's days together: that rise is the
    calendar's, not the client's collection slowing. Some industries'
    calendar is stronger (construction's March: public works close then),
    so their own median is taken where there are enough of them.

    Examples
    --------
    >>> rise = np.array([[8.0, -3.0, np.nan]] * 20 + [[30.0, 1.0, np.nan]])
    >>> usual, of_industry = usual_rise(rise)
    >>> usual[0].tolist(), bool(of_industry.any())
    ([8.0, 0.0, 0.0], False)
    >>> rise = np.array([[20.0]] * 20 + [[4.0]] * 21)
    >>> usual, of_industry = usual_rise(rise, ["D"] * 20 + ["I"] * 20 + [None])
    >>> usual[[19, 20, 40], 0].tolist(), of_industry[[19, 20, 40], 0].tolist()
    ([20.0, 4.0, 4.0], [True, True, False])
    """
    known = ~np.isnan(rise)
    every = np.zeros(rise.shape[1])
    enough = known.sum(axis=0) >= USUAL_MIN_CLIENTS
    with np.errstate(invalid="ignore"):
        if enough.any():
            every[enough] = np.nanmedian(rise[:, enough], axis=0)
        usual = np.repeat(every[None, :], rise.shape[0], axis=0)
        of_industry = np.zeros(rise.shape, dtype=bool)
        codes = np.array(["" if c is None else c for c in groups or ()], dtype=object)
        for code in sorted(set(codes) - {""}):
            rows = np.flatnonzero(codes == code)
            ok = np.flatnonzero(known[rows].sum(axis=0) >= USUAL_MIN_CLIENTS)
            if ok.size:
                usual[np.ix_(rows, ok)] = np.nanmedian(rise[np.ix_(rows, ok)], axis=0)
                of_industry[np.ix_(rows, ok)] = True
    return np.maximum(usual, 0.0), of_industry


def _receivable_days_rising(g: _Grid, days: np.ndarray,
                            industries: Mapping[str, str | None] | None = None) -> list[Alert]:
    trailing = np.full_like(days, np.nan)
    for t in range(TRAILING_MONTHS, g.n):
        w = days[:, t - TRAILING_MONTHS:t]
        ok = ~np.isnan(w).any(axis=1)
        trailing[ok, t] = w[ok].mean(axis=1)
    with np.errstate(invalid="ignore"):
        rise = days - trailing
    usual, of_industry = usual_rise(rise, [(industries or {}).get(c) for c in g.clients])
    beyond = rise - usual
    fire = _first_of_runs(np.nan_to_num(beyond, nan=-np.inf) >= RECEIVABLE_RISE_DAYS)
    out: list[Alert] = []
    for i, t in zip(*np.nonzero(fire), strict=True):
        client, month, up = g.clients[int(i)], g.months[t], float(rise[i, t])
        industry = {"usual_industry": (industries or {}).get(client)} if of_industry[i, t] else {}
        out.append(Alert(
            alert_id(RECEIVABLE_DAYS, client, month, None), client, month, RECEIVABLE_DAYS,
            "high" if float(beyond[i, t]) >= HIGH_RISE_DAYS else "medium", None, None,
            {"before": round(float(trailing[i, t]), 1), "after": round(float(days[i, t]), 1),
             "days": round(up, 1), "usual_days": round(float(usual[i, t]), 1),
             "beyond_usual": round(float(beyond[i, t]), 1), **industry, "trailing_months": TRAILING_MONTHS},
            _own_series(g, client, ("sales", "receipts"), t - SERIES_BEFORE, t + SERIES_AFTER)))
    return out


def _coverage_drop(g: _Grid) -> list[Alert]:
    """Clients whose ledger ends before the region's month (the grid's last,
    :func:`as_of_month`); a ledger running past it ends there on the grid."""
    out: list[Alert] = []
    end = g.n - 1
    for i in np.flatnonzero((g.ledger_last >= 0) & (g.ledger_last < end)):
        client, last = g.clients[int(i)], int(g.ledger_last[i])
        month, missing = g.months[last + 1], end - last
        out.append(Alert(
            alert_id(COVERAGE_DROP, client, month, None), client, month, COVERAGE_DROP,
            "high" if missing >= HIGH_MISSING_MONTHS else "medium", None, None,
            {"last_month": g.months[last], "region_month": g.months[end], "months": missing},
            _own_series(g, client, ("sales", "purchases"), last - SERIES_BEFORE, end)))
    return out


# -- distress -------------------------------------------------------------------------------


def distress_matrix(network: TradeNetwork, parameters: Iterable[ParameterLike] = (),
                    days: Mapping[str, np.ndarray] | None = None) -> dict[str, np.ndarray]:
    """For every firm of ``network`` (rows, in ``network.index`` order) and
    every month of it (columns): whether each reason of
    :func:`graph.distress.distress_reasons` holds at the end of that month,
    with the default thresholds of :mod:`graph.distress`.

    ``stopped_trading`` and the ledger-based ``receivable_days_rising`` are
    the rules of :func:`graph.distress.stopped_trading` and
    :func:`graph.distress.receivable_days_rising` for a window from the
    first month to each month, computed for every month at once (``days``:
    a client's receivable days per month of the network, NaN where unknown
    and in the first months of its ledger that the rule skips); ``loss_making`` and the
    parameter-based ``receivable_days_rising`` call :mod:`graph.distress`
    at each month a parameter period ends (nothing changes in between)."""
    months, n = network.months, len(network.months)
    idx = network.index
    s, b, t, amount = network.monthly_codes()
    nz = amount != 0
    traded = np.zeros((len(idx), n), dtype=bool)
    traded[s[nz], t[nz]] = True
    traded[b[nz], t[nz]] = True
    last = np.maximum.accumulate(np.where(traded, np.arange(n)[None, :], -1), axis=1)
    cols = np.arange(n)[None, :]
    stopped = (last >= 0) & (last < cols - _DISTRESS_QUIET_MONTHS + 1) & (cols >= _DISTRESS_QUIET_MONTHS)
    rows = list(parameters)
    loss = np.zeros((len(idx), n), dtype=bool)
    rising = np.zeros((len(idx), n), dtype=bool)
    ends = {period_end(r.period) for r in rows}
    for k, t0 in enumerate(months):
        if k > 0 and t0 not in ends:  # no period ended this month: last month's state holds
            loss[:, k], rising[:, k] = loss[:, k - 1], rising[:, k - 1]
            continue
        for col, found in ((loss, loss_making(rows, end=t0)), (rising, parameter_days_rising(rows, end=t0))):
            codes = idx.get_indexer(pd.Index(sorted(found), dtype=object))
            col[codes[codes >= 0], k] = True
    m = _DISTRESS_FIGURE_MONTHS
    if days:
        firms = list(days)
        codes = idx.get_indexer(pd.Index(firms, dtype=object))
        rows_ = np.array([days[f] for f in firms], dtype=np.float64).reshape(len(firms), n)
        known = ~np.isnan(rows_)
        has = known.any(axis=1)
        first = np.where(has, known.argmax(axis=1), n)
        last = np.where(has, n - 1 - known[:, ::-1].argmax(axis=1), -1)
        gapless = known.sum(axis=1) == np.maximum(last - first + 1, 0)
        # known months in one run: means of the last m and the m before, by month
        recent = sum(np.roll(rows_, k, axis=1) for k in range(m)) / m
        before = sum(np.roll(rows_, k, axis=1) for k in range(m, 2 * m)) / m
        with np.errstate(invalid="ignore"):
            hit = (recent - before >= _DISTRESS_RISE_DAYS) & (np.arange(n)[None, :] >= first[:, None] + 2 * m - 1)
        hit &= known & (gapless & (codes >= 0))[:, None]
        mapped = codes >= 0
        rising[codes[mapped]] |= hit[mapped]
        for i in np.flatnonzero(~gapless & (codes >= 0) & has):  # months missing inside: as graph.distress does
            series = rows_[i]
            at = np.flatnonzero(~np.isnan(series))
            for j in range(2 * m - 1, len(at)):
                seen = series[at[:j + 1]]
                if seen[-m:].mean() - seen[-2 * m:-m].mean() >= _DISTRESS_RISE_DAYS:
                    rising[codes[i], at[j]] = True
    return {LOSS_MAKING: loss, RECEIVABLE_DAYS_RISING: rising, STOPPED_TRADING: stopped}


def loss_first_known(network: TradeNetwork, parameters: Iterable[ParameterLike]) -> np.ndarray:
    """For every firm of ``network`` (in ``network.index`` order): the first
    month column at whose end its ``profitable`` flag is known (a period
    holding one has ended), ``len(network.months)`` if never.

    Before that month a firm's loss is unknown, and :func:`distress_matrix`
    has it as not loss-making; a loss first known is not a change.

    Examples
    --------
    >>> from queries.model import ParameterRow
    >>> net = TradeNetwork(pd.DataFrame({"seller": ["A"] * 3, "buyer": ["B"] * 3,
    ...                                  "month": ["2024-02", "2024-03", "2024-04"], "amount": [1, 1, 1]}))
    >>> loss_first_known(net, [ParameterRow("A", "FY2023", (("profitable", 0.0),))]).tolist()
    [1, 3]
    """
    months = list(network.months)
    first = np.full(len(network.index), len(months), dtype=np.int64)
    ends: dict[str, str] = {}
    for row in parameters:
        if any(key == "profitable" and value == value for key, value in row.values):
            last = period_end(row.period)
            ends[row.firm_id] = min(ends.get(row.firm_id, last), last)
    if ends:
        firms = list(ends)
        codes = network.index.get_indexer(pd.Index(firms, dtype=object))
        cols = np.searchsorted(np.array(months, dtype=object), np.array([ends[f] for f in firms], dtype=object))
        first[codes[codes >= 0]] = cols[codes >= 0]
    return first


def _observed(g: _Grid) -> np.ndarray:
    """Firms (rows in ``g.network.index`` order) × months: whether a ledger
    that covers the month could see the firm's trade — the firm is a client
    whose own ledger covers it, or a client whose ledger covers it has
    traded with the firm by then.

    Trade is known from the clients' ledgers only. Where none of the
    ledgers that recorded a firm's trade reaches a month, the firm's lack of
    trade there is no ledger, not a firm that stopped trading."""
    covered = g.covered()
    out = np.zeros((g.network.n_firms, g.n), dtype=bool)
    out[g.network.index.get_indexer(pd.Index(g.clients, dtype=object))] = covered
    if len(g.partner):
        traded = g.amounts != 0
        first = np.where(traded.any(axis=1), traded.argmax(axis=1), g.n)
        sees = covered[g.firm] & (np.arange(g.n)[None, :] >= first[:, None])
        order = np.argsort(g.partner, kind="stable")
        partner = g.partner[order]
        starts = np.flatnonzero(np.r_[True, partner[1:] != partner[:-1]])
        out[partner[starts]] |= np.logical_or.reduceat(sees[order], starts, axis=0)
    return out


def _partner_distress(g: _Grid, parameters: Sequence[ParameterLike]) -> list[Alert]:
    net = g.network
    skipped = _receivable_matrix(g)
    reasons = distress_matrix(net, parameters, {c: skipped[i] for i, c in enumerate(g.clients)})
    # a firm stopped trading only where some client's ledger of the month could have seen its trade
    reasons[STOPPED_TRADING] = reasons[STOPPED_TRADING] & _observed(g)
    # alerts of a client only in its own ledger's months: after them its partners are not known
    own_months = np.zeros((net.n_firms, g.n), dtype=bool)
    own_months[net.index.get_indexer(pd.Index(g.clients, dtype=object))] = g.covered()
    names = list(reasons)
    distressed = np.zeros_like(reasons[names[0]])
    for reason in names:
        distressed |= reasons[reason]
    # A loss becomes known when a firm's first period ends (the first fiscal
    # year of the data): the month before, its loss was unknown, not absent.
    # For that month the month before is compared as if the loss had held.
    first_known = loss_first_known(net, parameters)
    loss = reasons[LOSS_MAKING]
    # undirected ties, both ways: (a, b) active in month t when they traded in the TIE_MONTHS up to t
    s, b, t, amount = net.monthly_codes()
    nf = max(net.n_firms, 1)
    key = np.concatenate([s, b]) * nf + np.concatenate([b, s])
    ukey, row = np.unique(key, return_inverse=True)
    # float32 per month (values only tested > 0 and shown rounded), summed in float64
    yen = np.zeros((len(ukey), g.n), dtype=np.float32)
    np.add.at(yen, (row, np.concatenate([t, t])), np.abs(np.concatenate([amount, amount])).astype(np.float32))
    ua, ub = ukey // nf, ukey % nf  # ua is sorted: a firm's ties are one slice
    starts = np.searchsorted(ua, np.arange(nf + 1))
    is_client = np.zeros(nf, dtype=bool)
    is_client[net.index.get_indexer(pd.Index(g.clients, dtype=object))] = True
    client_rows = np.flatnonzero(is_client[ua])
    c, p = ua[client_rows], ub[client_rows]
    reverse = np.searchsorted(ukey, ub * nf + ua)  # the row of (b, a) for each (a, b): it exists
    def exposure(material: np.ndarray, dist: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Material distressed ties (given the firms' distress ``dist``) and,
        per client tie, whether the partner is not distressed but has a
        material distressed partner other than the client."""
        dist_partner = material & dist[ub]
        n_dist = np.bincount(ua, weights=dist_partner.astype(np.float64), minlength=nf)
        n_excl = n_dist[p] - dist_partner[reverse[client_rows]]
        return dist_partner, material[client_rows] & ~dist[p] & (n_excl > 0)

    out: list[Alert] = []
    prev_exposed = np.zeros(len(client_rows), dtype=bool)
    prev_material = np.zeros(len(ukey), dtype=bool)
    tie_yen = np.zeros(len(ukey), dtype=np.float64)
    for tt in range(g.n):
        tie_yen += yen[:, tt]
        if tt >= TIE_MONTHS:
            tie_yen -= yen[:, tt - TIE_MONTHS]
        total = np.bincount(ua, weights=tie_yen, minlength=nf)
        material = (tie_yen > 0.5) & (tie_yen >= PARTNER_MIN_SHARE * total[ua])
        dist_partner, exposed = exposure(material, distressed[:, tt])
        act = material[client_rows]
        if tt == 0:
            prev_exposed, prev_material = exposed, material
            continue
        before = distressed[:, tt - 1]
        learnt = (first_known == tt) & loss[:, tt]
        if learnt.any():  # the month before as if these losses had held then
            before = before | learnt
            prev_exposed = exposure(prev_material, before)[1]
        newly = act & distressed[p, tt] & ~before[p]
        new_exposed = exposed & ~prev_exposed
        prev_exposed, prev_material = exposed, material
        month = g.months[tt]
        for k in np.flatnonzero((newly | new_exposed) & own_months[c, tt]):
            r = int(client_rows[k])
            client, partner = g.ids[c[k]], g.ids[p[k]]
            nums: dict[str, Any] = {"yen": int(round(tie_yen[r])), "tie_months": TIE_MONTHS,
                                    "share": round(float(tie_yen[r] / total[c[k]]), 4)}
            if newly[k]:
                nums.update({"hop": 1, "reasons": sorted(x for x in names if reasons[x][p[k], tt])})
                severity = "medium"
            else:
                lo, hi = starts[p[k]], starts[p[k] + 1]
                via_rows = lo + np.flatnonzero(dist_partner[lo:hi] & (ub[lo:hi] != c[k]))
                best = int(via_rows[np.argmax(tie_yen[via_rows])])
                via = int(ub[best])
                nums.update({"hop": 2, "via": g.ids[via], "via_yen": int(round(tie_yen[best])),
                             "via_share": round(float(tie_yen[best] / total[p[k]]), 4),
                             "reasons": sorted(x for x in names if reasons[x][via, tt])})
                severity = "low"
            out.append(Alert(alert_id(PARTNER_DISTRESS, client, month, partner), client, month,
                             PARTNER_DISTRESS, severity, partner, None, nums,
                             _pair_series(g, client, partner, tt)))
    return out


def _pair_series(g: _Grid, client: str, partner: str, t: int) -> list[dict[str, Any]]:
    """Both directions of a client's trade with a partner, as far as there is any."""
    if g.pair_rows is None:  # built once: pair rows sorted by (client, partner), and the codes
        g.pair_rows = {"client": {c: i for i, c in enumerate(g.clients)},
                       "firm": {f: i for i, f in enumerate(g.ids)}}
        keys = g.firm * max(g.network.n_firms, 1) + g.partner
        g.pair_order = np.argsort(keys, kind="stable")
        g.pair_keys = keys[g.pair_order]
    assert g.pair_keys is not None and g.pair_order is not None
    key = g.pair_rows["client"][client] * max(g.network.n_firms, 1) + g.pair_rows["firm"][partner]
    lo, hi = np.searchsorted(g.pair_keys, key), np.searchsorted(g.pair_keys, key, side="right")
    hits = sorted(int(r) for r in g.pair_order[lo:hi])
    return _series(g, [("sales" if g.side[r] == 0 else "purchases", r) for r in hits], t)


# -- all of it -------------------------------------------------------------------------------


def compute_alerts(trades: pd.DataFrame, clients: Sequence[str], *,
                   ledgers: Mapping[str, Mapping[str, Mapping[str, int]]] | None = None,
                   parameters: Iterable[ParameterLike] = (), end: str | None = None,
                   kinds: Iterable[str] = KINDS,
                   industries: Mapping[str, str | None] | None = None) -> list[Alert]:
    """Every alert of every client and month.

    Parameters
    ----------
    trades : pandas.DataFrame
        Monthly trade of the region: ``seller``, ``buyer``, ``month``
        (``YYYY-MM``), ``amount`` (yen), e.g.
        :meth:`queries.store.Store.trade_frame`.
    clients : sequence of str
        The BPO's client firms (alerts are about them).
    ledgers : mapping, optional
        What each client's own ledger recorded, yen per month
        (:meth:`queries.store.Store.ledger_sums`: kind → ``YYYY-MM`` →
        yen, kinds ``sales``, ``purchases``, ``receipts``, ``payments``):
        receivable days (as :mod:`graph.ledger_figures` computes them), the
        ledger's months (coverage) and the client's own totals behind an alert.
    parameters : iterable of ParameterLike
        Management parameters (distress reasons).
    end : str, optional
        The month the alerts are computed as of: the region's month
        (default: :func:`as_of_month` of the clients' last ledger months —
        the latest month at least half of them reach; the latest month of
        trade or figures when no client has either). Later months are not
        evaluated; a ledger ending before it is a ``coverage_drop``.
    kinds : iterable of str
        Which kinds to compute (default all of :data:`KINDS`).
    industries : mapping, optional
        Client id → JSIC division letter: a client's receivable days are
        compared with its industry's usual rise where there are enough
        clients of it (:func:`usual_rise`).

    Returns
    -------
    list of Alert
        Newest month first, then by severity, firm, kind and subject.
    """
    wanted = set(kinds)
    g = _grid(trades, clients, ledgers or {}, end)
    if g is None:
        return []
    out: list[Alert] = []
    if TOP_PARTNER_LOST in wanted:
        out += _top_partner_lost(g)
    if CONCENTRATION_JUMP in wanted:
        out += _concentration_jump(g)
    if PARTNER_DISTRESS in wanted:
        out += _partner_distress(g, list(parameters))
    if RECEIVABLE_DAYS in wanted:
        out += _receivable_days_rising(g, _receivable_matrix(g), industries)
    if COVERAGE_DROP in wanted:
        out += _coverage_drop(g)
    rank = {s: i for i, s in enumerate(SEVERITIES)}
    out.sort(key=lambda a: (-month_number(a.month), rank[a.severity], a.firm_id, a.kind, a.subject_id or ""))
    return distinct_ids(out)


def distinct_ids(alerts: list[Alert]) -> list[Alert]:
    """The alerts, each with an id of its own.

    One partner can be a client's top customer *and* top supplier, and be
    lost on both sides in one month: two alerts of one kind, firm, month
    and partner, which :func:`alert_id` gives one id (acknowledging one
    acknowledged both; only one had a page). Where ids repeat, every alert
    of a side but the customers' gets its side in its id. The customers'
    (and every alert whose id is its own) keeps the id it always had, so
    its acknowledgements stay with it.

    >>> a = Alert(alert_id("top_partner_lost", "F1", "2025-03", "P"), "F1", "2025-03", "top_partner_lost",
    ...           "high", "P", "customer")
    >>> b = Alert(a.id, "F1", "2025-03", "top_partner_lost", "high", "P", "supplier")
    >>> [x.id for x in distinct_ids([a, b])] == [a.id, alert_id("top_partner_lost", "F1", "2025-03", "P\x1fsupplier")]
    True
    """
    seen = Counter(a.id for a in alerts)
    if all(n == 1 for n in seen.values()):
        return alerts
    return [replace(a, id=alert_id(a.kind, a.firm_id, a.month, f"{a.subject_id or ''}\x1f{a.side}"))
            if seen[a.id] > 1 and a.side not in (None, "customer") else a for a in alerts]
