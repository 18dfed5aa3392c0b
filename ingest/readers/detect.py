"""Which ledger format is this file, and read it with the right reader.

:func:`detect_format` sniffs the first :data:`SAMPLE_BYTES` of a file:

1. 全銀 総合振込: the file starts with a 120-byte header record ``1`` + 種別
   ``21`` (or payroll ``11``/``12``), followed by a line end, a data/trailer
   record, or nothing.
2. The text encoding is detected (UTF-8 with/without BOM, cp932); binary or
   undecodable → :class:`ingest.decode.EncodingError`.
3. 弥生: one of the first rows that is not a ``#`` comment has 25 fields and
   a 識別フラグ (2000, 2111, 2110, 2100, 2101) in field 1 — no header.
4. Header names of the first non-blank row: Money Forward (取引No, 取引日,
   借方/貸方勘定科目, 借方金額(円)…), then freee (取引日, 借方/貸方勘定科目,
   借方金額…), then the canonical CSV (日付, 取引先名, 区分, 金額).
5. A bank statement: one of the first :data:`_SCAN_ROWS` rows (banks put account
   details above the header: ゆうちょ 7 rows, みずほ 9) is the header of a built-in
   bank layout (:data:`ingest.readers.bank.BUILTIN_LAYOUTS`) or has the words of
   one (a date, withdrawal and deposit or a signed amount, a description:
   :func:`ingest.readers.bank.find_layout`).

Anything else raises :class:`FormatError` with a one-line reason.
:func:`read_ledger` dispatches to ``read_<format>`` (detecting when no
format is given). Readers are imported lazily: they import
:class:`FormatError` from here.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Callable, Iterator
from enum import StrEnum
from pathlib import Path
from typing import Any

from ingest.decode import detect_encoding
from ingest.records import LedgerLine, Reject, Skipped, UnnamedLine

__all__ = ["Format", "FormatError", "detect_format", "read_ledger", "reader_for", "SAMPLE_BYTES", "BANK_FORMATS"]

SAMPLE_BYTES = 1 << 16
_SCAN_ROWS = 15  # = ingest.readers.bank.HEADER_SCAN_ROWS


class FormatError(ValueError):
    """The file is not in a format torihiki can read (one-line human reason)."""


class Format(StrEnum):
    """The ledger formats :func:`read_ledger` knows."""

    CANONICAL = "canonical"
    YAYOI = "yayoi"
    FREEE = "freee"
    MONEYFORWARD = "moneyforward"
    ZENGIN = "zengin"
    BANK = "bank"


BANK_FORMATS: frozenset[str] = frozenset({Format.ZENGIN, Format.BANK})
"""Formats that record settlements as the bank made them (a bank statement,
a 全銀 transfer file). A journal (the other formats) books settlements too,
usually from the same statement: both of one client and month count twice."""

Reader = Callable[..., Iterator[LedgerLine | UnnamedLine | Reject | Skipped]]


def detect_format(path: Path) -> Format:
    """Sniff ``path`` and return its :class:`Format` (a ``str``); see module doc."""
    from ingest.readers.bank import find_layout
    from ingest.readers.canonical import looks_like_canonical
    from ingest.readers.freee import looks_like_freee
    from ingest.readers.moneyforward import looks_like_moneyforward
    from ingest.readers.yayoi import looks_like_yayoi
    from ingest.readers.zengin import looks_like_zengin

    with path.open("rb") as fh:
        sample = fh.read(SAMPLE_BYTES)
        complete = len(sample) < SAMPLE_BYTES
    if not sample.strip():
        raise FormatError(f"{path.name}: empty file")
    if looks_like_zengin(sample):
        return Format.ZENGIN
    rows = _first_rows(sample, complete)
    if not rows:
        raise FormatError(f"{path.name}: no rows in the first {SAMPLE_BYTES} bytes")
    data = [r for r in rows if not r[0].lstrip().startswith("#")]
    if any(looks_like_yayoi(r) for r in data[:3]):
        return Format.YAYOI
    header = rows[0]
    if looks_like_moneyforward(header):
        return Format.MONEYFORWARD
    if looks_like_freee(header):
        return Format.FREEE
    if looks_like_canonical(header):
        return Format.CANONICAL
    if any(find_layout(r) is not None for r in rows):
        return Format.BANK
    if (kind := reference_kind(rows)) is not None:
        raise FormatError(f"{path.name}: {_REFERENCE[kind]}, not a ledger: it is loaded with `torihiki load` (a "
                          f"delivery folder) or `torihiki {kind} import`")
    preview = ",".join(header)[:60]
    raise FormatError(f"{path.name}: unknown format (first row {preview!r} is no known header, "
                      "弥生 row or 全銀 record)")


_REFERENCE = {"firms": "a firm master", "metrics": "a file of management parameters",
              "registry": "an extract of the 法人番号 registry"}
"""What a delivery's reference files are, by the command that imports them."""


