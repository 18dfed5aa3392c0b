"""Users, tokens, passwords and consent: what the ``torihiki users`` and
``consent`` commands and the admin API do, each change written to the audit
log.

Tokens are ``<id>.<secret>``: ``id`` is 12 random hex digits kept in clear
for lookup, ``secret`` is ``secrets.token_urlsafe(32)`` (256 bits). Only the
SHA-256 of the whole token is stored (a fast hash is right for a random
secret of that strength; a slow one would only slow every request). A token
is shown once, when issued; issuing another replaces it. Passwords (for the
coming web UI) are hashed with Argon2id (``argon2-cffi``, its default
parameters, RFC 9106 low-memory profile).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import re
import secrets
import time
import unicodedata
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from domain.errors import InputError
from queries.access import Principal, Role
from queries.identity import (
    GRANT,
    MAX_BANK_CHARS,
    REVOKE,
    AuditEntry,
    ConsentEvent,
    TokenRead,
    User,
    utc_now,
)
from queries.store import NotFound, Store

__all__ = [
    "IssuedToken", "add_user", "set_active", "set_bank", "issue_token", "set_password", "check_password_length", "password_problem",
    "check_token", "check_token_read", "check_password", "principal_of", "change_consent", "record", "audit_entry",
    "check_bank", "check_user_name", "known_banks", "banks_of", "user_refusal",
    "token_digest", "MIN_PASSWORD_CHARS", "ANONYMOUS", "password_given_by",
]

USER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$")
TOKEN = re.compile(r"^([0-9a-f]{12})\.([A-Za-z0-9_-]{43})$")
MIN_PASSWORD_CHARS = 12
MAX_PASSWORD_CHARS = 1024
_HASHER = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """Verified against when a login names no user, so that the answer takes
    as long as for a real one (no probing of user names by timing). Made at
    the first such login, not at import: an Argon2 hash costs a tenth of a
    second or more, which every CLI and server start paid (that one login of
    a process takes a hash longer; the later ones tell nothing by timing)."""
    return _HASHER.hash(secrets.token_urlsafe(16))


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A token as issued: ``token`` is shown once and never stored."""

    user: str
    token: str
    token_id: str
    issued_at: str


ANONYMOUS = "anonymous"


def audit_entry(who: Principal | None, action: str, firm_id: str | None = None,
                outcome: str = "ok", detail: str = "") -> AuditEntry:
    """An entry of the audit log as ``who`` did it (``None``: someone not
    identified, written as user ``anonymous`` with role ``none``)."""
    if who is None:
        return AuditEntry(ANONYMOUS, "none", None, action, firm_id, outcome, detail)
    return AuditEntry(who.user, who.role.value, who.bank, action, firm_id, outcome, detail)


def record(store: Store, who: Principal | None, action: str, firm_id: str | None = None,
           outcome: str = "ok", detail: str = "") -> None:
    """Append one entry to the audit log as ``who`` (:func:`audit_entry`)."""
    store.append_audit([audit_entry(who, action, firm_id, outcome, detail)])


def check_user_name(name: str) -> str:
    """A user name: 1–64 of letters, digits and ``_ . @ -``, starting with a
    letter or digit. Raises :class:`InputError`."""
    if not USER_NAME.match(name):
        raise InputError(f"a user name is 1–64 letters, digits, '_', '.', '@' or '-' "
                         f"(starting with a letter or digit), not {name!r}")
    return name


def check_bank(bank: str) -> str:
    """A bank identifier as the firm master writes it (a code such as
    ``0179`` or a name), trimmed: up to 64 characters, no ``;``, ``,`` or
    ``、`` (what separates banks in the firm master's consent cell: a
    list typed as one bank would be a bank of its own), no control
    characters. Raises :class:`InputError`."""
    text = bank.strip()
    if not text or len(text) > MAX_BANK_CHARS or any(
            c in ";；,，、" or unicodedata.category(c).startswith("C") for c in text):
        raise InputError(f"a bank is 1–{MAX_BANK_CHARS} characters without ';', ',', '、' or control "
                         f"characters, not {bank!r}")
    return text


def known_banks(store: Store) -> tuple[set[str], set[str]]:
    """(banks some firm consents to, banks some credit officer works for):
    a bank is written as the firm master writes it, and one spelled two ways
    is two banks, so a new bank is worth a warning where one is typed."""
    return banks_of(store.consents(), store.list_users())


