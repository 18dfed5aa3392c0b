"""Who is asking: bearer tokens to principals, roles to permissions, and
the rate limit on failed attempts.

Every route but ``GET /health`` and static files depends on
:func:`get_principal` (``api.app`` includes the routers with it, so that no
route can forget it): ``Authorization: Bearer TOKEN`` → the
:class:`~queries.access.Principal` of an active user, also kept as
``request.state.principal`` for :mod:`api.audit`. A missing, malformed,
unknown, replaced or forged token, or a disabled user's, answers 401 with
``WWW-Authenticate: Bearer``; :func:`require_role` answers 403.

Failed attempts are counted with ``limits`` (moving window, in memory, per
app — each server process keeps its own counts) per client address and per
user named by the token: past ``TORIHIKI_AUTH_FAILURES_PER_ADDRESS`` or
``TORIHIKI_AUTH_FAILURES_PER_USER`` every attempt from that address, or for
that user, answers 429 with ``Retry-After`` until the window has moved on —
a correct token too, so that guessing cannot go on in the background. A
user's wrong passwords (the login page) and wrong tokens are counted apart:
anyone can try passwords on a name, which must not lock that user's API
token out. Each
failure is written to the audit log (``auth.token``, outcome ``denied``);
refusals while limited are not, so that a flood cannot fill the log.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from api import first_read
from api.app_settings import app_settings
from api.cache import app_state_once
from api.errors import Forbidden, TooManyRequests, Unauthorized
from api.identity import check_password, check_token_read, principal_of, record
from api.settings import Settings
from queries.access import Principal, Role
from queries.identity import User
from queries.store import Store

__all__ = ["authenticate_token", "get_principal", "PrincipalDep", "require_role", "AuthLimiter",
           "login_password"]
_INVALID = 'Bearer realm="torihiki", error="invalid_token"'


class AuthLimiter:
    """Failed authentication attempts per client address and per user, in a
    moving window (``limits``, in-memory storage)."""

    def __init__(self, per_address: str, per_user: str) -> None:
        self._limiter = MovingWindowRateLimiter(MemoryStorage())
        self._address = parse(per_address)
        self._user = parse(per_user)

    def _keys(self, address: str, user: str | None, kind: str) -> list[tuple[object, tuple[str, ...]]]:
        keys: list[tuple[object, tuple[str, ...]]] = [(self._address, ("auth-address", address))]
        if user is not None:  # whatever its case: a name signs in whatever its case (api.identity._user_named)
            keys.append((self._user, (f"auth-user-{kind}", user.casefold())))
        return keys

    def wait(self, address: str, user: str | None = None, kind: str = "token") -> float | None:
        """Seconds until another attempt from ``address`` (for ``user``) may
        be made, or ``None`` when it may be made now. ``kind``: ``token``
        or ``password`` — a user's failures are counted apart for each, so
        that wrong passwords tried on a name do not lock its API token out."""
        waits = []
        for item, ids in self._keys(address, user, kind):
            if not self._limiter.test(item, *ids):  # type: ignore[arg-type]
                reset = self._limiter.get_window_stats(item, *ids).reset_time  # type: ignore[arg-type]
                waits.append(max(1.0, reset - time.time()))
        return max(waits) if waits else None

    def failed(self, address: str, user: str | None = None, kind: str = "token") -> None:
        """Count one failed attempt."""
        for item, ids in self._keys(address, user, kind):
            self._limiter.hit(item, *ids)  # type: ignore[arg-type]


def limiter_of(request: Request, settings: Settings) -> AuthLimiter:
    """The app's limiter, made on first use from ``settings``."""
    return app_state_once(request.app.state, "auth_limiter", lambda: AuthLimiter(
        settings.auth_failures_per_address, settings.auth_failures_per_user))


def client_address(request: Request) -> str:
    """The client's address as the limiter and the audit log name it."""
    return request.client.host if request.client else "unknown"


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def _refuse(store: Store, limiter: AuthLimiter, address: str, user: User | None, action: str,
            why: str) -> Unauthorized:
    """Count and audit a failed attempt; the 401 to raise."""
    limiter.failed(address, user.name if user else None)
    record(store, principal_of(user) if user else None, action, outcome="denied", detail=f"{why} from {address}")
    return Unauthorized("the bearer token is not valid", {"WWW-Authenticate": _INVALID})


