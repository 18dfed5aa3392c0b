"""The API's response models: what each route answers, for OpenAPI and its clients.

Firm-level answers (ego, figures, trend, what-if, peers) are rendered once
and cached as bytes (:mod:`api.firm_pages`), so their models document the
answer rather than re-validate it on every request; the contract test
(``tests/integration/test_schemathesis.py``) checks that answers match.
Models allow extra members: an answer may grow a field without breaking
clients, never lose or retype one. Amounts are yen (integers), growth in
percent, gaps in percentage points; ``None`` where a figure is undefined.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "Access", "Health", "FirmOut", "FirmPage", "EgoOut", "FiguresOut", "TrendOut", "WhatIfOut", "PeersOut",
    "ReconcileOut", "CorrelationOut", "IngestOut", "ViewExpansionOut",
]


class _Out(BaseModel):
    model_config = ConfigDict(extra="allow")


class Access(_Out):
    """The scope an answer was computed in and what it masks (the same for every firm of a scope)."""

    scope: str = Field(description="operator, bank or research")
    role: str | None = None
    bank: str | None = None
    masked: list[str] = Field(default_factory=list, description="kinds of data masked in this scope")


class Health(_Out):
    """Which store serves and whether it answers."""

    model_config = ConfigDict(extra="allow", json_schema_extra={
        "examples": [{"status": "ok", "store": "neo4j", "store_ok": True}]})

    status: str = Field(description="ok | unavailable")
    store: str = Field(description="neo4j | embedded")
    store_ok: bool


class FirmOut(_Out):
    """One firm as the API shows it."""

    model_config = ConfigDict(extra="allow", json_schema_extra={"examples": [{
        "id": "F000009", "name": "株式会社山陰精機", "corporate_number": "4270001000001",
        "industry": "E", "prefecture": "鳥取県", "is_client": True}]})

    id: str
    name: str | None = None
    corporate_number: str | None = None
    industry: str | None = Field(default=None, description="JSIC division letter")
    prefecture: str | None = None
    is_client: bool = Field(description="a BPO client (its own ledger is kept)")
    access: Access | None = None


class FirmPage(_Out):
    """A page of search results; ``count`` is every match."""

    model_config = ConfigDict(extra="allow", json_schema_extra={"examples": [{
        "data": [{"id": "F000009", "name": "株式会社山陰精機", "corporate_number": None, "industry": "E",
                  "prefecture": "鳥取県", "is_client": True}], "count": 1, "limit": 50, "offset": 0}]})

    data: list[FirmOut]
    count: int = Field(ge=0)
    limit: int
    offset: int
    access: Access | None = None


class MonthAmount(_Out):
    month: str = Field(description="YYYY-MM")
    amount: int = Field(description="yen")


class EgoNode(_Out):
    id: str
    hop: int = Field(ge=0, le=2)
    role: str = Field(description="ego, customer, supplier or both")
    sales_to: int = Field(description="yen the ego sold to this firm")
    purchases_from: int = Field(description="yen the ego bought from this firm")
    months: list[str] = Field(default_factory=list)
    via: list[str] = Field(default_factory=list)
    name: str | None = None
    is_client: bool | None = Field(False, description="a BPO client; null for a firm under a pseudonym "
                                                      "(a credit officer is not told)")
    industry: str | None = None


class EgoEdge(_Out):
    source: str = Field(description="seller")
    target: str = Field(description="buyer")
    amount: int = Field(description="yen over the window")
    lines: int | None = None
    monthly: list[MonthAmount] = Field(default_factory=list)


class Window(_Out):
    from_: str | None = Field(default=None, alias="from")
    to: str | None = None


class EgoOut(_Out):
    """A firm's trading partners within ``hops`` and the trade among them."""

    model_config = ConfigDict(extra="allow", json_schema_extra={"examples": [{
        "firm": {"id": "F0001", "name": "山陰精機", "corporate_number": None, "industry": "E",
                 "prefecture": None, "is_client": True},
        "hops": 1, "window": {"from": "2024-04", "to": "2025-03"},
        "nodes": [{"id": "F0001", "hop": 0, "role": "ego", "sales_to": 0, "purchases_from": 0,
                   "months": [], "via": [], "name": "山陰精機", "is_client": True, "industry": "E"}],
        "edges": [], "metrics": {"out_degree": 0}, "truncated": False}]})

    firm: FirmOut
    hops: int
    window: Window
    nodes: list[EgoNode]
    edges: list[EgoEdge]
    metrics: dict[str, Any] = Field(description="network metrics over every partner")
    truncated: bool = Field(description="more firms than TORIHIKI_MAX_EGO_NODES: the largest are shown")
    access: Access | None = None


class Coverage(_Out):
    total_yen: int
    named_yen: int
    unnamed_yen: int
    named_share: float | None = None


class FiguresOut(_Out):
    """Monthly figures from the firm's own ledger."""

    firm: FirmOut
    months: list[dict[str, Any]] = Field(description="month, sales, purchases, balances (yen), days")
    coverage: dict[str, Coverage]
    below_zero: dict[str, list[list[str]]] = Field(
        default_factory=dict,
        description="receivable and payable: the runs of months [first, last] whose month-end balance is below "
                    "zero (more received than sold, or paid than bought, up to then: settlements of months "
                    "whose trade is not loaded); the days there are not a payment term")
    notes: str | None = None
    access: Access | None = None


