"""torihiki's canonical CSV: one row per trade or settlement, UTF-8, LF.

Header ``date,client_id,counterparty_name,corporate_number,direction,amount,memo``
(see :mod:`ingest.readers.canonical`). Non-trade lines are not written (the
format has no place for them). Some rows carry the 法人番号.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from synthetic.economy import Economy
from synthetic.ledger import ClientBook
from synthetic.writers.common import Malformed, RowWriter

__all__ = ["write_canonical", "HEADER"]

HEADER = ["date", "client_id", "counterparty_name", "corporate_number", "direction", "amount", "memo"]


def write_canonical(path: Path, rel: str, book: ClientBook, econ: Economy,
                    rng: np.random.Generator, bad_rate: float, sink: list[Malformed]) -> int:
    with RowWriter(path, rel, "utf-8", "\n", rng, bad_rate, sink, book.client_id, "canonical") as w:
        w.header(HEADER)
        with_number: dict[int, bool] = {}
        for e in book.entries:
            if e.kind == "other" or e.cp < 0:
                continue
            if e.cp not in with_number:
                with_number[e.cp] = bool(econ.corp_no[e.cp]) and rng.random() < 0.3
            cn = econ.corp_no[e.cp] if with_number[e.cp] else ""
            cells = [e.date.isoformat(), book.client_id, e.name, cn, e.kind, str(e.amount),
                     e.lines[0].memo]
            w.row(cells)
            w.maybe_bad(cells, 0, (5,))
        return w.rows
