"""A firm's dossier: everything the firm page and the credit memo show, as plain values.

:func:`build_dossier` reads one firm through the principal's scoped store and
returns a :class:`Dossier` — a tree of frozen dataclasses holding strings,
numbers, lists and ``None``; no HTML, no translations (English labels of
metrics are in :data:`METRIC_LABELS`, translated by the templates). The
firm page (``GET /ui/firms/{id}``, :mod:`api.routes.firm_ui`) and the
printable credit memo (``/firms/{id}/report``) render the same dossier.

Interface::

    from api.web.dossier import build_dossier, whatif
    d = build_dossier(ScopedStore(store, principal, focus="F0001"), "F0001",  # focus: see ScopedStore
                      snapshots=shared_snapshot_cache(app.state),  # peers; None: left out
                      months=24)                                   # months in the series; None: all
    d.profile.name, d.coverage.latest_month, d.concentration.customers[0].share
    w = whatif(scoped_store, "F0001", d.whatif.candidates[0].id)   # one partner fails (seconds)
    d = dossier_cache(app.state).get(scoped_store, "F0001", snapshots=..., months=24)
                                       # the same, kept per app, scope, firm and data version

Sections (each documented on its class):

* ``profile`` — name, id, 法人番号, industry (JSIC division), prefecture, client flag;
* ``coverage`` — the firm's own ledger files (batches), months, latest month and load,
  and the share of its sales and purchases that name a partner;
* ``concentration`` — top customers and suppliers with yen and share, HHI of each side
  (:func:`graph.metrics.hhi`), over all months of the data;
* ``terms`` — receivable and payable days per month from the firm's own ledger
  (:func:`api.service.figures`) and the 売掛金回転期間 its parameters report;
* ``trend`` — the firm's turnover against its trading group's (:func:`api.analytics.trend_of`)
  and the partners that drive the gap;
* ``health`` — each partner's distress reasons (:mod:`graph.distress`), the share of
  trade with distressed partners and the two-hop exposure (:mod:`graph.metrics`);
* ``peers`` — quartiles against peers (:func:`api.portfolio.peers_of`), suppressed
  statistics (fewer than 5 firms) kept as such;
* ``whatif`` — the partners one may pick for :func:`whatif` (:func:`api.analytics.whatif_of`),
  and ``highlights``: the three partners with the largest direct exposure (share of the
  firm's sales to a customer or purchases from a supplier in the 12 months a what-if
  computed now counts, to the region's month; no propagation is computed);
* ``masking`` — what the scope masked: partners shown under pseudonyms (``p-…``) and the
  scope's statements of what is left out (``queries.scoped``);
* ``lineage`` — ledgers (batches), the clients whose ledgers record the firm, as-of dates.

Access: every read goes through the store passed in (a
:class:`queries.scoped.ScopedStore`), so a credit officer's dossier holds only
what the bank may see (one exception: the scoped store has no batch list, so
the firm's own ledger files are listed from the store it wraps, after it
showed the firm — a consenting firm's own files); a firm the principal may not see raises
:class:`queries.store.NotFound` exactly like an unknown one, a researcher
:class:`queries.scoped.AccessDenied`. Masked partners carry no distress reasons
(their signals are not shown, and not counted in exposures).

Cost: a few reads around the firm and its partners — about half a second
for a client with 1,400 partners as an analyst on the embedded store, about
one second as a credit officer (the scoped store reads and relabels the
series of every pair the bank sees around the partners;
``bench/bench_dossier.py``), hence :class:`DossierCache`. The what-if reads three hops and is computed
only on request.

Units: yen (int), shares 0–1, days, months ``YYYY-MM``, growth in percent,
gaps in percentage points; timestamps ISO 8601 (UTC).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import threading
from collections import OrderedDict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, cast

import pandas as pd

from api import analytics, load_checks, service
from api.cache import app_state_once
from api.portfolio import DISTRESS_MEASURES, TWO_HOP_MEASURES
from api.region_month import region_month
from domain.errors import InputError
from graph.contagion import WHATIF_NOTES, WINDOW_MONTHS
from graph.distress import (
    LOSS_MAKING,
    RECEIVABLE_DAYS_RISING,
    STOPPED_TRADING,
    active_span,
    distress_reasons,
    stopped_trading_of,
)
from graph.ego import partner_sums
from graph.metrics import hhi, partner_distress_share, two_hop_distress_exposure
from graph.network import TradeNetwork, month_label, month_number, month_range
from ingest import review
from queries.model import Firm, ParameterRow
from queries.scoped import ReadStore, access_of, is_pseudonym, scope_key_of
from queries.series import FirmTotals, PairTrade, split_observers
from queries.store import NotFound, Store

__all__ = [
    "Dossier", "Profile", "Batch", "Coverage", "PartnerShare", "Concentration", "TermsPoint", "Terms",
    "TrendPoint", "GapDriver", "Trend", "PartnerHealth", "Health", "PeerRow", "Peers", "Candidate",
    "Highlight", "WhatIfChoice", "MaskedPartner", "Masking", "Lineage", "WhatIf", "AffectedPartner",
    "build_dossier", "dossier_cache", "DossierCache", "whatif", "is_masked", "value_format", "KEY_MEASURES", "METRIC_LABELS", "REASON_LABELS", "TOP",
]

TOP = 10
"""Rows of each partner table the page shows; the rest are counted ("and N more")."""
PAYMENTS_LISTED = 200
"""Counterparties a non-client's payments list holds (the largest; the rest counted)."""
MASKED_LISTED = 200
"""Partners under pseudonyms a dossier lists (largest trade first): the firm
page shows the first :data:`TOP`; the memo, which an officer files, lists
them all up to this many."""
HIGHLIGHTS = 3
MAX_CANDIDATES = 300
"""Partners offered in the what-if picker (the largest by yen both ways)."""

METRIC_LABELS: dict[str, str] = {
    # network metrics (graph.metrics.METRICS)
    "out_degree": "Customers", "in_degree": "Suppliers", "partners": "Trading partners",
    "out_strength": "Sales to partners (yen)", "in_strength": "Purchases from partners (yen)",
    "top_customer_share": "Largest customer's share", "top3_customer_share": "Three largest customers' share",
    "customer_hhi": "Customer HHI", "top_supplier_share": "Largest supplier's share",
    "top3_supplier_share": "Three largest suppliers' share", "supplier_hhi": "Supplier HHI",
    "constraint": "Network constraint", "effective_size": "Effective size", "ego_density": "Ego density",
    "reciprocity": "Reciprocity", "reciprocity_amount": "Reciprocity (yen)",
    "new_partners_per_period": "New partners per quarter", "lost_partners_per_period": "Lost partners per quarter",
    "partner_churn_rate": "Partner churn rate", "client_sales_coverage": "Sales to BPO clients",
    "client_purchase_coverage": "Purchases from BPO clients", "distressed": "Distressed",
    "partner_distress_share": "Trade with distressed partners", "customer_distress_share":
    "Sales to distressed customers", "supplier_distress_share": "Purchases from distressed suppliers",
    "two_hop_distress_exposure": "Two-hop exposure to distress", "hops_to_distress": "Hops to nearest distress",
    # management parameters (domain.parameters)
    "size_class": "Size class", "profitable": "Ordinary profit (1 = profit)",
    "ordinary_margin_pct": "Ordinary margin (%)", "employees": "Employees",
    "nonregular_ratio_pct": "Non-regular staff (%)", "overtime_hours": "Overtime (hours/month)",
    "ar_turnover_days": "Receivable turnover (days)", "indirect_staff_ratio_pct": "Indirect staff (%)",
}
"""English labels of peer measures (metric and parameter names), translated by the templates."""

