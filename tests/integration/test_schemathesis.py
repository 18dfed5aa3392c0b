"""The API against its own OpenAPI schema (Schemathesis, in-process over ASGI).

Every operation is called with generated input — valid and invalid — as each
role, on the embedded store with the sample ledgers loaded. Every answer
must be no server error (5xx) and match the schema documented for its status
(body and content type): bad input gets a documented 4xx, never a 500.

Generated firm ids are almost never real, so every other case swaps in a
firm that exists (and, for ``whatif``, one of its partners), so that the
answers of real firms are checked against their models too.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from api.app import create_app
from api.settings import Settings
from queries.embedded_store import EmbeddedStore
from queries.identity import ConsentEvent
from tests.conftest import make_tokens
from tests.contract.test_store_contract import load_sample

ROLES = ["admin", "analyst", "officer_b1", "researcher"]
KNOWN = ["F0001", "F0002", "F0003"]  # clients of the sample ledgers, trading with each other
CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance, content_type_conformance]
_turn = itertools.count()
EXAMPLES = 25  # per operation and role: the whole run stays well under two minutes


@pytest.fixture(scope="module", params=ROLES)
def api_schema(request: pytest.FixtureRequest,
               tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, dict[str, str]]]:
    """The app on a loaded embedded store; its schema and one role's token."""
    home = tmp_path_factory.mktemp("schemathesis")
    store = EmbeddedStore(home / "home")
    store.ensure_schema()
    load_sample(store, home / "rejects")
    # Bank B1's credit officer sees the known firms (so its runs check real answers, not only 404s);
    # F0003's partners did not all consent: its answers are masked ones.
    store.change_consent([ConsentEvent(f, "B1", "grant", "test") for f in KNOWN])
    app = create_app(Settings(TORIHIKI_HOME=home, TORIHIKI_MAX_UPLOAD_BYTES=64 * 1024), store=store)
    headers = make_tokens(store)[request.param]  # one user and Bearer token per role
    with TestClient(app):  # runs the lifespan: the store and the response cache on app.state
        yield schemathesis.openapi.from_asgi("/openapi.json", app), headers
    store.close()


def _realistic(case: Any) -> None:
    """Every other case asks about a firm that exists."""
    if next(_turn) % 2:
        return
    params = case.path_parameters or {}
    if "firm_id" in params:
        params["firm_id"] = KNOWN[0]
        query = case.query if isinstance(case.query, dict) else None
        if query is not None and "fails" in query:
            query["fails"] = KNOWN[1]


def test_api_matches_its_schema(api_schema: tuple[Any, dict[str, str]]) -> None:
    """Every operation, as this role: generated cases (examples, valid and
    invalid input) answered without a server error and as documented."""
    schema, headers = api_schema
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        def run(case: Any) -> None:
            _realistic(case)
            # 60 s, not Schemathesis' 10: a memo's first PDF loads the Japanese fonts, which took longer
            # than 10 s on a loaded machine (a timeout, then a cached answer on the retry: "flaky")
            case.call_and_validate(headers=headers, checks=CHECKS, timeout=60)

        try:
            run()
        except Exception as e:  # one operation's failure must not hide another's
            failures.append(f"{operation.label}: {e}")
    assert not failures, "\n\n".join(failures)


def test_the_schema_documents_every_error_status(tmp_path: Path) -> None:
    """Every data route documents 401, 403, 422 and 503 as problem answers;
    firm routes 404; the upload 413 — one Problem schema for all."""
    app = create_app(Settings(TORIHIKI_HOME=tmp_path), store=EmbeddedStore(tmp_path / "home"))
    spec = app.openapi()
    for path, methods in spec["paths"].items():
        for method, op in methods.items():
            codes = set(op["responses"])
            if path == "/health":
                assert {"200", "503"} <= codes and not op.get("security")  # the one route without a token
                continue
            assert op.get("security") == [{"token": []}], (method, path)  # the docs' Authorize button
            if path.startswith("/admin"):
                continue  # the identity routes document their own
            assert {"401", "403", "422", "503"} <= codes, (method, path, codes)
            if path.startswith("/firms/{firm_id}"):
                assert "404" in codes, (method, path)
            for code in (c for c in codes if not c.startswith("2")):  # errors (202: POST /refresh)
                content = op["responses"][code]["content"]
                assert list(content) == ["application/problem+json"], (method, path, code)
                assert content["application/problem+json"]["schema"] == {"$ref": "#/components/schemas/Problem"}
    assert "413" in spec["paths"]["/ingest"]["post"]["responses"]
    assert spec["components"]["securitySchemes"]["token"] | {"description": ""} == \
        {"type": "http", "scheme": "bearer", "description": ""}
