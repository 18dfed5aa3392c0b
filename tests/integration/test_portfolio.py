"""Whole-network analytics end to end on a generated region, on both stores:
peers (suppression below five firms), the portfolio score table, the
anonymised research export — and that firms with distressed partners rank
higher on partner-distress measures."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.cli import main
from api.export import NODE_KINDS, WITHHELD, export_research, may_be_a_person
from api.portfolio import Snapshot, score_table
from api.service import ingest_file
from api.settings import Settings, get_settings
from graph.anonymise import pseudonymise
from ingest.imports import import_firms, import_parameters, import_registry
from ingest.manifest import read_manifest
from ingest.resolve import Resolver
from queries.model import Firm
from queries.store import Store
from synthetic import GenerateConfig, generate
from tests.conftest import make_tokens

KEY = b"test-export-key-0123456789"


@pytest.fixture(scope="module")
def region(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("region")
    generate(GenerateConfig(firms=500, clients=60, months=24, seed=5, out=out))
    return out


@pytest.fixture
def loaded(store: Store, region: Path, tmp_path: Path) -> Store:
    import_firms(store, region / "firms.csv", tmp_path)
    import_registry(store, region / "registry.csv", tmp_path)
    import_parameters(store, region / "parameters.csv", tmp_path)
    entries, _ = read_manifest(region / "manifest.csv")
    resolver = Resolver(store)
    for e in entries:
        ingest_file(store, e.path, e.client_id, e.format, tmp_path / "rejects", progress=False, resolver=resolver)
    return store


@pytest.fixture
def client(loaded: Store, tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(TORIHIKI_HOME=tmp_path), store=loaded),
                    headers=make_tokens(loaded)["analyst"]) as c:
        yield c


def test_peers_score_and_cli(client: TestClient, loaded: Store, tmp_path: Path,
                             monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """One load of the region serves peers, the score table and the CLI."""
    _peers_suppress_small_groups(client, loaded)
    _score_table(loaded)
    _score_cli_writes_parquet_and_csv(loaded, tmp_path, monkeypatch, capsys)


def _peers_suppress_small_groups(client: TestClient, loaded: Store) -> None:
    clients = [f for f in loaded.all_firms() if f.is_client]
    r = client.get(f"/firms/{clients[0].id}/peers")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["group"]["members"] >= 1 and body["parameters"] and body["metrics"]
    for stat in [*body["parameters"], *body["metrics"]]:
        if stat["suppressed"]:
            assert stat["median"] is None and stat["q1"] is None and stat["n"] is None
        else:
            assert stat["n"] >= 5
    assert client.get("/firms/NOPE/peers").status_code == 404
    counterparty = next(f for f in loaded.all_firms() if not f.is_client)
    assert client.get(f"/firms/{counterparty.id}/peers").status_code == 422


def _score_table(loaded: Store) -> None:
    snap = Snapshot.load(loaded)
    table = score_table(snap)
    assert len(table) == 60 and table.index.is_unique
    for col in ("out_degree", "customer_hhi", "constraint", "partner_distress_share", "trend_gap_pp",
                "pctl_partner_distress_share", "param_ar_turnover_days", "industry"):
        assert col in table.columns
    pct = table.filter(like="pctl_").stack().dropna()
    assert len(pct) and ((pct >= 0) & (pct <= 100)).all()
    # firms whose partners are in distress rank higher on the partner-distress measures
    exposed = table["partner_distress_share"] > 0
    assert exposed.any() and (~exposed).any()
    assert table.loc[exposed, "two_hop_distress_exposure"].mean() > table.loc[~exposed, "two_hop_distress_exposure"].mean()


def _score_cli_writes_parquet_and_csv(loaded: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    if loaded.backend == "embedded":
        monkeypatch.delenv("NEO4J_URI", raising=False)
        monkeypatch.setenv("TORIHIKI_HOME", str(loaded.home))  # type: ignore[attr-defined]
    get_settings.cache_clear()
    try:
        for name in ("score.parquet", "score.csv"):
            assert main(["score", "--all", "--out", str(tmp_path / name), "--json"]) == 0
            assert json.loads(capsys.readouterr().out)["clients"] == 60
        assert len(pd.read_parquet(tmp_path / "score.parquet")) == 60
        with (tmp_path / "score.csv").open(encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        assert len(rows) == 60 and not any(v.startswith(("=", "+", "@")) for r in rows for v in r.values())
    finally:
        get_settings.cache_clear()


def test_export_is_anonymised(loaded: Store, region: Path, tmp_path: Path) -> None:
    for fmt in ("csv", "parquet", "graphml"):
        _export(loaded, region, tmp_path, fmt)


def meta_of(out: Path) -> dict[str, Any]:
    """The export's ``export.json``."""
    meta: dict[str, Any] = json.loads((out / "export.json").read_text(encoding="utf-8"))
    return meta


