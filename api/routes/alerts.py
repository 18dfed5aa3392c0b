"""The alert feed over the API: ``GET /alerts`` (analysts and admins; credit
officers and researchers 403, see :func:`api.alerts.scoped_alerts`) and
``POST /alerts/{alert_id}/ack`` and ``POST /alerts/ack`` (every open alert of
some filters at once), ``POST /alerts/{alert_id}/reopen`` and ``POST
/alerts/reopen`` (acknowledgements taken back); analysts and admins, audited."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from api import alerts as feed
from api.audit import audited_read
from api.auth import PrincipalDep
from api.errors import STANDARD_ERRORS, Forbidden, error_responses
from api.routes.firms import Month
from api.schemas import Access
from graph.alert_kinds import KINDS
from queries.access import Role
from queries.acks import MAX_NOTE_CHARS
from queries.store import Store

__all__ = ["router", "AlertOut", "AlertsOut", "AckIn", "AckOut"]

router = APIRouter(tags=["alerts"])

Kind = Literal["top_partner_lost", "concentration_jump", "partner_distress", "receivable_days_rising",
               "coverage_drop"]
assert set(Kind.__args__) == set(KINDS)  # type: ignore[attr-defined]
AlertId = Annotated[str, Path(pattern=r"^[0-9a-f]{16}$", description="an alert's stable id (16 hex digits)")]


class _Out(BaseModel):
    model_config = ConfigDict(extra="allow")


class SeriesOut(_Out):
    """The trade behind an alert: one pair's (or the client's own) monthly yen."""

    label: str
    seller: str | None = None
    buyer: str | None = None
    partner_name: str | None = Field(None, description="the client's partner in this pair, by name")
    months: list[str]
    yen: list[int | None] = Field(description="yen per month; null for a month outside the client's own "
                                              "ledger (no ledger loaded for it, not a month of no trade)")


class AckRecord(_Out):
    alert_id: str
    user: str | None = None
    note: str = ""
    at: str


class AlertOut(_Out):
    """One alert: which client, month and kind, how severe, the partner it
    is about (a pseudonym ``p-…`` for a credit officer when the partner did
    not consent), the numbers that triggered it and the trade behind it."""

    id: str
    firm_id: str
    firm_name: str | None = None
    month: str
    kind: str
    severity: str
    subject_id: str | None = None
    subject_name: str | None = None
    side: str | None = None
    via_name: str | None = None
    numbers: dict[str, Any]
    series: list[SeriesOut]
    ack: AckRecord | None = None


class AlertsOut(_Out):
    alerts: list[AlertOut]
    count: int
    computed_at: str
    stale: bool = Field(default=False, description="the data changed since: being recomputed")
    access: Access


class AckIn(BaseModel):
    """An acknowledgement's note (optional)."""

    note: str = Field(default="", max_length=MAX_NOTE_CHARS, description="what was done or found")


class AlertFilterIn(BaseModel):
    """Which alerts to act on together (no filter: every one of the state acted on)."""

    since: str | None = Field(default=None, pattern=r"^(19|20)\d{2}-(0[1-9]|1[0-2])$",
                              description="only alerts of this month (YYYY-MM) or later")
    month: str | None = Field(default=None, pattern=r"^(19|20)\d{2}-(0[1-9]|1[0-2])$",
                              description="only alerts of this month (YYYY-MM)")
    kind: Kind | None = Field(default=None, description="only alerts of this kind")
    firm: str | None = Field(default=None, max_length=64, description="only alerts of this client firm (id)")


class AckAllIn(AlertFilterIn):
    """Which open alerts to acknowledge together (no filter: every open one), and the note."""

    note: str = Field(default="", max_length=MAX_NOTE_CHARS, description="what was done or found")


class AckAllOut(_Out):
    matched: int = Field(description="open alerts the filters chose")
    acknowledged: int = Field(description="of them, acknowledged by this request (fewer when someone "
                                          "acknowledged some meanwhile)")


