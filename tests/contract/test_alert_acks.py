"""Acknowledgements of alerts on both stores: the first one stays, a
second changes nothing, they are read all at once or by id, they survive a
reopened schema, and they leave the data version alone (alerts are not
recomputed for them)."""

from __future__ import annotations

import pytest

from queries.acks import AlertAck
from queries.store import Store


def test_an_acknowledgement_is_recorded_once_and_read_back(store: Store) -> None:
    version = store.data_version()
    assert store.alert_acks() == {}
    assert store.ack_alert("0123456789abcdef", "analyst", "電話で確認 <b>", "2025-01-02T03:04:05+00:00") is True
    assert store.ack_alert("0123456789abcdef", "admin", "again", "2025-01-03T00:00:00+00:00") is False
    assert store.ack_alert("fedcba9876543210", "admin", "", "2025-01-04T00:00:00+00:00") is True
    first = AlertAck("0123456789abcdef", "analyst", "電話で確認 <b>", "2025-01-02T03:04:05+00:00")
    assert store.alert_acks() == {first.alert_id: first,
                                  "fedcba9876543210": AlertAck("fedcba9876543210", "admin", "",
                                                               "2025-01-04T00:00:00+00:00")}
    assert store.alert_acks(["0123456789abcdef", "unknown"]) == {first.alert_id: first}
    assert store.alert_acks([]) == {}
    assert store.data_version() == version
    store.ensure_schema()
    assert store.alert_acks(["0123456789abcdef"]) == {first.alert_id: first}


def test_many_alerts_are_acknowledged_at_once_and_the_first_acknowledgement_stays(
        store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    import queries.embedded_acks
    import queries.neo4j_acks

    for module in (queries.embedded_acks, queries.neo4j_acks):
        monkeypatch.setattr(module, "ACKS_PER_WRITE", 3)  # several write transactions
    version = store.data_version()
    assert store.ack_alert("0000000000000002", "analyst", "一件ずつ", "2025-01-01T00:00:00+00:00")
    ids = [f"{i:016x}" for i in range(8)]
    made = store.ack_alerts(ids + ids[:2], "admin", "導入前の履歴", "2025-02-01T00:00:00+00:00")
    assert made == [i for i in ids if i != "0000000000000002"]
    acks = store.alert_acks(ids)
    assert acks["0000000000000002"] == AlertAck("0000000000000002", "analyst", "一件ずつ", "2025-01-01T00:00:00+00:00")
    assert acks[ids[7]] == AlertAck(ids[7], "admin", "導入前の履歴", "2025-02-01T00:00:00+00:00")
    assert store.ack_alerts(ids, "admin", "again", "2025-03-01T00:00:00+00:00") == []
    assert store.ack_alerts([], "admin", "", "2025-03-01T00:00:00+00:00") == []
    assert store.data_version() == version


def test_acknowledgements_are_taken_back(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    import queries.embedded_acks
    import queries.neo4j_acks

    for module in (queries.embedded_acks, queries.neo4j_acks):
        monkeypatch.setattr(module, "ACKS_PER_WRITE", 3)
    version = store.data_version()
    ids = [f"{i:016x}" for i in range(7)]
    store.ack_alerts(ids[:5], "admin", "まとめて", "2025-02-01T00:00:00+00:00")
    assert store.unack_alerts(ids[3:] + ids[3:4]) == ids[3:5]  # only those that had one
    assert sorted(store.alert_acks()) == ids[:3]
    assert store.unack_alerts([]) == [] and store.unack_alerts(ids[3:]) == []
    assert store.ack_alert(ids[4], "analyst", "改めて", "2025-03-01T00:00:00+00:00")  # a new first one
    assert store.alert_acks([ids[4]])[ids[4]] == AlertAck(ids[4], "analyst", "改めて", "2025-03-01T00:00:00+00:00")
    assert store.data_version() == version
