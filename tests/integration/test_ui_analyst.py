"""Pages for BPO analysts and researchers, on both stores, signed in through
``/login``: the portfolio (sorting, filters, paging, stored signals), the
name review queue (accept / reject / undo through CSRF forms), loads and a
load's rejected rows, the research export, and who may open which page."""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.identity import set_password
from api.refresh_runner import refresh_status
from api.region_month import region_month
from api.service import ingest_file
from api.settings import Settings
from ingest import review
from ingest.corporate_number import check_digit
from queries.access import SYSTEM
from queries.model import Firm, ParameterRow, RegistryRecord
from queries.store import Store
from tests.conftest import REPO, make_tokens

PASSWORD = "correct horse battery staple"
HOSTILE = "<img src=x onerror=alert(1)>"
EXPORT_KEY = "an export key of more than sixteen characters"
MONTHS = ["2025-01", "2025-02", "2025-03", "2025-04", "2025-05", "2025-06"]


def _cn(base: int) -> str:
    b = f"{base:012d}"
    return f"{check_digit(b)}{b}"


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, "the page has no CSRF field"
    return found.group(1)


def _settings(tmp_path: Path, key: str = EXPORT_KEY) -> Settings:
    return Settings(TORIHIKI_HOME=tmp_path / "ui-home", TORIHIKI_EXPORT_KEY=key)


def _app_client(store: Store, settings: Settings) -> TestClient:
    make_tokens(store)  # a user of every role
    for name in ("admin", "analyst", "researcher", "officer_b1"):
        set_password(store, name, PASSWORD, SYSTEM)
    return TestClient(create_app(settings, store=store))


def _login(c: TestClient, name: str) -> None:
    c.cookies.clear()
    r = c.post("/login", data={"name": name, "password": PASSWORD, "csrf": _csrf(c.get("/login").text)},
               follow_redirects=False)
    assert r.status_code == 303, r.text


def _ledger(path: Path, lines: list[tuple[str, str, str, str]]) -> Path:
    path.write_text("date,counterparty_name,direction,amount\n"
                    + "".join(f"{d},{n},{k},{a}\n" for d, n, k, a in lines), encoding="utf-8")
    return path


