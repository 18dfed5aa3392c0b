"""Human review of entity resolution: the queue, accept / reject, undo.

A spelling whose best match fell in the review band waits with its own firm
and a candidate. Accepting moves its rows to the candidate (a recorded
merge); rejecting keeps it apart for good. Any merge — automatic or
accepted — can be undone, which moves the rows back to the spelling's own
firm. Review item ids are ``CLIENT:KEY``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, replace

from ingest.firm_names import refresh_display_names
from queries.model import Alias, MergeRecord
from queries.store import NotFound, Store

__all__ = ["ReviewItem", "review_queue", "accept", "reject", "undo_merge", "item_id"]


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def item_id(alias: Alias) -> str:
    return f"{alias.client_id}:{alias.key}"


@dataclass(frozen=True)
class ReviewItem:
    id: str
    client_id: str
    raw_name: str
    firm_id: str
    firm_name: str | None
    candidate_id: str | None
    candidate_name: str | None
    score: float
    reason: str


def review_queue(store: Store) -> list[ReviewItem]:
    """Spellings waiting for a decision, with their candidate."""
    items = store.aliases_by_status("review")
    firms = store.get_firms({a.firm_id for a in items} | {a.candidate_id for a in items if a.candidate_id})
    return [
        ReviewItem(item_id(a), a.client_id, a.raw_name, a.firm_id,
                   firms[a.firm_id].name if a.firm_id in firms else None, a.candidate_id,
                   firms[a.candidate_id].name if a.candidate_id in firms else None, a.score, a.reason)
        for a in items
    ]


def _find(store: Store, review_id: str) -> Alias:
    client, sep, key = review_id.rpartition(":")
    alias = store.aliases(client).get(key) if sep else None
    if alias is None:
        raise NotFound(f"no review item {review_id!r} (ids are CLIENT:KEY, see `torihiki review list`)")
    return alias


def accept(store: Store, review_id: str, note: str = "") -> MergeRecord:
    """Merge the spelling into its candidate; returns the recorded merge."""
    alias = _find(store, review_id)
    if alias.status != "review" or not alias.candidate_id:
        raise ValueError(f"{review_id} is not waiting for review (status {alias.status})")
    merge = MergeRecord(
        id=f"m{hashlib.blake2b((review_id + '|' + alias.candidate_id).encode(), digest_size=8).hexdigest()}",
        client_id=alias.client_id, alias_key=alias.key, raw_name=alias.raw_name,
        from_firm=alias.firm_id, to_firm=alias.candidate_id, method="review",
        score=alias.score, reason=f"accepted in review{': ' + note if note else ''} ({alias.reason})",
        created_at=_now())
    store.reassign_alias(replace(alias, firm_id=alias.candidate_id, status="accepted"), merge=merge)
    refresh_display_names(store, {alias.firm_id, alias.candidate_id})
    return merge


def reject(store: Store, review_id: str) -> Alias:
    """Keep the spelling as its own firm; it will not be queued again."""
    alias = _find(store, review_id)
    if alias.status != "review":
        raise ValueError(f"{review_id} is not waiting for review (status {alias.status})")
    done = replace(alias, status="rejected")
    store.upsert_aliases([done])
    return done


def undo_merge(store: Store, merge_id: str) -> MergeRecord:
    """Undo a merge: the spelling's rows go back to its own firm."""
    merge = store.get_merge(merge_id)
    if merge is None:
        raise NotFound(f"no merge {merge_id!r} (see `torihiki review merges`)")
    if merge.undone_at:
        raise ValueError(f"merge {merge_id} was already undone at {merge.undone_at}")
    alias = store.aliases(merge.client_id).get(merge.alias_key)
    if alias is None:
        raise NotFound(f"the spelling of merge {merge_id} is gone")
    undone = replace(merge, undone_at=_now())
    store.reassign_alias(replace(alias, firm_id=merge.from_firm, status="undone",
                                 reason=f"merge {merge_id} undone"), undo=undone)
    refresh_display_names(store, {merge.from_firm, merge.to_firm})
    return undone