def banks_of(consents: Mapping[str, Collection[str]], users: Iterable[User]) -> tuple[set[str], set[str]]:
    """:func:`known_banks` from the consents and users already read."""
    return {b for banks in consents.values() for b in banks}, {u.bank for u in users if u.bank}


def principal_of(user: User) -> Principal:
    """The principal a user acts as."""
    return Principal(user.name, Role(user.role), user.bank)


def _user_or_404(store: Store, name: str) -> User:
    user = store.get_user(name)
    if user is None:
        raise NotFound(f"no user {name!r}")
    return user


def add_user(store: Store, name: str, role: str, bank: str | None, by: Principal) -> User:
    """Create an active user without token or password (see
    :func:`issue_token`, :func:`set_password`). A credit officer needs a
    bank, other roles take none. Raises :class:`InputError` (also for a
    name that is taken, whatever its case)."""
    if (refused := user_refusal(store, name, role, bank)) is not None:
        raise InputError(refused[1])
    r = Role(role)
    user = User(name, r.value, check_bank(bank) if bank else None, True, utc_now())
    if not store.add_user(user):  # added meanwhile
        raise InputError(f"user {name!r} exists")
    record(store, by, "user.add", detail=f"{name} as {r.value}" + (f" of bank {user.bank}" if user.bank else ""))
    return user


def user_refusal(store: Store, name: str, role: str, bank: str | None) -> tuple[str, str] | None:
    """Why :func:`add_user` refuses a user — (code, message in English): the
    code (``name``, ``role``, ``bank_needed``, ``bank_not_officer``,
    ``bank``, ``exists``) lets a page say it in its reader's language — or
    ``None``. A name taken whatever its case is taken: ``ADMIN`` beside
    ``admin`` would read as one user in the audit log."""
    try:
        check_user_name(name)
    except InputError as e:
        return "name", str(e)
    try:
        r = Role(role)
    except ValueError:
        return "role", f"unknown role {role!r}; one of {', '.join(x.value for x in Role)}"
    if r is Role.CREDIT_OFFICER and not bank:
        return "bank_needed", "a credit officer is bound to one bank: give it (--bank, or the bank column of an import)"
    if r is not Role.CREDIT_OFFICER and bank:
        return "bank_not_officer", f"only a credit officer has a bank, not a user with role {r.value}"
    if bank:
        try:
            check_bank(bank)
        except InputError as e:
            return "bank", str(e)
    same = next((u.name for u in store.list_users() if u.name.casefold() == name.casefold()), None)
    if same is not None:
        return "exists", f"user {name!r} exists" + (f" (as {same!r})" if same != name else "")
    return None


def set_active(store: Store, name: str, active: bool, by: Principal) -> User:
    """Enable or disable a user. Disabling ends the user's web sessions for
    good and removes their password and API token (the token's id stays, so
    that a later try of it is still logged as the disabled user's): enabled
    again — re-hired, or by mistake — the old credentials of someone who left
    do not come back with them; an administrator sets a password and issues
    a token anew (before or after enabling). Raises :class:`NotFound`."""
    user = store.get_user(name)
    if user is None:
        raise NotFound(f"no user {name!r}")
    if not active:
        store.set_user_token(name, user.token_id, "", user.token_issued_at)  # before: no window for them
        store.set_user_password(name, "")
    if not store.set_user_active(name, active):
        raise NotFound(f"no user {name!r}")
    if not active:
        end_sessions(store, name)
    record(store, by, "user.enable" if active else "user.disable", detail=name)
    return _user_or_404(store, name)


SESSIONS_ENDED = "sessions-ended:"
"""Analytics entry per user (``sessions-ended:<name>``): when their web
sessions were last ended (seconds since the epoch, as text). A session is a
signed cookie the browser keeps; one signed in before that moment is refused
(:func:`api.web.session.session_principal`) — a copied cookie does not
outlive the sign-out."""


def end_sessions(store: Store, name: str) -> None:
    """End every web session of ``name`` signed in before now (sign-out, disable)."""
    store.put_analytics(SESSIONS_ENDED + name, repr(time.time()).encode(), 0, utc_now())


