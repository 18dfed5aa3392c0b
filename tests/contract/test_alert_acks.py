"""Acknowledgements of alerts on both stores: the first one stays, a
second changes nothing, they are read all at once or by id, they survive a
reopened schema, and they leave the data version alone (alerts are not
recomputed for them)."""

from __future__ import annotations

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
