"""While Neo4j does not answer, every request answers 503 within a second,
with ``Retry-After`` and no address of the server; service resumes on its
own when it is back.

"Down" is a closed local port (nothing else is stopped); "back" is a TCP
relay to the session's Neo4j that the test closes and opens again, so no
shared server is ever stopped.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from queries.access import Principal, Role
from queries.factory import open_store
from tests.conftest import free_port

ROUTES = ["/firms?q=a", "/firms/F0001", "/firms/F0001/ego", "/firms/F0001/trend", "/firms/F0001/figures",
          "/firms/F0001/peers", "/analytics/reconcile", "/analytics/correlation"]


def _app(uri: str, home: Path, password: str = "x") -> FastAPI:
    settings = Settings(TORIHIKI_HOME=home, NEO4J_URI=uri, NEO4J_PASSWORD=password)
    app = create_app(settings, store=open_store(settings.store_config("api")))
    from api.auth import get_principal

    # The store is down: no token can be checked; this is about the store, not identity.
    app.dependency_overrides[get_principal] = lambda: Principal("probe", Role.ANALYST)
    return app


def _assert_fast_503(client: TestClient, path: str, port: int) -> None:
    """``path`` answers 503 within a second. A slow answer is asked again
    once: a pause of the test process (its garbage collector, a busy
    machine) passes, a server that waits for the store answers slowly twice."""
    took = []
    for _ in range(2):
        started = time.perf_counter()
        r = client.get(path)
        took.append(time.perf_counter() - started)
        assert r.status_code == 503, (path, r.status_code, r.text)
        if took[-1] < 1.0:
            break
    assert min(took) < 1.0, (path, took)
    assert int(r.headers["retry-after"]) >= 1
    body = r.text
    for leak in ("127.0.0.1", "localhost", str(port), "bolt", "neo4j://", "Couldn't connect"):
        assert leak not in body, (path, leak, body)
    if path != "/health":
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["error"] == "store_unavailable"


def test_down_answers_503_within_a_second(tmp_path: Path) -> None:
    port = free_port()  # nothing listens there
    app = _app(f"bolt://127.0.0.1:{port}", tmp_path)
    with TestClient(app, raise_server_exceptions=False) as client:
        for path in ["/health", *ROUTES, *ROUTES]:  # the second round meets an open circuit
            _assert_fast_503(client, path, port)
    app.state.store.close()  # the app closes only a store it opened itself; after its shutdown


class Relay:
    """A TCP relay 127.0.0.1:port → target that can be closed and opened again."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = free_port()
        self._server: socket.socket | None = None
        self._conns: list[socket.socket] = []
        self._lock = threading.Lock()

    def open(self) -> None:
        server = socket.socket()
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", self.port))
        server.listen(16)
        self._server = server
        threading.Thread(target=self._accept, args=(server,), daemon=True).start()

    def close(self) -> None:
        with self._lock:
            if self._server is not None:
                with contextlib.suppress(OSError):
                    self._server.shutdown(socket.SHUT_RDWR)
                self._server.close()
                self._server = None
            for c in self._conns:
                with contextlib.suppress(OSError):
                    c.shutdown(socket.SHUT_RDWR)
                c.close()
            self._conns.clear()

    def _accept(self, server: socket.socket) -> None:
        while True:
            try:
                client, _ = server.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            with self._lock:
                self._conns += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(a: socket.socket, b: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := a.recv(65536):
                b.sendall(data)
        with contextlib.suppress(OSError):
            b.shutdown(socket.SHUT_WR)


@pytest.fixture
def relay() -> Iterator[Relay]:
    settings = Settings()
    if not settings.neo4j_uri:
        if __import__("os").environ.get("CI", "").lower() == "true":
            pytest.fail("CI=true but NEO4J_URI is not set")
        pytest.skip("Neo4j not available: NEO4J_URI is not set (run `make test`)")
    url = urlsplit(settings.neo4j_uri)
    r = Relay((url.hostname or "127.0.0.1", url.port or 7687))
    r.open()
    yield r
    r.close()


@pytest.mark.neo4j
def test_service_resumes_when_neo4j_is_back(relay: Relay, tmp_path: Path) -> None:
    password = Settings().neo4j_password.get_secret_value()
    app = _app(f"bolt://127.0.0.1:{relay.port}", tmp_path, password)
    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.get("/health").status_code == 200
        assert client.get("/firms", params={"q": "zz-none"}).status_code == 200

        relay.close()  # Neo4j "goes away"
        for path in ["/health", *ROUTES[:3], *ROUTES[:3]]:
            _assert_fast_503(client, path, relay.port)

        relay.open()  # … and comes back: no restart, no operator
        deadline = time.monotonic() + 15
        while client.get("/health").status_code != 200:
            assert time.monotonic() < deadline, "the API did not resume after Neo4j came back"
            time.sleep(0.2)
        assert client.get("/firms", params={"q": "zz-none"}).status_code == 200
    app.state.store.close()


def _command(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], env: dict[str, str | None],
             *argv: str) -> tuple[int, str]:
    """Run the CLI with ``env`` set (``None``: unset): its exit code and stderr."""
    from api.cli import main
    from api.settings import get_settings

    for name, value in env.items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    try:
        code = main(list(argv))
    finally:
        get_settings.cache_clear()
    return code, capsys.readouterr().err


