"""The research export: nodes, monthly edges and metrics, anonymised.

* Firm ids become keyed pseudonyms (HMAC-SHA256 with ``TORIHIKI_EXPORT_KEY``,
  or with a key derived from it for one recipient: a researcher's exports
  share pseudonyms, two researchers' carry others — but the same values, so
  their files can still be matched row by row: the key keeps ids out, not
  recipients apart); a plain hash of a 13-digit 法人番号 would be reversed
  in seconds.
* The distress measures (:data:`WITHHELD`) are not exported: they are built
  from the firms' confidential management figures (a loss), and beside
  exact degrees a reader could solve them back for a firm or its partners.
* No names, no 法人番号; industry, prefecture and size class are coarsened
  until every industry × prefecture × size cell holds at least five firms
  (``graph.anonymise.coarsen``), and the steps taken are written down.
* Amounts in yen are rounded to three significant figures (¥1,234,567 →
  ¥1,230,000): exact, 95.5 % of the demo region's monthly edges were unique
  by month and amount alone, so one invoice a reader knew found its pair;
  rounded, 12.7 % are (``docs/exports.md``, rule 3). Growth and shares keep
  about half a percent of precision. The metrics' shares, indices and other
  fractions are rounded to three decimals (:data:`RATIO_DECIMALS`); counts
  stay exact.
* Text cells of CSV files are escaped against spreadsheet formula injection.
* CSV files are UTF-8 with a byte-order mark, so that Excel (which reads a
  CSV without one as Shift_JIS on a Japanese Windows) shows the Japanese
  as it is; pandas, readr and Python's ``utf-8-sig`` read the mark away.
* A data dictionary describes every column of every file; ``export.json``
  says what the export covers (months, the data version it was read at,
  the software version, when made, the coarsening, what is withheld) and
  never where it was written.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Collection, Iterable
from importlib import metadata
from pathlib import Path
from typing import Any, Literal

import networkx as nx
import numpy as np
import pandas as pd

from api.portfolio import Snapshot
from graph.anonymise import (
    ColumnSpec,
    coarsen,
    data_dictionary,
    escape_frame,
    pseudonymise,
    recipient_key,
)
from graph.metrics import METRICS, ego_metrics_table
from graph.network import TradeNetwork
from ingest.names import normalize_name
from ingest.resolve import minted_kind
from queries.model import Firm

__all__ = ["export_research", "ExportFormat", "snapshot_at_one_version", "may_be_a_person", "persons_of"]

ExportFormat = Literal["csv", "parquet", "graphml"]
K_ANONYMITY = 5
MAX_SUPPRESSED = 0.02
"""Share of the described firms whose industry, prefecture and size class
may be suppressed (left empty) instead of coarsening a column for everyone
(``graph.anonymise.coarsen``). On the demo region, without it five clients
in divisions of one or two firms made every firm's industry one of three
sectors and its size small or large (297 clients described); with 2 %, 25
clients are suppressed and 275 keep their JSIC division (11 of them)."""
YEN_DIGITS = 3
"""Significant figures an amount in yen keeps in the export."""
_ROUNDED = f"rounded to {YEN_DIGITS} significant figures"
CSV_ENCODING = "utf-8-sig"
"""UTF-8 with a byte-order mark: Excel reads the Japanese right."""

_PSEUDO = "pseudonym (HMAC-SHA256, keyed)"
NODE_KINDS = {
    "client": "a BPO client: its own ledger is in the data",
    "personal_client": "a BPO client that may be a natural person (no 法人番号 and no legal form in its name: "
                       "a sole proprietor): its industry, prefecture, size class and metrics are withheld, "
                       "and it is not linked across clients: its trade with another client is a "
                       "sole_proprietor node of that client's",
    "corporation": "a corporation (by its 法人番号, or its name with a legal form), linked across clients",
    "unresolved_name": "a name of unknown kind in one client's ledger, not linked across clients: the same "
                       "counterparty in two clients' ledgers is two nodes",
    "sole_proprietor": "a sole proprietor (a natural person) in one client's ledger, never linked across "
                       "clients: the same person in two clients' ledgers is two nodes",
    "listed": "a firm of the operator's firm master that is not (or no longer) a client",
}
"""The ``node_kind`` of the nodes file: what kind of firm a pseudonym stands for."""
NODE_SPECS = [
    ColumnSpec("firm", "string", "", "firm pseudonym", _PSEUDO),
    ColumnSpec("is_client", "boolean", "", "a BPO client (its own ledger is in the data)"),
    ColumnSpec("node_kind", "string", "", "; ".join(f"{k}: {v}" for k, v in NODE_KINDS.items())),
    ColumnSpec("industry", "string", "", "JSIC division letter, or a broader sector where coarsened",
               "generalised (k ≥ 5)"),
    ColumnSpec("prefecture", "string", "", "prefecture, or a (sub)region of Japan where coarsened (中国 is the "
               "Chūgoku region of western Honshu, not China; 山陰 and 山陽 its two sides)", "generalised (k ≥ 5)"),
    ColumnSpec("size_class", "string", "", "size class by annual sales: 1 under ¥50M, 2 ¥50M–100M, 3 ¥100M–1B, "
               "4 from ¥1B; small (1–2) / large (3–4) where coarsened", "generalised (k ≥ 5)"),
]
EDGE_SPECS = [
    ColumnSpec("seller", "string", "", "seller firm pseudonym", _PSEUDO),
    ColumnSpec("buyer", "string", "", "buyer firm pseudonym", _PSEUDO),
    ColumnSpec("month", "YYYY-MM", "", "calendar month of the trade"),
    ColumnSpec("amount", "integer", "yen", "trade seller → buyer in the month (each flow counted once), as the "
               "clients' ledgers book it: the month of the sale or purchase, not of its payment; consumption "
               "tax included where the ledger books amounts with it (税込経理)", _ROUNDED),
]
GRAPHML_EDGE_SPECS = [
    ColumnSpec("amount", "integer", "yen", "trade seller → buyer over the months exported: the sum of the "
               "monthly amounts, each rounded first (so it can carry more figures than three)", _ROUNDED),
    ColumnSpec("months", "integer", "months", "months in which the seller sold to the buyer"),
]
"""The attributes of ``network.graphml``'s edges (its nodes carry the nodes file's columns)."""
WITHHELD = ("distressed", "partner_distress_share", "customer_distress_share", "supplier_distress_share",
            "two_hop_distress_exposure", "hops_to_distress")
"""Metrics not exported: whether a firm or its partners are in distress comes
from the firms' confidential management figures (an ordinary loss), and with
exact degrees and the edges beside it a reader can solve it back — for the
firm itself (0 hops), and for a partner of a firm with few partners."""
_REIDENTIFICATION = (
    "k-anonymity covers industry, prefecture and size class only. A client's network metrics and edges "
    "are close to unique (on the demo region, every client's metrics row is): anyone who knows a firm's "
    "trading partners or sales can find its row. Keep the files to the research agreement; never join "
    "them with firm-level data from elsewhere.")


def round_yen(values: pd.Series, digits: int = YEN_DIGITS) -> pd.Series:
    """Amounts in yen to ``digits`` significant figures (integers; 0 and
    missing values stay as they are).

    >>> round_yen(pd.Series([1_234_567, 999, 0, -45_678])).tolist()
    [1230000, 999, 0, -45700]
    """
    x = pd.to_numeric(values, errors="coerce").astype("float64")
    magnitude = pd.Series(np.floor(np.log10(x.abs().where(x != 0))), index=x.index)
    step = 10.0 ** (magnitude - digits + 1).clip(lower=0)
    rounded = ((x / step).round() * step).where(x != 0, x)
    return rounded.round().astype("Int64") if rounded.isna().any() else rounded.round().astype("int64")


def _yen_columns(columns: list[str]) -> list[str]:
    """The metrics in yen (out and in strength): rounded like the edges."""
    yen = {m.name for m in METRICS if m.unit == "yen"}
    return [c for c in columns if c in yen]


RATIO_DECIMALS = 3
"""Decimals kept of the metrics that are shares, indices or other fractions (0.1 percentage
point for a share): to 16 digits a client's top-customer share or HHI is a fingerprint
of its own, and beside the rounded strengths an exact share gives back the
top partner's yen to more figures than the edges show."""


