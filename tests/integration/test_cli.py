"""The CLI end to end, on both real stores: imports, ingest, duplicates,
manifest, clear errors, batches, figures, reconcile."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from ingest.imports import import_firms
from queries.model import Firm
from queries.store import Store
from tests.conftest import SHARED_DATA
from tests.integration.conftest import run

REPO = Path(__file__).resolve().parents[2]
SEED = SHARED_DATA / "seed" / "management_parameters_dummy.csv"
EXTERNAL = SHARED_DATA / "external"


def test_seed_table_imports_as_it_is(cli: Store, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "metrics", "import", str(SEED), "--period", "FY2024", "--json")
    summary = json.loads(out)
    assert code == 0 and summary["rows_read"] == 15 and summary["rows_loaded"] == 15
    assert summary["rows_rejected"] == 0 and len(summary["firms_created"]) == 15
    params = {p.firm_id: dict(p.values) for p in cli.parameters()}
    assert params["7"] == {"size_class": 2, "profitable": 1, "ordinary_margin_pct": 1.64, "employees": 83,
                           "nonregular_ratio_pct": 38.6, "overtime_hours": 20, "ar_turnover_days": 51}
    # Without a period the file cannot be placed in time: one clear reject, nothing loaded.
    code, out, err = run(capsys, "metrics", "import", str(SEED), "--json")
    assert json.loads(out)["rows_rejected"] == 1 and json.loads(out)["rows_loaded"] == 0
    assert code == 2 and err.count("\n") == 1 and "no period" in err


def test_parameters_of_an_unknown_firm_are_rejected_in_a_store_with_clients(
        cli: Store, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """A parameters row whose firm id the firm master does not know is a typo
    in a store with clients (it made a nameless client with no trade, counted
    among the clients): rejected with its line and the ids close to it; the
    other rows load; `--new-client` makes it a client."""
    assert run(capsys, "ingest", str(REPO / "sample" / "ledgers" / "F0001.csv"), "--client", "F0001",
               "--no-refresh")[0] == 0
    params = tmp_path / "p.csv"
    params.write_text("企業ID,期間,従業員数\nF0001,FY2024,12\nF001,FY2024,40\n", encoding="utf-8")
    code, out, err = run(capsys, "metrics", "import", str(params), "--no-refresh", "--json")
    summary = json.loads(out)
    assert (summary["rows_loaded"], summary["rows_rejected"], summary["firms_created"]) == (1, 1, [])
    assert "line 3: there is no client 'F001' in the firm master; did you mean F0001?" in summary["first_reject"]
    assert cli.get_firm("F001") is None and cli.client_ids() == {"F0001"}
    with open(summary["rejects_path"], encoding="utf-8", newline="") as f:  # the row as written
        assert [(r["line"], r["raw"]) for r in csv.DictReader(f)] == [("3", "F001,FY2024,40")]
    code, out, _ = run(capsys, "metrics", "import", str(params), "--no-refresh", "--json", "--new-client")
    assert code == 0 and json.loads(out)["firms_created"] == ["F001"]


def test_load_a_delivery_folder_twice(cli: Store, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """`torihiki load DIR`: firm master, registry, parameters and the ledgers
    under ledgers/<client>.csv in one go; the second run changes nothing."""
    import shutil

    delivery = tmp_path / "delivery"
    shutil.copytree(REPO / "sample", delivery)
    shutil.copy(EXTERNAL / "nta_houjin_bangou_tottori_sample.csv", delivery / "registry.csv")
    (delivery / "parameters.csv").write_text(
        "企業ID,期間,従業員数,経常利益率（％）\nF0001,FY2024,12,3.5\nF0002,FY2024,40,-1.0\n", encoding="utf-8")
    code, out, err = run(capsys, "load", str(delivery), "--no-refresh")
    assert code == 0, err
    assert "firms: " in out and "registry: " in out and "parameters: " in out
    assert "ledgers: 8 files (8 loaded, 0 already loaded, 0 failed)" in out
    assert "8 files had rejected rows" in out  # each sample ledger carries one bad line
    firms, batches = len(cli.all_firms()), len(cli.list_batches())
    pairs, version = len(cli.all_pairs()), cli.data_version()
    assert batches == 8 and pairs > 0 and {p.firm_id for p in cli.parameters()} == {"F0001", "F0002"}
    code, out, _ = run(capsys, "load", str(delivery), "--json")
    report = json.loads(out)
    assert code == 0 and report["ledgers"]["duplicates"] == 8 and report["ledgers"]["rows_loaded"] == 0
    assert report["ledgers"]["repeated_months"] == []
    assert len(cli.all_firms()) == firms and len(cli.list_batches()) == batches
    assert len(cli.all_pairs()) == pairs and cli.data_version() == version
    # Every reference row is stored as it is: nothing is written. The first run left the
    # analytics unrefreshed (--no-refresh), so this one refreshes them; a third does nothing.
    assert all(report[k]["rows_unchanged"] == report[k]["rows_loaded"] > 0 and not report[k]["changed"]
               for k in ("firms", "registry", "parameters"))
    assert not report["changed"] and report["refresh"]["clients"] > 0
    code, out, _ = run(capsys, "load", str(delivery))
    assert code == 0 and cli.data_version() == version
    assert "nothing changed: the store held every part of this delivery as it is" in out
    assert "network metrics of" not in out  # no refresh


def test_load_errors_are_one_line(cli: Store, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    for argv, says in ((["load", str(tmp_path / "missing")], "no such folder"),
                       (["load", str(tmp_path)], "nothing to load"),
                       (["ingest", "--manifest", str(tmp_path)], "is a folder"),
                       (["ingest", "--manifest", str(tmp_path / "none.csv")], "no such manifest file")):
        code, _, err = run(capsys, *argv)
        assert code == 2 and says in err and err.count("\n") == 1 and "Traceback" not in err, argv


def test_every_cli_option_has_help() -> None:
    import argparse

    from api.cli import build_parser

    missing: list[str] = []

    def walk(parser: argparse.ArgumentParser, prefix: str) -> None:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    walk(sub, f"{prefix} {name}")
            elif not isinstance(action, argparse._HelpAction) and not action.help:
                missing.append(f"{prefix} {'/'.join(action.option_strings) or action.dest}")

    walk(build_parser(), "torihiki")
    assert not missing, missing


def test_ingest_json_duplicate_and_rejects(cli: Store, capsys: pytest.CaptureFixture[str]) -> None:
    ledger = REPO / "sample" / "ledgers" / "F0003.csv"
    code, out, _ = run(capsys, "ingest", str(ledger), "--json")
    first = json.loads(out)
    assert code == 0 and first["duplicate"] is False and first["format"] == "canonical"
    assert first["rows_read"] == first["rows_loaded"] + first["rows_rejected"] + first["rows_skipped"]
    with open(first["rejects_path"], encoding="utf-8") as fh:
        rejects = list(csv.DictReader(fh))
    assert len(rejects) == first["rows_rejected"] == 1
    assert rejects[0]["column"] == "date" and rejects[0]["line"].isdigit() and rejects[0]["raw"]
    before = cli.counts()
    code, out, _ = run(capsys, "ingest", str(ledger), "--json")
    again = json.loads(out)
    assert again["duplicate"] is True and again["batch_id"] == first["batch_id"]
    assert cli.counts() == before


def test_a_file_that_loads_nothing_fails_the_command(cli: Store, capsys: pytest.CaptureFixture[str],
                                                     tmp_path: Path) -> None:
    """Every line is rejected (no amount can be read). The load is recorded
    (its rejects can be read), but the command says nothing was loaded and
    exits 1, so that a script notices."""
    bad = tmp_path / "bad.csv"
    bad.write_text("date,counterparty_name,direction,amount\n2025-04-10,株式会社エー,sale,1.2.3\n"
                   "2025-04-11,株式会社ビー,sale,abc\n", encoding="utf-8")
    code, out, err = run(capsys, "ingest", str(bad), "--client", "F0001")
    assert code == 1 and "0 loaded" in out and "1 file(s) loaded nothing: every line was rejected" in err


def test_external_zengin_files(cli: Store, capsys: pytest.CaptureFixture[str]) -> None:
    files = sorted(EXTERNAL.glob("zengin_*.txt"))
    code, out, _ = run(capsys, "ingest", *map(str, files), "--client", "F0001", "--json")
    results = {Path(r["file"]).name: r for r in map(json.loads, out.splitlines())}
    assert code == 0
    assert results["zengin_sogo_furikomi_multi-transaction.txt"]["rows_loaded"] == 2
    assert results["zengin_sogo_furikomi_single-transaction.txt"]["rows_loaded"] == 1
    assert results["zengin_sogo_furikomi_empty.txt"]["rows_read"] == 0
    assert all(r["format"] == "zengin" and r["rows_rejected"] == 0 for r in results.values())
    paid = sum(p.amount for p in cli.payments(["F0001"], None, None))
    assert paid == 1_702_961 + 1_103_661  # the two trailers' totals (multi + single)
    code, out, _ = run(capsys, "ingest", str(EXTERNAL / "zengin_sogo_furikomi_multi-transaction.txt"), "--client",
                       "F0002", "--new-client", "--no-refresh")  # in words: which months the dates were read as
    assert code == 0 and "  transfers dated 20" in out and "a 全銀 date has no year" in out, out


def test_unreadable_file_is_one_clear_error(cli: Store, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    binary = tmp_path / "photo.csv"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 10)
    good = REPO / "sample" / "ledgers" / "F0002.csv"
    code, out, err = run(capsys, "ingest", str(binary), str(good))
    assert code == 2
    assert "photo.csv" in err and "Traceback" not in err and err.count("\n") == 1
    assert "F0002.csv: loaded as batch" in out  # the good file in the same run still loaded
    code, _, err = run(capsys, "ingest", str(tmp_path / "missing.csv"), "--client", "F0002")
    assert code == 2 and "missing.csv" in err and "Traceback" not in err


def test_a_mistyped_client_id_loads_nothing(cli: Store, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """In a store with clients, an id the firm master does not know is a typo
    until said otherwise: it would become a nameless client in every table,
    and a rollback leaves it (found by a BPO analyst: F00041 for F000041)."""
    ledger = REPO / "sample" / "ledgers" / "F0001.csv"
    assert run(capsys, "ingest", str(ledger), "--client", "F0001", "--no-refresh")[0] == 0  # the first client
    batches = len(cli.list_batches())
    code, out, err = run(capsys, "ingest", str(ledger), "--client", "F001", "--no-refresh")
    assert code == 2 and "there is no client 'F001' in the firm master; did you mean F0001?" in err
    assert "--new-client" in err and cli.get_firm("F001") is None and len(cli.list_batches()) == batches
    own = tmp_path / "f9.csv"
    own.write_text("date,counterparty_name,direction,amount\n2025-04-10,株式会社エー,sale,1000\n", encoding="utf-8")
    code, _, err = run(capsys, "ingest", str(own), "--client", "F0009", "--new-client", "--no-refresh")
    assert code == 0, err
    assert cli.get_firm("F0009").is_client  # type: ignore[union-attr]


def test_rows_naming_an_unknown_client_load_nothing_of_their_file(
        cli: Store, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """A file given no client whose rows name their own (client_id column): in
    a store with clients, a row naming an id the firm master does not know
    (F001 for F0001) refuses the file, with its lines and the ids close to it
    (loaded, it would make a nameless client, and its batch would stand in the
    way of the file corrected); the run's other files load, and `--new-client`
    loads it with the new client."""
    assert run(capsys, "ingest", str(REPO / "sample" / "ledgers" / "F0001.csv"), "--client", "F0001",
               "--no-refresh")[0] == 0  # the store has a client
    batches = len(cli.list_batches())
    mixed = tmp_path / "mixed.csv"
    mixed.write_text("client_id,date,counterparty_name,direction,amount\n"
                     "F0001,2025-04-10,株式会社エー,sale,1000\n"
                     "F001,2025-04-11,株式会社ビー,sale,2000\n"
                     "F001,2025-04-12,株式会社シー,purchase,3000\n", encoding="utf-8")
    good = tmp_path / "good.csv"
    good.write_text("client_id,date,counterparty_name,direction,amount\n"
                    "F0001,2025-05-10,株式会社エー,sale,1000\n", encoding="utf-8")
    code, out, err = run(capsys, "ingest", str(mixed), str(good), "--no-refresh", "--workers", "2")
    assert code == 2
    assert "mixed.csv: rows name a client the firm master does not know (lines 3, 4: there is no client " \
           "'F001' in the firm master; did you mean F0001?)" in err, err
    assert "--new-client" in err and err.count("\n") == 1, err  # the good file is no error
    assert cli.get_firm("F001") is None and len(cli.list_batches()) == batches + 1  # good.csv loaded
    assert not any(b.file.endswith("mixed.csv") for b in cli.list_batches())  # no batch in the way
    code, out, err = run(capsys, "ingest", str(mixed), "--no-refresh", "--new-client")
    assert code == 0, err
    assert cli.get_firm("F001").is_client and len(cli.list_batches()) == batches + 2  # type: ignore[union-attr]


def test_a_file_given_another_client_than_its_rows_name_loads_nothing(
        cli: Store, capsys: pytest.CaptureFixture[str]) -> None:
    """Every row names F0004 and the file is given F0005: it is refused as a
    whole, with the client its rows name, and no load of nothing is kept (it
    stood in the way, and its note told to roll back F0004's good load)."""
    ledger = REPO / "sample" / "ledgers" / "F0004.csv"
    assert run(capsys, "ingest", str(ledger), "--client", "F0004", "--no-refresh")[0] == 0
    assert run(capsys, "ingest", str(REPO / "sample" / "ledgers" / "F0005.csv"), "--client", "F0005", "--new-client",
               "--no-refresh")[0] == 0
    batches = len(cli.list_batches())
    code, out, err = run(capsys, "ingest", str(ledger), "--client", "F0005", "--no-refresh")
    assert code == 2 and "its rows name another client than F0005 (F0004): give the client its rows name" in err
    assert "rollback" not in out + err and len(cli.list_batches()) == batches, out + err


def test_the_same_file_for_its_client_and_by_its_rows_is_one_load(
        cli: Store, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """The same bytes loaded for one client and again letting each row name
    its own (or the other way round) hold the same rows: the second is the
    first load again, not a second one that doubles the client's sums (found
    by an analyst: `load` of a delivery, then `ingest` of one of its files)."""
    ledger = REPO / "sample" / "ledgers" / "F0007.csv"  # each row names F0007
    assert run(capsys, "ingest", str(ledger), "--client", "F0007", "--new-client", "--no-refresh")[0] == 0
    (first,) = cli.list_batches()
    sums = cli.ledger_sums("F0007")
    code, out, err = run(capsys, "ingest", str(ledger), "--no-refresh")
    assert code == 0, err
    assert f"already loaded as batch {first.id} for client F0007 (canonical) — nothing changed" in out, out
    assert len(cli.list_batches()) == 1 and cli.ledger_sums("F0007") == sums
    # a file of two clients' rows, first loaded for one of them: the other's rows were rejected there
    both = tmp_path / "both.csv"
    both.write_text("date,client_id,counterparty_name,direction,amount\n"
                    "2025-04-10,F0007,株式会社エー,sale,1000\n2025-04-11,F0008,株式会社ビー,sale,2000\n",
                    encoding="utf-8")
    assert run(capsys, "ingest", str(both), "--client", "F0008", "--new-client", "--no-refresh")[0] == 0
    code, out, _ = run(capsys, "ingest", str(both), "--no-refresh")
    assert "rows naming other clients than F0008 were rejected there: to load every client's rows, " \
           "`torihiki batches rollback" in out, out
    # the other way round: loaded as its rows name, then for one client
    third = tmp_path / "third.csv"
    third.write_text("date,client_id,counterparty_name,direction,amount\n2025-05-10,F0007,株式会社エー,sale,500\n",
                     encoding="utf-8")
    assert run(capsys, "ingest", str(third), "--no-refresh")[0] == 0
    batches = len(cli.list_batches())
    code, out, _ = run(capsys, "ingest", str(third), "--client", "F0007", "--no-refresh")
    assert code == 0 and "for the clients its rows name (canonical) — nothing changed" in out, out
    assert len(cli.list_batches()) == batches
    # a copy saved again (other bytes, the same rows): loaded, with a warning naming the client and the earlier load
    (copy := tmp_path / "third copy.csv").write_bytes(third.read_bytes() + b"\n")
    code, out, _ = run(capsys, "ingest", str(copy), "--no-refresh")
    assert code == 0 and "warning: 1 month(s) of this file (2025-05) are also in batch " in out, out
    assert "(third.csv) of client F0007 and the same kind of ledger" in out, out


def test_a_delivery_naming_an_unknown_client_loads_its_other_files(
        cli: Store, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """`torihiki load`: a ledger whose client neither the store nor the
    delivery's firms.csv knows is not loaded (a typo in the manifest or a
    folder's name would make a nameless client); the delivery's other files
    load, and `--new-client` loads it as a new client."""
    import shutil

    first = tmp_path / "first"
    shutil.copytree(REPO / "sample", first)
    assert run(capsys, "load", str(first), "--no-refresh")[0] == 0  # firms.csv makes F0001…F0008 clients
    batches = len(cli.list_batches())
    later = tmp_path / "later"
    (later / "ledgers").mkdir(parents=True)
    (later / "firms.csv").write_text("firm_id,name,is_client\nF0010,株式会社テン,1\n", encoding="utf-8")
    for client in ("F001", "F0010"):  # F001: a typo of F0001; F0010: new in this delivery's firms.csv
        (later / "ledgers" / f"{client}.csv").write_text(
            "date,counterparty_name,direction,amount\n2025-04-10,株式会社エー,sale,1000\n", encoding="utf-8")
    code, out, err = run(capsys, "load", str(later), "--no-refresh")
    assert code == 2
    assert "F001.csv: there is no client 'F001' in the firm master; did you mean " in err, err
    assert "F0001?" in err and "--new-client" in err and err.count("\n") == 1  # F0010's file is no error
    assert cli.get_firm("F001") is None and len(cli.list_batches()) == batches + 1  # F0010's file loaded
    assert "1 loaded, 0 already loaded, 1 failed" in out, out
    code, out, _ = run(capsys, "load", str(later), "--no-refresh")  # again: F001 only is left, and said
    assert code == 2 and "1 files not loaded: no such client" in out and "nothing changed" not in out, out
    code, out, _ = run(capsys, "load", str(later), "--no-refresh", "--json")
    refused = json.loads(out)["ledgers"]["unknown_clients"]
    assert [(r["client_id"], r["file"].endswith("F001.csv"), "F0001" in r["did_you_mean"]) for r in refused] \
        == [("F001", True, True)]
    code, out, err = run(capsys, "load", str(later), "--no-refresh", "--new-client")
    assert code == 0, err
    assert cli.get_firm("F001").is_client and len(cli.list_batches()) == batches + 2  # type: ignore[union-attr]


def test_a_delivery_file_that_loads_nothing_is_said(cli: Store, capsys: pytest.CaptureFixture[str],
                                                    tmp_path: Path) -> None:
    """`torihiki load`, as `ingest`: a ledger every line of which is rejected
    is said on stderr and the command exits 1 (it said 1 loaded and exited 0)."""
    (tmp_path / "d" / "ledgers").mkdir(parents=True)
    (tmp_path / "d" / "firms.csv").write_text("firm_id,name,is_client\nF0001,株式会社ワン,1\n", encoding="utf-8")
    (tmp_path / "d" / "ledgers" / "F0001.csv").write_text(
        "date,counterparty_name,direction,amount\n2025-04-10,株式会社エー,sale,1.2.3\n2025-04-11,株式会社ビー,sale,x\n",
        encoding="utf-8")
    code, out, err = run(capsys, "load", str(tmp_path / "d"), "--no-refresh")
    assert code == 1 and "1 file(s) loaded nothing: every line was rejected" in err, (out, err)


def test_figures_of_a_firm_without_ledger_lines_say_so(cli: Store, capsys: pytest.CaptureFixture[str]) -> None:
    """A client in the firm master whose ledger is not loaded (or was rolled back): a sentence, not a bare header."""
    assert run(capsys, "firms", "import", str(REPO / "sample" / "firms.csv"))[0] == 0
    code, out, _ = run(capsys, "figures", "F0002")
    assert code == 0 and "no ledger lines of F0002 are loaded" in out, out


def test_figures_name_the_months_a_balance_is_below_zero(cli: Store, capsys: pytest.CaptureFixture[str],
                                                          tmp_path: Path) -> None:
    """Payments of months whose purchases are not loaded (a 全銀 file read a
    year off the journal) took the payable balance below zero with no word:
    the figures name those months and say why; the API's answer lists them."""
    ledger = tmp_path / "F0009.csv"
    ledger.write_text("date,client_id,counterparty_name,counterparty_id,corporate_number,direction,amount,memo\n"
                      "2024-04-10,F0009,株式会社奥出雲テック,,,payment,80000,\n"
                      "2025-04-10,F0009,株式会社奥出雲テック,,,purchase,100000,\n", encoding="utf-8")
    assert run(capsys, "ingest", str(ledger), "--client", "F0009", "--no-refresh", "--new-client")[0] == 0
    code, out, _ = run(capsys, "figures", "F0009")
    assert code == 0 and "payable below zero in 2024-04–2025-03: the ledger records more paid than bought" in out
    assert "receivable below zero" not in out
    data = json.loads(run(capsys, "figures", "F0009", "--json")[1])
    assert data["below_zero"] == {"receivable": [], "payable": [["2024-04", "2025-03"]]}


def test_whatif_of_a_partner_on_one_side_only(cli: Store, capsys: pytest.CaptureFixture[str],
                                              tmp_path: Path) -> None:
    """A firm that buys nothing in the window has no supply share (None): the
    CLI printed its first line and then failed multiplying None; now a dash."""
    ledger = tmp_path / "F0009.csv"
    ledger.write_text("date,counterparty_name,direction,amount\n"
                      + "".join(f"2025-{m:02d}-10,株式会社奥出雲テック,sale,100000\n"
                                f"2025-{m:02d}-12,株式会社大田機械,sale,40000\n" for m in range(1, 13)),
                      encoding="utf-8")
    assert run(capsys, "ingest", str(ledger), "--client", "F0009", "--new-client")[0] == 0
    ego = json.loads(run(capsys, "ego", "F0009", "--json")[1])
    customer = next(n["id"] for n in ego["nodes"] if n["name"] == "株式会社奥出雲テック")
    code, out, err = run(capsys, "whatif", "F0009", "--fails", customer)
    assert code == 0, err
    assert "sales share 71.4%, supply share —" in out and "two-hop propagation: loss" in out, out
    assert "receivables from it ¥" in out and "(estimated: recent sales × 60 days)" in out, out


def test_review_decisions_in_the_cli_are_audited_and_say_to_refresh(
        cli: Store, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """`review accept`, `undo` and a decision on an item no longer waiting
    were in no audit log (the review page audits each) and left the portfolio
    stale without a word: each is audited as the operator, with the page's
    details, and the reply says to refresh (or `--refresh` does)."""
    from ingest import review
    from ingest.corporate_number import check_digit
    from queries.model import RegistryRecord

    number = f"{check_digit('280001000001')}280001000001"
    cli.upsert_registry([RegistryRecord(number, "株式会社出雲精密工業所", "301", "島根県", None,
                                        "イズモセイミツコウギョウショ")])
    ledger = tmp_path / "X.csv"
    ledger.write_text("date,counterparty_name,direction,amount\n2025-04-01,株式会社出雲精蜜工業所,sale,300000\n"
                      "2025-04-02,株式会社出雲精密工業所,sale,200000\n", encoding="utf-8")
    assert run(capsys, "ingest", str(ledger), "--client", "X", "--new-client", "--no-refresh")[0] == 0
    (item,) = review.review_queue(cli)
    code, out, _ = run(capsys, "review", "accept", item.id, "--note", "typo")
    assert code == 0 and "run `torihiki refresh` once the decisions are made" in out, out
    (merge,) = [m for m in cli.list_merges() if m.method == "review"]
    assert run(capsys, "review", "accept", item.id)[0] == 2  # no longer waiting: refused, and audited so
    code, out, _ = run(capsys, "review", "undo", merge.id, "--refresh", "--json")
    assert code == 0 and json.loads(out.strip().splitlines()[-1])["undone_at"]
    entries, _ = cli.audit_log(limit=20)
    decisions = [(e.action, e.firm_id, e.outcome, e.detail) for e in entries if e.action.startswith("review.")]
    assert decisions == [
        ("review.undo", item.firm_id, "ok", f"merge {merge.id} undone: {item.candidate_id} → {item.firm_id}"),
        ("review.accept", None, "invalid", decisions[1][3]),
        ("review.accept", item.candidate_id, "ok", f"{item.id}: {item.firm_id} merged into {item.candidate_id} "
                                                   f"(merge {merge.id})")], decisions
    assert decisions[1][3].startswith(f"{item.id}: ")
    assert all(e.user.startswith("system:") for e in entries if e.action.startswith("review."))


def test_manifest_loads_many_clients(cli: Store, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    man = tmp_path / "manifest.csv"
    rows = ["path,client_id,format"]
    for p in sorted((REPO / "sample" / "ledgers").glob("*.csv"))[:3]:
        rows.append(f"{p},{p.stem},canonical")
    rows.append("nope.csv,F9,")
    rows.append(",F9,")
    man.write_text("\n".join(rows) + "\n", encoding="utf-8")
    code, out, err = run(capsys, "ingest", "--manifest", str(man))
    assert code == 2  # one missing file and one bad manifest row
    assert "total: 5 files (3 loaded, 0 already loaded, 2 failed)" in out  # every file named, each counted once
    assert "manifest.csv:6: path and client_id are required" in err and "nope.csv" in err
    assert len(cli.list_batches()) == 3


def _canonical(path: Path, months: list[int]) -> Path:
    path.write_text("date,counterparty_name,direction,amount\n"
                    + "".join(f"2025-{m:02d}-10,株式会社エー,sale,1000\n" for m in months), encoding="utf-8")
    return path


def test_a_run_of_many_files_names_those_repeating_months(cli: Store, capsys: pytest.CaptureFixture[str],
                                                          tmp_path: Path) -> None:
    """A quarter's export and the half-year's in one run (the same entries
    twice): the later file names the earlier, once; a later run names the
    loads of before it; files of other months or clients are not named."""
    q1 = _canonical(tmp_path / "q1.csv", [1, 2, 3])
    h1 = _canonical(tmp_path / "h1.csv", [1, 2, 3, 4, 5, 6])
    h2 = _canonical(tmp_path / "h2.csv", [7, 8, 9, 10, 11, 12])
    code, out, err = run(capsys, "ingest", str(q1), str(h1), str(h2), "--client", "C1", "--no-refresh")
    assert code == 0, err
    ids = {Path(b.file).name: b.id for b in cli.list_batches()}
    assert f"h1.csv (batch {ids['h1.csv']}, client C1):" in out
    assert (f"warning: 3 month(s) of this file (2025-01–2025-03) are also in batch {ids['q1.csv']} (q1.csv)"
            in out)
    assert out.count("warning: ") == 1 and "; 1 files repeat months of another load" in out
    year = _canonical(tmp_path / "year.csv", list(range(4, 13)))
    other = _canonical(tmp_path / "c2.csv", [1, 2, 3])
    code, out, err = run(capsys, "ingest", "--json", "--no-refresh", "--new-client", "--manifest",
                         str(_manifest(tmp_path, [(year, "C1"), (other, "C2")])))
    assert code == 0, err
    repeats = json.loads(out.strip().splitlines()[-1])["repeated_months"]
    assert [(Path(r["file"]).name, r["client_id"]) for r in repeats] == [("year.csv", "C1")]
    assert {o["file"]: o["months"] for o in repeats[0]["overlaps"]} == {
        "h1.csv": ["2025-04", "2025-05", "2025-06"], "h2.csv": [f"2025-{m:02d}" for m in range(7, 13)]}
    # looked at again later, for every load: each pair sharing months named once
    code, out, _ = run(capsys, "batches", "check", "--json")
    found = json.loads(out)
    assert code == 0 and found["loads"] == 5 and found["double_settlements"] == []
    pairs = [frozenset((r["file"], o["file"])) for r in found["repeated_months"] for o in r["overlaps"]]
    assert sorted(map(sorted, pairs)) == [["h1.csv", "q1.csv"], ["h1.csv", "year.csv"], ["h2.csv", "year.csv"]]
    code, out, _ = run(capsys, "batches", "check", "--client", "C2")
    assert code == 0 and out.strip() == ("1 loads checked: 0 repeat months of another load of their client and "
                                         "kind of ledger; 0 clients have settlements in both a journal and a bank file")
    code, _, err = run(capsys, "batches", "check", "--client", "C22")  # a mistyped id is said, not "0 loads"
    assert code == 2 and "no firm 'C22'" in err


def test_batches_check_names_a_stored_load_whose_rows_name_their_clients(
        cli: Store, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """A file of many clients' rows loaded first (no client given), then C1's
    own export of the same months: `batches check` names the pair once, for
    C1, with and without `--client C1`; `--client C2` names nothing of C1's."""
    cli.upsert_firms([Firm("C1", "株式会社一", is_client=True), Firm("C2", "株式会社二", is_client=True)])
    many = tmp_path / "many.csv"
    many.write_text("date,client_id,counterparty_name,direction,amount\n"
                    "2025-01-10,C1,株式会社エー,sale,1000\n2025-02-10,C2,株式会社エー,sale,1000\n", encoding="utf-8")
    assert run(capsys, "ingest", str(many), "--no-refresh")[0] == 0
    assert run(capsys, "ingest", str(_canonical(tmp_path / "c1.csv", [1, 2])), "--client", "C1", "--no-refresh")[0] == 0
    for client in ((), ("--client", "C1")):
        code, out, _ = run(capsys, "batches", "check", "--json", *client)
        found = json.loads(out)
        assert code == 0 and found["loads"] == 2, found
        assert [(r["file"], [(o["file"], o["client_id"], o["months"]) for o in r["overlaps"]])
                for r in found["repeated_months"]] == [("many.csv", [("c1.csv", "C1", ["2025-01"])])], found
    code, out, _ = run(capsys, "batches", "check", "--json", "--client", "C2")
    assert code == 0 and json.loads(out)["repeated_months"] == [] and json.loads(out)["loads"] == 1


def test_a_run_names_a_journal_and_a_bank_statement_holding_the_same_settlements(
        cli: Store, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    journal = tmp_path / "journal.csv"
    journal.write_text("date,counterparty_name,direction,amount\n2025-06-30,山田商事株式会社,sale,110000\n"
                       "2025-07-01,山田商事株式会社,receipt,110000\n", encoding="utf-8")
    bank = REPO / "tests" / "fixtures" / "ledgers" / "bank_a.csv"
    code, out, err = run(capsys, "ingest", str(journal), str(bank), "--client", "C1", "--no-refresh")
    assert code == 0, err
    ids = {Path(b.file).name: b.id for b in cli.list_batches()}
    assert "client C1:\n  warning: the receipts of 1 month(s) (2025-07) are in the journal, batch " in out
    assert f"batch {ids['journal.csv']} (journal.csv), and in the bank statement or 全銀 file, batch " in out
    assert "; 1 clients have settlements in both a journal and a bank file" in out
    assert "the payments of" not in out  # the journal books no payment, the statement one


def test_ingest_takes_only_the_months_asked(cli: Store, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    year = _canonical(tmp_path / "year.csv", [1, 2, 3, 4])
    code, out, err = run(capsys, "ingest", str(year), "--client", "C1", "--months", "2025-03..", "--no-refresh")
    assert code == 0, err
    assert "4 rows read, 2 loaded, 0 rejected, 0 skipped, 2 outside the months taken (2025-03..);" in out
    assert cli.ledger_sums("C1")["sales"] == {"2025-03": 1000, "2025-04": 1000}
    code, _, err = run(capsys, "ingest", str(year), "--client", "C1", "--months", "2025-13")
    assert code == 2 and err.strip() == "error: --months: '2025-13' is not a month (YYYY-MM)"


def _manifest(tmp_path: Path, files: list[tuple[Path, str]]) -> Path:
    man = tmp_path / "manifest.csv"
    man.write_text("path,client_id,format\n" + "".join(f"{p},{c},canonical\n" for p, c in files), encoding="utf-8")
    return man


def test_firms_registry_batches_figures_reconcile(cli: Store, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "firms", "import", str(REPO / "sample" / "firms.csv"))[0] == 0
    code, out, _ = run(capsys, "registry", "import", str(EXTERNAL / "nta_houjin_bangou_tottori_sample.csv"), "--json")
    assert code == 0 and json.loads(out)["rows_loaded"] == 5
    assert cli.registry_get("1280001007263").name == "株式会社souvenir"  # type: ignore[union-attr]
    for p in sorted((REPO / "sample" / "ledgers").glob("*.csv")):
        assert run(capsys, "ingest", str(p))[0] == 0
    f = cli.get_firm("F0001")
    assert f is not None and f.name == "株式会社山陰精工" and f.industry == "E" and f.is_client
    code, out, _ = run(capsys, "figures", "F0001", "--json")
    months = json.loads(out)["months"]
    assert code == 0 and len(months) == 12 and all(m["sales"] >= 0 for m in months)
    code, out, _ = run(capsys, "peers", "F0001")  # a small division: the group said in words, not None
    assert code == 0 and out.startswith("F0001 against its peers: JSIC division E (the firm's size class ")
    assert "fewer than 5 firms" in out.splitlines()[0] and "None" not in out.splitlines()[0], out
    code, out, _ = run(capsys, "reconcile", "--json")
    assert code == 0 and json.loads(out)["flows_compared"] > 0
    code, out, _ = run(capsys, "batches", "list", "--json")
    batches = json.loads(out)
    assert len(batches) == 8
    kept = Path(batches[0]["rejects_path"])
    assert kept.is_file()  # each sample ledger has a bad line
    code, out, _ = run(capsys, "batches", "rollback", batches[0]["id"])
    assert code == 0 and "rolled back" in out and len(cli.list_batches()) == 7
    assert not kept.exists()  # its rejected lines (a client's ledger) go with the load
    (entry, *_), _ = cli.audit_log(action="batch.rollback")  # the loads page names it among the rolled back
    assert entry.firm_id == (batches[0]["client_id"] or None) and entry.detail.startswith(f"{batches[0]['id']}: ")
    assert entry.detail.endswith(f"; file {Path(batches[0]['file']).name}")
    signals = cli.get_analytics("portfolio_signals")  # computed again: the rollback is counted
    assert signals is not None and signals[0] == cli.data_version()
    code, _, err = run(capsys, "batches", "rollback", "bnope")
    assert code == 2 and "no batch" in err
    code, _, err = run(capsys, "ego", "NOPE")
    assert code == 2 and "no firm" in err


def test_cli_reads_of_firm_data_are_audited(cli: Store, capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "ingest", str(REPO / "sample" / "ledgers" / "F0001.csv"), "--client", "F0001", "--no-refresh")
    code, out, _ = run(capsys, "ego", "F0001")
    assert code == 0 and ", every month loaded\n" in out  # and whose ledgers its sums are:
    assert "as every loaded ledger records it, the partners' included; `torihiki figures F0001`" in out
    assert run(capsys, "figures", "NOPE")[0] == 2
    assert run(capsys, "firms", "search", "F00")[0] == 0
    entries, _ = cli.audit_log(limit=20)
    seen = {(e.action, e.firm_id, e.outcome) for e in entries}
    assert {("firm.ego", "F0001", "ok"), ("firm.figures", "NOPE", "not_found"), ("firm.search", None, "ok")} <= seen
    assert all(e.user.startswith("system:") for e in entries if e.action.startswith("firm."))


def test_a_closed_pipe_ends_the_command_quietly_and_the_caller_keeps_its_handling(
        cli: Store, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """``torihiki … | head`` ends without a traceback (the default SIGPIPE
    while a command writes); a process that calls ``main`` in-process (the
    test suite, whose TCP relays write to sockets that close) gets its own
    handling back afterwards, where it used to be left with the default,
    which ends the whole process on the next write to a closed socket."""
    import signal
    import subprocess
    import sys

    before = signal.getsignal(signal.SIGPIPE)
    assert run(capsys, "firms", "search", "zz-none")[0] == 0
    assert signal.getsignal(signal.SIGPIPE) == before == signal.SIG_IGN
    # ~100 kB of lines into a pipe (its buffer holds 64 kB) whose reader stops after the first
    script = ("import sys; from api.cli import main; "
              "sys.exit(main(['firms', 'import', sys.argv[1]]) or main(['firms', 'search', 'PIPE', '--limit', '3000']))")
    firms = tmp_path / "firms.csv"
    firms.write_text("firm_id,name\n" + "".join(f"PIPE{i:04d},会社{i}\n" for i in range(3000)), encoding="utf-8")
    p = subprocess.run(f"{sys.executable} -c \"{script}\" {firms} | head -1", shell=True, capture_output=True,
                       text=True, cwd=Path(__file__).resolve().parents[2])
    assert p.stdout.count("\n") == 1
    assert "Traceback" not in p.stderr and "BrokenPipe" not in p.stderr, p.stderr


def test_export_without_a_key_says_how(cli: Store, capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """No TORIHIKI_EXPORT_KEY: one clear error and nothing written; where `make run`
    keeps its demo key, the error names the file."""
    from api.settings import get_settings

    monkeypatch.delenv("TORIHIKI_EXPORT_KEY", raising=False)
    get_settings.cache_clear()
    out = tmp_path / "research"
    code, _, err = run(capsys, "export", "--out", str(out))
    assert code == 2 and "TORIHIKI_EXPORT_KEY" in err and "demo-export-key" not in err
    assert not out.exists()
    demo_key = tmp_path / "home" / "demo-export-key"
    demo_key.parent.mkdir(parents=True, exist_ok=True)
    demo_key.write_text("k" * 40, encoding="utf-8")
    code, _, err = run(capsys, "export", "--out", str(out))
    assert code == 2 and str(demo_key) in err and not out.exists()

def test_a_cli_export_is_audited_with_its_months_and_the_files_hashes(
        cli: Store, capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``torihiki export`` records, as the web export does, the months it
    covers and what it handed out: each file's SHA-256."""
    import hashlib

    from api.settings import get_settings

    import_firms(cli, _firm_master(tmp_path / "a.csv", "C1,株式会社一,1\n"), tmp_path / "rejects")
    ledger = tmp_path / "c1.csv"
    ledger.write_text("date,counterparty_name,direction,amount\n2025-01-15,株式会社三,sale,1000\n"
                      "2025-02-15,株式会社三,sale,2000\n", encoding="utf-8")
    assert run(capsys, "ingest", str(ledger), "--client", "C1", "--no-refresh")[0] == 0
    monkeypatch.setenv("TORIHIKI_EXPORT_KEY", "k" * 32)
    get_settings.cache_clear()
    out = tmp_path / "research"
    code, _, err = run(capsys, "export", "--out", str(out), "--from", "2025-01", "--to", "2025-02",
                       "--for", "ann")
    assert code == 0, err
    entries, _ = cli.audit_log(action="export")
    details = entries[0].detail
    assert "csv, 2025-01–2025-02, for ann" in details
    nodes = hashlib.sha256((out / "nodes.csv").read_bytes()).hexdigest()
    assert f"nodes.csv sha256 {nodes}" in details and "export.json sha256 " in details
    # no last month given: the region's month (here C1's last), written down
    code, _, err = run(capsys, "export", "--out", str(tmp_path / "again"))
    meta = json.loads((tmp_path / "again" / "export.json").read_text(encoding="utf-8"))
    assert code == 0 and meta["month_to"] == meta["region_month"] == "2025-02" and "partial_months" not in meta


def test_loading_an_ended_clients_ledger_says_it_makes_it_a_client_again(
        cli: Store, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    import_firms(cli, _firm_master(tmp_path / "a.csv", "C1,株式会社一,0\n"), tmp_path / "rejects")
    ledger = tmp_path / "c1.csv"
    ledger.write_text("date,counterparty_name,direction,amount\n2025-01-15,株式会社三,sale,1000\n", encoding="utf-8")
    code, _, err = run(capsys, "ingest", str(ledger), "--client", "C1", "--no-refresh")
    assert code == 0 and "C1 is no client in the firm master" in err and "makes it a client again" in err


def _firm_master(path: Path, rows: str) -> Path:
    path.write_text("firm_id,name,顧客\n" + rows, encoding="utf-8")
    return path
