"""The administrator's pages and one's own password, on both stores,
signed in through ``/login`` as a browser is.

* ``/ui/admin/users``: an admin adds users (a password typed, or one made
  and shown once), disables and enables them, sets passwords and issues
  API tokens; the user then signs in with what was shown; a refused form
  adds no user; nobody but an admin opens the page.
* ``/ui/admin/consent``: granting a firm's consent to a bank lets that
  bank's credit officer open the firm from the next page on; revoking it
  takes that away; the history says who did it.
* ``/ui/admin/audit``: the log, filtered, in Japanese.
* ``/ui/account``: a user changes their own password with the current one;
  their other sessions end, this one goes on.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.bank_names import forget
from api.identity import set_password
from api.service import ingest_file
from api.settings import Settings
from queries.access import SYSTEM, Principal, Role
from queries.model import Firm
from queries.store import Store
from tests.conftest import make_tokens
from tests.integration.test_ui_analyst import _csrf

PASSWORD = "correct horse battery staple"


def _login(c: TestClient, name: str, password: str = PASSWORD) -> int:
    c.cookies.clear()
    r = c.post("/login", data={"name": name, "password": password, "csrf": _csrf(c.get("/login").text)},
               follow_redirects=False)
    return r.status_code


def _post(c: TestClient, path: str, page: str, **data: str) -> object:
    """``data`` posted to ``path`` as the form of ``page`` sends it (its CSRF
    token and, on the users page, its one-time token)."""
    text = c.get(page).text
    once = re.search(r'name="once" value="([^"]+)"', text)
    return c.post(path, data={"csrf": _csrf(text), **({"once": once.group(1)} if once else {}), **data},
                  follow_redirects=False)


@pytest.fixture
def app(store: Store, tmp_path: Path) -> Iterator[TestClient]:
    store.upsert_firms([Firm("C1", "株式会社松江精機", is_client=True),
                        Firm("C2", "株式会社出雲商事", is_client=True, consented_banks=("B1",))])
    (tmp_path / "c1.csv").write_text("date,counterparty_name,direction,amount\n"
                                     "2025-04-10,株式会社米子運送,sale,300000\n", encoding="utf-8")
    ingest_file(store, tmp_path / "c1.csv", "C1", None, tmp_path / "rejects")
    make_tokens(store)
    for name in ("admin", "analyst", "officer_b1", "researcher"):
        set_password(store, name, PASSWORD, SYSTEM)
    with TestClient(create_app(Settings(TORIHIKI_HOME=tmp_path / "home"), store=store)) as c:  # type: ignore[call-arg]
        yield c


def _choose_own_password(c: TestClient, given: str) -> None:
    """The signed-in user replaces the password an admin gave them (asked
    before any other page: api.web.session.page_principal)."""
    r = _post(c, "/ui/account/password", "/ui/account", current=given, new="a phrase of my own choosing",
              again="a phrase of my own choosing")
    assert r.status_code == 303  # type: ignore[attr-defined]


def _user_row(page: str, name: str) -> str:
    """The users page's row of ``name``."""
    found = re.search(rf'<tr[^>]*data-user="{re.escape(name)}".*?</tr>', page, re.S)
    assert found, f"no row of {name}"
    return found.group(0)


def _shown_secret(page: str) -> str:
    found = re.search(r'<code class="secret">([^<]+)</code>', page)
    assert found, "no secret shown"
    return found.group(1)


