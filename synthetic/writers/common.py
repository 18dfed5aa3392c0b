"""Shared CSV plumbing for the writers: encodings, line ends, planted bad rows.

Why: a planted malformed row must be recorded with the physical line where
it lands, so every writer goes through :class:`RowWriter`, which counts
lines as it writes and inserts corrupted copies of good rows.
"""

from __future__ import annotations

import csv
from pathlib import Path
from types import TracebackType
from typing import NamedTuple

import numpy as np

from synthetic.noise import bad_amount, bad_date

__all__ = ["Malformed", "RowWriter"]


class Malformed(NamedTuple):
    """A planted bad row: file (relative path), 1-based line, reason, client, format."""

    path: str
    line: int
    reason: str
    client_id: str
    fmt: str


class RowWriter:
    """Writes CSV rows, counting physical lines (one row never spans lines)."""

    def __init__(self, path: Path, rel: str, encoding: str, newline: str,
                 rng: np.random.Generator, bad_rate: float, sink: list[Malformed],
                 client_id: str, fmt: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._fh = path.open("w", encoding=encoding, newline="")
        self._w = csv.writer(self._fh, lineterminator=newline)
        self._nl = newline
        self.rel, self.rng, self.rate, self.sink = rel, rng, bad_rate, sink
        self.client_id, self.fmt = client_id, fmt
        self.line = 0
        self.rows = 0

    def __enter__(self) -> RowWriter:
        return self

    def __exit__(self, et: type[BaseException] | None, e: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._fh.close()

    def header(self, cells: list[str]) -> None:
        self._w.writerow(cells)
        self.line += 1

    def comment(self, text: str) -> None:
        self._fh.write(text + self._nl)
        self.line += 1

    def row(self, cells: list[str]) -> None:
        self._w.writerow(cells)
        self.line += 1
        self.rows += 1

    def maybe_bad(self, cells: list[str], date_idx: int, amount_idx: tuple[int, ...],
                  field_count: bool = True) -> None:
        """With the configured probability, write a corrupted copy of ``cells``."""
        if self.rate <= 0 or self.rng.random() >= self.rate:
            return
        bad = list(cells)
        kinds = 3 if field_count else 2
        k = int(self.rng.integers(kinds))
        if k == 0:
            bad[date_idx] = bad_date(bad[date_idx], self.rng)
            reason = "bad date"
        elif k == 1:
            text = bad_amount(self.rng)
            for i in amount_idx:
                if bad[i]:
                    bad[i] = text
            reason = "non-numeric amount"
        else:
            bad = bad[:-1]
            reason = "wrong field count"
        self._w.writerow(bad)
        self.line += 1
        self.rows += 1
        self.sink.append(Malformed(self.rel, self.line, reason, self.client_id, self.fmt))
