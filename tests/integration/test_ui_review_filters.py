"""The name review queue by client, and the months a client's ledger holds,
on both stores, signed in through ``/login``.

* ``/ui/review?client=`` (or ``?firm=``) keeps the spellings of one
  client's ledger, with the count per client in the filter form; the firm
  page of a client links to them for analysts and admins (never for a
  credit officer); accept / reject / undo come back to the filter and page
  they were made on (the last page when there are fewer pages now).
* The firm page counts the months the client's own ledger files hold and
  names the months they lack, rather than every month from the first to
  the last.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.identity import set_password
from api.routes import analyst_ui
from api.service import ingest_file
from api.settings import Settings
from api.web.i18n import locale_for
from ingest import review
from queries.access import SYSTEM
from queries.model import Firm, RegistryRecord
from queries.store import Store
from tests.conftest import make_tokens
from tests.integration.test_ui_analyst import _cn, _csrf

PASSWORD = "correct horse battery staple"
# registry name → how a ledger misspells it: each a review item (a near miss, not merged by itself)
NEAR_MISSES = [("株式会社出雲精密工業所", "株式会社出雲精蜜工業所"), ("株式会社米子運送サービス", "株式会社米子運送サービ"),
               ("株式会社松江水産加工センター", "株式会社松江水産加工センタ"), ("株式会社浜田造船鉄工所", "株式会社浜田造船鉄エ所"),
               ("株式会社安来鋼材商事", "株式会社安来綱材商事"), ("株式会社境港冷凍食品", "株式会社境港冷凍食口"),
               ("株式会社大田電子工業", "株式会社大田電子工行")]


def _ledger(path: Path, lines: list[tuple[str, str, str, str]]) -> Path:
    path.write_text("date,counterparty_name,direction,amount\n"
                    + "".join(f"{d},{n},{k},{a}\n" for d, n, k, a in lines), encoding="utf-8")
    return path


def _login(c: TestClient, name: str) -> None:
    c.cookies.clear()
    r = c.post("/login", data={"name": name, "password": PASSWORD, "csrf": _csrf(c.get("/login").text)},
               follow_redirects=False)
    assert r.status_code == 303, r.text


def _region(store: Store, tmp: Path) -> None:
    """Client X's ledger misspells seven registry firms, Y's two of them (9
    review items); G's ledger lacks April–June 2025 (a later file holds
    July–September); H holds every other month of 2025."""
    store.upsert_firms([Firm("X", "株式会社エックス商会", is_client=True, consented_banks=("B1",)),
                        Firm("Y", "株式会社ワイ工務店", is_client=True),
                        Firm("G", "株式会社欠月商事", is_client=True),
                        Firm("H", "株式会社隔月商事", is_client=True)])
    store.upsert_registry([RegistryRecord(_cn(280001000001 + 8 * i), good, "301")
                           for i, (good, _) in enumerate(NEAR_MISSES)])
    for client, misses in (("X", NEAR_MISSES), ("Y", NEAR_MISSES[:2])):
        lines = [(f"2025-04-{n + 1:02d}", bad, "sale", "100000") for n, (_, bad) in enumerate(misses)]
        ingest_file(store, _ledger(tmp / f"{client}.csv", lines), client, None, tmp / "rejects")
    for name, months in (("G-h1", ["2025-01", "2025-02", "2025-03"]), ("G-q3", ["2025-07", "2025-08", "2025-09"]),
                         ("H", ["2025-01", "2025-03", "2025-05", "2025-07", "2025-09"])):
        lines = [(f"{m}-10", "株式会社得意先", "sale", "500000") for m in months]
        ingest_file(store, _ledger(tmp / f"{name}.csv", lines), name[0], None, tmp / "rejects")


@pytest.fixture
def app(store: Store, tmp_path: Path) -> Iterator[TestClient]:
    (tmp_path / "region").mkdir()
    _region(store, tmp_path / "region")
    make_tokens(store)
    for name in ("admin", "analyst", "officer_b1"):
        set_password(store, name, PASSWORD, SYSTEM)
    with TestClient(create_app(Settings(TORIHIKI_HOME=tmp_path / "home"), store=store)) as c:  # type: ignore[call-arg]
        yield c


def _items(page: str) -> list[str]:
    return re.findall(r'<tr data-item="([^"]+)"', page)


def _back_fields(page: str, item: str) -> dict[str, str]:
    """The hidden fields of an item's accept form, as a browser posts them."""
    row = page[page.index(f'<tr data-item="{item}"'):]
    form = row[:row.index("</form>")]
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form))


