"""Resolve ledger counterparties to firms (entity resolution).

One real firm should be one node however each ledger spells it. Per distinct
(client, counterparty as written), in this order:

1. an explicit firm id in the ledger;
2. an earlier decision for this client's spelling (an :class:`Alias`),
   so reloads and human review decisions are respected;
3. strong keys: the 法人番号 (check digit verified by the reader), an
   invoice number ``T`` + 法人番号 in 摘要, or a name written elsewhere in the
   same file with exactly one 法人番号; then a bank account
   (bank-branch-account) already tied to a firm;
4. sole proprietors (natural persons) get a firm of their own per client and
   are never matched across clients (APPI);
5. the normalised name (:mod:`ingest.names`) is matched against known
   corporations and the NTA registry (:mod:`ingest.matching`): at or above
   ``AUTO_MERGE`` the spelling joins the candidate (a recorded, undoable
   merge); in the review band it gets its own firm and waits in the review
   queue; below, it is a new firm.

Privacy: a counterparty is linked across clients only when it is a
corporation — it carries a 法人番号, a legal form, or it matches a known
corporation. A name without a legal form (``青木酒店`` could be a person's
trade name) may join a corporation it matches, but two such names in
different clients' ledgers are never linked with each other: until matched,
each is a firm of its own client.

Ids minted here are deterministic: ``C`` + 法人番号, ``N`` + a hash of the
normalised core name and legal form (corporations), ``U`` + a hash of
(client, name) for names of unknown kind, ``P`` + a hash of (client, name)
for sole proprietors.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import time
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from ingest.corporate_number import is_valid
from ingest.matching import AMBIGUITY_MARGIN, NameIndex, decide
from ingest.names import NormalizedName, is_sole_proprietor, normalize_name
from ingest.records import Counterparty
from queries.model import Alias, Firm, MergeRecord, RegistryRecord
from queries.store import Store

__all__ = ["Resolver", "Resolution", "alias_key", "name_id", "minted_kind", "registry_firm", "registry_number"]

_CLOSE = 1.0 - AMBIGUITY_MARGIN - 0.01
"""Cutoff of the first name query (:meth:`Resolver._matches`): every runner-up
that can turn a score-1 match into a review, with a hundredth to spare for
scores compared in single precision (``ingest.matching.NameIndex``)."""
_REG = "reg:"  # NameIndex ids of registry entries not yet a firm


def registry_firm(record: RegistryRecord) -> Firm:
    """The firm a registry entry becomes when a ledger first names it: id
    ``C`` + its 法人番号, the registered name and prefecture."""
    cn = record.corporate_number
    return Firm(id=f"C{cn}", name=record.name, corporate_number=cn, prefecture=record.prefecture)


def registry_number(firm_id: str) -> str | None:
    """The 法人番号 of a registry entry named by ``firm_id``: the name index's
    ``reg:`` + number, or ``C`` + number, the id :func:`registry_firm` gives
    it (a review's candidate may be such an entry before any ledger named
    it, so not a stored firm yet); ``None`` for any other id."""
    number = firm_id.removeprefix(_REG) if firm_id.startswith(_REG) else firm_id[1:] if firm_id[:1] == "C" else ""
    return number if _ASCII13.fullmatch(number) and is_valid(number) else None


_ASCII13 = re.compile(r"[0-9]{13}")
_CLIENT_SCOPED = ("P", "U")  # id prefixes of firms that belong to one client's ledger


def _hash(text: str, size: int = 6) -> str:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=size).hexdigest()


@lru_cache(maxsize=1 << 19)  # every spelling of a run is asked for several times (a region: ~356,000)
def alias_key(cp: Counterparty) -> str:
    """Key of a spelling within one client: the raw name (NFKC) and strong keys."""
    parts = (unicodedata.normalize("NFKC", cp.name).strip(), cp.firm_id or "",
             cp.corporate_number or "", cp.invoice_number or "", cp.bank_account or "")
    return _hash("\x1f".join(parts), 8)


_MINTED = re.compile(r"^(?:(C)\d{13}|([NUP])[0-9a-f]{12})$")
_MINTED_KINDS = {"C": "corporation", "N": "corporation", "U": "unresolved_name", "P": "sole_proprietor"}


def minted_kind(firm_id: str) -> str | None:
    """What an id minted here says of its firm: ``"corporation"`` (``C`` +
    法人番号, or ``N``: a corporation known by its name, linked across
    clients), ``"unresolved_name"`` (``U``: a name of unknown kind, one
    client's ledger only) or ``"sole_proprietor"`` (``P``: a natural
    person, one client's ledger only); ``None`` for an id of the firm master."""
    m = _MINTED.match(firm_id)
    return _MINTED_KINDS[m.group(1) or m.group(2)] if m else None


def name_id(nn: NormalizedName) -> str:
    """Deterministic id of a corporation known only by its name."""
    return f"N{_hash(nn.core + '|' + (nn.legal_form or ''))}"


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


_clock: tuple[float, str] = (0.0, "")


def _now_cached() -> str:
    """:func:`_now`, formatted at most once a second (a merge record per spelling)."""
    global _clock
    t = time.monotonic()
    if t - _clock[0] >= 1.0:
        _clock = (t, _now())
    return _clock[1]


@dataclass(frozen=True, slots=True)
class Resolution:
    """The firm a spelling resolved to, how, and the alias to store."""

    firm: Firm
    alias: Alias
    merge: MergeRecord | None = None
    bank_account: str | None = None
    known: bool = False  # the spelling's decision was already recorded (nothing new to store)


@dataclass
class _Index:
    """Names of known firms and registry entries, built once per run."""

    names: NameIndex = field(default_factory=NameIndex)
    registry: dict[str, RegistryRecord] = field(default_factory=dict)
    firm_by_cn: dict[str, str] = field(default_factory=dict)


class Resolver:
    """Resolves the distinct counterparties of one ingest run.

    Store lookups are batched and cached for the run: :meth:`prefetch` reads
    the spellings of every client, the firms, 法人番号 and bank accounts a
    group of files names in one query each, so that resolution makes no
    round trip per name. Decisions taken in this run are kept in the same
    caches, so a later file of the run sees them before they are written.
    """

    def __init__(self, store: Store) -> None:
        self.store = store
        self._index: _Index | None = None
        self._aliases: dict[str, dict[str, Alias]] = {}
        self._firms: dict[str, Firm | None] = {}  # None: looked up, not stored
        self._by_cn: dict[str, str | None] = {}  # 法人番号 -> firm id stored under it
        self._accounts: dict[str, str | None] = {}
        self._minted: dict[str, Firm] = {}  # firms this run created or matched, as first seen

    # -- batched, cached lookups -------------------------------------------
    def prefetch(self, pairs: Iterable[tuple[str, Counterparty]]) -> None:
        """Look up, in one query per kind, what resolving ``pairs`` will need."""
        pairs = list(pairs)
        clients = {c for c, _ in pairs if c not in self._aliases}
        if clients:
            self._aliases.update(self.store.aliases_for(clients))
        ids: set[str] = set()
        numbers: set[str] = set()
        accounts: set[str] = set()
        for client, cp in pairs:
            if cp.firm_id:
                ids.add(cp.firm_id)
            previous = self._aliases.get(client, {}).get(alias_key(cp))
            if previous is not None:
                ids.add(previous.firm_id)
            cn = cp.corporate_number or (cp.invoice_number[1:] if cp.invoice_number else None)
            if cn:
                numbers.add(cn)
            if cp.bank_account:
                accounts.add(cp.bank_account)
        self.firms(ids)
        numbers = {n for n in numbers if n not in self._by_cn}
        if numbers:
            found = self.store.firms_by_corporate_numbers(numbers)
            for cn in numbers:
                f = found.get(cn)
                self._by_cn[cn] = f.id if f else None
                if f is not None:
                    self._firms[f.id] = f
        accounts = {a for a in accounts if a not in self._accounts}
        if accounts:
            found_accounts = self.store.bank_account_firms(accounts)
            self._accounts.update({a: found_accounts.get(a) for a in accounts})

    def firms(self, ids: Iterable[str]) -> dict[str, Firm]:
        """Stored (or created earlier in this run) firms among ``ids``."""
        wanted = set(ids)
        missing = {f for f in wanted if f not in self._firms}
        if missing:
            found = self.store.get_firms(missing)
            for fid in missing:
                self._firms[fid] = found.get(fid)
        return {fid: f for fid in wanted if (f := self._firms.get(fid)) is not None}

    def _firm(self, firm_id: str) -> Firm | None:
        minted = self._minted.get(firm_id)
        if minted is not None and self._firms.get(firm_id) is None:
            return minted
        return self.firms([firm_id]).get(firm_id)

    def remember_aliases(self, aliases: Iterable[Alias], accounts: Iterable[tuple[str, str]]) -> None:
        """Record spelling decisions (and bank accounts) a load is about to
        store, so later files of the run see them."""
        for a in aliases:
            self._aliases.setdefault(a.client_id, {})[a.key] = a
        for account, fid in accounts:
            if not self._accounts.get(account):
                self._accounts[account] = fid

    def account_firm(self, account: str) -> str | None:
        """The firm a bank account is known to belong to (stored, or decided
        earlier in this run), from what is cached: no query."""
        return self._accounts.get(account)

    def remember_firms(self, firms: Iterable[Firm]) -> None:
        """Record firms a load is about to create, so later files treat them as known."""
        for f in firms:
            if self._firms.get(f.id) is None:
                self._firms[f.id] = f
            if f.corporate_number and self._by_cn.get(f.corporate_number) is None:
                self._by_cn[f.corporate_number] = f.id

    # -- the name index ----------------------------------------------------
    def _idx(self) -> _Index:
        if self._index is None:
            idx = _Index()
            firms = [f for f in self.store.firm_names() if not f[0].startswith(_CLIENT_SCOPED)]
            for fid, name, cn in firms:
                if cn:
                    idx.firm_by_cn.setdefault(cn, fid)
                # What resolution needs of a stored firm (id, name, number): no lookup per name.
                if self._firms.get(fid) is None:
                    self._firms[fid] = Firm(id=fid, name=name, corporate_number=cn)
            for fid, name, _ in firms:
                if name:
                    idx.names.add(fid, normalize_name(name))
            # Every spelling stored for a firm, as a load indexes each spelling it
            # resolves (_remember): a spelling then resolves the same whether the file
            # that first spelled the firm so was loaded in this run or an earlier one
            # (a load resumed after a crash, a file uploaded on its own).
            for fid, raw in self.store.alias_spellings():
                if not fid.startswith(_CLIENT_SCOPED) and fid in self._firms:
                    idx.names.add(fid, normalize_name(raw))
            # Registry names carry the furigana that lets bank kana match kanji
            # names; a number that is already a firm is indexed under that firm.
            for r in self.store.registry_records():
                idx.registry[r.corporate_number] = r
                target = idx.firm_by_cn.get(r.corporate_number, _REG + r.corporate_number)
                idx.names.add(target, normalize_name(r.name, r.furigana))
            self._index = idx
        return self._index

    def _matches(self, nn: NormalizedName, own: str) -> list[tuple[str, float]]:
        """Ranked candidates, one per real firm (a registry entry that became a
        firm in this run counts as that firm), excluding the spelling's own id
        — as many as :func:`ingest.matching.decide` needs to decide as it
        would on all of them.

        Most spellings of a load (95 % of the 10k region's queries) have a
        candidate of score 1 (the firm's name as another client spells it).
        Then only runners-up within ``AMBIGUITY_MARGIN`` of it can change the
        decision, and a query at that cutoff (:data:`_CLOSE`) costs about half
        of one at ``REVIEW_MIN`` (10k region: 4.4 → 2.4 s for these queries):
        it returns the same leading candidates (the index returns exactly
        what a scan at the cutoff would), and fewer of the ones that do not
        matter. Otherwise the query is repeated at ``REVIEW_MIN``.
        """
        idx = self._idx()
        close = self._ranked(idx.names.query(nn, limit=8, min_score=_CLOSE), own)
        if close and close[0][1] >= 1.0:
            return close
        return self._ranked(idx.names.query(nn, limit=8), own)

    def _ranked(self, found: list[tuple[str, float]], own: str) -> list[tuple[str, float]]:
        idx = self._idx()
        best: dict[str, float] = {}
        for cid, score in found:
            if cid.startswith(_REG):
                cid = idx.firm_by_cn.get(cid[len(_REG):], cid)
            if cid != own and score > best.get(cid, -1.0):
                best[cid] = score
        return sorted(best.items(), key=lambda kv: (-kv[1], kv[0]))

    # -- resolution --------------------------------------------------------
    def resolve_all(
        self, pairs: Iterable[tuple[str, Counterparty]], prefetched: bool = False
    ) -> dict[tuple[str, Counterparty], Resolution]:
        """Resolve (client, counterparty) pairs; see the module docstring.

        Pairs are processed in a fixed order so that a run is reproducible:
        by client and alias key, then by name — spellings that differ only in
        width (``（株）`` / ``(株)``) share an alias key, and which of them the
        stored alias shows no longer depends on the order of a set (string
        hashes differ from run to run).
        ``prefetched``: the caller already ran :meth:`prefetch` on them.
        """
        ordered = sorted(set(pairs), key=lambda p: (p[0], alias_key(p[1]), p[1].name, p[1].is_sole_proprietor))
        numbers: dict[str, set[str]] = defaultdict(set)
        for _, cp in ordered:
            cn = cp.corporate_number or (cp.invoice_number[1:] if cp.invoice_number else None)
            if cn and not cp.is_sole_proprietor:
                numbers[normalize_name(cp.name).core].add(cn)
        if not prefetched:
            self.prefetch(ordered)
        out: dict[tuple[str, Counterparty], Resolution] = {}
        for client, cp in ordered:
            out[(client, cp)] = self._resolve(client, cp, self._aliases[client], numbers)
        return out

    def _resolve(self, client: str, cp: Counterparty, aliases: dict[str, Alias],
                 numbers: dict[str, set[str]]) -> Resolution:
        key = alias_key(cp)
        raw = cp.name

        def alias(firm_id: str, method: str, status: str = "matched", score: float = 1.0,
                  candidate: str | None = None, reason: str = "") -> Alias:
            return Alias(client, key, raw, firm_id, method, score, status, candidate, reason)

        if cp.firm_id:
            known = self._firm(cp.firm_id)
            firm = known or Firm(id=cp.firm_id, name=raw or None)
            return Resolution(firm, alias(firm.id, "id", reason="firm id in the ledger"))
        previous = aliases.get(key)
        if previous is not None:
            firm = self._firm(previous.firm_id) or Firm(id=previous.firm_id, name=raw or None)
            return Resolution(firm, previous, bank_account=cp.bank_account, known=True)

        nn = normalize_name(raw)
        cn = cp.corporate_number
        method = "corporate_number"
        if cn is None and cp.invoice_number:
            cn, method = cp.invoice_number[1:], "invoice"
        if cn is None and not cp.is_sole_proprietor and nn.kind != "sole_proprietor":
            found = numbers.get(nn.core, set())
            if len(found) == 1:
                cn, method = next(iter(found)), "name_with_number_in_file"
        if cn:
            firm = self._firm_for_number(cn, raw)
            self._remember(firm, nn)
            return Resolution(firm, alias(firm.id, method, reason=f"法人番号 {cn}"),
                              bank_account=cp.bank_account)
        if cp.bank_account:
            if cp.bank_account not in self._accounts:
                self._accounts[cp.bank_account] = self.store.bank_account_firm(cp.bank_account)
            fid = self._accounts[cp.bank_account]
            if fid:
                firm = self._firm(fid) or Firm(id=fid, name=raw or None)
                return Resolution(firm, alias(fid, "bank_account", reason=f"account {cp.bank_account}"),
                                  bank_account=cp.bank_account)
        if cp.is_sole_proprietor or is_sole_proprietor(raw):
            fid = f"P{_hash(client + '|' + nn.core)}"
            # Known to later files of the run (their spelling's alias names it)
            # without a lookup; not in the name index: not linked across clients.
            person = self._minted.setdefault(fid, Firm(id=fid, name=raw or None))
            return Resolution(person,
                              alias(fid, "sole_proprietor", status="new",
                                    reason="natural person: not linked across clients"))

        own = name_id(nn) if nn.kind == "corporation" else f"U{_hash(client + '|' + nn.core)}"
        decision = decide(self._matches(nn, own))
        if decision.outcome == "auto_merge" and decision.candidate_id:
            target = self._candidate_firm(decision.candidate_id, raw)
            self._remember(target, nn)
            merge = MergeRecord(
                id=f"m{_hash(client + '|' + key + '|' + target.id, 8)}", client_id=client, alias_key=key,
                raw_name=raw, from_firm=own, to_firm=target.id, method="name",
                score=round(decision.score, 4), reason=f"name match: {decision.reason}", created_at=_now_cached())
            return Resolution(target, alias(target.id, "name", score=decision.score,
                                            reason=merge.reason), merge=merge,
                              bank_account=cp.bank_account)
        firm = Firm(id=own, name=raw or None)
        self._remember(firm, nn)
        if decision.outcome == "review" and decision.candidate_id:
            candidate = self._candidate_firm(decision.candidate_id, None)
            return Resolution(firm, alias(own, "name", status="review", score=decision.score,
                                          candidate=candidate.id, reason=decision.reason),
                              bank_account=cp.bank_account)
        return Resolution(firm, alias(own, "new", status="new", score=decision.score,
                                      reason=decision.reason), bank_account=cp.bank_account)

    def _firm_for_number(self, cn: str, raw: str) -> Firm:
        idx = self._idx()
        # The index holds every stored firm with a 法人番号 (read at the start
        # of the run) and every firm this run created: no round trip per number.
        fid = idx.firm_by_cn.get(cn) or self._by_cn.get(cn)
        if fid is not None:
            return self._firm(fid) or Firm(id=fid, name=raw or None, corporate_number=cn)
        reg = idx.registry.get(cn)
        return registry_firm(reg) if reg else Firm(id=f"C{cn}", name=raw or None, corporate_number=cn)

    def _candidate_firm(self, candidate_id: str, raw: str | None) -> Firm:
        if candidate_id.startswith(_REG):
            return self._firm_for_number(candidate_id[len(_REG):], raw or "")
        return self._firm(candidate_id) or Firm(id=candidate_id, name=raw)

    def _remember(self, firm: Firm, nn: NormalizedName) -> None:
        """Make a firm minted in this run findable by later spellings."""
        self._minted.setdefault(firm.id, firm)
        idx = self._idx()
        if firm.corporate_number:
            idx.firm_by_cn.setdefault(firm.corporate_number, firm.id)
        if firm.id.startswith(_CLIENT_SCOPED):
            return
        idx.names.add(firm.id, nn)
        if firm.name and firm.name != nn.raw:
            idx.names.add(firm.id, normalize_name(firm.name))
