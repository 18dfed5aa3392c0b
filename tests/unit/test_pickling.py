"""Slotted dataclasses pickled as their fields (domain.pickling): what a bulk
load sends between its processes comes back equal, field for field."""

from __future__ import annotations

import pickle
from dataclasses import dataclass

from domain.pickling import pickled_as_fields
from ingest.records import Counterparty
from queries.model import Alias, BatchInfo, ChunkWrite, Firm, MergeRecord
from queries.series import Series


@pickled_as_fields
@dataclass(frozen=True, slots=True)
class _One:
    value: tuple[int, ...]


def test_load_objects_round_trip() -> None:
    series = Series(("2024-01", "2024-03"), (120_000, -5_000), (3, 1))
    objects: list[object] = [
        series,
        Counterparty("（株）山田商事", corporate_number="1234567890123"),
        Firm(id="C1234567890123", name="山田商事株式会社", corporate_number="1234567890123"),
        Alias("K001", "a1", "ﾔﾏﾀﾞｼﾖｳｼﾞ", "F1", "name", 0.95, "matched", None, "name match"),
        MergeRecord(id="m1", client_id="K001", alias_key="a1", raw_name="山田商事", from_firm="N1",
                    to_firm="F1", method="name", score=0.95, reason="r", created_at="2026-12-02T00:00:00+00:00"),
        BatchInfo("b1", "sha", "f.csv", "K001", "freee", started_at="2026-12-02T00:00:00+00:00"),
        ChunkWrite("b1", 0, [(("K001", "F1", "K001", "a1"), series)], ()),
        _One((1, 2)),
    ]
    copies = pickle.loads(pickle.dumps(objects, protocol=pickle.HIGHEST_PROTOCOL))
    assert copies == objects
    assert [type(c) for c in copies] == [type(o) for o in objects]
    assert copies[-1].value == (1, 2)  # one field: still rebuilt from a one-element tuple
