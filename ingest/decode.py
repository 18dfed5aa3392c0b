"""Detect the text encoding of a ledger file and open it as text.

Japanese ledgers come as UTF-8 (often with a BOM) or Shift_JIS. Shift_JIS is
always decoded as ``cp932`` (Microsoft's superset), never ``shift_jis``,
which fails on ㈱ ① 髙 ～ － that company names use.

A damaged line does not refuse a file: a stray NUL byte or a byte sequence
that is not valid in the file's encoding is kept in the text (NUL as
``\\x00``, a bad sequence as U+FFFD) and the readers reject the lines that
hold one (:func:`ingest.readers.csvrows.bad_text_reason`). The encoding is
the one most lines decode in, so one bad line does not turn a UTF-8 file
into cp932 mojibake. A file that is binary as a whole (many control bytes:
a spreadsheet, a PDF, an image) or UTF-16 is refused with that reason
(:func:`binary_reason`).
"""

from __future__ import annotations

import codecs
import io
from pathlib import Path
from typing import IO

__all__ = ["detect_encoding", "open_text", "EncodingError", "SAMPLE_BYTES", "binary_reason",
           "BINARY_SHARE", "LineTexts"]

SAMPLE_BYTES = 1 << 20  # bytes read to guess the encoding (1 MiB)
BINARY_SHARE = 0.05
"""Share of control bytes (other than tab, line ends, form feed, ESC and the
EOF byte 0x1A) above which a sample is binary, not text with a damaged line."""

# C0 control bytes that text files do hold: tab, LF, CR, FF, EOF (0x1A), ESC.
_TEXT_CONTROLS = frozenset(b"\t\n\r\x0c\x1a\x1b")
_CONTROL = bytes(b for b in range(32) if b not in _TEXT_CONTROLS) + b"\x7f"
_DROP_CONTROLS = bytes.maketrans(b"", b"")


class EncodingError(ValueError):
    """The file is neither UTF-8 nor cp932 (or is binary)."""


def binary_reason(sample: bytes) -> str | None:
    """Why a leading sample of a file is not text (UTF-16, binary), or ``None``.

    UTF-16: a UTF-16 byte-order mark, or NUL bytes at most odd (or even)
    positions. Binary: more than :data:`BINARY_SHARE` of the bytes are
    control bytes. A few NUL bytes in a text file are not binary: the lines
    holding them are rejected one by one.
    """
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "UTF-16 text (byte-order mark), which is not supported: save it as UTF-8 or Shift_JIS"
    if not sample:
        return None
    if sample.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")):
        return ("a spreadsheet (Excel .xlsx or .xls) or another packed file, not a text ledger: "
                "save the sheet as CSV (UTF-8 or Shift_JIS) and load that")
    nul = sample.count(0)
    controls = len(sample) - len(sample.translate(_DROP_CONTROLS, _CONTROL))
    if nul >= 8 and nul >= len(sample) // 4:
        odd, even = sample[1::2].count(0), sample[0::2].count(0)
        if max(odd, even) >= 0.9 * nul:
            return "UTF-16 text, which is not supported: save it as UTF-8 or Shift_JIS"
    if controls > BINARY_SHARE * len(sample):
        return (f"binary file ({controls / len(sample):.0%} of the first {len(sample):,} bytes are "
                "control bytes), not a text ledger")
    return None


def detect_encoding(sample: bytes) -> str:
    """Return ``utf-8-sig``, ``utf-8`` or ``cp932`` for a leading sample of a file.

    A sample cut in the middle of a multi-byte character is tolerated. When
    the whole sample does not decode in one encoding, the encoding most of
    its lines with non-ASCII bytes decode in is chosen (the others are
    rejected later, line by line). Raises :class:`EncodingError` for a
    binary or UTF-16 sample (:func:`binary_reason`) or when no line decodes.
    """
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    reason = binary_reason(sample)
    if reason is not None:
        raise EncodingError(reason)
    if _decodes(sample, "utf-8", final=False):
        return "utf-8"
    # Some bytes are not UTF-8: damaged lines of a UTF-8 file, or Shift_JIS. Almost
    # any bytes decode as cp932, so UTF-8 is asked first, line by line: most lines
    # with non-ASCII bytes valid UTF-8 make a UTF-8 file with damaged lines.
    lines = [ln for ln in sample.split(b"\n")[:-1] if not ln.isascii()] or [sample]
    for enc in ("utf-8", "cp932"):
        if _most_decode(lines, enc):
            return enc
    raise EncodingError("not UTF-8 and not Shift_JIS (cp932) (EUC-JP or another encoding): save it as UTF-8 or "
                        "Shift_JIS")


def _most_decode(lines: list[bytes], encoding: str) -> bool:
    """Whether more than half of ``lines`` decode whole in ``encoding``.

    Run for every file (its reading, and its format when none is given),
    so it stops as soon as the answer is known: all lines joined decode when each does
    (a newline completes no multi-byte character in either encoding), and
    counting stops once half have failed."""
    if _decodes(b"\n".join(lines), encoding, final=True):
        return True
    ok = failed = 0
    for ln in lines:
        if _decodes(ln, encoding, final=True):
            ok += 1
        else:
            failed += 1
            if failed * 2 >= len(lines):
                return False
    return ok * 2 > len(lines)


def _decodes(data: bytes, encoding: str, *, final: bool) -> bool:
    try:
        if final:
            data.decode(encoding)
        else:
            codecs.getincrementaldecoder(encoding)().decode(data, final=False)
    except UnicodeDecodeError:
        return False
    return True


def open_text(path: Path, encoding: str | None = None) -> tuple[IO[str], str]:
    """Open ``path`` as text with the given or detected encoding.

    Returns the stream and the encoding used. Line ends are kept as written
    (``newline=""``) so the csv module handles CRLF and quoted newlines.
    Undecodable bytes become U+FFFD and NUL bytes stay ``\\x00``; readers
    reject rows that contain either, so no row is silently altered.
    """
    if encoding is None:
        with path.open("rb") as fh:
            encoding = detect_encoding(fh.read(SAMPLE_BYTES))
    raw = path.open("rb")
    return io.TextIOWrapper(raw, encoding=encoding, errors="replace", newline=""), encoding


class LineTexts:
    """The text of a file's physical lines by number (1-based), decoded as
    :func:`open_text` decodes it, line ends dropped, at most ``limit``
    characters: the raw text of a rejected row whose reader kept none (a
    parsed line keeps no text: 13M of them would hold gigabytes).

    Opened at the first call and read forward: rejects come in file order,
    so a file is read once more at most; an earlier line opens it again."""

    def __init__(self, path: Path, limit: int = 2000) -> None:
        self.path, self.limit = path, limit
        self._fh: IO[str] | None = None
        self._number = 0  # lines read so far
        self._text = ""

    def get(self, number: int) -> str:
        if self._fh is None or number < self._number:
            self.close()
            self._fh, _ = open_text(self.path)
            self._number, self._text = 0, ""
        while self._number < number:
            line = self._fh.readline()
            if not line:
                return ""
            self._number, self._text = self._number + 1, line
        return self._text.rstrip("\r\n")[:self.limit]

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None
