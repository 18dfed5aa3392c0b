"""The canonical ledger CSV: torihiki's own simple format.

One row per ledger line, UTF-8 (with or without BOM) or cp932, with a header.
Columns (English or Japanese header; order free):

===================  ==============  ========  ==========================================
column               Japanese        required  meaning
===================  ==============  ========  ==========================================
date                 日付            yes       ``2025-07-01``, ``20250701``, ``R07/07/01`` …
client_id            顧客ID          no*       the client firm whose ledger this is
counterparty_name    取引先名        yes†      the counterparty as written
counterparty_id      取引先ID        no        a known firm id for the counterparty
corporate_number     法人番号        no        13-digit 法人番号 (check digit verified)
direction            区分            yes       ``sale`` / ``purchase`` / ``receipt`` /
                                               ``payment`` (or 売上 / 仕入 / 入金 / 出金)
amount               金額            yes       yen, integer (``1,234``, ``△500`` …)
memo                 摘要            no        free text; ``T`` + 13 digits is read as
                                               an invoice number
===================  ==============  ========  ==========================================

\\* ``client_id`` may be omitted when the loader is given ``--client``.

† the column is required; a row may leave it (and ``counterparty_id``)
blank: a sale, purchase, receipt or payment with no one named (cash sales to
walk-in customers) is an :class:`~ingest.records.UnnamedLine`, counted in the
client's own figures, not in the network.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from operator import itemgetter
from pathlib import Path

from ingest import corporate_number
from ingest.readers.csvrows import (
    CsvDefect,
    CsvRecords,
    is_blank_cells,
    map_header,
    read_header,
)
from ingest.records import (
    Counterparty,
    Direction,
    LedgerLine,
    Reject,
    UnnamedLine,
    new_ledger_line,
)
from ingest.values import parse_amount, parse_date

__all__ = ["read_canonical", "SYNONYMS", "looks_like_canonical"]

SYNONYMS: dict[str, tuple[str, ...]] = {
    "date": ("日付", "取引日", "年月日"),
    "client_id": ("顧客ID", "クライアントID", "client", "企業ID"),
    "counterparty_name": ("取引先名", "取引先", "counterparty"),
    "counterparty_id": ("取引先ID", "取引先コード"),
    "corporate_number": ("法人番号", "取引先法人番号"),
    "direction": ("区分", "取引区分", "方向"),
    "amount": ("金額", "金額(円)", "amount_yen"),
    "memo": ("摘要", "備考", "メモ"),
}
REQUIRED = ("date", "counterparty_name", "direction", "amount")

DIRECTIONS: dict[str, Direction] = {
    "sale": Direction.SALE, "sales": Direction.SALE, "売上": Direction.SALE,
    "purchase": Direction.PURCHASE, "purchases": Direction.PURCHASE, "仕入": Direction.PURCHASE,
    "receipt": Direction.RECEIPT, "入金": Direction.RECEIPT,
    "payment": Direction.PAYMENT, "出金": Direction.PAYMENT, "支払": Direction.PAYMENT,
}


def looks_like_canonical(header_cells: list[str]) -> bool:
    """True when a header row has every required canonical column."""
    found = map_header(header_cells, SYNONYMS)
    return all(f in found for f in REQUIRED)


def read_canonical(path: Path, encoding: str | None = None
                   ) -> Iterator[LedgerLine | UnnamedLine | Reject]:
    """Yield a :class:`LedgerLine`, :class:`UnnamedLine` or :class:`Reject` for every data row.

    Blank lines are skipped. A file without the required header columns
    yields a single reject for line 1 and nothing else.
    """
    name = str(path)
    # The rows of iter_csv_rows, without a CsvRow per row.
    rows = CsvRecords(path, encoding, width_from_first=True).rows()
    header = read_header(rows, name, synonyms=SYNONYMS, required=REQUIRED)
    if isinstance(header, Reject):
        yield header
        return
    plan = _Plan(header.cols, len(header.cells))
    for rec in rows:
        if isinstance(rec, CsvDefect):  # e.g. "field too long", not "too few columns"
            yield Reject(name, rec.line, rec.reason, raw=rec.text)
        elif not is_blank_cells(rec[1]):
            yield _parse_row(name, rec[0], rec[1], plan, rec[2])


_THOUSANDS = re.compile(r"\d{3}")
_LEADING = re.compile(r"-?\d{1,3}")


def _split_amount(cells: list[str], plan: _Plan) -> bool:
    """Whether the amount looks cut at a thousands separator: 1–3 digits, then
    a cell of exactly three digits (``587`` | ``400``)."""
    i = plan.amount_col
    return (i >= 0 and i + 1 < len(cells) and _LEADING.fullmatch(cells[i].strip()) is not None
            and _THOUSANDS.fullmatch(cells[i + 1].strip()) is not None)


class _Plan:
    """A getter for the canonical fields of a row, made once per file from its header.

    A field the header lacks is read from index -1, where :func:`_parse_row` puts an
    empty cell.
    """

    __slots__ = ("get", "ncols", "max_col", "width", "amount_col", "memo_last")

    def __init__(self, cols: dict[str, int], width: int) -> None:
        self.get = itemgetter(*(cols.get(f, -1) for f in _FIELDS))
        self.ncols, self.max_col = len(cols), max(cols.values())
        self.width = width  # cells of the header row
        self.amount_col = cols.get("amount", -1)
        # the memo is the header's last column, right after the amount: a row that split its amount
        # and left off its empty memo is as wide as the header
        self.memo_last = cols.get("memo") == width - 1 == self.amount_col + 1


_FIELDS = ("date", "direction", "amount", "counterparty_name", "counterparty_id",
           "corporate_number", "memo", "client_id")


def _parse_row(name: str, line: int, cells: list[str], plan: _Plan,
               raw: str) -> LedgerLine | UnnamedLine | Reject:
    """One data row → a ledger line (or an unnamed one), or a Reject with the
    column and reason; ``raw``: the row as the file writes it (quotes kept),
    for the rejects file."""
    if "\ufffd" in raw:
        return Reject(name, line, "bytes that are not valid in the file's encoding", raw=raw)
    if "\x00" in raw:
        return Reject(name, line, "NUL byte in the row (binary data?)", raw=raw)
    n = len(cells)
    if n < plan.ncols and plan.max_col >= n:
        return Reject(name, line, f"too few columns ({n})", raw=raw)
    if (n > plan.width and (any(c.strip() for c in cells[plan.width:]) or _split_amount(cells, plan))) or (
            n == plan.width and plan.memo_last and _split_amount(cells, plan)):
        # (a writer that leaves off an empty last memo makes 587,400 as wide as the header)
        # 587,400 unquoted is two cells: read as 587 it would load wrong without a word (a row
        # one empty cell wider than the header, a trailing comma, is read as it is)
        return Reject(name, line, f"more columns ({n}) than the header ({plan.width}): a value with a comma, "
                      'such as an amount written 1,234,567, must be in quotes ("1,234,567")', raw=raw)
    # A column past the end of a short row reads as empty, as does a field the header
    # lacks (index -1). (The list is this row's own.)
    if plan.max_col >= n:
        cells.extend([""] * (plan.max_col + 1 - n))
    cells.append("")
    date_text, dtext, amount_text, cp_name, cp_id_text, number, memo, client_id = plan.get(cells)
    field = ""
    try:
        field = "date"
        date = parse_date(date_text.strip())
        field = "direction"
        dtext = dtext.strip().lower()
        direction = DIRECTIONS.get(dtext)
        if direction is None:
            raise ValueError(f"direction must be sale, purchase, receipt or payment: {dtext!r}")
        field = "amount"
        amount = parse_amount(amount_text.strip())
        field = "counterparty_name"
        cp_name = cp_name.strip()
        cp_id = cp_id_text.strip() or None
        field = "corporate_number"
        cn = corporate_number.normalize(number.strip())
    except ValueError as e:
        return Reject(name, line, str(e), column=field, raw=raw)
    if not cp_name and not cp_id:
        if cn:
            return Reject(name, line, "法人番号 without a counterparty name or id",
                          column="counterparty_name", raw=raw)
        return UnnamedLine(name, line, date, direction, amount,
                           reason=f"no counterparty ({direction.value})",
                           client_id=client_id.strip())
    memo = memo.strip()
    invoices = corporate_number.find_invoice_numbers(memo) if memo else []
    return new_ledger_line(
        file=name,
        line=line,
        date=date,
        direction=direction,
        amount=amount,
        counterparty=_counterparty(cp_name or (cp_id or ""), cp_id, cn,
                                   f"T{invoices[0]}" if invoices else None),
        memo=memo,
        client_id=client_id.strip(),
    )


@lru_cache(maxsize=65536)  # the same counterparties every month: one frozen object each
def _counterparty(name: str, firm_id: str | None, number: str | None,
                  invoice: str | None) -> Counterparty:
    return Counterparty(name=name, firm_id=firm_id, corporate_number=number,
                        invoice_number=invoice)
