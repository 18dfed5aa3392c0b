"""Stop a store's work for a caller that has gone away.

The API sets :data:`CANCEL` to an event per request and sets the event when
the client disconnects (``api.disconnect``); the context variable travels
with the request into the worker thread that runs a sync route. The stores
call :func:`check` before each query, and the embedded store also from
SQLite's progress handler, so a long query stops midway.
"""

from __future__ import annotations

import threading
from contextvars import ContextVar

from queries.store import StoreError

__all__ = ["CANCEL", "Cancelled", "check", "cancelled"]

CANCEL: ContextVar[threading.Event | None] = ContextVar("torihiki_cancel", default=None)


class Cancelled(StoreError):
    """The caller has gone away; the work was stopped."""


def cancelled() -> bool:
    """True when the current caller's work should stop."""
    event = CANCEL.get()
    return event is not None and event.is_set()


def check() -> None:
    """Raise :class:`Cancelled` when the current caller has gone away."""
    if cancelled():
        raise Cancelled("the client closed the connection; work stopped")
