"""The store as one principal may see it: the only way routes read data.

:class:`ScopedStore` wraps a :class:`~queries.store.Store` and answers the
read methods the use cases need (:class:`ReadStore`) with the access rule of
``docs/access.md`` applied, so that no route can forget it:

* ``admin`` and ``analyst`` see every firm of the operator: reads pass
  through unchanged.
* ``researcher``: aggregates only. Every firm-level read raises
  :class:`AccessDenied` (403) — whatever the firm, so existence does not
  leak; whole-network reads (parameters for correlations, the network for the
  pseudonymised export) come without names or 法人番号.
* ``credit_officer`` of bank B:

  - a firm that consented to B (``B in Firm.consented_banks``) is *visible*:
    in full, under its id;
  - an *observation* (what one client's ledger says) is kept only when its
    observer is visible. A client's ledger records only its own trade, so a
    pair seller → buyer is kept when one of them is visible, with the
    visible side's figures (where the hidden side's ledger also records the
    flow, its figure is never used);
  - a firm that did not consent but appears in a visible ledger (a *ledger
    partner*) is shown as that ledger names it (the client's own spelling),
    under a pseudonymous id bound to the bank (``p-…``), with nothing the
    operator knows about it from elsewhere (no 法人番号, industry,
    prefecture, whether it is a client, its own figures or parameters);
  - everything else — trade recorded only in the ledgers of firms that did
    not consent, their figures, parameters and distress signals — is left
    out: neither the firms, their counts nor amounts appear;
  - a hidden firm asked for by id answers as an unknown firm (``None``,
    hence the same 404 body), so existence does not leak;
  - whole-network reads (peers, portfolio, exports) see the same network:
    visible firms, their ledgers' trade, their parameters.

Everything derived (metrics, trends, peers, what-if) is computed by the
callers on these reads, so no number rests on a hidden firm's data.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import operator
import secrets
import threading
import weakref
from collections import OrderedDict, defaultdict
from collections.abc import Collection, Iterable, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from domain.search import id_query, number_query, query_key, search_key
from domain.second_hop import (
    Partners,
    contenders,
    partner_weights,
    second_hop_weights,
    shown_pairs,
    top_by_weight,
)
from queries.access import Principal, Role
from queries.model import Firm, ParameterRow, PaymentRow, TradeEdge, TradeRow
from queries.series import (
    FirmTotals,
    PairTrade,
    Series,
    expand_edges,
    ledger_totals_of,
    split_observers,
)
from queries.store import Store, StoreError
from queries.version_memo import VersionMemo, forget_in_every_memo

if TYPE_CHECKING:  # only annotations: the CLI and the API's auth import this module without pandas
    import pandas as pd

__all__ = ["ReadStore", "ScopedStore", "AccessDenied", "PSEUDONYM_PREFIX", "DENIED_TO_RESEARCHERS", "is_pseudonym", "BANK_SCOPE", "scope_key_of", "scoped_key",
           "bank_scoped_parts", "access_of", "OPERATOR_ACCESS"]

PSEUDONYM_PREFIX = "p-"
"""Ids of ledger partners shown to a credit officer start with this (a firm
master may not give a firm such an id: ``ingest.readers.firm_master``)."""
DENIED_TO_RESEARCHERS = ("this role receives aggregates only: the correlation of parameters "
                         "(the API's analytics/correlation) and the anonymised export (the web page Export, "
                         "or torihiki export), never a firm-level answer")
"""Why a researcher's firm-level read is refused (403), saying where the aggregates are
(without an absolute path: an answer's detail loses those, ``api.errors.scrub``, and
with it its translation on an error page)."""


def is_pseudonym(firm_id: str) -> bool:
    """Whether an id, as a scoped store answers it, is a pseudonym: a partner
    that did not consent to the asker's bank, whose own signals are neither
    shown nor counted (``docs/access.md``, rule 3)."""
    return firm_id.startswith(PSEUDONYM_PREFIX)


STORED_ANSWER_PREFIX = "response:"
"""Analytics entries holding answers rendered at load time (``api.firm_pages.stored_key``)."""

SCOPE_KEY = "scope_key"
"""Analytics entry holding the secret the pseudonymous ids are made with."""

_BIG = 10**9
_SERIES_AT_MOST = 256
"""Pairs whose visible end's own series :meth:`ScopedStore._weigh` reads
whole (more: only their sums)."""
_PAIR_KEY = operator.attrgetter("seller", "buyer")


class AccessDenied(StoreError):
    """The principal may not read this kind of data at all (HTTP 403). Raised
    for a kind of read, never for one firm, so it says nothing about existence."""


class ReadStore(Protocol):
    """The reads the use cases (API and CLI) make: implemented by every
    :class:`~queries.store.Store` and by :class:`ScopedStore`."""

    backend: str

    def data_version(self) -> int: ...
    def trade_version(self) -> int: ...
    def get_firm(self, firm_id: str) -> Firm | None: ...
    def get_firms(self, firm_ids: Collection[str]) -> dict[str, Firm]: ...
    def search_firms(self, q: str, limit: int, offset: int) -> tuple[list[Firm], int]: ...
    def pairs_of(self, firm_id: str) -> list[PairTrade]: ...
    def pairs_among(self, firm_ids: Collection[str]) -> list[PairTrade]: ...
    def pairs_by_keys(self, keys: Collection[tuple[str, str]]) -> list[PairTrade]: ...
    def pairs_around(self, firm_ids: Collection[str]) -> list[PairTrade]: ...
    def pairs_between(self, firm_ids: Collection[str], others: Collection[str]) -> list[PairTrade]: ...
    def second_hop(self, first: Collection[str], keep: Collection[str],
                   room: int) -> tuple[list[tuple[str, int]], list[PairTrade]]: ...
    def pair_amounts(self, firm_ids: Collection[str]) -> list[tuple[str, str, int]]: ...
    def firm_totals(self, firm_ids: Collection[str]) -> dict[str, FirmTotals]: ...
    def trade_edges(self, firm_ids: Collection[str], month_from: str | None,
                    month_to: str | None) -> list[TradeEdge]: ...
    def payments(self, firm_ids: Collection[str], month_from: str | None,
                 month_to: str | None) -> list[PaymentRow]: ...
    def two_sided(self, month_from: str | None, month_to: str | None) -> list[TradeRow]: ...
    def ledger_sums(self, client_id: str) -> dict[str, dict[str, int]]: ...
    def unnamed_totals(self, client_ids: Collection[str]) -> dict[str, dict[str, dict[str, int]]]: ...
    def own_ledger(self, client_id: str) -> tuple[list[TradeRow], list[PaymentRow]]: ...
    def parameters(self) -> list[ParameterRow]: ...
    def parameters_of(self, firm_ids: Collection[str]) -> list[ParameterRow]: ...
    def all_firms(self) -> list[Firm]: ...
    def trade_frame(self, month_from: str | None, month_to: str | None) -> pd.DataFrame: ...
    def get_analytics(self, name: str) -> tuple[int, str, bytes] | None: ...


# -- pseudonymous ids ----------------------------------------------------------

_KEYS: weakref.WeakKeyDictionary[Store, bytes] = weakref.WeakKeyDictionary()
"""Each store object's secret, dropped with the object — not kept by ``id``:
a new store at a closed one's address, on another database, reads its own."""
_KEYS_LOCK = threading.Lock()


