"""Records of who may use torihiki and what they did: users, consent
changes and the audit log (the stores take and return these; no driver
types leak out).

The current consent of a firm is :attr:`queries.model.Firm.consented_banks`;
:class:`ConsentEvent` is its history, written in the same transaction as
each change (``Store.change_consent``). Consent events and audit entries
are append-only: the store interface has no method to change or delete one.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from domain.errors import InputError

__all__ = ["User", "TokenRead", "ConsentEvent", "AuditEntry", "utc_now", "utc_iso", "day_bound_utc", "new_id",
           "GRANT", "REVOKE", "MAX_BANK_CHARS", "apply_consent"]

GRANT = "grant"
REVOKE = "revoke"
MAX_BANK_CHARS = 64


def utc_now() -> str:
    """Now, UTC, ISO 8601 with microseconds (``2025-07-01T09:30:00.123456+00:00``):
    strings of this form sort in time order."""
    return datetime.now(UTC).isoformat(timespec="microseconds")


def utc_iso(text: str) -> str:
    """An ISO date or date-time as :func:`utc_now` writes it (a value without
    a zone is UTC). Raises :class:`~domain.errors.InputError` for anything else."""
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InputError(f"not an ISO date or date-time: {text!r} (e.g. 2025-07-01 or "
                         "2025-07-01T09:00:00+09:00)") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).isoformat(timespec="microseconds")


def day_bound_utc(text: str, days_after: int = 0) -> str:
    """A bound of the audit log's window as :func:`utc_iso` writes it: a day
    (``YYYY-MM-DD``) is a day in Japan, where its readers count days — its
    start, or ``days_after`` days later (1: the end of an inclusive last
    day); a date-time as it is (UTC unless it has a zone). Raises
    :class:`~domain.errors.InputError`."""
    text = text.strip()
    if len(text) == 10:
        try:
            day = date.fromisoformat(text) + timedelta(days=days_after)
        except ValueError:
            raise InputError(f"not a day YYYY-MM-DD: {text!r}") from None
        return utc_iso(f"{day.isoformat()}T00:00:00+09:00")
    return utc_iso(text)


def new_id() -> str:
    """A random id for an appended record (32 hex digits)."""
    return uuid.uuid4().hex


@dataclass(frozen=True, slots=True)
class User:
    """A user of the API (and of the coming web UI).

    ``role`` is a :class:`queries.access.Role` value; ``bank`` is set for
    credit officers only. The API token is stored as ``token_id`` (a short
    random prefix of the token, for lookup) and ``token_hash`` (SHA-256 of
    the whole token); the password as an Argon2 hash. Empty strings mean
    "none".
    """

    name: str
    role: str
    bank: str | None = None
    active: bool = True
    created_at: str = ""
    token_id: str = ""
    token_hash: str = ""
    token_issued_at: str = ""
    password_hash: str = ""


@dataclass(frozen=True, slots=True)
class TokenRead:
    """What a request reads first, in one go (``Store.token_read``): the
    user whose current token has ``token_id`` (``None``: nobody's), the data
    and trade versions, and the analytics entry named ``entry_name`` when one was asked
    for (``entry``: data version, when, payload; ``None`` when there is no
    such entry); for a user with a bank, the bank's consent version and,
    when asked for, the entry stored for that bank (a credit officer's
    stored answer, whose name holds the bank the store reads with the
    token).

    On Neo4j a read costs a round trip (~1 ms of the driver's Python and
    ~0.5 ms of the database's CPU, docs/data-model.md), and a request for
    an answer stored at load time made three: the token's user, the data
    version, the answer; a credit officer's answer stored for the bank also
    three: the token's user with the versions, the answer, the bank's
    consent version. Read together they are one, and the token is still
    checked against the store on every request."""

    user: User | None
    data_version: int
    trade_version: int  # Store.trade_version: what stored answers are valid from
    entry_name: str | None = None
    entry: tuple[int, str, bytes] | None = None
    # the entry stored for the user's bank (``bank_entry``'s head + bank + tail), when one was
    # asked for and the user has a bank; and that bank's Store.consent_version (0: no bank)
    bank_entry_name: str | None = None
    bank_entry: tuple[int, str, bytes] | None = None
    consent_version: int = 0


@dataclass(frozen=True, slots=True)
class ConsentEvent:
    """One change of a firm's consent to share its data with one bank:
    ``action`` is ``grant`` or ``revoke``; ``who`` made it (a user name, or
    ``firm master import``), ``at`` when (UTC ISO)."""

    firm_id: str
    bank: str
    action: str
    who: str
    at: str = field(default_factory=utc_now)


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One line of the audit log: who (user, role, bank) did what (``action``,
    e.g. ``firm.ego``, ``export``, ``load``, ``consent.grant``,
    ``auth.token``, ``user.add``) to which firm (``None`` when none), when
    (UTC ISO), with what ``outcome`` (``ok``, ``denied``, ``not_found``,
    ``error`` …) and a free-text ``detail``."""

    user: str
    role: str
    bank: str | None
    action: str
    firm_id: str | None = None
    outcome: str = "ok"
    detail: str = ""
    at: str = field(default_factory=utc_now)
    id: str = field(default_factory=new_id)


def apply_consent(banks: dict[str, list[str]], events: Sequence[ConsentEvent]) -> list[ConsentEvent]:
    """Apply ``events`` in order to ``banks`` (firm → banks, changed in
    place); the events that changed something."""
    applied = []
    for e in events:
        current = banks[e.firm_id]
        if e.action == GRANT and e.bank not in current:
            current.append(e.bank)
        elif e.action == REVOKE and e.bank in current:
            current.remove(e.bank)
        elif e.action not in (GRANT, REVOKE):
            raise ValueError(f"a consent event is a grant or a revoke, not {e.action!r}")
        else:
            continue
        applied.append(e)
    return applied
