"""Use cases shared by the CLI and the API: fetch through queries, compute
with graph, return plain dicts ready for JSON."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
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
from ingest.readers.detect import BANK_FORMATS, Format, FormatError, detect_format, read_ledger
from ingest.resolve import Resolver
from queries.model import BatchInfo, Firm, TradeEdge
from queries.scoped import ReadStore
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
            "name": f.name if f else None, "is_client": bool(f.is_client) if f else False,
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
    from graph.ledger_figures import figures_from_sums

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
    bank mapping file (bank statements), the year of 全銀 transfer dates."""

    accounts: Path | None = None
    bank_layout: Path | None = None
    zengin_year: int | None = None

    def job(self, path: Path, client: str | None, fmt: str | None) -> LoadJob:
        """A load job for ``path``: the bank mapping file implies the bank
        format; the options that apply to the format go with it (a job whose
        format is detected in a worker carries all of them)."""
        chosen = fmt or ("bank" if self.bank_layout else None)
        formats = [chosen] if chosen is not None else [str(f) for f in Format]
        options = {f: o for f in formats if (o := self.for_format(f))}
        return LoadJob(path, client, chosen, options)

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


def repeated_months(batch_id: str, fmt: str, months: Mapping[str, set[str]],
                    batch_of: Callable[[str], BatchInfo | None],
                    skip: Collection[str] = ()) -> list[dict[str, Any]]:
    """The client's other finished loads in format ``fmt`` that hold months
    load ``batch_id`` holds too, each as ``{"batch_id", "file", "months"}``
    (a month's entries exported twice — a quarter's file, then the year's —
    are counted twice, as a client's ledger records are summed over files).

    ``months``: the client's months by load (:meth:`Store.client_batch_months`);
    ``batch_of``: a load's record (only those sharing months are looked up);
    ``skip``: loads not to name (in a run of many files, those loaded after
    this one: the later file names the earlier, not both each other)."""
    mine = months.get(batch_id, set())
    out = []
    for other_id, theirs in sorted(months.items()):
        shared = mine & theirs
        if other_id == batch_id or other_id in skip or not shared:
            continue
        other = batch_of(other_id)
        if other is None or other.status != "done" or other.format != fmt:
            continue
        out.append({"batch_id": other_id, "file": shown_name(other.file), "months": sorted(shared)})
    return out


def batch_overlaps(store: Store, batch: BatchInfo) -> list[dict[str, Any]]:
    """:func:`repeated_months` of a stored load against every other load of
    its client (what its page shows, however it was loaded)."""
    if not batch.client_id or batch.status != "done":
        return []
    return repeated_months(batch.id, batch.format, store.client_batch_months(batch.client_id), store.get_batch)


def find_overlaps(store: Store, summary: LoadSummary) -> LoadSummary:
    """``summary`` with ``overlaps`` (:func:`repeated_months`) and
    ``double_settlements`` (:func:`client_double_settlements`) filled: a
    few reads of the client's loads; for a single file (a run of many:
    :func:`run_overlaps`, :func:`run_double_settlements`)."""
    if summary.duplicate or not summary.client_id or not summary.rows_loaded:
        return summary
    summary.overlaps = repeated_months(summary.batch_id, summary.format,
                                       store.client_batch_months(summary.client_id), store.get_batch)
    summary.double_settlements = [d for d in client_double_settlements(store, summary.client_id)
                                  if _involves(d, summary.batch_id)]
    return summary


def double_settlements(batches: Iterable[BatchInfo], months: Mapping[str, Mapping[str, set[str]]]
                       ) -> list[dict[str, Any]]:
    """Per client and kind (``receipts``, ``payments``): the months whose
    settlements both a journal and a bank statement or 全銀 file record
    (:data:`ingest.readers.detect.BANK_FORMATS`), each as ``{"client_id",
    "kind", "months", "journals", "banks"}`` (the loads on each side holding
    some of those months, ``{"batch_id", "file"}`` each).

    A client's loads are summed month by month, and a journal usually books
    its settlements from the very bank statement: both loaded, receipts count
    twice and receivable days look shorter than they are. Which to keep is
    the analyst's call (a journal may lack some months); this says where.

    ``batches``: the loads (finished ones count); ``months``: their
    settlement months by load and kind (:meth:`Store.settlement_months`)."""
    by_client: dict[str, list[BatchInfo]] = {}
    for b in batches:
        if b.status == "done" and b.client_id and b.id in months:
            by_client.setdefault(b.client_id, []).append(b)
    out = []
    for client, loads in sorted(by_client.items()):
        for kind in ("receipts", "payments"):
            sides: tuple[dict[str, set[str]], dict[str, set[str]]] = ({}, {})
            for b in loads:
                if months[b.id].get(kind):
                    sides[b.format in BANK_FORMATS][b.id] = set(months[b.id][kind])
            journal, bank = (set().union(*side.values()) for side in sides)
            shared = journal & bank
            if not shared:
                continue
            named = {b.id: shown_name(b.file) for b in loads}
            out.append({"client_id": client, "kind": kind, "months": sorted(shared),
                        **{name: [{"batch_id": i, "file": named[i]} for i, m in sorted(side.items()) if m & shared]
                           for name, side in zip(("journals", "banks"), sides, strict=True)}})
    return out


