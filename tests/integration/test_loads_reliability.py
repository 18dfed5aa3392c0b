"""The loads pages when a load has not finished, on both stores (from a
reliability review):

* a load still marked ``loading`` (being written, or interrupted) is not
  rolled back from its page: the page says why and how to finish it, and
  the load's rows stay (a rollback while it wrote left rows that could no
  longer be removed);
* the message of a file just loaded waits for its load's page: opened
  first (another tab), the loads list neither shows it nor fails on it.
"""

from __future__ import annotations

from pathlib import Path

from queries.model import BatchInfo, Firm, TradeRow
from queries.store import Store
from tests.integration.test_ui_analyst import _app_client, _csrf, _login, _settings


def test_a_load_still_loading_is_not_rolled_back_from_its_page(store: Store, tmp_path: Path) -> None:
    store.upsert_firms([Firm("A", "株式会社エー", is_client=True)])
    store.begin_batch(BatchInfo("b1", "b1" * 32, "f.csv", "A", "canonical", started_at="2025-01-01T00:00:00"))
    store.upsert_firms([Firm("B", name="株式会社ビー")], batch_id="b1")
    store.write_chunk("b1", 0, [TradeRow("A", "B", "2025-04", "A", 1000, 1)], [])
    with _app_client(store, _settings(tmp_path)) as c:
        _login(c, "analyst")
        page = c.get("/ui/loads/b1")
        assert page.status_code == 200 and "この取込はまだ終わっていません" in page.text
        assert 'action="/ui/loads/b1/rollback"' not in page.text  # no form offered
        r = c.post("/ui/loads/b1/rollback", data={"csrf": _csrf(page.text), "confirm": "yes"},
                   follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/ui/loads/b1"
        assert "取込は取り消していません。まだ終わっていないためです" in c.get("/ui/loads/b1").text
    assert store.get_batch("b1") is not None and store.counts()["trades"] == 1  # nothing removed
    (entry, *_), _ = store.audit_log(user="analyst", action="batch.rollback")
    assert entry.outcome == "invalid"


def test_the_list_leaves_a_load_pages_message_for_it(store: Store, tmp_path: Path) -> None:
    store.upsert_firms([Firm("A", "株式会社エー", is_client=True)])
    ledger = tmp_path / "a.csv"
    ledger.write_text("date,counterparty_name,direction,amount\n2025-01-10,株式会社ビー,sale,1000\n",
                      encoding="utf-8")
    with _app_client(store, _settings(tmp_path)) as c:
        _login(c, "analyst")
        form = c.get("/ui/loads")
        with ledger.open("rb") as f:
            r = c.post("/ui/loads", data={"csrf": _csrf(form.text), "client_id": "A"},
                       files={"file": ("a.csv", f, "text/csv")}, follow_redirects=False)
        assert r.status_code == 303
        batch = r.headers["location"].rsplit("/", 1)[-1]
        listed = c.get("/ui/loads")  # opened before the redirect is followed
        assert listed.status_code == 200 and "取り込みませんでした" not in listed.text
        shown = c.get(f"/ui/loads/{batch}").text  # the message is still there for its page
        assert "a.csv を取り込みました：取込 1 行" in shown
