"""The credit-memo supplement of one firm (商流 material for a bank's
approval file): ``GET /firms/{firm_id}/report?lang=ja|en[&format=pdf]``.

A read of firm data like the others under ``/firms``: the API's bearer token
or a signed-in web session (GET) authenticates it (``api.app`` includes the
router with ``get_principal``), everything is read through the principal's
scoped store, and every request is in the audit log (``firm.report``). The
memo names who made it and when: it is rendered for each reader, and kept a
minute for that reader only (:class:`api.web.memo.RecentMemos`), so that the
page and then its PDF, or a second click, cost one rendering each.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from api.audit import audited_read
from api.deps import ScopedDep
from api.errors import STANDARD_ERRORS, error_responses
from api.web.i18n import lang_of
from api.web.render import PAGE_HEADERS, request_lang

__all__ = ["router"]

router = APIRouter(prefix="/firms", tags=["firms"])

_OUT: dict[int | str, dict[str, Any]] = {
    200: {"description": "the memo as a printable HTML page, or as PDF with `format=pdf`",
          "content": {"text/html": {"schema": {"type": "string"}},
                      "application/pdf": {"schema": {"type": "string", "format": "binary"}}}},
    **STANDARD_ERRORS, **error_responses(404)}


def _session_is_page(request: Request) -> None:
    """A memo opened with the web session (no bearer header) is a page: its
    errors answer as HTML pages, as the UI's do."""
    if not request.headers.get("authorization"):
        request.scope["torihiki.page"] = True


@router.get("/{firm_id}/report", response_class=Response, responses=_OUT,
            dependencies=[Depends(_session_is_page), audited_read("firm.report")])
def get_report(
    firm_id: str, store: ScopedDep, request: Request,
    lang: Annotated[Literal["ja", "en"] | None, Query(description="language of the memo (default: ja)")] = None,
    format: Annotated[Literal["html", "pdf"], Query(description="html (printable page) or pdf")] = "html",  # noqa: A002
) -> Response:
    """The credit-memo supplement of the firm: its top customers and
    suppliers, credit terms, concentration, trend against its trading group,
    partner health, peer position, what-if highlights, which partners are
    masked for lack of consent and where the data came from — supplementary
    material for a credit decision, never a credit score."""
    from api.bank_names import bank_label
    from api.portfolio import shared_snapshot_cache
    from api.web.memo import memo_filename, memo_html, memo_pdf, recent_memos

    chosen = lang_of(lang) if lang else request_lang(request)
    who = store.principal
    generated_by = who.user + (f" ({bank_label(store, who.bank)})" if who.bank else "")

    def render() -> tuple[bytes, datetime]:
        now = datetime.now(UTC)
        html = memo_html(store, firm_id, chosen, generated_by, now,
                         snapshots=shared_snapshot_cache(request.app.state), links=format == "html")
        return (memo_pdf(html) if format == "pdf" else html.encode("utf-8")), now

    key = (who.user, who.role.value, who.bank, firm_id, chosen, format, store.data_version())
    body, at = recent_memos(request.app.state).get_or_render(key, render)
    if format == "pdf":
        return Response(body, media_type="application/pdf", headers={
            "Content-Disposition": f'attachment; filename="{memo_filename(firm_id, at, "pdf")}"',
            "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})
    return HTMLResponse(body, headers=PAGE_HEADERS)
