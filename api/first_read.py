"""A request's first read: its token's user, the data version and the
answer stored at load time that its route will serve, read together.

Every firm route checks the bearer token (:mod:`api.auth`) before it runs,
and a route whose answer was rendered at load time (:mod:`api.precompute`:
every client's one-hop ego) then reads that answer and, for a bank's
officer, the data version. On Neo4j each read is a round trip, ~1.5 ms of
the two cores' CPU (docs/data-model.md), about a third of what such a
request costs. So a route registers here how the stored entry it would
read is named from the raw request (:func:`stored_answer`); the token
check reads it alongside the token's user (``Store.token_read``), and
:class:`api.cache.ResponseCache` takes the entry and the version from
:func:`of` instead of reading them again.

The name is guessed before FastAPI has validated the parameters, so a
registered function accepts only the parameters' plain spellings and
returns ``None`` for anything else (the route then reads as before). The
cache uses the prefetched entry only when its name is the one the route
computes, and only where a stored answer may be served at all (the
unscoped principal's, :func:`api.responses.answer`): a wrong guess costs a
read, never a wrong answer. The token itself is checked against the store
on every request, as before.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Request

from api.settings import Settings
from queries.identity import TokenRead

__all__ = ["stored_answer", "entry_name", "keep", "of", "plain_query"]

EntryName = Callable[[Request, Settings], str | None]
_NAMES: dict[str, EntryName] = {}


def stored_answer(path: str) -> Callable[[EntryName], EntryName]:
    """Register the function that names the stored entry a request to the
    route ``path`` (as declared, e.g. ``/firms/{firm_id}/ego``) would read."""

    def register(fn: EntryName) -> EntryName:
        _NAMES[path] = fn
        return fn

    return register


def entry_name(request: Request, settings: Settings) -> str | None:
    """The stored entry the request's route would read, if it registered one
    and the server serves stored answers at all (``TORIHIKI_SERVE_PRECOMPUTED``)."""
    if request.method != "GET" or not settings.serve_precomputed:
        return None
    route = request.scope.get("route")
    name_of = _NAMES.get(getattr(route, "path", ""))
    return name_of(request, settings) if name_of else None


def keep(request: Request, read: TokenRead) -> None:
    """Keep a valid token's read for the request's route."""
    request.state.first_read = read


def of(request: Request) -> TokenRead | None:
    """What the token check read for this request (``None``: a web session,
    or no token check)."""
    read: TokenRead | None = getattr(request.state, "first_read", None)
    return read


def plain_query(request: Request, *names: str) -> dict[str, str] | None:
    """The query parameters ``names`` (absent ones left out; others, which
    a route ignores, too) when each is given at most once; else ``None``."""
    params = request.query_params
    if any(len(params.getlist(n)) > 1 for n in names):
        return None
    return {n: params[n] for n in names if n in params}
