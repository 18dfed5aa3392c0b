"""The store contract: every test runs unchanged against the embedded store
and the real Neo4j, and both must answer the same."""

from __future__ import annotations

from pathlib import Path

import pytest

from domain.second_hop import Partners
from ingest.load import load_file
from ingest.readers.detect import read_ledger
from queries.identity import GRANT, REVOKE, ConsentEvent
from queries.model import BatchInfo, Firm, PaymentRow, TradeRow
from queries.store import BatchLoading, NotFound, Store

SAMPLE = Path(__file__).resolve().parents[2] / "sample"


def _batch(bid: str = "b1") -> BatchInfo:
    return BatchInfo(bid, bid * 4, "f.csv", "A", "canonical", started_at="2025-01-01T00:00:00")


def test_schema_is_idempotent(store: Store) -> None:
    store.ensure_schema()
    store.ensure_schema()
    assert store.ping()


def test_upsert_keeps_known_fields_and_client_flag(store: Store) -> None:
    store.upsert_firms([Firm("A", name="株式会社A", corporate_number="7123456789012", industry="E",
                             prefecture="鳥取県", is_client=True, consented_banks=("bank:x",))])
    store.upsert_firms([Firm("A", name=None, industry="I", is_client=False)])
    a = store.get_firm("A")
    assert a == Firm("A", "株式会社A", "7123456789012", "I", "鳥取県", True, ("bank:x",))
    assert store.firm_by_corporate_number("7123456789012") == a
    assert store.firm_by_corporate_number("1000013050238") is None
    assert store.get_firm("missing") is None


def test_search_is_paginated_and_case_insensitive(store: Store) -> None:
    store.upsert_firms([Firm(f"F{i:02d}", name=f"Yamada {i}") for i in range(12)] + [Firm("X1", name="other")])
    page, total = store.search_firms("yamada", limit=5, offset=5)
    assert total == 12
    assert [f.id for f in page] == ["F05", "F06", "F07", "F08", "F09"]
    by_id, n = store.search_firms("x1", 10, 0)
    assert n == 1 and by_id[0].name == "other"
    # an id typed full-width, or with spaces around it (a copy from a PDF or a form)
    for typed in ("Ｘ１", " X1 ", "\u3000x1"):
        found, n = store.search_firms(typed, 10, 0)
        assert n == 1 and found[0].id == "X1", typed
    assert store.search_firms("   ", 10, 0)[1] == store.search_firms("", 10, 0)[1] == 13  # no query: every firm
    store.upsert_firms([Firm("F09", name="Yamada 9", is_client=True)])  # clients first, then by id
    assert [f.id for f in store.search_firms("yamada", 3, 0)[0]] == ["F09", "F00", "F01"]
    assert store.get_firms(["F01", "nope"]).keys() == {"F01"}


def test_chunks_are_idempotent_and_recorded(store: Store) -> None:
    store.upsert_firms([Firm("A", is_client=True), Firm("B"), Firm("C")])
    store.begin_batch(_batch())
    rows = [TradeRow("A", "B", "2025-04", "A", 1000, 2), TradeRow("C", "A", "2025-05", "A", 500, 1)]
    store.write_chunk("b1", 0, rows, [PaymentRow("B", "A", "2025-05", "A", 1000, 1)])
    store.write_chunk("b1", 0, rows, [PaymentRow("B", "A", "2025-05", "A", 1000, 1)])  # retried
    assert store.chunks_done("b1") == {0}
    counts = store.counts()
    assert (counts["trades"], counts["payments"]) == (2, 1)
    edges = store.trade_edges(["A"], None, None)
    assert [(e.seller, e.buyer, e.month, e.amount, e.lines) for e in edges] == [
        ("A", "B", "2025-04", 1000, 2), ("C", "A", "2025-05", 500, 1)]
    assert store.payments(["B"], "2025-05", "2025-05") == [PaymentRow("B", "A", "2025-05", "A", 1000, 1)]


