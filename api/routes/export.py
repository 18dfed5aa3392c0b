"""``GET /export``: the anonymised research export as one zip file, for a
researcher's script (the same file as the web page's download and, but for
zipping, ``torihiki export``; :mod:`api.research_zip`).

Researchers and admins only. Every export is audited (``export``) with the
months it covers, the data version and the zip's SHA-256.
"""

from __future__ import annotations

import shutil
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import FileResponse
from starlette.background import BackgroundTask

from api.audit import audit
from api.auth import require_role
from api.deps import ScopedDep, SettingsDep
from api.errors import STANDARD_ERRORS, ApiError, Unauthorized, error_responses
from api.research_zip import ExportRefused, export_key, research_zip
from api.routes.firms import Month
from api.web.render import FILE_HEADERS
from queries.access import Principal, Role

router = APIRouter(tags=["export"])

ResearcherDep = Annotated[Principal, Depends(require_role(Role.RESEARCHER, Role.ADMIN))]


class _Refused(ApiError):
    """:class:`ExportRefused` as a problem answer (409 without a key, else 422)."""

    def __init__(self, refused: ExportRefused) -> None:
        super().__init__(str(refused))
        self.status = refused.status
        self.code = {"no_key": "export_disabled", "empty": "no_trade"}.get(refused.reason, "invalid")


@router.get("/export", response_class=FileResponse,
            responses={200: {"content": {"application/zip": {}},
                             "description": "nodes, edges, metrics, data dictionary and export.json, zipped"},
                       **STANDARD_ERRORS, **error_responses(409)})
def export_zip(
    request: Request,
    principal: ResearcherDep,
    store: ScopedDep,
    settings: SettingsDep,
    from_: Annotated[Month, Query(alias="from", description="first month (YYYY-MM); blank: the data's first")] = None,
    to: Annotated[Month, Query(description="last month (YYYY-MM); blank: the region's month (the latest month "
                                            "half the clients' ledgers reach, export.json's region_month), or "
                                            "the data's last when `from` is later")] = None,
    format: Annotated[Literal["csv", "parquet"], Query()] = "csv",  # noqa: A002
) -> FileResponse:
    """The anonymised export of the months ``from``..``to``: pseudonyms keyed
    for the caller (stable across their exports), amounts rounded, small
    cells suppressed (docs/exports.md). 409 when the server has no export
    key; 422 for an empty window. A bearer token only, not the web
    session's cookie: a link on another site, followed by a signed-in
    researcher's browser, would otherwise make (and audit) a whole export
    without the page's form and its CSRF token."""
    if not request.headers.get("authorization", "").lower().startswith("bearer "):
        raise Unauthorized("the export through the API wants a bearer token (Authorization: Bearer …); "
                           "in the web UI it is downloaded from the research export page")
    try:
        made = research_zip(store, principal.user, export_key(settings), from_ or "", to or "", format)
    except ExportRefused as e:
        if e.reason == "empty":
            audit(request, "export", None, "invalid", "research export through the API: no trade in the window")
        raise _Refused(e) from e
    audit(request, "export", None, "ok", made.audit_detail("through the API"))
    return FileResponse(made.path, media_type="application/zip", filename=made.filename,
                        headers=FILE_HEADERS,
                        background=BackgroundTask(shutil.rmtree, made.work, True))
