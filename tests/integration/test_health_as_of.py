"""Partner health is judged at the region's month on a firm's page and in
the portfolio and peer table alike (found by a BPO analyst: after one
client's April file, a page showed two-hop exposure 8.6 % under its
partners and 9.2 % in its peer table, and the memo said both)."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient

from api.app import create_app
from api.identity import set_password
from api.portfolio import Snapshot
from api.service import ingest_file
from api.settings import Settings
from api.web.dossier import build_dossier
from queries.access import SYSTEM
from queries.model import Firm
from queries.store import Store
from tests.conftest import make_tokens

PASSWORD = "correct horse battery staple"

MONTHS = ["2024-10", "2024-11", "2024-12", "2025-01", "2025-02", "2025-03"]


def _ledger(path: Path, lines: list[tuple[str, str, str, int]]) -> Path:
    path.write_text("date,counterparty_name,direction,amount\n"
                    + "".join(f"{d},{n},{k},{a}\n" for d, n, k, a in lines), encoding="utf-8")
    return path


def test_one_clients_early_month_moves_no_partners_health(store: Store, tmp_path: Path) -> None:
    """C1 sells to C2, which buys from 株式会社キュー until January and from
    株式会社アール every month. At the region's month (March) キュー has been
    quiet two months: not stopped. C3's April, delivered ahead of the
    others, must not make it stopped in one place and not in the other."""
    store.upsert_firms([Firm("C1", "株式会社一番", is_client=True), Firm("C2", "株式会社二番", is_client=True),
                        Firm("C3", "株式会社三番", is_client=True)])
    ingest_file(store, _ledger(tmp_path / "c1.csv", [(f"{m}-10", "株式会社二番", "sale", 1_000_000) for m in MONTHS]),
                "C1", None, tmp_path / "rejects")
    c2 = [(f"{m}-12", "株式会社一番", "purchase", 1_000_000) for m in MONTHS]
    c2 += [(f"{m}-15", "株式会社キュー", "purchase", 500_000) for m in MONTHS[:4]]
    c2 += [(f"{m}-20", "株式会社アール", "purchase", 500_000) for m in MONTHS]
    ingest_file(store, _ledger(tmp_path / "c2.csv", c2), "C2", None, tmp_path / "rejects")
    c3 = [(f"{m}-05", "株式会社エス", "sale", 300_000) for m in [*MONTHS, "2025-04"]]  # April ahead of the rest
    ingest_file(store, _ledger(tmp_path / "c3.csv", c3), "C3", None, tmp_path / "rejects")

    snap = Snapshot.load(store)
    assert snap.network.end == "2025-04"  # the network reaches C3's April
    page = build_dossier(store, "C1")
    assert page.health.as_of == "2025-03"  # the region's month: two of three clients reach March only
    table = float(snap.metrics.loc["C1", "two_hop_distress_exposure"])
    assert page.health.two_hop_exposure is not None
    assert abs(page.health.two_hop_exposure - table) < 1e-9
    assert table == 0.0  # キュー quiet since February: not yet three months at March
    q = next(f for f in store.all_firms() if f.name == "株式会社キュー")
    assert q.id not in snap.distress


def test_a_region_month_past_the_trade_is_judged_alike_everywhere(store: Store, tmp_path: Path) -> None:
    """The region's month can be after the network's last month (April
    holds only lines without a partner): the page, the tables and the
    network view judge partners at it alike (found by a review: the page
    said 18 %, the table 0 %)."""
    from api.network_view import distress_of

    store.upsert_firms([Firm("C1", "株式会社一番", is_client=True), Firm("C2", "株式会社二番", is_client=True)])
    c1 = [(f"{m}-10", "株式会社二番", "sale", 1_000_000) for m in MONTHS] + [("2025-04-10", "", "receipt", 10_000)]
    c2 = [(f"{m}-12", "株式会社一番", "purchase", 1_000_000) for m in MONTHS]
    c2 += [(f"{m}-15", "株式会社キュー", "purchase", 500_000) for m in MONTHS[:4]]
    c2 += [(f"{m}-20", "株式会社アール", "purchase", 500_000) for m in MONTHS] + [("2025-04-20", "", "payment", 5_000)]
    ingest_file(store, _ledger(tmp_path / "c1.csv", c1), "C1", None, tmp_path / "rejects")
    ingest_file(store, _ledger(tmp_path / "c2.csv", c2), "C2", None, tmp_path / "rejects")
    snap = Snapshot.load(store)
    q = next(f.id for f in store.all_firms() if f.name == "株式会社キュー")
    page = build_dossier(store, "C1")
    reasons, end = distress_of(store, {"C2", q}, None, None)
    assert snap.network.end == "2025-03" and page.health.as_of == "2025-04" == end
    assert q in snap.distress and q in reasons  # quiet February to April: stopped, in each
    table = float(snap.metrics.loc["C1", "two_hop_distress_exposure"])
    assert page.health.two_hop_exposure is not None and abs(page.health.two_hop_exposure - table) < 1e-9
    assert table > 0


def test_a_ledger_ahead_of_the_region_has_its_days_taken_at_the_regions_month(store: Store, tmp_path: Path) -> None:
    """C1's April holds one early receipt (a part-month) while C2 and C3
    reach March: its page takes receivable days at March, as the portfolio
    does, and says so; April stays in its series (found by a BPO analyst:
    one early bank statement took the days from 46 to 18 in one place)."""
    from api.portfolio_signals import _ledger_signals
    from api.region_month import region_month

    store.upsert_firms([Firm("C1", "株式会社一番", is_client=True), Firm("C2", "株式会社二番", is_client=True),
                        Firm("C3", "株式会社三番", is_client=True)])
    c1 = [(f"{m}-10", "株式会社二番", "sale", 1_000_000) for m in MONTHS]
    c1 += [(f"{m}-28", "株式会社二番", "receipt", 600_000) for m in MONTHS]
    c1 += [("2025-04-02", "株式会社二番", "receipt", 2_000_000)]  # the part-month: one early receipt
    ingest_file(store, _ledger(tmp_path / "c1.csv", c1), "C1", None, tmp_path / "rejects")
    for client, partner in (("C2", "株式会社一番"), ("C3", "株式会社エス")):
        lines = [(f"{m}-12", partner, "purchase", 1_000_000) for m in MONTHS]
        ingest_file(store, _ledger(tmp_path / f"{client}.csv", lines), client, None, tmp_path / "rejects")
    assert region_month(store) == "2025-03"

    terms = build_dossier(store, "C1").terms
    assert terms.series[-1].month == "2025-04" and terms.ahead == ("2025-04", "2025-04") and terms.region == "2025-03"
    march = next(p for p in terms.series if p.month == "2025-03")
    april = terms.series[-1]
    assert march.receivable_days is not None and april.receivable_days is not None
    assert april.receivable_days < march.receivable_days  # what the part-month alone would have shown
    assert terms.latest_receivable_days == march.receivable_days
    portfolio = _ledger_signals(store.ledger_sums("C1"), "2025-03")
    assert portfolio["receivable_days"] == terms.latest_receivable_days  # the page and the portfolio agree

    # the page and the memo say where the days are taken
    tokens = make_tokens(store)
    set_password(store, "analyst", PASSWORD, SYSTEM)
    with TestClient(create_app(Settings(TORIHIKI_HOME=tmp_path / "home"), store=store)) as client:  # type: ignore[call-arg]
        memo = client.get("/firms/C1/report", headers=tokens["analyst"])
        assert memo.status_code == 200
        view = client.get("/firms/C1/view", headers=tokens["analyst"])
        assert view.status_code == 200
        csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text)
        assert csrf
        client.post("/login", data={"name": "analyst", "password": PASSWORD, "csrf": csrf.group(1)})
        page = client.get("/ui/firms/C1")
        assert page.status_code == 200
    for html in (memo.text, page.text):
        note = re.search(r'<p class="hint terms-ahead">(.*?)</p>', html, re.S)
        assert note, "no note on where the days are taken"
        assert "回転日数は 2025年3月" in note.group(1) and "2025年4月" in note.group(1), note.group(1)
    # the view draws every month, C1's April too: it says so, not "up to March"; distress is as of March
    assert "データの全期間</p>" in view.text and "（2025年3月 時点）" in view.text, view.text


def test_a_payable_balance_below_zero_is_named_on_the_page_and_memo(store: Store, tmp_path: Path) -> None:
    """Payments of a year whose purchases are not loaded (a 全銀 file read a
    year off the journal) took the payable balance below zero and its days to
    0 with no word: the page and the memo name the months and say why."""
    store.upsert_firms([Firm("C1", "株式会社一番", is_client=True)])
    lines = [(f"{m}-10", "株式会社エス", "payment", 500_000) for m in MONTHS[:3]]
    lines += [(f"{m}-20", "株式会社エス", "purchase", 600_000) for m in MONTHS[3:]]
    ingest_file(store, _ledger(tmp_path / "c1.csv", lines), "C1", None, tmp_path / "rejects")
    terms = build_dossier(store, "C1").terms
    assert terms.below_zero == {"payable": [("2024-10", "2025-02")]}  # -1.5M, then +0.6M a month
    tokens = make_tokens(store)
    with TestClient(create_app(Settings(TORIHIKI_HOME=tmp_path / "home"), store=store)) as client:  # type: ignore[call-arg]
        memo = client.get("/firms/C1/report", headers=tokens["analyst"])
        set_password(store, "analyst", PASSWORD, SYSTEM)
        csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text)
        assert csrf and memo.status_code == 200
        client.post("/login", data={"name": "analyst", "password": PASSWORD, "csrf": csrf.group(1)})
        page = client.get("/ui/firms/C1")
        assert page.status_code == 200
    for html in (memo.text, page.text):
        notes = re.findall(r'<p class="hint caveat below-zero">(.*?)</p>', html, re.S)
        assert len(notes) == 1 and notes[0].startswith("2024年10月～2025年2月 は買掛金残高がマイナスです。"), notes
