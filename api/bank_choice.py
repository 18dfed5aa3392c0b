"""Which bank an administrator means when they type one: a consent, a
credit officer's bank, a bank's name.

A bank is an id as the firm master's consent column writes it
(``bank:sanin``, ``0179``); a bank spelled two ways is two banks, and an
officer of one sees nothing consented to the other. Administrators know
banks by their names (山陰合同銀行), so:

* what is typed is a known bank's id: that bank;
* else it is the name one bank is shown by (``torihiki banks name``): that
  bank's id — typing the name never makes a second bank that looks the
  same on every page;
* else it is a new bank, with the known banks whose id or name is close to
  what was typed (a typo?), so that the page or command can ask first.

Banks' names are unique for the same reason (:func:`name_taken_by`).
"""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace

from api.identity import known_banks
from queries.store import Store

__all__ = ["BankChoice", "KnownBanks", "choose_bank", "choose_in", "known_in", "name_taken_by"]

NEAR_CUTOFF = 0.75
"""How alike (difflib's ratio, 0–1) a known id or name must be to what was
typed to be offered as "did you mean"."""


def _key(text: str) -> str:
    """A name as compared: NFKC (full-width letters, half-width kana),
    without spaces (鳥取みらい　銀行 is 鳥取みらい銀行), case folded."""
    return "".join(unicodedata.normalize("NFKC", text).split()).casefold()


@dataclass(frozen=True)
class BankChoice:
    """The bank to write for what was typed."""

    bank: str
    """the id to write"""
    typed: str
    by_name: bool
    """``typed`` was the name the bank is shown by, not its id"""
    new: bool
    """known nowhere yet: no firm consents to it, no officer works for it, it has no name"""
    near: tuple[str, ...] = ()
    """for a new bank: known ids whose id or name is close to ``typed``, closest first"""


def choose_bank(typed: str, known: Collection[str], names: Mapping[str, str]) -> BankChoice:
    """The bank ``typed`` means, among the ``known`` ids (consented to,
    officers', named) and the banks' ``names`` (id → name shown)."""
    text = typed.strip()
    ids = set(known) | set(names)
    if text in ids:
        return BankChoice(text, typed, False, False)
    key = _key(text)
    same = sorted(b for b in ids if _key(b) == key)  # ０１７９, BANK:SANIN: the id in another width or case
    if len(same) == 1:
        return BankChoice(same[0], typed, False, False)
    named = sorted(b for b, n in names.items() if _key(n) == key)
    if len(named) == 1:
        return BankChoice(named[0], typed, True, False)
    by_key: dict[str, list[str]] = {}
    for k, b in [*((_key(b), b) for b in sorted(ids)), *((_key(n), b) for b, n in sorted(names.items()))]:
        by_key.setdefault(k, []).append(b)
    close = difflib.get_close_matches(key, list(by_key), n=6, cutoff=NEAR_CUTOFF)
    near = tuple(dict.fromkeys(b for c in close for b in by_key[c]))[:3]
    return BankChoice(text, typed, False, True, near)


@dataclass(frozen=True)
class KnownBanks:
    """The banks a store knows, read once (every firm's consent is a whole
    read): the banks some firm consents to, those some credit officer works
    for, and the banks' names (id → name shown)."""

    consented: frozenset[str]
    officers: frozenset[str]
    names: Mapping[str, str]

    def choose(self, typed: str) -> BankChoice:
        """:func:`choose_bank` among these banks."""
        return choose_bank(typed, self.consented | self.officers, self.names)

    def with_officer(self, bank: str) -> KnownBanks:
        """These banks, ``bank`` known as an officer's too (an officer just added)."""
        return replace(self, officers=self.officers | {bank})


def known_in(store: Store) -> KnownBanks:
    """The banks ``store`` knows (:class:`KnownBanks`)."""
    consented, officers = known_banks(store)
    return KnownBanks(frozenset(consented), frozenset(officers), store.bank_names())


def choose_in(store: Store, typed: str) -> BankChoice:
    """:func:`choose_bank` among the banks ``store`` knows: consented to,
    officers', named."""
    return known_in(store).choose(typed)


def name_taken_by(bank: str, name: str, names: Mapping[str, str]) -> str | None:
    """The other bank already shown as ``name`` (compared as :func:`_key`
    does), or ``None``: two banks of one name would look the same to
    officers and in a credit memo, and typing it would not tell them apart."""
    key = _key(name)
    return next((b for b, n in sorted(names.items()) if b != bank and _key(n) == key), None)
