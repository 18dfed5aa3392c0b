"""The web UI's own routes: signing in and out, the language switch, the
home page (firm search) and the OpenAPI docs served without a CDN.

The pages of each area (firm page, network view, memo, portfolio, alerts,
review, loads, export) live in their own modules under ``api/routes/``;
they all depend on :func:`api.web.session.page_principal` (a page without a
session redirects here) and render through :func:`api.web.render.render`.
"""

from __future__ import annotations

import logging
import time
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api import service
from api.audit import audit
from api.auth import client_address, limiter_of, login_password
from api.cache import app_state_once
from api.deps import SettingsDep
from api.errors import TooManyRequests, Unauthorized
from api.settings import Settings
from api.web.i18n import LANG_COOKIE, lang_of
from api.web.render import PAGE_HEADERS, render
from api.web.session import (
    SESSION_COOKIE,
    FormPrincipal,
    PagePrincipal,
    csrf_token,
    safe_next,
    session_principal,
    sign_in,
    sign_out,
)
from queries.access import Role
from queries.scoped import ScopedStore

__all__ = ["router", "session_lost_over_http"]

router = APIRouter(include_in_schema=False)
SEARCH_LIMIT = 50
log = logging.getLogger("torihiki.web")


@router.get("/", response_class=RedirectResponse)
def root() -> RedirectResponse:
    return RedirectResponse("/ui/", status_code=303)


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str = "/ui/", signed_out: str = "") -> HTMLResponse:  # noqa: A002
    """The login form (``next``: the page to come back to; ``signed_out``:
    the user has just signed out, and is told so)."""
    csrf_token(request)  # the login form's token, in the session before sign-in
    # Already signed in (a bookmark of this page, the back button): said, with the way on; signing in
    # again, as another user too, stays possible.
    current = session_principal(request)
    return render(request, "login.html", next=safe_next(next), error=None, name="", signed_out=bool(signed_out),
                  current=current.user if current else None)


@router.post("/login", response_class=HTMLResponse)
def login(request: Request, settings: SettingsDep,
          name: Annotated[str, Form(max_length=64)] = "",
          password: Annotated[str, Form(max_length=1024)] = "",
          csrf: Annotated[str, Form(max_length=200)] = "",
          next: Annotated[str, Form(max_length=500)] = "/ui/") -> Response:  # noqa: A002
    """Sign in with a user name and password (rate limited, audited)."""
    import hmac

    target = safe_next(next)
    expected = str(request.session.get("csrf", ""))
    if not expected or not hmac.compare_digest(csrf.encode(), expected.encode()):
        if session_lost_over_http(request, settings):
            _warn_plain_http(request)
            return render(request, "login.html", status_code=403, next=target, name=name, error="https")
        return render(request, "login.html", status_code=403, next=target, name=name, error="expired")
    address = client_address(request)
    try:
        principal = login_password(request.app.state.store, limiter_of(request, settings), name.strip(),
                                   password, address)
    except TooManyRequests as e:
        return render(request, "login.html", status_code=429, headers=e.headers, next=target, name=name,
                      error="limited")
    except Unauthorized:
        return render(request, "login.html", status_code=401, next=target, name=name, error="wrong")
    user = request.app.state.store.get_user(principal.user)
    sign_in(request, user)
    if target == "/ui/" and principal.role is Role.RESEARCHER:
        target = "/ui/export"  # the one page of firm data a researcher has (the search finds nothing for them)
    return RedirectResponse(target, status_code=303)


def session_lost_over_http(request: Request, settings: Settings) -> bool:
    """Whether a form's CSRF check failed because the browser kept the
    session cookie to itself: in production the cookie is ``Secure``
    (:func:`api.app.create_app`), and a browser sends it back only over
    HTTPS; this request came over plain HTTP without it. The scheme is the
    one uvicorn saw, or the ``X-Forwarded-Proto`` of a proxy it trusts
    (``FORWARDED_ALLOW_IPS``, 127.0.0.1 and ::1 by default): a TLS proxy
    elsewhere that is not trusted also counts as plain HTTP here."""
    return (settings.environment == "production" and request.url.scheme == "http"
            and SESSION_COOKIE not in request.cookies)


PLAIN_HTTP_WARNED = "plain_http_warned"
"""The app's record (``app.state``) of client address → when its plain-HTTP
sign-in was last logged: once a minute an address, so that a flood of such
requests cannot fill the log."""


def _warn_plain_http(request: Request) -> None:
    address = client_address(request)
    now = time.monotonic()
    warned: dict[str, float] = app_state_once(request.app.state, PLAIN_HTTP_WARNED, dict)
    if now - warned.get(address, -60.0) < 60.0:
        return
    if len(warned) > 10_000:
        warned.clear()
    warned[address] = now
    forwarded = request.headers.get("x-forwarded-proto", "")
    untrusted = (f"; its X-Forwarded-Proto: {forwarded[:20]} was ignored: {address} is not in "
                 "FORWARDED_ALLOW_IPS" if forwarded else "")
    log.warning("sign-in from %s over plain HTTP refused: with TORIHIKI_ENV=production this server keeps "
                "sessions only over HTTPS (the session cookie is Secure, the browser does not send it back "
                "over http://); open it through https:// (a TLS reverse proxy)%s", address, untrusted)


@router.post("/logout")
def logout(request: Request, who: FormPrincipal) -> Response:
    audit(request, "auth.logout")
    sign_out(request)
    return RedirectResponse("/login?signed_out=1", status_code=303)


@router.get("/lang/{lang}")
def switch_language(lang: str, next: str = "/ui/") -> Response:  # noqa: A002
    """Switch the UI's language (a cookie kept for a year) and go back."""
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(LANG_COOKIE, lang_of(lang), max_age=365 * 24 * 3600, httponly=True, samesite="lax",
                        path="/")
    return response


@router.get("/ui/", response_class=HTMLResponse)
def search_page(request: Request, principal: PagePrincipal,
                q: Annotated[str, Query(max_length=200)] = "",
                offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0) -> HTMLResponse:
    """Find a firm by any spelling of its name (kanji, kana), its 法人番号 or its id."""
    results: list[dict[str, Any]] = []
    total = 0
    if q.strip() and principal.role != "researcher":  # aggregates only: the page says so (search.html)
        store = ScopedStore(request.app.state.store, principal)
        firms, total = store.search_firms(q, SEARCH_LIMIT, offset)
        results = [service.firm_public(f) for f in firms]
        audit(request, "ui.search", None, "ok", f"{total} found")
    return render(request, "search.html", q=q, results=results, total=total, offset=offset,
                  limit=SEARCH_LIMIT)


@router.get("/docs", response_class=HTMLResponse)
def docs() -> HTMLResponse:
    """Swagger UI from this server's own copy (no CDN: it works on a closed network)."""
    page = get_swagger_ui_html(openapi_url="/openapi.json", title="torihiki API",
                               swagger_js_url="/static/vendor/swagger-ui/swagger-ui-bundle.js",
                               swagger_css_url="/static/vendor/swagger-ui/swagger-ui.css",
                               swagger_favicon_url="/static/favicon.svg")
    headers = {**PAGE_HEADERS, "Content-Security-Policy": PAGE_CSP_DOCS}
    return HTMLResponse(bytes(page.body), headers=headers)


# Swagger UI's page starts itself with an inline script, which this policy allows by its hash
# only if the text is fixed; it is not (it names the URLs), so the docs page allows inline
# scripts — it shows no firm data.
PAGE_CSP_DOCS = ("default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
                 "img-src 'self' data:; connect-src 'self'; base-uri 'none'; frame-ancestors 'none'")
