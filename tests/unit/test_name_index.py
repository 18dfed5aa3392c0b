"""NameIndex: the indexed preselection returns exactly what a full scan returns.

``LinearNameIndex`` below is the previous implementation, kept verbatim as
the reference: it ran rapidfuzz over every indexed core and reading for each
query. The differential tests build both indexes from the same names and
compare :meth:`NameIndex.query` results for many queries, limits and
minimum scores — on a deterministic corpus of realistic company names
(:mod:`synthetic.names`: kanji cores with legal forms, registry
furigana, half-width bank kana cut to 30 bytes, client spellings with typos),
on long names (two to six edits: the halves and thirds of the index), on an
index that grows between queries, and on hypothesis-generated names built
from colliding fragments. Small indexes are scored whole by the index
(``_SCAN_BELOW``): the tests also run with that off, so that their names go
through the neighbourhoods, segments and signature filter.
"""

from __future__ import annotations

import pickle
import random
from contextlib import AbstractContextManager, ExitStack
from unittest import mock

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from ingest import matching
from ingest.matching import (
    AUTO_MERGE,
    MIN_TRUNCATED_PREFIX,
    REVIEW_MIN,
    NameIndex,
    _kana_keys,
    _units,
    name_similarity,
)
from ingest.names import NormalizedName, normalize_name
from synthetic.names import (
    SUFFIXES,
    FirmName,
    bank_kana,
    cut_bytes,
    make_names,
    to_bank_kana,
)
from synthetic.noise import spellings, typo


class LinearNameIndex:
    """The previous NameIndex: preselection scans every core and reading (the reference)."""

    def __init__(self) -> None:
        self._ids: list[str] = []
        self._names: list[NormalizedName] = []
        self._cores: list[str] = []
        self._readings: list[str] = []
        self._kana_cores: list[str] = []
        self._prefix: dict[str, list[tuple[int, str]]] = {}

    def add(self, candidate_id: str, name: NormalizedName) -> None:
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


def _both(entries: list[tuple[str, NormalizedName]]) -> tuple[NameIndex, LinearNameIndex]:
    new, old = NameIndex(), LinearNameIndex()
    for cid, name in entries:
        new.add(cid, name)
        old.add(cid, name)
    return new, old


# --- a realistic corpus --------------------------------------------------------------

_FORMS = ["kk"] * 8 + ["yk"] * 3 + ["gk", "gs", "gm", "iryo", "fuku", "shadan", "sole", "sole"]


def _firms(rng: np.random.Generator, n: int) -> list[FirmName]:
    groups = list(SUFFIXES)
    g = [groups[int(i)] for i in rng.integers(len(groups), size=n)]
    f = [_FORMS[int(i)] for i in rng.integers(len(_FORMS), size=n)]
    return make_names(rng, g, f)


def _truncated_kana(reading: str, rng: np.random.Generator) -> str:
    """A bank kana name cut at a random byte (sometimes inside ﾀﾞ: the voiced mark is lost)."""
    kana = to_bank_kana(reading).replace(" ", "")
    return cut_bytes(kana, int(rng.integers(4, max(5, len(kana.encode("cp932")) + 1))))