def _fractional_columns(metrics: pd.DataFrame) -> list[str]:
    """The metrics rounded to :data:`RATIO_DECIMALS`: every one but the yen
    (rounded to significant figures) and the counts (exact integers) —
    shares, indices and the other fractions (an effective size is built from
    partner shares)."""
    yen = {m.name for m in METRICS if m.unit == "yen"}
    return [c for c in metrics.columns
            if c != "firm" and c not in yen and not pd.api.types.is_integer_dtype(metrics[c])]


def _node_kind(firm_id: str, is_client: bool, personal: bool = False, moved: bool = False) -> str:
    """The ``node_kind`` of a firm (:data:`NODE_KINDS`); ``moved``: the node
    of a person's trade with one client (:func:`_split_personal`), a sole
    proprietor of that client's."""
    if personal:
        return "personal_client"
    if moved:
        return "sole_proprietor"
    return "client" if is_client else (minted_kind(firm_id) or "listed")


def may_be_a_person(firm: Firm | None) -> bool:
    """A client that may be a natural person (a sole proprietor, 個人事業主):
    it has no 法人番号 — every corporation has one — and its name carries no
    legal form (野津フーズ, 弓浜岸本京子). The rule that links a counterparty
    across clients (``ingest.names.is_sole_proprietor``: only a legal form or
    a 法人番号 makes a corporation), applied to the clients themselves."""
    if firm is None or firm.corporate_number:
        return False
    return normalize_name(firm.name or "").legal_form is None