def _secret_of(store: Store) -> bytes:
    """The store's pseudonym secret (32 random bytes kept as an analytics
    entry, made on first use); cached per store object."""
    with _KEYS_LOCK:
        key = _KEYS.get(store)
        if key is not None:
            return key
        entry = store.get_analytics(SCOPE_KEY)
        if entry is None:
            created = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
            store.put_analytics(SCOPE_KEY, secrets.token_bytes(32), 0, created)
            entry = store.get_analytics(SCOPE_KEY)  # another process may have won: use what is stored
            assert entry is not None
        _KEYS[store] = key = entry[2]
        return key


def forget_store(store: Store) -> None:
    """Drop what this process remembers of ``store``'s database after it was
    emptied (the test suite's wipe; its data version starts again): the
    cached secret — the next scoped read reads, or makes, the one stored
    there, as every other process on that database does — the banks' views
    and the facts remembered across requests (:mod:`queries.version_memo`)."""
    with _KEYS_LOCK:
        _KEYS.pop(store, None)
    with _VIEWS_LOCK:
        _VIEWS.pop(store, None)
    forget_in_every_memo(store)  # these below, and those of other modules (api.window_tables)


class _Pseudonyms:
    """Deterministic, authenticated, reversible ids for one bank (SIV with
    HMAC-SHA256: the tag is an HMAC of bank and id, the id is XORed with an
    HMAC keystream seeded by the tag). A bank sees the same pseudonym for
    the same firm on every request; another bank's pseudonyms do not decode.

    One object per (secret, bank) serves every request (:func:`_pseudonyms_for`):
    it remembers up to :attr:`MEMO` ids each way (two HMACs per id otherwise;
    a hub firm's dossier relabels thousands of partners, several times)."""

    TAG = 10
    MEMO = 32_768
    """Ids remembered per direction (about 10 MB per bank when full); then forgotten at once."""

    def __init__(self, secret: bytes, bank: str) -> None:
        self._mac = hmac.new(secret, b"tag", hashlib.sha256).digest()
        self._enc = hmac.new(secret, b"enc", hashlib.sha256).digest()
        self._bank = bank.encode("utf-8")
        self._encoded: dict[str, str] = {}
        self._decoded: dict[str, str | None] = {}

    def _tag(self, raw: bytes) -> bytes:
        return hmac.digest(self._mac, self._bank + b"\x00" + raw, "sha256")[: self.TAG]

    def _stream(self, tag: bytes, n: int) -> bytes:
        out = b""
        counter = 0
        while len(out) < n:
            out += hmac.digest(self._enc, tag + counter.to_bytes(4, "big"), "sha256")
            counter += 1
        return out[:n]

    def encode(self, firm_id: str) -> str:
        got = self._encoded.get(firm_id)
        if got is None:
            got = self._encode(firm_id)
            self._remember(firm_id, got)
        return got

    def decode(self, pseudonym: str) -> str | None:
        """The firm id behind a pseudonym of this bank, else ``None``."""
        got = self._decoded.get(pseudonym, _UNKNOWN)  # one lookup: another thread may clear the memo
        if got is not _UNKNOWN:
            return got
        got, canonical = self._decode(pseudonym)
        if got is not None and canonical:
            self._remember(got, pseudonym)
        else:  # not a pseudonym of this bank, or another spelling of one (upper case, padding):
            if len(self._decoded) >= self.MEMO:  # what it names, never what is given out
                self._decoded.clear()
            self._decoded[pseudonym] = got
        return got

    def _remember(self, firm_id: str, pseudonym: str) -> None:
        """Both ways: a pseudonym just given out comes back in the same
        request (an ego's nodes are read by the ids the officer sees), and
        one decoded in the spelling :meth:`encode` gives is that spelling."""
        if len(self._encoded) >= self.MEMO:
            self._encoded.clear()
        if len(self._decoded) >= self.MEMO:
            self._decoded.clear()
        self._encoded[firm_id] = pseudonym
        self._decoded[pseudonym] = firm_id

    PAD = 16
    """Ids are padded with NUL bytes to a multiple of this many bytes before
    encryption: a pseudonym's length would otherwise tell the kind of firm
    behind it (a client ``F000123``, a registry company ``C`` + 13 digits, a
    sole proprietor), which the officer is not told."""

    def _padded(self, raw: bytes) -> bytes:
        return raw + b"\x00" * (-len(raw) % self.PAD)

    def _encode(self, firm_id: str) -> str:
        raw = firm_id.encode("utf-8")
        tag = self._tag(raw)
        body = self._padded(raw)
        return PSEUDONYM_PREFIX + base64.b32encode(tag + _xor(body, self._stream(tag, len(body)))).decode(
            "ascii").rstrip("=").lower()

    def _decode(self, pseudonym: str) -> tuple[str | None, bool]:
        """(the firm id, or ``None``; whether ``pseudonym`` is spelled as
        :meth:`encode` spells it — base32 also reads it in upper case, with
        padding, or with other unused bits in its last character)."""
        text = pseudonym[len(PSEUDONYM_PREFIX):].upper()
        try:
            blob = base64.b32decode(text + "=" * (-len(text) % 8))
        except (ValueError, TypeError):
            return None, False
        if len(blob) <= self.TAG:
            return None, False
        tag, body = blob[: self.TAG], blob[self.TAG:]
        raw = _xor(body, self._stream(tag, len(body))).rstrip(b"\x00")  # unpadded: pseudonyms of before
        if not hmac.compare_digest(tag, self._tag(raw)):
            return None, False
        try:
            real = raw.decode("utf-8")
        except UnicodeDecodeError:
            return None, False
        return real, (len(body) == len(self._padded(raw))
                      and pseudonym == PSEUDONYM_PREFIX + base64.b32encode(blob).decode("ascii").rstrip("=").lower())


_UNKNOWN: Any = object()
"""Not in a memo (``None`` is a remembered answer: not a pseudonym of the bank)."""


def _xor(data: bytes, key: bytes) -> bytes:
    """``data`` XOR ``key`` byte by byte (``key`` as long as ``data``), as integers."""
    n = len(data)
    return (int.from_bytes(data, "big") ^ int.from_bytes(key[:n], "big")).to_bytes(n, "big")


_NAMERS: OrderedDict[tuple[bytes, str], _Pseudonyms] = OrderedDict()
_NAMERS_MAX = 8
"""Banks whose pseudonym memos are kept (least recently used first out)."""


def _pseudonyms_for(secret: bytes, bank: str) -> _Pseudonyms:
    """The one :class:`_Pseudonyms` of a store's secret and a bank, shared by requests."""
    with _KEYS_LOCK:
        key = (secret, bank)
        got = _NAMERS.get(key)
        if got is None:
            got = _NAMERS[key] = _Pseudonyms(secret, bank)
            while len(_NAMERS) > _NAMERS_MAX:
                _NAMERS.popitem(last=False)
        else:
            _NAMERS.move_to_end(key)
        return got