def reference_kind(rows: list[list[str]]) -> str | None:
    """Whether ``rows`` (a file's first rows) are a delivery's reference file
    rather than a ledger — ``firms`` (a firm master: firm id and name),
    ``metrics`` (management parameters: firm id and a parameter) or
    ``registry`` (the NTA 法人番号 extract: no header, a sequence number and a
    13-digit number) — so that a file sent to the ledger upload by mistake
    is named for what it is (an analyst was told only "unknown format")."""
    from ingest.readers.csvrows import map_header
    from ingest.readers.firm_master import SYNONYMS as FIRM_COLUMNS
    from ingest.readers.parameters import _map_columns as parameter_columns

    header = rows[0]
    params = parameter_columns(header)
    named = {"firm_id", "name"} <= set(map_header(header, FIRM_COLUMNS))
    measures = len(set(params) - {"firm_id", "period"})
    # a firm master may hold a parameter-like column or two (従業員数, a size class, 決算期): a file of
    # parameters has no name column, or several of them
    if "firm_id" in params and measures and (not named or measures >= 3):
        return "metrics"
    if named:
        return "firms"
    if sum(len(r) > 2 and r[0].strip().isdigit() and len(r[1].strip()) == 13 and r[1].strip().isdigit()
           for r in rows) >= max(1, len(rows) // 2):
        return "registry"
    return None


def _first_rows(sample: bytes, complete: bool) -> list[list[str]]:
    """Up to :data:`_SCAN_ROWS` non-blank CSV rows from the sample's whole lines."""
    encoding = detect_encoding(sample)  # raises EncodingError
    text = codecs.getincrementaldecoder(encoding)(errors="replace").decode(sample, final=complete)
    if not complete and "\n" in text:
        text = text[: text.rindex("\n") + 1]  # drop a cut-off last line
    rows: list[list[str]] = []
    try:
        for cells in csv.reader(io.StringIO(text, newline="")):
            if any(c.strip() for c in cells):
                rows.append(cells)
            if len(rows) >= _SCAN_ROWS:
                break
    except csv.Error:
        pass
    return rows


def reader_for(fmt: Format | str) -> Reader:
    """The ``read_<format>`` function for ``fmt``; FormatError for an unknown name."""
    try:
        f = Format(fmt)
    except ValueError:
        names = ", ".join(m.value for m in Format)
        raise FormatError(f"unknown format {fmt!r} (one of {names})") from None
    if f is Format.CANONICAL:
        from ingest.readers.canonical import read_canonical
        return read_canonical
    if f is Format.YAYOI:
        from ingest.readers.yayoi import read_yayoi
        return read_yayoi
    if f is Format.FREEE:
        from ingest.readers.freee import read_freee
        return read_freee
    if f is Format.MONEYFORWARD:
        from ingest.readers.moneyforward import read_moneyforward
        return read_moneyforward
    if f is Format.ZENGIN:
        from ingest.readers.zengin import read_zengin
        return read_zengin
    from ingest.readers.bank import read_bank
    return read_bank


def read_ledger(path: Path, fmt: Format | str | None = None,
                **options: Any) -> Iterator[LedgerLine | UnnamedLine | Reject | Skipped]:
    """Read ``path`` with the reader for ``fmt`` (detected when None).

    ``options`` go to the reader: ``encoding`` for all; ``accounts`` for the
    journal readers; ``year``/``today`` for 全銀; ``layout`` for bank. The
    canonical reader takes only ``encoding``.
    """
    chosen = Format(fmt) if fmt is not None and fmt in Format._value2member_map_ else fmt
    reader = reader_for(chosen if chosen is not None else detect_format(path))
    if reader.__name__ == "read_canonical":
        extra = set(options) - {"encoding"}
        if extra:
            raise TypeError(f"the canonical reader takes no options: {', '.join(sorted(extra))}")
    return reader(path, **options)
