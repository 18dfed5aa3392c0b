"""Plain records that the stores take and return (no driver types leak out)."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Firm", "TradeRow", "PaymentRow", "TradeEdge", "BatchInfo"]


@dataclass(frozen=True, slots=True)
class Firm:
    """A firm: a BPO client or a counterparty seen in a client's ledger.

    ``industry`` is a JSIC division letter (A–T); ``corporate_number`` the
    13-digit 法人番号 when known. ``None`` fields are unknown; an upsert with
    ``None`` leaves a stored value as it is.
    """

    id: str
    name: str | None = None
    corporate_number: str | None = None
    industry: str | None = None
    prefecture: str | None = None
    is_client: bool | None = None
    consented_banks: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class TradeRow:
    """Trade from ``seller`` to ``buyer`` in one calendar month, as one
    client's ledger (``observer``) recorded it in one ingest batch.

    ``amount`` is yen (int), ``lines`` the number of ledger lines summed.
    """

    seller: str
    buyer: str
    month: str  # YYYY-MM
    observer: str
    amount: int
    lines: int


@dataclass(frozen=True, slots=True)
class PaymentRow:
    """Cash from ``payer`` to ``payee`` in one month settling trade credit
    (a receipt of a receivable or a payment of a payable), as one client's
    ledger (``observer``) recorded it in one batch. ``amount`` in yen."""

    payer: str
    payee: str
    month: str  # YYYY-MM
    observer: str
    amount: int
    lines: int


@dataclass(frozen=True, slots=True)
class TradeEdge:
    """Trade seller → buyer in one month, merged across observers.

    When both sides are clients the flow is observed twice (the seller's
    sales and the buyer's purchases): the edge carries the larger of the two
    observations, never their sum, and lists who observed it.
    """

    seller: str
    buyer: str
    month: str
    amount: int
    lines: int
    observers: tuple[str, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class BatchInfo:
    """One ingest of one file, keyed by the file's SHA-256."""

    id: str
    sha256: str
    file: str
    client_id: str
    format: str
    status: str = "loading"  # loading | done
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    rows_skipped: int = 0
    rejects_path: str = ""
    started_at: str = ""
    finished_at: str = ""
