"""Re-loads never lose rows, and a client's own figures are complete (both stores).

* A batch is the file's bytes read one way (client, format, reader options):
  a file first sent for the wrong client, or in the wrong format, loads in
  full afterwards, and the summary says what is stored.
* A file refused as a whole records no batch (none is left ``loading``); a
  NUL byte or an undecodable sequence rejects its lines only.
* Lines without a counterparty (cash sales) count in the client's figures
  and totals, not in the network; a rollback removes them.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import replace
from pathlib import Path

from ingest.load import IngestError, Loader, LoadJob, LoadSummary, legacy_batch_id
from queries.embedded_store import EmbeddedStore
from queries.model import Firm
from queries.sql import reference as rq
from queries.sql import trades as tq
from queries.store import Store

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ledgers"
BANK_A_LINES = 3  # bank_a.csv's settlements with a counterparty, all of July 2025
HEADER = "date,counterparty_name,direction,amount\n"
ROWS = [
    ("2025-04-03", "株式会社大田機械", "sale", 100_000),
    ("2025-04-10", "合同会社倉吉デザイン", "purchase", 40_000),
    ("2025-05-02", "株式会社大田機械", "sale", 120_000),
    ("2025-05-20", "株式会社大田機械", "receipt", 100_000),
]


def _ledger(path: Path, rows: list[tuple[str, str, str, int]], client_column: str | None = None) -> Path:
    header = HEADER if client_column is None else "date,client_id,counterparty_name,direction,amount\n"
    lines = [header]
    for d, name, direction, yen in rows:
        cells = [d, name, direction, str(yen)] if client_column is None else [d, client_column, name,
                                                                               direction, str(yen)]
        lines.append(",".join(cells) + "\n")
    path.write_text("".join(lines), encoding="utf-8")
    return path


def _load(store: Store, tmp_path: Path, *jobs: LoadJob) -> list[LoadSummary | IngestError]:
    loader = Loader(store, tmp_path / "rejects", progress=False)
    return [outcome for _, outcome in loader.load(list(jobs))]


def _one(store: Store, tmp_path: Path, job: LoadJob) -> LoadSummary:
    (outcome,) = _load(store, tmp_path, job)
    assert isinstance(outcome, LoadSummary), outcome
    return outcome


def test_a_load_by_rows_stands_in_the_way_only_of_its_own_clients_rows(store: Store, tmp_path: Path) -> None:
    """The same bytes loaded as each row names its client, then for another
    client: that client's rows are not in the first load, so it loads them
    (found in review: it was called a duplicate, and C2 got nothing)."""
    path = tmp_path / "mixed.csv"
    path.write_text("date,client_id,counterparty_name,direction,amount\n"
                    "2025-04-03,C1,株式会社大田機械,sale,100000\n2025-04-04,C1,株式会社大田機械,sale,1000\n"
                    "2025-04-05,,合同会社倉吉デザイン,sale,7000\n", encoding="utf-8")
    rows = _one(store, tmp_path, LoadJob(path, None))
    assert (rows.rows_loaded, rows.rows_rejected) == (2, 1)  # the row with no client
    for_c2 = _one(store, tmp_path, LoadJob(path, "C2"))
    assert not for_c2.duplicate and (for_c2.rows_loaded, for_c2.rows_rejected) == (1, 2)
    assert store.ledger_sums("C2")["sales"] == {"2025-04": 7000}
    again = _one(store, tmp_path, LoadJob(path, "C1"))  # C1's rows are in the first load
    assert again.duplicate and again.batch_id == rows.batch_id and again.duplicate_as == "rows"
    assert store.ledger_sums("C1")["sales"] == {"2025-04": 101_000}


def test_a_few_rows_of_another_client_do_not_refuse_a_file(store: Store, tmp_path: Path) -> None:
    """Two rows that cannot be read and one naming another client: the load is
    kept with its three rejects (each said with its reason), not refused as
    a file of another client's rows."""
    path = tmp_path / "c1.csv"
    path.write_text("date,client_id,counterparty_name,direction,amount\n"
                    "2025-04-03,C1,株式会社大田機械,sale,abc\n2025-04-04,C1,株式会社大田機械,sale,xyz\n"
                    "2025-04-05,C2,合同会社倉吉デザイン,sale,7000\n", encoding="utf-8")
    kept = _one(store, tmp_path, LoadJob(path, "C1"))
    assert (kept.rows_loaded, kept.rows_rejected) == (0, 3) and Path(kept.rejects_path).is_file()


