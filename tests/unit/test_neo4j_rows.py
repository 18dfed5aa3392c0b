"""queries.neo4j_rows: driver values kept as they are, graph entities converted like Record.data()."""

from __future__ import annotations

import datetime as dt

import neo4j
from neo4j.time import Date

from queries.neo4j_rows import plain, rows


def test_scalars_and_lists_of_scalars_are_passed_through_uncopied() -> None:
    payload = b"\x1f\x8b" * 30_000
    months = ["2024-01", "2024-02"]
    assert plain(payload) is payload
    assert plain(months) is months
    assert plain([]) == []
    for v in ("x", 3, 2.5, True, None):
        assert plain(v) == v


def test_maps_and_nested_lists_are_walked() -> None:
    value = {"a": [{"b": [1, 2]}, {"b": []}], "c": {"d": b"x"}}
    assert plain(value) == value


def test_rows_equal_record_data_for_what_our_queries_return() -> None:
    record = neo4j.Record([("id", "F1"), ("months", ["2024-01"]), ("amounts", [100]),
                           ("payload", b"abc"), ("meta", {"k": [1, 2]}), ("day", Date(2024, 1, 31)),
                           ("none", None)])
    assert rows([record]) == [record.data()]
    assert rows([record])[0]["day"] == Date(2024, 1, 31) and dt.date(2024, 1, 31) == rows([record])[0]["day"].to_native()
