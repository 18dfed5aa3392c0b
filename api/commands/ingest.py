"""``torihiki ingest``: ledger files, one batch per file; or a manifest."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from tqdm import tqdm

from api.commands.common import emit, opened, refresh_after_load
from api.commands.users import cli_principal
from api.identity import record
from api.load_checks import find_overlaps, run_double_settlements, run_overlaps, run_requesters
from api.service import ReaderOptions
from api.settings import Settings
from ingest.client_ids import no_such_client, unknown_client_ids
from ingest.load import (
    IngestError,
    Loader,
    LoadSummary,
    default_workers,
    double_settlement_note,
    overlap_note,
    requester_note,
)
from ingest.manifest import ManifestEntry, read_manifest
from ingest.month_window import parse_window
from queries.store import Store

__all__ = ["cmd_ingest", "Totals", "load_ledgers", "manifest_entries", "print_repeats"]


@dataclass
class Totals:
    """What a run of many ledger files did, summed over its files."""

    files: int = 0
    failed: int = 0
    duplicates: int = 0
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    rows_skipped: int = 0
    rows_cleaned: int = 0  # loaded with control / invisible characters removed from the name
    review_queued: int = 0
    files_with_rejects: int = 0
    files_loading_nothing: int = 0  # every line rejected: nothing of the file is in the data
    resumed: int = 0  # loads an earlier, interrupted run had begun: finished by this one
    # loads repeating months of another load of the client of the same kind of ledger (run_overlaps)
    repeated_months: list[dict[str, Any]] = field(default_factory=list)
    # months whose settlements a journal and a bank file of the client both hold (run_double_settlements)
    double_settlements: list[dict[str, Any]] = field(default_factory=list)
    # 全銀 files whose 振込依頼人 does not read like their client's name (run_requesters)
    other_requesters: list[dict[str, Any]] = field(default_factory=list)

    def add(self, s: LoadSummary) -> None:
        self.files += 1
        self.duplicates += int(s.duplicate)
        self.resumed += int(bool(s.resumed) and not s.duplicate)
        if not s.duplicate:
            self.rows_read += s.rows_read
            self.rows_loaded += s.rows_loaded
            self.rows_rejected += s.rows_rejected
            self.rows_skipped += s.rows_skipped
            self.rows_cleaned += s.rows_cleaned
            self.review_queued += s.review_queued
            self.files_with_rejects += int(s.rows_rejected > 0)
            self.files_loading_nothing += int(s.rows_rejected > 0 and not s.rows_loaded and not s.rows_skipped)

    def add_checks(self, loads: Iterable[LoadSummary], double_settlements: list[dict[str, Any]],
                   requesters: Iterable[LoadSummary] = ()) -> None:
        """What the load checks found (:mod:`api.load_checks`): the loads whose
        ``overlaps`` name another, the settlements held twice, and the 全銀
        files whose 振込依頼人 does not read like their client's name."""
        self.repeated_months = [{"file": s.file, "batch_id": s.batch_id, "client_id": s.client_id,
                                 "format": s.format, "overlaps": s.overlaps} for s in loads if s.overlaps]
        self.double_settlements = double_settlements
        self.other_requesters = [{"file": s.file, "batch_id": s.batch_id, "client_id": s.client_id,
                                  "names": s.other_requesters} for s in requesters if s.other_requesters]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def line(self) -> str:
        return (f"{self.files + self.failed} files ({self.files - self.duplicates} loaded"
                + (f", of them {self.resumed} begun by an interrupted load and finished now" if self.resumed else "")
                + f", {self.duplicates} already loaded, "
                f"{self.failed} failed): {self.rows_loaded:,} rows loaded, {self.rows_rejected:,} rejected, "
                f"{self.rows_skipped:,} skipped, {self.review_queued:,} spellings to review"
                + (f", {self.rows_cleaned:,} names cleaned" if self.rows_cleaned else "")
                + (f"; {len(self.repeated_months):,} files repeat months of another load"
                   if self.repeated_months else "")
                + (f"; {len({d['client_id'] for d in self.double_settlements}):,} clients have settlements "
                   "in both a journal and a bank file" if self.double_settlements else "")
                + (f"; {len(self.other_requesters):,} 全銀 files name another 振込依頼人 than their client"
                   if self.other_requesters else ""))


