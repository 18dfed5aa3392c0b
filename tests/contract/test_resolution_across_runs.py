"""A spelling resolves the same whether the file that first spelled its
firm was loaded in the same run or in an earlier one, on both stores.

Client A's ledger names テクノービス有限会社 with its 法人番号 (the registry
writes it 有限会社テクノービス産業); client B's ledger writes the same spelling
without a number. In one run, B's spelling matched A's exactly (score 1.0,
merged); loaded in a second run — a load resumed after a crash, a file
uploaded on its own — it met only the registry's name and became a
firm of its own, with its trade. A reliability review found
five firms' two-hop networks different after a resumed load.
"""

from __future__ import annotations

from pathlib import Path

from ingest.load import Loader, LoadJob
from queries.model import Firm, RegistryRecord
from queries.store import Store

NUMBER = "3270002002527"


def _files(tmp: Path) -> tuple[Path, Path]:
    a = tmp / "a.csv"
    a.write_text("date,counterparty_name,corporate_number,direction,amount\n"
                 + "".join(f"2025-{m:02d}-10,テクノービス有限会社,{NUMBER},sale,500000\n" for m in (1, 2, 3)),
                 encoding="utf-8")
    b = tmp / "b.csv"
    b.write_text("date,counterparty_name,direction,amount\n"
                 + "".join(f"2025-{m:02d}-12,テクノービス有限会社,purchase,700000\n" for m in (1, 2, 3)),
                 encoding="utf-8")
    return a, b


def _setup(store: Store) -> None:
    store.upsert_firms([Firm("A", "株式会社エー", is_client=True), Firm("B", "株式会社ビー", is_client=True)])
    store.upsert_registry([RegistryRecord(NUMBER, "有限会社テクノービス産業", "301")])


def _load(store: Store, tmp: Path, jobs: list[LoadJob]) -> None:
    for _job, outcome in Loader(store, tmp / "rejects", progress=False).load(jobs):
        assert not isinstance(outcome, Exception), outcome


def _b_alias(store: Store) -> tuple[str, str]:
    (alias,) = store.aliases("B").values()
    return alias.firm_id, alias.status


def test_in_one_run_the_spelling_meets_the_other_clients(store: Store, tmp_path: Path) -> None:
    a, b = _files(tmp_path)
    _setup(store)
    _load(store, tmp_path, [LoadJob(a, "A"), LoadJob(b, "B")])
    assert _b_alias(store) == (f"C{NUMBER}", "matched")


def test_in_a_later_run_it_meets_them_in_the_store(store: Store, tmp_path: Path) -> None:
    a, b = _files(tmp_path)
    _setup(store)
    _load(store, tmp_path, [LoadJob(a, "A")])
    _load(store, tmp_path, [LoadJob(b, "B")])  # another run: A's spelling comes from the store
    assert _b_alias(store) == (f"C{NUMBER}", "matched")  # as in one run, not a review of its own firm


def test_a_spelling_given_with_a_firm_id_is_not_evidence_in_either(store: Store, tmp_path: Path) -> None:
    """A ledger row that names its counterparty's firm id resolves by the id,
    and its spelling is not indexed in its run (``Resolver._resolve``): the
    store's spellings leave it out too, so a second run decides as one run."""
    store.upsert_firms([Firm("A", "株式会社エー", is_client=True), Firm("B", "株式会社ビー", is_client=True),
                        Firm("F0009", "ホクト精機株式会社")])
    a = tmp_path / "a.csv"
    a.write_text("date,counterparty_name,counterparty_id,direction,amount\n"
                 "2025-01-10,北斗精機工業株式会社,F0009,sale,500000\n", encoding="utf-8")
    b = tmp_path / "b.csv"
    b.write_text("date,counterparty_name,direction,amount\n2025-01-12,北斗精機工業株式会社,purchase,700000\n",
                 encoding="utf-8")
    _load(store, tmp_path, [LoadJob(a, "A")])
    _load(store, tmp_path, [LoadJob(b, "B")])
    firm, _status = _b_alias(store)
    assert firm != "F0009"  # as in one run: the id-given spelling was no evidence for B's
