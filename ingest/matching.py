"""Score candidate matches between company names (entity resolution by name).

Names are compared *after* :func:`ingest.names.normalize_name`, so notation
(株式会社 / (株) / ㈱ / 前株・後株 / bank ｶ) … (ｶ) is already gone. What is left
is compared with rapidfuzz:

* kanji/latin vs kanji/latin: the normalised Levenshtein similarity of the
  cores, 1 − edits / longer length (no token logic: cores have no spaces).
  Levenshtein rather than Indel (``fuzz.ratio``): Indel scores one inserted
  character in a 7-character name at 0.923, which would auto-merge
  山田建設工業 with 山田建設工業所; Levenshtein gives every single edit
  (n−1)/n. Readings are not
  used here: kanji homophones (東洋 / 東陽 → トウヨウ) would merge firms.
* kana vs kana, or kana vs a name with a known reading (registry フリガナ):
  the similarity of the reading keys, plus the *truncation rule*: bank
  names are cut at 30 or 48 bytes (a voiced mark ﾞ is its own byte and may
  be cut off). When the kana side is a prefix of the other reading, compared
  with voiced marks split off (so ``ﾔﾏﾀﾞｼﾖｳｼ`` is a prefix of ヤマダショウジ),
  is at least :data:`MIN_TRUNCATED_PREFIX` kana long, and *may have been
  cut*, the pair scores at least :data:`TRUNCATED_PREFIX_FLOOR`. A kana name
  may have been cut when no legal-form marker follows it (``ﾔﾏﾀﾞ(ｶ`` kept
  its end) and either it is at least :data:`TRUNCATION_MIN_BYTES` bytes long
  in half-width form, or all it lacks is the final voiced mark. A short,
  complete bank name that is merely a prefix of a longer registry reading
  (ﾄｳｷﾖｳｶｲｼﾞﾖｳ vs トウキョウカイジョウニチドウカサイホケン) is another firm
  as often as not, so it gets no boost.
* kana vs kanji without a reading cannot be compared: the score is capped at
  :data:`NO_READING_CAP`, below the review band (the resolver should look the
  kanji name up in the registry to get its furigana).

Then two penalties: different legal forms (株式会社 vs 有限会社) subtract
:data:`LEGAL_FORM_PENALTY`, and cores that differ in a numeral (第一 / 第二,
1 / 2) are capped at :data:`NUMERAL_MISMATCH_CAP`.

Thresholds (scores are in [0, 1]):

``AUTO_MERGE = 0.92``
    Merge without review. Pure notation variants score 1.0. One edit
    (a changed, missing or extra character) in a core of n characters
    scores (n−1)/n: 0.75 for 4 characters (山田商事 / 山田商会), 0.83 for
    6, 0.917 for 12; only names of 13+ characters differing in one
    character reach 0.92, and a changed numeral is capped below it. An
    identical core with conflicting legal forms scores 0.90: review, since
    a 有限会社 often becomes a 株式会社 but two firms can share a core name.
``REVIEW_MIN = 0.80``
    ``[0.80, 0.92)`` goes to a human: one edit in a core of 5
    to 12 characters, or a legal-form conflict. Below 0.80 (one change in a
    4-character core, two changes in a 9-character one) a different firm is
    more likely than a typo: create a new firm.

The labelled pairs in ``tests/unit/test_matching.py`` measure precision and
recall at :data:`AUTO_MERGE`.

:class:`NameIndex` finds the candidates for a name among all known firms and
the registry. Scanning every indexed name per query made each query cost
grow with the number of names, which dominated ingest; the index looks up
only names within the edit bound of the minimum score (one-deletion
neighbourhoods of names and of their halves, see its docstring) and returns
exactly what the scan returned.

Privacy: a sole proprietor's name is personal data; the resolver must link a
counterparty across different clients only when it is a corporation
(``NormalizedName.kind == "corporation"`` or a 法人番号), whatever the score.
"""

from __future__ import annotations

import heapq
import unicodedata
from array import array
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache, reduce
from operator import or_
from typing import Literal

import jaconv
import numpy as np
import numpy.typing as npt
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from ingest.names import NormalizedName, legal_forms_conflict

__all__ = [
    "AUTO_MERGE",
    "REVIEW_MIN",
    "LEGAL_FORM_PENALTY",
    "NO_READING_CAP",
    "NUMERAL_MISMATCH_CAP",
    "MIN_TRUNCATED_PREFIX",
    "TRUNCATED_PREFIX_FLOOR",
    "TRUNCATION_MIN_BYTES",
    "AMBIGUITY_MARGIN",
    "Outcome",
    "Decision",
    "name_similarity",
    "classify",
    "decide",
    "NameIndex",
    "best_matches",
]

AUTO_MERGE = 0.92
"""Score at or above which two names are merged without review (see module docstring)."""
REVIEW_MIN = 0.80
"""Scores in ``[REVIEW_MIN, AUTO_MERGE)`` go to review; below: a new firm."""
LEGAL_FORM_PENALTY = 0.10
"""Subtracted when both names carry different legal forms: identical cores land in review."""
NO_READING_CAP = 0.50
"""Upper bound when kana is compared with kanji and no reading is known (not comparable)."""
NUMERAL_MISMATCH_CAP = 0.90
"""Upper bound when the cores differ in a digit or kanji numeral (第一 / 第二 are two firms)."""
MIN_TRUNCATED_PREFIX = 6
"""Kana a truncated bank name must keep for the prefix rule: shorter prefixes are too common."""
TRUNCATED_PREFIX_FLOOR = 0.93
"""Lowest score of a truncated-prefix match; it rises to 1.0 as the prefix covers the name."""
TRUNCATION_MIN_BYTES = 28
"""Half-width bytes from which a kana name may have been cut by a 30- or 48-byte field."""
AMBIGUITY_MARGIN = 0.03
"""If the runner-up is within this of the best score, :func:`decide` asks for review."""