def persons_of(store: Any) -> set[str]:
    """:func:`_persons` of the store itself: a researcher's scoped store
    answers firms without names or 法人番号, and would make every firm a person."""
    return _persons(getattr(store, "store", store).all_firms())


def _persons(firms: Iterable[Firm]) -> set[str]:
    """The firms of the firm master (not ids minted from a ledger's name)
    that may be natural persons (:func:`may_be_a_person`)."""
    return {f.id for f in firms if minted_kind(f.id) is None and may_be_a_person(f)}


def _split_personal(edges: pd.DataFrame, persons: set[str], clients: set[str]) -> tuple[pd.DataFrame, set[str]]:
    """``edges`` with a person's trade with a client moved to a node of that
    client's (``X@Q``): the person is not linked across clients, as a sole
    proprietor in a ledger is not (docs/exports.md, rule 2), and the ids of
    those nodes. A personal client keeps its trade with firms that are not
    clients (its own ledger's); a person who is not a client has trade with
    clients only, so all of it moves. Between two personal clients the buyer
    moves (``P → Q@P``): the seller stays the client whose edge it is."""
    if not persons or edges.empty:
        return edges, set()
    seller, buyer = edges["seller"].astype(str), edges["buyer"].astype(str)
    b_moved = buyer.isin(persons) & seller.isin(clients) & (seller != buyer)
    s_moved = seller.isin(persons) & buyer.isin(clients) & (seller != buyer) & ~b_moved
    out = edges.copy()
    out["seller"] = seller.where(~s_moved, seller + "@" + buyer)
    out["buyer"] = buyer.where(~b_moved, buyer + "@" + seller)
    moved = set(out.loc[s_moved, "seller"]) | set(out.loc[b_moved, "buyer"])
    return out, moved


def _software_version() -> str:
    try:
        return metadata.version("torihiki")
    except metadata.PackageNotFoundError:  # run from a checkout without installing
        return "unknown"


def _metric_specs(metrics: pd.DataFrame) -> list[ColumnSpec]:
    """The metrics' dictionary entries, each typed as its column is written
    (counts are integers, the rest floats)."""
    known = {m.name: m for m in METRICS}
    ratios = set(_fractional_columns(metrics))
    specs = [ColumnSpec("firm", "string", "", "client firm pseudonym", _PSEUDO)]
    for c in (c for c in metrics.columns if c != "firm"):
        kind = "integer" if pd.api.types.is_integer_dtype(metrics[c]) else "float"
        m = known.get(c)
        if m is not None:
            worse = f" (worse when {m.worse})" if m.worse else ""
            specs.append(ColumnSpec(c, kind, m.unit, m.description + worse,
                                    _ROUNDED if m.unit == "yen" else
                                    f"rounded to {RATIO_DECIMALS} decimals" if c in ratios else ""))
        else:
            specs.append(ColumnSpec(c, kind, "", c))
    return specs


def snapshot_at_one_version(store: Any, month_from: str | None, month_to: str | None,
                            progress: Callable[[str], None] | None = None, tries: int = 3) -> tuple[Snapshot, int]:
    """The network read for an export, and the data version it was read at:
    the version read before and after the read must agree (a load that
    commits meanwhile would leave the export citing the wrong one), else the
    read is made again, up to ``tries`` times (then the later version is
    given, and the export may hold part of that load). Raises what
    :meth:`Snapshot.load` raises (``ValueError``: no trade in the window)."""
    snap = None
    for _ in range(tries):
        before = store.data_version()
        snap = Snapshot.load(store, month_from, month_to, **({"progress": progress} if progress else {}))
        after = store.data_version()
        if after == before:
            return snap, before
    assert snap is not None
    return snap, after


