"""One name per firm: the display name chosen from every spelling observed.

A firm is written many ways (``ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ`` in a bank file, ``山田商事株式会社``
in a journal, ``(株)山田商事`` in another). Every spelling stays an alias
(and a search key, see :mod:`domain.search`); the firm is *shown* by one:

* the NTA registry name when the firm's 法人番号 is in the registry;
* otherwise the name the firm master gives it (:func:`master_name`: the
  operator's own record of the firm, e.g. of its clients), whatever other
  clients' ledgers call it — the latest import's name when it changes;
* otherwise the most formal spelling observed (:func:`display_name`) —
  never simply the first one seen.

The ledgers' spellings of a firm the master names stay its aliases and
search keys; they are never its name.

:func:`refresh_display_names` recomputes the names of the firms a load,
an import or a review decision touched, with one read and one write.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Collection, Iterable, Mapping

from ingest.names import LEGAL_FORMS, normalize_name
from queries.store import Store

__all__ = ["display_name", "master_name", "formality", "tidy_spelling", "refresh_display_names",
           "display_name_changes"]

_SPACES_RE = re.compile(r"\s+")
# Legal forms written out in full (after NFKC), the most formal way to write them.
_SPELLED_OUT = ("株式会社", "有限会社", "合同会社", "合名会社", "合資会社", "相互会社", "法人",
                "有限責任事業組合")
_HONORIFIC_RE = re.compile(r"(?:様|殿|御中|\(\s*個人\s*\))\s*$")


def tidy_spelling(text: str) -> str:
    """A spelling as shown: stripped, every run of whitespace (also the
    ideographic space U+3000) one half-width space. Nothing else changes."""
    return _SPACES_RE.sub(" ", text).strip()


def _is_han(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf" or "\uf900" <= ch <= "\ufaff" \
        or ch in "々〆〇" or unicodedata.name(ch, "").startswith("CJK UNIFIED")


def _is_half_kana(ch: str) -> bool:
    return "\uff61" <= ch <= "\uff9f"


def formality(spelling: str) -> tuple[int, int, int]:
    """How formal a spelling is, higher first: (script, clean, legal form).

    ``script``: 3 kanji (no half-width kana), 2 full-width kana or latin,
    1 half-width (bank) kana. ``clean``: 1 unless the spelling names a
    branch (``… 東京支店``) or carries an honorific (様, 御中, ``(個人)``).
    ``legal form``: 2 written out in full (株式会社, 一般社団法人 …), 1
    abbreviated or cut short ((株), ㈱, ｶ), ``株式会``), 0 none.
    """
    half = any(_is_half_kana(c) for c in spelling)
    script = 1 if half else 3 if any(_is_han(c) for c in spelling) else 2
    nn = normalize_name(spelling)
    nfkc = unicodedata.normalize("NFKC", spelling)
    clean = 0 if nn.branch or _HONORIFIC_RE.search(nfkc) else 1
    legal = 0
    if nn.legal_form in LEGAL_FORMS:
        legal = 2 if any(w in nfkc for w in _SPELLED_OUT) else 1
    return script, clean, legal


def display_name(spellings: Mapping[str, int] | Iterable[str],
                 registry_name: str | None = None, master_name: str | None = None) -> str | None:
    """The name a firm is shown by.

    ``spellings``: every spelling observed, as a mapping spelling → times
    seen (e.g. by how many clients' ledgers), or an iterable in which a
    repeated spelling counts once per occurrence. ``registry_name``: the
    NTA registry name of the firm's 法人番号, which wins when given.
    ``master_name``: the name the firm master gives the firm
    (:func:`master_name`), which wins over every spelling when given.

    Otherwise the most formal spelling (:func:`formality`: kanji before
    full-width kana before half-width bank kana; without a branch or an
    honorific; legal form written out before abbreviated before none),
    then the one seen most often, then the first in code-point order, so
    the choice never depends on the order spellings arrived in. Whitespace
    is normalised (:func:`tidy_spelling`); ``None`` when there is no
    spelling at all.

    >>> display_name(["ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ", "山田商事株式会社", "(株)山田商事"])
    '山田商事株式会社'
    """
    if registry_name and (reg := tidy_spelling(registry_name)):
        return reg
    if master_name and (own := tidy_spelling(master_name)):
        return own
    counts: Counter[str] = Counter()
    items = spellings.items() if isinstance(spellings, Mapping) else ((s, 1) for s in spellings)
    for spelling, n in items:
        if spelling and (tidy := tidy_spelling(spelling)):
            counts[tidy] += max(1, int(n))
    if not counts:
        return None
    return min(counts, key=lambda s: (tuple(-x for x in formality(s)), -counts[s], s))


def master_name(name: str | None, master_names: Iterable[str]) -> str | None:
    """The name the firm master gives a firm, or ``None`` when no firm master
    named it.

    ``name``: the firm's stored name; ``master_names``: every name firm
    master imports gave it (``FirmSpellings.master_names``). An import
    writes its name as the firm's name, so a stored name that is one of them
    is the latest import's and stays (also when a later import renamed the
    firm). A stored name that is none of them (chosen by a version that
    counted the master's name as one spelling among the ledgers') gives way
    to the most formal of the master's names: which came last is not kept.

    >>> master_name("大山食品株式会社", ["米子食品株式会社"])
    '米子食品株式会社'
    """
    given = {tidy: m for m in master_names if m and (tidy := tidy_spelling(m))}
    if not given:
        return None
    if name and tidy_spelling(name) in given:
        return tidy_spelling(name)
    return display_name(list(given))


def refresh_display_names(store: Store, firm_ids: Collection[str]) -> dict[str, str]:
    """Recompute and store the display names of ``firm_ids`` (one read of
    their spellings, one write of the names that change); returns the
    changed names by firm id. Firms without any spelling keep their name."""
    changed = display_name_changes(store, firm_ids)
    if changed:
        store.set_firm_names(changed)
    return changed


def display_name_changes(store: Store, firm_ids: Collection[str]) -> dict[str, str]:
    """The display names of ``firm_ids`` that differ from the stored ones,
    by firm id (one read of their spellings; nothing written): the read half
    of :func:`refresh_display_names`, for a load that writes them itself."""
    if not firm_ids:
        return {}
    changed: dict[str, str] = {}
    for fid, sp in store.firm_spellings(firm_ids).items():
        name = display_name(dict(sp.spellings), sp.registry_name, master_name(sp.name, sp.master_names))
        if name is not None and name != sp.name:
            changed[fid] = name
    return changed
