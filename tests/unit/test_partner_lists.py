"""queries.partner_lists: a side of a firm's partner list survives its
encoding, with each pair's element id, whatever the ids have in common."""

from __future__ import annotations

from queries import partner_lists


def test_a_side_round_trips_with_its_element_ids() -> None:
    handles = ["5:0f1e-aa:17", "5:0f1e-aa:1702", "5:0f1e-aa:9"]
    blob = partner_lists.encode(["F1", "F2", "C3"], [1000, 25, 7], handles)
    assert blob is not None
    side = partner_lists.decode(blob)
    assert side[0] == ["F1", "F2", "C3"] and side[1] == [1000, 25, 7]
    assert side[2] == "5:0f1e-aa:"  # the common part is kept once
    assert [partner_lists.handle(side, i) for i in range(3)] == handles


def test_ids_with_nothing_in_common_or_only_one_id() -> None:
    for handles in (["a1", "b2"], ["only"], ["same", "same"]):
        blob = partner_lists.encode(["X"] * len(handles), [1] * len(handles), handles)
        assert blob is not None
        side = partner_lists.decode(blob)
        assert [partner_lists.handle(side, i) for i in range(len(handles))] == handles


def test_a_side_without_partners_is_no_property() -> None:
    assert partner_lists.encode([], [], []) is None