KEY_MEASURES = frozenset({
    "size_class", "profitable", "ordinary_margin_pct", "employees", "ar_turnover_days", "partners",
    "top_customer_share", "customer_hhi", "top_supplier_share", "supplier_hhi", "partner_churn_rate",
    "partner_distress_share", "two_hop_distress_exposure",
})
"""Peer measures a page shows first (the management parameters that grade a
firm, concentration, churn and distress); the others can follow folded."""

SHARE_MEASURES = frozenset({
    "top_customer_share", "top3_customer_share", "top_supplier_share", "top3_supplier_share",
    "reciprocity", "reciprocity_amount", "partner_churn_rate", "client_sales_coverage",
    "client_purchase_coverage", "partner_distress_share", "customer_distress_share", "supplier_distress_share",
    "two_hop_distress_exposure",
})
"""Peer measures that are shares 0–1, shown as percent."""
INDEX_MEASURES = frozenset({"customer_hhi", "supplier_hhi", "ego_density", "constraint"})
"""Peer measures that are indices 0–1 (not shares of anything), shown as the
concentration section shows HHI: to three decimals."""


def value_format(name: str, unit: str | None = None) -> str:
    """How a peer measure's values read: ``share`` (0–1, shown as percent),
    ``index`` (HHI, constraint, density: 0–1 to three decimals), ``yen``,
    ``percent`` (already in percent), ``days``, ``flag`` (0/1) or ``number``."""
    if name in SHARE_MEASURES:
        return "share"
    if name in INDEX_MEASURES:
        return "index"
    if name in ("out_strength", "in_strength"):
        return "yen"
    if unit == "%":
        return "percent"
    if unit == "days":
        return "days"
    if unit == "flag" or name == "distressed":
        return "flag"
    return "number"


REASON_LABELS: dict[str, str] = {
    LOSS_MAKING: "Ordinary loss", RECEIVABLE_DAYS_RISING: "Receivable days rising",
    STOPPED_TRADING: "Stopped trading",
}
"""English labels of distress reasons (:data:`graph.distress.REASONS`)."""


is_masked = is_pseudonym
"""Whether an id is a pseudonym (a partner that did not consent to the asker's bank)."""


# -- the tree -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Profile:
    """Who the firm is. ``industry``: JSIC division letter (A–T)."""

    id: str
    name: str | None
    corporate_number: str | None
    industry: str | None
    prefecture: str | None
    is_client: bool


@dataclass(frozen=True)
class Batch:
    """One ledger file of the firm's own books as loaded: ``file`` is the
    file's name only (no server path), ``loaded_at`` ISO 8601, rows counted,
    ``first_month`` / ``last_month`` (``YYYY-MM``) the months it holds (``None``
    for a file that holds none, e.g. an empty one)."""

    id: str
    file: str
    format: str
    loaded_at: str
    rows_loaded: int
    rows_rejected: int
    status: str
    first_month: str | None = None
    last_month: str | None = None


@dataclass(frozen=True)
class PendingSpelling:
    """A client's spelling of the firm that waits in the name review queue:
    the firm holds it for now, and a person should decide whether it is
    ``candidate_id`` (a firm the resolver could not tell it from, or found
    too weak a match for) — e.g. a 全銀 payee in truncated bank kana that
    two registered firms share. Names are ``None`` where the store has none
    (a candidate's: :func:`ingest.review.names_of`)."""

    client_id: str
    client_name: str | None
    raw_name: str
    candidate_id: str | None
    candidate_name: str | None
    candidate_registered_only: bool = False  # a 法人番号 registry entry no ledger names yet: no firm page


@dataclass(frozen=True)
class PaymentSide:
    """Settlements between the firm and one counterparty over all months,
    as clients' ledgers recorded them (bank statements, 全銀 files, the
    receipts and payments of journals): ``direction`` ``"received"`` (the
    counterparty paid the firm) or ``"paid"`` (the firm paid it); ``yen``;
    the first and last month (``YYYY-MM``) and how many months hold one."""

    id: str
    name: str | None
    masked: bool
    direction: Literal["received", "paid"]
    yen: int
    first_month: str
    last_month: str
    months: int
    # of those months, the ones whose settlements the counterparty's ledger holds both in its journal and
    # in a bank statement or 全銀 file (api.load_checks.client_double_settlements): perhaps counted twice
    doubled_months: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Payments:
    """A firm that is not a BPO client, as clients' ledgers record paying
    it or being paid by it — what a firm known from a bank file alone
    has (its trade is what the rest of the page shows; a client's own
    settlements are in its terms). ``rows``: the largest counterparties and
    directions (at most :data:`PAYMENTS_LISTED`) by yen, those of the first
    :data:`TOP` with their ``doubled_months``; ``n``: how many there are;
    ``received_yen`` / ``paid_yen``: the firm's receipts and payments (yen, all
    months); ``observers``: the clients whose ledgers record them;
    ``months``: every month (``YYYY-MM``) with one."""

    rows: list[PaymentSide]
    n: int
    received_yen: int
    paid_yen: int
    observers: list[str]
    months: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Coverage:
    """What data there is about the firm and up to when.

    ``source``: ``"own_ledger"`` (a BPO client: its own books) or
    ``"partners_ledgers"`` (only clients' ledgers record its trade).
    ``months``: months with trade or ledger lines (``YYYY-MM``, sorted);
    ``latest_load``: when the latest of the firm's own ledger files was loaded.
    ``named_sales_share`` / ``named_purchases_share`` (0–1): share of the
    own ledger's sales / purchases (yen) that name a partner — only that part
    is in the network; ``None`` without own ledger lines.
    ``double_settlements``: ``{"kind": "receipts" | "payments", "months"}``
    where both its journal and a bank statement or 全銀 file hold the month's
    settlements (:func:`api.load_checks.double_settlements`): if the journal
    was booked from the statement they count twice, and its receivable
    (payable) days read shorter than they are.
    ``held_months``: of the months from the first to the last its own files
    hold (``held_span``), how many they hold (``None`` without own ledger
    files: ``len(months)`` counts); ``gaps``: the runs of those months the
    files lack, ``(first, last)`` each, oldest first — a ledger with a
    missing quarter is not read as complete (the monthly figures fill every
    month between the first and the last).
    ``open_reviews``: a client's spellings waiting in the name review queue
    (operator scope only — analysts and admins; ``None`` otherwise).
    ``pending_spellings``: clients' spellings of this firm that wait in the
    name review queue (operator scope only; ``None`` otherwise).
    ``payments``: for a firm that is not a client, its settlements with
    clients as their ledgers record them (``None`` for a client, or none).
    """

    source: Literal["own_ledger", "partners_ledgers"]
    batches: list[Batch]
    months: list[str]
    first_month: str | None
    latest_month: str | None
    latest_load: str | None
    named_sales_share: float | None
    named_purchases_share: float | None
    sales_yen: int
    purchases_yen: int
    double_settlements: list[dict[str, Any]] = field(default_factory=list)
    held_months: int | None = None
    gaps: list[tuple[str, str]] = field(default_factory=list)
    open_reviews: int | None = None
    held_span: tuple[str, str] | None = None  # the first and last month of the client's own files
    pending_spellings: list[PendingSpelling] | None = None
    payments: Payments | None = None


@dataclass(frozen=True)
class PartnerShare:
    """One partner's yen with the firm (over all months) and its share of
    the firm's sales (customers) or purchases (suppliers), 0–1."""

    id: str
    name: str | None
    yen: int
    share: float
    masked: bool


