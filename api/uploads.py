"""A ledger file sent over HTTP, kept and loaded as one batch.

Both ways in use it: the API's ``POST /ingest`` and the analysts' upload form
on the loads page (``POST /ui/loads``). The body is limited
(``TORIHIKI_MAX_UPLOAD_BYTES``; :class:`api.limits.BodyLimit` refuses a
declared or streamed body over it before the route runs, and the copy here
stops as soon as the file passes it). The file is kept under
``TORIHIKI_HOME/uploads``, named by its SHA-256, so that the batch's lineage
points at the exact bytes loaded; server paths never go back to the client.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from fastapi import Request

from api.audit import audit
from api.errors import InputError, PayloadTooLarge
from api.load_checks import find_overlaps
from api.service import ReaderOptions, ingest_file
from api.settings import Settings
from ingest.load import IngestError, LoadSummary
from ingest.month_window import MonthWindow, parse_window
from ingest.readers.detect import Format
from queries.private_files import private_dir
from queries.store import Store

__all__ = ["FORMATS", "CLIENT_ID_PATTERN", "CLIENT_ID_MAX", "is_client_id", "is_known_client", "check_client",
           "Upload", "check_format", "receive_upload", "load_upload", "refusal_text", "month_window"]

FORMATS = tuple(str(f) for f in Format)
"""The formats an upload may name (none: detected from the file)."""

CLIENT_ID_PATTERN = r"^[A-Za-z0-9_.:-]+$"
CLIENT_ID_MAX = 64
"""What an upload's client id may be (the API's form field and the upload form alike)."""

_SAFE_NAME = re.compile(r"[^\w.-]+")  # \w: letters and digits of any script (仕訳帳.csv stays)
_CHUNK = 1 << 20  # bytes copied at a time


def is_client_id(text: str) -> bool:
    """Whether ``text`` has the form of a client id (:data:`CLIENT_ID_PATTERN`, at most 64 characters)."""
    return len(text) <= CLIENT_ID_MAX and re.fullmatch(CLIENT_ID_PATTERN, text) is not None


def is_known_client(store: Store, client_id: str) -> bool:
    """Whether ``client_id`` names a client firm of the firm master (an
    upload's client must be one: a mistyped id would otherwise make a
    nameless client of its own, and a partner's id would turn that partner
    into a client, with its partners, in every table and export)."""
    firm = store.get_firms([client_id]).get(client_id)
    return firm is not None and bool(firm.is_client)


def check_client(store: Store, client_id: str) -> None:
    """:class:`api.errors.InputError` unless the upload's client is a client
    firm of the firm master (checked before the body is copied)."""
    if not is_known_client(store, client_id):
        raise InputError(f"client_id: there is no client {client_id!r} in the firm master; an administrator "
                         "adds the client first (torihiki firms import), then its ledger loads")


def check_format(fmt: str | None) -> None:
    """:class:`api.errors.InputError` unless ``fmt`` is ``None`` or one of
    :data:`FORMATS` (checked before the body is copied)."""
    if fmt is not None and fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r}; one of {', '.join(FORMATS)}")


@dataclass(frozen=True)
class Upload:
    """A received file: where it is kept, and the name shown for it (the
    sender's file name, NFC, with anything but letters, digits and ``._-``
    replaced by ``_``: no separators, controls or bidirectional marks)."""

    path: Path
    name: str


def receive_upload(stream: BinaryIO, filename: str | None, settings: Settings) -> Upload:
    """Copy ``stream`` into ``TORIHIKI_HOME/uploads`` under its SHA-256;
    :class:`api.errors.PayloadTooLarge` as soon as it passes the size limit
    (nothing is kept then)."""
    limit = settings.max_upload_bytes
    uploads = private_dir(private_dir(settings.home) / "uploads")  # 0700: the files' names name clients
    digest = hashlib.sha256()
    size = 0
    with tempfile.NamedTemporaryFile(dir=uploads, delete=False, suffix=".part") as tmp:
        tmp_path = Path(tmp.name)
        try:
            while block := stream.read(_CHUNK):
                size += len(block)
                if size > limit:
                    raise PayloadTooLarge(f"upload larger than {limit} bytes")
                digest.update(block)
                tmp.write(block)
        except BaseException:
            tmp.close()
            tmp_path.unlink(missing_ok=True)
            raise
    name = _SAFE_NAME.sub("_", unicodedata.normalize("NFC", Path(filename or "upload").name))[-80:] or "upload"
    final = uploads / f"{digest.hexdigest()[:16]}-{name}"
    shutil.move(tmp_path, final)
    return Upload(final, name)


def load_upload(request: Request, store: Store, settings: Settings, upload: Upload, client_id: str,
                fmt: str | None = None, year: int | None = None, months: MonthWindow | None = None
                ) -> LoadSummary:
    """Load a received file as one batch of ``client_id`` (same bytes, client,
    format and year again: ``duplicate``), audited as ``load`` either way;
    the summary's ``overlaps`` name earlier loads whose months it repeats.

    ``fmt`` one of :data:`FORMATS` or ``None`` (detected); ``year`` the year
    of a 全銀 file's transfer dates (its header has month and day only);
    ``months`` the months to take of it (a bank file for the months its
    client's journal lacks), ``None`` for all.
    Raises :class:`api.errors.InputError` for an unknown format and
    :class:`ingest.load.IngestError` (its text without server paths, see
    :func:`refusal_text`) for a file refused as a whole."""
    check_format(fmt)
    try:
        summary = ingest_file(store, upload.path, client_id, fmt, settings.home / "rejects", progress=False,
                              options=ReaderOptions(zengin_year=year, months=months))
    except IngestError as e:
        audit(request, "load", client_id, "invalid", f"upload {upload.name}: {e}")
        raise IngestError(refusal_text(str(e), upload)) from e
    audit(request, "load", client_id, "ok", f"upload {upload.name}: batch {summary.batch_id} {summary.status}")
    return find_overlaps(store, summary)


def refusal_text(text: str, upload: Upload) -> str:
    """A refusal's one line with the kept file's server path replaced by the
    name the sender knows it by."""
    return text.replace(str(upload.path), upload.name).replace(upload.path.name, upload.name)


def month_window(text: str | None) -> MonthWindow | None:
    """The months an upload takes (``FIRST..LAST``, either end left out; one
    month; empty: all), or :class:`api.errors.InputError` with the reason."""
    if not text or not text.strip():
        return None
    try:
        return parse_window(text)
    except ValueError as e:
        raise InputError(f"months: {e}") from e