def test_a_command_says_at_once_that_neo4j_does_not_answer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    """A read command against a Neo4j that is not started (a closed port)
    waited ~5 minutes in silence, through the retries meant for a server lost
    during a load: it now says so at once, with what to do, and audits no
    read that never happened. A refresh (work a schedule may start while
    Neo4j restarts) says it waits, then gives up after the retry time."""
    port = free_port()  # nothing listens there
    env: dict[str, str | None] = {"NEO4J_URI": f"bolt://127.0.0.1:{port}", "NEO4J_PASSWORD": "x",
                                  "TORIHIKI_HOME": str(tmp_path), "TORIHIKI_NEO4J_RETRY_SECONDS": "2"}
    code, err = _command(monkeypatch, capsys, env, "ego", "F0001")
    assert code == 3 and f"error: store unavailable: bolt://127.0.0.1:{port} does not answer (" in err, err
    assert "start it (`scripts/neo4j-local start`), or check NEO4J_URI" in err and "audit log" not in err
    code, err = _command(monkeypatch, capsys, env, "refresh")
    assert code == 3 and "trying again for up to 2 s (TORIHIKI_NEO4J_RETRY_SECONDS" in err, err
    assert "after 2 s: start it" in err


def test_signing_in_while_the_store_is_down_answers_a_page(tmp_path: Path) -> None:
    """The sign-in form sent while Neo4j does not answer showed the problem's
    JSON (in English) in the browser: it answers the Japanese error page,
    without the English detail line under it; a program still gets JSON."""
    import re

    port = free_port()  # nothing listens there
    settings = Settings(TORIHIKI_HOME=tmp_path, NEO4J_URI=f"bolt://127.0.0.1:{port}", NEO4J_PASSWORD="x")
    app = create_app(settings, store=open_store(settings.store_config("api")))
    with TestClient(app, raise_server_exceptions=False) as client:
        csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text)
        assert csrf
        form = {"name": "analyst", "password": "a long passphrase", "csrf": csrf.group(1)}
        page = client.post("/login", data=form, headers={"Accept": "text/html,application/xhtml+xml"})
        assert page.status_code == 503 and page.headers["content-type"].startswith("text/html"), page.text
        assert "データストアが応答していません" in page.text and "not answering" not in page.text
        assert int(page.headers["retry-after"]) >= 1
        program = client.post("/login", data=form, headers={"Accept": "application/json"})
        assert program.status_code == 503 and program.json()["error"] == "store_unavailable"
    app.state.store.close()


def test_a_wrong_neo4j_password_is_said_at_once_not_waited_for(
        neo4j_driver_store: object, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        tmp_path: Path) -> None:
    """A wrong password made the check of a command's start raise the
    driver's AuthError as a traceback (found in a review): it is the one-line
    store error, and a refresh, which waits for a Neo4j that does not answer,
    does not wait for a refusal that waiting cannot mend. One attempt only:
    Neo4j locks a user after a few wrong passwords."""
    code, err = _command(monkeypatch, capsys, {"NEO4J_PASSWORD": "not the password", "TORIHIKI_HOME": str(tmp_path)},
                         "refresh")
    assert code == 3 and err.startswith("error: store unavailable: Neo4j unavailable: ") and "Unauthorized" in err, err
    assert "trying again" not in err and "Traceback" not in err


def test_a_broken_embedded_store_says_what_is_wrong_at_once(monkeypatch: pytest.MonkeyPatch,
                                                             capsys: pytest.CaptureFixture[str],
                                                             tmp_path: Path) -> None:
    """The wait for a Neo4j that does not answer is Neo4j's: a database file
    that is no database is said at once, in its own words (not "does not
    answer", not after the retry time)."""
    from queries.embedded_store import DB_FILENAME

    (tmp_path / DB_FILENAME).write_bytes(b"not a database, " * 64)
    code, err = _command(monkeypatch, capsys, {"NEO4J_URI": None, "TORIHIKI_HOME": str(tmp_path)}, "refresh")
    assert code == 3 and "file is not a database" in err and "does not answer" not in err, err
    assert "trying again" not in err