@dataclass(frozen=True)
class Concentration:
    """Top customers and suppliers (at most :data:`TOP` each, largest first),
    how many there are, yen in total and the HHI of each side (0–1: 1 for a
    single partner; ``None`` without partners on that side)."""

    customers: list[PartnerShare]
    suppliers: list[PartnerShare]
    n_customers: int
    n_suppliers: int
    sales_yen: int
    purchases_yen: int
    customer_hhi: float | None
    supplier_hhi: float | None
    # a client's: the yen of each side beyond what its own ledger books with a partner's name (trade
    # only the partners' ledgers record, or record as more), when more than BEYOND_LEDGER of the side
    beyond_ledger_sales_yen: int = 0
    beyond_ledger_purchases_yen: int = 0

    @property
    def more_customers(self) -> int:
        return self.n_customers - len(self.customers)

    @property
    def more_suppliers(self) -> int:
        return self.n_suppliers - len(self.suppliers)


BEYOND_LEDGER = 0.0005
"""The share of a side's yen by which the trade with partners may exceed what
the client's own ledger books with a partner's name before the page says so
(rounding: no sentence for a few yen). It was 0.5 %: a hub client's named
sales showed ¥43.5M (0.34 %) above its ledger's, beside "100.0 % of its
ledger's sales", with no word (found by an analyst's walkthrough)."""


def _beyond_ledger(network_yen: int, ledger_yen: int, named_share: float | None) -> int:
    """Yen of a client's trade with its partners (``network_yen``, every
    ledger's record merged) beyond what its own ledger books with a partner's
    name (``ledger_yen`` × ``named_share``): trade that only the partners'
    ledgers record. 0 when within :data:`BEYOND_LEDGER`, or without an own ledger."""
    if named_share is None or network_yen <= 0:
        return 0
    extra = network_yen - round(ledger_yen * named_share)
    return extra if extra > BEYOND_LEDGER * network_yen else 0


@dataclass(frozen=True)
class TermsPoint:
    """One month of the firm's own ledger: sales and purchases (yen),
    receivable and payable days (``None`` without trailing sales/purchases)."""

    month: str
    sales: int
    purchases: int
    receivable_days: float | None
    payable_days: float | None


@dataclass(frozen=True)
class Terms:
    """Receivable and payable days over time (the last ``months`` months of
    the own ledger; empty for a firm that is not a client), the latest
    values (at the region's month where the ledger reaches past it:
    ``ahead``), and the 売掛金回転期間 (days) the firm's management parameters
    report with its period (``None`` when not reported). ``note``: how days
    are computed (balances start at 0 at the first month of data)."""

    series: list[TermsPoint]
    latest_receivable_days: float | None
    latest_payable_days: float | None
    reported_ar_days: float | None
    reported_period: str | None
    note: str
    # the months after the region's month the own ledger reaches (first, last): in the series, but
    # the latest days are taken at the region's month, ``region`` (api.region_month), as the
    # portfolio takes them
    ahead: tuple[str, str] | None = None
    region: str | None = None
    # receivable / payable: the runs of months (first, last) whose balance is below zero (more received
    # than sold, or paid than bought, up to then: graph.ledger_figures.below_zero); days there are no term
    below_zero: dict[str, list[tuple[str, str]]] = field(default_factory=dict)


@dataclass(frozen=True)
class TrendPoint:
    """One period: the firm's and its group's turnover (sales + purchases, yen)
    and growth on the previous period (%; ``None`` at the start)."""

    period: str
    firm_volume: int
    group_volume: int
    partners_volume: int
    firm_growth_pct: float | None
    group_growth_pct: float | None
    gap_pp: float | None


@dataclass(frozen=True)
class GapDriver:
    """A partner that moved the group's growth: turnover in the base and
    current period (yen), its change and its contribution (percentage points)."""

    id: str
    name: str | None
    role: str | None
    base: int
    current: int
    change: int
    contribution_pp: float
    masked: bool


@dataclass(frozen=True)
class Trend:
    """The firm against its trading group (``graph.trends``): the series (the
    last ``months`` periods), the attribution of the latest defined growth
    (``basis`` ``yoy`` or ``pop``, ``period`` against ``base_period``) with
    its drivers; ``None`` fields when no growth is defined yet."""

    freq: str
    series: list[TrendPoint]
    period: str | None
    base_period: str | None
    basis: str | None
    firm_growth_pct: float | None
    group_growth_pct: float | None
    gap_pp: float | None
    firm_contribution_pp: float | None
    partners_contribution_pp: float | None
    others_contribution_pp: float | None
    drivers: list[GapDriver]
    note: str
    # the months after the region's month the firm's own trade reaches (first, last), left out
    # (api.region_month): most clients' ledgers do not hold them yet
    left_out: tuple[str, str] | None = None


@dataclass(frozen=True)
class PartnerHealth:
    """One partner: its trade with the firm (yen both ways), its distress
    reasons (keys of :data:`REASON_LABELS`) and whether its signals are masked
    (a pseudonymous partner: its reasons are not shown)."""

    id: str
    name: str | None
    role: str
    yen: int
    reasons: list[str]
    masked: bool


@dataclass(frozen=True)
class Health:
    """Partner health as of ``as_of`` (the latest month of trade around the firm).

    ``flagged``: distressed partners, largest trade first (at most :data:`TOP`),
    of ``n_flagged`` among ``n_partners``; ``partner_distress_share`` (0–1):
    share of the firm's trade (yen) with distressed partners;
    ``two_hop_exposure`` (0–1): the firm's partners' trade with distressed
    firms, weighted by the firm's trade with each partner
    (:func:`graph.metrics.two_hop_distress_exposure`); ``distressed_second_hop``:
    distressed firms two steps away. ``masked_partners``: partners whose
    signals are not shown (did not consent), ``masked_share`` (0–1) the share
    of the firm's trade (yen) with them: those partners are not assessed, so
    where every partner is masked nothing can be said of their health (the
    page says so rather than "no partner shows a signal").
    ``second_hop_seen``: firms two steps away whose signals can be read (not
    under pseudonyms). Two-hop exposure can be assessed only through assessed
    partners with such firms beyond them (:attr:`two_hop_assessable`); where
    it cannot, ``two_hop_exposure`` is ``None`` and the pages say "not
    assessable" — 0 % would read as "no exposure" where nothing was seen.
    Screening signals, not a default prediction.
    """

    as_of: str | None
    n_partners: int
    n_flagged: int
    flagged: list[PartnerHealth]
    partner_distress_share: float | None
    two_hop_exposure: float | None
    distressed_second_hop: int
    masked_partners: int
    masked_share: float = 0.0
    second_hop_seen: int = 0

    @property
    def two_hop_assessable(self) -> bool:
        """Whether two-hop exposure says anything: some partner is assessed
        and some firm beyond the partners can be seen with its signals."""
        return not self.none_assessed and self.n_partners > 0 and self.second_hop_seen > 0

    @property
    def assessed_partners(self) -> int:
        """Partners whose signals are counted (the visible ones)."""
        return self.n_partners - self.masked_partners

    @property
    def none_assessed(self) -> bool:
        """Whether the firm has partners but none of them can be assessed."""
        return self.n_partners > 0 and self.assessed_partners == 0


@dataclass(frozen=True)
class PeerRow:
    """One measure against the peer group (``format``: :func:`value_format`):
    the firm's value, the peers' quartiles and ``n`` (``None`` when ``suppressed``: fewer than 5 firms —
    ``reason`` says so), the percentile (0–100) and ``comparison``
    (``better``/``worse``/``similar`` by ``direction``). ``assessable`` is
    false where the firm's own value cannot be assessed (a distress measure
    when its partners are under pseudonyms): the page says so instead of a
    value or a reading."""

    name: str
    label: str
    kind: str
    format: str
    unit: str | None
    direction: str | None
    value: float | None
    n: int | None
    q1: float | None
    median: float | None
    q3: float | None
    percentile: float | None
    comparison: str | None
    suppressed: bool
    reason: str | None
    assessable: bool = True