def realistic_corpus(n_firms: int, n_queries: int, seed: int
                     ) -> tuple[list[tuple[str, NormalizedName]], list[NormalizedName]]:
    """Indexed (id, name) entries as a resolver holds them, and queries as ledgers write them.

    Entries: registry names with furigana, names without furigana, firms
    known only by a bank's kana, second spellings (with typos) of the same
    id, and one firm added under 300 ids (ties at the preselection width).
    Queries: client spellings and typos of indexed firms and of firms not in
    the index, bank kana cut at 30 bytes or anywhere, bare readings.
    """
    rng = np.random.default_rng(seed)
    firms = _firms(rng, n_firms + n_firms // 4)
    indexed, unseen = firms[:n_firms], firms[n_firms:]
    entries: list[tuple[str, NormalizedName]] = []
    for i, firm in enumerate(indexed):
        fid = f"f{i:05d}"
        r = rng.random()
        if r < 0.55:
            entries.append((fid, normalize_name(firm.official, furigana=firm.reading)))
        elif r < 0.8:
            entries.append((fid, normalize_name(firm.official)))
        else:
            entries.append((fid, normalize_name(bank_kana(firm))))
        if rng.random() < 0.15:
            entries.append((fid, normalize_name(spellings(firm, rng, 0.9, 0.4)[0])))
    twin = indexed[0]
    entries.extend((f"twin{k:03d}", normalize_name(twin.official, furigana=twin.reading))
                   for k in range(300))
    raw: list[str] = []
    for _ in range(n_queries):
        pool = indexed if rng.random() < 0.8 else unseen
        firm = pool[int(rng.integers(len(pool)))]
        kind = rng.random()
        if kind < 0.4:
            raw.append(spellings(firm, rng, 0.7, 0.3)[int(rng.integers(2))])
        elif kind < 0.55:
            raw.append(bank_kana(firm, int(rng.choice([30, 48]))))
        elif kind < 0.7:
            raw.append(_truncated_kana(firm.reading, rng))
        elif kind < 0.8:
            raw.append(typo(typo(firm.official, rng), rng))
        elif kind < 0.9:
            raw.append(firm.reading)
        else:
            other = unseen[int(rng.integers(len(unseen)))]
            raw.append(spellings(other, rng, 0.7, 0.3)[0])
    raw += [twin.official, bank_kana(twin), "山", "ｱ", "株式会社", "ABC", "第一運輸"]
    return entries, [normalize_name(q) for q in raw]


@pytest.mark.parametrize("always_signature", [False, True])
def test_realistic_corpus_matches_linear_scan(always_signature: bool) -> None:
    """Default settings, and with the signature filter on every query, however short its lists."""
    entries, queries = realistic_corpus(3000, 400 if always_signature else 1200, seed=20240601)
    new, old = _both(entries)
    with _signature_from(0 if always_signature else matching._SIGNATURE_FROM):
        _compare_realistic(new, old, queries)


def _signature_from(size: int) -> AbstractContextManager[int]:
    """Patch the candidate count from which the signature filter runs (0: always)."""
    return mock.patch.object(matching, "_SIGNATURE_FROM", size)


def _indexed(always: bool = True) -> AbstractContextManager[int]:
    """Search every field through its index, however few values it holds (no whole scan)."""
    return mock.patch.object(matching, "_SCAN_BELOW", 0 if always else matching._SCAN_BELOW)


def _compare_realistic(new: NameIndex, old: LinearNameIndex,
                       queries: list[NormalizedName]) -> None:
    compared = nonempty = 0
    settings_ = [(5, REVIEW_MIN), (8, REVIEW_MIN), (1, AUTO_MERGE), (50, 0.5)]
    for i, q in enumerate(queries):
        limit, min_score = settings_[i % len(settings_)]
        got, want = new.query(q, limit, min_score), old.query(q, limit, min_score)
        assert got == want, (q.raw, limit, min_score)
        compared += 1
        nonempty += bool(want)
    assert compared == len(queries)
    assert nonempty > len(queries) // 2  # the queries do find candidates


@pytest.mark.parametrize("always_signature", [False, True])
def test_low_cutoffs_and_width_ties_match_linear_scan(always_signature: bool) -> None:
    """Cutoffs below the one the index is laid out for (some lengths are read whole), and
    more hits than the width keeps."""
    entries, queries = realistic_corpus(800, 120, seed=7)
    new, old = _both(entries)
    with _signature_from(0 if always_signature else matching._SIGNATURE_FROM), _indexed():
        _compare_low_cutoffs(new, old, queries)


def _compare_low_cutoffs(new: NameIndex, old: LinearNameIndex,
                         queries: list[NormalizedName]) -> None:
    for i, q in enumerate(queries):
        for limit, min_score in [(5, 0.0), (5, 0.2), (3, 0.4), (2, 0.6), (5, 1.0)]:
            if (i + int(min_score * 10)) % 3:
                continue  # a third of the pairs: low cutoffs score many candidates
            assert new.query(q, limit, min_score) == old.query(q, limit, min_score), (
                q.raw, limit, min_score)


@pytest.mark.parametrize("indexed", [False, True])
def test_width_keeps_the_first_positions_on_ties(indexed: bool) -> None:
    """300 identical names: both keep the same 200 per field, the first added."""
    name = normalize_name("株式会社山田商事", furigana="ヤマダショウジ")
    entries = [(f"id{999 - k:03d}", name) for k in range(300)]  # later positions: smaller ids
    new, old = _both(entries)
    with _indexed(indexed):
        for q in ("山田商事", "ﾔﾏﾀﾞｼﾖｳｼﾞ(ｶ", "山田商"):
            got = new.query(normalize_name(q), limit=5)
            assert got == old.query(normalize_name(q), limit=5)
        # A kanji query without a reading reaches the names through their cores only.
        best = [("id800", 1.0), ("id801", 1.0), ("id802", 1.0)]
        assert new.query(normalize_name("山田商事株式会社"), limit=3) == best


def test_signature_popcount_fallback_and_pickle() -> None:
    """numpy < 2 counts bits by byte table; a pickled index answers the same."""
    words = np.random.default_rng(3).integers(0, 2**63, size=(500, 2), dtype=np.uint64) * 2 + 1
    assert (matching._popcount_bytes(words) == np.bitwise_count(words)).all()
    entries, queries = realistic_corpus(600, 150, seed=11)
    new, old = _both(entries)
    with (mock.patch.object(matching, "_popcount", matching._popcount_bytes), _signature_from(0),
          _indexed()):
        for q in queries:
            assert new.query(q) == old.query(q), q.raw
    copy = pickle.loads(pickle.dumps(new))
    for q in queries:
        assert copy.query(q) == old.query(q), q.raw


def test_min_score_above_one_is_an_error() -> None:
    index = NameIndex()
    index.add("a", normalize_name("山田商事"))
    try:
        index.query(normalize_name("山田商事"), min_score=1.5)
    except ValueError:
        return
    raise AssertionError("min_score > 1 accepted")


def test_small_corpus_through_the_index_matches_linear_scan() -> None:
    """Fields with few values are scored whole; here they go through the index structures."""
    entries, queries = realistic_corpus(300, 300, seed=5)
    new, old = _both(entries)
    settings_ = [(5, REVIEW_MIN), (8, REVIEW_MIN), (1, AUTO_MERGE), (50, 0.5), (3, 0.75)]
    with _indexed():
        for q in queries:
            for limit, min_score in settings_:
                assert new.query(q, limit, min_score) == old.query(q, limit, min_score), (
                    q.raw, limit, min_score)
        _compare_low_cutoffs(new, old, queries[:80])


@pytest.mark.parametrize("cutoff", [REVIEW_MIN - 1e-9, AUTO_MERGE - 1e-9, 0.5, 0.7 - 1e-9,
                                    0.75, 1.0 - 1e-9, 1.0])
def test_edit_bound_is_what_rapidfuzz_accepts(cutoff: float) -> None:
    """The edit bound the index uses is exactly the scorer's: any pair rapidfuzz keeps at the
    cutoff has at most that many edits, and some pair with that many is kept (rapidfuzz
    compares in single precision: a score of exactly 0.8 fails 0.8 − 1e-9)."""
    rng = random.Random(int(cutoff * 1000))
    alphabet = "アイウエオカキクケコ山田川中商事"
    for longer in range(1, 41):
        edits = matching._max_edits(longer, cutoff)
        base = "".join(rng.choice(alphabet) for _ in range(longer))
        for other_edits in range(longer + 1):
            other = "".join("ン" if i < other_edits else c for i, c in enumerate(base))
            kept = process.extractOne(base, [other], scorer=Levenshtein.normalized_similarity,
                                      score_cutoff=cutoff) is not None
            assert kept == (other_edits <= edits), (longer, other_edits, edits)
        for _ in range(20):  # indels and substitutions mixed, lengths up to ``longer``
            short = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, longer)))
            if process.extractOne(base, [short], scorer=Levenshtein.normalized_similarity,
                                  score_cutoff=cutoff) is not None:
                assert Levenshtein.distance(base, short) <= edits


