"""The alert feed end to end on both stores: a hand-built region that
raises every kind of alert, read through the CLI, the API and the UI;
acknowledgements recorded and audited; credit officers and researchers
are refused (alerts come from every ledger of the region)."""

from __future__ import annotations

import gzip
import html
import json
import re
import time
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.alerts import alerts_state, refresh_alerts, refreshing, stored_alerts
from api.app import create_app
from api.identity import set_password
from api.settings import Settings
from graph.alerts import KINDS
from graph.network import month_range
from queries.access import SYSTEM
from queries.model import BatchInfo, Firm, ParameterRow, PaymentRow, TradeRow
from queries.store import Store
from tests.conftest import make_tokens
from tests.integration.conftest import run

MONTHS = month_range("2024-01", "2024-12")
HOSTILE = "<img src=x onerror=alert(1)>商事"
PASSWORD = "correct horse battery staple"


def _trades(seller: str, buyer: str, observer: str, yen: int, months: tuple[str, ...] = MONTHS) -> list[TradeRow]:
    return [TradeRow(seller, buyer, m, observer, yen, 1) for m in months]


def _paid(payer: str, payee: str, yen: int, months: tuple[str, ...]) -> list[PaymentRow]:
    """Receipts as the payee's ledger records them, a month after the sale."""
    return [PaymentRow(payer, payee, m, payee, yen, 1) for m in months]


def build_region(store: Store) -> None:
    """Clients C1, C2, C4 consent to bank B1; C3 to nobody.

    * C1 sells to K1 (half its sales, a hostile name, not a client) until
      August: ``top_partner_lost`` in October, K1 ``stopped_trading``.
    * C2 buys from S1…S4 evenly, then from October nearly all from S1:
      ``concentration_jump``; S1, profitable in the period ending March,
      reports an ordinary loss for the period ending June:
      ``partner_distress`` of C2 (one hop) and of C4, which sells to C2
      (two hops).
    * C4's customer C2 stops paying in September: ``receivable_days_rising``.
    * C3's ledger ends in September: ``coverage_drop`` (a hidden client).
    """
    store.upsert_firms([
        Firm("C1", "株式会社一", industry="E", is_client=True, consented_banks=("B1",)),
        Firm("C2", "株式会社二", industry="E", is_client=True, consented_banks=("B1",)),
        Firm("C3", "株式会社三", industry="E", is_client=True),
        Firm("C4", "株式会社四", industry="E", is_client=True, consented_banks=("B1",)),
        Firm("K1", HOSTILE), Firm("K2", "得意先二"), Firm("K3", "得意先三"), Firm("K9", "得意先九"),
        Firm("S1", "仕入先一"), Firm("S2", "仕入先二"), Firm("S3", "仕入先三"), Firm("S4", "仕入先四"),
    ])
    ledgers: dict[str, tuple[list[TradeRow], list[PaymentRow]]] = {
        "C1": (_trades("C1", "K1", "C1", 500_000, MONTHS[:8]) + _trades("C1", "K2", "C1", 300_000)
               + _trades("C1", "K3", "C1", 200_000),
               _paid("K1", "C1", 500_000, MONTHS[1:9]) + _paid("K2", "C1", 300_000, MONTHS[1:])
               + _paid("K3", "C1", 200_000, MONTHS[1:])),
        "C2": ([r for s in ("S1", "S2", "S3", "S4") for r in _trades(s, "C2", "C2", 100_000, MONTHS[:9])]
               + _trades("S1", "C2", "C2", 5_000_000, MONTHS[9:]) + _trades("S2", "C2", "C2", 100_000, MONTHS[9:]),
               []),
        "C3": (_trades("C3", "K9", "C3", 400_000, MONTHS[:9]), _paid("K9", "C3", 400_000, MONTHS[1:9])),
        "C4": (_trades("C4", "C2", "C4", 1_000_000), _paid("C2", "C4", 1_000_000, MONTHS[1:8])),
    }
    for n, (client, (trades, payments)) in enumerate(sorted(ledgers.items())):
        batch = BatchInfo(f"b{n}", f"{n:064d}", f"{client}.csv", client, "canonical",
                          started_at="2025-01-01T00:00:00")
        store.begin_batch(batch)
        store.write_chunk(batch.id, 0, trades, payments)
        store.finish_batch(BatchInfo(batch.id, batch.sha256, batch.file, client, "canonical", status="done",
                                     rows_read=len(trades), rows_loaded=len(trades),
                                     started_at=batch.started_at))
    store.upsert_parameters([ParameterRow("S1", "2024-03", (("profitable", 1.0),)),
                             ParameterRow("S1", "2024-06", (("profitable", 0.0),)),
                             ParameterRow("S2", "2024-06", (("profitable", 1.0),))])