def print_summary(s: LoadSummary) -> None:
    if s.duplicate:
        print(f"{s.file}: {s.describe()}")
        return
    print(f"{s.file}: loaded as batch {s.batch_id} ({s.format}, client {s.client_id or 'per row'}): "
          f"{s.rows_read} rows read, {s.rows_loaded} loaded"
          + (f" ({s.rows_unnamed} without a named counterparty)" if s.rows_unnamed else "")
          + f", {s.rows_rejected} rejected, {s.rows_skipped} skipped"
          + (f", {s.rows_outside} outside the months taken ({s.months})" if s.rows_outside else "")
          + f"; {s.trade_rows} monthly trade rows, {s.payment_rows} payment rows, "
          f"{s.firms_created} new firms, {s.auto_merged} names merged, {s.review_queued} to review"
          + (" (resumed)" if s.resumed else ""))
    if s.rows_rejected:
        print(f"  rejected rows (file, line, column, reason, raw): {s.rejects_path}")
    if s.format == "zengin" and s.first_month and s.rows_loaded:  # a 全銀 date has month and day only
        held = s.first_month if s.first_month == s.last_month else f"{s.first_month}–{s.last_month}"
        print(f"  transfers dated {held}: a 全銀 date has no year; unless --year was given, it is the latest year up "
              "to a month after today. If that is wrong, roll this load back and load it again with --year")
    if s.rows_cleaned:
        print(f"  warning: {cleaned_warning(s)}")
    for note in s.same_file_notes():
        print(f"  note: {note}")
    for o in s.overlaps:
        print(f"  {overlap_note(o)}")
    for d in s.double_settlements:
        print(f"  {double_settlement_note(d)}")
    if s.other_requesters:
        print(f"  {requester_note(s)}")


def cleaned_warning(s: LoadSummary) -> str:
    """One line on the rows whose counterparty name was cleaned at the door (file and lines)."""
    lines = ", ".join(map(str, s.cleaned_lines))
    if s.rows_cleaned > len(s.cleaned_lines):
        lines += ", …"
    return (f"{s.file}: {s.rows_cleaned} rows had control, bidirectional or zero-width "
            f"characters removed from the counterparty name (lines {lines})")


def manifest_entries(manifest: Path, totals: Totals) -> list[ManifestEntry]:
    """The manifest's entries; its bad rows are counted as failed and printed
    (file, line, reason). A manifest that is missing or a folder raises
    :class:`IngestError` (one line for the CLI)."""
    if manifest.is_dir():
        raise IngestError(f"{manifest}: is a folder, not a manifest CSV (path,client_id,format)")
    if not manifest.is_file():
        raise IngestError(f"{manifest}: no such manifest file")
    entries, bad = read_manifest(manifest)
    for r in bad:
        totals.failed += 1
        print(f"error: {r.file}:{r.line}: {r.reason}", file=sys.stderr)
    return entries


def load_ledgers(store: Store, settings: Settings, entries: Sequence[ManifestEntry], options: ReaderOptions,
                 totals: Totals, *, workers: int | None = None, as_json: bool = False,
                 per_file: str = "auto", new_clients: bool = False) -> None:
    """Load ledger files into ``store``, adding each file's outcome to ``totals``.

    With several files, a progress bar on a terminal counts files and the
    ledger lines read; errors go to stderr. ``per_file`` says which files get
    a line of their own: ``"all"``, ``"none"``, or ``"auto"`` (one file; files
    with rejects; every file when stdout is not a terminal). With
    ``as_json`` each file's outcome is one JSON object instead.
    ``new_clients``: the rows of a file given no client may name clients the
    store does not know (``--new-client``; else such a file is refused).
    """
    many = len(entries) > 1
    loaded: list[LoadSummary] = []
    n_workers = workers if workers is not None else (default_workers() if many else 0)
    loader = Loader(store, settings.home / "rejects", workers=n_workers,
                    chunk_rows=settings.chunk_rows, progress=False, new_clients=new_clients)
    jobs = [options.job(e.path, e.client_id, e.format) for e in entries]
    show_bar = many and sys.stderr.isatty()
    with tqdm(total=len(jobs), desc="files", unit=" file", disable=not show_bar) as bar:
        for job, outcome in loader.load(jobs):
            bar.update(1)
            if isinstance(outcome, IngestError):
                totals.failed += 1
                if as_json:
                    emit({"file": str(job.path), "error": str(outcome)})
                tqdm.write(f"error: {outcome}", file=sys.stderr)
                continue
            totals.add(outcome)
            loaded.append(outcome)
            if not many:
                find_overlaps(store, outcome)  # one file: say if it repeats months of an earlier one
            bar.set_postfix_str(f"{totals.rows_read:,} lines", refresh=False)
            if as_json:
                emit(outcome.to_dict())
            elif per_file == "all" or (per_file == "auto" and (
                    not many or outcome.rows_rejected or outcome.rows_cleaned
                    or not sys.stdout.isatty())):
                with tqdm.external_write_mode(file=sys.stdout):
                    print_summary(outcome)
    if many:  # a run of many files: months loaded twice (one file says so itself, above)
        batches = {b.id: b for b in store.list_batches()}
        totals.add_checks(run_overlaps(store, loaded, batches), run_double_settlements(store, loaded, batches),
                          run_requesters(store, loaded))
    else:
        totals.add_checks(loaded, [d for s in loaded for d in s.double_settlements], loaded)


