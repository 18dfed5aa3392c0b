"""Load one ledger file into a store as one idempotent, resumable batch.

read → validate → resolve → aggregate → write, with every rejected row
written to a quarantine CSV (file, line, column, reason, raw text).

* The batch id derives from the file's SHA-256: loading the same bytes again
  changes nothing and reports ``duplicate``.
* Aggregated rows are written in chunks of a fixed, deterministic order;
  each chunk's completion is recorded in the same transaction as its rows,
  so a load killed midway resumes where it stopped, with no duplicates.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TypeVar

from tqdm import tqdm

from ingest.aggregate import MonthlyAggregator
from ingest.decode import EncodingError
from ingest.records import LedgerLine, Reject, Skipped
from ingest.resolve import Resolver
from queries.model import BatchInfo, Firm
from queries.store import Store

__all__ = ["IngestError", "LoadSummary", "load_file", "file_sha256", "batch_id_for", "CHUNK_ROWS"]

CHUNK_ROWS = 2_000  # aggregated rows per write transaction
T = TypeVar("T")

Reader = Callable[[Path], Iterable[LedgerLine | Reject | Skipped]]


class IngestError(Exception):
    """A whole file cannot be loaded (unreadable, unknown format, no client)."""


@dataclass
class LoadSummary:
    """What one ``load_file`` call did (printed for people, JSON for scripts)."""

    file: str
    batch_id: str
    file_sha256: str
    format: str
    client_id: str
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    rows_skipped: int = 0
    trade_rows: int = 0
    payment_rows: int = 0
    firms_created: int = 0
    auto_merged: int = 0  # spellings merged into a known firm by name
    review_queued: int = 0  # spellings waiting for a human decision
    rejects_path: str = ""
    duplicate: bool = False
    resumed: bool = False

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's bytes, streamed (1 MiB blocks)."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def batch_id_for(sha256: str) -> str:
    """Batch id of a file: ``b`` + the first 16 hex digits of its SHA-256."""
    return f"b{sha256[:16]}"


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _chunks(rows: Sequence[T], size: int) -> Iterator[tuple[int, Sequence[T]]]:
    for n, start in enumerate(range(0, len(rows), size)):
        yield n, rows[start:start + size]


def load_file(
    store: Store,
    path: Path,
    client_id: str | None,
    *,
    fmt: str,
    reader: Reader,
    rejects_dir: Path,
    chunk_rows: int = CHUNK_ROWS,
    progress: bool | None = None,
    resolver: Resolver | None = None,
) -> LoadSummary:
    """Load ``path`` (a ledger of ``client_id``) with ``reader`` into ``store``.

    ``client_id`` may be ``None`` when every row names its client. Rejected
    rows go to ``rejects_dir/<batch_id>.csv``. ``progress=None`` shows a bar
    only on a terminal. ``resolver`` may be shared by the loads of one run,
    so that its name index is built once. Raises :class:`IngestError` for a
    file that cannot be read at all.
    """
    try:
        sha = file_sha256(path)
    except OSError as e:
        raise IngestError(f"{path}: cannot read file: {e.strerror or e}") from e
    batch_id = batch_id_for(sha)
    summary = LoadSummary(str(path), batch_id, sha, fmt, client_id or "")
    existing = store.get_batch(batch_id)
    if existing is not None and existing.status == "done":
        summary.duplicate = True
        for k in ("rows_read", "rows_loaded", "rows_rejected", "rows_skipped", "rejects_path"):
            setattr(summary, k, getattr(existing, k))
        summary.client_id = existing.client_id
        return summary
    summary.resumed = existing is not None
    info = BatchInfo(batch_id, sha, str(path), client_id or "", fmt, started_at=_now())
    store.begin_batch(info)

    rejects_dir.mkdir(parents=True, exist_ok=True)
    rejects_path = rejects_dir / f"{batch_id}.csv"
    agg = MonthlyAggregator()
    show = sys.stderr.isatty() if progress is None else progress
    try:
        with rejects_path.open("w", encoding="utf-8", newline="") as rfh, tqdm(
            desc=path.name, unit=" rows", disable=not show, leave=False
        ) as bar:
            rejects = csv.writer(rfh)
            rejects.writerow(["file", "line", "column", "reason", "raw"])
            for item in reader(path):
                summary.rows_read += 1
                bar.update(1)
                if isinstance(item, Skipped):
                    summary.rows_skipped += 1
                    continue
                if isinstance(item, LedgerLine):
                    problem = _client_problem(item, client_id)
                    if problem is None:
                        agg.add(item, item.client_id or client_id or "")
                        summary.rows_loaded += 1
                        continue
                    item = problem
                summary.rows_rejected += 1
                rejects.writerow([item.file, item.line, item.column, item.reason, item.raw])

            resolved = (resolver or Resolver(store)).resolve_all(agg.counterparties())
            trades, payments, selfies = agg.rows(
                {k: (r.firm.id, r.alias.key) for k, r in resolved.items()})
            for cp, first_line, n in selfies:
                summary.rows_loaded -= n
                summary.rows_rejected += n
                rejects.writerow([str(path), first_line, "counterparty",
                                  f"counterparty resolves to the client itself ({n} lines)", cp.name])
    except (EncodingError, UnicodeError) as e:
        raise IngestError(f"{path}: {e}") from e
    except OSError as e:
        raise IngestError(f"{path}: cannot read file: {e.strerror or e}") from e

    # Only firms not yet stored are written (a known firm keeps its name);
    # clients are upserted with the client flag, which never erases fields.
    firms: dict[str, Firm] = {}
    for (client, _), res in resolved.items():
        firms.setdefault(client, Firm(id=client, is_client=True))
        firms.setdefault(res.firm.id, res.firm)
    known = store.get_firms(list(firms))
    summary.firms_created = len([fid for fid in firms if fid not in known])
    store.upsert_firms([f for fid, f in firms.items() if fid not in known or f.is_client], batch_id=batch_id)
    # Spelling decisions (and automatic merges) are recorded before any row
    # is written, so a resumed load takes the same decisions.
    store.upsert_aliases([r.alias for r in resolved.values()],
                         [r.merge for r in resolved.values() if r.merge is not None])
    accounts = sorted({(r.bank_account, r.firm.id) for r in resolved.values() if r.bank_account})
    if accounts:
        store.upsert_bank_accounts(accounts)
    summary.review_queued = sum(r.alias.status == "review" for r in resolved.values())
    summary.auto_merged = sum(r.merge is not None for r in resolved.values())
    summary.trade_rows, summary.payment_rows = len(trades), len(payments)
    done = store.chunks_done(batch_id)
    # Trades and payments share one chunk numbering: trades first, then payments.
    trade_chunks = list(_chunks(trades, chunk_rows))
    payment_chunks = list(_chunks(payments, chunk_rows))
    offset = len(trade_chunks)
    for n, rows in trade_chunks:
        if n not in done:
            store.write_chunk(batch_id, n, rows, [])
    for n, prow in payment_chunks:
        if n + offset not in done:
            store.write_chunk(batch_id, n + offset, [], prow)
    if not trade_chunks and not payment_chunks and 0 not in done:
        store.write_chunk(batch_id, 0, [], [])

    summary.rejects_path = str(rejects_path) if summary.rows_rejected else ""
    if not summary.rows_rejected:
        rejects_path.unlink(missing_ok=True)
    info = BatchInfo(
        batch_id, sha, str(path), summary.client_id, fmt, status="done",
        rows_read=summary.rows_read, rows_loaded=summary.rows_loaded,
        rows_rejected=summary.rows_rejected, rows_skipped=summary.rows_skipped,
        rejects_path=summary.rejects_path, started_at=info.started_at, finished_at=_now(),
    )
    store.finish_batch(info)
    return summary


def _client_problem(line: LedgerLine, client_id: str | None) -> Reject | None:
    """Why a good line cannot be attributed to a client, or ``None``."""
    if not (line.client_id or client_id):
        return Reject(line.file, line.line,
                      "no client: the row has no client_id and none was given (--client)",
                      column="client_id")
    if client_id and line.client_id and line.client_id != client_id:
        return Reject(line.file, line.line,
                      f"row's client_id {line.client_id!r} differs from --client {client_id!r}",
                      column="client_id")
    return None