def test_two_observers_of_one_flow_are_not_double_counted(store: Store) -> None:
    store.upsert_firms([Firm("A", is_client=True), Firm("B", is_client=True)])
    store.begin_batch(_batch("ba"))
    store.begin_batch(_batch("bb"))
    store.write_chunk("ba", 0, [TradeRow("A", "B", "2025-04", "A", 1000, 1)], [])
    store.write_chunk("bb", 0, [TradeRow("A", "B", "2025-04", "B", 900, 1)], [])
    (edge,) = store.trade_edges(["B"], "2025-04", "2025-04")
    assert (edge.amount, edge.observers) == (1000, ("A", "B"))
    assert store.trade_edges(["B"], "2025-05", None) == []


def test_rollback_removes_batch_and_its_orphan_firms(store: Store) -> None:
    store.upsert_firms([Firm("A", is_client=True)])
    store.begin_batch(_batch())
    store.upsert_firms([Firm("B", name="new")], batch_id="b1")
    store.write_chunk("b1", 0, [TradeRow("A", "B", "2025-04", "A", 1000, 1)], [])
    store.finish_batch(BatchInfo("b1", "b1b1b1b1", "f.csv", "A", "canonical", status="done", rows_read=1,
                                 rows_loaded=1, started_at="2025-01-01T00:00:00"))
    (listed,) = store.list_batches()
    assert (listed.status, listed.rows_loaded) == ("done", 1)
    deleted = store.rollback_batch("b1")
    assert deleted["trades"] == 1 and deleted["firms"] == 1
    assert store.get_firm("B") is None and store.get_firm("A") is not None
    assert store.list_batches() == []
    with pytest.raises(NotFound):
        store.rollback_batch("b1")


def test_a_batch_still_loading_is_not_rolled_back(store: Store) -> None:
    """A load still writing would write on after a rollback, and what it
    wrote then could no longer be removed: a batch marked ``loading`` is
    refused, unless the caller says its load was interrupted."""
    store.upsert_firms([Firm("A", is_client=True)])
    store.begin_batch(_batch())
    store.upsert_firms([Firm("B", name="new")], batch_id="b1")
    store.write_chunk("b1", 0, [TradeRow("A", "B", "2025-04", "A", 1000, 1)], [])
    with pytest.raises(BatchLoading):
        store.rollback_batch("b1")
    assert store.get_batch("b1") is not None and store.get_firm("B") is not None  # nothing removed
    deleted = store.rollback_batch("b1", interrupted=True)
    assert deleted["trades"] == 1 and store.get_batch("b1") is None


def load_sample(store: Store, rejects: Path) -> None:
    for path in sorted((SAMPLE / "ledgers").glob("*.csv")):
        load_file(store, path, None, fmt="canonical", reader=lambda p: read_ledger(p, "canonical"),
                  rejects_dir=rejects)


def test_sample_loads_once_and_twice_changes_nothing(store: Store, tmp_path: Path) -> None:
    load_sample(store, tmp_path)
    before, version = store.counts(), store.data_version()
    load_sample(store, tmp_path)
    assert store.counts() == before
    # nothing written: the data version stays, so the answers stored at load time still serve
    assert store.data_version() == version
    assert before["batches"] == 8
    assert all(b.status == "done" for b in store.list_batches())


def test_one_corporate_number_one_firm_and_errors_are_store_errors(store: Store) -> None:
    """法人番号 is unique in both stores, and the violation surfaces as the
    store's own error (not sqlite3's or the driver's)."""
    from queries.store import StoreError

    store.upsert_firms([Firm("A", name="株式会社A", corporate_number="7123456789012")])
    with pytest.raises(StoreError):
        store.upsert_firms([Firm("B", name="株式会社B", corporate_number="7123456789012")])
    assert store.get_firm("B") is None
    assert store.firm_by_corporate_number("7123456789012") == store.get_firm("A")


