"""One name per firm, on both stores: the display name after loads, imports
and review decisions, and `firms search` by any spelling."""

from __future__ import annotations

import csv
import sqlite3
from pathlib import Path

import pytest

from api.service import ingest_file
from ingest.corporate_number import check_digit
from ingest.firm_names import refresh_display_names
from ingest.imports import import_firms
from ingest.load import Loader, LoadJob, LoadSummary
from queries.access import Principal, Role
from queries.embedded_store import DB_FILENAME, EmbeddedStore
from queries.model import Alias, Firm, RegistryRecord
from queries.scoped import ScopedStore
from queries.store import Store


def cn(base: int) -> str:
    b = f"{base:012d}"
    return f"{check_digit(b)}{b}"


YAMADA = cn(280009000001)


def _ledger(path: Path, rows: list[tuple[str, str]]) -> Path:
    """A canonical ledger: one sale per (counterparty as written, 法人番号)."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["date", "counterparty_name", "direction", "amount", "corporate_number"])
        for i, (name, number) in enumerate(rows):
            w.writerow([f"2025-0{1 + i % 9}-15", name, "sale", 10_000 + i, number])
    return path


def _ids(store: Store, q: str) -> list[str]:
    firms, total = store.search_firms(q, 50, 0)
    assert total == len(firms)
    return [f.id for f in firms]


def test_kana_first_then_kanji_shows_the_kanji_name_and_every_spelling_finds_it(
        store: Store, tmp_path: Path) -> None:
    # A bank statement's kana comes first, the journal's kanji later (another run).
    ingest_file(store, _ledger(tmp_path / "bank.csv", [("ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ", YAMADA)]), "A", "canonical",
                tmp_path / "rejects")
    firm = store.firm_by_corporate_number(YAMADA)
    assert firm is not None and firm.name == "ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ"
    ingest_file(store, _ledger(tmp_path / "journal.csv", [("山田商事株式会社", YAMADA), ("東洋精機(株)", "")]),
                "B", "canonical", tmp_path / "rejects")
    firm = store.firm_by_corporate_number(YAMADA)
    assert firm is not None and firm.name == "山田商事株式会社"
    assert {a.raw_name for a in store.aliases("A").values()} == {"ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ"}  # every spelling stays
    for q in ("ﾔﾏﾀﾞ", "ヤマダ", "やまだ", "山田", "ヤマダショウジ", "株式会社山田商事", "(株)山田", YAMADA[3:9],
              firm.id.lower()):
        assert _ids(store, q) == [firm.id], q
    assert _ids(store, "トウヨウ") == []  # a kanji name without a reading is found by kanji only
    toyo = _ids(store, "東洋精機")
    assert len(toyo) == 1 and store.get_firms(toyo)[toyo[0]].name == "東洋精機(株)"
    assert _ids(store, "") == sorted(f.id for f in store.all_firms())


def test_a_load_of_many_files_writes_the_display_names_after_its_spellings(
        store: Store, tmp_path: Path) -> None:
    """One run of several files (parsing workers and the writer, as for a
    region): the names are worked out while the writer finishes the last
    batches and written by it; the firms end with the names that loading the
    files one run at a time gives them (the test above), and a refresh
    after the load changes none."""
    jobs = [LoadJob(_ledger(tmp_path / "a.csv", [("ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ", YAMADA)]), "A", "canonical"),
            LoadJob(_ledger(tmp_path / "b.csv", [("山田商事株式会社", YAMADA), ("東洋精機(株)", "")]), "B",
                    "canonical"),
            LoadJob(_ledger(tmp_path / "c.csv", [("ﾄｳﾖｳｾｲｷ(ｶ", "")]), "C", "canonical")]
    loader = Loader(store, tmp_path / "rejects", workers=2, progress=False, tx_rows=1)  # a group per file
    outcomes = [outcome for _, outcome in loader.load(jobs)]
    assert [o.status for o in outcomes if isinstance(o, LoadSummary)] == ["loaded"] * 3, outcomes
    assert loader.times.names > 0
    firm = store.firm_by_corporate_number(YAMADA)
    assert firm is not None and firm.name == "山田商事株式会社"
    toyo = _ids(store, "東洋精機")
    assert len(toyo) == 1 and store.get_firms(toyo)[toyo[0]].name == "東洋精機(株)"
    named = [f.id for f in store.all_firms()]
    assert refresh_display_names(store, named) == {}  # nothing left to rename


def test_a_registry_number_shows_the_registry_name_and_its_reading_finds_it(
        store: Store, tmp_path: Path) -> None:
    ingest_file(store, _ledger(tmp_path / "a.csv", [("山田商事株式会社", YAMADA)]), "A", "canonical",
                tmp_path / "rejects")
    firm = store.firm_by_corporate_number(YAMADA)
    assert firm is not None and firm.name == "山田商事株式会社"
    assert _ids(store, "ヤマダ") == []
    # The registry arrives later: the firm is shown by the registry's name, found by its reading.
    store.upsert_registry([RegistryRecord(YAMADA, "株式会社　山田商事", "301", "鳥取県", "鳥取市", "ヤマダショウジ")])
    assert refresh_display_names(store, [firm.id]) == {firm.id: "株式会社 山田商事"}
    assert store.get_firm(firm.id) == Firm(firm.id, "株式会社 山田商事", YAMADA, is_client=False)
    assert _ids(store, "ﾔﾏﾀﾞｼﾖｳｼﾞ") == [firm.id]
    # A later spelling, however formal, does not replace the registry name.
    ingest_file(store, _ledger(tmp_path / "b.csv", [("山田商事株式会社　本社", YAMADA)]), "B", "canonical",
                tmp_path / "rejects")
    assert store.get_firm(firm.id) == Firm(firm.id, "株式会社 山田商事", YAMADA, is_client=False)
    assert refresh_display_names(store, [firm.id]) == {}


def test_the_firm_master_name_is_the_name_shown_and_a_ledgers_spelling_still_finds_it(
        store: Store, tmp_path: Path) -> None:
    """The firm master is the operator's record of a firm: its name is shown,
    however a ledger spells the firm; the ledger's spelling stays a search key."""
    ingest_file(store, _ledger(tmp_path / "a.csv", [("山田商事株式会社", YAMADA)]), "A", "canonical",
                tmp_path / "rejects")
    firm = store.firm_by_corporate_number(YAMADA)
    assert firm is not None
    master = tmp_path / "firms.csv"
    master.write_text(f"firm_id,name\n{firm.id},ﾔﾏﾀﾞｼﾖｳｼﾞ\nX1,ｴｯｸｽ ｼｮｳｶｲ\n", encoding="utf-8")
    import_firms(store, master, tmp_path / "rejects")
    assert store.get_firm(firm.id).name == "ﾔﾏﾀﾞｼﾖｳｼﾞ"  # type: ignore[union-attr]
    assert store.get_firm("X1").name == "ｴｯｸｽ ｼｮｳｶｲ"  # type: ignore[union-attr]
    assert _ids(store, "ﾔﾏﾀﾞｼﾖｳｼﾞ") == [firm.id] and _ids(store, "山田商事") == [firm.id]
    spellings = store.firm_spellings([firm.id, "X1", "missing"])
    assert set(spellings) == {firm.id, "X1"}
    assert dict(spellings[firm.id].spellings) == {"山田商事株式会社": 1, "ﾔﾏﾀﾞｼﾖｳｼﾞ": 1}
    assert _ids(store, "えっくすしょうかい") == ["X1"]


