"""Admin endpoints (role ``admin`` only): users, consent, the audit log.

The audit log is read-only here (and everywhere): no endpoint changes or
removes an entry. Reading the log or the consent of firms is itself audited.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, Field

from api.audit import AuditDep, reads_written
from api.auth import require_role
from api.errors import error_responses
from api.identity import change_consent
from queries.access import Principal, Role
from queries.identity import AuditEntry, ConsentEvent, User, utc_iso
from queries.store import NotFound, Store

__all__ = ["router", "consent_change"]

router = APIRouter(prefix="/admin", tags=["admin"], dependencies=[Depends(require_role(Role.ADMIN))],
                   responses=error_responses(401, 403, 422, 429, 503))
AdminDep = Annotated[Principal, Depends(require_role(Role.ADMIN))]
FirmPath = Annotated[str, Path(min_length=1, max_length=64, description="firm id")]
BankPath = Annotated[str, Path(min_length=1, max_length=64, description="bank code or name")]
Limit = Annotated[int, Query(ge=1, le=1000)]
Offset = Annotated[int, Query(ge=0, le=1_000_000_000)]


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


class UserOut(BaseModel):
    """A user as admins see it: never a token or password hash."""

    name: str
    role: Role
    bank: str | None = Field(description="the bank of a credit officer")
    active: bool
    created_at: str
    token_id: str | None = Field(description="the lookup prefix of the current token, if any")
    token_issued_at: str | None
    has_password: bool

    @classmethod
    def of(cls, u: User) -> UserOut:
        return cls(name=u.name, role=Role(u.role), bank=u.bank, active=u.active, created_at=u.created_at,
                   token_id=u.token_id or None, token_issued_at=u.token_issued_at or None,
                   has_password=bool(u.password_hash))


class UserList(BaseModel):
    data: list[UserOut]
    count: int


class ConsentEventOut(BaseModel):
    """One change of consent: who, when, grant or revoke."""

    firm_id: str
    bank: str
    action: str = Field(description="grant or revoke")
    who: str
    at: str

    @classmethod
    def of(cls, e: ConsentEvent) -> ConsentEventOut:
        return cls(firm_id=e.firm_id, bank=e.bank, action=e.action, who=e.who, at=e.at)


class FirmConsent(BaseModel):
    """A firm's current consent and its history, oldest first."""

    firm_id: str
    banks: list[str]
    history: list[ConsentEventOut]


class ConsentList(BaseModel):
    data: list[FirmConsent]
    count: int
    limit: int
    offset: int


class ConsentChange(BaseModel):
    """What a grant or revocation did; ``banks`` is the firm's consent now."""

    firm_id: str
    bank: str
    action: str
    changed: bool = Field(description="false when the bank was granted already (grant) or not (revoke)")
    banks: list[str]
    by_name: bool = Field(False, description="the bank was given by the name it is shown by: `bank` is its id")
    new_bank: bool = Field(False, description="a grant to a bank no other firm consents to, no credit officer "
                                              "works for and without a name: check its spelling")
    near: list[str] = Field(default_factory=list,
                            description="for a new bank: known banks whose id or name is close (a typo?)")


class AuditOut(BaseModel):
    """One audit entry."""

    id: str
    at: str
    user: str
    role: str
    bank: str | None
    action: str
    firm_id: str | None
    outcome: str
    detail: str

    @classmethod
    def of(cls, e: AuditEntry) -> AuditOut:
        return cls(id=e.id, at=e.at, user=e.user, role=e.role, bank=e.bank, action=e.action,
                   firm_id=e.firm_id, outcome=e.outcome, detail=e.detail)


class AuditList(BaseModel):
    data: list[AuditOut]
    count: int
    limit: int
    offset: int


@router.get("/users")
def list_users(request: Request) -> UserList:
    """Every user, by name (no token or password hash)."""
    users = _store(request).list_users()
    return UserList(data=[UserOut.of(u) for u in users], count=len(users))


