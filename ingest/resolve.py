"""Resolve ledger counterparties to firm ids.

Strong keys first: an explicit firm id, then the 法人番号 (or the invoice
number ``T`` + 法人番号), then the normalised name. Within one file, a name
written once with a 法人番号 identifies the same name written without one.
Ids minted here are deterministic, so loading the same file again yields the
same ids:

* ``C`` + 法人番号 for a corporation known by its number;
* ``N`` + a hash of the normalised name for other corporations;
* ``P`` + a hash of (client, name) for sole proprietors — natural persons are
  never linked across different clients' ledgers (APPI).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from ingest.records import Counterparty
from queries.model import Firm
from queries.store import Store

__all__ = ["Resolver", "Resolution", "name_key"]

_LEGAL_FORMS = re.compile(
    r"株式会社|有限会社|合同会社|合名会社|合資会社|\((株|有|同|名|資)\)|"
    r"一般社団法人|一般財団法人|医療法人|社会福祉法人|学校法人|特定非営利活動法人"
)
_PUNCT = re.compile(r"[\s・.,、。\-‐ー()（）「」\"']")


def name_key(name: str) -> str:
    """A comparable key for a company name: NFKC, legal forms and
    punctuation removed, upper case."""
    s = unicodedata.normalize("NFKC", name)
    s = _LEGAL_FORMS.sub("", s)
    return _PUNCT.sub("", s).upper()


def _short_hash(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=6).hexdigest()


@dataclass(frozen=True, slots=True)
class Resolution:
    """The firm a counterparty resolved to, and how."""

    firm: Firm
    method: str  # id | corporate_number | name | new


def _cn_of(cp: Counterparty) -> str | None:
    return cp.corporate_number or (cp.invoice_number[1:] if cp.invoice_number else None)


class Resolver:
    """Resolves the distinct counterparties of one ingest run."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def resolve_all(self, pairs: Iterable[tuple[str, Counterparty]]) -> dict[tuple[str, Counterparty], Resolution]:
        """Resolve (client, counterparty) pairs; see the module docstring."""
        pairs = list(pairs)
        # Names written with exactly one 法人番号 somewhere in the run.
        numbers: dict[str, set[str]] = defaultdict(set)
        for _, cp in pairs:
            cn = _cn_of(cp)
            if cn and not cp.is_sole_proprietor:
                numbers[name_key(cp.name)].add(cn)
        out: dict[tuple[str, Counterparty], Resolution] = {}
        for client, cp in pairs:
            cn = _cn_of(cp)
            if cn is None and not cp.is_sole_proprietor:
                found = numbers.get(name_key(cp.name), set())
                cn = next(iter(found)) if len(found) == 1 else None
            out[(client, cp)] = self._resolve(cp, cn, client)
        return out

    def _resolve(self, cp: Counterparty, cn: str | None, client_id: str) -> Resolution:
        name = cp.name or None
        if cp.firm_id:
            known = self.store.get_firm(cp.firm_id)
            return Resolution(known or Firm(id=cp.firm_id, name=name, corporate_number=cn), "id")
        if cn:
            known = self.store.firm_by_corporate_number(cn)
            if known:
                return Resolution(known, "corporate_number")
            return Resolution(Firm(id=f"C{cn}", name=name, corporate_number=cn), "corporate_number")
        key = name_key(cp.name)
        if cp.is_sole_proprietor:
            return Resolution(Firm(id=f"P{_short_hash(client_id + '|' + key)}", name=name), "new")
        return Resolution(Firm(id=f"N{_short_hash(key)}", name=name), "name")
