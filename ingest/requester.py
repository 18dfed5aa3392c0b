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

from collections.abc import Iterable

from ingest.matching import REVIEW_MIN, name_similarity
from ingest.names import normalize_name
from queries.store import Store

__all__ = ["other_requesters"]


def other_requesters(store: Store, client_id: str, names: Iterable[str]) -> list[str]:
    """Of the requester ``names`` of a 全銀 file loaded for ``client_id``,
    those that do not read like the client's name (similarity below the
    review band, :data:`ingest.matching.REVIEW_MIN`); ``[]`` when the client
    is unknown or its reading is not (see the module docstring)."""
    client = store.get_firm(client_id)
    if client is None or not client.name:
        return []
    record = store.registry_get(client.corporate_number) if client.corporate_number else None
    own = normalize_name(client.name, furigana=record.furigana if record is not None and record.furigana else None)
    if not own.reading and not own.is_kana_only:
        return []
    return [n for n in names if name_similarity(normalize_name(n), own) < REVIEW_MIN]