class AckOut(_Out):
    alert_id: str
    user: str
    note: str
    at: str
    new: bool


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


@router.get("/alerts", response_model=AlertsOut, responses={**STANDARD_ERRORS, **error_responses(404)},
            dependencies=[audited_read("alerts.list", firm_param="firm")])
def list_alerts(
    request: Request,
    principal: PrincipalDep,
    since: Month = None,
    kind: Annotated[Kind | None, Query()] = None,
    firm: Annotated[str | None, Query(max_length=64)] = None,
    state: Annotated[Literal["all", "open", "acknowledged"], Query()] = "all",
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> dict[str, Any]:
    """Alerts of material change, newest month first, one page: ``count``
    is the number matching the filters, ``computed_at`` when they were
    computed (after the last load)."""
    if principal.role not in feed.ACK_ROLES:  # alert_feed refuses them as well; here it is audited as denied
        raise Forbidden(feed.NOT_FOR_BANKS if principal.role is Role.CREDIT_OFFICER
                        else "alerts carry firm-level data: this role receives aggregates only")
    return feed.alert_feed(_store(request), principal, since=since, kind=kind, firm=firm, state=state,
                           limit=limit, offset=offset)


@router.post("/alerts/ack", response_model=AckAllOut, responses={**STANDARD_ERRORS, **error_responses(404)})
def ack_alerts(request: Request, principal: PrincipalDep, body: AckAllIn) -> dict[str, Any]:
    """Acknowledge every open alert the filters choose, at once (analysts
    and admins): a month reviewed, or a region's history before the tool
    was used. Each alert acknowledged is audited as if acknowledged alone."""
    # other roles: 403, audited, by api.alerts.ack_matching itself
    return feed.ack_matching(_store(request), principal, since=body.since, kind=body.kind, firm=body.firm,
                             month=body.month, note=body.note)


class ReopenAllOut(_Out):
    matched: int = Field(description="acknowledged alerts the filters chose")
    reopened: int = Field(description="of them, open again after this request")


class ReopenOut(_Out):
    alert_id: str
    reopened: bool = Field(description="it had an acknowledgement, now taken back")


@router.post("/alerts/reopen", response_model=ReopenAllOut, responses={**STANDARD_ERRORS, **error_responses(404)})
def reopen_alerts(request: Request, principal: PrincipalDep, body: AlertFilterIn) -> dict[str, Any]:
    """Take back the acknowledgements of every acknowledged alert the filters
    choose (analysts and admins; others 403, audited, by api.alerts.reopen_matching):
    they are open again. Each is audited."""
    return feed.reopen_matching(_store(request), principal, since=body.since, kind=body.kind, firm=body.firm,
                                month=body.month)


@router.post("/alerts/{alert_id}/reopen", response_model=ReopenOut,
             responses={**STANDARD_ERRORS, **error_responses(404)})
def reopen_alert(request: Request, principal: PrincipalDep, alert_id: AlertId) -> dict[str, Any]:
    """Take back an alert's acknowledgement (analysts and admins): it is open
    again (``reopened``: it had one). Audited; other roles 403 (:func:`api.alerts.reopen`)."""
    return {"alert_id": alert_id, "reopened": feed.reopen(_store(request), principal, alert_id)}


@router.post("/alerts/{alert_id}/ack", response_model=AckOut,
             responses={**STANDARD_ERRORS, **error_responses(404)})
def ack_alert(request: Request, principal: PrincipalDep, alert_id: AlertId,
              body: Annotated[AckIn | None, Body()] = None) -> dict[str, Any]:
    """Acknowledge an alert (analysts and admins): who and when are
    recorded; the first acknowledgement stays (``new`` says whether this
    request made it). Audited; other roles 403 (:func:`api.alerts.ack`)."""
    got, made = feed.ack(_store(request), principal, alert_id, body.note if body is not None else "")
    return {"alert_id": got.alert_id, "user": got.user, "note": got.note, "at": got.at, "new": made}
