"""The one interface both stores implement, and the errors they raise."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import TYPE_CHECKING, Protocol

from domain.second_hop import Partners
from queries.acks import AlertAck
from queries.identity import AuditEntry, ConsentEvent, TokenRead, User
from queries.model import (
    Alias,
    BatchInfo,
    Firm,
    FirmSpellings,
    LoadWrite,
    MergeRecord,
    ParameterRow,
    PaymentRow,
    RegistryRecord,
    TradeEdge,
    TradeRow,
)
from queries.series import FirmTotals, PairTrade, Series

if TYPE_CHECKING:  # only an annotation: importing the interface must not load pandas (CLI start-up)
    import pandas as pd

__all__ = ["Store", "StoreError", "StoreUnavailable", "NotFound", "BatchLoading"]


class StoreError(Exception):
    """Base class of every error a store raises."""


class StoreUnavailable(StoreError):
    """The store does not answer (server down, timeout, pool exhausted).

    ``retry_after`` (seconds) says when asking again makes sense (the API
    sends it as ``Retry-After``). The message may name the server: it is
    for logs, never for API clients."""

    def __init__(self, message: str = "store unavailable", retry_after: float = 1.0) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class NotFound(StoreError):
    """The requested object does not exist (or is not visible to the caller)."""


class BatchLoading(StoreError):
    """A batch still marked ``loading`` cannot be rolled back: its load may
    still be writing (it would write on after the rollback, and what it
    wrote then could no longer be removed), or it was interrupted (run the
    same load again: it resumes, then the batch can be rolled back)."""


class Store(Protocol):
    """Data access for torihiki. Implemented by the Neo4j and embedded stores.

    Months are ``YYYY-MM`` strings; amounts are yen (int). Every write is
    idempotent: repeating a call with the same arguments changes nothing.
    """

    backend: str
    #: Whether :meth:`finish_batches` merges new pairs from the observations
    #: the load hands it (``written``). When not, a loader does not collect
    #: them: they would be kept, and sent to a writer process, for nothing.
    finish_uses_written: bool

    # -- lifecycle -----------------------------------------------------
    def ensure_schema(self) -> None:
        """Create constraints and indexes if missing (idempotent)."""

    def ping(self) -> bool:
        """True when the store answers a trivial query."""

    def unreachable(self) -> str | None:
        """Why the store cannot be reached now — one quick try, nothing
        retried (a server refusing connections answers at once) — or ``None``
        when it can: what a command checks before its work, so that a server
        not started or a mistyped address is said at once rather than after
        minutes of retries meant for a server lost during a load."""

    def defer_load_indexes(self, files: int) -> bool:
        """Before a load of ``files`` files: drop the indexes that no read
        of a load uses, when building them again at its end costs less than
        keeping them current row by row (the load brings at least twice as
        many files as the store holds batches). True when dropped; the loader
        then calls :meth:`restore_load_indexes` when it ends, failed or not,
        and :meth:`ensure_schema` creates any that a killed load left
        dropped. The embedded store drops the indexes of payments and
        merged pairs that a load's rows reach at random places; Neo4j keeps
        its indexes (False)."""

    def restore_load_indexes(self) -> None:
        """Create the indexes :meth:`defer_load_indexes` dropped (idempotent)."""

    def close(self) -> None:
        """Release connections."""

    def counts(self) -> dict[str, int]:
        """Numbers of firms, trade observations and batches."""

    # -- firms ---------------------------------------------------------
    def upsert_firms(self, firms: Sequence[Firm], batch_id: str | None = None) -> None:
        """Create or update firms by id; ``None`` fields keep stored values.

        ``batch_id`` marks firms first created by an ingest batch, so that a
        rollback of that batch can remove them again. A name given here (the
        firm master's) is also kept as a spelling of the firm: it stays
        searchable when a later name replaces it, and the display name is the
        master's name unless the registry names the firm
        (:meth:`firm_spellings`'s ``master_names``; :mod:`ingest.firm_names`).
        """

    def end_clients(self, firm_ids: Collection[str]) -> list[str]:
        """Mark ``firm_ids`` as no client of the operator (a firm master's
        client flag 0: a contract ended, or a client made by mistake) — the
        one way ``is_client`` turns off (:meth:`upsert_firms` only turns it
        on). Their trade and ledgers stay. Returns the ids that were clients,
        sorted; bumps the data version when any was."""

    def get_firm(self, firm_id: str) -> Firm | None:
        """One firm by id, or ``None``."""

    def get_firms(self, firm_ids: Collection[str]) -> dict[str, Firm]:
        """Firms by id (unknown ids are absent from the result)."""

    def search_firms(self, q: str, limit: int, offset: int) -> tuple[list[Firm], int]:
        """Firms found by ``q``, ordered by id, one page, and the total number
        of matches. A firm is found when its id contains ``q``
        (case-insensitive), its 法人番号 contains the digits of ``q``, or the
        search key of any of its spellings contains :func:`domain.search.query_key`
        of ``q``: its name, every client's spelling (alias), the names the
        firm master gave, and the registry name and フリガナ of its 法人番号
        (so kanji, full- or half-width kana and hiragana all find it). An
        empty ``q`` finds every firm."""

    def firm_by_corporate_number(self, corporate_number: str) -> Firm | None:
        """The firm with this 法人番号, or ``None``."""

    def firms_by_corporate_numbers(self, numbers: Collection[str]) -> dict[str, Firm]:
        """Firms by 法人番号 (numbers without a firm are absent)."""

    def firm_spellings(self, firm_ids: Collection[str]) -> dict[str, FirmSpellings]:
        """What each firm's display name is chosen from: its stored name,
        the registry name of its 法人番号 and every spelling observed
        (unknown ids are absent)."""

    def set_firm_names(self, names: Mapping[str, str]) -> None:
        """Store display names (firm id → name) chosen by
        :func:`ingest.firm_names.display_name`; each name also becomes a
        search key of its firm. Unknown ids are ignored."""

    # -- batches -------------------------------------------------------
    def get_batch(self, batch_id: str) -> BatchInfo | None: ...

    def batches_by_sha256(self, sha256s: Collection[str]) -> dict[str, list[BatchInfo]]:
        """Every batch of each file content (SHA-256), oldest first: one file's
        bytes may be stored under several batches (another client, format or
        reading options). Contents without a batch are absent."""

    def begin_batch(self, info: BatchInfo) -> None:
        """Record a batch as loading (no-op when it already exists)."""

    def chunks_done(self, batch_id: str) -> set[int]:
        """Chunk numbers of a batch whose writes are committed."""

    def write_chunk(
        self, batch_id: str, chunk: int, trades: Sequence[TradeRow], payments: Sequence[PaymentRow]
    ) -> None:
        """Write one chunk of monthly trade and payment rows and record the
        chunk as done, in one transaction; then refresh the pairs it touched.

        Rows are stored as one observation per (batch, seller, buyer,
        observer, alias) holding its monthly series; a chunk already marked
        done is not written again, so a retried or resumed chunk changes
        nothing: every month of one such key must come in the same chunk.
        The merged pairs and the firms' monthly totals are then rewritten
        (see ``docs/data-model.md``)."""

    def write_load(self, load: LoadWrite) -> None:
        """Store one group of a load in one transaction: new batches, firms,
        spelling decisions, merges, bank accounts and observations, each
        chunk marked done (a chunk already marked is not written again).
        Merged pairs and totals are left to :meth:`finish_batches`."""

    def finish_batches(self, batches: Sequence[BatchInfo], pairs: Collection[tuple[str, str]],
                       written: Mapping[tuple[str, str], Sequence[tuple[str, Series]]] | None = None) -> None:
        """Rewrite the merged pairs (seller, buyer) the batches' observations
        touched, and the firms' totals they change, from the stored
        observations; then record the batches with their final status and
        counts. Pairs go in transactions of bounded size, the batches in the
        last one: a load killed before it ends leaves its batches loading,
        and finishing them again (after a resume) changes nothing twice.

        ``written`` (optional): for some of ``pairs``, every observation
        ``(observer, series)`` the caller's load has written of that pair
        (committed, none left out). A store may merge such a pair from them
        instead of reading its observations back — only when the pair has no
        merged row yet (under the firms' locks); a pair with one, or not in
        ``written``, is read from the store. The result is the same."""

    def finish_batch(self, info: BatchInfo) -> None:
        """Mark a batch done with its final counts."""

    def list_batches(self, client_id: str | None = None) -> list[BatchInfo]:
        """All batches — those of one client's ledger with ``client_id`` (a
        firm's page: an index lookup, not the 59,000 batches of a region) —
        newest first."""

    def rollback_batch(self, batch_id: str, interrupted: bool = False) -> dict[str, int]:
        """Remove a batch's trade rows, its lines without a counterparty, the
        firms it alone created, and the batch record. Returns what was deleted
        (``trades``, ``payments``, ``unnamed``, ``firms``, ``batches``).
        Raises :class:`NotFound`, and :class:`BatchLoading` for a batch still
        ``loading`` unless ``interrupted`` (the caller knows no load of it is
        running: a load killed whose files are gone)."""

    # -- trade ---------------------------------------------------------
    def data_version(self) -> int:
        """A number that changes with every committed write (caches key on it)."""

    def trade_version(self) -> int:
        """The data version of the last write that changed the trade data:
        every write but a change of consent, which changes what a bank's
        officer may see and nothing of the network itself. What is derived
        from the whole network for the unscoped scope (answers stored at load
        time, partner lists) stays valid from the data version it was built
        at (if not below this one) on, across consent changes; anything
        scoped keys on :meth:`data_version`. A store written before this
        existed answers :meth:`data_version` until its next write."""

    def pairs_of(self, firm_id: str) -> list[PairTrade]:
        """The firm's merged pairs (as seller or buyer) with their monthly
        series, sorted by (seller, buyer)."""

    def pairs_among(self, firm_ids: Collection[str]) -> list[PairTrade]:
        """Merged pairs whose seller and buyer are both in ``firm_ids``, sorted."""

    def pairs_by_keys(self, keys: Collection[tuple[str, str]]) -> list[PairTrade]:
        """Merged pairs by (seller, buyer) (keys without trade are absent), sorted."""

    def pairs_around(self, firm_ids: Collection[str]) -> list[PairTrade]:
        """Merged pairs with a seller or buyer in ``firm_ids``, sorted."""

    def pairs_between(self, firm_ids: Collection[str], others: Collection[str]) -> list[PairTrade]:
        """Merged pairs with one firm in ``firm_ids`` and the other in
        ``others`` (either side selling), sorted — e.g. the trade of many
        firms with a bank's few consenting firms, without the rest of theirs.
        The answer is symmetric; the stores read the pairs of ``others``, so
        pass the smaller set (or the one of lower degree) there."""

    def pairs_with_bank(self, firm_ids: Collection[str], bank: str) -> list[PairTrade]:
        """Merged pairs with one firm in ``firm_ids`` and the other a firm
        that consented to ``bank`` (either side selling), sorted: a credit
        officer's view of firms that did not consent is their trade with the
        bank's consenting firms. Read from ``firm_ids``' side, so its cost
        follows their pairs, not the bank's thousands of firms. An empty
        ``bank`` names no firm."""

    def second_hop_ranking(self, first: Collection[str], keep: Collection[str],
                           limit: int) -> list[tuple[str, int]]:
        """The firms outside ``keep`` that trade with a firm of ``first``,
        with their yen with those firms (over all months, both ways,
        absolute), most first, ties by id, at most ``limit``: the second hop
        of an ego network ranked where the pairs are, so that a hub's
        thousands of pairs are not shipped to rank a few hundred firms
        (``domain.second_hop`` says the same in Python)."""

    def second_hop(self, first: Collection[str], keep: Collection[str],
                   room: int) -> tuple[list[tuple[str, int]], list[PairTrade]]:
        """The second hop of an ego network and the pairs it shows:
        :meth:`second_hop_ranking` with at most ``room + 1`` firms (the one
        past ``room`` says more were left out), and the merged pairs with
        one firm in ``first`` and the other in ``keep`` or among the first
        ``room`` ranked (:meth:`pairs_between`), sorted. One call, so that
        a store can read the first hop's pairs once for both
        (:func:`queries.second_hop.second_hop` composes the two reads)."""

    def partner_lists(self, firm_ids: Collection[str]) -> list[Partners] | None:
        """The partner lists of ``firm_ids`` (one per firm and side: the
        firm, whether it sells to them, their ids, the absolute yen of each
        pair over all months; :data:`domain.second_hop.Partners`) when the
        store keeps them current (:meth:`prepare_reads` since the last write
        that changed the trade), else ``None``: the structure around a first
        hop without a row per pair."""

    def listed_pairs(self, lists: Sequence[Partners],
                     at: Mapping[tuple[str, str], tuple[int, int]]) -> list[PairTrade]:
        """The merged pairs of ``at``'s keys, sorted, each found at (list,
        position) of ``lists`` — what :meth:`partner_lists` returned, as it
        was (positions refer to it, whatever the caller kept of it; see
        :func:`domain.second_hop.shown_pairs`). The pairs a second hop
        shows: a store that keeps a handle per entry (Neo4j: the
        relationship's element id) reads them by it, the others by key;
        the same pairs as :meth:`pairs_by_keys` of the keys either way."""

    def pair_amounts(self, firm_ids: Collection[str]) -> list[tuple[str, str, int]]:
        """(seller, buyer, yen over all months) of every merged pair with a
        seller or buyer in ``firm_ids``, sorted — structure without series."""

    def firm_totals(self, firm_ids: Collection[str]) -> dict[str, FirmTotals]:
        """Merged monthly sales and purchases (yen) of each firm that has trade,
        a client's sales and purchases without a named counterparty included."""

    def trade_edges(
        self, firm_ids: Collection[str], month_from: str | None, month_to: str | None
    ) -> list[TradeEdge]:
        """Monthly edges with a seller or buyer in ``firm_ids`` and a month in
        the inclusive window, merged across observers (see
        :func:`queries.series.merge_pair`), sorted by (seller, buyer, month)."""

    def payments(
        self, firm_ids: Collection[str], month_from: str | None, month_to: str | None
    ) -> list[PaymentRow]:
        """Monthly payments with a payer or payee in ``firm_ids``, summed over
        batches per observer, sorted by (payer, payee, month, observer)."""

    def two_sided(self, month_from: str | None, month_to: str | None) -> list[TradeRow]:
        """Observations of flows whose seller and buyer are both clients, summed
        over batches per (seller, buyer, month, observer), sorted."""

    def ledger_sums(self, client_id: str) -> dict[str, dict[str, int]]:
        """What a client's own ledger recorded, yen per month (``YYYY-MM``):
        ``sales``, ``purchases``, ``receipts``, ``payments`` (every line), and
        the part of each without a named counterparty (``unnamed_sales`` …),
        see :func:`queries.observations.ledger_sums`."""

    def ledger_sums_of(self, client_ids: Collection[str]) -> dict[str, dict[str, dict[str, int]]]:
        """:meth:`ledger_sums` of many clients (every id a key; ``{}``-valued
        kinds for one without lines), read a few hundred clients per query
        rather than three queries per client: for whole-region work, the
        portfolio table and the alerts of a refresh."""

    def own_ledger(self, client_id: str) -> tuple[list[TradeRow], list[PaymentRow]]:
        """What a client's own ledger recorded (observer = client), per month
        and counterparty, summed over batches."""

    def client_batch_months(self, client_id: str) -> dict[str, set[str]]:
        """The months (``YYYY-MM``) each batch holds of ``client_id``'s own
        ledger — trade, settlements and lines without a counterparty — by batch
        id: to tell a load whose months an earlier file of the client already
        holds (the same entries exported twice are counted twice)."""

    def batch_months(self, batch_ids: Collection[str]) -> dict[str, set[str]]:
        """The months (``YYYY-MM``) each of ``batch_ids`` holds of its
        client's own ledger (a load of one client's file), read by load: what
        a run of many files checks for months loaded twice, in few reads. A
        load without rows (or unknown) is absent."""

    def batch_client_months(self, batch_ids: Collection[str]) -> dict[str, dict[str, set[str]]]:
        """The months (``YYYY-MM``) each of ``batch_ids`` holds of each
        client's own ledger — by load, then client (the observers of its trade
        and settlements, the clients of its lines without a counterparty) —
        in one read: what a stored load given no client (its rows name their
        clients) is checked with for months another load of those clients
        holds. A load without rows (or unknown) is absent."""

    def settlement_months(self, batch_ids: Collection[str]) -> dict[str, dict[str, set[str]]]:
        """The months (``YYYY-MM``) in which each of ``batch_ids`` records
        settlements of its client with a named counterparty, by kind —
        ``receipts`` (the client was paid) and ``payments`` (it paid); a load
        without any (or unknown) is absent. To tell a journal and a bank file
        that both hold a month's settlements (counted twice). Lines without a
        counterparty are left out: a journal's cash sales are received at
        once, and are in no bank file."""

    def pair_observations(self, keys: Collection[tuple[str, str]]) -> list[TradeRow]:
        """Each observer's record of the pairs (seller, buyer) in ``keys``, per
        month, summed over batches and spellings, sorted by (seller, buyer,
        month, observer): the observations :meth:`pairs_by_keys` merges, read
        for many pairs at once (keys without trade have no rows)."""

    def observed_yen(self, keys: Collection[tuple[str, str, str]]) -> dict[tuple[str, str, str], int]:
        """:meth:`observed_series` summed over its months by the store: the
        yen each ledger recorded of each pair (absent where it recorded
        none). What a bank weighs such a pair by, to rank a second hop
        (~300 pairs of ~24 monthly files each around a client's first hop)."""

    def observed_series(self, keys: Collection[tuple[str, str, str]]) -> dict[tuple[str, str, str], Series]:
        """What the ledger of ``observer`` recorded of the pair (seller,
        buyer), per month, summed over batches and spellings, for each
        (seller, buyer, observer) of ``keys``; absent where that ledger
        recorded none. What a bank sees of a pair whose hidden end's ledger
        records it too (:class:`queries.scoped.ScopedStore`): one ledger's
        record, where :meth:`pair_observations` reads every ledger's."""

    def unnamed_totals(self, client_ids: Collection[str]) -> dict[str, dict[str, dict[str, int]]]:
        """For each of ``client_ids``: its own ledger's sales and purchases
        that named no counterparty, yen per month, as ``{"unnamed_sales": …,
        "unnamed_purchases": …}`` — those keys of :meth:`ledger_sums`, read for
        many clients at once (empty for a firm without such lines)."""

    # -- reference data ------------------------------------------------
    def upsert_registry(self, records: Sequence[RegistryRecord]) -> None:
        """Store NTA registry entries, keyed by 法人番号; their names and
        フリガナ become search keys of the firms with those numbers."""

    def registry_records(self) -> list[RegistryRecord]:
        """All registry entries (to build the name index)."""

    def registry_get(self, corporate_number: str) -> RegistryRecord | None: ...

    def registry_get_many(self, corporate_numbers: Collection[str]) -> dict[str, RegistryRecord]:
        """Registry records by 法人番号, in one read (numbers without one are absent)."""

    def upsert_parameters(self, rows: Sequence[ParameterRow]) -> None:
        """Store management parameters; a (firm, period) row replaces the old one."""

    def parameters(self) -> list[ParameterRow]:
        """All management parameters, sorted by firm and period."""

    def parameters_of(self, firm_ids: Collection[str]) -> list[ParameterRow]:
        """The management parameters of these firms, sorted by firm and period
        (a view or a firm page needs a few firms', not the region's)."""

    def firm_names(self) -> list[tuple[str, str | None, str | None]]:
        """(id, name, 法人番号) of every firm with a name or a 法人番号 (to
        build the name index and the number → firm map)."""

    def alias_spellings(self) -> list[tuple[str, str]]:
        """(firm id, spelling) of every spelling a ledger gave a firm (but
        those resolved by a bank account or a firm id alone), once each, by firm and
        spelling: entity resolution indexes them, as a
        load indexes the spellings it resolves, so that a spelling resolves
        the same whether an earlier file was loaded in the same run or not."""

    # -- entity resolution ---------------------------------------------
    def aliases(self, client_id: str) -> dict[str, Alias]:
        """A client's known spellings, by key."""

    def aliases_for(self, client_ids: Collection[str]) -> dict[str, dict[str, Alias]]:
        """Known spellings of several clients at once: client → key → alias
        (every asked client is a key, with ``{}`` when it has none)."""

    def spellings(self, pairs: Collection[tuple[str, str]]) -> dict[tuple[str, str], list[str]]:
        """How clients' ledgers spell firms: (client, firm) → the raw names
        of the client's spellings resolved to that firm, sorted; a pair with
        none is absent. A credit officer sees a firm that did not consent
        under the name its consenting clients' ledgers give it: a few
        spellings each, not those clients' whole alias tables."""

    def search_names(self, firm_ids: Collection[str]) -> dict[str, list[tuple[str | None, str]]]:
        """Every name search finds each firm by, with whose it is: (client,
        raw name) for a client ledger's spelling of it, (``None``, name) for
        a name given outside the ledgers (the firm master, the display
        name, the 法人番号 registry's name and フリガナ). A credit officer's
        search keeps a firm only when a name the bank may see matched
        (:meth:`queries.scoped.ScopedStore.search_firms`)."""

    def aliases_by_status(self, status: str) -> list[Alias]: ...

    def aliases_of_firm(self, firm_id: str, status: str | None = None) -> list[Alias]:
        """Every client's spellings resolved to ``firm_id`` (those of one
        ``status`` only, when given), by client and key: a firm made of a
        spelling that waits in the name review queue says so on its page."""

    def upsert_aliases(self, aliases: Sequence[Alias], merges: Sequence[MergeRecord] = ()) -> None:
        """Record spelling decisions (and the merges they imply) in one transaction."""

    def list_merges(self) -> list[MergeRecord]: ...

    def get_merge(self, merge_id: str) -> MergeRecord | None: ...

    def reassign_alias(
        self, alias: Alias, merge: MergeRecord | None = None, undo: MergeRecord | None = None
    ) -> None:
        """Point a spelling at ``alias.firm_id``: move its trade and payment
        rows from the firm it had, store the alias, and record ``merge`` (a
        new merge) or mark ``undo`` undone — all in one transaction. The firm
        left without rows is removed if an ingest created it."""

    def bank_account_firm(self, account: str) -> str | None: ...

    def bank_account_firms(self, accounts: Collection[str]) -> dict[str, str]:
        """Firm ids of several bank accounts (unknown accounts are absent)."""

    # -- whole network (analytics) ---------------------------------------
    def all_firms(self) -> list[Firm]:
        """Every firm, sorted by id."""

    def client_ids(self) -> set[str]:
        """The ids of the client firms (those whose ledgers the operator
        keeps): a bank's scope tells from them which pairs a hidden firm's
        own ledger may have recorded too, without reading each firm."""

    def client_last_months(self) -> dict[str, str]:
        """Each client's ledger's last month (``YYYY-MM``): the latest month of
        any line its own ledger recorded (trade, settlements, lines without a
        counterparty), by the client whose ledger it is — not the months
        other clients' ledgers record of it. One read of every observation's
        last month (the region's month, :mod:`api.region_month`)."""

    def put_analytics(self, name: str, payload: bytes, data_version: int, created_at: str) -> None:
        """Store a derived whole-network table computed from the data at
        ``data_version`` (does not itself change the data version)."""

    def put_analytics_many(self, entries: Sequence[tuple[str, bytes]], data_version: int,
                           created_at: str) -> None:
        """Store several derived entries ``(name, payload)`` computed from the
        data at ``data_version`` in one write (the answers rendered at load
        time: thousands of them); like :meth:`put_analytics` for each."""

    def get_analytics(self, name: str) -> tuple[int, str, bytes] | None:
        """(data version it was computed from, when, payload), or ``None``."""

    def prepare_reads(self) -> None:
        """Build what makes reads faster for the data as it is now, kept
        while the data version does not move (run after a load, with the
        analytics; a read never depends on it: without it, or once the data
        has changed, reads answer the same, slower). Both stores keep each
        firm's partners with their yen, which rank a second hop without
        reading every pair of a hub (Neo4j also each pair's element id, to
        read the pairs shown by it). Leaves the data version alone."""

    def put_ledger_totals(self, totals: Mapping[str, FirmTotals], version: int) -> None:
        """Keep each client's own ledger's monthly sales and purchases (yen;
        ``ledger_sums``' ``sales`` and ``purchases``: every line, those without
        a named counterparty too), read at data version ``version``, in place
        of those kept before — derived after a load with the analytics, like
        the partner lists (:meth:`prepare_reads`). A credit officer's totals of
        the firms around a borrower start from them (a consenting client's
        ledger is what the bank sees of its trade with hidden firms): one row
        per firm, where summing a ledger reads every observation of it.
        Leaves the data version alone."""

    def ledger_totals(self, client_ids: Collection[str]) -> dict[str, FirmTotals] | None:
        """The totals kept by :meth:`put_ledger_totals` of those of ``client_ids``
        that have them, or ``None`` when they were kept before the last write
        that changed trade (a consent change leaves them current) or never."""

    def busiest_firms(self, limit: int) -> list[tuple[str, int]]:
        """The ``limit`` firms with the most trading partners (as seller or
        buyer of a merged pair), most first, ties by id: (firm id, pairs)."""

    def all_pairs(self) -> list[PairTrade]:
        """Every merged pair, sorted by (seller, buyer)."""

    def all_trade_edges(self, month_from: str | None, month_to: str | None) -> list[TradeEdge]:
        """Every monthly trade edge in the window, merged across observers."""

    def trade_frame(self, month_from: str | None, month_to: str | None) -> pd.DataFrame:
        """:meth:`all_trade_edges` as a DataFrame (seller, buyer, month, amount
        yen, lines), for whole-network analytics over millions of rows; seller,
        buyer and month categorical, of the values each holds, sorted
        (:func:`queries.observations.monthly_rows`)."""

    def all_payments(self, month_from: str | None, month_to: str | None) -> list[PaymentRow]:
        """Every monthly payment in the window, summed over batches per observer."""

    # -- users, consent, audit (records in queries.identity) -------------
    def add_user(self, user: User) -> bool:
        """Create a user; ``False`` (nothing written) when the name is taken."""

    def get_user(self, name: str) -> User | None:
        """One user by name, or ``None``."""

    def list_users(self) -> list[User]:
        """Every user, sorted by name."""

    def set_user_active(self, name: str, active: bool) -> bool:
        """Enable or disable a user (a disabled user's token and password are
        refused); ``False`` when there is no such user."""

    def set_user_token(self, name: str, token_id: str, token_hash: str, issued_at: str) -> bool:
        """Replace a user's API token (id and hash; the previous token stops
        working at once); ``False`` when there is no such user."""

    def set_user_password(self, name: str, password_hash: str) -> bool:
        """Replace a user's password hash; ``False`` when there is no such user."""

    def set_user_bank(self, name: str, bank: str) -> bool:
        """Move a credit officer to another bank (they see its consenting
        firms from their next request); ``False`` when there is no such user."""

    def user_by_token(self, token_id: str) -> User | None:
        """The user whose current token has this id, or ``None``."""

    def token_read(self, token_id: str, entry_name: str | None = None,
                   bank_entry: tuple[str, str] | None = None) -> TokenRead:
        """:meth:`user_by_token`, :meth:`data_version`, :meth:`trade_version` and, when
        ``entry_name`` is given, :meth:`get_analytics` of it, read together
        (one round trip on Neo4j): what a request for an answer stored at
        load time needs before anything else (:class:`~queries.identity.TokenRead`).
        For a user with a bank also :meth:`consent_version` of the bank and,
        when ``bank_entry`` (head, tail) is given, :meth:`get_analytics` of
        head + bank + tail: the answer stored for a credit officer's bank."""

    def change_consent(self, events: Sequence[ConsentEvent]) -> list[ConsentEvent]:
        """Apply grants and revocations in order, in one transaction that
        keeps each firm's ``consented_banks`` (the current state) and the
        history together: an event that changes its firm's banks is applied
        and appended to the history; one that changes nothing (a bank granted
        twice, a revocation of a bank not granted) is not recorded. Returns
        the events applied. Raises :class:`NotFound`, writing nothing, when a
        firm does not exist. The data version changes when anything did; the
        trade version does not (:meth:`trade_version`)."""

    def consent_history(self, firm_ids: Collection[str] | None = None) -> list[ConsentEvent]:
        """Consent changes (of ``firm_ids``, or of every firm), in the order
        they were applied (the order the firms' state follows, also where a
        later change carries an earlier time). Append-only: nothing changes
        or removes an event."""

    def consent_version(self, bank: str) -> int:
        """The data version of the last change of consent that granted or
        revoked ``bank`` (0: none recorded): what a bank's officer may see
        is unchanged since it unless the trade changed (:meth:`trade_version`).
        Answers stored for the bank stay valid across other banks' changes."""

    def consents(self, firm_id: str | None = None) -> dict[str, tuple[str, ...]]:
        """Current consent: firm id → banks, of every firm with at least one
        bank, or of ``firm_id`` alone (present, possibly with no bank, when
        the firm exists)."""

    def append_audit(self, entries: Sequence[AuditEntry]) -> None:
        """Append entries to the audit log (the data version does not change).
        Append-only: nothing changes or removes an entry."""

    def audit_log(
        self, user: str | None = None, firm_id: str | None = None, since: str | None = None,
        action: str | None = None, limit: int = 100, offset: int = 0, until: str | None = None,
        action_prefixes: Sequence[str] | None = None,
    ) -> tuple[list[AuditEntry], int]:
        """Audit entries matching every filter given (``since`` inclusive and
        ``until`` exclusive: UTC ISO as :func:`queries.identity.utc_now`
        writes it; ``action`` exactly; ``action_prefixes``: an action that
        starts with any of them, e.g. ``("firm.", "ui.firm")``), newest first
        (entries of the same time: the later appended first), one page, and
        the number of matches."""

    # -- banks' names (queries.banks) ---------------------------------------
    def set_bank_name(self, bank: str, name: str | None) -> bool:
        """Name the bank ``bank`` (an id such as ``bank:sanin``) ``name``, or
        take its name away (``None``: it is shown by its id again); ``True``
        when that changed what was stored. Check the name with
        :func:`queries.banks.bank_name_problem` first. The data version does
        not change."""

    def bank_names(self) -> dict[str, str]:
        """Every bank's name, by bank id (banks without one are absent)."""

    # -- acknowledgements of alerts (records in queries.acks) -------------
    def ack_alert(self, alert_id: str, user: str, note: str, at: str) -> bool:
        """Record that ``user`` acknowledged the alert ``alert_id`` (a stable
        id of :mod:`graph.alerts`) at ``at`` (UTC ISO) with ``note``;
        ``False`` (nothing written) when it was acknowledged before: the
        first acknowledgement stays. The data version does not change."""

    def ack_alerts(self, alert_ids: Collection[str], user: str, note: str, at: str) -> list[str]:
        """:meth:`ack_alert` for many alerts at once, in write transactions
        of :data:`queries.acks.ACKS_PER_WRITE`: the ids acknowledged by this
        call, sorted (those acknowledged before keep their first
        acknowledgement and are not returned)."""

    def unack_alerts(self, alert_ids: Collection[str]) -> list[str]:
        """Take the acknowledgements of ``alert_ids`` back (the alerts are open
        again; a later acknowledgement is a new first one): the ids that had
        one, sorted. The data version does not change."""

    def alert_acks(self, alert_ids: Collection[str] | None = None) -> dict[str, AlertAck]:
        """Acknowledgements by alert id (of ``alert_ids``, or every one);
        alerts not acknowledged are absent."""

    # -- leases (queries.leases) ------------------------------------------
    def take_lease(self, name: str, holder: str, seconds: float) -> bool:
        """Take the lease ``name`` for ``holder`` for ``seconds`` from now
        (the store's clock), or renew it when ``holder`` has it already;
        ``False`` (nothing written) while another holder's lease lasts.
        ``ValueError`` for a length not in (0, one day]. The data version
        does not change."""

    def release_lease(self, name: str, holder: str) -> bool:
        """End ``holder``'s lease ``name`` now; ``False`` when ``holder``
        does not hold it (it ended, or another took it since)."""

    def lease_holder(self, name: str) -> tuple[str, float] | None:
        """Who holds the lease ``name`` now and for how many more seconds
        (``None``: nobody, or the holder's time is over)."""