def _ids(store: Store, client: str) -> list[str]:
    return [i.id for i in review.review_queue(store) if i.client_id == client]


def test_the_queue_filters_by_client(app: TestClient, store: Store) -> None:
    _login(app, "analyst")
    everything = app.get("/ui/review").text
    assert len(_items(everything)) == 9
    # the form's client field, with each client's count
    assert "すべての顧問先（9 件）" in everything
    assert re.search(r'<option value="X">X 株式会社エックス商会 \(7\)</option>', everything)
    assert re.search(r'<option value="Y">Y 株式会社ワイ工務店 \(2\)</option>', everything)
    only_y = app.get("/ui/review?client=Y")
    assert only_y.status_code == 200
    assert _items(only_y.text) == _ids(store, "Y") and len(_ids(store, "Y")) == 2
    assert "株式会社ワイ工務店（Y）の元帳の表記：確認待ち 9 件のうち 2 件。" in only_y.text
    assert '<option value="Y" selected>' in only_y.text
    assert "株式会社出雲精蜜工業所" in only_y.text and "株式会社松江水産加工センタ" not in only_y.text
    assert _items(app.get("/ui/review?firm=Y").text) == _ids(store, "Y")  # the alerts page's name for it
    assert _items(app.get("/ui/review?client=X").text) == _ids(store, "X")
    english = app.get("/ui/review?client=Y&lang=en").text
    assert "Spellings in the ledger of 株式会社ワイ工務店 (Y): 2 of 9 waiting." in english
    nothing = app.get("/ui/review?client=NOBODY").text
    assert _items(nothing) == [] and "この顧問先の元帳に確認待ちの表記はありません。" in nothing


