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
import secrets
import threading
from collections import defaultdict
from collections.abc import Collection, Iterable
from typing import Any, Protocol

import pandas as pd

from queries.access import Principal, Role
from queries.model import Firm, ParameterRow, PaymentRow, TradeEdge, TradeRow
from queries.observations import pairs_frame
from queries.series import FirmTotals, PairTrade, expand_edges, split_observers
from queries.store import Store, StoreError

__all__ = ["ReadStore", "ScopedStore", "AccessDenied", "PSEUDONYM_PREFIX", "scope_key_of", "access_of",
           "OPERATOR_ACCESS"]

PSEUDONYM_PREFIX = "p-"
"""Ids of ledger partners shown to a credit officer start with this."""

SCOPE_KEY = "scope_key"
"""Analytics entry holding the secret the pseudonymous ids are made with."""

_BIG = 10**9


class AccessDenied(StoreError):
    """The principal may not read this kind of data at all (HTTP 403). Raised
    for a kind of read, never for one firm, so it says nothing about existence."""


class ReadStore(Protocol):
    """The reads the use cases (API and CLI) make: implemented by every
    :class:`~queries.store.Store` and by :class:`ScopedStore`."""

    backend: str

    def data_version(self) -> int: ...
    def get_firm(self, firm_id: str) -> Firm | None: ...
    def get_firms(self, firm_ids: Collection[str]) -> dict[str, Firm]: ...
    def search_firms(self, q: str, limit: int, offset: int) -> tuple[list[Firm], int]: ...
    def pairs_of(self, firm_id: str) -> list[PairTrade]: ...
    def pairs_among(self, firm_ids: Collection[str]) -> list[PairTrade]: ...
    def pairs_by_keys(self, keys: Collection[tuple[str, str]]) -> list[PairTrade]: ...
    def pairs_around(self, firm_ids: Collection[str]) -> list[PairTrade]: ...
    def pair_amounts(self, firm_ids: Collection[str]) -> list[tuple[str, str, int]]: ...
    def firm_totals(self, firm_ids: Collection[str]) -> dict[str, FirmTotals]: ...
    def trade_edges(self, firm_ids: Collection[str], month_from: str | None,
                    month_to: str | None) -> list[TradeEdge]: ...
    def payments(self, firm_ids: Collection[str], month_from: str | None,
                 month_to: str | None) -> list[PaymentRow]: ...
    def two_sided(self, month_from: str | None, month_to: str | None) -> list[TradeRow]: ...
    def ledger_sums(self, client_id: str) -> dict[str, dict[str, int]]: ...
    def own_ledger(self, client_id: str) -> tuple[list[TradeRow], list[PaymentRow]]: ...
    def parameters(self) -> list[ParameterRow]: ...
    def all_firms(self) -> list[Firm]: ...
    def trade_frame(self, month_from: str | None, month_to: str | None) -> pd.DataFrame: ...
    def get_analytics(self, name: str) -> tuple[int, str, bytes] | None: ...


# -- pseudonymous ids ----------------------------------------------------------

_KEYS: dict[int, bytes] = {}
_KEYS_LOCK = threading.Lock()


def _secret_of(store: Store) -> bytes:
    """The store's pseudonym secret (32 random bytes kept as an analytics
    entry, made on first use); cached per store object."""
    with _KEYS_LOCK:
        key = _KEYS.get(id(store))
        if key is not None:
            return key
        entry = store.get_analytics(SCOPE_KEY)
        if entry is None:
            created = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
            store.put_analytics(SCOPE_KEY, secrets.token_bytes(32), 0, created)
            entry = store.get_analytics(SCOPE_KEY)  # another process may have won: use what is stored
            assert entry is not None
        _KEYS[id(store)] = key = entry[2]
        return key