def run_double_settlements(store: Store, summaries: Sequence[LoadSummary],
                           batches: Mapping[str, BatchInfo] | None = None) -> list[dict[str, Any]]:
    """:func:`double_settlements` of the clients a run loaded files of, in
    two reads (``batches``: every load's record, if read already): the
    settlement months only of loads whose client has both a journal and a
    bank file. Each run's load involved gets its findings in its
    ``double_settlements``."""
    loaded = [s for s in summaries if not s.duplicate and s.client_id and s.rows_loaded]
    if not loaded:
        return []
    if batches is None:
        batches = {b.id: b for b in store.list_batches()}
    touched = {s.client_id for s in loaded}
    loads: dict[str, list[BatchInfo]] = {}
    for b in batches.values():
        if b.status == "done" and b.client_id in touched:
            loads.setdefault(b.client_id, []).append(b)
    mixed = [b for group in loads.values() if len({b.format in BANK_FORMATS for b in group}) == 2 for b in group]
    if not mixed:
        return []
    found = double_settlements(mixed, store.settlement_months([b.id for b in mixed]))
    for s in loaded:
        s.double_settlements = [d for d in found if _involves(d, s.batch_id)]
    return found


def _involves(finding: Mapping[str, Any], batch_id: str) -> bool:
    return any(b["batch_id"] == batch_id for side in ("journals", "banks") for b in finding[side])


def client_double_settlements(store: Store, client_id: str) -> list[dict[str, Any]]:
    """:func:`double_settlements` of one client: its loads, and their
    settlement months only when it has both a journal and a bank file."""
    loads = [b for b in store.list_batches(client_id) if b.status == "done"]
    if len({b.format in BANK_FORMATS for b in loads}) < 2:
        return []
    return double_settlements(loads, store.settlement_months([b.id for b in loads]))


def run_overlaps(store: Store, summaries: Sequence[LoadSummary],
                 batches: Mapping[str, BatchInfo] | None = None) -> list[LoadSummary]:
    """Fill ``overlaps`` of a run's loads (in the order they were loaded) and
    return those that have any: each names the earlier loads — of this run
    or before it — of its client and format holding some of its months.

    Two reads whatever the run's size: the loads' records, and the months of
    only the loads whose client has another load in the same format
    (:meth:`Store.batch_months`, by load: monthly 全銀 files, say). On the
    100k region's embedded store, as if all 59,163 loads were one run,
    2.4 s, of which 0.3 s for the records. ``batches``: every load's record,
    if the caller read them already."""
    loaded = [s for s in summaries if not s.duplicate and s.client_id and s.rows_loaded]
    if not loaded:
        return []
    if batches is None:
        batches = {b.id: b for b in store.list_batches()}
    groups: dict[tuple[str, str], list[str]] = {}
    for b in batches.values():
        if b.status == "done" and b.client_id:
            groups.setdefault((b.client_id, b.format), []).append(b.id)
    shared = [groups[k] for k in {(s.client_id, s.format) for s in loaded} if len(groups.get(k, ())) > 1]
    wanted = {i for group in shared for i in group}
    months = store.batch_months(wanted) if wanted else {}
    later = {s.batch_id for s in loaded}
    out = []
    for s in loaded:
        later.discard(s.batch_id)
        group = groups.get((s.client_id, s.format), [])
        if len(group) > 1:
            mine = {i: months.get(i, set()) for i in group}
            s.overlaps = repeated_months(s.batch_id, s.format, mine, batches.get, skip=later)
            if s.overlaps:
                out.append(s)
    return out


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
                         progress=progress, resolver=resolver, options=kwargs)
    except (FormatError, EncodingError) as e:
        text = str(e).removeprefix(f"{path.name}: ").removeprefix(f"{path}: ")
        raise IngestError(f"{path}: {text}") from e
    except OSError as e:
        raise IngestError(f"{path}: cannot read file: {e.strerror or e}") from e
