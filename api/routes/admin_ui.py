"""Pages for administrators, and every user's own password.

What ``torihiki users``, ``torihiki consent`` and ``torihiki audit`` do on
the command line, for an administrator who is not at the server's shell:

* ``GET /ui/admin/users`` — every user; ``POST`` forms add one (a credit
  officer with its bank), disable or enable one, set a password or issue
  an API token. A password the page makes, and a token, are shown once on
  the answer to the form (never put in the session cookie or the log).
* ``GET /ui/admin/consent`` — the firms that share their data with a bank,
  by bank or one firm with its history; ``POST`` forms grant and revoke
  (the firm page of a firm links here for admins).
* ``GET /ui/admin/audit`` — the audit log, filtered and paginated (read-only).
* ``GET /ui/account``, ``POST /ui/account/password`` — any signed-in user
  changes their own password, given the current one (failures counted by
  the sign-in limiter and audited).

Every change goes through :mod:`api.identity`, which writes the audit log,
as the CLI and the admin API do; listing consent or the log is audited too.
"""

from __future__ import annotations

import math
import secrets
import unicodedata
from typing import Annotated
from urllib.parse import quote, urlencode, urlsplit

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.audit import audit, reads_written
from api.auth import client_address, limiter_of
from api.deps import SettingsDep
from api.identity import (
    add_user,
    banks_of,
    check_bank,
    check_password,
    issue_token,
    known_banks,
    password_given_by,
    password_problem,
    set_active,
    set_bank,
    set_password,
    user_refusal,
)
from api.routes.admin import consent_change
from api.web.audit_labels import GROUPS, action_label, outcome_label
from api.web.render import render
from api.web.session import FormPrincipal, PagePrincipal, page_roles, safe_next, sign_in
from domain.errors import InputError
from queries.access import Role
from queries.identity import day_bound_utc
from queries.model import Firm
from queries.store import NotFound, Store

__all__ = ["router", "AUDIT_PAGE_SIZE", "CONSENT_PAGE_SIZE", "new_password"]

router = APIRouter(include_in_schema=False)
ADMINS = page_roles(Role.ADMIN)
AUDIT_PAGE_SIZE = 100
CONSENT_PAGE_SIZE = 100
CONSENT_MATCHES = 20
"""Firms listed when the consent page's firm field is a name that finds several."""
ROLES = tuple(Role)

Field64 = Annotated[str, Form(max_length=64)]
Secret = Annotated[str, Form(max_length=1024)]


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def _flash(request: Request, kind: str, **values: str) -> None:
    """A message for the next page (no secret ever goes here: the session is a cookie)."""
    request.session["admin_flash"] = {"kind": kind, **values}


def _made_password(user: str) -> str:
    """:func:`new_password`, made again in the rare case it holds ``user``'s
    name (about 1 in 2,000 for a three-letter name): it would be refused."""
    while True:
        made = new_password()
        if password_problem(made, user) is None:
            return made


