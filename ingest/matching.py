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
grow with the number of names, which dominated ingest; the index reads only
names that can reach the minimum score (length, bigram and bigram-count
filters derived from the Levenshtein bound, see its docstring) and returns
exactly what the scan returned.

Privacy: a sole proprietor's name is personal data; the resolver must link a
counterparty across different clients only when it is a corporation
(``NormalizedName.kind == "corporation"`` or a 法人番号), whatever the score.
"""

from __future__ import annotations

import heapq
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import jaconv
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


def _numerals_differ(a: str, b: str) -> bool:
    if not (_NUMERALS.intersection(a) or _NUMERALS.intersection(b)):
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
    if not a.core or not b.core:
        return 0.0
    if a.is_kana_only or b.is_kana_only:
        if _kana_keys(a) and _kana_keys(b):
            score = _reading_score(a, b)
        else:
            score = min(NO_READING_CAP, _ratio(a.core, b.core))
    else:
        score = _ratio(a.core, b.core)
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


_CUTOFF_SLACK = 1e-9
"""Slack on the cutoff when bounding edits: the filter may only let *more* candidates through."""
_LAYOUT_CUTOFF = REVIEW_MIN - 1e-9
"""The cutoff :class:`_FieldIndex` lays its segments out for: that of a query at
``min_score=REVIEW_MIN`` (the resolver's). Every higher cutoff is served by the same
segments; a lower one scans the lengths whose edit bound they cannot cover."""


@lru_cache(maxsize=65536)
def _max_edits(longer: int, cutoff: float) -> int:
    """Most edits a pair whose longer string has ``longer`` characters can have and still
    score ≥ ``cutoff`` (normalised Levenshtein similarity 1 − edits / longer); −1 if none."""
    for edits in range(longer, -1, -1):
        if 1.0 - edits / longer >= cutoff - _CUTOFF_SLACK:
            return edits
    return -1


@lru_cache(maxsize=1024)
def _segments(length: int, layout: float) -> tuple[tuple[str, int, int], ...]:
    """``(tag, start, size)`` of the segments a value of ``length`` characters is indexed by.

    ``D`` is the most edits a pair of this value and a string of any length can
    have at the cutoff ``layout``; the value is cut into ``k = ⌊D / 2⌋ + 1``
    (at most ``length``) nearly equal segments, so that whenever a pair has at
    most ``2k − 1`` edits, one segment of the value holds at most one of them.
    ``tag`` names the segmentation and the segment (count, index, size), so that
    only segments of the same place and size are compared.
    """
    most, other = 0, length
    while other - _max_edits(other, layout) <= length:  # longer partners can still match
        most = max(most, _max_edits(other, layout))
        other += 1
    count = max(1, min(length, most // 2 + 1))
    base, extra = divmod(length, count)
    out: list[tuple[str, int, int]] = []
    start = 0
    for i in range(count):
        size = base + (1 if i >= count - extra else 0)
        out.append((chr(count) + chr(i) + chr(size), start, size))
        start += size
    return tuple(out)


_Lookup = tuple[str, int, int, int, int]
"""``(tag, start, end, size, edits)``: the segments ``tag`` (of ``size`` characters)
within ``edits`` (0 or 1) of the key's ``key[start:end]``."""
_DIRECT = 24
"""Segments listed for at least this many values are verified straight from their list
of values (one rapidfuzz call, no Python loop over them)."""


@dataclass(frozen=True, slots=True)
class _Plan:
    """How a key of one length is searched at one cutoff (see :func:`_search_plan`)."""

    exact: bool  # a value of the key's own length must equal it
    scan: tuple[int, ...]  # lengths read whole (the segments cannot bound their edits)
    lookups: tuple[_Lookup, ...]  # distinct lookups (several lengths may share one)
    groups: tuple[tuple[tuple[int, ...], ...], ...]
    """Per value length: alternatives (indices into ``lookups``), any one of which finds
    every value of that length within reach."""


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
                out.append((tag, a, b, size, most))
    return out


@lru_cache(maxsize=4096)
def _search_plan(length: int, cutoff: float, max_length: int, layout: float) -> _Plan:
    """Which lookups find every value that may score ≥ ``cutoff`` against a key of ``length``.

    For each value length within reach (the length difference is at most the
    edits ``d`` the cutoff allows for the longer one): ``d = 0`` needs the
    key itself; otherwise, with the value cut into ``k`` segments
    (:func:`_segments`), the pigeonhole principle on the ``d`` edits gives
    lookups of segments within one edit (1) or equal (0) to an aligned key
    substring (:func:`_spans`):

    * ``k = 1``, ``d = 1``: the whole value within one edit;
    * ``k = 2``, ``d = 1``: either half within one edit (both are right: the
      one listing fewer values is read);
    * ``k = 2``, ``d = 2``: the first half within one edit or else (two
      edits in it) the second half equal — or the same the other way round;
    * otherwise, ``d ≤ 2k − 1``: some segment within one edit;
    * ``d > 2k − 1`` (cutoffs below ``layout``): every value of that length.
    """
    exact = False
    scan: list[int] = []
    lookups: dict[_Lookup, int] = {}
    groups: list[tuple[tuple[int, ...], ...]] = []

    def ids(spans: list[_Lookup]) -> tuple[int, ...]:
        return tuple(lookups.setdefault(s, len(lookups)) for s in spans)

    for other in range(1, max_length + 1):
        edits = _max_edits(max(length, other), cutoff)
        if abs(length - other) > edits:
            continue
        if edits == 0:
            exact = True
            continue
        segments = _segments(other, layout)
        k = len(segments)
        shift = length - other
        if edits > 2 * k - 1:
            scan.append(other)
        elif k == 2 and edits <= 2:
            near = [_spans(segments, i, shift, edits, 1) for i in (0, 1)]
            if edits == 1:
                groups.append((ids(near[0]), ids(near[1])))
            else:
                equal = [_spans(segments, i, shift, edits, 0) for i in (0, 1)]
                groups.append((ids(near[0] + equal[1]), ids(near[1] + equal[0])))
        else:
            groups.append((ids([s for i in range(k) for s in _spans(segments, i, shift, edits, 1)]),))
    return _Plan(exact, tuple(scan), tuple(lookups), tuple(groups))


class _FieldIndex:
    """One preselection field (cores, readings or kana cores) of a :class:`NameIndex`.

    ``_values[pos]`` is the field of the name at position ``pos`` ("" when the
    name has none). The distinct non-empty values are numbered; each is cut
    into segments (:func:`_segments`; a short value is one segment). Each
    distinct segment is numbered and listed under its tagged text
    (``_segment_ids``) and under every string one deletion away from it
    (``_deletions``), so that the segments within one edit of a string are a
    few dictionary lookups away: two strings are within one edit exactly
    when they are equal, one is a deletion of the other, or they have a
    deletion in common. A segment lists the values holding it, by number and
    by text (``_members``, ``_member_values``): a long list is verified by
    one rapidfuzz call on its texts.
    """

    __slots__ = ("_values", "_number", "_strings", "_positions", "_by_length",
                 "_by_length_values", "_segment_ids", "_deletions", "_members",
                 "_member_values", "_max_length")

    def __init__(self) -> None:
        self._values: list[str] = []
        self._number: dict[str, int] = {}  # distinct value -> its number
        self._strings: list[str] = []  # number -> value
        self._positions: list[list[int]] = []  # number -> positions holding it, ascending
        self._by_length: dict[int, list[int]] = {}  # length -> numbers
        self._by_length_values: dict[int, list[str]] = {}  # length -> values
        self._segment_ids: dict[str, int] = {}  # tag + segment -> segment number
        self._deletions: dict[str, int | list[int]] = {}  # tag + segment less one character
        self._members: list[list[int]] = []  # segment number -> numbers of values holding it
        self._member_values: list[list[str]] = []  # segment number -> those values
        self._max_length = 0

    def add(self, value: str) -> None:
        """Append the field of the next position ("" if the name has none)."""
        pos = len(self._values)
        self._values.append(value)
        if not value:
            return
        number = self._number.get(value)
        if number is None:
            number = self._new_value(value)
        self._positions[number].append(pos)

    def _new_value(self, value: str) -> int:
        """Number a value not seen before and index it under its length and segments."""
        number = len(self._strings)
        self._number[value] = number
        self._strings.append(value)
        self._positions.append([])
        length = len(value)
        if length > self._max_length:
            self._max_length = length
        numbers = self._by_length.get(length)
        if numbers is None:
            self._by_length[length] = [number]
            self._by_length_values[length] = [value]
        else:
            numbers.append(number)
            self._by_length_values[length].append(value)
        segment_ids, members = self._segment_ids, self._members
        for tag, start, size in _segments(length, _LAYOUT_CUTOFF):
            segment = value[start:start + size]
            sid = segment_ids.get(tag + segment)
            if sid is not None:
                members[sid].append(number)
                self._member_values[sid].append(value)
                continue
            sid = len(members)
            segment_ids[tag + segment] = sid
            members.append([number])
            self._member_values.append([value])
            deletions = self._deletions
            for i in range(size):
                variant = tag + segment[:i] + segment[i + 1:]
                held = deletions.get(variant)
                if held is None:
                    deletions[variant] = sid
                elif isinstance(held, int):
                    if held != sid:  # a run of one character gives one deletion several times
                        deletions[variant] = [held, sid]
                elif held[-1] != sid:
                    held.append(sid)
        return number

    def _near(self, key: str, lookup: _Lookup) -> set[int]:
        """Numbers of the segments ``tag`` within ``edits`` (0 or 1) of ``key[start:end]``.

        Within one edit: equal; the text is one of the segment's deletions;
        the segment is one of the text's deletions; or both share a deletion
        (one substitution).
        """
        tag, start, end, size, edits = lookup
        text = key[start:end]
        found: set[int] = set()
        m = end - start
        if m == size:
            sid = self._segment_ids.get(tag + text)
            if sid is not None:
                found.add(sid)
            if not edits:
                return found
            table: Mapping[str, int | list[int]] = self._deletions  # a substitution
        elif m == size + 1:
            table = self._segment_ids  # an insertion in the text
        else:  # m == size - 1: the text is a deletion of the segment
            held = self._deletions.get(tag + text)
            if held is not None:
                found.update((held,) if isinstance(held, int) else held)
            return found
        for i in range(m):
            held = table.get(tag + text[:i] + text[i + 1:])
            if held is not None:
                found.update((held,) if isinstance(held, int) else held)
        return found

    def _scores(self, key: str, cutoff: float) -> dict[int, float]:
        """Similarity of every value that scores ≥ ``cutoff`` against ``key``, by number.

        Candidates follow :func:`_search_plan`: per value length within reach,
        the segments within one edit of (or equal to) the key substrings they
        can align with — where several alternatives are lossless, the one
        listing the fewest values. Every value within the cutoff's edit bound
        is a candidate; each is scored with rapidfuzz at the cutoff, as a
        full scan would.
        """
        plan = _search_plan(len(key), cutoff, self._max_length, _LAYOUT_CUTOFF)
        members = self._members
        near = [self._near(key, lookup) for lookup in plan.lookups]
        sids: set[int] = set()
        for alternatives in plan.groups:
            if len(alternatives) == 1:
                for i in alternatives[0]:
                    sids |= near[i]
                continue
            best: set[int] = set()
            best_size = -1
            for alternative in alternatives:
                chosen: set[int] = set()
                for i in alternative:
                    chosen |= near[i]
                size = sum(len(members[sid]) for sid in chosen)
                if best_size < 0 or size < best_size:
                    best, best_size = chosen, size
            sids |= best
        scores: dict[int, float] = {}
        scorer = Levenshtein.normalized_similarity
        for length in plan.scan:
            values = self._by_length_values.get(length)
            if values:
                numbers = self._by_length[length]
                for _, score, i in process.extract(key, values, scorer=scorer,
                                                   score_cutoff=cutoff, limit=None):
                    scores[numbers[i]] = score
        few: set[int] = set()
        for sid in sids:
            numbers = members[sid]
            if len(numbers) < _DIRECT:
                few.update(numbers)
                continue
            for _, score, i in process.extract(key, self._member_values[sid], scorer=scorer,
                                               score_cutoff=cutoff, limit=None):
                scores[numbers[i]] = score
        if plan.exact:
            number = self._number.get(key)
            if number is not None:
                few.add(number)
        if few:
            listed = list(few)
            strings = self._strings
            for _, score, i in process.extract(key, [strings[n] for n in listed], scorer=scorer,
                                               score_cutoff=cutoff, limit=None):
                scores[listed[i]] = score
        return scores

    def search(self, key: str, cutoff: float, width: int) -> list[int]:
        """Positions whose value scores ≥ ``cutoff`` against ``key``: the ``width`` best.

        Exactly what ``process.extract`` over all values with ``limit=width``
        returns: ranked by similarity, ties by position.
        """
        if cutoff <= 0.0:  # everything passes, "" included: nothing to filter
            return [pos for _, _, pos in process.extract(
                key, self._values, scorer=Levenshtein.normalized_similarity,
                score_cutoff=cutoff, limit=width)]
        positions = self._positions
        scored = [(score, pos) for number, score in self._scores(key, cutoff).items()
                  for pos in positions[number]]
        if len(scored) > width:
            scored = heapq.nsmallest(width, scored, key=lambda sp: (-sp[0], sp[1]))
        return [pos for _, pos in scored]


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
    A similarity ≥ ``c`` between strings whose longer one has ``L``
    characters allows at most ``d = ⌊(1 − c)·L⌋`` edits, hence a length
    difference of at most ``d`` and — the q-gram count lemma — at least
    ``L − 1 − 2d`` common bigrams (as a multiset). Each field keeps, per
    string length, an inverted index from bigram to the strings holding it,
    and three filters follow from those bounds:

    * length: only lengths within ``d`` of the key's are read;
    * prefix: a string sharing at least ``t`` of the key's ``g`` bigrams
      holds one of any bigrams that cover ``g − t + 1`` of them, so only
      the posting lists of the key's rarest bigrams are read;
    * count: when those lists are long, a 128-bit bigram signature per
      string bounds the common bigrams from above (collisions only raise
      the bound), and strings that cannot reach ``t`` are dropped in numpy.

    Where the lemma gives no bound (one-character strings, low cutoffs)
    every string of that length is a candidate, and at a cutoff of 0 the
    whole field is. Every remaining candidate is scored with the same
    rapidfuzz scorer and cutoff as a full scan. So the filters are
    lossless — they only skip strings that cannot reach the cutoff — and
    :meth:`query` returns exactly what scanning all strings returns
    (``tests/unit/test_name_index.py`` checks this against the former full
    scan). Nothing is keyed on leading characters, so a typo in the first
    character does not hide a match. The cost of a query follows the
    number of strings sharing its rarest bigrams, not the size of the
    index; :meth:`add` appends to a few posting lists.
    """

    def __init__(self) -> None:
        self._ids: list[str] = []
        self._names: list[NormalizedName] = []
        self._cores = _FieldIndex()  # kanji/latin cores ("" for kana names)
        self._readings = _FieldIndex()  # readings ("" when unknown)
        self._kana_cores = _FieldIndex()  # kana cores that differ from the reading, else ""
        self._prefix: dict[str, list[tuple[int, str]]] = {}  # first units -> (pos, units)

    def __len__(self) -> int:
        return len(self._ids)

    def add(self, candidate_id: str, name: NormalizedName) -> None:
        """Add a candidate (the same id may be added with several names)."""
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
                self._prefix.setdefault(units[:MIN_TRUNCATED_PREFIX], []).append((pos, units))

    def _preselect(self, query: NormalizedName, cutoff: float, width: int) -> set[int]:
        found: set[int] = set()
        if not query.core:
            return found
        if not query.is_kana_only:
            found.update(self._cores.search(query.core, cutoff, width))
        for key in _kana_keys(query):
            found.update(self._readings.search(key, cutoff, width))
            found.update(self._kana_cores.search(key, cutoff, width))
            units = _units(key)
            if len(units) >= MIN_TRUNCATED_PREFIX:
                for pos, other in self._prefix.get(units[:MIN_TRUNCATED_PREFIX], ()):
                    if other.startswith(units) or units.startswith(other):
                        found.add(pos)
        return found

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
        for pos in self._preselect(name, cutoff, width):
            score = name_similarity(name, self._names[pos])
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
