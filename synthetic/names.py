"""Name building blocks with known readings, legal forms and bank kana.

Why: entity resolution is tested on names whose truth is known. Every firm
name is built from a core whose katakana reading is known (kanji compounds
from 山陰 surnames and places, katakana brands), so the NTA furigana and
the bank-kana spelling (half-width, small kana written large, legal-form
marker ``ｶ)`` / ``(ｶ``, cut to 30 bytes) follow from the name exactly.
"""

from __future__ import annotations

import functools
import unicodedata
from dataclasses import dataclass

import jaconv
import numpy as np

__all__ = [
    "LegalForm", "LEGAL_FORMS", "SOLE", "FirmName", "make_names", "bank_kana",
    "to_bank_kana", "fullwidth", "cut_bytes",
]


@dataclass(frozen=True, slots=True)
class LegalForm:
    """A legal form: full name, short forms, NTA kind code, bank-kana mark."""

    key: str
    full: str
    short: tuple[str, ...]
    kind: str  # NTA 法人種別 code; "" for sole proprietors
    kana: str  # bank-kana abbreviation


LEGAL_FORMS: dict[str, LegalForm] = {
    "kk": LegalForm("kk", "株式会社", ("(株)", "（株）", "㈱"), "301", "ｶ"),
    "yk": LegalForm("yk", "有限会社", ("(有)", "（有）", "㈲"), "302", "ﾕ"),
    "gm": LegalForm("gm", "合名会社", ("(名)",), "303", "ﾒ"),
    "gs": LegalForm("gs", "合資会社", ("(資)",), "304", "ｼ"),
    "gk": LegalForm("gk", "合同会社", ("(同)",), "305", "ﾄﾞ"),
    "iryo": LegalForm("iryo", "医療法人", ("(医)",), "399", "ｲ"),
    "fuku": LegalForm("fuku", "社会福祉法人", ("(福)",), "399", "ﾌｸ"),
    "shadan": LegalForm("shadan", "一般社団法人", ("(一社)",), "399", "ｼﾔ"),
    "sole": LegalForm("sole", "", (), "", ""),
}
SOLE = "sole"

