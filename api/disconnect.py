"""Stop work for clients that have gone away (an ASGI middleware).

A sync route runs in a worker thread and would compute to the end for a
client that closed its connection long ago — under load, that is work for
nobody, queued in front of clients that still wait. For ``GET`` and
``HEAD`` requests this middleware listens for the ASGI ``http.disconnect``
message while the route runs and sets the request's cancel event
(:data:`queries.cancel.CANCEL`); the stores check it before each query, and
SQLite checks it while a query runs.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from queries.cancel import CANCEL

__all__ = ["CancelOnDisconnect"]


class CancelOnDisconnect:
    """ASGI middleware: a per-request cancel event, set on disconnect."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        event = threading.Event()
        messages: asyncio.Queue[Message] = asyncio.Queue()

        async def watch() -> None:
            while True:
                message = await receive()
                await messages.put(message)
                if message["type"] == "http.disconnect":
                    event.set()
                    return

        async def relay() -> Message:
            return await messages.get()

        token = CANCEL.set(event)
        watcher: asyncio.Task[Any] = asyncio.create_task(watch())
        try:
            await self.app(scope, relay, send)
        finally:
            watcher.cancel()
            CANCEL.reset(token)