def _long_corpus(seed: int) -> tuple[list[tuple[str, NormalizedName]], list[NormalizedName]]:
    """Long kanji names and registry readings, and queries two to six edits away from them."""
    rng = random.Random(seed)
    kana = "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワン"
    kanji = "山田川中村松本井上小林加藤吉田佐藤鈴木高橋伊藤渡辺商事工業建設運輸電機食品物産"

    def word(chars: str, low: int, high: int) -> str:
        return "".join(rng.choice(chars) for _ in range(rng.randint(low, high)))

    def edit(text: str, times: int) -> str:
        for _ in range(times):
            i = rng.randrange(len(text) + 1)
            op = rng.random()
            if op < 0.4 and i < len(text):
                text = text[:i] + rng.choice(kana) + text[i + 1:]
            elif op < 0.7:
                text = text[:i] + rng.choice(kana) + text[i:]
            elif i < len(text):
                text = text[:i] + text[i + 1:]
        return text or "ア"

    stems = [word(kana, 4, 9) for _ in range(12)]
    entries: list[tuple[str, NormalizedName]] = []
    readings: list[str] = []
    for i in range(900):
        reading = rng.choice(stems) + word(kana, 3, 22)
        readings.append(reading)
        entries.append((f"r{i}", normalize_name(f"株式会社{word(kanji, 8, 30)}", furigana=reading)))
        if rng.random() < 0.3:
            entries.append((f"r{i}", normalize_name(edit(reading, rng.randint(1, 3)))))
    queries = [normalize_name(edit(rng.choice(readings), rng.randint(0, 6)))
               for _ in range(250)]
    cores = [name.core for _, name in entries if not name.is_kana_only]
    queries += [normalize_name(edit(rng.choice(cores), rng.randint(0, 5))) for _ in range(150)]
    return entries, queries


