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
from operator import itemgetter
from pathlib import Path

from ingest.accounts import (
    AccountTable,
    JournalRow,
    SideValues,
    classify_entry_rows,
    classify_row,
    load_account_table,
)
from ingest.readers.csvrows import (
    CsvDefect,
    CsvRecords,
    HeaderMap,
    RawRecord,
    bad_text_reason,
    is_blank_cells,
    map_header,
    read_header,
)
from ingest.records import LedgerLine, Reject, Skipped, UnnamedLine
from ingest.values import parse_amount, parse_date

__all__ = [
    "read_freee", "read_journal_csv", "JournalSpec", "FREEE_COLUMNS", "FREEE_SPEC",
    "MAX_ENTRY_LINES", "looks_like_freee",
]

MAX_ENTRY_LINES = 10_000
Result = LedgerLine | UnnamedLine | Reject | Skipped


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
    rows = records.rows()
    header = read_header(rows, name, synonyms=spec.columns, required=spec.required,
                         label=f"{spec.name} header")
    if isinstance(header, Reject):
        yield header
        return
    cols = header.cols
    if "debit_amount" not in cols and "credit_amount" not in cols:
        yield Reject(name, header.line, f"{spec.name} header lacks required columns: "
                     "debit_amount or credit_amount", column="header", raw=header.raw)
        return
    records.expected_fields = len(header.cells)
    yield from _entries(name, rows, cols, len(header.cells), spec, table)


def _entries(name: str, rows: Iterator[RawRecord | CsvDefect], cols: HeaderMap, width: int,
             spec: JournalSpec, table: AccountTable) -> Iterator[Result]:
    group: list[JournalRow] = []
    held: list[Reject] = []  # rejects met while an entry is open, to keep line order
    key: object = None
    grouping = all(f in cols for f in spec.group_by) and bool(spec.group_by)
    # The entry key of a row: its entry id (``L<line>`` when blank, so unique) and/or date.
    entry_key = itemgetter(*(1 if f == "date" else 5 for f in spec.group_by)) if grouping else None
    plan = _Plan(cols)
    for rec in rows:
        if isinstance(rec, CsvDefect):
            item: JournalRow | Reject = Reject(name, rec.line, rec.reason, raw=rec.text)
        else:
            line, cells, raw = rec
            if not (cells and cells[0].strip()) and is_blank_cells(cells):
                continue
            item = _parse(name, line, cells, raw, plan, width)
        if isinstance(item, Reject):
            if group:
                held.append(item)
            else:
                yield item
            continue
        k = entry_key(item) if entry_key is not None else None
        if group and (k is None or k != key or len(group) >= MAX_ENTRY_LINES):
            if len(group) == 1 and not held:  # a one-line entry is classified alone
                yield classify_row(name, group[0], table)
            else:
                yield from _flush(name, group, held, table)
            group, held = [], []
        group.append(item)
        key = k
    if group:
        yield from _flush(name, group, held, table)


def _flush(name: str, group: list[JournalRow], held: list[Reject],
           table: AccountTable) -> list[Result]:
    out: list[Result] = [*classify_entry_rows(name, group, table), *held]
    return sorted(out, key=lambda r: r.line) if held else out


class _Plan:
    """Getters for the fields of a journal row, made once per file from its header.

    A field the header lacks is read from index -1, where :func:`_parse` puts an
    empty cell.
    """

    __slots__ = ("debit", "credit", "rest")

    def __init__(self, cols: HeaderMap) -> None:
        def at(field: str) -> int:
            i = cols.get(field)
            return -1 if i is None else i

        # account, sub, partner, partner_code, amount, invoice
        self.debit = itemgetter(*(at(f"debit_{f}") for f in _SIDE_FIELDS))
        self.credit = itemgetter(*(at(f"credit_{f}") for f in _SIDE_FIELDS))
        self.rest = itemgetter(at("date"), at("memo"), at("memo2"), at("entry_id"))


_SIDE_FIELDS = ("account", "sub", "partner", "partner_code", "amount", "invoice")


def _parse(name: str, line: int, cells: list[str], raw: str, plan: _Plan,
           width: int) -> JournalRow | Reject:
    """One row → its fields, or a Reject (bad bytes, field count, date or amount)."""
    if "\ufffd" in raw or "\x00" in raw:
        return Reject(name, line, bad_text_reason(raw) or "", raw=raw)
    n = len(cells)
    if n < width or (n > width and any(c.strip() for c in cells[width:])):
        return Reject(name, line, f"expected {width} fields, found {n}",
                      column="fields", raw=raw)
    # Every header column is below the header's width, and so below n; a column the
    # header lacks is read from this empty cell (index -1). (The list is this row's own.)
    cells.append("")
    d_account, d_sub, d_partner, d_code, d_amount_text, d_invoice = plan.debit(cells)
    c_account, c_sub, c_partner, c_code, c_amount_text, c_invoice = plan.credit(cells)
    date_text, memo, memo2, entry_id = plan.rest(cells)
    d_amount_text, c_amount_text = d_amount_text.strip(), c_amount_text.strip()
    column = "date"
    try:
        date = parse_date(date_text.strip())
        column = "debit_amount"
        d_amount = parse_amount(d_amount_text) if d_amount_text else None
        column = "credit_amount"
        c_amount = parse_amount(c_amount_text) if c_amount_text else None
    except ValueError as e:
        return Reject(name, line, str(e), column=column, raw=raw)
    memo, memo2 = memo.strip(), memo2.strip()
    if memo2:
        memo = f"{memo} {memo2}" if memo else memo2
    debit: SideValues = (d_account.strip(), d_sub.strip(), d_partner.strip(), d_code.strip(),
                         d_amount, d_invoice.strip())
    credit: SideValues = (c_account.strip(), c_sub.strip(), c_partner.strip(), c_code.strip(),
                          c_amount, c_invoice.strip())
    return line, date, debit, credit, memo, entry_id.strip() or f"L{line}", raw
