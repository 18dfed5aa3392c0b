"""``HEAD`` answered as ``GET`` without its body.

FastAPI's routes answer only the methods they name, so ``HEAD /health`` (a
load balancer's or a monitor's check) and ``curl -I`` of a page were 405.
HTTP says a server answering ``GET`` answers ``HEAD`` the same, headers and
status alike, with no body (RFC 9110 §9.3.2): this middleware runs a
``HEAD`` as the ``GET`` and drops what would be its body.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["HeadAsGet"]


class HeadAsGet:
    """ASGI middleware: ``HEAD`` requests run as ``GET``; their body is not sent."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return  # the rest of a streamed body: nothing of it goes out
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, headers_only)
