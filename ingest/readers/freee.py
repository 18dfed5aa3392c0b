"""freee 仕訳帳 export → ledger lines; also the header-mapped journal engine.

freee lets the user choose the exported columns (up to ~95), in UTF-8 or
Shift_JIS (read as cp932), so columns are found by header name
(:data:`FREEE_COLUMNS`): 取引日, 借方勘定科目, 借方金額, 借方取引先名 (and
コード), 貸方 the same, 摘要 / 備考, 仕訳ID (or 仕訳番号, 取引ID). Consecutive
rows with the same 仕訳ID form one compound entry. Each row is classified by
:mod:`ingest.accounts`; the 取引先 column is the counterparty when present.

:func:`read_journal_csv` with a :class:`JournalSpec` is the engine shared with
:mod:`ingest.readers.moneyforward`: it reads the header, maps columns by
synonyms, checks each row's field count, groups consecutive rows of one
entry (bounded by :data:`MAX_ENTRY_LINES`), and yields one result per row.
A header without the required columns yields one Reject for the header line
(like the canonical reader). Amounts are yen.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from ingest.accounts import AccountTable, JournalLine, Side, classify_entry, load_account_table
from ingest.readers.csvrows import (
    CsvDefect,
    CsvRecord,
    CsvRecords,
    HeaderMap,
    bad_text_reason,
    map_header,
)
from ingest.records import LedgerLine, Reject, Skipped
from ingest.values import parse_amount, parse_date

__all__ = [
    "read_freee", "read_journal_csv", "JournalSpec", "FREEE_COLUMNS", "FREEE_SPEC",
    "MAX_ENTRY_LINES", "looks_like_freee",
]

MAX_ENTRY_LINES = 10_000
Result = LedgerLine | Reject | Skipped


@dataclass(frozen=True)
class JournalSpec:
    """How a header-mapped journal CSV names its columns.

    ``columns`` maps the fields ``date``, ``entry_id``, ``memo``, ``memo2``,
    and ``debit_``/``credit_`` + ``account``, ``sub``, ``partner``,
    ``partner_code``, ``amount``, ``invoice`` to header spellings.
    ``group_by`` lists the fields (``entry_id``, ``date``) whose equal values
    on consecutive rows make one compound entry (empty, or no entry-id
    column: every row is its own entry; a blank entry id never groups).
    """

    name: str
    columns: Mapping[str, tuple[str, ...]]
    group_by: tuple[str, ...] = ("entry_id",)
    required: tuple[str, ...] = ("date", "debit_account", "credit_account")


def _sides(prefix: str, jp: str, partner: tuple[str, ...], amount: tuple[str, ...]
           ) -> dict[str, tuple[str, ...]]:
    return {
        f"{prefix}_account": (f"{jp}勘定科目", f"{jp}科目"),
        f"{prefix}_sub": (f"{jp}補助科目",),
        f"{prefix}_partner": partner,
        f"{prefix}_partner_code": (f"{jp}取引先コード",),
        f"{prefix}_amount": amount,
    }


FREEE_COLUMNS: dict[str, tuple[str, ...]] = {
    "date": ("取引日", "発生日", "日付", "取引日付", "仕訳日"),
    "entry_id": ("仕訳ID", "仕訳番号", "取引ID", "伝票番号", "取引番号"),
    **_sides("debit", "借方", ("借方取引先名", "借方取引先"),
             ("借方金額", "借方金額(円)", "借方金額(税込)")),
    **_sides("credit", "貸方", ("貸方取引先名", "貸方取引先"),
             ("貸方金額", "貸方金額(円)", "貸方金額(税込)")),
    "memo": ("摘要",),
    "memo2": ("備考",),
}
FREEE_SPEC = JournalSpec("freee", FREEE_COLUMNS)


def looks_like_freee(header_cells: list[str]) -> bool:
    """True when a header has freee's journal columns (date, both accounts, an amount)."""
    cols = map_header(header_cells, FREEE_COLUMNS)
    return (all(f in cols for f in FREEE_SPEC.required)
            and ("debit_amount" in cols or "credit_amount" in cols))


def read_freee(path: Path, encoding: str | None = None, *,
               accounts: AccountTable | None = None) -> Iterator[Result]:
    """Yield a LedgerLine, Skipped or Reject for every row of a freee 仕訳帳 CSV."""
    return read_journal_csv(path, FREEE_SPEC, encoding, accounts=accounts)


