"""``torihiki serve --token-for USER``: how ``make run`` gets the demo admin's
API token without a second CLI start. The server is started as ``make run``
starts it (a process on the embedded store) and asked with the printed token."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from api.identity import add_user, check_token, issue_token
from queries.access import Principal, Role
from queries.embedded_store import EmbeddedStore
from tests.conftest import free_port

OPERATOR = Principal("system:test", Role.ADMIN)


def _get(url: str, token: str) -> tuple[int, bytes]:
    req = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def test_serve_issues_and_prints_a_token_that_works_by_the_first_answer(tmp_path: Path) -> None:
    home = tmp_path / "home"
    store = EmbeddedStore(home)
    store.ensure_schema()
    add_user(store, "admin", Role.ADMIN, None, OPERATOR)
    earlier = issue_token(store, "admin", OPERATOR).token
    store.close()
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEO4J_", "TORIHIKI_"))}
    env["TORIHIKI_HOME"] = str(home)
    out = tmp_path / "stdout.txt"
    with out.open("w") as fh:
        proc = subprocess.Popen([sys.executable, "-m", "api.cli", "serve", "--port", str(port), "--token-for", "admin",
                                 "--no-access-log"], env=env, stdout=fh, stderr=subprocess.DEVNULL,
                                start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, "serve ended"
            assert time.monotonic() < deadline, "no answer within 60 s"
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1) as r:
                    if r.status == 200:
                        break
            except OSError:
                time.sleep(0.1)
        line = out.read_text().splitlines()[0]
        assert line.startswith("export TOKEN=") and "admin's API token" in line
        token = line.removeprefix("export TOKEN=").split()[0]
        status, body = _get(f"http://127.0.0.1:{port}/admin/users", token)
        assert status == 200 and "admin" in [u["name"] for u in json.loads(body)["data"]]
        assert _get(f"http://127.0.0.1:{port}/admin/users", earlier)[0] == 401  # replaced, as `users token` does
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    store = EmbeddedStore(home)
    try:
        assert check_token(store, token)[1] == "" and check_token(store, earlier)[0] is None
        entries, _ = store.audit_log(action="user.token")  # audited like `users token`
        assert [e.detail for e in entries][0] == f"admin: token {token.split('.')[0]} issued" and len(entries) == 2
    finally:
        store.close()
