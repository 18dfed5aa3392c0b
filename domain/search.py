"""Search keys of firm names: one folding for what is stored and what is asked.

A firm is found by any spelling of its name — kanji, full- or half-width
kana, hiragana, latin in any width or case. :func:`search_key` folds a text
so that these compare by substring:

1. NFKC (half-width kana → full width, ``ｳﾞ`` → ヴ, ㈱ → (株), full-width
   latin and digits → ASCII), after turning stand-alone voiced marks ゛゜
   into combining ones;
2. hiragana → katakana; small kana written large (ャ→ヤ, ッ→ツ: bank kana
   cannot write small kana, so ｷﾔﾉﾝ and キャノン must meet); a hyphen after
   kana read as the long vowel ー (bank files write ｺ-ﾋ-);
3. whitespace, punctuation, symbols and controls removed; latin upper-cased.

So ``ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ`` → ``カヤマダシヨウジ``, ``やまだしょうじ`` →
``ヤマダシヨウジ``, ``山田商事 株式会社`` → ``山田商事株式会社``.

The stored keys keep the legal form; a query loses it (:func:`query_key`),
so ``株式会社山田商事`` finds ``山田商事(株)`` and ``ﾔﾏﾀﾞ(ｶ`` finds
``ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ``. Stores and callers use these functions only: the stores
keep one key per spelling (see :class:`queries.store.Store.search_firms`).

:data:`SEARCH_KEY_VERSION` names this folding: a store whose keys were made
by another version rebuilds them once when it opens.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

import jaconv

__all__ = ["SEARCH_KEY_VERSION", "search_key", "search_keys", "query_key", "number_query", "id_query"]

SEARCH_KEY_VERSION = 1
"""Bumped whenever :func:`search_key` changes (stores then rebuild their keys)."""

_VOICED_MARKS = str.maketrans({"\u309b": "\u3099", "\u309c": "\u309a"})
# Small kana jaconv does not enlarge, and archaic kana banks cannot write.
_EXTRA_KANA = str.maketrans({
    "ヮ": "ワ", "ヰ": "イ", "ヱ": "エ", "ヵ": "カ", "ヶ": "ケ",
    "ㇰ": "ク", "ㇱ": "シ", "ㇲ": "ス", "ㇳ": "ト", "ㇴ": "ヌ", "ㇵ": "ハ", "ㇶ": "ヒ",
    "ㇷ": "フ", "ㇸ": "ヘ", "ㇹ": "ホ", "ㇺ": "ム", "ㇻ": "ラ", "ㇼ": "リ", "ㇽ": "ル",
    "ㇾ": "レ", "ㇿ": "ロ",
})
_HYPHENS = "-‐‑‒–—―−"
_HYPHEN_AFTER_KANA_RE = re.compile(rf"(?<=[\u30a1-\u30fa\u30fc])[{re.escape(_HYPHENS)}]")

# Legal-form markers a query may carry (after NFKC and folding to katakana):
# spelled out anywhere, abbreviated in parentheses, and the 全銀 bank
# abbreviations with one parenthesis at the front or back (ｶ)ﾔﾏﾀﾞ, ﾔﾏﾀﾞ(ｶ).
_SPELLED = (
    "株式会社", "有限会社", "合同会社", "合名会社", "合資会社", "相互会社",
    "一般社団法人", "一般財団法人", "公益社団法人", "公益財団法人", "社団法人", "財団法人",
    "医療法人社団", "医療法人財団", "医療法人", "社会福祉法人", "学校法人", "特定非営利活動法人",
    "NPO法人", "税理士法人", "弁護士法人", "司法書士法人", "行政書士法人", "監査法人",
    "社会保険労務士法人", "宗教法人", "農事組合法人", "独立行政法人", "国立大学法人", "更生保護法人",
    "有限責任事業組合", "カブシキガイシヤ", "カブシキカイシヤ", "ユウゲンガイシヤ", "ユウゲンカイシヤ",
    "ゴウドウガイシヤ", "ゴウドウカイシヤ",
)
_ABBR = ("株", "有", "同", "名", "資", "医", "一社", "一財", "公社", "公財", "社", "財", "福", "学",
         "特非", "NPO", "税", "監", "宗", "独")
_BANK = ("カ", "ユ", "ド", "メ", "シ", "ソ", "イ", "フク", "ガク", "トクヒ", "ゼイ", "ベン", "シホウ",
         "ギヨウ", "カンサ", "ロウム", "シユウ", "ノウ", "ドク", "ダイ", "ホゴ", "シヤ", "ザイ")


def _alternation(words: Iterable[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


_MARKS = _alternation((*_ABBR, *_BANK))
_LEGAL_RE = re.compile(
    rf"{_alternation(_SPELLED)}|\(\s*(?:{_MARKS})\s*\)|^\s*(?:{_MARKS})\s*\)|\(\s*(?:{_MARKS})\s*$")


def _fold(text: str) -> str:
    """NFKC, then kana folded to large katakana (steps 1 and 2 of the module docstring)."""
    s = unicodedata.normalize("NFKC", text.translate(_VOICED_MARKS))
    s = jaconv.hira2kata(s)
    s = _HYPHEN_AFTER_KANA_RE.sub("ー", s)
    return jaconv.enlarge_smallkana(s).translate(_EXTRA_KANA)


def _squeeze(text: str) -> str:
    """Drop whitespace, punctuation, symbols and controls; upper-case latin."""
    return "".join(ch for ch in text if unicodedata.category(ch)[0] not in "PZSC").upper()


# Sized for a whole region (~360k distinct spellings in a 100,000-firm region,
# written by several clients each, far apart in a load).
@lru_cache(maxsize=1 << 19)  # the same spellings come again in every file
def search_key(text: str) -> str:
    """The search key of a name (see the module docstring); ``""`` for a name
    that holds nothing searchable.

    >>> search_key("ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ")
    'カヤマダシヨウジ'
    >>> search_key("やまだ しょうじ")
    'ヤマダシヨウジ'
    """
    return _squeeze(_fold(text))


def search_keys(texts: Iterable[str | None]) -> set[str]:
    """The distinct non-empty keys of several names (``None`` is skipped)."""
    return {k for t in texts if t and (k := search_key(t))}


def query_key(q: str) -> str:
    """The key a query is looked for with: its legal-form markers removed
    (``株式会社山田`` → ``山田``, ``ﾔﾏﾀﾞ(ｶ`` → ``ヤマダ``), unless nothing
    else is left (``株式会社`` stays ``株式会社``). ``""``: nothing to look for.

    >>> query_key("(株)山田")
    '山田'
    """
    folded = _fold(q)
    core = _squeeze(_LEGAL_RE.sub(" ", folded.strip()))
    return core or _squeeze(folded)


def id_query(q: str) -> str:
    """A query as a firm id is looked for with (case aside): full-width
    letters and digits made half-width and the spaces around it dropped, so
    that ``Ｆ０００２３１`` and `` F000231 `` find ``F000231``.

    >>> id_query(" Ｆ０００２３１ ")
    'F000231'
    """
    return unicodedata.normalize("NFKC", q).strip()


def number_query(q: str) -> str:
    """The digits of a query that is a 法人番号 or part of one (``T`` + the
    number as on an invoice, hyphens and spaces allowed), else ``""``."""
    s = _squeeze(unicodedata.normalize("NFKC", q))
    s = s.removeprefix("T")
    return s if s.isdigit() and len(s) <= 13 else ""
