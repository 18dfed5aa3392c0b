"""Detect the text encoding of a ledger file and open it as text.

Japanese ledgers come as UTF-8 (often with a BOM) or Shift_JIS. Shift_JIS is
always decoded as ``cp932`` (Microsoft's superset), never ``shift_jis``,
which fails on ㈱ ① 髙 ～ － that company names use.
"""

from __future__ import annotations

import codecs
import io
from pathlib import Path
from typing import IO

__all__ = ["detect_encoding", "open_text", "EncodingError", "SAMPLE_BYTES"]

SAMPLE_BYTES = 1 << 20  # bytes read to guess the encoding (1 MiB)


class EncodingError(ValueError):
    """The file is neither UTF-8 nor cp932 (or is binary)."""


def detect_encoding(sample: bytes) -> str:
    """Return ``utf-8-sig``, ``utf-8`` or ``cp932`` for a leading sample of a file.

    A sample cut in the middle of a multi-byte character is tolerated.
    Raises :class:`EncodingError` for binary data or an unknown encoding.
    """
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if b"\x00" in sample:
        raise EncodingError("binary file (NUL bytes), or UTF-16, which is not supported")
    for enc in ("utf-8", "cp932"):
        try:
            codecs.getincrementaldecoder(enc)().decode(sample, final=False)
            return enc
        except UnicodeDecodeError:
            continue
    raise EncodingError("not UTF-8 and not Shift_JIS (cp932)")


def open_text(path: Path, encoding: str | None = None) -> tuple[IO[str], str]:
    """Open ``path`` as text with the given or detected encoding.

    Returns the stream and the encoding used. Line ends are kept as written
    (``newline=""``) so the csv module handles CRLF and quoted newlines.
    Undecodable bytes later in the file become U+FFFD; readers reject rows
    that contain it, so no row is silently altered.
    """
    if encoding is None:
        with path.open("rb") as fh:
            encoding = detect_encoding(fh.read(SAMPLE_BYTES))
    raw = path.open("rb")
    return io.TextIOWrapper(raw, encoding=encoding, errors="replace", newline=""), encoding
