"""The ingest manifest: many clients' files in one run.

A CSV with header ``path,client_id,format`` (``format`` may be empty: then it
is detected). Paths are relative to the manifest's folder. Bad manifest rows
are reported with their line and the rest still load.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ingest.readers.csvrows import iter_csv_rows, read_header
from ingest.readers.detect import Format
from ingest.records import Reject

__all__ = ["ManifestEntry", "read_manifest"]

_SYNONYMS = {"path": ("file", "ファイル"), "client_id": ("client", "顧客ID"), "format": ("形式",)}


@dataclass(frozen=True, slots=True)
class ManifestEntry:
    path: Path
    client_id: str
    format: str | None
    line: int


def _cell(cells: list[str], cols: dict[str, int], field: str) -> str:
    i = cols.get(field)
    return cells[i].strip() if i is not None and i < len(cells) else ""


def read_manifest(manifest: Path) -> tuple[list[ManifestEntry], list[Reject]]:
    """Entries and rejected rows of a manifest file."""
    entries: list[ManifestEntry] = []
    rejects: list[Reject] = []
    rows = iter_csv_rows(manifest)
    name = str(manifest)
    header = read_header(rows, name, synonyms=_SYNONYMS, required=("path", "client_id"),
                         label="manifest header")
    if isinstance(header, Reject):
        return [], [header]
    cols = header.cols
    base = manifest.parent
    for row in rows:
        if row.defect:
            rejects.append(Reject(name, row.line, row.defect, raw=row.raw))
            continue
        if row.is_blank:
            continue
        path, client, fmt_text = (_cell(row.cells, cols, f) for f in ("path", "client_id", "format"))
        fmt = fmt_text or None
        if not path or not client:
            rejects.append(Reject(name, row.line, "path and client_id are required", raw=row.raw))
            continue
        if fmt is not None and fmt not in Format._value2member_map_:
            rejects.append(Reject(name, row.line, f"unknown format {fmt!r}", column="format", raw=row.raw))
            continue
        entries.append(ManifestEntry(base / path, client, fmt, row.line))
    return entries, rejects
