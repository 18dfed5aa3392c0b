"""Months loaded twice: what a BPO analyst is told after a load.

A client's ledger records are summed month by month over its files, so
the same entries in two files count twice. Two cases are found (and
named, never dropped: which file to keep is the analyst's call):

* *Repeated months* — two loads of the client of the same kind of ledger
  hold some of the same months (a quarter's export, then the year's; a
  freee export, then the same months from Money Forward after the client
  moved): journals of any software are one kind, bank statements another.
* *Double settlements* — the client's journal and a bank statement or
  全銀 file both hold a month's settlements (a journal is usually booked
  from that very statement).

Checked after a single load (:func:`find_overlaps`), after a run of many
files in few reads (:func:`run_overlaps`, :func:`run_double_settlements`),
for a stored load on its page (:func:`batch_overlaps`,
:func:`client_double_settlements`), and for a page of the loads list
(:func:`flags_of`). The way out, besides rolling a load back: a file loaded
again for only the months it should add (:mod:`ingest.month_window`)."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from pathlib import Path
from typing import Any

from api.service import shown_name
from ingest.load import LoadSummary
from ingest.readers.detect import BANK_FORMATS
from ingest.readers.zengin import requester_names
from ingest.requester import client_readings, unlike
from queries.model import BatchInfo
from queries.store import Store

__all__ = ["repeated_months", "batch_overlaps", "batch_double_settlements", "find_overlaps", "run_overlaps",
           "run_requesters",
           "double_settlements", "involves", "client_double_settlements", "run_double_settlements", "flags_of"]


def ledger_kind(fmt: str) -> str:
    """What a load of format ``fmt`` holds: ``journal`` for a client's book of
    any software (freee, Money Forward, Yayoi, the canonical CSV — a client
    moving between them exports the same months twice), else the format (a
    bank statement; a 全銀 transfer file)."""
    return fmt if fmt in BANK_FORMATS else "journal"


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
    this one: the later file names the earlier, not both each other).

    全銀 transfer files are never named: each is one transfer day's batch,
    and a client paying on the 10th, the 25th and the month's end sends
    three a month that are all its own (found by a BPO analyst: every such
    month was flagged "counted twice"); the same file sent again is still
    found by its bytes."""
    if fmt == "zengin":
        return []
    mine = months.get(batch_id, set())
    out = []
    for other_id, theirs in sorted(months.items()):
        shared = mine & theirs
        if other_id == batch_id or other_id in skip or not shared:
            continue
        other = batch_of(other_id)
        if other is None or other.status != "done" or ledger_kind(other.format) != ledger_kind(fmt):
            continue
        out.append({"batch_id": other_id, "file": shown_name(other.file), "months": sorted(shared)})
    return out


def batch_overlaps(store: Store, batch: BatchInfo) -> list[dict[str, Any]]:
    """:func:`repeated_months` of a stored load against every other load of
    its client (what its page shows, however it was loaded); a load given no
    client, against every other load of each client its rows name, each
    marked with that client (``client_id``), in three reads whatever their
    number (:func:`_client_groups`)."""
    if batch.status != "done":
        return []
    if not batch.client_id:
        records = {b.id: b for b in store.list_batches()}
        by_rows = _by_rows_months(store, records.values())
        groups = _client_groups(store, records.values(), set(by_rows.get(batch.id, {})), by_rows, {batch.id})
        return [{**o, "client_id": client} for client in sorted(by_rows.get(batch.id, {}))
                for o in repeated_months(batch.id, batch.format, groups.get((client, ledger_kind(batch.format)), {}),
                                         records.get)]
    return repeated_months(batch.id, batch.format, store.client_batch_months(batch.client_id), store.get_batch)


def batch_double_settlements(store: Store, batch: BatchInfo) -> list[dict[str, Any]]:
    """:func:`client_double_settlements` of a stored load's client that
    involve the load (what its page shows, however it was loaded)."""
    if not batch.client_id:
        return []
    return [d for d in client_double_settlements(store, batch.client_id) if involves(d, batch.id)]


