"""Loads rolled back: how a rollback is written in the audit log, and read back.

A rollback removes its load's record (so that the same file can be loaded
again), so the loads list no longer has it. What is left of it is its audit
entry (``batch.rollback``, the client as its firm): the loads page lists the
latest of them, and a colleague's link to a load rolled back since says who
rolled it back and when rather than "not found". The entry's detail starts
with the load's id and ends with its file's name, as people see it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from queries.identity import AuditEntry
from queries.model import BatchInfo
from queries.store import Store

__all__ = ["ROLLBACKS_SEARCHED", "RolledBack", "recent_rollbacks", "rejects_file", "rollback_detail", "rolled_back"]

ROLLBACKS_SEARCHED = 2_000
"""Audit entries of rollbacks read, newest first, to tell a rolled-back load from one that never was."""

_FILE = "; file "


def rollback_detail(batch_id: str, file: str, counts: Mapping[str, int]) -> str:
    """The audit detail of a rollback: ``B…: 12 trades, 0 payments, …; file 仕訳帳.csv``
    (``file`` as people see it: :func:`api.service.shown_name`)."""
    return f"{batch_id}: " + ", ".join(f"{v} {k}" for k, v in counts.items()) + (f"{_FILE}{file}" if file else "")


@dataclass(frozen=True)
class RolledBack:
    """A load rolled back: its id, file (empty when an older entry did not
    name it), client, who rolled it back and when (UTC ISO)."""

    batch_id: str
    file: str
    client_id: str | None
    user: str
    at: str


def _of(entry: AuditEntry) -> RolledBack:
    batch_id, _, rest = entry.detail.partition(":")
    return RolledBack(batch_id, rest.partition(_FILE)[2], entry.firm_id, entry.user,  # the counts hold no "; file "
                      entry.at)


def _done(store: Store, client: str | None = None) -> list[AuditEntry]:
    """The latest :data:`ROLLBACKS_SEARCHED` rollbacks that were made (of ``client``'s loads only, when given)."""
    entries, _ = store.audit_log(firm_id=client, action="batch.rollback", limit=ROLLBACKS_SEARCHED)
    return [e for e in entries if e.outcome == "ok" and ":" in e.detail]


def rolled_back(store: Store, batch_id: str) -> RolledBack | None:
    """``batch_id``'s rollback, or ``None`` (no such load, ever, among the
    latest :data:`ROLLBACKS_SEARCHED` rollbacks)."""
    return next((_of(e) for e in _done(store) if e.detail.startswith(f"{batch_id}:")), None)


def recent_rollbacks(store: Store, client: str | None = None, limit: int = 10) -> list[RolledBack]:
    """The latest ``limit`` rollbacks, newest first; of ``client``'s loads only when given."""
    return [_of(e) for e in _done(store, client or None)[:limit]]


def rejects_file(home: Path, batch: BatchInfo) -> Path | None:
    """The batch's quarantine CSV: by its file name, in ``TORIHIKI_HOME/rejects`` only
    (a rollback removes it with the rest of what the load kept: its lines are a client's ledger)."""
    if not batch.rejects_path:
        return None
    path = home / "rejects" / Path(batch.rejects_path).name
    return path if path.is_file() else None