def _export(loaded: Store, region: Path, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"export-{fmt}"
    summary = export_research(Snapshot.load(loaded), out, fmt, KEY)  # type: ignore[arg-type]
    files = {p.name for p in out.iterdir()}
    assert "data_dictionary.csv" in files and set(summary["files"]) <= files  # type: ignore[arg-type]
    text = "".join(p.read_text(encoding="utf-8", errors="replace") for p in out.iterdir()
                   if p.suffix in (".csv", ".graphml", ".json"))
    firms = pd.read_csv(region / "firms.csv", dtype=str)
    for _, f in firms.head(30).iterrows():  # no ids, names or 法人番号 of clients leak
        assert f["firm_id"] not in text and f["name"] not in text and str(f["corporate_number"]) not in text
    if fmt == "csv":
        nodes = pd.read_csv(out / "nodes.csv", dtype=str, keep_default_na=False)
        cells = nodes.groupby(["industry", "prefecture", "size_class"]).size()
        assert cells.min() >= 5
        dictionary = pd.read_csv(out / "data_dictionary.csv")
        for name in ("nodes", "edges", "metrics"):
            frame = pd.read_csv(out / f"{name}.csv", nrows=1)
            assert set(frame.columns) == set(dictionary.loc[dictionary["file"] == name, "name"])
            # a byte-order mark: Excel reads the Japanese of a UTF-8 file right
            assert (out / f"{name}.csv").read_bytes().startswith(b"\xef\xbb\xbf")
        assert (out / "data_dictionary.csv").read_bytes().startswith(b"\xef\xbb\xbf")
        # amounts in yen to three significant figures: an invoice amount does not find its pair
        amounts = pd.read_csv(out / "edges.csv")["amount"]
        assert all(len(str(abs(int(a))).rstrip("0")) <= 3 for a in amounts)
        strength = pd.read_csv(out / "metrics.csv")["out_strength"].dropna()
        assert all(len(str(abs(int(a))).rstrip("0")) <= 3 for a in strength)
        rounded = dictionary.set_index(["file", "name"]).loc[("edges", "amount"), "privacy"]
        assert rounded == "rounded to 3 significant figures"
        # shares and indices to three decimals: no 16-digit fingerprint of a firm
        metrics = pd.read_csv(out / "metrics.csv")
        for c in ("top_customer_share", "customer_hhi", "constraint", "ego_density", "effective_size"):
            values = metrics[c].dropna()
            assert len(values) and ((values * 1000).round(6) % 1 == 0).all(), c
        assert dictionary.set_index(["file", "name"]).loc[("metrics", "customer_hhi"), "privacy"] == \
            "rounded to 3 decimals"
        # what kind of firm a node is: a per-client name is not mistaken for a firm seen by many
        assert set(nodes["node_kind"]) <= set(NODE_KINDS) and "client" in set(nodes["node_kind"])
        assert nodes["node_kind"].isin(["client", "personal_client"]).sum() == (nodes["is_client"] == "True").sum()
        # rows in the pseudonyms' order, not the firm ids' (a 法人番号 is public: its place would find the row)
        assert list(nodes["firm"]) == sorted(nodes["firm"])
        assert list(metrics["firm"]) == sorted(metrics["firm"])
        # a client that may be a person (no 法人番号, no legal form) is no client row of metrics, has no
        # quasi-identifiers and is not linked across clients
        firms_of = pd.read_csv(region / "firms.csv", dtype=str, keep_default_na=False).set_index("firm_id")
        persons = [f for f, r in firms_of.iterrows() if r["is_client"] == "1" and not r["corporate_number"]
                   and may_be_a_person(Firm(str(f), r["name"]))]
        assert persons, "the generated region has sole proprietors among its clients"
        person = {pseudonymise(f, KEY) for f in persons}
        shown = nodes[nodes["firm"].isin(person)]
        assert len(shown) == len(persons) and set(shown["node_kind"]) == {"personal_client"}
        assert (shown[["industry", "prefecture", "size_class"]] == "").all().all()
        assert person.isdisjoint(set(metrics["firm"]))
        edges = pd.read_csv(out / "edges.csv")
        client_ids = set(nodes.loc[nodes["is_client"] == "True", "firm"])
        for p in person:  # a person's node trades with no other client
            theirs = edges[(edges["seller"] == p) | (edges["buyer"] == p)]
            assert client_ids.isdisjoint((set(theirs["seller"]) | set(theirs["buyer"])) - {p})
        assert meta_of(out)["personal_clients"]["n"] == len(persons)
        # distress comes from confidential management figures: not exported
        assert not set(WITHHELD) & set(pd.read_csv(out / "metrics.csv", nrows=1).columns)
    if fmt == "graphml":  # the dictionary describes the graph's attributes, not files it did not write
        dictionary = pd.read_csv(out / "data_dictionary.csv")
        described = set(zip(dictionary["file"], dictionary["name"], strict=True))
        assert {("network.graphml (edges)", "amount"), ("network.graphml (edges)", "months"),
                ("network.graphml (nodes)", "node_kind")} <= described
        assert "nodes" not in set(dictionary["file"])
    meta = json.loads((out / "export.json").read_text(encoding="utf-8"))
    assert meta["data_version"] is None and meta["software"].startswith("torihiki ")
    assert meta["withheld"]["columns"] == list(WITHHELD) and "k-anonymity covers" in meta["reidentification"]
    assert "out" not in meta and str(tmp_path) not in json.dumps(meta)  # no path of the machine that wrote it
    assert meta["month_from"] and meta["month_to"] and meta["month_from"] <= meta["month_to"]
    assert meta["created_at"].endswith("+00:00") and summary["out"] == str(out)
    # the same key gives the same pseudonyms, another key others
    if fmt == "csv":
        again = export_research(Snapshot.load(loaded), tmp_path / "again", "csv", KEY)
        other = export_research(Snapshot.load(loaded), tmp_path / "other", "csv", b"another-key-0123456789")
        assert again["firms"] == other["firms"]
        a = pd.read_csv(tmp_path / "again" / "nodes.csv")["firm"]
        b = pd.read_csv(tmp_path / "other" / "nodes.csv")["firm"]
        assert set(a) == set(pd.read_csv(out / "nodes.csv")["firm"]) and set(a).isdisjoint(set(b))
        # one recipient's exports share pseudonyms; two recipients' do not (not on the pseudonyms)
        for who, where in (("ann", "ann1"), ("ann", "ann2"), ("bob", "bob")):
            meta = export_research(Snapshot.load(loaded), tmp_path / where, "csv", KEY, recipient=who)
            assert "keyed for " + who in str(meta["pseudonyms"])
        ann1, ann2, bob = (set(pd.read_csv(tmp_path / w / "nodes.csv")["firm"]) for w in ("ann1", "ann2", "bob"))
        assert ann1 == ann2 and ann1.isdisjoint(bob) and ann1.isdisjoint(set(a))