def _metrics_of(snap: Snapshot, edges: pd.DataFrame, personal: set[str], moved: set[str]) -> pd.DataFrame:
    """The clients' metrics, personal clients left out, computed on the
    exported network (``edges``: a person's trade with a client split off,
    :func:`_split_personal`) so that a researcher can compute them again from
    the edges, and none keeps a link the split removed; the withheld
    measures dropped. Without persons, the snapshot's own metrics."""
    if not personal and not moved:
        metrics = snap.metrics
    else:
        kept = [c for c in snap.clients if c not in personal]
        network = TradeNetwork(edges, start=snap.month_from, end=snap.month_to)
        metrics = ego_metrics_table(network, kept, snap.distress, kept)
    return metrics.drop(columns=[c for c in WITHHELD if c in metrics.columns])


def export_research(snap: Snapshot, out: Path, fmt: ExportFormat, key: bytes,
                    progress: Callable[[str], None] | None = None, recipient: str | None = None,
                    data_version: int | None = None, persons: Collection[str] | None = None,
                    region_month: str | None = None) -> dict[str, object]:
    """Write the export into ``out``; returns a summary (files, rows, coarsening steps).

    ``region_month``: the latest month half the clients' ledgers reach
    (:mod:`api.region_month`), written down, with a note when the export's
    months go past it (those months hold only the clients that delivered them).

    ``recipient``: whom it is for — its pseudonyms are then keyed for them
    (:func:`graph.anonymise.recipient_key`: stable across their releases,
    different from anyone else's); ``None``: with ``key`` itself (the
    operator's own). ``data_version``: the store's data version the
    snapshot was read at, written down so that a paper can cite what it used.
    ``persons``: the firms that may be natural persons (:func:`persons_of`
    the store; a researcher's snapshot has no names to tell them by);
    ``None``: told from the snapshot's firms."""
    step = progress or (lambda _: None)
    if recipient is not None:
        key = recipient_key(key, recipient)
    out.mkdir(parents=True, exist_ok=True)
    step("pseudonymising")
    # without them given, told from the snapshot's own firms (an operator's: with names and 法人番号)
    persons = set(persons) if persons is not None else _persons(snap.firms.values())
    personal = persons & set(snap.clients)
    edges, moved = _split_personal(snap.network.edges[["seller", "buyer", "month", "amount"]].copy(), persons,
                                   set(snap.clients))
    firms = sorted(set(edges["seller"].astype(str)) | set(edges["buyer"].astype(str)) | set(snap.clients))
    alias = {f: pseudonymise(f, key) for f in firms}
    sizes = snap.firms_frame()["size_class"] if snap.clients else pd.Series(dtype="float64")
    clients = [bool(snap.firms[f].is_client) if f in snap.firms else False for f in firms]

    def known(f: str, attribute: str) -> object:
        """A firm's quasi-identifier, none for a personal client (withheld)."""
        return getattr(snap.firms[f], attribute) if f in snap.firms and f not in personal else None

    nodes = pd.DataFrame({
        "firm": [alias[f] for f in firms],
        "is_client": clients,
        "node_kind": [_node_kind(f, c, f in personal, f in moved) for f, c in zip(firms, clients, strict=True)],
        "industry": [known(f, "industry") for f in firms],
        "prefecture": [known(f, "prefecture") for f in firms],
        "size_class": [None if f in personal or pd.isna(sizes.get(f)) else int(sizes[f]) for f in firms],
    })
    step("coarsening")
    co = coarsen(nodes, ("industry", "prefecture", "size_class"), k=K_ANONYMITY, max_suppressed=MAX_SUPPRESSED)
    # in the pseudonyms' order: the firm ids' order (a 法人番号 is public) would place a firm's row
    nodes = co.frame.astype({"size_class": "string"}).sort_values("firm").reset_index(drop=True)
    raw_edges = edges.copy()  # split, with the firm ids: the metrics are computed on these
    edges["amount"] = round_yen(edges["amount"])
    edges["seller"] = edges["seller"].astype(str).map(alias)
    edges["buyer"] = edges["buyer"].astype(str).map(alias)
    edges = edges.sort_values(["month", "seller", "buyer"]).reset_index(drop=True)
    metrics = _metrics_of(snap, raw_edges, personal, moved)
    for c in _yen_columns(list(metrics.columns)):
        metrics[c] = round_yen(metrics[c])  # whole yen (Int64 where a value is missing), not floats
    for c in _fractional_columns(metrics):
        metrics[c] = pd.to_numeric(metrics[c], errors="coerce").round(RATIO_DECIMALS)
    metrics.index = [alias[f] for f in metrics.index]
    metrics.index.name = "firm"
    metrics = metrics.reset_index().sort_values("firm").reset_index(drop=True)
    kept = set(nodes["firm"])
    edges = edges[edges["seller"].isin(kept) & edges["buyer"].isin(kept)]
    metrics = metrics[metrics["firm"].isin(kept)]

    step("writing")
    files: list[str] = []
    dictionary = pd.concat([
        data_dictionary(NODE_SPECS, nodes).assign(file="network.graphml (nodes)" if fmt == "graphml" else "nodes"),
        *([data_dictionary(GRAPHML_EDGE_SPECS, pd.DataFrame(columns=["amount", "months"]))
           .assign(file="network.graphml (edges)")] if fmt == "graphml" else []),
        data_dictionary(EDGE_SPECS, edges).assign(file="edges"),
        data_dictionary(_metric_specs(metrics), metrics).assign(file="metrics"),
    ])
    if fmt == "graphml":
        g = nx.DiGraph()
        for rec in nodes.to_dict("records"):
            g.add_node(str(rec["firm"]), **{str(k): ("" if pd.isna(v) else v) for k, v in rec.items()
                                            if k != "firm"})
        totals = edges.groupby(["seller", "buyer"])["amount"].agg(["sum", "count"]).reset_index()
        for s, b, amount, months in totals.itertuples(index=False):
            g.add_edge(s, b, amount=int(amount), months=int(months))
        nx.write_graphml(g, out / "network.graphml")
        files.append("network.graphml")
        fmt_tables: ExportFormat = "csv"  # monthly edges and metrics do not fit GraphML's scalars
    else:
        fmt_tables = fmt
    for name, frame in (("nodes", nodes), ("edges", edges), ("metrics", metrics)):
        if fmt == "graphml" and name == "nodes":
            continue  # the nodes and their attributes are in network.graphml
        path = out / f"{name}.{'parquet' if fmt_tables == 'parquet' else 'csv'}"
        if fmt_tables == "parquet":
            frame.to_parquet(path, index=False)
        else:
            escape_frame(frame, index=False).to_csv(path, index=False, encoding=CSV_ENCODING)
        files.append(path.name)
    escape_frame(dictionary, index=False).to_csv(out / "data_dictionary.csv", index=False, encoding=CSV_ENCODING)
    files.append("data_dictionary.csv")
    summary: dict[str, object] = {
        "format": fmt, "files": files,
        "month_from": snap.month_from or snap.network.start,
        "month_to": snap.month_to or snap.network.end,
        "region_month": region_month,
        "data_version": data_version,
        "software": f"torihiki {_software_version()}",
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "firms": len(nodes), "edges": len(edges),
        "metrics_rows": len(metrics), "k_anonymity": K_ANONYMITY, "coarsening_steps": co.steps,
        "suppressed_rows": co.suppressed_rows, "dropped_rows": co.dropped_rows,
        "csv_encoding": "UTF-8 with a byte-order mark" if fmt != "parquet" else None,
        "amounts": _ROUNDED,
        "pseudonyms": (f"keyed for {recipient}: the same in every export for {recipient}; another "
                       "recipient's pseudonyms differ, but their values are the same, so two recipients' "
                       "files can be matched row by row" if recipient is not None
                       else "keyed with the operator's key"),
        "withheld": {"columns": [c for c in WITHHELD if c in snap.metrics.columns],
                     "why": "distress comes from the firms' confidential management figures (a loss), and "
                            "beside exact degrees it could be solved back for a firm or its partners"},
        "personal_clients": {
            "n": len(personal),
            "what": "clients that may be natural persons (no 法人番号, no legal form in the name): node_kind "
                    "personal_client, without industry, prefecture, size class or metrics row, not linked "
                    "across clients (their trade with another client is a sole_proprietor node of that "
                    "client's)"},
        "reidentification": _REIDENTIFICATION,
    }
    last = str(summary["month_to"] or "")
    if region_month is not None and last > region_month:
        summary["partial_months"] = (f"the months after {region_month} (the latest month half the clients' "
                                     "ledgers reach) hold only the clients that delivered them: few, and a "
                                     "month's trade there may be one client's")
    # the file travels with the export: no path of the machine that wrote it
    (out / "export.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2), encoding="utf-8")
    return {"out": str(out), **summary}
