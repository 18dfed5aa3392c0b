"""Shared CSV plumbing for readers: rows with their physical line numbers.

``pandas.read_csv(on_bad_lines=...)`` cannot drive a quarantine (it loses
line numbers and only sees some defects), so readers walk rows themselves
with the csv module and validate each one.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from ingest.decode import open_text
from ingest.records import Reject

__all__ = [
    "CsvRow", "iter_csv_rows", "HeaderMap", "map_header", "header_key",
    "CsvRecord", "CsvDefect", "CsvRecords", "bad_text_reason", "RawRecord", "is_blank_cells",
    "csv_error_reason", "Header", "read_header",
]


@dataclass(frozen=True, slots=True)
class CsvRow:
    """One CSV record: its cells, first physical line (1-based) and raw text."""

    line: int
    cells: list[str]
    defect: str = ""  # why the csv module could not read the line (then cells = [its text])

    @property
    def raw(self) -> str:
        return ",".join(self.cells)

    @property
    def is_blank(self) -> bool:
        return not any(c.strip() for c in self.cells)


def iter_csv_rows(path: Path, encoding: str | None = None) -> Iterator[CsvRow]:
    """Yield every CSV record of ``path`` with the line where it starts.

    The encoding is detected when not given (see :mod:`ingest.decode`).
    A stray quote does not swallow the following rows: the line where it
    opens comes out alone as a one-cell row holding its raw text, with the
    reason in :attr:`CsvRow.defect` (readers reject it with that reason — e.g.
    "field too long" —, not for its column count), and the rows after it are
    read normally (see :class:`CsvRecords`).
    """
    for rec in CsvRecords(path, encoding, width_from_first=True):
        if isinstance(rec, CsvDefect):
            yield CsvRow(line=rec.line, cells=[rec.text], defect=rec.reason)
        else:
            yield CsvRow(line=rec.line, cells=rec.cells)


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


@dataclass(frozen=True, slots=True)
class Header:
    """A CSV file's header row: its line (1-based), cells, raw text and the
    fields it maps to column indexes."""

    line: int
    cells: list[str]
    raw: str
    cols: HeaderMap


def read_header(rows: Iterator[CsvRow] | Iterator[RawRecord | CsvDefect], file: str, *,
                synonyms: Mapping[str, Iterable[str]] | None = None,
                mapper: Callable[[list[str]], HeaderMap] | None = None,
                required: Iterable[str] = (), label: str = "header") -> Header | Reject:
    """Find the header row of a CSV with one header row, the one helper of the
    header-mapped readers (firm master, parameters, manifest, canonical, journals).

    Blank rows before the header are skipped. The header's cells are mapped
    to fields with ``synonyms`` (:func:`map_header`) or ``mapper``. Returns
    the :class:`Header`, or the :class:`Reject` that refuses the whole file:
    "empty file (no header row)", "header row: <why the csv module could not
    read it>" (e.g. field too long), or "<label> lacks required columns: …".
    ``rows`` is consumed up to the header; the caller reads the data rows on.
    """
    for rec in rows:
        if isinstance(rec, CsvRow):
            line, cells, defect, raw = rec.line, rec.cells, rec.defect, rec.raw
        elif isinstance(rec, CsvDefect):
            line, cells, defect, raw = rec.line, [rec.text], rec.reason, rec.text
        else:
            line, cells, raw = rec
            defect = ""
        if defect:
            return Reject(file, line, f"header row: {defect}", column="header", raw=raw)
        if is_blank_cells(cells):
            continue
        cols = mapper(cells) if mapper is not None else map_header(cells, synonyms or {})
        missing = [f for f in required if f not in cols]
        if missing:
            return Reject(file, line, f"{label} lacks required columns: {', '.join(missing)}",
                          column="header", raw=raw)
        return Header(line, cells, raw, cols)
    return Reject(file, 1, "empty file (no header row)")


# --- Robust record iteration (additive; used by the journal and bank readers) ---

MAX_RECORD_LINES = 100  # a quoted field may span lines, but not more than this


@dataclass(frozen=True, slots=True)
class CsvRecord:
    """One CSV record with the physical text it came from (for quarantine)."""

    line: int
    cells: list[str]
    text: str  # the record's physical text without the final line end

    @property
    def is_blank(self) -> bool:
        return is_blank_cells(self.cells)


@dataclass(frozen=True, slots=True)
class CsvDefect:
    """A physical line the csv module could not turn into a sane record."""

    line: int
    reason: str
    text: str


RawRecord = tuple[int, list[str], str]
"""A :class:`CsvRecord` as a plain tuple: (line, cells, text)."""


def is_blank_cells(cells: list[str]) -> bool:
    """True when every cell is empty or whitespace (:attr:`CsvRecord.is_blank`)."""
    if cells and cells[0].strip():
        return False  # the usual case, without a generator
    return not any(c.strip() for c in cells)


class _TooManyLines(Exception):
    pass


class CsvRecords:
    """Iterate the CSV records of a file, resynchronising after broken quotes.

    :func:`iter_csv_rows` trusts the csv module: one stray ``"`` makes it glue
    every following line into one field, so good rows would be lost in one
    reject. Here, a record with malformed quoting (a quoted field that does
    not close right before a comma or the line end) is a defect, and a
    record that spans several physical lines is kept only when it is
    well-formed and its field count equals
    :attr:`expected_fields` (set it after reading a header; ``None`` accepts
    any count, or pass ``width_from_first=True`` to expect the width of the
    first non-blank record). Otherwise its first line becomes a :class:`CsvDefect` and the
    following lines are parsed again on their own. A record longer than
    ``max_record_lines`` lines, or a csv error (field
    larger than the csv field limit), is handled the same way, so memory
    stays bounded and no good line is swallowed by a bad one.

    Iterating opens the file; an unreadable file raises
    :class:`ingest.decode.EncodingError` on the first ``next()``.
    """

    def __init__(self, path: Path, encoding: str | None = None, *,
                 expected_fields: int | None = None,
                 max_record_lines: int = MAX_RECORD_LINES,
                 width_from_first: bool = False) -> None:
        self.path = path
        self.encoding = encoding
        self.expected_fields = expected_fields
        self.width_from_first = width_from_first  # expected_fields := first record's width
        self.max_record_lines = max_record_lines

    def __iter__(self) -> Iterator[CsvRecord | CsvDefect]:
        for rec in self.rows():
            yield rec if isinstance(rec, CsvDefect) else CsvRecord(*rec)

    def rows(self) -> Iterator[RawRecord | CsvDefect]:
        """The same as iterating, with each record as a plain ``(line, cells, text)``
        tuple instead of a :class:`CsvRecord` (for readers: one object less per row)."""
        stream, self.encoding = open_text(self.path, self.encoding)
        with stream:
            yield from self._records(stream)

    def _records(self, stream: Iterable[str]) -> Iterator[RawRecord | CsvDefect]:
        lines = enumerate(stream, start=1)
        pending: list[tuple[int, str]] = []  # pushed back, in reverse order
        consumed: list[tuple[int, str]] = []
        # Fast path: a physical line without a quote character is one whole record, and the
        # csv module's cells for it are exactly its text (line end removed) split on commas
        # ([] for an empty line). Lines with a quote, or long enough to reach the csv field
        # limit, go through the csv reader below.
        fast = self.max_record_lines >= 1
        limit = csv.field_size_limit()

        def source() -> Iterator[str]:
            while True:
                item = pending.pop() if pending else next(lines, None)
                if item is None:
                    return
                consumed.append(item)
                if len(consumed) > self.max_record_lines:
                    raise _TooManyLines
                yield item[1]

        reader = csv.reader(source())
        while True:
            if fast:
                # Lines pushed back first, then the file; stop at a line that needs the
                # csv reader (it stays pending, for source() to hand over).
                while pending:
                    item = pending.pop()
                    text = item[1]
                    if '"' in text or len(text) >= limit:
                        pending.append(item)
                        break
                    body = text.rstrip("\r\n")
                    cells = body.split(",") if body else []
                    if self.expected_fields is None and self.width_from_first and any(
                            c.strip() for c in cells):
                        self.expected_fields = len(cells)
                    yield item[0], cells, body
                else:
                    for line_no, text in lines:
                        if '"' in text or len(text) >= limit:
                            pending.append((line_no, text))
                            break
                        body = text.rstrip("\r\n")
                        cells = body.split(",") if body else []
                        if self.expected_fields is None and self.width_from_first and any(
                                c.strip() for c in cells):
                            self.expected_fields = len(cells)
                        yield line_no, cells, body
                    else:
                        return  # the end of the file
            consumed.clear()
            try:
                cells = next(reader)
            except StopIteration:
                return
            except (csv.Error, _TooManyLines) as e:
                reason = (f"record runs over {self.max_record_lines} lines (unbalanced quote?)"
                          if isinstance(e, _TooManyLines) else csv_error_reason(e))
                yield self._resync(consumed, pending, reason)
                reader = csv.reader(source())
                continue
            text = "".join(t for _, t in consumed)
            malformed = '"' in text and not _well_formed(text)
            if len(consumed) > 1 and (malformed or self._swallowed(cells, consumed)):
                yield self._resync(consumed, pending,
                                   "unbalanced quote: the record runs into the next lines")
                reader = csv.reader(source())  # the old source may have hit the end
                continue
            if malformed:
                yield CsvDefect(line=consumed[0][0], text=_chomp(text),
                                reason="malformed quoting: a quoted field is not closed "
                                       "right before a comma or the line end")
                continue
            if self.expected_fields is None and self.width_from_first and any(
                    c.strip() for c in cells):
                self.expected_fields = len(cells)
            yield consumed[0][0], cells, _chomp(text)

    def _swallowed(self, cells: list[str], consumed: list[tuple[int, str]]) -> bool:
        """True when a multi-line record looks like a stray quote ate whole rows.

        (Malformed quoting is caught before this, by :func:`_well_formed`.)
        The record is suspect when its field count is wrong, when a following
        line is on its own
        a complete record of the expected width, or the first line without
        its quotes is. (The last line of a real multi-line field in column 1
        has that width too, so the last line is only checked when the record
        does not open with a quote.)
        """
        n = self.expected_fields
        if n is None:
            return False
        if len(cells) != n:
            return True
        first = consumed[0][1]
        if len(next(csv.reader([first.replace('"', "")]), [])) == n:
            return True
        rest = consumed[1:] if not first.startswith('"') else consumed[1:-1]
        return any(len(next(csv.reader([t]), [])) == n for _, t in rest)

    @staticmethod
    def _resync(consumed: list[tuple[int, str]], pending: list[tuple[int, str]],
                reason: str) -> CsvDefect:
        first = consumed[0]
        pending.extend(reversed(consumed[1:]))
        return CsvDefect(line=first[0], reason=reason, text=_chomp(first[1]))


def csv_error_reason(e: csv.Error) -> str:
    """The reject reason for a csv module error: an oversized field is "field too
    long" (with the limit), not a generic CSV error nor, later, "too few columns"."""
    if "field larger than field limit" in str(e):
        return (f"field too long: a field holds more than {csv.field_size_limit():,} "
                "characters (the CSV field limit)")
    return f"CSV error: {e}"


def _well_formed(text: str) -> bool:
    """True when ``text`` parses under strict quoting: every quoted field closes
    right before a comma or line end, and no quote is left open at the end."""
    try:
        for _ in csv.reader(io.StringIO(text, newline=""), strict=True):
            pass
    except csv.Error:
        return False
    return True


def _chomp(text: str) -> str:
    return text.rstrip("\r\n")


def bad_text_reason(text: str) -> str | None:
    """Reason to reject a row whose text holds undecodable bytes or NULs."""
    if "\ufffd" in text:
        return "bytes that are not valid in the file's encoding"
    if "\x00" in text:
        return "NUL byte in the row (binary data?)"
    return None
