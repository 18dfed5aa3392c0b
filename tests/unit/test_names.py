"""Company-name normalisation: legal forms in every spelling, readings, sole proprietors."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.names import (
    LEGAL_FORMS,
    is_kana_text,
    is_sole_proprietor,
    legal_forms_conflict,
    normalize_name,
    reading_key,
)

YAMADA_SPELLINGS = [
    ("株式会社山田商事", "before"),
    ("株式会社　山田商事", "before"),
    ("(株)山田商事", "before"),
    ("（株）山田商事", "before"),
    ("㈱山田商事", "before"),
    ("㍿山田商事", "before"),
    ("山田商事株式会社", "after"),
    ("山田商事(株)", "after"),
    ("山田商事㈱", "after"),
    ("山田商事 ㍿", "after"),
    ("(株) 山田 商事", "before"),
]


@pytest.mark.parametrize(("raw", "position"), YAMADA_SPELLINGS)
def test_kabushiki_spellings_share_one_core(raw: str, position: str) -> None:
    n = normalize_name(raw)
    assert n.core == "山田商事"
    assert n.legal_form == "kabushiki"
    assert n.position == position
    assert n.kind == "corporation"
    assert not n.is_kana_only
    assert n.reading is None


@pytest.mark.parametrize(
    ("raw", "form"),
    [
        ("有限会社山田商事", "yugen"), ("(有)山田商事", "yugen"), ("㈲山田商事", "yugen"),
        ("合同会社山田商事", "godo"), ("山田商事(同)", "godo"),
        ("合名会社山田商事", "gomei"), ("山田商事(名)", "gomei"), ("㈴山田商事", "gomei"),
        ("合資会社山田商事", "goshi"), ("(資)山田商事", "goshi"), ("㈾山田商事", "goshi"),
        ("一般社団法人山田商事", "ippan_shadan"), ("一般財団法人山田商事", "ippan_zaidan"),
        ("公益財団法人山田商事", "koeki_zaidan"), ("医療法人山田商事", "iryo"),
        ("医療法人社団山田商事", "iryo"), ("社会福祉法人山田商事", "shakai_fukushi"),
        ("学校法人山田商事", "gakko"), ("特定非営利活動法人山田商事", "npo"),
        ("NPO法人山田商事", "npo"), ("ＮＰＯ法人山田商事", "npo"), ("税理士法人山田商事", "zeirishi"),
        ("弁護士法人山田商事", "bengoshi"), ("監査法人山田商事", "kansa"),
    ],
)
def test_legal_forms(raw: str, form: str) -> None:
    n = normalize_name(raw)
    assert n.legal_form == form
    assert n.legal_form in LEGAL_FORMS
    assert n.core == "山田商事"


@pytest.mark.parametrize(
    ("raw", "form", "position"),
    [
        ("ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ", "kabushiki", "before"),
        ("ﾔﾏﾀﾞｼﾖｳｼﾞ(ｶ", "kabushiki", "after"),
        ("ﾔﾏﾀﾞｼﾖｳｼﾞ(ｶ)", "kabushiki", "after"),
        ("(ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ", "kabushiki", "before"),
        ("ｶ) ﾔﾏﾀﾞｼﾖｳｼﾞ", "kabushiki", "before"),
        ("ﾕ)ﾔﾏﾀﾞｼﾖｳｼﾞ", "yugen", "before"),
        ("ﾔﾏﾀﾞｼﾖｳｼﾞ(ﾕ", "yugen", "after"),
        ("ﾄﾞ)ﾔﾏﾀﾞｼﾖｳｼﾞ", "godo", "before"),
        ("ﾔﾏﾀﾞｼﾖｳｼﾞ(ﾄﾞ", "godo", "after"),
        ("ﾒ)ﾔﾏﾀﾞｼﾖｳｼﾞ", "gomei", "before"),
        ("ｼ)ﾔﾏﾀﾞｼﾖｳｼﾞ", "goshi", "before"),
        ("ｲ)ﾔﾏﾀﾞｼﾖｳｼﾞ", "iryo", "before"),
        ("ｻﾞｲ)ﾔﾏﾀﾞｼﾖｳｼﾞ", "zaidan", "before"),
        ("ﾔﾏﾀﾞｼﾖｳｼﾞ(ｻﾞｲ", "zaidan", "after"),
        ("ｼﾔ)ﾔﾏﾀﾞｼﾖｳｼﾞ", "shadan", "before"),
        ("ｶﾞｸ)ﾔﾏﾀﾞｼﾖｳｼﾞ", "gakko", "before"),
        ("ﾌｸ)ﾔﾏﾀﾞｼﾖｳｼﾞ", "shakai_fukushi", "before"),
        ("ﾄｸﾋ)ﾔﾏﾀﾞｼﾖｳｼﾞ", "npo", "before"),
        ("ｾﾞｲ)ﾔﾏﾀﾞｼﾖｳｼﾞ", "zeirishi", "before"),  # ｾﾞｲ, not ｲ
        ("ﾔﾏﾀﾞｼﾖｳｼﾞ(ｾﾞｲ", "zeirishi", "after"),
        ("ｶ)ﾔﾏﾀﾞｼｮｳｼﾞ", "kabushiki", "before"),  # small kana in an internet-banking CSV
        ("ｶﾌﾞｼｷｶﾞｲｼﾔ ﾔﾏﾀﾞｼﾖｳｼﾞ", "kabushiki", "before"),
    ],
)
def test_bank_kana_markers(raw: str, form: str, position: str) -> None:
    n = normalize_name(raw)
    assert (n.legal_form, n.position) == (form, position)
    assert n.core == "ヤマダシヨウジ"
    assert n.reading == "ヤマダシヨウジ"
    assert n.is_kana_only
    assert n.kind == "corporation"


def test_middle_marker_separates_branch() -> None:
    n = normalize_name("ﾔﾏﾀﾞ(ｶ)ﾄｳｷﾖｳｼﾃﾝ")
    assert (n.core, n.legal_form, n.position, n.branch) == ("ヤマダ", "kabushiki", "middle", "トウキヨウシテン")
    k = normalize_name("山田商事株式会社 東京支店")
    assert (k.core, k.position, k.branch) == ("山田商事", "middle", "東京支店")
    # A trailing branch token without a middle marker is split off as well.
    b = normalize_name("株式会社山田商事 大阪営業所")
    assert (b.core, b.position, b.branch) == ("山田商事", "before", "大阪営業所")


def test_nfkc_latin_digits_punctuation() -> None:
    assert normalize_name("株式会社ｓｏｕｖｅｎｉｒ").core == "SOUVENIR"
    assert normalize_name("有限会社ＨＡＰ観光").core == "HAP観光"
    assert normalize_name("株式会社Ｔ＆Ｍコンサルティング").core == "TMコンサルテイング"
    assert normalize_name("(株)エヌ・ティ・ティ・データ").core == "エヌテイテイデータ"
    assert normalize_name("第１工業（株）").core == "第1工業"


def test_variant_kanji_and_honorifics_are_folded() -> None:
    assert normalize_name("髙橋工業（有）").core == "高橋工業"
    assert normalize_name("山﨑建設㈱").core == "山崎建設"
    assert normalize_name("(株)山田商事 御中").core == "山田商事"
    assert normalize_name("山田商事様").core == "山田商事"


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("ｷﾕｳﾖ", "キユウヨ"),
        ("キュウヨ", "キユウヨ"),
        ("きゅうよ", "キユウヨ"),
        ("ｼｬｯﾀｰ", "シヤツター"),
        ("シャッター", "シヤツター"),
        ("ｺ-ﾋ-", "コーヒー"),  # hyphen for the long vowel in bank kana
        ("ｳﾞｨﾗ", "ヴイラ"),
        ("ウ゛ィラ", "ヴイラ"),  # stand-alone voiced mark
        ("ヴィラ", "ヴイラ"),
        ("ヶ", "ケ"),
        ("ﾔﾏﾀﾞ ｼﾖｳｼﾞ", "ヤマダシヨウジ"),
        ("カブシキガイシャヤマダショウジ", "ヤマダシヨウジ"),
        ("ﾊﾟﾝ", "パン"),
    ],
)
def test_reading_key(text: str, key: str) -> None:
    assert reading_key(text) == key


def test_furigana_becomes_reading_of_kanji_name() -> None:
    n = normalize_name("山田商事株式会社", furigana="ヤマダショウジ")
    assert n.reading == "ヤマダシヨウジ"
    assert not n.is_kana_only
    assert normalize_name("山田商事株式会社", furigana="  ").reading is None


def test_is_kana_text() -> None:
    assert is_kana_text("ヤマダ")
    assert is_kana_text("ABCシステム")
    assert not is_kana_text("山田ヤマダ")
    assert not is_kana_text("ABC")
    assert not is_kana_text("ー")


def test_legal_form_conflict() -> None:
    assert legal_forms_conflict("kabushiki", "yugen")
    assert not legal_forms_conflict("kabushiki", None)
    assert not legal_forms_conflict("shadan", "ippan_shadan")  # ｼﾔ cannot tell 一般 from 公益
    assert legal_forms_conflict("shadan", "zaidan")


@pytest.mark.parametrize(
    "raw",
    [
        "山田 太郎", "山田　太郎", "ﾔﾏﾀﾞ ﾀﾛｳ", "ヤマダ タロウ", "山田商店 山田太郎",
        "山田商店 山田 太郎", "ﾔﾏﾀﾞｼﾖｳﾃﾝ ﾀﾞｲﾋﾖｳ ﾔﾏﾀﾞ ﾀﾛｳ", "山田太郎(個人)", "個人 山田太郎",
        "代表 山田太郎", "やまだ食堂 店主 山田花子", "中村 一郎", "阿部 さくら", "長谷川 健一様",
        "山田屋 山田一郎", "山田太郎", "井上優子", "大野隆", "田中さくら", "佐々木正人 佐々木正人",
        "日野岸本ファーム（岸本京子）", "西村メンテナンス 西村浩",
    ],
)
def test_sole_proprietor_positive(raw: str) -> None:
    assert is_sole_proprietor(raw)
    assert normalize_name(raw).kind == "sole_proprietor"


@pytest.mark.parametrize(
    "raw",
    [
        "株式会社 山田 太郎",  # a legal form is never a sole proprietor
        "ｶ)ﾔﾏﾀﾞ ﾀﾛｳ",
        "富士通",  # no space and no common surname
        "井上商店",  # a trade name alone may be a corporation without its legal form
        "松田警備",
        "長谷川介護",
        "中村屋",
        "青木酒店",
        "山田商事",
        "鳥取簡易裁判所",
        "鳥取県 鳥取市",
        "鳥取市 水道局",
        "日本 電気",
        "山田商事 東京支店",
        "ｿﾆ- ｽﾄｱ",
        "ﾄﾂﾄﾘｼ ｽｲﾄﾞｳｷﾖｸ",
        "山田商事 御中",
        "ABC CORPORATION",
        "個人情報保護委員会",
    ],
)
def test_sole_proprietor_negative(raw: str) -> None:
    assert not is_sole_proprietor(raw)
    assert normalize_name(raw).kind != "sole_proprietor"


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=40))
def test_normalize_never_raises_and_core_is_squeezed(raw: str) -> None:
    n = normalize_name(raw)
    assert not any(ch.isspace() for ch in n.core)
    assert n.core == n.core.upper()
    assert (n.legal_form is None) == (n.position is None)
    if n.legal_form is not None:
        assert n.kind == "corporation"
        assert not is_sole_proprietor(raw)


@settings(max_examples=100, deadline=None)
@given(st.sampled_from([r for r, _ in YAMADA_SPELLINGS]), st.sampled_from(["", " ", "　"]))
def test_whitespace_around_does_not_matter(raw: str, pad: str) -> None:
    assert normalize_name(pad + raw + pad).core == "山田商事"


@pytest.mark.parametrize(
    ("raw", "form", "position"),
    [("(株山田商事", "kabushiki", "before"), ("山田商事有）", "yugen", "after"),
     ("株会社山田商事", "kabushiki", "before"), ("山田商事株式会", "kabushiki", "after"),
     ("有限社 山田商事", "yugen", "before"), ("山田商事 式会社", "kabushiki", "after")],
)
def test_damaged_legal_forms(raw: str, form: str, position: str) -> None:
    n = normalize_name(raw)
    assert (n.core, n.legal_form, n.position) == ("山田商事", form, position)


def test_words_that_only_look_like_damaged_forms_stay() -> None:
    assert normalize_name("山田投資会社").core == "山田投資会社"
    assert normalize_name("山田共同会社").legal_form is None
