"""Bank statement reader: the banks' own downloads, built-in layouts A/B/C, header-word
inference, TOML layouts, properties.

The per-bank fixtures in tests/fixtures/ledgers/banks/ are shaped like each bank's real
download; make_bank_fixtures.py there names the public parser or test file each shape comes
from (also in BUILTIN_LAYOUTS[...].source). Every fixture exists in cp932 and in UTF-8.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.decode import EncodingError
from ingest.readers.bank import (
    BUILTIN_LAYOUTS,
    DEFAULT_SKIP_WORDS,
    counterparty_from_columns,
    counterparty_from_memo,
    find_layout,
    infer_layout,
    load_bank_layout,
    read_bank,
)
from ingest.readers.detect import FormatError
from ingest.records import Direction, LedgerLine, Reject, Skipped

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "ledgers"
BANKS = FIX / "banks"
EXAMPLE = Path(__file__).resolve().parents[2] / "ingest" / "data" / "bank_layouts" / "example.toml"
PROP = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
Result = LedgerLine | Reject | Skipped
P, RC = Direction.PAYMENT, Direction.RECEIPT


def summary(path: Path, **kw: object) -> dict[int, tuple[object, ...]]:
    out: dict[int, tuple[object, ...]] = {}
    for r in read_bank(path, **kw):  # type: ignore[arg-type]
        assert r.line not in out
        if isinstance(r, LedgerLine):
            out[r.line] = ("L", r.direction, r.amount, r.counterparty.name, r.date)
        else:
            out[r.line] = ("R" if isinstance(r, Reject) else "S", r.reason)
    return out


def test_layout_a_with_preamble() -> None:
    got = summary(FIX / "bank_a.csv")
    d = dt.date
    assert got == {
        4: ("L", RC, 110000, "ﾔﾏﾀﾞｼﾖｳｼﾞ(ｶ", d(2025, 7, 1)),
        5: ("L", P, 330000, "ｶ)ﾀｶﾊｼｺｳｷﾞﾖｳ", d(2025, 7, 2)),
        6: ("S", "not a counterparty (fee: テスウリヨウ): ﾌﾘｺﾐﾃｽｳﾘﾖｳ"),
        7: ("S", "not a counterparty (interest: 利息): 利息"),
        8: ("S", "not a counterparty (ATM: ATM): ATM ｼﾔｼﾝ"),
        9: ("R", "both withdrawal (1,000) and deposit (2,000)"),
        10: ("R", "impossible date '2025/02/30': day is out of range for month"),
        11: ("L", P, 12345, "ｶ)ｻﾄｳ", d(2025, 7, 25)),
        12: ("S", "total row (合計)"),
    }


def test_layout_b_era_dates() -> None:
    assert summary(FIX / "bank_b.csv") == {
        2: ("L", RC, 50000, "ﾆﾎﾝｼﾖｳｼﾞ(ｶ", dt.date(2025, 7, 1)),
        3: ("L", P, 8800, "ﾃﾞﾝﾘﾖｸ", dt.date(2025, 7, 3)),
        4: ("R", "no withdrawal or deposit amount"),
        5: ("S", "no counterparty in 摘要"),
    }


def test_layout_c_signed_amounts() -> None:
    assert summary(FIX / "bank_c.csv") == {
        2: ("L", RC, 25000, "ｶ)ｼｰｴｽﾌﾞｲ", dt.date(2025, 7, 1)),
        3: ("L", P, 5000, "ｶ)ｼｰｴｽﾌﾞｲ", dt.date(2025, 7, 2)),
        4: ("S", "not a counterparty (interest: リソク): ﾘｿｸ"),
        5: ("L", P, 2000, "ｶ)ｼｰｴｽﾌﾞｲ", dt.date(2025, 7, 4)),
    }


def test_example_toml_layout() -> None:
    lay = load_bank_layout(EXAMPLE)
    assert (lay.name, lay.encoding, lay.header_row) == ("example-shinkin", "cp932", 3)
    assert "ｿｳｷﾝｳｹ" in lay.strip_prefixes and "ﾌﾘｺﾐ" in lay.strip_prefixes
    assert summary(FIX / "bank_custom.csv", layout=EXAMPLE) == {
        4: ("L", RC, 7000, "ｶ)ﾐﾗｲ", dt.date(2025, 7, 1)),
        5: ("S", "not a counterparty (listed: ｼﾝｷﾝｶｲﾋ): ｼﾝｷﾝｶｲﾋ"),
    }


def test_no_known_header_raises(tmp_path: Path) -> None:
    f = tmp_path / "b.csv"
    f.write_text("foo,bar\n1,2\n", "utf-8")
    with pytest.raises(FormatError, match="no header row"):
        list(read_bank(f))


def test_headerless_layout_by_column_numbers(tmp_path: Path) -> None:
    (tmp_path / "l.toml").write_text(
        'header_row = 0\n[columns]\ndate = 1\nmemo = 3\namount = 2\npositive = "withdrawal"\n',
        "utf-8")
    f = tmp_path / "b.csv"
    f.write_text("2025/07/01,500,ﾌﾘｺﾐ ｶ)ｴｰ\n2025/07/02,-300,ﾌﾘｺﾐ ｶ)ｴｰ\n", "utf-8")
    assert summary(f, layout=tmp_path / "l.toml") == {
        1: ("L", P, 500, "ｶ)ｴｰ", dt.date(2025, 7, 1)),
        2: ("L", RC, 300, "ｶ)ｴｰ", dt.date(2025, 7, 2)),
    }


@pytest.mark.parametrize(("text", "message"), [
    ("[columns]\ndate = '日付'\n", "needs 'memo'"),
    ("name = 'x'\n", r"missing \[columns\]"),
    ("[columns]\ndate='a'\nmemo='b'\nwithdrawal='c'\n", "withdrawal and deposit, or amount"),
    ("encoding = 'latin-1'\n[columns]\ndate='a'\nmemo='b'\namount='c'\n", "encoding"),
    ("header_row = 0\n[columns]\ndate='a'\nmemo=2\namount=3\n", "column numbers"),
    ("[columns\n", "bank layout"),
])
def test_bad_layout_files(tmp_path: Path, text: str, message: str) -> None:
    f = tmp_path / "l.toml"
    f.write_text(text, "utf-8")
    with pytest.raises(FormatError, match=message):
        load_bank_layout(f)


@pytest.mark.parametrize(("memo", "name"), [
    ("振込 ﾔﾏﾀﾞｼﾖｳｼﾞ(ｶ", "ﾔﾏﾀﾞｼﾖｳｼﾞ(ｶ"),
    ("ﾌﾘｺﾐ ｶ)ﾔﾏﾀﾞ", "ｶ)ﾔﾏﾀﾞ"),
    ("ﾌﾘｶｴ ﾃﾞﾝﾘﾖｸ", "ﾃﾞﾝﾘﾖｸ"),
    ("IB振込　ｶ)ｻﾄｳ", "ｶ)ｻﾄｳ"),
    ("振込入金 ﾌﾘｺﾐ ﾐﾄﾞﾘ(ﾕ", "ﾐﾄﾞﾘ(ﾕ"),
    ("ｶ)ﾔﾏﾀﾞ", "ｶ)ﾔﾏﾀﾞ"),
    ("振込手数料", None),
    ("ﾃｽｳﾘﾖｳ", None),
    ("", None),
])
def test_counterparty_from_memo(memo: str, name: str | None) -> None:
    assert counterparty_from_memo(memo, BUILTIN_LAYOUTS["A"])[0] == name


# --- the banks' own downloads ------------------------------------------------

d = dt.date
NC = "not a counterparty"
BANK_EXPECTED: dict[str, dict[int, tuple[object, ...]]] = {
    # 三菱UFJ: 摘要 is the kind, 摘要内容 the payee — 給料 / カード / ＪＣＢ never become firms
    "mufg": {
        2: ("L", RC, 110000, "ヤマダシヨウジ（カ", d(2025, 7, 1)),
        3: ("L", P, 33000, "ｶ)ﾀｶﾊｼｺｳｷﾞﾖｳ", d(2025, 7, 2)),
        4: ("S", f"{NC} (card: カード): カ－ド"),
        5: ("S", f"{NC} (salary: 給料): 給料"),
        6: ("S", f"{NC} (card: JCB): ＪＣＢ ＪＣＢ）セブンカ－ド"),
        7: ("S", f"{NC} (fee: 手数料): 手数料"),
        8: ("L", P, 55000, "ﾐﾄﾞﾘｼﾖｳｼﾞ(ｶ", d(2025, 7, 25)),
        9: ("S", f"{NC} (interest: 利息): 利息"),
        10: ("S", "no counterparty (empty payee column): 振込１"),
    },
    # 三井住友, older layout: 和暦 dates
    "smbc_wareki": {
        2: ("L", RC, 5000, "ｶ)ﾐﾗｲｼﾖｳｼﾞ", d(2018, 1, 15)),
        3: ("L", P, 15900, "ｶﾞｸ)ﾆｼﾞｶﾞｸｴﾝ", d(2018, 1, 17)),
        4: ("L", RC, 8000, "ｷﾔﾏ ｸﾛ", d(2018, 1, 20)),
        5: ("S", f"{NC} (salary: 給料): 給料振込\u3000ｶ)ﾐﾗｲｼﾖｳｼﾞ"),
        6: ("S", f"{NC} (ATM: ATM): ATM"),
        7: ("S", f"{NC} (interest: 利息): 普通預金利息"),
        8: ("R", "impossible date 'H30.02.30': day is out of range for month"),
    },
    # 三井住友, current layout: newest first, メモ / ラベル, Visa debit, closing balance row
    "smbc": {
        2: ("S", f"{NC} (interest: 利息): 普通預金利息"),
        3: ("S", f"{NC} (salary: 給料): 給料振込\u3000ｶ)ｿﾌﾄｳｴｱｺｳﾎﾞｳ"),
        4: ("S", f"{NC} (card: カード): PAYPAYｶ-ﾄﾞ"),
        5: ("L", RC, 826, "ｹｲﾃﾞｲﾃﾞｲｼﾖｳｼﾞ(ｶ", d(2025, 7, 10)),
        6: ("L", P, 55000, "ﾔﾏﾄｳﾝﾕ(ｶ", d(2025, 7, 8)),
        7: ("S", f"{NC} (card: Visa debit): V123456"),
        8: ("S", "balance row without a date or amount"),
    },
    # みずほ: 9 rows of account details above the header, dates 2025.07.01
    "mizuho": {
        11: ("L", RC, 330000, "ﾀｶﾊｼｺｳｷﾞﾖｳ(ｶ", d(2025, 7, 1)),
        12: ("L", P, 110000, "ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ", d(2025, 7, 5)),
        13: ("S", f"{NC} (ATM: ATM): ﾕｳﾋﾞﾝｷﾖｸ ATM"),
        14: ("S", f"{NC} (social insurance: シヤカイホケン): ｼﾔｶｲﾎｹﾝﾘﾖｳ"),
        15: ("S", f"{NC} (tax: ジユウミンゼイ): ｼﾞﾕｳﾐﾝｾﾞｲ"),
    },
    # りそな (shape not confirmed by a public source; see make_bank_fixtures.py)
    "resona": {
        2: ("L", RC, 440000, "ｶ)ｵｵｻｶｼﾖｳｶｲ", d(2025, 7, 1)),
        3: ("L", P, 38500, "ｶﾝｻｲﾃﾞﾝﾘﾖｸ", d(2025, 7, 3)),
        4: ("S", f"{NC} (tax: コクゼイ): ｺｸｾﾞｲ"),
        5: ("S", f"{NC} (salary: キユウヨ): ｷﾕｳﾖ ﾌﾘｺﾐ"),
    },
    # ゆうちょ: account details above the header, YYYYMMDD, 詳細１ kind / 詳細２ payee
    "yucho": {
        9: ("L", RC, 220000, "ｶ)ｻﾝｲﾝﾌｰｽﾞ", d(2025, 7, 1)),
        10: ("L", P, 55000, "ﾄﾂﾄﾘｾｲｻｸｼﾖ(ﾕ", d(2025, 7, 5)),
        11: ("S", f"{NC} (card: カード): カード"),
        12: ("S", f"{NC} (interest: 利子): 受取利子"),
        13: ("S", f"{NC} (salary: 給与): 給与 ｶ)ｻﾝｲﾝﾌｰｽﾞ"),
        14: ("L", P, 8800, "ﾁﾕｳｺﾞｸﾃﾞﾝﾘﾖｸ", d(2025, 7, 27)),
    },
    # 楽天: one signed amount, YYYYMMDD
    "rakuten": {
        2: ("L", RC, 110000, "ﾊﾔｼｼﾖｳﾃﾝ(ｶ", d(2025, 7, 1)),
        3: ("L", P, 33000, "ｶ)ｱｵｿﾞﾗｺｳｷﾞﾖｳ", d(2025, 7, 3)),
        4: ("S", f"{NC} (card: カード): ラクテンカ－ト゛サ－ヒ゛ス"),
        5: ("S", f"{NC} (interest: 利息): 利息"),
        6: ("S", f"{NC} (salary: 給与): 給与振込 ﾔﾏﾀﾞ ﾀﾛｳ"),
        7: ("R", "not an amount: '1O00'"),
    },
    # 住信SBI: newest first, 内容 "振込＊<payee>", メモ "-"
    "sumishin_sbi": {
        2: ("S", f"{NC} (interest: 利息): 利息"),
        3: ("L", RC, 110000, "ミドリシヨウジ（カ", d(2025, 7, 25)),
        4: ("S", f"{NC} (card: デビット): デビット\u3000ＡＭＡＺＯＮ．ＣＯ．ＪＰ"),
        5: ("L", P, 55000, "ヤマダコウギヨウ（カ", d(2025, 7, 10)),
        6: ("S", f"{NC} (ATM: ATM): ＡＴＭ\u3000イーネット"),
        7: ("S", f"{NC} (tax: 国税): 国税"),
    },
    # PayPay銀行: the date in three columns
    "paypay": {
        2: ("L", RC, 220000, "ｶ)ﾏﾂｴｼﾖｳｼﾞ", d(2025, 7, 1)),
        3: ("L", P, 55000, "ｶ)ｲｽﾞﾓｿｳｺ", d(2025, 7, 5)),
        4: ("S", f"{NC} (card: デビット): Visaデビット\u3000ｱﾏｿﾞﾝ"),
        5: ("S", f"{NC} (fee: テスウリヨウ): ﾌﾘｺﾐﾃｽｳﾘﾖｳ"),
        6: ("S", f"{NC} (interest: 利息): 利息"),
        7: ("R", "impossible date '2025/2/30': day is out of range for month"),
    },
    # SBI新生: 摘要 "振込・振替:<payee>"
    "sbi_shinsei": {
        2: ("L", RC, 440000, "ｶ)ﾖﾅｺﾞﾃﾂｺｳ", d(2025, 7, 1)),
        3: ("S", "no counterparty in 摘要"),
        4: ("S", f"{NC} (interest: 利息): 税引前利息"),
        5: ("S", f"{NC} (tax: 地方税): 地方税"),
        6: ("S", f"{NC} (ATM: ATM): ATM 現金出金（提携取引）"),
        7: ("L", P, 55000, "ｶ)ｻｶｲﾐﾅﾄｼﾖｳｶｲ", d(2025, 7, 25)),
    },
    # 地方銀行 / 信用金庫 common header, "0" in the unused amount column
    "regional": {
        2: ("S", "zero amount"),
        3: ("S", f"{NC} (ATM: ATM): ATMｼﾊﾗｲ"),
        4: ("L", RC, 80201, "ﾓﾘｵｶｼﾖｳｼﾞ(ｶ", d(2025, 7, 10)),
        5: ("L", P, 18000, "ﾐﾔｺｶﾞｽ(ｶ", d(2025, 7, 15)),
        6: ("S", f"{NC} (interest: リソク): ｹﾂｻﾝﾘｿｸ"),
    },
}
ENCODINGS = [".csv", ".utf8.csv"]  # cp932 as the banks write it, and UTF-8


@pytest.mark.parametrize("suffix", ENCODINGS)
@pytest.mark.parametrize("bank", list(BANK_EXPECTED))
def test_bank_download_row_by_row(bank: str, suffix: str) -> None:
    """Payees and skips of each bank's download, recognised from its header."""
    assert summary(BANKS / f"{bank}{suffix}") == BANK_EXPECTED[bank]


