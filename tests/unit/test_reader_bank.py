"""Bank statement reader: built-in layouts A/B/C, TOML layouts, properties."""

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
    counterparty_from_memo,
    load_bank_layout,
    read_bank,
)
from ingest.readers.detect import FormatError
from ingest.records import Direction, LedgerLine, Reject, Skipped

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "ledgers"
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