class _Pseudonyms:
    """Deterministic, authenticated, reversible ids for one bank (SIV with
    HMAC-SHA256: the tag is an HMAC of bank and id, the id is XORed with an
    HMAC keystream seeded by the tag). A bank sees the same pseudonym for
    the same firm on every request; another bank's pseudonyms do not decode."""

    TAG = 10

    def __init__(self, secret: bytes, bank: str) -> None:
        self._mac = hmac.new(secret, b"tag", hashlib.sha256).digest()
        self._enc = hmac.new(secret, b"enc", hashlib.sha256).digest()
        self._bank = bank.encode("utf-8")

    def _tag(self, raw: bytes) -> bytes:
        return hmac.new(self._mac, self._bank + b"\x00" + raw, hashlib.sha256).digest()[: self.TAG]

    def _stream(self, tag: bytes, n: int) -> bytes:
        out = b""
        counter = 0
        while len(out) < n:
            out += hmac.new(self._enc, tag + counter.to_bytes(4, "big"), hashlib.sha256).digest()
            counter += 1
        return out[:n]

    def encode(self, firm_id: str) -> str:
        raw = firm_id.encode("utf-8")
        tag = self._tag(raw)
        body = bytes(a ^ b for a, b in zip(raw, self._stream(tag, len(raw)), strict=True))
        return PSEUDONYM_PREFIX + base64.b32encode(tag + body).decode("ascii").rstrip("=").lower()

    def decode(self, pseudonym: str) -> str | None:
        text = pseudonym[len(PSEUDONYM_PREFIX):].upper()
        try:
            blob = base64.b32decode(text + "=" * (-len(text) % 8))
        except (ValueError, TypeError):
            return None
        if len(blob) <= self.TAG:
            return None
        tag, body = blob[: self.TAG], blob[self.TAG:]
        raw = bytes(a ^ b for a, b in zip(body, self._stream(tag, len(body)), strict=True))
        if not hmac.compare_digest(tag, self._tag(raw)):
            return None
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            return None