def test_an_empty_client_is_each_row_naming_its_own(store: Store, tmp_path: Path) -> None:
    """``--client ""`` (an empty shell variable) is no client: in a store with
    clients, a row naming an unknown id refuses the file as it does without one."""
    store.upsert_firms([Firm("C1", "株式会社一", is_client=True)])
    path = _ledger(tmp_path / "c9.csv", ROWS[:1], client_column="C9X")
    loader = Loader(store, tmp_path / "rejects", progress=False, new_clients=False)
    ((_, outcome),) = list(loader.load([LoadJob(path, "")]))
    assert isinstance(outcome, IngestError) and "there is no client 'C9X' in the firm master" in str(outcome)
    assert store.get_firm("C9X") is None


def test_wrong_client_then_right_loads_every_row(store: Store, tmp_path: Path) -> None:
    """A ledger whose rows name their client: sent with the wrong --client it
    is refused as a whole (every row names another client; no load of nothing
    is kept to stand in the way); sent again with the right one, every row loads."""
    path = _ledger(tmp_path / "c1.csv", ROWS, client_column="C1")
    (wrong,) = _load(store, tmp_path, LoadJob(path, "C2"))
    assert isinstance(wrong, IngestError) and "its rows name another client than C2 (C1)" in str(wrong)
    assert store.list_batches() == []
    right = _one(store, tmp_path, LoadJob(path, "C1"))
    assert (right.rows_loaded, right.rows_rejected, right.duplicate, right.same_file) == (4, 0, False, [])
    assert store.ledger_sums("C1")["sales"] == {"2025-04": 100_000, "2025-05": 120_000}
    # The same file for the same client again: nothing changes, and the reply says for whom.
    again = _one(store, tmp_path, LoadJob(path, "C1"))
    assert again.duplicate and again.status == "duplicate" and again.batch_id == right.batch_id
    assert again.message.startswith(f"already loaded as batch {right.batch_id} for client C1")
    # ... and so is it with no client given, each row naming its own: the same rows
    rows = _one(store, tmp_path, LoadJob(path, None))
    assert rows.duplicate and rows.batch_id == right.batch_id and rows.duplicate_as == "client"
    assert [b.client_id for b in store.list_batches()] == ["C1"] and store.list_batches("C9") == []
    assert store.ledger_sums("C1")["sales"] == {"2025-04": 100_000, "2025-05": 120_000}
    assert all(b.status == "done" for b in store.list_batches())


def test_file_without_client_column_for_another_client_is_another_batch(store: Store, tmp_path: Path) -> None:
    """Bytes loaded for the wrong client keep that batch (rollback removes it);
    the right client gets every row too."""
    path = _ledger(tmp_path / "plain.csv", ROWS)
    first = _one(store, tmp_path, LoadJob(path, "C9"))
    second = _one(store, tmp_path, LoadJob(path, "C1"))
    assert first.rows_loaded == second.rows_loaded == 4 and not second.duplicate
    assert store.ledger_sums("C1")["sales"] == store.ledger_sums("C9")["sales"]
    store.rollback_batch(first.batch_id)
    assert store.ledger_sums("C9")["sales"] == {} and store.ledger_sums("C1")["sales"]["2025-05"] == 120_000


def test_wrong_format_then_detected_loads_every_row(store: Store, tmp_path: Path) -> None:
    """A file given the wrong format, whose every row is rejected so, is
    refused as a whole, naming its own format (it kept a load of nothing,
    to be rolled back by hand); detected, every row loads."""
    path = _ledger(tmp_path / "c1.csv", ROWS)
    (wrong,) = _load(store, tmp_path, LoadJob(path, "C1", "yayoi"))  # every row rejected, as 弥生
    assert isinstance(wrong, IngestError) and "every row was rejected read as yayoi, and the file is a canonical " \
        "file: load it as canonical" in str(wrong)
    assert store.list_batches() == []
    right = _one(store, tmp_path, LoadJob(path, "C1"))  # detected: canonical
    assert (right.rows_loaded, right.format, right.duplicate) == (4, "canonical", False)
    # Naming the detected format is the same batch as detecting it.
    same = _one(store, tmp_path, LoadJob(path, "C1", "canonical"))
    assert same.duplicate and same.batch_id == right.batch_id


