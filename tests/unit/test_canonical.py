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