@pytest.mark.parametrize("bank", list(BANK_EXPECTED))
def test_bank_download_picks_its_own_layout(bank: str) -> None:
    """The header is recognised as that bank's built-in layout (not a generic one), and
    naming the layout gives the same rows."""
    path = BANKS / f"{bank}.csv"
    header = next(cells for cells in _csv_rows(path) if find_layout(cells) is not None)
    hit = find_layout(header)
    assert hit is not None and hit[0].name == bank
    assert BUILTIN_LAYOUTS[bank].source.strip() and BUILTIN_LAYOUTS[bank].source != "built-in"
    assert summary(path, layout=bank) == BANK_EXPECTED[bank]


def _csv_rows(path: Path) -> list[list[str]]:
    import csv
    import io
    return list(csv.reader(io.StringIO(path.read_bytes().decode("cp932"))))


def test_no_firm_is_a_kind_of_transaction() -> None:
    """No payee of any bank fixture is a transaction kind or holds a skip word."""
    kinds = {"給料", "振込１", "振込", "口座振替", "カ－ド", "カード", "送金", "自払", "利息"}
    for path in sorted(BANKS.glob("*.csv")):
        for r in read_bank(path):
            if isinstance(r, LedgerLine):
                name = r.counterparty.name
                assert name not in kinds, (path.name, r.line, name)
                assert counterparty_from_memo(name, BUILTIN_LAYOUTS["A"])[0] == name