def sessions_ended_at(store: Store, name: str) -> float:
    """When ``name``'s web sessions were last ended (0: never)."""
    entry = store.get_analytics(SESSIONS_ENDED + name)
    try:
        return float(entry[2].decode()) if entry is not None else 0.0
    except ValueError:
        return 0.0


def token_digest(token: str) -> str:
    """SHA-256 (hex) of a token, as stored."""
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(store: Store, name: str, by: Principal) -> IssuedToken:
    """Issue a new API token for ``name``, replacing any earlier one (which
    stops working at once). Raises :class:`NotFound`."""
    token_id = secrets.token_hex(6)
    token = f"{token_id}.{secrets.token_urlsafe(32)}"
    issued = utc_now()
    if not store.set_user_token(name, token_id, token_digest(token), issued):
        raise NotFound(f"no user {name!r}")
    record(store, by, "user.token", detail=f"{name}: token {token_id} issued")
    return IssuedToken(name, token, token_id, issued)


MIN_DISTINCT_CHARS = 5
"""Fewest different characters a password holds (``aaaaaaaaaaaa`` and
``abababababab`` are 12 characters long and guessed at once)."""


def password_problem(password: str, user: str | None = None) -> str | None:
    """Why ``password`` is refused — ``short`` (under 12 characters),
    ``long`` (over 1,024), ``weak`` (fewer than :data:`MIN_DISTINCT_CHARS`
    different characters, or the user's own name in it: the first things
    an attacker tries) — or ``None``."""
    if len(password) < MIN_PASSWORD_CHARS:
        return "short"
    if len(password) > MAX_PASSWORD_CHARS:
        return "long"
    if len(set(password)) < MIN_DISTINCT_CHARS or (
            user is not None and len(user) >= 3 and user.casefold() in password.casefold()):
        return "weak"
    return None


def check_password_length(password: str, user: str | None = None) -> None:
    """Raise :class:`InputError` unless the password has 12–1024 characters,
    of at least 5 different ones, without ``user``'s name in it."""
    problem = password_problem(password, user)
    if problem == "short":
        raise InputError(f"a password has at least {MIN_PASSWORD_CHARS} characters")
    if problem == "long":
        raise InputError(f"a password has at most {MAX_PASSWORD_CHARS} characters")
    if problem == "weak":
        raise InputError(f"this password is easy to guess: use at least {MIN_DISTINCT_CHARS} different characters, "
                         "and not the user's name (a phrase of several words is easy to remember)")


def set_bank(store: Store, name: str, bank: str, by: Principal) -> bool:
    """Move credit officer ``name`` to ``bank`` (a bank typed wrong when
    they were added, a move between banks): from their next request they
    see the firms consenting to that bank, and no longer the old one's.
    Audited ``user.bank`` with both banks. ``False`` when it was their bank
    already. Raises :class:`NotFound`, :class:`InputError` (not a credit
    officer: other roles have no bank; a bank :func:`check_bank` refuses)."""
    user = _user_or_404(store, name)
    if Role(user.role) is not Role.CREDIT_OFFICER:
        raise InputError(f"only a credit officer has a bank, not {name} (role {user.role})")
    bank = check_bank(bank)
    if bank == user.bank:
        return False
    if not store.set_user_bank(name, bank):
        raise NotFound(f"no user {name!r}")
    record(store, by, "user.bank", detail=f"{name}: bank {user.bank} → {bank}")
    return True


PASSWORD_GIVEN = "password-given:"
"""Analytics entry per user (``password-given:<name>``): who gave the user
the password they have (an admin on the users page, the operator in the
CLI), or empty once the user chose their own. A given password is known to
someone else: the web UI asks for a new one before any other page
(:func:`api.web.session.page_principal`)."""


def set_password(store: Store, name: str, password: str, by: Principal, *, given: bool = False) -> None:
    """Set a user's password (Argon2id hash). ``given``: set for the user by
    someone else, who knows it — the user is asked to choose their own at
    their next page (:data:`PASSWORD_GIVEN`); a password the user sets
    themselves clears that. Raises :class:`InputError` for a password the
    rules refuse (:func:`password_problem`), :class:`NotFound`."""
    check_password_length(password, name)
    if store.get_user(name) is None:
        raise NotFound(f"no user {name!r}")
    # A given password is marked before it is set, an own one set before the mark is cleared: a
    # write that fails between the two leaves a mark too many (one more change asked), never too few.
    if given:
        store.put_analytics(PASSWORD_GIVEN + name, by.user.encode(), 0, utc_now())
    if not store.set_user_password(name, _HASHER.hash(password)):
        raise NotFound(f"no user {name!r}")
    if not given and password_given_by(store, name) is not None:
        store.put_analytics(PASSWORD_GIVEN + name, b"", 0, utc_now())
    record(store, by, "user.password", detail=f"{name} (given: to be changed at the next sign-in)" if given else name)


