"""queries.version_memo: facts remembered per store object and data version."""

from __future__ import annotations

from collections.abc import Mapping

from queries.version_memo import VersionMemo


class _Store:
    """Something a memo keys on (held weakly), counting the reads asked of it."""

    def __init__(self, facts: dict[str, int]) -> None:
        self.facts = facts
        self.asked: list[list[str]] = []

    def read(self, keys: list[str]) -> Mapping[str, int]:
        self.asked.append(keys)
        return {k: self.facts[k] for k in keys if k in self.facts}


def test_facts_are_read_once_per_version_and_none_where_absent() -> None:
    memo: VersionMemo[str, int] = VersionMemo(100)
    store = _Store({"a": 1, "b": 2})
    assert memo.get(store, 1, ["a", "x", "a"], store.read) == {"a": 1, "x": None}
    assert memo.get(store, 1, ["x", "a", "b"], store.read) == {"a": 1, "b": 2, "x": None}
    assert store.asked == [["a", "x"], ["b"]]  # each key once, absent ones remembered as absent
    store.facts["a"] = 10  # a write: the version moves
    assert memo.get(store, 2, ["a"], store.read) == {"a": 10}
    assert memo.get(store, 2, ["a", "x"], store.read) == {"a": 10, "x": None}
    assert store.asked[2:] == [["a"], ["x"]]


def test_a_request_at_another_version_starts_the_memo_again() -> None:
    """An older request still running, or a database restored under the
    process (its versions start lower): never another version's facts."""
    memo: VersionMemo[str, int] = VersionMemo(100)
    store = _Store({"a": 1})
    memo.get(store, 5, ["a"], store.read)
    store.facts["a"] = 0
    assert memo.get(store, 4, ["a"], store.read) == {"a": 0}  # read, not taken from version 5
    store.facts["a"] = 3
    assert memo.get(store, 5, ["a"], store.read) == {"a": 3}
    assert len(store.asked) == 3
    memo.forget(store)
    assert memo.get(store, 5, ["a"], store.read) == {"a": 3} and len(store.asked) == 4


def test_stores_are_apart_and_a_full_memo_starts_again() -> None:
    memo: VersionMemo[str, int] = VersionMemo(3)
    one, two = _Store({"a": 1}), _Store({"a": 2})
    assert memo.get(one, 1, ["a"], one.read) == {"a": 1}
    assert memo.get(two, 1, ["a"], two.read) == {"a": 2}
    memo.get(one, 1, ["b", "c"], one.read)  # three facts: full
    memo.get(one, 1, ["d"], one.read)  # a fourth: everything forgotten, then it
    memo.get(one, 1, ["a", "d"], one.read)
    assert one.asked[-1] == ["a"]


def test_missing_facts_need_not_be_remembered() -> None:
    """``keep_missing=False``: a key the store has no value for is asked
    again (a derived entry written after a load appears without the version
    moving); found values are remembered as before."""
    memo: VersionMemo[str, int] = VersionMemo(100, keep_missing=False)
    store = _Store({"a": 1})
    assert memo.get(store, 1, ["a", "x"], store.read) == {"a": 1, "x": None}
    store.facts["x"] = 7  # written at the same version
    assert memo.get(store, 1, ["a", "x"], store.read) == {"a": 1, "x": 7}
    assert memo.get(store, 1, ["x"], store.read) == {"x": 7}
    assert store.asked == [["a", "x"], ["x"]]


def test_every_memo_forgets_a_store_at_once() -> None:
    """A database emptied under the process (the tests' wipe): every memo,
    wherever declared, forgets it."""
    from queries.version_memo import forget_in_every_memo

    one: VersionMemo[str, int] = VersionMemo(100)
    two: VersionMemo[str, int] = VersionMemo(100, keep_missing=False)
    store = _Store({"a": 1})
    one.get(store, 1, ["a"], store.read)
    two.get(store, 1, ["a"], store.read)
    forget_in_every_memo(store)
    one.get(store, 1, ["a"], store.read)
    two.get(store, 1, ["a"], store.read)
    assert store.asked == [["a"], ["a"], ["a"], ["a"]]
