"""Whole-network analytics: one snapshot of the data, then peers, the
portfolio score table and the research export computed from it.

A :class:`Snapshot` reads the store once (all firms, all trade in the
window, parameters), builds the window's :class:`graph.network.TradeNetwork`
once and computes every client's ego metrics in one vectorised pass — that
is what lets ``torihiki score --all`` cover 10,000 clients in about a minute.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from api.cache import StoredTableCache, app_state_once
from api.region_month import region_month
from domain.errors import InputError
from domain.parameters import PARAMETERS
from graph.distress import distress_reasons
from graph.frames import parameters_frame, parameters_table
from graph.ledger_figures import size_class
from graph.metrics import METRICS, ego_metrics_table
from graph.network import TradeNetwork, month_range
from graph.peers import peer_baseline, peer_percentiles
from graph.trends import group_gaps
from queries.model import Firm, ParameterRow
from queries.scoped import ReadStore, is_pseudonym
from queries.store import NotFound, Store

__all__ = ["Snapshot", "SnapshotCache", "shared_snapshot_cache", "peers_of", "score_table", "DIRECTIONS", "trend_gaps"]

# metric / parameter name -> "higher is better" | "lower is better" | None
DIRECTIONS: dict[str, str | None] = {
    m.name: (None if m.worse is None else ("lower is better" if m.worse == "higher" else "higher is better"))
    for m in METRICS
}
PARAMETER_DIRECTIONS: dict[str, str | None] = {
    p.name: (None if p.better is None else f"{p.better} is better") for p in PARAMETERS
}


DISTRESS_MEASURES = frozenset({"partner_distress_share", "customer_distress_share", "supplier_distress_share"})
"""Peer measures read from the partners' own distress signals (two-hop
exposure reads the signals of firms beyond them, which may be visible)."""
TWO_HOP_MEASURES = frozenset({"two_hop_distress_exposure"})
"""Peer measures read from the signals of firms beyond the partners: not
assessable where no such firm can be seen through an assessed partner."""


def unassessed_to_missing(metrics: pd.DataFrame, edges: pd.DataFrame, clients: Iterable[str]) -> pd.DataFrame:
    """``metrics`` (one row per client) with the distress measures a bank
    cannot assess left missing, as the firm page shows them (判定不可), not
    0 — which would count the firm's pseudonymous partners as healthy in the
    peers' quartiles: :data:`DISTRESS_MEASURES` where every partner is under
    a pseudonym, :data:`TWO_HOP_MEASURES` also where no visible firm lies
    two steps away through a visible partner (``Health.two_hop_assessable``)."""
    pairs = edges[["seller", "buyer"]].astype(str).drop_duplicates()
    partners: dict[str, set[str]] = {}
    for s, b in pairs.itertuples(index=False):
        if s != b:
            partners.setdefault(s, set()).add(b)
            partners.setdefault(b, set()).add(s)
    out = metrics.copy()
    for c in clients:
        if c not in out.index:
            continue
        mine = partners.get(c, set())
        assessed = {p for p in mine if not is_pseudonym(p)}
        if mine and not assessed:
            out.loc[c, [m for m in DISTRESS_MEASURES if m in out.columns]] = np.nan
        beyond = {q for p in assessed for q in partners.get(p, ()) if q != c and q not in mine
                  and not is_pseudonym(q)}
        if not assessed or not beyond:
            out.loc[c, [m for m in TWO_HOP_MEASURES if m in out.columns]] = np.nan
    return out


@dataclass
class Snapshot:
    """Everything whole-network analytics needs, read and computed once.
    ``bank``: the bank whose view it is (its pseudonyms' signals are not
    counted, and what it cannot assess is missing), ``None`` for the operator's."""

    firms: dict[str, Firm]
    network: TradeNetwork
    parameters: list[ParameterRow]
    distress: dict[str, set[str]]
    clients: list[str]
    month_from: str | None = None
    month_to: str | None = None
    _metrics: pd.DataFrame | None = field(default=None, repr=False)
    bank: str | None = None

    @classmethod
    def load(cls, store: ReadStore, month_from: str | None = None, month_to: str | None = None,
             progress: Callable[[str], None] | None = None) -> Snapshot:
        step = progress or (lambda _: None)
        step("reading firms")
        firms = {f.id: f for f in store.all_firms()}
        step("reading trade")
        edges = store.trade_frame(month_from, month_to)
        if edges.empty:
            raise InputError(f"no trade in the months {month_from or '…'} to {month_to or '…'}"
                             if month_from or month_to else "no trade in the data yet: ingest ledgers first")
        step("building the network")
        network = TradeNetwork(edges, start=month_from, end=month_to)
        step("reading parameters")
        params = store.parameters()
        step("finding distressed firms")
        # A partner under a pseudonym (a credit officer's scope) has no signals: the
        # network holds only its trade with visible firms, so it would look as if it had
        # stopped trading, and its own signals are not counted (docs/access.md, rule 3).
        # Judged at the region's month (api.region_month), as a firm's page and the network
        # view judge partners: not at the month of the few ledgers delivered ahead of the
        # others, and also when the trade ends before it (a month of bank lines only).
        distress = distress_reasons(network=network, parameters=params,
                                    end=month_to or region_month(store) or network.end)
        bank = getattr(store, "bank", None)
        if bank is not None:  # a bank's view: its pseudonyms' signals left out
            distress = {f: r for f, r in distress.items() if not is_pseudonym(f)}
        clients = sorted(f.id for f in firms.values() if f.is_client)
        return cls(firms, network, params, distress, clients, month_from, month_to, bank=bank)

    @property
    def metrics(self) -> pd.DataFrame:
        """Ego metrics of every client (index firm id), computed once."""
        if self._metrics is None:
            metrics = ego_metrics_table(self.network, self.clients, self.distress, self.clients)
            if self.bank is not None:
                metrics = unassessed_to_missing(metrics, self.network.edges, self.clients)
            self._metrics = metrics
        return self._metrics

    def firms_frame(self) -> pd.DataFrame:
        """Clients with industry and size class (from parameters, else from
        annual sales observed in the window)."""
        idx = pd.Index(self.clients, name="firm_id")
        frame = pd.DataFrame({
            "industry": [self.firms[f].industry for f in self.clients],
            "prefecture": [self.firms[f].prefecture for f in self.clients],
        }, index=idx)
        sizes = pd.Series(np.nan, index=idx, dtype="float64")
        if self.parameters:
            latest = parameters_frame(self.parameters)
            if "size_class" in latest.columns:
                # a plain Series: indexing a frame with attrs deep-copies them each time
                sizes = pd.Series(latest["size_class"].to_numpy(dtype="float64"),
                                  index=latest.index.astype(str)).reindex(idx)
        sales = self.metrics.get("out_strength")
        if sales is not None:
            months = max(1, len(month_range(self.network.start, self.network.end)))
            annual = pd.to_numeric(sales, errors="coerce").reindex(idx) * 12 / months
            from_sales = annual.map(lambda x: np.nan if pd.isna(x) else float(size_class(float(x))))
            sizes = sizes.fillna(from_sales)
        frame["size_class"] = sizes.astype("Int64")
        return frame


