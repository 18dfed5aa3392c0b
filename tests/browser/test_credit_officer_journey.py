"""The issue's "done when", as a credit officer does it: log in, find a
borrower, read its page, download its memo in Japanese — and see only what
consent allows (no id of a partner that did not consent to the bank, on the
page or in the memo; a firm that did not consent cannot be opened)."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

from tests.browser.conftest import (
    HOSTILE_ID,
    OFFICER_BANK,
    Site,
    assert_japanese_renders,
    login,
    shot,
)


def _hidden_partner_ids(site: Site, firm_id: str) -> set[str]:
    """Partners of ``firm_id`` that did not consent to the officer's bank."""
    ids = {p.seller for p in site.store.pairs_of(firm_id)} | {p.buyer for p in site.store.pairs_of(firm_id)}
    ids.discard(firm_id)
    firms = site.store.get_firms(ids)
    return {i for i in ids if OFFICER_BANK not in ((firms[i].consented_banks or ()) if i in firms else ())}


def test_credit_officer_reads_a_borrower_and_downloads_its_memo(page: Any, site: Site, tmp_path: Path) -> None:
    borrower = site.firms["client_sanin"]
    hidden = _hidden_partner_ids(site, borrower)
    assert HOSTILE_ID in hidden  # the borrower sells to the hostile counterparty, which did not consent
    login(page, site, "officer")
    name = site.store.get_firm(borrower).name  # type: ignore[union-attr]
    page.fill("input[name=q]", name[2:6] if name.startswith("株式会社") else name[:4])
    page.press("input[name=q]", "Enter")
    page.wait_for_load_state("networkidle")
    page.click(f"a[href='/ui/firms/{borrower}']")
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text() == name
    assert_japanese_renders(page, "h2#coverage-h")
    for section in ("coverage", "network", "trend", "concentration"):
        assert page.locator(f"section#{section}").count() == 1, section
    assert page.locator("img.chart").count() >= 1
    html = page.content()
    leaked = {i for i in hidden if i in html}
    assert not leaked, f"ids of non-consenting partners on the page: {leaked}"
    assert page.locator("#masked").count() == 1  # the page says what is masked for the bank
    assert page.evaluate("window.__pwned") is None
    shot(page, site, "officer-firm-page")

    with page.expect_download() as d:
        page.click("a[href*='/report'][href*='format=pdf']")
    pdf = tmp_path / "memo.pdf"
    d.value.save_as(str(pdf))
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "IPAex" in fonts and all(line.split()[-5] == "yes" for line in fonts.splitlines()[2:] if "IPAex" in line)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "信用スコアではありません" in text and name in text
    leaked = {i for i in hidden if i in text}
    assert not leaked, f"ids of non-consenting partners in the memo: {leaked}"

    page.goto(site.url(f"/ui/firms/{site.firms['client_hidden']}"))
    assert page.locator("h1").inner_text().startswith("404")
    page.errors[:] = [e for e in page.errors if "status of 404" not in e]  # the refusal itself
