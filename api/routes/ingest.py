"""``POST /ingest``: upload one ledger file for one client (multipart).

The body is limited (``TORIHIKI_MAX_UPLOAD_BYTES``): a declared
Content-Length over the limit is refused before reading, and the copy stops
with 413 as soon as the limit is passed. The upload is kept under
``TORIHIKI_HOME/uploads`` (named by its SHA-256), so the batch's lineage
points at the exact bytes loaded.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile

from api.audit import audit
from api.deps import SettingsDep, StoreDep
from api.errors import STANDARD_ERRORS, InputError, PayloadTooLarge, error_responses
from api.schemas import IngestOut
from api.service import ingest_file
from ingest.load import IngestError

router = APIRouter(tags=["ingest"])

_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")
_FORMATS = ("canonical", "yayoi", "freee", "moneyforward", "zengin", "bank")


@router.post("/ingest", response_model=IngestOut, responses={**STANDARD_ERRORS, **error_responses(413)})
def ingest_upload(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    file: Annotated[UploadFile, File(description="one ledger file")],
    client_id: Annotated[str, Form(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")],
    format: Annotated[str | None, Form()] = None,
) -> dict[str, Any]:
    """Load the file as one batch (same bytes again: ``duplicate: true``)."""
    limit = settings.max_upload_bytes
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit + 64 * 1024:
        raise PayloadTooLarge(f"upload larger than {limit} bytes")  # api.limits.BodyLimit refuses it first
    if format is not None and format not in _FORMATS:
        raise InputError(f"unknown format {format!r}; one of {', '.join(_FORMATS)}")
    uploads = settings.home / "uploads"
    uploads.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    with tempfile.NamedTemporaryFile(dir=uploads, delete=False, suffix=".part") as tmp:
        tmp_path = Path(tmp.name)
        try:
            while block := file.file.read(1 << 20):
                size += len(block)
                if size > limit:
                    raise PayloadTooLarge(f"upload larger than {limit} bytes")
                digest.update(block)
                tmp.write(block)
        except BaseException:
            tmp.close()
            tmp_path.unlink(missing_ok=True)
            raise
    name = _SAFE_NAME.sub("_", Path(file.filename or "upload").name)[-80:] or "upload"
    final = uploads / f"{digest.hexdigest()[:16]}-{name}"
    shutil.move(tmp_path, final)
    try:
        summary = ingest_file(store, final, client_id, format, settings.home / "rejects", progress=False)
    except IngestError as e:
        audit(request, "load", client_id, "invalid", f"upload {name}: {e}")
        raise
    audit(request, "load", client_id, "ok", f"upload {name}: batch {summary.batch_id} {summary.status}")
    # Server paths stay on the server: the file by its name, rejected lines by their file's name.
    return {**summary.to_dict(), "file": name, "rejects_path": Path(summary.rejects_path).name}
