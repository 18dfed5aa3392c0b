"""The canonical ledger CSV reader: hand-checked rows and property tests."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.readers.canonical import read_canonical
from ingest.records import Direction, LedgerLine, Reject, UnnamedLine

HEADER = "date,client_id,counterparty_name,counterparty_id,corporate_number,direction,amount,memo\r\n"


def _write(tmp_path: Path, text: str, encoding: str = "utf-8") -> Path:
    p = tmp_path / "ledger.csv"
    p.write_bytes(text.encode(encoding))
    return p


def test_good_and_bad_rows_cp932(tmp_path: Path) -> None:
    text = HEADER + (
        "2025-04-01,A,㈱山田商事,,,sale,\"1,000\",T7123456789012 請求\r\n"
        "R07/04/02,A,髙橋工業,,,仕入,△200,\r\n"
        "2025-04-31,A,X,,,sale,1,\r\n"
        "2025-04-03,A,Y,,8123456789012,sale,1,\r\n"
        "\r\n"
        "2025-04-04,A,,,,sale,1,\r\n"
    )
    items = list(read_canonical(_write(tmp_path, text, "cp932")))
    good = [i for i in items if isinstance(i, LedgerLine)]
    bad = [i for i in items if isinstance(i, Reject)]
    assert [(g.line, g.date, g.direction, g.amount, g.counterparty.name) for g in good] == [
        (2, dt.date(2025, 4, 1), Direction.SALE, 1000, "㈱山田商事"),
        (3, dt.date(2025, 4, 2), Direction.PURCHASE, -200, "髙橋工業"),
    ]
    assert good[0].counterparty.invoice_number == "T7123456789012"
    assert [(b.line, b.column) for b in bad] == [(4, "date"), (5, "corporate_number")]
    # A sale that names no one (a cash sale) is the client's own line, not a reject.
    (unnamed,) = [i for i in items if isinstance(i, UnnamedLine)]
    assert (unnamed.line, unnamed.direction, unnamed.amount) == (7, Direction.SALE, 1)
    assert all(b.reason and b.raw for b in bad)


def test_missing_header_columns(tmp_path: Path) -> None:
    (only,) = list(read_canonical(_write(tmp_path, "foo,bar\r\n1,2\r\n")))
    assert isinstance(only, Reject) and "header lacks" in only.reason


def test_japanese_header_and_bom(tmp_path: Path) -> None:
    text = "\ufeff日付,取引先名,区分,金額\n2025/4/1,山田,売上,５００\n"
    (line,) = list(read_canonical(_write(tmp_path, text)))
    assert isinstance(line, LedgerLine) and line.amount == 500 and line.direction is Direction.SALE


good_rows = st.tuples(
    st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2030, 12, 31)),
    st.sampled_from(["sale", "purchase", "receipt", "payment"]),
    st.integers(min_value=-10**9, max_value=10**9),
    st.text(alphabet="山田商事株式会社ABCｱｲｳ ", min_size=1, max_size=12).filter(lambda s: s.strip()),
)
bad_rows = st.one_of(
    st.just("2025-02-30,A,X,,,sale,1,"), st.just("2025-01-01,A,X,,,gift,1,"),
    st.just("2025-01-01,A,X,,,sale,1.5,"), st.just("2025-01-01,A"),
    st.text(alphabet="abc,\"", min_size=1, max_size=15).filter(lambda s: s.strip(", ") != ""),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.one_of(good_rows.map(lambda r: ("good", r)), bad_rows.map(lambda r: ("bad", r))), max_size=25))
def test_property_no_good_row_lost(tmp_path: Path, rows: list[tuple[str, object]]) -> None:
    lines, expected = [], []
    for kind, row in rows:
        if kind == "good":
            d, direction, amount, name = row  # type: ignore[misc]
            lines.append(f"{d.isoformat()},A,{name.strip()},,,{direction},{amount},")
            expected.append((len(lines) + 1, d, amount, name.strip()))
        else:
            lines.append(str(row).replace("\n", " ").replace("\r", " "))
    path = _write(tmp_path, HEADER + "\r\n".join(lines) + "\r\n", "cp932")
    items = list(read_canonical(path))
    good = [(i.line, i.date, i.amount, i.counterparty.name) for i in items if isinstance(i, LedgerLine)]
    for e in expected:
        assert e in good
    for i in items:
        if isinstance(i, Reject):
            assert i.reason and i.line >= 2


def test_an_unquoted_thousands_separator_is_rejected_not_misread(tmp_path: Path) -> None:
    """``587,400`` unquoted is two cells: read as 587 yen it would load wrong
    without a word. A row wider than the header is rejected with its reason,
    unless it is only a trailing comma."""
    p = tmp_path / "l.csv"
    p.write_text("date,client_id,counterparty_name,counterparty_id,corporate_number,direction,amount,memo\n"
                 "2024-06-04,F2,株式会社テスト商事,,,sale,1000,\n"
                 "2024-06-05,F2,株式会社テスト商事,,,sale,587,400,\n"      # memo would read 400
                 "2024-06-06,F2,株式会社テスト商事,,,sale,1,234,567\n"     # a cell past the header
                 '2024-06-07,F2,株式会社テスト商事,,,sale,"1,234,567",\n'  # quoted: fine
                 "2024-06-08,F2,株式会社テスト商事,,,sale,2000,memo,\n",   # a trailing comma: fine
                 encoding="utf-8")
    out = list(read_canonical(p))
    assert [(type(r).__name__, r.line) for r in out] == [
        ("LedgerLine", 2), ("Reject", 3), ("Reject", 4), ("LedgerLine", 5), ("LedgerLine", 6)]
    assert [r.amount for r in out if isinstance(r, LedgerLine)] == [1000, 1_234_567, 2000]
    bad = [r for r in out if isinstance(r, Reject)]
    assert all(r.reason.startswith("more columns (9) than the header (8)") for r in bad)
    assert bad[0].raw.endswith("587,400,")


def test_a_split_amount_in_a_row_without_its_empty_memo_is_rejected(tmp_path: Path) -> None:
    """A writer that leaves off an empty last cell makes ``587,400`` as wide
    as a header ending ``amount,memo``: read as it stands, 587 yen with the
    memo 400."""
    p = tmp_path / "l.csv"
    p.write_text("date,counterparty_name,direction,amount,memo\n"
                 "2024-06-05,株式会社A,sale,587,400\n"
                 "2024-06-06,株式会社A,sale,587,請求書400\n"
                 "2024-06-07,株式会社A,sale,1200,400\n", encoding="utf-8")
    out = list(read_canonical(p))
    assert [type(r).__name__ for r in out] == ["Reject", "LedgerLine", "LedgerLine"]
    assert [r.amount for r in out if isinstance(r, LedgerLine)] == [587, 1200]