def _portfolio_data(store: Store, tmp: Path) -> None:
    """C1 sells to one customer (customer HHI 1), C2 to two alike (0.5), C3
    to four alike (0.25), one of them loss-making after a profitable year
    (a partner in distress);
    C4 (a hostile name) has no trade."""
    store.upsert_firms([Firm("C1", "株式会社一番", industry="E", is_client=True),
                        Firm("C2", "株式会社二番", industry="E", is_client=True),
                        Firm("C3", "株式会社三番", industry="K", is_client=True),
                        Firm("C4", HOSTILE, industry="K", is_client=True)])
    customers = {"C1": ["株式会社アルファ"], "C2": ["株式会社ベータ", "株式会社ガンマ"],
                 "C3": ["株式会社デルタ", "株式会社イプシロン", "株式会社ゼータ", "株式会社エータ"]}
    for client, names in customers.items():
        lines = [(f"{m}-15", n, "sale", str(1_200_000 // len(names))) for m in MONTHS for n in names]
        ingest_file(store, _ledger(tmp / f"{client}.csv", lines), client, None, tmp / "rejects")
    delta = next(a.firm_id for a in store.aliases("C3").values() if a.raw_name == "株式会社デルタ")
    store.upsert_parameters([ParameterRow(delta, "FY2023", (("profitable", 1.0),)),
                             ParameterRow(delta, "FY2024", (("profitable", 0.0),))])


def _rows(page: str) -> list[str]:
    return re.findall(r'<tr data-firm="([^"]+)"', page)


@pytest.fixture
def portfolio(store: Store, tmp_path: Path) -> Iterator[TestClient]:
    _portfolio_data(store, tmp_path)
    with _app_client(store, _settings(tmp_path)) as c:
        _login(c, "analyst")
        yield c


def test_portfolio_sorts_filters_and_pages(portfolio: TestClient, store: Store) -> None:
    c = portfolio
    page = c.get("/ui/portfolio?sort=hhi&dir=desc")
    assert page.status_code == 200
    # six months of sales booked: the annual figure is those months scaled to a year, and says so
    assert 'class="badge annualised"' in page.text and "売上が記帳されているのは 6 か月分だけです" in page.text
    assert _rows(page.text) == ["C1", "C2", "C3", "C4"]  # no value (C4) last, either way
    assert _rows(c.get("/ui/portfolio?sort=hhi&dir=asc").text) == ["C3", "C2", "C1", "C4"]
    assert _rows(c.get("/ui/portfolio?sort=hhi&dir=desc&min_hhi=0.4").text) == ["C1", "C2"]
    # shares typed in percent, as the table shows them; a unit or full-width digits are fine
    for typed in ("30", "30%", "３０％"):
        assert _rows(c.get("/ui/portfolio", params={"sort": "top", "dir": "asc", "min_top_pct": typed}).text) == \
            ["C2", "C1"], typed
    # a link made before, in fractions, filters alike
    assert _rows(c.get("/ui/portfolio?sort=top&dir=asc&min_top=0.3").text) == ["C2", "C1"]
    # a unit of another field is no number here: said, not read as 30 on a scale of 0–1
    assert "数値として読めないため" in c.get("/ui/portfolio", params={"min_hhi": "30%"}).text
    assert _rows(c.get("/ui/portfolio", params={"sort": "id", "min_days": "0日"}).text) == \
        _rows(c.get("/ui/portfolio", params={"sort": "id", "min_days": "0"}).text)
    unread = c.get("/ui/portfolio", params={"sort": "id", "min_days": "sixty"})  # said, not silently dropped
    assert "数値として読めないため、絞り込みに使っていません：売上債権回転日数" in unread.text
    assert len(_rows(unread.text)) == 4
    assert _rows(c.get("/ui/portfolio?sort=id&distress=1").text) == ["C3"]
    assert _rows(c.get("/ui/portfolio?sort=id&dir=asc&industry=K").text) == ["C3", "C4"]
    assert _rows(c.get("/ui/portfolio?q=二番").text) == ["C2"]
    assert _rows(c.get("/ui/portfolio?sort=distress&dir=desc").text)[0] == "C3"
    # open alerts (api.alerts): C3's partner became loss-making; acknowledged, it is no longer open
    assert _rows(c.get("/ui/portfolio?sort=alerts&alerts=1").text) == ["C3"]
    from api.alerts import stored_alerts

    (alert,) = [a for a in stored_alerts(store)[0] if a["firm_id"] == "C3"]
    store.ack_alert(alert["id"], "analyst", "seen", "2026-01-01T00:00:00+00:00")
    assert _rows(c.get("/ui/portfolio?sort=alerts&alerts=1").text) == []
    # a negative written as accounts write it (▲, △) reads as one
    assert _rows(c.get("/ui/portfolio", params={"sort": "id", "max_gap": "▲10"}).text) == \
        _rows(c.get("/ui/portfolio", params={"sort": "id", "max_gap": "-10"}).text)
    assert "数値として読めない" not in c.get("/ui/portfolio", params={"max_gap": "△10ポイント"}).text
    # empty and odd filter values (a submitted form) filter nothing and fail nothing
    assert len(_rows(c.get("/ui/portfolio?min_hhi=&min_gap=abc&sort=nonsense&page=99").text)) == 4
    # links: each row opens the firm page; the header links keep the filters and toggle the order
    shown = c.get("/ui/portfolio?sort=hhi&dir=desc&min_hhi=0.4").text
    assert 'href="/ui/firms/C1"' in shown
    assert 'href="/ui/portfolio?min_hhi=0.4&amp;sort=hhi&amp;dir=asc"' in shown
    # a hostile name stays text
    everyone = c.get("/ui/portfolio").text
    assert HOSTILE not in everyone and "&lt;img src=x onerror=alert(1)&gt;" in everyone
    # the read is audited (queued, appended by the app's buffer)
    c.app.state.audit_buffer.flush()  # type: ignore[attr-defined]
    entries, _ = store.audit_log(user="analyst", action="ui.portfolio")
    assert entries and entries[0].firm_id is None


def test_portfolio_flags_what_to_check_in_a_ledger(portfolio: TestClient, store: Store, tmp_path: Path) -> None:
    """A client whose ledger books purchases only, and misses a month in the
    middle, carries both flags, and the filter keeps it alone; its firm page
    says its sales are not booked."""
    store.upsert_firms([Firm("C5", "株式会社五番", industry="N", is_client=True)])
    months = [m for m in MONTHS if m != MONTHS[1]]
    lines = [(f"{m}-15", "株式会社仕入先", "purchase", "800000") for m in months]
    ingest_file(store, _ledger(tmp_path / "C5.csv", lines), "C5", None, tmp_path / "rejects")
    page = portfolio.get("/ui/portfolio", params={"checks": "1", "sort": "id"}).text
    assert _rows(page) == ["C5"]
    assert "売上の記帳なし" in page and "記帳のない月 1 か月" in page
    assert 'name="checks" value="1" checked' in page
    assert len(_rows(portfolio.get("/ui/portfolio", params={"sort": "id"}).text)) == 5
    firm = portfolio.get("/ui/firms/C5").text
    assert "この帳簿には仕入はあるのに売上が1件も記帳されていません" in firm
    # a table stored by an earlier version (without these columns) gets them from the ledgers when read
    from api.portfolio import Snapshot
    from api.portfolio_signals import _with_every_column, signals_table

    old = signals_table(Snapshot.load(store), store.ledger_sums).drop(columns=["missing_months", "ledger_checks"])
    again = _with_every_column(old, store)
    assert again.loc["C5", "ledger_checks"] == "no_sales;missing_months"
    assert again.loc["C5", "missing_months"] == MONTHS[1] and again.loc["C1", "ledger_checks"] == ""


def test_portfolio_pages_of_fifty(store: Store, tmp_path: Path) -> None:
    _portfolio_data(store, tmp_path)
    store.upsert_firms([Firm(f"Z{i:03d}", f"株式会社ゼット{i:03d}", is_client=True) for i in range(60)])
    with _app_client(store, _settings(tmp_path)) as c:
        _login(c, "admin")
        first = c.get("/ui/portfolio?sort=id&dir=asc").text
        second = c.get("/ui/portfolio?sort=id&dir=asc&page=2").text
    assert _rows(first)[:4] == ["C1", "C2", "C3", "C4"] and len(_rows(first)) == 50
    assert _rows(second) == [f"Z{i:03d}" for i in range(46, 60)]
    assert 'href="/ui/portfolio?sort=id&amp;dir=asc&amp;page=2"' in first


def test_portfolio_reads_the_stored_signals(store: Store, tmp_path: Path) -> None:
    """After a load the table is stored with its data version; a later
    write shows current names at once and says the numbers are stale."""
    from api.portfolio_signals import PORTFOLIO_SIGNALS, refresh_portfolio_signals

    _portfolio_data(store, tmp_path)
    info = refresh_portfolio_signals(store)
    assert info["clients"] == 4 and store.get_analytics(PORTFOLIO_SIGNALS) is not None
    with _app_client(store, _settings(tmp_path)) as c:
        _login(c, "analyst")
        fresh = c.get("/ui/portfolio?sort=hhi&dir=desc").text
        assert _rows(fresh) == ["C1", "C2", "C3", "C4"] and "torihiki refresh" not in fresh
        store.upsert_firms([Firm("C1", "株式会社一番ホールディングス")])
        later = c.get("/ui/portfolio?sort=hhi&dir=desc").text
    assert "株式会社一番ホールディングス" in later and "前回の計算時点" in later and "href=\"/ui/loads\"" in later
    assert _rows(later) == ["C1", "C2", "C3", "C4"]


@pytest.mark.parametrize("role", ["officer_b1", "researcher"])
def test_analyst_pages_are_not_for_other_roles(store: Store, tmp_path: Path, role: str) -> None:
    _portfolio_data(store, tmp_path)
    with _app_client(store, _settings(tmp_path)) as c:
        _login(c, role)
        for url in ("/ui/portfolio", "/ui/review", "/ui/loads", "/ui/loads/anything"):
            r = c.get(url)
            assert r.status_code == 403 and "text/html" in r.headers["content-type"], url
            assert "株式会社" not in r.text
        csrf = _csrf(c.get("/ui/").text)
        assert c.post("/ui/review/X:k/accept", data={"csrf": csrf}).status_code == 403
        before = len(store.list_batches())
        upload = c.post("/ui/loads", data={"csrf": csrf, "client_id": "C1"},
                        files={"file": ("x.csv", b"date,counterparty_name,direction,amount\n", "text/csv")})
        assert upload.status_code == 403 and len(store.list_batches()) == before
        some = store.list_batches()[0].id
        assert c.post(f"/ui/loads/{some}/rollback", data={"csrf": csrf, "confirm": "yes"}).status_code == 403
        assert c.post("/ui/refresh", data={"csrf": csrf}).status_code == 403
        assert len(store.list_batches()) == before
        if role == "officer_b1":
            assert c.get("/ui/export").status_code == 403
        c.cookies.clear()  # no session: the login page, which comes back here
        assert c.get("/ui/portfolio", follow_redirects=False).headers["location"] == "/login?next=/ui/portfolio"


def _review_data(store: Store, tmp: Path) -> tuple[review.ReviewItem, review.ReviewItem]:
    store.upsert_registry([
        RegistryRecord(_cn(280001000001), "株式会社出雲精密工業所", "301", "島根県", None, "イズモセイミツコウギョウショ"),
        RegistryRecord(_cn(280001000009), "株式会社米子運送サービス", "301"),
    ])
    path = _ledger(tmp / "X.csv", [("2025-04-01", "株式会社出雲精蜜工業所", "sale", "300000"),  # one wrong character
                                   ("2025-04-02", "株式会社出雲精密工業所", "sale", "200000"),
                                   ("2025-04-03", "株式会社米子運送サービ", "purchase", "1000")])
    ingest_file(store, path, "X", None, tmp / "rejects")
    items = {i.raw_name: i for i in review.review_queue(store)}
    return items["株式会社出雲精蜜工業所"], items["株式会社米子運送サービ"]


def test_a_review_names_firms_and_registry_entries_not_ids(store: Store) -> None:
    """A candidate or rival firm without a name of its own is named by its
    most seen spelling; a registry entry (``reg:`` + 法人番号, or ``C`` +
    法人番号 before a ledger names it) by the registry."""
    from ingest.review import names_of, registered_only
    from queries.model import RegistryRecord

    store.upsert_registry([RegistryRecord("2260001009525", "NEXT交通株式会社")])
    store.upsert_firms([Firm("C1", "株式会社一番", is_client=True), Firm("NONAME")])
    named = names_of(store, {"C1", "reg:2260001009525", "reg:9999999999999", "NONAME", "C2260001009525"})
    assert named["C1"] == "株式会社一番" and named["reg:2260001009525"] == "NEXT交通株式会社"
    assert named["C2260001009525"] == "NEXT交通株式会社"
    assert registered_only(store, {"C1", "NONAME", "C2260001009525"}) == {"C2260001009525"}
    assert "reg:9999999999999" not in named and "NONAME" not in named  # nothing to name them by: the id stays


def test_review_accept_reject_and_undo(store: Store, tmp_path: Path) -> None:
    typo, other = _review_data(store, tmp_path)

    def sales_to(firm: str) -> int:
        return sum(e.amount for e in store.trade_edges(["X"], None, None) if e.buyer == firm)

    with _app_client(store, _settings(tmp_path)) as c:
        _login(c, "analyst")
        page = c.get("/ui/review")
        assert page.status_code == 200
        assert typo.raw_name in page.text and "株式会社出雲精密工業所" in page.text and other.raw_name in page.text
        assert "独立した企業として登録中" in page.text  # what "now" means, beside the spelling's own firm's id
        assert "この顧問先との取引額：300,000円" in page.text  # what rides on the decision
        csrf = _csrf(page.text)
        # without the form's token (or with another), nothing changes
        assert c.post(f"/ui/review/{typo.id}/accept").status_code == 403
        assert c.post(f"/ui/review/{typo.id}/accept", data={"csrf": "forged"}).status_code == 403
        assert len(review.review_queue(store)) == 2 and sales_to(typo.firm_id) == 300_000
        version = store.data_version()
        r = c.post(f"/ui/review/{typo.id}/accept", data={"csrf": csrf, "note": "typo"}, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/ui/review"
        assert store.data_version() != version
        assert sales_to(typo.candidate_id or "") == 500_000 and store.get_firm(typo.firm_id) is None
        assert [i.id for i in review.review_queue(store)] == [other.id]
        back = c.get("/ui/review").text
        assert "統合しました" in back  # the message, once
        assert "統合しました" not in c.get("/ui/review").text
        (merge,) = [m for m in store.list_merges() if m.method == "review"]
        assert f'data-merge="{merge.id}"' in back and "typo" in merge.reason
        # the same item again: it is no longer waiting (a message, no change)
        again = c.post(f"/ui/review/{typo.id}/accept", data={"csrf": csrf})
        assert again.status_code == 200 and "もう確認待ちではありません" in again.text
        # reject keeps the other spelling apart
        assert c.post(f"/ui/review/{other.id}/reject", data={"csrf": csrf}).status_code == 200
        assert review.review_queue(store) == []
        assert store.aliases("X")[other.id.rpartition(":")[2]].status == "rejected"
        # undo moves the rows back
        assert c.post(f"/ui/review/merges/{merge.id}/undo").status_code == 403
        assert store.get_merge(merge.id).undone_at == ""  # type: ignore[union-attr]
        undone = c.post(f"/ui/review/merges/{merge.id}/undo", data={"csrf": csrf}, params={"lang": "en"})
        assert undone.status_code == 200
        assert store.get_merge(merge.id).undone_at  # type: ignore[union-attr]
        assert sales_to(typo.firm_id) == 300_000 and sales_to(typo.candidate_id or "") == 200_000
        # each decision moved trade: the portfolio, peers and alerts are computed again by themselves
        assert c.app.state.refresh_runner.wait(300)  # type: ignore[attr-defined]
        assert refresh_status(c.app.state, _settings(tmp_path), store)["stale"] is False  # type: ignore[attr-defined]
    actions = {(e.action, e.outcome) for e in store.audit_log(user="analyst", limit=1000)[0]}
    assert {("review.accept", "ok"), ("review.accept", "invalid"), ("review.reject", "ok"),
            ("review.undo", "ok")} <= actions


def test_loads_and_rejected_rows(store: Store, tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    path = _ledger(tmp_path / "bad.csv", [("2025-04-01", "株式会社エー", "sale", "1000"),
                                          ("2025-04-02", "株式会社ビー", "sale", "<b>12x</b>"),
                                          ("2025-04-03", "株式会社シー", "sale", "3000")])
    summary = ingest_file(store, path, "L1", None, settings.home / "rejects")
    assert summary.rows_rejected == 1
    store.upsert_firms([Firm("L1", "株式会社取込一号", is_client=True)])
    ingest_file(store, _ledger(tmp_path / "good.csv", [("2025-05-01", "株式会社エー", "sale", "5")]), "L2", None,
                settings.home / "rejects")
    with _app_client(store, settings) as c:
        _login(c, "analyst")
        loads = c.get("/ui/loads")
        assert loads.status_code == 200
        batches = re.findall(r'<tr data-batch="([^"]+)"', loads.text)
        assert len(batches) == 2 and summary.batch_id in batches
        assert "bad.csv" in loads.text and str(tmp_path) not in loads.text  # the file by its name only
        row = loads.text.split(f'<tr data-batch="{summary.batch_id}">')[1].split("</tr>")[0]
        assert '<a href="/ui/firms/L1">株式会社取込一号</a>' in row  # the client by its name, linked
        only = c.get("/ui/loads?rejected=1").text
        assert re.findall(r'<tr data-batch="([^"]+)"', only) == [summary.batch_id]
        one = c.get(f"/ui/loads/{summary.batch_id}")
        assert one.status_code == 200
        assert "含まれる月" in one.text and "2025年4月" in one.text  # the months the file holds
        assert 'href="/ui/firms/L1"' in one.text
        row = one.text.split('<table class="data rejects">')[1]
        assert "<td class=\"num\">3</td>" in row  # line 3 of the file (the header is line 1)
        # the reader's reason (English in the quarantine CSV) in the page's language, its value kept
        assert "金額として読めません：&#39;&lt;b&gt;12x&lt;/b&gt;&#39;" in row and "not an amount" not in row
        english = c.get(f"/ui/loads/{summary.batch_id}?lang=en").text.split('<table class="data rejects">')[1]
        assert "Not an amount: &#39;&lt;b&gt;12x&lt;/b&gt;&#39;" in english
        assert "<b>12x</b>" not in one.text and "&lt;b&gt;12x&lt;/b&gt;" in one.text
        assert c.get("/ui/loads/no-such-batch").status_code == 404


def test_upload_a_ledger_from_the_loads_page(store: Store, tmp_path: Path) -> None:
    """An analyst loads one client's file through the form: the load's page
    says what was loaded and shows its rejected rows in Japanese; the same
    file again changes nothing; the load is audited; the network has it."""
    store.upsert_firms([Firm("U1", "株式会社取込元", industry="E", is_client=True)])
    settings = _settings(tmp_path)
    body = _ledger(tmp_path / "u1.csv", [("2025-04-01", "株式会社エー", "sale", "1000"),
                                         ("2025-04-02", "株式会社ビー", "sale", "12.5.0"),
                                         ("2025-05-03", "株式会社エー", "sale", "3000")]).read_bytes()
    with _app_client(store, settings) as c:
        _login(c, "analyst")
        page = c.get("/ui/loads")
        assert "帳簿ファイルを取り込む" in page.text and 'enctype="multipart/form-data"' in page.text
        csrf = _csrf(page.text)
        form = {"csrf": csrf, "client_id": "U1", "format": "", "year": ""}
        r = c.post("/ui/loads", data=form, files={"file": ("台帳 4月.csv", body, "text/csv")}, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/ui/loads/b"), r.text
        shown = c.get(r.headers["location"]).text
        assert "台帳_4月.csv を取り込みました：取込 2 行、エラー 1 行、スキップ 0 行。" in shown
        assert "金額として読めません：&#39;12.5.0&#39;" in shown and "標準CSV" in shown
        assert "<dd>台帳_4月.csv</dd>" in shown and "<td>台帳_4月.csv</td>" in shown  # no SHA-256 prefix
        (batch,) = store.list_batches()
        assert (batch.client_id, batch.rows_loaded, batch.rows_rejected) == ("U1", 2, 1)
        assert Path(batch.file).parent == settings.home / "uploads"
        assert store.get_firms(["U1"])["U1"].is_client
        # the client id typed with the Japanese input method (full width, a space around it) is the same client
        again = c.post("/ui/loads", data={**form, "client_id": " Ｕ１ "}, files={"file": ("u1.csv", body, "text/csv")})
        assert again.status_code == 200 and "取り込み済みです。何も変わっていません。" in again.text
        assert len(store.list_batches()) == 1
        # the same as the API's upload: an audited load
        loads, n = store.audit_log(action="load", firm_id="U1")
        assert n == 2 and {e.user for e in loads} == {"analyst"} and {e.outcome for e in loads} == {"ok"}
        # a file whose rows name another client than the one chosen: refused in Japanese, no empty load kept
        other = b"date,client_id,counterparty_name,direction,amount\n2025-04-01,C9,\xe6\xa0\xaa,sale,1000\n"
        wrong = c.post("/ui/loads", data=form, files={"file": ("c9.csv", other, "text/csv")})
        assert "このファイルの行は、指定した顧問先 U1 ではなく別の顧問先（C9）の行です。" in wrong.text, wrong.text
        assert len(store.list_batches()) == 1


def test_an_upload_is_followed_by_the_refresh(store: Store, tmp_path: Path) -> None:
    """After a load from the form, ``torihiki refresh`` runs in the background
    (a child process, against the store served): the loads page says so, and
    then the portfolio holds the new client's signals, no longer stale."""
    from api.portfolio_signals import PORTFOLIO_SIGNALS
    from api.refresh_runner import refresh_runner

    _portfolio_data(store, tmp_path)
    store.upsert_firms([Firm("U1", "株式会社取込元", industry="E", is_client=True)])
    settings = _settings(tmp_path)
    body = _ledger(tmp_path / "u1.csv", [(f"{m}-15", "株式会社アルファ", "sale", "500000") for m in MONTHS]
                   ).read_bytes()
    with _app_client(store, settings) as c:
        _login(c, "analyst")
        from api.commands.common import refresh_analytics
        refresh_analytics(store, settings, quiet=True)  # as a load through the CLI leaves it
        before = store.get_analytics(PORTFOLIO_SIGNALS)
        assert before is not None and before[0] == store.data_version()
        assert "refresh-state" not in c.get("/ui/loads").text
        csrf = _csrf(c.get("/ui/loads").text)
        r = c.post("/ui/loads", data={"csrf": csrf, "client_id": "U1"}, files={"file": ("u1.csv", body, "text/csv")})
        assert r.status_code == 200
        runner = refresh_runner(c.app.state, settings, store)  # type: ignore[attr-defined]
        loads = c.get("/ui/loads").text
        assert "再計算しています" in loads or "データが取り込まれています" not in loads
        assert runner.wait(300), "the refresh did not end within five minutes"
        state = runner.state()
        assert state.error is None and state.finished_at and not state.running
        after = store.get_analytics(PORTFOLIO_SIGNALS)
        assert after is not None and after[0] == store.data_version() > before[0]
        page = c.get("/ui/portfolio", params={"q": "U1"}).text
        assert 'data-firm="U1"' in page and 'flash warn stale' not in page  # not stale
        loads = c.get("/ui/loads").text
        assert "refresh-state" not in loads  # nothing running, nothing stale
        # by hand: nothing changed since, so it computes the same again
        r = c.post("/ui/refresh", data={"csrf": csrf}, follow_redirects=False)
        assert r.status_code == 303 and runner.wait(300) and runner.state().error is None


def test_upload_several_files_of_a_client_at_once(store: Store, tmp_path: Path) -> None:
    """Several files in one submission: one load each, a line per file on the
    loads page (loaded, refused with its reason, loaded before), the good
    ones stored whatever the others did; over the most files at once, none."""
    from api.routes.analyst_ui import MAX_UPLOAD_FILES

    store.upsert_firms([Firm("U1", "株式会社取込元", industry="E", is_client=True)])
    april = _ledger(tmp_path / "a.csv", [("2025-04-01", "株式会社エー", "sale", "1000")]).read_bytes()
    may = _ledger(tmp_path / "m.csv", [("2025-05-01", "株式会社エー", "sale", "2000"),
                                       ("2025-05-02", "株式会社ビー", "sale", "x")]).read_bytes()
    binary = b"PK\x03\x04" + bytes(range(256)) * 8
    with _app_client(store, _settings(tmp_path)) as c:
        _login(c, "analyst")
        csrf = _csrf(c.get("/ui/loads").text)
        files = [("file", ("4月.csv", april, "text/csv")), ("file", ("5月.csv", may, "text/csv")),
                 ("file", ("book.xlsx", binary, "application/octet-stream"))]
        r = c.post("/ui/loads", data={"csrf": csrf, "client_id": "U1"}, files=files)
        assert r.status_code == 200
        table = r.text.split('class="card upload-results"')[1].split("</table>")[0]
        rows = table.split("<tr")[2:]
        assert len(rows) == 3
        assert "4月.csv" in rows[0] and "取込 1 行、エラー 0 行、スキップ 0 行。" in rows[0]
        assert "5月.csv" in rows[1] and "取込 1 行、エラー 1 行" in rows[1]
        assert "book.xlsx" in rows[2] and "取り込みませんでした：Excel のブック" in rows[2]
        assert sorted(b.rows_loaded for b in store.list_batches()) == [1, 1]
        again = c.post("/ui/loads", data={"csrf": csrf, "client_id": "U1"}, files=files[:2])
        assert again.text.count("取り込み済みです。何も変わっていません。") == 2 and len(store.list_batches()) == 2
        april_again = _ledger(tmp_path / "a2.csv", [("2025-04-20", "株式会社エー", "sale", "700")]).read_bytes()
        june = _ledger(tmp_path / "j.csv", [("2025-06-01", "株式会社エー", "sale", "9")]).read_bytes()
        both = c.post("/ui/loads", data={"csrf": csrf, "client_id": "U1"},
                      files=[("file", ("4月再.csv", april_again, "text/csv")), ("file", ("6月.csv", june, "text/csv"))])
        rows = both.text.split('class="card upload-results"')[1].split("</table>")[0].split("<tr")[2:]
        assert "このファイルの 1 か月分（2025年4月）は" in rows[0] and "4月.csv" in rows[0]
        assert "このファイルの" not in rows[1]
        many = [("file", (f"{i}.csv", april, "text/csv")) for i in range(MAX_UPLOAD_FILES + 1)]
        over = c.post("/ui/loads", data={"csrf": csrf, "client_id": "U1"}, files=many)
        assert f"一度に取り込めるのは {MAX_UPLOAD_FILES} 個までです" in over.text and len(store.list_batches()) == 4
        refresh_runner_of(c, _settings(tmp_path), store).wait(300)


def test_an_upload_over_the_size_limit_gets_a_page(store: Store, tmp_path: Path) -> None:
    """Files over the limit together: refused before they are read, with a
    page in the reader's language (the API keeps its problem answer)."""
    store.upsert_firms([Firm("U1", "株式会社取込元", industry="E", is_client=True)])
    settings = Settings(TORIHIKI_HOME=tmp_path / "ui-home", TORIHIKI_MAX_UPLOAD_BYTES=64 * 1024)
    big = b"date,counterparty_name,direction,amount\n" + b"2025-01-01,X,sale,1\n" * 8000  # > 128 KiB
    with _app_client(store, settings) as c:
        _login(c, "analyst")
        csrf = _csrf(c.get("/ui/loads").text)
        r = c.post("/ui/loads", data={"csrf": csrf, "client_id": "U1"}, files={"file": ("big.csv", big, "text/csv")})
        assert r.status_code == 413 and r.headers["content-type"].startswith("text/html")
        assert "ファイルが合計 0.0625 MB を超えるため、取り込みませんでした。" in r.text and 'href="/ui/loads"' in r.text
        assert "413 — ファイルが大きすぎます" in r.text and "月で分けてください" in r.text  # what to do instead
        c.cookies.set("torihiki_lang", "en")
        assert "larger than 0.0625 MB together" in c.post("/ui/loads", data={"csrf": csrf, "client_id": "U1"},
                                                      files={"file": ("big.csv", big, "text/csv")}).text
        api = c.post("/ingest", data={"client_id": "U1"}, headers=make_tokens(store)["analyst"],
                     files={"file": ("big.csv", big, "text/csv")})
        assert api.status_code == 413 and api.json()["error"] == "payload_too_large"
        assert store.list_batches() == []


def test_upload_a_zengin_file_with_its_year(store: Store, tmp_path: Path) -> None:
    """A 全銀 transfer file (the study's sample, written by another tool) with
    the year of its dates: loaded as the format says; the same bytes with
    another year are another load, and the page says the first is there too."""
    store.upsert_firms([Firm("U1", "株式会社取込元", industry="E", is_client=True)])
    sample = Path(__file__).parents[1] / "fixtures" / "shared" / "data" / "external"
    body = (sample / "zengin_sogo_furikomi_single-transaction.txt").read_bytes()
    with _app_client(store, _settings(tmp_path)) as c:
        _login(c, "analyst")
        csrf = _csrf(c.get("/ui/loads").text)
        first = c.post("/ui/loads", data={"csrf": csrf, "client_id": "U1", "format": "zengin", "year": "2024"},
                       files={"file": ("furikomi.txt", body, "text/plain")})
        assert first.status_code == 200 and "取込 1 行、エラー 0 行" in first.text
        assert "全銀の総合振込ファイル" in first.text
        second = c.post("/ui/loads", data={"csrf": csrf, "client_id": "U1", "format": "", "year": "2025"},
                        files={"file": ("furikomi.txt", body, "text/plain")})
        assert len(store.list_batches()) == 2
        first_id = first.url.path.rsplit("/", 1)[-1]
        assert second.url.path != first.url.path and f"取込 {first_id} としても保存されています" in second.text
        same = second.text.split('class="card flash warn same-file"')[1].split("</p>")[0]  # a warning of its own
        assert '<a href="/ui/firms/U1">株式会社取込元</a>' in same  # naming the other load's client
        for page in (second.url.path, f"/ui/loads/{first_id}"):  # said again on each visit, of either load
            again = c.get(page).text.split('class="card flash warn same-file"')[1].split("</p>")[0]
            assert "としても保存されています" in again and '<a href="/ui/firms/U1">株式会社取込元</a>' in again
        # a year apart from the client's other ledger: the page says the year may be wrong, and what to do
        assert "far-months" not in first.text and "far-months" in second.text
        assert "この顧問先のほかの帳簿（2024年" in second.text and "年を指定して取り込み直してください" in second.text

        # two files sent at once: the results say it of each file a year off too (found by a BPO analyst)
        files = [("file", ("a.txt", body, "text/plain")),
                 ("file", ("b.txt", body + b"\r\n", "text/plain"))]
        both = c.post("/ui/loads", data={"csrf": csrf, "client_id": "U1", "format": "zengin", "year": "2026"},
                      files=files)
        results = both.text.split('class="card upload-results"')[1].split("</table>")[0]
        assert results.count('class="far-months"') == 2 and "年を指定して取り込み直してください" in results


def refresh_runner_of(c: TestClient, settings: Settings, store: Store) -> Any:
    """The app's background refresh (waited for before the test's store goes)."""
    from api.refresh_runner import refresh_runner
    return refresh_runner(c.app.state, settings, store)  # type: ignore[attr-defined]


def test_an_upload_repeating_months_of_an_earlier_file_is_flagged(store: Store, tmp_path: Path) -> None:
    """A year's export after a quarter's (the same entries twice): the load's
    page warns in Japanese, and the API's answer names the earlier load; the
    analyst rolls the earlier one back from its page (confirmed, audited)."""
    store.upsert_firms([Firm("U1", "株式会社取込元", industry="E", is_client=True)])
    settings = _settings(tmp_path)
    quarter = [(f"2025-0{m}-10", "株式会社エー", "sale", "1000") for m in (1, 2, 3)]
    year = quarter + [(f"2025-0{m}-10", "株式会社エー", "sale", "1000") for m in (4, 5, 6)]
    with _app_client(store, settings) as c:
        _login(c, "analyst")
        csrf = _csrf(c.get("/ui/loads").text)
        first = c.post("/ui/loads", data={"csrf": csrf, "client_id": "U1"},
                       files={"file": ("第1四半期.csv", _ledger(tmp_path / "q.csv", quarter).read_bytes(), "text/csv")})
        assert first.status_code == 200 and "二重に集計" not in first.text
        second = c.post("/ui/loads", data={"csrf": csrf, "client_id": "U1"},
                        files={"file": ("上期.csv", _ledger(tmp_path / "h.csv", year).read_bytes(), "text/csv")})
        first_id = first.url.path.rsplit("/", 1)[-1]
        assert (f"このファイルの 3 か月分（2025年1月～3月）は、同じ顧問先・同じ種類の帳簿の取込 {first_id}"
                f"（第1四半期.csv）にも含まれています。") in second.text, second.text
        assert f'<a href="/ui/loads/{first_id}">取込 {first_id} を開く</a>' in second.text
        api = c.post("/ingest", data={"client_id": "U1"}, headers=make_tokens(store)["analyst"],
                     files={"file": ("年間.csv", _ledger(tmp_path / "y.csv", year[1:]).read_bytes(), "text/csv")})
        assert api.status_code == 200, api.text
        named = {o["batch_id"]: o for o in api.json()["overlaps"]}
        assert named[first_id] == {"batch_id": first_id, "file": "第1四半期.csv", "months": ["2025-02", "2025-03"]}
        assert len(named) == 2
        # the loads list marks both loads (however they were loaded) with a link to their pages
        listing = c.get("/ui/loads").text
        for batch in (first_id, api.json()["batch_id"]):
            row = listing.split(f'<tr data-batch="{batch}">')[1].split("</tr>")[0]
            assert f'<a href="/ui/loads/{batch}" class="badge warn">月の重複</a>' in row
        # the analyst rolls the quarter's load back from its page, which names the later loads too
        page = c.get(f"/ui/loads/{first_id}").text
        second_id = second.url.path.rsplit("/", 1)[-1]
        assert f'<a href="/ui/loads/{second_id}">取込 {second_id} を開く</a>' in page
        assert f"同じ顧問先・同じ種類の帳簿の取込 {api.json()['batch_id']}（年間.csv）" in page
        assert "この取込を取り消す" in page and f'action="/ui/loads/{first_id}/rollback"' in page
        unconfirmed = c.post(f"/ui/loads/{first_id}/rollback", data={"csrf": csrf})
        assert "確認のチェックを入れてから" in unconfirmed.text and store.get_batch(first_id) is not None
        done = c.post(f"/ui/loads/{first_id}/rollback", data={"csrf": csrf, "confirm": "yes"})
        assert done.status_code == 200 and f"取込 {first_id}（第1四半期.csv、顧問先 U1）を取り消しました" in done.text
        assert store.get_batch(first_id) is None and first_id not in store.client_batch_months("U1")
        entries, n = store.audit_log(action="batch.rollback")
        assert n == 1 and entries[0].user == "analyst" and entries[0].detail.startswith(first_id)
        # the list no longer has it, but names it among the loads rolled back lately (with the client's own list)
        for listing in (done.text, c.get("/ui/loads?client=U1").text):
            assert f'<tr data-batch="{first_id}">' not in listing and "最近取り消した取込（1 件）" in listing
            row = listing.split(f'<tr data-rolled-back="{first_id}">')[1].split("</tr>")[0]
            assert "第1四半期.csv" in row and ">U1<" in row and ">analyst<" in row and "JST" in row
        assert "最近取り消した取込" not in c.get("/ui/loads?client=U2").text
        assert c.post(f"/ui/loads/{first_id}/rollback", data={"csrf": csrf, "confirm": "yes"}).status_code == 404
        gone = c.get(f"/ui/loads/{first_id}")  # a colleague's link: who rolled it back and when, not "not found"
        assert gone.status_code == 410 and "に analyst が取り消しました" in gone.text and "JST" in gone.text
        assert c.get("/ui/loads/b0000000000000000").status_code == 404
        refresh_runner_of(c, settings, store).wait(300)
        assert "refresh-state" not in c.get(f"/ui/loads/{second_id}").text  # computed: nothing to say
        store.upsert_firms([Firm("U1", "株式会社取込元", industry="E", is_client=True)])  # data written since
        later = c.get(f"/ui/loads/{second_id}").text  # a load's page says the refresh is due, as the list does
        assert 'class="card refresh-state"' in later and 'action="/ui/refresh"' in later


def test_a_bank_statement_holding_the_journals_settlements_is_flagged_on_both_loads(store: Store,
                                                                                     tmp_path: Path) -> None:
    """The journal books July's receipt and payment; the bank statement sent
    after it holds them again: both loads' pages say so in Japanese, each
    with a link to the other; the API's answer names them too; the firm
    page and the memo say what it means, also to the bank's credit officer."""
    store.upsert_firms([Firm("U1", "株式会社取込元", industry="E", is_client=True, consented_banks=("B1",))])
    journal = _ledger(tmp_path / "j.csv", [("2025-06-30", "山田商事株式会社", "sale", "110000"),
                                           ("2025-07-01", "山田商事株式会社", "receipt", "110000"),
                                           ("2025-07-02", "株式会社高橋工業", "payment", "330000")])
    bank = (Path(__file__).resolve().parents[1] / "fixtures" / "ledgers" / "bank_a.csv").read_bytes()
    with _app_client(store, _settings(tmp_path)) as c:
        _login(c, "analyst")
        csrf = _csrf(c.get("/ui/loads").text)
        first = c.post("/ui/loads", data={"csrf": csrf, "client_id": "U1"},
                       files={"file": ("仕訳帳.csv", journal.read_bytes(), "text/csv")})
        assert first.status_code == 200 and "両方にあります" not in first.text
        second = c.post("/ui/loads", data={"csrf": csrf, "client_id": "U1", "format": "bank"},
                        files={"file": ("普通預金.csv", bank, "text/csv")})
        journal_id, bank_id = (r.url.path.rsplit("/", 1)[-1] for r in (first, second))
        for page, other in ((second.text, journal_id), (c.get(f"/ui/loads/{journal_id}").text, bank_id)):
            assert "この顧問先の 1 か月分（2025年7月）の入金は、仕訳帳と銀行明細・全銀ファイルの両方にあります。" in page
            assert "の支払は、仕訳帳と銀行明細・全銀ファイルの両方にあります。" in page
            assert "二重に集計され" in page and f'href="/ui/loads/{other}"' in page
        more = _ledger(tmp_path / "j2.csv", [("2025-07-15", "山田商事株式会社", "receipt", "5000")])
        api = c.post("/ingest", data={"client_id": "U1"}, headers=make_tokens(store)["analyst"],
                     files={"file": ("追加.csv", more.read_bytes(), "text/csv")})
        assert api.status_code == 200, api.text
        (named,) = api.json()["double_settlements"]
        assert named["kind"] == "receipts" and named["months"] == ["2025-07"]
        assert sorted(b["file"] for b in named["journals"]) == ["仕訳帳.csv", "追加.csv"]
        assert named["banks"] == [{"batch_id": bank_id, "file": "普通預金.csv"}]
        english = c.get(f"/ui/loads/{bank_id}", params={"lang": "en"}).text
        assert "are both in its journal and in a bank statement or 全銀 file" in english
        listing = c.get("/ui/loads", params={"lang": "ja"}).text
        rows = {b: listing.split(f'<tr data-batch="{b}">')[1].split("</tr>")[0] for b in (journal_id, bank_id)}
        assert "入出金の重複" in rows[bank_id] and "月の重複" not in rows[bank_id]
        assert "入出金の重複" in rows[journal_id] and "月の重複" in rows[journal_id]  # 追加.csv holds July too
        # the firm page and the memo say what it means for the receivable days (a credit officer reads them)
        caveat = "2025年7月 の入金は、この企業の仕訳帳と銀行明細・全銀ファイルの両方から取り込まれています。"
        firm = c.get("/ui/firms/U1", params={"lang": "ja"}).text
        assert caveat in firm and "売上債権回転日数は実際より短く表示されます" in firm
        memo = c.get("/firms/U1/report", params={"lang": "ja"})
        assert memo.status_code == 200 and caveat in memo.text
        # both sent at once for another client: the bank file's line in the table says so
        store.upsert_firms([Firm("U2", "株式会社取込先", industry="E", is_client=True)])
        both = c.post("/ui/loads", data={"csrf": csrf, "client_id": "U2"}, params={"lang": "ja"},
                      files=[("file", ("仕訳帳.csv", journal.read_bytes(), "text/csv")),
                             ("file", ("普通預金.csv", bank, "text/csv"))])
        rows = both.text.split('class="card upload-results"')[1].split("</table>")[0].split("<tr")[2:]
        assert "の入金は、仕訳帳と銀行明細・全銀ファイルの両方にあります" not in rows[0]
        assert "この顧問先の 1 か月分（2025年7月）の入金は、仕訳帳と銀行明細・全銀ファイルの両方にあります" in rows[1]
        _login(c, "officer_b1")
        officer = c.get("/ui/firms/U1", params={"lang": "ja"})
        assert officer.status_code == 200 and caveat in officer.text


def test_a_bank_statement_taken_for_the_months_its_journal_lacks(store: Store, tmp_path: Path) -> None:
    """The journal holds July's receipt; the bank statement July's and
    August's. Loaded from August on (the form's months), it adds August only:
    the page says what was left out and warns of nothing. Bad months come
    back with the reason; the API takes ``months`` too."""
    store.upsert_firms([Firm("U1", "株式会社取込元", industry="E", is_client=True)])
    journal = _ledger(tmp_path / "j.csv", [("2025-06-30", "山田商事株式会社", "sale", "230000"),
                                           ("2025-07-01", "山田商事株式会社", "receipt", "110000")])
    bank = ("日付,摘要,支払い金額,預かり金額,差引残高\n2025/07/01,振込 ﾔﾏﾀﾞｼﾖｳｼﾞ(ｶ,,110000,1110000\n"
            "2025/08/01,振込 ﾔﾏﾀﾞｼﾖｳｼﾞ(ｶ,,120000,1230000\n").encode("cp932")
    with _app_client(store, _settings(tmp_path)) as c:
        _login(c, "analyst")
        csrf = _csrf(c.get("/ui/loads").text)
        c.post("/ui/loads", data={"csrf": csrf, "client_id": "U1"},
               files={"file": ("仕訳帳.csv", journal.read_bytes(), "text/csv")})
        page = c.post("/ui/loads", data={"csrf": csrf, "client_id": "U1", "format": "bank", "months_from": "2025-08"},
                      files={"file": ("普通預金.csv", bank, "text/csv")}, params={"lang": "ja"})
        assert "取込 1 行" in page.text and "指定した月（2025年8月 以降）以外の 1 行は取り込んでいません。" in page.text
        assert "両方にあります" not in page.text
        assert store.ledger_sums("U1")["receipts"] == {"2025-07": 110_000, "2025-08": 120_000}
        bad = c.post("/ui/loads", data={"csrf": csrf, "client_id": "U1", "months_from": "2025-09",
                                        "months_to": "2025-03"},
                     files={"file": ("普通預金.csv", bank, "text/csv")}, follow_redirects=True)
        assert "「2025-09」～「2025-03」は正しい月の範囲ではありません" in bad.text
        api = c.post("/ingest", data={"client_id": "U1", "format": "bank", "months": "2025-07"},
                     headers=make_tokens(store)["analyst"], files={"file": ("普通預金.csv", bank, "text/csv")})
        assert api.status_code == 200 and api.json()["rows_outside"] == 1 and api.json()["months"] == "2025-07..2025-07"
        assert api.json()["double_settlements"][0]["months"] == ["2025-07"]  # July twice, as asked
        wrong = c.post("/ingest", data={"client_id": "U1", "months": "2025-13"},
                       headers=make_tokens(store)["analyst"], files={"file": ("普通預金.csv", bank, "text/csv")})
        assert wrong.status_code == 422 and "'2025-13' is not a month" in wrong.text
        refresh_runner_of(c, _settings(tmp_path), store).wait(300)


def test_upload_form_refusals_come_back_in_japanese(store: Store, tmp_path: Path) -> None:
    """A form that cannot be loaded comes back to the loads page with the
    reason in Japanese (English on request), and stores nothing: no file, an
    unknown client, a bad year, a forged token, a file refused as a whole."""
    store.upsert_firms([Firm("U1", "株式会社取込元", industry="E", is_client=True)])
    settings = _settings(tmp_path)
    good = ("u1.csv", b"date,counterparty_name,direction,amount\n2025-04-01,A,sale,1\n", "text/csv")
    with _app_client(store, settings) as c:
        _login(c, "analyst")
        csrf = _csrf(c.get("/ui/loads").text)

        def send(file: tuple[str, bytes, str] | None, lang: str = "ja", **fields: str) -> str:
            data = {"csrf": csrf, "client_id": "U1", "format": "", "year": "", **fields}
            r = c.post("/ui/loads", data=data, files={"file": file} if file else {"file": ("", b"", "")},
                       params={"lang": lang} if lang != "ja" else None, follow_redirects=False)
            assert r.status_code == 303 and r.headers["location"].startswith("/ui/loads"), r.text
            page = c.get(r.headers["location"], params={"lang": lang}).text
            return page.split('role="alert">')[1].split("</p>")[0].strip()

        assert send(None) == "取り込む帳簿ファイルを選んでください。"
        assert "顧問先 U9 は企業マスタにありません。" in send(good, client_id="U9")
        assert send(good, client_id="u1").endswith("もしかして U1 ですか？")  # typed in lower case
        assert "「20x5」は年ではありません" in send(good, year="20x5")
        assert "「A B」は顧問先IDではありません" in send(good, client_id="A B")
        binary = ("book.xlsx", b"PK\x03\x04" + bytes(range(256)) * 8, "application/octet-stream")
        assert send(binary).startswith("book.xlsx は取り込みませんでした：Excel のブック（.xlsx / .xls）など")
        binary = ("raw.dat", bytes(range(32)) * 64, "application/octet-stream")
        assert send(binary).startswith("raw.dat は取り込みませんでした：バイナリファイルです（先頭 2,048 バイトの")
        utf16 = ("u16.csv", "date,counterparty_name,direction,amount\n".encode("utf-16"), "text/csv")
        assert "UTF-16 のテキストには対応していません" in send(utf16)
        unknown = ("memo.csv", b"hello,world\nfoo,bar\n", "text/csv")
        assert "形式を判定できません：先頭行 &#39;hello,world&#39;" in send(unknown)
        assert send(unknown, lang="en").startswith("memo.csv was not loaded: Unknown format: the first row")
        # a delivery's reference files sent to the ledger form are named for what they are
        master = ("firms.csv", (REPO / "sample" / "firms.csv").read_bytes(), "text/csv")
        assert "帳簿ではなく企業マスタです。管理者がコマンド（torihiki load" in send(master)
        params = ("p.csv", "企業ID,期間,従業員数\nF0001,FY2024,12\n".encode(), "text/csv")
        assert "帳簿ではなく経営指標のファイルです。" in send(params)
        header = ("f.csv", b"date,counterparty_name,direction,amount\n2025-04-01,A,sale,1\n", "text/csv")
        assert send(header, format="freee").endswith("：debit_account, credit_account（freee として読み込み、何も取り込んでいません）")
        freee = ("freee.csv", (REPO / "tests" / "fixtures" / "ledgers" / "freee_sample.csv").read_bytes(), "text/csv")
        assert "yayoi として読むとすべての行がエラーになりました。このファイルは freee のファイルです。" in send(
            freee, format="yayoi")  # refused whole: no load of nothing to roll back by hand
        assert store.list_batches() == []
        forged = c.post("/ui/loads", data={"csrf": "forged", "client_id": "U1"}, files={"file": good})
        assert forged.status_code == 403 and store.list_batches() == []


def test_the_portfolio_downloads_as_csv(portfolio: TestClient, store: Store) -> None:
    """A hand-over for a manager: every client the filters chose (not only
    the page's 50), in the page's order, names and Japanese headers, a
    byte-order mark for Excel, formulas escaped."""
    c = portfolio
    page = c.get("/ui/portfolio?sort=hhi&dir=desc&min_hhi=0.3")
    assert "この 2 社を CSV でダウンロード" in page.text
    link = re.search(r'<a class="download" href="([^"]+)"', page.text)
    assert link is not None
    r = c.get(link.group(1).replace("&amp;", "&"))
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert re.search(r'filename="torihiki-portfolio-\d{8}\.csv"', r.headers["content-disposition"])
    assert r.content.startswith("\ufeff".encode())  # Excel reads the Japanese
    table = pd.read_csv(io.BytesIO(r.content), encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert list(table["顧問先ID"] if "顧問先ID" in table else table.iloc[:, 0]) == ["C1", "C2"]  # HHI 1, then 0.5
    assert "株式会社一番" in set(table.iloc[:, 1]) and "売上（12か月、円）" in table.columns
    assert set(table["売上の月数（12未満は年換算）"]) == {"6"}
    everyone = pd.read_csv(io.BytesIO(c.get("/ui/portfolio?format=csv").content), encoding="utf-8-sig", dtype=str)
    assert len(everyone) == 4  # every client, C4 without trade too
    english = c.get("/ui/portfolio?format=csv&lang=en").content.decode("utf-8-sig")
    assert english.splitlines()[0].startswith("Client id,Client,Industry")
    exports = [e.detail for e in store.audit_log(user="analyst", action="export")[0]]
    assert "portfolio CSV in the web UI: 2 clients; sort hhi; filters min_hhi=0.3" in exports


def test_research_export_download(store: Store, tmp_path: Path) -> None:
    _portfolio_data(store, tmp_path)
    with _app_client(store, _settings(tmp_path)) as c:
        _login(c, "researcher")
        search = c.get("/ui/?q=一番")
        assert search.status_code == 200 and "株式会社一番" not in search.text and 'href="/ui/export"' in search.text
        assert c.get("/ui/firms/C1").status_code in (403, 404)
        page = c.get("/ui/export")
        assert page.status_code == 200 and "k ≥ 5" in page.text
        csrf = _csrf(page.text)
        assert c.post("/ui/export", data={"fmt": "csv"}).status_code == 403
        bad = c.post("/ui/export", data={"csrf": csrf, "fmt": "csv", "month_from": "2025-06", "month_to": "2025-01"})
        assert bad.status_code == 422
        r = c.post("/ui/export", data={"csrf": csrf, "fmt": "csv", "month_from": "2025-01", "month_to": "2025-06"})
        assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
        assert "attachment" in r.headers["content-disposition"]
        files = zipfile.ZipFile(io.BytesIO(r.content))
        assert {"nodes.csv", "edges.csv", "metrics.csv", "data_dictionary.csv", "export.json"} <= set(files.namelist())
        text = "\n".join(files.read(n).decode("utf-8") for n in files.namelist())
        for firm in store.all_firms():
            assert firm.id not in text and (not firm.name or firm.name not in text)
        assert "f_" in files.read("edges.csv").decode()
        # who may be a person is told from the firm master, not from the researcher's view (which has no
        # names: every client read as a person, and the researcher's metrics were empty): C1–C3 are
        # corporations, C4's name has no legal form
        metrics = pd.read_csv(io.BytesIO(files.read("metrics.csv")), encoding="utf-8-sig")
        nodes = pd.read_csv(io.BytesIO(files.read("nodes.csv")), encoding="utf-8-sig", keep_default_na=False)
        assert len(metrics) == 3 and (nodes["node_kind"] == "personal_client").sum() == 1
        meta = json.loads(files.read("export.json"))
        assert meta["personal_clients"]["n"] == 1
        assert (meta["month_from"], meta["month_to"]) == ("2025-01", "2025-06") and "out" not in meta
        assert meta["pseudonyms"].startswith("keyed for researcher")  # the signed-in researcher's own
        # which data it came from, to cite: the store's data version, in the file and its name
        version = store.data_version()
        assert meta["data_version"] == version and meta["software"].startswith("torihiki ")
        assert re.search(rf'filename="torihiki-export-\d{{8}}-v{version}-csv-202501-202506\.zip"',
                         r.headers["content-disposition"])
        assert "torihiki-export-" not in files.read("export.json").decode()  # no server path
        parquet = c.post("/ui/export", data={"csrf": csrf, "fmt": "parquet"})
        assert parquet.status_code == 200 and "edges.parquet" in zipfile.ZipFile(io.BytesIO(parquet.content)).namelist()
        # no last month asked for: the region's month, written down, no partial months
        blank = json.loads(zipfile.ZipFile(io.BytesIO(parquet.content)).read("export.json"))
        assert blank["month_to"] == blank["region_month"] == region_month(store) and "partial_months" not in blank
        _login(c, "analyst")
        assert c.get("/ui/export").status_code == 403
    entries, _ = store.audit_log(user="researcher", action="export")
    assert all(e.outcome == "ok" and e.firm_id is None for e in entries)
    digests = {e.detail.rsplit("zip sha256 ", 1)[-1] for e in entries}
    assert hashlib.sha256(r.content).hexdigest() in digests  # the file handed out can be told again


def test_export_without_a_key_says_so(store: Store, tmp_path: Path) -> None:
    _portfolio_data(store, tmp_path)
    with _app_client(store, _settings(tmp_path, key="")) as c:
        _login(c, "admin")
        page = c.get("/ui/export?lang=en")
        assert page.status_code == 200 and "TORIHIKI_EXPORT_KEY" in page.text and "disabled" in page.text
        r = c.post("/ui/export", data={"csrf": _csrf(page.text), "fmt": "csv"})
        assert r.status_code == 409 and "TORIHIKI_EXPORT_KEY" in r.text


def test_a_researcher_fetches_the_export_through_the_api(store: Store, tmp_path: Path) -> None:
    """GET /export: the web page's zip for a script, with a bearer token."""
    _portfolio_data(store, tmp_path)
    tokens = make_tokens(store)
    set_password(store, "researcher", PASSWORD, SYSTEM)
    with TestClient(create_app(_settings(tmp_path), store=store)) as c:
        r = c.get("/export?from=2025-01&to=2025-06", headers=tokens["researcher"])
        assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
        assert r.headers["cache-control"] == "no-store" and r.headers["x-content-type-options"] == "nosniff"
        version = store.data_version()
        assert re.search(rf'filename="torihiki-export-\d{{8}}-v{version}-csv-202501-202506\.zip"',
                         r.headers["content-disposition"])
        files = zipfile.ZipFile(io.BytesIO(r.content))
        text = "\n".join(files.read(n).decode("utf-8") for n in files.namelist())
        for firm in store.all_firms():
            assert firm.id not in text and (not firm.name or firm.name not in text)
        metrics = pd.read_csv(io.BytesIO(files.read("metrics.csv")), encoding="utf-8-sig")
        assert len(metrics) == 3  # C1–C3; C4 may be a person (no legal form in its name)
        meta = json.loads(files.read("export.json"))
        assert meta["data_version"] == version and meta["pseudonyms"].startswith("keyed for researcher")
        # the same researcher's pseudonyms as on the web page: keyed for them, not for the route
        with_page = c.get("/export?from=2025-01&to=2025-06", headers=tokens["researcher"])
        assert zipfile.ZipFile(io.BytesIO(with_page.content)).read("edges.csv") == files.read("edges.csv")
        past = c.get("/export?to=2099-12", headers=tokens["researcher"])  # asked past the region's month: said
        note = json.loads(zipfile.ZipFile(io.BytesIO(past.content)).read("export.json"))["partial_months"]
        assert note.startswith(f"the months after {region_month(store)} (the latest month half the clients'")
        parquet = c.get("/export?format=parquet", headers=tokens["researcher"])
        assert parquet.status_code == 200 and "edges.parquet" in zipfile.ZipFile(io.BytesIO(parquet.content)).namelist()
        assert c.get("/export", headers=tokens["admin"]).status_code == 200
        for who in ("analyst", "officer_b1"):
            refused = c.get("/export", headers=tokens[who])
            assert refused.status_code == 403 and refused.headers["content-type"] == "application/problem+json"
        assert c.get("/export").status_code == 401
        # a signed-in researcher's browser following a link from elsewhere: no export without a token
        _login(c, "researcher")
        assert c.get("/export").status_code == 401 and "research export page" in c.get("/export").json()["detail"]
        c.cookies.clear()
        window = c.get("/export?from=2025-06&to=2025-01", headers=tokens["researcher"])
        assert window.status_code == 422 and "after" in window.json()["detail"]
        assert c.get("/export?from=2025-13", headers=tokens["researcher"]).status_code == 422
        assert c.get("/export?format=xlsx", headers=tokens["researcher"]).status_code == 422
        empty = c.get("/export?from=2030-01", headers=tokens["researcher"])
        assert empty.status_code == 422 and empty.json()["error"] == "no_trade"
    entries, _ = store.audit_log(user="researcher", action="export")
    details = [e.detail for e in entries if e.outcome == "ok"]
    assert details and all("through the API" in d for d in details)
    assert hashlib.sha256(r.content).hexdigest() in {d.rsplit("zip sha256 ", 1)[-1] for d in details}
    assert any(e.outcome == "invalid" for e in entries)
    with TestClient(create_app(_settings(tmp_path, key=""), store=store)) as c:
        off = c.get("/export", headers=tokens["researcher"])
        assert off.status_code == 409 and "TORIHIKI_EXPORT_KEY" in off.json()["detail"]


def test_concentration_says_what_only_the_partners_ledgers_add(store: Store, tmp_path: Path) -> None:
    """A client's concentration counts its trade as every ledger records it:
    a month only its customer's ledger holds is in the shares, so the page
    does not call them a share of the client's own ledger (found on the demo:
    "100.0% of the purchases in the ledger" under a total 2.8% above it)."""
    store.upsert_firms([Firm("C1", "株式会社松江精機", is_client=True), Firm("A1", "株式会社米子運送", is_client=True)])
    ingest_file(store, _ledger(tmp_path / "c1.csv", [("2025-04-10", "株式会社米子運送", "sale", "1000000")]),
                "C1", None, tmp_path / "rejects")
    ingest_file(store, _ledger(tmp_path / "a1.csv", [("2025-05-10", "株式会社松江精機", "purchase", "500000")]),
                "A1", None, tmp_path / "rejects")
    with _app_client(store, _settings(tmp_path)) as c:
        _login(c, "analyst")
        c1 = c.get("/ui/firms/C1").text
        a1 = c.get("/ui/firms/A1").text
    assert "取引先名のある売上（1,500,000円）に対する割合です。このうち 500,000円 は、この顧問先の帳簿にない取引" in c1
    assert "売上のうち取引先名のあるものは 100.0% です。" in c1 and "帳簿上の売上全体の" not in c1
    # the customer's side: its own ledger books only May, C1's ledger adds April
    assert "このうち 1,000,000円 は、この顧問先の帳簿にない取引（仕入先側の帳簿にだけ記録されたもの" in a1


def test_a_stored_load_of_many_clients_rows_is_flagged_for_the_client_it_repeats(store: Store, tmp_path: Path) -> None:
    """A file whose rows name their clients (loaded with no client), then U1's
    own export of January: the file's page names U1 and the load it repeats,
    and the list flags both loads (the file's months were checked only as it
    loaded, until now)."""
    store.upsert_firms([Firm("U1", "株式会社取込元", is_client=True), Firm("U2", "株式会社取込先", is_client=True)])
    many = tmp_path / "many.csv"
    many.write_text("date,client_id,counterparty_name,direction,amount\n2025-01-10,U1,株式会社エー,sale,1000\n"
                    "2025-02-10,U2,株式会社エー,sale,1000\n", encoding="utf-8")
    by_rows = ingest_file(store, many, None, None, tmp_path / "rejects")
    own = ingest_file(store, _ledger(tmp_path / "u1.csv", [("2025-01-10", "株式会社エー", "sale", "1000")]),
                      "U1", None, tmp_path / "rejects")
    with _app_client(store, _settings(tmp_path)) as c:
        _login(c, "analyst")
        page = c.get(f"/ui/loads/{by_rows.batch_id}").text
        assert (f"このファイルにある顧問先 U1 の 1 か月分（2025年1月）は、その顧問先の同じ種類の帳簿の取込 {own.batch_id}"
                "（u1.csv）にも含まれています。") in page, page
        assert f"同じ顧問先・同じ種類の帳簿の取込 {by_rows.batch_id}（many.csv）" in c.get(f"/ui/loads/{own.batch_id}").text
        listing = c.get("/ui/loads").text
        for batch in (by_rows.batch_id, own.batch_id):
            row = listing.split(f'<tr data-batch="{batch}">')[1].split("</tr>")[0]
            assert f'<a href="/ui/loads/{batch}" class="badge warn">月の重複</a>' in row