def password_given_by(store: Store, name: str) -> str | None:
    """Who gave ``name`` the password they have (:data:`PASSWORD_GIVEN`), or
    ``None`` when the user chose it (or it was set as the user's own)."""
    entry = store.get_analytics(PASSWORD_GIVEN + name)
    return (entry[2].decode() or None) if entry is not None else None


def check_token(store: Store, token: str) -> tuple[User | None, str]:
    """Who a bearer token belongs to: ``(user, "")`` when it is the current
    token of an active user, else ``(user or None, why not)`` — the user is
    given when the token names one (for rate limiting and the audit log)."""
    read, why = check_token_read(store, token)
    return (read.user if read else None), why


def check_token_read(store: Store, token: str, entry_name: str | None = None,
                     bank_entry: tuple[str, str] | None = None) -> tuple[TokenRead | None, str]:
    """:func:`check_token`, with what was read alongside the token's user
    (``Store.token_read``: the data version, the stored entry ``entry_name``
    and the one ``bank_entry`` names for the user's bank): ``(read, "")``
    when the token is valid, else ``(read or None, why not)``; ``read.user``
    is the user the token names, if any."""
    m = TOKEN.match(token)
    if m is None:
        return None, "malformed token"
    read = store.token_read(m.group(1), entry_name, bank_entry)
    user = read.user
    if user is None:
        return read, "unknown token"
    if not user.active:  # its token was removed when it was disabled: said as a disabled user's
        return read, "user disabled"
    if not hmac.compare_digest(user.token_hash, token_digest(token)):
        return read, "wrong token secret"
    return read, ""


def _user_named(store: Store, name: str) -> User | None:
    """The user of ``name`` whatever its case (``Tanaka.K`` is ``tanaka.k``:
    names are unique regardless of case, :func:`user_refusal`), or ``None``."""
    user = store.get_user(name)
    if user is None:
        folded = name.casefold()
        user = next((u for u in store.list_users() if u.name.casefold() == folded), None)
    return user


def check_password(store: Store, name: str, password: str) -> tuple[User | None, str]:
    """Who a name and password log in as (for the web UI): ``(user, "")``
    for an active user whose password matches, else ``(user or None, why
    not)``. Takes as long for an unknown user as for a known one."""
    user = _user_named(store, name) if USER_NAME.match(name) else None
    ok: bool
    try:
        ok = _HASHER.verify(user.password_hash if user and user.password_hash else _dummy_hash(),
                            password[:MAX_PASSWORD_CHARS])
    except (VerificationError, InvalidHashError):
        ok = False
    if user is None:
        return None, "unknown user"
    if not user.password_hash or not ok:
        return user, "wrong password"
    if not user.active:
        return user, "user disabled"
    return user, ""


def change_consent(store: Store, firm_id: str, bank: str, grant: bool, by: Principal) -> bool:
    """Grant or revoke ``firm_id``'s consent to share with ``bank`` as
    ``by``: the firm's current consent and its history change together;
    the audit log records it. ``False`` when nothing changed (granted
    already, or not granted). Raises :class:`NotFound` for an unknown firm."""
    # a revocation takes the bank as stored, even one an earlier version let hold a ',' (now refused)
    bank = check_bank(bank) if grant else bank.strip()
    if not bank:
        raise InputError("give the bank whose consent is revoked")
    action = GRANT if grant else REVOKE
    try:
        applied = store.change_consent([ConsentEvent(firm_id, bank, action, by.user)])
    except NotFound:
        record(store, by, f"consent.{action}", firm_id, "not_found", f"bank {bank}")
        raise
    record(store, by, f"consent.{action}", firm_id, "ok" if applied else "unchanged", f"bank {bank}")
    return bool(applied)