class _BankView(NamedTuple):
    """Which firms a bank's scope sees, read once per data version and
    shared by the requests of a process (:func:`_bank_view`)."""

    version: int  # the store's data version when it was read
    visible: frozenset[str]  # firms that consented to share with the bank
    clients: frozenset[str]  # client firms: their own ledgers may record a pair too


_VIEWS: weakref.WeakKeyDictionary[Store, dict[str, _BankView]] = weakref.WeakKeyDictionary()
"""Per store object (gone with it: a new store never finds another's), per bank: ~1 MB each on the 100k region."""
_VIEWS_MAX = 64
"""Banks whose views are kept per store (then all forgotten at once)."""
_VIEWS_LOCK = threading.Lock()


def _bank_view(store: Store, bank: str, version: int | None = None) -> _BankView:
    """The firms ``bank`` sees and the client firms, as of the store's data
    version: read again after any write that bumped it (a load, a consent
    change, a firm master). The version is read first: a write landing
    between the two reads leaves a view newer than its label, which the next
    request after that write reads again (never an older view under a newer
    label). Two reads of ids (a bank's few thousand consenting firms and
    the clients) instead of each pair's two firms looked up on every
    request (~3,000 pairs around a client's first hop: two thirds of the
    store's time weighing them). ``version``: the data version the request
    read already (with its token), else read here."""
    if version is None:
        version = store.data_version()
    with _VIEWS_LOCK:
        got = _VIEWS.get(store, {}).get(bank)
        if got is not None and got.version == version:
            return got
    view = _BankView(version, frozenset(f for f, banks in store.consents().items() if bank in banks),
                     frozenset(store.client_ids()))
    with _VIEWS_LOCK:
        banks = _VIEWS.setdefault(store, {})
        if len(banks) >= _VIEWS_MAX:
            banks.clear()
        banks[bank] = view
    return view


# What scoping reads that does not depend on the bank (queries.version_memo),
# remembered for every bank's requests while the store's data version holds:
_OWN_YEN: VersionMemo[tuple[str, str, str], int] = VersionMemo(400_000)
"""(seller, buyer, observer) → the yen that ledger recorded of the pair
(``Store.observed_yen``; ~100 bytes each): the first hops of a bank's
clients share their hubs, whose pairs with hidden clients are weighed again
and again (~300 a two-hop ego, ~24 monthly files each)."""
_OWN_SERIES: VersionMemo[tuple[str, str, str], Series] = VersionMemo(10_000)
"""(seller, buyer, observer) → that ledger's monthly series of the pair
(``Store.observed_series``; ~2 kB each): the shown pairs of those hubs."""
_FIRMS: VersionMemo[str, Firm] = VersionMemo(30_000)
"""firm id → its record (``Store.get_firms``; ~700 bytes each): a two-hop
network names ~200 firms, most of them named by other networks too (200
clients' two-hop networks on the 100k region name 13,600 firms)."""
_SPELLINGS: VersionMemo[tuple[str, str], list[str]] = VersionMemo(50_000)
"""(client, firm) → how that client's ledger spells the firm (``Store.spellings``):
the names of the hidden partners shown."""


def scope_key_of(store: object) -> str:
    """The cache scope of a store: ``"all"`` for a raw store or an unscoped
    principal, ``"bank:B"`` for a credit officer, ``"research"``."""
    return getattr(store, "scope_key", "all")


def memo_key_of(store: object) -> tuple[object, int | None]:
    """What a process-wide memo of facts read through ``store`` keys on
    (:class:`queries.version_memo.VersionMemo`): the store object under a
    request's scope (one per process, where a :class:`ScopedStore` is made
    per request), and the data version the request read with its token
    (``None``: not read yet, or a raw store)."""
    if isinstance(store, ScopedStore):
        return store.store, store.version_read
    return store, None


BANK_SCOPE = "bank:"
"""A credit officer's scope key is this and the bank (``bank:B``)."""


def bank_scoped_parts(key: str) -> tuple[str, str]:
    """(head, tail) such that head + bank + tail is :func:`scoped_key` of
    ``key`` for a credit officer of that bank: how an answer of an officer
    whose bank is not known yet is named (``Store.token_read``)."""
    return BANK_SCOPE, f"|{key}"


def scoped_key(store: object, key: str) -> str:
    """An answer's cache key (``api.firm_pages``) in ``store``'s scope: as it
    is for the unscoped scope, else after the scope key, so that one scope's
    answer (cached, or rendered at load time) is never another's."""
    scope = scope_key_of(store)
    return key if scope == "all" else f"{scope}|{key}"


# -- the scoped store ------------------------------------------------------------

OFFICER_MASKED = (
    "firms that did not consent to share with the bank are left out of lists, search and "
    "whole-network analytics, and answer as unknown firms",
    "a partner that did not consent is shown only as a consenting client's own ledger names it, "
    "under a pseudonymous id (p-…): its 法人番号, industry, prefecture, client status, own figures, "
    "parameters and distress signals are left out",
    "trade recorded only in the ledgers of firms that did not consent (second-hop trade among them, "
    "their side of a two-sided flow) is left out — not counted, not banded",
    "metrics, trends, peers and what-if results are computed on the visible data only; peer "
    "statistics over fewer than 5 visible firms are suppressed",
)


