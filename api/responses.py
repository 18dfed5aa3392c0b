"""Fast JSON responses and the cached rendering of firm-level pages.

Bodies are serialised with orjson (several times faster than the standard
library, NaN → ``null``, numpy numbers as numbers) and returned as ready
bytes, so FastAPI does not walk the result again. Firm-level answers go
through :class:`api.cache.ResponseCache`: computed once per data version.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import orjson
from fastapi import Request
from fastapi.responses import Response

from api.cache import Rendered, ResponseCache
from queries.store import Store

__all__ = ["JSON", "to_json", "cached_json", "cached_html", "request_key"]

_OPTIONS = orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS


def to_json(content: Any) -> bytes:
    return orjson.dumps(content, option=_OPTIONS)


class JSON(Response):
    """``application/json`` rendered by orjson."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return content if isinstance(content, bytes) else to_json(content)


def request_key(request: Request) -> str:
    """Path and query parameters in a canonical order (the cache key)."""
    query = urlencode(sorted(request.query_params.multi_items()))
    return f"{request.url.path}?{query}"


def cached_json(request: Request, store: Store, compute: Callable[[], Any]) -> Response:
    """``compute()`` as JSON, from the cache when the data has not changed."""
    cache: ResponseCache = request.app.state.responses
    hit = cache.get_or_render(request_key(request), store,
                              lambda: Rendered(to_json(compute()), JSON.media_type))
    return Response(hit.body, media_type=hit.media_type)


def cached_html(request: Request, store: Store, compute: Callable[[], str],
                headers: dict[str, str]) -> Response:
    """``compute()`` as an HTML page, from the cache when the data has not changed."""
    cache: ResponseCache = request.app.state.responses
    hit = cache.get_or_render(request_key(request), store,
                              lambda: Rendered(compute().encode("utf-8"), "text/html; charset=utf-8"))
    return Response(hit.body, media_type=hit.media_type, headers=headers)