PEER_INPUTS = "peer_inputs"
"""Name of the stored table: every client's industry, size class and ego metrics."""


def refresh_peer_inputs(store: Store, progress: Callable[[str], None] | None = None,
                        snap: Snapshot | None = None) -> dict[str, Any]:
    """Compute every client's metrics on the whole network once and store
    them with the data version they were computed from (after a load, so
    that the API answers peers without rebuilding the whole network).
    ``snap``: a snapshot of the store already built for the same version, if any."""
    version = store.data_version()
    snap = snap or Snapshot.load(store, progress=progress)
    table = snap.firms_frame().join(snap.metrics, how="left")
    buf = io.BytesIO()
    table.to_parquet(buf)
    created = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    store.put_analytics(PEER_INPUTS, buf.getvalue(), version, created)
    return {"clients": len(table), "data_version": version, "created_at": created,
            "bytes": len(buf.getvalue())}


@dataclass
class PeerInputs:
    """What peer baselines need: clients' industry and size class
    (``firms``), their network metrics (``metrics``), management parameters
    (``params``, long table), and how current the metrics are."""

    firms: pd.DataFrame
    metrics: pd.DataFrame
    params: pd.DataFrame
    computed_at: str
    data_version: int
    stale: bool

    @classmethod
    def from_snapshot(cls, snap: Snapshot, version: int, computed_at: str) -> PeerInputs:
        return cls(snap.firms_frame(), snap.metrics, _params_table(snap.parameters), computed_at,
                   version, False)


