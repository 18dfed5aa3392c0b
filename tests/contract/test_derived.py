"""The derived data both stores keep at load — merged pairs and firm
totals — always equal what a from-scratch computation over the
observations gives: after loads (several files per transaction, a pair seen
by two clients, one pair in several files), a retried chunk, a rollback and
a reassigned spelling (merge and undo)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from pathlib import Path

from queries.model import BatchInfo, ChunkWrite, Firm, LoadWrite, TradeRow
from queries.observations import merge_observations
from queries.series import expand_edges, group_rows
from queries.store import Store
from tests.contract.test_store_contract import load_sample


def assert_derived_consistent(store: Store) -> None:
    """Merged pairs and firm totals recomputed from every client's own observations."""
    clients = [f.id for f in store.all_firms() if f.is_client]
    observed = [row for c in clients for row in store.own_ledger(c)[0]]
    expected = merge_observations(observed)
    assert list(expand_edges(store.all_pairs())) == expected
    sales: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    purchases: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for e in expected:
        if e.seller != e.buyer:
            sales[e.seller][e.month] += e.amount
            purchases[e.buyer][e.month] += e.amount
    firms = set(sales) | set(purchases)
    totals = store.firm_totals([f.id for f in store.all_firms()])
    assert set(totals) == {f for f in firms if any(sales[f].values()) or any(purchases[f].values())}
    for f, t in totals.items():
        months = sorted(m for m in set(sales[f]) | set(purchases[f]) if sales[f][m] or purchases[f][m])
        assert t.months == tuple(months), f
        assert t.sales == tuple(sales[f][m] for m in months), f
        assert t.purchases == tuple(purchases[f][m] for m in months), f


def _batch(bid: str, client: str) -> BatchInfo:
    return BatchInfo(bid, bid * 4, f"{bid}.csv", client, "canonical", started_at="2025-01-01T00:00:00")


def test_after_loading_the_sample(store: Store, tmp_path: Path) -> None:
    load_sample(store, tmp_path)
    assert_derived_consistent(store)
    assert len(store.all_pairs()) > 30


def test_two_observers_and_several_batches_in_one_transaction(store: Store) -> None:
    """Three batches written in one transaction, then finished together."""
    store.upsert_firms([Firm("A", is_client=True), Firm("B", is_client=True), Firm("C")])
    rows_a = [TradeRow("A", "B", "2025-04", "A", 1000, 2), TradeRow("A", "B", "2025-05", "A", 700, 1),
              TradeRow("C", "A", "2025-04", "A", 300, 1)]
    rows_b = [TradeRow("A", "B", "2025-04", "B", 900, 1), TradeRow("A", "B", "2025-06", "B", 50, 1)]
    rows_a2 = [TradeRow("A", "B", "2025-05", "A", 5, 1, alias="k2"), TradeRow("C", "A", "2025-07", "A", 10, 1)]
    load = LoadWrite(begun=[_batch("ba", "A"), _batch("bb", "B"), _batch("bc", "A")], chunks=[
        ChunkWrite("ba", 0, list(group_rows(rows_a).items())),
        ChunkWrite("bb", 0, list(group_rows(rows_b).items())),
        ChunkWrite("bc", 0, list(group_rows(rows_a2).items())),
    ])
    store.write_load(load)
    assert store.pairs_by_keys([("A", "B")]) == []  # merged when the batches finish
    pairs = {(s, b) for ch in load.chunks for (s, b, _, _), _ in ch.trades}
    done = [replace(b, status="done") for b in load.begun]
    store.finish_batches(done, pairs)
    assert {b.id: b.status for b in store.list_batches()} == {"ba": "done", "bb": "done", "bc": "done"}
    assert_derived_consistent(store)
    (pair,) = store.pairs_by_keys([("A", "B")])
    assert pair.months == ("2025-04", "2025-05", "2025-06")
    assert pair.amounts == (1000, 705, 50)  # larger observer per month; A's two spellings summed
    assert pair.observers == ("A;B", "A", "B")
    totals = store.firm_totals(["A"])["A"]
    assert dict(zip(totals.months, totals.sales, strict=True)) == {"2025-04": 1000, "2025-05": 705,
                                                                   "2025-06": 50, "2025-07": 0}
    before = store.counts()
    store.write_load(load)  # retried: every chunk is already done
    store.finish_batches(done, pairs)
    assert store.counts() == before
    assert_derived_consistent(store)
    store.rollback_batch("ba")
    assert_derived_consistent(store)
    (pair,) = store.pairs_by_keys([("A", "B")])
    assert pair.amounts == (900, 5, 50)


def test_reassigning_a_spelling_moves_pairs_and_totals(store: Store, tmp_path: Path) -> None:
    load_sample(store, tmp_path)
    alias = next(a for c in ("F0001", "F0002", "F0003") for a in store.aliases(c).values()
                 if not a.firm_id.startswith("F"))
    store.reassign_alias(replace(alias, firm_id="X-MERGED", status="accepted"))
    assert_derived_consistent(store)
    assert store.pairs_of("X-MERGED")
    store.reassign_alias(replace(alias, status="undone"))
    assert_derived_consistent(store)
    assert not store.pairs_of("X-MERGED")


def test_trend_and_ego_from_stored_pairs_equal_the_computation_from_monthly_edges(
        store: Store, tmp_path: Path) -> None:
    """What the API builds from merged pairs and firm totals equals what the
    graph functions compute from every monthly edge of the firm and its
    partners (the way the API read the store before)."""
    from api import analytics, service
    from graph.ego import ego_network
    from graph.trends import trend

    load_sample(store, tmp_path)
    for firm in ("F0001", "F0004", "F0007"):
        for window in ((None, None), ("2024-06", "2025-01")):
            first = store.trade_edges([firm], *window)
            partners = {f for e in first for f in (e.seller, e.buyer)} - {firm}
            edges = store.trade_edges(partners | {firm}, *window)
            expected = trend(firm, edges, "quarter", start=window[0], end=window[1]).to_dict()
            got = analytics.trend_of(store, firm, "quarter", *window)
            assert got.pop("months_left_out") is None  # every sample client's ledger ends in the same month
            for p in (*expected["partners"], *got["partners"]):
                p.pop("own_books")  # observed books vs being a client: see docs/data-model.md
            assert got == expected
            for hops in (1, 2):
                _, net, _ = service.ego(store, firm, hops, *window)
                assert net == ego_network(firm, first, edges, hops=hops), (firm, window, hops)