def scope_key_of(store: object) -> str:
    """The cache scope of a store: ``"all"`` for a raw store or an unscoped
    principal, ``"bank:B"`` for a credit officer, ``"research"``."""
    return getattr(store, "scope_key", "all")


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

    def __init__(self, store: Store, principal: Principal) -> None:
        self.store = store
        self.principal = principal
        self.backend = store.backend
        self.unscoped = principal.sees_everything
        self.bank = principal.bank if principal.role is Role.CREDIT_OFFICER else None
        if self.unscoped:
            self.scope_key = "all"
        elif self.bank is not None:
            self.scope_key = f"bank:{self.bank}"
        else:
            self.scope_key = "research"
        self._firms: dict[str, Firm | None] = {}
        self._own: dict[str, dict[tuple[str, str], dict[str, list[int]]]] = {}
        self._seen_by: dict[str, set[str]] = defaultdict(set)
        self._aliases: dict[str, dict[str, list[str]]] = {}
        self._pseudo: _Pseudonyms | None = None

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
        return AccessDenied("this role receives aggregates only (correlation, the anonymised export), "
                            "never a firm-level answer")

    def _officer(self) -> bool:
        """True for a credit officer; raises for a researcher (firm-level reads)."""
        if self.unscoped:
            return False
        if self.bank is None:
            raise self._deny()
        return True

    # -- firms, visibility, ids ----------------------------------------------
    def _load(self, ids: Iterable[str]) -> None:
        missing = [i for i in set(ids) if i not in self._firms]
        if missing:
            found = self.store.get_firms(missing)
            for i in missing:
                self._firms[i] = found.get(i)

    def _visible(self, real: str) -> bool:
        self._load([real])
        f = self._firms[real]
        return f is not None and self.bank is not None and self.bank in (f.consented_banks or ())

    @property
    def _names(self) -> _Pseudonyms:
        if self._pseudo is None:
            assert self.bank is not None
            self._pseudo = _Pseudonyms(_secret_of(self.store), self.bank)
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
            self._load([real])
            return real if self._firms[real] is not None else None
        return scoped if self._visible(scoped) else None

    def _in_many(self, ids: Iterable[str]) -> list[str]:
        ids = list(ids)
        self._load(i for i in ids if not i.startswith(PSEUDONYM_PREFIX))
        return sorted({r for i in ids if (r := self._in(i)) is not None})

    def _ledger_name(self, real: str) -> str | None:
        """How the visible ledgers that recorded this partner spell it."""
        for observer in sorted(self._seen_by.get(real, ())):
            spellings = self._aliases.get(observer)
            if spellings is None:
                by_firm: dict[str, list[str]] = defaultdict(list)
                for a in self.store.aliases(observer).values():
                    by_firm[a.firm_id].append(a.raw_name)
                self._aliases[observer] = spellings = {k: sorted(v) for k, v in by_firm.items()}
            if spellings.get(real):
                return spellings[real][0]
        return None

    def _partner(self, real: str) -> Firm:
        return Firm(self._names.encode(real), name=self._ledger_name(real))

    def get_firm(self, firm_id: str) -> Firm | None:
        if not self._officer():
            return self.store.get_firm(firm_id)
        if firm_id.startswith(PSEUDONYM_PREFIX) or not self._visible(firm_id):
            return None
        return self._firms[firm_id]

    def get_firms(self, firm_ids: Collection[str]) -> dict[str, Firm]:
        if not self._officer():
            return self.store.get_firms(firm_ids)
        out: dict[str, Firm] = {}
        self._load(i for i in firm_ids if not i.startswith(PSEUDONYM_PREFIX))
        for i in firm_ids:
            real = self._in(i)
            if real is None:
                continue
            if i.startswith(PSEUDONYM_PREFIX):
                if not self._visible(real):
                    out[i] = self._partner(real)
            else:
                f = self._firms[real]
                assert f is not None
                out[i] = f
        return out

    def search_firms(self, q: str, limit: int, offset: int) -> tuple[list[Firm], int]:
        if not self._officer():
            return self.store.search_firms(q, limit, offset)
        found, _ = self.store.search_firms(q, _BIG, 0)
        mine = [f for f in found if self.bank in (f.consented_banks or ())]
        return mine[offset:offset + limit], len(mine)

    def all_firms(self) -> list[Firm]:
        if self.unscoped:
            return self.store.all_firms()
        if self.bank is None:  # researcher: no names, no 法人番号
            return [Firm(f.id, industry=f.industry, prefecture=f.prefecture, is_client=f.is_client)
                    for f in self.store.all_firms()]
        return [f for f in self.store.all_firms() if self.bank in (f.consented_banks or ())]

    def _visible_ids(self) -> set[str]:
        return {f.id for f in self.all_firms()}

    # -- trade -------------------------------------------------------------
    def _own_obs(self, client: str) -> dict[tuple[str, str], dict[str, list[int]]]:
        """What a visible client's own ledger says, (seller, buyer) → month → [yen, lines]."""
        got = self._own.get(client)
        if got is None:
            trades, _ = self.store.own_ledger(client)
            got = defaultdict(dict)
            for r in trades:
                if r.observer != client:
                    continue
                cell = got[(r.seller, r.buyer)].setdefault(r.month, [0, 0])
                cell[0] += r.amount
                cell[1] += r.lines
            self._own[client] = got
        return got

    def _scope_pairs(self, pairs: Iterable[PairTrade]) -> list[PairTrade]:
        """The visible part of merged pairs, relabelled (see the module docstring)."""
        pairs = list(pairs)
        self._load({f for p in pairs for f in (p.seller, p.buyer)})
        out: list[PairTrade] = []
        for p in pairs:
            sv, bv = self._visible(p.seller), self._visible(p.buyer)
            if not (sv or bv):
                continue  # only hidden ledgers can have recorded it
            if sv and bv:
                out.append(p)
                continue
            v, h = (p.seller, p.buyer) if sv else (p.buyer, p.seller)
            self._seen_by[h].add(v)
            if all(set(split_observers(o)) <= {v} for o in p.observers):
                kept = p
            else:  # the hidden side's ledger records it too: the visible side's own figures only
                mine = self._own_obs(v).get((p.seller, p.buyer), {})
                if not mine:
                    continue
                months = tuple(sorted(mine))
                kept = PairTrade(p.seller, p.buyer, months, tuple(mine[m][0] for m in months),
                                 tuple(mine[m][1] for m in months), (v,) * len(months))
            out.append(PairTrade(self._out(kept.seller), self._out(kept.buyer), kept.months,
                                 kept.amounts, kept.lines, kept.observers))
        return sorted(out, key=lambda q: (q.seller, q.buyer))

    def pairs_of(self, firm_id: str) -> list[PairTrade]:
        if not self._officer():
            return self.store.pairs_of(firm_id)
        real = self._in(firm_id)
        return [] if real is None else self._scope_pairs(self.store.pairs_of(real))

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
        return self._scope_pairs(self.store.pairs_around(self._in_many(firm_ids)))

    def pair_amounts(self, firm_ids: Collection[str]) -> list[tuple[str, str, int]]:
        if not self._officer():
            return self.store.pair_amounts(firm_ids)
        return [(p.seller, p.buyer, p.amount) for p in self.pairs_around(firm_ids)]

    def firm_totals(self, firm_ids: Collection[str]) -> dict[str, FirmTotals]:
        """Monthly sales and purchases over the visible pairs; a visible
        client's ledger lines without a named partner included."""
        if not self._officer():
            return self.store.firm_totals(firm_ids)
        wanted = {i for i in firm_ids if self._in(i) is not None}
        sales: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        purchases: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for p in self.pairs_around(wanted):
            if p.seller == p.buyer:
                continue
            for m, a in zip(p.months, p.amounts, strict=True):
                if p.seller in wanted:
                    sales[p.seller][m] += a
                if p.buyer in wanted:
                    purchases[p.buyer][m] += a
        for f in wanted:
            if not f.startswith(PSEUDONYM_PREFIX):
                sums = self.store.ledger_sums(f)
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
        self._load({f for r in rows for f in (r.seller, r.buyer)})
        return [r for r in rows if self._visible(r.seller) and self._visible(r.buyer)]

    def ledger_sums(self, client_id: str) -> dict[str, dict[str, int]]:
        if not self._officer():
            return self.store.ledger_sums(client_id)
        if client_id.startswith(PSEUDONYM_PREFIX) or not self._visible(client_id):
            return {}
        return self.store.ledger_sums(client_id)

    def own_ledger(self, client_id: str) -> tuple[list[TradeRow], list[PaymentRow]]:
        if not self._officer():
            return self.store.own_ledger(client_id)
        if client_id.startswith(PSEUDONYM_PREFIX) or not self._visible(client_id):
            return [], []
        trades, payments = self.store.own_ledger(client_id)
        self._load({f for r in trades for f in (r.seller, r.buyer)}
                   | {f for r in payments for f in (r.payer, r.payee)})
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
        visible = self._visible_ids()
        return [r for r in rows if r.firm_id in visible]

    def trade_frame(self, month_from: str | None, month_to: str | None) -> pd.DataFrame:
        """The whole network's monthly trade: for a credit officer the
        visible pairs (see :meth:`_scope_pairs`) with pseudonymous partners."""
        if self.unscoped or self.bank is None:
            return self.store.trade_frame(month_from, month_to)
        visible = self._visible_ids()
        for f in self.store.get_firms(visible).values():
            self._firms[f.id] = f
        # both sides' observations of flows between clients, read once for every pair
        for r in self.store.two_sided(None, None):
            if r.observer in visible:
                self._own.setdefault(r.observer, defaultdict(dict))
                cell = self._own[r.observer][(r.seller, r.buyer)].setdefault(r.month, [0, 0])
                cell[0] += r.amount
                cell[1] += r.lines
        for v in visible:
            self._own.setdefault(v, defaultdict(dict))
        pairs = self.store.all_pairs()
        return pairs_frame(self._scope_pairs(pairs), month_from, month_to)

    def data_version(self) -> int:
        return self.store.data_version()

    def get_analytics(self, name: str) -> tuple[int, str, bytes] | None:
        """Stored derived tables are computed on the whole network: only the
        unscoped scope may use them."""
        return self.store.get_analytics(name) if self.unscoped else None


OPERATOR_ACCESS: dict[str, Any] = {"scope": "operator", "masked": []}
"""The access statement of unscoped answers (admin and analyst see the same)."""


def access_of(store: object) -> dict[str, Any]:
    """What an answer read through ``store`` says about its scope and what
    was masked (a raw store is the operator's scope)."""
    return store.access() if isinstance(store, ScopedStore) else dict(OPERATOR_ACCESS)