_NUMERALS = frozenset("0123456789一二三四五六七八九十百千壱弐参")

Outcome = Literal["auto_merge", "review", "new"]


def _ratio(a: str, b: str) -> float:
    return float(Levenshtein.normalized_similarity(a, b))


def _units(reading: str) -> str:
    """Reading with voiced marks split off (ダ → タ + ゛), as bank bytes are (ﾀﾞ)."""
    return unicodedata.normalize("NFD", reading)


@lru_cache(maxsize=65536)
def _bank_bytes(raw: str) -> int:
    """Length of a name in half-width cp932 bytes, as a bank field counts it (ﾀﾞ = 2)."""
    half = jaconv.z2h(unicodedata.normalize("NFKC", raw), kana=True, ascii=True, digit=True)
    return len(half.encode("cp932", errors="replace"))


def _truncation_score(short_name: NormalizedName, short: str, long: str) -> float | None:
    """Score of ``short`` (reading of ``short_name``) as a cut ``long``, or None if it is not one."""
    if len(short) < MIN_TRUNCATED_PREFIX or len(short) > len(long):
        return None
    if short_name.position in ("after", "middle"):
        return None  # the legal-form marker after the name survived: the name is whole
    su, lu = _units(short), _units(long)
    if su == lu or not lu.startswith(su):
        return None
    lost_voicing_only = len(lu) == len(su) + 1 and lu[-1] in "\u3099\u309a"
    if not lost_voicing_only and _bank_bytes(short_name.raw) < TRUNCATION_MIN_BYTES:
        return None
    return TRUNCATED_PREFIX_FLOOR + (1.0 - TRUNCATED_PREFIX_FLOOR) * len(su) / len(lu)


def _kana_keys(n: NormalizedName) -> list[str]:
    """The kana keys of a name: its reading, and its core when that is kana (ＮＴＴデータ)."""
    keys = [n.reading] if n.reading else []
    if n.is_kana_only and n.core not in keys:
        keys.append(n.core)
    return keys


def _reading_score(a: NormalizedName, b: NormalizedName) -> float:
    score = 0.0
    for ra in _kana_keys(a):
        for rb in _kana_keys(b):
            score = max(score, _ratio(ra, rb))
            # Only a kana name (a bank's) can be truncated; a registry furigana is complete.
            for short_name, short, long in ((a, ra, rb), (b, rb, ra)):
                if short_name.is_kana_only:
                    t = _truncation_score(short_name, short, long)
                    if t is not None:
                        score = max(score, t)
    return score


@lru_cache(maxsize=65536)
def _has_numerals(text: str) -> bool:
    return not _NUMERALS.isdisjoint(text)


def _numerals_differ(a: str, b: str) -> bool:
    if not (_has_numerals(a) or _has_numerals(b)):
        return False
    for op in Levenshtein.editops(a, b):
        if op.tag in ("replace", "delete") and a[op.src_pos] in _NUMERALS:
            return True
        if op.tag in ("replace", "insert") and b[op.dest_pos] in _NUMERALS:
            return True
    return False


def name_similarity(a: NormalizedName, b: NormalizedName) -> float:
    """Similarity of two normalised company names, in [0, 1].

    See the module docstring for the rules; a registry furigana enters
    through ``normalize_name(name, furigana=...)`` (``NormalizedName.reading``).

    >>> from ingest.names import normalize_name as n
    >>> name_similarity(n("(株)山田商事"), n("山田商事株式会社"))
    1.0
    >>> name_similarity(n("ｶ)ﾔﾏﾀﾞｼﾖｳｼ"), n("山田商事株式会社", furigana="ヤマダショウジ")) >= AUTO_MERGE
    True
    """
    return _similarity(a, b, None)


def _similarity(a: NormalizedName, b: NormalizedName, core_ratio: float | None) -> float:
    """:func:`name_similarity`, given ``_ratio(a.core, b.core)`` when already known."""
    if not a.core or not b.core:
        return 0.0
    if a.is_kana_only or b.is_kana_only:
        if _kana_keys(a) and _kana_keys(b):
            score = _reading_score(a, b)
        else:
            score = min(NO_READING_CAP, _ratio(a.core, b.core))
    else:
        score = _ratio(a.core, b.core) if core_ratio is None else core_ratio
        if score < 1.0 and _numerals_differ(a.core, b.core):
            score = min(score, NUMERAL_MISMATCH_CAP)
    if legal_forms_conflict(a.legal_form, b.legal_form):
        score -= LEGAL_FORM_PENALTY
    return max(0.0, min(1.0, score))


def classify(score: float) -> Outcome:
    """``auto_merge`` (≥ AUTO_MERGE), ``review`` (≥ REVIEW_MIN) or ``new``."""
    if score >= AUTO_MERGE:
        return "auto_merge"
    if score >= REVIEW_MIN:
        return "review"
    return "new"


@dataclass(frozen=True, slots=True)
class Decision:
    """What to do with a name given its best matches."""

    outcome: Outcome
    candidate_id: str | None
    score: float
    reason: str


