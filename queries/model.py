"""Plain records that the stores take and return (no driver types leak out)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from domain.pickling import pickled_as_fields

if TYPE_CHECKING:
    from queries.series import Series

__all__ = [
    "Firm", "TradeRow", "PaymentRow", "TradeEdge", "BatchInfo", "RegistryRecord", "ParameterRow",
    "Alias", "MergeRecord", "ChunkWrite", "LoadWrite", "FirmSpellings",
]


@pickled_as_fields
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
    alias: str = ""  # the counterparty spelling (Alias.key) the row came from


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
    alias: str = ""


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


@pickled_as_fields
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


@dataclass(frozen=True, slots=True)
class RegistryRecord:
    """One corporation of the NTA 法人番号 registry (reference for resolution)."""

    corporate_number: str
    name: str
    kind_code: str = ""
    prefecture: str | None = None
    city: str | None = None
    furigana: str | None = None


@dataclass(frozen=True, slots=True)
class ParameterRow:
    """Management parameters of one firm for one period (``YYYY-MM`` or
    ``FYyyyy``). ``values`` maps parameter names (see
    :mod:`domain.parameters`) to numbers; missing ones are absent."""

    firm_id: str
    period: str
    values: tuple[tuple[str, float], ...]


@pickled_as_fields
@dataclass(frozen=True, slots=True)
class Alias:
    """How one client's ledger spells a counterparty, and which firm it is.

    ``key`` identifies the spelling within the client (a hash of the raw
    name). ``status``: ``matched`` (strong key or automatic name match),
    ``new`` (a firm of its own), ``review`` (own firm for now; a human should
    decide whether it is ``candidate``), ``accepted`` / ``rejected`` (a human
    decided), ``undone`` (a merge was undone).
    """

    client_id: str
    key: str
    raw_name: str
    firm_id: str
    method: str  # id | corporate_number | invoice | bank_account | name | new | sole_proprietor
    score: float = 1.0
    status: str = "new"
    candidate_id: str | None = None
    reason: str = ""


@pickled_as_fields
@dataclass(frozen=True, slots=True)
class MergeRecord:
    """A recorded decision that a spelling is a firm (can be undone)."""

    id: str
    client_id: str
    alias_key: str
    raw_name: str
    from_firm: str  # the firm the spelling had (or would have) on its own
    to_firm: str
    method: str
    score: float
    reason: str
    created_at: str
    undone_at: str = ""


@pickled_as_fields
@dataclass(frozen=True, slots=True)
class ChunkWrite:
    """One chunk of one batch: its observations, written and marked done
    together. ``trades`` and ``payments`` are ((source, target, observer,
    alias), monthly series) — see :mod:`queries.series`. ``own`` are a
    client's lines without a counterparty: ((client, kind), monthly series)
    with kind ``sales``, ``purchases``, ``receipts`` or ``payments`` (yen);
    they count in the client's figures and firm totals, not in any pair."""

    batch_id: str
    chunk: int
    trades: Sequence[tuple[tuple[str, str, str, str], Series]] = ()
    payments: Sequence[tuple[tuple[str, str, str, str], Series]] = ()
    own: Sequence[tuple[tuple[str, str], Series]] = ()

    @property
    def rows(self) -> int:
        """Monthly values in the chunk."""
        return (sum(len(s.months) for _, s in self.trades) + sum(len(s.months) for _, s in self.payments)
                + sum(len(s.months) for _, s in self.own))


@dataclass
class LoadWrite:
    """What one write transaction of a load stores (``Store.write_load``).

    A load groups many small files into one transaction and splits a large
    one over several; whatever the grouping, a batch's chunk is marked done
    in the transaction that writes its rows, so a killed load resumes.
    ``firms`` are (firm, id of the batch that created it or ``None``);
    ``begun`` batches are recorded as loading when new. The merged pairs and
    firm totals follow in ``Store.finish_batches``.
    """

    begun: list[BatchInfo] = field(default_factory=list)
    firms: list[tuple[Firm, str | None]] = field(default_factory=list)
    aliases: list[Alias] = field(default_factory=list)
    merges: list[MergeRecord] = field(default_factory=list)
    bank_accounts: list[tuple[str, str]] = field(default_factory=list)
    chunks: list[ChunkWrite] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(c.rows for c in self.chunks)


@dataclass(frozen=True, slots=True)
class FirmSpellings:
    """What a firm's display name is chosen from (``Store.firm_spellings``).

    ``name``: the name stored now. ``registry_name``: the NTA registry name
    of its 法人番号, when the registry has it. ``spellings``: every spelling
    observed — each client's spellings (aliases) and the names the firm
    master gave — with how often it was seen (aliases and master rows that
    wrote it), sorted by spelling. ``master_names``: those the firm master
    gave, sorted (the firm master's name wins: :func:`ingest.firm_names.master_name`).
    """

    firm_id: str
    name: str | None = None
    registry_name: str | None = None
    spellings: tuple[tuple[str, int], ...] = ()
    master_names: tuple[str, ...] = ()