def test_the_filter_is_kept_across_pages(app: TestClient, store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(analyst_ui, "PAGE_SIZE", 3)
    _login(app, "analyst")
    first = app.get("/ui/review?client=X").text
    assert "1 / 3 ページ" in first and 'href="/ui/review?client=X&amp;page=2"' in first
    second = app.get("/ui/review?client=X&page=2").text
    assert _items(second) == _ids(store, "X")[3:6]


def test_the_firm_page_links_to_the_clients_review_items(app: TestClient, store: Store) -> None:
    for who in ("analyst", "admin"):
        _login(app, who)
        page = app.get("/ui/firms/X").text
        assert '<a href="/ui/review?client=X" class="firm-reviews">この顧問先の名寄せ確認待ち（7 件）</a>' in page, who
        assert "この顧問先の名寄せ確認待ち（2 件）" in app.get("/ui/firms/Y").text
        assert "firm-reviews" not in app.get("/ui/firms/G").text  # none waiting: no link
    assert "This client's open review items (7)" in app.get("/ui/firms/X?lang=en").text
    # a decision moves the count (the page is not kept from before it)
    _login(app, "analyst")
    csrf = _csrf(app.get("/ui/review?client=X").text)
    assert app.post(f"/ui/review/{_ids(store, 'X')[0]}/reject", data={"csrf": csrf}).status_code == 200
    assert "この顧問先の名寄せ確認待ち（6 件）" in app.get("/ui/firms/X").text
    # a credit officer never sees the review queue, nor a link to it
    _login(app, "officer_b1")
    officer = app.get("/ui/firms/X")
    assert officer.status_code == 200 and "株式会社エックス商会" in officer.text
    assert "firm-reviews" not in officer.text and "/ui/review" not in officer.text


def test_decisions_come_back_to_the_filter_and_page(app: TestClient, store: Store,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(analyst_ui, "PAGE_SIZE", 2)  # X's 7 items on 4 pages
    _login(app, "analyst")
    page2 = app.get("/ui/review?client=X&page=2").text
    item = _items(page2)[0]
    assert item == _ids(store, "X")[2]
    fields = _back_fields(page2, item)
    assert fields["client"] == "X" and fields["page"] == "2" and fields["csrf"]
    accepted = app.post(f"/ui/review/{item}/accept", data=fields, follow_redirects=False)
    assert accepted.status_code == 303 and accepted.headers["location"] == "/ui/review?client=X&page=2"
    back = app.get(accepted.headers["location"]).text
    assert "統合しました" in back and "2 / 3 ページ" in back and _items(back) == _ids(store, "X")[2:4]
    # reject too
    item = _items(back)[1]
    rejected = app.post(f"/ui/review/{item}/reject", data=_back_fields(back, item), follow_redirects=False)
    assert rejected.headers["location"] == "/ui/review?client=X&page=2"
    assert store.aliases("X")[item.rpartition(":")[2]].status == "rejected"
    # on the last page: when it empties, back to the new last page
    last = app.get("/ui/review?client=X&page=3").text
    assert "3 / 3 ページ" in last and len(_items(last)) == 1
    (item,) = _items(last)
    gone = app.post(f"/ui/review/{item}/accept", data=_back_fields(last, item), follow_redirects=False)
    assert gone.headers["location"] == "/ui/review?client=X&page=2"
    assert len(_ids(store, "X")) == 4
    # undo from the merges of the filtered page
    back = app.get(gone.headers["location"]).text
    merge = re.findall(r'<tr data-merge="([^"]+)"', back)[0]
    undo_form = back[back.index(f'<tr data-merge="{merge}"'):]
    hidden = r'<input type="hidden" name="(\w+)" value="([^"]*)"'
    fields = dict(re.findall(hidden, undo_form[:undo_form.index("</form>")]))
    undone = app.post(f"/ui/review/merges/{merge}/undo", data=fields, follow_redirects=False)
    assert undone.headers["location"] == "/ui/review?client=X&page=2"
    assert store.get_merge(merge).undone_at  # type: ignore[union-attr]
    # without a filter, on the first page: the plain queue, as before
    plain = app.get("/ui/review").text
    item = _items(plain)[0]
    r = app.post(f"/ui/review/{item}/reject", data=_back_fields(plain, item), follow_redirects=False)
    assert r.headers["location"] == "/ui/review"
    assert item.startswith("X:") and len(_ids(store, "Y")) == 2  # Y's items untouched by X's decisions


def _months_cell(page: str) -> str:
    found = re.search(r'<td class="ledger-months">(.*?)</td>', page, re.S)
    assert found, "no months on the page"
    return re.sub(r"\s+", " ", found.group(1)).strip()


def test_the_months_of_a_ledger_with_a_gap(app: TestClient) -> None:
    _login(app, "analyst")
    ja, en = locale_for("ja"), locale_for("en")

    def spaced(text: str) -> str:  # the locale's interval may have thin spaces; the page's cell is read spaced
        return re.sub(r"\s+", " ", text)

    assert _months_cell(app.get("/ui/firms/G").text) == \
        spaced(f"2025年1月 – 2025年9月（6 か月、欠落：{ja.month_span('2025-04', '2025-06')}）")
    assert ja.month_span("2025-04", "2025-06").startswith("2025年4月")
    assert _months_cell(app.get("/ui/firms/G?lang=en").text) == \
        spaced(f"Jan 2025 – Sep 2025 (6 months; missing: {en.month_span('2025-04', '2025-06')})")
    assert "Apr" in en.month_span("2025-04", "2025-06")
    # more than three gaps: the first three and how many more
    assert _months_cell(app.get("/ui/firms/H").text) == \
        "2025年1月 – 2025年9月（5 か月、欠落：2025年2月、2025年4月、2025年6月 ほか 1 件）"
    assert _months_cell(app.get("/ui/firms/H?lang=en").text) == \
        "Jan 2025 – Sep 2025 (5 months; missing: Feb 2025, Apr 2025, Jun 2025 and 1 more)"
    # a ledger without gaps: the months as before
    assert _months_cell(app.get("/ui/firms/Y").text) == "2025年4月 – 2025年4月 (1 か月)"
