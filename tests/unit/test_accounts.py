"""Account roles and journal-line classification (ingest.accounts)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from ingest.accounts import (
    AccountTable,
    JournalLine,
    Role,
    Side,
    classify,
    classify_entry,
    fill_blank_sides,
    load_account_table,
    name_from_memo,
)
from ingest.records import Direction, LedgerLine, Reject, Skipped, UnnamedLine

TABLE = load_account_table()
D = dt.date(2025, 7, 1)


def jl(d: str, c: str, amount: int | None = 1000, *, d_sub: str = "", c_sub: str = "",
       d_partner: str = "", c_partner: str = "", memo: str = "", c_amount: int | None = None,
       line: int = 1) -> JournalLine:
    return JournalLine("f.csv", line, D, Side(d, d_sub, d_partner, amount=amount),
                       Side(c, c_sub, c_partner, amount=amount if c_amount is None else c_amount),
                       memo, "E1")


@pytest.mark.parametrize(("account", "role"), [
    ("売上高", Role.SALES), ("売上", Role.SALES), ("売掛金", Role.RECEIVABLE),
    ("受取手形", Role.RECEIVABLE), ("前受金", Role.RECEIVABLE), ("仕入高", Role.PURCHASE),
    ("仕入", Role.PURCHASE), ("外注費", Role.PURCHASE), ("外注加工費", Role.PURCHASE),
    ("買掛金", Role.PAYABLE), ("未払金", Role.PAYABLE), ("支払手形", Role.PAYABLE),
    ("前払金", Role.PAYABLE), ("普通預金", Role.CASH), ("当座預金", Role.CASH),
    ("現金", Role.CASH), ("消耗品費", Role.EXPENSE), ("支払手数料", Role.OTHER),
    ("給料手当", Role.OTHER), ("ゆうちょ預金", Role.CASH), ("謎の科目", Role.OTHER),
    ("売上高 ", Role.SALES), ("ﾌﾂｳ預金", Role.CASH),
])
def test_default_roles(account: str, role: Role) -> None:
    assert TABLE.role(account) is role


def test_user_table_overrides_and_extends(tmp_path: Path) -> None:
    f = tmp_path / "acc.csv"
    f.write_text("\ufeffaccount,role\n# comment\n支払手数料,expense\n工事売上,sales\n\n", "utf-8")
    t = load_account_table(f)
    assert t.role("支払手数料") is Role.EXPENSE
    assert t.role("工事売上") is Role.SALES
    assert t.role("売上高") is Role.SALES  # default kept
    assert len(t) == len(TABLE) + 1


def test_user_table_unknown_role_is_an_error(tmp_path: Path) -> None:
    f = tmp_path / "acc.csv"
    f.write_text("account,role\n支払手数料,fees\n", "utf-8")
    with pytest.raises(ValueError, match="row 2: unknown role 'fees'"):
        load_account_table(f)


@pytest.mark.parametrize(("d", "c", "kw", "direction", "amount", "name"), [
    ("売掛金", "売上高", {"d_sub": "山田商事"}, Direction.SALE, 1000, "山田商事"),
    ("現金", "売上高", {"memo": "株式会社丙 店頭"}, Direction.SALE, 1000, "株式会社丙"),
    ("売上高", "売掛金", {"c_sub": "山田商事"}, Direction.SALE, -1000, "山田商事"),  # return
    ("仕入高", "買掛金", {"c_sub": "髙橋工業"}, Direction.PURCHASE, 1000, "髙橋工業"),
    ("外注費", "未払金", {"c_partner": "ｼｸﾞﾏ"}, Direction.PURCHASE, 1000, "ｼｸﾞﾏ"),
    ("消耗品費", "買掛金", {"c_sub": "文具店"}, Direction.PURCHASE, 1000, "文具店"),
    ("消耗品費", "現金", {"d_partner": "ガンマ"}, Direction.PURCHASE, 1000, "ガンマ"),
    ("買掛金", "仕入高", {"d_sub": "髙橋工業"}, Direction.PURCHASE, -1000, "髙橋工業"),
    ("普通預金", "売掛金", {"c_sub": "山田商事"}, Direction.RECEIPT, 1000, "山田商事"),
    ("当座預金", "受取手形", {"c_sub": "山田商事"}, Direction.RECEIPT, 1000, "山田商事"),
    ("買掛金", "普通預金", {"d_sub": "髙橋工業"}, Direction.PAYMENT, 1000, "髙橋工業"),
    ("普通預金", "買掛金", {"c_sub": "髙橋工業"}, Direction.PAYMENT, -1000, "髙橋工業"),
])
def test_rules(d: str, c: str, kw: dict[str, str], direction: Direction, amount: int,
               name: str) -> None:
    r = classify(jl(d, c, **kw), TABLE)  # type: ignore[arg-type]
    assert isinstance(r, LedgerLine), r
    assert (r.direction, r.amount, r.counterparty.name) == (direction, amount, name)
    assert (r.date, r.entry_id, r.line) == (D, "E1", 1)


@pytest.mark.parametrize(("d", "c", "kw", "why"), [
    ("給料手当", "普通預金", {}, "not trade"),
    ("減価償却費", "減価償却累計額", {}, "both sides are other"),
    ("支払手数料", "普通預金", {"memo": "振込手数料"}, "not trade"),
    ("普通預金", "当座預金", {}, "both sides are cash"),
    ("給料手当", "未払金", {"c_sub": "従業員"}, "not trade"),
    ("受取手形", "売掛金", {"c_sub": "山田"}, "both sides are receivable"),
])
def test_skips(d: str, c: str, kw: dict[str, str], why: str) -> None:
    r = classify(jl(d, c, **kw), TABLE)  # type: ignore[arg-type]
    assert isinstance(r, Skipped), r
    assert why in r.reason


def test_negative_amount_keeps_its_sign() -> None:
    r = classify(jl("売掛金", "売上高", -1100, d_sub="甲社"), TABLE)
    assert isinstance(r, LedgerLine) and r.amount == -1100 and r.direction is Direction.SALE


def test_sub_account_of_a_bank_is_not_a_counterparty() -> None:
    r = classify(jl("普通預金", "売上高", d_sub="三井住友銀行", memo=""), TABLE)
    assert isinstance(r, UnnamedLine) and "no counterparty" in r.reason
    assert (r.direction, r.amount, r.settled) == (Direction.SALE, 1000, True)


@pytest.mark.parametrize(("d", "c", "kw", "direction", "amount", "settled"), [
    ("現金", "売上高", {}, Direction.SALE, 1000, True),  # a cash sale to walk-in customers
    ("売上高", "現金", {}, Direction.SALE, -1000, True),  # a cash refund
    ("売掛金", "売上高", {}, Direction.SALE, 1000, False),  # on credit, no customer named
    ("仕入高", "現金", {}, Direction.PURCHASE, 1000, True),
    ("仕入高", "買掛金", {}, Direction.PURCHASE, 1000, False),
    # an expense paid in cash: its memo never names a firm (shops, receipts)
    ("消耗品費", "現金", {"memo": "ｱｽｸﾙ 文具"}, Direction.PURCHASE, 1000, True),
    ("普通預金", "売掛金", {}, Direction.RECEIPT, 1000, False),
    ("買掛金", "普通預金", {}, Direction.PAYMENT, 1000, False),
])
def test_lines_without_a_counterparty_are_the_clients_own(
        d: str, c: str, kw: dict[str, str], direction: Direction, amount: int, settled: bool) -> None:
    """Sales, purchases and settlements that name no one still count in the
    client's own figures (UnnamedLine), never as a firm."""
    r = classify(jl(d, c, **kw), TABLE)  # type: ignore[arg-type]
    assert isinstance(r, UnnamedLine), r
    assert (r.direction, r.amount, r.settled, r.line) == (direction, amount, settled, 1)