def test_a_credit_officer_finds_a_firm_by_what_the_bank_may_see_only(store: Store) -> None:
    """A spelling only a hidden client's ledger gives finds nothing for a credit
    officer, even for a firm the bank may open: else the officer could test
    spellings and learn what that ledger records (docs/access.md)."""
    store.upsert_firms([Firm("A", "株式会社エー", is_client=True, consented_banks=("B1",)),
                        Firm("H", "株式会社エイチ", is_client=True, consented_banks=("B2",)),
                        Firm("Y", "山田商事株式会社", YAMADA, consented_banks=("B1",))], batch_id="b")
    store.upsert_aliases([Alias("A", "k1", "ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ", "Y", "new", 1.0, "new"),
                          Alias("H", "k2", "ヤマダ秘密綴リ", "Y", "new", 1.0, "new")])
    store.upsert_registry([RegistryRecord(YAMADA, "株式会社　山田本社商事", "301", "鳥取県", "鳥取市",
                                          "ヤマダホンシャショウジ")])
    names = store.search_names(["Y", "missing"])
    assert set(names) == {"Y"}
    assert set(names["Y"]) == {("A", "ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ"), ("H", "ヤマダ秘密綴リ"), (None, "山田商事株式会社"),
                               (None, "株式会社　山田本社商事"), (None, "ヤマダホンシャショウジ")}

    def found(who: Principal, q: str) -> list[str]:
        firms, total = ScopedStore(store, who).search_firms(q, 50, 0)
        assert total == len(firms)
        return [f.id for f in firms]

    b1, b2 = Principal("o1", Role.CREDIT_OFFICER, "B1"), Principal("o2", Role.CREDIT_OFFICER, "B2")
    assert found(Principal("ana", Role.ANALYST), "秘密綴") == ["Y"]
    assert found(b1, "秘密綴") == found(b2, "秘密綴") == []
    for q in ("ﾔﾏﾀﾞｼﾖｳｼﾞ", "山田商事", "ほんしゃ", "本社商事", YAMADA[3:9], "y"):  # A's spelling, names, number, id
        assert found(b1, q) == ["Y"], q
    assert found(b1, "エイチ") == [] and found(b2, "エイチ") == ["H"]