@dataclass(frozen=True)
class Peers:
    """Peer position (:func:`api.portfolio.peers_of`). ``available`` is false
    (with ``reason``) for a firm that is not a client, has no JSIC division, or
    when no peer data exist. ``basis``: ``division_size`` or ``division``;
    ``members``: firms in the group (``None`` when fewer than ``min_n``);
    ``computed_at`` / ``stale``: when the network metrics were computed.
    ``reason_code`` says why there is none: ``not_client``, ``no_industry``,
    ``no_data``, ``not_requested`` or ``other`` (``reason`` then is the text)."""

    available: bool
    reason: str | None
    period: str | None = None
    basis: str | None = None
    industry: str | None = None
    size_class: int | None = None
    members: int | None = None
    min_n: int = 5
    fallback_reason: str | None = None
    rows: list[PeerRow] = field(default_factory=list)
    computed_at: str | None = None
    stale: bool = False
    reason_code: str | None = None

    @property
    def suppressed(self) -> int:
        return sum(1 for r in self.rows if r.suppressed)


@dataclass(frozen=True)
class Candidate:
    """A partner one may pick for :func:`whatif` (yen both ways with the firm)."""

    id: str
    name: str | None
    role: str
    yen: int
    masked: bool


@dataclass(frozen=True)
class Highlight:
    """A partner whose failure would hurt most directly: the share of the
    firm's sales it buys (``sales_share``) and of its purchases it supplies
    (``supply_share``), 0–1, with the yen behind them."""

    id: str
    name: str | None
    role: str
    sales_to: int
    purchases_from: int
    sales_share: float | None
    supply_share: float | None
    masked: bool


@dataclass(frozen=True)
class WhatIfChoice:
    """The what-if picker: ``candidates`` (largest first by yen over all
    months, at most :data:`MAX_CANDIDATES` of ``n_partners``) and the
    ``highlights``, ranked by their shares over ``window`` (first, last
    month): the months a what-if computed now counts (:func:`_whatif_window`),
    so that a partner the firm stopped trading with two years ago is not
    named as its largest exposure, and the shares shown are the what-if's."""

    candidates: list[Candidate]
    n_partners: int
    highlights: list[Highlight]
    window: tuple[str, str] | None = None


@dataclass(frozen=True)
class MaskedPartner:
    """A partner shown under a pseudonym, as the firm's own ledger names it."""

    id: str
    name: str | None
    yen: int


@dataclass(frozen=True)
class Masking:
    """What the asker's scope masked: ``scope`` (``operator``, ``bank``),
    ``bank``, the scope's statements (English, the same for every firm:
    ``queries.scoped``), and the partners shown under pseudonyms (largest
    first, at most :data:`MASKED_LISTED`, of ``n_pseudonymised``)."""

    scope: str
    bank: str | None
    statements: list[str]
    pseudonymised: list[MaskedPartner]
    n_pseudonymised: int

    @property
    def any(self) -> bool:
        return bool(self.statements or self.n_pseudonymised)


@dataclass(frozen=True)
class Lineage:
    """Where the numbers come from: the firm's own ledger files (batches,
    newest first), the clients whose ledgers record its trade (``observers``,
    ids the asker may see; ``observer_names``: their names by id, and those of
    ``payment_observers``, the clients whose ledgers record its payments —
    a firm that is not a client), the data version and when the dossier
    was made."""

    batches: list[Batch]
    observers: list[str]
    latest_month: str | None
    latest_load: str | None
    data_version: int
    generated_at: str
    peers_computed_at: str | None
    observer_names: dict[str, str | None] = field(default_factory=dict)
    payment_observers: list[str] = field(default_factory=list)  # the clients whose ledgers record only its payments


@dataclass(frozen=True)
class Dossier:
    """One firm's dossier (see the module docstring)."""

    profile: Profile
    coverage: Coverage
    concentration: Concentration
    terms: Terms
    trend: Trend
    health: Health
    peers: Peers
    whatif: WhatIfChoice
    masking: Masking
    lineage: Lineage


@dataclass(frozen=True)
class AffectedPartner:
    """A firm near the failing partner after propagation: its distress range
    (0–1, share of its equity proxy lost) and band."""

    id: str
    name: str | None
    relation: str
    hops_from_failing: int | None  # None: not within two hops of the failing firm
    distress_min: float
    distress_max: float
    band: str
    masked: bool


@dataclass(frozen=True)
class WhatIf:
    """If ``failing_id`` fails (:func:`api.analytics.whatif_of`): the direct
    exposure (receivable in yen and how it was estimated, sales to / purchases
    from it in yen over the window, shares 0–1), the firm's loss as a range
    (yen, share of annual sales, distress 0–1 with a band), the firms near the
    failure it reaches (at most :data:`TOP` of ``n_affected``), the assumptions'
    grid and notes. Ranges and bands, never a single score."""

    firm_id: str
    failing_id: str
    failing_name: str | None
    failing_masked: bool
    as_of: str
    hops: int
    receivable: int
    receivable_method: str
    receivable_days_assumed: float | None
    sales_to: int
    purchases_from: int
    sales_share: float | None
    supply_share: float | None
    loss_yen_min: int
    loss_yen_max: int
    loss_to_sales_min: float
    loss_to_sales_max: float
    distress_min: float
    distress_max: float
    band: str
    affected: list[AffectedPartner]
    n_affected: int
    recovery_rates: list[float]
    equity_ratios: list[float]
    # what the answer rests on: (English template of graph.contagion.WHATIF_NOTES, its
    # values), translated by the page like its other messages
    notes: list[tuple[str, dict[str, Any]]]
    window_months: int = 12  # the months (ending at as_of) of sales_to, purchases_from and their shares
    # the supply channel's assumptions: months without the failed supplier's goods, margin lost on them (0–1)
    supply_months: float = 3.0
    contribution_margin: float = 0.2


# -- building it ----------------------------------------------------------------------------


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _profile(f: Firm) -> Profile:
    return Profile(f.id, f.name, f.corporate_number, f.industry, f.prefecture, bool(f.is_client))


def _own_loads(store: ReadStore, firm_id: str,
               is_client: bool) -> tuple[list[Batch], list[dict[str, Any]], set[str]]:
    """Ledger files of the firm's own books (client id = the firm), those of
    the latest months first and the largest of them first, with the months
    each holds, and where its settlements are both in its journal and in a bank
    file (kind and months only: the files are listed beside;
    :func:`api.load_checks.client_double_settlements`), from one read of them;
    and every month the files hold (``YYYY-MM``).

    The scoped store has no batch list: batches are read from the store it
    wraps, and only after the scoped store showed the firm (a credit officer
    reaches here only for a firm that consented, whose own files these are)."""
    raw = getattr(store, "store", store)
    listing = getattr(raw, "list_batches", None)
    if listing is None:
        return [], [], set()
    loads = listing(firm_id)
    held = cast(Store, raw).batch_months([b.id for b in loads]) if loads else {}
    out = [Batch(b.id, service.shown_name(b.file), b.format, b.finished_at or b.started_at, b.rows_loaded,
                 b.rows_rejected, b.status, *_span(held.get(b.id)))
           for b in loads]
    doubled = load_checks.client_double_settlements(cast(Store, raw), firm_id, loads) if is_client else []
    # the files of the latest months first, the largest of them first: the main journal leads, not the
    # last of many small bank files loaded after it
    out.sort(key=lambda b: (b.last_month or "", b.rows_loaded, b.loaded_at), reverse=True)
    own_months: set[str] = set()
    for months in held.values():
        own_months |= months
    return out, [{"kind": d["kind"], "months": d["months"]} for d in doubled], own_months