def test_mufg_memo_keeps_kind_payee_and_note() -> None:
    lines = [r for r in read_bank(BANKS / "mufg.csv") if isinstance(r, LedgerLine)]
    assert [r.memo for r in lines] == ["振込１ / ヤマダシヨウジ（カ", "口座振替 / ｶ)ﾀｶﾊｼｺｳｷﾞﾖｳ",
                                       "振込ＩＢ１ / ﾐﾄﾞﾘｼﾖｳｼﾞ(ｶ / 7月分"]


def test_sumishin_newest_first_keeps_file_order() -> None:
    assert BUILTIN_LAYOUTS["sumishin_sbi"].newest_first
    dates = [r.date for r in read_bank(BANKS / "sumishin_sbi.csv") if isinstance(r, LedgerLine)]
    assert dates == sorted(dates, reverse=True)


def test_rakuten_corporate_and_shinsei_english_variants(tmp_path: Path) -> None:
    """楽天 法人 (入出金先内容; justuswilhelm/convert-statement rakuten_v1) and SBI新生 in
    English (rlan/beancount-multitool docs/institutions/shinsei_bank.md)."""
    f = tmp_path / "r.csv"
    f.write_bytes("取引日,入出金(円),残高(円),入出金先内容\r\n20250701,-2000,8000,ﾌﾘｺﾐ ｶ)ﾐﾄﾞﾘ\r\n"
                  "20250702,5000,13000,JCBデビット A0000002\r\n".encode("cp932"))
    assert summary(f) == {1 + 1: ("L", P, 2000, "ｶ)ﾐﾄﾞﾘ", d(2025, 7, 1)),
                          3: ("S", f"{NC} (card: デビット): JCBデビット A0000002")}
    g = tmp_path / "s.csv"
    g.write_text('"Value Date","Description","Debit","Credit","Balance"\n'
                 '"2025/07/01","振込・振替:ｶ)ﾖﾅｺﾞ","","440","1440"\n', "utf-8")
    hit = find_layout(["Value Date", "Description", "Debit", "Credit", "Balance"])
    assert hit is not None and hit[0].name == "sbi_shinsei"
    assert summary(g) == {2: ("L", RC, 440, "ｶ)ﾖﾅｺﾞ", d(2025, 7, 1))}


