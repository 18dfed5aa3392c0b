"""A partner that did not consent is named, on a borrower's answers, as the
borrower's own ledger spells it (docs/access.md, rule 2), on both stores.

Two clients consent to bank B1 and both buy from H, a client that did not
consent: ``K2`` writes it ``株式会社比村工業``, ``K1`` (first by client
id) writes it ``（株）比村工業``. On K2's page, network, memo and
stored answers H is ``株式会社比村工業``; on K1's, as K1 writes it. Before,
whichever visible ledger of the request came first by client id named it:
K1's spelling on K2's own pages.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.identity import set_password
from api.precompute import officer_ego
from api.service import ingest_file
from api.settings import Settings
from queries.access import SYSTEM
from queries.model import Firm
from queries.store import Store
from tests.conftest import make_tokens
from tests.integration.test_ui_analyst import _csrf

PASSWORD = "correct horse battery staple"
RIGHT, WRONG = "株式会社比村工業", "（株）比村工業"


def _ledger(path: Path, name: str, months: list[str]) -> Path:
    path.write_text("date,counterparty_name,direction,amount\n"
                    + "".join(f"{m}-15,{name},purchase,800000\n{m}-20,株式会社共通商事,sale,900000\n"
                              for m in months), encoding="utf-8")
    return path


@pytest.fixture
def app(store: Store, tmp_path: Path) -> Iterator[TestClient]:
    store.upsert_firms([Firm("K1", "株式会社甲一", is_client=True, consented_banks=("B1",)),
                        Firm("K2", "株式会社甲二", is_client=True, consented_banks=("B1",)),
                        Firm("H", RIGHT, is_client=True)])
    months = [f"2025-{m:02d}" for m in range(1, 7)]
    ingest_file(store, _ledger(tmp_path / "k1.csv", WRONG, months), "K1", None, tmp_path / "rejects")
    ingest_file(store, _ledger(tmp_path / "k2.csv", RIGHT, months), "K2", None, tmp_path / "rejects")
    # H's own ledger: it sells to both (so that its firm is the same in both ledgers)
    (tmp_path / "h.csv").write_text("date,counterparty_name,direction,amount\n" + "".join(
        f"{m}-15,株式会社甲一,sale,800000\n{m}-15,株式会社甲二,sale,800000\n" for m in months), encoding="utf-8")
    ingest_file(store, tmp_path / "h.csv", "H", None, tmp_path / "rejects")
    make_tokens(store)
    set_password(store, "officer_b1", PASSWORD, SYSTEM)
    with TestClient(create_app(Settings(TORIHIKI_HOME=tmp_path / "home"), store=store)) as c:  # type: ignore[call-arg]
        c.cookies.clear()
        r = c.post("/login", data={"name": "officer_b1", "password": PASSWORD, "csrf": _csrf(c.get("/login").text)},
                   follow_redirects=False)
        assert r.status_code == 303
        yield c


def _hidden_names(answer: dict[str, object]) -> set[str]:
    nodes = answer["nodes"]
    assert isinstance(nodes, list)
    return {str(n.get("name")) for n in nodes if str(n["id"]).startswith("p-")} - {"株式会社共通商事"}


def test_the_borrowers_own_spelling_names_a_hidden_partner(app: TestClient, store: Store) -> None:
    # both ledgers did record H as one firm (its pseudonym is the same on both answers)
    k1, k2 = app.get("/firms/K1/ego").json(), app.get("/firms/K2/ego").json()
    assert _hidden_names(k2) == {RIGHT}
    assert _hidden_names(k1) == {WRONG}
    for hops in (2,):
        assert RIGHT in _hidden_names(app.get(f"/firms/K2/ego?hops={hops}").json())
    page = app.get("/ui/firms/K2").text
    assert RIGHT in page and WRONG not in page
    memo = app.get("/firms/K2/report").text
    assert RIGHT in memo and WRONG not in memo
    assert WRONG in app.get("/ui/firms/K1").text


def test_the_stored_answer_for_the_bank_names_it_the_same(app: TestClient, store: Store) -> None:
    import gzip
    import json

    _key, render = officer_ego(store, "B1", "K2", 500)
    assert _hidden_names(json.loads(gzip.decompress(render().gzipped))) == {RIGHT}
