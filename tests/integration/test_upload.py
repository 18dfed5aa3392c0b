"""POST /ingest: multipart upload, duplicate detection, size limit, bad input."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from queries.store import Store

LEDGER = Path(__file__).resolve().parents[2] / "sample" / "ledgers" / "F0005.csv"


@pytest.fixture
def client(store: Store, tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(TORIHIKI_HOME=tmp_path, TORIHIKI_MAX_UPLOAD_BYTES=64 * 1024)
    with TestClient(create_app(settings, store=store)) as c:
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