@pytest.mark.parametrize(("header", "rows", "expected"), [
    # an unknown bank: 勘定日 / お取引先 (payee only) / 出金額 / 入金額
    ("勘定日,お取引先,出金額,入金額,差引残高", "2025/07/01,ｶ)ｲﾅﾊﾞ,1000,,9000",
     ("L", P, 1000, "ｶ)ｲﾅﾊﾞ", d(2025, 7, 1))),
    # one signed amount, description called ご利用内容
    ("入出金日,ご利用内容,入出金額,残高", "2025/07/02,ﾌﾘｺﾐ ｶ)ｲﾅﾊﾞ,-500,8500",
     ("L", P, 500, "ｶ)ｲﾅﾊﾞ", d(2025, 7, 2))),
    # kind and payee columns apart (依頼人名), skipped by the kind
    ("勘定日,取引区分,摘要,依頼人名,出金,入金,残高",
     "2025/07/03,振込,給与,ｶ)ｲﾅﾊﾞ,,300,8800", ("S", f"{NC} (salary: 給与): 給与 ｶ)ｲﾅﾊﾞ")),
])
def test_unknown_bank_read_from_header_words(tmp_path: Path, header: str, rows: str,
                                              expected: tuple[object, ...]) -> None:
    f = tmp_path / "b.csv"
    f.write_bytes(f"{header}\r\n{rows}\r\n".encode("cp932"))
    lay = infer_layout(header.split(","))
    assert lay is not None and lay.source.startswith("inferred")
    assert summary(f) == {2: expected}