class ScopedStore:
    """A :class:`ReadStore` restricted to what ``principal`` may see (see
    the module docstring and ``docs/access.md``). Made per request; caches
    what it reads for the request's lifetime."""

    def __init__(self, store: Store, principal: Principal, data_version: int | None = None,
                 focus: str | None = None) -> None:
        """``data_version``: the store's data version as the request read it
        already (with its token, ``Store.token_read``), the one a credit
        officer's view of the bank is taken at; else read when needed.
        ``focus``: the firm whose answers are read (:meth:`focus`)."""
        self.store = store
        self._version_read = data_version
        self.principal = principal
        self.backend = store.backend
        self.unscoped = principal.sees_everything
        self.bank = principal.bank if principal.role is Role.CREDIT_OFFICER else None
        if self.unscoped:
            self.scope_key = "all"
        elif self.bank is not None:
            self.scope_key = f"{BANK_SCOPE}{self.bank}"
        else:
            self.scope_key = "research"
        self._firms: dict[str, Firm | None] = {}
        self._vis: dict[str, bool] = {}
        # each observer's record of pairs whose hidden side's ledger records them too:
        # (seller, buyer) → observer → month → [yen, lines]
        self._obs: dict[tuple[str, str], dict[str, dict[str, list[int]]]] = {}
        self._obs_complete = False  # True: _obs holds every such pair (trade_frame read them all)
        # a visible ledger's own record of a pair whose hidden side's ledger records it too:
        # (seller, buyer, observer) → its series (None: it recorded none)
        self._own: dict[tuple[str, str, str], Series | None] = {}
        self._bank: _BankView | None = None  # read once per request (_view)
        # every pair read, scoped once per request: (seller, buyer) → what the principal sees (None: nothing)
        self._scoped: dict[tuple[str, str], PairTrade | None] = {}
        self._around: dict[str, list[tuple[str, str]]] = {}  # firm → keys of its pairs (read; see _scoped_around)
        self._weighed: dict[str, list[tuple[str, str]]] = {}  # firm → keys of its pairs weighed (see _weigh)
        self._yen: dict[tuple[str, str], int | None] = {}  # (seller, buyer) → yen the bank sees (None: nothing)
        self._seen_by: dict[str, set[str]] = defaultdict(set)
        self._spellings: dict[tuple[str, str], list[str]] = {}  # (observer, firm) → its ledger's spellings
        self._pseudo: _Pseudonyms | None = None
        self._focus: str | None = None  # the firm answered for: its ledger names hidden partners first
        self.focus(focus)

    def focus(self, firm_id: str | None) -> None:
        """Name a hidden partner as ``firm_id``'s own ledger spells it, where
        that ledger recorded it (docs/access.md, rule 2): the firm whose
        page, network, memo or what-if is being answered. Without a focus,
        or for a hidden firm its ledger did not record (a second-hop firm),
        the first visible ledger by client id names it. Without this, a
        partner was named by whichever visible ledger of the request came
        first — another client's spelling, even a misspelling, on the
        borrower's own page."""
        self._focus = firm_id if firm_id and not firm_id.startswith(PSEUDONYM_PREFIX) else None

    def _observers(self, real: str) -> list[str]:
        """The visible ledgers that recorded ``real``, in the order they name
        it: the focus first, then by client id."""
        seen = sorted(self._seen_by.get(real, ()))
        if self._focus is not None and self._focus in seen:
            seen.remove(self._focus)
            seen.insert(0, self._focus)
        return seen

    # -- what the caller is told -------------------------------------------
    def access(self) -> dict[str, Any]:
        """What every firm-level answer says about its scope: who asks and
        what kinds of data were masked. The same for every firm of a scope,
        so that it betrays nothing about hidden firms."""
        if self.unscoped:
            return dict(OPERATOR_ACCESS)  # one answer for admins and analysts: one cache entry
        if self.bank is not None:
            return {"scope": "bank", "role": str(self.principal.role), "bank": self.bank,
                    "masked": list(OFFICER_MASKED)}
        return {"scope": "research", "role": str(self.principal.role),
                "masked": ["names and ids of firms", "every firm-level answer"]}

    def _deny(self) -> AccessDenied:
        return AccessDenied(DENIED_TO_RESEARCHERS)

    def _officer(self) -> bool:
        """True for a credit officer; raises for a researcher (firm-level reads)."""
        if self.unscoped:
            return False
        if self.bank is None:
            raise self._deny()
        return True

    # -- firms, visibility, ids ----------------------------------------------
    def _records(self, ids: Collection[str]) -> dict[str, Firm]:
        """``Store.get_firms`` of ``ids``, remembered across requests
        (:data:`_FIRMS`) at the data version the request read with its token;
        read as before when it read none (the CLI, load-time rendering)."""
        if self._version_read is None:
            return self.store.get_firms(ids)
        got = _FIRMS.get(self.store, self._version_read, ids, self.store.get_firms)
        return {i: f for i, f in got.items() if f is not None}

    def _load(self, ids: Iterable[str]) -> None:
        missing = [i for i in set(ids) if i not in self._firms]
        if missing:
            found = self._records(missing)
            for i in missing:
                self._firms[i] = found.get(i)

    def _visible(self, real: str) -> bool:
        """Whether the firm consented to share with the officer's bank: from
        the bank's view (:func:`_bank_view`, read once per data version),
        without reading the firm (a two-hop network's ~400 pair ends, most
        of them hidden, were read for this alone: ~2 ms of Neo4j's CPU)."""
        seen = self._vis.get(real)  # not kept there: ``_vis`` also says the store named the firm (see _in)
        return seen if seen is not None else self.bank is not None and real in self._view().visible

    @property
    def _names(self) -> _Pseudonyms:
        if self._pseudo is None:
            assert self.bank is not None
            self._pseudo = _pseudonyms_for(_secret_of(self.store), self.bank)
        return self._pseudo

    def _out(self, real: str) -> str:
        """The id the principal sees for a firm."""
        return real if self._visible(real) else self._names.encode(real)

    def _in(self, scoped: str) -> str | None:
        """The real id behind an id the principal may use: a visible firm's
        id or a pseudonym this bank was given; else ``None``."""
        if scoped.startswith(PSEUDONYM_PREFIX):
            real = self._names.decode(scoped)
            if real is None:
                return None
            if real in self._vis and self._firms.get(real, True) is not None:
                return real  # the store named it in this request (a weighed pair's end), or it was read
            self._load([real])
            return real if self._firms[real] is not None else None
        return scoped if self._visible(scoped) else None

    def _in_many(self, ids: Iterable[str]) -> list[str]:
        """:meth:`_in` of many ids, the firms not known yet read in one call
        (one at a time, a view's 10,000 pseudonymous firms were as many round
        trips to Neo4j)."""
        ids = list(ids)
        self._load([i for i in ids if not i.startswith(PSEUDONYM_PREFIX) and self._visible(i)]
                   + [r for i in ids if i.startswith(PSEUDONYM_PREFIX)
                      and (r := self._names.decode(i)) is not None and r not in self._vis])
        return sorted({r for i in ids if (r := self._in(i)) is not None})

    def _read_spellings(self, reals: Iterable[str]) -> None:
        """How the visible ledgers that recorded the firms ``reals`` spell
        them, as far as :meth:`_ledger_name` looks: for each firm, its
        ledgers in :meth:`_observers` order up to the first that spells it — one
        store call for the first ledger of every firm not named yet, another
        for the next of those it did not name, and so on (a shown hidden
        firm is seen by ~3 visible ledgers, and named by the first)."""
        todo = set(reals)
        while todo:
            ask: dict[tuple[str, str], str] = {}
            for real in todo:
                for observer in self._observers(real):
                    key = (observer, real)
                    spelled = self._spellings.get(key)
                    if spelled is None:  # not read yet: the next to ask
                        ask[key] = real
                        break
                    if spelled:  # named by this ledger
                        break
            if not ask:
                return
            found = _SPELLINGS.get(self.store, self._view().version, ask.keys(), self.store.spellings)
            for key in ask:
                self._spellings[key] = found.get(key) or []
            todo = {real for key, real in ask.items() if not self._spellings[key]}

    def _ledger_name(self, real: str) -> str | None:
        """How the visible ledgers that recorded this partner spell it: the
        first spelling of the first such ledger (:meth:`_observers`: the
        focus's, else by client id)."""
        self._read_spellings([real])
        for observer in self._observers(real):
            if spelled := self._spellings[(observer, real)]:
                return spelled[0]
        return None

    def _partner(self, real: str) -> Firm:
        return Firm(self._names.encode(real), name=self._ledger_name(real))

    def get_firm(self, firm_id: str) -> Firm | None:
        if not self._officer():
            return self._records([firm_id]).get(firm_id)
        if firm_id.startswith(PSEUDONYM_PREFIX) or not self._visible(firm_id):
            return None
        self._load([firm_id])  # its record (whether it is visible comes from the bank's view)
        return self._firms[firm_id]

    def get_firms(self, firm_ids: Collection[str]) -> dict[str, Firm]:
        if not self._officer():
            return self._records(firm_ids)
        out: dict[str, Firm] = {}
        self._in_many(firm_ids)  # read at once what is not known yet
        # how the ledgers that name the pseudonymous partners asked for spell them: in one read
        self._read_spellings(r for i in firm_ids if i.startswith(PSEUDONYM_PREFIX)
                             and (r := self._names.decode(i)) is not None)
        for i in firm_ids:
            real = self._in(i)
            if real is None:
                continue
            if i.startswith(PSEUDONYM_PREFIX):
                if not self._visible(real):
                    out[i] = self._partner(real)
            elif (f := self._firms.get(real)) is not None:  # gone since the bank's view was read: unknown
                out[i] = f
        return out

    def search_firms(self, q: str, limit: int, offset: int) -> tuple[list[Firm], int]:
        if not self._officer():
            return self.store.search_firms(q, limit, offset)
        found, _ = self.store.search_firms(q, _BIG, 0)
        mine = self._found_in_view(q, [f for f in found if self.bank in (f.consented_banks or ())])
        return mine[offset:offset + limit], len(mine)

    def _found_in_view(self, q: str, firms: list[Firm]) -> list[Firm]:
        """Of the visible ``firms`` the store found for ``q``, those a name
        the bank may see matched: the id, the 法人番号, the names given
        outside the ledgers (firm master, display name, registry) or the
        spelling of a visible client's ledger. A firm found only by how a
        hidden client's ledger spells it is left out: the officer could
        otherwise test spellings and learn what hidden ledgers record."""
        key, idq, cn = query_key(q), id_query(q).lower(), number_query(q)

        def plain(f: Firm) -> bool:
            return (idq in f.id.lower() or bool(cn and cn in (f.corporate_number or ""))
                    or bool(key and key in search_key(f.name or "")))

        rest = {f.id for f in firms if not plain(f)}
        if not rest:
            return firms
        visible = self._view().visible
        said = self.store.search_names(rest)
        matched = {fid for fid, names in said.items()
                   if any(key in search_key(name) for client, name in names if client is None or client in visible)}
        return [f for f in firms if f.id not in rest or f.id in matched]

    def all_firms(self) -> list[Firm]:
        if self.unscoped:
            return self.store.all_firms()
        if self.bank is None:  # researcher: no names, no 法人番号
            return [Firm(f.id, industry=f.industry, prefecture=f.prefecture, is_client=f.is_client)
                    for f in self.store.all_firms()]
        return [f for f in self.store.all_firms() if self.bank in (f.consented_banks or ())]

    # -- trade -------------------------------------------------------------
    def _read_obs(self, keys: Collection[tuple[str, str]]) -> None:
        """Every observer's record of the pairs ``keys`` (one store call for all)."""
        missing = [] if self._obs_complete else sorted(set(keys) - set(self._obs))
        if not missing:
            return
        for k in missing:
            self._obs[k] = {}
        for r in self.store.pair_observations(missing):
            cell = self._obs[(r.seller, r.buyer)].setdefault(r.observer, {}).setdefault(r.month, [0, 0])
            cell[0] += r.amount
            cell[1] += r.lines

    def _read_own(self, keys: Collection[tuple[str, str, str]]) -> None:
        """What the ledger of each observer recorded of each pair, for the
        (seller, buyer, observer) of ``keys`` not read yet (one store call
        for those no request read at this data version: :data:`_OWN_SERIES`)."""
        missing = [k for k in set(keys) if k not in self._own]
        if missing:
            self._own.update(_OWN_SERIES.get(self.store, self._view().version, missing,
                                             self.store.observed_series))

    def _scope_new(self, pairs: list[PairTrade]) -> None:
        """Scope merged pairs not scoped before in this request into :attr:`_scoped`
        (see the module docstring): ``None`` for a pair the principal may not see,
        else the pair with the visible side's figures and pseudonymous partners."""
        shared: list[tuple[PairTrade, str]] = []  # the hidden side's ledger records it too
        for p in pairs:
            key = (p.seller, p.buyer)
            sv, bv = self._visible(p.seller), self._visible(p.buyer)
            if not (sv or bv):
                self._scoped[key] = None  # only hidden ledgers can have recorded it
                continue
            if sv and bv:
                self._scoped[key] = p
                continue
            v, h = (p.seller, p.buyer) if sv else (p.buyer, p.seller)
            self._seen_by[h].add(v)
            if all(o == v or set(split_observers(o)) <= {v} for o in p.observers):
                self._scoped[key] = self._relabel(p)
            else:
                shared.append((p, v))
        self._read_own([(p.seller, p.buyer, v) for p, v in shared])
        for p, v in shared:  # the visible side's own figures only
            mine = self._own[(p.seller, p.buyer, v)]
            self._scoped[(p.seller, p.buyer)] = None if mine is None else self._relabel(PairTrade(
                p.seller, p.buyer, mine.months, mine.amounts, mine.lines, (v,) * len(mine.months)))

    def _relabel(self, p: PairTrade) -> PairTrade:
        return PairTrade(self._out(p.seller), self._out(p.buyer), p.months, p.amounts, p.lines, p.observers)

    def _scope_pairs(self, pairs: Iterable[PairTrade]) -> list[PairTrade]:
        """The visible part of merged pairs, relabelled (see the module docstring);
        a pair read again in the same request is not scoped again."""
        pairs = list(pairs)
        new = [p for p in pairs if (p.seller, p.buyer) not in self._scoped]
        if new:
            self._scope_new(new)
        out = [q for p in pairs if (q := self._scoped[(p.seller, p.buyer)]) is not None]
        return sorted(out, key=_PAIR_KEY)

    def _remember_around(self, firms: Collection[str], pairs: Iterable[PairTrade]) -> None:
        """Record that ``pairs`` are all the pairs of each of ``firms`` that
        the principal may see part of (a hidden firm's: those with visible firms)."""
        touching: dict[str, list[tuple[str, str]]] = {f: [] for f in firms}
        for p in pairs:
            key = (p.seller, p.buyer)
            if p.seller in touching:
                touching[p.seller].append(key)
            if p.buyer in touching and p.buyer != p.seller:
                touching[p.buyer].append(key)
        self._around.update(touching)

    def _scoped_around(self, reals: Collection[str], ordered: bool = True) -> list[PairTrade]:
        """The scoped pairs with a seller or buyer in ``reals`` (real ids), sorted
        unless not ``ordered``: only firms whose pairs were not read yet in this
        request are read."""
        reals = set(reals)
        missing = sorted(r for r in reals if r not in self._around)
        if missing:
            shown = [r for r in missing if self._visible(r)]
            hidden = [r for r in missing if not self._visible(r)]
            raw = self.store.pairs_around(shown) if shown else []
            if hidden:  # a hidden firm's trade with other hidden firms is never shown: not read
                assert self.bank is not None
                raw += self.store.pairs_with_bank(hidden, self.bank)
            unique = list({(p.seller, p.buyer): p for p in raw}.values())
            self._scope_new([p for p in unique if (p.seller, p.buyer) not in self._scoped])
            self._remember_around(missing, unique)
        keys = {k for r in reals for k in self._around[r]}
        out = [q for k in keys if (q := self._scoped[k]) is not None]
        return sorted(out, key=_PAIR_KEY) if ordered else out

    def pairs_of(self, firm_id: str) -> list[PairTrade]:
        if not self._officer():
            return self.store.pairs_of(firm_id)
        real = self._in(firm_id)
        if real is None:
            return []
        raw = self.store.pairs_of(real)
        out = self._scope_pairs(raw)
        self._remember_around([real], raw)
        return out

    def pairs_among(self, firm_ids: Collection[str]) -> list[PairTrade]:
        if not self._officer():
            return self.store.pairs_among(firm_ids)
        return self._scope_pairs(self.store.pairs_among(self._in_many(firm_ids)))

    def pairs_by_keys(self, keys: Collection[tuple[str, str]]) -> list[PairTrade]:
        if not self._officer():
            return self.store.pairs_by_keys(keys)
        self._in_many(f for k in keys for f in k)
        real = {(s, b) for k in keys if (s := self._in(k[0])) and (b := self._in(k[1]))}
        return self._scope_pairs(self.store.pairs_by_keys(real))

    def pairs_around(self, firm_ids: Collection[str]) -> list[PairTrade]:
        if not self._officer():
            return self.store.pairs_around(firm_ids)
        return self._scoped_around(self._in_many(firm_ids))

    def pairs_between(self, firm_ids: Collection[str], others: Collection[str]) -> list[PairTrade]:
        if not self._officer():
            return self.store.pairs_between(firm_ids, others)
        return self._scope_pairs(self.store.pairs_between(self._in_many(firm_ids), self._in_many(others)))

    def second_hop(self, first: Collection[str], keep: Collection[str],
                   room: int) -> tuple[list[tuple[str, int]], list[PairTrade]]:
        """An officer's: the second hop ranked by the yen the bank sees with
        ``first`` (``Store.second_hop_ranking``'s ranking over the visible
        pairs, ties by the ids the officer sees), the pairs shown read where
        the store's partner lists hold them (``Store.listed_pairs``; by key
        when the lists are not current) — every one touches ``first``."""
        if not self._officer():
            return self.store.second_hop(first, keep, room)
        first_real, keep_real = set(self._in_many(first)), set(self._in_many(keep))
        lists = self.store.partner_lists(first_real)
        if lists is not None:
            seen, origin = self._bank_lists(lists)
            near = contenders(partner_weights(seen, keep_real), room + 1)
            visible = self._view().visible
            for f in near:  # firms of the lists (they exist): their ids below without reading each
                self._vis.setdefault(f, f in visible)
        else:
            around = self._weigh(first_real)
            near = contenders(second_hop_weights(keep_real, first_real, around), room + 1)
        real_of = {self._out(f): f for f in near}  # ranked as the officer sees them: ties by those ids
        weight = {f: near[real] for f, real in real_of.items()}
        ranked = top_by_weight(weight, room + 1)
        shown = keep_real | {real_of[f] for f in ranked[:room]}
        ranking = [(f, weight[f]) for f in ranked]
        if lists is not None:  # read at their places in the store's lists (Neo4j: by element id)
            at = {key: (i, origin[i][j]) for key, (i, j) in shown_pairs(seen, shown).items()}
            return ranking, self._scope_pairs(self.store.listed_pairs(lists, at)) if at else []
        keys = [(s, b) for s, b, _ in around if (s in first_real and b in shown) or (b in first_real and s in shown)]
        return ranking, self._scope_pairs(self.store.pairs_by_keys(keys)) if keys else []

    def _view(self) -> _BankView:
        """Which firms the bank sees and the clients (:func:`_bank_view`), once per request."""
        if self._bank is None:
            assert self.bank is not None
            self._bank = _bank_view(self.store, self.bank, self._version_read)
        return self._bank

    def _bank_lists(self, lists: list[Partners]) -> tuple[list[Partners], list[Sequence[int]]]:
        """The first hop's partner lists (``Store.partner_lists``) cut to
        what the bank sees, with the yen it sees: as :meth:`_weigh` weighs
        the pairs, from one entry per partner instead of a row per pair
        (a wide first hop's 20,000–40,000). Which visible ledgers saw a
        hidden firm is learnt on the way (its name, if it is shown). With
        each cut list, where its entries sit in the list it was cut from
        (for ``Store.listed_pairs``)."""
        view = self._view()
        visible, clients, seen_by = view.visible, view.clients, self._seen_by
        cut: list[tuple[str, bool, list[str], list[int]]] = []
        origin: list[Sequence[int]] = []
        shared: list[tuple[int, int, tuple[str, str, str]]] = []  # (list, entry, (seller, buyer, visible end))
        for firm, sells, others, yen in lists:
            if len(others) != len(yen):
                raise ValueError(f"partner list of {firm} out of step: {len(others)} partners, {len(yen)} amounts")
            i = len(cut)
            kept: Sequence[int]
            if firm in visible:  # every entry kept; its hidden partners were seen by this firm's ledger
                mine, amounts, kept = list(others), list(yen), range(len(others))
                for j in [j for j, other in enumerate(others) if other not in visible]:
                    other = others[j]
                    seen_by[other].add(firm)
                    if other in clients:
                        shared.append((i, j, (firm, other, firm) if sells else (other, firm, firm)))
            else:  # only its visible partners, which saw it
                kept = [j for j, other in enumerate(others) if other in visible]
                mine, amounts = [others[j] for j in kept], [yen[j] for j in kept]
                if mine:
                    seen_by[firm].update(mine)
                if firm in clients:
                    shared.extend((i, n, (firm, other, other) if sells else (other, firm, other))
                                  for n, other in enumerate(mine))
            cut.append((firm, sells, mine, amounts))
            origin.append(kept)
        if shared:  # the visible end's own record of the pair, or nothing to show
            own = _OWN_YEN.get(self.store, view.version, [key for _, _, key in shared], self.store.observed_yen)
            dropped: dict[int, set[int]] = defaultdict(set)
            for i, j, key in shared:
                yen_seen = own.get(key)
                if yen_seen is None:
                    dropped[i].add(j)
                else:
                    cut[i][3][j] = abs(yen_seen)
            for i, gone in dropped.items():
                firm, sells, others, yen = cut[i]
                cut[i] = (firm, sells, [o for j, o in enumerate(others) if j not in gone],
                          [y for j, y in enumerate(yen) if j not in gone])
                origin[i] = [k for j, k in enumerate(origin[i]) if j not in gone]
        return list(cut), origin

    def pair_amounts(self, firm_ids: Collection[str]) -> list[tuple[str, str, int]]:
        """(seller, buyer, yen) of the pairs around ``firm_ids`` the principal
        sees: for a credit officer the yen of :meth:`pairs_around`'s pairs,
        weighed by the store without their series (see :meth:`_weigh`)."""
        if not self._officer():
            return self.store.pair_amounts(firm_ids)
        return sorted((self._out(s), self._out(b), yen) for s, b, yen in self._weigh(self._in_many(firm_ids)))

    def _weigh(self, reals: Collection[str]) -> list[tuple[str, str, int]]:
        """(seller, buyer, yen) in real ids of the pairs with an end in
        ``reals`` that the bank sees part of, with the yen of that part — what
        the scoped pairs' series sum to (only firms not weighed yet in this
        request are read). A two-hop ego ranks its second hop from these:
        ~3,000 pairs, of which it shows ~600 with their series.

        From the pairs' merged yen (``Store.pair_amounts``) and which firms
        the bank sees (:func:`_bank_view`): a pair with both ends visible, or
        with a hidden end that keeps no ledger, is the bank's whole; where
        the hidden end is a client, its own ledger may record the flow too,
        and the bank weighs the visible end's own observations of it
        (nothing to weigh when that end recorded none): for a few pairs their
        series (``Store.observed_series``: an ego's own pairs, shown next
        with their series: one read instead of two), else their sums
        (``Store.observed_yen``: a first hop's, ~24 monthly files each).
        The firms' visibility and which visible ledgers saw a hidden firm
        are learnt on the way, as scoping the pairs would (the hidden
        firm's name)."""
        reals = set(reals)
        missing = sorted(reals - self._weighed.keys())
        if missing:
            view = self._view()
            visible, clients = view.visible, view.clients
            touching: dict[str, list[tuple[str, str]]] = {f: [] for f in missing}
            shared: list[tuple[tuple[str, str], str]] = []  # (pair, its visible end)
            vis, seen_by, yen_of = self._vis, self._seen_by, self._yen
            for s, b, yen in self.store.pair_amounts(missing):  # ~7,000 rows around a wide first hop
                sv, bv = s in visible, b in visible
                if not (sv or bv):
                    continue  # only hidden ledgers can have recorded it
                vis.setdefault(s, sv)
                vis.setdefault(b, bv)
                key = (s, b)
                weight: int | None = yen
                if sv != bv:
                    v, h = (s, b) if sv else (b, s)
                    seen_by[h].add(v)
                    if h in clients:
                        shared.append((key, v))
                        weight = None  # weighed below
                yen_of[key] = weight
                if (around := touching.get(s)) is not None:
                    around.append(key)
                if b != s and (around := touching.get(b)) is not None:
                    around.append(key)
            if len(shared) > _SERIES_AT_MOST:  # summed by the store (remembered for every bank)
                own = _OWN_YEN.get(self.store, view.version, [(s, b, v) for (s, b), v in shared],
                                   self.store.observed_yen)
                for (s, b), v in shared:
                    yen_of[(s, b)] = own.get((s, b, v))
            elif shared:  # few: their series, kept for when they are shown (an ego's own pairs)
                self._read_own([(s, b, v) for (s, b), v in shared])
                for (s, b), v in shared:
                    series = self._own[(s, b, v)]
                    yen_of[(s, b)] = None if series is None else series.amount
            self._weighed.update(touching)
        keys = {k for r in reals for k in self._weighed[r]}
        return [(s, b, w) for s, b in keys if (w := self._yen[(s, b)]) is not None]

    def firm_totals(self, firm_ids: Collection[str]) -> dict[str, FirmTotals]:
        """Monthly sales and purchases over the visible pairs; a visible
        client's ledger lines without a named partner included."""
        if not self._officer():
            return self.store.firm_totals(firm_ids)
        self._in_many(firm_ids)  # read at once what is not known yet
        wanted = {i for i in firm_ids if self._in(i) is not None}
        sales: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        purchases: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        reals = self._in_many(wanted)
        # visible firms whose pairs this request has not read: their stored totals, corrected
        fresh = {r for r in reals if r not in self._around and self._visible(r)}
        if fresh:
            self._corrected_totals(sorted(fresh), sales, purchases)
        for p in self._scoped_around([r for r in reals if r not in fresh], ordered=False):
            if p.seller == p.buyer:
                continue
            for firm, side in ((p.seller, sales), (p.buyer, purchases)):
                if firm in wanted and firm not in fresh:
                    acc = side[firm]
                    for m, a in zip(p.months, p.amounts, strict=True):
                        acc[m] += a
        own = sorted(f for f in wanted if not f.startswith(PSEUDONYM_PREFIX) and f not in fresh)  # visible
        for f, sums in (self.store.unnamed_totals(own) if own else {}).items():
            for m, a in sums.get("unnamed_sales", {}).items():
                sales[f][m] += a
            for m, a in sums.get("unnamed_purchases", {}).items():
                purchases[f][m] += a
        out: dict[str, FirmTotals] = {}
        for f in sorted(wanted):
            s, q = sales.get(f, {}), purchases.get(f, {})
            months = tuple(sorted(m for m in set(s) | set(q) if s.get(m, 0) or q.get(m, 0)))
            if months:
                out[f] = FirmTotals(f, months, tuple(s.get(m, 0) for m in months),
                                    tuple(q.get(m, 0) for m in months))
        return out

    def _corrected_totals(self, fresh: list[str], sales: dict[str, dict[str, int]],
                          purchases: dict[str, dict[str, int]]) -> None:
        """Add the monthly totals of visible firms (``fresh``) over the pairs the
        bank sees, without reading their pairs with hidden firms: a visible
        firm's own ledger is visible whole, and it is what the bank sees of
        every such pair (the hidden side's figures are never used; a pair only
        the hidden side's ledger records is not shown). So a visible firm's
        totals are its own ledger's sales and purchases (every line, those
        without a named counterparty too; its trade with itself left out, as
        the stored totals leave it) with, for each pair with a *visible*
        partner, the merged figures in place of its own — few pairs: a bank's
        consenting firms are a few percent of a region. A firm that is not a
        client keeps no ledger: only its pairs with visible firms count. A
        client's ledger totals are those kept after the last load
        (``Store.ledger_totals``), else summed from its observations.
        (Before, the stored totals were corrected pair by pair for every pair
        with a hidden client, whose series and observations were read:
        ~11,000 pairs for the view of a firm with 200 partners.)"""
        assert self.bank is not None
        self._load(fresh)  # their records: which of them are clients
        clients = [f for f in fresh if (known := self._firms[f]) is not None and known.is_client]
        kept = (self.store.ledger_totals(clients) or {}) if clients else {}  # kept after the last load
        rest = [f for f in clients if f not in kept]  # else summed from their observations
        kept.update((f, ledger_totals_of(f, sums)) for f, sums in (self.store.ledger_sums_of(rest) if rest else {}).items())
        for t in kept.values():
            for m, sold, bought in zip(t.months, t.sales, t.purchases, strict=True):
                sales[t.firm][m] += sold
                purchases[t.firm][m] += bought
        pairs = self.store.pairs_with_bank(fresh, self.bank)  # with a visible partner: merged figures shown
        # Each ledger's own record of them: read only where both ledgers record a pair;
        # where one does, the merged figures are its own.
        observers = {(p.seller, p.buyer): {o for m in p.observers for o in split_observers(m)} for p in pairs}
        self._read_obs([k for k, seen in observers.items() if len(seen) > 1])
        wanted = set(fresh)
        for p in pairs:
            key = (p.seller, p.buyer)
            seen = observers[key]
            if len(seen) > 1:
                own = {o: {m: yen for m, (yen, _) in by_month.items()}
                       for o, by_month in self._obs.get(key, {}).items()}
            else:
                own = {o: dict(zip(p.months, p.amounts, strict=True)) for o in seen}
            if p.seller == p.buyer:  # in its ledger's sales, in no stored total
                for m, a in own.get(p.seller, {}).items():
                    sales[p.seller][m] -= a
                continue
            for firm, side in ((p.seller, sales), (p.buyer, purchases)):
                if firm in wanted:
                    acc = side[firm]
                    for m, a in zip(p.months, p.amounts, strict=True):
                        acc[m] += a
                    for m, a in own.get(firm, {}).items():
                        acc[m] -= a

    def trade_edges(self, firm_ids: Collection[str], month_from: str | None,
                    month_to: str | None) -> list[TradeEdge]:
        if not self._officer():
            return self.store.trade_edges(firm_ids, month_from, month_to)
        return list(expand_edges(self.pairs_around(firm_ids), month_from, month_to))

    def payments(self, firm_ids: Collection[str], month_from: str | None,
                 month_to: str | None) -> list[PaymentRow]:
        """Settlements recorded by visible ledgers only."""
        if not self._officer():
            return self.store.payments(firm_ids, month_from, month_to)
        rows = self.store.payments(self._in_many(firm_ids), month_from, month_to)
        kept = [r for r in rows if self._visible(r.observer)]
        return sorted((PaymentRow(self._out(r.payer), self._out(r.payee), r.month, r.observer, r.amount,
                                  r.lines, "") for r in kept),
                      key=lambda r: (r.payer, r.payee, r.month, r.observer))

    def two_sided(self, month_from: str | None, month_to: str | None) -> list[TradeRow]:
        """Flows between two clients: for a credit officer only those between
        two visible clients (one side alone would betray the other's ledger)."""
        if not self._officer():
            return self.store.two_sided(month_from, month_to)
        rows = self.store.two_sided(month_from, month_to)
        return [r for r in rows if self._visible(r.seller) and self._visible(r.buyer)]

    def ledger_sums(self, client_id: str) -> dict[str, dict[str, int]]:
        if not self._officer():
            return self.store.ledger_sums(client_id)
        if client_id.startswith(PSEUDONYM_PREFIX) or not self._visible(client_id):
            return {}
        return self.store.ledger_sums(client_id)

    def unnamed_totals(self, client_ids: Collection[str]) -> dict[str, dict[str, dict[str, int]]]:
        """As :meth:`ledger_sums` scopes a ledger: a client the bank does not
        see (or a pseudonym) gets empty sums."""
        if not self._officer():
            return self.store.unnamed_totals(client_ids)
        ids = {c for c in client_ids if not c.startswith(PSEUDONYM_PREFIX) and self._visible(c)}
        seen = self.store.unnamed_totals(ids) if ids else {}
        return {c: seen.get(c, {"unnamed_sales": {}, "unnamed_purchases": {}}) for c in client_ids}

    def own_ledger(self, client_id: str) -> tuple[list[TradeRow], list[PaymentRow]]:
        if not self._officer():
            return self.store.own_ledger(client_id)
        if client_id.startswith(PSEUDONYM_PREFIX) or not self._visible(client_id):
            return [], []
        trades, payments = self.store.own_ledger(client_id)
        return ([TradeRow(self._out(r.seller), self._out(r.buyer), r.month, r.observer, r.amount, r.lines)
                 for r in trades],
                [PaymentRow(self._out(r.payer), self._out(r.payee), r.month, r.observer, r.amount, r.lines)
                 for r in payments])

    # -- whole network ---------------------------------------------------------
    def parameters(self) -> list[ParameterRow]:
        """Management parameters: of visible firms only for a credit officer;
        all for a researcher (correlations are aggregates)."""
        rows = self.store.parameters()
        if self.unscoped or self.bank is None:
            return rows
        return [r for r in rows if self._visible(r.firm_id)]

    def parameters_of(self, firm_ids: Collection[str]) -> list[ParameterRow]:
        """:meth:`parameters` of these firms (ids as this principal sees them:
        a pseudonymous partner has none)."""
        if self.unscoped or self.bank is None:
            return self.store.parameters_of(firm_ids)
        return self.store.parameters_of([i for i in firm_ids if self._visible(i)])

    def trade_frame(self, month_from: str | None, month_to: str | None) -> pd.DataFrame:
        """The whole network's monthly trade: for a credit officer the
        visible pairs (see :meth:`_scope_pairs`) with pseudonymous partners."""
        # imported here: pandas and numpy, for this whole-network read only
        from queries.observations import pairs_frame

        if self.unscoped or self.bank is None:
            return self.store.trade_frame(month_from, month_to)
        visible = self._view().visible
        # both sides' observations of flows between clients, read once for every pair
        # (pairs whose observations were read before keep them: they are complete)
        fresh: dict[tuple[str, str], dict[str, dict[str, list[int]]]] = {}
        for r in self.store.two_sided(None, None):
            if r.observer in visible:
                cell = fresh.setdefault((r.seller, r.buyer), {}).setdefault(
                    r.observer, {}).setdefault(r.month, [0, 0])
                cell[0] += r.amount
                cell[1] += r.lines
        for k, obs in fresh.items():
            self._obs.setdefault(k, obs)
        self._obs_complete = True
        pairs = self.store.all_pairs()
        return pairs_frame(self._scope_pairs(pairs), month_from, month_to)

    def data_version(self) -> int:
        return self.store.data_version()

    def trade_version(self) -> int:
        return self.store.trade_version()

    @property
    def version_read(self) -> int | None:
        """The data version the request read with its token (``None``: not given)."""
        return self._version_read

    def scope_version(self) -> int:
        """The data version of the last consent change of this scope's bank
        (:meth:`Store.consent_version`; 0 for other scopes): with the trade
        version, what tells whether an answer stored for the bank is current."""
        return self.store.consent_version(self.bank) if self.bank is not None else 0

    def get_analytics(self, name: str) -> tuple[int, str, bytes] | None:
        """Stored derived tables are computed on the whole network: only the
        unscoped scope may use them — except, for a bank's officers, the
        answers rendered for that bank at load time (``response:bank:B|…``,
        :mod:`api.precompute`), each read by its name."""
        if self.unscoped or (self.bank is not None and name.startswith(STORED_ANSWER_PREFIX + scoped_key(self, ""))):
            return self.store.get_analytics(name)
        return None


OPERATOR_ACCESS: dict[str, Any] = {"scope": "operator", "masked": []}
"""The access statement of unscoped answers (admin and analyst see the same)."""


def access_of(store: object) -> dict[str, Any]:
    """What an answer read through ``store`` says about its scope and what
    was masked (a raw store is the operator's scope)."""
    return store.access() if isinstance(store, ScopedStore) else dict(OPERATOR_ACCESS)