def test_a_spelling_moved_to_another_firm_is_found_there_only(store: Store) -> None:
    store.upsert_firms([Firm("U1"), Firm("N2")], batch_id="b")
    store.upsert_aliases([Alias("A", "k1", "ﾔﾏﾀﾞ ｼｮｳﾃﾝ", "U1", "new", 1.0, "new"),
                          Alias("A", "k2", "山田商店株式会社", "N2", "new", 1.0, "new"),
                          Alias("B", "k3", "ｵｵﾔﾏ", "U1", "new", 1.0, "new")])
    assert _ids(store, "ヤマダ") == ["U1"]
    store.reassign_alias(Alias("A", "k1", "ﾔﾏﾀﾞ ｼｮｳﾃﾝ", "N2", "review", 1.0, "accepted"))
    assert _ids(store, "ヤマダ") == ["N2"]
    assert _ids(store, "オオヤマ") == ["U1"]
    refresh_display_names(store, ["U1", "N2"])
    assert store.get_firms(["U1", "N2"]) == {"U1": Firm("U1", "ｵｵﾔﾏ", is_client=False),
                                                "N2": Firm("N2", "山田商店株式会社", is_client=False)}


def test_an_embedded_store_of_the_previous_version_gets_its_keys_once(tmp_path: Path) -> None:
    home = tmp_path / "home"
    old = EmbeddedStore(home)
    old.ensure_schema()
    old.upsert_firms([Firm("F1", name="ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ", corporate_number=YAMADA), Firm("F2", name="大山商店株式会社"),
                      Firm("F3", name="ｵｵﾔﾏ")])
    old.upsert_aliases([Alias("A", "k", "山田商事株式会社", "F1", "new", 1.0, "new"),
                        Alias("A", "k2", "ｵｵﾔﾏ ｼｮｳﾃﾝ", "F2", "new", 1.0, "new"),
                        Alias("A", "k3", "ｵｵﾔﾏ", "F3", "new", 1.0, "new")])
    old.upsert_registry([RegistryRecord(YAMADA, "株式会社山田商事", "301", None, None, "ヤマダショウジ")])
    old.close()
    # What a store written by the version before search keys holds: no key tables, no version.
    with sqlite3.connect(home / DB_FILENAME) as c:
        c.executescript("DROP TABLE firm_keys; DROP TABLE registry_keys; DROP TABLE firm_spellings;"
                        "DELETE FROM meta WHERE key = 'search_keys';")
    store = EmbeddedStore(home)
    store.ensure_schema()
    try:
        for q in ("ﾔﾏﾀﾞ", "山田商事", "やまだしょうじ"):
            assert _ids(store, q) == ["F1"], q
        # The firm master's name (no alias wrote it) stays a spelling; a first-seen one is its alias.
        assert dict(store.firm_spellings(["F2"])["F2"].spellings) == {"大山商店株式会社": 1, "ｵｵﾔﾏ ｼｮｳﾃﾝ": 1}
        assert dict(store.firm_spellings(["F3"])["F3"].spellings) == {"ｵｵﾔﾏ": 1}
        assert refresh_display_names(store, ["F1", "F2", "F3"]) == {"F1": "株式会社山田商事"}
        version = store.data_version()
        store.ensure_schema()  # once: the second open changes nothing
        assert store.data_version() == version
    finally:
        store.close()