@pytest.mark.parametrize("header", [
    "foo,bar", "日付,金額", "日付,摘要,残高", "摘要,出金,入金", "日付,取引先名,区分,メモ",
])
def test_header_words_that_are_not_a_statement(header: str) -> None:
    assert infer_layout(header.split(",")) is None
    assert find_layout(header.split(",")) is None


@pytest.mark.parametrize(("kind", "payee", "name"), [
    ("振込１", "ｶ)ﾔﾏﾀﾞ", "ｶ)ﾔﾏﾀﾞ"),
    ("口座振替", "ﾁﾕｳｺﾞｸﾃﾞﾝﾘﾖｸ", "ﾁﾕｳｺﾞｸﾃﾞﾝﾘﾖｸ"),
    ("給料", "", None), ("給与", "ｶ)ﾔﾏﾀﾞ", None), ("カ－ド", "", None), ("受取利子", "", None),
    ("ＪＣＢ", "ＪＣＢ）セブンカ－ド", None), ("振込１", "", None), ("振込", "ｷﾕｳﾖ ﾔﾏﾀﾞ", None),
    ("振込", "ｼﾔｶｲﾎｹﾝ", None), ("自払", "ｺｸﾐﾝﾈﾝｷﾝ", "ｺｸﾐﾝﾈﾝｷﾝ"),
])
def test_counterparty_from_columns(kind: str, payee: str, name: str | None) -> None:
    got, why = counterparty_from_columns(kind, payee, BUILTIN_LAYOUTS["mufg"])
    assert got == name
    assert (why == "") == (name is not None)


