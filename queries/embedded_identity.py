"""Users, consent and the audit log of the embedded store (a part of
:class:`queries.embedded_store.EmbeddedStore`, kept apart from the graph's
tables and queries)."""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Sequence
from typing import Any

import orjson

from queries.embedded_part import EmbeddedPart, create_schema
from queries.identity import AuditEntry, ConsentEvent, User, apply_consent
from queries.sql import identity as iq
from queries.store import NotFound

__all__ = ["EmbeddedIdentity"]


class EmbeddedIdentity(EmbeddedPart):
    """The users, consent and audit methods of the :class:`~queries.store.Store`
    interface on SQLite; the store supplies the connection and transactions."""

    def _ensure_identity(self, c: sqlite3.Connection) -> None:
        """Create the tables (idempotent)."""
        create_schema(c, iq.SCHEMA)

    # -- users -----------------------------------------------------------
    def add_user(self, user: User) -> bool:
        with self._tx(bump=False) as c:
            return c.execute(iq.INSERT_USER, _user_row(user)).rowcount == 1

    def get_user(self, name: str) -> User | None:
        row = self._conn().execute(iq.GET_USER, (name,)).fetchone()
        return _user(row) if row else None

    def list_users(self) -> list[User]:
        return [_user(r) for r in self._conn().execute(iq.LIST_USERS)]

    def set_user_active(self, name: str, active: bool) -> bool:
        with self._tx(bump=False) as c:
            return c.execute(iq.SET_ACTIVE, (int(active), name)).rowcount == 1

    def set_user_token(self, name: str, token_id: str, token_hash: str, issued_at: str) -> bool:
        with self._tx(bump=False) as c:
            return c.execute(iq.SET_TOKEN, (token_id, token_hash, issued_at, name)).rowcount == 1

    def set_user_password(self, name: str, password_hash: str) -> bool:
        with self._tx(bump=False) as c:
            return c.execute(iq.SET_PASSWORD, (password_hash, name)).rowcount == 1

    def set_user_bank(self, name: str, bank: str) -> bool:
        with self._tx(bump=False) as c:
            return c.execute(iq.SET_BANK, (bank, name)).rowcount == 1

    def user_by_token(self, token_id: str) -> User | None:
        row = self._conn().execute(iq.USER_BY_TOKEN, (token_id,)).fetchone()
        return _user(row) if row else None

    # -- consent ---------------------------------------------------------
    def change_consent(self, events: Sequence[ConsentEvent]) -> list[ConsentEvent]:
        if not events:
            return []
        ids = sorted({e.firm_id for e in events})
        with self._tx(trades=False) as c:  # who may see what, not the network: Store.trade_version
            banks = {fid: _banks(b) for fid, b in c.execute(iq.CONSENT_OF_FIRMS, (_json(ids),))}
            missing = [f for f in ids if f not in banks]
            if missing:
                raise NotFound(f"no firm {missing[0]!r}")
            applied = apply_consent(banks, events)
            changed = {e.firm_id for e in applied}
            c.executemany(iq.SET_CONSENT, [(";".join(banks[f]), f) for f in sorted(changed)])
            c.executemany(iq.INSERT_CONSENT_EVENT,
                          [(e.firm_id, e.bank, e.action, e.who, e.at) for e in applied])
            c.executemany(iq.MARK_CONSENT_VERSION, [(b,) for b in sorted({e.bank for e in applied})])
        return applied

    def consent_version(self, bank: str) -> int:
        row = self._conn().execute(iq.CONSENT_VERSION, (bank,)).fetchone()
        return int(row[0]) if row else 0

    def consent_history(self, firm_ids: Collection[str] | None = None) -> list[ConsentEvent]:
        c = self._conn()
        rows = (c.execute(iq.ALL_CONSENT_EVENTS) if firm_ids is None
                else c.execute(iq.CONSENT_EVENTS_OF, (_json(sorted(set(firm_ids))),)))
        return [ConsentEvent(*r) for r in rows]

    def consents(self, firm_id: str | None = None) -> dict[str, tuple[str, ...]]:
        c = self._conn()
        rows = (c.execute(iq.CONSENTED_FIRMS) if firm_id is None
                else c.execute(iq.CONSENT_OF_FIRM, (firm_id,)))
        return {str(fid): tuple(_banks(b)) for fid, b in rows}

    # -- audit -----------------------------------------------------------
    def append_audit(self, entries: Sequence[AuditEntry]) -> None:
        if not entries:
            return
        with self._tx(bump=False) as c:
            c.executemany(iq.INSERT_AUDIT, [(e.user, e.role, e.bank, e.action, e.firm_id, e.outcome,
                                             e.detail, e.at, e.id) for e in entries])

    def audit_log(
        self, user: str | None = None, firm_id: str | None = None, since: str | None = None,
        action: str | None = None, limit: int = 100, offset: int = 0, until: str | None = None,
        action_prefixes: Sequence[str] | None = None,
    ) -> tuple[list[AuditEntry], int]:
        c = self._conn()
        args: dict[str, Any] = {"user": user, "firm": firm_id, "since": since, "action": action, "until": until,
                                "prefixes": _json(list(action_prefixes)) if action_prefixes is not None else None}
        rows = c.execute(iq.AUDIT_PAGE, {**args, "limit": limit, "offset": offset}).fetchall()
        total = int(c.execute(iq.AUDIT_COUNT, args).fetchone()[0])
        return [AuditEntry(*r) for r in rows], total


def _json(value: object) -> str:
    return orjson.dumps(value).decode()


def _banks(text: object) -> list[str]:
    return [b for b in str(text).split(";") if b] if text is not None else []


def _user_row(u: User) -> tuple[object, ...]:
    return (u.name, u.role, u.bank, int(u.active), u.created_at, u.token_id, u.token_hash,
            u.token_issued_at, u.password_hash)


def _user(row: Sequence[Any]) -> User:
    name, role, bank, active, created, token_id, token_hash, issued, password = row
    return User(str(name), str(role), None if bank is None else str(bank), bool(active), str(created),
                str(token_id), str(token_hash), str(issued), str(password))
