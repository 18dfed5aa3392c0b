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
from collections.abc import Collection
from dataclasses import dataclass, replace

from ingest.firm_names import refresh_display_names
from ingest.resolve import registry_firm, registry_number
from queries.model import Alias, MergeRecord
from queries.store import NotFound, Store

__all__ = ["ReviewItem", "review_queue", "accept", "reject", "undo_merge", "item_id", "names_of", "registered_only"]


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
    """Spellings waiting for a decision, with their candidate (a candidate
    that is a registry entry no ledger has named yet, so not a stored firm,
    is named as the registry names it)."""
    items = store.aliases_by_status("review")
    candidates = {a.candidate_id for a in items if a.candidate_id}
    firms = store.get_firms({a.firm_id for a in items} | candidates)
    registered = _registry_names(store, candidates - set(firms))
    return [
        ReviewItem(item_id(a), a.client_id, a.raw_name, a.firm_id,
                   firms[a.firm_id].name if a.firm_id in firms else None, a.candidate_id,
                   firms[a.candidate_id].name if a.candidate_id in firms else registered.get(a.candidate_id or ""),
                   a.score, a.reason)
        for a in items
    ]


def _registry_names(store: Store, ids: Collection[str]) -> dict[str, str]:
    """The registered name of each id that names a registry entry
    (:func:`ingest.resolve.registry_number`), by id."""
    out: dict[str, str] = {}
    for i in ids:
        if (number := registry_number(i)) is not None and (record := store.registry_get(number)) is not None:
            out[i] = record.name
    return out


def registered_only(store: Store, ids: Collection[str]) -> set[str]:
    """Of the ids a review names as candidates, those of registry entries
    that are not a stored firm yet: no firm page to link to; accepting
    makes the firm (:func:`accept`)."""
    unstored = set(ids) - set(store.get_firms(ids))
    return {i for i in unstored if registry_number(i) is not None}


def names_of(store: Store, ids: Collection[str]) -> dict[str, str]:
    """A name to show for each firm or registry entry a review names (a
    candidate, or the rival of an ambiguous match): the firm's name, else
    its most seen spelling, else the registry's name — an analyst decides on
    names, not on ids. Ids with no name are absent."""
    out = _registry_names(store, ids)
    for fid, spelled in store.firm_spellings(set(ids) - {i for i in out if i.startswith("reg:")}).items():
        seen = sorted(spelled.spellings, key=lambda s: (-s[1], s[0]))
        name = spelled.name or spelled.registry_name or (seen[0][0] if seen else None)
        if name:
            out[fid] = name
    return out


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
    _make_registered(store, alias.candidate_id)
    store.reassign_alias(replace(alias, firm_id=alias.candidate_id, status="accepted"), merge=merge)
    refresh_display_names(store, {alias.firm_id, alias.candidate_id})
    return merge


def _make_registered(store: Store, candidate_id: str) -> None:
    """A candidate that is a registry entry no ledger has named yet becomes
    the registry's firm (its name, 法人番号 and prefecture) before a spelling
    is merged into it, as the resolver makes it when a ledger names it
    (:func:`ingest.resolve.registry_firm`) — not a firm named with the
    accepted spelling and no 法人番号."""
    number = registry_number(candidate_id)
    if number is None or candidate_id != f"C{number}" or store.get_firm(candidate_id) is not None:
        return
    record = store.registry_get(number)
    if record is not None and store.firm_by_corporate_number(number) is None:
        store.upsert_firms([registry_firm(record)])


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
