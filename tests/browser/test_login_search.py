"""Signing in and finding a firm, in a real browser, as each role."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import (
    HOSTILE_ID,
    PASSWORD,
    USERS,
    Site,
    assert_japanese_renders,
    login,
    shot,
)


def test_login_page_is_japanese_and_refuses_a_wrong_password(page: Any, site: Site) -> None:
    page.goto(site.url("/ui/"))
    assert "/login" in page.url  # no session: the login page, which comes back afterwards
    assert page.locator("h1").inner_text() == "ログイン"
    assert_japanese_renders(page, "h1")
    page.fill("input[name=name]", "analyst")
    page.fill("input[name=password]", "not the password")
    page.click("button[type=submit]")
    assert "正しくありません" in page.locator(".error").inner_text()
    shot(page, site, "login-refused")
    # the refused login answers 401, which Chromium reports on the console: expected here
    page.errors[:] = [e for e in page.errors if "status of 401" not in e]
    page.fill("input[name=name]", "analyst")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/ui/")
    assert page.locator("h1").inner_text() == "企業検索"


@pytest.mark.parametrize("user", sorted(USERS))
def test_each_role_signs_in_sees_its_menu_and_logs_out(page: Any, site: Site, user: str) -> None:
    login(page, site, user)
    menu = page.locator("nav.mainnav").inner_text()
    role = USERS[user][0]
    assert ("企業検索" in menu) == (role != "researcher")  # aggregates only: a search would find nothing
    assert ("ポートフォリオ" in menu) == (role in ("admin", "analyst"))
    assert ("エクスポート" in menu) == (role in ("admin", "researcher"))
    assert_japanese_renders(page, "nav.mainnav")
    page.click("button:has-text('ログアウト')")
    page.wait_for_url("**/login?signed_out=1")
    assert "ログアウトしました" in page.locator("main").inner_text()  # told, in Japanese
    page.goto(site.url("/ui/"))
    assert "/login" in page.url


def test_officer_finds_a_consenting_borrower_not_a_hidden_one(page: Any, site: Site) -> None:
    login(page, site, "officer")
    visible, hidden = site.firms["client_sanin"], site.firms["client_hidden"]
    page.fill("input[name=q]", visible)
    page.press("input[name=q]", "Enter")
    page.wait_for_load_state("networkidle")
    assert page.locator(f"a[href='/ui/firms/{visible}']").count() == 1
    assert_japanese_renders(page, "p.count")
    shot(page, site, "search-officer")
    page.goto(site.url(f"/ui/?q={hidden}"))
    assert page.locator("table.data").count() == 0 and "0 件" in page.locator("p.count").inner_text()


def test_hostile_name_stays_text_in_search(page: Any, site: Site) -> None:
    login(page, site, "analyst")
    page.goto(site.url("/ui/?q=悪意商事"))
    link = page.locator(f"a[href='/ui/firms/{HOSTILE_ID}']")
    assert link.count() == 1
    assert "<img" in link.inner_text()  # shown as the characters it is
    assert page.locator("main img").count() == 0 and page.locator("main b").count() == 0
    assert page.evaluate("window.__pwned") is None
    shot(page, site, "search-hostile")


def test_english_is_one_click_away(page: Any, site: Site) -> None:
    login(page, site, "analyst")
    page.click("a[hreflang=en]")
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text() == "Firm search"
    page.click("a[hreflang=ja]")
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text() == "企業検索"