def test_reader_options_are_part_of_the_identity(store: Store, tmp_path: Path) -> None:
    path = _ledger(tmp_path / "c1.csv", ROWS)
    a = _one(store, tmp_path, LoadJob(path, "C1", "canonical", {"canonical": {"encoding": "utf-8"}}))
    b = _one(store, tmp_path, LoadJob(path, "C1", "canonical", {"canonical": {"encoding": "utf-8"}}))
    c = _one(store, tmp_path, LoadJob(path, "C1", "canonical"))
    assert b.duplicate and b.batch_id == a.batch_id
    assert not c.duplicate and c.batch_id != a.batch_id


def test_refused_files_leave_no_batch(store: Store, tmp_path: Path) -> None:
    """Binary, UTF-16, unknown format, a header that is not the given format's:
    refused with a reason, no batch recorded — loaded among good files too."""
    good = _ledger(tmp_path / "good.csv", ROWS)
    binary = tmp_path / "book.xlsx"
    binary.write_bytes(b"PK\x03\x04" + bytes(range(256)) * 8)
    utf16 = tmp_path / "u16.csv"
    utf16.write_bytes(HEADER.encode("utf-16") + "2025-04-01,甲,sale,1\n".encode("utf-16-le") * 50)
    unknown = tmp_path / "memo.txt"
    unknown.write_text("hello,world\nfoo,bar\n", encoding="utf-8")
    outcomes = _load(store, tmp_path, LoadJob(binary, "C1"), LoadJob(utf16, "C1"), LoadJob(unknown, "C1"),
                     LoadJob(good, "C1", "freee"), LoadJob(good, "C1"), LoadJob(binary, "C1", "zengin"))
    errors = [str(o) for o in outcomes if isinstance(o, IngestError)]
    assert len(errors) == 5, outcomes
    assert "spreadsheet" in errors[0] and "UTF-16" in errors[1] and "unknown format" in errors[2]
    assert "freee header lacks required columns" in errors[3] and "spreadsheet" in errors[4]
    (batch,) = store.list_batches()
    assert (batch.status, batch.rows_loaded, batch.file) == ("done", 4, str(good))
    assert not list((tmp_path / "rejects").glob("*.csv"))  # no quarantine file of a refused file


def test_ledger_without_client_is_refused_then_loads_with_one(store: Store, tmp_path: Path) -> None:
    """A ledger whose rows name no client, sent without one: refused as a whole
    (no batch of nothing in the way), and it then loads in full with the client."""
    path = _ledger(tmp_path / "c1.csv", ROWS)
    (refused,) = _load(store, tmp_path, LoadJob(path, None))
    assert isinstance(refused, IngestError)
    assert "no row of the file names its client" in str(refused) and "--client" in str(refused)
    assert store.list_batches() == []
    assert not list((tmp_path / "rejects").glob("*.csv"))
    s = _one(store, tmp_path, LoadJob(path, "C1"))
    assert (s.rows_loaded, s.rows_rejected, s.same_file) == (len(ROWS), 0, [])


def test_rows_without_client_among_named_ones_are_rejected_only(store: Store, tmp_path: Path) -> None:
    """Rows that name their client load; the ones that do not are rejected with
    file and line — the file is not refused."""
    path = tmp_path / "mixed.csv"
    path.write_text("date,client_id,counterparty_name,direction,amount\n"
                    "2025-04-03,C1,株式会社大田機械,sale,100000\n"
                    "2025-04-10,,合同会社倉吉デザイン,purchase,40000\n", encoding="utf-8")
    s = _one(store, tmp_path, LoadJob(path, None))
    assert (s.rows_loaded, s.rows_rejected) == (1, 1)
    rejects = Path(s.rejects_path).read_text(encoding="utf-8")
    assert ",3,client_id,no client: the row has no client_id" in rejects


def test_client_batch_months_and_overlapping_loads(store: Store, tmp_path: Path) -> None:
    """Which months each load holds of a client's ledger (trade, settlements,
    lines without a counterparty); a file repeating months of an earlier one
    in the same format is named in the later one's ``overlaps``."""
    from api.load_checks import find_overlaps

    spring = _one(store, tmp_path, LoadJob(_ledger(tmp_path / "q1.csv", ROWS), "C1"))
    cash = [("2025-07-01", "", "sale", 5_000)]  # no counterparty: the client's own series
    later = _ledger(tmp_path / "h1.csv", [*ROWS[2:], ("2025-06-02", "株式会社大田機械", "sale", 1), *cash])
    summer = find_overlaps(store, _one(store, tmp_path, LoadJob(later, "C1")))
    other = find_overlaps(store, _one(store, tmp_path, LoadJob(_ledger(tmp_path / "c2.csv", ROWS), "C2")))
    assert store.client_batch_months("C1") == {spring.batch_id: {"2025-04", "2025-05"},
                                               summer.batch_id: {"2025-05", "2025-06", "2025-07"}}
    assert store.client_batch_months("C9") == {}
    assert store.batch_months([summer.batch_id, other.batch_id, "bnope", summer.batch_id]) == {
        summer.batch_id: {"2025-05", "2025-06", "2025-07"}, other.batch_id: {"2025-04", "2025-05"}}
    assert store.batch_months([]) == {}
    assert summer.overlaps == [{"batch_id": spring.batch_id, "file": "q1.csv", "months": ["2025-05"]}]
    assert "1 month(s) of this file (2025-05) are also in batch" in summer.describe()
    assert other.overlaps == []  # another client's months are its own


