"""Request bodies over the upload limit are refused before they are read (ASGI middleware).

FastAPI parses a multipart form before the route runs, so a limit checked in
the route applies only after the whole body has been received (and spooled
to disk). This middleware sits in front: a declared ``Content-Length`` over
the limit is answered 413 at once, without reading a byte of the body; a
body streamed without one (chunked) is counted as it arrives and answered
413 as soon as the count passes the limit — the application then sees the
client as gone and stops parsing.

The limit is the upload limit (``TORIHIKI_MAX_UPLOAD_BYTES``) plus room for
the multipart envelope (boundaries, part headers, the other form fields).
API clients get the problem answer; a web page's form (``/ui/…``, the
loads page's upload) gets a short page in the reader's language.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from starlette.responses import HTMLResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import problem_response

__all__ = ["BodyLimit", "ENVELOPE_BYTES", "megabytes"]

ENVELOPE_BYTES = 64 * 1024
"""Allowance over the file's limit for the multipart envelope and form fields."""


def megabytes(n: int) -> str:
    """A byte count as the pages say it, in MB of 2**20 bytes: ``200``, ``0.0625``."""
    return f"{n / (1 << 20):g}"


class BodyLimit:
    """ASGI middleware: 413 for request bodies over ``limit()`` + envelope bytes.

    ``limit`` is called per request (settings may be overridden in tests).
    """

    def __init__(self, app: ASGIApp, limit: Callable[[], int]) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") not in ("POST", "PUT", "PATCH"):
            await self.app(scope, receive, send)
            return
        file_limit = self.limit()
        allowed = file_limit + ENVELOPE_BYTES
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None:
            text = declared.decode("latin-1").strip()
            if not text.isdigit():
                await _refuse(scope, send, 400, "bad_request", "Content-Length is not a number")
                return
            if int(text) > allowed:
                await _too_large(scope, send, file_limit)
                return
        received = 0
        refused = False
        started = False

        async def counted() -> Message:
            nonlocal received, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > allowed:
                    refused = True
                    if not started:
                        await _too_large(scope, send, file_limit)
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if refused:
                return  # the 413 is the answer
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted, guarded_send)
        except Exception:
            if not refused:
                raise
            # the application gave up on the body we cut off: the 413 stands


async def _too_large(scope: Scope, send: Send, file_limit: int) -> None:
    """413: the problem answer, or on a web page a short page saying so."""
    if not str(scope.get("path", "")).startswith("/ui/"):
        await _refuse(scope, send, 413, "payload_too_large", f"upload larger than {file_limit} bytes")
        return
    from starlette.requests import Request

    from api.web.i18n import translations
    from api.web.render import PAGE_HEADERS, request_lang

    lang = request_lang(Request(scope))  # the page's language, as every page picks it (the body is not read)
    t = translations(lang).gettext
    text = t("The files are larger than %(mb)s MB together and were not loaded.") % {"mb": megabytes(file_limit)}
    hint = t("Load them a few at a time, or split a large file by months (a journal export can be made for a "
             "quarter at a time).")
    title = t("Too large to load")
    body = (f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>{escape(title)} — torihiki'
            f'</title><link rel="stylesheet" href="/static/ui.css"></head><body><main><h1>413 — {escape(title)}</h1>'
            f'<p class="card flash bad">{escape(text)}</p><p>{escape(hint)}</p>'
            f'<p><a href="/ui/loads">{escape(t("Back to the loads"))}</a></p></main></body></html>')
    response = HTMLResponse(body, status_code=413, headers={**PAGE_HEADERS, "Connection": "close"})
    await response(scope, _no_body, send)


async def _refuse(scope: Scope, send: Send, status: int, code: str, detail: str) -> None:
    response = problem_response(status, code, detail, {"Connection": "close"})
    await response(scope, _no_body, send)


async def _no_body() -> Message:
    return {"type": "http.disconnect"}
