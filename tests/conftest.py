"""Shared fixtures: the real embedded store and the real Neo4j.

Neo4j tests need ``NEO4J_URI`` (``make test`` starts a local Neo4j through
``scripts/neo4j-local`` and exports it). Without it they skip — except with
``CI=true``, where a missing or unreachable Neo4j fails the run.
"""

from __future__ import annotations

import os
import re
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from queries.access import SYSTEM, Role
from queries.config import StoreConfig
from queries.embedded_store import EmbeddedStore
from queries.scoped import forget_store
from queries.store import Store

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO / "tests" / "fixtures" / "shared" / "data"
"""The product's shared sample data, vendored (tests/fixtures/shared/README.md)."""
SAMPLE = REPO / "sample"


def _neo4j_config() -> StoreConfig | None:
    from api.settings import Settings  # the one object that reads the environment

    cfg = Settings().store_config("batch")
    return cfg if cfg.neo4j_uri else None


def _neo4j_missing(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true but Neo4j is not available: {reason}")
    pytest.skip(f"Neo4j not available: {reason}")


@pytest.hookimpl(tryfirst=True)  # before ``-m`` selects by the marks
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark ``neo4j`` every test that takes a Neo4j fixture itself, not only
    those marked by hand or by the ``store`` parameter: ``scripts/run-tests``
    runs ``-m neo4j`` in one process and ``-m "not neo4j"`` beside it, with
    no ``NEO4J_URI``, and a test must land in the one that has Neo4j."""
    for item in items:
        if {"neo4j_store", "neo4j_driver_store"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.neo4j)


@pytest.fixture(scope="session")
def neo4j_driver_store() -> Iterator[Store]:
    """One Neo4j store (one driver) for the whole session."""
    cfg = _neo4j_config()
    if cfg is None:
        _neo4j_missing("NEO4J_URI is not set (run `make test`)")
        raise AssertionError  # unreachable
    from queries.neo4j_store import Neo4jStore, make_driver

    store = Neo4jStore(make_driver(cfg), cfg.neo4j_database)
    if not store.ping():
        _neo4j_missing(f"no answer from {cfg.neo4j_uri}")
    wipe_neo4j(store)  # checks (and marks) that the database is ours before the schema writes to it
    store.ensure_schema()
    yield store
    store.close()


MARKER = "TorihikiTestDatabase"


def wipe_neo4j(store: Store) -> None:
    """Empty the test database — only one these tests own: empty, or marked by
    an earlier wipe. A database with data and no marker (someone's real data
    behind a stray ``NEO4J_URI``) is left untouched and the test fails."""
    from queries.neo4j_store import Neo4jStore

    assert isinstance(store, Neo4jStore)
    records, _, _ = store.driver.execute_query(
        f"OPTIONAL MATCH (m:{MARKER}) WITH count(m) AS marked "
        "OPTIONAL MATCH (n) RETURN marked, count(n) AS nodes", database_=store.database)
    marked, nodes = int(records[0]["marked"]), int(records[0]["nodes"])
    if not marked and nodes:
        pytest.fail(f"refusing to wipe {store.database} at NEO4J_URI: it holds {nodes} nodes and is not "
                    f"a torihiki test database (no :{MARKER} node); point NEO4J_URI at an empty database")
    store.driver.execute_query(f"MATCH (n) WHERE NOT n:{MARKER} DETACH DELETE n", database_=store.database)
    store.driver.execute_query(f"MERGE (:{MARKER} {{note: 'emptied before each torihiki test'}})",
                               database_=store.database)
    forget_store(store)  # its pseudonym secret, the banks' views and facts remembered went with the rest


@pytest.fixture
def neo4j_store(neo4j_driver_store: Store) -> Iterator[Store]:
    """The session's Neo4j store, emptied before each test."""
    wipe_neo4j(neo4j_driver_store)
    yield neo4j_driver_store


@pytest.fixture
def embedded_store(tmp_path: Path) -> Iterator[Store]:
    store = EmbeddedStore(tmp_path / "home")
    store.ensure_schema()
    yield store
    store.close()


@pytest.fixture(params=["embedded", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def store(request: pytest.FixtureRequest) -> Store:
    """Each contract test runs once per store."""
    name = "embedded_store" if request.param == "embedded" else "neo4j_store"
    s: Store = request.getfixturevalue(name)
    return s


# name → (role, bank) of the users :func:`make_tokens` creates
TEST_USERS: dict[str, tuple[Role, str | None]] = {
    "admin": (Role.ADMIN, None),
    "analyst": (Role.ANALYST, None),
    "researcher": (Role.RESEARCHER, None),
    "officer_b1": (Role.CREDIT_OFFICER, "B1"),
    "officer_b2": (Role.CREDIT_OFFICER, "B2"),
}


def make_tokens(store: Store) -> dict[str, dict[str, str]]:
    """One user per role in ``store`` (credit officers of banks ``B1`` and
    ``B2``; see :data:`TEST_USERS`) and a fresh token for each: user name →
    request headers ``{"Authorization": "Bearer …"}``. Users that exist are
    kept (their tokens rotated), so a store shared by several tests works."""
    from api.identity import add_user, issue_token

    headers = {}
    for name, (role, bank) in TEST_USERS.items():
        if store.get_user(name) is None:
            add_user(store, name, role.value, bank, SYSTEM)
        headers[name] = {"Authorization": f"Bearer {issue_token(store, name, SYSTEM).token}"}
    return headers


@pytest.fixture
def tokens(store: Store) -> dict[str, dict[str, str]]:
    """Bearer headers per test user of ``store`` (:func:`make_tokens`):
    ``tokens["analyst"]``, ``tokens["admin"]``, ``tokens["researcher"]``,
    ``tokens["officer_b1"]``, ``tokens["officer_b2"]``."""
    return make_tokens(store)


def outside_references(page: str) -> list[str]:
    """Every ``src``, ``href`` or ``action`` of ``page`` that leaves the site
    (a scheme or ``//``): a page must load nothing from a CDN or elsewhere.

    Read from the attributes, not by searching the whole page for "cdn": a
    page's random CSRF token holds any three letters now and then.
    """
    refs = re.findall(r"""\b(?:src|href|action)\s*=\s*["']?([^"'\s>]*)""", page, re.I)
    return [r for r in refs if re.match(r"(?i)[a-z][a-z0-9+.-]*:|//", r) and not r.lower().startswith("data:")]


def without_csrf(page: str) -> str:
    """``page`` with its forms' random CSRF tokens blanked: a test that
    checks an id or a word is absent from a page must not meet it in 43
    random characters by chance."""
    return re.sub(r'(name="csrf" value=")[^"]*"', r'\1"', page)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
