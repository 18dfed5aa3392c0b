"""The API contract under hostile input: one error format, 4xx never 5xx,
one answer for a reversed window, 413 before an upload's body is read."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.app import create_app
from api.errors import scrub
from api.settings import Settings
from queries.embedded_store import EmbeddedStore
from tests.conftest import make_tokens
from tests.contract.test_store_contract import load_sample

WINDOWED = ["/firms/F0001/ego", "/firms/F0001/view", "/firms/F0001/trend", "/analytics/reconcile"]


@pytest.fixture
def app(tmp_path: Path) -> Iterator[tuple[FastAPI, dict[str, str]]]:
    store = EmbeddedStore(tmp_path / "home")
    store.ensure_schema()
    load_sample(store, tmp_path / "rejects")
    yield (create_app(Settings(TORIHIKI_HOME=tmp_path, TORIHIKI_MAX_UPLOAD_BYTES=1000), store=store),
           make_tokens(store)["analyst"])
    store.close()


def _problem(r: object, status: int, code: str) -> dict[str, object]:
    assert r.status_code == status, r.text  # type: ignore[attr-defined]
    assert r.headers["content-type"].startswith("application/problem+json")  # type: ignore[attr-defined]
    body: dict[str, object] = r.json()  # type: ignore[attr-defined]
    assert body["status"] == status and body["error"] == code and str(body["type"]).endswith(code)
    assert {"type", "title", "status", "detail", "error"} <= body.keys()
    return body


def test_a_reversed_window_is_one_answer_on_every_route(app: tuple[FastAPI, dict[str, str]]) -> None:
    a, auth = app
    with TestClient(a) as c:
        details = {_problem(c.get(path, params={"from": "2025-03", "to": "2024-04"}, headers=auth),
                            422, "invalid")["detail"] for path in WINDOWED}
    assert details == {"the window starts after it ends: from 2025-03 is after to 2024-04"}
    assert "--" not in next(iter(details))  # API words, not CLI flags


def test_out_of_range_paging_and_bad_parameters_are_422(app: tuple[FastAPI, dict[str, str]]) -> None:
    a, auth = app
    with TestClient(a) as c:
        for params in ({"offset": 10**20}, {"offset": -1}, {"limit": 0}, {"limit": 10**6}, {"limit": "x"}):
            body = _problem(c.get("/firms", params=params, headers=auth), 422, "invalid")
            assert body["errors"] and all(e["loc"][0] == "query" for e in body["errors"])  # type: ignore[union-attr,index]
        _problem(c.get("/firms/F0001/ego", params={"hops": 9}, headers=auth), 422, "invalid")
        _problem(c.get("/firms/NOPE", headers=auth), 404, "not_found")
        _problem(c.get("/firms/F0001/whatif", params={"fails": "F0001"}, headers=auth), 422, "invalid")
        _problem(c.get("/firms", headers={"Authorization": "Bearer nope"}), 401, "unauthorized")


def test_head_answers_as_get_without_a_body(app: tuple[FastAPI, dict[str, str]]) -> None:
    """A monitor's HEAD /health and curl -I of a firm: GET's status and
    headers, no body; without a token, GET's 401."""
    a, auth = app
    with TestClient(a) as c:
        for path, headers in (("/health", {}), ("/firms/F0001", auth)):
            get, head = c.get(path, headers=headers), c.head(path, headers=headers)
            assert head.status_code == get.status_code == 200, (path, head.status_code)
            assert head.content == b"" and head.headers["content-type"] == get.headers["content-type"]
            assert head.headers["content-length"] == get.headers["content-length"]
        assert c.head("/firms/F0001").status_code == 401
        assert c.head("/firms/NOPE", headers=auth).status_code == 404


def test_an_upload_over_the_limit_is_refused_before_its_body(app: tuple[FastAPI, dict[str, str]]) -> None:
    a, auth = app
    with TestClient(a) as c:  # a declared Content-Length over the limit
        r = c.post("/ingest", files={"file": ("big.csv", b"x" * 500_000)}, data={"client_id": "F0001"},
                   headers=auth)
        _problem(r, 413, "payload_too_large")


def test_a_streamed_body_is_cut_off_at_the_limit() -> None:
    """Without a Content-Length the body is counted as it arrives: 413 as
    soon as it passes the limit, the rest never asked for."""
    import anyio

    from api.limits import ENVELOPE_BYTES, BodyLimit

    asked: list[int] = []
    sent: list[dict[str, object]] = []

    async def reader(scope: object, receive: object, send: object) -> None:  # reads everything, like a form parser
        while True:
            message = await receive()  # type: ignore[operator]
            if message["type"] == "http.disconnect" or not message.get("more_body"):
                raise RuntimeError("client went away")

    async def receive() -> dict[str, object]:
        asked.append(1)
        return {"type": "http.request", "body": b"x" * 10_000, "more_body": True}

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/ingest", "headers": []}
    anyio.run(BodyLimit(reader, limit=lambda: 1000), scope, receive, send)  # type: ignore[arg-type]
    assert sent[0]["type"] == "http.response.start" and sent[0]["status"] == 413
    assert len(asked) == (1000 + ENVELOPE_BYTES) // 10_000 + 1  # not one chunk more


def test_details_never_carry_server_paths_or_addresses() -> None:
    text = ("Neo4j unavailable: Couldn't connect to localhost:7687 (resolved to ('127.0.0.1:7687',)); "
            "/srv/torihiki/.torihiki/uploads/ab12-ledger.csv: binary file; bolt://db.internal:7687")
    clean = scrub(text)
    for leak in ("localhost", "127.0.0.1", "7687", "/srv", "uploads/", "db.internal"):
        assert leak not in clean, (leak, clean)
    assert "ab12-ledger.csv: binary file" in clean
    assert scrub("from 2024/04/01 to 2025-03") == "from 2024/04/01 to 2025-03"
