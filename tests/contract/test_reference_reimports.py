"""Importing the same reference file twice changes nothing, on both stores.

A BPO operator runs ``torihiki load`` over a delivery folder again (after
an interruption, or with next month's ledgers beside the same firm
master): the firm master, the registry and the parameters it imports
again are stored as they are, so no row is written, the data version stays
and no refresh follows. A row that did change is written, and only it.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from api.service import ingest_file
from ingest.firm_names import tidy_spelling
from ingest.imports import ImportSummary, import_firms, import_parameters, import_registry
from ingest.manifest import read_manifest
from queries.model import RegistryRecord
from queries.store import Store
from synthetic import GenerateConfig, generate


@pytest.fixture(scope="module")
def region(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("region")
    generate(GenerateConfig(firms=150, clients=15, months=6, seed=5, out=out))
    return out


def _imports(store: Store, region: Path, rejects: Path) -> list[ImportSummary]:
    return [import_firms(store, region / "firms.csv", rejects),
            import_registry(store, region / "registry.csv", rejects),
            import_parameters(store, region / "parameters.csv", rejects)]


def _rewrite(src: Path, dst: Path, change: dict[int, dict[str, str]]) -> Path:
    """``src`` with the cells ``change`` gives for some rows (by index)."""
    with src.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    for i, cells in change.items():
        rows[i].update(cells)
    with dst.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return dst


def test_importing_the_same_files_again_writes_nothing(store: Store, region: Path, tmp_path: Path) -> None:
    first = _imports(store, region, tmp_path / "rejects")
    assert all(s.rows_loaded > 0 and s.changed for s in first)
    # Ledgers after the master: their spellings become the master firms' aliases too.
    entries, _ = read_manifest(region / "manifest.csv")
    for e in entries[:20]:
        ingest_file(store, e.path, e.client_id, e.format, tmp_path / "rejects", progress=False)
    version, names = store.data_version(), {f.id: f.name for f in store.all_firms()}

    again = _imports(store, region, tmp_path / "rejects")
    assert [(s.rows_loaded, s.rows_unchanged) for s in again] == [(s.rows_loaded, s.rows_loaded) for s in first]
    assert not any(s.changed for s in again)
    assert store.data_version() == version
    assert {f.id: f.name for f in store.all_firms()} == names


def test_a_changed_row_is_written_and_only_it(store: Store, region: Path, tmp_path: Path) -> None:
    _imports(store, region, tmp_path / "rejects")
    with (region / "firms.csv").open(encoding="utf-8", newline="") as f:
        master = list(csv.DictReader(f))
    moved = master[0]["firm_id"]
    prefecture = "沖縄県" if master[0].get("prefecture") != "沖縄県" else "北海道"
    firms = import_firms(store, _rewrite(region / "firms.csv", tmp_path / "firms.csv",
                                         {0: {"prefecture": prefecture}}), tmp_path / "rejects")
    assert (firms.rows_unchanged, firms.changed) == (firms.rows_loaded - 1, True)
    assert (firms.rows_written, firms.to_dict()["rows_written"]) == (1, 1)  # what `load --json` reports
    assert store.get_firm(moved).prefecture == prefecture  # type: ignore[union-attr]

    # A registry number listed twice (its history): both rows written in order and the
    # last one stays, even when that last one is what was stored already.
    lines = (region / "registry.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    renamed = lines[0].replace('",', '本社",', 1)  # the name cell, the first quoted one
    number = lines[0].split(",")[1]
    stored = store.registry_get(number)
    version = store.data_version()
    (tmp_path / "registry.csv").write_text(renamed + "".join(lines), encoding="utf-8")
    twice = import_registry(store, tmp_path / "registry.csv", tmp_path / "rejects")
    assert twice.changed and twice.rows_unchanged == twice.rows_loaded - 2
    assert store.data_version() > version and store.registry_get(number) == stored

    # A changed parameter is written; the file as it was then writes it back; then nothing.
    with (region / "parameters.csv").open(encoding="utf-8", newline="") as f:
        first = next(csv.DictReader(f))
    stored_params = store.parameters_of([first["firm_id"]])
    other = {"ordinary_margin_pct": str(float(first["ordinary_margin_pct"]) + 7)}
    changed = import_parameters(store, _rewrite(region / "parameters.csv", tmp_path / "parameters.csv", {0: other}),
                                tmp_path / "rejects")
    assert changed.changed and changed.rows_unchanged == changed.rows_loaded - 1
    assert store.parameters_of([first["firm_id"]]) != stored_params
    back = import_parameters(store, region / "parameters.csv", tmp_path / "rejects")
    assert back.changed and back.rows_unchanged == back.rows_loaded - 1
    assert store.parameters_of([first["firm_id"]]) == stored_params
    version = store.data_version()
    again = import_parameters(store, region / "parameters.csv", tmp_path / "rejects")
    assert not again.changed and store.data_version() == version


def test_an_interrupted_registry_import_run_again_still_names_the_firms(store: Store, region: Path,
                                                                        tmp_path: Path) -> None:
    """The registry's rows were written, the firms' names not yet (the import
    was interrupted): run again, every row is as stored, and the names follow."""
    import_firms(store, region / "firms.csv", tmp_path / "rejects")
    from ingest.readers.registry import read_registry
    from ingest.records import Reject

    # the registry names the firms otherwise than the firm master does (its name wins on display)
    lines = (region / "registry.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    registry = tmp_path / "registry.csv"
    registry.write_text("".join(line.replace('",', '本社",', 1) for line in lines), encoding="utf-8")
    entries = [r for r in read_registry(registry) if not isinstance(r, Reject)]
    records = [RegistryRecord(r.corporate_number, r.name, r.kind_code, r.prefecture, r.city, r.furigana)
               for r in entries]
    store.upsert_registry(records)  # what the interrupted run wrote
    holders = store.firms_by_corporate_numbers([r.corporate_number for r in records])
    registry_names = {f.id: next(r.name for r in records if r.corporate_number == n) for n, f in holders.items()}
    assert holders and any(store.get_firm(f).name != tidy_spelling(n)  # type: ignore[union-attr]
                           for f, n in registry_names.items())
    again = import_registry(store, registry, tmp_path / "rejects")
    assert again.rows_unchanged == again.rows_loaded and again.names_changed > 0 and again.changed
    assert all(store.get_firm(f).name == tidy_spelling(n)  # type: ignore[union-attr]
               for f, n in registry_names.items())
