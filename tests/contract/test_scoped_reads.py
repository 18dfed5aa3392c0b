"""The batched reads the scoped store relies on, and its per-request caches.

``Store.pair_observations`` (every observer's record of many pairs),
``Store.pairs_between`` (the pairs between two sets of firms),
``Store.pairs_with_bank`` (a set's pairs with a bank's consenting
firms), ``Store.observed_series`` and ``Store.observed_yen`` (one ledger's
record of many pairs), ``Store.ledger_totals`` (clients' own ledgers' totals kept after a
load), ``Store.spellings`` (how given ledgers spell given firms) and
``Store.unnamed_totals`` (many clients' lines without a counterparty) must
answer what the one-at-a-time reads answer, on both stores; and one
:class:`queries.scoped.ScopedStore` asked many things in a row (as a
dossier asks it: the firm's pairs, then its partners', then their totals)
must answer each exactly as a fresh one does — its caches save work, never
change an answer. The region is the access matrix's (``test_access_matrix``).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

import queries.scoped as scoped_module
from ingest.load import load_file
from ingest.readers.detect import read_ledger
from queries.access import Principal, Role
from queries.identity import ConsentEvent
from queries.model import Firm
from queries.scoped import PSEUDONYM_PREFIX, ScopedStore
from queries.series import ledger_totals_of
from queries.store import NotFound, Store
from tests.contract.test_access_matrix import C1, C2, C3, LEDGERS, MONTHS, N1, N2, N3, build_region

UNNAMED = ("unnamed_sales", "unnamed_purchases")


def test_pair_observations_are_each_observers_record(store: Store, tmp_path: Path) -> None:
    build_region(store, tmp_path / "region")
    keys = [(p.seller, p.buyer) for p in store.all_pairs()]
    expected = sorted((r for c in (C1, C2, C3) for r in store.own_ledger(c)[0]),
                      key=lambda r: (r.seller, r.buyer, r.month, r.observer))
    got = store.pair_observations(keys)
    assert got == expected
    # the flow C1 → C2 is recorded by both ledgers, each with its own figure
    assert [(r.observer, r.amount) for r in store.pair_observations([(C1, C2)]) if r.month == MONTHS[0]] == [
        (C1, 100_003), (C2, 130_011)]
    assert store.pair_observations([(C3, C1), ("nope", "none")]) == []
    assert store.pair_observations([]) == []


def test_pairs_between_are_the_pairs_with_one_end_in_each_set(store: Store, tmp_path: Path) -> None:
    build_region(store, tmp_path / "region")
    pairs = store.all_pairs()
    for ids, others in (([N1, N2, N3], [C1, C3]), ([C2], [C1, C3]), ([C1, C2], [C2, C3]), ([N1], [N2]),
                        ([], [C1]), ([C1], [])):
        expected = [p for p in pairs if (p.seller in ids and p.buyer in others)
                    or (p.buyer in ids and p.seller in others)]
        assert store.pairs_between(ids, others) == expected, (ids, others)
    # C2 sells to C3 and buys from C1: both, once each, with their series
    got = store.pairs_between([C2], [C1, C3, C2])
    assert [(p.seller, p.buyer) for p in got] == [(C1, C2), (C2, C3)]
    assert got == store.pairs_by_keys([(C1, C2), (C2, C3)])


def test_pairs_with_bank_are_the_pairs_with_its_consenting_firms(store: Store, tmp_path: Path) -> None:
    build_region(store, tmp_path / "region")
    pairs = store.all_pairs()
    consenting = {"B1": [C1, C3], "B2": [C2], "B9": []}
    for bank, firms in consenting.items():
        for ids in ([N1, N2, N3], [C2], [C1, C2, C3], [N2], []):
            assert store.pairs_with_bank(ids, bank) == store.pairs_between(ids, firms), (bank, ids)
    # the hidden C2's trade as B1 may see it: with C1 and C3, not with N2
    assert [(p.seller, p.buyer) for p in store.pairs_with_bank([C2], "B1")] == [(C1, C2), (C2, C3)]
    assert store.pairs_with_bank([C2], "B1") == [p for p in pairs if C2 in (p.seller, p.buyer)
                                                        and N2 not in (p.seller, p.buyer)]
    # a bank id is matched whole, never as a part of another's; no bank, no firm
    assert store.pairs_with_bank([C2], "B") == [] and store.pairs_with_bank([C2], "1") == []
    assert store.pairs_with_bank([C2], "") == []
    # a pair with both ends asked for and both consenting comes once
    store.change_consent([ConsentEvent(C1, "B2", "grant", "test")])
    assert [(p.seller, p.buyer) for p in store.pairs_with_bank([C1, C2], "B2")] == [(C1, C2)]
    assert store.pairs_with_bank([C1, C2], "B2") == store.pairs_between([C1, C2], [C1, C2])


def test_observed_series_and_yen_are_one_ledgers_record(store: Store, tmp_path: Path) -> None:
    build_region(store, tmp_path / "region")
    # the flow C1 → C2 is recorded by both ledgers, each with its own figure; C3 records none of it
    got = store.observed_series([(C1, C2, C1), (C1, C2, C2), (C1, C2, C3), (C2, N2, C2), ("nope", "none", C1)])
    assert sorted(got) == [(C1, C2, C1), (C1, C2, C2), (C2, N2, C2)]
    assert (got[(C1, C2, C1)].months, got[(C1, C2, C1)].amounts) == (MONTHS, (100_003,) * 3)
    assert got[(C1, C2, C2)].amounts == (130_011,) * 3 and got[(C2, N2, C2)].amounts == (777_001,) * 3
    assert all(sum(s.lines) >= 3 for s in got.values())
    # what pair_observations says of that ledger, month by month
    for (s, b, o), series in got.items():
        mine = [r for r in store.pair_observations([(s, b)]) if r.observer == o]
        assert series.months == tuple(r.month for r in mine) and series.amounts == tuple(r.amount for r in mine)
        assert series.lines == tuple(r.lines for r in mine)
    assert store.observed_yen([(C1, C2, C1), (C1, C2, C2), (C1, C2, C3), (C2, N2, C2)]) == {
        (C1, C2, C1): 3 * 100_003, (C1, C2, C2): 3 * 130_011, (C2, N2, C2): 3 * 777_001}
    assert store.observed_series([]) == {} and store.observed_yen([]) == {}
    assert store.client_ids() == {C1, C2, C3}


@pytest.mark.parametrize("series_at_most", [256, 0], ids=["series", "sums"])
def test_an_officer_weighs_what_the_bank_may_see(store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                 series_at_most: int) -> None:
    """What a bank's scope weighs of the pairs around firms (to rank a second
    hop, and an ego's partners) is what the pairs it sees sum to: the merged
    yen where both ends are visible or the hidden end keeps no ledger, the
    visible end's own record where the hidden end's ledger records the flow
    too, nothing where only the hidden end's ledger does — through every
    consent change (each one a new data version, read again); the visible
    end's record read as series (a few pairs) or as sums (many)."""
    monkeypatch.setattr(scoped_module, "_SERIES_AT_MOST", series_at_most)
    build_region(store, tmp_path / "region")
    everyone = [C1, C2, C3, N1, N2, N3]

    def weighed(ids: list[str], bank: str) -> dict[tuple[str, str], int]:
        scoped = ScopedStore(store, Principal("o", Role.CREDIT_OFFICER, bank))
        got = scoped.pair_amounts(ids)
        assert got == sorted(got)
        pairs = ScopedStore(store, Principal("o", Role.CREDIT_OFFICER, bank)).pairs_around(ids)
        assert got == [(p.seller, p.buyer, p.amount) for p in pairs], (bank, ids)  # what they sum to
        return {(s, b): yen for s, b, yen in got if not (s.startswith(PSEUDONYM_PREFIX)
                                                          or b.startswith(PSEUDONYM_PREFIX))}

    def amounts(ids: list[str], bank: str) -> list[int]:
        return sorted(yen for _, _, yen in ScopedStore(store, Principal("o", Role.CREDIT_OFFICER, bank))
                      .pair_amounts(ids))

    # B1 sees C1 and C3: C1's and C3's own figures where the hidden C2's ledger records the flow
    # too (C2 records 130,011 and 210,011 a month), the merged figure with the non-clients
    assert amounts(everyone, "B1") == sorted([3 * 100_003, 3 * 44_021, 3 * 200_017, 3 * 66_031])
    # B2 sees C2 only: its own figures, also its sale to N2 that no other ledger records
    assert amounts(everyone, "B2") == sorted([3 * 130_011, 3 * 210_011, 3 * 777_001])
    # only the pairs around the firms asked for (hidden ones are asked for by pseudonym only)
    assert amounts([C1], "B1") == sorted([3 * 100_003, 3 * 44_021])
    assert amounts([C3], "B1") == sorted([3 * 200_017, 3 * 66_031])
    assert amounts([C2], "B1") == [] and amounts([N1], "B1") == [] and amounts([], "B1") == []
    assert amounts(everyone, "B9") == [] and amounts(everyone, "B") == []
    # a visible firm whose own ledger never recorded the pair (N2 keeps none; only the hidden
    # C2's does): nothing to weigh
    store.change_consent([ConsentEvent(N2, "B3", "grant", "test")])
    assert amounts([N2], "B3") == []
    # both ends visible: the merged figure (the larger ledger's per month)
    store.change_consent([ConsentEvent(C2, "B1", "grant", "test")])
    assert weighed([C2], "B1") == {(C1, C2): 3 * 130_011, (C2, C3): 3 * 210_011}
    assert amounts([C2], "B1") == sorted([3 * 130_011, 3 * 210_011, 3 * 777_001])
    for bank in ("B1", "B2", "B3"):
        for ids in (everyone, [C1], [C2], [C3], [N1, N2, N3]):
            weighed(ids, bank)
    # revoked again: C2 hidden from B1 once more, on the next request
    store.change_consent([ConsentEvent(C2, "B1", "revoke", "test")])
    assert amounts(everyone, "B1") == sorted([3 * 100_003, 3 * 44_021, 3 * 200_017, 3 * 66_031])