def _gaps(held: Collection[str], first: str, last: str) -> tuple[int, list[tuple[str, str]]]:
    """Of the months ``first`` to ``last`` (``YYYY-MM``): how many ``held``
    has, and the runs it lacks as ``(first, last)``, oldest first."""
    months = month_range(first, last)
    runs = [(run[0], run[-1]) for missing, group in itertools.groupby(months, key=lambda m: m not in held)
            if missing and (run := list(group))]
    return sum(1 for m in months if m in held), runs


def _open_reviews(scoped: ReadStore, firm_id: str) -> int | None:
    """A client's spellings waiting for a decision in the name review queue
    (:func:`ingest.review.review_queue` reads the same status), from its own
    spellings only; ``None`` outside the operator's scope: credit officers
    never see the review queue."""
    if access_of(scoped).get("scope") != "operator":
        return None
    raw = cast(Store, getattr(scoped, "store", scoped))
    return sum(1 for a in raw.aliases(firm_id).values() if a.status == "review")


def _pending_spellings(scoped: ReadStore, store: ReadStore, firm_id: str) -> list[PendingSpelling] | None:
    """The clients' spellings of ``firm_id`` that wait in the name review
    queue, by client and spelling; ``None`` outside the operator's scope
    (credit officers never see the review queue, as in :func:`_open_reviews`).
    Names are read through ``store``."""
    if access_of(scoped).get("scope") != "operator":
        return None
    raw = cast(Store, getattr(scoped, "store", scoped))
    waiting = sorted(raw.aliases_of_firm(firm_id, status="review"), key=lambda a: (a.client_id, a.raw_name))
    if not waiting:
        return []
    clients = store.get_firms({a.client_id for a in waiting})
    current = review.current_candidates(raw, {a.candidate_id for a in waiting if a.candidate_id})
    candidates = set(current.values())
    known, unstored = review.names_of(raw, candidates), review.registered_only(raw, candidates)
    out = []
    for a in waiting:
        cid = current.get(a.candidate_id) if a.candidate_id else None
        out.append(PendingSpelling(a.client_id, clients[a.client_id].name if a.client_id in clients else None,
                                   a.raw_name, cid, known.get(cid) if cid else None, cid in unstored))
    return out


def _payments(store: ReadStore, firm_id: str, operator: Store | None) -> Payments | None:
    """The settlements clients' ledgers record between ``firm_id`` and its
    counterparties (all months; a credit officer's store gives those of
    the ledgers the bank may see, other parties under pseudonyms), summed
    per counterparty and direction; ``None`` when there are none. The
    firm's own ledger (a former client's) is left out: it is not "clients'
    ledgers". ``operator``: the store the operator's scope wraps, to mark the
    shown rows' months that a counterparty's ledger holds twice (journal and
    bank file, a few reads per row shown); ``None`` for another scope."""
    rows = store.payments([firm_id], None, None)
    sides: dict[tuple[str, str], dict[str, int]] = {}
    observers: set[str] = set()
    for r in rows:
        if r.payer == r.payee or r.amount == 0 or r.observer == firm_id:
            continue
        received = r.payee == firm_id
        key = (r.payer if received else r.payee, "received" if received else "paid")
        months = sides.setdefault(key, {})
        months[r.month] = months.get(r.month, 0) + r.amount
        if r.observer and not is_masked(r.observer):
            observers.add(r.observer)
    if not sides:
        return None
    names = store.get_firms({k[0] for k in sides})
    out = [PaymentSide(i, names[i].name if i in names else None, is_masked(i),
                       cast(Literal["received", "paid"], direction), sum(m.values()), min(m), max(m), len(m))
           for (i, direction), m in sides.items()]
    out.sort(key=lambda p: (-p.yen, p.id, p.direction))
    # the largest PAYMENTS_LISTED (the page folds all but the first TOP); the months a ledger holds twice
    # are looked up for the first TOP (a few reads each)
    shown = [_doubled(operator, p, sides[(p.id, p.direction)]) if operator and i < TOP else p
             for i, p in enumerate(out[:PAYMENTS_LISTED])]
    return Payments(shown, len(out), sum(p.yen for p in out if p.direction == "received"),
                    sum(p.yen for p in out if p.direction == "paid"), sorted(observers),
                    sorted({m for months in sides.values() for m in months}))


def _doubled(store: Store, side: PaymentSide, months: Collection[str]) -> PaymentSide:
    """``side`` with the months its counterparty's own ledger holds twice: a
    payment to the firm is the counterparty's ``payments``, a receipt from
    it the counterparty's ``receipts``
    (:func:`api.load_checks.client_double_settlements`)."""
    if side.masked:
        return side
    kind = "payments" if side.direction == "received" else "receipts"
    twice = {m for d in load_checks.client_double_settlements(store, side.id) if d["kind"] == kind
             for m in d["months"]}
    return dataclasses.replace(side, doubled_months=sorted(twice & set(months)))


def _span(months: Collection[str] | None) -> tuple[str | None, str | None]:
    """The first and last of some months (``None, None`` for none)."""
    return (min(months), max(months)) if months else (None, None)


def _tail(items: list[Any], months: int | None) -> list[Any]:
    return items if months is None else items[-months:] if months > 0 else []


def _int(x: Any) -> int | None:
    return None if x is None else int(x)


def _float(x: Any) -> float | None:
    if x is None:
        return None
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return None if v != v else v  # NaN → None


def _terms(store: ReadStore, firm: Firm, months: int | None, parameters: Sequence[ParameterRow],
           region: str | None) -> tuple[Terms, dict[str, Any] | None]:
    """The firm's payment terms. ``region``: the region's month; the latest
    days are taken there, not at a month this ledger alone reaches (one early
    bank statement, a part-month, took 46 receivable days to 18), as the
    portfolio takes them (``api.portfolio_signals``)."""
    fig = service.figures(store, firm.id) if firm.is_client else None
    rows = fig["months"] if fig else []
    series = [TermsPoint(r["month"], int(r["sales"]), int(r["purchases"]), _float(r.get("receivable_days")),
                         _float(r.get("payable_days"))) for r in rows]
    shown = _tail(series, months)
    upto = [p for p in series if region is None or p.month <= region]
    later = [p.month for p in series if region is not None and p.month > region]
    last_ar = next((p.receivable_days for p in reversed(upto) if p.receivable_days is not None), None)
    last_ap = next((p.payable_days for p in reversed(upto) if p.payable_days is not None), None)
    reported, period = None, None
    own = sorted((r for r in parameters if r.firm_id == firm.id), key=lambda r: r.period)
    for row in reversed(own):
        value = dict(row.values).get("ar_turnover_days")
        if value is not None:
            reported, period = float(value), row.period
            break
    note = str(fig["notes"]) if fig else ""
    below = {side: [(a, b) for a, b in runs] for side, runs in fig["below_zero"].items() if runs} if fig else {}
    return Terms(shown, last_ar, last_ap, reported, period, note, (later[0], later[-1]) if later else None,
                 region, below), fig