SURNAMES = [
    ("田中", "タナカ"), ("山本", "ヤマモト"), ("松本", "マツモト"), ("山根", "ヤマネ"),
    ("福田", "フクダ"), ("藤原", "フジワラ"), ("佐々木", "ササキ"), ("小林", "コバヤシ"),
    ("田村", "タムラ"), ("足立", "アダチ"), ("石田", "イシダ"), ("中村", "ナカムラ"),
    ("吉田", "ヨシダ"), ("伊藤", "イトウ"), ("高橋", "タカハシ"), ("安田", "ヤスダ"),
    ("森山", "モリヤマ"), ("岡田", "オカダ"), ("山崎", "ヤマサキ"), ("門脇", "カドワキ"),
    ("景山", "カゲヤマ"), ("渡部", "ワタナベ"), ("前田", "マエダ"), ("井上", "イノウエ"),
    ("木村", "キムラ"), ("清水", "シミズ"), ("竹内", "タケウチ"), ("三島", "ミシマ"),
    ("坂本", "サカモト"), ("岩崎", "イワサキ"), ("遠藤", "エンドウ"), ("野津", "ノツ"),
    ("錦織", "ニシコリ"), ("石倉", "イシクラ"), ("大野", "オオノ"), ("村上", "ムラカミ"),
    ("長谷川", "ハセガワ"), ("西村", "ニシムラ"), ("岸本", "キシモト"), ("松田", "マツダ"),
    ("永井", "ナガイ"), ("細田", "ホソダ"), ("矢田", "ヤダ"), ("池田", "イケダ"),
    ("上田", "ウエダ"), ("谷口", "タニグチ"), ("橋本", "ハシモト"), ("青木", "アオキ"),
    ("川本", "カワモト"), ("金田", "カネダ"), ("安部", "アベ"), ("小川", "オガワ"),
    ("宮本", "ミヤモト"), ("野村", "ノムラ"), ("藤井", "フジイ"), ("桑原", "クワバラ"),
    ("勝部", "カツベ"), ("周藤", "スドウ"), ("和田", "ワダ"), ("杉原", "スギハラ"),
    ("内田", "ウチダ"), ("高木", "タカギ"), ("槇原", "マキハラ"), ("陶山", "スヤマ"),
    ("山田", "ヤマダ"), ("渡辺", "ワタナベ"), ("島田", "シマダ"), ("長尾", "ナガオ"),
]
PLACES = [
    ("山陰", "サンイン"), ("出雲", "イズモ"), ("松江", "マツエ"), ("米子", "ヨナゴ"),
    ("鳥取", "トットリ"), ("倉吉", "クラヨシ"), ("境港", "サカイミナト"), ("大山", "ダイセン"),
    ("宍道", "シンジ"), ("安来", "ヤスギ"), ("浜田", "ハマダ"), ("益田", "マスダ"),
    ("隠岐", "オキ"), ("石見", "イワミ"), ("因幡", "イナバ"), ("伯耆", "ホウキ"),
    ("日野", "ヒノ"), ("智頭", "チズ"), ("八頭", "ヤズ"), ("湖山", "コヤマ"),
    ("雲南", "ウンナン"), ("大田", "オオダ"), ("江津", "ゴウツ"), ("美保", "ミホ"),
    ("中海", "ナカウミ"), ("弓浜", "ユミハマ"), ("皆生", "カイケ"), ("三朝", "ミササ"),
    ("琴浦", "コトウラ"), ("北栄", "ホクエイ"), ("湯梨浜", "ユリハマ"), ("津和野", "ツワノ"),
    ("津山", "ツヤマ"), ("三次", "ミヨシ"), ("庄原", "ショウバラ"), ("蒜山", "ヒルゼン"),
]
AUSPICIOUS = [
    ("大和", "ヤマト"), ("共栄", "キョウエイ"), ("協和", "キョウワ"), ("三和", "サンワ"),
    ("日本海", "ニホンカイ"), ("朝日", "アサヒ"), ("大栄", "ダイエイ"), ("昭和", "ショウワ"),
    ("平和", "ヘイワ"), ("富士", "フジ"), ("東洋", "トウヨウ"), ("中央", "チュウオウ"),
    ("新光", "シンコウ"), ("第一", "ダイイチ"), ("栄光", "エイコウ"), ("丸山", "マルヤマ"),
    ("白兎", "ハクト"), ("千代", "チヨ"), ("双葉", "フタバ"), ("若葉", "ワカバ"),
]
KATA = [
    "サンライズ", "アクア", "グリーン", "テクノ", "ライフ", "ネクスト", "フロンティア",
    "オーシャン", "エコ", "スマイル", "ハート", "リンク", "クリエイト", "プラス", "ユニオン",
    "マリン", "ブルー", "スカイ", "ビジョン", "トラスト", "ベスト", "ハーベスト", "コスモ",
    "アルファ", "ファイン", "ミライ", "キャッスル", "ポート",
]
LATIN = [("ABC", "エービーシー"), ("K-TEC", "ケーテック"), ("SANIN", "サンイン"),
         ("NEXT", "ネクスト"), ("T&M", "ティーアンドエム"), ("MIHO", "ミホ")]
GIVEN = [
    ("太郎", "タロウ"), ("一郎", "イチロウ"), ("健一", "ケンイチ"), ("誠", "マコト"),
    ("浩", "ヒロシ"), ("修", "オサム"), ("隆", "タカシ"), ("美智子", "ミチコ"),
    ("京子", "キョウコ"), ("由美", "ユミ"), ("和子", "カズコ"), ("直樹", "ナオキ"),
    ("大輔", "ダイスケ"), ("翔太", "ショウタ"), ("裕子", "ユウコ"), ("幸子", "サチコ"),
    ("茂", "シゲル"), ("清", "キヨシ"), ("明美", "アケミ"), ("健太", "ケンタ"),
    ("正人", "マサト"), ("恵子", "ケイコ"), ("智也", "トモヤ"), ("優子", "ユウコ"),
]

