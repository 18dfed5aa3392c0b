"""Is a 全銀 file the client's own? Its 振込依頼人 against the client's name.

A 総合振込 file names its 振込依頼人 (requester) in its header, in bank kana:
the company whose account pays. A file loaded for a client whose name reads
otherwise is most likely another company's (a folder mixed up, the wrong
client picked on the form), and its payments then count as this client's.
The load still goes ahead and the load's summary names the requester.

A false warning teaches people to skip warnings, so the check says nothing
where it cannot tell:

* only a corporation is compared, and only where its reading is known: the
  registry フリガナ of its 法人番号, else a name written in kana (without
  latin letters) with a legal form. A kanji name without a reading cannot be
  compared with bank kana (:mod:`ingest.matching`), and a sole
  proprietor's transfers may name its owner, whom the firm master does not
  read;
* a requester with latin letters is not compared (``ABCｼﾖｳｼﾞ(ｶ`` for ＡＢＣ商事,
  read エービーシー);
* an account name often says more than the company: its department, its
  head office, its representative (``ｶ)ﾄﾘｺﾐﾓﾄ ﾀﾞｲﾋﾖｳﾄﾘｼﾏﾘﾔｸ ﾔﾏﾀﾞﾀﾛｳ``), or its
  legal form in words (``ｲﾘﾖｳﾎｳｼﾞﾝｼﾔﾀﾞﾝ…``): a requester whose kana hold the
  client's whole reading reads like it. Otherwise the names' similarity
  (:func:`ingest.matching.name_similarity`, which knows bank names cut at
  their byte limit) decides, at the review band's floor
  (:data:`ingest.matching.REVIEW_MIN`).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable

from ingest.matching import REVIEW_MIN, name_similarity
from ingest.names import NormalizedName, normalize_name, reading_key
from queries.store import Store

__all__ = ["client_readings", "unlike"]

_LATIN = re.compile(r"[A-Za-zＡ-Ｚａ-ｚ]")
_MIN_READING = 3  # kana: a shorter reading is found inside too many other names


def client_readings(store: Store, client_ids: Collection[str]) -> dict[str, NormalizedName]:
    """The names of ``client_ids`` that a requester can be compared with,
    normalised with their reading (see the module docstring): one read of
    the firms, one of their registry records. Clients that cannot be
    compared (or are unknown) are absent."""
    out: dict[str, NormalizedName] = {}
    firms = store.get_firms(client_ids)
    numbers = {f.corporate_number for f in firms.values() if f.corporate_number}
    registry = store.registry_get_many(numbers) if numbers else {}
    for cid, firm in firms.items():
        if not firm.name:
            continue
        record = registry.get(firm.corporate_number) if firm.corporate_number else None
        if record is not None and record.furigana:
            own = normalize_name(firm.name, furigana=record.furigana)
        else:
            own = normalize_name(firm.name)
            if not own.is_kana_only or own.legal_form is None or _LATIN.search(own.core):
                continue
        if own.reading and len(own.reading) >= _MIN_READING:
            out[cid] = own
    return out


def unlike(own: NormalizedName, names: Iterable[str]) -> list[str]:
    """The requester ``names`` that do not read like ``own`` (a name of
    :func:`client_readings`; see the module docstring for the rules)."""
    reading = own.reading or ""
    return [n for n in names
            if not _LATIN.search(n) and reading not in reading_key(n)
            and name_similarity(normalize_name(n), own) < REVIEW_MIN]