def consent_change(request: Request, who: Principal, firm_id: str, bank: str, grant: bool) -> bool:
    """Grant or revoke (:func:`api.identity.change_consent`, audited) from a
    request of the API or the admin pages; when it changed something, the
    bank's answers stored at load time no longer serve and are rendered
    again in the background. ``False`` when nothing changed."""
    changed = change_consent(_store(request), firm_id, bank, grant, who)
    if changed:
        request.app.state.bank_answers.changed(bank)
    return changed


def _change(request: Request, who: Principal, firm_id: str, bank: str, grant: bool) -> ConsentChange:
    """A grant or revocation of the API: a bank given by its name is its id
    (:func:`api.bank_choice.choose_in`), never a second bank of that name."""
    from api.bank_choice import choose_in

    store = _store(request)
    choice = choose_in(store, bank)
    changed = consent_change(request, who, firm_id, choice.bank, grant)
    banks = store.consents(firm_id).get(firm_id, ())
    return ConsentChange(firm_id=firm_id, bank=choice.bank, action="grant" if grant else "revoke",
                         changed=changed, banks=list(banks), by_name=choice.by_name,
                         new_bank=grant and choice.new and changed, near=list(choice.near) if grant else [])


@router.post("/consent/{firm_id}/{bank}", responses=error_responses(404))
def grant_consent(firm_id: FirmPath, bank: BankPath, request: Request, who: AdminDep) -> ConsentChange:
    """Record that the firm consents to share its data with the bank (from
    the next request on, the bank's credit officers see it)."""
    return _change(request, who, firm_id, bank, True)


@router.delete("/consent/{firm_id}/{bank}", responses=error_responses(404))
def revoke_consent(firm_id: FirmPath, bank: BankPath, request: Request, who: AdminDep) -> ConsentChange:
    """Record that the firm withdrew its consent for the bank (effective
    from the next request)."""
    return _change(request, who, firm_id, bank, False)


@router.get("/consent", responses=error_responses(404))
def list_consent(
    request: Request, log: AuditDep,
    firm: Annotated[str | None, Query(min_length=1, max_length=64, description="one firm")] = None,
    limit: Limit = 100, offset: Offset = 0,
) -> ConsentList:
    """Current consent with its history: of ``firm`` (404 when unknown), or
    of every firm that consents to at least one bank (by id, paginated)."""
    store = _store(request)
    current = store.consents(firm)
    if firm is not None and firm not in current:
        raise NotFound(f"no firm {firm!r}")
    ids = sorted(current)
    page = ids[offset:offset + limit]
    history: dict[str, list[ConsentEventOut]] = {f: [] for f in page}
    for e in store.consent_history(page) if page else []:
        history[e.firm_id].append(ConsentEventOut.of(e))
    log("consent.list", firm, detail=f"{len(page)} of {len(ids)} firms (from {offset})")
    return ConsentList(data=[FirmConsent(firm_id=f, banks=list(current[f]), history=history[f]) for f in page],
                       count=len(ids), limit=limit, offset=offset)


@router.get("/audit")
def list_audit(
    request: Request, log: AuditDep,
    user: Annotated[str | None, Query(max_length=64)] = None,
    firm: Annotated[str | None, Query(max_length=64)] = None,
    action: Annotated[str | None, Query(max_length=64)] = None,
    since: Annotated[str | None, Query(max_length=40, description="ISO date or date-time (UTC unless "
                                                                  "it has a zone)")] = None,
    limit: Limit = 100, offset: Offset = 0,
) -> AuditList:
    """The audit log, newest first, filtered by user, firm, action and time
    (``since`` inclusive), paginated. Read-only."""
    since_utc = utc_iso(since) if since else None
    reads_written(request)
    entries, total = _store(request).audit_log(user, firm, since_utc, action, limit, offset)
    log("audit.list", firm, detail=f"user={user or '*'} action={action or '*'} since={since or '*'}")
    return AuditList(data=[AuditOut.of(e) for e in entries], count=total, limit=limit, offset=offset)
