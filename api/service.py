"""Use cases shared by the CLI and the API: fetch through queries, compute
with graph, return plain dicts ready for JSON."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from api.window_tables import read_table
from domain.errors import check_month_window
from graph.ego import (
    EgoNetwork,
    assemble,
    partner_sums,
    rank_partners,
    rank_second_hop,
    reached_via,
    window_amounts,
    window_pairs,
)
from ingest.accounts import AccountTable, load_account_table
from ingest.decode import EncodingError
from ingest.load import IngestError, LoadJob, LoadSummary, load_file
from ingest.month_window import MonthWindow
from ingest.readers.detect import Format, FormatError, detect_format, read_ledger
from ingest.resolve import Resolver
from queries.model import Firm, TradeEdge
from queries.scoped import ReadStore, is_pseudonym
from queries.store import NotFound, Store

__all__ = [
    "firm_public", "ego", "ego_as_dict", "check_month_window", "counterparts", "ingest_file", "ReaderOptions", "figures", "coverage",
    "reconciliation",
]


def firm_public(f: Firm) -> dict[str, Any]:
    """A firm as the API shows it."""
    return {
        "id": f.id,
        "name": f.name,
        "corporate_number": f.corporate_number,
        "industry": f.industry,
        "prefecture": f.prefecture,
        "is_client": bool(f.is_client),
    }


def counterparts(edges: Iterable[TradeEdge], exclude: Collection[str]) -> set[str]:
    """Firms on either end of ``edges``, other than those in ``exclude``."""
    return {f for e in edges for f in (e.seller, e.buyer)} - set(exclude)




def ego(
    store: ReadStore,
    firm_id: str,
    hops: int = 1,
    month_from: str | None = None,
    month_to: str | None = None,
    max_nodes: int = 500,
) -> tuple[Firm, EgoNetwork, dict[str, Firm]]:
    """The ego network of ``firm_id`` over the month window (inclusive).

    Reads the firm's merged pairs, keeps its ``max_nodes - 1`` largest
    partners (by yen both ways; metrics still cover all of them), then the
    ties among the kept firms; with ``hops=2`` it first ranks second-hop
    firms by their yen with the kept partners, without monthly series (over
    the whole window the store ranks them: ``Store.second_hop``).
    Raises :class:`queries.store.NotFound` for an unknown firm.
    """
    if hops not in (1, 2):
        raise ValueError("hops must be 1 or 2")
    firm = store.get_firm(firm_id)
    if firm is None:
        raise NotFound(f"no firm {firm_id!r}")
    check_month_window(month_from, month_to)
    whole = month_from is None and month_to is None
    if whole:  # yen over all months is stored with each pair: no series needed to rank
        around_ego = store.pair_amounts([firm_id])
    elif (table := read_table(store, firm_id)) is not None:  # one of the busiest firms, laid out by month
        around_ego = table.amounts(month_from, month_to)
    else:
        around_ego = window_amounts(store.pairs_of(firm_id), month_from, month_to)
    sales, purchases = partner_sums(firm_id, around_ego)
    kept_first, truncated = rank_partners(sales, purchases, max_nodes - 1)
    if hops == 1 or not kept_first:
        # Monthly series only for the pairs shown: among the ego and its kept partners.
        pairs = window_pairs(store.pairs_among([firm_id, *kept_first]), month_from, month_to)
        net = assemble(firm_id, hops, sales, purchases, kept_first, [], {}, pairs, truncated)
        return firm, net, store.get_firms([n.id for n in net.nodes])
    keep = {firm_id, *kept_first}
    if len(keep) >= max_nodes and truncated:  # the first hop fills the cap: no room for a second
        pairs = window_pairs(store.pairs_among(keep), month_from, month_to)
        net = assemble(firm_id, hops, sales, purchases, kept_first, [], {}, pairs, truncated)
        return firm, net, store.get_firms([n.id for n in net.nodes])
    room = max_nodes - len(keep)
    if whole:
        # Ranked by the store (a hub partner's thousands of pairs stay there), with the
        # pairs shown: every one touches a kept first-hop partner, so the store reads them
        # from those partners' pairs, not also from the second hop's (often hubs: they
        # rank first by yen); Neo4j reads them once for both.
        ranking, between = store.second_hop(kept_first, keep, room)
        kept_second, cut = [f for f, _ in ranking[:room]], len(ranking) > room
        via = reached_via(set(kept_first), kept_second, ((p.seller, p.buyer) for p in between))
        net = assemble(firm_id, hops, sales, purchases, kept_first, kept_second, via, window_pairs(between),
                       truncated or cut)
        return firm, net, store.get_firms([n.id for n in net.nodes])
    around = window_amounts(store.pairs_around(kept_first), month_from, month_to)
    kept_second, via, cut = rank_second_hop(keep, kept_first, around, room)
    shown = keep | set(kept_second)
    # Series only for the pairs shown: every one touches a kept first-hop partner or the ego.
    keys = {(s, b) for s, b, _ in around if s in shown and b in shown}
    keys |= {(firm_id, q) for q in kept_first if q in sales} | {(q, firm_id) for q in kept_first if q in purchases}
    pairs = window_pairs(store.pairs_by_keys(keys), month_from, month_to)
    net = assemble(firm_id, hops, sales, purchases, kept_first, kept_second, via, pairs, truncated or cut)
    return firm, net, store.get_firms([n.id for n in net.nodes])


def ego_as_dict(firm: Firm, net: EgoNetwork, firms: dict[str, Firm],
                month_from: str | None, month_to: str | None) -> dict[str, Any]:
    """JSON shape of ``GET /firms/{id}/ego`` and ``torihiki ego --json``."""
    nodes = []
    for n in net.nodes:  # by hand: dataclasses.asdict deep-copies, several times slower
        f = firms.get(n.id)
        nodes.append({
            "id": n.id, "hop": n.hop, "role": n.role, "sales_to": n.sales_to,
            "purchases_from": n.purchases_from, "months": list(n.months), "via": list(n.via),
            "name": f.name if f else None,
            "is_client": None if is_pseudonym(n.id) else bool(f.is_client) if f else False,
            "industry": f.industry if f else None,
        })
    edges = [
        {"source": e.source, "target": e.target, "amount": e.amount, "lines": e.lines,
         "monthly": [{"month": m, "amount": a} for m, a in e.monthly]}
        for e in net.edges
    ]
    return {
        "firm": firm_public(firm),
        "hops": net.hops,
        "window": {"from": month_from, "to": month_to},
        "nodes": nodes,
        "edges": edges,
        "metrics": net.metrics,
        "truncated": net.truncated,
    }


def figures(store: ReadStore, firm_id: str) -> dict[str, Any]:
    """Monthly figures derived from a client's own ledger (see
    :mod:`graph.ledger_figures`)."""
    from graph.ledger_figures import below_zero, figures_from_sums

    firm = store.get_firm(firm_id)
    if firm is None:
        raise NotFound(f"no firm {firm_id!r}")
    sums = store.ledger_sums(firm_id)
    df = figures_from_sums(sums)
    months = []
    for month, row in df.iterrows():
        rec: dict[str, Any] = {"month": month}
        for col, value in row.items():
            if col in ("receivable_days", "payable_days"):
                rec[str(col)] = None if value != value else float(value)  # NaN -> None
            else:
                rec[str(col)] = int(value)
        months.append(rec)
    return {"firm": firm_public(firm), "months": months, "coverage": coverage(sums),
            "below_zero": {side: [list(run) for run in runs] for side, runs in below_zero(df).items()},
            "notes": "every sales and purchase line of the client's ledger counts, also those without a "
                     "named counterparty (cash sales …; see coverage); balances start at 0 at the first "
                     "month with data; days use trailing 12-month sales"}


def coverage(sums: Mapping[str, Mapping[str, int]]) -> dict[str, Any]:
    """Which share of a client's own sales and purchases (yen over all months)
    names a trading partner, from :meth:`queries.store.Store.ledger_sums`:
    ``{"sales": {"total_yen", "named_yen", "unnamed_yen", "named_share"}, "purchases": …}``;
    ``named_share`` (0–1) is ``None`` without any.
    Only the named part is in the trade network (ego, trend partners)."""
    out: dict[str, Any] = {}
    for kind in ("sales", "purchases"):
        total = sum(sums.get(kind, {}).values())
        unnamed = sum(sums.get(f"unnamed_{kind}", {}).values())
        out[kind] = {"total_yen": total, "named_yen": total - unnamed, "unnamed_yen": unnamed,
                     "named_share": round((total - unnamed) / total, 4) if total else None}
    return out


def reconciliation(store: ReadStore, month_from: str | None, month_to: str | None,
                   tolerance_pct: float, tolerance_yen: int) -> dict[str, Any]:
    """Months where two clients' ledgers disagree about the flow between them."""
    from graph.reconcile import reconcile

    check_month_window(month_from, month_to)
    obs = store.two_sided(month_from, month_to)
    flows = {(o.seller, o.buyer, o.month) for o in obs}
    found = reconcile(obs, tolerance_pct, tolerance_yen)
    return {"flows_compared": len(flows), "tolerance_pct": tolerance_pct, "tolerance_yen": tolerance_yen,
            "disagreements": [asdict(d) for d in found]}