def find_overlaps(store: Store, summary: LoadSummary) -> LoadSummary:
    """``summary`` with the months it holds (``first_month``, ``last_month``),
    ``overlaps`` (:func:`repeated_months`) and
    ``double_settlements`` (:func:`client_double_settlements`) filled: a
    few reads of the client's loads; and a 全銀 file's ``other_requesters``.
    For a single file (a run of many: :func:`run_overlaps`,
    :func:`run_double_settlements`)."""
    run_requesters(store, [summary])
    if _by_rows(summary):  # each row named its client: the loads of each of them
        summary.overlaps += _by_rows_overlaps(store, summary)
        _held(summary, store.batch_months([summary.batch_id]))
        return summary
    if not _checkable(summary):
        if summary.duplicate and summary.batch_id:  # sent again: which months the earlier load holds
            _held(summary, store.batch_months([summary.batch_id]))
        return summary
    by_batch = store.client_batch_months(summary.client_id)
    _held(summary, by_batch)
    summary.overlaps = repeated_months(summary.batch_id, summary.format, by_batch, store.get_batch)
    summary.double_settlements = [d for d in client_double_settlements(store, summary.client_id)
                                  if involves(d, summary.batch_id)]
    return summary


def run_requesters(store: Store, loads: Sequence[LoadSummary]) -> list[LoadSummary]:
    """The 全銀 files of a run (each loaded for one client) whose 振込依頼人
    does not read like their client's name, their ``other_requesters``
    filled (:mod:`ingest.requester`): each file read again while it is
    still there (its header records), one read of the clients and one of
    their registry records. A single file's too (:func:`find_overlaps`)."""
    zengin = [s for s in loads if s.format == "zengin" and s.client_id and Path(s.file).is_file()]
    if not zengin:
        return []
    readings = client_readings(store, {s.client_id for s in zengin})
    out = []
    for s in zengin:
        own = readings.get(s.client_id)
        if own is None:
            continue
        try:
            s.other_requesters = unlike(own, requester_names(Path(s.file)))
        except OSError:
            continue
        if s.other_requesters:
            out.append(s)
    return out


def _held(summary: LoadSummary, by_batch: Mapping[str, Collection[str]]) -> None:
    """``summary``'s ``first_month`` and ``last_month`` from the months its batch holds."""
    held = sorted(by_batch.get(summary.batch_id, ()))
    if held:
        summary.first_month, summary.last_month = held[0], held[-1]


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


def involves(finding: Mapping[str, Any], batch_id: str) -> bool:
    """Whether load ``batch_id`` is one side of a :func:`double_settlements` finding."""
    return any(b["batch_id"] == batch_id for side in ("journals", "banks") for b in finding[side])


def client_double_settlements(store: Store, client_id: str,
                              loads: Sequence[BatchInfo] | None = None) -> list[dict[str, Any]]:
    """:func:`double_settlements` of one client: its loads (``loads``, if
    read already), and their settlement months only when it has both a
    journal and a bank file."""
    mixed = _mixed(store.list_batches(client_id) if loads is None else loads, {client_id})
    return double_settlements(mixed, store.settlement_months([b.id for b in mixed])) if mixed else []


def _run_loads(store: Store, summaries: Sequence[LoadSummary], batches: Mapping[str, BatchInfo] | None
               ) -> tuple[list[LoadSummary], Mapping[str, BatchInfo]]:
    """A run's loads that a check looks at, and every load's record
    (``batches`` if the caller read them, else read now; not read when the
    run loaded nothing to check)."""
    loaded = [s for s in summaries if _checkable(s)]
    if batches is None:
        batches = {b.id: b for b in store.list_batches()} if loaded else {}
    return loaded, batches


