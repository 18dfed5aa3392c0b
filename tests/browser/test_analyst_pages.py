"""The pages of BPO analysts and researchers in a real browser: the
portfolio sorted by a column, a name-review decision, the loads, and the
research export downloaded by a researcher."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.conftest import Site, assert_japanese_renders, login, shot


@pytest.fixture(scope="module", autouse=True)
def _export_key() -> Iterator[None]:
    """This module's site is served with an export key (set before ``site`` reads its settings)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TORIHIKI_EXPORT_KEY", "an export key for the browser tests")
        yield


def _rows(page: Any) -> list[str]:
    return [str(x) for x in page.locator("table.portfolio tbody tr").evaluate_all(
        "rows => rows.map(r => r.dataset.firm)")]


def _numbers(page: Any, column: int) -> list[float | None]:
    """The values of a numeric column (1-based) as drawn, ``None`` for a dash."""
    texts = page.locator(f"table.portfolio tbody tr td:nth-child({column})").all_inner_texts()
    out: list[float | None] = []
    for t in texts:
        t = t.strip().replace(",", "").replace("円", "").replace("%", "")
        out.append(None if t in ("", "–") else float(t))
    return out


def test_analyst_sorts_the_portfolio(page: Any, site: Site) -> None:
    login(page, site, "analyst", "/ui/portfolio")
    assert page.locator("h1").inner_text() == "ポートフォリオ"
    assert_japanese_renders(page, "h1")
    assert len(_rows(page)) == 30  # every client of the region, one page
    page.click("th a[data-sort=hhi]")
    page.wait_for_load_state("networkidle")
    assert "sort=hhi" in page.url and "dir=desc" in page.url
    hhi = [x for x in _numbers(page, 5) if x is not None]
    assert hhi and hhi == sorted(hhi, reverse=True)
    page.click("th a[data-sort=hhi]")  # again: the other way round
    page.wait_for_load_state("networkidle")
    hhi = [x for x in _numbers(page, 5) if x is not None]
    assert "dir=asc" in page.url and hhi == sorted(hhi)
    shot(page, site, "portfolio-hhi-asc")
    page.fill("input[name=min_hhi]", "0.3")
    page.click("form.filters button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "min_hhi=0.3" in page.url and "sort=hhi" in page.url
    assert all(x is not None and x >= 0.3 for x in _numbers(page, 5))
    for firm in _rows(page)[:3]:  # each row opens the firm page
        assert page.locator(f"tr[data-firm='{firm}'] td a").first.get_attribute("href") == f"/ui/firms/{firm}"


def test_analyst_accepts_a_spelling_in_review(page: Any, site: Site) -> None:
    from ingest import review

    waiting = review.review_queue(site.store)
    login(page, site, "analyst", "/ui/review")
    assert page.locator("h1").inner_text() == "名寄せ確認"
    shot(page, site, "review-queue")
    if not waiting:
        assert "確認待ちの表記はありません" in page.locator("main").inner_text()
        return
    item = waiting[0]
    row = page.locator(f"tr[data-item='{item.id}']")
    assert item.raw_name in row.inner_text()
    row.locator("button.accept").click()
    page.wait_for_load_state("networkidle")
    assert page.url.endswith("/ui/review")
    assert "統合しました" in page.locator("p.flash").inner_text()
    assert item.id not in {i.id for i in review.review_queue(site.store)}
    shot(page, site, "review-accepted")
    merge = next(m for m in site.store.list_merges() if m.method == "review" and not m.undone_at)
    undo = page.locator(f"tr[data-merge='{merge.id}']")
    assert not undo.locator("button.undo").is_visible()  # a second, explicit step
    undo.locator("details.confirm summary").click()
    undo.locator("button.undo").click()
    page.wait_for_load_state("networkidle")
    assert "取り消しました" in page.locator("p.flash").inner_text()
    assert site.store.get_merge(merge.id).undone_at  # type: ignore[union-attr]


def test_analyst_opens_a_load_with_rejected_rows(page: Any, site: Site) -> None:
    login(page, site, "analyst", "/ui/loads?rejected=1")
    rows = page.locator("table.loads tbody tr")
    if rows.count() == 0:
        assert "取込はまだありません" in page.locator("main").inner_text()
        return
    rows.first.locator("td a").first.click()
    page.wait_for_load_state("networkidle")
    assert page.locator("table.rejects tbody tr").count() >= 1
    shot(page, site, "load-rejects")


def test_researcher_downloads_the_export(page: Any, site: Site) -> None:
    login(page, site, "researcher", "/ui/export")
    assert page.locator("h1").inner_text() == "研究用エクスポート"
    assert_japanese_renders(page, "h1")
    shot(page, site, "export")
    assert page.locator("form.export-form button[type=submit][disabled]").count() == 0
    page.fill("input[name=month_from]", "2023-07")
    page.check("input[value=csv]")
    with page.expect_download() as info:
        page.click("form.export-form button[type=submit]")
    data = open(info.value.path(), "rb").read()  # noqa: SIM115
    files = zipfile.ZipFile(io.BytesIO(data))
    assert {"edges.csv", "nodes.csv", "metrics.csv"} <= set(files.namelist())
    edges = files.read("edges.csv").decode("utf-8")
    assert "2023-06" not in edges and "2023-07" in edges  # the period chosen
    for firm in list(site.firms.values()):
        assert firm not in edges  # pseudonyms only


def test_analyst_uploads_a_ledger_file(page: Any, site: Site, tmp_path: Any) -> None:
    """The upload form on the loads page: a client's small file with one bad
    row; the load's page says what was loaded, the bad row's reason in
    Japanese. (Last in the module: it adds trade to the module's store.)"""
    client = site.firms["client_sanin"]
    ledger = tmp_path / "追加分.csv"
    ledger.write_text("date,counterparty_name,direction,amount\n"
                      "2024-06-10,株式会社ブラウザ試験商事,sale,123456\n"
                      "2024-06-11,株式会社ブラウザ試験商事,sale,12.5.0\n", encoding="utf-8")
    login(page, site, "analyst", "/ui/loads")
    form = page.locator("form.upload-form")
    assert form.is_visible() or page.locator("details.upload summary").count() == 1
    if not form.is_visible():
        page.click("details.upload summary")
    assert page.locator("details.upload summary").inner_text() == "帳簿ファイルを取り込む"
    page.set_input_files("form.upload-form input[name=file]", str(ledger))
    page.fill("form.upload-form input[name=client_id]", client)
    shot(page, site, "load-upload-form")
    page.click("form.upload-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "/ui/loads/b" in page.url
    flash = page.locator("p.flash:not(.refresh-state)").inner_text()
    assert "取込 1 行、エラー 1 行" in flash, flash
    assert "金額として読めません" in page.locator("table.rejects").inner_text()
    assert_japanese_renders(page, "p.flash:not(.refresh-state)")
    shot(page, site, "load-uploaded")
    (batch,) = [b for b in site.store.list_batches() if b.client_id == client and b.file.endswith(".csv")
                and b.rows_rejected == 1 and b.rows_loaded == 1]
    assert batch.id in page.url
    # two more files at once: a line for each on the loads page
    july, memo = tmp_path / "7月分.csv", tmp_path / "memo.xlsx"
    july.write_text("date,counterparty_name,direction,amount\n2024-07-10,株式会社ブラウザ試験商事,sale,5000\n",
                    encoding="utf-8")
    memo.write_bytes(b"PK\x03\x04" + bytes(range(256)) * 8)
    page.goto(site.url(f"/ui/loads?client={client}"))
    page.set_input_files("form.upload-form input[name=file]", [str(july), str(memo)])
    page.click("form.upload-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    lines = page.locator(".upload-results tbody tr").all_inner_texts()
    assert len(lines) == 2 and "7月分.csv" in lines[0] and "取込 1 行" in lines[0], lines
    assert "memo.xlsx" in lines[1] and "Excel のブック" in lines[1], lines
    shot(page, site, "load-upload-several")
