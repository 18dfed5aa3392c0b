"""弥生会計 import format: 25 fields, no header, cp932, CRLF.

識別フラグ 2000 for a one-line entry, 2111 for a one-line slip, 2110 / 2100 /
2101 for the first / middle / last line of a multi-line slip. Dates are
``2024/04/30`` or, for some clients, Japanese era ``R06/04/30``. A ``#``
comment opens the file. Amounts are integer yen (tax-inclusive, with the
included 10% tax in the 税金額 field for taxable lines).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np

from synthetic.ledger import ClientBook, Line
from synthetic.writers.common import Malformed, RowWriter

__all__ = ["write_yayoi", "format_date", "tax_class"]


def format_date(d: dt.date, era: bool) -> str:
    if era and d >= dt.date(2019, 5, 1):
        return f"R{d.year - 2018:02d}/{d.month:02d}/{d.day:02d}"
    return f"{d.year:04d}/{d.month:02d}/{d.day:02d}"


def tax_class(account: str) -> tuple[str, bool]:
    """(税区分, taxable) for an account."""
    if account == "売上高":
        return "課税売上込10%", True
    if account in ("仕入高", "外注費"):
        return "課対仕入込10%", True
    return ("対象外", False) if account else ("", False)


def _side(acct: str, sub: str, amt: int) -> list[str]:
    kbn, taxable = tax_class(acct)
    if not acct:
        return ["", "", "", "", "", ""]
    return [acct, sub, "", kbn, str(amt), str(amt * 10 // 110) if taxable else ""]


def _cells(flag: str, no: int, closing: bool, date: str, ln: Line) -> list[str]:
    return [flag, str(no), "本決" if closing else "", date, *_side(ln.dr, ln.dr_sub, ln.dr_amt),
            *_side(ln.cr, ln.cr_sub, ln.cr_amt), ln.memo, "", "", "0", "", "", "0", "0", "no"]


def write_yayoi(path: Path, rel: str, book: ClientBook, rng: np.random.Generator,
                bad_rate: float, sink: list[Malformed]) -> int:
    with RowWriter(path, rel, "cp932", "\r\n", rng, bad_rate, sink, book.client_id, "yayoi") as w:
        w.comment(f"# 仕訳日記帳 {book.client_id} 弥生インポート形式")
        for no, e in enumerate(book.entries, start=1):
            date = format_date(e.date, book.era_dates)
            n = len(e.lines)
            last: list[str] = []
            for i, ln in enumerate(e.lines):
                if n == 1:
                    flag = "2000" if no % 5 else "2111"
                else:
                    flag = "2110" if i == 0 else "2101" if i == n - 1 else "2100"
                last = _cells(flag, no, e.closing, date, ln)
                w.row(last)
            if e.kind != "other":
                bad = list(last)
                bad[0] = "2000"
                w.maybe_bad(bad, 3, (8, 14))
        return w.rows