def test_journals_of_two_programs_holding_the_same_months_are_named(store: Store, tmp_path: Path) -> None:
    """A client moving from one accounting program to another exports the
    same months from both: a canonical journal of July, then freee's export
    holding July, were loaded with no word (the check compared one format
    only). Journals of any program are one kind of ledger; a bank statement
    of the same months is not a repeat of them (its check is the double
    settlements')."""
    from api.load_checks import find_overlaps

    july = _one(store, tmp_path, LoadJob(_ledger(tmp_path / "july.csv", [("2025-07-15", "株式会社アルファ", "sale",
                                                                          220_000)]), "C1"))
    freee = find_overlaps(store, _one(store, tmp_path, LoadJob(FIXTURES / "freee_sample.csv", "C1")))
    assert freee.format == "freee" and freee.overlaps == [
        {"batch_id": july.batch_id, "file": "july.csv", "months": ["2025-07"]}]
    assert "of the same client and kind of ledger" in freee.describe()
    bank = find_overlaps(store, _one(store, tmp_path, LoadJob(FIXTURES / "bank_a.csv", "C1", "bank")))
    assert bank.overlaps == []
    # the loads list and the loads' pages say it too; the bank statement is not flagged for months
    from api.load_checks import batch_overlaps, flags_of

    records = {b.id: b for b in store.list_batches()}
    flags = flags_of(store, list(records.values()), records.values())
    assert "months" in flags[july.batch_id] and "months" in flags[freee.batch_id]
    assert "months" not in flags.get(bank.batch_id, set())
    assert [o["batch_id"] for o in batch_overlaps(store, records[july.batch_id])] == [freee.batch_id]


def test_a_file_read_in_its_own_format_with_every_row_rejected_is_kept(store: Store, tmp_path: Path) -> None:
    """Only a file of another format than the one given is refused whole when
    every row is rejected: one of the given format whose rows are all bad keeps
    its load and the reason for each row (to be looked at, then rolled back)."""
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "2025-04-03,株式会社大田機械,sale,abc\n2025-04-04,株式会社大田機械,sale,x\n",
                   encoding="utf-8")
    kept = _one(store, tmp_path, LoadJob(bad, "C1", "canonical"))
    assert (kept.rows_loaded, kept.rows_rejected) == (0, 2) and store.get_batch(kept.batch_id) is not None


def test_a_stored_load_whose_rows_name_their_clients_is_checked_for_each_of_them(store: Store,
                                                                                 tmp_path: Path) -> None:
    """A file given no client (its rows name C1 and C2), then C1's own export
    of April: the stored loads' pages and the loads list flag both, the file
    of many clients naming C1 (its months were checked only as it loaded)."""
    from api.load_checks import batch_overlaps, flags_of

    store.upsert_firms([Firm("C1", "株式会社一", is_client=True), Firm("C2", "株式会社二", is_client=True)])
    both = _ledger(tmp_path / "both.csv", ROWS[:2], client_column="C1")
    both.write_text(both.read_text(encoding="utf-8") + "2025-06-01,C2,株式会社大田機械,sale,5000\n", encoding="utf-8")
    many = _one(store, tmp_path, LoadJob(both, ""))
    own = _one(store, tmp_path, LoadJob(_ledger(tmp_path / "c1.csv", ROWS[:1]), "C1"))
    assert store.batch_client_months([many.batch_id, own.batch_id, "bnope"]) == {
        many.batch_id: {"C1": {"2025-04"}, "C2": {"2025-06"}}, own.batch_id: {"C1": {"2025-04"}}}
    assert store.batch_client_months([]) == {}
    records = {b.id: b for b in store.list_batches()}
    assert batch_overlaps(store, records[many.batch_id]) == [
        {"batch_id": own.batch_id, "file": "c1.csv", "months": ["2025-04"], "client_id": "C1"}]
    assert batch_overlaps(store, records[own.batch_id]) == [
        {"batch_id": many.batch_id, "file": "both.csv", "months": ["2025-04"]}]
    flags = flags_of(store, list(records.values()), records.values())
    assert flags == {many.batch_id: {"months"}, own.batch_id: {"months"}}
    # the loads list reads a fixed number of times however many clients such a file names
    reads: list[str] = []
    for name in ("client_batch_months", "batch_months", "batch_client_months", "get_batch"):
        real = getattr(store, name)
        setattr(store, name, lambda *a, _n=name, _f=real: (reads.append(_n), _f(*a))[1])  # type: ignore[misc]
    try:
        assert flags_of(store, list(records.values()), records.values()) == flags
    finally:
        for name in ("client_batch_months", "batch_months", "batch_client_months", "get_batch"):
            delattr(store, name)
    assert sorted(reads) == ["batch_client_months", "batch_months"], reads


