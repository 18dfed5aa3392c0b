"""Bank statement CSV (入出金明細), layout 日付,摘要,支払い金額,預かり金額,差引残高.

cp932, CRLF, one row per movement in date order with the running balance.
Transfers carry the counterparty in bank kana (``振込 ﾔﾏﾀﾞｼﾖｳｼﾞ(ｶ``); salary
and fees are written as 給与振込 / 振込手数料. Amounts are yen, with thousands
separators (quoted) in about half of the files.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from synthetic.ledger import ClientBook
from synthetic.writers.common import Malformed, RowWriter

__all__ = ["write_bank", "HEADER"]

HEADER = ["日付", "摘要", "支払い金額", "預かり金額", "差引残高"]


def write_bank(path: Path, rel: str, book: ClientBook, rng: np.random.Generator,
               bad_rate: float, sink: list[Malformed]) -> int:
    balance = int(rng.integers(5, 60)) * 1_000_000
    low, run = 0, 0
    for _, _, out, inn in book.bank_rows:  # never overdrawn: raise the opening balance
        run += inn - out
        low = min(low, run)
    balance += -low // 1_000_000 * 1_000_000 + (1_000_000 if low < 0 else 0)
    fmt = "{:,}" if rng.random() < 0.5 else "{}"  # some banks write thousands separators
    with RowWriter(path, rel, "cp932", "\r\n", rng, bad_rate, sink, book.client_id, "bank") as w:
        w.header(HEADER)
        for d, memo, out, inn in book.bank_rows:
            balance += inn - out
            cells = [f"{d.year}/{d.month:02d}/{d.day:02d}", memo, fmt.format(out) if out else "",
                     fmt.format(inn) if inn else "", fmt.format(balance)]
            w.row(cells)
            if memo.startswith("振込 "):
                w.maybe_bad(cells, 0, (2, 3), field_count=False)
        return w.rows
