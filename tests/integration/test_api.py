"""The API end to end on both real stores: health, search, ego, view, errors."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from queries.store import Store
from tests.conftest import outside_references
from tests.contract.test_store_contract import load_sample


@pytest.fixture
def client(store: Store, tmp_path: Path, tokens: dict[str, dict[str, str]]) -> Iterator[TestClient]:
    load_sample(store, tmp_path)
    with TestClient(create_app(Settings(TORIHIKI_HOME=tmp_path), store=store), headers=tokens["analyst"]) as c:
        yield c


def test_health_names_the_store(client: TestClient, store: Store) -> None:
    r = client.get("/health")
    assert r.status_code == 200
    assert r.json() == {"status": "ok", "store": store.backend, "store_ok": True}


def test_search_and_get(client: TestClient) -> None:
    r = client.get("/firms", params={"q": "F000", "limit": 3})
    body = r.json()
    assert r.status_code == 200 and body["count"] == 8 and len(body["data"]) == 3
    assert client.get("/firms/F0001").json()["is_client"] is True
    r = client.get("/firms/NOPE")
    assert r.status_code == 404 and r.json()["error"] == "not_found"
    assert client.get("/firms", params={"limit": 0}).status_code == 422


def test_ego_shape(client: TestClient) -> None:
    r = client.get("/firms/F0001/ego", params={"hops": 2, "from": "2024-04", "to": "2025-03"})
    assert r.status_code == 200
    ego = r.json()
    assert ego["firm"]["id"] == "F0001"
    ids = {n["id"] for n in ego["nodes"]}
    assert all({"id", "name", "role", "hop"} <= n.keys() for n in ego["nodes"])
    assert {n["hop"] for n in ego["nodes"]} == {0, 1, 2}
    for e in ego["edges"]:
        assert e["source"] in ids and e["target"] in ids and isinstance(e["amount"], int)
    m = ego["metrics"]
    hop1 = [n for n in ego["nodes"] if n["hop"] == 1]
    assert m["out_strength"] == sum(n["sales_to"] for n in hop1)
    assert m["out_degree"] == sum(n["role"] in ("customer", "both") for n in hop1)


def test_ego_rejects_bad_parameters(client: TestClient) -> None:
    assert client.get("/firms/F0001/ego", params={"hops": 3}).status_code == 422
    assert client.get("/firms/F0001/ego", params={"from": "2025-13"}).status_code == 422
    r = client.get("/firms/F0001/ego", params={"from": "2025-03", "to": "2024-04"})
    assert r.status_code == 422 and "after" in r.json()["detail"]
    assert client.get("/firms/NOPE/ego").status_code == 404


def test_view_is_safe_html(client: TestClient, store: Store) -> None:
    from queries.model import Firm

    # A hostile name must come out as text, never as markup.
    store.upsert_firms([Firm("F0004", name='<img src=x onerror=alert(1)>"</script>')])
    r = client.get("/firms/F0001/view")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in r.headers["content-security-policy"]
    page = r.text
    assert "<img src=x" not in page and "</script>\"" not in page
    assert outside_references(page) == [] and "https://" not in page
    data = json.loads(re.search(r'id="network-data">(.*?)</script>', page, re.S).group(1))  # type: ignore[union-attr]
    assert any(n["label"].startswith("<img") for n in data["nodes"])  # a label, drawn as text
    assert all(re.fullmatch(r"n\d+", n["id"]) for n in data["nodes"] if n["kind"] in ("ego", "partner"))  # opaque
    assert client.get("/static/vendor/vis-network/vis-network.min.js").status_code == 200
    assert client.get("/static/network-view.js").status_code == 200
    assert client.get("/firms/NOPE/view").status_code == 404
