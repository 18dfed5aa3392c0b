"""A request's first read: its token's user, the data version and the
answer stored at load time that its route will serve, read together.

Every firm route checks the bearer token (:mod:`api.auth`) before it runs,
and a route whose answer was rendered at load time (:mod:`api.precompute`:
every client's one-hop ego, for every bank its consenting clients') then
reads that answer, the data version and, for a bank's officer, the bank's
consent version. On Neo4j each read is a round trip, ~1.5 ms of the two
cores' CPU (docs/data-model.md), about a third of what such a request
costs. So a route registers here how the key of the answer it would read
is made from the raw request (:func:`stored_answer`); the token
check reads it alongside the token's user (``Store.token_read``), and
:class:`api.cache.ResponseCache` takes the entry and the version from
:func:`of` instead of reading them again. The answer stored for a credit
officer's bank is named with the bank, which the token's user gives: the
store reads it by a name made of a head, the user's bank and a tail, with
the bank's consent version (the stored answer's other condition).

The name is guessed before FastAPI has validated the parameters, so a
registered function accepts only the parameters' plain spellings and
returns ``None`` for anything else (the route then reads as before). The
cache uses the prefetched entry only when its name is the one the route
computes, and only where a stored answer may be served at all (the
unscoped principal's and a bank's, :func:`api.responses.answer`): a wrong
guess costs a read, never a wrong answer. The token itself is checked against the store
on every request, as before.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from fastapi import Request

from api.settings import Settings
from queries.identity import TokenRead
from queries.scoped import bank_scoped_parts

__all__ = ["EntryNames", "stored_answer", "entry_names", "keep", "of", "plain_query"]

AnswerKey = Callable[[Request, Settings], str | None]
_KEYS: dict[str, AnswerKey] = {}


class EntryNames(NamedTuple):
    """The stored entries a request may be served from (``Store.token_read``)."""

    name: str  # the unscoped answer's
    bank: tuple[str, str]  # a credit officer's: head + bank + tail


def stored_answer(path: str) -> Callable[[AnswerKey], AnswerKey]:
    """Register the function that gives the answer key (``api.firm_pages``,
    unscoped) of a request to the route ``path`` (as declared, e.g.
    ``/firms/{firm_id}/ego``), whose stored entry the request would read."""

    def register(fn: AnswerKey) -> AnswerKey:
        _KEYS[path] = fn
        return fn

    return register


def entry_names(request: Request, settings: Settings) -> EntryNames | None:
    """The stored entries the request's route would read, if it registered
    a key and the server serves stored answers at all
    (``TORIHIKI_SERVE_PRECOMPUTED``): the unscoped answer's, and a credit
    officer's (:func:`queries.scoped.bank_scoped_parts`)."""
    if request.method != "GET" or not settings.serve_precomputed:
        return None
    route = request.scope.get("route")
    key_of = _KEYS.get(getattr(route, "path", ""))
    key = key_of(request, settings) if key_of else None
    if key is None:
        return None
    # imported here: api.firm_pages imports this module (through api.responses)
    from api.firm_pages import stored_key

    head, tail = bank_scoped_parts(key)
    return EntryNames(stored_key(key), (stored_key(head), tail))


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
