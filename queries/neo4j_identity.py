"""Users, consent and the audit log of the Neo4j store (a part of
:class:`queries.neo4j_store.Neo4jStore`, kept apart from the graph's
queries). Values only as parameters."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import asdict
from typing import Any, LiteralString

import neo4j

from queries.cypher import identity as iq
from queries.identity import AuditEntry, ConsentEvent, TokenRead, User, apply_consent
from queries.neo4j_part import Neo4jPart
from queries.neo4j_rows import rows as plain_rows
from queries.store import NotFound

__all__ = ["Neo4jIdentity"]


class Neo4jIdentity(Neo4jPart):
    """The users, consent and audit methods of the :class:`~queries.store.Store`
    interface on Neo4j; the store supplies reads and write transactions."""

    def _write_once(self, query: LiteralString, **params: Any) -> list[dict[str, Any]]:
        """One statement in its own write transaction that leaves the data
        version alone (users and the audit log are not graph data)."""

        def work(tx: neo4j.ManagedTransaction) -> list[dict[str, Any]]:
            return plain_rows(tx.run(query, params))

        return self._tx(work, bump=False)

    # -- users -------------------------------------------------------------
    def add_user(self, user: User) -> bool:
        return bool(self._write_once(iq.ADD_USER, user=asdict(user)))

    def get_user(self, name: str) -> User | None:
        rows = self._read(iq.GET_USER, name=name)
        return _user(rows[0]) if rows else None

    def list_users(self) -> list[User]:
        return [_user(r) for r in self._read(iq.LIST_USERS)]

    def set_user_active(self, name: str, active: bool) -> bool:
        return bool(self._write_once(iq.SET_ACTIVE, name=name, active=active))

    def set_user_token(self, name: str, token_id: str, token_hash: str, issued_at: str) -> bool:
        return bool(self._write_once(iq.SET_TOKEN, name=name, token_id=token_id, token_hash=token_hash,
                                     issued_at=issued_at))

    def set_user_password(self, name: str, password_hash: str) -> bool:
        return bool(self._write_once(iq.SET_PASSWORD, name=name, password_hash=password_hash))

    def set_user_bank(self, name: str, bank: str) -> bool:
        return bool(self._write_once(iq.SET_BANK, name=name, bank=bank))

    def user_by_token(self, token_id: str) -> User | None:
        rows = self._read(iq.USER_BY_TOKEN, token_id=token_id)
        return _user(rows[0]) if rows else None

    def token_read(self, token_id: str, entry_name: str | None = None,
                   bank_entry: tuple[str, str] | None = None) -> TokenRead:
        head, tail = bank_entry or (None, None)
        row = self._read(iq.TOKEN_READ, token_id=token_id, name=entry_name, bank_head=head, bank_tail=tail)[0]
        user = _user(row) if row["name"] is not None else None
        return TokenRead(user, int(row["version"] or 0), int(row["trade_version"] or 0), entry_name,
                         _entry(row, "entry"), row["bank_entry_name"] if user is not None and user.bank else None,
                         _entry(row, "bank_entry"), int(row["consent_version"] or 0))

    # -- consent -----------------------------------------------------------
    def change_consent(self, events: Sequence[ConsentEvent]) -> list[ConsentEvent]:
        if not events:
            return []
        ids = sorted({e.firm_id for e in events})

        def work(tx: neo4j.ManagedTransaction) -> list[ConsentEvent]:
            tx.run(iq.LOCK_FIRMS, ids=ids).consume()
            banks = {r["id"]: list(r["banks"] or []) for r in tx.run(iq.CONSENT_OF_FIRMS, ids=ids).data()}
            missing = [f for f in ids if f not in banks]
            if missing:
                raise NotFound(f"no firm {missing[0]!r}")
            applied = apply_consent(banks, events)
            changed = sorted({e.firm_id for e in applied})
            if applied:
                tx.run(iq.SET_CONSENT, rows=[{"id": f, "banks": banks[f]} for f in changed]).consume()
                tx.run(iq.CREATE_CONSENT_EVENTS, rows=[asdict(e) for e in applied]).consume()
                tx.run(iq.MARK_CONSENT_VERSION, banks=sorted({e.bank for e in applied})).consume()
            return applied

        return self._tx(work, trades=False)  # who may see what, not the network: Store.trade_version

    def consent_history(self, firm_ids: Collection[str] | None = None) -> list[ConsentEvent]:
        rows = (self._read(iq.ALL_CONSENT_EVENTS) if firm_ids is None
                else self._read(iq.CONSENT_EVENTS_OF, ids=sorted(set(firm_ids))))
        return [ConsentEvent(r["firm_id"], r["bank"], r["action"], r["who"], r["at"]) for r in rows]

    def consents(self, firm_id: str | None = None) -> dict[str, tuple[str, ...]]:
        rows = (self._read(iq.CONSENTED_FIRMS) if firm_id is None
                else self._read(iq.CONSENT_OF_FIRM, id=firm_id))
        return {r["id"]: tuple(r["banks"] or ()) for r in rows}

    def consent_version(self, bank: str) -> int:
        rows = self._read(iq.CONSENT_VERSION, bank=bank)
        return int(rows[0]["version"] or 0) if rows else 0

    # -- audit -------------------------------------------------------------
    def append_audit(self, entries: Sequence[AuditEntry]) -> None:
        if entries:
            self._write_once(iq.CREATE_AUDIT, rows=[asdict(e) for e in entries])

    def audit_log(
        self, user: str | None = None, firm_id: str | None = None, since: str | None = None,
        action: str | None = None, limit: int = 100, offset: int = 0, until: str | None = None,
        action_prefixes: Sequence[str] | None = None,
    ) -> tuple[list[AuditEntry], int]:
        args: dict[str, Any] = {"user": user, "firm": firm_id, "since": since, "action": action, "until": until,
                                "prefixes": list(action_prefixes) if action_prefixes is not None else None}
        rows = self._read(iq.AUDIT_PAGE, **args, limit=limit, offset=offset)
        total = int(self._read(iq.AUDIT_COUNT, **args)[0]["n"])
        return [AuditEntry(r["user"], r["role"], r["bank"], r["action"], r["firm_id"], r["outcome"],
                           r["detail"] or "", r["at"], r["id"]) for r in rows], total


def _entry(r: dict[str, Any], prefix: str) -> tuple[int, str, bytes] | None:
    """A stored analytics entry read as columns ``{prefix}_version`` and so on (None: none)."""
    if r[f"{prefix}_version"] is None:
        return None
    return int(r[f"{prefix}_version"]), str(r[f"{prefix}_created_at"]), bytes(r[f"{prefix}_payload"])


def _user(r: dict[str, Any]) -> User:
    def text(key: str) -> str:
        return str(r.get(key) or "")

    return User(name=r["name"], role=r["role"], bank=r.get("bank"), active=bool(r.get("active")),
                created_at=text("created_at"), token_id=text("token_id"), token_hash=text("token_hash"),
                token_issued_at=text("token_issued_at"), password_hash=text("password_hash"))