def test_rollback_counts_only_its_own_rows_while_another_load_runs(store: Store, tmp_path: Path) -> None:
    """What a rollback reports is what it deleted, whatever else is written meanwhile."""
    import threading

    from queries.model import ChunkWrite, LoadWrite
    from queries.series import group_rows

    store.upsert_firms([Firm("A", is_client=True), Firm("B"), Firm("C", is_client=True), Firm("D")])
    store.begin_batch(_batch("old"))
    store.write_chunk("old", 0, [TradeRow("A", "B", f"2025-{m:02d}", "A", 100, 1) for m in range(1, 13)]
                      + [TradeRow("B", "A", "2025-01", "A", 5, 1)], [PaymentRow("B", "A", "2025-02", "A", 9, 1)])
    rows = [TradeRow("C", "D", "2025-01", "C", 1, 1, alias=f"k{i}") for i in range(300)]

    def other_load() -> None:
        for n in range(10):
            store.write_load(LoadWrite(begun=[_batch(f"new{n}")], chunks=[
                ChunkWrite(f"new{n}", 0, list(group_rows(rows[n * 30:(n + 1) * 30]).items()))]))

    t = threading.Thread(target=other_load)
    t.start()
    deleted = store.rollback_batch("old", interrupted=True)  # its own load is not running (never finished)
    t.join()
    assert (deleted["trades"], deleted["payments"]) == (2, 1)
    assert store.counts()["trades"] == 300


def test_parameters_of_some_firms_equal_theirs_among_all(store: Store) -> None:
    from queries.model import ParameterRow

    store.upsert_parameters([
        ParameterRow("F2", "FY2024", (("equity_ratio", 0.3), ("roa", 0.01))),
        ParameterRow("F1", "FY2024", (("roa", -0.02),)),
        ParameterRow("F1", "FY2023", (("roa", 0.05),)),
        ParameterRow("F3", "2024-03", (("ar_turnover_days", 45.0),)),
    ])
    every = store.parameters()
    assert store.parameters_of(["F1", "F3", "F9"]) == [r for r in every if r.firm_id in ("F1", "F3")]
    assert [(r.firm_id, r.period) for r in store.parameters_of(["F1"])] == [("F1", "FY2023"), ("F1", "FY2024")]
    assert store.parameters_of([]) == []


def test_analytics_entries_written_many_at_once_read_back_alike(store: Store) -> None:
    """``put_analytics_many`` stores each entry as ``put_analytics`` would,
    replaces entries of the same name, and does not move the data version."""
    version = store.data_version()
    store.put_analytics("response:a", b"old", version, "2026-12-01T00:00:00+00:00")
    entries = [(f"response:{i}", bytes([i % 256]) * (i + 1)) for i in range(3)] + [("response:a", b"\x00new")]
    store.put_analytics_many(entries, version, "2026-12-02T00:00:00+00:00")
    assert store.data_version() == version
    for name, payload in entries:
        assert store.get_analytics(name) == (version, "2026-12-02T00:00:00+00:00", payload)
    store.put_analytics_many([], version, "2026-12-02T00:00:00+00:00")  # nothing to write: no error


def test_second_hop_ranking_agrees_with_the_ranking_over_pair_amounts(store: Store, tmp_path: Path) -> None:
    """The store ranks an ego's second hop where the pairs are; the answer is
    the one ``domain.second_hop`` computes in Python from the pairs' yen
    (absolute, both ways), most first, ties by id, cut at ``limit``."""
    from domain.second_hop import second_hop_weights, top_by_weight

    load_sample(store, tmp_path)
    checked = 0
    for firm in sorted(f.id for f in store.all_firms()):
        first = sorted({x for s, b, _ in store.pair_amounts([firm]) for x in (s, b)} - {firm})
        keep = {firm, *first}
        weight = second_hop_weights(keep, set(first), store.pair_amounts(first))
        for limit in (1, 3, 1000):
            expected = [(f, weight[f]) for f in top_by_weight(weight, limit)]
            assert store.second_hop_ranking(first, keep, limit) == expected
        checked += bool(weight)
    assert checked >= 3  # firms with a second hop were ranked
    assert store.second_hop_ranking([], {"X"}, 5) == [] and store.second_hop_ranking(["A"], {"A"}, 0) == []


def _second_hops_agree(store: Store) -> int:
    """Check every firm's second hop against the two reads it stands for;
    how many checks had both a ranking and pairs."""
    checked = 0
    for firm in sorted(f.id for f in store.all_firms()):
        first = sorted({x for s, b, _ in store.pair_amounts([firm]) for x in (s, b)} - {firm})
        for keep in ({firm, *first}, {firm, *first[:1]}, set(first)):
            for room in (0, 1, 2, 1000):
                ranking = store.second_hop_ranking(first, keep, room + 1)
                shown = keep | {f for f, _ in ranking[:room]}
                expected = store.pairs_between(shown, first) if first else []
                assert store.second_hop(first, keep, room) == (ranking, expected)
                checked += bool(ranking) and bool(expected)
    return checked


