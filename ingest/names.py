"""Company-name normalisation for entity resolution.

Counterparty names arrive in many spellings of the same firm::

    株式会社山田商事   (株)山田商事   ㈱山田商事   山田商事株式会社
    ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ    ﾔﾏﾀﾞｼﾖｳｼﾞ(ｶ    ﾔﾏﾀﾞｼﾖｳｼﾞ(ｶ)ﾄｳｷﾖｳｼﾃﾝ

:func:`normalize_name` reduces each to a comparable *core* (``山田商事`` /
``ヤマダシヨウジ``), the legal form it carried (``kabushiki``) and where the
legal form stood (前株 ``before`` / 後株 ``after`` / ``middle``). For names
written in kana (bank files) it also builds a *reading key*: full-width
katakana with small kana written large (bank kana cannot write small kana,
ｷﾕｳﾖ for キュウヨ), so a bank name and a registry furigana compare equal.

Steps (in this order):

1. NFKC (after turning stand-alone voiced marks ゛゜ into combining ones, so
   ``ｳﾞ`` and ``ウ゛`` both compose to ヴ). NFKC also turns ㈱ into (株),
   ㍿ into 株式会社, half-width kana into full width and full-width latin
   and digits into ASCII.
2. Legal-form markers are found and removed wherever they stand: spelled out
   (株式会社, 一般社団法人 …, also spelled in kana カブシキガイシャ), in
   parentheses ((株), (有), (同) …) and as 全銀 bank abbreviations
   (カ) / (カ / (カ), ユ, メ, シ, ド, イ, ザイ, シヤ, ガク, フク, トクヒ, ゼイ …).
   A marker in the *middle* separates the firm from a branch or office
   (``ﾔﾏﾀﾞ(ｶ)ﾄｳｷﾖｳｼﾃﾝ`` = 山田 (株) 東京支店): the text after it is kept in
   :attr:`NormalizedName.branch`, not in the core, since a branch is not a
   separate legal entity.
3. Whitespace, punctuation and symbols are removed, latin is upper-cased and
   a few variant kanji that systems substitute for each other (髙→高,
   﨑→崎, 澤→沢 …) are folded, so the core compares across systems.

The core is a matching key only: it is lossy by design and never shown.

Sole proprietors (個人事業主) are natural persons, so their names are personal
data (APPI). :func:`is_sole_proprietor` flags names that *positively look*
like a person; it cannot prove that a name is a corporation. The privacy gate
for linking a counterparty across different clients must therefore be
``kind == "corporation"`` (a legal form, or a 法人番号), never
``not is_sole_proprietor(...)``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any, Literal, TypeVar

import jaconv

from ingest.records import LedgerLine, Reject

__all__ = [
    "NormalizedName",
    "Position",
    "Kind",
    "LEGAL_FORMS",
    "LEGAL_FORM_FAMILY",
    "normalize_name",
    "reading_key",
    "is_sole_proprietor",
    "is_kana_text",
    "legal_forms_conflict",
    "MAX_NAME_CHARS",
    "clean_name",
    "name_problem",
    "NameScreen",
]

Position = Literal["before", "after", "middle"]
Kind = Literal["corporation", "sole_proprietor", "unknown"]

# Canonical legal-form codes, with every spelling that means them.
# ``kanji``: the spelled-out form (after NFKC); ``abbr``: what stands inside
# parentheses ((株)); ``bank``: the 全銀協 kana abbreviation (after NFKC, so
# full-width katakana), both the large-kana form banks must use and, where it
# differs, the small-kana form internet-banking CSVs sometimes show.
_LEGAL_FORM_TABLE: tuple[tuple[str, tuple[str, ...], tuple[str, ...], tuple[str, ...]], ...] = (
    # code, spelled out, parenthesised abbreviations, bank kana abbreviations
    ("kabushiki", ("株式会社", "カブシキガイシヤ", "カブシキガイシャ", "カブシキカイシヤ", "カブシキカイシャ"),
     ("株",), ("カ",)),
    ("yugen", ("有限会社", "ユウゲンガイシヤ", "ユウゲンガイシャ", "ユウゲンカイシヤ", "ユウゲンカイシャ"),
     ("有",), ("ユ",)),
    ("godo", ("合同会社", "ゴウドウガイシヤ", "ゴウドウガイシャ", "ゴウドウカイシヤ", "ゴウドウカイシャ"),
     ("同",), ("ド",)),
    ("gomei", ("合名会社",), ("名",), ("メ",)),
    ("goshi", ("合資会社",), ("資",), ("シ",)),
    ("sogo", ("相互会社",), (), ("ソ",)),
    ("ippan_shadan", ("一般社団法人",), ("一社", "一般社団"), ()),
    ("ippan_zaidan", ("一般財団法人",), ("一財", "一般財団"), ()),
    ("koeki_shadan", ("公益社団法人",), ("公社", "公益社団"), ()),
    ("koeki_zaidan", ("公益財団法人",), ("公財", "公益財団"), ()),
    ("shadan", ("社団法人",), ("社",), ("シヤ", "シャ")),
    ("zaidan", ("財団法人",), ("財",), ("ザイ",)),
    ("iryo", ("医療法人社団", "医療法人財団", "医療法人"), ("医", "医社", "医財"), ("イ",)),
    ("shakai_fukushi", ("社会福祉法人",), ("福",), ("フク",)),
    ("gakko", ("学校法人",), ("学",), ("ガク",)),
    ("npo", ("特定非営利活動法人", "NPO法人"), ("特非", "NPO"), ("トクヒ",)),
    ("zeirishi", ("税理士法人",), ("税",), ("ゼイ",)),
    ("bengoshi", ("弁護士法人",), (), ("ベン",)),
    ("shiho_shoshi", ("司法書士法人",), (), ("シホウ",)),
    ("gyosei_shoshi", ("行政書士法人",), (), ("ギヨウ", "ギョウ")),
    ("kansa", ("監査法人",), ("監",), ("カンサ",)),
    ("sharoshi", ("社会保険労務士法人",), (), ("ロウム",)),
    ("shukyo", ("宗教法人",), ("宗",), ("シユウ", "シュウ")),
    ("nouji_kumiai", ("農事組合法人",), (), ("ノウ",)),
    ("dokuritsu_gyosei", ("独立行政法人",), ("独",), ("ドク",)),
    ("kokuritsu_daigaku", ("国立大学法人",), (), ("ダイ",)),
    ("kosei_hogo", ("更生保護法人",), (), ("ホゴ",)),
    ("llp", ("有限責任事業組合",), (), ()),
)

LEGAL_FORMS: frozenset[str] = frozenset(code for code, *_ in _LEGAL_FORM_TABLE)
"""All canonical legal-form codes :func:`normalize_name` can return."""

LEGAL_FORM_FAMILY: dict[str, str] = {
    # Bank kana cannot tell 一般社団 from 公益社団 (both シヤ): those are one family.
    "ippan_shadan": "shadan", "koeki_shadan": "shadan", "shadan": "shadan",
    "ippan_zaidan": "zaidan", "koeki_zaidan": "zaidan", "zaidan": "zaidan",
}
"""Legal forms that a less precise spelling cannot tell apart; others are their own family."""


def legal_forms_conflict(a: str | None, b: str | None) -> bool:
    """True when both names carry a legal form and the forms cannot be the same.

    A missing legal form is no conflict (ledgers often leave it out).
    """
    if a is None or b is None:
        return False
    return LEGAL_FORM_FAMILY.get(a, a) != LEGAL_FORM_FAMILY.get(b, b)


def _alternation(words: list[str]) -> str:
    # Longest first, so 医療法人社団 wins over 医療法人 and ゼイ over イ.
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


# Spelled forms with one character lost: keyed by hand (株会社, 有限社) or cut at the end of a
# fixed-width field (山田商事株式会). Only spellings that cannot be part of a name are listed
# (not 資会社: 投資会社; not 同会社: 共同会社).
_DAMAGED: dict[str, str] = {
    "株式会": "kabushiki", "株会社": "kabushiki", "式会社": "kabushiki", "株式社": "kabushiki",
    "有限会": "yugen", "有会社": "yugen", "限会社": "yugen", "有限社": "yugen",
    "合同会": "godo", "合同社": "godo", "合資会": "goshi", "合資社": "goshi",
    "合名会": "gomei", "合名社": "gomei",
}
_SPELLED: dict[str, str] = {
    **_DAMAGED,
    **{w: code for code, spelled, _, _ in _LEGAL_FORM_TABLE for w in spelled},
}
_ABBR: dict[str, str] = {w: code for code, _, abbr, _ in _LEGAL_FORM_TABLE for w in abbr}
_BANK: dict[str, str] = {w: code for code, _, _, bank in _LEGAL_FORM_TABLE for w in bank}
_ABBR_OR_BANK: dict[str, str] = {**_ABBR, **_BANK}

_SPELLED_RE = re.compile(_alternation(list(_SPELLED)))
_MARK = _alternation(list(_ABBR_OR_BANK))
# (株) / (カ) anywhere; front "カ)" without an opening parenthesis; back "(カ" without a
# closing one (bank files: ｶ)ﾔﾏﾀﾞ, ﾔﾏﾀﾞ(ｶ). Spaces around a marker are tolerated.
_PAREN_RE = re.compile(rf"\(\s*({_MARK})\s*\)")
_FRONT_OPEN_RE = re.compile(rf"^\s*({_MARK})\s*\)")
_BACK_OPEN_RE = re.compile(rf"\(\s*({_MARK})\s*$")
# A kanji abbreviation that lost one parenthesis: "(株山田", "山田有)".
_KANJI_ABBR = "株|有"
_FRONT_NOCLOSE_RE = re.compile(rf"^\s*\(\s*({_KANJI_ABBR})(?!\s*\))")
_BACK_NOOPEN_RE = re.compile(rf"(?<!\()({_KANJI_ABBR})\s*\)\s*$")

# Stand-alone voiced marks; NFKC would turn them into "space + combining mark".
_VOICED_MARKS = str.maketrans({"\u309b": "\u3099", "\u309c": "\u309a"})

# Variant kanji that systems substitute for each other (cp932 vs JIS X 0208 input,
# old vs new forms). Folded in the core only, which is a matching key.
_KANJI_FOLD = str.maketrans({
    "髙": "高", "﨑": "崎", "嵜": "崎", "澤": "沢", "邊": "辺", "邉": "辺", "濱": "浜",
    "廣": "広", "國": "国", "會": "会", "櫻": "桜", "齋": "斎", "齊": "斉", "德": "徳",
    "惠": "恵", "眞": "真", "榮": "栄", "亊": "事", "冨": "富", "槇": "槙",
    "ヶ": "ケ", "ヵ": "カ",
})

# Small kana jaconv does not enlarge, and archaic kana banks cannot write.
_EXTRA_KANA = str.maketrans({
    "ヮ": "ワ", "ゎ": "ワ", "ヰ": "イ", "ヱ": "エ",
    "ヷ": "ヴア", "ヸ": "ヴイ", "ヹ": "ヴエ", "ヺ": "ヴオ",
    "ㇰ": "ク", "ㇱ": "シ", "ㇲ": "ス", "ㇳ": "ト", "ㇴ": "ヌ", "ㇵ": "ハ", "ㇶ": "ヒ",
    "ㇷ": "フ", "ㇸ": "ヘ", "ㇹ": "ホ", "ㇺ": "ム", "ㇻ": "ラ", "ㇼ": "リ", "ㇽ": "ル",
    "ㇾ": "レ", "ㇿ": "ロ",
})

_HYPHENS = "-‐‑‒–—―−ｰ"  # written for the long vowel in some bank files (ｺ-ﾋ-)
_HYPHEN_AFTER_KANA_RE = re.compile(rf"(?<=[\u30a1-\u30fa\u30fc])[{re.escape(_HYPHENS)}]")


@dataclass(frozen=True, slots=True)
class NormalizedName:
    """A company name reduced for matching.

    ``core``: NFKC, legal-form markers removed, no whitespace/punctuation,
    latin upper-cased, variant kanji folded (e.g. ``山田商事``, ``SOUVENIR``,
    ``ヤマダシヨウジ``). ``legal_form``: a code from :data:`LEGAL_FORMS` or
    ``None``. ``position``: where the legal form stood. ``is_kana_only``: the
    core is written in kana (digits and latin allowed, as bank files have
    them) and has no kanji. ``reading``: katakana reading key
    (:func:`reading_key`) of the furigana given to :func:`normalize_name`,
    else of a kana name (then equal to the core); ``None`` when unknown. ``branch``: the text after
    a middle marker (a branch or office), normalised like the core.
    """

    raw: str
    core: str
    legal_form: str | None
    position: Position | None
    is_kana_only: bool
    reading: str | None
    kind: Kind
    branch: str = ""


def _nfkc(text: str) -> str:
    if text.isascii():
        return text  # no voiced marks, and NFKC leaves ASCII as it is
    return unicodedata.normalize("NFKC", text.translate(_VOICED_MARKS))


def _is_kana(ch: str) -> bool:
    return "\u3041" <= ch <= "\u30ff" or "\u31f0" <= ch <= "\u31ff" or ch in "\u3099\u309a"


def _is_han(ch: str) -> bool:
    return unicodedata.name(ch, "").startswith("CJK") or ch in "々〆〇"


def is_kana_text(text: str) -> bool:
    """True when ``text`` has kana and no kanji (digits and latin may occur, as in bank files)."""
    has_kana = False
    for ch in text:
        if _is_han(ch):
            return False
        if _is_kana(ch):
            has_kana = has_kana or ch not in "ー・"
        elif ch.isalpha() and not ch.isascii():
            return False  # another script (Hangul, Cyrillic …)
    return has_kana


def _squeeze(text: str) -> str:
    """Drop whitespace, punctuation, symbols and controls; upper-case latin."""
    kept = []
    for ch in text:
        cat = unicodedata.category(ch)
        if cat[0] in "PZSC":
            continue
        kept.append(ch)
    return "".join(kept).upper()


@lru_cache(maxsize=65536)  # the same names and readings come again in every file
def reading_key(text: str) -> str:
    """Katakana reading key of a kana text (bank name or registry furigana).

    NFKC (half-width → full-width, ``ｳﾞ`` → ヴ), hiragana → katakana, small
    kana written large (ャ→ヤ, ッ→ツ, ァ→ア, ヵ→カ …, as bank kana must write
    them), a hyphen after kana read as the long vowel ー, legal-form markers
    removed, whitespace and punctuation dropped, latin upper-cased. Voiced
    marks and ー are kept. Kanji, if any, are kept as they are.

    >>> reading_key("ｷﾕｳﾖ ｼｮｳｼﾞ")
    'キユウヨシヨウジ'
    >>> reading_key("きゅうよしょうじ")
    'キユウヨシヨウジ'
    """
    s = _nfkc(text)
    s, _, _, _ = _strip_legal_form(s)
    return _kana_key(s)


def _kana_key(s: str) -> str:
    s = jaconv.hira2kata(s)
    s = _HYPHEN_AFTER_KANA_RE.sub("ー", s)
    s = jaconv.enlarge_smallkana(s).translate(_EXTRA_KANA)
    return _squeeze(s)


def _strip_legal_form(s: str) -> tuple[str, str, str | None, Position | None]:
    """Remove the first legal-form marker from NFKC text.

    Returns (name part, branch part, legal form code, position). The name part
    and branch part are not yet squeezed. Only one marker is interpreted; a
    second one (rare: ``(株)山田 (有)``) is removed from the text but its
    form is ignored.
    """
    text = s.strip()
    found: list[tuple[int, int, str]] = []  # (start, end, code)
    for m in _SPELLED_RE.finditer(text):
        found.append((m.start(), m.end(), _SPELLED[m.group(0)]))
    for m in _PAREN_RE.finditer(text):
        found.append((m.start(), m.end(), _ABBR_OR_BANK[m.group(1)]))
    for edge in (_FRONT_OPEN_RE.match(text), _BACK_OPEN_RE.search(text),
                 _FRONT_NOCLOSE_RE.match(text), _BACK_NOOPEN_RE.search(text)):
        if edge:
            found.append((edge.start(), edge.end(), _ABBR_OR_BANK[edge.group(1)]))
    if not found:
        return text, "", None, None
    found.sort(key=lambda f: (f[0], -f[1]))  # leftmost, then longest
    # Drop overlaps (keep the earliest, then longest).
    markers: list[tuple[int, int, str]] = []
    for start, end, code in found:
        if markers and start < markers[-1][1]:
            continue
        markers.append((start, end, code))
    start, end, code = markers[0]
    before_text = _squeeze(text[:start])
    # Remove every marker from the text after the first one.
    rest = text[end:]
    offset = end
    pieces = []
    for s2, e2, _ in markers[1:]:
        pieces.append(rest[: s2 - offset])
        rest = rest[e2 - offset:]
        offset = e2
    after_raw = "".join(pieces) + rest
    after_text = _squeeze(after_raw)
    position: Position
    if not before_text:
        return after_raw, "", code, "before"
    if not after_text:
        return text[:start], "", code, "after"
    position = "middle"
    return text[:start], after_raw, code, position


_NOT_NAME_RE = re.compile(r"\s*(?:様|殿|御中|\(\s*個人\s*\))\s*$")

# A trailing, space-separated token ending with one of these names a branch or office.
_BRANCH_WORDS = ("支店", "支社", "本店", "本社", "営業所", "出張所", "事業所", "工場", "店舗",
                 "シテン", "シシヤ", "ホンテン", "ホンシヤ", "エイギヨウシヨ", "シユツチヨウシヨ",
                 "シユツチヨウジヨ", "コウジヨウ")


def _split_branch(name_part: str) -> tuple[str, str]:
    """Split ``山田商事 東京支店`` into (``山田商事``, ``東京支店``)."""
    tokens = name_part.split()
    if len(tokens) < 2:
        return name_part, ""
    last = tokens[-1]
    key = _kana_key(last) if is_kana_text(last) else last
    if key.endswith(_BRANCH_WORDS):
        return " ".join(tokens[:-1]), last
    return name_part, ""


# Sized for a whole region: a 100,000-firm region's ledgers hold ~360k distinct
# spellings, each asked for by every client that writes it so (~1M times), and
# a client's files are far apart from the next client writing the same name
# (~300 bytes a name: ~150 MB when full).
@lru_cache(maxsize=1 << 19)  # the same counterparties come again in every file (the result is frozen)
def normalize_name(raw: str, furigana: str | None = None) -> NormalizedName:
    """Normalise a company name for matching (see the module docstring).

    ``furigana``: a known reading (the NTA registry's フリガナ column) for a
    name written in kanji; it becomes :attr:`NormalizedName.reading`, so a
    bank's kana name can be compared with the registry entry.

    >>> n = normalize_name("ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ")
    >>> (n.core, n.legal_form, n.position, n.reading)
    ('ヤマダシヨウジ', 'kabushiki', 'before', 'ヤマダシヨウジ')
    >>> normalize_name("山田商事株式会社").core
    '山田商事'
    """
    s = _nfkc(raw)
    # Honorifics and a "(個人)" note are not part of the name.
    stripped = _NOT_NAME_RE.sub("", s.strip())
    name_part, branch_part, form, position = _strip_legal_form(stripped)
    if not branch_part:
        name_part, branch_part = _split_branch(name_part)
    core = _squeeze(name_part).translate(_KANJI_FOLD)
    branch = _squeeze(branch_part).translate(_KANJI_FOLD)
    kana_only = is_kana_text(core)
    reading: str | None = None
    if kana_only:
        core = _kana_key(name_part)  # small kana etc. normalised the same way as a reading
        reading = core
    if furigana and furigana.strip():
        # A registry reading is authoritative, also for a name in kana and latin (Ｔ＆Ｍ…).
        reading = reading_key(furigana) or reading
    kind: Kind
    if form is not None:
        kind = "corporation"
    elif _looks_like_person(s):
        kind = "sole_proprietor"
    else:
        kind = "unknown"
    return NormalizedName(
        raw=raw, core=core, legal_form=form, position=position, is_kana_only=kana_only,
        reading=reading, kind=kind, branch=branch,
    )


# --- sole proprietors -------------------------------------------------------------

# Words that make a token a business, an institution or a place, not a person's name.
_BUSINESS_WORDS = (
    "商事", "商店", "商会", "商社", "工業", "興業", "建設", "産業", "製作所", "工務店",
    "事務所", "支店", "本店", "営業所", "出張所", "工場", "協会", "組合", "銀行", "金庫",
    "信金", "病院", "医院", "歯科", "薬局", "学校", "学園", "大学", "役所", "役場", "県庁",
    "センター", "クリニック", "ホールディングス", "グループ", "研究所", "委員会", "裁判所",
    "税務署", "事業所", "農園", "牧場", "食堂", "書店", "酒店", "旅館", "ホテル", "サービス",
    "システム", "電機", "電気", "物産", "運輸", "運送", "不動産", "設計", "印刷", "食品",
    "水産", "企画", "技研", "開発", "販売", "ストア", "ショップ", "ジャパン", "日本",
    # kana forms, as reading keys (small kana written large)
    "シテン", "エイギヨウシヨ", "センタ", "サービス", "クミアイ", "キヨウカイ", "ジムシヨ",
    "シヨウテン", "シヨウジ", "シヨウカイ", "コウギヨウ", "ケンセツ", "ビヨウイン", "ヤツキヨク",
    "サンギヨウ", "セイサクシヨ", "コウムテン", "シヨツプ",
)
# A person's given name does not end with these; a trade name (屋号) or a public body does.
_TRADE_SUFFIXES = "店屋堂舎社会所院館局庁署省組部課荘亭園県都府道市区町村郡"
# Explicit words: "個人" (個人事業主), "代表" / "店主" / "事業主" before the owner's name.
# A token that is one of these words by itself: 山田太郎(個人), 個人 山田太郎.
_PERSON_WORDS = frozenset({"個人", "個人事業主", "個人事業者", "コジン"})
# Words followed by the owner's name: 代表 山田太郎, ﾀﾞｲﾋﾖｳ ﾔﾏﾀﾞ ﾀﾛｳ, 屋号 山田商店.
_PERSON_MARKERS = ("代表者", "代表", "店主", "事業主", "屋号", "ダイヒヨウ")
_HONORIFICS_RE = re.compile(r"(様|殿|さま|サマ|ドノ)$")
_SEP_RE = re.compile(r"[\s()\[\]{}<>「」『』【】]+")


def _is_business(token: str) -> bool:
    return any(w in token for w in _BUSINESS_WORDS)


def _surname_like(token: str) -> bool:
    # 1–4 kanji (佐藤, 長谷川, 勅使河原); kana-only names are checked separately.
    return 1 <= len(token) <= 4 and all(_is_han(c) for c in token) and not _is_business(token) \
        and token[-1] not in "県都府庁署省店社会局"


def _given_like(token: str) -> bool:
    # 1–4 characters of kanji and/or kana (太郎, さくら, 健一, ミキ), no business suffix.
    return (1 <= len(token) <= 4 and all(_is_han(c) or _is_kana(c) for c in token)
            and not _is_business(token) and token[-1] not in _TRADE_SUFFIXES)


def _kana_name_token(token: str) -> bool:
    # A kana surname or given name: 1–6 kana (ｻﾄｳ, ﾀｶﾊｼ, ﾕｳｲﾁﾛｳ).
    return 1 <= len(token) <= 6 and all(_is_kana(c) for c in token) and not _is_business(token)


def _is_trade_name(token: str) -> bool:
    return _is_business(token) or (len(token) >= 2 and token[-1] in "店屋堂舎")


# Common Japanese surnames of two or more characters (about the 200 most frequent).
# One-character surnames (林, 森, 原, 東 …) are left out: 林産, 東商 would read as names.
_SURNAME_TEXT = """
佐藤 鈴木 高橋 田中 伊藤 渡辺 渡邊 渡部 山本 中村 小林 加藤 吉田 山田 佐々木 山口 松本 井上 木村
斎藤 斉藤 清水 山崎 池田 橋本 阿部 石川 山下 中島 石井 小川 前田 岡田 長谷川 藤田 後藤
近藤 村上 遠藤 青木 坂本 福田 太田 西村 藤井 金子 岡本 藤原 中野 三浦 原田 中川 松田 竹内
小野 田村 中山 和田 石田 森田 上田 内田 柴田 酒井 宮崎 横山 高木 安藤 宮本 大野 小島 谷口
今井 工藤 高田 増田 丸山 杉山 村田 大塚 新井 小山 平野 藤本 河野 上野 野口 武田 松井 千葉
岩崎 菅原 木下 久保 佐野 野村 松尾 市川 菊地 菊池 杉本 古川 大西 島田 水野 桜井 高野 吉川
山内 西田 飯田 西川 小松 北村 安田 五十嵐 川口 平田 中田 久保田 服部 岩田 土屋 川崎 福島
本田 樋口 秋山 田口 永井 山中 中西 吉村 川上 石原 大橋 松岡 馬場 浜田 森本 星野 矢野 浅野
大久保 松下 吉岡 小池 野田 荒木 大谷 内藤 松浦 熊谷 黒田 尾崎 永田 川村 望月 田辺 松村 荒井
細田 杉原 桑原 岸本 三島 高山 小西 片山 岡崎 関口 堀内 須藤 大島 木内 足立 宮田 宮下 小松原
野津 福井 長尾 竹田 白石 安達 西山 北川 今村 上原 岡村 吉原 大川 米田 中尾 村井
"""
_SURNAMES = frozenset(_SURNAME_TEXT.split())

# Kanji that make the rest of a name a business, not a given name (井上商, 田中工).
_BUSINESS_KANJI = frozenset("商工建産業製運輸電機器社店屋堂舎会所院館局組部課荘亭園塾楼庵閣苑"
                            "設販興物材鉄鋼薬医科研究企画発技術通信交観光農林協連銀融保険動住宅場")


# Kanji that common given names end with (優子, 太郎, 隆, 茂, 健一, 明美 …). A surname followed
# by a business word (松田警備, 岡田理容, 長尾酒造) ends otherwise.
_GIVEN_FINALS = frozenset("子美郎夫男雄彦人一二三太介助輔也哉樹輝希紀奈菜香佳代江枝恵絵里"
                          "理穂乃花華音司治志史士之朗平吾悟斗翔大弘宏広博浩裕明彰誠信正"
                          "隆孝幸実和昭勝豊稔茂進勉修亮央登晃聡学薫忍愛彩蓮剛仁徹功満")


def _is_hiragana(ch: str) -> bool:
    return "\u3041" <= ch <= "\u309f"


def _unspaced_person(token: str) -> bool:
    """A known surname followed by a given name (井上優子, 大野隆, 田中さくら).

    The given name is 1–3 kanji ending with a typical given-name kanji
    (:data:`_GIVEN_FINALS`) and holding no business kanji, or 2–3 hiragana.
    """
    for k in (3, 2):
        if len(token) > k and token[:k] in _SURNAMES:
            rest = token[k:]
            if 2 <= len(rest) <= 3 and all(_is_hiragana(c) for c in rest):
                return True
            return (1 <= len(rest) <= 3 and all(_is_han(c) for c in rest)
                    and rest[-1] in _GIVEN_FINALS
                    and not _BUSINESS_KANJI.intersection(rest) and not _is_business(rest))
    return False


def _person_pair(tokens: list[str]) -> bool:
    if len(tokens) != 2:
        return False
    a, b = tokens
    if _surname_like(a) and _given_like(b):
        return True
    return is_kana_text(a + b) and _kana_name_token(a) and _kana_name_token(b)


def _looks_like_person(nfkc_text: str) -> bool:
    text = _HONORIFICS_RE.sub("", nfkc_text.strip())
    if "御中" in text:
        return False
    tokens = [t for t in _SEP_RE.split(text) if t]
    if not tokens:
        return False
    kana_tokens = [_kana_key(t) if is_kana_text(t) else t for t in tokens]
    for i, tok in enumerate(kana_tokens):
        if tok in _PERSON_WORDS:
            return True
        for marker in _PERSON_MARKERS:
            if tok.startswith(marker):
                rest = tok[len(marker):]
                if rest or kana_tokens[i + 1:]:  # a name follows the marker
                    return True
    # "山田 太郎", "ﾔﾏﾀﾞ ﾀﾛｳ"
    if _person_pair(kana_tokens):
        return True
    # A full name without a space that starts with a common surname: "井上優子", "大野隆"
    if len(kana_tokens) == 1 and _unspaced_person(kana_tokens[0]):
        return True
    # 屋号 + owner, the owner after a space or in parentheses: "日野ファーム（岸本京子）",
    # "西村メンテナンス 西村浩", "佐々木正人 佐々木正人"
    if len(kana_tokens) >= 2 and _unspaced_person(kana_tokens[-1]):
        return True
    # 屋号 + owner: "山田商店 山田太郎", "山田商店 山田 太郎"
    if len(kana_tokens) >= 2 and _is_trade_name(kana_tokens[0]):
        owner = kana_tokens[1:]
        if len(owner) == 2 and _person_pair(owner):
            return True
        if len(owner) == 1 and 3 <= len(owner[0]) <= 6 and all(_is_han(c) for c in owner[0]) \
                and not _is_business(owner[0]) and owner[0][-1] not in _TRADE_SUFFIXES:
            return True
    return False


@lru_cache(maxsize=1 << 19)  # asked once per spelling a client uses: a region has ~356,000
def is_sole_proprietor(raw: str) -> bool:
    """Heuristic: does ``raw`` name a natural person (個人事業主)?

    Conservative: it answers ``True`` only on positive evidence, and a name
    with a legal form is never a sole proprietor. Evidence (after NFKC, with
    a trailing 様/殿 ignored; a name with 御中 is an organisation):

    * a token that is 個人 / 個人事業主 / ｺｼﾞﾝ (``山田太郎(個人)``, ``個人 山田太郎``;
      not 個人情報保護委員会), or a token starting with 代表 / 代表者 / 店主 /
      事業主 / 屋号 / ﾀﾞｲﾋﾖｳ with a name after it (``代表 山田太郎``);
    * exactly two tokens split by a space that look like surname + given
      name: 1–4 kanji + 1–4 kanji/kana (``山田 太郎``, ``佐藤 さくら``), or two
      kana tokens of 1–6 kana each (``ﾔﾏﾀﾞ ﾀﾛｳ``); tokens holding business
      or place words (商事, 工業, 店, 県, 市 …) disqualify;
    * a trade name (屋号: ends with 店/屋/堂/舎 or holds a business word)
      followed by a person's name (``山田商店 山田太郎``).

    * a name without a space only when it starts with one of about 200
      common surnames of two or more characters and the rest looks like a
      given name: 1–3 kanji ending with a typical given-name kanji (子, 郎,
      隆, 美 …) without business kanji, or 2–3 hiragana (``井上優子``,
      ``大野隆``; not ``井上商店``, ``松田警備``, ``富士通``), alone or after a
      trade name (``日野ファーム（岸本京子）``).

    Trade names alone (``青木酒店``) are not flagged: they are just as often a
    corporation whose legal form the ledger left out. So ``False`` means "no
    evidence", not "corporation": link across clients only when the name has
    a legal form (or a 法人番号).
    """
    s = _nfkc(raw)
    _, _, form, _ = _strip_legal_form(s)
    if form is not None:
        return False
    return _looks_like_person(s)


# --- names cleaned at the door ---------------------------------------------------
# Every name that enters torihiki from a file passes through clean_name(): ledger
# counterparties through NameScreen (ingest.load applies it to every reader's output, so
# no reader has its own copy), firm-master and registry names in their readers. Invisible
# and control characters would otherwise make two spellings of one firm differ (NFKC keeps
# them), reorder what a person sees (bidirectional overrides: 'ABC\u202eXYZ' shows as
# ABCZYX) or reach a terminal (ESC sequences in CLI output).

MAX_NAME_CHARS = 200
"""The longest name accepted, in characters after cleaning. Registered company names
are far shorter (the NTA's 法人番号 data allows 150 characters for 商号又は名称); a
longer "name" is a mis-mapped column (a memo, a whole row) or a hostile file, and its
row is rejected with that reason rather than loaded."""

_LINE_LIKE = "\t\n\v\f\r\x85\u2028\u2029"  # controls and separators that separate words
_INVISIBLE = "".join(
    [chr(c) for c in range(0x20) if chr(c) not in _LINE_LIKE]  # C0, with ESC (0x1b)
    + ["\x7f"] + [chr(c) for c in range(0x80, 0xA0) if c != 0x85]  # DEL, C1
    + ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e"]  # bidi embeddings and overrides
    + ["\u2066", "\u2067", "\u2068", "\u2069"]  # bidi isolates
    + ["\u200e", "\u200f", "\u061c"]  # bidi marks (LRM, RLM, ALM)
    + ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"]  # zero-width characters, BOM
)
_CLEAN_TABLE = str.maketrans({**dict.fromkeys(_INVISIBLE), **dict.fromkeys(_LINE_LIKE, " ")})
# A whole terminal escape sequence goes, not just its ESC (``\x1b[31m`` would leave
# ``[31m``): CSI (ESC [ or U+009B … final byte), OSC (ESC ] … BEL or ESC \), and the
# other escapes (ESC, intermediate bytes 0x20–0x2F, one final byte 0x30–0x7E: ESC c …).
_ESCAPE_SEQ_RE = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[ -/]*[0-~]")
_SPACES_RE = re.compile(r" {2,}")


def clean_name(text: str) -> str:
    """``text`` without control, bidirectional-formatting and zero-width characters.

    Removed: C0 and C1 controls (ESC with the terminal sequence it starts), DEL,
    bidirectional embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069)
    and marks (U+200E, U+200F, U+061C), zero-width space / non-joiner / joiner /
    word joiner (U+200B–U+200D, U+2060) and U+FEFF anywhere. Tabs, line breaks and
    U+2028/U+2029 separate words, so each becomes a space (runs of spaces made so
    are one space); the result is stripped when anything was removed. A name
    without any of these comes back as the same object, unchanged (ideographic
    spaces, kana, legal-form marks are kept — :func:`normalize_name` folds them).
    """
    if text.isprintable() or not any(c in _CLEAN_SET for c in text):
        return text  # printable: no Cc/Cf character at all (the usual case, in C)
    out = _ESCAPE_SEQ_RE.sub("", text).translate(_CLEAN_TABLE)
    if any(c in _LINE_LIKE for c in text):
        out = _SPACES_RE.sub(" ", out)
    return out.strip()


_CLEAN_SET = frozenset(_INVISIBLE + _LINE_LIKE)


def name_problem(name: str) -> str | None:
    """Why a (cleaned) name cannot be loaded: longer than :data:`MAX_NAME_CHARS`."""
    if len(name) > MAX_NAME_CHARS:
        return f"name is {len(name):,} characters long, over the cap of {MAX_NAME_CHARS}"
    return None


_T = TypeVar("_T")
MAX_CLEANED_LINES = 20  # lines of cleaned rows listed in a load summary


class NameScreen:
    """Cleans the names of one file's rows, counting the rows it cleaned.

    :meth:`rows` passes a reader's output through: a
    :class:`~ingest.records.LedgerLine` whose counterparty name held characters
    :func:`clean_name` removes comes out with the cleaned name and is counted in
    :attr:`cleaned` (its line in :attr:`cleaned_lines`, the first
    :data:`MAX_CLEANED_LINES`), so the load summary can flag it; one whose cleaned
    name is longer than :data:`MAX_NAME_CHARS`, or empty while the raw name was
    not, becomes a :class:`~ingest.records.Reject`. Other records (firm master,
    registry) use :meth:`check` and :meth:`flag` (see :mod:`ingest.imports`).
    Verdicts are cached per raw name: the same few hundred names recur on every
    row of a file.
    """

    def __init__(self) -> None:
        self.cleaned = 0
        self.cleaned_lines: list[int] = []
        self._verdicts: dict[str, tuple[str, str | None] | None] = {}

    def check(self, name: str) -> tuple[str, str | None] | None:
        """None when ``name`` is fine as it is; else ``(cleaned name, why it is
        rejected or None)``."""
        try:
            return self._verdicts[name]
        except KeyError:
            verdict = self._verdicts[name] = _verdict(name)
            return verdict

    def flag(self, line: int) -> None:
        """Count a row whose name was cleaned."""
        self.cleaned += 1
        if len(self.cleaned_lines) < MAX_CLEANED_LINES:
            self.cleaned_lines.append(line)

    def rows(self, items: Iterable[_T]) -> Iterator[_T | LedgerLine | Reject]:
        """``items`` with counterparty names cleaned, overlong names rejected."""
        verdicts = self._verdicts
        for item in items:
            if isinstance(item, LedgerLine):
                name = item.counterparty.name
                verdict = verdicts.get(name, _UNSEEN)
                if verdict is _UNSEEN:
                    verdict = self.check(name)
                if verdict is not None:
                    yield self._apply(item, name, verdict)
                    continue
            yield item

    def _apply(self, line: LedgerLine, raw: str,
               verdict: tuple[str, str | None]) -> LedgerLine | Reject:
        cleaned, problem = verdict
        if problem is not None:
            return Reject(line.file, line.line, f"counterparty {problem}", column="counterparty",
                          raw=raw[:MAX_NAME_CHARS * 2])
        self.flag(line.line)
        return replace(line, counterparty=replace(line.counterparty, name=cleaned))


_UNSEEN: Any = object()


def _verdict(raw: str) -> tuple[str, str | None] | None:
    """None for a name that is fine as it is; else (cleaned name, why it is rejected)."""
    cleaned = clean_name(raw)
    problem = name_problem(cleaned)
    if problem is None and cleaned is raw:
        return None
    if problem is None and raw.strip() and not cleaned:
        problem = "name holds only control or invisible characters"
    return cleaned, problem
