"""Leases (queries.leases) on both stores: one holder at a time, renewed by
its holder, released, ended by themselves when their time is over, taken by
exactly one of many holders trying at once, kept across a reopened schema,
and leaving the data version alone."""

from __future__ import annotations

import threading
import time

import pytest

from queries.store import Store


def test_one_holder_at_a_time_renewed_and_released(store: Store) -> None:
    version = store.data_version()
    assert store.lease_holder("refresh") is None
    assert store.take_lease("refresh", "host-a pid 1", 60) is True
    holder = store.lease_holder("refresh")
    assert holder is not None and holder[0] == "host-a pid 1" and 55 < holder[1] <= 60
    assert store.take_lease("refresh", "host-b pid 2", 60) is False  # held: nothing written
    assert store.lease_holder("refresh") == (holder[0], pytest.approx(holder[1], abs=5))
    assert store.take_lease("refresh", "host-a pid 1", 120) is True  # a renewal by its holder
    renewed = store.lease_holder("refresh")
    assert renewed is not None and renewed[1] > 100
    assert store.take_lease("other", "host-b pid 2", 60) is True  # another name is another lease
    assert store.release_lease("refresh", "host-b pid 2") is False  # not the holder: nothing
    assert store.lease_holder("refresh") is not None
    assert store.release_lease("refresh", "host-a pid 1") is True
    assert store.lease_holder("refresh") is None
    assert store.release_lease("refresh", "host-a pid 1") is False
    assert store.take_lease("refresh", "host-b pid 2", 60) is True
    store.ensure_schema()  # a reopened schema keeps them
    assert store.lease_holder("refresh") is not None and store.lease_holder("other") is not None
    assert store.data_version() == version


def test_a_lease_ends_by_itself_when_its_time_is_over(store: Store) -> None:
    assert store.take_lease("refresh", "dead holder", 0.3) is True
    assert store.take_lease("refresh", "next", 60) is False
    time.sleep(0.5)
    assert store.lease_holder("refresh") is None
    assert store.take_lease("refresh", "next", 60) is True
    assert store.release_lease("refresh", "dead holder") is False  # its time was over: no longer its lease
    assert store.lease_holder("refresh") is not None


def test_exactly_one_of_many_holders_trying_at_once_takes_it(store: Store) -> None:
    start = threading.Barrier(6)
    taken: list[str] = []
    errors: list[BaseException] = []

    def attempt(i: int) -> None:
        try:
            start.wait()
            if store.take_lease("refresh", f"holder {i}", 60):
                taken.append(f"holder {i}")
        except BaseException as e:  # noqa: BLE001 (reported below)
            errors.append(e)

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    assert len(taken) == 1
    holder = store.lease_holder("refresh")
    assert holder is not None and holder[0] == taken[0]


@pytest.mark.parametrize("seconds", [0, -1, 24 * 3600 + 1])
def test_a_length_out_of_range_is_refused(store: Store, seconds: float) -> None:
    with pytest.raises(ValueError, match="lease"):
        store.take_lease("refresh", "h", seconds)
    assert store.lease_holder("refresh") is None