def test_second_hop_is_the_ranking_with_the_pairs_it_shows(store: Store, tmp_path: Path) -> None:
    """``second_hop`` (from the partner lists once ``prepare_reads`` has
    built them; before, one read on Neo4j and two on the embedded store)
    answers what its two reads do: the ranking cut at ``room + 1``, and
    every pair between the first hop and the firms shown (the kept ones,
    the first ``room`` ranked), with its series — for a first hop of one
    firm and of several, rooms from none to all, keep sets with and without
    the first hop's neighbours."""
    load_sample(store, tmp_path)
    assert _second_hops_agree(store) >= 10
    version = store.data_version()
    store.prepare_reads()
    assert store.data_version() == version  # derived data: caches keyed on the version stay valid
    assert _second_hops_agree(store) >= 10
    assert store.second_hop([], {"X"}, 5) == ([], [])


def test_second_hop_follows_a_load_after_prepare_reads(store: Store, tmp_path: Path) -> None:
    """What ``prepare_reads`` built for one data version is not used once a
    load has changed the pairs: the second hop still answers from the data."""
    files = sorted((SAMPLE / "ledgers").glob("*.csv"))
    half = len(files) // 2
    for path in files[:half]:
        load_file(store, path, None, fmt="canonical", reader=lambda p: read_ledger(p, "canonical"),
                  rejects_dir=tmp_path)
    store.prepare_reads()
    before = {f.id: store.pair_amounts([f.id]) for f in store.all_firms()}
    for path in files[half:]:
        load_file(store, path, None, fmt="canonical", reader=lambda p: read_ledger(p, "canonical"),
                  rejects_dir=tmp_path)
    assert any(store.pair_amounts([firm]) != amounts for firm, amounts in before.items())
    assert _second_hops_agree(store) >= 10


def _hub_and_partners(store: Store) -> tuple[str, list[str]]:
    """The firm with the most pairs, and its partners (a second hop's first hop)."""
    firm = max((f.id for f in store.all_firms()), key=lambda f: len(store.pair_amounts([f])))
    return firm, sorted({x for s, b, _ in store.pair_amounts([firm]) for x in (s, b)} - {firm})


def _lists_in_use(store: Store, first: list[str]) -> bool:
    """Whether a second hop of ``first`` would rank from the partner lists
    (the check ``second_hop`` makes)."""
    return store.partner_lists(first) is not None


def test_partner_lists_outlast_a_consent_change_not_a_load(store: Store, tmp_path: Path) -> None:
    """A consent change moves the data version and leaves the trade version
    (``Store.trade_version``) and with it the partner lists built before it
    in use; the next write to the trade data stops them, as a load does."""
    load_sample(store, tmp_path)
    assert store.trade_version() == store.data_version()
    firm, first = _hub_and_partners(store)
    assert not _lists_in_use(store, first)
    store.prepare_reads()
    assert _lists_in_use(store, first)
    data, trades = store.data_version(), store.trade_version()
    store.change_consent([ConsentEvent(firm, "B1", GRANT, "ann", "2025-01-01T00:00:00+00:00")])
    assert store.data_version() > data and store.trade_version() == trades
    assert _lists_in_use(store, first) and _second_hops_agree(store) >= 10
    store.upsert_firms([Firm("NEW", name="新しい会社")])
    assert store.trade_version() == store.data_version() > data
    assert not _lists_in_use(store, first) and _second_hops_agree(store) >= 10


def test_each_banks_consent_version_is_the_data_version_of_its_last_change(store: Store, tmp_path: Path) -> None:
    """``consent_version(bank)``: the data version the bank's last grant or
    revocation committed at; 0 before any; unchanged by another bank's
    changes, by a change that changes nothing, and by trade writes."""
    load_sample(store, tmp_path)
    firm, _ = _hub_and_partners(store)
    assert store.consent_version("B1") == store.consent_version("B2") == 0
    store.change_consent([ConsentEvent(firm, "B1", GRANT, "ann", "2025-01-01T00:00:00+00:00")])
    b1 = store.data_version()
    assert store.consent_version("B1") == b1 and store.consent_version("B2") == 0
    store.change_consent([ConsentEvent(firm, "B1", GRANT, "ann", "2025-01-01T00:00:01+00:00")])  # no change
    store.upsert_firms([Firm("NEW", name="新しい会社")])
    assert store.consent_version("B1") == b1
    store.change_consent([ConsentEvent(firm, "B2", GRANT, "bob", "2025-01-02T00:00:00+00:00"),
                          ConsentEvent(firm, "B1", REVOKE, "bob", "2025-01-02T00:00:00+00:00")])
    both = store.data_version()
    assert both > b1 and store.consent_version("B1") == store.consent_version("B2") == both
    assert store.consent_version("B3") == 0


