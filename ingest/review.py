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

__all__ = ["ReviewItem", "review_queue", "accept", "reject", "undo_merge", "item_id", "names_of", "registered_only",
           "current_candidates"]


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
    """Spellings waiting for a decision, with their candidate as it stands
    now (:func:`current_candidates`; a registry entry no ledger has named
    yet, so not a stored firm, is named as the registry names it)."""
    items = store.aliases_by_status("review")
    current = current_candidates(store, {a.candidate_id for a in items if a.candidate_id})
    candidates = set(current.values())
    firms = store.get_firms({a.firm_id for a in items} | candidates)
    registered = _registry_names(store, candidates - set(firms))

    def candidate(a: Alias) -> str | None:
        return current.get(a.candidate_id) if a.candidate_id else None

    return [
        ReviewItem(item_id(a), a.client_id, a.raw_name, a.firm_id,
                   firms[a.firm_id].name if a.firm_id in firms else None, cid,
                   firms[cid].name if cid in firms else registered.get(cid or ""), a.score, a.reason)
        for a in items for cid in (candidate(a),)
    ]


def current_candidates(store: Store, ids: Collection[str]) -> dict[str, str]:
    """Each candidate id as it stands now: a registry entry that was no firm
    when the spelling was queued (``C`` + 法人番号, :func:`ingest.resolve.registry_firm`)
    is the stored firm that has its 法人番号 since (the firm master may have
    given it to a client, under the client's id), else itself; every other
    id is itself. One read of the ids, one of the numbers."""
    stored = store.get_firms(ids)
    numbers = {i: n for i in set(ids) - set(stored) if (n := registry_number(i)) is not None and i == f"C{n}"}
    holders = store.firms_by_corporate_numbers(set(numbers.values())) if numbers else {}
    return {i: holders[numbers[i]].id if numbers.get(i) in holders else i for i in ids}


def _registry_names(store: Store, ids: Collection[str]) -> dict[str, str]:
    """The registered name of each id that names a registry entry
    (:func:`ingest.resolve.registry_number`), by id: one read of them all."""
    numbers = {i: n for i in ids if (n := registry_number(i)) is not None}
    records = store.registry_get_many(set(numbers.values())) if numbers else {}
    return {i: records[n].name for i, n in numbers.items() if n in records}


def registered_only(store: Store, ids: Collection[str]) -> set[str]:
    """Of the ids a review names as candidates (as they stand now,
    :func:`current_candidates`), those of registry entries that are not a
    stored firm yet: no firm page to link to; accepting makes the firm
    (:func:`accept`)."""
    unstored = set(ids) - set(store.get_firms(ids))
    return {i for i in unstored if registry_number(i) is not None}


def names_of(store: Store, ids: Collection[str]) -> dict[str, str]:
    """A name to show for each firm or registry entry a review names (a
    candidate, or the rival of an ambiguous match): the firm's name, else
    its most seen spelling, else the registry's name — an analyst decides on
    names, not on ids. Ids with no name are absent. The registry is read
    only for ids that are no stored firm."""
    out: dict[str, str] = {}
    spelled_firms = store.firm_spellings({i for i in ids if not i.startswith("reg:")})
    for fid, spelled in spelled_firms.items():
        seen = sorted(spelled.spellings, key=lambda s: (-s[1], s[0]))
        name = spelled.name or spelled.registry_name or (seen[0][0] if seen else None)
        if name:
            out[fid] = name
    out.update(_registry_names(store, set(ids) - set(spelled_firms)))
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
    target = current_candidates(store, [alias.candidate_id])[alias.candidate_id]
    merge = MergeRecord(
        id=f"m{hashlib.blake2b((review_id + '|' + alias.candidate_id).encode(), digest_size=8).hexdigest()}",
        client_id=alias.client_id, alias_key=alias.key, raw_name=alias.raw_name,
        from_firm=alias.firm_id, to_firm=target, method="review",
        score=alias.score, reason=f"accepted in review{': ' + note if note else ''} ({alias.reason})",
        created_at=_now())
    _make_registered(store, target)
    store.reassign_alias(replace(alias, firm_id=target, candidate_id=target, status="accepted"), merge=merge)
    refresh_display_names(store, {alias.firm_id, target})
    return merge


def _make_registered(store: Store, candidate_id: str) -> None:
    """A candidate that is a registry entry no ledger has named yet becomes
    the registry's firm (its 法人番号 and prefecture; its name is then the
    registered one, :func:`ingest.firm_names.display_name`) before a
    spelling is merged into it, as the resolver makes it when a ledger names
    it (:func:`ingest.resolve.registry_firm`) — not a firm named with the
    accepted spelling and no 法人番号. Made as a merge makes a firm
    (``created_by_batch`` ``merge``), so that undoing the merge removes it
    again while nothing else names it. (Its own write: should the merge
    then fail, such a firm stays, empty, until a merge into it is undone.)"""
    number = registry_number(candidate_id)
    if number is None or candidate_id != f"C{number}" or store.get_firm(candidate_id) is not None:
        return
    record = store.registry_get(number)
    if record is not None:
        store.upsert_firms([replace(registry_firm(record), name=None)], batch_id="merge")


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
