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
from dataclasses import dataclass
from typing import Literal

import jaconv

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


_SPELLED: dict[str, str] = {w: code for code, spelled, _, _ in _LEGAL_FORM_TABLE for w in spelled}
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
    for edge in (_FRONT_OPEN_RE.match(text), _BACK_OPEN_RE.search(text)):
        if edge:
            found.append((edge.start(), edge.end(), _ABBR_OR_BANK[edge.group(1)]))
    if not found:
        return text, "", None, None
    found.sort()
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
    # 屋号 + owner: "山田商店 山田太郎", "山田商店 山田 太郎"
    if len(kana_tokens) >= 2 and _is_trade_name(kana_tokens[0]):
        owner = kana_tokens[1:]
        if len(owner) == 2 and _person_pair(owner):
            return True
        if len(owner) == 1 and 3 <= len(owner[0]) <= 6 and all(_is_han(c) for c in owner[0]) \
                and not _is_business(owner[0]) and owner[0][-1] not in _TRADE_SUFFIXES:
            return True
    return False


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

    A name without a space (``山田太郎``) is *not* flagged: it cannot be told
    from a firm such as ``富士通``. So ``False`` means "no evidence", not
    "corporation": link across clients only when the name has a legal form
    (or a 法人番号).
    """
    s = _nfkc(raw)
    _, _, form, _ = _strip_legal_form(s)
    if form is not None:
        return False
    return _looks_like_person(s)