@pytest.mark.neo4j
def test_neo4j_keys_are_rebuilt_when_their_version_is_missing(neo4j_store: Store) -> None:
    from queries.neo4j_store import Neo4jStore

    assert isinstance(neo4j_store, Neo4jStore)
    neo4j_store.upsert_firms([Firm("F1", name="ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ"), Firm("F2", name="大山商店株式会社"),
                              Firm("F3", name="ｵｵﾔﾏ")])
    neo4j_store.upsert_aliases([Alias("A", "k", "山田商事株式会社", "F1", "new", 1.0, "new"),
                                Alias("A", "k2", "ｵｵﾔﾏ ｼｮｳﾃﾝ", "F2", "new", 1.0, "new"),
                                Alias("A", "k3", "ｵｵﾔﾏ", "F3", "new", 1.0, "new")])
    for query in ("MATCH (k:FirmKey) DELETE k", "MATCH (f:Firm) REMOVE f.spellings"):  # as before keys
        neo4j_store.driver.execute_query(query, database_=neo4j_store.database)
    neo4j_store.driver.execute_query("MATCH (m:Meta {key: 'search_keys'}) DELETE m",
                                     database_=neo4j_store.database)
    assert _ids(neo4j_store, "山田") == []
    neo4j_store.ensure_schema()
    assert _ids(neo4j_store, "山田") == ["F1"]
    assert _ids(neo4j_store, "ﾔﾏﾀﾞ") == ["F1"]
    assert dict(neo4j_store.firm_spellings(["F2"])["F2"].spellings) == {"大山商店株式会社": 1, "ｵｵﾔﾏ ｼｮｳﾃﾝ": 1}
    assert dict(neo4j_store.firm_spellings(["F3"])["F3"].spellings) == {"ｵｵﾔﾏ": 1}


@pytest.mark.parametrize("master_first", [True, False], ids=["master-before-ledgers", "master-after-ledgers"])
def test_the_firm_master_name_is_the_display_name_whatever_other_ledgers_call_the_firm(
        store: Store, tmp_path: Path, master_first: bool) -> None:
    """The operator's firm master names its client C003 米子食品株式会社; client
    A's ledger names C003 (by its id) 大山食品株式会社, client B's ﾖﾅｺﾞｼｮｸﾋﾝ.
    C003 is shown by the master's name, imported before or after the ledgers,
    and by the latest master's name when one renames it; the ledgers'
    spellings stay search keys. N1, which the master does not name, keeps
    the most formal spelling."""
    def ledger(name: str, rows: list[tuple[str, str]]) -> Path:  # (counterparty as written, its firm id)
        path = tmp_path / name
        with path.open("w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["date", "counterparty_name", "counterparty_id", "direction", "amount"])
            for i, (written, firm_id) in enumerate(rows):
                w.writerow([f"2025-0{1 + i % 9}-15", written, firm_id, "sale", 20_000 + i])
        return path

    def master(name: str, text: str) -> None:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        import_firms(store, path, tmp_path / "rejects")

    def load() -> None:
        ingest_file(store, ledger("a.csv", [("大山食品株式会社", "C003"), ("ｶ)ﾀﾞｲｾﾝ", "N1")]), "A", "canonical",
                    tmp_path / "rejects")
        ingest_file(store, ledger("b.csv", [("ﾖﾅｺﾞｼｮｸﾋﾝ", "C003"), ("株式会社大山", "N1")]), "B", "canonical",
                    tmp_path / "rejects")

    if master_first:
        master("firms.csv", "firm_id,name\nC003,米子食品株式会社\n")
        load()
    else:
        load()
        master("firms.csv", "firm_id,name\nC003,米子食品株式会社\n")
    names = {f.id: f.name for f in store.all_firms()}
    assert names["C003"] == "米子食品株式会社"
    assert names["N1"] == "株式会社大山"  # not in the master: the most formal spelling
    assert refresh_display_names(store, list(names)) == {}
    for q in ("大山食品", "ﾖﾅｺﾞ", "米子食品"):  # every spelling still finds C003
        assert "C003" in _ids(store, q), q
    # A later master renames C003: its name wins, also over a ledger loaded after it.
    master("firms2.csv", "firm_id,name\nC003,米子食品(株)\n")
    assert store.get_firm("C003").name == "米子食品(株)"  # type: ignore[union-attr]
    ingest_file(store, ledger("c.csv", [("大山食品株式会社", "C003")]), "C", "canonical", tmp_path / "rejects")
    assert store.get_firm("C003").name == "米子食品(株)"  # type: ignore[union-attr]
    assert refresh_display_names(store, ["C003", "N1"]) == {}
    assert "C003" in _ids(store, "米子食品株式会社")  # the earlier master name stays a search key
