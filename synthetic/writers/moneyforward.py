"""Money Forward クラウド会計 仕訳帳 export: current 27-column header or the legacy one.

Current: 取引No, 取引日, then for 借方 and 貸方 each 勘定科目, 補助科目, 部門,
取引先, 税区分, インボイス, 金額(円), 税額, then 摘要, 仕訳メモ, タグ, MF仕訳タイプ,
決算整理仕訳, 作成日時, 作成者, 最終更新日時, 最終更新者. Legacy: no 取引先 /
インボイス and 税区分 before 部門 (the counterparty is the 補助科目). Rows of one
compound entry share 取引No and 取引日. cp932 or UTF-8 with BOM, CRLF.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from synthetic.ledger import ClientBook, Line
from synthetic.writers.common import Malformed, RowWriter
from synthetic.writers.yayoi import tax_class

__all__ = ["write_moneyforward", "CURRENT_HEADER", "LEGACY_HEADER"]

_TAIL = ["摘要", "仕訳メモ", "タグ", "MF仕訳タイプ", "決算整理仕訳", "作成日時", "作成者",
         "最終更新日時", "最終更新者"]
CURRENT_HEADER = ["取引No", "取引日",
                  *[f"{s}{c}" for s in ("借方", "貸方") for c in
                    ("勘定科目", "補助科目", "部門", "取引先", "税区分", "インボイス", "金額(円)", "税額")],
                  *_TAIL]
LEGACY_HEADER = ["取引No", "取引日",
                 *[f"{s}{c}" for s in ("借方", "貸方") for c in
                   ("勘定科目", "補助科目", "税区分", "部門", "金額(円)", "税額")],
                 *_TAIL]


def _kbn(acct: str, amt: int) -> tuple[str, str]:
    kbn, taxable = tax_class(acct)
    kbn = {"課税売上込10%": "課税売上 10%", "課対仕入込10%": "課税仕入 10%"}.get(kbn, kbn)
    return kbn, (str(amt * 10 // 110) if taxable else "")


def _side(current: bool, acct: str, name: str, amt: int, invoice: bool) -> list[str]:
    if not acct:
        return [""] * (8 if current else 6)
    kbn, tax = _kbn(acct, amt)
    if current:
        return [acct, "", "", name, kbn, "適格" if invoice else "", str(amt), tax]
    return [acct, name, kbn, "", str(amt), tax]


def _row(current: bool, no: int, date: str, stamp: str, ln: Line, closing: bool) -> list[str]:
    inv = "登録番号T" in ln.memo
    return [str(no), date, *_side(current, ln.dr, ln.dr_sub, ln.dr_amt, False),
            *_side(current, ln.cr, ln.cr_sub, ln.cr_amt, inv and ln.cr == "買掛金"),
            ln.memo, "", "", "", "本決算" if closing else "", stamp, "BPO担当", stamp, "BPO担当"]


def write_moneyforward(path: Path, rel: str, book: ClientBook, rng: np.random.Generator,
                       bad_rate: float, sink: list[Malformed]) -> int:
    current = book.variant == "current"
    amt_idx = (8, 16) if current else (6, 12)
    with RowWriter(path, rel, book.encoding, "\r\n", rng, bad_rate, sink, book.client_id,
                   "moneyforward") as w:
        w.header(CURRENT_HEADER if current else LEGACY_HEADER)
        no = 0
        for e in book.entries:
            no += 1
            date = f"{e.date.year}/{e.date.month:02d}/{e.date.day:02d}"
            stamp = f"{date} 10:00"
            last: list[str] = []
            for ln in e.lines:
                last = _row(current, no, date, stamp, ln, e.closing)
                w.row(last)
            if e.kind != "other":
                no += 1
                bad = list(last)
                bad[0] = str(no)
                w.maybe_bad(bad, 1, amt_idx)
        return w.rows
