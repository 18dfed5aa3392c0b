"""A client leaves the portfolio when the firm master says so, on both stores.

``is_client`` only ever turned on: a client whose contract ended, or a firm
made a client by mistake (a typed id), stayed in every table for good. A firm
master row with the client flag 0 (0, no, いいえ, ×) now ends it; an empty
cell keeps what is stored. Its ledgers and trade stay."""

from __future__ import annotations

from pathlib import Path

from api.service import ingest_file
from ingest.imports import import_firms
from queries.store import Store


def _master(path: Path, rows: str) -> Path:
    path.write_text("firm_id,name,顧客\n" + rows, encoding="utf-8")
    return path


def test_a_firm_master_flag_of_0_ends_a_client_and_an_empty_one_keeps_it(store: Store, tmp_path: Path) -> None:
    first = import_firms(store, _master(tmp_path / "a.csv", "C1,株式会社一,1\nC2,株式会社二,1\nN1,株式会社三,\n"),
                         tmp_path / "rejects")
    assert first.clients_ended == [] and store.client_ids() == {"C1", "C2"}
    ledger = tmp_path / "c1.csv"
    ledger.write_text("date,counterparty_name,direction,amount\n2025-01-15,株式会社三,sale,1000\n", encoding="utf-8")
    ingest_file(store, ledger, "C1", "canonical", tmp_path / "rejects")
    traded = len(store.pairs_of("C1"))
    assert traded == 1

    before = store.data_version()
    later = import_firms(store, _master(tmp_path / "b.csv", "C1,株式会社一,いいえ\nC2,株式会社二,\nN1,株式会社三,0\n"),
                         tmp_path / "rejects")
    assert later.clients_ended == ["C1"]  # N1 was none: nothing to end
    assert store.client_ids() == {"C2"} and store.get_firm("C1").is_client is False  # type: ignore[union-attr]
    assert store.get_firm("C2").is_client is True  # type: ignore[union-attr]  # empty: kept
    assert len(store.pairs_of("C1")) == traded  # its ledger stays
    assert store.data_version() > before
    assert store.end_clients(["C1", "N1", "missing"]) == []  # again: nothing changes

