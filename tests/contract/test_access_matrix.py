"""The access matrix: every role × every read endpoint × a consenting firm,
a non-consenting firm, a consenting firm whose partners did not consent and
a partner — exactly the allowed answer, on both stores, and no name, id or
amount of a hidden firm in any body (``docs/access.md``).

The region (three months, canonical ledgers through the real loader):

* C1 ``F1001`` consents to B1: sells to C2 (its ledger: 100,003/month) and
  to the non-client N1 ``F4004`` (44,021/month);
* C2 ``F2002`` consents to B2 only: its ledger records the purchase from C1
  as 130,011/month, sales to C3 of 210,011/month, sales to the non-client
  N2 ``F5005`` (777,001/month, seen by no other ledger) and cash sales
  without a counterparty (555,007/month);
* C3 ``F3003`` consents to B1, and none of its partners does: it buys from
  C2 (its ledger: 200,017/month) and from the non-client N3 ``F6006``
  (66,031/month).

Until the identity engineer's tokens exist the principal is set with a
dependency override of ``api.auth.get_principal``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.auth import get_principal
from api.settings import Settings
from ingest.load import load_file
from ingest.readers.detect import read_ledger
from queries.access import Principal, Role
from queries.model import Firm, ParameterRow
from queries.scoped import PSEUDONYM_PREFIX, ScopedStore
from queries.store import Store

C1, C2, C3, N1, N2, N3 = "F1001", "F2002", "F3003", "F4004", "F5005", "F6006"
MONTHS = ("2024-01", "2024-02", "2024-03")

MASTER = {  # the firm master's names: never shown for a firm the bank cannot see
    C1: "株式会社一号商事", C2: "株式会社二号物産", C3: "株式会社三号工業",
    N1: "株式会社北栄運輸", N2: "株式会社秘密商店", N3: "株式会社南洋資材",
}
LEDGERS: dict[str, list[tuple[str, str, str, int]]] = {
    # client: (counterparty id, spelling in this client's ledger, direction, yen per month)
    C1: [(C2, "ニゴウブッサン", "sale", 100_003), (N1, "ホクエイウンユ", "sale", 44_021)],
    C2: [(C1, "イチゴウショウジ", "purchase", 130_011), (C3, "サンゴウコウギョウ", "sale", 210_011),
         (N2, "ヒミツショウテン", "sale", 777_001), ("", "", "sale", 555_007)],
    C3: [(C2, "ニゴウ物産", "purchase", 200_017), (N3, "ナンヨウシザイ", "purchase", 66_031)],
}
CONSENT = {C1: ("B1",), C2: ("B2",), C3: ("B1",)}


def _tokens(client: str) -> set[str]:
    """What only ``client``'s ledger says: its spellings and its amounts
    (per month and summed over the three months)."""
    out: set[str] = set()
    for _, spelling, _, yen in LEDGERS[client]:
        if spelling:
            out.add(spelling)
        out |= {str(yen), str(3 * yen), f"{yen:,}"}
    return out


def build_region(store: Store, tmp: Path) -> None:
    store.upsert_firms([
        Firm(f, name=MASTER[f], industry="E", prefecture="鳥取県", is_client=f in CONSENT,
             consented_banks=CONSENT.get(f, ()))
        for f in (C1, C2, C3, N1, N2, N3)])
    store.upsert_parameters([
        ParameterRow(f, "FY2024", (("ordinary_margin_pct", m), ("profitable", 1.0)))
        for f, m in ((C1, 3.5), (C2, 9.25), (C3, 1.75))])
    tmp.mkdir(parents=True, exist_ok=True)
    for client, lines in LEDGERS.items():
        path = tmp / f"{client}.csv"
        rows = ["date,client_id,counterparty_name,counterparty_id,direction,amount"]
        for month in MONTHS:
            rows += [f"{month}-15,{client},{name},{cp},{direction},{yen}" for cp, name, direction, yen in lines]
        path.write_text("\n".join(rows) + "\n", encoding="utf-8")
        load_file(store, path, client, fmt="canonical", reader=lambda p: read_ledger(p, "canonical"),
                  rejects_dir=tmp / "rejects")


PRINCIPALS = {
    "admin": Principal("root", Role.ADMIN),
    "analyst": Principal("ana", Role.ANALYST),
    "officer_b1": Principal("o1", Role.CREDIT_OFFICER, "B1"),
    "officer_b2": Principal("o2", Role.CREDIT_OFFICER, "B2"),
    "researcher": Principal("res", Role.RESEARCHER),
}
VISIBLE = {  # firms each role may open
    "admin": {C1, C2, C3, N1, N2, N3}, "analyst": {C1, C2, C3, N1, N2, N3},
    "officer_b1": {C1, C3}, "officer_b2": {C2}, "researcher": set(),
}
HIDDEN_TOKENS = {  # never in any body of that role
    "officer_b1": {C2, N1, N2, N3, MASTER[C2], MASTER[N2], MASTER[N1], MASTER[N3]} | _tokens(C2),
    "officer_b2": {C1, C3, N1, N2, N3, MASTER[C1], MASTER[C3], MASTER[N2], MASTER[N1], MASTER[N3]}
                  | _tokens(C1) | _tokens(C3),
    "researcher": set(MASTER) | set(MASTER.values()),
}
FIRM_ENDPOINTS = ("", "/ego?hops=1", "/ego?hops=2", "/view", "/figures", "/trend", "/peers")


@pytest.fixture
def app_for(store: Store, tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, Principal]]]:
    build_region(store, tmp_path / "region")
    app = create_app(Settings(TORIHIKI_HOME=tmp_path), store=store)
    current: dict[str, Principal] = {"who": PRINCIPALS["admin"]}
    app.dependency_overrides[get_principal] = lambda: current["who"]
    with TestClient(app) as client:
        yield client, current


def _scan(role: str, body: str, where: str) -> None:
    for token in HIDDEN_TOKENS.get(role, ()):
        assert token not in body, f"{role} {where}: hidden {token!r} in the body"


def _same_as_unknown(client: TestClient, path: str, firm: str) -> None:
    """A hidden firm answers exactly like an unknown one (404, same body)."""
    hidden = client.get(path.format(firm))
    unknown = client.get(path.format("F9999"))
    assert hidden.status_code == unknown.status_code == 404, (path, firm, hidden.text)
    assert hidden.text.replace(firm, "X") == unknown.text.replace("F9999", "X")
    assert dict(hidden.headers).get("content-type") == dict(unknown.headers).get("content-type")


def test_access_matrix(app_for: tuple[TestClient, dict[str, Principal]]) -> None:
    client, current = app_for
    for role, principal in PRINCIPALS.items():
        current["who"] = principal
        visible = VISIBLE[role]
        # -- search and lists ------------------------------------------------
        for q in ("", "株式会社", "F", "号"):
            r = client.get("/firms", params={"q": q, "limit": 200})
            if role == "researcher":
                assert r.status_code == 403
                continue
            assert r.status_code == 200, r.text
            got = {f["id"] for f in r.json()["data"]}
            assert got <= visible and r.json()["count"] == len(got)
            if q in ("", "F"):
                assert got == visible
            _scan(role, r.text, f"/firms?q={q}")
        # -- every firm-level endpoint on every firm ------------------------
        for firm in (C1, C2, C3, N1, N2):
            for suffix in FIRM_ENDPOINTS:
                path = f"/firms/{{}}{suffix}"
                r = client.get(path.format(firm))
                where = f"{role} {path.format(firm)}"
                # a 404 echoes the id asked for (checked below to be the unknown firm's answer)
                _scan(role, r.text.replace(firm, "") if r.status_code == 404 else r.text, where)
                if role == "researcher":
                    assert r.status_code == 403, where
                    assert r.json()["error"] == "forbidden"
                elif firm not in visible:
                    _same_as_unknown(client, path, firm)
                elif suffix == "/peers" and firm in (N1, N2):
                    assert r.status_code == 422, where  # not a client
                else:
                    assert r.status_code == 200, (where, r.text)
                    if suffix != "/view":
                        assert r.json()["access"]["scope"] == ("bank" if role.startswith("officer")
                                                               else "operator")
        # -- what-if -----------------------------------------------------------
        _whatif(client, role)
        # -- cross-firm analytics -------------------------------------------
        r = client.get("/analytics/correlation")
        assert r.status_code == 200, (role, r.text)
        n = {"admin": 3, "analyst": 3, "officer_b1": 2, "officer_b2": 1, "researcher": 3}[role]
        assert r.json()["n"] == n
        _scan(role, r.text, "/analytics/correlation")
        r = client.get("/analytics/reconcile", params={"tolerance_pct": 0, "tolerance_yen": 0})
        if role == "researcher":
            assert r.status_code == 403
        else:
            assert r.status_code == 200, r.text
            pairs = {(d["seller"], d["buyer"]) for d in r.json()["disagreements"]}
            expected = {(C1, C2), (C2, C3)} if role in ("admin", "analyst") else set()
            assert pairs == expected, (role, pairs)
            _scan(role, r.text, "/analytics/reconcile")


def _whatif(client: TestClient, role: str) -> None:
    if role == "researcher":
        assert client.get(f"/firms/{C1}/whatif", params={"fails": C2}).status_code == 403
        return
    if role in ("admin", "analyst"):
        r = client.get(f"/firms/{C1}/whatif", params={"fails": C2})
        assert r.status_code == 200, r.text
        return
    focal = C1 if role == "officer_b1" else C2
    hidden_partner = C2 if role == "officer_b1" else C1
    ego = client.get(f"/firms/{focal}/ego").json()
    partners = [n["id"] for n in ego["nodes"] if n["id"] != focal]
    assert partners and all(p.startswith(PSEUDONYM_PREFIX) for p in partners)
    for p in partners:
        r = client.get(f"/firms/{focal}/whatif", params={"fails": p})
        assert r.status_code in (200, 422), r.text  # 422: an assumption the data cannot meet
        _scan(role, r.text, f"whatif {p}")
        # a partner's pseudonym is no firm the bank may open
        _same_as_unknown(client, "/firms/{}", p)
    hidden = client.get(f"/firms/{focal}/whatif", params={"fails": hidden_partner})
    unknown = client.get(f"/firms/{focal}/whatif", params={"fails": "F9999"})
    assert hidden.status_code == unknown.status_code == 404
    assert hidden.text.replace(hidden_partner, "X") == unknown.text.replace("F9999", "X")


def test_officer_sees_its_clients_own_ledger(app_for: tuple[TestClient, dict[str, Principal]]) -> None:
    """B1 sees C1's partners as C1's ledger names them, with C1's figures;
    C2's side of the same flow, and C2's other trade, stay hidden."""
    client, current = app_for
    current["who"] = PRINCIPALS["officer_b1"]
    ego = client.get(f"/firms/{C1}/ego", params={"hops": 2}).json()
    names = {n["name"] for n in ego["nodes"]}
    assert names == {MASTER[C1], "ニゴウブッサン", "ホクエイウンユ", MASTER[C3]}
    amounts = {(e["source"], e["target"]): e["amount"] for e in ego["edges"]}
    c2 = next(n["id"] for n in ego["nodes"] if n["name"] == "ニゴウブッサン")
    assert amounts[(C1, c2)] == 3 * 100_003  # C1's own figure, not C2's larger one
    assert amounts[(c2, C3)] == 3 * 200_017  # C3 consented: its ledger's figure
    node = next(n for n in ego["nodes"] if n["id"] == c2)
    assert node["industry"] is None and node["is_client"] is None  # not told: not "not a client"
    assert ego["access"]["bank"] == "B1" and ego["access"]["masked"]
    # the same partner has the same pseudonym in C3's network, for B1 only
    ego3 = client.get(f"/firms/{C3}/ego").json()
    assert c2 in {n["id"] for n in ego3["nodes"]}
    current["who"] = PRINCIPALS["officer_b2"]
    assert client.get(f"/firms/{C2}/whatif", params={"fails": c2}).status_code == 404
    # B2 sees C2's own ledger: its figure of the flow from C1, its cash sales
    ego2 = client.get(f"/firms/{C2}/ego").json()
    amounts2 = {e["amount"] for e in ego2["edges"]}
    assert 3 * 130_011 in amounts2 and 3 * 777_001 in amounts2
    fig = client.get(f"/firms/{C2}/figures").json()
    assert fig["coverage"]["sales"]["unnamed_yen"] == 3 * 555_007


def test_caches_never_cross_scopes(app_for: tuple[TestClient, dict[str, Principal]]) -> None:
    """An answer cached for one scope is never served to another."""
    client, current = app_for
    bodies = {}
    for role in ("admin", "officer_b1", "analyst", "officer_b1"):
        current["who"] = PRINCIPALS[role]
        bodies[role] = client.get(f"/firms/{C1}/ego", params={"hops": 2}).text
        _scan(role, bodies[role], "cached ego")
    assert bodies["admin"] == bodies["analyst"] != bodies["officer_b1"]
    current["who"] = PRINCIPALS["officer_b2"]
    assert client.get(f"/firms/{C1}/ego", params={"hops": 2}).status_code == 404


def test_pseudonyms_are_bound_to_the_bank(app_for: tuple[TestClient, dict[str, Principal]]) -> None:
    client, current = app_for
    current["who"] = PRINCIPALS["officer_b1"]
    ids_b1 = {n["id"] for n in client.get(f"/firms/{C3}/ego").json()["nodes"]}
    current["who"] = PRINCIPALS["officer_b2"]
    ids_b2 = {n["id"] for n in client.get(f"/firms/{C2}/ego").json()["nodes"]}
    assert not (ids_b1 & ids_b2)
    for p in (i for i in ids_b1 if i.startswith(PSEUDONYM_PREFIX)):
        r = client.get(f"/firms/{C2}/whatif", params={"fails": p})
        assert r.status_code == 404
    assert all(re.fullmatch(r"p-[a-z2-7]+", i) for i in ids_b1 if i.startswith(PSEUDONYM_PREFIX))


def test_a_revocation_takes_effect_on_the_next_request(
        app_for: tuple[TestClient, dict[str, Principal]], store: Store) -> None:
    """Consent changes are writes: cached scoped answers do not outlive them."""
    from queries.identity import ConsentEvent

    client, current = app_for
    current["who"] = PRINCIPALS["officer_b1"]
    before = client.get(f"/firms/{C1}/ego", params={"hops": 2})
    assert before.status_code == 200 and C3 in before.text
    store.change_consent([ConsentEvent(C3, "B1", "revoke", "test")])
    after = client.get(f"/firms/{C1}/ego", params={"hops": 2})
    assert after.status_code == 200
    for token in (C3, MASTER[C3], *_tokens(C3)):
        assert token not in after.text, token
    assert client.get(f"/firms/{C3}/ego").status_code == 404
    assert {f["id"] for f in client.get("/firms").json()["data"]} == {C1}


def test_answers_rendered_for_a_bank_reach_its_officers_only(
        app_for: tuple[TestClient, dict[str, Principal]], store: Store, tmp_path: Path) -> None:
    """The networks rendered at load time for a bank's officers (each client
    it may see) are served to that bank's officers alone, and betray nothing
    hidden from it; its scope reads them by name, and no other stored entry."""
    from api.firm_pages import stored_key
    from api.precompute import officer_ego, precompute_answers

    client, current = app_for
    settings = Settings(TORIHIKI_HOME=tmp_path)  # type: ignore[call-arg]
    info = precompute_answers(store, settings, firms=0)
    assert info["officer_egos"] == 3  # C1 and C3 for B1, C2 for B2
    for role in ("admin", "analyst", "officer_b1", "officer_b2"):  # the researcher: no firm-level answer
        current["who"] = PRINCIPALS[role]
        for firm in (C1, C2, C3):
            r = client.get(f"/firms/{firm}/ego")
            if firm in VISIBLE[role]:
                assert r.status_code == 200, (role, firm)
                _scan(role, r.text, f"stored ego of {firm}")
            else:
                _same_as_unknown(client, "/firms/{}/ego", firm)
    own = stored_key(officer_ego(store, "B1", C1, settings.max_ego_nodes)[0])
    analysts = stored_key(f"ego|{C1}|1|None|None|{settings.max_ego_nodes}")
    assert store.get_analytics(own) is not None and store.get_analytics(analysts) is not None
    readers = {role: ScopedStore(store, PRINCIPALS[role]) for role in ("officer_b1", "officer_b2", "researcher")}
    assert readers["officer_b1"].get_analytics(own) is not None
    assert readers["officer_b2"].get_analytics(own) is None and readers["researcher"].get_analytics(own) is None
    assert all(r.get_analytics(analysts) is None for r in readers.values())


def test_lines_without_a_partner_reach_the_banks_that_see_the_client(
        app_for: tuple[TestClient, dict[str, Principal]], store: Store) -> None:
    """A client's cash sales (lines naming no partner) are scoped as its
    ledger is: the trend reads them alone (``unnamed_totals``), not the whole
    ledger's sums, and a bank that does not see the client gets none."""
    client, current = app_for
    full = store.unnamed_totals([C2])[C2]
    assert full["unnamed_sales"] == dict.fromkeys(MONTHS, 555_007)
    b1, b2 = ScopedStore(store, PRINCIPALS["officer_b1"]), ScopedStore(store, PRINCIPALS["officer_b2"])
    assert b2.unnamed_totals([C2]) == {C2: full}
    assert b1.unnamed_totals([C2]) == {C2: {"unnamed_sales": {}, "unnamed_purchases": {}}} and b1.ledger_sums(C2) == {}
    assert b1.unnamed_totals([]) == {}
    for role in ("analyst", "officer_b2"):
        current["who"] = PRINCIPALS[role]
        trend = client.get(f"/firms/{C2}/trend").json()
        named = sum(p["sales_to"] for p in trend["partners"])
        assert sum(r["firm_sales"] for r in trend["series"]) - named == 3 * 555_007, role