def _params_table(rows: list[ParameterRow]) -> pd.DataFrame:
    return parameters_table(rows) if rows else pd.DataFrame(columns=["firm_id", "period"])


class SnapshotCache(StoredTableCache[PeerInputs]):
    """Peer inputs per process, by scope and data version.

    The scope (:func:`queries.scoped.scope_key_of`) keeps one bank's inputs
    from another's: a credit officer's peers are computed on what the bank
    may see (its scoped store has no stored table, so a snapshot of the
    visible network is built here once per data version).

    Reads the table :func:`refresh_peer_inputs` stored after the last load
    (a few megabytes) rather than the whole network; when there is none
    yet, builds a snapshot here once. Metrics computed before the latest
    write are served marked ``stale`` until the next refresh; what the
    master data and parameters say (industry, prefecture, size class,
    parameters) is read again whenever the data version moves — every write,
    a firm master or parameter import included — so peer groups follow them
    at once (:func:`current_firm_columns`).
    """

    MAX_SCOPES = 16
    NAME = PEER_INPUTS

    def build(self, store: ReadStore, version: int, stored: tuple[int, str, bytes] | None) -> PeerInputs:
        if stored is None:
            now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
            return PeerInputs.from_snapshot(Snapshot.load(store), version, now)
        table = pd.read_parquet(io.BytesIO(stored[2]))
        firm_cols = ["industry", "prefecture", "size_class"]
        params = store.parameters()
        firms = table[firm_cols] if stored[0] == version else current_firm_columns(
            store, table[firm_cols], params)
        return PeerInputs(firms, table.drop(columns=firm_cols), _params_table(params),
                          stored[1], stored[0], stale=stored[0] != version)


def current_firm_columns(store: ReadStore, stored: pd.DataFrame, params: list[ParameterRow]) -> pd.DataFrame:
    """``industry``, ``prefecture`` and ``size_class`` of the stored table's
    clients as the store says now: the firm master's industry and prefecture,
    the size class of the latest parameters (else the stored one, observed
    from trade)."""
    idx = stored.index
    firms = store.get_firms([str(f) for f in idx])
    frame = pd.DataFrame({
        "industry": [firms[f].industry if f in firms else None for f in idx],
        "prefecture": [firms[f].prefecture if f in firms else None for f in idx],
    }, index=idx)
    sizes = pd.to_numeric(stored["size_class"], errors="coerce").astype("float64")
    if params:
        latest = parameters_frame(params)
        if "size_class" in latest.columns:
            given = pd.Series(latest["size_class"].to_numpy(dtype="float64"),
                              index=latest.index.astype(str)).reindex(idx)
            sizes = given.fillna(sizes)
    frame["size_class"] = sizes.astype("Int64")
    return frame


def shared_snapshot_cache(state: Any) -> SnapshotCache:
    """The app's one :class:`SnapshotCache`, made on first use (``state``:
    the FastAPI ``app.state``) so that start-up does not import the analytics."""
    return app_state_once(state, "snapshots", SnapshotCache)