def _trend(store: ReadStore, firm_id: str, names: Mapping[str, Firm], months: int | None) -> Trend:
    t = analytics.trend_of(store, firm_id, "month")
    series = [TrendPoint(str(r["period"]), int(r["firm_volume"]), int(r["group_volume"]),
                         int(r["partners_volume"]), _float(r.get("firm_volume_pop_pct")),
                         _float(r.get("group_volume_pop_pct")), _float(r.get("gap_pop_pp")))
              for r in t["series"]]
    a = t.get("attribution") or {}
    drivers = [GapDriver(str(c["partner"]), names[c["partner"]].name if c["partner"] in names else None,
                         c.get("role"), int(c["base"]), int(c["current"]), int(c["change"]),
                         float(c["contribution_pp"]), is_masked(str(c["partner"])))
               for c in a.get("contributors", [])]
    return Trend("month", _tail(series, months), a.get("period"), a.get("base_period"), a.get("basis"),
                 _float(a.get("firm_growth_pct")), _float(a.get("group_growth_pct")), _float(a.get("gap_pp")),
                 _float(a.get("firm_contribution_pp")), _float(a.get("partners_contribution_pp")),
                 _float(a.get("others_contribution_pp")), drivers, str(t.get("note", "")),
                 (str(t["months_left_out"][0]), str(t["months_left_out"][1])) if t.get("months_left_out") else None)


def _activity_reasons(totals: Mapping[str, FirmTotals], end: str | None) -> set[str]:
    """Firms that stopped trading (:func:`graph.distress.stopped_trading`) read
    from their monthly totals: all the rule looks at is each firm's first and
    last month with turnover up to ``end``."""
    spans = {f: span for f, t in totals.items()
             if (span := active_span(t.months, t.sales, t.purchases, None, end)) is not None}
    return stopped_trading_of(spans, end=end)


def _structure(pairs: Iterable[tuple[str, str, int]], month: str) -> TradeNetwork | None:
    """The trade around the firm (yen over all months per pair) as one period's network."""
    seen: dict[tuple[str, str], int] = {}
    for s, b, yen in pairs:
        seen[(s, b)] = yen
    if not seen:
        return None
    frame = pd.DataFrame([(s, b, month, y) for (s, b), y in seen.items()],
                         columns=["seller", "buyer", "month", "amount"])
    return TradeNetwork(frame)


def _value(d: Mapping[str, float], key: str) -> float | None:
    return _float(d.get(key))


def _peers(store: ReadStore, firm_id: str, snapshots: Any) -> Peers:
    if snapshots is None:
        return Peers(False, "peer comparison not requested", reason_code="not_requested")
    from api.portfolio import peers_of

    try:
        p = peers_of(snapshots.get(store), firm_id)
    except InputError as e:
        text = str(e)
        code = ("not_client" if "not a BPO client" in text else "no_industry" if "JSIC division" in text
                else "no_data" if "no trade" in text else "other")
        return Peers(False, text, reason_code=code)
    rows = [PeerRow(s["name"], METRIC_LABELS.get(s["name"], s["name"]), s["kind"],
                    value_format(s["name"], s.get("unit")), s.get("unit"),
                    s.get("direction"), _float(s.get("value")), s.get("n"), _float(s.get("q1")),
                    _float(s.get("median")), _float(s.get("q3")), _float(s.get("percentile")),
                    s.get("comparison"), bool(s.get("suppressed")), s.get("reason"))
            for s in [*p["parameters"], *p["metrics"]]]
    g = p["group"]
    as_of = p.get("metrics_as_of") or {}
    return Peers(True, None, p.get("period"), g.get("basis"), g.get("industry"), g.get("size_class"),
                 g.get("members"), int(p.get("min_n", 5)), g.get("fallback_reason"), rows,
                 as_of.get("computed_at") or None, bool(as_of.get("stale")))


def _share_of(yen: Mapping[str, int], ids: Collection[str]) -> float:
    """The share (0–1) of the trade in ``yen`` (by partner) that is with ``ids``."""
    total = sum(v for v in yen.values() if v > 0)
    return sum(max(yen.get(i, 0), 0) for i in ids) / total if total > 0 else 0.0


def _without_distress_values(peers: Peers, measures: Collection[str] = DISTRESS_MEASURES) -> Peers:
    """``peers`` with the firm's own value, percentile and reading of
    ``measures`` (read from signals that cannot be seen) left empty and
    marked not assessable: where every partner of the firm is masked, or no
    firm beyond them can be seen, 0 % would read as "healthy partners" or
    "no exposure" when none could be assessed (the peers' quartiles stay)."""
    if not peers.rows:
        return peers
    rows = [dataclasses.replace(r, value=None, percentile=None, comparison=None, assessable=False)
            if r.name in measures else r for r in peers.rows]
    return dataclasses.replace(peers, rows=rows)


class _ReadOnce:
    """The store's reads that the dossier and the analytics it calls make
    alike (a firm's pairs, its ledger sums, the parameters, firms' monthly
    totals, firms by id), made once per dossier; everything else passes through.

    ``firm_totals`` answers a set of firms already read from what was read:
    each firm's totals depend on its own trade only, in every scope."""

    def __init__(self, store: ReadStore) -> None:
        self._store = store
        self._pairs: dict[str, list[PairTrade]] = {}
        self._sums: dict[str, dict[str, dict[str, int]]] = {}
        self._parameters: list[ParameterRow] | None = None
        self._firms: dict[str, Firm | None] = {}
        self._totals: dict[str, FirmTotals] = {}
        self._asked: set[str] = set()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    def pairs_of(self, firm_id: str) -> list[PairTrade]:
        if firm_id not in self._pairs:
            self._pairs[firm_id] = self._store.pairs_of(firm_id)
        return self._pairs[firm_id]

    def ledger_sums(self, client_id: str) -> dict[str, dict[str, int]]:
        if client_id not in self._sums:
            self._sums[client_id] = self._store.ledger_sums(client_id)
        return self._sums[client_id]

    def get_firms(self, firm_ids: Collection[str]) -> dict[str, Firm]:
        missing = [i for i in firm_ids if i not in self._firms]
        if missing:
            found = self._store.get_firms(missing)
            self._firms.update({i: found.get(i) for i in missing})
        return {i: f for i in firm_ids if (f := self._firms[i]) is not None}

    def parameters(self) -> list[ParameterRow]:
        if self._parameters is None:
            self._parameters = self._store.parameters()
        return self._parameters

    def parameters_of(self, firm_ids: Collection[str]) -> list[ParameterRow]:
        if self._parameters is not None:
            wanted = set(firm_ids)
            return [r for r in self._parameters if r.firm_id in wanted]
        return self._store.parameters_of(firm_ids)

    def firm_totals(self, firm_ids: Collection[str]) -> dict[str, FirmTotals]:
        wanted = set(firm_ids)
        missing = wanted - self._asked
        if missing:
            self._totals.update(self._store.firm_totals(missing))
            self._asked |= missing
        return {f: self._totals[f] for f in sorted(wanted) if f in self._totals}


