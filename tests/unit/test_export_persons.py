"""Persons in the research export (docs/exports.md, rule 2), on a
hand-made network: a client that may be a natural person is a
``personal_client`` without metrics or quasi-identifiers, a person is never
linked across clients (its trade with each client is a node of that
client's; between two personal clients, the seller keeps the edge), a
person of the firm master who is not a client leaves no node of its own,
and the metrics can be computed again from the exported edges (they were
computed before the split, and kept the links it removed)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from api.export import export_research
from api.portfolio import Snapshot
from graph.anonymise import pseudonymise
from graph.metrics import ego_metrics_table
from graph.network import TradeNetwork
from queries.model import Firm

KEY = b"test-export-key-0123456789"
FIRMS = {
    "F1": Firm("F1", "株式会社一", corporate_number="1000000000001", industry="E", is_client=True),
    "F2": Firm("F2", "株式会社二", corporate_number="1000000000002", industry="E", is_client=True),
    "P1": Firm("P1", "佐藤次郎", industry="I", is_client=True),   # a person, a client
    "P2": Firm("P2", "山田花子", industry="I", is_client=True),   # a person, a client
    "E1": Firm("E1", "鈴木一郎", is_client=False),                # a person of the firm master, no client
    "N1": Firm("N1", "株式会社外", corporate_number="1000000000009", is_client=False),
}
TRADE = [("F1", "P1"), ("P1", "F1"), ("P1", "N1"), ("P1", "P2"), ("E1", "F1"), ("E1", "F2"), ("F2", "P1"),
         ("F1", "F2"), ("F2", "N1")]


def _export(tmp_path: Path) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, dict[str, str]]:
    rows = [(s, b, m, 1_000_000 * (i + 1)) for i, (s, b) in enumerate(TRADE) for m in ("2025-01", "2025-02")]
    network = TradeNetwork(pd.DataFrame(rows, columns=["seller", "buyer", "month", "amount"]))
    snap = Snapshot(dict(FIRMS), network, [], {}, ["F1", "F2", "P1", "P2"])
    export_research(snap, tmp_path, "csv", KEY)
    read = {n: pd.read_csv(tmp_path / f"{n}.csv", encoding="utf-8-sig", keep_default_na=False)
            for n in ("nodes", "edges", "metrics")}
    alias = {pseudonymise(f, KEY): f for f in [*FIRMS, "P1@F1", "P1@F2", "P2@P1", "E1@F1", "E1@F2"]}
    return read["nodes"], read["edges"], read["metrics"], alias


def test_persons_are_not_linked_across_clients(tmp_path: Path) -> None:
    nodes, edges, metrics, alias = _export(tmp_path)
    kind = {alias[f]: k for f, k in zip(nodes["firm"], nodes["node_kind"], strict=True)}
    assert kind["P1"] == kind["P2"] == "personal_client" and kind["F1"] == kind["F2"] == "client"
    assert "E1" not in kind  # its trade is all with clients: a node of each client's
    assert kind["P1@F1"] == kind["P1@F2"] == kind["P2@P1"] == kind["E1@F1"] == kind["E1@F2"] == "sole_proprietor"
    pairs = {(alias[s], alias[b]) for s, b in zip(edges["seller"], edges["buyer"], strict=True)}
    assert pairs == {("F1", "P1@F1"), ("P1@F1", "F1"), ("P1", "N1"), ("P1", "P2@P1"), ("E1@F1", "F1"),
                     ("E1@F2", "F2"), ("F2", "P1@F2"), ("F1", "F2"), ("F2", "N1")}
    persons = nodes[nodes["firm"].map(alias).isin(["P1", "P2"])]
    assert (persons[["industry", "prefecture", "size_class"]] == "").all().all()
    assert sorted(metrics["firm"].map(alias)) == ["F1", "F2"]  # no row of a person


def test_the_metrics_are_those_of_the_exported_edges(tmp_path: Path) -> None:
    nodes, edges, metrics, alias = _export(tmp_path)
    clients = sorted(nodes.loc[nodes["node_kind"] == "client", "firm"])
    again = ego_metrics_table(TradeNetwork(edges), clients, (), clients)
    for col in ("out_degree", "in_degree", "partners", "ego_density", "constraint", "effective_size",
                "client_sales_coverage", "client_purchase_coverage"):
        got = metrics.set_index("firm")[col].astype(float).sort_index()
        want = pd.to_numeric(again[col], errors="coerce").astype(float).round(3).sort_index()
        assert got.round(3).tolist() == want.tolist(), col
