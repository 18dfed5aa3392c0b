"""The credit-memo supplement of one firm, as a printable HTML page and as PDF.

Japanese lenders file, with a borrower's approval papers, material on its
trading partners (ロカベン's 商流, the business-plan forms of SMRJ and JFC):
who its main customers and suppliers are and their shares, the credit
terms (掛) and collection / payment days, how concentrated its trade is,
how it fares against its trading group and its peers, the health of its
partners and what a partner's failure would cost. This module renders
that page from the firm's dossier (:mod:`api.web.dossier`, the same data
the firm page shows — assembled once, there) in Japanese or English, with
who made it and when, what was masked for lack of consent and where the
data came from. It is supplementary material for a credit decision, never a
credit score, and says so.

The HTML is a standalone page (``api/templates/memo.html``: A4 ``@page``
rules, header, footer and page numbers, the Japanese font named), used as
is by the browser and by WeasyPrint for the PDF. WeasyPrint is imported
when a PDF is made, so that the API starts fast.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from api.service import firm_public
from api.web.i18n import Lang
from api.web.render import render_text
from queries.scoped import ReadStore, access_of
from queries.store import NotFound

__all__ = ["memo_context", "memo_html", "memo_pdf", "memo_filename"]

_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")


def memo_context(store: ReadStore, firm_id: str, lang: Lang, generated_by: str,
                 generated_at: datetime | None = None, *, links: bool = True) -> dict[str, Any]:
    """What ``memo.html`` renders: the firm, its dossier, the access
    statement of the scope, who generated the memo and when (UTC), and
    whether to show the page's links (not in the PDF). Raises
    :class:`queries.store.NotFound` for a firm the principal may not see."""
    firm = store.get_firm(firm_id)
    if firm is None:
        raise NotFound(f"no firm {firm_id!r}")
    return {
        "firm": firm_public(firm),
        "access": access_of(store),
        "generated_by": generated_by,
        "generated_at": (generated_at or datetime.now(UTC)).isoformat(timespec="seconds"),
        "links": links,
        "firm_id": firm_id,
        "lang": lang,
    }


def memo_html(store: ReadStore, firm_id: str, lang: Lang, generated_by: str,
              generated_at: datetime | None = None, *, links: bool = True) -> str:
    """The memo as a standalone HTML page in ``lang``."""
    ctx = memo_context(store, firm_id, lang, generated_by, generated_at, links=links)
    return render_text("memo.html", **ctx)


def memo_pdf(html: str) -> bytes:
    """``html`` (a memo page) printed to PDF by WeasyPrint: A4, the fonts
    embedded. Images are data URIs, so nothing is fetched."""
    from weasyprint import HTML  # imported here: about a second, and only a PDF needs it

    pdf: bytes = HTML(string=html, base_url=None).write_pdf()
    return pdf


def memo_filename(firm_id: str, generated_at: datetime, ext: str = "pdf") -> str:
    """``memo-<id>-<yyyymmdd>.<ext>`` (only letters, digits, ``-`` and ``_`` of the id)."""
    return f"memo-{_UNSAFE.sub('_', firm_id)}-{generated_at:%Y%m%d}.{ext}"