def run_double_settlements(store: Store, summaries: Sequence[LoadSummary],
                           batches: Mapping[str, BatchInfo] | None = None) -> list[dict[str, Any]]:
    """:func:`double_settlements` of the clients a run loaded files of, in
    two reads (``batches``: every load's record, if read already): the
    settlement months only of loads whose client has both a journal and a
    bank file. Each run's load involved gets its findings in its
    ``double_settlements``."""
    loaded, batches = _run_loads(store, summaries, batches)
    if not loaded:
        return []
    mixed = _mixed(batches.values(), {s.client_id for s in loaded})
    if not mixed:
        return []
    found = double_settlements(mixed, store.settlement_months([b.id for b in mixed]))
    for s in loaded:
        s.double_settlements = [d for d in found if involves(d, s.batch_id)]
    return found


def run_overlaps(store: Store, summaries: Sequence[LoadSummary],
                 batches: Mapping[str, BatchInfo] | None = None) -> list[LoadSummary]:
    """Fill ``overlaps`` of a run's loads (in the order they were loaded) and
    return those that have any: each names the earlier loads — of this run
    or before it — of its client and kind of ledger holding some of its months.

    Two reads whatever the run's size: the loads' records, and the months of
    only the loads whose client has another load of the same kind of ledger
    (:meth:`Store.batch_months`, by load: monthly 全銀 files, say). On the
    100k region's embedded store, as if all 59,163 loads were one run,
    2.4 s, of which 0.3 s for the records. ``batches``: every load's record,
    if the caller read them already."""
    by_rows = [s for s in summaries if _by_rows(s)]  # rare (a file of many clients' rows): a read per client
    order = [s.batch_id for s in by_rows]
    for s in by_rows:  # such a load names every load of its clients but later ones like it (they name it);
        # a load of one client never names one whose rows name their clients (its group is of its client's)
        s.overlaps += _by_rows_overlaps(store, s, skip=set(order[order.index(s.batch_id) + 1:]))
    loaded, batches = _run_loads(store, summaries, batches)
    if not loaded:
        return [s for s in by_rows if s.overlaps]
    groups = _client_groups(store, batches.values(), {s.client_id for s in loaded}, {}, {s.batch_id for s in loaded})
    later = {s.batch_id for s in loaded}
    out = []
    for s in loaded:
        later.discard(s.batch_id)
        group = groups.get((s.client_id, ledger_kind(s.format)))
        if group is not None:
            s.overlaps = repeated_months(s.batch_id, s.format, group, batches.get, skip=later)
            if s.overlaps:
                out.append(s)
    return out + [s for s in by_rows if s.overlaps]


def flags_of(store: Store, shown: Sequence[BatchInfo], every: Iterable[BatchInfo]) -> dict[str, set[str]]:
    """Which of the loads ``shown`` (a page of the loads list) an analyst
    should open: ``"months"`` — another load of its client and kind of ledger
    (:func:`ledger_kind`) holds some of its months; ``"settlements"`` — it is
    one side of a client's settlements held both in a journal and in a bank
    file. ``every``: all loads' records (read already for the list). Three
    reads at most, whatever the page: the months of loads given no client (by
    client, only when there are such loads), of the shown loads' clients'
    groups, and their settlements."""
    records = {b.id: b for b in every}
    done = [b for b in shown if b.status == "done"]
    # loads given no client (their rows name their clients: rare) by client, in one read; each is in the
    # groups of the clients it holds rows of
    by_rows = _by_rows_months(store, records.values())
    clients = {b.client_id for b in done if b.client_id} | {c for b in done for c in by_rows.get(b.id, {})}
    groups = _client_groups(store, records.values(), clients, by_rows, {b.id for b in done})
    out: dict[str, set[str]] = {}
    for b in done:
        for client in [b.client_id] if b.client_id else sorted(by_rows.get(b.id, {})):
            if repeated_months(b.id, b.format, groups.get((client, ledger_kind(b.format)), {}), records.get):
                out.setdefault(b.id, set()).add("months")
                break
    mixed = _mixed(records.values(), clients)
    for d in double_settlements(mixed, store.settlement_months([b.id for b in mixed])) if mixed else []:
        for b in shown:
            if involves(d, b.id):
                out.setdefault(b.id, set()).add("settlements")
    return out


