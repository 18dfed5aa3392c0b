"""The network view (``GET /firms/{id}/view``, ``/view/expand``) on both real stores.

The region, loaded through the real loader from canonical ledgers (three months):

* the client K ``F0100`` (consents to bank B1) sells to 30 customers
  ``F1001…F1030``, buys from 15 suppliers ``F2001…F2015`` and both sells to
  and buys from ``F3001``: 46 partners, more than the 40 drawn;
* its largest customer, the client B ``F1001`` (consents to B1), sells to 80
  firms of its own ``F5001…F5080`` — the second hop that used to swamp the
  view — one of them loss-making;
* ``F1002`` carries a hostile name (markup, a right-to-left override, a bell);
  ``F1003`` is loss-making (an ordinary loss in its parameters).

Only K and B consent, so a credit officer of B1 sees every other partner
under a pseudonym.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from ingest.load import load_file
from ingest.readers.detect import read_ledger
from queries.model import Firm, ParameterRow
from queries.store import Store
from tests.conftest import make_tokens, outside_references, without_csrf

K, B = "F0100", "F1001"
CUSTOMERS = [f"F{1001 + i}" for i in range(30)]
SUPPLIERS = [f"F{2001 + i}" for i in range(15)]
BOTH = "F3001"
SECOND = [f"F{5001 + i}" for i in range(80)]
HOSTILE_ID = "F1002"
HOSTILE = '<img src=x onerror=alert(1)>\u202e悪意商事\u0007</script>'
LOSS = "F1003"
LOSS_SECOND = "F5002"
MONTHS = ("2024-01", "2024-02", "2024-03")


def _ledger(tmp: Path, client: str, lines: list[tuple[str, str, str, int]]) -> Path:
    rows = ["date,client_id,counterparty_name,counterparty_id,direction,amount"]
    for month in MONTHS:
        rows += [f"{month}-15,{client},{name},{cp},{direction},{yen}" for cp, name, direction, yen in lines]
    path = tmp / f"{client}.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def _csv_name(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def build_region(store: Store, tmp: Path) -> None:
    names = {f: f"株式会社取引先{f[1:]}" for f in [*CUSTOMERS, *SUPPLIERS, BOTH, *SECOND]}
    names[HOSTILE_ID] = HOSTILE
    store.upsert_firms([Firm(K, name="株式会社中心商事", industry="E", is_client=True, consented_banks=("B1",)),
                        Firm(B, name=names[B], industry="E", is_client=True, consented_banks=("B1",))]
                       + [Firm(f, name=n) for f, n in names.items() if f != B])
    store.upsert_parameters([ParameterRow(LOSS, "FY2023", (("profitable", 0.0),)),
                             ParameterRow(LOSS_SECOND, "FY2023", (("profitable", 0.0),))])
    tmp.mkdir(parents=True, exist_ok=True)
    k_lines = [(c, _csv_name(names[c]), "sale", 9_000_000 - 100_000 * i) for i, c in enumerate(CUSTOMERS)]
    k_lines += [(s, _csv_name(names[s]), "purchase", 1_000_000 - 10_000 * i) for i, s in enumerate(SUPPLIERS)]
    k_lines += [(BOTH, names[BOTH], "sale", 5_000_000), (BOTH, names[BOTH], "purchase", 400_000)]
    b_lines = [(s, names[s], "sale", 200_000 + 1_000 * i) for i, s in enumerate(SECOND)]
    b_lines += [(K, "株式会社中心商事", "purchase", 9_000_000)]
    for client, lines in ((K, k_lines), (B, b_lines)):
        load_file(store, _ledger(tmp, client, lines), client, fmt="canonical",
                  reader=lambda p: read_ledger(p, "canonical"), rejects_dir=tmp / "rejects")


@pytest.fixture
def region(store: Store, tmp_path: Path) -> Iterator[tuple[Store, dict[str, dict[str, str]], Path]]:
    build_region(store, tmp_path / "region")
    yield store, make_tokens(store), tmp_path


@pytest.fixture
def client(region: tuple[Store, dict[str, dict[str, str]], Path]) -> Iterator[TestClient]:
    store, tokens, tmp = region
    with TestClient(create_app(Settings(TORIHIKI_HOME=tmp), store=store),  # type: ignore[call-arg]
                    headers=tokens["analyst"]) as c:
        yield c


def graph_of(page: str) -> dict[str, Any]:
    found = re.search(r'<script type="application/json" id="network-data">(.*?)</script>', page, re.S)
    assert found, "no JSON block with the graph"
    data: dict[str, Any] = json.loads(found.group(1))
    return data


def kinds(graph: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [n for n in graph["nodes"] if n.get("kind") == kind]


def test_the_firm_is_at_the_centre_and_partners_on_a_ring_by_role(client: TestClient) -> None:
    r = client.get(f"/firms/{K}/view")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    g = graph_of(r.text)
    (ego,) = kinds(g, "ego")
    assert (ego["x"], ego["y"]) == (0, 0) and ego["label"] == "株式会社中心商事"
    assert g["options"]["physics"] is False
    partners = kinds(g, "partner")
    assert len(partners) == 40  # the cap
    radii = {round((n["x"] ** 2 + n["y"] ** 2) ** 0.5) for n in partners}
    assert len(radii) == 1 and radii.pop() >= 260  # one ring around the firm
    customers = [n for n in partners if n["role"] == "customer"]
    suppliers = [n for n in partners if n["role"] == "supplier"]
    assert customers and suppliers
    assert sum(n["x"] for n in customers) > 0 > sum(n["x"] for n in suppliers)  # right and left
    biggest = next(n for n in partners if n["ref"] == B)
    assert biggest["size"] == max(n["size"] for n in partners)  # size by yen


def test_partners_above_the_cap_are_folded_per_role_with_their_yen(client: TestClient) -> None:
    g = graph_of(client.get(f"/firms/{K}/view").text)
    folds = {n["role"]: n for n in kinds(g, "fold")}
    drawn = {n["ref"] for n in kinds(g, "partner")}
    assert len(drawn) + sum(f["count"] for f in folds.values()) == 46
    # the six smallest are suppliers: 1,000,000 − 10,000·i yen a month for i = 9…14
    assert set(folds) == {"supplier"} and folds["supplier"]["count"] == 6
    assert folds["supplier"]["yen"] == 3 * sum(1_000_000 - 10_000 * i for i in range(9, 15))
    assert folds["supplier"]["label"].startswith("ほか 6 社")
    assert not set(SUPPLIERS[9:]) & drawn


def test_two_hops_summarise_the_second_hop_instead_of_drawing_it(client: TestClient) -> None:
    r = client.get(f"/firms/{K}/view", params={"hops": 2})
    g = graph_of(r.text)
    summaries = kinds(g, "summary")
    assert not kinds(g, "second")  # no second-hop firm drawn by default …
    assert len(summaries) + len(kinds(g, "second")) <= 50
    (summary,) = summaries  # … one summary: only B's ledger records a second hop
    assert summary["ref"] == B and summary["count"] == 80 and summary["distressed"] == 1
    assert summary["yen"] == 3 * sum(200_000 + 1_000 * i for i in range(80))
    assert "2次取引先 80 社" in summary["label"] and "悪化の兆候 1 社" in summary["label"]
    assert len(g["nodes"]) <= 45
    assert "2次取引先" in r.text  # the facts in the side panel


def test_expanding_a_partner_returns_its_second_hop_placed_beyond_it(client: TestClient) -> None:
    g = graph_of(client.get(f"/firms/{K}/view", params={"hops": 2}).text)
    partner = next(n for n in kinds(g, "partner") if n["ref"] == B)
    r = client.get(f"/firms/{K}/view/expand", params={"via": B})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["via_node"] == partner["id"] and body["count"] == 80 and body["more"] == 0
    firms = {n["ref"] for n in body["nodes"] if n["kind"] == "second"}
    assert firms == set(SECOND)
    assert all(e["from"] == partner["id"] for e in body["edges"])
    ring = (partner["x"] ** 2 + partner["y"] ** 2) ** 0.5
    assert all((n["x"] ** 2 + n["y"] ** 2) ** 0.5 > ring for n in body["nodes"])  # outside the ring
    loss = next(n for n in body["nodes"] if n.get("ref") == LOSS_SECOND)
    assert loss["distress"] == ["loss_making"]
    assert body["access"]["scope"] == "operator"
    # a limit folds the rest into one node with their count and yen
    small = client.get(f"/firms/{K}/view/expand", params={"via": B, "limit": 30}).json()
    (more,) = [n for n in small["nodes"] if n["kind"] == "fold"]
    assert small["shown"] == 30 and more["count"] == 50 and "ほか 50 社" in more["label"]
    # a partner with no second hop: an empty answer; not a drawn partner: 404
    assert client.get(f"/firms/{K}/view/expand", params={"via": CUSTOMERS[5]}).json()["nodes"] == []
    assert client.get(f"/firms/{K}/view/expand", params={"via": SECOND[0]}).status_code == 404
    assert client.get(f"/firms/{K}/view/expand", params={"via": SUPPLIERS[-1]}).status_code == 404  # folded
    assert client.get("/firms/NOPE/view/expand", params={"via": B}).status_code == 404


def test_distressed_partners_are_coloured(client: TestClient) -> None:
    from api.network_view import COLOURS

    g = graph_of(client.get(f"/firms/{K}/view").text)
    loss = next(n for n in kinds(g, "partner") if n["ref"] == LOSS)
    assert loss["distress"] == ["loss_making"] and loss["color"]["background"] == COLOURS["warn"]
    healthy = next(n for n in kinds(g, "partner") if n["ref"] == CUSTOMERS[10])
    assert healthy["color"]["background"] == COLOURS["customer"] and not healthy["distress"]


def test_a_hostile_name_stays_text(client: TestClient) -> None:
    r = client.get(f"/firms/{K}/view")
    page = r.text
    assert "script-src 'self'" in r.headers["content-security-policy"]
    assert "<img src=x" not in page and "</script>\u202e" not in page and "\u202e" not in page
    assert outside_references(page) == [] and "https://" not in page
    assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", page)  # no inline script
    g = graph_of(page)
    hostile = next(n for n in kinds(g, "partner") if n["ref"] == HOSTILE_ID)
    assert hostile["label"].startswith("<img src=x")  # drawn on the canvas as text
    assert "\u202e" not in hostile["label"] + hostile["title"] and "\u0007" not in hostile["title"]
    assert len(hostile["label"]) <= 18 and hostile["label"].endswith("…")
    assert client.get("/static/vendor/vis-network/vis-network.min.js").status_code == 200
    assert client.get("/static/network-view.js").status_code == 200


def test_japanese_by_default_english_with_lang(client: TestClient) -> None:
    ja = client.get(f"/firms/{K}/view", params={"hops": 2}).text
    assert "凡例" in ja and "得意先" in ja and '<html lang="ja">' in ja
    assert "ほか 6 社" in graph_of(ja)["nodes"][-1]["label"] or any(
        "ほか" in n["label"] for n in graph_of(ja)["nodes"])
    en = client.get(f"/firms/{K}/view", params={"hops": 2, "lang": "en"}).text
    assert "Legend" in en and '<html lang="en">' in en and "凡例" not in en
    g = graph_of(en)
    assert any(n["label"].startswith("and 6 more firms") for n in kinds(g, "fold"))
    assert "80 partners of this partner" in kinds(g, "summary")[0]["label"]
    expand = client.get(f"/firms/{K}/view/expand", params={"via": B, "limit": 10, "lang": "en"}).json()
    assert any(n["label"].startswith("and 70 more firms") for n in expand["nodes"])


def test_the_full_page_has_the_frame_and_embed_has_not(client: TestClient) -> None:
    full = client.get(f"/firms/{K}/view")
    assert 'class="topbar"' in full.text and f'href="/ui/firms/{K}"' in full.text
    embed = client.get(f"/firms/{K}/view", params={"embed": 1})
    assert embed.status_code == 200 and 'class="topbar"' not in embed.text
    assert "frame-ancestors 'self'" in embed.headers["content-security-policy"]
    assert graph_of(embed.text) == graph_of(full.text)
    assert "embed=1" in embed.text  # the hop links stay embedded


def test_a_credit_officer_sees_pseudonyms_never_registered_names(region: tuple[Store, dict[str, dict[str, str]], Path]) -> None:
    store, tokens, tmp = region
    with TestClient(create_app(Settings(TORIHIKI_HOME=tmp), store=store),  # type: ignore[call-arg]
                    headers=tokens["officer_b1"]) as c:
        r = c.get(f"/firms/{K}/view", params={"hops": 2})
        assert r.status_code == 200, r.text
        g = graph_of(r.text)
        partners = kinds(g, "partner")
        masked = [n for n in partners if n["masked"]]
        assert masked and all(n["ref"].startswith("p-") for n in masked)
        # labelled as K's own ledger spells them, marked undisclosed (as on the firm page and memo)
        assert all(n["label"].endswith("\n(仮名)") for n in masked), [n["label"] for n in masked]
        assert all("仮名で表示の取引先" in n["title"] and "p-" in n["title"] for n in masked)
        assert {n["color"]["background"] for n in masked} == {"#9e9e9e"}
        assert all(not n["distress"] for n in masked)  # a hidden firm's signals are not shown
        page = without_csrf(r.text)
        for f in [*CUSTOMERS[1:], *SUPPLIERS, BOTH, *SECOND]:
            assert f not in page
        assert "仮名" in r.text
        # B consented: its second hop is shown, under pseudonyms
        visible = next(n for n in partners if n["ref"] == B)
        expand = c.get(f"/firms/{K}/view/expand", params={"via": B})
        assert all(f not in expand.text for f in SECOND)  # ids never; names only as B's ledger spells them
        body = expand.json()
        assert body["via_node"] == visible["id"] and body["count"] == 80
        assert all(n["ref"].startswith("p-") and "仮名" in n["label"] for n in body["nodes"])
        assert body["access"]["scope"] == "bank"
        # a pseudonymised partner expands through what visible ledgers say (nothing here)
        hidden = masked[0]["ref"]
        assert c.get(f"/firms/{K}/view/expand", params={"via": hidden}).json()["nodes"] == []
        assert c.get(f"/firms/{SECOND[0]}/view").status_code == 404  # a hidden firm is an unknown firm
    with TestClient(create_app(Settings(TORIHIKI_HOME=tmp), store=store),  # type: ignore[call-arg]
                    headers=tokens["researcher"]) as c:
        assert c.get(f"/firms/{K}/view").status_code == 403
        assert c.get(f"/firms/{K}/view/expand", params={"via": B}).status_code == 403


def test_view_reads_are_audited(client: TestClient, region: tuple[Store, dict[str, dict[str, str]], Path]) -> None:
    store = region[0]
    client.get(f"/firms/{K}/view")
    client.get(f"/firms/{K}/view/expand", params={"via": B})
    client.app.state.audit_buffer.flush()  # type: ignore[attr-defined]
    entries, _ = store.audit_log(firm_id=K, action="firm.view")
    assert len(entries) >= 2 and all(e.outcome == "ok" for e in entries)


def test_a_month_window_narrows_the_view_and_its_expansion(client: TestClient) -> None:
    g = graph_of(client.get(f"/firms/{K}/view", params={"hops": 2, "from": "2024-02", "to": "2024-03"}).text)
    (summary,) = kinds(g, "summary")
    assert summary["yen"] == 2 * sum(200_000 + 1_000 * i for i in range(80))  # two of the three months
    fold = kinds(g, "fold")[0]
    assert fold["yen"] == 2 * sum(1_000_000 - 10_000 * i for i in range(9, 15))
    body = client.get(f"/firms/{K}/view/expand", params={"via": B, "from": "2024-02", "to": "2024-03"}).json()
    assert body["yen"] == summary["yen"] and body["count"] == 80
    assert client.get(f"/firms/{K}/view", params={"from": "2024-03", "to": "2024-01"}).status_code == 422
    assert client.get(f"/firms/{K}/view", params={"hops": 3}).status_code == 422
    assert client.get(f"/firms/{K}/view/expand", params={"via": B, "limit": 0}).status_code == 422


def test_new_parameters_show_at_the_next_request(region: tuple[Store, dict[str, dict[str, str]], Path]) -> None:
    """The view's model and the parameters it reads are kept per data version: a write shows
    (at once here: the data version is read on every request)."""
    store, tokens, tmp = region
    settings = Settings(TORIHIKI_HOME=tmp, TORIHIKI_CACHE_VERSION_SECONDS=0)  # type: ignore[call-arg]
    with TestClient(create_app(settings, store=store), headers=tokens["analyst"]) as c:
        def partner() -> dict[str, Any]:
            graph = graph_of(c.get(f"/firms/{K}/view").text)
            return next(n for n in kinds(graph, "partner") if n["ref"] == CUSTOMERS[10])

        assert not partner()["distress"]
        store.upsert_parameters([ParameterRow(CUSTOMERS[10], "FY2023", (("profitable", 0.0),))])
        assert partner()["distress"] == ["loss_making"]