# Industry word by JSIC division (and retail vs wholesale inside I).
SUFFIXES: dict[str, list[tuple[str, str]]] = {
    "A": [("農園", "ノウエン"), ("農産", "ノウサン"), ("林業", "リンギョウ"), ("ファーム", "ファーム")],
    "B": [("水産", "スイサン"), ("漁業", "ギョギョウ"), ("海産", "カイサン")],
    "C": [("砕石", "サイセキ"), ("石材", "セキザイ"), ("鉱業", "コウギョウ")],
    "D": [("建設", "ケンセツ"), ("工務店", "コウムテン"), ("土木", "ドボク"), ("組", "グミ"),
          ("設備", "セツビ"), ("電設", "デンセツ"), ("塗装", "トソウ"), ("建工", "ケンコウ")],
    "E": [("製作所", "セイサクショ"), ("工業", "コウギョウ"), ("精工", "セイコウ"),
          ("鉄工所", "テッコウショ"), ("食品", "ショクヒン"), ("製菓", "セイカ"),
          ("酒造", "シュゾウ"), ("木材", "モクザイ"), ("印刷", "インサツ"), ("電機", "デンキ"),
          ("化成", "カセイ"), ("縫製", "ホウセイ"), ("工機", "コウキ")],
    "F": [("電力", "デンリョク"), ("ガス", "ガス"), ("エネルギー", "エネルギー")],
    "G": [("システム", "システム"), ("情報", "ジョウホウ"), ("ソフト", "ソフト"), ("通信", "ツウシン")],
    "H": [("運輸", "ウンユ"), ("運送", "ウンソウ"), ("物流", "ブツリュウ"), ("交通", "コウツウ"),
          ("海運", "カイウン")],
    "Iw": [("商事", "ショウジ"), ("物産", "ブッサン"), ("商会", "ショウカイ"), ("産業", "サンギョウ"),
           ("通商", "ツウショウ"), ("興産", "コウサン")],
    "Ir": [("商店", "ショウテン"), ("ストア", "ストア"), ("薬局", "ヤッキョク"), ("酒店", "サケテン"),
           ("電器", "デンキ"), ("書店", "ショテン"), ("石油", "セキユ")],
    "J": [("保険サービス", "ホケンサービス"), ("ファイナンス", "ファイナンス")],
    "K": [("不動産", "フドウサン"), ("地所", "ジショ"), ("リース", "リース"), ("住宅", "ジュウタク")],
    "L": [("設計", "セッケイ"), ("測量", "ソクリョウ"), ("コンサルタント", "コンサルタント"),
          ("技研", "ギケン")],
    "M": [("旅館", "リョカン"), ("食堂", "ショクドウ"), ("観光", "カンコウ"), ("ホテル", "ホテル"),
          ("フーズ", "フーズ")],
    "N": [("美容", "ビヨウ"), ("クリーニング", "クリーニング"), ("理容", "リヨウ"), ("レジャー", "レジャー")],
    "O": [("学院", "ガクイン"), ("教育", "キョウイク"), ("塾", "ジュク")],
    "P": [("会", "カイ"), ("福祉会", "フクシカイ")],  # 医療法人 / 社会福祉法人
    "Pk": [("ケア", "ケア"), ("介護", "カイゴ"), ("調剤薬局", "チョウザイヤッキョク")],  # companies
    "Q": [("サービス", "サービス")],
    "R": [("サービス", "サービス"), ("警備", "ケイビ"), ("清掃", "セイソウ"), ("メンテナンス", "メンテナンス")],
    "S": [("振興公社", "シンコウコウシャ")],
    "T": [("企画", "キカク"), ("総業", "ソウギョウ")],
}


@dataclass(frozen=True, slots=True)
class FirmName:
    """A firm's official name and its parts.

    ``core``/``reading``: the name without legal form, and its katakana
    reading; ``form``: key of :data:`LEGAL_FORMS`; ``prefix``: legal form
    written before the core (前株) or after (後株); ``owner``/``owner_reading``:
    the natural person behind a sole proprietor (empty for corporations).
    """

    core: str
    reading: str
    form: str
    prefix: bool
    owner: str = ""
    owner_reading: str = ""

    @property
    def official(self) -> str:
        if self.form == SOLE:
            return self.core
        lf = LEGAL_FORMS[self.form].full
        return f"{lf}{self.core}" if self.prefix else f"{self.core}{lf}"


def _core_candidates(rng: np.random.Generator, group: str) -> tuple[str, str]:
    suffix, sread = SUFFIXES[group][int(rng.integers(len(SUFFIXES[group])))]
    kind = rng.random()
    if kind < 0.35:
        c, r = SURNAMES[int(rng.integers(len(SURNAMES)))]
    elif kind < 0.55:
        c, r = PLACES[int(rng.integers(len(PLACES)))]
    elif kind < 0.65:
        c, r = AUSPICIOUS[int(rng.integers(len(AUSPICIOUS)))]
    elif kind < 0.75:
        k = KATA[int(rng.integers(len(KATA)))]
        c, r = k, k
    elif kind < 0.78:
        c, r = LATIN[int(rng.integers(len(LATIN)))]
    elif kind < 0.9:
        p, pr = PLACES[int(rng.integers(len(PLACES)))]
        k = KATA[int(rng.integers(len(KATA)))]
        c, r = p + k, pr + k
    else:
        p, pr = PLACES[int(rng.integers(len(PLACES)))]
        s, sr = SURNAMES[int(rng.integers(len(SURNAMES)))]
        c, r = p + s, pr + sr
    return c + suffix, r + sread