def new_password() -> str:
    """A password the page makes for a user: 16 characters of letters and
    digits without look-alikes (0/O, 1/l/I), ~93 bits, to be read out or
    typed once and then changed by its user."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"
    return "".join(secrets.choice(alphabet) for _ in range(16))


ONCE_KEY = "admin_once"
ONCE_KEPT = 20


def _once(request: Request) -> str:
    """A one-time token for the users page's forms: a form that makes a
    secret (a password, a token) is answered with the page that shows it,
    and a reload would send it again — issuing another token and making the
    one just copied stop working. The token is spent by the first send."""
    token = secrets.token_urlsafe(12)
    kept = [t for t in request.session.get(ONCE_KEY, []) if isinstance(t, str)][-(ONCE_KEPT - 1):]
    request.session[ONCE_KEY] = [*kept, token]
    return token


def _spend(request: Request, token: str) -> bool:
    """Whether ``token`` was given by :func:`_once` and not spent yet (it is now)."""
    kept = [t for t in request.session.get(ONCE_KEY, []) if isinstance(t, str)]
    if not token or token not in kept:
        return False
    request.session[ONCE_KEY] = [t for t in kept if t != token]
    return True


Once = Annotated[str, Form(max_length=64)]


# -- one's own password ----------------------------------------------------------------

@router.get("/ui/account", response_class=HTMLResponse)
def account_page(request: Request, principal: PagePrincipal) -> HTMLResponse:
    """The signed-in user's account: who they are, and their password. With
    ``next`` (the page a user whose password was given to them asked for,
    :class:`api.web.session.PasswordChangeRequired`), the form carries it on,
    and once the password is changed the page offers it."""
    store = _store(request)
    return render(request, "account.html", account=store.get_user(principal.user), error=None,
                  flash=request.session.pop("account_flash", None), next=_account_next(request.query_params.get("next")),
                  given=password_given_by(store, principal.user) is not None)


def _account_next(target: str | None) -> str:
    """The page to go on to after the account page: a path on this site, not
    the account page itself; empty for none."""
    path = safe_next(target, "")
    if len(path) > NEXT_MAX or urlsplit(path).path in ("/ui/account", "/ui/account/password", "/logout"):
        return ""
    return path


NEXT_MAX = 2000
"""The longest ``next`` the account page carries on (its form takes no more)."""


@router.post("/ui/account/password", response_class=HTMLResponse)
def account_password(request: Request, principal: FormPrincipal, settings: SettingsDep,
                     current: Secret = "", new: Secret = "", again: Secret = "",
                     next: Annotated[str, Form(max_length=NEXT_MAX)] = "") -> Response:  # noqa: A002 (the form field)
    """Change one's own password: the current one first (wrong ones counted
    as failed sign-ins, then 429), the new one twice. The session goes on
    with the new password; every other session of the user ends (a session
    carries a fingerprint of the password it signed in with)."""
    store = _store(request)
    limiter = limiter_of(request, settings)
    address = client_address(request)

    def again_page(error: str, status: int, headers: dict[str, str] | None = None) -> HTMLResponse:
        return render(request, "account.html", status_code=status, headers=headers,
                      account=store.get_user(principal.user), error=error, flash=None, next=_account_next(next),
                      given=password_given_by(store, principal.user) is not None)

    for who in (None, principal.user):
        if (wait := limiter.wait(address, who, "password")) is not None:
            audit(request, "user.password", None, "denied", f"{principal.user}: too many wrong passwords from {address}")
            return again_page("limited", 429, {"Retry-After": str(max(1, math.ceil(wait)))})
    user, why = check_password(store, principal.user, current)
    if user is None or why:
        limiter.failed(address, principal.user, "password")
        audit(request, "user.password", None, "denied", f"{principal.user}: current password wrong")
        return again_page("wrong", 403)
    if new != again:
        return again_page("mismatch", 400)
    if new == current:
        return again_page("same", 400)
    if (problem := password_problem(new, principal.user)) is not None:
        return again_page(problem, 400)
    set_password(store, principal.user, new, principal)
    changed = store.get_user(principal.user)
    if changed is not None:
        sign_in(request, changed)  # this session goes on; the others carry the old fingerprint
    request.session["account_flash"] = "changed"
    onward = _account_next(next)
    return RedirectResponse("/ui/account" + (f"?next={quote(onward, safe='/')}" if onward else ""), status_code=303)


# -- users ---------------------------------------------------------------------------

def _users_page(request: Request, status: int = 200, shown: dict[str, str] | None = None,
                form: dict[str, str] | None = None, error: str | None = None) -> HTMLResponse:
    store = _store(request)
    consented, officers = known_banks(store)
    users = store.list_users()
    # who has not yet replaced a password given to them (a read per user: users are few)
    given = {u.name for u in users if u.password_hash and password_given_by(store, u.name)}
    return render(request, "admin_users.html", status_code=status, users=users, roles=ROLES, given=given,
                  once=_once(request),
                  banks=sorted(consented | officers | set(store.bank_names())), shown=shown, error=error,
                  form=form or {"name": "", "role": "", "bank": ""},
                  flash=request.session.pop("admin_flash", None))


@router.get("/ui/admin/users", response_class=HTMLResponse, dependencies=[ADMINS])
def users_page(request: Request, principal: PagePrincipal) -> HTMLResponse:
    """Every user, and the form that adds one."""
    return _users_page(request)


def _refusal(store: Store, name: str, role: str, bank: str, password: str) -> str | None:
    """Why a user cannot be added as the form asks (a code the page words),
    or ``None``: :func:`api.identity.user_refusal`'s checks, then the
    password's, made first so that the page can say in the reader's
    language what to change, and a refused form adds no user."""
    if (refused := user_refusal(store, name, role, bank or None)) is not None:
        return refused[0]
    if (problem := password_problem(password, name)) is not None:
        return problem
    return None


@router.post("/ui/admin/users", response_class=HTMLResponse, dependencies=[ADMINS])
def users_add(request: Request, principal: FormPrincipal, name: Field64 = "", role: Field64 = "",
              bank: Field64 = "", password: Secret = "", once: Once = "") -> Response:
    """Add a user (``user.add``, then ``user.password``) with the password
    typed, or one made here and shown once when the field is left empty;
    a refused form adds no user."""
    from api.bank_choice import known_in

    store = _store(request)
    name, bank = name.strip(), bank.strip()
    known = known_in(store)
    choice = known.choose(bank) if bank else None
    bank = choice.bank if choice else bank  # a bank typed by its name is its id, never a second bank
    form = {"name": name, "role": role, "bank": bank}
    if not _spend(request, once):  # sent again (a reload of the page that showed the password)
        return _users_page(request, 409, error="sent_twice")
    made = not password
    password = password or _made_password(name)
    if (why := _refusal(store, name, role, bank, password)) is not None:
        return _users_page(request, 400, form=form, error=why)
    try:
        user = add_user(store, name, role, bank or None, principal)
    except InputError:  # added by someone else meanwhile
        return _users_page(request, 400, form=form, error="exists")
    set_password(store, user.name, password, principal, given=True)  # the user chooses their own at sign-in
    new_bank = user.bank if user.bank and user.bank not in known.consented else ""
    near = ", ".join(choice.near) if new_bank and choice and choice.new else ""
    if made:
        return _users_page(request, shown={"kind": "added", "user": user.name, "password": password,
                                           "new_bank": new_bank, "near": near})
    _flash(request, "added", user=user.name, new_bank=new_bank, near=near)
    return RedirectResponse("/ui/admin/users", status_code=303)


@router.post("/ui/admin/users/{name}/disable", dependencies=[ADMINS])
def users_disable(request: Request, principal: FormPrincipal, name: str) -> Response:
    """Disable a user: its token and password are removed and its sessions
    end. Not oneself (an admin would lock themselves out of these pages)."""
    if name == principal.user:
        _flash(request, "not_self", user=name)
        return RedirectResponse("/ui/admin/users", status_code=303)
    try:
        set_active(_store(request), name, False, principal)
    except NotFound:
        _flash(request, "unknown", user=name)
    else:
        _flash(request, "disabled", user=name)
    return RedirectResponse("/ui/admin/users", status_code=303)


@router.post("/ui/admin/users/{name}/enable", dependencies=[ADMINS])
def users_enable(request: Request, principal: FormPrincipal, name: str) -> Response:
    """Enable a disabled user again; the page says when it has no password
    or token yet (disabling removed them)."""
    try:
        user = set_active(_store(request), name, True, principal)
    except NotFound:
        _flash(request, "unknown", user=name)
    else:
        _flash(request, "enabled", user=name, bare="1" if not user.password_hash and not user.token_hash else "")
    return RedirectResponse("/ui/admin/users", status_code=303)


@router.post("/ui/admin/users/{name}/bank", dependencies=[ADMINS])
def users_bank(request: Request, principal: FormPrincipal, name: str, bank: Field64 = "") -> Response:
    """Move a credit officer to another bank (``user.bank``): a bank typed
    wrong when they were added, or a move. A bank typed by its name is its
    id; a bank known nowhere is said, with the known banks close to it."""
    from api.bank_choice import known_in

    store = _store(request)
    known = known_in(store)
    choice = known.choose(bank)
    try:
        changed = set_bank(store, name, choice.bank, principal)
    except NotFound:
        _flash(request, "unknown", user=name)
    except InputError:
        _flash(request, "bad_bank", user=name, bank=choice.bank)
    else:
        _flash(request, "bank_moved" if changed else "bank_same", user=name, bank=choice.bank,
               new_bank=choice.bank if changed and choice.bank not in known.consented else "",
               near=", ".join(choice.near) if changed and choice.new else "")
    return RedirectResponse("/ui/admin/users", status_code=303)


@router.post("/ui/admin/users/{name}/password", response_class=HTMLResponse, dependencies=[ADMINS])
def users_password(request: Request, principal: FormPrincipal, name: str, password: Secret = "",
                   once: Once = "") -> Response:
    """Set a user's password (``user.password``): the one typed, or one made
    here and shown once. The user's sessions end (their password changed),
    and at their next sign-in they choose their own (the admin knows this
    one). Not one's own: that is changed on /ui/account, with the current one."""
    store = _store(request)
    if name == principal.user:
        _flash(request, "own_password", user=name)
        return RedirectResponse("/ui/admin/users", status_code=303)
    if not _spend(request, once):
        return _users_page(request, 409, error="sent_twice")
    made = not password
    password = password or _made_password(name)
    if (problem := password_problem(password, name)) is not None:
        return _users_page(request, 400, error=problem)
    try:
        set_password(store, name, password, principal, given=True)  # the user chooses their own at sign-in
    except NotFound:
        _flash(request, "unknown", user=name)
        return RedirectResponse("/ui/admin/users", status_code=303)
    if made:
        return _users_page(request, shown={"kind": "password", "user": name, "password": password})
    _flash(request, "password", user=name)
    return RedirectResponse("/ui/admin/users", status_code=303)


