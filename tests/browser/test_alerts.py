"""The alert feed in a real browser: an analyst opens the feed (Japanese,
drawn in a CJK font), filters it by kind, opens one alert with the trade
behind it, acknowledges it through the form and finds it marked; a credit
officer is refused the page."""

from __future__ import annotations

from typing import Any

from tests.browser.conftest import Site, assert_japanese_renders, login, shot


def test_analyst_reads_and_acknowledges_an_alert(page: Any, site: Site) -> None:
    from api.alerts import stored_alerts

    alerts, _ = stored_alerts(site.store)
    assert alerts, "the generated region raises alerts"
    login(page, site, "analyst", "/ui/alerts")
    assert page.locator("h1").inner_text() == "アラート"
    assert_japanese_renders(page, "h1")
    rows = page.locator("tr.alert-row")
    assert rows.count() >= 1
    assert page.locator("tr.alert-row a.why").first.inner_text().strip()
    shot(page, site, "alerts-feed")

    kind = alerts[0]["kind"]
    page.select_option("select[name=kind]", kind)
    page.click("form.filters button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert f"kind={kind}" in page.url
    ids = page.locator("tr.alert-row").evaluate_all("rows => rows.map(r => r.dataset.alert)")
    assert ids and set(ids) <= {a["id"] for a in alerts if a["kind"] == kind}

    page.locator("tr.alert-row a.why").first.click()
    page.wait_for_load_state("networkidle")
    alert_id = page.url.split("?", 1)[0].rsplit("/", 1)[-1]
    assert alert_id == ids[0]
    back = page.locator("a.back-to-alerts").get_attribute("href")  # the way back keeps the filter
    assert back is not None and back.startswith("/ui/alerts?") and f"kind={kind}" in back
    assert page.locator("p.alert-why").inner_text().strip()
    assert_japanese_renders(page, "p.alert-why")
    assert page.locator("table.alert-series tbody tr").count() >= 1
    assert page.locator("table.alert-series tr.alert-month").count() >= 1
    shot(page, site, "alert-detail")

    page.fill("textarea[name=note]", "顧問先に電話で確認")
    page.click("form.ack-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.url.split("?", 1)[0].endswith(f"/ui/alerts/{alert_id}")
    assert page.locator("a.back-to-alerts").get_attribute("href") == back  # acknowledging kept it too
    assert page.locator("p.acked").is_visible() and "analyst" in page.locator("p.acked").inner_text()
    assert "顧問先に電話で確認" in page.locator("p.ack-note").inner_text()
    shot(page, site, "alert-acknowledged")
    acks = site.store.alert_acks([alert_id])
    assert acks[alert_id].user == "analyst"

    page.goto(site.url("/ui/alerts?state=acknowledged"))
    assert alert_id in page.locator("tr.alert-row").evaluate_all("rows => rows.map(r => r.dataset.alert)")
    page.goto(site.url("/ui/alerts"))  # unacknowledged only, by default
    assert alert_id not in page.locator("tr.alert-row").evaluate_all("rows => rows.map(r => r.dataset.alert)")


def test_the_feed_is_not_for_a_credit_officer(page: Any, site: Site) -> None:
    login(page, site, "officer", "/ui/")
    response = page.goto(site.url("/ui/alerts"))
    assert response is not None and response.status == 403
    assert "/ui/alerts" not in [a.get_attribute("href") for a in page.locator("nav.mainnav a").all()]
    # Chromium reports the refused load itself on the console: what the test asked for, not a page error
    said = "Failed to load resource: the server responded with a status of 403"
    page.errors[:] = [e for e in page.errors if said not in e]
    shot(page, site, "alerts-officer-403")