def test_settlements_in_both_a_journal_and_a_bank_statement_are_named(store: Store, tmp_path: Path) -> None:
    """A client's journal books July's receipt from 山田商事 and payment to
    高橋工業; its bank statement (``bank_a.csv``) holds the same two: both
    loads name the month, by kind; a journal's cash sale (no counterparty)
    is no settlement of a bank's; a journal of other months is not named."""
    from api.load_checks import client_double_settlements, find_overlaps, run_double_settlements

    journal = _ledger(tmp_path / "journal.csv", [
        ("2025-06-30", "山田商事株式会社", "sale", 110_000), ("2025-07-01", "山田商事株式会社", "receipt", 110_000),
        ("2025-06-30", "株式会社高橋工業", "purchase", 330_000), ("2025-07-02", "株式会社高橋工業", "payment", 330_000),
        ("2025-08-31", "", "sale", 5_000)])
    older = _ledger(tmp_path / "older.csv", [("2025-05-20", "山田商事株式会社", "receipt", 90_000)])
    books = _one(store, tmp_path, LoadJob(journal, "C1"))
    early = _one(store, tmp_path, LoadJob(older, "C1"))
    bank = find_overlaps(store, _one(store, tmp_path, LoadJob(FIXTURES / "bank_a.csv", "C1", "bank")))
    assert store.settlement_months([books.batch_id, bank.batch_id, early.batch_id, "bnope"]) == {
        books.batch_id: {"receipts": {"2025-07"}, "payments": {"2025-07"}},
        bank.batch_id: {"receipts": {"2025-07"}, "payments": {"2025-07"}},
        early.batch_id: {"receipts": {"2025-05"}}}
    found = client_double_settlements(store, "C1")
    assert [(d["kind"], d["months"]) for d in found] == [("receipts", ["2025-07"]), ("payments", ["2025-07"])]
    assert found[0]["journals"] == [{"batch_id": books.batch_id, "file": "journal.csv"}]
    assert found[0]["banks"] == [{"batch_id": bank.batch_id, "file": "bank_a.csv"}]
    assert bank.double_settlements == found and "the journal, batch" in bank.describe()
    assert client_double_settlements(store, "C2") == []
    assert run_double_settlements(store, [early]) == found and early.double_settlements == []
    assert run_double_settlements(store, [books]) == found and books.double_settlements == found


def test_a_load_of_some_months_takes_only_their_lines(store: Store, tmp_path: Path) -> None:
    """A file loaded for some months (LoadJob.months) stores only their lines
    and counts the rest as outside; it is another batch than the whole file
    (the months are part of what reads it), the same window again changes
    nothing; a window holding none of its lines refuses the file."""
    from api.load_checks import client_double_settlements

    path = _ledger(tmp_path / "year.csv", [
        ("2025-06-30", "山田商事株式会社", "receipt", 1_000), ("2025-07-01", "山田商事株式会社", "receipt", 2_000),
        ("2025-08-01", "山田商事株式会社", "receipt", 4_000), ("2025-08-02", "", "sale", 8_000)])
    july = _one(store, tmp_path, LoadJob(path, "C1", months=("2025-07", "2025-07")))
    assert (july.rows_read, july.rows_loaded, july.rows_outside, july.months) == (4, 1, 3, "2025-07..2025-07")
    assert "3 outside the months taken (2025-07..2025-07)" in july.describe()
    assert store.ledger_sums("C1")["receipts"] == {"2025-07": 2_000}
    later = _one(store, tmp_path, LoadJob(path, "C1", months=("2025-08", None)))
    assert later.batch_id != july.batch_id and later.rows_loaded == 2
    assert store.ledger_sums("C1")["receipts"] == {"2025-07": 2_000, "2025-08": 4_000}
    again = _one(store, tmp_path, LoadJob(path, "C1", months=("2025-07", "2025-07")))
    assert again.duplicate and again.batch_id == july.batch_id
    (refused,) = _load(store, tmp_path, LoadJob(path, "C1", months=(None, "2025-05")))
    assert isinstance(refused, IngestError)
    assert "none of its 4 lines is in the months chosen (..2025-05)" in str(refused)
    # the bank statement's July kept out: no month's settlements in both (bank_a.csv is all July)
    bank = _one(store, tmp_path, LoadJob(FIXTURES / "bank_a.csv", "C1", "bank", months=("2025-08", None)))
    assert (bank.rows_loaded, bank.rows_outside) == (0, BANK_A_LINES)  # its fees and interest: skipped
    assert client_double_settlements(store, "C1") == []