def build_dossier(store: ReadStore, firm_id: str, *, snapshots: Any = None,
                  months: int | None = 24) -> Dossier:
    """The dossier of ``firm_id`` as ``store``'s principal may see it.

    ``snapshots``: the app's :class:`api.portfolio.SnapshotCache`
    (:func:`api.portfolio.shared_snapshot_cache`) for the peer position;
    ``None`` leaves peers out (``peers.available`` false). ``months``: how
    many of the latest months the series (terms, trend) hold; ``None`` for
    all — every figure is still computed on all data.

    Raises :class:`queries.store.NotFound` for an unknown firm or one the
    principal may not see; :class:`queries.scoped.AccessDenied` for a
    researcher. Costs a few store reads around the firm and its partners
    (about half a second for a firm with 1,500 partners on the embedded store);
    no propagation is computed (see :func:`whatif`).
    """
    firm = store.get_firm(firm_id)
    if firm is None:
        raise NotFound(f"no firm {firm_id!r}")
    scoped, store = store, cast(ReadStore, _ReadOnce(store))  # access and batches: the scoped store itself

    # -- the firm's own trade: partners and yen both ways (all months)
    pairs = store.pairs_of(firm_id)  # with monthly series: months and observers below
    around = [(p.seller, p.buyer, p.amount) for p in pairs]
    sales, purchases = partner_sums(firm_id, around)
    partners = sorted(set(sales) | set(purchases))
    names = store.get_firms(partners)

    def name(i: str) -> str | None:
        return names[i].name if i in names else None

    def role(i: str) -> str:
        s, p = sales.get(i, 0), purchases.get(i, 0)
        return "both" if s and p else "customer" if s else "supplier"

    yen = {i: sales.get(i, 0) + purchases.get(i, 0) for i in partners}
    by_yen = sorted(partners, key=lambda i: (-yen[i], i))

    # -- the network around the firm: its partners' trade (yen over all months)
    hop1 = set(partners)
    around2 = store.pair_amounts(hop1) if hop1 else []
    hop2 = {f for s, b, _ in around2 for f in (s, b)} - hop1 - {firm_id}
    # the management parameters of the firm and the firms around it, read once (those of
    # the rest of the region change nothing here): its own terms, and partner health below
    parameters = store.parameters_of(hop1 | hop2 | {firm_id})

    # the region's month (api.region_month): the latest month most clients' ledgers reach, where the
    # firm's terms and its partners' health are taken
    region = region_month(scoped)

    # -- terms and coverage (own ledger)
    terms, fig = _terms(store, firm, months, parameters, region)
    trade_months = {m for p in pairs for m, a in zip(p.months, p.amounts, strict=True) if a}
    ledger_months = {r["month"] for r in fig["months"]} if fig else set()
    operator = cast(Store, getattr(scoped, "store", scoped)) if access_of(scoped).get("scope") == "operator" else None
    paid = None if firm.is_client else _payments(store, firm_id, operator)
    all_months = sorted(trade_months | ledger_months | set(paid.months if paid else ()))
    batches, doubled, own_months = _own_loads(scoped, firm_id, bool(firm.is_client))
    cov = fig["coverage"] if fig else {}
    latest_load = max((b.loaded_at for b in batches if b.loaded_at), default=None)
    # the months the client's own files hold, between their first and last (the figures' series fills
    # the months between with zeros; months its partners' ledgers add before or after are no gap)
    held_span = (min(own_months), max(own_months)) if firm.is_client and own_months else None
    held_months, gaps = _gaps(own_months, *held_span) if held_span else (None, [])
    coverage = Coverage(
        "own_ledger" if firm.is_client else "partners_ledgers", batches, all_months,
        all_months[0] if all_months else None, all_months[-1] if all_months else None, latest_load,
        _float(cov.get("sales", {}).get("named_share")), _float(cov.get("purchases", {}).get("named_share")),
        int(cov.get("sales", {}).get("total_yen", sum(sales.values()))),
        int(cov.get("purchases", {}).get("total_yen", sum(purchases.values()))), doubled,
        held_months, gaps, _open_reviews(scoped, firm_id) if firm.is_client else None, held_span,
        _pending_spellings(scoped, store, firm_id), paid)

    # -- monthly totals: for the stopped-trading signal (firms whose signals may be shown), and the
    # trend's (the firm and its partners, read here once)
    totals = store.firm_totals(hop1 | {f for f in hop2 if not is_masked(f)} | {firm_id})
    end = max((t.months[-1] for t in totals.values() if t.months), default=coverage.latest_month)
    net = _structure([*around, *around2], end or "2000-01")
    # Partner health is judged at the region's month, as the portfolio and the peer table judge it
    # (api.portfolio.Snapshot): not at the latest month of the trade around the firm, which one
    # client's early delivery moves (or which the partners' having stopped holds back).
    as_of = region if region is not None else end

    def share(i: str, side: Mapping[str, int]) -> float:
        total = sum(v for v in side.values() if v > 0)
        return side[i] / total if total > 0 else 0.0

    def top(side: Mapping[str, int]) -> list[PartnerShare]:
        ranked = sorted((i for i in side if side[i] > 0), key=lambda i: (-side[i], i))[:TOP]
        return [PartnerShare(i, name(i), side[i], share(i, side), is_masked(i)) for i in ranked]

    c_hhi = _value(hhi(net, [firm_id], side="customer"), firm_id) if net is not None and sales else None
    s_hhi = _value(hhi(net, [firm_id], side="supplier"), firm_id) if net is not None and purchases else None
    concentration = Concentration(top(sales), top(purchases), sum(1 for v in sales.values() if v > 0),
                                  sum(1 for v in purchases.values() if v > 0), sum(sales.values()),
                                  sum(purchases.values()), c_hhi, s_hhi,
                                  _beyond_ledger(sum(sales.values()), coverage.sales_yen, coverage.named_sales_share),
                                  _beyond_ledger(sum(purchases.values()), coverage.purchases_yen,
                                                 coverage.named_purchases_share))

    # -- partner health: distress reasons of visible firms (masked partners' signals left out)
    reasons: dict[str, set[str]] = {f: set(r) for f, r in distress_reasons(parameters=parameters,
                                                                            end=as_of).items()}
    for f in _activity_reasons(totals, as_of):
        reasons.setdefault(f, set()).add(STOPPED_TRADING)
    reasons = {f: r for f, r in reasons.items() if not is_masked(f)}  # masked: not shown, not counted
    distressed = set(reasons) - {firm_id}
    flagged_ids = [i for i in by_yen if i in distressed]
    pseudo = [i for i in by_yen if is_masked(i)]  # partners under pseudonyms, largest trade first
    # two steps away through the partners that can be assessed, the firms whose signals can be read
    seen2 = {f for s, b, _ in around2 for f, via in ((s, b), (b, s))
             if f in hop2 and not is_masked(f) and via in hop1 and not is_masked(via)}
    health = Health(
        as_of, len(partners), len(flagged_ids),
        [PartnerHealth(i, name(i), role(i), yen[i], sorted(reasons[i]), False) for i in flagged_ids[:TOP]],
        _value(partner_distress_share(net, [firm_id], distressed=distressed), firm_id) if net else None,
        _value(two_hop_distress_exposure(net, [firm_id], distressed=distressed), firm_id) if net else None,
        len(hop2 & distressed), len(pseudo), _share_of(yen, pseudo), len(seen2))
    if not health.two_hop_assessable:  # nothing seen two steps away: not "no exposure"
        health = dataclasses.replace(health, two_hop_exposure=None)

    # -- trend against the group, peers
    trend = _trend(store, firm_id, names, months)
    peers = _peers(store, firm_id, snapshots) if firm.is_client else Peers(
        False, "not a BPO client: peer baselines compare clients", reason_code="not_client")
    unassessed = (DISTRESS_MEASURES if health.none_assessed else frozenset()) | (
        TWO_HOP_MEASURES if not health.two_hop_assessable else frozenset())
    if unassessed:
        peers = _without_distress_values(peers, unassessed)

    # -- what-if picker and highlights (direct exposure only, over the what-if's months)
    candidates = [Candidate(i, name(i), role(i), yen[i], is_masked(i)) for i in by_yen[:MAX_CANDIDATES]]
    window = _whatif_window(end, region, min(trade_months, default=None))
    w_sales, w_purchases = _window_sums(firm_id, pairs, window) if window else ({}, {})
    sales_total = sum(v for v in w_sales.values() if v > 0)
    purchases_total = sum(v for v in w_purchases.values() if v > 0)

    def exposure(i: str) -> float:
        a = w_sales.get(i, 0) / sales_total if sales_total else 0.0
        b = w_purchases.get(i, 0) / purchases_total if purchases_total else 0.0
        return max(a, b)

    highlights = [
        Highlight(i, name(i), role(i), w_sales.get(i, 0), w_purchases.get(i, 0),
                  w_sales[i] / sales_total if sales_total and i in w_sales else None,
                  w_purchases[i] / purchases_total if purchases_total and i in w_purchases else None,
                  is_masked(i))
        for i in sorted(partners, key=lambda i: (-exposure(i), -yen[i], i))[:HIGHLIGHTS] if exposure(i) > 0]
    choice = WhatIfChoice(candidates, len(partners), highlights, window)

    # -- masking and lineage
    access = access_of(scoped)
    masking = Masking(str(access.get("scope", "operator")), access.get("bank"), list(access.get("masked", [])),
                      [MaskedPartner(i, name(i), yen[i]) for i in pseudo[:MASKED_LISTED]], len(pseudo))
    observers = sorted({o for p in pairs for obs in p.observers for o in split_observers(obs)
                        if o and not is_masked(o)})
    paid_by = coverage.payments.observers if coverage.payments else []
    observer_firms = store.get_firms({*observers, *paid_by}) if observers or paid_by else {}
    lineage = Lineage(batches, observers, coverage.latest_month, latest_load, store.data_version(), _now(),
                      peers.computed_at,
                      {o: observer_firms[o].name if o in observer_firms else None for o in {*observers, *paid_by}},
                      paid_by)
    return Dossier(_profile(firm), coverage, concentration, terms, trend, health, peers, choice, masking,
                   lineage)