def test_an_officers_second_hop_is_the_same_from_the_partner_lists(
        store: Store, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """A credit officer's two-hop network ranks its second hop from the
    first hop's partner lists when they are current, else from the pairs:
    the same answer either way, for every bank and firm; and from the lists
    the shown pairs are read where the lists hold them (Neo4j: by element
    id), never by the fallback that says to build the lists again."""
    from api import service

    if hasattr(store, "_stale_said"):  # a Neo4j store that said it lately would not say it again
        store._stale_said = float("-inf")
    build_region(store, tmp_path / "region")
    store.change_consent([ConsentEvent(N2, "B3", "grant", "test")])

    def networks() -> dict[tuple[str, str], Any]:
        out: dict[tuple[str, str], Any] = {}
        for bank in ("B1", "B2", "B3"):
            officer = Principal("o", Role.CREDIT_OFFICER, bank)
            for firm in (C1, C2, C3, N2):
                try:
                    _, net, named = service.ego(ScopedStore(store, officer), firm, 2, None, None, 4)
                except NotFound:
                    continue
                out[(bank, firm)] = (net, {k: (f.id, f.name) for k, f in named.items()})
        return out

    assert store.partner_lists([C1]) is None
    from_pairs = networks()
    store.prepare_reads()
    assert store.partner_lists([C1]) is not None
    assert networks() == from_pairs and len(from_pairs) == 4  # B1: C1, C3; B2: C2; B3: N2
    assert any(n.hop == 2 for net, _ in from_pairs.values() for n in net.nodes)
    assert "torihiki refresh" not in caplog.text


def test_an_officers_cut_lists_say_where_each_entry_was(store: Store, tmp_path: Path) -> None:
    """The first hop's partner lists cut to what a bank sees keep, for each
    entry, its place in the list as the store read it: the same partner
    there, with the yen the bank sees (the whole pair's, or the visible
    ledger's own record of it)."""
    build_region(store, tmp_path / "region")
    store.change_consent([ConsentEvent(N2, "B3", "grant", "test")])
    store.prepare_reads()
    firms = [C1, C2, C3, N1, N2, N3]
    lists = store.partner_lists(firms)
    assert lists is not None
    cut_any = False
    for bank in ("B1", "B2", "B3"):
        scoped = ScopedStore(store, Principal("o", Role.CREDIT_OFFICER, bank))
        cut, origin = scoped._bank_lists(lists)
        visible = scoped._view().visible
        assert len(cut) == len(origin) == len(lists)
        for (firm, sells, others, yen), (f2, s2, mine, amounts), at in zip(lists, cut, origin, strict=True):
            assert (firm, sells) == (f2, s2) and len(at) == len(mine) == len(amounts)
            assert [others[j] for j in at] == mine
            assert all(amounts[n] == yen[j] for n, j in enumerate(at) if firm in visible and others[j] in visible)
            cut_any = cut_any or len(mine) < len(others)
    assert cut_any  # some bank does not see some partner


def test_ledger_totals_are_kept_while_the_trade_does_not_change(store: Store, tmp_path: Path) -> None:
    build_region(store, tmp_path / "region")
    everyone = [C1, C2, C3, N1, N2, N3]
    officers = [Principal("o", Role.CREDIT_OFFICER, bank) for bank in ("B1", "B2")]
    computed = [ScopedStore(store, o).firm_totals(everyone) for o in officers]  # from the ledgers' observations
    assert store.ledger_totals([C1]) is None  # never kept
    version = store.data_version()
    sums = store.ledger_sums_of([C1, C2, C3])
    store.put_ledger_totals({c: ledger_totals_of(c, s) for c, s in sums.items()}, version)
    assert store.data_version() == version  # derived data: no new version
    kept = store.ledger_totals(everyone)
    assert kept is not None and sorted(kept) == [C1, C2, C3]
    assert kept[C2].months == MONTHS
    assert kept[C2].sales == (210_011 + 777_001 + 555_007,) * 3 and kept[C2].purchases == (130_011,) * 3
    assert kept[C3].sales == (0,) * 3 and kept[C3].purchases == (200_017 + 66_031,) * 3
    # an officer's totals from them are the same
    assert [ScopedStore(store, o).firm_totals(everyone) for o in officers] == computed
    # a consent change leaves them current
    store.change_consent([ConsentEvent(N2, "B3", "grant", "test")])
    assert store.ledger_totals([C1]) == {C1: kept[C1]}
    # a load does not: they go unused until kept again
    extra = tmp_path / "more.csv"
    extra.write_text("date,client_id,counterparty_name,counterparty_id,direction,amount\n"
                     f"2024-04-15,{C1},ニゴウブッサン,{C2},sale,5000\n", encoding="utf-8")
    load_file(store, extra, C1, fmt="canonical", reader=lambda p: read_ledger(p, "canonical"),
              rejects_dir=tmp_path / "rejects")
    assert store.ledger_totals([C1]) is None
    assert ScopedStore(store, officers[0]).firm_totals([C1])[C1].sales[-1] == 5000
    # kept again, for fewer clients: only those are kept
    store.put_ledger_totals({C1: ledger_totals_of(C1, store.ledger_sums(C1))}, store.data_version())
    again = store.ledger_totals(everyone)
    assert again is not None and list(again) == [C1] and again[C1].months[-1] == "2024-04"


def test_spellings_are_each_ledgers_names_of_each_firm(store: Store, tmp_path: Path) -> None:
    build_region(store, tmp_path / "region")
    expected = {(client, cp): [name] for client, lines in LEDGERS.items() for cp, name, _, _ in lines if cp}
    assert store.spellings(list(expected)) == expected
    assert store.spellings([(C3, C2), (C1, C2), (C1, N3), ("nope", C2), (C2, "nope")]) == {
        (C3, C2): ["ニゴウ物産"], (C1, C2): ["ニゴウブッサン"]}
    assert store.spellings([]) == {}
    # the same as reading the clients' whole alias tables
    whole = store.aliases_for([C1, C2, C3])
    assert {(c, a.firm_id): [a.raw_name] for c, aliases in whole.items() for a in aliases.values()} == expected
    # a ledger that spells a firm two ways: both, sorted
    first = whole[C1][next(k for k, a in whole[C1].items() if a.firm_id == C2)]
    store.upsert_aliases([replace(first, key=first.key + "-2", raw_name="ニゴウ")])
    assert store.spellings([(C1, C2)]) == {(C1, C2): sorted(["ニゴウ", "ニゴウブッサン"])}


def test_unnamed_totals_are_ledger_sums_of_many_clients(store: Store, tmp_path: Path) -> None:
    build_region(store, tmp_path / "region")
    firms = [C1, C2, C3, N1, "nope"]
    got = store.unnamed_totals(firms)
    assert got == {f: {k: store.ledger_sums(f).get(k, {}) for k in UNNAMED} for f in firms}
    assert got[C2]["unnamed_sales"] == dict.fromkeys(MONTHS, 555_007)
    assert got[C1] == {"unnamed_sales": {}, "unnamed_purchases": {}}
    assert store.unnamed_totals([]) == {}


def test_ledger_sums_of_many_clients_are_each_ones(store: Store, tmp_path: Path) -> None:
    build_region(store, tmp_path / "region")
    firms = [C1, C2, C3, N1, "nope"]
    got = store.ledger_sums_of([*firms, C1])
    assert list(got) == sorted(firms)
    assert got == {f: store.ledger_sums(f) for f in firms}
    assert got[C2]["unnamed_sales"] == dict.fromkeys(MONTHS, 555_007) and got[C1]["sales"]
    assert store.ledger_sums_of([]) == {}


def _reads(s: ScopedStore, firm: str) -> list[tuple[str, Any]]:
    """The reads a dossier makes, in its order, each with its answer."""
    out: list[tuple[str, Any]] = [("pairs_of", s.pairs_of(firm))]
    partners = sorted({f for p in out[0][1] for f in (p.seller, p.buyer)} - {firm})
    out.append(("get_firms", s.get_firms(partners)))
    out.append(("pair_amounts", s.pair_amounts(partners)))
    around = sorted({f for a, b, _ in out[-1][1] for f in (a, b)})
    out.append(("firm_totals", s.firm_totals(around)))
    out.append(("pairs_around", s.pairs_around([firm, *partners])))
    out.append(("pairs_among", s.pairs_among(around)))
    out.append(("pairs_by_keys", s.pairs_by_keys([(p.seller, p.buyer) for p in out[0][1]])))
    out.append(("trade_frame", s.trade_frame(None, None).to_dict("records")))
    out.append(("pairs_of again", s.pairs_of(firm)))
    out.append(("get_firms again", s.get_firms(partners)))
    return out


def test_one_scoped_store_answers_as_fresh_ones(store: Store, tmp_path: Path) -> None:
    build_region(store, tmp_path / "region")
    for bank, firm in (("B1", C3), ("B1", C1), ("B2", C2)):
        officer = Principal("o", Role.CREDIT_OFFICER, bank)
        shared = _reads(ScopedStore(store, officer), firm)
        assert shared[0][1], f"{bank} sees no trade of {firm}"
        # each read alone, through a new scoped store: the same answer
        assert shared[0][1] == ScopedStore(store, officer).pairs_of(firm)
        partners = sorted({f for p in shared[0][1] for f in (p.seller, p.buyer)} - {firm})
        named = ScopedStore(store, officer)  # partners are named as the ledgers read before spell them
        named.pairs_of(firm)
        assert shared[1][1] == named.get_firms(partners)
        assert shared[2][1] == ScopedStore(store, officer).pair_amounts(partners)
        around = sorted({f for a, b, _ in shared[2][1] for f in (a, b)})
        assert shared[3][1] == ScopedStore(store, officer).firm_totals(around)
        assert shared[4][1] == ScopedStore(store, officer).pairs_around([firm, *partners])
        assert shared[5][1] == ScopedStore(store, officer).pairs_among(around)
        assert shared[6][1] == ScopedStore(store, officer).pairs_by_keys([(p.seller, p.buyer) for p in shared[0][1]])
        assert shared[7][1] == ScopedStore(store, officer).trade_frame(None, None).to_dict("records")
        assert shared[8][1] == shared[0][1]
        # the same partners (a pseudonymous one may now be spelled as another ledger read since spells it)
        assert shared[9][1].keys() == shared[1][1].keys()

    # what B1's officer sees of C3: C2's flow with C3's own figure, N3 under a pseudonym, by its spelling
    s = ScopedStore(store, Principal("o", Role.CREDIT_OFFICER, "B1"))
    pairs = s.pairs_of(C3)
    assert sorted(p.amounts for p in pairs) == [(66_031,) * 3, (200_017,) * 3]
    assert all(p.seller.startswith(PSEUDONYM_PREFIX) and p.buyer == C3 for p in pairs)
    names = s.get_firms([p.seller for p in pairs])
    assert sorted(f.name or "" for f in names.values()) == ["ナンヨウシザイ", "ニゴウ物産"]
    assert not {C2, N1, N2, N3} & {f for p in s.pairs_around([C1, C3]) for f in (p.seller, p.buyer)}
    totals = s.firm_totals([C3])[C3]
    assert totals.purchases == (266_048,) * 3 and totals.sales == (0,) * 3
    # the same through a new scoped store (stored totals corrected where the hidden C2's ledger
    # records the flow too: C3's 200,017, not the merged 210,011), and C1's sales with its own 100,003
    fresh = ScopedStore(store, Principal("o", Role.CREDIT_OFFICER, "B1")).firm_totals([C1, C3])
    assert fresh[C3] == totals
    assert fresh[C1].sales == (144_024,) * 3 and fresh[C1].purchases == (0,) * 3
    assert store.firm_totals([C3])[C3].purchases == (276_042,) * 3  # the operator's merged figure


def test_what_a_scope_remembers_across_requests_follows_the_next_load(store: Store, tmp_path: Path) -> None:
    """What a bank's scope reads that no bank changes — one ledger's record
    of a pair whose other end's ledger records it too, a ledger's spelling
    of a hidden partner — is remembered for the next requests
    (:mod:`queries.version_memo`) and read again after a load changes it."""
    build_region(store, tmp_path / "region")
    officer = Principal("o", Role.CREDIT_OFFICER, "B1")

    def seen() -> list[tuple[str | None, tuple[str, ...], tuple[int, ...]]]:
        s = ScopedStore(store, officer)  # a request
        pairs = s.pairs_of(C3)
        names = s.get_firms([p.seller for p in pairs])
        return sorted((names[p.seller].name, p.months, p.amounts) for p in pairs)

    before = seen()
    # C2's sale to C3 with C3's own figure (C2's ledger says 210,011), N3 as C3's ledger spells it
    assert before == [("ナンヨウシザイ", MONTHS, (66_031,) * 3), ("ニゴウ物産", MONTHS, (200_017,) * 3)]
    assert seen() == before  # the next request, from what the first remembered
    # C3's ledger of April: C2 spelled another way, a purchase no other ledger records
    april = tmp_path / "c3-april.csv"
    april.write_text("date,client_id,counterparty_name,counterparty_id,direction,amount\n"
                     f"2024-04-15,{C3},アニゴウ,{C2},purchase,5\n", encoding="utf-8")
    load_file(store, april, C3, fmt="canonical", reader=lambda p: read_ledger(p, "canonical"),
              rejects_dir=tmp_path / "rejects")
    assert seen() == [("アニゴウ", (*MONTHS, "2024-04"), (200_017,) * 3 + (5,)),
                      ("ナンヨウシザイ", MONTHS, (66_031,) * 3)]


def test_firms_remembered_at_a_requests_version_follow_the_next_write(store: Store, tmp_path: Path) -> None:
    """A request that read the data version with its token (as the API's
    do) names firms from what earlier requests read at that version
    (:mod:`queries.version_memo`); a firm master or a consent change moves
    the version, and the next request sees them."""
    build_region(store, tmp_path / "region")

    def request(principal: Principal) -> ScopedStore:
        return ScopedStore(store, principal, store.data_version())

    analyst, officer = Principal("a", Role.ANALYST), Principal("o", Role.CREDIT_OFFICER, "B2")
    assert request(analyst).get_firms([C1, C2])[C2].name == "株式会社二号物産"
    assert request(officer).get_firm(C2) is not None and request(officer).get_firm(C1) is None
    store.upsert_firms([Firm(C2, name="二号物産株式会社")])
    assert request(analyst).get_firm(C2).name == "二号物産株式会社"  # type: ignore[union-attr]
    assert request(officer).get_firms([C2])[C2].name == "二号物産株式会社"
    store.change_consent([ConsentEvent(C2, "B2", "revoke", "test")])
    assert request(officer).get_firm(C2) is None
    assert request(officer).get_firms([C2]) == {}
