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
is by the browser and by WeasyPrint for the PDF; its charts are the firm
page's (:mod:`api.web.charts`, SVG data URIs, so nothing is fetched).
WeasyPrint is imported when a PDF is made, so that the API starts fast.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from api.cache import app_state_once
from api.errors import ApiError
from api.web.i18n import TOKYO, Lang, Locale, locale_for
from api.web.render import render_text
from queries.scoped import ReadStore

__all__ = ["memo_context", "memo_html", "memo_pdf", "NoJapaneseFont", "japanese_font_missing", "memo_filename", "MemoFormats", "RecentMemos", "recent_memos",
           "MONTHS", "SHOWN_MONTHS"]

_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")
MONTHS = 24
"""Months of the dossier's series (terms, trend); every figure is computed on all data."""
SHOWN_MONTHS = 12
"""Months the memo's tables print (one page each at most)."""
HHI_HIGH, HHI_MODERATE = 0.25, 0.15
"""HHI (0–1) above which trade counts as highly / moderately concentrated: the
2,500 and 1,500 points (of 10,000) of the US merger guidelines (2010), the
usual reading of HHI; a convention, not a calibrated threshold."""


class MemoFormats:
    """Formats the memo needs beyond the template filters: peer measures in
    their own units, HHI levels, what-if bands in the page's language."""

    def __init__(self, loc: Locale) -> None:
        self.loc = loc

    def measure(self, name: str, unit: str | None, value: float | None) -> str:
        """A peer measure's value: percent parameters (already in %), days,
        counts and classes, yen, shares (0–1 as %), else two decimals."""
        loc = self.loc
        if value is None:
            return "–"
        if unit == "%":
            return f"{loc.number(value, 1)}%"
        if unit == "days":
            return loc.days(value)
        if unit == "hours/month":
            return loc.number(value, 1)
        if unit in ("flag", "class", "persons") or name in ("out_degree", "in_degree", "partners",
                                                             "hops_to_distress", "distressed"):
            return loc.number(value, 0)
        if name.endswith("_strength"):
            return loc.yen(value)
        from api.web.dossier import value_format

        kind = value_format(name, unit)  # the page's reading: shares as %, indices (HHI …) to 3 decimals
        if kind == "share":
            return loc.percent(value)
        if kind == "index":
            return loc.number(value, 3)
        return loc.number(value, 2)

    @staticmethod
    def hhi_level(hhi: float | None) -> str | None:
        """``high``, ``moderate`` or ``low`` concentration (:data:`HHI_HIGH`), ``None`` without a value."""
        if hhi is None:
            return None
        return "high" if hhi >= HHI_HIGH else "moderate" if hhi >= HHI_MODERATE else "low"

    @staticmethod
    def equivalent(hhi: float | None) -> float | None:
        """1 / HHI: the number of equal-sized partners that would give the same HHI."""
        return 1 / hhi if hhi else None

    def band(self, band: str) -> str:
        """A what-if band (``low``, ``moderate to high`` …) in the page's language."""
        parts = [self.loc.gettext(p) for p in band.split(" to ")]
        return "〜".join(parts) if self.loc.lang == "ja" else " to ".join(parts)


def memo_context(store: ReadStore, firm_id: str, lang: Lang, generated_by: str,
                 generated_at: datetime | None = None, *, snapshots: Any = None,
                 links: bool = True) -> dict[str, Any]:
    """What ``memo.html`` renders: the firm's dossier (:func:`api.web.dossier.build_dossier`
    through ``store``, the principal's scoped store; ``snapshots``: the peer
    inputs' cache, ``None`` to leave peers out), the what-if of each
    highlighted partner (direct exposure and two-hop propagation as ranges),
    who generated the memo and when (UTC), and whether to show the page's
    links (not in a file or the PDF). Raises :class:`queries.store.NotFound`
    for a firm the principal may not see, :class:`queries.scoped.AccessDenied`
    for a researcher."""
    from api.bank_names import bank_names
    from api.web import charts
    from api.web.dossier import REASON_LABELS, WhatIf, build_dossier, whatif
    from graph.contagion import OutsideWindow

    dossier = build_dossier(store, firm_id, snapshots=snapshots, months=MONTHS)

    def scenario(partner_id: str) -> WhatIf | None:
        """``None`` for a partner of earlier months only: no trade in the what-if's 12 months."""
        try:
            return whatif(store, firm_id, partner_id)
        except OutsideWindow:
            return None

    scenarios = [(h, scenario(h.id)) for h in dossier.whatif.highlights]
    at = generated_at or datetime.now(UTC)
    loc = locale_for(lang)
    return {
        "d": dossier,
        "scenarios": scenarios,
        "charts": {"trend": charts.trend_chart(dossier.trend, loc), "terms": charts.terms_chart(dossier.terms, loc),
                   "concentration": charts.concentration_chart(dossier.concentration, loc)},
        "reason_labels": REASON_LABELS,
        "shown_months": SHOWN_MONTHS,
        "generated_by": generated_by,
        "bank_names": bank_names(store),
        "generated_at": at.isoformat(timespec="seconds"),
        "links": links,
        "fmt": MemoFormats(loc),
    }