@pytest.mark.parametrize("memo", [
    "給与振込 ﾔﾏﾀﾞ", "ｼﾖｳﾖ", "賞与", "受取利子", "ｹﾂｻﾝﾘｿｸ", "ATM ｼﾔｼﾝ", "ＡＴＭ　イーネット",
    "振込手数料", "ﾌﾘｺﾐﾃｽｳﾘﾖｳ", "カ－ド", "ｶｰﾄﾞ ﾗｸﾃﾝ", "デビット AMAZON", "ＪＣＢ", "国税",
    "ｼﾞﾕｳﾐﾝｾﾞｲ", "法人税", "源泉所得税", "社会保険料", "ｼﾔｶｲﾎｹﾝ", "厚生年金", "ｹﾝｺｳﾎｹﾝ",
    "現金", "ﾃｲｷ ﾖｷﾝ", "繰越", "V123456", "Vｻｶﾞｸ123456",
])
def test_rows_that_are_not_trading_partners(memo: str) -> None:
    name, why = counterparty_from_memo(memo, BUILTIN_LAYOUTS["A"])
    assert name is None and why.startswith("not a counterparty (")


def test_default_skip_words_cover_the_issue_list() -> None:
    for w in ("給料", "給与", "賞与", "利息", "受取利子", "ATM", "手数料", "カード", "国税",
              "社会保険"):
        assert counterparty_from_memo(w, BUILTIN_LAYOUTS["A"])[0] is None, w
    assert "給料" in DEFAULT_SKIP_WORDS


