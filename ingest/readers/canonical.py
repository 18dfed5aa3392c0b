"""The canonical ledger CSV: torihiki's own simple format.

One row per ledger line, UTF-8 (with or without BOM) or cp932, with a header.
Columns (English or Japanese header; order free):

===================  ==============  ========  ==========================================
column               Japanese        required  meaning
===================  ==============  ========  ==========================================
date                 日付            yes       ``2025-07-01``, ``20250701``, ``R07/07/01`` …
client_id            顧客ID          no*       the client firm whose ledger this is
counterparty_name    取引先名        yes       the counterparty as written
counterparty_id      取引先ID        no        a known firm id for the counterparty
corporate_number     法人番号        no        13-digit 法人番号 (check digit verified)
direction            区分            yes       ``sale`` / ``purchase`` / ``receipt`` /
                                               ``payment`` (or 売上 / 仕入 / 入金 / 出金)
amount               金額            yes       yen, integer (``1,234``, ``△500`` …)
memo                 摘要            no        free text; ``T`` + 13 digits is read as
                                               an invoice number
===================  ==============  ========  ==========================================

\\* ``client_id`` may be omitted when the loader is given ``--client``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from ingest import corporate_number
from ingest.readers.csvrows import iter_csv_rows, map_header
from ingest.records import Counterparty, Direction, LedgerLine, Reject
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


def read_canonical(path: Path, encoding: str | None = None) -> Iterator[LedgerLine | Reject]:
    """Yield a :class:`LedgerLine` or a :class:`Reject` for every data row.

    Blank lines are skipped. A file without the required header columns
    yields a single reject for line 1 and nothing else.
    """
    name = str(path)
    rows = iter_csv_rows(path, encoding)
    header = next(rows, None)
    if header is None:
        yield Reject(name, 1, "empty file (no header row)")
        return
    cols = map_header(header.cells, SYNONYMS)
    missing = [f for f in REQUIRED if f not in cols]
    if missing:
        yield Reject(name, header.line, f"header lacks required columns: {', '.join(missing)}",
                     column="header", raw=header.raw)
        return
    for row in rows:
        if row.is_blank:
            continue
        yield _parse_row(name, row.line, row.cells, cols)


def _cell(cells: list[str], cols: dict[str, int], field: str) -> str:
    i = cols.get(field)
    return cells[i].strip() if i is not None and i < len(cells) else ""


def _parse_row(name: str, line: int, cells: list[str], cols: dict[str, int]) -> LedgerLine | Reject:
    raw = ",".join(cells)
    if "\ufffd" in raw:
        return Reject(name, line, "bytes that are not valid in the file's encoding", raw=raw)
    if len(cells) < len(cols) and max(cols.values()) >= len(cells):
        return Reject(name, line, f"too few columns ({len(cells)})", raw=raw)
    field = ""
    try:
        field = "date"
        date = parse_date(_cell(cells, cols, "date"))
        field = "direction"
        dtext = _cell(cells, cols, "direction").lower()
        if dtext not in DIRECTIONS:
            raise ValueError(f"direction must be sale, purchase, receipt or payment: {dtext!r}")
        direction = DIRECTIONS[dtext]
        field = "amount"
        amount = parse_amount(_cell(cells, cols, "amount"))
        field = "counterparty_name"
        cp_name = _cell(cells, cols, "counterparty_name")
        cp_id = _cell(cells, cols, "counterparty_id") or None
        if not cp_name and not cp_id:
            raise ValueError("no counterparty (name or id)")
        field = "corporate_number"
        cn = corporate_number.normalize(_cell(cells, cols, "corporate_number"))
    except ValueError as e:
        return Reject(name, line, str(e), column=field, raw=raw)
    memo = _cell(cells, cols, "memo")
    invoices = corporate_number.find_invoice_numbers(memo)
    return LedgerLine(
        file=name,
        line=line,
        date=date,
        direction=direction,
        amount=amount,
        counterparty=Counterparty(
            name=cp_name or (cp_id or ""),
            firm_id=cp_id,
            corporate_number=cn,
            invoice_number=f"T{invoices[0]}" if invoices else None,
        ),
        memo=memo,
        client_id=_cell(cells, cols, "client_id"),
    )
