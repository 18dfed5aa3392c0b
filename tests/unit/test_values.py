"""Value parsers: dates (incl. Japanese eras), yen amounts, months."""

from __future__ import annotations

import contextlib
import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.corporate_number import check_digit, find_invoice_numbers, is_valid, normalize
from ingest.values import parse_amount, parse_date, parse_month


@pytest.mark.parametrize("text,expected", [
    ("20250701", dt.date(2025, 7, 1)), ("2025/7/1", dt.date(2025, 7, 1)),
    ("2025-07-01", dt.date(2025, 7, 1)), ("R07/07/01", dt.date(2025, 7, 1)),
    ("R.7/7/1", dt.date(2025, 7, 1)), ("H30/07/01", dt.date(2018, 7, 1)),
    ("令和元年5月1日", dt.date(2019, 5, 1)), ("２０２５／０７／０１", dt.date(2025, 7, 1)),
    ("2025-07-01 10:00:00", dt.date(2025, 7, 1)), ("S64/01/07", dt.date(1989, 1, 7)),
])
def test_dates(text: str, expected: dt.date) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize("text,expected", [
    # the older 三井住友 statement (mukai11/meisaicsv MitsuiSumitomoBank.csv): H30.01.15
    ("H30.01.15", dt.date(2018, 1, 15)), ("H31.04.30", dt.date(2019, 4, 30)),
    ("R01.05.07", dt.date(2019, 5, 7)), ("R7.7.1", dt.date(2025, 7, 1)),
    ("h30.1.15", dt.date(2018, 1, 15)), ("Ｈ３０．０１．１５", dt.date(2018, 1, 15)),
    ("S64.01.07", dt.date(1989, 1, 7)), ("H1.1.8", dt.date(1989, 1, 8)),
    ("平成30年1月15日", dt.date(2018, 1, 15)), ("令和7年7月1日", dt.date(2025, 7, 1)),
    ("昭和64年1月7日", dt.date(1989, 1, 7)), ("平成元年1月8日", dt.date(1989, 1, 8)),
    # ゆうちょ's spaced form, with and without a time after it
    ("平成 30 年 07 月 20 日", dt.date(2018, 7, 20)),
    ("令和 07 年 08 月 08 日 23 時 26 分", dt.date(2025, 8, 8)),
    ("令和 元 年 5 月 1 日", dt.date(2019, 5, 1)),
])
def test_wareki_dates(text: str, expected: dt.date) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["H30.02.30", "H0.1.1", "平成0年1月1日", "Q30.01.15", "H30.13.01"])
def test_bad_wareki_dates(text: str) -> None:
    with pytest.raises(ValueError):
        parse_date(text)


@pytest.mark.parametrize("text", ["", "2025-02-30", "R0/1/1", "X07/01/01", "July 1", "2025/13/01"])
def test_bad_dates(text: str) -> None:
    with pytest.raises(ValueError):
        parse_date(text)


@pytest.mark.parametrize("text,expected", [
    ("1,234", 1234), ("¥1,234", 1234), ("\\500", 500), ("１２，０００円", 12000), ("△1,000", -1000),
    ("▲500", -500), ("-42", -42), ("(300)", -300), ("100.00", 100), ("+7", 7), ("￥９", 9),
])
def test_amounts(text: str, expected: int) -> None:
    assert parse_amount(text) == expected


@pytest.mark.parametrize("text", ["", "abc", "1.5", "1,2a", "--1", "¥"])
def test_bad_amounts(text: str) -> None:
    with pytest.raises(ValueError):
        parse_amount(text)


@pytest.mark.parametrize("text,reason", [
    ("1.5", "amount has a fraction of a yen: '1.5'"),
    ("12.5.0", "not an amount: '12.5.0'"),  # two dots: not a number, not a fraction
    ("12.x", "not an amount: '12.x'"),
])
def test_bad_amount_reasons(text: str, reason: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_amount(text)
    assert str(caught.value) == reason


@settings(deadline=None)  # a busy CI machine may pause one example past the default 200 ms
@given(st.integers(min_value=-10**13, max_value=10**13))
def test_amount_roundtrip_with_separators(n: int) -> None:
    text = f"{abs(n):,}"
    assert parse_amount(("△" if n < 0 else "") + text) == n
    assert parse_amount(f"{n}") == n


@settings(deadline=None)
@given(st.text(max_size=20))
def test_amount_never_raises_anything_but_valueerror(text: str) -> None:
    with contextlib.suppress(ValueError):
        parse_amount(text)


def test_months() -> None:
    assert parse_month("2025-7") == "2025-07" and parse_month("202507") == "2025-07"
    with pytest.raises(ValueError):
        parse_month("2025-13")


def test_corporate_number() -> None:
    assert check_digit("123456789012") == 7
    assert is_valid("7123456789012") and not is_valid("8123456789012")
    assert normalize("T7123456789012") == "7123456789012"
    assert normalize("  ") is None
    with pytest.raises(ValueError):
        normalize("8123456789012")
    assert find_invoice_numbers("請求 T7123456789012 / T8123456789012") == ["7123456789012"]