def test_toml_layout_with_payee_details_and_date_parts(tmp_path: Path) -> None:
    (tmp_path / "l.toml").write_text(
        'name = "my-shinkin"\n[columns]\nyear = "年"\nmonth = "月"\nday = "日"\n'
        'memo = "区分"\npayee = "相手"\ndetails = ["備考"]\n'
        'withdrawal = "出"\ndeposit = "入"\n', "utf-8")
    lay = load_bank_layout(tmp_path / "l.toml")
    assert (lay.payee, lay.details, lay.year, lay.date) == (("相手",), ("備考",), ("年",), ())
    f = tmp_path / "b.csv"
    f.write_bytes("年,月,日,区分,相手,出,入,備考\r\n2025,7,1,振込,ｶ)ｱｲ,100,,請求1\r\n"
                  "2025,7,2,給料,,,500,\r\n".encode("cp932"))
    assert summary(f, layout=tmp_path / "l.toml") == {
        2: ("L", P, 100, "ｶ)ｱｲ", d(2025, 7, 1)),
        3: ("S", f"{NC} (salary: 給料): 給料"),
    }
    (tmp_path / "bad.toml").write_text('[columns]\nyear = "年"\nmemo = "m"\namount = "a"\n',
                                       "utf-8")
    with pytest.raises(FormatError, match="year, month and day"):
        load_bank_layout(tmp_path / "bad.toml")


# --- property-based ---------------------------------------------------------

HEADERS = {
    "A": "日付,摘要,支払い金額,預かり金額,差引残高",
    "B": "年月日,お引出し,お預入れ,お取り扱い内容,残高",
    "C": "日付,摘要,入出金額,残高",
}
NAMES = ["ﾔﾏﾀﾞｼﾖｳｼﾞ(ｶ", "ｶ)ﾀｶﾊｼ", "ﾐﾄﾞﾘ(ﾕ", "ｽｽﾞｷ ｲﾁﾛｳ", "株式会社アルファ"]
Exp = tuple[Direction, int, str, dt.date]


