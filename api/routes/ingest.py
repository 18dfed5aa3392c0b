"""``POST /ingest``: upload one ledger file for one client (multipart);
``POST /refresh`` and ``GET /refresh``: the refresh after loads, in the
background (:mod:`api.refresh_runner`), for programs that load many files
and refresh once.

The body is limited (``TORIHIKI_MAX_UPLOAD_BYTES``): a declared
Content-Length over the limit is refused before reading, and the copy stops
with 413 as soon as the limit is passed. The upload is kept under
``TORIHIKI_HOME/uploads`` (named by its SHA-256), so the batch's lineage
points at the exact bytes loaded (:mod:`api.uploads`, shared with the
analysts' upload form).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile

from api.audit import audit
from api.deps import SettingsDep, StoreDep
from api.errors import STANDARD_ERRORS, PayloadTooLarge, error_responses
from api.limits import ENVELOPE_BYTES
from api.refresh_runner import refresh_runner, refresh_status
from api.schemas import IngestOut, RefreshOut
from api.uploads import (
    CLIENT_ID_MAX,
    CLIENT_ID_PATTERN,
    check_client,
    check_format,
    load_upload,
    month_window,
    receive_upload,
)

router = APIRouter(tags=["ingest"])


@router.post("/ingest", response_model=IngestOut, responses={**STANDARD_ERRORS, **error_responses(413)})
def ingest_upload(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    file: Annotated[UploadFile, File(description="one ledger file")],
    client_id: Annotated[str, Form(min_length=1, max_length=CLIENT_ID_MAX, pattern=CLIENT_ID_PATTERN)],
    format: Annotated[str | None, Form(description="canonical, yayoi, freee, moneyforward, zengin or "
                                                   "bank; detected when not given")] = None,
    year: Annotated[int | None, Form(ge=1900, le=2100,
                                     description="the year of a 全銀 file's transfer dates (its header "
                                                 "has month and day only); else the latest date at most 31 days "
                                                 "after the file was made")] = None,
    months: Annotated[str | None, Form(max_length=20, description="take only the lines of these months: "
                                       "FIRST..LAST (YYYY-MM, either end may be left out), e.g. a bank "
                                       "statement for the months its client's journal lacks")] = None,
) -> dict[str, Any]:
    """Load the file as one batch (same bytes again: ``duplicate: true``). The
    client must be in the firm master (422 otherwise, nothing kept)."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > settings.max_upload_bytes + ENVELOPE_BYTES:
        # api.limits.BodyLimit refuses it first
        raise PayloadTooLarge(f"upload larger than {settings.max_upload_bytes} bytes")
    check_format(format)
    window = month_window(months)
    check_client(store, client_id)
    upload = receive_upload(file.file, file.filename, settings)
    summary = load_upload(request, store, settings, upload, client_id, format, year, window)
    # Server paths stay on the server: the file by its name, rejected lines by their file's name.
    return {**summary.to_dict(), "file": upload.name, "rejects_path": Path(summary.rejects_path).name}


@router.get("/refresh", response_model=RefreshOut, responses=STANDARD_ERRORS)
def refresh_state(request: Request, store: StoreDep, settings: SettingsDep) -> dict[str, Any]:
    """Whether the refresh runs, how the last one ended, whether the data is newer."""
    return refresh_status(request.app.state, settings, store)


@router.post("/refresh", response_model=RefreshOut, status_code=202, responses=STANDARD_ERRORS)
def refresh_start(request: Request, store: StoreDep, settings: SettingsDep) -> dict[str, Any]:
    """Start ``torihiki refresh`` in the background (after ``POST /ingest`` uploads:
    the portfolio, peer baselines, alerts and the answers rendered at load time
    follow); asked while one runs, it runs once more after it. Poll ``GET /refresh``."""
    refresh_runner(request.app.state, settings, store).request()
    audit(request, "refresh", None, "ok", "POST /refresh")
    return refresh_status(request.app.state, settings, store)