@lru_cache(maxsize=8)
def _account_table(path: Path) -> AccountTable:
    """A user account table, read once per run (not once per file)."""
    return load_account_table(path)


@dataclass(frozen=True)
class ReaderOptions:
    """Per-run reader settings: a user account table (journal formats), a
    bank mapping file (bank statements), the year of 全銀 transfer dates,
    and the months to take of every file (``None``: all)."""

    accounts: Path | None = None
    bank_layout: Path | None = None
    zengin_year: int | None = None
    months: MonthWindow | None = None

    def job(self, path: Path, client: str | None, fmt: str | None) -> LoadJob:
        """A load job for ``path``: the bank mapping file implies the bank
        format; the options that apply to the format go with it (a job whose
        format is detected in a worker carries all of them)."""
        chosen = fmt or ("bank" if self.bank_layout else None)
        formats = [chosen] if chosen is not None else [str(f) for f in Format]
        options = {f: o for f in formats if (o := self.for_format(f))}
        return LoadJob(path, client, chosen, options, self.months)

    def for_format(self, fmt: str) -> dict[str, Any]:
        if fmt in ("yayoi", "freee", "moneyforward") and self.accounts is not None:
            return {"accounts": _account_table(self.accounts)}
        if fmt == "bank" and self.bank_layout is not None:
            return {"layout": self.bank_layout}
        if fmt == "zengin" and self.zengin_year is not None:
            return {"year": self.zengin_year}
        return {}