def test_partner_wins_over_sub_and_memo_and_invoice_is_kept() -> None:
    line = jl("売掛金", "売上高", d_sub="補助", d_partner="取引先", memo="他社 T7123456789012")
    r = classify(line, TABLE)
    assert isinstance(r, LedgerLine)
    assert r.counterparty.name == "取引先" and r.counterparty.invoice_number == "T7123456789012"


def test_invalid_invoice_number_is_ignored() -> None:
    r = classify(jl("売掛金", "売上高", d_sub="甲", memo="T1234567890123"), TABLE)
    assert isinstance(r, LedgerLine) and r.counterparty.invoice_number is None


def test_rejects() -> None:
    r = classify(jl("売掛金", "", d_sub="甲"), TABLE)
    assert isinstance(r, Reject) and r.column == "credit_account"
    r = classify(jl("売掛金", "売上高", None, d_sub="甲"), TABLE)
    assert isinstance(r, Reject) and r.column == "amount"


def test_compound_entry_two_customers_get_their_own_amounts() -> None:
    lines = [jl("売掛金", "売上高", 30000, d_partner="甲社", c_amount=50000, line=1),
             jl("売掛金", "", 20000, d_partner="乙社", c_amount=None, line=2)]
    lines[1] = JournalLine("f.csv", 2, D, lines[1].debit, Side(""), "", "E1")
    out = classify_entry(lines, TABLE)
    assert [(r.counterparty.name, r.amount) for r in out if isinstance(r, LedgerLine)] == [
        ("甲社", 30000), ("乙社", 20000)]


def test_fill_blank_sides_takes_the_dominant_account_and_treats_shokuchi_as_blank() -> None:
    a = JournalLine("f", 1, D, Side("普通預金", amount=99560), Side("売掛金", "甲", amount=100000))
    b = JournalLine("f", 2, D, Side("支払手数料", amount=440), Side("諸口"))
    filled = fill_blank_sides([a, b])
    assert filled[0] == a
    assert filled[1].credit == Side("売掛金", "甲", amount=None)
    assert filled[1].debit == b.debit


def test_account_table_from_mapping() -> None:
    t = AccountTable({"ｳﾘｱｹﾞ": Role.SALES})
    assert t.role("ウリアゲ") is Role.SALES  # NFKC


@pytest.mark.parametrize(("memo", "name"), [
    ("7月分 ㈱山田商事 T7123456789012", "㈱山田商事"),
    ("ｱｲｳ商事 振込入金", "ｱｲｳ商事"),
    ("ﾌﾘｺﾐ ｶ)ﾔﾏﾀﾞ", "ｶ)ﾔﾏﾀﾞ"),
    ("2025/07/01　有限会社ミドリ／7月分", "有限会社ミドリ"),
    ("現金売上", None),
    ("売上 7月分", None),
    ("", None),
])
def test_name_from_memo(memo: str, name: str | None) -> None:
    assert name_from_memo(memo) == name
