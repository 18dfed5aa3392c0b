"""Signing a browser in with an API token, so the network views open in a browser.

A browser cannot send ``Authorization: Bearer …`` when a person follows a
link, so ``POST /login`` checks a token (as every request does: failures
counted, rate limited and audited) and keeps it in a cookie that is
``HttpOnly`` (no script reads it), ``SameSite=Strict`` (no other site sends
it) and ``Secure`` over HTTPS. The cookie is accepted for reading pages only
(GET and HEAD, see :func:`api.auth.get_principal`): every request that
changes something still needs the ``Authorization`` header, so a forged
form on another site can change nothing. Logging in with a name and
password, and a page per task, come with the web UI.
"""

from __future__ import annotations

import html
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.auth import TOKEN_COOKIE, authenticate_token
from api.deps import SettingsDep

__all__ = ["router"]

router = APIRouter(tags=["login"])

_PAGE = """<!doctype html>
<html lang="ja"><head><meta charset="utf-8"><title>torihiki — ログイン</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{{font-family:"IPAexGothic","Noto Sans CJK JP",sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem}}
input[type=password]{{width:100%;padding:.4rem;font-size:1rem}}button{{margin-top:1rem;padding:.4rem 1.2rem;font-size:1rem}}
.error{{color:#b00020}}</style></head>
<body><h1>torihiki</h1>
<p>APIトークンを入力してください（<code>torihiki users token 名前</code> で発行）。<br>
<small>Enter your API token (issued with <code>torihiki users token NAME</code>).</small></p>
{error}
<form method="post" action="/login">
<input type="hidden" name="next" value="{next}">
<label>APIトークン / API token<br><input type="password" name="token" autocomplete="off" required autofocus></label>
<button type="submit">ログイン / Sign in</button></form></body></html>"""


def _safe_next(target: str) -> str:
    """Only a path on this site (no ``//host`` or scheme): no open redirect."""
    return target if target.startswith("/") and not target.startswith("//") and "\\" not in target else "/docs"


@router.get("/login", response_class=HTMLResponse, include_in_schema=False)
def login_page(next: str = "/docs") -> HTMLResponse:  # noqa: A002 (the query parameter's name)
    return HTMLResponse(_PAGE.format(error="", next=html.escape(_safe_next(next), quote=True)))


@router.post("/login", include_in_schema=False)
def login(request: Request, settings: SettingsDep, token: Annotated[str, Form(max_length=200)],
          next: Annotated[str, Form(max_length=500)] = "/docs") -> Response:  # noqa: A002
    target = _safe_next(next)
    if authenticate_token(request, settings, token.strip()) is None:
        page = _PAGE.format(error='<p class="error">トークンが正しくありません / The token is not valid.</p>',
                            next=html.escape(target, quote=True))
        return HTMLResponse(page, status_code=401)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(TOKEN_COOKIE, token.strip(), httponly=True, samesite="strict",
                        secure=request.url.scheme == "https", path="/")
    return response


@router.post("/logout", include_in_schema=False)
def logout() -> Response:
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(TOKEN_COOKIE, path="/")
    return response
