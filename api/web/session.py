"""Sessions of the web UI: who is signed in, and the CSRF token of their forms.

A person signs in with a user name and password (``POST /login``, checked by
:func:`api.auth.login_password`: rate limited and audited). The session is a
cookie signed with the app's secret (Starlette's ``SessionMiddleware``,
itsdangerous), ``HttpOnly`` and ``SameSite=Lax``, ``Secure`` in production,
that expires after ``TORIHIKI_SESSION_HOURS``. It holds the user's name, a
fingerprint of their password hash (a new password signs every other
session out), when it was signed in and the CSRF token. Signing out, or
being disabled, ends every session of the user signed in until then (kept
in the store: :func:`api.identity.end_sessions`), so a copied cookie does
not outlive the sign-out.

Each request looks the user up again, so a disabled user, or one whose role
or bank changed, is signed out or acts in the new role at once.

CSRF: every form carries the session's token in a hidden field ``csrf``;
:func:`form_principal` compares it (constant time) before anything changes.
A session reads pages (GET, HEAD) of the API too — the network view and the
memo are links — but never changes anything through the API: the API's
writes want a bearer token (:func:`api.auth.get_principal`).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import time
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlsplit

from fastapi import Depends, Form, Request

from api.errors import Forbidden
from api.identity import end_sessions, password_given_by, principal_of, record, sessions_ended_at
from api.settings import Settings
from queries.access import Principal, Role
from queries.identity import User
from queries.private_files import private_dir

__all__ = ["SESSION_COOKIE", "session_secret", "session_principal", "sign_in", "sign_out", "csrf_token",
           "LoginRequired", "PasswordChangeRequired", "own_password_first", "page_principal", "PagePrincipal", "form_principal", "FormPrincipal",
           "page_roles", "safe_next"]

SESSION_COOKIE = "torihiki_session"


def session_secret(settings: Settings) -> str:
    """The key that signs session cookies: ``TORIHIKI_SESSION_SECRET``, else
    one kept in ``TORIHIKI_HOME/session.key`` (made on first use, mode 0600,
    so that every worker process and every restart signs alike)."""
    given = settings.session_secret.get_secret_value()
    if given:
        return given
    path = Path(settings.home) / "session.key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        private_dir(path.parent)  # 0700 when made here: TORIHIKI_HOME holds confidential ledgers
        key = secrets.token_urlsafe(48)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another worker made it meanwhile
            return path.read_text().strip()
        with os.fdopen(fd, "w") as f:
            f.write(key)
        return key


def _fingerprint(user: User) -> str:
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def sign_in(request: Request, user: User) -> None:
    """Start a fresh session for ``user`` (a new CSRF token: nothing of the
    session before the login carries over)."""
    request.session.clear()
    request.session.update({"user": user.name, "pw": _fingerprint(user), "csrf": secrets.token_urlsafe(32),
                            "at": time.time()})


def _ended(signed_in_at: float, ended_at: float) -> bool:
    """Whether a session signed in at ``signed_in_at`` was ended at ``ended_at``
    (seconds since the epoch; 0: never ended, and a session of an earlier
    version, which has no time, lives until its user's next sign-out)."""
    return ended_at > 0 and signed_in_at <= ended_at


def sign_out(request: Request) -> None:
    """Clear the cookie, and end every session of the user signed in until
    now (:func:`api.identity.end_sessions`): a copy of the cookie, or the
    same user's session in another browser, is refused from now on."""
    name = request.session.get("user") if "session" in request.scope else None
    if name:
        end_sessions(request.app.state.store, str(name))
    request.session.clear()


def csrf_token(request: Request) -> str:
    """The session's CSRF token (made on first use, also before sign-in, for the login form)."""
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return str(token)


def session_principal(request: Request) -> Principal | None:
    """The principal of the signed-in session, or ``None``: no session, an
    unknown or disabled user, or a password changed since the sign-in (the
    session is then cleared)."""
    if "session" not in request.scope:
        return None
    name = request.session.get("user")
    if not name:
        return None
    store = request.app.state.store
    user = store.get_user(name)
    if (user is None or not user.active or not hmac.compare_digest(_fingerprint(user), request.session.get("pw", ""))
            or _ended(float(request.session.get("at", 0)), sessions_ended_at(store, user.name))):
        request.session.clear()
        return None
    return principal_of(user)


def safe_next(target: str | None, default: str = "/ui/") -> str:
    """Only a path on this site (no ``//host``, scheme or backslash, and no
    control character or space, which a browser drops from a link:
    ``/<tab>/evil.example`` is ``//evil.example``): no open redirect."""
    if (target and target.startswith("/") and not target.startswith("//") and "\\" not in target
            and not any(c <= " " or c == "\x7f" for c in target)):
        return target
    return default


class LoginRequired(Exception):
    """A page was asked for without a session: the app answers with a
    redirect to the login page, which comes back to ``next``."""

    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.location = f"/login?next={quote(next_url, safe='/')}"


def _mark_page(request: Request) -> None:
    request.scope["torihiki.page"] = True  # errors answer as HTML pages (api.web.render)


def _back_after_login(request: Request) -> str:
    """Where the login page sends a user whose session had ended: the page
    asked for; for a form sent (a POST, whose address answers no GET), the
    page the form was on (its ``Referer`` on this site), else the start
    page — the form is not sent again, the user sends it anew."""
    if request.method in ("GET", "HEAD"):
        return request.url.path + (f"?{request.url.query}" if request.url.query else "")
    referer = urlsplit(request.headers.get("referer", ""))
    if referer.netloc and referer.netloc != request.url.netloc:
        return "/ui/"
    return safe_next(referer.path + (f"?{referer.query}" if referer.query else ""), "/ui/")


def page_principal(request: Request) -> Principal:
    """A dependency of every UI page: the signed-in principal (also kept as
    ``request.state.principal`` for the audit log), or a redirect to the login page."""
    _mark_page(request)
    principal = session_principal(request)
    if principal is None:
        raise LoginRequired(_back_after_login(request))
    request.state.principal = principal
    own_password_first(request, principal)
    return principal


def own_password_first(request: Request, principal: Principal) -> None:
    """Raise :class:`PasswordChangeRequired` when a session's user has a
    password someone else gave them (:func:`api.identity.password_given_by`)
    and asks for anything but :data:`_WITH_A_GIVEN_PASSWORD`: every page,
    and the API's reads through the session (the memo, the network view)."""
    if request.url.path not in _WITH_A_GIVEN_PASSWORD and password_given_by(request.app.state.store, principal.user):
        raise PasswordChangeRequired(_back_after_login(request))


_WITH_A_GIVEN_PASSWORD = frozenset({"/ui/account", "/ui/account/password", "/logout"})
"""The pages a user whose password was given to them (by an admin, the
CLI: :func:`api.identity.password_given_by`) may open: their account page,
to choose their own, and the sign-out."""


class PasswordChangeRequired(LoginRequired):
    """A page was asked for by a user whose password someone else gave them
    and so knows: the app answers with a redirect to their account page,
    which asks for a password of their own first and then offers the page
    asked for (``next``; the start page is not worth a ``next``)."""

    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.location = "/ui/account" + (f"?next={quote(next_url, safe='/')}" if next_url not in ("/ui/", "/") else "")


PagePrincipal = Annotated[Principal, Depends(page_principal)]


def page_roles(*roles: Role) -> Any:
    """A dependency: the page's principal when its role is one of ``roles``,
    else 403 — audited (``ui.page``, outcome ``denied``, the path), as the
    API's refusals are."""
    allowed = frozenset(roles)

    def dependency(request: Request, principal: PagePrincipal) -> Principal:
        if principal.role not in allowed:
            record(request.app.state.store, principal, "ui.page", None, "denied", request.url.path)
            raise Forbidden("this page is not for your role")
        return principal

    return Depends(dependency)


def form_principal(request: Request, csrf: Annotated[str, Form(max_length=200)] = "") -> Principal:
    """A dependency of every form post: the session's principal after the
    form's CSRF token matched the session's (403 otherwise)."""
    principal = page_principal(request)
    expected = request.session.get("csrf", "")
    if not expected or not hmac.compare_digest(csrf.encode(), str(expected).encode()):
        raise Forbidden("the form is out of date or came from another site; reload the page and try again")
    return principal


FormPrincipal = Annotated[Principal, Depends(form_principal)]
