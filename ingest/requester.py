"""Is a 全銀 file the client's own? Its 振込依頼人 against the client's name.

A 総合振込 file names its 振込依頼人 (requester) in its header, in bank kana:
the company whose account pays. A file loaded for a client whose name reads
otherwise is most likely another company's (a folder mixed up, the wrong
client picked on the form), and its payments then count as this client's.
The load still goes ahead — a requester may write a trade name, or the
client may have been renamed — and the load's summary names the requester.

Compared only where the client's reading is known: the registry フリガナ of
its 法人番号, or a name written in kana. A kanji name without a reading cannot
be compared with bank kana (:mod:`ingest.matching` caps such a score below
its review band), and a sole proprietor's transfers name its owner, whose
reading the firm master does not give.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

from ingest.matching import REVIEW_MIN, name_similarity
from ingest.names import NormalizedName, normalize_name
from queries.store import Store

__all__ = ["client_readings", "unlike", "other_requesters"]


def client_readings(store: Store, client_ids: Collection[str]) -> dict[str, NormalizedName]:
    """The names of ``client_ids`` that a requester can be compared with,
    normalised with their reading (a kana name as it is; a kanji name with
    the registry フリガナ of its 法人番号): one read of the firms, and one of
    the registry per client written in kanji. Clients whose reading is not
    known (or that are unknown) are absent."""
    out: dict[str, NormalizedName] = {}
    for cid, firm in store.get_firms(client_ids).items():
        if not firm.name:
            continue
        own = normalize_name(firm.name)
        if not own.is_kana_only:
            record = store.registry_get(firm.corporate_number) if firm.corporate_number else None
            if record is None or not record.furigana:
                continue
            own = normalize_name(firm.name, furigana=record.furigana)
        if own.reading or own.is_kana_only:
            out[cid] = own
    return out


def unlike(own: NormalizedName, names: Iterable[str]) -> list[str]:
    """The requester ``names`` that do not read like ``own`` (similarity
    below the review band, :data:`ingest.matching.REVIEW_MIN`)."""
    return [n for n in names if name_similarity(normalize_name(n), own) < REVIEW_MIN]


def other_requesters(store: Store, client_id: str, names: Iterable[str]) -> list[str]:
    """Of the requester ``names`` of a 全銀 file loaded for ``client_id``,
    those that do not read like the client's name; ``[]`` when the client is
    unknown or its reading is not (see the module docstring)."""
    own = client_readings(store, [client_id]).get(client_id)
    return unlike(own, names) if own is not None else []
