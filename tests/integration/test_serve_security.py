"""Serving safely: in production the session cookie is ``Secure``, so signing
in over plain HTTP cannot work — the login page says so (and the log) instead
of "the form had expired"; over HTTPS it works. ``serve`` warns at start
about production (sessions need HTTPS) and about development mode reachable
from other machines. Server log lines carry a timestamp and the access log
leaves out query strings (search terms)."""

from __future__ import annotations

import argparse
import logging
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.app import create_app
from api.cli import cmd_serve, start_warnings
from api.identity import set_password
from api.server_processes import PathOnly, log_config, uvicorn_formatter
from api.settings import Settings
from api.web.i18n import LANG_COOKIE
from queries.access import SYSTEM
from queries.store import Store

REPO = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery staple"
HTTPS_JA = "このサーバーは HTTPS でのみセッションを保持するため"
HTTPS_EN = "This server keeps sessions only over HTTPS"
EXPIRED_JA = "フォームの有効期限が切れていました"
ISO = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d"


def _settings(tmp_path: Path, **env: Any) -> Settings:
    # a password: production refuses a Neo4j without one (a NEO4J_URI in the tests' environment)
    return Settings(TORIHIKI_HOME=tmp_path, NEO4J_PASSWORD=os.environ.get("NEO4J_PASSWORD") or "unused",
                    **env)  # type: ignore[call-arg]


def _production(store: Store, tmp_path: Path) -> FastAPI:
    return create_app(_settings(tmp_path, TORIHIKI_ENV="production"), store=store)


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, "the page has no CSRF field"
    return found.group(1)


@pytest.fixture
def analyst(store: Store, tokens: dict[str, dict[str, str]]) -> str:
    set_password(store, "analyst", PASSWORD, SYSTEM)
    return "analyst"


def test_signing_in_over_http_in_production_says_https_is_needed(
        store: Store, tmp_path: Path, analyst: str, caplog: pytest.LogCaptureFixture) -> None:
    with TestClient(_production(store, tmp_path), base_url="http://testserver") as c:
        page = c.get("/login")
        assert "secure" in page.headers["set-cookie"].lower()
        assert c.cookies.get("torihiki_session")  # kept by the client, never sent back over http
        with caplog.at_level(logging.WARNING, logger="torihiki.web"):
            r = c.post("/login", data={"name": analyst, "password": PASSWORD, "csrf": _csrf(page.text)},
                       follow_redirects=False)
        assert r.status_code == 403
        assert HTTPS_JA in r.text and "https://" in r.text and EXPIRED_JA not in r.text
        warned = [rec.getMessage() for rec in caplog.records if rec.name == "torihiki.web"]
        assert len(warned) == 1 and "plain HTTP" in warned[0] and "https://" in warned[0], warned
        assert PASSWORD not in warned[0]
        c.cookies.set(LANG_COOKIE, "en")
        english = c.post("/login", data={"name": analyst, "password": PASSWORD, "csrf": "x"})
        assert english.status_code == 403 and HTTPS_EN in english.text


def test_signing_in_over_https_in_production_works(store: Store, tmp_path: Path, analyst: str) -> None:
    with TestClient(_production(store, tmp_path), base_url="https://testserver") as c:
        page = c.get("/login")
        r = c.post("/login", data={"name": analyst, "password": PASSWORD, "csrf": _csrf(page.text)},
                   follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/ui/"
        assert "secure" in r.headers["set-cookie"].lower()
        assert c.get("/ui/", follow_redirects=False).status_code == 200
        # an expired form over HTTPS is still "expired", not the HTTPS message
        stale = c.post("/login", data={"name": analyst, "password": PASSWORD, "csrf": "stale"})
        assert stale.status_code == 403 and EXPIRED_JA in stale.text and HTTPS_JA not in stale.text


def test_in_development_a_missing_token_over_http_is_an_expired_form(store: Store, tmp_path: Path,
                                                                     analyst: str) -> None:
    with TestClient(create_app(_settings(tmp_path), store=store), base_url="http://testserver") as c:
        r = c.post("/login", data={"name": analyst, "password": PASSWORD, "csrf": "x"})
        assert r.status_code == 403 and EXPIRED_JA in r.text and HTTPS_JA not in r.text
        page = c.get("/login")
        ok = c.post("/login", data={"name": analyst, "password": PASSWORD, "csrf": _csrf(page.text)},
                    follow_redirects=False)
        assert ok.status_code == 303


def _access_record(path: str) -> logging.LogRecord:
    """An access log record as uvicorn's protocols make it."""
    return logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
                             ("127.0.0.1:40440", "GET", path, "1.1", 200), None)


