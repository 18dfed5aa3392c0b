"""queries.neo4j_rows: driver values kept as they are, graph entities converted like Record.data();
many rows read as one collected record."""

from __future__ import annotations

import datetime as dt

import neo4j
import pytest
from neo4j.time import Date

from queries.neo4j_rows import collected, collected_rows, plain, rows


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


def test_a_collected_query_returns_its_columns_as_one_list_of_lists() -> None:
    query = collected("MATCH (f:Firm) WHERE f.id IN $ids RETURN f.id AS id, f.name AS name", ("id", "name"))
    assert query == ("CALL () { MATCH (f:Firm) WHERE f.id IN $ids RETURN f.id AS id, f.name AS name } "
                     "RETURN collect([id, name]) AS rows")


def test_collected_rows_are_dicts_by_column_and_none_for_no_record() -> None:
    record = neo4j.Record([("rows", [["F1", ["2024-01"], None], ["F2", [], 3]])])
    assert collected_rows([record], ("id", "months", "n")) == [
        {"id": "F1", "months": ["2024-01"], "n": None}, {"id": "F2", "months": [], "n": 3}]
    assert collected_rows([neo4j.Record([("rows", [])])], ("id",)) == []
    assert collected_rows([], ("id",)) == []
    with pytest.raises(ValueError):  # a column list that does not match the query is a bug, not a short row
        collected_rows([neo4j.Record([("rows", [["F1", 1]])])], ("id",))
