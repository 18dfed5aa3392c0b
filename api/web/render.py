"""Rendering pages: Jinja2 templates in the request's language.

One Jinja2 environment per language, each with that language's gettext
catalog installed (``{{ _("Sales") }}``, ``{% trans %}``) and its formats as
filters (``|yen``, ``|num``, ``|pct``, ``|pts``, ``|month``, ``|day``,
``|industry``, ``|reject_reason``, ``|refusal_reason``, ``|reject_column``,
``|review_reason``, ``|format_label``), so a
template renders the same way in any thread. Autoescaping is on for every
template: a firm's name is text wherever it appears.

Every page is sent with a Content-Security-Policy that allows scripts and
styles from this server only (vis-network injects its own styles, hence
``'unsafe-inline'`` for styles, never for scripts): data for scripts travels
as JSON in ``<script type="application/json">`` blocks.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context, select_autoescape
from jinja2.runtime import Context

from api.bank_names import bank_names
from api.web.audit_labels import detail_text
from api.web.i18n import LANG_COOKIE, LANGS, Lang, lang_of, locale_for, translations
from api.web.measure_help import measure_help
from api.web.nav import nav_items, role_label
from api.web.reasons import (
    format_label,
    refusal_reason,
    reject_column,
    reject_reason,
    review_reason,
)
from queries.store import StoreError

__all__ = ["TEMPLATES", "PAGE_CSP", "PAGE_HEADERS", "FILE_HEADERS", "environment", "request_lang", "render",
           "render_text", "is_page"]

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
PAGE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'self'"
)
PAGE_HEADERS = {
    "Content-Security-Policy": PAGE_CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",  # pages show firm data to one person: not kept by the browser or proxies
}
FILE_HEADERS = {k: v for k, v in PAGE_HEADERS.items() if k != "Content-Security-Policy"}
"""A file handed out (a zip, a CSV): kept by no browser or proxy, its type not
guessed; no page policy, as it is no page."""


def industry_label(letter: str | None, lang: Lang) -> str:
    """A JSIC division letter as a reader knows it: ``P 医療・福祉`` in
    Japanese, ``P Medical, health care and welfare`` in English."""
    from ingest.jsic import DIVISIONS, DIVISIONS_EN

    if not letter:
        return "–"
    names = DIVISIONS if lang == "ja" else DIVISIONS_EN
    return f"{letter} {names[letter]}" if letter in names else letter


@pass_context
def _bank(context: Context, bank: str | None) -> str:
    """A bank's name (``bank_names`` of the page's context, :func:`api.bank_names.bank_names`), else its id.
    Not cached: a cache keyed by the render's context kept every page's context (its data, the user, the
    form token) for the life of the process (found in a review)."""
    names = context.get("bank_names") or {}
    return str(names.get(bank, bank)) if bank else "–"


@cache
def environment(lang: Lang) -> Environment:
    """The template environment of ``lang``, made once per process; each
    template is compiled at its first use and kept. It was made again for
    every page, which compiled the page's templates in each request (~100 ms
    of the firm page's; all 27 of both languages take ~1.9 s, so they are not
    compiled at start). A kept template is not read again when its file
    changes under a running server (a checkout, a deploy before the restart),
    as the server's Python is not: a new template read by old code answered
    500 in a review."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True, default_for_string=True),
        extensions=["jinja2.ext.i18n"],
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
        cache_size=-1,  # every template kept, never evicted
    )
    env.install_gettext_translations(translations(lang), newstyle=True)  # type: ignore[attr-defined]
    loc = locale_for(lang)
    env.filters.update(yen=loc.yen, num=loc.number, pct=loc.percent, pts=loc.points, month=loc.month,
                       month_span=lambda first, last: loc.month_span(first, last), window=loc.window,
                       day=loc.day, industry=lambda letter: industry_label(letter, lang),
                       reject_reason=lambda text: reject_reason(text, loc),
                       refusal_reason=lambda text, file: refusal_reason(text, file, loc),
                       format_label=lambda fmt: format_label(fmt, loc),
                       reject_column=lambda key: reject_column(key, loc),
                       review_reason=lambda text: review_reason(text, loc), bank=_bank,
                       audit_detail=lambda text, action="": detail_text(text, loc, action))
    env.globals.update(loc=loc, lang=lang, langs=LANGS, nav=nav_items, role_label=role_label,
                       measure_help=measure_help)
    return env



def request_lang(request: Request) -> Lang:
    """``?lang=``, else the language cookie, else Japanese."""
    return lang_of(request.query_params.get("lang") or request.cookies.get(LANG_COOKIE))


def render_text(template: str, lang: Lang, **context: Any) -> str:
    """A template rendered to text, outside a request (the CLI's memo)."""
    return environment(lang).get_template(template).render(**context)


def render(request: Request, template: str, status_code: int = 200, headers: dict[str, str] | None = None,
           **context: Any) -> HTMLResponse:
    """A page: ``template`` in the request's language, with the signed-in
    principal (``user``), the CSRF token of its forms (``csrf``) and the
    current path (for the language switch and the login's way back)."""
    from api.web.session import csrf_token

    lang = context.pop("lang", None) or request_lang(request)
    context.setdefault("user", getattr(request.state, "principal", None))
    context.setdefault("csrf", csrf_token(request) if "session" in request.scope else "")
    context.setdefault("here", request.url.path + (f"?{request.url.query}" if request.url.query else ""))
    if "bank_names" not in context and (store := getattr(request.app.state, "store", None)) is not None:
        try:
            context["bank_names"] = bank_names(store)
        except StoreError:  # a page shows the bank's id rather than fail for want of its name
            context["bank_names"] = {}
    body = environment(lang).get_template(template).render(**context)
    return HTMLResponse(body, status_code=status_code, headers={**PAGE_HEADERS, **(headers or {})})


def is_page(request: Request) -> bool:
    """Whether the request is for a UI page (its errors answer as HTML)."""
    return bool(request.scope.get("torihiki.page"))