@router.post("/ui/admin/users/{name}/token", response_class=HTMLResponse, dependencies=[ADMINS])
def users_token(request: Request, principal: FormPrincipal, name: str, once: Once = "") -> Response:
    """Issue (or replace) a user's API token (``user.token``), shown once."""
    if not _spend(request, once):
        return _users_page(request, 409, error="sent_twice")
    try:
        issued = issue_token(_store(request), name, principal)
    except NotFound:
        _flash(request, "unknown", user=name)
        return RedirectResponse("/ui/admin/users", status_code=303)
    return _users_page(request, shown={"kind": "token", "user": name, "token": issued.token})


# -- consent -------------------------------------------------------------------------

@router.get("/ui/admin/consent", response_class=HTMLResponse, dependencies=[ADMINS])
def consent_page(request: Request, principal: PagePrincipal,
                 bank: Annotated[str, Query(max_length=64)] = "",
                 firm: Annotated[str, Query(max_length=64)] = "",
                 page: Annotated[int, Query(ge=1, le=1_000_000)] = 1) -> HTMLResponse:
    """The firms that consent to some bank (``bank``: to that one), a page
    at a time, or one firm (``firm``) with the history of its consent;
    with the forms that grant and revoke (audited ``consent.list``)."""
    store = _store(request)
    bank, firm = bank.strip(), firm.strip()
    every, users = store.consents(), store.list_users()  # read once: the banks known, the officers, the rows
    named = store.bank_names()
    consented, officers = banks_of(every, users)
    one = store.get_firms({firm}).get(firm) if firm else None
    matches: list[Firm] = []
    if firm and one is None:
        # Not an id: the firm's name (any spelling, kana too) or 法人番号, as the firm search finds it.
        matches, _ = store.search_firms(firm, CONSENT_MATCHES + 1, 0)
        if len(matches) == 1:
            one, firm, matches = matches[0], matches[0].id, []
    if firm:
        current = {firm: every.get(firm, ())} if one is not None else {}
        ids = [firm] if one is not None else []
    else:
        current = every
        ids = sorted(f for f, banks in current.items() if banks and (not bank or bank in banks))
    pages = max(1, math.ceil(len(ids) / CONSENT_PAGE_SIZE))
    page = min(page, pages)
    shown = ids[(page - 1) * CONSENT_PAGE_SIZE: page * CONSENT_PAGE_SIZE]
    firms = store.get_firms(set(shown)) if shown else {}
    history = store.consent_history([firm]) if one is not None else []
    officer_count: dict[str, int] = {}
    for u in users:
        if u.bank and u.active:
            officer_count[u.bank] = officer_count.get(u.bank, 0) + 1
    by_bank = {b: sum(1 for banks in current.values() if b in banks) for b in sorted(consented)} if not firm else {}
    if bank and not firm and bank not in by_bank:
        by_bank[bank] = 0  # the bank asked for (a link, a bank no firm consents to yet) is the one selected
    audit(request, "consent.list", firm if one is not None else None,
          detail=f"bank={bank or '*'} {len(shown)} of {len(ids)} firms (page {page})"
          + (f", {len(matches)} found by name" if matches else ""))
    return render(request, "admin_consent.html", bank=bank, firm=firm, one=one, rows=[
        {"id": f, "name": firms[f].name if f in firms else "", "is_client": bool(f in firms and firms[f].is_client),
         "banks": current.get(f, ())} for f in shown],
        total=len(ids), page=page, pages=pages, history=list(reversed(history)), by_bank=by_bank,
        banks=sorted(consented | officers | set(named)), officers=officer_count, named=named,
        unknown_firm=bool(firm) and one is None and not matches,
        matches=matches[:CONSENT_MATCHES], more_matches=len(matches) > CONSENT_MATCHES,
        flash=request.session.pop("admin_flash", None))