class DossierCache:
    """Dossiers kept for one store (one per app: :func:`dossier_cache`): by scope (:func:`queries.scoped.scope_key_of`:
    the operator's, one bank's), firm, data version and ``months``, so that a
    page seen again (another language, the what-if form without JavaScript,
    the memo after the page) is not computed again until the data change. A
    credit officer's scoped reads around a firm with many partners take
    seconds; this keeps it to once per data version.

    Cached dossiers are shared: treat them as read-only."""

    def __init__(self, size: int = 32) -> None:
        self.size = size
        self._lock = threading.Lock()
        self._entries: OrderedDict[tuple[Any, ...], Dossier] = OrderedDict()

    def get(self, store: ReadStore, firm_id: str, *, snapshots: Any = None, months: int | None = 24) -> Dossier:
        """:func:`build_dossier`, or the dossier built for the same key before.
        A firm the principal may not see raises as :func:`build_dossier` does
        (visibility is checked on every call, before the cache is read)."""
        if store.get_firm(firm_id) is None:
            raise NotFound(f"no firm {firm_id!r}")
        key = (scope_key_of(store), firm_id, store.data_version(), months, snapshots is not None)
        with self._lock:
            hit = self._entries.get(key)
            if hit is not None:
                self._entries.move_to_end(key)
                return hit
        dossier = build_dossier(store, firm_id, snapshots=snapshots, months=months)
        with self._lock:
            self._entries[key] = dossier
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return dossier


def dossier_cache(state: Any) -> DossierCache:
    """The app's one :class:`DossierCache` (``state``: the FastAPI ``app.state``;
    one app serves one store), made on first use."""
    return app_state_once(state, "dossiers", DossierCache)


def _whatif_window(latest: str | None, region: str | None, first_own: str | None = None
                   ) -> tuple[str, str] | None:
    """The months (first, last) a what-if computed now counts: the
    :data:`graph.contagion.WINDOW_MONTHS` months to the region's month when
    the trade around the firm goes past it (:func:`api.analytics.whatif_of`
    cuts there), unless the firm's own trade (its first month ``first_own``)
    all comes after it — a new client: nothing to cut to —, else to
    ``latest``, the last month of the trade around the firm (what
    :func:`graph.contagion.what_if` takes by default); ``None`` without trade."""
    if latest is None:
        return None
    cut = region is not None and latest > region and (first_own is None or first_own <= region)
    last = region if cut and region is not None else latest
    return month_label(month_number(last) - WINDOW_MONTHS + 1), last


def _window_sums(firm_id: str, pairs: Iterable[PairTrade], window: tuple[str, str]
                 ) -> tuple[dict[str, int], dict[str, int]]:
    """Yen ``firm_id`` sold to each customer and bought from each supplier
    in the months of ``window`` (first, last; inclusive)."""
    first, last = window
    around = [(p.seller, p.buyer, sum(a for m, a in zip(p.months, p.amounts, strict=True) if first <= m <= last))
              for p in pairs]
    sales, purchases = partner_sums(firm_id, around)
    return ({i: v for i, v in sales.items() if v}, {i: v for i, v in purchases.items() if v})


def whatif(store: ReadStore, firm_id: str, failing_id: str) -> WhatIf:
    """What happens to ``firm_id`` if ``failing_id`` fails
    (:func:`api.analytics.whatif_of`, through the scoped store): a partner
    within two hops (a pseudonym for a masked one) or a firm the principal
    may open; else :class:`queries.store.NotFound`. Reads three hops of
    trade: seconds for a firm with many partners — compute on request."""
    r = analytics.whatif_of(store, firm_id, failing_id)
    affected = r["partners"]
    ids: Collection[str] = {failing_id, *(p["id"] for p in affected[:TOP])}
    names = store.get_firms(list(ids))

    def name(i: str) -> str | None:
        return names[i].name if i in names else None

    d, f, a = r["direct"], r["focal"], r["assumptions"]
    return WhatIf(
        firm_id, failing_id, name(failing_id), is_masked(failing_id), str(r["as_of"]), int(r["hops"]),
        int(d["receivable"]), str(d["receivable_method"]), _float(d.get("receivable_days_assumed")),
        int(d["sales_to"]), int(d["purchases_from"]), _float(d.get("sales_share")), _float(d.get("supply_share")),
        int(f["loss_yen"][0]), int(f["loss_yen"][1]), float(f["loss_to_sales"][0]), float(f["loss_to_sales"][1]),
        float(f["distress"][0]), float(f["distress"][1]), str(f["band"]),
        [AffectedPartner(p["id"], name(p["id"]), p["relation"], _int(p["hops_from_failing"]),
                         float(p["distress"][0]), float(p["distress"][1]), p["band"], is_masked(p["id"]))
         for p in affected[:TOP]],
        len(affected), [float(x) for x in a.get("recovery_rates", [])],
        [float(x) for x in a.get("equity_ratios", [])],
        [(WHATIF_NOTES[n["key"]], _named(dict(n["values"]), failing_id, name(failing_id)))
         for n in r.get("note_items", [])],
        int(a.get("window_months", 12)), float(a.get("supply_months", 3.0)),
        float(a.get("contribution_margin", 0.2)))


def _named(values: dict[str, Any], failing_id: str, failing_name: str | None) -> dict[str, Any]:
    """A note's values as the page shows them: the failing firm by its name, as
    the result's heading names it (the API's note gives its id; a masked firm
    has no name here and keeps its pseudonym); counts with a thousands
    separator (``1,593``: Japanese and English group digits alike)."""
    shown = {k: f"{v:,}" if isinstance(v, int) and not isinstance(v, bool) else v for k, v in values.items()}
    if failing_name and values.get("firm") == failing_id:
        return {**shown, "firm": failing_name}
    return shown