@pytest.mark.parametrize("seed", [1, 2])
def test_long_names_match_linear_scan(seed: int) -> None:
    """Names of 10 to 40 characters: two edits and more allowed, through halves and thirds."""
    entries, queries = _long_corpus(seed)
    new, old = _both(entries)
    with _indexed():
        for q in queries:
            for limit, min_score in [(8, REVIEW_MIN), (3, AUTO_MERGE), (5, 0.7)]:
                assert new.query(q, limit, min_score) == old.query(q, limit, min_score), (
                    q.raw, limit, min_score)


def test_growing_index_matches_linear_scan() -> None:
    """Names added between queries (as the resolver adds the firms it mints) are found."""
    entries, queries = realistic_corpus(1200, 300, seed=13)
    long_entries, long_queries = _long_corpus(3)
    entries += long_entries
    rng = random.Random(4)
    rng.shuffle(entries)
    new, old = NameIndex(), LinearNameIndex()
    asked = queries + long_queries
    with ExitStack() as stack:
        stack.enter_context(_indexed())
        for step, (cid, name) in enumerate(entries):
            new.add(cid, name)
            old.add(cid, name)
            if step % 7 == 0:
                q = asked[step // 7 % len(asked)]
                assert new.query(q, 8) == old.query(q, 8), (step, q.raw)


def test_prefix_index_matches_block_scan() -> None:
    """The truncation-rule lookup returns what scanning the first-units block returns."""
    rng = random.Random(9)
    units = "アイウカキ\u3099"
    stems = ["".join(rng.choice(units) for _ in range(6)) for _ in range(4)]
    entries = [(pos, rng.choice(stems) + "".join(rng.choice(units)
                                                 for _ in range(rng.randint(0, 8))))
               for pos in range(3000)]
    index = matching._PrefixIndex()
    blocks: dict[str, list[tuple[int, str]]] = {}
    for pos, text in entries:
        index.add(pos, text)
        blocks.setdefault(text[:MIN_TRUNCATED_PREFIX], []).append((pos, text))
    for _ in range(400):
        query = rng.choice(stems) + "".join(rng.choice(units) for _ in range(rng.randint(0, 9)))
        found: set[int] = set()
        index.find(query, found)
        assert found == {pos for pos, other in blocks.get(query[:MIN_TRUNCATED_PREFIX], ())
                         if other.startswith(query) or query.startswith(other)}


# --- hypothesis ----------------------------------------------------------------------

_FRAGMENTS = [
    "山田", "山口", "田中", "中村", "商事", "商会", "工業", "建設", "第一", "第二", "1", "2",
    "ヤマダ", "シヨウジ", "シヨウカイ", "サービス", "ア", "イ", "ー", "ﾔﾏﾀﾞ", "ｼﾖｳｼﾞ", "ｼﾖｳｼ",
    "ﾄﾂﾄﾘ", "ﾞ", "ABC", "T&M", "株式会社", "有限会社", "(株)", "ｶ)", "(ｶ", "(ﾕ", " ", "山", "田",
]
_FURIGANA = [None, None, "ヤマダショウジ", "ヤマダショウカイ", "タナカコウギョウ", "ダイイチ",
             "ヤマグチ", "サービス"]

_raw = st.lists(st.sampled_from(_FRAGMENTS), min_size=1, max_size=6).map("".join)
_names = st.builds(normalize_name, _raw, st.sampled_from(_FURIGANA))
_odd = st.builds(normalize_name, st.text(alphabet="山田商ヤマダｼﾖｳﾞ一二 ", min_size=1, max_size=8))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    corpus=st.lists(st.one_of(_names, _odd), min_size=1, max_size=40),
    dup_ids=st.booleans(),
    queries=st.lists(st.one_of(_names, _odd), min_size=1, max_size=6),
    limit=st.sampled_from([1, 3, 5, 8]),
    min_score=st.sampled_from([0.0, 0.3, 0.5, 0.7, 0.75, 0.79, REVIEW_MIN, 0.85, AUTO_MERGE,
                               0.95, 1.0]),
    vectorised=st.booleans(),
    indexed=st.booleans(),
)
def test_hypothesis_matches_linear_scan(corpus: list[NormalizedName], dup_ids: bool,
                                        queries: list[NormalizedName], limit: int,
                                        min_score: float, vectorised: bool,
                                        indexed: bool) -> None:
    entries = [(f"c{i % 5 if dup_ids else i}", n) for i, n in enumerate(corpus)]
    new, old = _both(entries)
    with _signature_from(0 if vectorised else matching._SIGNATURE_FROM), _indexed(indexed):
        for q in queries + corpus[:3]:
            assert new.query(q, limit, min_score) == old.query(q, limit, min_score)