def _consent_back(back: str, firm: str) -> str:
    """Where a grant or revocation comes back to: the page it was made on
    (a path of this site), else the firm's consent."""
    return safe_next(back, "/ui/admin/consent?" + urlencode({"firm": firm}))


@router.post("/ui/admin/consent", dependencies=[ADMINS])
def consent_post(request: Request, principal: FormPrincipal, firm: Field64 = "", bank: Field64 = "",
                 action: Annotated[str, Form(max_length=8)] = "grant",
                 back: Annotated[str, Form(max_length=500)] = "",
                 confirm: Annotated[str, Form(max_length=1)] = "") -> Response:
    """Grant or revoke (``action``) ``firm``'s consent to share with
    ``bank`` (audited ``consent.grant`` / ``consent.revoke``); the bank's
    officers see the change from their next request.

    A bank typed by the name it is shown by is that bank's id; a grant to a
    bank known nowhere yet (a typo makes a bank of its own, whose officers
    are nobody) is recorded only when the page has asked and the admin
    confirmed (``confirm=1``), with the known banks it is close to offered
    instead."""
    from api.bank_choice import choose_in

    firm, bank = firm.strip(), bank.strip()
    if action not in ("grant", "revoke"):  # a form of this page sends one of the two
        _flash(request, "bad_action", firm=firm, bank=bank)
        return RedirectResponse(_consent_back(back, firm), status_code=303)
    grant = action == "grant"
    store = _store(request)
    choice = choose_in(store, bank)
    typed, bank = bank, choice.bank
    new_bank = grant and choice.new
    if new_bank and confirm != "1":
        try:
            check_bank(bank)
        except InputError:
            _flash(request, "bad_bank", firm=firm, bank=bank)
        else:
            request.session["admin_flash"] = {"kind": "confirm_new_bank", "firm": firm, "bank": bank,
                                              "near": list(choice.near), "back": back}
        return RedirectResponse(_consent_back(back, firm), status_code=303)
    try:
        changed = consent_change(request, principal, firm, bank, grant)
    except NotFound:
        _flash(request, "unknown_firm", firm=firm)
        return RedirectResponse(_consent_back(back, firm), status_code=303)
    except InputError:
        _flash(request, "bad_bank", firm=firm, bank=bank)
        return RedirectResponse(_consent_back(back, firm), status_code=303)
    found = store.get_firms({firm}).get(firm)
    kind = ("granted" if grant else "revoked") if changed else ("already_granted" if grant else "not_granted")
    _flash(request, kind, firm=firm, bank=bank, name=(found.name or "") if found else "",
           new_bank=bank if new_bank and changed else "", typed=typed if choice.by_name else "",
           not_client="1" if grant and changed and found is not None and not found.is_client else "")
    return RedirectResponse(_consent_back(back, firm), status_code=303)


