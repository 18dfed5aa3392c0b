"""An unexpected exception answers 500 once and leaves the connection usable.

Starlette's outermost middleware answered such an exception and raised it
again, so uvicorn logged it twice and closed the connection: a browser's
next request on the kept-alive connection failed with "connection reset"
(seen after a 500 on a firm page). Here a real uvicorn serves the app, and
three requests go over one HTTP/1.1 connection: the 500 (a problem for a
program, the error page in Japanese for a browser) and a good request after it.
"""

from __future__ import annotations

import http.client
import logging
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from queries.store import Store
from tests.conftest import free_port


@pytest.fixture
def app(store: Store, tmp_path: Path) -> Iterator[object]:
    app = create_app(Settings(TORIHIKI_HOME=tmp_path), store=store)  # type: ignore[call-arg]

    @app.get("/boom", include_in_schema=False)
    def boom() -> None:
        raise RuntimeError("a bug")

    yield app


def test_the_app_does_not_raise_again_after_answering(app: object) -> None:
    with TestClient(app) as client:  # type: ignore[arg-type]  # raise_server_exceptions: would raise if re-raised
        r = client.get("/boom")
        assert r.status_code == 500 and r.json()["error"] == "internal_error"
        page = client.get("/boom", headers={"Accept": "text/html"})
        assert page.status_code == 500 and "予期しないエラー" in page.text


def test_the_connection_survives_a_500(app: object, caplog: pytest.LogCaptureFixture) -> None:
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",  # type: ignore[arg-type]
                                           lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        assert server.started
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        server_log = logging.getLogger("uvicorn.error")  # uvicorn's loggers do not propagate to caplog's
        server_log.addHandler(caplog.handler)
        with caplog.at_level(logging.ERROR):
            for path, status in (("/boom", 500), ("/boom", 500), ("/health", 200)):
                conn.request("GET", path)
                r = conn.getresponse()
                r.read()
                assert r.status == status, path
        conn.close()
        logged = [rec for rec in caplog.records if "unexpected error on GET /boom" in rec.getMessage()]
        assert len(logged) == 2  # once a request, not again by the server
        assert not any("Exception in ASGI application" in rec.getMessage() for rec in caplog.records)
    finally:
        logging.getLogger("uvicorn.error").removeHandler(caplog.handler)
        server.should_exit = True
        thread.join(timeout=20)
