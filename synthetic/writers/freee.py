"""freee 仕訳帳 export: header row, UTF-8 (BOM) or cp932, CRLF.

Columns are user-chosen in freee; two layouts are written: ``full`` (with
補助科目, 取引先コード/名, 税区分, 税額, 備考) and ``short`` (取引日, 仕訳ID,
accounts, 取引先名, amounts, 摘要). Rows of one compound entry share 仕訳ID.
The counterparty is in 取引先名 on the receivable/payable side.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from synthetic.ledger import ClientBook, Line
from synthetic.writers.common import Malformed, RowWriter
from synthetic.writers.yayoi import tax_class

__all__ = ["write_freee", "FULL_HEADER", "SHORT_HEADER"]

FULL_HEADER = ["取引日", "伝票番号", "仕訳ID", "借方勘定科目", "借方補助科目", "借方取引先コード",
               "借方取引先名", "借方税区分", "借方金額", "借方税額", "貸方勘定科目", "貸方補助科目",
               "貸方取引先コード", "貸方取引先名", "貸方税区分", "貸方金額", "貸方税額", "摘要", "備考"]
SHORT_HEADER = ["取引日", "仕訳ID", "借方勘定科目", "借方取引先名", "借方金額", "貸方勘定科目",
                "貸方取引先名", "貸方金額", "摘要"]


def _kbn(acct: str, amt: int) -> tuple[str, str]:
    kbn, taxable = tax_class(acct)
    kbn = kbn.replace("課税売上込10%", "課税売上10%").replace("課対仕入込10%", "課対仕入10%")
    return kbn, (str(amt * 10 // 110) if taxable else "")


def _full(date: str, slip: int, jid: int, ln: Line) -> list[str]:
    dk, dt_ = _kbn(ln.dr, ln.dr_amt)
    ck, ct = _kbn(ln.cr, ln.cr_amt)
    return [date, str(slip), str(jid), ln.dr, "", "", ln.dr_sub, dk if ln.dr else "",
            str(ln.dr_amt) if ln.dr else "", dt_, ln.cr, "", "", ln.cr_sub, ck if ln.cr else "",
            str(ln.cr_amt) if ln.cr else "", ct, ln.memo, ""]


def _short(date: str, jid: int, ln: Line) -> list[str]:
    return [date, str(jid), ln.dr, ln.dr_sub, str(ln.dr_amt) if ln.dr else "", ln.cr, ln.cr_sub,
            str(ln.cr_amt) if ln.cr else "", ln.memo]


def write_freee(path: Path, rel: str, book: ClientBook, rng: np.random.Generator,
                bad_rate: float, sink: list[Malformed]) -> int:
    full = book.variant == "full"
    with RowWriter(path, rel, book.encoding, "\r\n", rng, bad_rate, sink, book.client_id,
                   "freee") as w:
        w.header(FULL_HEADER if full else SHORT_HEADER)
        jid = 1000
        for slip, e in enumerate(book.entries, start=1):
            jid += 1
            date = f"{e.date.year}/{e.date.month:02d}/{e.date.day:02d}"
            last: list[str] = []
            for ln in e.lines:
                last = _full(date, slip, jid, ln) if full else _short(date, jid, ln)
                w.row(last)
            if e.kind != "other":
                jid += 1
                bad = list(last)
                bad[2 if full else 1] = str(jid)
                w.maybe_bad(bad, 0, (8, 15) if full else (4, 7))
        return w.rows