def decide(matches: list[tuple[str, float]]) -> Decision:
    """Turn ranked matches (best first, as :meth:`NameIndex.query` returns) into a decision.

    The best candidate's band decides, except that a runner-up within
    :data:`AMBIGUITY_MARGIN` turns an automatic merge into a review: two
    registry firms with the same reading (東洋商事 / 東陽商事 for a bank's
    ﾄｳﾖｳｼﾖｳｼﾞ) or a truncated bank name matching several firms.
    """
    if not matches:
        return Decision("new", None, 0.0, "no candidate")
    best_id, best = matches[0]
    outcome = classify(best)
    if outcome == "new":
        return Decision("new", None, best, f"best score {best:.2f} below {REVIEW_MIN}")
    if len(matches) > 1 and matches[1][1] >= best - AMBIGUITY_MARGIN:
        return Decision("review", best_id, best,
                        f"ambiguous: {matches[1][0]} scores {matches[1][1]:.2f}")
    return Decision(outcome, best_id, best, f"score {best:.2f}")


_LAYOUT_CUTOFF = REVIEW_MIN - 1e-9
"""The cutoff :class:`_FieldIndex` chooses each value's keys for: that of a query at
``min_score=REVIEW_MIN`` (the resolver's). Other cutoffs get the same answers; a lower one
may read some lengths whole."""
_SIGNATURE_BITS = 128
"""Bits of a value's character signature (two 64-bit words, :func:`_signature`)."""
_WORD = (1 << 64) - 1
_SIGNATURE_FROM = 48
"""Candidates from which the vectorised signature filter pays for its overhead."""
_PREFILTER_FROM = 16
"""Candidates from which an edit-distance pass (cheaper per string) precedes the score."""
_SCAN_BELOW = 512
"""A field with at most this many distinct values is scored whole (cheaper than lookups)."""
_BYTE_BITS = np.array([bin(i).count("1") for i in range(256)], dtype=np.uint8)
_PASS = (_WORD, _WORD)
"""Signature of a value without segments: every key character is in it, none extra."""


@lru_cache(maxsize=65536)
def _max_edits(longer: int, cutoff: float) -> int:
    """Most edits a pair whose longer string has ``longer`` characters can have and still
    pass ``cutoff`` in the scan the index stands for; −1 if none.

    The score is 1 − edits / longer (normalised Levenshtein similarity), a
    function of those two numbers only, but rapidfuzz compares it with the
    cutoff in single precision: at a cutoff of 0.8 − 1e-9 it rejects a score
    of exactly 0.8 (one edit in 5 characters, two in 10). So the bound is
    not computed but asked of the same scorer, on a pair with ``edits``
    substitutions: the index then finds exactly what ``process.extract``
    keeps, whichever way a rapidfuzz version rounds.
    """
    same = "a" * longer
    for edits in range(longer, -1, -1):
        if process.extractOne(same, ["b" * edits + same[edits:]],
                              scorer=Levenshtein.normalized_similarity,
                              score_cutoff=cutoff) is not None:
            return edits
    return -1