def _by_rows(summary: LoadSummary) -> bool:
    """A load given no client that stored rows of the clients they name."""
    return not summary.duplicate and not summary.client_id and bool(summary.row_clients) and summary.rows_loaded > 0


def _by_rows_overlaps(store: Store, summary: LoadSummary, skip: Collection[str] = ()) -> list[dict[str, Any]]:
    """:func:`repeated_months` of a load whose rows name their clients, client
    by client (a read of each one's loads), each marked with the client whose
    months are repeated; loads in ``skip`` are not named."""
    return [{**o, "client_id": client} for client in summary.row_clients
            for o in repeated_months(summary.batch_id, summary.format, store.client_batch_months(client),
                                     store.get_batch, skip=skip)]


def _checkable(summary: LoadSummary) -> bool:
    """A load these checks look at: it stored rows of one client."""
    return not summary.duplicate and bool(summary.client_id) and summary.rows_loaded > 0


def _same_kind_groups(batches: Iterable[BatchInfo], clients: Collection[str]) -> dict[tuple[str, str], list[str]]:
    """The finished loads of ``clients`` by (client, kind of ledger)."""
    groups: dict[tuple[str, str], list[str]] = {}
    for b in batches:
        if b.status == "done" and b.client_id in clients:
            groups.setdefault((b.client_id, ledger_kind(b.format)), []).append(b.id)
    return groups


def _by_rows_months(store: Store, records: Iterable[BatchInfo]) -> dict[str, dict[str, set[str]]]:
    """The months of each finished load given no client, by the clients its
    rows name (one read; none when there is no such load)."""
    ids = [b.id for b in records if b.status == "done" and not b.client_id]
    return store.batch_client_months(ids) if ids else {}


def _client_groups(store: Store, records: Iterable[BatchInfo], clients: Collection[str],
                   by_rows: Mapping[str, Mapping[str, set[str]]], of: AbstractSet[str]
                   ) -> dict[tuple[str, str], dict[str, set[str]]]:
    """For each of ``clients`` and kind of ledger (:func:`ledger_kind`), the
    months every finished load of that kind holds of the client — its own loads, and the loads given no
    client that hold rows of it (``by_rows``, :func:`_by_rows_months`) — by
    load: what :func:`repeated_months` compares. Only groups of more than one
    load that hold one of the loads ``of`` are filled; one read
    (:meth:`Store.batch_months`) for the own loads' months, none when no group is."""
    records = list(records)
    groups: dict[tuple[str, str], list[str]] = _same_kind_groups(records, clients)
    kind = {b.id: ledger_kind(b.format) for b in records}
    for batch, months_of in by_rows.items():
        for client in months_of:
            if client in clients:
                groups.setdefault((client, kind[batch]), []).append(batch)
    wanted = {key: ids for key, ids in groups.items() if len(ids) > 1 and not of.isdisjoint(ids)}
    own_ids = {i for ids in wanted.values() for i in ids if i not in by_rows}
    own = store.batch_months(own_ids) if own_ids else {}
    return {(client, f): {i: by_rows[i].get(client, set()) if i in by_rows else own.get(i, set()) for i in ids}
            for (client, f), ids in wanted.items()}


def _mixed(batches: Iterable[BatchInfo], clients: Collection[str]) -> list[BatchInfo]:
    """The finished loads of those of ``clients`` that have both a journal and
    a bank statement or 全銀 file."""
    by_client: dict[str, list[BatchInfo]] = {}
    for b in batches:
        if b.status == "done" and b.client_id in clients:
            by_client.setdefault(b.client_id, []).append(b)
    return [b for loads in by_client.values() if len({x.format in BANK_FORMATS for x in loads}) == 2 for b in loads]