class TrendOut(_Out):
    """The firm's series against its trading group's, growth, gaps and attribution."""

    firm_id: str
    freq: str = Field(description="month | quarter")
    period_convention: str
    start: str | None = None
    end: str | None = None
    partners: list[dict[str, Any]]
    series: list[dict[str, Any]]
    attribution: dict[str, Any] | None = None
    note: str | None = None
    months_left_out: list[str] | None = Field(
        None, description="[first, last] months (YYYY-MM) after `end` that the firm's trade reaches but most "
                          "clients' ledgers do not yet: left out unless `to` asks for them")
    access: Access | None = None


class WhatIfOut(_Out):
    """Direct exposure and two-hop propagation if a partner fails, as ranges and bands."""

    firm_id: str
    failing_id: str
    as_of: str | None = None
    window: list[str]
    hops: int
    direct: dict[str, Any]
    focal: dict[str, Any]
    scenarios: list[dict[str, Any]] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list, description="what the answer rests on, in English")
    note_items: list[dict[str, Any]] = Field(
        default_factory=list,
        description="the same notes as {key, values}: key of graph.contagion.WHATIF_NOTES, for a client's own wording")
    access: Access | None = None


class PeerStatOut(_Out):
    name: str
    kind: str
    unit: str | None = None
    direction: str | None = None
    value: float | None = None
    n: int | None = None
    q1: float | None = None
    median: float | None = None
    q3: float | None = None
    percentile: float | None = None
    comparison: str | None = None
    suppressed: bool
    reason: str | None = None


class PeersOut(_Out):
    """The client's parameters and network metrics against its peers (k ≥ 5)."""

    firm_id: str
    period: str | None = None
    group: dict[str, Any]
    min_n: int
    includes_firm: bool
    parameters: list[PeerStatOut]
    metrics: list[PeerStatOut]
    note: str | None = None
    metrics_as_of: dict[str, Any] | None = None
    access: Access | None = None


class DisagreementOut(_Out):
    seller: str
    buyer: str
    month: str
    seller_says: int | None = None
    buyer_says: int | None = None
    difference: int
    difference_pct: float | None = None


class ReconcileOut(_Out):
    """Months where two clients' ledgers disagree about the trade between them."""

    flows_compared: int
    tolerance_pct: float
    tolerance_yen: int
    disagreements: list[DisagreementOut]
    access: Access | None = None


class CorrelationOut(_Out):
    """Correlation of management parameters across firms (hypothesis-generating)."""

    method: str
    n: int
    columns: list[str]
    matrix: list[list[float | None]]
    n_pairs: list[list[int | None]]
    p_values: list[list[float | None]]
    p_adjusted: list[list[float | None]]
    note: str | None = None
    period: str | None = None
    access: Access | None = None


class IngestOut(_Out):
    """What loading one uploaded file stored (``status``: loaded, resumed, duplicate)."""

    file: str = Field(description="the uploaded file's name")
    batch_id: str
    file_sha256: str
    format: str
    client_id: str | None = None
    rows_read: int
    rows_loaded: int
    rows_rejected: int
    rows_skipped: int
    rows_outside: int = Field(0, description="good lines of other months than those taken (`months`)")
    months: str = Field("", description="the months taken (FIRST..LAST) when asked, else every month")
    first_month: str = Field("", description="the first month (YYYY-MM) the load holds of its client's ledger "
                             "(a 全銀 file: the year its dates were given)")
    last_month: str = Field("", description="the last month (YYYY-MM) the load holds")
    status: str
    message: str
    duplicate: bool
    resumed: bool
    same_file: list[dict[str, Any]] = Field(default_factory=list)
    overlaps: list[dict[str, Any]] = Field(
        default_factory=list,
        description="earlier loads of the same client and kind of ledger (journals of any software; bank statements) holding months this file holds too "
                    "({batch_id, file, months}): the same entries exported twice count twice")
    double_settlements: list[dict[str, Any]] = Field(
        default_factory=list,
        description="months whose settlements of the client both a journal and a bank statement or 全銀 "
                    "file record, this file one of them ({client_id, kind: receipts | payments, months, "
                    "journals, banks}): a journal booked from the statement counts them twice")
    other_requesters: list[str] = Field(
        default_factory=list,
        description="a 全銀 file's 振込依頼人 (bank kana) that does not read like the client's name, where the "
                    "client's reading is known: most likely another company's file")


class RefreshOut(_Out):
    """The background refresh after loads (``torihiki refresh`` in a child process): whether it
    runs, how this server process's last one ended, and whether the data is newer than what the
    last refresh computed."""

    running: bool = Field(description="a refresh runs now: started by this server process, or anywhere else "
                                      "on the store (another server, another machine, a CLI load)")
    by: str | None = Field(None, description="the machine and process whose refresh holds the store's turn "
                                             "(api.refresh_turn), e.g. 'host pid 123 a1b2c3'")
    finished_at: str | None = Field(None, description="when this process's last refresh ended (UTC ISO)")
    error: str | None = Field(None, description="its last line of output when it failed")
    computed_at: str | None = Field(None, description="when the portfolio, peers and alerts were last computed")
    stale: bool = Field(description="data was written since they were computed")


class ViewExpansionOut(_Out):
    """The second-hop firms of one partner drawn in the network view (``/view/expand``):
    vis-network nodes and edges with fixed positions (pixels), the largest drawn, the rest folded."""

    firm: str
    via: str = Field(description="the partner expanded (a pseudonym p-… for a credit officer's masked partner)")
    via_node: str = Field(description="the partner's node id in the view")
    count: int = Field(description="second-hop firms of the partner")
    shown: int
    more: int = Field(description="second-hop firms folded into one node")
    yen: int = Field(description="the partner's trade with them, yen both ways")
    distressed: int
    nodes: list[dict[str, Any]]
    edges: list[dict[str, Any]]
    access: Access | None = None