def test_an_admin_adds_a_user_who_then_signs_in(app: TestClient, store: Store) -> None:
    assert _login(app, "admin") == 303
    page = app.get("/ui/admin/users")
    assert page.status_code == 200
    assert "ユーザーの登録" in page.text and 'data-user="analyst"' in page.text
    # a password made by the page, shown once, not in the session
    made = _post(app, "/ui/admin/users", "/ui/admin/users", name="kato", role="credit_officer", bank="B1",
                 password="")
    assert made.status_code == 200  # type: ignore[attr-defined]
    first = _shown_secret(made.text)  # type: ignore[attr-defined]
    assert len(first) == 16 and "表示されるのは今回だけです" in made.text  # type: ignore[attr-defined]
    user = store.get_user("kato")
    assert user is not None and user.role == "credit_officer" and user.bank == "B1" and user.active
    listed = app.get("/ui/admin/users").text
    assert first not in listed  # shown once
    assert "変更待ち" in _user_row(listed, "kato") and "変更待ち" not in _user_row(listed, "analyst")
    # a password typed by the admin: back to the list with a message
    typed = _post(app, "/ui/admin/users", "/ui/admin/users", name="ann", role="analyst", bank="",
                  password="a long enough password")
    assert typed.status_code == 303  # type: ignore[attr-defined]
    assert "ann を、入力したパスワードで登録しました。" in app.get("/ui/admin/users").text
    # each signs in with what they were given, and is asked for a password of their own first: the
    # admin knows the given one. Every page but the account page (and the sign-out) leads there.
    assert _login(app, "kato", first) == 303
    assert app.get("/ui/", follow_redirects=False).headers["location"] == "/ui/account"  # the start page: no next
    for path in ("/ui/firms/C2", "/ui/?q=出雲", "/ui/portfolio",
                 "/firms/C2/report", "/firms/C2/view", "/firms/C2"):  # the API read with the session, too
        r = app.get(path, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/ui/account?next="), path
        assert app.get(r.headers["location"]).url.path == "/ui/account"  # it does not lead on again
    account = app.get("/ui/account?next=/ui/firms/C2").text
    assert "管理者が設定したパスワードです" in account and 'name="next" value="/ui/firms/C2"' in account
    # changed: the account page says so, and offers the page first asked for (a path of this site only)
    r = _post(app, "/ui/account/password", "/ui/account", current=first, new="a phrase of my own choosing",
              again="a phrase of my own choosing", next="/ui/firms/C2")
    assert r.headers["location"] == "/ui/account?next=/ui/firms/C2"  # type: ignore[attr-defined]
    changed = app.get(r.headers["location"]).text  # type: ignore[attr-defined]
    assert "パスワードを変更しました" in changed and "管理者が設定したパスワードです" not in changed
    assert '<a class="go-on" href="/ui/firms/C2">開こうとしていたページへ進む</a>' in changed
    for far in ("//evil.example/x", "/\t/evil.example/x", "/ui/" + "a" * 2100):  # another site; too long to send back
        page = app.get("/ui/account", params={"next": far}).text
        assert 'name="next"' not in page and "開こうとしていたページへ進む" not in page, far
    assert "株式会社出雲商事" in app.get("/ui/firms/C2").text  # B1's officer sees the consenting client
    assert _login(app, "ann", "a long enough password") == 303
    assert app.get("/ui/firms/C1", follow_redirects=False).headers["location"] == "/ui/account?next=/ui/firms/C1"
    # a password the admin sets later is given too; the admin's own pages are not held up by it
    assert _login(app, "admin") == 303
    assert _post(app, "/ui/admin/users/kato/password", "/ui/admin/users", password="",
                 ).status_code == 200  # type: ignore[attr-defined]
    listed = app.get("/ui/admin/users").text
    assert "変更待ち" in _user_row(listed, "ann") and "変更待ち" in _user_row(listed, "kato")  # given again
    again = [e for e in store.audit_log(None, None, None, "user.password", 10, 0)[0] if e.detail.startswith("kato (given")]
    assert again and again[0].user == "admin"
    # the audit log records who added them
    added = [e for e in store.audit_log(None, None, None, "user.add", 10, 0)[0] if e.detail.startswith(("kato", "ann"))]
    assert {e.user for e in added} == {"admin"}


@pytest.mark.parametrize(("form", "says"), [
    ({"name": "bo b", "role": "analyst"}, "ユーザー名は英字・数字"),
    ({"name": "bob", "role": ""}, "役割を選んでください。"),
    ({"name": "bob", "role": "credit_officer"}, "銀行を入力してください。"),
    ({"name": "bob", "role": "analyst", "bank": "B1"}, "この役割では銀行を空欄にしてください。"),
    ({"name": "bob", "role": "analyst", "password": "short"}, "パスワードは12〜1,024文字です"),
    ({"name": "bob", "role": "analyst", "password": "aaaaaaaaaaaa"}, "推測されやすいパスワードです"),
    ({"name": "kobayashi", "role": "analyst", "password": "kobayashi123"}, "ユーザー名を含めないでください"),
    ({"name": "analyst", "role": "analyst"}, "その名前のユーザーはすでに登録されています。"),
])
def test_a_refused_form_says_why_and_adds_no_user(app: TestClient, store: Store, form: dict[str, str],
                                                 says: str) -> None:
    _login(app, "admin")
    before = {u.name for u in store.list_users()}
    r = _post(app, "/ui/admin/users", "/ui/admin/users", **{"bank": "", "password": "", **form})
    assert r.status_code == 400  # type: ignore[attr-defined]
    assert says in r.text  # type: ignore[attr-defined]
    assert form["name"] in r.text  # type: ignore[attr-defined]  # the form keeps what was typed
    assert {u.name for u in store.list_users()} == before


def test_disable_enable_password_and_token(app: TestClient, store: Store) -> None:
    analyst = TestClient(app.app)
    assert _login(analyst, "analyst") == 303
    assert analyst.get("/ui/portfolio").status_code == 200
    _login(app, "admin")
    assert _post(app, "/ui/admin/users/analyst/disable", "/ui/admin/users").status_code == 303  # type: ignore[attr-defined]
    assert "analyst を無効にしました" in app.get("/ui/admin/users").text
    assert analyst.get("/ui/portfolio", follow_redirects=False).status_code == 303  # its session ended
    assert _login(analyst, "analyst") == 401
    _post(app, "/ui/admin/users/analyst/enable", "/ui/admin/users")
    assert "パスワードと APIトークンがまだありません" in app.get("/ui/admin/users").text
    assert _login(analyst, "analyst") == 401  # the old password did not come back with the user
    # a new password made by the page, shown once: it signs in
    r = _post(app, "/ui/admin/users/analyst/password", "/ui/admin/users", password="")
    new = _shown_secret(r.text)  # type: ignore[attr-defined]
    assert _login(analyst, "analyst", new) == 303
    typed = _post(app, "/ui/admin/users/analyst/password", "/ui/admin/users", password="another long password")
    assert typed.status_code == 303  # type: ignore[attr-defined]
    assert analyst.get("/ui/portfolio", follow_redirects=False).status_code == 303  # its session ended
    assert _login(analyst, "analyst", new) == 401 and _login(analyst, "analyst", "another long password") == 303
    # an API token, shown once, answers the API
    token = _shown_secret(_post(app, "/ui/admin/users/researcher/token", "/ui/admin/users").text)  # type: ignore[attr-defined]
    api = TestClient(app.app)
    assert api.get("/firms?q=松江", headers={"Authorization": f"Bearer {token}"}).status_code == 403  # a researcher
    assert api.get("/analytics/correlation", headers={"Authorization": f"Bearer {token}"}).status_code != 401
    # an admin cannot disable themselves, nor set their own password here (it wants the current one)
    _post(app, "/ui/admin/users/admin/disable", "/ui/admin/users")
    assert "自分自身は無効にできません" in app.get("/ui/admin/users").text
    _post(app, "/ui/admin/users/admin/password", "/ui/admin/users", password="a long enough password")
    assert "現在のパスワードを入力して変更してください" in app.get("/ui/admin/users").text
    admin = store.get_user("admin")
    assert admin is not None and admin.active and _login(TestClient(app.app), "admin") == 303
    actions = [e.action for e in store.audit_log("admin", None, None, None, 50, 0)[0]]
    assert {"user.disable", "user.enable", "user.password", "user.token"} <= set(actions)


def test_a_credit_officers_bank_typed_wrong_is_put_right(app: TestClient, store: Store) -> None:
    """An officer added with a bank typed wrong sees nothing; the users page
    says so with the bank meant, and moves them to it (by its name, too)."""
    from api.bank_names import forget

    store.set_bank_name("B1", "山陰合同銀行")
    forget(store)  # as the admin pages do: a store shared by tests (Neo4j) may hold names read 10 s ago
    _login(app, "admin")
    r = _post(app, "/ui/admin/users", "/ui/admin/users", name="ito", role="credit_officer", bank="B1x",
              password="a long enough password")
    assert r.status_code == 303  # type: ignore[attr-defined]
    page = app.get("/ui/admin/users").text
    assert "もしかして B1 ですか？" in page and "card flash warn" in page
    officer = TestClient(app.app)
    assert _login(officer, "ito", "a long enough password") == 303
    _choose_own_password(officer, "a long enough password")
    assert officer.get("/ui/firms/C2").status_code == 404  # B1x: no firm consents to it
    _post(app, "/ui/admin/users/ito/bank", "/ui/admin/users", bank="山陰合同銀行")
    assert "ito の銀行を 山陰合同銀行 に変更しました" in app.get("/ui/admin/users").text
    assert store.get_user("ito").bank == "B1"  # type: ignore[union-attr]
    assert officer.get("/ui/firms/C2").status_code == 200  # C2 consents to B1: from the officer's next page
    users = app.get("/ui/admin/users").text
    assert '<span title="B1">山陰合同銀行</span> <span class="mono muted">B1</span>' in users  # its name, and its id
    _post(app, "/ui/admin/users/analyst/bank", "/ui/admin/users", bank="B1")
    assert "銀行を持てるのは融資担当者だけです" in app.get("/ui/admin/users").text
    # a disabled user's token is gone, and the page says so
    _post(app, "/ui/admin/users/researcher/disable", "/ui/admin/users")
    row = app.get("/ui/admin/users").text.split('data-user="researcher"')[1].split("</tr>")[0]
    assert " に発行" not in row and "APIトークンを発行" in row
    entries, _ = store.audit_log(action="user.bank")
    assert [e.detail for e in entries] == ["ito: bank B1x → B1"]


def test_a_reload_does_not_issue_a_secret_again(app: TestClient, store: Store) -> None:
    """The page that shows a made password or token answers the form; a
    reload sends the form again — it must not replace what was just shown."""
    _login(app, "admin")
    page = app.get("/ui/admin/users").text
    form = {"csrf": _csrf(page), "once": re.search(r'name="once" value="([^"]+)"', page).group(1)}  # type: ignore[union-attr]
    first = app.post("/ui/admin/users/researcher/token", data=form)
    token = _shown_secret(first.text)
    again = app.post("/ui/admin/users/researcher/token", data=form)  # the browser's reload
    assert again.status_code == 409 and "このフォームは送信済みです" in again.text
    assert '<code class="secret">' not in again.text
    api = TestClient(app.app)
    assert api.get("/analytics/correlation", headers={"Authorization": f"Bearer {token}"}).status_code != 401
    made = app.post("/ui/admin/users", data={**form, "name": "nao", "role": "analyst"})
    assert made.status_code == 409 and store.get_user("nao") is None  # the spent token adds no user either


def test_a_form_sent_after_the_session_ended_comes_back_to_its_page(app: TestClient, store: Store) -> None:
    """Signed out elsewhere, the admin's next click on a button of the users
    page goes to the login page, which comes back to the users page (not
    to the button's address, which answers no GET: it was a 405 page)."""
    _login(app, "admin")
    page = app.get("/ui/admin/users").text
    app.cookies.clear()
    r = app.post("/ui/admin/users/analyst/disable", data={"csrf": _csrf(page)},
                 headers={"Referer": "http://testserver/ui/admin/users"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?next=/ui/admin/users"
    assert store.get_user("analyst").active  # type: ignore[union-attr]
    r = app.post("/ui/account/password", data={"csrf": "x"}, headers={"Referer": "https://elsewhere.example/x"},
                 follow_redirects=False)
    assert r.headers["location"] == "/login?next=/ui/"


@pytest.mark.parametrize("who", ["analyst", "officer_b1", "researcher"])
def test_only_an_admin_opens_the_admin_pages(app: TestClient, store: Store, who: str) -> None:
    _login(app, who)
    for path in ("/ui/admin/users", "/ui/admin/consent", "/ui/admin/audit"):
        r = app.get(path)
        assert r.status_code == 403, path
        assert "この画面" in r.text or "権限" in r.text
    token = _csrf(app.get("/ui/account").text)
    for path, data in (("/ui/admin/users", {"name": "eve", "role": "admin"}),
                       ("/ui/admin/users/analyst/disable", {}),
                       ("/ui/admin/consent", {"firm": "C1", "bank": "B2", "action": "grant"})):
        assert app.post(path, data={"csrf": token, **data}, follow_redirects=False).status_code == 403, path
    assert store.get_user("eve") is None and store.get_user("analyst").active  # type: ignore[union-attr]
    assert "B2" not in store.consents("C1").get("C1", ())
    assert "監査ログ" not in app.get("/ui/").text  # the menu does not offer them


def test_consent_granted_and_revoked_from_the_page(app: TestClient, store: Store) -> None:
    officer = TestClient(app.app)
    _login(officer, "officer_b2")  # no password yet: set one
    set_password(store, "officer_b2", PASSWORD, SYSTEM)
    assert _login(officer, "officer_b2") == 303
    assert officer.get("/ui/firms/C1").status_code == 404  # C1 has not consented to B2
    _login(app, "admin")
    firm_page = app.get("/ui/firms/C1").text
    assert "データ共有の同意先：なし" in firm_page and "/ui/admin/consent?firm=C1" in firm_page
    r = _post(app, "/ui/admin/consent", "/ui/admin/consent?firm=C1", firm="C1", bank="B2", action="grant",
              back="/ui/admin/consent?firm=C1")
    assert r.headers["location"] == "/ui/admin/consent?firm=C1"  # type: ignore[attr-defined]
    page = app.get("/ui/admin/consent?firm=C1").text
    assert "株式会社松江精機（C1）は B2 とデータを共有します。" in page
    assert store.consents("C1")["C1"] == ("B2",)
    assert officer.get("/ui/firms/C1").status_code == 200  # from the officer's next page
    store.set_bank_name("B2", "米子信用金庫")  # the firm page names the bank as the consent page does
    forget(store)  # as the consent page's naming does in its process
    assert "データ共有の同意先：米子信用金庫 " in app.get("/ui/firms/C1").text
    # the list by bank, with the revoke form; the history names the admin
    by_bank = app.get("/ui/admin/consent?bank=B2").text
    assert 'data-firm="C1"' in by_bank and 'data-firm="C2"' not in by_bank
    _post(app, "/ui/admin/consent", "/ui/admin/consent?bank=B2", firm="C1", bank="B2", action="revoke",
          back="/ui/admin/consent?bank=B2")
    assert store.consents("C1").get("C1", ()) == ()
    assert officer.get("/ui/firms/C1").status_code == 404
    history = app.get("/ui/admin/consent?firm=C1").text
    assert history.count('<span class="mono">admin</span>') == 2 and "撤回" in history
    # nothing changed, an unknown firm, a new bank: each said
    _post(app, "/ui/admin/consent", "/ui/admin/consent", firm="C1", bank="B9", action="revoke")
    assert "C1 は B9 への共有に同意していませんでした。変更はありません。" in app.get("/ui/admin/consent?firm=C1").text
    _post(app, "/ui/admin/consent", "/ui/admin/consent", firm="NOPE", bank="B1", action="grant")
    assert "企業 NOPE は登録されていません。" in app.get("/ui/admin/consent").text
    # a bank known nowhere is not recorded until confirmed, with the banks close to it offered
    _post(app, "/ui/admin/consent", "/ui/admin/consent", firm="C1", bank="B1x", action="grant")
    asked = app.get("/ui/admin/consent?firm=C1").text
    assert "まだ記録していません：B1x はどこにも登場しない銀行です" in asked and store.consents("C1")["C1"] == ()
    assert "もしかして" in asked and 'name="bank" value="B1"' in asked and 'name="confirm" value="1"' in asked
    assert "B1x を新しい銀行として記録" in asked
    _post(app, "/ui/admin/consent", "/ui/admin/consent", firm="C1", bank="bank:hoshi", action="grant", confirm="1")
    assert "bank:hoshi は新しい銀行です" in app.get("/ui/admin/consent?firm=C1").text
    assert store.consents("C1")["C1"] == ("bank:hoshi",)
    # an id typed in another case is that bank, not a new one
    _post(app, "/ui/admin/consent", "/ui/admin/consent", firm="C1", bank="b1", action="grant")
    assert store.consents("C1")["C1"] == ("bank:hoshi", "B1")
    # an outside address as the way back is not followed
    r = _post(app, "/ui/admin/consent", "/ui/admin/consent", firm="C1", bank="bank:hoshi", action="revoke",
              back="//evil.example/")
    assert r.headers["location"] == "/ui/admin/consent?firm=C1"  # type: ignore[attr-defined]
    actions = [(e.action, e.outcome) for e in store.audit_log("admin", "C1", None, None, 50, 0)[0]]
    assert ("consent.grant", "ok") in actions and ("consent.revoke", "ok") in actions


def test_an_admin_names_a_bank_and_its_officers_and_memo_show_the_name(app: TestClient, store: Store) -> None:
    """A bank id (B1) is named on the consent page; its officer's header,
    account page and credit memo then show the name, not the id (a credit
    committee read 「金融機関 bank:sanin 向けに作成」). Unknown banks and bad
    names are refused and said; every change is audited."""
    _login(app, "admin")
    page = app.get("/ui/admin/consent").text
    assert "金融機関の名称" in page and 'name="bank" value="B1"' in page
    r = _post(app, "/ui/admin/banks", "/ui/admin/consent", bank="B1", name=" 山陰  合同銀行 ", back="/ui/admin/consent")
    assert r.headers["location"] == "/ui/admin/consent"  # type: ignore[attr-defined]
    assert store.bank_names() == {"B1": "山陰 合同銀行"}
    assert "B1 は、すべての画面と融資審査用メモで「山陰 合同銀行」と表示されます。" in app.get("/ui/admin/consent").text
    # two banks of one name would look the same: refused
    _post(app, "/ui/admin/banks", "/ui/admin/consent", bank="B2", name="山陰合同銀行")
    assert "B1 がすでに「山陰合同銀行」と表示されています" in app.get("/ui/admin/consent").text
    assert "B2" not in store.bank_names()
    # a partner bank is named before any firm consents to it: then typing its name finds it
    _post(app, "/ui/admin/banks", "/ui/admin/consent", bank="bank:tottori-mirai", name="鳥取みらい銀行")
    assert store.bank_names()["bank:tottori-mirai"] == "鳥取みらい銀行"
    _post(app, "/ui/admin/consent", "/ui/admin/consent", firm="C1", bank=" 鳥取みらい銀行 ", action="grant")
    granted = app.get("/ui/admin/consent?firm=C1").text
    assert "「鳥取みらい銀行」は bank:tottori-mirai の表示名のため" in granted and "新しい銀行" not in granted
    assert store.consents("C1")["C1"] == ("bank:tottori-mirai",)  # not a second bank called 鳥取みらい銀行
    _post(app, "/ui/admin/banks", "/ui/admin/consent", bank="B7", name="")
    assert "B7 には表示名がありません" in app.get("/ui/admin/consent").text
    _post(app, "/ui/admin/banks", "/ui/admin/consent", bank="B7,B8", name="架空銀行")
    assert "区切り" in app.get("/ui/admin/consent").text and "B7,B8" not in store.bank_names()
    filtered = app.get("/ui/admin/consent?bank=B9").text  # a bank no firm consents to is the one selected
    assert '<option value="B9" selected>' in filtered
    _post(app, "/ui/admin/banks", "/ui/admin/consent", bank="B1", name="山陰\u202e銀行")
    assert "制御文字" in app.get("/ui/admin/consent").text and store.bank_names()["B1"] == "山陰 合同銀行"
    officer = TestClient(app.app)
    assert _login(officer, "officer_b1") == 303
    header = officer.get("/ui/firms/C2").text
    assert "officer_b1 · 融資担当者 · 山陰 合同銀行" in header and "· B1<" not in header
    assert "山陰 合同銀行" in officer.get("/ui/account").text
    memo = officer.get("/firms/C2/report").text
    assert "山陰 合同銀行" in memo and "officer_b1 (山陰 合同銀行)" in memo
    # taken away: the id again
    _post(app, "/ui/admin/banks", "/ui/admin/consent", bank="B1", name="")
    assert "B1" not in store.bank_names()
    actions = [(e.action, e.outcome) for e in store.audit_log("admin", None, None, "bank.name", 50, 0)[0]]
    assert actions.count(("bank.name", "ok")) == 3  # B1 named, bank:tottori-mirai named, B1 unnamed


def test_the_consent_page_finds_a_firm_by_its_name(app: TestClient, store: Store) -> None:
    """An administrator holds a consent letter with the firm's name, not its id:
    one firm found opens it; several are listed to choose from; none is said."""
    _login(app, "admin")
    one = app.get("/ui/admin/consent", params={"firm": "松江精機"}).text
    assert "株式会社松江精機" in one and "この企業の同意の履歴" in one
    assert 'name="firm" value="C1"' in one  # the grant form holds its id
    several = app.get("/ui/admin/consent", params={"firm": "株式会社"}).text
    assert "「株式会社」に当たる企業" in several
    assert 'href="/ui/admin/consent?firm=C1"' in several and 'href="/ui/admin/consent?firm=C2"' in several
    none = app.get("/ui/admin/consent", params={"firm": "存在しない商店"}).text
    assert "「存在しない商店」に当たる企業はありません。" in none
    # revoking and disabling are each confirmed in a second step on the page
    by_bank = app.get("/ui/admin/consent?bank=B1").text
    assert "撤回…</summary>" in by_bank and "同意を撤回する</button>" in by_bank
    assert "無効にする…</summary>" in app.get("/ui/admin/users").text


def test_the_audit_log_page(app: TestClient, store: Store) -> None:
    _login(app, "analyst", "wrong password!!")
    _login(app, "admin")
    page = app.get("/ui/admin/audit")
    assert page.status_code == 200
    assert "ログイン" in page.text and "auth.login" in page.text and "拒否" in page.text
    only = app.get("/ui/admin/audit?user=analyst&action=auth.login").text
    rows = re.findall(r"<tr>\s*<td class=\"nowrap\">", only)
    assert len(rows) == 1 and "パスワードの誤り（接続元 testclient）" in only  # the detail in the page's language
    assert app.get("/ui/admin/audit?since=2000-01-01").status_code == 200
    bad = app.get("/ui/admin/audit?since=yesterday")
    assert "日付は YYYY-MM-DD" in bad.text and "<td class=\"nowrap\">" not in bad.text  # nothing listed
    # a kind of action, between two days (Japan time, both included)
    signins = app.get("/ui/admin/audit?kind=signin").text
    assert "auth.login" in signins and "consent." not in signins and "ログインとログアウト" in signins
    assert "auth.login" in app.get("/ui/admin/audit?kind=signin&since=2000-01-01&until=2999-12-31").text
    assert "auth.login" not in app.get("/ui/admin/audit?kind=signin&until=2000-01-01").text
    assert "件" in app.get("/ui/admin/audit?since=2999-01-01").text
    # the reads of firm data take the portfolio (every client's figures) and files handed out
    _login(app, "analyst")
    assert app.get("/ui/portfolio").status_code == 200 and app.get("/ui/portfolio?format=csv").status_code == 200
    _login(app, "admin")
    firm_reads = app.get("/ui/admin/audit?kind=reads").text
    assert "ui.portfolio" in firm_reads and "ポートフォリオ（画面）" in firm_reads
    assert "データのエクスポート（ファイル）" in firm_reads and "画面からポートフォリオCSV：顧問先 " in firm_reads
    assert "wrong password, from testclient" in app.get("/ui/admin/audit?lang=en&kind=signin").text
    assert "研究用エクスポート" not in firm_reads
    reads = store.audit_log("admin", None, None, "audit.list", 10, 0)[0]
    assert reads and "user=analyst action=auth.login" in {e.detail.split(" since")[0] for e in reads}

    # "who looked at 松江精機 last week?": the firm by its name (or its id in another case), rows with names
    from api.identity import record

    record(store, Principal("officer_b1", Role.CREDIT_OFFICER, "B1"), "firm.get", "C1")
    by_name = app.get("/ui/admin/audit?firm=松江精機").text
    assert "「松江精機」は 株式会社松江精機（C1）です。" in by_name and 'value="C1"' in by_name
    assert "firm.get" in by_name and "株式会社松江精機<br>" in by_name and "officer_b1" in by_name
    assert "株式会社松江精機（C1）です" in app.get("/ui/admin/audit?firm=c1").text
    # an id-like text is an id: never another firm whose id merely contains it (a removed firm's entries)
    record(store, Principal("officer_b1", Role.CREDIT_OFFICER, "B1"), "firm.get", "C")
    removed = app.get("/ui/admin/audit?firm=C").text
    assert "です。この企業の記録" not in removed and 'value="C"' in removed and "1 件" in removed


def test_a_user_changes_their_own_password(app: TestClient, store: Store) -> None:
    other = TestClient(app.app)
    assert _login(other, "officer_b1") == 303
    assert _login(app, "officer_b1") == 303
    page = app.get("/ui/account")
    assert page.status_code == 200 and "パスワードの変更" in page.text and "B1" in page.text
    wrong = _post(app, "/ui/account/password", "/ui/account", current="not my password", new="n" * 12,
                  again="n" * 12)
    assert wrong.status_code == 403 and "現在のパスワードが正しくありません" in wrong.text  # type: ignore[attr-defined]
    differ = _post(app, "/ui/account/password", "/ui/account", current=PASSWORD, new="a new passphrase",
                   again="a new passphrasf")
    assert differ.status_code == 400 and "2回とも同じではありません" in differ.text  # type: ignore[attr-defined]
    short = _post(app, "/ui/account/password", "/ui/account", current=PASSWORD, new="short", again="short")
    assert short.status_code == 400  # type: ignore[attr-defined]
    ok = _post(app, "/ui/account/password", "/ui/account", current=PASSWORD, new="a new passphrase",
               again="a new passphrase")
    assert ok.status_code == 303  # type: ignore[attr-defined]
    assert "パスワードを変更しました" in app.get("/ui/account").text  # this session goes on
    assert other.get("/ui/", follow_redirects=False).status_code == 303  # the other one ended
    assert _login(other, "officer_b1") == 401
    assert _login(other, "officer_b1", "a new passphrase") == 303
    outcomes = [e.outcome for e in store.audit_log("officer_b1", None, None, "user.password", 10, 0)[0]]
    assert sorted(outcomes) == ["denied", "ok"]


def test_wrong_current_passwords_are_limited(app: TestClient, store: Store) -> None:
    _login(app, "researcher")
    statuses = [_post(app, "/ui/account/password", "/ui/account", current=f"guess number {i}",  # type: ignore[attr-defined]
                      new="n" * 12, again="n" * 12).status_code for i in range(12)]
    assert statuses[0] == 403 and statuses[-1] == 429


def test_a_researcher_lands_on_the_export(app: TestClient) -> None:
    """The firm search finds nothing for a researcher: their sign-in opens
    the export, unless it was asked for another page."""
    for who, lands in (("researcher", "/ui/export"), ("analyst", "/ui/")):
        app.cookies.clear()
        r = app.post("/login", data={"name": who, "password": PASSWORD, "csrf": _csrf(app.get("/login").text)},
                     follow_redirects=False)
        assert r.headers["location"] == lands
    app.cookies.clear()
    r = app.post("/login", data={"name": "researcher", "password": PASSWORD, "next": "/ui/account",
                                 "csrf": _csrf(app.get("/login").text)}, follow_redirects=False)
    assert r.headers["location"] == "/ui/account"


def test_the_login_page_says_who_is_signed_in_and_a_404_keeps_the_menu(app: TestClient) -> None:
    """A signed-in user opening the login page (a bookmark, the back button)
    is told so, with the way on; a mistyped address keeps their menu."""
    fresh = app.get("/login")
    assert "としてログインしています" not in fresh.text
    assert _login(app, "analyst") == 303
    page = app.get("/login?next=/ui/portfolio")
    assert page.status_code == 200 and "analyst としてログインしています。" in page.text
    assert '<a href="/ui/portfolio">analyst のまま続ける</a>' in page.text
    assert 'name="password"' in page.text  # signing in as another user stays possible
    assert _login(app, "officer_b1") == 303
    assert "officer_b1 としてログインしています。" in app.get("/login").text
    missing = app.get("/ui/no-such-page")
    assert missing.status_code == 404 and 'class="who"' in missing.text and "officer_b1" in missing.text
    app.cookies.clear()
    anonymous = app.get("/ui/no-such-page")  # no session: the login page (a UI address), no menu
    assert 'class="who"' not in anonymous.text


def test_refusals_read_in_japanese_on_an_error_page(app: TestClient) -> None:
    """A browser following an API link it may not open gets the refusal's
    reason in Japanese, and a researcher a way back to the export."""
    _login(app, "researcher")
    html = {"Accept": "text/html"}
    firm = app.get("/firms/C1", headers=html)
    assert firm.status_code == 403 and "研究者の役割で利用できるのは集計値だけです" in firm.text
    assert "aggregates only" not in firm.text and 'href="/ui/export"' in firm.text
    admin = app.get("/admin/users", headers=html)
    assert admin.status_code == 403 and "この操作には admin の役割が必要です（あなたの役割：researcher）。" in admin.text
    assert app.get("/admin/users").json()["detail"] == "this needs the role admin; you act as researcher"  # the API's


def test_a_password_set_while_disabled_survives_the_enable(app: TestClient, store: Store) -> None:
    """An administrator may give a returning user a new password before
    enabling them: enabling keeps it (only what the user had when disabled
    is gone)."""
    _login(app, "admin")
    _post(app, "/ui/admin/users/analyst/disable", "/ui/admin/users")
    _post(app, "/ui/admin/users/analyst/password", "/ui/admin/users", password="a fresh long password")
    _post(app, "/ui/admin/users/analyst/enable", "/ui/admin/users")
    assert "を有効にしました。" in app.get("/ui/admin/users").text
    assert _login(TestClient(app.app), "analyst", "a fresh long password") == 303


def test_the_audit_page_shows_reads_made_just_before(app: TestClient) -> None:
    """Reads are written in batches by a thread (a quarter of a second
    apart, later on a busy machine: CI once read the page before the
    portfolio's read was written); the log page and GET /audit write what
    this process holds first."""
    import time

    buffer = app.app.state.audit_buffer  # type: ignore[attr-defined]
    buffer.flush_seconds = 3600.0  # the thread waits out its current quarter second, then an hour
    time.sleep(0.5)
    _login(app, "analyst")
    assert app.get("/ui/portfolio").status_code == 200
    _login(app, "admin")
    assert "ui.portfolio" in app.get("/ui/admin/audit?kind=reads").text
