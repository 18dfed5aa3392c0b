"""The credit-memo supplement in a real browser: a credit officer and an
analyst open a borrower's memo in Japanese and English, download it as PDF;
a hidden client answers as an unknown firm, a researcher is refused; the
hostile counterparty's name stays text."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from tests.browser.conftest import Site, assert_japanese_renders, login, shot
from tests.integration.test_memo import check_pdf


def _expected_refusal(page: Any, status: int) -> None:
    """Chromium reports the page's own refused load (``status``) on the
    console; that one message is what the test asked for, not an error of
    the page: it is taken off the list the fixture fails on."""
    said = f"Failed to load resource: the server responded with a status of {status}"
    page.errors[:] = [e for e in page.errors if said not in e]


def test_officer_reads_the_memo_in_japanese_and_english(page: Any, site: Site, tmp_path: Path) -> None:
    firm = site.firms["client_sanin"]
    login(page, site, "officer")
    page.goto(site.url(f"/firms/{firm}/report"))
    assert page.locator("h1.memo-title").inner_text().startswith("融資審査補足資料")
    assert "本資料は融資判断の補足資料であり、信用スコアではありません。" in page.locator("p.disclaimer").inner_text()
    for section in ("customers", "suppliers", "concentration", "masked", "lineage"):
        assert page.locator(f"section#{section} h2").count() == 1, section
    assert page.locator("section#customers tbody tr").count() >= 1
    assert "作成者 officer" in page.locator("p.memo-meta").inner_text()
    assert_japanese_renders(page, "h1.memo-title")
    assert_japanese_renders(page, "section#customers h2")
    # the officer's bank does not see every partner: the masked ones are listed under pseudonyms
    masked = page.locator("section#masked").inner_text()
    assert "p-" in masked
    # the hostile counterparty (the client's own ledger names it) is text, nothing ran
    customers = page.locator("section#customers").inner_text()
    assert "悪意商事" in customers and "<img" in customers
    assert page.locator("body b").count() == 0 and page.locator("img:not(.chart)").count() == 0
    assert page.evaluate("window.__pwned") is None
    shot(page, site, "memo-officer-ja")

    page.click("a[hreflang=en]")
    page.wait_for_load_state("networkidle")
    assert page.locator("h1.memo-title").inner_text() == "Credit memo supplement: trading partners"
    assert page.locator("section#customers h2").inner_text() == "Top customers"
    assert "not a credit score" in page.locator("p.disclaimer").inner_text()
    shot(page, site, "memo-officer-en")

    with page.expect_download() as info:
        page.click("a[href*='format=pdf']")
    download = info.value
    assert re.fullmatch(rf"memo-{firm}-\d{{8}}\.pdf", download.suggested_filename)
    saved = tmp_path / "memo.pdf"
    download.save_as(saved)
    assert check_pdf(saved.read_bytes(), tmp_path / "pages") >= 1


def test_analyst_sees_every_partner_and_hidden_firms_stay_hidden(page: Any, site: Site) -> None:
    firm, hidden = site.firms["client_sanin"], site.firms["client_hidden"]
    login(page, site, "analyst")
    page.goto(site.url(f"/firms/{firm}/report?lang=en"))
    assert page.locator("h1.memo-title").inner_text() == "Credit memo supplement: trading partners"
    assert "Nothing is masked" in page.locator("section#masked").inner_text()
    assert "p-" not in page.locator("section#customers").inner_text()
    shot(page, site, "memo-analyst-en")
    page.goto(site.url(f"/firms/{hidden}/report?lang=en"))
    assert page.locator("h1.memo-title").count() == 1  # the analyst sees every client

    page.context.clear_cookies()
    login(page, site, "officer")
    r = page.goto(site.url(f"/firms/{hidden}/report"))
    assert r is not None and r.status == 404
    _expected_refusal(page, 404)
    assert page.locator("h1.memo-title").count() == 0
    shot(page, site, "memo-officer-hidden")


def test_researcher_gets_no_memo(page: Any, site: Site) -> None:
    login(page, site, "researcher")
    r = page.goto(site.url(f"/firms/{site.firms['client_sanin']}/report"))
    assert r is not None and r.status == 403
    _expected_refusal(page, 403)
    assert page.locator("h1.memo-title").count() == 0