@router.post("/ui/admin/banks", dependencies=[ADMINS])
def bank_name_post(request: Request, principal: FormPrincipal, bank: Field64 = "",
                   name: Annotated[str, Form(max_length=200)] = "",
                   back: Annotated[str, Form(max_length=500)] = "") -> Response:
    """Name ``bank`` ``name`` as pages and the credit memo show it (an empty
    name: shown by its id again), audited ``bank.name``."""
    from api.bank_choice import name_taken_by
    from api.bank_names import forget
    from queries.banks import bank_name_problem

    bank, name = bank.strip(), " ".join(name.split())
    store = _store(request)
    names = store.bank_names()
    target = safe_next(back, "/ui/admin/consent")
    try:
        check_bank(bank)  # a bank nothing uses yet may be named first: the partner bank set up before its consents
    except InputError:
        _flash(request, "bad_bank", bank=bank)
        return RedirectResponse(target, status_code=303)
    if not name and bank not in names:
        _flash(request, "bank_unknown", bank=bank)
        return RedirectResponse(target, status_code=303)
    if name and (problem := bank_name_problem(name)) is not None:
        _flash(request, "bank_bad_name", bank=bank, problem=problem)
        return RedirectResponse(target, status_code=303)
    if name and (other := name_taken_by(bank, name, names)) is not None:
        _flash(request, "bank_name_taken", bank=bank, name=name, other=other)
        return RedirectResponse(target, status_code=303)
    changed = store.set_bank_name(bank, name or None)
    forget(store)
    audit(request, "bank.name", None, "ok" if changed else "unchanged",
          f"{bank}: {name}" if name else f"{bank}: name removed")
    _flash(request, "bank_named" if name else "bank_unnamed", bank=bank, name=name)
    return RedirectResponse(target, status_code=303)


