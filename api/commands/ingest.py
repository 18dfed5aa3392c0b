"""``torihiki ingest``: ledger files, one batch per file; or a manifest."""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from api.commands.common import emit, opened, refresh_analytics
from api.service import ReaderOptions
from api.settings import Settings
from ingest.load import IngestError, Loader, LoadSummary, default_workers
from ingest.manifest import ManifestEntry, read_manifest

__all__ = ["cmd_ingest", "Totals"]


@dataclass
class Totals:
    files: int = 0
    failed: int = 0
    duplicates: int = 0
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    review_queued: int = 0

    def add(self, s: LoadSummary) -> None:
        self.files += 1
        self.duplicates += int(s.duplicate)
        if not s.duplicate:
            self.rows_read += s.rows_read
            self.rows_loaded += s.rows_loaded
            self.rows_rejected += s.rows_rejected
            self.review_queued += s.review_queued


def print_summary(s: LoadSummary) -> None:
    if s.duplicate:
        print(f"{s.file}: already loaded as batch {s.batch_id} — nothing changed")
        return
    print(f"{s.file}: batch {s.batch_id} ({s.format}, client {s.client_id or 'per row'}): "
          f"{s.rows_read} rows read, {s.rows_loaded} loaded, {s.rows_rejected} rejected, "
          f"{s.rows_skipped} skipped; {s.trade_rows} monthly trade rows, {s.payment_rows} payment rows, "
          f"{s.firms_created} new firms, {s.auto_merged} names merged, {s.review_queued} to review"
          + (" (resumed)" if s.resumed else ""))
    if s.rows_rejected:
        print(f"  rejected rows (file, line, column, reason, raw): {s.rejects_path}")


def cmd_ingest(args: argparse.Namespace, settings: Settings) -> int:
    jobs: list[ManifestEntry] = [ManifestEntry(Path(p), args.client, args.format, 0) for p in args.paths]
    totals = Totals()
    if args.manifest:
        entries, bad = read_manifest(Path(args.manifest))
        for r in bad:
            msg = f"{r.file}:{r.line}: {r.reason}"
            totals.failed += 1
            print(f"error: {msg}", file=sys.stderr)
        jobs += entries
    if not jobs:
        print("error: give ledger files or --manifest FILE", file=sys.stderr)
        return 2
    many = len(jobs) > 1
    options = ReaderOptions(
        accounts=Path(args.accounts) if args.accounts else None,
        bank_layout=Path(args.bank_layout) if args.bank_layout else None,
        zengin_year=args.year,
    )
    workers = args.workers if args.workers is not None else (default_workers() if many else 0)
    with opened(settings) as store:
        loader = Loader(store, settings.home / "rejects", workers=workers,
                        chunk_rows=settings.chunk_rows, progress=many and sys.stderr.isatty())
        load_jobs = [options.job(j.path, j.client_id, j.format) for j in jobs]
        for job, outcome in loader.load(load_jobs):
            if isinstance(outcome, IngestError):
                totals.failed += 1
                if args.json:
                    emit({"file": str(job.path), "error": str(outcome)})
                tqdm.write(f"error: {outcome}", file=sys.stderr)
                continue
            totals.add(outcome)
            if args.json:
                emit(outcome.to_dict())
            elif not many or outcome.rows_rejected or not sys.stdout.isatty():
                print_summary(outcome)
        if totals.files > totals.duplicates and not args.no_refresh:
            refresh_analytics(store, settings, quiet=args.json)
    if not args.json and many:
        print(f"total: {totals.files} files loaded ({totals.duplicates} already loaded), "
              f"{totals.rows_loaded} rows loaded, {totals.rows_rejected} rejected, "
              f"{totals.review_queued} spellings to review, {totals.failed} failed")
    return 2 if totals.failed else 0