REPEATS_SHOWN = 20
"""Files of a run whose repeated months are printed one by one; the rest are counted."""


def print_repeats(totals: Totals) -> None:
    """The files of a run that repeat months of another load of their client
    and format (``totals.repeated_months``): a warning per file, the first
    :data:`REPEATS_SHOWN`."""
    for r in totals.repeated_months[:REPEATS_SHOWN]:
        print(f"{r['file']} (batch {r['batch_id']}, " + (f"client {r['client_id']}):" if r["client_id"]
                                                         else "clients named by its rows):"))
        for o in r["overlaps"]:
            print(f"  {overlap_note(o)}")
    if len(totals.repeated_months) > REPEATS_SHOWN:
        print(f"… and {len(totals.repeated_months) - REPEATS_SHOWN} more files repeating months of another load "
              "(each load's page in the web UI names them)")
    for d in totals.double_settlements[:REPEATS_SHOWN]:
        print(f"client {d['client_id']}:\n  {double_settlement_note(d)}")
    if len(totals.double_settlements) > REPEATS_SHOWN:
        print(f"… and {len(totals.double_settlements) - REPEATS_SHOWN} more (each load's page in the web UI "
              "names them)")
    for r in totals.other_requesters[:REPEATS_SHOWN]:
        print(f"{r['file']} (batch {r['batch_id']}):\n  " + requester_note(
            LoadSummary(r["file"], r["batch_id"], "", "zengin", r["client_id"], other_requesters=r["names"])))
    if len(totals.other_requesters) > REPEATS_SHOWN:
        print(f"… and {len(totals.other_requesters) - REPEATS_SHOWN} more 全銀 files naming another 振込依頼人")


def warn_non_clients(store: Store, clients: set[str]) -> None:
    """Say on stderr which of ``clients`` the firm master knows as no client
    (a partner, or a client whose contract ended: ``torihiki firms import``
    with its flag 0): a load of its ledger makes it a client again. A client
    id the store does not know yet is made a client, as the help says."""
    known = store.get_firms(clients) if clients else {}
    for c in sorted(i for i, f in known.items() if f.is_client is False):
        print(f"note: {c} is no client in the firm master (a partner, or a client whose contract ended): "
              "loading its ledger makes it a client again", file=sys.stderr)


def cmd_ingest(args: argparse.Namespace, settings: Settings) -> int:
    totals = Totals()
    entries = [ManifestEntry(Path(p), args.client, args.format, 0) for p in args.paths]
    if args.manifest:
        entries += manifest_entries(Path(args.manifest), totals)
    if not entries and not totals.failed:
        print("error: give ledger files or --manifest FILE", file=sys.stderr)
        return 2
    try:
        months = parse_window(args.months) if args.months else None
    except ValueError as e:
        print(f"error: --months: {e}", file=sys.stderr)
        return 2
    options = ReaderOptions(
        accounts=Path(args.accounts) if args.accounts else None,
        bank_layout=Path(args.bank_layout) if args.bank_layout else None,
        zengin_year=args.year,
        months=months,
    )
    with opened(settings, wait=True) as store:  # a load resumes: a restarting Neo4j is waited for
        clients = {e.client_id for e in entries if e.client_id}
        if not getattr(args, "new_client", False) and (unknown := unknown_client_ids(store, clients)):
            for c, near in unknown.items():
                print(f"error: {no_such_client(c, near)}"
                      + " Nothing was loaded. Add the client first (torihiki firms import), or give --new-client "
                        "to make it a new client", file=sys.stderr)
            return 2
        warn_non_clients(store, clients)
        load_ledgers(store, settings, entries, options, totals, workers=args.workers, as_json=args.json,
                     new_clients=getattr(args, "new_client", False))
        record(store, cli_principal(), "load", args.client, "error" if totals.failed else "ok",
               f"ingest: {totals.line()}")
        if totals.files > totals.duplicates and not args.no_refresh:
            refresh_after_load(store, settings, totals.rows_read, quiet=args.json)
    if args.json and len(entries) > 1 and (totals.repeated_months or totals.double_settlements
                                           or totals.other_requesters):
        emit({"repeated_months": totals.repeated_months, "double_settlements": totals.double_settlements,
              "other_requesters": totals.other_requesters})
    if not args.json and len(entries) > 1:
        print_repeats(totals)
        print(f"total: {totals.line()}")
    if totals.files_loading_nothing and not args.json:
        print_loading_nothing(totals)
    return 2 if totals.failed else 1 if totals.files_loading_nothing else 0


def print_loading_nothing(totals: Totals) -> None:
    """Say on stderr how many files of a run loaded nothing (their loads are kept: their rejects can be read)."""
    print(f"error: {totals.files_loading_nothing} file(s) loaded nothing: every line was rejected (wrong "
          "client, format or file? see the rejects file; roll the empty load back with "
          "`torihiki batches rollback`)", file=sys.stderr)
