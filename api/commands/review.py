"""``torihiki review list|accept|reject|merges|undo`` and ``batches list|rollback``."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TypeVar

from api.commands.common import emit, opened, refresh_after_load
from api.commands.users import cli_principal
from api.identity import record
from api.rollbacks import rejects_file, rollback_detail
from api.service import shown_name
from api.settings import Settings
from domain.errors import InputError
from ingest import review
from queries.store import BatchLoading, NotFound, Store

__all__ = ["cmd_review_list", "cmd_review_accept", "cmd_review_reject", "cmd_merges", "cmd_undo",
           "cmd_batches_list", "cmd_batches_rollback"]


def cmd_review_list(args: argparse.Namespace, settings: Settings) -> int:
    with opened(settings) as store:
        items = review.review_queue(store)
    if args.json:
        emit(items)
        return 0
    for i in items:
        print(f"{i.id}  score {i.score:.2f}  {i.raw_name!r} (client {i.client_id}) → "
              f"{i.candidate_name or ''} [{i.candidate_id}]?  ({i.reason})")
    print(f"({len(items)} waiting; `torihiki review accept ID` merges, `reject ID` keeps apart)")
    return 0


T = TypeVar("T")


def _decided(store: Store, settings: Settings, args: argparse.Namespace, action: str, item: str,
             decide: Callable[[], T], firm_and_detail: Callable[[T], tuple[str, str]]) -> T:
    """Run one review decision as the review page runs it: audited (as the
    operator; ``invalid`` when the item is gone or cannot be decided) with
    the page's details, then, with ``--refresh``, what a decision moves
    (trade between firms: the portfolio, peers, alerts) computed again; else
    a hint to do it once the decisions are made."""
    try:
        result = decide()
    except (NotFound, ValueError) as e:
        record(store, cli_principal(), action, None, "invalid", f"{item}: {e}")
        raise
    firm, detail = firm_and_detail(result)
    record(store, cli_principal(), action, firm, "ok", detail)
    if args.refresh:
        refresh_after_load(store, settings, 0, quiet=args.json)
    elif not args.json:
        print("note: the portfolio, peers and alerts still count the names as before the decision: run "
              "`torihiki refresh` once the decisions are made (or give --refresh)")
    return result


def cmd_review_accept(args: argparse.Namespace, settings: Settings) -> int:
    with opened(settings) as store:
        merge = _decided(store, settings, args, "review.accept", args.id,
                         lambda: review.accept(store, args.id, args.note or ""),
                         lambda m: (m.to_firm, f"{args.id}: {m.from_firm} merged into {m.to_firm} (merge {m.id})"))
    if args.json:
        emit(merge)
    else:
        print(f"merged {merge.raw_name!r} into {merge.to_firm} (merge {merge.id}; undo with "
              f"`torihiki review undo {merge.id}`)")
    return 0


def cmd_review_reject(args: argparse.Namespace, settings: Settings) -> int:
    with opened(settings) as store:
        alias = _decided(store, settings, args, "review.reject", args.id, lambda: review.reject(store, args.id),
                         lambda a: (a.firm_id, f"{args.id}: kept apart as {a.firm_id}"))
    if args.json:
        emit(alias)
    else:
        print(f"kept {alias.raw_name!r} apart as {alias.firm_id}")
    return 0


def cmd_merges(args: argparse.Namespace, settings: Settings) -> int:
    with opened(settings) as store:
        merges = store.list_merges()
    if args.json:
        emit(merges)
        return 0
    for m in merges:
        state = f"undone {m.undone_at}" if m.undone_at else "in force"
        print(f"{m.id}  {m.raw_name!r} (client {m.client_id}) {m.from_firm} → {m.to_firm}  "
              f"{m.method} {m.score:.2f}  {state}  {m.reason}")
    print(f"({len(merges)} merges)")
    return 0


def cmd_undo(args: argparse.Namespace, settings: Settings) -> int:
    with opened(settings) as store:
        merge = _decided(store, settings, args, "review.undo", args.merge_id,
                         lambda: review.undo_merge(store, args.merge_id),
                         lambda m: (m.from_firm, f"merge {m.id} undone: {m.to_firm} → {m.from_firm}"))
    if args.json:
        emit(merge)
    else:
        print(f"undid merge {merge.id}: {merge.raw_name!r} is {merge.from_firm} again")
    return 0


def cmd_batches_list(args: argparse.Namespace, settings: Settings) -> int:
    with opened(settings) as store:
        batches = store.list_batches()
    if args.json:
        emit(batches)
        return 0
    for b in batches:
        status = "unfinished" if b.status == "loading" else b.status  # writing now, or interrupted
        print(f"{b.id}  {status:<10} {b.client_id:<12} {b.format:<12} read {b.rows_read:>8} "
              f"loaded {b.rows_loaded:>8} rejected {b.rows_rejected:>6}  {b.file}")
    print(f"({len(batches)} batches)")
    if any(b.status == "loading" for b in batches):
        print("unfinished: being written now, or interrupted; loading the same file again finishes it")
    return 0


def cmd_batches_rollback(args: argparse.Namespace, settings: Settings) -> int:
    """Remove one batch, then refresh what is derived from the whole network
    (as after a load: the portfolio, peers and alerts no longer count it)."""
    with opened(settings) as store:
        batch = store.get_batch(args.batch_id)
        try:
            counts = store.rollback_batch(args.batch_id, interrupted=args.interrupted)
        except BatchLoading:
            raise InputError(f"batch {args.batch_id} has not finished loading: it is still being written, or its "
                             "load was interrupted. Load the same file again for the same client (it resumes), then "
                             "roll it back; or, only when no load of it is running (the file is gone), roll it back "
                             "with --interrupted") from None
        record(store, cli_principal(), "batch.rollback", batch.client_id or None if batch else None, "ok",
               rollback_detail(args.batch_id, shown_name(batch.file) if batch else "", counts))
        if batch is not None and (kept := rejects_file(settings.home, batch)) is not None:
            kept.unlink(missing_ok=True)  # its rejected lines go with the load
        if not args.no_refresh:
            refresh_after_load(store, settings, 0, quiet=args.json)
    if args.json:
        emit({"batch_id": args.batch_id, "deleted": counts})
    else:
        print(f"rolled back {args.batch_id}: deleted " + ", ".join(f"{v} {k}" for k, v in counts.items()))
    return 0


def cmd_batches_check(args: argparse.Namespace, settings: Settings) -> int:
    """Every client's loads (or one client's) holding months twice, as a run
    of all of them would have said, oldest first (a later load names the
    earlier; loads of the same second in id order): each pair once. For a
    store loaded before these checks, or to look again."""
    from api.commands.ingest import Totals, print_repeats
    from api.load_checks import run_double_settlements, run_overlaps
    from api.service import shown_name
    from ingest.load import LoadSummary

    with opened(settings) as store:
        if args.client and store.get_firm(args.client) is None:
            raise NotFound(f"no firm {args.client!r}")
        loads = [b for b in store.list_batches(args.client) if b.status == "done"]
        # loads given no client (their rows name their clients): checked for each client they hold rows
        # of, or only for the one asked about, whose rows they may hold too
        unnamed = [b for b in (store.list_batches() if args.client else loads) if b.status == "done" and not b.client_id]
        by_rows = {i: sorted(set(c) if not args.client else set(c) & {args.client})
                   for i, c in store.batch_client_months([b.id for b in unnamed]).items()}
        loads += [b for b in unnamed if args.client and by_rows.get(b.id)]
        loads.sort(key=lambda b: (b.started_at or "", b.id))
        every = {b.id: b for b in loads}
        summaries = [LoadSummary(shown_name(b.file), b.id, b.sha256, b.format, b.client_id,
                                 rows_loaded=b.rows_loaded, row_clients=[] if b.client_id else by_rows.get(b.id, []))
                     for b in loads]
        totals = Totals()
        totals.add_checks(run_overlaps(store, summaries, every), run_double_settlements(store, summaries, every))
    if args.json:
        emit({"loads": len(loads), "repeated_months": totals.repeated_months,
              "double_settlements": totals.double_settlements})
        return 0
    print_repeats(totals)
    clients = {d["client_id"] for d in totals.double_settlements}
    print(f"{len(loads):,} loads checked: {len(totals.repeated_months):,} repeat months of another load of their "
          f"client and kind of ledger; {len(clients):,} clients have settlements in both a journal and a bank file")
    return 0