def test_a_store_written_before_the_trade_version_reads_its_data_version(store: Store, tmp_path: Path) -> None:
    """A store whose writes never set a trade version (written by an
    earlier torihiki) answers its data version as one — its partner lists
    and stored answers count as built before any consent change. On Neo4j
    ``ensure_schema`` writes that value down, without a new data version: a
    read naming a property the database has never held gets an "unknown
    property" notice from the server, which the driver logs on every
    request."""
    from queries.embedded_store import EmbeddedStore
    from queries.neo4j_store import Neo4jStore

    load_sample(store, tmp_path)
    store.prepare_reads()
    firm, first = _hub_and_partners(store)
    store.change_consent([ConsentEvent(firm, "B1", GRANT, "ann", "2025-01-01T00:00:00+00:00")])
    if isinstance(store, Neo4jStore):
        store.driver.execute_query("MATCH (m:Meta {key: 'data'}) REMOVE m.trade_version", database_=store.database)
    else:
        assert isinstance(store, EmbeddedStore)
        with store._tx(bump=False) as c:
            c.execute("DELETE FROM meta WHERE key = 'trade_version'")
    version = store.data_version()
    assert store.trade_version() == version
    assert not _lists_in_use(store, first)  # built before the consent change: not known to be current
    store.ensure_schema()
    assert store.data_version() == store.trade_version() == version
    if isinstance(store, Neo4jStore):
        held = store.driver.execute_query("MATCH (m:Meta {key: 'data'}) RETURN m.trade_version AS v",
                                          database_=store.database).records
        assert [r["v"] for r in held] == [version]
    store.change_consent([ConsentEvent(firm, "B1", REVOKE, "ann", "2025-01-02T00:00:00+00:00")])
    assert store.trade_version() == version < store.data_version()


