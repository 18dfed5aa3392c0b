"""Shared CSV plumbing for readers: rows with their physical line numbers.

``pandas.read_csv(on_bad_lines=...)`` cannot drive a quarantine (it loses
line numbers and only sees some defects), so readers walk rows themselves
with the csv module and validate each one.
"""

from __future__ import annotations

import csv
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from ingest.decode import open_text

__all__ = ["CsvRow", "iter_csv_rows", "HeaderMap", "map_header", "header_key"]


@dataclass(frozen=True, slots=True)
class CsvRow:
    """One CSV record: its cells, first physical line (1-based) and raw text."""

    line: int
    cells: list[str]

    @property
    def raw(self) -> str:
        return ",".join(self.cells)

    @property
    def is_blank(self) -> bool:
        return not any(c.strip() for c in self.cells)


def iter_csv_rows(path: Path, encoding: str | None = None) -> Iterator[CsvRow]:
    """Yield every CSV record of ``path`` with the line where it starts.

    The encoding is detected when not given (see :mod:`ingest.decode`).
    """
    stream, _ = open_text(path, encoding)
    with stream:
        reader = csv.reader(stream)
        start = 1
        for cells in reader:
            yield CsvRow(line=start, cells=cells)
            start = reader.line_num + 1


def header_key(text: str) -> str:
    """Normalise a header cell for matching: NFKC, lower case, no spaces or BOM."""
    s = unicodedata.normalize("NFKC", text).replace("\ufeff", "").strip().lower()
    return s.replace(" ", "").replace("_", "")


HeaderMap = dict[str, int]


def map_header(cells: Iterable[str], synonyms: Mapping[str, Iterable[str]]) -> HeaderMap:
    """Map canonical field names to column indexes using header synonyms.

    ``synonyms`` maps a field to the header spellings that mean it (English
    and Japanese). Fields not found are absent from the result.
    """
    index = {header_key(c): i for i, c in enumerate(cells)}
    found: HeaderMap = {}
    for field, names in synonyms.items():
        for name in (field, *names):
            i = index.get(header_key(name))
            if i is not None:
                found[field] = i
                break
    return found