def test_the_same_name_of_the_same_id_is_indexed_once() -> None:
    """A load adds a firm's name once per client spelling it so; the repeats
    change no answer and are not scored again."""
    entries, queries = realistic_corpus(500, 200, seed=7)
    once, thrice = NameIndex(), NameIndex()
    for cid, name in entries:
        once.add(cid, name)
        for _ in range(3):
            thrice.add(cid, name)
    assert len(thrice) == len(once)
    for q in queries:
        assert thrice.query(q, limit=8) == once.query(q, limit=8)


def test_a_score_one_match_is_decided_by_its_close_runners_up() -> None:
    """The resolver first queries at ``ingest.resolve._CLOSE``: when that
    finds a candidate of score 1, it decides as a query at ``REVIEW_MIN``
    would (only runners-up within the ambiguity margin can change it)."""
    from ingest.matching import decide
    from ingest.resolve import _CLOSE

    entries, queries = realistic_corpus(3000, 1200, seed=11)
    index = NameIndex()
    for cid, name in entries:
        index.add(cid, name)
    outcomes: list[str] = []
    for q in [*queries, *(name for _, name in entries[::7])]:
        close = index.query(q, limit=8, min_score=_CLOSE)
        if close and close[0][1] >= 1.0:
            outcomes.append(decide(close).outcome)
            assert decide(close) == decide(index.query(q, limit=8)), q
    # common, and reviews among them (a runner-up within the margin: the 300 twins)
    assert outcomes.count("auto_merge") > 300 and outcomes.count("review") > 10
