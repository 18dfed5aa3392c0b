"""One name per firm: the display name among spellings, and the search keys."""

from __future__ import annotations

import itertools

import pytest

from domain.search import number_query, query_key, search_key, search_keys
from ingest.firm_names import display_name, formality, tidy_spelling

SPELLINGS = ["ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ", "ﾔﾏﾀﾞｼﾖｳｼﾞ", "ヤマダ商事", "山田商事", "(株)山田商事", "山田商事株式会社"]


@pytest.mark.parametrize("order", list(itertools.permutations(SPELLINGS[-3:])) + [tuple(SPELLINGS)])
def test_the_most_formal_spelling_wins_whatever_came_first(order: tuple[str, ...]) -> None:
    assert display_name(order) == "山田商事株式会社"


def test_formality_ranks_kanji_with_legal_form_first_and_half_width_kana_last() -> None:
    ranked = sorted(SPELLINGS, key=formality, reverse=True)
    assert ranked[0] == "山田商事株式会社"
    assert ranked[1] == "(株)山田商事"
    assert set(ranked[-2:]) == {"ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ", "ﾔﾏﾀﾞｼﾖｳｼﾞ"}
    assert formality("ヤマダショウジ") > formality("ﾔﾏﾀﾞｼﾖｳｼﾞ")  # full-width before half-width kana
    assert formality("ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ") > formality("ﾔﾏﾀﾞｼﾖｳｼﾞ")  # a legal form, even abbreviated
    assert formality("山田商事株式会社") > formality("山田商事株式会")  # cut short at the field's end


def test_a_branch_or_an_honorific_is_not_the_firm_name() -> None:
    assert display_name(["山田商事株式会社 東京支店", "山田商事株式会社"]) == "山田商事株式会社"
    assert display_name(["山田商事株式会社御中", "山田商事(株)"]) == "山田商事(株)"


def test_registry_name_wins_over_every_spelling() -> None:
    assert display_name(["山田商事株式会社"], registry_name="株式会社山田商事") == "株式会社山田商事"
    assert display_name([], registry_name="  株式会社　山田商事 ") == "株式会社 山田商事"
    assert display_name(["山田商事株式会社"], registry_name="  ") == "山田商事株式会社"


def test_ties_go_to_the_spelling_seen_most_then_code_point_order() -> None:
    assert display_name({"山田商事(株)": 1, "(株)山田商事": 3}) == "(株)山田商事"
    assert display_name({"山田商事(株)": 2, "(株)山田商事": 2}) == "(株)山田商事"
    assert display_name(["山田商事(株)", "(株)山田商事"]) == display_name(["(株)山田商事", "山田商事(株)"])


def test_spaces_are_normalised_and_spellings_differing_only_in_spaces_are_one() -> None:
    assert tidy_spelling("  東洋精機　　株式会社\t") == "東洋精機 株式会社"
    assert display_name({"東洋精機　株式会社": 1, "東洋精機 株式会社": 1, "東洋精機(株)": 1}) == "東洋精機 株式会社"
    assert display_name([]) is None
    assert display_name(["", "   "]) is None


@pytest.mark.parametrize(("text", "key"), [
    ("ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ", "カヤマダシヨウジ"),
    ("ﾔﾏﾀﾞ", "ヤマダ"),
    ("ヤマダ", "ヤマダ"),
    ("やまだ", "ヤマダ"),
    ("やまだ しょうじ", "ヤマダシヨウジ"),  # small kana written large, as banks must
    ("キャノン", "キヤノン"),
    ("ｺ-ﾋ-", "コーヒー"),  # a hyphen after kana is the long vowel
    ("山田商事 株式会社", "山田商事株式会社"),
    ("㈱山田", "株山田"),
    ("Ｙａｍａｄａ　1", "YAMADA1"),
    ("・()　", ""),
])
def test_search_key(text: str, key: str) -> None:
    assert search_key(text) == key


def test_query_key_drops_the_legal_form_unless_nothing_else_is_left() -> None:
    assert query_key("株式会社山田商事") == "山田商事"
    assert query_key("(株)山田") == "山田"
    assert query_key("ﾔﾏﾀﾞｼﾖｳｼﾞ(ｶ") == "ヤマダシヨウジ"
    assert query_key("ｶ)ﾔﾏﾀﾞ") == "ヤマダ"
    assert query_key("ｶﾌﾞｼｷｶﾞｲｼｬﾔﾏﾀﾞ") == "ヤマダ"
    assert query_key("株式会社") == "株式会社"
    assert query_key("カシマ") == "カシマ"  # カ only as a bank abbreviation, with its parenthesis


def test_half_width_full_width_and_hiragana_queries_meet_the_same_keys() -> None:
    stored = search_keys(["ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ", "山田商事株式会社", None])
    for q in ("ﾔﾏﾀﾞ", "ヤマダ", "やまだ", "山田", "株式会社山田商事", "ヤマダショウジ"):
        assert any(query_key(q) in k for k in stored), q


def test_number_query() -> None:
    assert number_query("T1234567890123") == "1234567890123"
    assert number_query("１２３４-５６７８") == "12345678"
    assert number_query("山田") == ""
    assert number_query("12345678901234") == ""