def make_names(rng: np.random.Generator, groups: list[str], forms: list[str]) -> list[FirmName]:
    """Unique names (by core) for firms of the given suffix groups and forms."""
    used: set[str] = set()
    out: list[FirmName] = []
    for group, form in zip(groups, forms, strict=True):
        if form == SOLE:
            s, sr = SURNAMES[int(rng.integers(len(SURNAMES)))]
            g, gr = GIVEN[int(rng.integers(len(GIVEN)))]
            owner, oread = f"{s} {g}", f"{sr} {gr}"
            if rng.random() < 0.5:  # trades under the owner's name
                core, read = f"{s}{g}", f"{sr}{gr}"
            else:
                suf, sur = SUFFIXES[group][int(rng.integers(len(SUFFIXES[group])))]
                core, read = s + suf, sr + sur
            # sole proprietors may share names (they are people); keep them apart anyway
            base, n = core, 2
            while core in used:
                p, pr = PLACES[int(rng.integers(len(PLACES)))]
                core, read = (p + base, pr + read) if n == 2 else (f"{p}{base}{n}", read)
                n += 1
            used.add(core)
            out.append(FirmName(core, read, form, False, owner, oread))
            continue
        for attempt in range(50):
            core, read = _core_candidates(rng, group)
            if core not in used:
                break
            if attempt == 49:
                core = f"{core}{len(used)}"
        used.add(core)
        prefix = bool(rng.random() < (0.5 if form == "kk" else 0.3))
        if form in ("iryo", "fuku", "shadan"):
            prefix = True
        out.append(FirmName(core, read, form, prefix))
    return out


_SMALL = str.maketrans("ｧｨｩｪｫｯｬｭｮ", "ｱｲｳｴｵﾂﾔﾕﾖ")
_ZENGIN_OK = set("ｱｲｳｴｵｶｷｸｹｺｻｼｽｾｿﾀﾁﾂﾃﾄﾅﾆﾇﾈﾉﾊﾋﾌﾍﾎﾏﾐﾑﾒﾓﾔﾕﾖﾗﾘﾙﾚﾛﾜｦﾝﾞﾟｰ"
                 "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ().-/,")


def to_bank_kana(reading: str) -> str:
    """Half-width bank kana of a katakana/ASCII reading (small kana large)."""
    s = jaconv.z2h(jaconv.hira2kata(reading), kana=True, digit=True, ascii=True)
    s = s.translate(_SMALL).upper().replace("&", " ").replace("ｦ", "ｵ")
    return "".join(ch if ch in _ZENGIN_OK else " " for ch in s)


def cut_bytes(text: str, n: int) -> str:
    """Cut ``text`` to at most ``n`` cp932 bytes (never inside a character)."""
    if len(text.encode("cp932")) <= n:
        return text
    out, size = [], 0
    for ch in text:
        b = len(ch.encode("cp932"))
        if size + b > n:
            break
        out.append(ch)
        size += b
    return "".join(out)


@functools.lru_cache(maxsize=1 << 18)
def bank_kana(name: FirmName, limit: int = 30) -> str:
    """Account-holder name as a bank writes it, cut to ``limit`` bytes.

    ``ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ`` for 株式会社山田商事, ``ﾔﾏﾀﾞｼﾖｳｼﾞ(ｶ`` for 山田商事株式会社,
    the owner's name (``ﾔﾏﾀﾞ ﾀﾛｳ``) for a sole proprietor.
    """
    if name.form == SOLE:
        return cut_bytes(to_bank_kana(name.owner_reading), limit)
    mark = LEGAL_FORMS[name.form].kana
    core = to_bank_kana(name.reading)
    s = f"{mark}){core}" if name.prefix else f"{core}({mark}"
    return cut_bytes(s, limit)


def fullwidth(text: str) -> str:
    """ASCII letters, digits and symbols as full-width (NTA registry style)."""
    return jaconv.h2z(unicodedata.normalize("NFKC", text), kana=True, digit=True, ascii=True)