def memo_html(store: ReadStore, firm_id: str, lang: Lang, generated_by: str,
              generated_at: datetime | None = None, *, snapshots: Any = None, links: bool = True) -> str:
    """The memo as a standalone HTML page in ``lang`` (see :func:`memo_context`)."""
    ctx = memo_context(store, firm_id, lang, generated_by, generated_at, snapshots=snapshots, links=links)
    return render_text("memo.html", lang, **ctx)


class NoJapaneseFont(ApiError):
    """No PDF: the machine has no Japanese font (503, ``no_japanese_font``)."""

    status, code = 503, "no_japanese_font"


NO_JAPANESE_FONT = ("this server has no Japanese font, so a PDF would print every Japanese character as an "
                    "empty box; the administrator installs one (Debian: apt-get install fonts-ipaexfont). "
                    "The HTML memo prints from the browser meanwhile")
_FONT_FOUND = False


def japanese_font_missing() -> bool:
    """Whether fontconfig (what WeasyPrint finds fonts with) knows no font
    for Japanese: ``fc-list :lang=ja`` lists none. ``False`` when there is no
    ``fc-list`` to ask (nothing to tell). A font once found is not looked for
    again; a missing one is, so that installing it needs no restart."""
    global _FONT_FOUND
    if _FONT_FOUND:
        return False
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return False
    try:
        listed = subprocess.run([fc_list, ":lang=ja", "family"], capture_output=True, text=True, timeout=20,
                                check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return False
    _FONT_FOUND = bool(listed.strip())
    return not _FONT_FOUND


def memo_pdf(html: str) -> bytes:
    """``html`` (a memo page) printed to PDF by WeasyPrint: A4, the fonts
    embedded. Images are data URIs, so nothing is fetched.

    Raises :class:`NoJapaneseFont` where the machine has no
    Japanese font (:func:`japanese_font_missing`): a PDF of empty boxes would
    look made and say nothing."""
    if japanese_font_missing():
        raise NoJapaneseFont(NO_JAPANESE_FONT)
    from weasyprint import HTML  # imported here: about a second, and only a PDF needs it

    pdf: bytes = HTML(string=html, base_url=None).write_pdf()
    return pdf


class RecentMemos:
    """Memos rendered in the last :attr:`ttl` seconds, per reader, firm,
    language, format and data version: opening a memo and then its PDF, or
    a second click, costs no second rendering (a PDF takes seconds). The
    reader (user, role, bank) is part of the key, so a memo is never served
    to anyone else; so is the store's data version, read on every request,
    so that a write — a consent revoked included — takes effect at once. A
    memo served from here names the moment it was generated."""

    def __init__(self, ttl: float = 60.0, size: int = 32) -> None:
        self.ttl = ttl
        self.size = size
        self._items: OrderedDict[tuple[Any, ...], tuple[float, bytes, datetime]] = OrderedDict()
        self._lock = threading.Lock()

    def get_or_render(self, key: tuple[Any, ...],
                      render: Callable[[], tuple[bytes, datetime]]) -> tuple[bytes, datetime]:
        """The body and generation time kept for ``key``, else ``render()``'s
        (kept; an exception is not)."""
        now = time.monotonic()
        with self._lock:
            hit = self._items.get(key)
            if hit is not None and now - hit[0] < self.ttl:
                self._items.move_to_end(key)
                return hit[1], hit[2]
        body, at = render()
        with self._lock:
            self._items[key] = (now, body, at)
            self._items.move_to_end(key)
            for k in [k for k, v in self._items.items() if now - v[0] >= self.ttl]:
                del self._items[k]
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return body, at


def recent_memos(state: Any) -> RecentMemos:
    """The app's one :class:`RecentMemos` (``state``: the FastAPI ``app.state``), made on first use."""
    return app_state_once(state, "memos", RecentMemos)


def memo_filename(firm_id: str, generated_at: datetime, ext: str = "pdf") -> str:
    """``memo-<id>-<yyyymmdd>.<ext>`` (only letters, digits, ``-`` and ``_`` of the id; the day in Japan)."""
    day = (generated_at if generated_at.tzinfo else generated_at.replace(tzinfo=UTC)).astimezone(TOKYO)
    return f"memo-{_UNSAFE.sub('_', firm_id)}-{day:%Y%m%d}.{ext}"
