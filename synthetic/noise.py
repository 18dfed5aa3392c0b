"""How clients write their counterparties' names, and how rows go bad.

Why: the resolver must see what real ledgers contain — 株式会社 / (株) / ㈱,
the legal form before or after the core (前株 / 後株) mixed up, half-width
katakana, full-width letters, bank kana cut to 30 bytes with ``ｶ)`` markers,
old kanji forms and dropped characters (typos), a sole proprietor written by
trade name or by owner. Each (client, counterparty) pair gets one main
spelling and, rarely, a second one on some lines. Malformed rows are
corrupted *copies* of good rows, so dropping them loses no trade.
"""

from __future__ import annotations

import jaconv
import numpy as np

from synthetic.names import LEGAL_FORMS, SOLE, FirmName, bank_kana, fullwidth

__all__ = ["spellings", "typo", "MALFORMED_KINDS", "bad_date", "bad_amount"]

_OLD_FORMS = {"島": "嶋", "崎": "﨑", "高": "髙", "辺": "邊", "沢": "澤", "広": "廣", "浜": "濱",
              "斉": "斎", "国": "國", "栄": "榮"}
MALFORMED_KINDS = ("bad date", "non-numeric amount", "wrong field count")


def _variants(name: FirmName) -> list[str]:
    if name.form == SOLE:
        sole = [name.owner, name.owner.replace(" ", ""),
                f"{name.core} {name.owner.replace(' ', '')}", bank_kana(name)]
        if name.core != name.owner.replace(" ", ""):
            sole.append(f"{name.core}（{name.owner.replace(' ', '')}）")
        return sole
    lf = LEGAL_FORMS[name.form]
    core = name.core
    out: list[str] = []
    for short in lf.short:
        out.append(f"{short}{core}" if name.prefix else f"{core}{short}")
    out.append(f"{core}{lf.full}" if name.prefix else f"{lf.full}{core}")  # 前株/後株 mixed up
    out.append(core)
    out.append(f"{lf.full} {core}" if name.prefix else f"{core} {lf.full}")
    if any(ch.isascii() and ch.isalpha() for ch in core):
        out.append(name.official.replace(core, fullwidth(core)))
    half = jaconv.z2h(core, kana=True, ascii=False, digit=False)
    if half != core:
        out.append(name.official.replace(core, half))
    out.append(bank_kana(name))
    return out


def typo(text: str, rng: np.random.Generator) -> str:
    """An old kanji form (島→嶋, 高→髙 …), one dropped character, or a stray ・."""
    olds = [i for i, ch in enumerate(text) if ch in _OLD_FORMS]
    if olds and rng.random() < 0.6:
        i = olds[int(rng.integers(len(olds)))]
        return text[:i] + _OLD_FORMS[text[i]] + text[i + 1:]
    if len(text) >= 4:
        i = int(rng.integers(1, len(text) - 1))
        return text[:i] + text[i + 1:]
    return text[:1] + "・" + text[1:]


def spellings(name: FirmName, rng: np.random.Generator, p_variant: float, p_typo: float
              ) -> tuple[str, str]:
    """(main spelling, second spelling) of a counterparty in one client's books."""
    vs = _variants(name)
    official = name.official
    main = official if rng.random() >= p_variant else vs[int(rng.integers(len(vs)))]
    if rng.random() < p_typo:
        main = typo(main, rng)
    alt = vs[int(rng.integers(len(vs)))]
    if alt == main:
        alt = official if main != official else typo(main, rng)
    return main, alt


def bad_date(date: str, rng: np.random.Generator) -> str:
    """A date that cannot exist or parse (kept close to the original form)."""
    choice = int(rng.integers(4))
    sep = "/" if "/" in date else "-" if "-" in date else ""
    y = date[:4] if date[:1].isdigit() else "2024"
    return [f"{y}{sep}02{sep}30", f"{y}{sep}13{sep}01", f"{y}{sep}04{sep}31", "0000/00/00"][choice]


def bad_amount(rng: np.random.Generator) -> str:
    return ["1,2O0", "#VALUE!", "１２ー３４", "abc", "12.5.0"][int(rng.integers(5))]
