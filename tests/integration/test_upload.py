"""POST /ingest: multipart upload, duplicate detection, size limit, bad input."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from queries.model import Firm
from queries.store import Store

LEDGER = Path(__file__).resolve().parents[2] / "sample" / "ledgers" / "F0005.csv"


@pytest.fixture
def client(store: Store, tmp_path: Path, tokens: dict[str, dict[str, str]]) -> Iterator[TestClient]:
    settings = Settings(TORIHIKI_HOME=tmp_path, TORIHIKI_MAX_UPLOAD_BYTES=64 * 1024)
    # an upload's client must be in the firm master
    store.upsert_firms([Firm(i, f"顧問先{i}", is_client=True) for i in ("F0004", "F0005", "C1", "SHOP")])
    with TestClient(create_app(settings, store=store), headers=tokens["analyst"]) as c:
        yield c


def test_upload_loads_once(client: TestClient, store: Store) -> None:
    files = {"file": ("F0005.csv", LEDGER.read_bytes(), "text/csv")}
    r = client.post("/ingest", files=files, data={"client_id": "F0005"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["duplicate"] is False and body["rows_loaded"] > 100 and body["rows_rejected"] == 1
    r2 = client.post("/ingest", files=files, data={"client_id": "F0005"})
    assert r2.json()["duplicate"] is True
    assert len(store.list_batches()) == 1
    assert client.get("/firms/F0005/figures").json()["months"]


def test_upload_limits_and_errors(client: TestClient) -> None:
    big = b"date,counterparty_name,direction,amount\n" + b"2025-01-01,X,sale,1\n" * 5000  # > 64 KiB
    r = client.post("/ingest", files={"file": ("big.csv", big)}, data={"client_id": "C1"})
    assert r.status_code == 413
    r = client.post("/ingest", files={"file": ("x.bin", b"\x00\x01\x02" * 100)}, data={"client_id": "C1"})
    assert r.status_code == 422 and r.json()["error"] == "ingest_error"
    r = client.post("/ingest", files={"file": ("a.csv", b"x")}, data={"client_id": "bad id!"})
    assert r.status_code == 422
    r = client.post("/ingest", files={"file": ("a.csv", b"x")}, data={"client_id": "C1", "format": "xls"})
    assert r.status_code == 422


def test_upload_for_a_client_not_in_the_firm_master(client: TestClient, store: Store, tmp_path: Path) -> None:
    """A mistyped client id is refused before the file is kept: no nameless
    client, no batch, no kept upload."""
    files = {"file": ("F0005.csv", LEDGER.read_bytes(), "text/csv")}
    r = client.post("/ingest", files=files, data={"client_id": "F00055"})
    assert r.status_code == 422, r.text
    assert "no client 'F00055'" in r.json()["detail"] and "firm master" in r.json()["detail"]
    assert store.get_firms(["F00055"]) == {}
    # a partner (a firm, no client) does not become a client by an upload for it
    store.upsert_firms([Firm("N0001", "取引先商店")])
    r = client.post("/ingest", files=files, data={"client_id": "N0001"})
    assert r.status_code == 422 and "no client 'N0001'" in r.json()["detail"]
    assert store.get_firm("N0001").is_client is not True  # type: ignore[union-attr]
    assert store.list_batches() == []
    uploads = tmp_path / "uploads"
    assert not uploads.exists() or not any(uploads.iterdir())


def test_upload_for_the_wrong_client_then_the_right_one(client: TestClient, store: Store) -> None:
    """F0005's ledger (its rows name F0005) sent for F0004 is refused as a
    whole, naming the client its rows name, and keeps no load of nothing; the
    second upload loads every row; the same again changes nothing."""
    files = {"file": ("F0005.csv", LEDGER.read_bytes(), "text/csv")}
    wrong = client.post("/ingest", files=files, data={"client_id": "F0004"})
    assert wrong.status_code == 422 and "its rows name another client than F0004 (F0005)" in wrong.json()["detail"]
    assert store.list_batches() == []
    right = client.post("/ingest", files=files, data={"client_id": "F0005"}).json()
    assert right["duplicate"] is False and right["rows_loaded"] > 100 and right["same_file"] == []
    assert right["first_month"] and right["first_month"] <= right["last_month"]  # the months it holds
    again = client.post("/ingest", files=files, data={"client_id": "F0005"}).json()
    assert again["duplicate"] is True
    assert (again["first_month"], again["last_month"]) == (right["first_month"], right["last_month"])
    assert again["message"].startswith(f"already loaded as batch {right['batch_id']} for client F0005")
    assert {b.client_id for b in store.list_batches()} == {"F0005"}


def test_upload_refusals_and_damaged_lines(client: TestClient, store: Store) -> None:
    r = client.post("/ingest", files={"file": ("x.xlsx", b"PK\x03\x04" + bytes(range(256)) * 4)},
                    data={"client_id": "C1", "format": "canonical"})
    assert r.status_code == 422 and "save the sheet as CSV" in r.json()["detail"]
    header = b"date,counterparty_name,direction,amount\n"
    r = client.post("/ingest", files={"file": ("n.csv", header + b"2025-04-01,A\x00,sale,1\n2025-04-02,B,sale,2\n")},
                    data={"client_id": "C1"})
    assert r.status_code == 200 and (r.json()["rows_loaded"], r.json()["rows_rejected"]) == (1, 1)
    assert [b.status for b in store.list_batches()] == ["done"]


def test_a_line_dated_after_today_is_rejected_and_the_rest_loads(client: TestClient, store: Store,
                                                                 tmp_path: Path) -> None:
    """A line years ahead (a wrong year) would make its month the region's
    latest: it is rejected on its line, with the reason, and nothing of it is stored."""
    header = b"date,counterparty_name,direction,amount\n"
    body = header + b"2025-04-01,A,sale,100\n2099-03-12,B,sale,200\n"
    r = client.post("/ingest", files={"file": ("f.csv", body)}, data={"client_id": "C1"})
    assert r.status_code == 200, r.text
    assert (r.json()["rows_loaded"], r.json()["rows_rejected"]) == (1, 1)
    rejects = (tmp_path / "rejects" / r.json()["rejects_path"]).read_text(encoding="utf-8")
    assert "f.csv" in rejects and ",3,date," in rejects and "2099-03-12 is more than 31 days after today" in rejects
    assert rejects.rstrip().endswith(",\"2099-03-12,B,sale,200\"")  # the row as the file writes it
    assert store.ledger_sums("C1")["sales"] == {"2025-04": 100}


def test_cash_selling_client_has_figures_and_coverage(client: TestClient) -> None:
    body = (b"date,counterparty_name,direction,amount\n2025-04-01,,sale,300\n2025-04-02,,sale,100\n"
            + "2025-05-01,株式会社大田機械,sale,600\n2025-05-02,,purchase,50\n".encode())
    r = client.post("/ingest", files={"file": ("cash.csv", body)}, data={"client_id": "SHOP"})
    assert r.status_code == 200 and r.json()["rows_unnamed"] == 3
    figures = client.get("/firms/SHOP/figures").json()
    assert [(m["month"], m["sales"], m["purchases"]) for m in figures["months"]] == [
        ("2025-04", 400, 0), ("2025-05", 600, 50)]
    assert figures["coverage"]["sales"] == {"total_yen": 1000, "named_yen": 600, "unnamed_yen": 400,
                                            "named_share": 0.6}
    assert figures["coverage"]["purchases"]["named_share"] == 0.0
    trend = client.get("/firms/SHOP/trend").json()
    assert [(s["period"], s["firm_sales"]) for s in trend["series"]] == [("2025-04", 400), ("2025-05", 600)]


def test_uploads_then_one_refresh(client: TestClient, store: Store, tokens: dict[str, dict[str, str]]) -> None:
    """A program loads files with POST /ingest, then asks for one refresh
    (POST /refresh, 202) and polls GET /refresh until the portfolio, peers and
    alerts are computed for the data as it is; other roles may not."""
    import time

    files = {"file": ("F0005.csv", LEDGER.read_bytes(), "text/csv")}
    assert client.post("/ingest", files=files, data={"client_id": "F0005"}).status_code == 200
    before = client.get("/refresh").json()
    assert before["running"] is False and before["computed_at"] is None  # never computed here
    started = client.post("/refresh")
    assert started.status_code == 202, started.text
    deadline = time.monotonic() + 300
    while (state := client.get("/refresh").json())["running"]:
        assert time.monotonic() < deadline, "the refresh did not end within five minutes"
        time.sleep(0.5)
    assert state["error"] is None and state["finished_at"] and state["computed_at"] and state["stale"] is False
    signals = store.get_analytics("portfolio_signals")  # written by the child process, for this data
    assert signals is not None and signals[0] == store.data_version()
    for role in ("officer_b1", "researcher"):
        assert client.post("/refresh", headers=tokens[role]).status_code == 403
        assert client.get("/refresh", headers=tokens[role]).status_code == 403