@lru_cache(maxsize=1024)
def _layout(length: int, layout: float) -> tuple[bool, tuple[int, ...], bool]:
    """How a value of ``length`` characters is indexed: ``(neighbourhood, cuts, halves)``.

    At the cutoff ``layout``, a value pairs with strings of other lengths
    within at most ``d`` edits (``d`` grows with the longer length). Pairs
    within one edit only are found through the value's one-deletion
    neighbourhood (exactly, in a few lookups). Pairs allowing ``d = 2`` or
    3 edits, through its halves: the first half is within one edit of the
    key, or else the second is (``d = 3``: ``halves`` — both halves get a
    neighbourhood) or equal to it (``d = 2``: only the first has one). For
    ``d ≥ 4``, through ``k = max(3, ⌊d / 2⌋ + 1)`` segments with
    neighbourhoods, one of which holds at most one of the ``d ≤ 2k − 1``
    edits. ``cuts`` lists the segment counts ``k`` needed (at most
    ``length``). A value that pairs within one edit and more is searched
    through its halves for both. A value too short to pair with anything
    but itself gets none (at lower cutoffs, its length is read whole).
    """
    near = halves = False
    cuts: set[int] = set()
    other = length
    while other - _max_edits(other, layout) <= length:  # longer partners can still match
        edits = _max_edits(other, layout)
        if edits == 1:
            near = True
        elif edits in (2, 3):
            cuts.add(min(length, 2))
            halves = halves or edits == 3
        elif edits > 3:
            cuts.add(min(length, max(3, edits // 2 + 1)))
        other += 1
    return near and not cuts, tuple(sorted(cuts)), halves


def _cut_serves(count: int, edits: int, halves: bool) -> bool:
    """Whether values cut into ``count`` segments can be searched within ``edits`` edits: in
    halves up to two (only the first half has its neighbourhood) or three (both have),
    in one segment or three and more up to ``2 · count − 1`` (each has its neighbourhood)."""
    if count == 2:
        return edits <= (3 if halves else 2)
    return edits <= 2 * count - 1


@lru_cache(maxsize=4096)
def _segments(length: int, count: int) -> tuple[tuple[str, int, int], ...]:
    """``(tag, start, size)`` of the ``count`` nearly equal segments of a value of ``length``.

    ``tag`` names the cut and the segment (count, index), so that only segments
    of the same place are compared; not the size, so that one lookup serves
    the values of several lengths.
    """
    base, extra = divmod(length, count)
    out: list[tuple[str, int, int]] = []
    start = 0
    for i in range(count):
        size = base + (1 if i >= count - extra else 0)
        out.append((chr(count) + chr(i), start, size))
        start += size
    return tuple(out)


@lru_cache(maxsize=1024)
def _cut_segments(length: int, layout: float) -> tuple[tuple[str, int, int, bool], ...]:
    """``(tag, start, end, near)`` of every segment a value of ``length`` is listed under
    (:func:`_layout`); ``near``: the segment is searched within one edit, so its deletions
    are listed too (all but the second of halves, unless those serve three edits)."""
    _, cuts, halves = _layout(length, layout)
    return tuple((tag, start, start + size, i == 0 or count != 2 or halves)
                 for count in cuts for i, (tag, start, size) in enumerate(_segments(length, count)))


def _popcount_bytes(words: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint8]:
    """Set bits of each 64-bit word, by byte table (numpy < 2 has no ``bitwise_count``)."""
    octets = np.ascontiguousarray(words).view(np.uint8)
    return _BYTE_BITS[octets].reshape(*words.shape, 8).sum(axis=-1, dtype=np.uint8)


def _popcount(words: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint8]:
    """Set bits of each 64-bit word."""
    if hasattr(np, "bitwise_count"):
        return np.bitwise_count(words)
    return _popcount_bytes(words)


def _occurrence_bit(char: str, occurrence: int) -> int:
    """The bit (one of 128) the ``occurrence``-th ``char`` of a string sets in its signature.

    A fixed multiplicative hash of the code point and the count, not
    ``hash()``, which differs between processes (an index may be pickled).
    """
    mixed = (ord(char) * 0x9E3779B1 + occurrence * 0x85EBCA77) & 0xFFFFFFFF
    return 1 << ((mixed * 0xC2B2AE3D) >> 25 & (_SIGNATURE_BITS - 1))


class _RunBits(dict[str, int]):
    """``run`` (one character repeated ``n`` times) → the bits of its occurrences 1 to
    ``n``, computed once (a dict lookup is cheaper than a call)."""

    def __missing__(self, run: str) -> int:
        bits: int = reduce(or_, (_occurrence_bit(run[0], i) for i in range(1, len(run) + 1)))
        self[run] = bits
        return bits


_RUN_BITS = _RunBits()


def _signature(text: str) -> int:
    """Character signature: the bits of (character, occurrence) for each character of
    ``text`` — ``山田山`` sets (山, 1), (田, 1) and (山, 2) — so the multiset of characters."""
    if len(set(text)) == len(text):
        return reduce(or_, map(_RUN_BITS.__getitem__, text), 0)
    runs: dict[str, str] = {}  # character -> itself as often as it occurs
    for char in text:
        runs[char] = runs.get(char, "") + char
    return reduce(or_, map(_RUN_BITS.__getitem__, runs.values()), 0)


_Lookup = tuple[str, int, int, int]
"""``(tag, start, end, edits)``: the segments ``tag`` within ``edits`` (0 or 1) of the
key's ``key[start:end]`` (and some more: see :meth:`_FieldIndex._lookup`)."""


@dataclass(frozen=True, slots=True)
class _Plan:
    """How a key of one length is searched at one cutoff (see :func:`_search_plan`)."""

    most: int  # the most edits any value within reach can have
    exact: bool  # a value of the key's own length must equal it
    near: bool  # values within one edit, through the neighbourhoods
    lookups: tuple[_Lookup, ...]  # distinct segment lookups (lengths may share them)
    scan: tuple[int, ...]  # lengths read whole
    edits: npt.NDArray[np.int32]  # per length: most edits (−1 out of reach)


def _spans(segments: tuple[tuple[str, int, int], ...], i: int, shift: int, edits: int,
           most: int) -> list[_Lookup]:
    """The key substrings segment ``i`` can align with when it holds ≤ ``most`` edits.

    With an alignment of the value to the key, segment ``i`` (``start``,
    ``size``) aligns with ``key[start + before : start + size + after]``,
    where ``before``/``after`` are the net insertions minus deletions up to
    its start / end. The edits before it are at least ``|before|``, those in
    it at least ``|after − before|``, those after it at least
    ``|shift − after|`` (``shift`` = key length − value length), and all
    together at most ``edits``. The first segment starts where the key
    starts and the last ends where it ends (edits at the ends belong to them).
    """
    tag, start, size = segments[i]
    last = len(segments) - 1
    key_length = segments[last][1] + segments[last][2] + shift
    out: list[_Lookup] = []
    for before in ([0] if i == 0 else range(-edits, edits + 1)):
        for after in ([shift] if i == last else range(before - most, before + most + 1)):
            inside = abs(after - before)
            if inside > most or abs(before) + inside + abs(shift - after) > edits:
                continue
            a, b = start + before, start + size + after
            if 0 <= a <= b <= key_length:
                out.append((tag, a, b, most))
    return out


@lru_cache(maxsize=4096)
def _search_plan(length: int, cutoff: float, max_length: int, layout: float) -> _Plan:
    """Which lookups find every value that may score ≥ ``cutoff`` against a key of ``length``.

    A pair whose longer string has ``L`` characters passes the cutoff with
    at most ``d`` edits (:func:`_max_edits`), so lengths differ by at most
    ``d``. Per value length within reach:

    * ``d = 0``: only the key itself (of its own length);
    * ``d = 1`` and the length indexed by neighbourhood (:func:`_layout`):
      the values within one edit of the key, all lengths at once;
    * otherwise, with the values cut into ``k`` segments, ``2k − 1 ≥ d``,
      the pigeonhole principle on the edits: some segment holds at most one
      (:func:`_spans` gives the key substrings it can align with). For
      halves (``k = 2``) and ``d ≤ 3`` it is sharper: the first half is
      within one edit, or else (both or all in the first half) the second
      half is equal (``d = 2``) or within one edit (``d = 3``);
    * without such a cut (cutoffs below ``layout``): every value of the length.

    The most edits per length (``edits``) feed :meth:`_FieldIndex._signature_filter`.
    """
    most = 0
    exact = near = False
    lookups: dict[_Lookup, None] = {}
    scan: list[int] = []
    most_by_length = np.full(max_length + 1, -1, dtype=np.int32)
    for other in range(1, max_length + 1):
        longer = max(length, other)
        edits = _max_edits(longer, cutoff)
        if abs(length - other) > edits:
            continue
        most = max(most, edits)
        most_by_length[other] = edits
        by_neighbourhood, cuts, halves = _layout(other, layout)
        if edits == 0:
            exact = True
            continue
        if edits == 1 and by_neighbourhood:
            near = True
            continue
        k = next((c for c in cuts if _cut_serves(c, edits, halves)), 0)
        if not k:
            scan.append(other)
            continue
        segments = _segments(other, k)
        shift = length - other
        if k == 2:
            lookups.update(dict.fromkeys(_spans(segments, 0, shift, edits, 1)))
            if edits >= 2:
                lookups.update(dict.fromkeys(_spans(segments, 1, shift, edits, edits - 2)))
        else:
            for i in range(k):
                lookups.update(dict.fromkeys(_spans(segments, i, shift, edits, 1)))
    most_by_length.setflags(write=False)
    return _Plan(most, exact, near, tuple(lookups), tuple(scan), most_by_length)


class _FieldIndex:
    """One preselection field (cores, readings or kana cores) of a :class:`NameIndex`.

    ``_values[pos]`` is the field of the name at position ``pos`` ("" when the
    name has none). The distinct non-empty values are numbered and indexed
    as :func:`_layout` says, in dictionaries keyed by strings one deletion
    away, since two strings are within one edit exactly when they are
    equal, one is a deletion of the other, or they have a deletion in common:

    * ``_near``: the value and each of its one-deletion strings list its
      number, so the key and its deletions find every value within an edit;
    * ``_segment_ids``: each distinct segment of a cut (tagged with its
      place) is numbered; a segment lists the values holding it
      (``_members``, C ints: concatenated without touching Python objects);
    * ``_segments``: segments searched within an edit (``_near_segments``)
      and their deletions list the segment's number.

    Each value of a cut also has a 128-bit character signature and its
    length (C arrays) for a vectorised filter of long candidate lists.
    """

    __slots__ = ("_values", "_number", "_strings", "_first", "_more", "_by_length", "_near",
                 "_segment_ids", "_segments", "_members", "_near_segments", "_signatures",
                 "_sizes", "_max_length")

    def __init__(self) -> None:
        self._values: list[str] = []
        self._number: dict[str, int] = {}  # distinct value -> its number
        self._strings: list[str] = []  # number -> value
        # number -> the first position holding it; the later ones of the few values held
        # more than once (no container per value: fewer objects for the garbage collector)
        self._first = array("i")
        self._more: dict[int, list[int]] = {}
        self._by_length: dict[int, array[int]] = {}  # length -> numbers
        self._near: dict[str, int | array[int]] = {}  # value or one deletion -> numbers
        self._segment_ids: dict[str, int] = {}  # tag + segment -> segment id
        self._segments: dict[str, int | array[int]] = {}  # tag + segment or deletion -> ids
        # segment id -> number of the value holding it, or numbers if several
        self._members: list[int | array[int]] = []
        self._near_segments = bytearray()  # segment id -> its neighbourhood is listed
        self._signatures = array("Q")  # number -> 2 words: character signature (_signature)
        self._sizes = array("I")  # number -> length | its signature's bit count << 16
        self._max_length = 0

    def add(self, value: str) -> None:
        """Append the field of the next position ("" if the name has none)."""
        pos = len(self._values)
        self._values.append(value)
        if not value:
            return
        number = self._number.get(value)
        if number is None:
            self._first.append(pos)
            self._new_value(value)
        else:
            self._more.setdefault(number, []).append(pos)

    def _new_value(self, value: str) -> None:
        """Number a value not seen before and index it (see the class docstring)."""
        number = len(self._strings)
        self._number[value] = number
        self._strings.append(value)
        length = len(value)
        if length > self._max_length:
            self._max_length = length
        numbers = self._by_length.get(length)
        if numbers is None:
            self._by_length[length] = array("i", (number,))
        else:
            numbers.append(number)
        by_neighbourhood, cuts, _ = _layout(length, _LAYOUT_CUTOFF)
        if by_neighbourhood:
            variants = [value]
            variants += [value[:i] + value[i + 1:] for i in range(length)]
            _list_under(self._near, variants, number)
        for tag, start, end, near in _cut_segments(length, _LAYOUT_CUTOFF):
            self._add_segment(tag, value[start:end], number, near)
        if cuts:  # its segments' values are filtered
            signature = _signature(value)
            self._signatures.extend((signature & _WORD, signature >> 64))
            self._sizes.append(length | signature.bit_count() << 16)
        else:  # read only whole with its length (low cutoffs): the filter lets it pass
            self._signatures.extend(_PASS)
            self._sizes.append(length)

    def _add_segment(self, tag: str, segment: str, number: int, near: bool) -> None:
        """List ``number`` under the segment ``tag`` + ``segment``, numbering a new one
        (indexed by its neighbourhood too if ``near``)."""
        tagged = tag + segment
        sid = self._segment_ids.get(tagged)
        if sid is not None:
            held = self._members[sid]
            if isinstance(held, int):
                self._members[sid] = array("i", (held, number))
            else:
                held.append(number)
            if not near or self._near_segments[sid]:
                return
        else:
            sid = self._segment_ids[tagged] = len(self._members)
            self._members.append(number)
            self._near_segments.append(near)
        if near:
            self._near_segments[sid] = True
            variants = [tagged]
            variants += [tag + segment[:i] + segment[i + 1:] for i in range(len(segment))]
            _list_under(self._segments, variants, sid)

    def _neighbours(self, key: str) -> list[int]:
        """Numbers of the values indexed by neighbourhood within one edit of ``key`` (and
        some two edits away: a deletion in common at different places)."""
        probes = [key]
        probes += [key[:i] + key[i + 1:] for i in range(len(key))]
        found: list[int] = []
        for held in map(self._near.get, probes):
            if held is not None:
                if isinstance(held, int):
                    found.append(held)
                else:
                    found += held
        return found

    def _lookup(self, key: str, lookup: _Lookup) -> set[int]:
        """Ids of the segments ``tag`` equal to ``key[start:end]`` or one character longer
        (a deletion of theirs is the text) and, when one edit is allowed, those one
        character shorter or with a deletion in common: a superset of those within
        ``edits``."""
        tag, start, end, edits = lookup
        text = key[start:end]
        if not edits:
            sid = self._segment_ids.get(tag + text)
            return set() if sid is None else {sid}
        probes = [tag + text]
        probes += [tag + text[:i] + text[i + 1:] for i in range(end - start)]
        found: set[int] = set()
        for held in map(self._segments.get, probes):
            if held is not None:
                if isinstance(held, int):
                    found.add(held)
                else:
                    found.update(held)
        return found

    def _segment_candidates(self, key: str, plan: _Plan, found: array[int]) -> None:
        """Append to ``found`` the values of the segments :func:`_search_plan` looks up."""
        sids: set[int] = set()
        for lookup in plan.lookups:
            sids |= self._lookup(key, lookup)
        members = self._members
        for sid in sids:
            held = members[sid]
            if isinstance(held, int):
                found.append(held)
            else:
                found += held

    def _signature_filter(self, key: str, plan: _Plan, found: array[int]) -> list[int]:
        """The numbers in ``found`` whose signatures allow them to be within reach.

        A value within ``d`` edits of the key lacks at most ``d`` of the key's
        characters, counted as a multiset (each needs a substitution or a
        deletion), and has at most ``d`` the key lacks (substitutions,
        insertions). A signature bit (:func:`_signature`) set on one side only
        stands for at least one such character, so with ``shared`` bits set on
        both sides, ``shared ≥ max(key bits, value bits) − d``. Hash
        collisions only add shared bits: nothing within reach is dropped.
        Vectorised over the candidates, with ``d`` for each one's length.
        """
        key_mask = _signature(key)
        numbers = np.frombuffer(found, dtype=np.intc)
        sizes = np.frombuffer(self._sizes, dtype=np.uint32).take(numbers)
        shared = _popcount(np.frombuffer(self._signatures, dtype=np.uint64).reshape(-1, 2)
                           .take(numbers, axis=0)
                           & np.array([key_mask & _WORD, key_mask >> 64], dtype=np.uint64))
        keep = (shared[:, 0] + shared[:, 1] + plan.edits.take(sizes & 0xFFFF)
                >= np.maximum(sizes >> 16, key_mask.bit_count()))
        kept: list[int] = numbers[keep].tolist()
        return kept

    def _scores(self, key: str, cutoff: float) -> dict[int, float]:
        """Similarity of every value that scores ≥ ``cutoff`` against ``key``, by number.

        Candidates (:func:`_search_plan`): every value when the field has
        few; else the key itself, its neighbours within one edit, the values
        of the segments looked up and the lengths read whole, the last two
        through :meth:`_signature_filter` when they are many. Every value
        within the cutoff's edit bound is a candidate. When there are more
        than :data:`_PREFILTER_FROM`, one rapidfuzz call keeps those within
        the bound in edits (cheaper than the normalised score); the rest are
        scored with the normalised similarity at the cutoff, exactly as a full
        scan scores them.
        """
        plan = _search_plan(len(key), cutoff, self._max_length, _LAYOUT_CUTOFF)
        strings = self._strings
        numbers: list[int]
        if len(strings) <= _SCAN_BELOW:
            numbers = list(range(len(strings)))
        else:
            numbers = self._neighbours(key) if plan.near else []
            if plan.exact:  # (its length may have no neighbourhood)
                number = self._number.get(key)
                if number is not None:
                    numbers.append(number)
            found = array("i")
            if plan.lookups:
                self._segment_candidates(key, plan, found)
            for length in plan.scan:
                found += self._by_length.get(length, found[:0])
            if len(found) >= _SIGNATURE_FROM:
                numbers += self._signature_filter(key, plan, found)
            else:
                numbers += found
        values = [strings[n] for n in numbers]
        if len(values) > _PREFILTER_FROM:
            near = [i for _, _, i in process.extract(key, values, scorer=Levenshtein.distance,
                                                     score_cutoff=plan.most, limit=None)]
            numbers = [numbers[i] for i in near]
            values = [values[i] for i in near]
        return {numbers[i]: score for _, score, i in process.extract(
            key, values, scorer=Levenshtein.normalized_similarity, score_cutoff=cutoff,
            limit=None)}

    def search(self, key: str, cutoff: float, width: int) -> list[tuple[float, int]]:
        """``(similarity, position)`` of the values that score ≥ ``cutoff`` against ``key``:
        the ``width`` best.

        Exactly the positions ``process.extract`` over all values with
        ``limit=width`` returns (ranked by similarity, ties by position), and
        their scores.
        """
        if cutoff <= 0.0:  # everything passes, "" included: nothing to filter
            return [(score, pos) for _, score, pos in process.extract(
                key, self._values, scorer=Levenshtein.normalized_similarity,
                score_cutoff=cutoff, limit=width)]
        first, more = self._first, self._more
        scores = self._scores(key, cutoff)
        scored = [(score, first[number]) for number, score in scores.items()]
        if more:
            scored += [(score, pos) for number, score in scores.items()
                       for pos in more.get(number, ())]
        if len(scored) > width:
            scored = heapq.nsmallest(width, scored, key=lambda sp: (-sp[0], sp[1]))
        return scored


def _list_under(table: dict[str, int | array[int]], keys: list[str], number: int) -> None:
    """List ``number`` under each of ``keys`` (once: a run of one character gives one
    deletion several times). A key listing one number holds the number itself."""
    setdefault = table.setdefault
    for key in keys:
        held = setdefault(key, number)
        if held is number:
            continue
        if isinstance(held, int):
            if held != number:
                table[key] = array("i", (held, number))
        elif held[-1] != number:
            held.append(number)


_PREFIX_SPLIT = 9
"""Reading units from which a truncation-prefix entry is filed under its first this many."""


class _PrefixIndex:
    """Positions by reading units (voiced marks split off), for the truncation rule.

    :meth:`find` returns the positions whose units (at least
    :data:`MIN_TRUNCATED_PREFIX` long) are a prefix of the query's or have
    the query's as a prefix — what scanning every entry sharing the first
    :data:`MIN_TRUNCATED_PREFIX` units and testing ``startswith`` both ways
    returns. Entries of up to ``_PREFIX_SPLIT − 1`` units are listed by
    their whole text and by their first :data:`MIN_TRUNCATED_PREFIX` units;
    longer ones by their first ``_PREFIX_SPLIT`` units, so a long query
    reads three exact lists and one block of names sharing as many units,
    not every name that starts like it (place names alone fill thousands).
    """

    __slots__ = ("_short", "_short_block", "_long_block", "_long_keys")

    def __init__(self) -> None:
        self._short: dict[str, list[int]] = {}  # short units -> positions
        self._short_block: dict[str, list[tuple[int, str]]] = {}  # first units -> short entries
        self._long_block: dict[str, list[tuple[int, str]]] = {}  # _PREFIX_SPLIT units -> long
        self._long_keys: dict[str, list[str]] = {}  # first units -> keys of _long_block

    def add(self, pos: int, units: str) -> None:
        """File ``units`` (at least :data:`MIN_TRUNCATED_PREFIX` long) for ``pos``."""
        first = units[:MIN_TRUNCATED_PREFIX]
        if len(units) < _PREFIX_SPLIT:
            self._short.setdefault(units, []).append(pos)
            self._short_block.setdefault(first, []).append((pos, units))
            return
        split = units[:_PREFIX_SPLIT]
        block = self._long_block.get(split)
        if block is None:
            self._long_block[split] = [(pos, units)]
            self._long_keys.setdefault(first, []).append(split)
        else:
            block.append((pos, units))

    def find(self, units: str, found: set[int]) -> None:
        """Add to ``found`` the positions whose units are a prefix of ``units`` or start
        with them (``units`` at least :data:`MIN_TRUNCATED_PREFIX` long)."""
        if len(units) >= _PREFIX_SPLIT:
            for size in range(MIN_TRUNCATED_PREFIX, _PREFIX_SPLIT):  # short prefixes of it
                found.update(self._short.get(units[:size], ()))
            for pos, other in self._long_block.get(units[:_PREFIX_SPLIT], ()):
                if other.startswith(units) or units.startswith(other):
                    found.add(pos)
            return
        first = units[:MIN_TRUNCATED_PREFIX]
        for pos, other in self._short_block.get(first, ()):
            if other.startswith(units) or units.startswith(other):
                found.add(pos)
        for split in self._long_keys.get(first, ()):  # longer entries that start with it
            if split.startswith(units):
                found.update(pos for pos, _ in self._long_block[split])


class NameIndex:
    """Candidate names indexed for fast :meth:`query` over hundreds of thousands of firms.

    :meth:`query` preselects candidates by the raw normalised Levenshtein
    similarity of one field at a time — the kanji/latin core (kanji
    queries), the reading and the kana core (kana keys of any query) — at
    the requested minimum score, keeping the ``max(limit · 20, 200)`` best
    per field (ties by insertion order). The final score is never above that
    raw similarity, except through the truncation rule, whose candidates come
    from a block keyed by the first :data:`MIN_TRUNCATED_PREFIX` reading
    units. Preselected candidates are then scored with
    :func:`name_similarity`.

    The preselection does not compare the key with every indexed string.
    A pair of strings whose longer one has ``L`` characters passes a cutoff
    with at most ``d`` edits (``d ≈ (1 − c)·L``, asked of rapidfuzz itself:
    :func:`_max_edits`), hence a length difference of at most ``d``. Each
    field numbers its distinct strings and finds those within ``d`` edits of
    the key in dictionaries keyed by strings one deletion away (two strings
    are within one edit when equal, when one is a deletion of the other, or
    when they share a deletion):

    * ``d = 1`` (up to 10 characters at ``REVIEW_MIN``): each short string
      is listed under itself and its deletions, and the key and its
      deletions find every string within an edit — a dozen lookups;
    * ``d = 2, 3``: a string is cut in halves, and one of them holds at most
      one of the edits; the first half is within one edit of the key
      substring it aligns with, or else the second is (``d = 3``) or equals
      it (``d = 2``), so a few half lookups find every candidate;
    * ``d ≥ 4``: the same with three or more segments.

    Long candidate lists go through a vectorised filter — a string within
    ``d`` edits lacks at most ``d`` of the key's characters and has at most
    ``d`` it lacks (multiset, by a 128-bit signature per string) — and the
    rest is scored with the same rapidfuzz scorer and cutoff as a full scan.
    Lengths no structure covers (cutoffs below ``REVIEW_MIN``) are read
    whole, as is a field with few strings, and at a cutoff of 0 the whole
    field is. So the preselection is lossless and :meth:`query` returns
    exactly what scanning all strings returns (``tests/unit/test_name_index.py``
    checks this against the former full scan). Nothing is keyed on leading
    characters alone, so a typo in the first character does not hide a
    match. The truncation-rule block is an index too (:class:`_PrefixIndex`).
    The cost of a query follows the number of strings near the key, not the
    size of the index; :meth:`add` lists a new string under its deletions or
    its halves' (a few dictionary entries).

    Note: rapidfuzz compares the score with the cutoff in single precision,
    so at ``min_score=REVIEW_MIN`` (cutoff 0.8 − 1e-9) a raw similarity of
    exactly 0.8 — one edit in a 5-character core, two in 10 — is not
    preselected although :func:`name_similarity` would score it 0.8. The
    index keeps that behaviour (it must return what the scan returned).
    """

    def __init__(self) -> None:
        self._ids: list[str] = []
        self._names: list[NormalizedName] = []
        self._seen: set[tuple[str, NormalizedName]] = set()
        self._cores = _FieldIndex()  # kanji/latin cores ("" for kana names)
        self._readings = _FieldIndex()  # readings ("" when unknown)
        self._kana_cores = _FieldIndex()  # kana cores that differ from the reading, else ""
        self._prefix = _PrefixIndex()  # reading units, for the truncation rule

    def __len__(self) -> int:
        return len(self._ids)

    def add(self, candidate_id: str, name: NormalizedName) -> None:
        """Add a candidate (the same id may be added with several names; the
        same id with the same name again changes no answer and is ignored —
        a load adds a firm's name once per client that spells it so, 3× on
        the 10k region, and every duplicate was scored again by each query
        that found it)."""
        if (candidate_id, name) in self._seen:
            return
        self._seen.add((candidate_id, name))
        pos = len(self._ids)
        self._ids.append(candidate_id)
        self._names.append(name)
        self._cores.add("" if name.is_kana_only else name.core)
        self._readings.add(name.reading or "")
        self._kana_cores.add(name.core if name.is_kana_only and name.core != name.reading
                             else "")
        for key in _kana_keys(name):
            units = _units(key)
            if len(units) >= MIN_TRUNCATED_PREFIX:
                self._prefix.add(pos, units)

    def _preselect(self, query: NormalizedName, cutoff: float, width: int
                   ) -> tuple[set[int], dict[int, float]]:
        """The preselected positions, and the core similarity of those found by core."""
        found: set[int] = set()
        by_core: dict[int, float] = {}
        if not query.core:
            return found, by_core
        if not query.is_kana_only:
            by_core = {pos: score for score, pos in self._cores.search(query.core, cutoff, width)}
            found.update(by_core)
        for key in _kana_keys(query):
            found.update(pos for _, pos in self._readings.search(key, cutoff, width))
            found.update(pos for _, pos in self._kana_cores.search(key, cutoff, width))
            units = _units(key)
            if len(units) >= MIN_TRUNCATED_PREFIX:
                self._prefix.find(units, found)
        return found, by_core

    def query(self, name: NormalizedName, limit: int = 5,
              min_score: float = REVIEW_MIN) -> list[tuple[str, float]]:
        """Best candidates for ``name``: ``(candidate_id, score)``, best first.

        Only scores ≥ ``min_score`` are returned; one entry per id (its best
        name). Ties are ordered by id, so results are deterministic.
        ``min_score`` above 1 is an error (no score can reach it).
        """
        cutoff = max(0.0, min_score - 1e-9)
        if cutoff > 1.0:
            raise ValueError(f"min_score must be at most 1, not {min_score}")
        width = max(limit * 20, 200)
        best: dict[str, float] = {}
        found, by_core = self._preselect(name, cutoff, width)
        for pos in found:
            # The core similarity the preselection computed is the one name_similarity needs
            # for two names with kanji cores (a core is indexed only for those).
            score = _similarity(name, self._names[pos], by_core.get(pos))
            if score >= min_score:
                cid = self._ids[pos]
                if score > best.get(cid, -1.0):
                    best[cid] = score
        ranked = sorted(best.items(), key=lambda kv: (-kv[1], kv[0]))
        return ranked[:limit]


def best_matches(query: NormalizedName,
                 candidates: Mapping[str, NormalizedName] | Iterable[tuple[str, NormalizedName]],
                 limit: int = 5, min_score: float = REVIEW_MIN) -> list[tuple[str, float]]:
    """One-off :meth:`NameIndex.query` over ``candidates`` (id → name, or pairs).

    Building the index costs about as much as one query; to resolve many
    names against the same candidates, build a :class:`NameIndex` once.
    """
    index = NameIndex()
    items = candidates.items() if isinstance(candidates, Mapping) else candidates
    for cid, cname in items:
        index.add(cid, cname)
    return index.query(query, limit=limit, min_score=min_score)
