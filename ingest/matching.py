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

Privacy: a sole proprietor's name is personal data; the resolver must link a
counterparty across different clients only when it is a corporation
(``NormalizedName.kind == "corporation"`` or a 法人番号), whatever the score.
"""

from __future__ import annotations

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


class NameIndex:
    """Candidate names indexed for fast :meth:`query` over tens of thousands of firms.

    Preselection runs in rapidfuzz's C code over all cores (and all
    readings), with a cutoff at the requested minimum score: the final score
    is never above the raw similarity, except through the truncation rule,
    whose candidates come from a block keyed by the first
    :data:`MIN_TRUNCATED_PREFIX` reading units. Preselected candidates are
    then scored with :func:`name_similarity`. No blocking on leading
    characters, so a typo in the first character does not hide a match.
    """

    def __init__(self) -> None:
        self._ids: list[str] = []
        self._names: list[NormalizedName] = []
        self._cores: list[str] = []  # kanji/latin cores ("" for kana names)
        self._readings: list[str] = []  # readings ("" when unknown)
        self._kana_cores: list[str] = []  # kana cores that differ from the reading, else ""
        self._prefix: dict[str, list[tuple[int, str]]] = {}  # first units -> (pos, units)

    def __len__(self) -> int:
        return len(self._ids)

    def add(self, candidate_id: str, name: NormalizedName) -> None:
        """Add a candidate (the same id may be added with several names)."""
        pos = len(self._ids)
        self._ids.append(candidate_id)
        self._names.append(name)
        self._cores.append("" if name.is_kana_only else name.core)
        keys = _kana_keys(name)
        self._readings.append(name.reading or "")
        self._kana_cores.append(name.core if name.is_kana_only and name.core != name.reading
                                else "")
        for key in keys:
            units = _units(key)
            if len(units) >= MIN_TRUNCATED_PREFIX:
                self._prefix.setdefault(units[:MIN_TRUNCATED_PREFIX], []).append((pos, units))

    def _preselect(self, query: NormalizedName, cutoff: float, width: int) -> set[int]:
        found: set[int] = set()
        if not query.core:
            return found
        if not query.is_kana_only:
            for _, _, pos in process.extract(query.core, self._cores,
                                             scorer=Levenshtein.normalized_similarity,
                                             score_cutoff=cutoff, limit=width):
                found.add(pos)
        for key in _kana_keys(query):
            for choices in (self._readings, self._kana_cores):
                for _, _, pos in process.extract(key, choices,
                                                 scorer=Levenshtein.normalized_similarity,
                                                 score_cutoff=cutoff, limit=width):
                    found.add(pos)
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
        """
        cutoff = max(0.0, min_score - 1e-9)
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