@pytest.mark.neo4j
def test_neo4j_second_hop_reads_again_a_pair_gone_between_its_two_reads(
        neo4j_store: Store, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """Neo4j reads the pairs a two-hop ego shows by the element ids its
    partner lists hold. A pair deleted after the lists were read (here:
    deleted without a new data version, as a load landing between the two
    reads, or a relationship written again outside torihiki, would look)
    is noticed, and the second hop is read again from the relationships
    themselves; the log says so, and how to build the lists again."""
    from queries.neo4j_store import Neo4jStore

    assert isinstance(neo4j_store, Neo4jStore)
    load_sample(neo4j_store, tmp_path)
    neo4j_store.prepare_reads()
    firm, first = _hub_and_partners(neo4j_store)
    top = neo4j_store.second_hop_ranking(first, {firm, *first}, 1)[0][0]
    gone = neo4j_store.pairs_between([top], first)[0]  # the lists rank ``top`` first by its yen with it
    seller, buyer = gone.seller, gone.buyer
    neo4j_store.driver.execute_query(
        "MATCH (:Firm {id: $s})-[m:TRADES_WITH]->(:Firm {id: $b}) DELETE m", s=seller, b=buyer,
        database_=neo4j_store.database)
    assert neo4j_store._partner_lists(first) is not None  # the lists still hold the pair
    neo4j_store._stale_said = float("-inf")  # as a process that has not said it yet
    ranking = neo4j_store.second_hop_ranking(first, {firm, *first}, 3)
    shown = {firm, *first} | {f for f, _ in ranking[:2]}
    assert neo4j_store.second_hop(first, {firm, *first}, 2) == (ranking, neo4j_store.pairs_between(shown, first))
    assert all((p.seller, p.buyer) != (seller, buyer) for p in neo4j_store.second_hop(first, {firm, *first}, 2)[1])
    assert "torihiki refresh" in caplog.text


def _listed_around_hub(store: Store, tmp_path: Path) -> tuple[list[Partners], dict[tuple[str, str], tuple[int, int]]]:
    """The sample loaded, its lists built; the hub's partners' partner lists
    and where in them sit the pairs between the hub's partners and the hub
    or each other (``shown_pairs``)."""
    from domain.second_hop import shown_pairs

    load_sample(store, tmp_path)
    store.prepare_reads()
    firm, first = _hub_and_partners(store)
    lists = store.partner_lists(first)
    assert lists is not None
    return lists, shown_pairs(lists, {firm, *first})


def test_listed_pairs_are_the_pairs_of_their_keys(store: Store, tmp_path: Path) -> None:
    """``listed_pairs`` reads the pairs at their places in the partner lists
    (Neo4j: by the element ids the lists hold): the pairs ``pairs_by_keys``
    reads for the same keys — for every shown pair, for a part of them
    (positions in the lists as read, whatever the caller kept), and for
    none."""
    lists, at = _listed_around_hub(store, tmp_path)
    assert len(at) > 3
    assert store.listed_pairs(lists, at) == store.pairs_by_keys(at.keys())
    some = dict(sorted(at.items())[::2])
    assert store.listed_pairs(lists, some) == store.pairs_by_keys(some.keys())
    assert store.listed_pairs(list(lists), some) == store.pairs_by_keys(some.keys())  # a copy: read by key
    assert store.listed_pairs(lists, {}) == []


@pytest.mark.neo4j
def test_neo4j_listed_pairs_written_again_are_read_by_key(
        neo4j_store: Store, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """A pair written again after its partner list was read (a new element
    id, the same data version: a relationship copied outside torihiki) is
    read by its key instead, the same pair; the log says how to build the
    lists again."""
    from queries.neo4j_store import Neo4jStore

    assert isinstance(neo4j_store, Neo4jStore)
    lists, at = _listed_around_hub(neo4j_store, tmp_path)
    before = neo4j_store.pairs_by_keys(at.keys())
    seller, buyer = sorted(at)[0]
    neo4j_store.driver.execute_query(
        "MATCH (s:Firm {id: $s})-[m:TRADES_WITH]->(b:Firm {id: $b}) "
        "CREATE (s)-[n:TRADES_WITH]->(b) SET n = properties(m) DELETE m", s=seller, b=buyer,
        database_=neo4j_store.database)
    neo4j_store._stale_said = float("-inf")  # as a process that has not said it yet
    assert neo4j_store.listed_pairs(lists, at) == before
    assert "torihiki refresh" in caplog.text


@pytest.mark.neo4j
def test_neo4j_pairs_stored_as_four_arrays_are_rewritten_once(neo4j_store: Store, tmp_path: Path) -> None:
    """A store written before a pair's series was one byte array (four
    array properties per merged pair) is rewritten at ``ensure_schema`` and
    answers as before, without a new data version."""
    from queries.neo4j_store import Neo4jStore

    assert isinstance(neo4j_store, Neo4jStore)
    load_sample(neo4j_store, tmp_path)
    pairs = neo4j_store.all_pairs()
    version = neo4j_store.data_version()
    db = neo4j_store.database
    neo4j_store.driver.execute_query(
        "UNWIND $rows AS row MATCH (:Firm {id: row.s})-[m:TRADES_WITH]->(:Firm {id: row.b}) "
        "SET m.months = row.months, m.amounts = row.amounts, m.lines = row.lines, m.observers = row.observers "
        "REMOVE m.series",
        rows=[{"s": p.seller, "b": p.buyer, "months": list(p.months), "amounts": list(p.amounts),
               "lines": list(p.lines), "observers": list(p.observers)} for p in pairs], database_=db)
    neo4j_store.driver.execute_query("MATCH (m:Meta {key: 'pair_series'}) DELETE m", database_=db)
    neo4j_store.ensure_schema()
    assert neo4j_store.all_pairs() == pairs and len(pairs) > 10
    assert neo4j_store.data_version() == version
    left = neo4j_store.driver.execute_query(
        "MATCH ()-[m:TRADES_WITH]->() WHERE m.series IS NULL OR m.months IS NOT NULL RETURN count(m) AS n",
        database_=db).records[0]["n"]
    assert left == 0