BEARER = HTTPBearer(auto_error=False, scheme_name="token",
                    description="An API token: `torihiki users token NAME` issues one (the earlier one "
                                "stops working). Sent as `Authorization: Bearer TOKEN`.")
"""The token as OpenAPI documents it (the docs' Authorize button, generated
clients); :func:`get_principal` reads and checks the header itself."""


def get_principal(request: Request, settings: Annotated[Settings, Depends(app_settings)],
                  _documented: Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)] = None
                  ) -> Principal:
    """The request's principal, from ``Authorization: Bearer TOKEN`` — or,
    for reading (GET, HEAD) in a browser, the signed-in web session
    (:mod:`api.web.session`; 401 without either, 429 while rate limited).
    Nothing is changed through the API on the strength of a session."""
    header = request.headers.get("authorization", "")
    if not header and request.method in ("GET", "HEAD"):
        from api.web.session import own_password_first, session_principal

        if (principal := session_principal(request)) is not None:
            request.state.principal = principal
            own_password_first(request, principal)  # as on every page: the memo and the view are links from them
            return principal
    scheme, _, token = header.partition(" ")
    if not header:
        raise Unauthorized()
    principal = _principal_for_token(request, settings, token.strip() if scheme.lower() == "bearer" else "")
    request.state.principal = principal
    return principal


def _principal_for_token(request: Request, settings: Settings, token: str) -> Principal:
    """Check one token (``""``: the request sent no bearer token): rate
    limited, failures counted and audited."""
    store = _store(request)
    limiter = limiter_of(request, settings)
    address = client_address(request)
    if (wait := limiter.wait(address)) is not None:
        raise TooManyRequests("too many failed authentication attempts", wait)
    if not token:
        raise _refuse(store, limiter, address, None, "auth.token", "not a bearer token")
    # The answer the route will serve, if it was stored at load time, is
    # read with the token's user: one round trip (api.first_read).
    names = first_read.entry_names(request, settings)
    read, why = check_token_read(store, token, names.name if names else None, names.bank if names else None)
    user = read.user if read else None
    if user is not None and (wait := limiter.wait(address, user.name)) is not None:
        raise TooManyRequests("too many failed authentication attempts", wait)
    if read is None or user is None or why:
        raise _refuse(store, limiter, address, user, "auth.token", why)
    first_read.keep(request, read)
    return principal_of(user)


def authenticate_token(request: Request, settings: Settings, token: str) -> Principal | None:
    """The principal of ``token`` for the login page, ``None`` when it is not
    valid (counted and audited like any failure; 429 while rate limited)."""
    try:
        return _principal_for_token(request, settings, token)
    except Unauthorized:
        return None


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def require_role(*roles: Role) -> Callable[..., Principal]:
    """A dependency: the request's principal when its role is one of
    ``roles``, else 403 (401 first without a valid token)."""
    allowed = frozenset(roles)
    names = ", ".join(r.value for r in roles)

    def dependency(principal: PrincipalDep) -> Principal:
        if principal.role not in allowed:
            raise Forbidden(f"this needs the role {names}; you act as {principal.role.value}")
        return principal

    dependency.__name__ = f"require_{'_or_'.join(r.value for r in roles)}"
    return dependency


def login_password(store: Store, limiter: AuthLimiter, name: str, password: str, address: str) -> Principal:
    """Log in with a name and password (the web UI): the
    principal, or :class:`Unauthorized` (failure counted and audited as
    ``auth.login``), or :class:`TooManyRequests`."""
    for user in (None, name):
        if (wait := limiter.wait(address, user, "password")) is not None:
            raise TooManyRequests("too many failed login attempts", wait)
    found, why = check_password(store, name, password)
    if found is None or why:
        # The name is counted even when unknown: guessing passwords of a name
        # that does not exist costs the same as of one that does.
        limiter.failed(address, name, "password")
        record(store, principal_of(found) if found else None, "auth.login", outcome="denied", detail=f"{why} from {address}")
        raise Unauthorized("wrong user name or password")
    record(store, principal_of(found), "auth.login", detail=f"from {address}")
    return principal_of(found)