@st.composite
def good_rows(draw: st.DrawFn, layout: str) -> tuple[list[str], Exp]:
    date = draw(st.dates(dt.date(1990, 1, 1), dt.date(2035, 12, 31)))
    amount = draw(st.integers(1, 10**10))
    name = draw(st.sampled_from(NAMES))
    memo = draw(st.sampled_from(["振込 ", "ﾌﾘｺﾐ ", "", "振替"])) + name
    direction = draw(st.sampled_from([P, RC]))
    amt = draw(st.sampled_from([str(amount), f'"{amount:,}"']))
    w, d = (amt, "") if direction is P else ("", amt)
    dtext = date.strftime("%Y/%m/%d")
    if layout == "A":
        cells = [dtext, memo, w, d, "0"]
    elif layout == "B":
        cells = [dtext, w, d, memo, "0"]
    else:
        cells = [dtext, memo, ("-" if direction is P else "") + amt.strip('"'), "0"]
        cells[2] = f'"{cells[2]}"' if "," in cells[2] else cells[2]
    return cells, (direction, amount, name, date)


@st.composite
def bad_rows(draw: st.DrawFn, layout: str) -> bytes:
    cells, _ = draw(good_rows(layout))
    how = draw(st.sampled_from(["junk", "date", "amount", "short", "long", "quote", "bytes"]))
    if how == "junk":
        return ("x" + draw(st.text(st.sampled_from(list("ab01あア漢ｱ-/.;' ")), max_size=30))
                ).encode("cp932")
    if how == "date":
        cells[0] = draw(st.sampled_from(["2025/13/01", "2025/02/30", "abc", ""]))
    elif how == "amount":
        i = {"A": 2, "B": 1, "C": 2}[layout]
        cells[i] = draw(st.sampled_from(["12a", "1.5", "--3", "￥"]))
        if layout != "C":
            cells[i + 1] = ""
    elif how == "short":
        cells = cells[: draw(st.integers(1, len(cells) - 1))]
    elif how == "long":
        cells = [*cells, "extra"]
    elif how == "quote":  # in a column that is read (the balance is not)
        i = draw(st.integers(0, len(cells) - 2))
        cells[i] = '"' + cells[i].strip('"')
    raw = ",".join(cells).encode("cp932")
    return raw.replace(b",", b",\x85\x40", 1) if how == "bytes" else raw


@PROP
@given(st.sampled_from("ABC"), st.lists(st.booleans(), min_size=1, max_size=20), st.data())
def test_good_rows_survive_among_bad_ones(layout: str, kinds: list[bool],
                                          data: st.DataObject) -> None:
    lines, expect = [HEADERS[layout].encode("cp932")], {}
    for i, good in enumerate(kinds, start=2):
        if good:
            cells, exp = data.draw(good_rows(layout))
            lines.append(",".join(cells).encode("cp932"))
            expect[i] = exp
        else:
            lines.append(data.draw(bad_rows(layout)))
            expect[i] = None
    with tempfile.TemporaryDirectory() as tmp:
        f = Path(tmp) / "b.csv"
        f.write_bytes(b"\r\n".join(lines) + b"\r\n")
        got = {r.line: r for r in read_bank(f, encoding="cp932")}
    assert set(got) == set(expect)
    for n, exp in expect.items():
        r = got[n]
        if exp is None:
            assert isinstance(r, Reject) and r.reason, (n, r)
        else:
            assert isinstance(r, LedgerLine), (n, r)
            assert (r.direction, r.amount, r.counterparty.name, r.date) == exp


@PROP
@given(st.binary(max_size=2000))
def test_random_bytes_never_escape(data: bytes) -> None:
    data = HEADERS["A"].encode("cp932") + b"\r\n" + data
    with tempfile.TemporaryDirectory() as tmp:
        f = Path(tmp) / "b.csv"
        f.write_bytes(data)
        try:
            results = list(read_bank(f))
        except (EncodingError, FormatError):
            return
    assert len({r.line for r in results}) == len(results)
    assert all(isinstance(r, LedgerLine | Reject | Skipped) for r in results)
