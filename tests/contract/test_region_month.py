"""A firm's trend and what-if stop at the region's month, on both stores.

The first client to deliver a new month holds that month in full in its own
ledger, but of its partners only what that ledger records: its trading
group's trade seemed to collapse (an analyst saw −95 % for the group of a
healthy firm). Unless a window is asked for, the trend and the what-if end
at the latest month that most clients reach (``api.region_month``), and the
trend names the months it left out."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

from api.analytics import trend_of, whatif_of
from api.portfolio_signals import PORTFOLIO_SIGNALS, refresh_portfolio_signals
from api.region_month import keep_region_month, month_of_ledgers, region_month
from api.service import ingest_file
from queries.model import Firm
from queries.store import Store
from queries.version_memo import forget_in_every_memo

NAMES = {"C1": "株式会社一号", "C2": "株式会社二号", "C3": "株式会社三号", "C4": "株式会社四号",
         "C5": "株式会社五号"}
MONTHS = [f"{2024 + (m < 4)}-{m:02d}" for m in (*range(4, 13), 1, 2, 3)]  # FY2024: 2024-04 … 2025-03


def _ledger(path: Path, rows: list[tuple[str, str, str, int]]) -> Path:
    path.write_text("date,counterparty_name,direction,amount\n"
                    + "".join(f"{m}-15,{name},{d},{yen}\n" for m, name, d, yen in rows), encoding="utf-8")
    return path


def _region(store: Store, tmp_path: Path) -> None:
    store.upsert_firms([Firm(f, n, is_client=True) for f, n in NAMES.items()])
    trade = {  # client → (partner, direction, yen) every month
        "C1": [("株式会社二号", "sale", 100_000), ("株式会社三号", "sale", 10_000), ("株式会社四号", "sale", 5_000),
               ("株式会社外部", "purchase", 40_000)],
        "C2": [("株式会社一号", "purchase", 100_000), ("株式会社三号", "sale", 60_000)],
        "C3": [("株式会社二号", "purchase", 60_000), ("株式会社外部", "sale", 30_000)],
        "C4": [("株式会社五号", "sale", 20_000)],
        "C5": [("株式会社四号", "purchase", 20_000)],
    }
    for client, lines in trade.items():
        rows = [(m, name, d, yen) for m in MONTHS for name, d, yen in lines]
        ingest_file(store, _ledger(tmp_path / f"{client}.csv", rows), client, None, tmp_path / "rejects")


def _month(store: Store) -> str | None:
    """The region's month as a server reads it, checked against the one a
    refresh computes from the clients' ledger sums and keeps."""
    served = region_month(store)
    clients = store.client_ids()
    assert month_of_ledgers(store.ledger_sums_of(clients)) == served
    keep_region_month(store, served, store.data_version())
    forget_in_every_memo(store)
    assert region_month(store) == served  # read from the kept entry now
    return served


def test_the_first_client_of_a_new_month_does_not_move_the_trend(store: Store, tmp_path: Path) -> None:
    _region(store, tmp_path)
    assert _month(store) == "2025-03"
    before = trend_of(store, "C1")
    assert before["end"] == "2025-03" and before["months_left_out"] is None

    # C1 delivers April to June first: its own ledger holds them; its partners' ledgers do not yet.
    early = [(m, name, "sale", 100_000) for m in ("2025-04", "2025-05", "2025-06")
             for name in ("株式会社二号", "株式会社三号", "株式会社四号")]
    ingest_file(store, _ledger(tmp_path / "C1-early.csv", early), "C1", None, tmp_path / "rejects")
    # one client of five: the three it sells to reach June only through C1's ledger, not their own
    assert _month(store) == "2025-03"
    after = trend_of(store, "C1")
    assert after["end"] == "2025-03" and after["months_left_out"] == ["2025-04", "2025-06"]
    assert after["series"] == before["series"] and after["attribution"] == before["attribution"]
    bought = trend_of(store, "C2")  # a partner of C1's: its page is cut at the same month
    assert bought["end"] == "2025-03" and bought["months_left_out"] == ["2025-04", "2025-06"]
    # The portfolio's gaps stop there too: FY2025Q1 is complete in C1's ledger only.
    refresh_portfolio_signals(store)
    stored = store.get_analytics(PORTFOLIO_SIGNALS)
    assert stored is not None
    table = pd.read_parquet(io.BytesIO(stored[2]))
    assert str(table.loc["C1", "trend_basis"]).startswith("FY2024Q4 vs ")
    # A window asked for is kept as it is.
    asked = trend_of(store, "C1", month_to="2025-04")
    assert asked["end"] == "2025-04" and asked["months_left_out"] is None
    # The what-if's shares and sizes end at the same month.
    assert whatif_of(store, "C1", "C2")["as_of"] == "2025-03"

    # Once most clients deliver April, April is the region's month.
    for client, rows in (("C2", [("2025-04", "株式会社三号", "sale", 60_000)]),
                         ("C3", [("2025-04", "株式会社外部", "sale", 30_000)])):
        ingest_file(store, _ledger(tmp_path / f"{client}-april.csv", rows), client, None, tmp_path / "rejects")
    assert _month(store) == "2025-04"
    latest = trend_of(store, "C1")
    assert latest["end"] == "2025-04" and latest["months_left_out"] == ["2025-05", "2025-06"]
    # A partner whose trade all comes after the region's month: the what-if is not cut (nothing before it).
    ingest_file(store, _ledger(tmp_path / "C1-new.csv", [("2025-06", "株式会社新規", "purchase", 50_000)]),
                "C1", None, tmp_path / "rejects")
    new = next(f.id for f in store.all_firms() if f.name == "株式会社新規")
    assert whatif_of(store, "C1", new)["as_of"] == "2025-06"
