"""The firm page (``/ui/firms/{id}``) in a real browser: an analyst reads a
client's page, its charts are drawn, the what-if picker swaps in a result
(htmx) and the hostile counterparty stays text; a credit officer sees the
page with the masking notice and pseudonyms only."""

from __future__ import annotations

from typing import Any

from tests.browser.conftest import (
    HOSTILE,
    HOSTILE_ID,
    OFFICER_BANK,
    Site,
    assert_japanese_renders,
    login,
    shot,
)

SECTIONS = ("coverage", "network", "trend", "concentration", "terms", "health", "peers", "whatif", "lineage")


def _frame_errors(page: Any) -> None:
    """The embedded network view is another page (rewritten elsewhere); a
    refusal to be framed is its matter, not this page's."""
    page.errors[:] = [e for e in page.errors if "frame-ancestors" not in e and "Refused to display" not in e]


def test_an_analyst_reads_a_client_and_runs_a_whatif(page: Any, site: Site) -> None:
    firm = site.firms["client_sanin"]
    login(page, site, "analyst", f"/ui/firms/{firm}")
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text() == site.store.get_firm(firm).name  # type: ignore[union-attr]
    for section in SECTIONS:
        assert page.locator(f"section#{section}").count() == 1, section
    assert_japanese_renders(page, "h2#conc-h")
    charts = page.locator("img.chart")
    assert charts.count() >= 2
    for i in range(charts.count()):  # every chart decoded and drawn
        assert charts.nth(i).evaluate("img => img.complete && img.naturalWidth > 100"), i
    assert page.locator(f"iframe.egoview[src='/firms/{firm}/view?embed=1']").count() == 1
    # the hostile counterparty is a customer of this client: shown as text, never run
    assert page.evaluate("window.__pwned") is None
    assert page.locator("img[src=x]").count() == 0
    # what-if through the picker (htmx: only the result is fetched)
    options = page.locator("select[name=fails] option")
    assert options.count() >= 1
    page.select_option("select[name=fails]", index=0)
    url_before = page.url
    chosen = page.locator("select[name=fails]").input_value()
    page.click(".whatif-form button[type=submit]")
    page.wait_for_selector("#whatif-result h3", timeout=30_000)
    # swapped in place, and the address is the firm page with this result (a reload or bookmark shows it)
    assert page.url.startswith(url_before + "?fails=" + chosen) and page.url.endswith("#whatif")
    shown = page.locator("#whatif-result h3").inner_text()
    page.reload()
    page.wait_for_selector("#whatif-result h3", timeout=30_000)
    assert page.locator("#whatif-result h3").inner_text() == shown
    result = page.locator("#whatif-result").inner_text()
    assert "円 –" in result and "影響区分" in result  # a loss range and a band
    _frame_errors(page)
    shot(page, site, "firm-page-analyst")


def test_the_hostile_firm_page_shows_its_name_as_text(page: Any, site: Site) -> None:
    login(page, site, "analyst", f"/ui/firms/{HOSTILE_ID}")
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text().replace("\u202e", "").startswith("<img src=x")
    assert page.evaluate("window.__pwned") is None
    assert HOSTILE not in page.content()
    _frame_errors(page)
    shot(page, site, "firm-page-hostile")


def test_a_credit_officer_sees_masked_partners(page: Any, site: Site) -> None:
    firm = site.firms["client_sanin"]
    hidden = {p for pair in site.store.pairs_of(firm) for p in (pair.seller, pair.buyer)} - {firm}
    known = site.store.get_firms(hidden)
    hidden = {i for i in hidden if OFFICER_BANK not in ((known[i].consented_banks or ()) if i in known else ())}
    assert HOSTILE_ID in hidden
    login(page, site, "officer", f"/ui/firms/{firm}")
    page.wait_for_load_state("networkidle")
    assert page.locator("#masked").count() == 1
    assert "貴行に対して伏せている情報" in page.locator("#masked h2").inner_text()
    html = page.content()
    assert not {i for i in hidden if i in html}, "a non-consenting partner's id on the officer's page"
    assert "p-" in page.locator("#masked").inner_text()
    _frame_errors(page)
    shot(page, site, "firm-page-officer")