_KEPT_PREFIX = re.compile(r"^[0-9a-f]{16}-")  # the SHA-256 prefix of an upload kept by api.uploads


def shown_name(file: str) -> str:
    """A batch's file as people see it: its name only (server paths stay on
    the server), and an upload kept under ``uploads/`` without its SHA-256 prefix."""
    path = Path(file)
    return _KEPT_PREFIX.sub("", path.name) if path.parent.name == "uploads" else path.name


def ingest_file(store: Store, path: Path, client: str | None, fmt: str | None, rejects_dir: Path,
                progress: bool | None = None, options: ReaderOptions | None = None,
                resolver: Resolver | None = None) -> LoadSummary:
    """Load one ledger file as one batch (format detected when not given).

    Pass one ``resolver`` to the loads of one run (its name index is then
    built once, not per file).

    Raises :class:`ingest.load.IngestError` with a one-line reason for a file
    that cannot be read at all.
    """
    try:
        opts = options or ReaderOptions()
        chosen = fmt or ("bank" if opts.bank_layout else detect_format(path))
        kwargs = opts.for_format(str(chosen))
        return load_file(store, path, client, fmt=str(chosen),
                         reader=lambda p: read_ledger(p, chosen, **kwargs), rejects_dir=rejects_dir,
                         progress=progress, resolver=resolver, options=kwargs, months=opts.months)
    except (FormatError, EncodingError) as e:
        text = str(e).removeprefix(f"{path.name}: ").removeprefix(f"{path}: ")
        raise IngestError(f"{path}: {text}") from e
    except OSError as e:
        raise IngestError(f"{path}: cannot read file: {e.strerror or e}") from e