def peers_of(inputs: PeerInputs | Snapshot, firm_id: str, period: str | None = None) -> dict[str, Any]:
    """The firm's parameters and network metrics against its peers (same JSIC
    division and size class, falling back to the division), suppressed below
    five firms (``graph.peers``); ``metrics_as_of`` says when the network
    metrics were computed and whether data changed since."""
    if isinstance(inputs, Snapshot):
        if firm_id not in inputs.firms:
            raise NotFound(f"no firm {firm_id!r}")
        inputs = PeerInputs.from_snapshot(inputs, 0, "")
    firms = inputs.firms
    if firm_id not in firms.index:
        raise InputError(f"{firm_id} is not a BPO client: peer baselines compare clients")
    if firms["industry"].isna().get(firm_id, True):
        raise InputError(f"{firm_id} has no JSIC division (torihiki firms import a master with 'industry')")
    result = peer_baseline(firm_id, firms, inputs.params, inputs.metrics, period,
                           directions=DIRECTIONS).to_dict()
    result["metrics_as_of"] = {"computed_at": inputs.computed_at, "stale": inputs.stale}
    return result


def trend_gaps(network: TradeNetwork, firms: list[str],
               ledgers: Mapping[str, Mapping[str, Mapping[str, int]]] | None = None,
               last_month: str | None = None) -> pd.DataFrame:
    """Firm-versus-group growth gap of many firms (:func:`graph.trends.group_gaps`:
    the rule of the trend page, by fiscal quarter). ``ledgers``: clients'
    ledger sums (``Store.ledger_sums``), whose lines without a counterparty
    count in a client's turnover as on the trend page. ``last_month``: the
    region's month (:mod:`api.region_month`): later months, which most
    clients' ledgers do not reach yet, are left out, as the trend page
    leaves them out."""
    unnamed = None if ledgers is None else {f: unnamed_turnover(sums) for f, sums in ledgers.items()}
    months = [m for m in network.months if last_month is None or m <= last_month]
    return group_gaps(network.edges, months, firms, unnamed=unnamed)


def unnamed_turnover(sums: Mapping[str, Mapping[str, int]]) -> dict[str, int]:
    """A client's ledger lines without a counterparty, sales plus purchases,
    yen per month, from its ledger sums."""
    out: dict[str, int] = {}
    for kind in ("unnamed_sales", "unnamed_purchases"):
        for month, yen in sums.get(kind, {}).items():
            out[month] = out.get(month, 0) + yen
    return out


def score_table(snap: Snapshot, progress: Callable[[str], None] | None = None,
                unnamed: Mapping[str, Mapping[str, Mapping[str, int]]] | None = None,
                last_month: str | None = None) -> pd.DataFrame:
    """One row per client: ego metrics, trend gap, peer percentiles of
    metrics and parameters, and the distress reasons of the firm itself.
    ``unnamed``: the clients' lines without a counterparty
    (``Store.unnamed_totals``), part of their turnover in the trend gap;
    ``last_month``: the region's month, as for :func:`trend_gaps`."""
    step = progress or (lambda _: None)
    step("ego metrics")
    metrics = snap.metrics.copy()
    step("trend gaps")
    gaps = trend_gaps(snap.network, snap.clients, unnamed, last_month)
    step("peer percentiles")
    firms = snap.firms_frame()
    params = parameters_frame(snap.parameters) if snap.parameters else pd.DataFrame(index=metrics.index)
    table = metrics.join(params.add_prefix("param_"), how="left").join(gaps, how="left")
    directed = [m for m, d in DIRECTIONS.items() if d and m in metrics.columns]
    directed += [f"param_{p}" for p, d in PARAMETER_DIRECTIONS.items() if d and f"param_{p}" in table.columns]
    table = table.join(peer_percentiles(table, firms, directed), how="left")
    table.insert(0, "industry", firms["industry"].reindex(table.index))
    table.insert(1, "size_class", firms["size_class"].reindex(table.index))
    table.insert(2, "prefecture", firms["prefecture"].reindex(table.index))
    table["own_distress"] = [";".join(sorted(snap.distress.get(f, ()))) for f in table.index]
    table.index.name = "firm_id"
    return table
