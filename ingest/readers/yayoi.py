"""弥生会計 import format (弥生インポート形式): journal lines → ledger lines.

No header; 25 comma-separated fields per line; lines starting with ``#`` are
comments; cp932 with CRLF (UTF-8 is accepted too). Field 1, 識別フラグ:

* ``2000`` a single-line entry, ``2111`` a single-line slip;
* ``2110`` first / ``2100`` middle / ``2101`` last line of a multi-line slip.

A multi-line slip is buffered until its last line and classified as one
compound entry (:func:`ingest.accounts.classify_entry`: blank or 諸口 sides
take the slip's dominant account). ``entry_id`` is the 伝票No, or ``L<n>``
with the slip's first physical line when the 伝票No is empty. A slip that
never gets its ``2101`` (another slip starts, or the file ends) and stray
``2100``/``2101`` lines are rejected line by line with the reason. A slip
longer than :data:`MAX_SLIP_LINES` is rejected too (memory stays bounded).

The counterparty is the 補助科目 of a 売掛金/買掛金/未払金-type account,
otherwise a name from the 摘要; an invoice number ``T`` + 13 digits in the
摘要 is kept. Amounts are yen.

Field positions (1-based): 1 識別フラグ, 2 伝票No, 3 決算, 4 取引日付,
5–10 借方 (勘定科目, 補助科目, 部門, 税区分, 金額, 税金額), 11–16 貸方 (same),
17 摘要, 18 番号, 19 期日, 20 タイプ, 21 生成元, 22 仕訳メモ, 23 付箋1,
24 付箋2, 25 調整.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ingest.accounts import (
    AccountTable,
    JournalRow,
    SideValues,
    classify_entry_rows,
    classify_row,
    load_account_table,
)
from ingest.readers.csvrows import CsvDefect, CsvRecords, bad_text_reason, is_blank_cells
from ingest.records import LedgerLine, Reject, Skipped, UnnamedLine
from ingest.values import parse_amount, parse_date

__all__ = ["read_yayoi", "FIELDS", "FLAGS", "MAX_SLIP_LINES", "looks_like_yayoi"]

FIELDS = 25
SINGLE_ENTRY, SINGLE_SLIP = "2000", "2111"
SLIP_FIRST, SLIP_MIDDLE, SLIP_LAST = "2110", "2100", "2101"
FLAGS = frozenset({SINGLE_ENTRY, SINGLE_SLIP, SLIP_FIRST, SLIP_MIDDLE, SLIP_LAST})
_SINGLE = frozenset({SINGLE_ENTRY, SINGLE_SLIP})
MAX_SLIP_LINES = 10_000

# 0-based field indexes
_FLAG, _SLIP_NO, _DATE = 0, 1, 3
_DEBIT, _CREDIT = 4, 10  # account; +1 sub, +4 amount
_MEMO = 16

Result = LedgerLine | UnnamedLine | Reject | Skipped


def looks_like_yayoi(cells: list[str]) -> bool:
    """True for a 25-field row whose first field is a 弥生 識別フラグ."""
    return len(cells) == FIELDS and cells[0].strip() in FLAGS


@dataclass
class _Slip:
    first_line: int
    entry_id: str
    items: list[JournalRow | Reject] = field(default_factory=list)


def read_yayoi(path: Path, encoding: str | None = None, *,
               accounts: AccountTable | None = None) -> Iterator[Result]:
    """Yield a LedgerLine, Skipped or Reject for every journal line of ``path``.

    ``accounts`` is the account-role table (default: :func:`load_account_table`).
    Raises :class:`ingest.decode.EncodingError` for a binary or undecodable file.
    """
    table = accounts or load_account_table()
    name = str(path)
    slip: _Slip | None = None
    for rec in CsvRecords(path, encoding, expected_fields=FIELDS).rows():
        if isinstance(rec, CsvDefect):
            yield Reject(name, rec.line, rec.reason, raw=rec.text)
            continue
        line, cells, raw = rec
        first = cells[0] if cells else ""
        if not first.strip() and is_blank_cells(cells):
            continue
        if first.lstrip().startswith("#"):
            yield Skipped(name, line, "comment line")
            continue
        item = _parse(name, line, cells, raw)
        flag = first.strip()
        if flag in _SINGLE and slip is None:  # the usual case: a one-line entry
            yield item if isinstance(item, Reject) else classify_row(name, item, table)
            continue
        if isinstance(item, Reject) and flag not in FLAGS:
            if slip is not None:
                slip.items.append(item)  # keep line order; the slip stays open
            else:
                yield item
            continue
        if flag in (SINGLE_ENTRY, SINGLE_SLIP, SLIP_FIRST) and slip is not None:
            yield from _unclosed(name, slip, f"a new entry starts at line {line}")
            slip = None
        if flag in _SINGLE:
            yield item if isinstance(item, Reject) else classify_row(name, item, table)
        elif flag == SLIP_FIRST:
            slip = _Slip(line, _entry_id(cells, line))
            slip.items.append(item)
        elif slip is None:
            yield Reject(name, line, f"識別フラグ {flag} without an open slip (no 2110 line "
                         "before it)", column="識別フラグ", raw=raw)
        else:
            slip.items.append(item)
            if flag == SLIP_LAST:
                yield from _finish(name, slip.items, table, slip.entry_id)
                slip = None
            elif len(slip.items) >= MAX_SLIP_LINES:
                yield from _unclosed(name, slip, f"more than {MAX_SLIP_LINES} lines")
                slip = None
    if slip is not None:
        yield from _unclosed(name, slip, "the file ends")


def _entry_id(cells: list[str], line: int) -> str:
    slip_no = cells[_SLIP_NO].strip() if len(cells) > _SLIP_NO else ""
    return slip_no or f"L{line}"


def _finish(name: str, items: list[JournalRow | Reject], table: AccountTable,
            entry_id: str | None = None) -> Iterator[Result]:
    rows = [i for i in items if not isinstance(i, Reject)]
    if entry_id is not None:
        rows = [(line, date, debit, credit, memo, entry_id, raw)
                for line, date, debit, credit, memo, _, raw in rows]
    done: dict[int, Result] = {r.line: r for r in classify_entry_rows(name, rows, table)}
    for i in items:
        yield i if isinstance(i, Reject) else done[i[0]]


def _unclosed(name: str, slip: _Slip, why: str) -> Iterator[Reject]:
    reason = f"slip from line {slip.first_line} has no last line (2101) before {why}"
    for i in slip.items:
        if isinstance(i, Reject):
            yield i
        else:
            yield Reject(name, i[0], reason, column="識別フラグ", raw=i[6])


def _parse(name: str, line: int, cells: list[str], raw: str) -> JournalRow | Reject:
    if "\ufffd" in raw or "\x00" in raw:
        return Reject(name, line, bad_text_reason(raw) or "", raw=raw)
    if len(cells) != FIELDS:
        return Reject(name, line, f"expected {FIELDS} fields, found {len(cells)}",
                      column="fields", raw=raw)
    flag = cells[_FLAG].strip()
    if flag not in FLAGS:
        return Reject(name, line, f"unknown 識別フラグ {flag!r} (2000, 2111, 2110, 2100, "
                      "2101)", column="識別フラグ", raw=raw)
    # The sides: 勘定科目 and 補助科目 at _DEBIT / _CREDIT, 金額 four fields further.
    debit_amount, credit_amount = cells[_DEBIT + 4].strip(), cells[_CREDIT + 4].strip()
    column = "取引日付"
    try:
        date = parse_date(cells[_DATE])
        column = "借方金額"
        d_amount = parse_amount(debit_amount) if debit_amount else None
        column = "貸方金額"
        c_amount = parse_amount(credit_amount) if credit_amount else None
    except ValueError as e:
        return Reject(name, line, str(e), column=column, raw=raw)
    debit: SideValues = (cells[_DEBIT].strip(), cells[_DEBIT + 1].strip(), "", "", d_amount, "")
    credit: SideValues = (cells[_CREDIT].strip(), cells[_CREDIT + 1].strip(), "", "", c_amount,
                          "")
    return (line, date, debit, credit, cells[_MEMO].strip(), cells[_SLIP_NO].strip() or f"L{line}",
            raw)