def _app(store: Store, tmp_path: Path) -> TestClient:
    return TestClient(create_app(Settings(TORIHIKI_HOME=tmp_path), store=store))  # type: ignore[call-arg]


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, "the page has no CSRF field"
    return found.group(1)


def _by_kind(alerts: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {k: [] for k in KINDS}
    for a in alerts:
        out[a["kind"]].append(a)
    return out


def test_every_kind_is_raised_stored_and_recomputed_when_the_data_moves(store: Store) -> None:
    build_region(store)
    info = refresh_alerts(store)
    assert info["data_version"] == store.data_version() and info["alerts"] > 0
    alerts, computed = stored_alerts(store)
    kinds = _by_kind(alerts)
    assert all(kinds[k] for k in KINDS), {k: len(v) for k, v in kinds.items()}
    lost = kinds["top_partner_lost"]
    assert [(a["firm_id"], a["month"], a["subject_id"]) for a in lost] == [("C1", "2024-10", "K1")]
    assert {(a["firm_id"], a["month"]) for a in kinds["concentration_jump"]} >= {("C2", "2024-10")}
    distress = {(a["firm_id"], a["subject_id"], a["numbers"]["hop"]) for a in kinds["partner_distress"]
                if a["month"] == "2024-06"}
    assert distress == {("C2", "S1", 1), ("C4", "C2", 2)}
    assert [(a["firm_id"], a["month"]) for a in kinds["receivable_days_rising"]] == [("C4", "2024-09")]
    assert [(a["firm_id"], a["month"]) for a in kinds["coverage_drop"]] == [("C3", "2024-10")]
    # stored: read again without recomputation; a write moves the data version and they follow
    assert store.get_analytics("alerts") is not None
    store.upsert_parameters([ParameterRow("S2", "2024-09", (("profitable", 0.0),))])
    stale, when, is_stale = alerts_state(store)  # served at once, recomputed in the background …
    assert is_stale and when == computed and len(stale) == len(alerts)
    again, later = stored_alerts(store, wait=True)  # … or here and now
    deadline = time.monotonic() + 60
    while refreshing(store):  # the background thread finds nothing left to do
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert store.get_analytics("alerts")[0] == store.data_version()  # type: ignore[index]
    assert any(a["subject_id"] == "S2" and a["kind"] == "partner_distress" for a in again)
    # other alerts stored under the same data version (a store emptied and loaded again): read anew
    store.put_analytics("alerts", gzip.compress(b"[]"), store.data_version(), "2025-01-01T00:00:00+00:00")
    store.put_analytics("alerts_stamp", b"another", store.data_version(), "2025-01-01T00:00:00+00:00")
    assert stored_alerts(store) == ([], "2025-01-01T00:00:00+00:00")


def test_the_api_lists_acknowledges_and_scopes_alerts(store: Store, tmp_path: Path) -> None:
    build_region(store)
    tokens = make_tokens(store)
    with _app(store, tmp_path) as c:
        r = c.get("/alerts", params={"limit": 500}, headers=tokens["analyst"])
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["count"] == len(body["alerts"]) and body["access"]["scope"] == "operator"
        lost = next(a for a in body["alerts"] if a["kind"] == "top_partner_lost")
        assert lost["subject_name"] == HOSTILE and lost["firm_name"] == "株式会社一"
        assert lost["series"][0]["yen"][:3] == [500_000] * 3
        only = c.get("/alerts", params={"kind": "coverage_drop"}, headers=tokens["analyst"]).json()
        assert [a["firm_id"] for a in only["alerts"]] == ["C3"]
        since = c.get("/alerts", params={"since": "2024-10", "firm": "C1"}, headers=tokens["admin"]).json()
        assert since["alerts"] and all(a["month"] >= "2024-10" and a["firm_id"] == "C1" for a in since["alerts"])
        page = c.get("/alerts", params={"limit": 2, "offset": 1}, headers=tokens["analyst"]).json()
        assert [a["id"] for a in page["alerts"]] == [a["id"] for a in body["alerts"][1:3]]
        assert c.get("/alerts", params={"kind": "nope"}, headers=tokens["analyst"]).status_code == 422
        assert c.get("/alerts").status_code == 401

        # acknowledge: analysts and admins; recorded once; audited
        aid = lost["id"]
        r = c.post(f"/alerts/{aid}/ack", json={"note": "called the client"}, headers=tokens["analyst"])
        assert r.status_code == 200, r.text
        assert r.json()["user"] == "analyst" and r.json()["new"] is True
        again = c.post(f"/alerts/{aid}/ack", headers=tokens["admin"]).json()
        assert again["new"] is False and again["user"] == "analyst" and again["note"] == "called the client"
        assert c.post(f"/alerts/{aid}/ack", headers=tokens["officer_b1"]).status_code == 403
        assert c.post("/alerts/0123456789abcdef/ack", headers=tokens["analyst"]).status_code == 404
        assert c.post("/alerts/not-an-id/ack", headers=tokens["analyst"]).status_code == 422
        entries, _ = store.audit_log(action="alert.ack")
        assert {(e.user, e.outcome) for e in entries} >= {("analyst", "ok"), ("officer_b1", "denied")}
        assert any(e.firm_id == "C1" and aid in e.detail for e in entries)
        open_ = c.get("/alerts", params={"state": "open", "limit": 500}, headers=tokens["analyst"]).json()
        assert aid not in {a["id"] for a in open_["alerts"]} and open_["count"] == body["count"] - 1
        done = c.get("/alerts", params={"state": "acknowledged"}, headers=tokens["analyst"]).json()
        assert [a["id"] for a in done["alerts"]] == [aid] and done["alerts"][0]["ack"]["user"] == "analyst"

        # alerts come from every ledger of the region: not for a bank (docs/access.md), nor a researcher
        for officer in ("officer_b1", "officer_b2"):
            refused = c.get("/alerts", params={"limit": 500}, headers=tokens[officer])
            assert refused.status_code == 403 and "C3" not in refused.text and HOSTILE not in refused.text
        assert c.get("/alerts", headers=tokens["researcher"]).status_code == 403
    reads, _ = store.audit_log(action="alerts.list", user="officer_b1")  # queued reads, written at shutdown
    assert reads and reads[0].outcome == "denied"
    denied, _ = store.audit_log(action="alerts.list", user="researcher")
    assert denied and denied[0].outcome == "denied"


def test_the_cli_lists_and_acknowledges(cli: Store, capsys: pytest.CaptureFixture[str]) -> None:
    build_region(cli)
    make_tokens(cli)
    code, out, _ = run(capsys, "alerts")
    assert code == 0 and "top_partner_lost" in out and "coverage_drop" in out and "alerts;" in out
    code, out, _ = run(capsys, "alerts", "--kind", "coverage_drop", "--json")
    listed = json.loads(out)
    assert code == 0 and [a["firm_id"] for a in listed["alerts"]] == ["C3"]
    code, out, _ = run(capsys, "alerts", "--since", "2024-10", "--json")
    assert all(a["month"] >= "2024-10" for a in json.loads(out)["alerts"])
    aid = listed["alerts"][0]["id"]
    code, out, _ = run(capsys, "alerts", "ack", aid, "--note", "ledger asked for", "--as", "analyst")
    assert code == 0 and "acknowledged by analyst" in out
    code, out, _ = run(capsys, "alerts", "ack", aid, "--as", "admin")
    assert code == 0 and "acknowledged before by analyst" in out
    code, _, err = run(capsys, "alerts", "ack", aid, "--as", "researcher")
    assert code == 2 and "only analysts and admins" in err
    code, _, err = run(capsys, "alerts", "ack", "0123456789abcdef", "--as", "analyst")
    assert code == 2
    assert cli.alert_acks([aid])[aid].note == "ledger asked for"
    entries, _ = cli.audit_log(action="alert.ack", user="analyst")
    assert entries and entries[-1].firm_id == "C3"
    acted, _ = cli.audit_log(action="cli.act_as")  # who ran the command, beside the user acted as
    assert {(e.user.startswith("system:"), e.detail) for e in acted} >= {(True, "as analyst: acknowledge alerts")}
    code, out, _ = run(capsys, "alerts", "--open", "--kind", "coverage_drop")
    assert aid not in out and "(0 alerts;" in out


def _login(c: TestClient, store: Store, name: str) -> None:
    set_password(store, name, PASSWORD, SYSTEM)
    csrf = _csrf(c.get("/login").text)
    r = c.post("/login", data={"name": name, "password": PASSWORD, "csrf": csrf}, follow_redirects=False)
    assert r.status_code == 303


def test_the_ui_shows_the_feed_an_alert_and_acknowledges_it(store: Store, tmp_path: Path) -> None:
    build_region(store)
    make_tokens(store)
    with _app(store, tmp_path) as c:
        _login(c, store, "analyst")
        page = c.get("/ui/alerts")
        assert page.status_code == 200
        text = page.text
        assert "主要得意先" in text and "との取引が2か月途絶" in text and "帳簿の到着が途絶" in text
        assert HOSTILE not in text and "&lt;img src=x onerror=alert(1)&gt;商事" in text
        assert 'href="/ui/firms/C1"' in text
        only = c.get("/ui/alerts", params={"kind": "coverage_drop"}).text
        assert "帳簿の到着が途絶" in only and "主要得意先" not in only
        # An alert opened from a filtered list leads back to that list, filters kept (only to the list).
        link = re.search(r'class="why" href="([^"]+)"', only)
        assert link and "back=%2Fui%2Falerts%3Fkind%3Dcoverage_drop" in link.group(1)
        opened = c.get(html.unescape(link.group(1))).text
        assert 'href="/ui/alerts?kind=coverage_drop" class="back-to-alerts"' in opened
        assert 'name="next" value="/ui/alerts/' in opened  # acknowledging there keeps the way back
        for hostile in ("//evil.example/ui/alerts", "/ui/firms/C1", "https://evil.example"):
            back = c.get(html.unescape(link.group(1)).split("?")[0], params={"back": hostile}).text
            assert 'href="/ui/alerts" class="back-to-alerts"' in back
        lost = next(a for a in stored_alerts(store)[0] if a["kind"] == "top_partner_lost")
        one = c.get(f"/ui/alerts/{lost['id']}")
        assert one.status_code == 200
        assert "根拠となる取引" in one.text and "500,000円" in one.text and "確認済みにする" in one.text
        assert c.get("/ui/alerts/0123456789abcdef").status_code == 404
        assert c.post(f"/ui/alerts/{lost['id']}/ack", data={"csrf": "forged"}).status_code == 403
        r = c.post(f"/ui/alerts/{lost['id']}/ack", data={"csrf": _csrf(one.text), "note": "電話で確認"},
                   follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == f"/ui/alerts/{lost['id']}"
        after = c.get(f"/ui/alerts/{lost['id']}").text
        assert "確認済み" in after and "電話で確認" in after and "analyst" in after
        assert lost["id"] not in c.get("/ui/alerts").text  # unacknowledged only, by default
        assert lost["id"] in c.get("/ui/alerts", params={"state": "acknowledged"}).text
        entries, _ = store.audit_log(action="alert.ack", user="analyst")
        assert entries and entries[0].firm_id == "C1"
        en = c.get("/ui/alerts", params={"lang": "en", "state": "all"}).text
        assert "Top customer" in en and "has traded nothing for 2 months" in en
    with _app(store, tmp_path) as c:
        _login(c, store, "officer_b1")
        assert c.get("/ui/alerts").status_code == 403
        assert c.get(f"/ui/alerts/{lost['id']}").status_code == 403


@pytest.mark.parametrize("one_industry", [True, False], ids=["one-industry", "two-industries"])
def test_a_receivable_alert_beyond_the_months_usual_rise_shows_both(store: Store, tmp_path: Path,
                                                                    one_industry: bool) -> None:
    """Twenty clients whose September sales are larger (their month-end
    receivable days rise together) and one that was also not paid that
    month: only that one is raised, and its page says by how much its days
    rose beyond the usual rise: of its industry's clients when all are of
    one (the firm master's industry), of every client when no industry has
    twenty."""
    from graph.alerts import USUAL_MIN_CLIENTS

    peak = "2024-09"
    sales = {m: 1_300_000 if m == peak else 1_000_000 for m in MONTHS}
    clients = [f"R{i:02d}" for i in range(USUAL_MIN_CLIENTS)] + ["LATE"]
    store.upsert_firms([Firm(c, f"顧問先{c}", industry="E" if one_industry or i % 2 else "D", is_client=True)
                        for i, c in enumerate(clients)] + [Firm("K", "得意先")])
    for n, c in enumerate(clients):
        trades = [TradeRow(c, "K", m, c, yen, 1) for m, yen in sales.items()]
        paid = [PaymentRow("K", c, m, c, sales[MONTHS[k - 1]], 1) for k, m in enumerate(MONTHS)
                if k > 0 and not (c == "LATE" and m == peak)]
        batch = BatchInfo(f"r{n}", f"{n + 100:064d}", f"{c}.csv", c, "canonical", started_at="2025-01-01T00:00:00")
        store.begin_batch(batch)
        store.write_chunk(batch.id, 0, trades, paid)
        store.finish_batch(BatchInfo(batch.id, batch.sha256, batch.file, c, "canonical", status="done",
                                     rows_read=len(trades), rows_loaded=len(trades), started_at=batch.started_at))
    refresh_alerts(store)
    rising = [a for a in stored_alerts(store)[0] if a["kind"] == "receivable_days_rising"]
    assert [(a["firm_id"], a["month"]) for a in rising] == [("LATE", peak)]
    n = rising[0]["numbers"]
    assert n["usual_days"] > 5 and n["beyond_usual"] >= 15
    assert n.get("usual_industry") == ("E" if one_industry else None)
    make_tokens(store)
    with _app(store, tmp_path) as c:
        _login(c, store, "analyst")
        page = c.get(f"/ui/alerts/{rising[0]['id']}").text
        usual = "同月の同業種（E 製造業）の顧問先の通常の上昇" if one_industry else "同月の顧問先の通常の上昇"
        assert page.count(usual) == 2 and "日上回る" in page  # the sentence and the numbers


def test_every_open_alert_of_a_filter_is_acknowledged_together(store: Store, tmp_path: Path) -> None:
    """An analyst who has reviewed a month, or starts with a region's history,
    acknowledges its open alerts at once: over the API with filters, in the
    page with a ticked box (nothing without it); each alert acknowledged is
    audited with its firm, those acknowledged before keep their first
    acknowledgement; credit officers are refused."""
    build_region(store)
    tokens = make_tokens(store)
    alerts, _ = stored_alerts(store, wait=True)
    october = [a for a in alerts if a["month"] == "2024-10"]
    assert len(october) >= 3
    first = october[0]["id"]
    with _app(store, tmp_path) as c:
        assert c.post(f"/alerts/{first}/ack", json={"note": "一件"}, headers=tokens["analyst"]).status_code == 200
        r = c.post("/alerts/ack", json={"month": "2024-10", "note": "月次で確認"}, headers=tokens["admin"])
        assert r.status_code == 200, r.text
        assert r.json() == {"matched": len(october) - 1, "acknowledged": len(october) - 1}
        acks = store.alert_acks([a["id"] for a in october])
        assert acks[first].user == "analyst" and acks[first].note == "一件"
        assert {a.user for k, a in acks.items() if k != first} == {"admin"} and len(acks) == len(october)
        assert c.post("/alerts/ack", json={"month": "2024-10"}, headers=tokens["admin"]).json() == \
            {"matched": 0, "acknowledged": 0}
        assert c.post("/alerts/ack", json={}, headers=tokens["officer_b1"]).status_code == 403
        assert c.post("/alerts/ack", json={"month": "2024-13"}, headers=tokens["admin"]).status_code == 422
        assert c.post("/alerts/ack", json={"kind": "coverage_drop", "since": "2024-01"},
                      headers=tokens["admin"]).json()["matched"] == 0  # C3's is October's: done
    entries, _ = store.audit_log(action="alert.ack", user="admin", limit=1000)
    assert len(entries) == len(october) - 1
    assert {e.firm_id for e in entries} == {a["firm_id"] for a in october if a["id"] != first}
    assert all(f"one of {len(october) - 1} acknowledged together" in e.detail for e in entries)
    denied, _ = store.audit_log(action="alert.ack", user="officer_b1")
    assert denied and denied[0].outcome == "denied"

    rest = [a for a in alerts if a["month"] != "2024-10"]
    with _app(store, tmp_path) as c:
        _login(c, store, "analyst")
        page = c.get("/ui/alerts", params={"kind": "partner_distress"}).text
        distress = [a for a in rest if a["kind"] == "partner_distress"]
        assert f"表示中の {len(distress)} 件をまとめて確認済みにする" in page
        assert "このページだけでなくすべてのページ分" in page
        form = {"csrf": _csrf(page), "kind": "partner_distress", "month": "", "note": "導入前の履歴"}
        r = c.post("/ui/alerts/ack", data=form, follow_redirects=False)  # the box not ticked: nothing
        assert r.status_code == 303 and r.headers["location"] == "/ui/alerts?kind=partner_distress&month="
        assert "チェックボックスにチェック" in c.get(r.headers["location"]).text
        assert not store.alert_acks([a["id"] for a in distress])
        assert c.post("/ui/alerts/ack", data={**form, "confirm": "yes", "csrf": "forged"}).status_code == 403
        r = c.post("/ui/alerts/ack", data={**form, "confirm": "yes"})
        assert r.status_code == 200 and f"{len(distress)} 件のアラートを確認済みにしました" in r.text
        assert "まとめて確認済みにする" not in r.text  # none left to acknowledge in this filter
        assert {a.note for a in store.alert_acks([a["id"] for a in distress]).values()} == {"導入前の履歴"}
        left = c.get("/ui/alerts").text  # every kind: the others still open
        assert f"表示中の {len(rest) - len(distress)} 件" in left
    with _app(store, tmp_path) as c:
        _login(c, store, "officer_b1")
        assert c.post("/ui/alerts/ack", data={"csrf": "x", "confirm": "yes"}).status_code == 403


def test_one_clients_alerts_from_the_portfolio_and_its_firm_page(store: Store, tmp_path: Path) -> None:
    """The portfolio's count of a client's open alerts and its firm page link
    to that client's alerts only; acknowledging "all shown" there takes that
    client's alone, and the list goes back to every client's."""
    build_region(store)
    tokens = make_tokens(store)
    alerts, _ = stored_alerts(store, wait=True)
    by_firm: dict[str, int] = {}
    for a in alerts:
        by_firm[a["firm_id"]] = by_firm.get(a["firm_id"], 0) + 1
    firm, n = max(by_firm.items(), key=lambda kv: (kv[1], kv[0]))
    assert len(by_firm) > 1 and n < len(alerts)
    with _app(store, tmp_path) as c:
        _login(c, store, "analyst")
        assert f'href="/ui/alerts?firm={firm}"' in c.get("/ui/portfolio").text
        page = c.get(f"/ui/firms/{firm}").text
        assert f"未確認のアラート {n} 件" in page and f'href="/ui/alerts?firm={firm}"' in page
        listed = c.get("/ui/alerts", params={"firm": firm}).text
        assert f"{n} 件のアラート" in listed or f"アラート {n} 件" in listed
        assert f"表示中の {n} 件をまとめて確認済みにする" in listed and "のアラートのみ" in listed
        assert set(re.findall(r'data-alert="([0-9a-f]{16})"', listed)) <= {a["id"] for a in alerts
                                                                         if a["firm_id"] == firm}
        form = {"csrf": _csrf(listed), "kind": "", "month": "", "firm": firm, "confirm": "yes"}
        r = c.post("/ui/alerts/ack", data=form, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].endswith(f"&firm={firm}")
        acked = store.alert_acks([a["id"] for a in alerts])
        assert {a["firm_id"] for a in alerts if a["id"] in acked} == {firm} and len(acked) == n
        assert "未確認のアラートはありません" in c.get(f"/ui/firms/{firm}").text
        assert c.get("/ui/alerts", params={"firm": "x" * 201}).status_code == 422
        assert c.get("/ui/alerts", params={"firm": "NOPE"}).status_code == 404  # a mistyped id: no such firm
        api = c.get("/alerts", params={"firm": "NOPE"}, headers=tokens["analyst"])
        assert api.status_code == 404 and api.json()["error"] == "not_found"


def test_the_cli_acknowledges_every_alert_of_a_filter(cli: Store, capsys: pytest.CaptureFixture[str]) -> None:
    build_region(cli)
    make_tokens(cli)
    code, out, _ = run(capsys, "alerts", "--json")
    every = json.loads(out)["alerts"]
    code, _, err = run(capsys, "alerts", "ack", "--as", "analyst")
    assert code == 2 and "--all" in err
    code, _, err = run(capsys, "alerts", "ack", every[0]["id"], "--month", "2024-10", "--as", "analyst")
    assert code == 2 and "choose alerts for --all" in err
    code, out, _ = run(capsys, "alerts", "ack", "--all", "--since", "2024-10", "--as", "analyst", "--json")
    later = [a for a in every if a["month"] >= "2024-10"]
    assert code == 0 and json.loads(out) == {"matched": len(later), "acknowledged": len(later)}
    code, out, _ = run(capsys, "alerts", "ack", "--all", "--note", "確認済み", "--as", "admin")
    assert code == 0 and f"{len(every) - len(later)} alerts acknowledged by admin" in out
    code, _, err = run(capsys, "alerts", "ack", "--all", "--as", "researcher")
    assert code == 2 and "only analysts and admins" in err
    code, out, _ = run(capsys, "alerts", "--open")
    assert "(0 alerts;" in out


def test_acknowledgements_are_taken_back_one_or_a_filters_worth(store: Store, tmp_path: Path) -> None:
    """An acknowledgement made by mistake is taken back: the alert is open
    again, each one audited with who had acknowledged it; the same from the
    API, the alert's page and the list (a ticked box); officers refused."""
    build_region(store)
    tokens = make_tokens(store)
    alerts, _ = stored_alerts(store, wait=True)
    one, october = alerts[0]["id"], [a["id"] for a in alerts if a["month"] == "2024-10"]
    with _app(store, tmp_path) as c:
        assert c.post("/alerts/ack", json={"note": "誤って全件"}, headers=tokens["analyst"]).json()["acknowledged"] \
            == len(alerts)
        r = c.post(f"/alerts/{one}/reopen", headers=tokens["admin"])
        assert r.status_code == 200 and r.json() == {"alert_id": one, "reopened": True}
        assert c.post(f"/alerts/{one}/reopen", headers=tokens["admin"]).json()["reopened"] is False
        assert c.post("/alerts/0123456789abcdef/reopen", headers=tokens["admin"]).status_code == 404
        assert c.post(f"/alerts/{one}/reopen", headers=tokens["officer_b1"]).status_code == 403
        r = c.post("/alerts/reopen", json={"month": "2024-10"}, headers=tokens["admin"])
        reopened = len([i for i in october if i != one])
        assert r.status_code == 200 and r.json() == {"matched": reopened, "reopened": reopened}
        assert c.post("/alerts/reopen", json={}, headers=tokens["officer_b1"]).status_code == 403
        still = set(store.alert_acks())
        assert one not in still and not still & set(october) and len(still) == len(alerts) - len(set(october) | {one})
    entries, _ = store.audit_log(action="alert.reopen", user="admin", limit=1000)
    assert len(entries) == len(set(october) | {one})
    assert all("acknowledged by analyst at" in e.detail for e in entries)
    assert {e.outcome for e in store.audit_log(action="alert.reopen", user="officer_b1")[0]} == {"denied"}

    with _app(store, tmp_path) as c:
        _login(c, store, "analyst")
        acked = next(a["id"] for a in alerts if a["id"] in still)
        page = c.get(f"/ui/alerts/{acked}").text
        assert "未確認に戻す（確認を取り消す）" in page
        r = c.post(f"/ui/alerts/{acked}/reopen", data={"csrf": _csrf(page)}, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == f"/ui/alerts/{acked}"
        after = c.get(r.headers["location"]).text
        assert "確認を取り消し、未確認に戻しました" in after and "確認済みにする" in after
        assert c.post(f"/ui/alerts/{acked}/reopen", data={"csrf": "forged"}).status_code == 403
        listed = c.get("/ui/alerts", params={"state": "acknowledged"}).text
        left = len(still) - 1
        assert f"表示中の {left} 件をまとめて未確認に戻す" in listed
        form = {"csrf": _csrf(listed), "kind": "", "month": ""}
        r = c.post("/ui/alerts/reopen", data=form, follow_redirects=False)  # the box not ticked
        assert "未確認に戻していません" in c.get(r.headers["location"]).text and len(store.alert_acks()) == left
        r = c.post("/ui/alerts/reopen", data={**form, "confirm": "yes"})
        assert r.status_code == 200 and f"{left} 件のアラートの確認を取り消し" in r.text
        assert store.alert_acks() == {}


def test_the_cli_reopens(cli: Store, capsys: pytest.CaptureFixture[str]) -> None:
    build_region(cli)
    make_tokens(cli)
    code, out, _ = run(capsys, "alerts", "ack", "--all", "--as", "analyst", "--json")
    every = json.loads(out)["acknowledged"]
    aid = next(iter(cli.alert_acks()))
    code, out, _ = run(capsys, "alerts", "reopen", aid, "--as", "admin")
    assert code == 0 and f"alert {aid} is open again" in out
    code, out, _ = run(capsys, "alerts", "reopen", aid, "--as", "admin")
    assert code == 0 and "was not acknowledged" in out
    code, _, err = run(capsys, "alerts", "reopen", "--as", "admin")
    assert code == 2 and "every acknowledged alert" in err
    code, _, err = run(capsys, "alerts", "reopen", "--all", "--as", "researcher")
    assert code == 2 and "only analysts and admins reopen" in err
    code, out, _ = run(capsys, "alerts", "reopen", "--all", "--as", "admin", "--json")
    assert code == 0 and json.loads(out) == {"matched": every - 1, "reopened": every - 1}
    assert cli.alert_acks() == {}
