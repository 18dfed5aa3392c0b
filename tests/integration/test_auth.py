"""Authentication and the admin API end to end, on both stores: a request
without a token, with a disabled user's, a replaced or a forged one is
refused (401); failures are rate limited (429); roles are enforced (403);
consent and the audit log through the admin routes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient

from api.app import create_app
from api.audit import AuditDep, audit, audited
from api.auth import AuthLimiter, PrincipalDep, login_password
from api.identity import issue_token, set_active, set_password
from api.settings import Settings
from queries.access import SYSTEM
from queries.model import Firm
from queries.store import NotFound, Store

Headers = dict[str, dict[str, str]]


def _app(store: Store, tmp_path: Path, **env: str) -> FastAPI:
    return create_app(Settings(TORIHIKI_HOME=tmp_path, **env), store=store)  # type: ignore[call-arg,arg-type]


@pytest.fixture
def client(store: Store, tmp_path: Path) -> Iterator[TestClient]:
    store.upsert_firms([Firm("F1", "株式会社一", is_client=True), Firm("F2", "株式会社二", is_client=True)])
    with TestClient(_app(store, tmp_path)) as c:
        yield c


def _denied(r: object) -> bool:
    status = getattr(r, "status_code", 0)
    headers = getattr(r, "headers", {})
    return status == 401 and headers.get("www-authenticate", "").startswith("Bearer")


def test_refused_without_a_valid_token(client: TestClient, store: Store, tokens: Headers) -> None:
    assert client.get("/health").status_code == 200  # the one open route
    assert client.get("/static/network-view.js").status_code == 200  # static files: no token
    ok = tokens["analyst"]
    assert client.get("/firms", headers=ok).status_code == 200
    assert _denied(client.get("/firms"))
    assert _denied(client.get("/firms/F1/ego"))
    assert _denied(client.get("/analytics/correlation"))
    assert _denied(client.post("/ingest"))
    assert _denied(client.get("/admin/users"))
    assert _denied(client.get("/firms", headers={"Authorization": "Basic YWRtaW46YWRtaW4="}))
    assert _denied(client.get("/firms", headers={"Authorization": "Bearer"}))
    assert _denied(client.get("/firms", headers={"Authorization": "Bearer garbage"}))
    token = ok["Authorization"].removeprefix("Bearer ")
    token_id, secret = token.split(".")
    forged = f"{token_id}.{secret[::-1]}"
    assert _denied(client.get("/firms", headers={"Authorization": f"Bearer {forged}"}))
    other_id = "0" * 12 if token_id != "0" * 12 else "1" * 12
    assert _denied(client.get("/firms", headers={"Authorization": f"Bearer {other_id}.{secret}"}))
    # A disabled user's token: refused from the next request on; enabled again, still refused:
    # the old credentials of someone who left do not come back with them (a new token is issued).
    set_active(store, "analyst", False, SYSTEM)
    assert _denied(client.get("/firms", headers=ok))
    set_active(store, "analyst", True, SYSTEM)
    assert _denied(client.get("/firms", headers=ok))
    assert store.get_user("analyst").password_hash == ""  # type: ignore[union-attr]
    # A replaced token: refused; the new one works.
    fresh = issue_token(store, "analyst", SYSTEM).token
    assert _denied(client.get("/firms", headers=ok))
    assert client.get("/firms", headers={"Authorization": f"Bearer {fresh}"}).status_code == 200
    # Every failure with a token is in the audit log, without the token.
    failures, total = store.audit_log(action="auth.token")
    assert total == 8 and {e.outcome for e in failures} == {"denied"}
    assert sum(e.user == "analyst" for e in failures) == 3  # forged, disabled, disabled then enabled (a replaced token names nobody)
    assert not any(token in e.detail or secret in e.detail for e in failures)


def test_failures_are_rate_limited(store: Store, tmp_path: Path, tokens: Headers) -> None:
    app = _app(store, tmp_path, TORIHIKI_AUTH_FAILURES_PER_ADDRESS="5/minute",
               TORIHIKI_AUTH_FAILURES_PER_USER="3/minute")
    forged = {"Authorization": "Bearer " + "0" * 12 + "." + "A" * 43}
    with TestClient(app) as c:
        assert [c.get("/firms", headers=forged).status_code for _ in range(6)] == [401] * 5 + [429]
        r = c.get("/firms", headers=tokens["analyst"])  # the address is limited: a good token waits too
        assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1
        assert r.headers["content-type"].startswith("application/problem+json")
    assert store.audit_log(action="auth.token")[1] == 5  # refusals while limited are not logged
    # Per user: a user whose token is guessed at is limited, from any address.
    app = _app(store, tmp_path, TORIHIKI_AUTH_FAILURES_PER_USER="3/minute")
    token_id = tokens["researcher"]["Authorization"].removeprefix("Bearer ").split(".")[0]
    guess = {"Authorization": f"Bearer {token_id}.{'B' * 43}"}
    with TestClient(app) as c:
        assert [c.get("/firms", headers=guess).status_code for _ in range(3)] == [401] * 3
        assert c.get("/firms", headers=tokens["researcher"]).status_code == 429
        assert c.get("/firms", headers=tokens["analyst"]).status_code == 200  # others are not
    # Wrong passwords tried on a name lock its password out, not its API token.
    set_password(store, "analyst", "correct horse battery staple", SYSTEM)
    app = _app(store, tmp_path, TORIHIKI_AUTH_FAILURES_PER_USER="3/minute")
    with TestClient(app) as c:
        csrf = _csrf(c.get("/login").text)
        tries = [c.post("/login", data={"name": "analyst", "password": "wrong", "csrf": csrf}).status_code
                 for _ in range(4)]
        assert tries == [401] * 3 + [429]
        right = c.post("/login", data={"name": "analyst", "password": "correct horse battery staple", "csrf": csrf})
        assert right.status_code == 429  # the password waits …
        assert c.get("/firms", headers=tokens["analyst"]).status_code == 200  # … the token does not


def test_roles(client: TestClient, tokens: Headers) -> None:
    for who in ("analyst", "researcher", "officer_b1"):
        r = client.get("/admin/users", headers=tokens[who])
        assert r.status_code == 403 and r.json()["error"] == "forbidden"
        assert client.get("/admin/audit", headers=tokens[who]).status_code == 403
        assert client.post("/admin/consent/F1/B1", headers=tokens[who]).status_code == 403
    for who in ("researcher", "officer_b1", "officer_b2"):
        r = client.post("/ingest", headers=tokens[who], files={"file": ("x.csv", b"a,b\n")},
                        data={"client_id": "F1"})
        assert r.status_code == 403
    # a researcher refused a firm is audited as refused, as every other refusal
    assert client.get("/firms/F1", headers=tokens["researcher"]).status_code == 403
    client.app.state.audit_buffer.flush()  # type: ignore[attr-defined]
    refused = client.app.state.store.audit_log(user="researcher", action="firm.get")[0]  # type: ignore[attr-defined]
    assert refused and {e.outcome for e in refused} == {"denied"}
    users = client.get("/admin/users", headers=tokens["admin"]).json()
    assert {u["name"]: (u["role"], u["bank"]) for u in users["data"]}["officer_b2"] == ("credit_officer", "B2")
    assert not any("hash" in k and k != "has_password" for u in users["data"] for k in u)


def test_consent_through_the_api(client: TestClient, store: Store, tokens: Headers) -> None:
    admin = tokens["admin"]
    r = client.post("/admin/consent/F1/B1", headers=admin)
    assert r.status_code == 200 and r.json() == {
        "firm_id": "F1", "bank": "B1", "action": "grant", "changed": True, "banks": ["B1"],
        "by_name": False, "new_bank": False, "near": []}
    assert client.post("/admin/consent/F1/B1", headers=admin).json()["changed"] is False
    assert client.post("/admin/consent/F2/B2", headers=admin).status_code == 200
    assert store.get_firm("F1").consented_banks == ("B1",)  # type: ignore[union-attr]
    r = client.get("/admin/consent", headers=admin)
    assert r.status_code == 200 and r.json()["count"] == 2
    assert [f["firm_id"] for f in r.json()["data"]] == ["F1", "F2"]
    assert client.delete("/admin/consent/F1/B1", headers=admin).json()["banks"] == []
    assert store.get_firm("F1").consented_banks == ()  # type: ignore[union-attr]
    one = client.get("/admin/consent", params={"firm": "F1"}, headers=admin).json()["data"]
    assert [(e["action"], e["who"]) for e in one[0]["history"]] == [("grant", "admin"), ("revoke", "admin")]
    assert client.get("/admin/consent", params={"firm": "NOPE"}, headers=admin).status_code == 404
    assert client.post("/admin/consent/NOPE/B1", headers=admin).status_code == 404
    assert client.post("/admin/consent/F1/B1%3BB2", headers=admin).status_code == 422  # no ';' in a bank
    # a bank given by the name it is shown by is that bank; one known nowhere is said, with those close to it
    store.set_bank_name("B1", "山陰合同銀行")
    by_name = client.post("/admin/consent/F2/山陰合同銀行", headers=admin).json()
    assert (by_name["bank"], by_name["by_name"], by_name["new_bank"]) == ("B1", True, False)
    typo = client.post("/admin/consent/F2/B1x", headers=admin).json()
    assert typo["changed"] and typo["new_bank"] and typo["near"] == ["B1"]


def test_audit_log_through_the_api(client: TestClient, store: Store, tokens: Headers) -> None:
    admin = tokens["admin"]
    client.post("/admin/consent/F1/B1", headers=admin)
    client.delete("/admin/consent/F1/B1", headers=admin)
    r = client.get("/admin/audit", params={"firm": "F1"}, headers=admin)
    assert r.status_code == 200
    body = r.json()
    assert body["count"] == 2 and [e["action"] for e in body["data"]] == ["consent.revoke", "consent.grant"]
    assert body["data"][0]["user"] == "admin" and body["data"][0]["role"] == "admin"
    page = client.get("/admin/audit", params={"limit": 1, "offset": 1, "user": "admin"}, headers=admin).json()
    assert len(page["data"]) == 1 and page["limit"] == 1 and page["offset"] == 1
    assert client.get("/admin/audit", params={"since": "2999-01-01"}, headers=admin).json()["count"] == 0
    assert client.get("/admin/audit", params={"since": "yesterday"}, headers=admin).status_code == 422
    assert client.get("/admin/audit", params={"limit": 0}, headers=admin).status_code == 422
    # Reading the log is itself logged; no route changes or removes an entry.
    assert store.audit_log(action="audit.list")[1] >= 3
    for method in ("put", "patch", "delete"):
        assert client.request(method, "/admin/audit", headers=admin).status_code == 405


def test_audit_helpers_for_routes(store: Store, tmp_path: Path, tokens: Headers) -> None:
    """What data routes use: audit(request, …), AuditDep and audited(action)."""
    app = _app(store, tmp_path)

    @app.get("/probe/{firm_id}/plain")
    def plain(firm_id: str, request: Request, who: PrincipalDep) -> dict[str, str]:
        audit(request, "probe.plain", firm_id)
        return {}

    @app.get("/probe/{firm_id}/bound")
    def bound(firm_id: str, log: AuditDep) -> dict[str, str]:
        log("probe.bound", firm_id, "ok", "detail")
        return {}

    @app.get("/probe/{firm_id}/auto", dependencies=[audited("probe.auto")])
    def auto(firm_id: str) -> dict[str, str]:
        if firm_id == "missing":
            raise NotFound("no firm 'missing'")
        return {}

    with TestClient(app, headers=tokens["officer_b1"]) as c:
        assert c.get("/probe/F1/plain").status_code == 200
        assert c.get("/probe/F1/bound").status_code == 200
        assert c.get("/probe/F1/auto").status_code == 200
        assert c.get("/probe/missing/auto").status_code == 404
        assert c.get("/probe/F1/auto", headers={"Authorization": "Bearer nope"}).status_code == 401
    entries, _ = store.audit_log(user="officer_b1")
    assert [(e.action, e.firm_id, e.outcome, e.role, e.bank) for e in reversed(entries)] == [
        ("probe.plain", "F1", "ok", "credit_officer", "B1"),
        ("probe.bound", "F1", "ok", "credit_officer", "B1"),
        ("probe.auto", "F1", "ok", "credit_officer", "B1"),
        ("probe.auto", "missing", "not_found", "credit_officer", "B1"),
    ]


def test_password_login_is_rate_limited(store: Store, tokens: Headers) -> None:
    set_password(store, "analyst", "correct horse battery staple", SYSTEM)
    limiter = AuthLimiter("100/minute", "3/minute")
    assert login_password(store, limiter, "analyst", "correct horse battery staple", "10.0.0.1").user == "analyst"
    from api.errors import TooManyRequests, Unauthorized

    for name in ("analyst", "Analyst", "ANALYST"):  # one user whatever the case typed: one count
        with pytest.raises(Unauthorized):
            login_password(store, limiter, name, "guess", "10.0.0.2")
    with pytest.raises(TooManyRequests):  # the user is limited, whatever the password
        login_password(store, limiter, "aNaLyst", "correct horse battery staple", "10.0.0.3")
    set_active(store, "researcher", False, SYSTEM)
    set_password(store, "researcher", "another long password", SYSTEM)
    with pytest.raises(Unauthorized):
        login_password(store, limiter, "researcher", "another long password", "10.0.0.1")
    outcomes = [e.outcome for e in store.audit_log(action="auth.login")[0]]
    assert outcomes.count("denied") == 4 and outcomes.count("ok") == 1


def test_every_read_of_firm_data_is_audited(store: Store, tmp_path: Path, tokens: Headers) -> None:
    """Reads go through the process's audit buffer: each one is in the log,
    with who, which firm and its outcome, once the buffer is flushed."""
    store.upsert_firms([Firm("F1", "株式会社一", is_client=True)])
    with TestClient(_app(store, tmp_path)) as c:
        for path in ("/firms/F1", "/firms/F1/ego", "/firms/F1/figures", "/firms/NOPE/trend", "/firms?q=一"):
            c.get(path, headers=tokens["analyst"])
        c.app.state.audit_buffer.flush()  # type: ignore[attr-defined]
        entries, _ = store.audit_log(user="analyst", limit=50)
        seen = {(e.action, e.firm_id, e.outcome) for e in entries}
        assert {("firm.get", "F1", "ok"), ("firm.ego", "F1", "ok"), ("firm.figures", "F1", "ok"),
                ("firm.trend", "NOPE", "not_found"), ("firm.search", None, "ok")} <= seen
    assert all(e.role == "analyst" for e in entries)


def _csrf(page: str) -> str:
    import re

    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, "the page has no CSRF field"
    return found.group(1)


def test_a_browser_signs_in_with_name_and_password(store: Store, tmp_path: Path, tokens: Headers) -> None:
    """POST /login with a name and password starts a signed, HttpOnly,
    SameSite session that opens pages and the API's reads (GET) but changes
    nothing through the API (POST still needs the bearer header); a wrong
    password or a missing CSRF token is refused on the page; the redirect
    stays on this site; logging out (a form with its CSRF token) ends it;
    a new password or a disabled user ends every session."""
    from api.identity import set_active, set_password
    from queries.access import SYSTEM

    store.upsert_firms([Firm("F1", "株式会社一", is_client=True)])
    set_password(store, "analyst", "correct horse battery staple", SYSTEM)
    with TestClient(_app(store, tmp_path)) as c:
        page = c.get("/login")
        assert page.status_code == 200 and "ログイン" in page.text
        csrf = _csrf(page.text)
        assert c.get("/ui/", follow_redirects=False).headers["location"] == "/login?next=/ui/"
        assert c.get("/firms/F1/view").status_code == 401
        # a person following a link to a view or memo without a session is sent to the login page
        r = c.get("/firms/F1/view", headers={"Accept": "text/html"}, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/login?next=/firms/F1/view")
        bad = c.post("/login", data={"name": "analyst", "password": "nope", "csrf": csrf})
        assert bad.status_code == 401 and "正しくありません" in bad.text
        forged = c.post("/login", data={"name": "analyst", "password": "correct horse battery staple"})
        assert forged.status_code == 403  # no CSRF token: not from our form
        r = c.post("/login", data={"name": "analyst", "password": "correct horse battery staple", "csrf": csrf,
                                   "next": "//evil.example/x"}, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/ui/"
        cookie = r.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=lax" in cookie and "torihiki_session=" in cookie
        assert c.get("/firms/F1/view").status_code == 200  # the session opens pages
        assert c.get("/ui/?q=一").status_code == 200
        refused = c.get("/ui/export")  # the researchers' page: refused in Japanese, as a page
        assert refused.status_code == 403 and "このページはあなたの役割では利用できません" in refused.text
        denied = store.audit_log(user="analyst", action="ui.page")[0]  # … and audited, as the API's refusals
        assert [(e.outcome, e.detail) for e in denied] == [("denied", "/ui/export")]
        assert c.post("/ingest").status_code == 401  # … and changes nothing through the API
        assert c.post("/logout", data={"csrf": "forged"}).status_code == 403
        home = c.get("/ui/")
        kept = c.cookies.get("torihiki_session")  # a copy of the cookie, taken before signing out
        out = c.post("/logout", data={"csrf": _csrf(home.text)}, follow_redirects=False)
        assert out.status_code == 303 and out.headers["location"] == "/login?signed_out=1"
        assert "ログアウトしました" in c.get(out.headers["location"]).text  # the user is told
        assert c.get("/firms/F1/view").status_code == 401
        c.cookies.set("torihiki_session", kept)  # … does not outlive the sign-out
        assert c.get("/firms/F1/view").status_code == 401
        c.cookies.clear()
        # a new password, then a disabled user, end the session at once
        csrf = _csrf(c.get("/login").text)
        c.post("/login", data={"name": "analyst", "password": "correct horse battery staple", "csrf": csrf})
        assert c.get("/firms/F1").status_code == 200
        set_password(store, "analyst", "another horse battery staple", SYSTEM)
        assert c.get("/firms/F1").status_code == 401
        csrf = _csrf(c.get("/login").text)
        c.post("/login", data={"name": "analyst", "password": "another horse battery staple", "csrf": csrf})
        assert c.get("/firms/F1").status_code == 200
        kept = c.cookies.get("torihiki_session")
        set_active(store, "analyst", False, SYSTEM)
        assert c.get("/ui/", follow_redirects=False).status_code == 303
        set_active(store, "analyst", True, SYSTEM)  # enabled again: the session of before stays ended
        c.cookies.set("torihiki_session", kept)
        assert c.get("/ui/", follow_redirects=False).status_code == 303
