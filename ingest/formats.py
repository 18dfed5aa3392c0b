"""Which reader reads which format (the loader's dispatch table)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from ingest.readers.canonical import read_canonical
from ingest.records import LedgerLine, Reject, Skipped

__all__ = ["FORMATS", "read_ledger", "detect_format", "FormatError"]

FORMATS = ("canonical",)


class FormatError(ValueError):
    """The file's format is unknown or not the one requested."""


def detect_format(path: Path) -> str:
    return "canonical"


def read_ledger(path: Path, fmt: str) -> Iterable[LedgerLine | Reject | Skipped]:
    if fmt != "canonical":
        raise FormatError(f"unknown format {fmt!r}; known: {', '.join(FORMATS)}")
    return read_canonical(path)