def test_nul_byte_and_bad_bytes_reject_their_lines_only(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "damaged.csv"
    path.write_bytes(HEADER.encode() + "2025-04-01,甲商事,sale,100\n".encode()
                     + b"2025-04-02,\xe4\xb9\x99\x00,sale,200\n"  # a NUL byte
                     + b"2025-04-03,\xff\xfe\xe4\xb8\x99,sale,300\n"  # not UTF-8
                     + "2025-04-04,丁商店,sale,400\n".encode())
    s = _one(store, tmp_path, LoadJob(path, "C1"))
    assert (s.rows_read, s.rows_loaded, s.rows_rejected) == (4, 2, 2)
    rejects = Path(s.rejects_path).read_text(encoding="utf-8")
    assert "NUL byte" in rejects and "not valid in the file's encoding" in rejects
    assert store.ledger_sums("C1")["sales"] == {"2025-04": 500}
    names = {f.name for f in store.all_firms()}
    assert {"甲商事", "丁商店"} <= names  # read as UTF-8, not as cp932 mojibake


def test_cash_selling_client_has_figures(store: Store, tmp_path: Path) -> None:
    """A client whose sales name no customer: its figures and totals count
    them; the network has none; a rollback removes them."""
    path = _ledger(tmp_path / "cash.csv", [
        ("2025-04-03", "", "sale", 50_000), ("2025-04-20", "", "sale", 70_000),
        ("2025-05-02", "", "purchase", 30_000), ("2025-05-09", "", "sale", 10_000),
    ])
    s = _one(store, tmp_path, LoadJob(path, "CASH"))
    assert (s.rows_loaded, s.rows_unnamed, s.rows_rejected) == (4, 4, 0)
    firm = store.get_firm("CASH")
    assert firm is not None and firm.is_client
    sums = store.ledger_sums("CASH")
    assert sums["sales"] == {"2025-04": 120_000, "2025-05": 10_000}
    assert sums["unnamed_sales"] == sums["sales"] and sums["purchases"] == {"2025-05": 30_000}
    totals = store.firm_totals(["CASH"])["CASH"]
    assert (totals.months, totals.sales, totals.purchases) == (("2025-04", "2025-05"), (120_000, 10_000),
                                                               (0, 30_000))
    assert store.pairs_of("CASH") == []
    deleted = store.rollback_batch(s.batch_id)
    assert deleted["unnamed"] == 2  # one series per kind: sales, purchases
    assert store.ledger_sums("CASH")["sales"] == {} and store.firm_totals(["CASH"]) == {}


def test_journal_cash_sales_count_settled(store: Store, tmp_path: Path) -> None:
    """freee: 現金 / 売上高 with no 取引先 is a sale received at once (no
    receivable); a named customer's sale on credit stays in the network."""
    path = tmp_path / "freee.csv"
    path.write_text(
        "取引日,借方勘定科目,借方金額,借方取引先名,貸方勘定科目,貸方金額,貸方取引先名,摘要\n"
        "2025-04-01,現金,5000,,売上高,5000,,店頭売上\n"
        "2025-04-02,売掛金,20000,株式会社大田機械,売上高,20000,株式会社大田機械,\n"
        "2025-04-03,消耗品費,800,,現金,800,,文具\n", encoding="utf-8")
    s = _one(store, tmp_path, LoadJob(path, "SHOP"))
    assert (s.format, s.rows_loaded, s.rows_unnamed) == ("freee", 3, 2)
    sums = store.ledger_sums("SHOP")
    assert sums["sales"] == {"2025-04": 25_000} and sums["unnamed_sales"] == {"2025-04": 5_000}
    assert sums["receipts"] == {"2025-04": 5_000} and sums["purchases"] == {"2025-04": 800}
    assert store.firm_totals(["SHOP"])["SHOP"].sales == (25_000,)
    assert [(p.seller, p.amount) for p in store.pairs_of("SHOP")] == [("SHOP", 20_000)]


def test_earlier_store_migrates_and_knows_its_batches(tmp_path: Path) -> None:
    """A store of an earlier version (batches.sha256 UNIQUE, ids from the bytes
    alone) is migrated in place; its batch of a file is still that file's."""
    home = tmp_path / "home"
    store = EmbeddedStore(home)
    store.ensure_schema()
    path = _ledger(tmp_path / "c1.csv", ROWS)
    first = _one(store, tmp_path, LoadJob(path, "C1"))
    store.close()
    # Make it look like an earlier version's store: the old table and id.
    db = home / "torihiki.sqlite3"
    con = sqlite3.connect(db)
    old_id = legacy_batch_id(first.file_sha256)
    con.executescript(f"""
        ALTER TABLE batches RENAME TO b_new;
        CREATE TABLE batches (id TEXT PRIMARY KEY, sha256 TEXT NOT NULL UNIQUE, file TEXT NOT NULL,
            client_id TEXT NOT NULL, format TEXT NOT NULL, status TEXT NOT NULL,
            rows_read INTEGER NOT NULL DEFAULT 0, rows_loaded INTEGER NOT NULL DEFAULT 0,
            rows_rejected INTEGER NOT NULL DEFAULT 0, rows_skipped INTEGER NOT NULL DEFAULT 0,
            rejects_path TEXT NOT NULL DEFAULT '', started_at TEXT NOT NULL DEFAULT '',
            finished_at TEXT NOT NULL DEFAULT '');
        INSERT INTO batches SELECT '{old_id}', sha256, file, client_id, format, status, rows_read,
            rows_loaded, rows_rejected, rows_skipped, rejects_path, started_at, finished_at FROM b_new;
        DROP TABLE b_new;
        UPDATE trade_obs SET batch = '{old_id}'; UPDATE pay_obs SET batch = '{old_id}';
    """)
    con.close()
    store = EmbeddedStore(home)
    store.ensure_schema()
    try:
        again = _one(store, tmp_path, LoadJob(path, "C1"))
        assert again.duplicate and again.batch_id == old_id
        other = _one(store, tmp_path, LoadJob(path, "C2"))  # refused by UNIQUE before: now stored
        assert other.rows_loaded == 4 and {b.id for b in store.list_batches()} == {old_id, other.batch_id}
    finally:
        store.close()


def _reopened_after(home: Path, script: str) -> EmbeddedStore:
    """The closed store at ``home`` made as an earlier version left it (``script``
    run on its file), opened again by this version."""
    con = sqlite3.connect(home / "torihiki.sqlite3")
    con.executescript(script)
    con.close()
    store = EmbeddedStore(home)
    store.ensure_schema()
    return store


def _indexes(c: sqlite3.Connection, *tables: str) -> set[str]:
    """The names of the declared indexes of ``tables``."""
    return {r[0] for r in c.execute(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
        " AND tbl_name IN (SELECT value FROM json_each(?))", (json.dumps(tables),))}


def test_earlier_store_gets_the_observer_and_alias_index(tmp_path: Path) -> None:
    """A store of an earlier version (an index on the observer and one on the
    alias, per observation table) gets one (observer, alias) index instead;
    a client's reads and a spelling's move use it and answer as before."""
    home = tmp_path / "home"
    store = EmbeddedStore(home)
    store.ensure_schema()
    _one(store, tmp_path, LoadJob(_ledger(tmp_path / "c1.csv", ROWS), "C1"))
    sums = store.ledger_sums("C1")
    store.close()
    store = _reopened_after(home, """
        DROP INDEX trade_obs_observer_alias; DROP INDEX pay_obs_observer_alias;
        CREATE INDEX trade_obs_observer ON trade_obs(observer); CREATE INDEX trade_obs_alias ON trade_obs(alias);
        CREATE INDEX pay_obs_observer ON pay_obs(observer); CREATE INDEX pay_obs_alias ON pay_obs(alias);
    """)
    try:
        c = store._conn()
        assert _indexes(c, "trade_obs", "pay_obs") == {"trade_obs_pair", "trade_obs_observer_alias", "pay_obs_payer", "pay_obs_payee",
                           "pay_obs_observer_alias"}
        for sql, index in ((tq.OWN_TRADES, "trade_obs_observer_alias"), (tq.OWN_PAYMENTS, "pay_obs_observer_alias"),
                           (tq.MOVE_TRADES_SELLER, "trade_obs_observer_alias"),
                           (tq.MOVE_PAYMENTS_PAYEE, "pay_obs_observer_alias")):
            plan = " ".join(str(r[3]) for r in c.execute("EXPLAIN QUERY PLAN " + sql, [None] * sql.count("?")))
            assert index in plan, (sql, plan)
        assert store.ledger_sums("C1") == sums
        (alias,) = [a for a in store.aliases("C1").values() if a.raw_name == "株式会社大田機械"]
        store.reassign_alias(replace(alias, firm_id="X-MOVED", status="accepted"))
        assert {(p.seller, p.buyer) for p in store.pairs_of("X-MOVED")} == {("C1", "X-MOVED")}
        assert store.ledger_sums("C1") == sums
    finally:
        store.close()


def test_earlier_store_gets_the_spelling_index(tmp_path: Path) -> None:
    """A store of an earlier version (an index on the firm of each spelling)
    gets one on (firm, client, spelling) instead: how given ledgers spell
    given firms is read from the index alone, and answers as before."""
    home = tmp_path / "home"
    store = EmbeddedStore(home)
    store.ensure_schema()
    _one(store, tmp_path, LoadJob(_ledger(tmp_path / "c1.csv", ROWS), "C1"))
    keys = [("C1", a.firm_id) for a in store.aliases("C1").values()]
    spelled = store.spellings(keys)
    store.close()
    store = _reopened_after(home, "DROP INDEX aliases_firm_spelling; CREATE INDEX aliases_firm ON aliases(firm_id);")
    try:
        c = store._conn()
        assert _indexes(c, "aliases") == {"aliases_status", "aliases_firm_spelling"}
        plan = " ".join(str(r[3]) for r in c.execute("EXPLAIN QUERY PLAN " + rq.SPELLINGS, ("[]",)))
        assert "COVERING INDEX aliases_firm_spelling" in plan, plan
        assert spelled and store.spellings(keys) == spelled
    finally:
        store.close()


def test_earlier_store_gets_analytics_as_a_rowid_table(tmp_path: Path) -> None:
    """A store of an earlier version (``analytics`` WITHOUT ROWID, its payloads
    in the b-tree searched by name) is rebuilt as a rowid table with an index
    on the name, keeping every entry; entries are written and read as before."""
    home = tmp_path / "home"
    store = EmbeddedStore(home)
    store.ensure_schema()
    entries = [(f"response:{i:03d}", bytes([i % 251]) * (i * 997)) for i in range(40)]
    store.put_analytics_many(entries, 7, "2026-12-06T00:00:00+00:00")
    store.close()
    store = _reopened_after(home, """
        ALTER TABLE analytics RENAME TO a_new;
        CREATE TABLE analytics (name TEXT PRIMARY KEY, data_version INTEGER NOT NULL,
            created_at TEXT NOT NULL, payload BLOB NOT NULL) WITHOUT ROWID;
        INSERT INTO analytics SELECT name, data_version, created_at, payload FROM a_new;
        DROP TABLE a_new;
    """)
    try:
        c = store._conn()
        (sql,) = c.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'analytics'").fetchone()
        assert "WITHOUT ROWID" not in sql.upper()
        plan = " ".join(str(r[3]) for r in c.execute("EXPLAIN QUERY PLAN " + tq.GET_ANALYTICS, ("x",)))
        assert "USING INDEX" in plan, plan
        assert [store.get_analytics(n) for n, _ in entries] == [(7, "2026-12-06T00:00:00+00:00", p) for _, p in entries]
        store.put_analytics("response:001", b"again", 8, "later")  # an upsert on the name
        assert store.get_analytics("response:001") == (8, "later", b"again")
        assert store.get_analytics("response:none") is None
        assert c.execute("SELECT count(*) FROM analytics").fetchone()[0] == len(entries)
    finally:
        store.close()
    store = EmbeddedStore(home)  # a second open finds nothing to migrate
    store.ensure_schema()
    try:
        assert store.get_analytics("response:002") == (7, "2026-12-06T00:00:00+00:00", entries[2][1])
    finally:
        store.close()
