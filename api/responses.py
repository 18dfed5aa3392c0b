"""Fast JSON responses and the cached rendering of firm-level pages.

Bodies are serialised with orjson (several times faster than the standard
library, NaN → ``null``, numpy numbers as numbers) and returned as ready
bytes, so FastAPI does not walk the result again. Firm-level answers go
through :class:`api.cache.ResponseCache`: computed once per data version.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
from fastapi import Request
from fastapi.responses import JSONResponse, Response

from api import first_read
from api.cache import Rendered, ResponseCache
from queries.scoped import BANK_SCOPE, ReadStore, scope_key_of, scoped_key

__all__ = ["JSON", "to_json", "answer", "serve"]

_OPTIONS = orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS


def to_json(content: Any) -> bytes:
    return orjson.dumps(content, option=_OPTIONS)


class JSON(JSONResponse):
    """``application/json`` rendered by orjson (a :class:`JSONResponse`, so
    that OpenAPI documents a route's model, not a string)."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return content if isinstance(content, bytes) else to_json(content)


def answer(request: Request, store: ReadStore, page: tuple[str, Callable[[], Rendered]],
           gated: bool = True) -> Rendered:
    """The rendered body of ``page`` for the request's scope, from the cache
    when the data has not changed (see :func:`serve`): for a route that
    builds its response from it (the network view renders its page around
    the cached model)."""
    key, render = page
    scope = scope_key_of(store)
    cache: ResponseCache = request.app.state.responses
    return cache.get_or_render(scoped_key(store, key), store, render,
                               precomputed=scope == "all" or scope.startswith(BANK_SCOPE), fresh=scope != "all",
                               gated=gated, first=first_read.of(request), scoped=scope != "all")


def serve(request: Request, store: ReadStore, page: tuple[str, Callable[[], Rendered]],
          headers: dict[str, str] | None = None, gated: bool = True) -> Response:
    """An answer of :mod:`api.firm_pages`: from the cache when the data has
    not changed (or precomputed at load time), else rendered now.

    Cached answers are keyed by the principal's scope (``all``, ``bank:B``,
    see :func:`queries.scoped.scope_key_of`): one bank's answer is never
    served to another; answers precomputed at load time are served to the
    scope they were rendered for (the unscoped one, or a bank's: its
    clients' networks), a bank's only while neither the trade nor that
    bank's consents changed since. A scoped answer reads the data version
    on every request, so that a consent revocation (a write) takes effect
    on the next one."""
    hit = answer(request, store, page, gated)
    out = dict(headers or {})
    out["Vary"] = "Accept-Encoding"
    if "gzip" in request.headers.get("accept-encoding", ""):
        out["Content-Encoding"] = "gzip"
        return Response(hit.gzipped, media_type=hit.media_type, headers=out)
    return Response(hit.body, media_type=hit.media_type, headers=out)
