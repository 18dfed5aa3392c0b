"""Both stores, loaded with the same files, answer the same: ego networks,
search, batches — compared field by field."""

from __future__ import annotations

from pathlib import Path

import pytest

from api import service
from queries.store import Store
from tests.contract.test_store_contract import load_sample

pytestmark = pytest.mark.neo4j


@pytest.mark.parametrize("firm_id,hops,window", [
    ("F0001", 1, (None, None)),
    ("F0001", 2, (None, None)),
    ("F0005", 2, ("2024-06", "2024-12")),
    ("F0007", 1, ("2025-01", "2025-03")),
])
def test_ego_is_the_same_on_both_stores(
    embedded_store: Store, neo4j_store: Store, tmp_path: Path,
    firm_id: str, hops: int, window: tuple[str | None, str | None],
) -> None:
    answers = []
    for store in (embedded_store, neo4j_store):
        load_sample(store, tmp_path / store.backend)
        firm, net, firms = service.ego(store, firm_id, hops, *window)
        answers.append(service.ego_as_dict(firm, net, firms, *window))
    emb, neo = answers
    assert emb == neo
    assert len(emb["nodes"]) > 3 and emb["edges"]


def test_counts_search_and_batches_agree(embedded_store: Store, neo4j_store: Store, tmp_path: Path) -> None:
    for store in (embedded_store, neo4j_store):
        load_sample(store, tmp_path / store.backend)
    assert embedded_store.counts() == neo4j_store.counts()
    assert embedded_store.search_firms("株式会社", 20, 0) == neo4j_store.search_firms("株式会社", 20, 0)
    strip = lambda bs: sorted((b.id, b.sha256, b.status, b.rows_read, b.rows_loaded, b.rows_rejected)  # noqa: E731
                              for b in bs)
    assert strip(embedded_store.list_batches()) == strip(neo4j_store.list_batches())


def test_whole_network_reads_agree(embedded_store: Store, neo4j_store: Store, tmp_path: Path) -> None:
    for store in (embedded_store, neo4j_store):
        load_sample(store, tmp_path / store.backend)
    assert embedded_store.all_firms() == neo4j_store.all_firms()
    for window in ((None, None), ("2024-06", "2024-09")):
        assert embedded_store.all_trade_edges(*window) == neo4j_store.all_trade_edges(*window)
        assert embedded_store.all_payments(*window) == neo4j_store.all_payments(*window)
    assert len(embedded_store.all_trade_edges(None, None)) > 300


def test_trade_frame_matches_the_edge_list(embedded_store: Store, neo4j_store: Store, tmp_path: Path) -> None:
    for store in (embedded_store, neo4j_store):
        load_sample(store, tmp_path / store.backend)
        frame = store.trade_frame(None, None).sort_values(["seller", "buyer", "month"])
        edges = store.all_trade_edges(None, None)
        assert list(frame.itertuples(index=False, name=None)) == [
            (e.seller, e.buyer, e.month, e.amount, e.lines) for e in edges]
