"""Money Forward 仕訳帳 reader: both header variants, compound entries, properties."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.decode import EncodingError
from ingest.readers.detect import FormatError
from ingest.readers.moneyforward import (
    CURRENT_HEADER,
    LEGACY_HEADER,
    looks_like_moneyforward,
    mf_variant,
    read_moneyforward,
)
from ingest.records import Direction, LedgerLine, Reject, Skipped

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "ledgers"
PROP = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
Result = LedgerLine | Reject | Skipped


def by_line(results: list[Result]) -> dict[int, Result]:
    lines = [r.line for r in results]
    assert len(lines) == len(set(lines)), f"a line was reported twice: {sorted(lines)}"
    return {r.line: r for r in results}


def test_headers_and_variants() -> None:
    assert len(CURRENT_HEADER) == 27
    assert CURRENT_HEADER[:10] == ("取引No", "取引日", "借方勘定科目", "借方補助科目", "借方部門",
                                   "借方取引先", "借方税区分", "借方インボイス", "借方金額(円)",
                                   "借方税額")
    assert mf_variant(list(CURRENT_HEADER)) == "current"
    assert mf_variant(list(LEGACY_HEADER)) == "legacy"
    assert LEGACY_HEADER.index("借方税区分") < LEGACY_HEADER.index("借方部門")
    assert looks_like_moneyforward(list(CURRENT_HEADER))
    assert looks_like_moneyforward(list(LEGACY_HEADER))
    assert not looks_like_moneyforward(["取引日", "借方勘定科目", "借方金額", "貸方勘定科目"])


def test_current_fixture() -> None:
    got = by_line(list(read_moneyforward(FIX / "mf_current.csv")))
    assert sorted(got) == list(range(2, 10))
    leds = {n: (r.direction, r.amount, r.counterparty.name, r.counterparty.invoice_number,
                r.entry_id, r.date)
            for n, r in got.items() if isinstance(r, LedgerLine)}
    d = dt.date
    assert leds == {
        2: (Direction.SALE, 330000, "㈱エムエフ商会", None, "1", d(2025, 7, 1)),
        4: (Direction.PURCHASE, 100000, "ｼｸﾞﾏ設計", "T7123456789012", "2", d(2025, 7, 2)),
        5: (Direction.SALE, 30000, "甲社", None, "3", d(2025, 7, 3)),
        6: (Direction.SALE, 20000, "乙社", None, "3", d(2025, 7, 3)),  # compound entry
        8: (Direction.RECEIPT, 330000, "㈱エムエフ商会", None, "5", d(2025, 7, 20)),
        9: (Direction.SALE, -1100, "甲社", None, "6", d(2025, 7, 21)),  # return keeps sign
    }
    assert isinstance(got[3], Skipped) and "売掛金 / 仮受消費税" in got[3].reason
    assert isinstance(got[7], Reject) and got[7].column == "date"


def test_legacy_fixture() -> None:
    got = by_line(list(read_moneyforward(FIX / "mf_legacy.csv")))
    assert sorted(got) == [2, 3, 4]
    r2, r3, r4 = got[2], got[3], got[4]
    assert isinstance(r2, LedgerLine) and (r2.direction, r2.amount, r2.counterparty.name) == (
        Direction.SALE, 5500, "ﾆｭｰ商事")
    assert isinstance(r3, LedgerLine) and (r3.direction, r3.amount, r3.counterparty.name) == (
        Direction.PURCHASE, 2200, "ｵｰﾙﾄﾞ物産")
    assert isinstance(r4, Skipped)


def test_same_number_different_date_is_another_entry(tmp_path: Path) -> None:
    def row(date: str, d: tuple[str, str, str], c: tuple[str, str, str]) -> str:
        side = lambda a, p, amt: [a, "", "", p, "", "", amt, ""]  # noqa: E731
        return ",".join(["7", date, *side(*d), *side(*c), "", "", "", "", "", "", "", "", ""])
    f = tmp_path / "mf.csv"
    f.write_text("\n".join([",".join(CURRENT_HEADER),
                            row("2025/07/01", ("売掛金", "甲社", "100"), ("売上高", "", "100")),
                            row("2025/07/02", ("支払手数料", "", "10"), ("", "", ""))]) + "\n",
                 "utf-8")
    got = by_line(list(read_moneyforward(f)))
    assert isinstance(got[2], LedgerLine)
    # the blank credit is NOT filled from the 07/01 row: other entry -> reject
    assert isinstance(got[3], Reject) and "credit account is blank" in got[3].reason


# --- property-based ---------------------------------------------------------

NAMES = ["㈱エムエフ商会", "甲社", "ｶ)ﾔﾏﾀﾞ", "髙橋工業"]
KINDS = [("売掛金", "売上高", 0, Direction.SALE), ("外注費", "未払金", 1, Direction.PURCHASE),
         ("普通預金", "売掛金", 1, Direction.RECEIPT), ("買掛金", "当座預金", 0, Direction.PAYMENT)]
Exp = tuple[Direction, int, str, dt.date]
WIDTH = len(CURRENT_HEADER)


@st.composite
def good_rows(draw: st.DrawFn, n: int) -> tuple[list[str], Exp]:
    date = draw(st.dates(dt.date(1990, 1, 1), dt.date(2035, 12, 31)))
    amount = draw(st.integers(1, 10**10))
    name = draw(st.sampled_from(NAMES))
    d, c, side, direction = draw(st.sampled_from(KINDS))
    amt = draw(st.sampled_from([str(amount), f'"{amount:,}"']))

    def s(acct: str, partner: str) -> list[str]:
        return [acct, "", "", partner, "対象外", "", amt, "0"]
    cells = [str(n), date.strftime("%Y/%m/%d"), *s(d, name if side == 0 else ""),
             *s(c, name if side == 1 else ""), draw(st.sampled_from(["", "メモ"])),
             "", "", "", "", "", "", "", ""]
    return cells, (direction, amount, name, date)


@st.composite
def bad_rows(draw: st.DrawFn, n: int) -> bytes:
    cells, _ = draw(good_rows(n))
    how = draw(st.sampled_from(["junk", "date", "amount", "short", "long", "quote", "bytes"]))
    if how == "junk":
        return ("x" + draw(st.text(st.sampled_from(list("ab01あア漢ｱ-/.;' ")), max_size=30))
                ).encode("cp932")
    if how == "date":
        cells[1] = draw(st.sampled_from(["2025/13/01", "2025/02/30", "abc", ""]))
    elif how == "amount":
        cells[8] = draw(st.sampled_from(["12a", "1.5", "--3", "￥"]))
    elif how == "short":
        cells = cells[: draw(st.integers(1, WIDTH - 1))]
    elif how == "long":
        cells = [*cells, "extra"]
    elif how == "quote":
        i = draw(st.integers(0, 20))
        cells[i] = '"' + cells[i].strip('"')
    raw = ",".join(cells).encode("cp932")
    return raw.replace(b",", b",\x85\x40", 1) if how == "bytes" else raw


@PROP
@given(st.lists(st.booleans(), min_size=1, max_size=20), st.data())
def test_good_rows_survive_among_bad_ones(kinds: list[bool], data: st.DataObject) -> None:
    lines, expect = [",".join(CURRENT_HEADER).encode("cp932")], {}
    for i, good in enumerate(kinds):
        if good:
            cells, exp = data.draw(good_rows(i))
            lines.append(",".join(cells).encode("cp932"))
            expect[i + 2] = exp
        else:
            lines.append(data.draw(bad_rows(i)))
            expect[i + 2] = None
    with tempfile.TemporaryDirectory() as tmp:
        f = Path(tmp) / "mf.csv"
        f.write_bytes(b"\r\n".join(lines) + b"\r\n")
        got = by_line(list(read_moneyforward(f, encoding="cp932")))
    assert set(got) == set(expect)
    for n, exp in expect.items():
        r = got[n]
        if exp is None:
            assert isinstance(r, Reject) and r.reason, (n, r)
        else:
            assert isinstance(r, LedgerLine), (n, r)
            assert (r.direction, r.amount, r.counterparty.name, r.date) == exp


@PROP
@given(st.binary(max_size=3000))
def test_random_bytes_never_escape(data: bytes) -> None:
    data = ",".join(CURRENT_HEADER).encode("cp932") + b"\r\n" + data
    with tempfile.TemporaryDirectory() as tmp:
        f = Path(tmp) / "mf.csv"
        f.write_bytes(data)
        try:
            results = list(read_moneyforward(f))
        except (EncodingError, FormatError):
            return
    by_line(results)
    assert all(isinstance(r, LedgerLine | Reject | Skipped) for r in results)
