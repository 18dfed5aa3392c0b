"""Answers cached by data version, precomputed at load time for the busiest
firms, and refreshed when the data changes — on both real stores."""

from __future__ import annotations

import time
from pathlib import Path

import orjson
import pytest
from fastapi.testclient import TestClient

from api import analytics, service
from api.app import create_app
from api.identity import set_active
from api.precompute import precompute_answers, two_hop_precomputed
from api.settings import Settings
from queries.access import SYSTEM
from queries.model import Firm
from queries.store import Store
from tests.conftest import make_tokens
from tests.contract.test_store_contract import load_sample


@pytest.fixture
def loaded(store: Store, tmp_path: Path) -> Store:
    load_sample(store, tmp_path)
    return store


def _client(store: Store, tmp_path: Path, **env: object) -> TestClient:
    settings = Settings(TORIHIKI_HOME=tmp_path, TORIHIKI_CACHE_VERSION_SECONDS=0, **env)  # type: ignore[arg-type]
    return TestClient(create_app(settings, store=store), headers=make_tokens(store)["analyst"])


def _count_egos(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The firms whose ego network is computed from now on (not read from the store), in order."""
    real_ego = service.ego
    calls: list[str] = []

    def counted(store: object, firm_id: str, *args: object, **kwargs: object) -> object:
        calls.append(firm_id)
        return real_ego(store, firm_id, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(service, "ego", counted)
    return calls


def test_answers_precomputed_at_load_are_served_until_the_data_changes(
        loaded: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = Settings(TORIHIKI_HOME=tmp_path)  # type: ignore[call-arg]
    (busiest, partners), *_ = loaded.busiest_firms(3)
    assert partners >= 5
    with _client(loaded, tmp_path, TORIHIKI_CACHE_MIB=0) as client:
        computed = client.get(f"/firms/{busiest}/ego").content
        trend = client.get(f"/firms/{busiest}/trend").json()
    info = precompute_answers(loaded, settings, firms=3)
    assert info["firms"] == 3 and info["answers"] >= 9

    def fail(*_: object, **__: object) -> None:
        raise AssertionError("computed, not read from the store")

    monkeypatch.setattr(service, "ego", fail)
    with _client(loaded, tmp_path, TORIHIKI_CACHE_MIB=0) as client:
        r = client.get(f"/firms/{busiest}/ego", params={"hops": 1})
        assert r.status_code == 200 and r.content == computed  # the same bytes the API renders
        assert client.get(f"/firms/{busiest}/trend").json() == trend
        view = client.get(f"/firms/{busiest}/view")
        assert view.status_code == 200 and view.headers["content-type"].startswith("text/html")
        assert "Content-Security-Policy" in view.headers
        loaded.upsert_firms([Firm("NEW", name="新しい会社")])  # any write: a new data version
        # the render stub ran (it raises "computed"): answered as an unexpected error
        assert client.get(f"/firms/{busiest}/ego").status_code == 500


def test_every_clients_network_is_precomputed_and_served_as_rendered(
        loaded: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """After a load, each client firm's default ego network is stored as the
    API renders it and served from the store; a server told not to serve
    stored answers, and a scoped (officer's) request when no bank's answers
    were rendered, compute it."""
    clients = sorted(f.id for f in loaded.all_firms() if f.is_client)
    assert len(clients) >= 2
    with _client(loaded, tmp_path, TORIHIKI_CACHE_MIB=0) as client:
        computed = {f: client.get(f"/firms/{f}/ego").content for f in clients}
    off = precompute_answers(loaded, Settings(TORIHIKI_HOME=tmp_path, TORIHIKI_PRECOMPUTE_CLIENTS=0),  # type: ignore[call-arg]
                             firms=0)
    assert off["client_egos"] == 0 and off["answers"] == 0
    one_hop = Settings(TORIHIKI_HOME=tmp_path, TORIHIKI_PRECOMPUTE_TWO_HOP=0,  # type: ignore[call-arg]
                       TORIHIKI_PRECOMPUTE_OFFICERS=0)
    info = precompute_answers(loaded, one_hop, firms=0)
    assert info["client_egos"] == len(clients) == info["answers"] and info["bytes"] > 0
    assert info["client_egos_two_hop"] == 0 and info["officer_egos"] == 0

    calls = _count_egos(monkeypatch)
    with _client(loaded, tmp_path, TORIHIKI_CACHE_MIB=0) as client:
        for f in clients:
            r = client.get(f"/firms/{f}/ego", params={"hops": 1})
            assert r.status_code == 200 and r.content == computed[f]
        assert calls == []  # every one read from the store
        client.get(f"/firms/{clients[0]}/ego", params={"hops": 2})
        assert calls == [clients[0]]  # two hops: computed
    calls.clear()
    with _client(loaded, tmp_path, TORIHIKI_CACHE_MIB=0, TORIHIKI_SERVE_PRECOMPUTED=0) as client:
        assert client.get(f"/firms/{clients[0]}/ego").content == computed[clients[0]]
        assert calls == [clients[0]]
    calls.clear()
    officer = make_tokens(loaded)["officer_b1"]
    settings = Settings(TORIHIKI_HOME=tmp_path, TORIHIKI_CACHE_VERSION_SECONDS=0, TORIHIKI_CACHE_MIB=0)  # type: ignore[call-arg]
    with TestClient(create_app(settings, store=loaded), headers=officer) as client:
        client.get(f"/firms/{clients[0]}/ego")
        assert calls == [clients[0]]  # a bank's scope: never the unscoped stored answer


def test_a_banks_clients_networks_are_rendered_for_its_officers_at_load(
        loaded: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """After a load, each client's one-hop network is also stored for every
    bank the client consented to share with, as that bank's credit officers
    get it (masked by consent: the same bytes a computed answer has), and
    its two-hop network where the clients' are (Neo4j's default), and
    served to them from the store — at that data version only: after any
    consent change it is computed again, so a revocation takes effect on the
    next request; another bank's consent changes leave them in use. An
    analyst never gets a bank's answer, nor a bank another's."""
    from queries.identity import ConsentEvent

    clients = sorted(f.id for f in loaded.all_firms() if f.is_client)
    assert len(clients) >= 3
    loaded.change_consent([*(ConsentEvent(f, "B1", "grant", "test") for f in clients[:3]),
                           ConsentEvent(clients[1], "B2", "grant", "test")])
    consents = loaded.consents()
    shared = [f for f in clients if "B1" in consents.get(f, ())]
    assert len(shared) == 3
    tokens = make_tokens(loaded)
    settings = Settings(TORIHIKI_HOME=tmp_path, TORIHIKI_CACHE_VERSION_SECONDS=0,  # type: ignore[call-arg]
                        TORIHIKI_CACHE_MIB=0)
    with TestClient(create_app(settings, store=loaded)) as client:
        computed = {f: client.get(f"/firms/{f}/ego", headers=tokens["officer_b1"]).content for f in shared}
        computed2 = {f: client.get(f"/firms/{f}/ego?hops=2", headers=tokens["officer_b1"]).content
                     for f in shared}
        analyst = client.get(f"/firms/{shared[0]}/ego", headers=tokens["analyst"]).content
        analyst2 = client.get(f"/firms/{shared[0]}/ego?hops=2", headers=tokens["analyst"]).content
    assert analyst != computed[shared[0]] and analyst2 != computed2[shared[0]]  # masked: another answer
    info = precompute_answers(loaded, settings, firms=0)
    pairs = sum(len(consents.get(f, ())) for f in clients)
    two_hop = two_hop_precomputed(settings, loaded)
    assert info["officer_egos"] == pairs and info["officer_egos_two_hop"] == (pairs if two_hop else 0)
    assert info["answers"] == info["client_egos"] + info["client_egos_two_hop"] + pairs * (2 if two_hop else 1)

    calls = _count_egos(monkeypatch)
    with TestClient(create_app(settings, store=loaded)) as client:
        for f in shared:
            r = client.get(f"/firms/{f}/ego", params={"hops": 1}, headers=tokens["officer_b1"])
            assert r.status_code == 200 and r.content == computed[f]
        assert client.get(f"/firms/{shared[0]}/ego", headers=tokens["analyst"]).content == analyst
        assert calls == []  # every one read from the store, each scope its own
        for f in shared:
            r = client.get(f"/firms/{f}/ego", params={"hops": 2}, headers=tokens["officer_b1"])
            assert r.status_code == 200 and r.content == computed2[f]
        assert client.get(f"/firms/{shared[0]}/ego?hops=2", headers=tokens["analyst"]).content == analyst2
        assert calls == ([] if two_hop else [*shared, shared[0]])  # two hops: stored where the clients' are
        calls.clear()
        b2_only = [f for f in shared if "B2" not in consents.get(f, ())]
        if b2_only:
            assert client.get(f"/firms/{b2_only[0]}/ego", headers=tokens["officer_b2"]).status_code == 404
        calls.clear()  # officer_b2's 404 was computed: nothing is stored for a firm its bank may not see
        loaded.change_consent([ConsentEvent(clients[2], "B2", "grant", "test")])  # another bank's
        for f in shared:
            assert client.get(f"/firms/{f}/ego", headers=tokens["officer_b1"]).content == computed[f]
        assert calls == []  # still the stored ones
        admin = tokens["admin"]
        renderer = client.app.state.bank_answers  # type: ignore[attr-defined]
        renderer.close()  # not rendered again in the background for now (see the next test)
        assert client.delete(f"/admin/consent/{shared[0]}/B1", headers=admin).json()["changed"] is True
        assert client.get(f"/firms/{shared[0]}/ego", headers=tokens["officer_b1"]).status_code == 404
        r = client.get(f"/firms/{shared[1]}/ego", headers=tokens["officer_b1"])
        assert r.status_code == 200 and calls == shared[:2]  # computed (the first a 404): the bank's consents changed
        assert shared[0] not in {n["id"] for n in r.json()["nodes"]}  # the revoked firm: a pseudonym, if there


def test_a_banks_answers_are_rendered_again_after_its_consents_change(
        loaded: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """After an admin changes a firm's consent to share with a bank, the
    server renders that bank's officers' one-hop answers again in the
    background, at the new data version: they are served from the store
    again (not computed), equal to what a server computes, without the
    revoked firm; another bank's stored answers are not touched. The CLI's
    `torihiki consent` renders them before it returns."""
    from queries.identity import ConsentEvent

    clients = sorted(f.id for f in loaded.all_firms() if f.is_client)
    loaded.change_consent([*(ConsentEvent(f, "B1", "grant", "test") for f in clients[:3]),
                           ConsentEvent(clients[0], "B2", "grant", "test")])
    tokens = make_tokens(loaded)
    settings = Settings(TORIHIKI_HOME=tmp_path, TORIHIKI_CACHE_VERSION_SECONDS=0,  # type: ignore[call-arg]
                        TORIHIKI_CACHE_MIB=0)
    precompute_answers(loaded, settings, firms=0)
    calls = _count_egos(monkeypatch)
    with TestClient(create_app(settings, store=loaded)) as client:
        officer = tokens["officer_b1"]
        assert client.delete(f"/admin/consent/{clients[0]}/B1", headers=tokens["admin"]).json()["changed"]
        client.app.state.bank_answers.wait(60)  # type: ignore[attr-defined]
        last = client.app.state.bank_answers.last  # type: ignore[attr-defined]
        two_hop = two_hop_precomputed(settings, loaded)  # their two-hop networks too (Neo4j's default)
        assert last["officer_egos"] == 2 and last["officer_egos_two_hop"] == (2 if two_hop else 0)
        # rendered in the background: B1's two consenting clients
        assert sorted(calls) == sorted(clients[1:3] * (2 if two_hop else 1))
        calls.clear()
        stored = {f: client.get(f"/firms/{f}/ego", headers=officer) for f in clients[1:3]}
        assert all(r.status_code == 200 for r in stored.values()) and calls == []  # read from the store
        stored2 = {f: client.get(f"/firms/{f}/ego?hops=2", headers=officer) for f in clients[1:3]}
        assert all(r.status_code == 200 for r in stored2.values())
        assert calls == ([] if two_hop else clients[1:3])
        calls.clear()
        assert client.get(f"/firms/{clients[0]}/ego", headers=officer).status_code == 404
        assert client.get(f"/firms/{clients[0]}/ego", headers=tokens["officer_b2"]).status_code == 200
        assert calls == [clients[0]]  # the 404 computed; B2's answer still the stored one
    fresh = Settings(TORIHIKI_HOME=tmp_path, TORIHIKI_CACHE_MIB=0,  # type: ignore[call-arg]
                     TORIHIKI_SERVE_PRECOMPUTED=0)
    with TestClient(create_app(fresh, store=loaded)) as client:
        for f, r in stored.items():
            assert client.get(f"/firms/{f}/ego", headers=officer).content == r.content
            assert clients[0] not in {n["id"] for n in r.json()["nodes"]}
        for f, r in stored2.items():  # the two-hop networks rendered again: as a server computes them
            assert client.get(f"/firms/{f}/ego?hops=2", headers=officer).content == r.content
            assert clients[0] not in {n["id"] for n in r.json()["nodes"]}
    from api.precompute import render_for_banks

    loaded.change_consent([ConsentEvent(clients[1], "B1", "revoke", "test")])
    assert render_for_banks(loaded, settings, ["B1"])["officer_egos"] == 1
    assert render_for_banks(loaded, fresh, ["B1"])["officer_egos"] == 0  # stored answers not served: none


def test_every_clients_two_hop_network_is_precomputed_where_asked(
        loaded: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With ``TORIHIKI_PRECOMPUTE_TWO_HOP`` (the default on Neo4j only) each
    client's two-hop network is stored too, and served as the API renders
    it; any other write has it computed again."""
    clients = sorted(f.id for f in loaded.all_firms() if f.is_client)
    assert two_hop_precomputed(Settings(TORIHIKI_HOME=tmp_path), loaded) == (  # type: ignore[call-arg]
        loaded.backend == "neo4j")
    with _client(loaded, tmp_path, TORIHIKI_CACHE_MIB=0) as client:
        computed = {f: client.get(f"/firms/{f}/ego", params={"hops": 2}).content for f in clients}
    assert all(orjson.loads(body)["hops"] == 2 for body in computed.values())
    settings = Settings(TORIHIKI_HOME=tmp_path, TORIHIKI_PRECOMPUTE_TWO_HOP=1)  # type: ignore[call-arg]
    info = precompute_answers(loaded, settings, firms=0)
    assert info["client_egos"] == info["client_egos_two_hop"] == len(clients)
    assert info["answers"] == 2 * len(clients)

    real_ego = service.ego
    calls: list[tuple[str, int]] = []

    def counted(store: object, firm_id: str, hops: int = 1, *args: object, **kwargs: object) -> object:
        calls.append((firm_id, hops))
        return real_ego(store, firm_id, hops, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(service, "ego", counted)
    with _client(loaded, tmp_path, TORIHIKI_CACHE_MIB=0) as client:
        for f in clients:
            r = client.get(f"/firms/{f}/ego", params={"hops": 2})
            assert r.status_code == 200 and r.content == computed[f]  # the same bytes
        assert client.get(f"/firms/{clients[0]}/ego?hops=2&hops=2").content == computed[clients[0]]
        assert calls == []  # every one read from the store (with the token, or the usual way)
        client.get(f"/firms/{clients[0]}/ego", params={"hops": 2, "from": "2024-01"})
        assert calls == [(clients[0], 2)]  # another window: computed
        calls.clear()
        loaded.upsert_firms([Firm("NEW2", name="別の会社")])  # any write but a consent change
        assert client.get(f"/firms/{clients[0]}/ego", params={"hops": 2}).content == computed[clients[0]]
        assert calls == [(clients[0], 2)]


def test_a_server_that_serves_nothing_stored_reads_no_stored_entry(
        loaded: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With ``TORIHIKI_SERVE_PRECOMPUTED=0`` the token check names no stored
    answer to read beside the token (a two-hop one is ~60 kB: read for
    nothing); with it on, it does."""
    client_id = sorted(f.id for f in loaded.all_firms() if f.is_client)[0]
    named: list[str | None] = []
    real = loaded.token_read

    def spy(token_id: str, entry_name: str | None = None, bank_entry: tuple[str, str] | None = None) -> object:
        named.append(entry_name)
        return real(token_id, entry_name, bank_entry)

    monkeypatch.setattr(loaded, "token_read", spy)
    with _client(loaded, tmp_path, TORIHIKI_CACHE_MIB=0, TORIHIKI_SERVE_PRECOMPUTED=0) as client:
        assert client.get(f"/firms/{client_id}/ego", params={"hops": 2}).status_code == 200
    assert named == [None]
    with _client(loaded, tmp_path, TORIHIKI_CACHE_MIB=0) as client:
        assert client.get(f"/firms/{client_id}/ego", params={"hops": 2}).status_code == 200
    assert named[1] is not None and f"|{client_id}|2|" in named[1]


def test_the_rendering_process_waits_to_read_the_version_it_renders(
        loaded: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    """The rendering process opens the store again (on Neo4j a driver of its
    own, without the refresh's bookmarks: a cluster member may lag). It
    renders only once it reads the data version it stores the answers
    under; a store that never gets there within the wait has nothing
    rendered, and says so."""
    import api.precompute as precompute

    opener = precompute._opener(loaded, Settings(TORIHIKI_HOME=tmp_path))  # type: ignore[call-arg]
    assert opener is not None
    clients = sorted(f.id for f in loaded.all_firms() if f.is_client)[:2]
    version = loaded.data_version()
    done = precompute._render_elsewhere(opener, precompute._Todo([], clients, 200), version, "now")
    assert len(done.keys) == len(clients)
    monkeypatch.setattr(precompute, "_CATCH_UP_SECONDS", 0.5)
    ahead = precompute._render_elsewhere(opener, precompute._Todo([], clients, 200), version + 1, "now")
    assert ahead.keys == [] and ahead.stored_bytes == 0
    assert f"read data version {version}, not {version + 1}" in caplog.text


def _reads_beside_the_token(store: Store, monkeypatch: pytest.MonkeyPatch, *names: str) -> list[str]:
    """The store reads among ``names`` made from now on apart from
    ``token_read`` (the embedded store makes some of them inside it), in order."""
    reads: list[str] = []
    inside = [False]

    def spy(name: str) -> None:
        real = getattr(store, name)

        def read(*args: object) -> object:
            if name == "token_read":
                inside[0] = True
                try:
                    return real(*args)
                finally:
                    inside[0] = False
            if not inside[0]:
                reads.append(name)
            return real(*args)

        monkeypatch.setattr(store, name, read)

    for name in (*names, "token_read"):
        spy(name)
    return reads


def test_a_stored_answer_is_read_with_the_token(loaded: Store, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """A client's stored one-hop ego comes with the token check's read
    (``Store.token_read``, one round trip on Neo4j): no read of its own, nor
    of the data version. Other spellings of the parameters are read the
    usual way and answer the same; a disabled user is refused at once."""
    client_id = sorted(f.id for f in loaded.all_firms() if f.is_client)[0]
    with _client(loaded, tmp_path, TORIHIKI_CACHE_MIB=0) as client:
        computed = client.get(f"/firms/{client_id}/ego").content
    precompute_answers(loaded, Settings(TORIHIKI_HOME=tmp_path), firms=0)  # type: ignore[call-arg]
    reads = _reads_beside_the_token(loaded, monkeypatch, "get_analytics", "data_version", "user_by_token")

    def computed_instead(*_: object, **__: object) -> None:
        raise AssertionError("computed, not read from the store")

    monkeypatch.setattr(service, "ego", computed_instead)
    with _client(loaded, tmp_path, TORIHIKI_CACHE_MIB=0) as client:
        reads.clear()
        for params in ({}, {"hops": "1"}, {"hops": "1", "other": "x"}):
            r = client.get(f"/firms/{client_id}/ego", params=params)
            assert r.status_code == 200 and r.content == computed
        assert reads == []
        reads.clear()
        r = client.get(f"/firms/{client_id}/ego?hops=01")  # FastAPI reads 1; the guess does not
        assert r.status_code == 200 and r.content == computed and "get_analytics" in reads
        assert client.get(f"/firms/{client_id}/ego?from=2024-13").status_code == 422
        set_active(loaded, "analyst", False, SYSTEM)
        assert client.get(f"/firms/{client_id}/ego").status_code == 401


def test_an_officers_stored_answer_is_read_with_the_token(loaded: Store, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """A client's one-hop ego stored for a bank comes to its credit officer
    with the token check's read, with the bank's consent version (one round
    trip on Neo4j, three before): no read of the answer, the data version or
    the consent version of its own. Another spelling of the parameters reads
    them the usual way and answers the same; a computed answer takes the
    bank's view at the version read with the token; after the bank's
    consents change it is computed again, as before."""
    from queries.identity import ConsentEvent

    clients = sorted(f.id for f in loaded.all_firms() if f.is_client)[:2]
    loaded.change_consent([ConsentEvent(f, "B1", "grant", "test") for f in clients])
    tokens = make_tokens(loaded)
    settings = Settings(TORIHIKI_HOME=tmp_path, TORIHIKI_CACHE_VERSION_SECONDS=0,  # type: ignore[call-arg]
                        TORIHIKI_CACHE_MIB=0)
    with TestClient(create_app(settings, store=loaded)) as client:
        computed = {f: client.get(f"/firms/{f}/ego", headers=tokens["officer_b1"]).content for f in clients}
    precompute_answers(loaded, settings, firms=0)
    reads = _reads_beside_the_token(loaded, monkeypatch, "get_analytics", "data_version", "trade_version",
                                    "consent_version", "user_by_token")
    calls = _count_egos(monkeypatch)
    with TestClient(create_app(settings, store=loaded)) as client:
        reads.clear()
        for f in clients:
            r = client.get(f"/firms/{f}/ego", params={"hops": "1"}, headers=tokens["officer_b1"])
            assert r.status_code == 200 and r.content == computed[f]
        assert reads == [] and calls == []
        r = client.get(f"/firms/{clients[0]}/ego?hops=01", headers=tokens["officer_b1"])  # not the plain spelling
        assert r.status_code == 200 and r.content == computed[clients[0]] and calls == []
        assert {"get_analytics", "consent_version"} <= set(reads)
        reads.clear()
        r = client.get(f"/firms/{clients[1]}/ego", params={"hops": 2, "from": "2024-01"},
                       headers=tokens["officer_b1"])
        assert r.status_code == 200 and calls == [clients[1]]  # computed: the bank's view at the token's version
        assert "data_version" not in reads
        calls.clear()
        loaded.change_consent([ConsentEvent(clients[0], "B1", "revoke", "test")])
        assert client.get(f"/firms/{clients[1]}/ego", headers=tokens["officer_b1"]).status_code == 200
        assert calls == [clients[1]]  # the bank's consents changed: computed, though read with the token


def test_a_round_for_a_bank_stores_nothing_once_its_consents_change_again(
        loaded: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``render_for_banks``: when the bank's consents change while it
    renders (another server process, the CLI), the round stops and writes
    nothing more — not even what it rendered before (it could not be
    served, and a newer answer may be stored under the key); it says it is
    not complete, so that a server's renderer renders the bank again."""
    import api.precompute as precompute
    from queries.identity import ConsentEvent

    clients = sorted(f.id for f in loaded.all_firms() if f.is_client)[:3]
    loaded.change_consent([ConsentEvent(f, "B1", "grant", "test") for f in clients])
    settings = Settings(TORIHIKI_HOME=tmp_path)  # type: ignore[call-arg]
    monkeypatch.setattr(precompute, "_CONSENT_CHECK_EVERY", 1)
    real = precompute.officer_ego
    seen: list[str] = []

    def changing(store: Store, bank: str, firm_id: str, max_nodes: int, hops: int = 1) -> object:
        seen.append(firm_id)
        if len(seen) == 2:  # while the round renders: a change of the bank's consents elsewhere
            loaded.change_consent([ConsentEvent(clients[2], "B1", "revoke", "test")])
        return real(store, bank, firm_id, max_nodes, hops)

    monkeypatch.setattr(precompute, "officer_ego", changing)
    done = precompute.render_for_banks(loaded, settings, ["B1"])
    assert done["complete"] is False and done["officer_egos"] == done["officer_egos_two_hop"] == 0
    from api.firm_pages import ego_key, stored_key

    assert not any(loaded.get_analytics(stored_key(f"bank:B1|{ego_key(f, hops, None, None, settings.max_ego_nodes)}"))
                   for f in clients for hops in (1, 2))
    monkeypatch.setattr(precompute, "officer_ego", real)
    again = precompute.render_for_banks(loaded, settings, ["B1"])
    assert again["complete"] is True and again["officer_egos"] == 2
    assert again["officer_egos_two_hop"] == (2 if two_hop_precomputed(settings, loaded) else 0)


def test_a_refresh_renders_the_clients_networks_beside_the_rest(
        loaded: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``refresh_analytics`` renders the clients' networks while it computes
    the peer inputs, portfolio signals and alerts, in another process (with
    a Neo4j driver of its own on Neo4j): every one is stored, as the API
    renders it, under the data version the refresh started from."""
    import os

    from api import firm_pages
    from api.commands.common import refresh_analytics
    from api.precompute import INDEX

    clients = sorted(f.id for f in loaded.all_firms() if f.is_client)
    with _client(loaded, tmp_path, TORIHIKI_CACHE_MIB=0) as client:
        computed = {f: client.get(f"/firms/{f}/ego").content for f in clients}
    version = loaded.data_version()
    pids = tmp_path / "pids.log"
    original = firm_pages.ego

    def noted(*args: object) -> firm_pages.Page:
        with pids.open("a") as f:  # a file: the rendering runs in a forked process
            f.write(f"{os.getpid()}\n")
        return original(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(firm_pages, "ego", noted)
    info = refresh_analytics(loaded, Settings(TORIHIKI_HOME=tmp_path), quiet=True)  # type: ignore[call-arg]
    monkeypatch.setattr(firm_pages, "ego", original)
    assert info is not None
    done = info["precomputed"]
    assert done["client_egos"] == len(clients) and done["data_version"] == version
    if (os.cpu_count() or 1) > 1:  # one core: rendered in a thread, no process to share it with
        assert set(pids.read_text().split()) - {str(os.getpid())}, "rendered in this process"
    index = loaded.get_analytics(INDEX)
    assert index is not None and index[0] == version
    assert {f"ego|{f}|1" for f in clients} <= {k.rsplit("|", 3)[0] for k in orjson.loads(index[2])}

    monkeypatch.setattr(service, "ego", lambda *_, **__: pytest.fail("computed, not read from the store"))
    with _client(loaded, tmp_path, TORIHIKI_CACHE_MIB=0) as client:
        for f in clients:
            assert client.get(f"/firms/{f}/ego").content == computed[f]


def _stored_answers(store: Store) -> dict[str, tuple[int, str, bytes]]:
    """Every answer stored at load time: key -> (data version, media type, body as sent, unzipped)."""
    import gzip

    from api.precompute import INDEX, read_stored, stored_key

    index = store.get_analytics(INDEX)
    assert index is not None
    out = {}
    for key in orjson.loads(index[2]):
        entry = store.get_analytics(stored_key(key))
        assert entry is not None, key
        media, body = read_stored(entry[2])
        out[key] = (entry[0], media, gzip.decompress(body))
    return out


def test_the_refresh_after_a_large_load_runs_in_a_process_of_its_own_and_stores_the_same(
        loaded: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """After a load of a million lines or more, the embedded store's refresh
    runs in a new process (the loading one's heap is fragmented), and it
    stores exactly what the refresh in this process stores; on Neo4j, and
    after a small load, it runs here."""
    from api.commands import common
    from api.portfolio import PEER_INPUTS

    settings = Settings(TORIHIKI_HOME=tmp_path)  # type: ignore[call-arg]
    here = common.refresh_analytics
    ran_here: list[int] = []

    def counted(*args: object, **kwargs: object) -> object:
        ran_here.append(1)
        return here(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(common, "refresh_analytics", counted)  # a new process imports the module afresh
    small = common.refresh_after_load(loaded, settings, common.OWN_PROCESS_LINES - 1, quiet=True)
    assert small is not None and ran_here == [1]
    in_this_process = _stored_answers(loaded)
    peers_here = loaded.get_analytics(PEER_INPUTS)

    large = common.refresh_after_load(loaded, settings, common.OWN_PROCESS_LINES, quiet=True)
    assert large is not None and large["precomputed"]["answers"] == small["precomputed"]["answers"]
    assert ran_here == ([1] if loaded.backend == "embedded" else [1, 1])
    assert _stored_answers(loaded) == in_this_process
    peers = loaded.get_analytics(PEER_INPUTS)
    assert peers is not None and peers_here is not None and peers[::2] == peers_here[::2]


def test_the_cache_follows_the_data_version(loaded: Store, tmp_path: Path) -> None:
    with _client(loaded, tmp_path) as client:
        before = client.get("/firms/F0001").json()
        ego = client.get("/firms/F0001/ego").json()
        assert client.get("/firms/F0001/ego").json() == ego  # from the cache
        loaded.upsert_firms([Firm("F0001", name="改名した会社")])
        assert client.get("/firms/F0001/ego").json()["firm"]["name"] == "改名した会社"
        assert before["name"] != "改名した会社"


def test_a_request_whose_client_has_gone_stops(loaded: Store) -> None:
    """The cancel event of a request stops the store's work at the next query."""
    import threading

    from queries.cancel import CANCEL, Cancelled

    event = threading.Event()
    token = CANCEL.set(event)
    try:
        assert service.ego(loaded, "F0001", 1)[1].nodes
        event.set()
        with pytest.raises(Cancelled):
            service.ego(loaded, "F0001", 1)
    finally:
        CANCEL.reset(token)


def test_the_disconnect_middleware_sets_the_cancel_event() -> None:
    """A GET whose client disconnects while the app works: the app's view of
    the cancel event turns on (the ASGI messages of a real server)."""
    import asyncio

    from api.disconnect import CancelOnDisconnect
    from queries.cancel import cancelled

    seen: list[bool] = []

    async def app(scope: dict[str, object], receive: object, send: object) -> None:
        seen.append(cancelled())
        for _ in range(100):
            await asyncio.sleep(0.01)
            if cancelled():
                break
        seen.append(cancelled())

    async def receive() -> dict[str, object]:
        receive.calls += 1  # type: ignore[attr-defined]
        if receive.calls == 1:  # type: ignore[attr-defined]
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.sleep(0.05)
        return {"type": "http.disconnect"}

    receive.calls = 0  # type: ignore[attr-defined]

    async def send(message: dict[str, object]) -> None:
        return None

    asyncio.run(CancelOnDisconnect(app)({"type": "http", "method": "GET"}, receive, send))  # type: ignore[arg-type]
    assert seen == [False, True]


def test_a_failed_refresh_stops_rendering_the_answers(
        loaded: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """When the refresh fails after it started rendering the answers (in
    another process), the rendering
    stops after the answer at hand instead of rendering every client first,
    no process is left behind, the error reaches the caller, and the list of
    stored answers is not replaced."""
    import multiprocessing as mp

    import api.portfolio
    from api import firm_pages
    from api.commands.common import refresh_analytics
    from api.precompute import INDEX

    log = tmp_path / "rendered.log"
    failed = tmp_path / "failed"  # files: the rendering may run in a forked process
    original = firm_pages.ego

    def slow_ego(store: Store, firm_id: str, *args: object) -> firm_pages.Page:
        key, render = original(store, firm_id, *args)  # type: ignore[arg-type]

        def slow() -> object:
            with log.open("a") as f:
                f.write(firm_id + "\n")
            deadline = time.monotonic() + 60
            while not failed.exists() and time.monotonic() < deadline:  # an answer at hand when it fails
                time.sleep(0.05)
            return render()
        return key, slow  # type: ignore[return-value]

    def fail(*_: object, **__: object) -> None:
        failed.touch()
        raise RuntimeError("peer inputs failed")

    monkeypatch.setattr(firm_pages, "ego", slow_ego)
    monkeypatch.setattr(api.portfolio, "refresh_peer_inputs", fail)
    clients = [f.id for f in loaded.all_firms() if f.is_client]
    before = loaded.get_analytics(INDEX)
    with pytest.raises(RuntimeError, match="peer inputs failed"):
        refresh_analytics(loaded, Settings(TORIHIKI_HOME=tmp_path, TORIHIKI_PRECOMPUTE_FIRMS=0),  # type: ignore[call-arg]
                          quiet=True)
    rendered = log.read_text().split() if log.exists() else []
    assert len(clients) >= 4 and len(rendered) < len(clients)  # stopped, not run to the end
    assert mp.active_children() == []
    assert loaded.get_analytics(INDEX) == before


def test_computed_answers_wait_for_a_slot_and_what_ifs_do_not(
        loaded: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With one slot (``TORIHIKI_RENDER_SLOTS=1``) a computed answer waits
    while another is being computed, and both are served once it is done; a
    what-if (seconds of work) does not wait for the slot."""
    import threading

    firm, net, _ = service.ego(loaded, "F0001", 1)
    partner = next(n.id for n in net.nodes if n.hop == 1)
    real_ego = service.ego
    inside = threading.Event()
    release = threading.Event()
    entered: list[str] = []

    def held(store: object, firm_id: str, *args: object, **kwargs: object) -> object:
        entered.append(firm_id)
        if firm_id == "F0001":
            inside.set()
            assert release.wait(timeout=10)
        return real_ego(store, firm_id, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(service, "ego", held)
    statuses: dict[str, int] = {}
    with _client(loaded, tmp_path, TORIHIKI_CACHE_MIB=0, TORIHIKI_RENDER_SLOTS=1) as client:
        def get(name: str, url: str) -> None:
            statuses[name] = client.get(url).status_code

        first = threading.Thread(target=get, args=("first", "/firms/F0001/ego?hops=2"), daemon=True)
        second = threading.Thread(target=get, args=("second", f"/firms/{partner}/ego?hops=2"), daemon=True)
        try:
            first.start()
            assert inside.wait(timeout=10)
            second.start()
            time.sleep(0.3)
            assert entered == ["F0001"] and "second" not in statuses  # waiting for the slot
            r = client.get("/firms/F0001/whatif", params={"fails": partner})
            assert r.status_code == 200  # served while the slot is taken
        finally:
            release.set()
            first.join(timeout=10)
            second.join(timeout=10)
    assert statuses == {"first": 200, "second": 200}
    assert entered == ["F0001", partner]


def test_one_answer_at_a_time_where_the_store_shares_the_cores(loaded: Store, tmp_path: Path) -> None:
    """Unset, ``TORIHIKI_RENDER_SLOTS`` follows the store: the embedded store's
    reads are the server process's own CPU work, and so is a Neo4j on this
    machine (the tests' own, on loopback); a Neo4j elsewhere gets two, its
    answers partly waiting on the network (``api.app.render_slots``); set, it
    is taken as it is."""
    with _client(loaded, tmp_path) as client:
        assert client.app.state.responses.gate.slots == 1  # type: ignore[attr-defined]
    if loaded.backend == "neo4j":
        # named only: the app is handed the tests' store and no request needs another
        with _client(loaded, tmp_path, NEO4J_URI="neo4j+s://abcd1234.databases.neo4j.io") as client:
            assert client.app.state.responses.gate.slots == 2  # type: ignore[attr-defined]
    with _client(loaded, tmp_path, TORIHIKI_RENDER_SLOTS=3) as client:
        assert client.app.state.responses.gate.slots == 3  # type: ignore[attr-defined]


def test_a_consent_change_keeps_the_stored_answers_and_reaches_a_bank_at_once(
        loaded: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A consent change moves the data version, not the trade version
    (``Store.trade_version``): the unscoped answers stored at load time are
    still served from the store — through the token's read (a client's ego)
    and through the index of stored answers (the busiest firm's trend) —
    while a bank's officer sees the grant, and then the revocation, on the
    very next request. Any other write has them computed again."""
    clients = sorted(f.id for f in loaded.all_firms() if f.is_client)
    hidden = next(f for f in clients if "B1" not in (loaded.get_firm(f).consented_banks or ()))  # type: ignore[union-attr]
    (busiest, _), *_ = loaded.busiest_firms(1)
    tokens = make_tokens(loaded)
    analyst, admin, officer = tokens["analyst"], tokens["admin"], tokens["officer_b1"]
    settings = Settings(TORIHIKI_HOME=tmp_path, TORIHIKI_CACHE_VERSION_SECONDS=0)  # type: ignore[call-arg]
    with TestClient(create_app(settings.model_copy(update={"cache_mib": 0}), store=loaded)) as client:
        computed = client.get(f"/firms/{hidden}/ego", headers=analyst).content
        trend = client.get(f"/firms/{busiest}/trend", headers=analyst).content
    precompute_answers(loaded, settings, firms=1)

    def fail(*_: object, **__: object) -> None:
        raise AssertionError("computed, not read from the store")

    monkeypatch.setattr(service, "ego", fail)
    monkeypatch.setattr(analytics, "trend_of", fail)
    with TestClient(create_app(settings, store=loaded)) as client:  # the response cache on
        assert client.get(f"/firms/{hidden}", headers=officer).status_code == 404
        versions = loaded.data_version(), loaded.trade_version()
        assert client.post(f"/admin/consent/{hidden}/B1", headers=admin).json()["changed"] is True
        assert loaded.data_version() > versions[0] and loaded.trade_version() == versions[1]
        assert client.get(f"/firms/{hidden}", headers=officer).status_code == 200
        for _ in range(2):  # the second from the response cache
            assert client.get(f"/firms/{hidden}/ego", headers=analyst).content == computed
            assert client.get(f"/firms/{busiest}/trend", headers=analyst).content == trend
        assert client.delete(f"/admin/consent/{hidden}/B1", headers=admin).json()["banks"] == []
        assert client.get(f"/firms/{hidden}", headers=officer).status_code == 404
        assert client.get(f"/firms/{hidden}/ego", headers=analyst).content == computed
        loaded.upsert_firms([Firm("NEW", name="新しい会社")])  # a write to the data: computed again
        assert loaded.trade_version() == loaded.data_version()
        # the render stub ran (it raises "computed"): answered as an unexpected error
        assert client.get(f"/firms/{hidden}/ego", headers=analyst).status_code == 500