# -- the audit log -------------------------------------------------------------------

@router.get("/ui/admin/audit", response_class=HTMLResponse, dependencies=[ADMINS])
def audit_page(request: Request, principal: PagePrincipal,
               user: Annotated[str, Query(max_length=64)] = "",
               firm: Annotated[str, Query(max_length=64)] = "",
               action: Annotated[str, Query(max_length=64)] = "",
               kind: Annotated[str, Query(max_length=16)] = "",
               since: Annotated[str, Query(max_length=40)] = "",
               until: Annotated[str, Query(max_length=40)] = "",
               page: Annotated[int, Query(ge=1, le=1_000_000)] = 1) -> HTMLResponse:
    """The audit log, newest first: by user, firm, action (its code) or kind
    of action (:data:`api.web.audit_labels.GROUPS`), and between two days in
    Japan time (``since`` and ``until`` both included; an ISO moment is read
    as it is), 100 a page. Reading it is audited (``audit.list``), as the
    API's is. A day that cannot be read lists nothing, rather than
    everything."""
    user, firm, action, since, until = user.strip(), firm.strip(), action.strip(), since.strip(), until.strip()
    store = _store(request)
    typed_firm, found = firm, _audit_firm(store, firm) if firm else None
    if found is not None:
        firm = found  # a name (江津漁業), 法人番号 or id in another case: the firm's id
    since_utc = _moment(since, 0) if since else None
    until_utc = _moment(until, 1) if until else None
    bad = bool(since and since_utc is None) or bool(until and until_utc is None)
    prefixes = GROUPS[kind][1] if kind in GROUPS else None
    reads_written(request)
    entries, total = ([], 0) if bad else store.audit_log(
        user or None, firm or None, since_utc, action or None, AUDIT_PAGE_SIZE, (page - 1) * AUDIT_PAGE_SIZE,
        until=until_utc, action_prefixes=prefixes)
    audit(request, "audit.list", firm or None,
          detail=f"user={user or '*'} action={action or kind or '*'} since={since or '*'} until={until or '*'}")
    query = {k: v for k, v in (("user", user), ("firm", firm), ("action", action), ("kind", kind),
                               ("since", since), ("until", until)) if v}
    return render(request, "admin_audit.html", status_code=400 if bad else 200, entries=entries,
                  audit_action=action_label, audit_outcome=outcome_label,
                  groups=GROUPS, kind=kind if kind in GROUPS else "", role_codes={r.value for r in Role},
                  total=total, page=page, pages=max(1, math.ceil(total / AUDIT_PAGE_SIZE)), query=query,
                  user_filter=user, firm_filter=firm, action_filter=action, since=since, until=until,
                  bad_since=bad, typed_firm=typed_firm if found is not None and typed_firm != firm else "",
                  firm_names={i: f.name for i, f in store.get_firms({e.firm_id for e in entries if e.firm_id} | ({firm} if firm else set())).items()
                              if f.name})


def _audit_firm(store: Store, typed: str) -> str | None:
    """The firm id the audit page's firm field means: the id as typed when
    a firm has it; else a firm whose id (in another case) or 法人番号 is
    exactly what was typed; else, for a name (text that is not all ASCII),
    the one firm the search finds by it (any spelling, kana too). ``None``
    otherwise: the log is filtered by the text as typed, so an id of a firm
    no longer in the store still finds its entries — never those of another
    firm whose id merely contains it (F0001 in F00010)."""
    if store.get_firms([typed]):
        return None
    text = unicodedata.normalize("NFKC", typed).strip()
    matches, _ = store.search_firms(text, 20, 0)
    exact = [m for m in matches if m.id.casefold() == text.casefold() or m.corporate_number == text]
    if len(exact) == 1:
        return exact[0].id
    if text.isascii():
        return None
    return matches[0].id if len(matches) == 1 else None


def _moment(text: str, days_after: int) -> str | None:
    """A day typed on the page (``YYYY-MM-DD``, Japan time) as the UTC moment
    of its start, ``days_after`` days later (1: the end of an inclusive
    last day); an ISO moment as it is; ``None`` when it cannot be read
    (:func:`queries.identity.day_bound_utc`, as ``torihiki audit list``)."""
    try:
        return day_bound_utc(text, days_after)
    except InputError:
        return None