def read_journal_csv(path: Path, spec: JournalSpec, encoding: str | None = None, *,
                     accounts: AccountTable | None = None) -> Iterator[Result]:
    """Read a header-mapped journal CSV described by ``spec`` (see module doc)."""
    table = accounts or load_account_table()
    name = str(path)
    records = CsvRecords(path, encoding)
    rows = iter(records)
    header: CsvRecord | None = None
    for first in rows:
        if isinstance(first, CsvDefect):
            yield Reject(name, first.line, f"header row: {first.reason}", column="header",
                         raw=first.text)
            return
        if not first.is_blank:
            header = first
            break
    if header is None:
        yield Reject(name, 1, "empty file (no header row)")
        return
    cols = map_header(header.cells, spec.columns)
    missing = [f for f in spec.required if f not in cols]
    if "debit_amount" not in cols and "credit_amount" not in cols:
        missing.append("debit_amount or credit_amount")
    if missing:
        yield Reject(name, header.line, f"{spec.name} header lacks columns: {', '.join(missing)}",
                     column="header", raw=header.text)
        return
    records.expected_fields = len(header.cells)
    yield from _entries(name, rows, cols, len(header.cells), spec, table)


def _entries(name: str, rows: Iterator[CsvRecord | CsvDefect], cols: HeaderMap, width: int,
             spec: JournalSpec, table: AccountTable) -> Iterator[Result]:
    group: list[JournalLine] = []
    held: list[Reject] = []  # rejects met while an entry is open, to keep line order
    key: tuple[str, ...] | None = None
    grouping = all(f in cols for f in spec.group_by) and bool(spec.group_by)
    for rec in rows:
        if isinstance(rec, CsvRecord) and rec.is_blank:
            continue
        item = (_parse(name, rec, cols, width) if isinstance(rec, CsvRecord)
                else Reject(name, rec.line, rec.reason, raw=rec.text))
        if isinstance(item, Reject):
            if group:
                held.append(item)
            else:
                yield item
            continue
        k = _key(item, spec) if grouping else None
        if group and (k is None or k != key or len(group) >= MAX_ENTRY_LINES):
            yield from _flush(group, held, table)
            group, held = [], []
        group.append(item)
        key = k
    if group:
        yield from _flush(group, held, table)


def _key(jl: JournalLine, spec: JournalSpec) -> tuple[str, ...]:
    """Entry key of a row: its entry id (``L<line>`` when blank, so unique), and date."""
    return tuple(jl.date.isoformat() if f == "date" else jl.entry_id for f in spec.group_by)


def _flush(group: list[JournalLine], held: list[Reject], table: AccountTable) -> list[Result]:
    out: list[Result] = [*classify_entry(group, table), *held]
    return sorted(out, key=lambda r: r.line) if held else out


def _cell(cells: list[str], cols: HeaderMap, field: str) -> str:
    i = cols.get(field)
    return cells[i].strip() if i is not None and i < len(cells) else ""


def _parse(name: str, rec: CsvRecord, cols: HeaderMap, width: int) -> JournalLine | Reject:
    cells, raw = rec.cells, rec.text
    bad = bad_text_reason(raw)
    if bad:
        return Reject(name, rec.line, bad, raw=raw)
    if len(cells) < width or any(c.strip() for c in cells[width:]):
        return Reject(name, rec.line, f"expected {width} fields, found {len(cells)}",
                      column="fields", raw=raw)
    column = "date"
    try:
        date = parse_date(_cell(cells, cols, "date"))
        column = "debit_amount"
        debit = _side(cells, cols, "debit")
        column = "credit_amount"
        credit = _side(cells, cols, "credit")
    except ValueError as e:
        return Reject(name, rec.line, str(e), column=column, raw=raw)
    memo = " ".join(m for m in (_cell(cells, cols, "memo"), _cell(cells, cols, "memo2")) if m)
    entry_id = _cell(cells, cols, "entry_id") or f"L{rec.line}"
    return JournalLine(name, rec.line, date, debit, credit, memo, entry_id, raw)


def _side(cells: list[str], cols: HeaderMap, prefix: str) -> Side:
    amount = _cell(cells, cols, f"{prefix}_amount")
    return Side(
        account=_cell(cells, cols, f"{prefix}_account"),
        sub=_cell(cells, cols, f"{prefix}_sub"),
        partner=_cell(cells, cols, f"{prefix}_partner"),
        partner_code=_cell(cells, cols, f"{prefix}_partner_code"),
        amount=parse_amount(amount) if amount else None,
        invoice=_cell(cells, cols, f"{prefix}_invoice"),
    )