def test_the_access_log_leaves_out_the_query_string() -> None:
    record = _access_record("/ui/?q=%E6%A0%AA%E5%BC%8F%E4%BC%9A%E7%A4%BE%E4%B8%80")
    assert PathOnly().filter(record)
    assert record.getMessage() == '127.0.0.1:40440 - "GET /ui/ HTTP/1.1" 200'
    line = uvicorn_formatter(access=True, use_colors=False).format(record)
    assert re.fullmatch(rf'INFO: +{ISO} 127\.0\.0\.1:40440 - "GET /ui/ HTTP/1\.1" 200 OK', line), line
    plain = _access_record("/firms/F1")
    assert PathOnly().filter(plain) and plain.getMessage() == '127.0.0.1:40440 - "GET /firms/F1 HTTP/1.1" 200'
    other = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, "no args ?q=x", None, None)
    assert PathOnly().filter(other) and other.getMessage() == "no args ?q=x"


def test_server_log_lines_have_a_timestamp_and_no_query_string() -> None:
    """The logging a server process runs with (a fresh interpreter: it
    configures the process's logging): uvicorn's lines, the access log and
    torihiki's own warnings."""
    code = ("import logging, logging.config\n"
            "from api.server_processes import log_config\n"
            "logging.config.dictConfig(log_config())\n"
            "logging.getLogger('uvicorn.error').info('Application startup complete.')\n"
            "logging.getLogger('uvicorn.access').info('%s - \"%s %s HTTP/%s\" %d', '127.0.0.1:1', 'GET', "
            "'/ui/?q=C001', '1.1', 200)\n"
            "logging.getLogger('torihiki.api').warning('store not answering')\n"
            "logging.getLogger('torihiki.api').info('not shown')\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True,
                          timeout=60)
    out, err = done.stdout.splitlines(), done.stderr.splitlines()
    assert len(out) == 1 and re.fullmatch(rf'INFO: +{ISO} 127\.0\.0\.1:1 - "GET /ui/ HTTP/1\.1" 200 OK', out[0])
    assert "C001" not in done.stdout
    assert len(err) == 2, err
    assert re.fullmatch(rf"INFO: +{ISO} Application startup complete\.", err[0]), err
    assert re.fullmatch(rf"WARNING {ISO} torihiki\.api: store not answering", err[1]), err
    assert log_config() is not log_config()  # a fresh dict each call: uvicorn writes into it


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", "127.0.0.2"])
def test_no_warning_in_development_on_this_machine_only(tmp_path: Path, host: str) -> None:
    assert start_warnings(_settings(tmp_path), host) == []


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.10.5", "torihiki.example.co.jp"])
def test_development_mode_reachable_from_other_machines_is_warned_about(tmp_path: Path, host: str) -> None:
    [warning] = start_warnings(_settings(tmp_path), host)
    assert host in warning and "clear text" in warning and "not Secure" in warning
    assert "TORIHIKI_ENV=production" in warning and "TLS" in warning


@pytest.mark.parametrize("host", ["127.0.0.1", "0.0.0.0"])
def test_production_says_once_that_sessions_need_https(tmp_path: Path, host: str) -> None:
    [warning] = start_warnings(_settings(tmp_path, TORIHIKI_ENV="production"), host,
                               forwarded_allow_ips="10.0.0.2")
    assert "HTTPS" in warning and "X-Forwarded-Proto" in warning and "10.0.0.2" in warning


def test_serve_prints_its_warnings_and_serves_with_the_log_config(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import uvicorn

    import api.app

    ran: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: ran.update(kw))
    monkeypatch.setattr(api.app, "tune_server_process", lambda: None)  # process-wide tuning: not in tests
    monkeypatch.delenv("NEO4J_URI", raising=False)
    args = argparse.Namespace(token_for=None, host="0.0.0.0", port=0, workers=1, no_access_log=False)
    assert cmd_serve(args, _settings(tmp_path)) == 0
    err = capsys.readouterr().err
    assert "torihiki: warning: development mode" in err and "clear text" in err
    config = ran["log_config"]
    assert config["loggers"]["uvicorn.access"]["filters"] == ["path_only"]
    assert config["filters"]["path_only"]["()"] is PathOnly


def test_serve_on_a_port_in_use_says_so_before_it_issues_a_token(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A second ``make run`` on a taken port replaced the running server's
    API token, then failed to listen: now it stops first, and says why."""
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        # A user that does not exist: issuing a token for it would raise.
        args = argparse.Namespace(token_for="nobody", host="127.0.0.1", port=port, workers=1, no_access_log=False)
        assert cmd_serve(args, _settings(tmp_path)) == 2
    err = capsys.readouterr().err
    assert f"cannot listen on 127.0.0.1:{port}" in err and "--port" in err and err.count("\n") == 1


def test_a_server_without_users_says_how_to_add_the_first(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.delenv("NEO4J_URI", raising=False)
    with caplog.at_level(logging.WARNING, logger="torihiki.api"), TestClient(create_app(_settings(tmp_path))):
        pass
    assert any("no users yet" in r.getMessage() and "users add" in r.getMessage() for r in caplog.records)
