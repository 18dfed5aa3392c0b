"""An exception no handler took, answered where the connection survives it.

Starlette gives the app's handler of ``Exception`` to its outermost
``ServerErrorMiddleware``, which sends the handler's answer and then raises
the exception again, so that the server logs it: uvicorn then logs it a
second time ("Exception in ASGI application") and closes the connection —
a browser's next request on that kept-alive connection failed with
"connection reset" (seen right after a 500 on a firm page). This
middleware, inside the others, answers such an exception with the same
handler (:func:`api.errors.install_error_handlers`: logged once, a problem
or the error page) and does not raise it again. An exception after the
answer started is raised as before: nothing else can be sent then.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["AnswerUnexpected"]


class AnswerUnexpected:
    """ASGI middleware: an unhandled exception answered by ``handlers[Exception]``
    (looked up at the time: the app may wrap its handlers after this is added)."""

    def __init__(self, app: ASGIApp, handlers: Mapping[Any, Any]) -> None:
        self.app = app
        self.handlers = handlers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception as exc:
            handler = self.handlers.get(Exception)
            if started or handler is None:
                raise
            response = handler(Request(scope, receive), exc)
            if inspect.isawaitable(response):
                response = await response
            await response(scope, receive, send)
