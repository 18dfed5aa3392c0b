"""Load ledger files into a store as idempotent, resumable batches.

read → validate → aggregate (per file, in worker processes) → resolve →
write (in the main process, many files per transaction), with every
rejected row written to a quarantine CSV (file, line, column, reason, raw).

* A batch is one file read one way: its id derives from the file's SHA-256
  together with what changes its meaning — the client, the format (given or
  detected) and the reader options (year, bank layout, account table; see
  :func:`batch_id_for`). Loading the same bytes the same way again changes
  nothing and reports ``duplicate``; the same bytes for another client or in
  another format are another batch (a file first sent with the wrong client
  loads in full afterwards), and the summary names the other batches of the
  same bytes (``same_file``).
* A file refused as a whole (unreadable, binary, unknown format, a header
  that is not the format's) records no batch. A reader that fails midway
  fails that file only; no batch is left ``loading`` by it.
* Lines without a counterparty (:class:`~ingest.records.UnnamedLine`, e.g.
  cash sales) are stored as the client's own series: its figures, not the
  network (``rows_unnamed``).
* Files are parsed in parallel (:class:`Loader` ``workers``): parsing is
  pure Python and the bulk of the CPU; the main process only resolves the
  distinct counterparty spellings and writes monthly sums.
* Writes are grouped: small files share one transaction, a large file is
  split over several (``chunk_rows`` rows each). Whatever the grouping, a
  chunk of a batch is marked done in the transaction that writes its rows,
  so a load killed midway resumes where it stopped, with no duplicates.
* Store lookups for resolution are batched per group
  (:meth:`ingest.resolve.Resolver.prefetch`): no round trip per name.
* A load of many files into a store that holds at most half as many
  batches lets the store drop the indexes no read of a load uses and build
  them once at its end (:meth:`queries.store.Store.defer_load_indexes`).
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import gc
import hashlib
import logging
import multiprocessing as mp
import multiprocessing.util as mp_util
import os
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures import wait as wait_futures
from dataclasses import asdict, dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

from tqdm import tqdm

from domain.parent_watch import watch_parent
from ingest.aggregate import MonthlyAggregator
from ingest.client_ids import LINES_SHOWN, rows_naming_unknown_clients, unknown_client_ids
from ingest.decode import SAMPLE_BYTES, EncodingError, LineTexts, binary_reason
from ingest.firm_names import display_name_changes
from ingest.month_window import MonthWindow, in_window, window_text
from ingest.names import NameScreen
from ingest.records import Counterparty, LedgerLine, Reject, Skipped, UnnamedLine
from ingest.resolve import Resolution, Resolver
from queries.model import BatchInfo, ChunkWrite, Firm, LoadWrite
from queries.private_files import open_private, private_dir
from queries.series import ObservationKey, Series
from queries.store import Store, StoreUnavailable

__all__ = [
    "IngestError", "LoadSummary", "LoadJob", "Loader", "load_file", "file_sha256", "batch_id_for",
    "legacy_batch_id", "options_fingerprint", "CHUNK_ROWS", "LoadTimes", "overlap_note", "double_settlement_note",
]

# Monthly rows per chunk of a large file (its unit of resumption) and, unless
# told otherwise, per write transaction. Larger Neo4j transactions were
# measured and cost more, not less: 100,000 monthly values per transaction
# made the server's CPU for the 10k region 83 s against 48 s (its transaction
# state outlives young garbage collections); docs/data-model.md.
CHUNK_ROWS = 20_000
NO_CLIENT = "no client"  # the start of a row's reject reason when no client is named
OTHER_CLIENT = "row's client_id"  # the start of one when the row names another client than the file's
DAYS_AHEAD = 31
"""How many days after today (Japan's date) a ledger line may be dated: a
transfer file is made days, at most weeks, before its transfer date. A line
dated later is a wrong year or a typo; loaded, it would make its month the
region's latest, and every client would look months behind (their ledgers
"stopped", partners "stopped trading")."""
_JST = dt.timezone(dt.timedelta(hours=9), "JST")


def latest_line_date(today: dt.date | None = None) -> dt.date:
    """The latest date a ledger line may have: :data:`DAYS_AHEAD` days after
    ``today`` (default: today in Japan)."""
    return (today or dt.datetime.now(_JST).date()) + dt.timedelta(days=DAYS_AHEAD)


def future_reject(line: LedgerLine | UnnamedLine, latest: dt.date) -> Reject | None:
    """The reject of a line dated after ``latest`` (:func:`latest_line_date`), or ``None``."""
    if line.date <= latest:
        return None
    today = latest - dt.timedelta(days=DAYS_AHEAD)
    return Reject(line.file, line.line,
                  f"date {line.date.isoformat()} is more than {DAYS_AHEAD} days after today ({today.isoformat()}): "
                  "a ledger records what has happened; check the year (a 全銀 file's header has none: give it), "
                  "or roll this load back and load the file again once that date has come",
                  column="date")
# Pairs whose merged rows and firm totals are refreshed together: each
# refresh rewrites a busy firm's totals once, not once per group of files.
_FINISH_PAIRS = 100_000
_MAX_INFLIGHT = 64  # groups whose rows the writer has not taken yet (bounds memory)
# Files handed to the parsing workers ahead of the one being resolved: a few
# groups' worth (a group of small files is ~150 files), so the workers keep
# parsing while the main thread resolves and the writer writes; bounded by
# bytes too, since a parsed file's sums grow with its lines.
_AHEAD_FILES = 256
_AHEAD_BYTES = 64 << 20

Reader = Callable[[Path], Iterable[LedgerLine | UnnamedLine | Reject | Skipped]]
log = logging.getLogger(__name__)


class IngestError(Exception):
    """A whole file cannot be loaded (unreadable, unknown format, no client)."""


@dataclass
class LoadSummary:
    """What loading one file did (printed for people, JSON for scripts)."""

    file: str
    batch_id: str
    file_sha256: str
    format: str
    client_id: str
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    rows_skipped: int = 0
    # rows whose counterparty name had control, bidi or zero-width characters removed
    # (ingest.names.NameScreen), and the first of their lines
    rows_cleaned: int = 0
    cleaned_lines: list[int] = field(default_factory=list)
    trade_rows: int = 0
    payment_rows: int = 0
    firms_created: int = 0
    auto_merged: int = 0  # spellings merged into a known firm by name
    review_queued: int = 0  # spellings waiting for a human decision
    rows_unnamed: int = 0  # of rows_loaded: no counterparty named (the client's own figures only)
    rows_outside: int = 0  # good rows of months the load was told not to take (LoadJob.months)
    months: str = ""  # the months taken when told (``2025-10..2026-03``), else every month
    row_clients: list[str] = field(default_factory=list)  # a load given no client: the clients its rows name
    first_month: str = ""  # the first and last month (YYYY-MM) the load holds of its client's ledger
    last_month: str = ""   # (filled by the API's checks after a load: what a 全銀 file's year decided)
    rejects_path: str = ""
    duplicate: bool = False
    # a duplicate of the same bytes loaded the other way (for one client, or each row naming its own): the
    # earlier load holds this one's rows (the same file once per client and once by row doubled its sums)
    duplicate_as: str = ""  # "" | "client" (stored for one client) | "rows" (stored as each row names)
    resumed: bool = False
    status: str = "loaded"  # loaded | resumed | duplicate
    message: str = ""  # one line saying what is stored (describe())
    # Other batches of the same bytes (another client, format or options):
    # {"batch_id", "client_id", "format", "status"} each, oldest first.
    same_file: list[dict[str, str]] = field(default_factory=list)
    # Other loads of the same client and kind of ledger holding months this one holds too
    # (the same entries exported twice count twice): {"batch_id", "file", "months"}
    # each; filled by api.load_checks.find_overlaps (one file) and run_overlaps (a run).
    overlaps: list[dict[str, Any]] = field(default_factory=list)
    # Months whose settlements of the client both a journal and a bank statement or
    # 全銀 file record, this load one of them (api.load_checks.double_settlements):
    # {"client_id", "kind", "months", "journals", "banks"} each.
    double_settlements: list[dict[str, Any]] = field(default_factory=list)
    # A 全銀 file's 振込依頼人 that does not read like the client's name (ingest.requester): most
    # likely another company's file; filled by api.load_checks.find_overlaps (one file).
    other_requesters: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return asdict(self)

    def describe(self) -> str:
        """One line for people: what is stored now, and under which batch."""
        who = f"client {self.client_id}" if self.client_id else "the clients its rows name"
        if self.duplicate:
            text = (f"already loaded as batch {self.batch_id} for {who} ({self.format}) — "
                    "nothing changed")
            if self.duplicate_as == "client" and self.rows_rejected:
                text += (f"; rows naming other clients than {self.client_id} were rejected there: to load every "
                         f"client's rows, `torihiki batches rollback {self.batch_id}`, then load it again without "
                         "a client")
        else:
            text = (f"{'loaded (resumed)' if self.resumed else 'loaded'} as batch {self.batch_id} "
                    f"for {who} ({self.format}): {self.rows_loaded} of {self.rows_read} rows loaded"
                    + (f" ({self.rows_unnamed} without a named counterparty)" if self.rows_unnamed else "")
                    + f", {self.rows_rejected} rejected, {self.rows_skipped} skipped"
                    + (f", {self.rows_outside} outside the months taken ({self.months})" if self.rows_outside else ""))
        return "; ".join([text, *self.same_file_notes(), *self.overlap_notes(),
                          *(double_settlement_note(d) for d in self.double_settlements),
                          *([requester_note(self)] if self.other_requesters else [])])

    def overlap_notes(self) -> list[str]:
        """One warning per earlier load of the client repeating this one's months (``overlaps``)."""
        return [overlap_note(o) for o in self.overlaps]

    def same_file_notes(self) -> list[str]:
        """One line per other batch of the same bytes (see ``same_file``)."""
        notes = []
        for b in self.same_file:
            other = f"client {b['client_id']}" if b["client_id"] else "the clients its rows name"
            notes.append(f"the same file is also stored as batch {b['batch_id']} for {other} "
                         f"({b['format']}, {b['status']}): `torihiki batches rollback {b['batch_id']}` "
                         "removes it if that was a mistake")
        return notes


def _month_span(months: list[str]) -> str:
    """``2024-01–2024-06`` (first–last of sorted months), or the one month."""
    return months[0] if len(months) == 1 else f"{months[0]}–{months[-1]}"


def double_settlement_note(d: Mapping[str, Any]) -> str:
    """The warning for months whose settlements a journal and a bank file both
    record (``{"kind", "months", "journals", "banks"}``, see ``double_settlements``)."""
    journals = ", ".join(f"{b['batch_id']} ({b['file']})" for b in d["journals"])
    banks = ", ".join(f"{b['batch_id']} ({b['file']})" for b in d["banks"])
    return (f"warning: the {d['kind']} of {len(d['months'])} month(s) ({_month_span(d['months'])}) are in "
            f"the journal, batch {journals}, and in the bank statement or 全銀 file, batch {banks}; "
            "if the journal books the bank's entries they count twice: `torihiki batches rollback` the bank file "
            "(and load it again with --months for the months the journal lacks)")


def requester_note(summary: LoadSummary) -> str:
    """The warning for a 全銀 file whose 振込依頼人 does not read like its client's name."""
    names = ", ".join(summary.other_requesters)
    return (f"warning: the 振込依頼人 of this 全銀 file ({names}) does not read like the name of client "
            f"{summary.client_id}; if it is another company's file, its payments count as this client's: "
            f"`torihiki batches rollback {summary.batch_id}`")


def overlap_note(o: Mapping[str, Any]) -> str:
    """The warning for one earlier load (``{"batch_id", "file", "months"}``)
    holding months of this file too."""
    whose = (f"of client {o['client_id']} and the same kind of ledger" if o.get("client_id")
             else "of the same client and kind of ledger")
    return (f"warning: {len(o['months'])} month(s) of this file ({_month_span(o['months'])}) are also in "
            f"batch {o['batch_id']} ({o['file']}) {whose}; if both hold the same "
            f"entries they count twice: `torihiki batches rollback` one of them")


@dataclass
class LoadTimes:
    """Where a run's wall time went, in seconds (``Loader.times``; the
    benchmark reports it). The main thread parses nothing itself when
    workers parse; it waits for them (``parse_wait``), resolves and builds
    the writes (the rest of its time), and waits for the writer thread
    (``write_wait``) when more than ``_MAX_INFLIGHT`` groups are unwritten
    and at the end. ``write_busy`` is the writer thread's time inside the
    store's write calls (the database's work plus the driver's packing), in
    parallel with the main thread; ``names`` the display names recomputed
    at the end of the run (a read and a write, main thread); ``indexes``
    the indexes a large load dropped, built again at its end (main thread;
    :meth:`~queries.store.Store.defer_load_indexes`)."""

    parse_wait: float = 0.0
    write_wait: float = 0.0
    write_busy: float = 0.0
    writes: int = 0
    names: float = 0.0
    indexes: float = 0.0

    def to_dict(self) -> dict[str, float]:
        return {k: round(v, 2) for k, v in asdict(self).items()}


@dataclass(frozen=True)
class LoadJob:
    """One file to load: its client (``None`` when every row names its
    own), its format (``None``: detected) and reader options per format
    (``{"yayoi": {"accounts": table}, ...}``; the detected format's apply)."""

    path: Path
    client_id: str | None = None
    fmt: str | None = None
    options: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    # only the lines of these months (YYYY-MM, first and last included; None: open), the rest
    # counted as outside (rows_outside): a bank file taken only for months its client's journal lacks
    months: MonthWindow | None = None

    def identity_options(self, fmt: str) -> dict[str, Any]:
        """What reads the file, as part of its batch's identity: the format's
        reader options and the months taken."""
        options = dict(self.options.get(fmt, {}))
        if self.months is not None:
            options["months"] = window_text(self.months)
        return options


def _loaded_the_other_way(store: Store, same: Sequence[BatchInfo], summary: LoadSummary,
                          options: Mapping[str, Any]) -> BatchInfo | None:
    """A done load of the same bytes, format and reader options that holds
    this load's rows, attributed the other way: for one client, with rows
    loaded, when this load lets each row name its own; or as each row names
    its own, with rows of this load's client, when this load is for one client
    (loaded again, those rows would count twice). ``None`` when there is none."""
    for b in same:
        if (b.status != "done" or b.format != summary.format or b.client_id == summary.client_id
                or "" not in (b.client_id, summary.client_id)
                or b.id != batch_id_for(b.sha256, b.client_id, b.format, options)):
            continue
        if b.client_id and b.rows_loaded > 0:
            return b
        if not b.client_id and b.id in store.client_batch_months(summary.client_id):
            return b
    return None


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's bytes, streamed (1 MiB blocks)."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def options_fingerprint(options: Mapping[str, Any]) -> str:
    """Reader options as stable text, by what they mean: an account table by
    its (account, role) pairs (the default table counts as none), a file (a
    bank layout) by its bytes' SHA-256, anything else (a year) by value."""
    from ingest.accounts import AccountTable, default_table

    parts: list[str] = []
    for key in sorted(options):
        value = options[key]
        if isinstance(value, AccountTable):
            text = value.fingerprint()
            if text == default_table().fingerprint():
                continue
        elif isinstance(value, Path):
            try:
                text = file_sha256(value)
            except OSError:
                text = str(value)
        else:
            text = repr(value)
        parts.append(f"{key}={text}")
    return ";".join(parts)


def batch_id_for(sha256: str, client_id: str = "", fmt: str = "",
                 options: Mapping[str, Any] | None = None) -> str:
    """Batch id of a file read one way: ``b`` + 16 hex digits of the SHA-256
    of (file SHA-256, client, format, :func:`options_fingerprint`). The same
    bytes for another client, in another format or with other options are
    another batch."""
    identity = "\x1f".join((sha256, client_id, fmt, options_fingerprint(options or {})))
    return "b" + hashlib.sha256(identity.encode("utf-8")).hexdigest()[:16]


def legacy_batch_id(sha256: str) -> str:
    """The id earlier versions gave every load of a file (``b`` + its SHA-256's
    first 16 hex digits), whatever the client: a batch stored under it with
    the same client and format and no options is this load."""
    return f"b{sha256[:16]}"


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


# -- parsing (worker side) ---------------------------------------------------------
@dataclass
class _Parsed:
    """A parsed file: counts, the monthly sums per spelling, or why it failed."""

    summary: LoadSummary
    sums: MonthlyAggregator | None = None
    rejects_path: Path | None = None
    error: str | None = None
    # a file given no client: the client ids its loaded rows name (rows per id), and the first
    # lines naming each (ingest.client_ids.LINES_SHOWN), to refuse it if the store knows an id not
    row_clients: dict[str, int] = field(default_factory=dict)
    row_client_lines: dict[str, list[int]] = field(default_factory=dict)


def _parse(job: LoadJob, summary: LoadSummary, rejects_dir: Path,
           reader: Reader | None) -> _Parsed:
    """Read, validate and aggregate one file; rejected rows go to its quarantine CSV."""
    path = job.path
    if reader is None:
        from ingest.readers.detect import FormatError, detect_format, read_ledger

        try:
            fmt = job.fmt or summary.format or detect_format(path)
        except (FormatError, EncodingError) as e:
            text = str(e).removeprefix(f"{path.name}: ").removeprefix(f"{path}: ")
            return _Parsed(summary, error=f"{path}: {text}")
        except OSError as e:
            return _Parsed(summary, error=f"{path}: cannot read file: {e.strerror or e}")
        summary.format = str(fmt)
        options = dict(job.options.get(str(fmt), {}))

        def reader(p: Path) -> Iterable[LedgerLine | UnnamedLine | Reject | Skipped]:
            return read_ledger(p, fmt, **options)

    rejects_path = rejects_dir / f"{summary.batch_id}.csv"
    rejects = _RejectsFile(rejects_path)
    agg = MonthlyAggregator()
    row_clients: dict[str, int] = {}
    row_client_lines: dict[str, list[int]] = {}
    screen = NameScreen()  # names cleaned at the door, overlong ones rejected
    first_reject: Reject | None = None
    no_client = 0  # rows rejected only because no client was named
    other_clients: dict[str, int] = {}  # rows rejected only because they name another client than the job's
    latest = latest_line_date()
    # the text of rejects a reader gave none (a date in the future, no client): the file's line,
    # when its format is known and not 全銀 (whose records may follow each other with no line break)
    fmt_read = summary.format or job.fmt or ""
    texts = LineTexts(path) if fmt_read and fmt_read != "zengin" else None
    try:
        with rejects:
            for item in screen.rows(reader(path)):
                summary.rows_read += 1
                if isinstance(item, Skipped):
                    summary.rows_skipped += 1
                    continue
                if isinstance(item, LedgerLine | UnnamedLine):
                    if job.months is not None and not in_window(item.month, job.months):
                        summary.rows_outside += 1
                        continue
                    problem = future_reject(item, latest) or _client_problem(item, job.client_id)
                    if problem is None:
                        client = item.client_id or job.client_id or ""
                        if not job.client_id:  # each row names its client ("" as None)
                            _note_row_client(row_clients, row_client_lines, client, item.line)
                        if isinstance(item, LedgerLine):
                            agg.add(item, client)
                        else:
                            agg.add_unnamed(item, client)
                            summary.rows_unnamed += 1
                        summary.rows_loaded += 1
                        continue
                    if problem.reason.startswith(OTHER_CLIENT):
                        other_clients[item.client_id] = other_clients.get(item.client_id, 0) + 1
                    item = problem
                    no_client += problem.reason.startswith(NO_CLIENT)
                summary.rows_rejected += 1
                first_reject = first_reject or item
                raw = item.raw or (texts.get(item.line) if texts is not None else "")
                rejects.write([item.file, item.line, item.column, item.reason, raw])
            summary.rows_cleaned, summary.cleaned_lines = screen.cleaned, screen.cleaned_lines
    except (EncodingError, UnicodeError, ValueError) as e:  # ValueError: FormatError of a reader
        rejects_path.unlink(missing_ok=True)
        text = str(e).removeprefix(f"{path.name}: ").removeprefix(f"{path}: ")
        return _Parsed(summary, error=f"{path}: {text}")
    except OSError as e:
        rejects_path.unlink(missing_ok=True)
        return _Parsed(summary, error=f"{path}: cannot read file: {e.strerror or e}")
    except Exception as e:  # a reader's failure fails this file, not the run (no batch left loading)
        rejects_path.unlink(missing_ok=True)
        return _Parsed(summary, error=f"{path}: cannot be read ({type(e).__name__}: {e})")
    finally:
        if texts is not None:
            texts.close()
    refused = _refused(summary, first_reject, no_client, other_clients)
    if refused is None and job.fmt and summary.rows_rejected and not summary.rows_loaded and not summary.rows_skipped:
        refused = _another_format(path, summary)
    if refused is not None:
        rejects_path.unlink(missing_ok=True)
        return _Parsed(summary, error=f"{path}: {refused}")
    summary.row_clients = sorted(row_clients)
    return _Parsed(summary, agg.freeze(), rejects_path, row_clients=row_clients,
                   row_client_lines=row_client_lines)


def _note_row_client(rows: dict[str, int], lines: dict[str, list[int]], client: str, line: int) -> None:
    """Count a loaded row of a file given no client under the client it names,
    and keep its line if it is among the first :data:`LINES_SHOWN` of that client."""
    n = rows.get(client, 0)
    rows[client] = n + 1
    if n < LINES_SHOWN:
        lines.setdefault(client, []).append(line)


def _refused(summary: LoadSummary, first: Reject | None, no_client: int = 0,
             other_clients: Mapping[str, int] | None = None) -> str | None:
    """Why a read file is refused as a whole (no batch), or ``None``: nothing
    loaded or skipped and either its one reject is about the file (an empty
    file, a header that is not the format's) or every row was rejected only
    because no client was named (a ledger loaded without ``--client``: a
    batch of nothing would stand in the way of loading it again with one),
    or most rows were rejected because each names another client than the
    one given (``other_clients``: rows per client named; a file given the
    wrong client, whose batch of nothing would stand in the way too; its few
    other rejects are said again when it is loaded for its client)."""
    if summary.rows_outside and not summary.rows_loaded and not summary.rows_skipped:
        return (f"none of its {summary.rows_outside} lines is in the months chosen ({summary.months}) "
                f"(read as {summary.format}; nothing loaded)")
    if first is None or summary.rows_loaded or summary.rows_skipped:
        return None
    if no_client and no_client == summary.rows_rejected:
        return (f"{NO_CLIENT}: no row of the file names its client; give the client whose ledger "
                f"it is (--client, or client_id in a manifest) (read as {summary.format}; nothing loaded)")
    if other_clients and sum(other_clients.values()) * 2 > summary.rows_rejected:  # most rows name another
        named = sorted(other_clients, key=lambda c: (-other_clients[c], c))
        return (f"its rows name another client than {summary.client_id} ({', '.join(named[:3])}"
                + (f" and {len(named) - 3} more" if len(named) > 3 else "")
                + "): give the client its rows name, or none (each row then names its own) "
                f"(read as {summary.format}; nothing loaded)")
    if summary.rows_rejected != 1:
        return None
    if first.column == "header" or first.reason.startswith("empty file"):
        return f"{first.reason} (read as {summary.format or 'the given format'}; nothing loaded)"
    return None


def _another_format(path: Path, summary: LoadSummary) -> str | None:
    """Why a file read in a format it was given, every row of which was
    rejected, is refused as a whole: it is a file of another format (a freee
    export sent as Yayoi: 22 rows rejected for their count of columns, and a
    load of nothing kept that had to be rolled back by hand). ``None`` when
    its own format is the one given or cannot be told."""
    from ingest.readers.detect import FormatError, detect_format

    try:
        found = str(detect_format(path))
    except (FormatError, EncodingError, OSError):
        return None
    if found == summary.format:
        return None
    return (f"every row was rejected read as {summary.format}, and the file is a {found} file: load it as {found}, "
            f"or let the format be found (read as {summary.format}; nothing loaded)")


class _RejectsFile:
    """A batch's quarantine CSV, created at its first rejected row (most
    files have none: no file to create and delete again). A stale file of an
    earlier attempt at the same batch is removed."""

    HEADER = ("file", "line", "column", "reason", "raw")

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fh: Any = None
        self._writer: Any = None

    def write(self, row: list[object]) -> None:
        if self._writer is None:
            private_dir(self.path.parent)  # raw ledger lines: the owner's only (0700, 0600)
            self._fh = open_private(self.path, "w", encoding="utf-8", newline="")
            self._writer = csv.writer(self._fh)
            self._writer.writerow(self.HEADER)
        self._writer.writerow(row)

    def __enter__(self) -> _RejectsFile:
        self.path.unlink(missing_ok=True)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._fh is not None:
            self._fh.close()


def _parse_in_worker(job: LoadJob, summary: LoadSummary, rejects_dir: Path) -> _Parsed:
    return _parse(job, summary, rejects_dir, None)


# -- the run (main process) --------------------------------------------------------
@dataclass
class _Pending:
    """A file on its way: hashed, maybe parsing, waiting to be written."""

    job: LoadJob
    summary: LoadSummary | None = None
    error: str | None = None
    future: Future[_Parsed] | None = None
    parsed: _Parsed | None = None
    resumed_chunks: set[int] = field(default_factory=set)
    size: int = 0  # bytes of the file


class Loader:
    """Loads many files into one store in one run (one resolver, one name index).

    Parameters
    ----------
    store : the store to write to.
    rejects_dir : where each batch's quarantine CSV goes (``<batch>.csv``).
    workers : processes that parse files in parallel; 0 parses in this
        process (one file, tests, the API).
    chunk_rows : monthly rows per chunk: a larger file is split into chunks
        of it, each marked done when written (a resumed load skips it).
    tx_rows : monthly rows per write transaction (and per group of files
        resolved together): small files and chunks are grouped up to it.
        ``None``: ``chunk_rows``.
    resolver : shared by the runs of one process when given.
    progress : show a bar over files (``None``: only on a terminal).
    new_clients : whether the rows of a file given no client may name a
        client id the store does not know. ``False``: in a store that had
        clients when the run began, such a file is refused as a whole, each
        id with the known ids close to it (:mod:`ingest.client_ids`: a typo
        would make a nameless client); the CLI's ``--new-client`` sets it.
    """

    def __init__(self, store: Store, rejects_dir: Path, *, workers: int = 0,
                 chunk_rows: int = CHUNK_ROWS, resolver: Resolver | None = None,
                 progress: bool | None = None, tx_rows: int | None = None, new_clients: bool = True) -> None:
        self.store = store
        self.new_clients = new_clients
        self._had_clients = False  # the store had clients when the run began (new_clients=False)
        self.rejects_dir = rejects_dir
        self.workers = workers
        self.chunk_rows = chunk_rows
        self.tx_rows = max(tx_rows or chunk_rows, 1)
        self._clients: set[str] = set()  # firms known to carry the client flag (stored or written)
        # The observations written, for a store that merges new pairs from them.
        self._collect_written = store.finish_uses_written
        self.resolver = resolver or Resolver(store)
        self.progress = sys.stderr.isatty() if progress is None else progress
        self._writer: _Writer | _ProcessWriter | None = None
        self._named: set[str] = set()  # firms given spellings in this run: names to refresh
        self.times = LoadTimes()

    def load(self, jobs: Sequence[LoadJob], reader: Reader | None = None
             ) -> Iterator[tuple[LoadJob, LoadSummary | IngestError]]:
        """Load ``jobs`` in order; yield each job with its summary or error
        once its rows are committed."""
        with _rare_collections() if len(jobs) > 1 else contextlib.nullcontext():
            yield from self._load(jobs, reader)

    def _load(self, jobs: Sequence[LoadJob], reader: Reader | None
              ) -> Iterator[tuple[LoadJob, LoadSummary | IngestError]]:
        # Indexes that no read of the load uses are built once at its end
        # when that is cheaper (Store.defer_load_indexes): before the writer
        # opens, and again after it has closed, failed or not.
        many = len(jobs) > 1
        if not self.new_clients:  # before this run writes any: its own new clients are not typos
            self._had_clients = any(not j.client_id for j in jobs) and bool(self.store.client_ids())
        deferred = many and self.store.defer_load_indexes(len(jobs))
        pool = None
        self._writer = None
        ended = False
        try:
            if self.workers > 0 and reader is None and many:
                pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=mp.get_context("fork"),
                                           initializer=watch_parent, initargs=(os.getpid(),))
            if many:
                reopen = getattr(self.store, "reopener", None) if pool is not None else None
                self._writer = (_ProcessWriter(reopen(), self.times) if reopen is not None
                                else _Writer(self.store, self.times))
            yield from self._run(jobs, reader, pool)
            ended = True
        finally:
            try:
                if self._writer is not None:
                    self._writer.close()
                if pool is not None:
                    pool.shutdown(cancel_futures=True)
            finally:
                if deferred:
                    self._restore_indexes(raise_error=ended)

    def _restore_indexes(self, raise_error: bool) -> None:
        """Build the indexes the load dropped. After a load that failed (or
        was abandoned) a failure here is only logged: the load's own error is
        the one to report, and the next open of the store builds them."""
        t0 = time.perf_counter()
        try:
            self.store.restore_load_indexes()
        except Exception:
            if raise_error:
                raise
            log.warning("the indexes a failed load dropped were not built again; "
                        "the next open of the store builds them", exc_info=True)
        finally:
            self.times.indexes += time.perf_counter() - t0

    def _refresh_names(self) -> Future[Any] | None:
        """Recompute the display names of the firms this run gave a new
        spelling (or every firm of a resumed file, whose spellings an earlier,
        interrupted run wrote): one read and one write for the whole run
        (as :func:`ingest.firm_names.refresh_display_names`). Needs every
        spelling of the run written, not the batches finished; the names
        that change are written by the writer (after what it was given
        before). Returns that write's future (``None``: written already, or
        nothing to write)."""
        t0 = time.perf_counter()
        named, self._named = self._named, set()
        changed = display_name_changes(self.store, named) if named else {}
        write = self._submit("set_firm_names", changed) if changed else None
        self.times.names += time.perf_counter() - t0
        return write

    def _run(self, jobs: Sequence[LoadJob], reader: Reader | None,
             pool: ProcessPoolExecutor | None) -> Iterator[tuple[LoadJob, LoadSummary | IngestError]]:
        seen: set[str] = set()
        window = max(64, 16 * max(1, self.workers))  # files hashed and admitted at a time
        depth = max(_AHEAD_FILES, 4 * window)
        todo = iter(jobs)
        # The next window's files are hashed in a thread while this one is
        # resolved (hashlib and file reads release the GIL).
        hasher = ThreadPoolExecutor(max_workers=1, thread_name_prefix="torihiki-hash")
        ahead = list(islice(todo, window))
        ahead_hashes = hasher.submit(_inspect, ahead)
        queue: deque[_Pending] = deque()
        queued_bytes = 0  # file sizes of the queue (bounds what is parsed ahead)
        group: list[_Pending] = []
        group_rows = 0
        finishing = _Finishing()
        # Groups handed to the writer, oldest first; the main thread resolves
        # the next groups meanwhile and reports a group once it is finished.
        inflight: deque[_Written] = deque()

        def release(final: bool) -> Iterator[tuple[LoadJob, LoadSummary | IngestError]]:
            while inflight and (final or inflight[0].done()):
                done = inflight.popleft()
                t0 = time.perf_counter()
                done.wait()
                self.times.write_wait += time.perf_counter() - t0
                yield from done.outcomes()
                bar.update(len(done.group))
            # At most _MAX_INFLIGHT groups whose rows the writer has not taken
            # (they wait in this process). A group written but waiting for its
            # finish does not count: while the writer finishes a round of
            # batches, the main thread goes on resolving the next groups.
            unwritten = [w for w in inflight if not w.written()]
            if len(unwritten) > _MAX_INFLIGHT:
                t0 = time.perf_counter()
                unwritten[len(unwritten) - _MAX_INFLIGHT - 1].wait_written()
                self.times.write_wait += time.perf_counter() - t0

        try:
            with tqdm(total=len(jobs), desc="files", unit=" file", disable=not self.progress) as bar:
                while True:
                    while ahead and (not queue or (len(queue) < depth and queued_bytes < _AHEAD_BYTES)):
                        admitted, hashes = ahead, ahead_hashes.result()
                        ahead = list(islice(todo, window))
                        ahead_hashes = hasher.submit(_inspect, ahead)
                        more = self._admit(admitted, hashes, seen, reader, pool)
                        queued_bytes += sum(p.size for p in more)
                        queue.extend(more)
                    if not queue:
                        break
                    item = queue.popleft()
                    queued_bytes -= item.size
                    if item.future is not None:
                        t0 = time.perf_counter()
                        item.parsed = item.future.result()
                        self.times.parse_wait += time.perf_counter() - t0
                    elif item.summary is not None and item.error is None and not item.summary.duplicate:
                        item.parsed = _parse(item.job, item.summary, self.rejects_dir, reader)
                    if item.parsed is not None:
                        item.summary = item.parsed.summary  # a worker's copy, with its counts
                    group.append(item)
                    group_rows += _rows(item)
                    if group_rows >= self.tx_rows or not queue:
                        inflight.append(self._flush(group, finishing))
                        group, group_rows = [], 0
                        if len(finishing.pairs) >= _FINISH_PAIRS or not queue:
                            written = ({p: obs for p, obs in finishing.written.items()
                                        if p not in finishing.reread} if self._collect_written else None)
                            finish = self._submit("finish_batches", finishing.batches, finishing.pairs, written)
                            for w in finishing.groups:
                                w.finished(finish)
                            finishing = _Finishing()
                        yield from release(final=False)
                # The display names are worked out while the writer finishes
                # the last round of batches (~7 s of the 100k region's load,
                # where this process used to work alone at the end).
                # After a failed write the outcomes raise it and no names
                # are refreshed (as before); a failure of the names' read is
                # raised only after every file's outcome is reported.
                t0 = time.perf_counter()
                for w in inflight:
                    w.wait_written()
                self.times.write_wait += time.perf_counter() - t0
                names: Future[Any] | None = None
                names_error: Exception | None = None
                if not any(w.failed() for w in inflight):
                    try:
                        names = self._refresh_names()
                    except Exception as e:
                        names_error = e
                yield from release(final=True)
                if names_error is not None:
                    raise names_error
                if names is not None:
                    names.result()
        finally:
            hasher.shutdown(wait=False, cancel_futures=True)

    def _admit(self, jobs: list[LoadJob], inspected: list[_Inspected | str], seen: set[str],
               reader: Reader | None, pool: ProcessPoolExecutor | None) -> list[_Pending]:
        """Take a window of inspected jobs (hashed, format known), look up the
        batches of their bytes in one query, and start parsing the ones not
        loaded yet."""
        out: list[_Pending] = []
        for job, ins in zip(jobs, inspected, strict=True):
            if isinstance(ins, str):
                out.append(_Pending(job, error=ins))
                continue
            fmt = job.fmt or ins.fmt
            bid = batch_id_for(ins.sha256, job.client_id or "", fmt, job.identity_options(fmt))
            out.append(_Pending(job, LoadSummary(str(job.path), bid, ins.sha256, fmt, job.client_id or "",
                                                 months=window_text(job.months) if job.months else ""),
                                size=ins.size))
        shas = {p.summary.file_sha256 for p in out if p.summary is not None}
        stored = self.store.batches_by_sha256(shas) if shas else {}
        for p in out:
            s = p.summary
            if s is None:
                continue
            same = stored.get(s.file_sha256, [])
            known = next((b for b in same if b.id == s.batch_id), None)
            if known is None and not options_fingerprint(p.job.identity_options(s.format)):
                # A batch of an earlier version, keyed by the bytes alone: it is
                # this load when it was read for the same client in the same format.
                legacy = legacy_batch_id(s.file_sha256)
                known = next((b for b in same if b.id == legacy and b.client_id == s.client_id
                              and b.format == s.format), None)
                if known is not None:
                    s.batch_id = known.id
            if known is None:
                known = _loaded_the_other_way(self.store, same, s, p.job.identity_options(s.format))
                if known is not None:
                    s.duplicate_as = "rows" if not known.client_id else "client"
                    s.batch_id = known.id
            s.same_file = [{"batch_id": b.id, "client_id": b.client_id, "format": b.format,
                            "status": b.status} for b in same if b.id != s.batch_id]
            if s.batch_id in seen or (known is not None and known.status == "done"):
                s.duplicate = True
                s.status = "duplicate"
                if known is not None:
                    for k in ("rows_read", "rows_loaded", "rows_rejected", "rows_skipped", "rejects_path"):
                        setattr(s, k, getattr(known, k))
                    s.client_id, s.format = known.client_id, known.format
                continue
            seen.add(s.batch_id)
            if known is not None:
                s.resumed = True
                s.status = "resumed"
                p.resumed_chunks = self.store.chunks_done(s.batch_id)
            if pool is not None:
                p.future = pool.submit(_parse_in_worker, p.job, s, self.rejects_dir)
        return out

    # -- writing ---------------------------------------------------------------
    def _flush(self, group: list[_Pending], finishing: _Finishing) -> _Written:
        """Resolve a group of parsed files and hand its writes to the writer;
        its batches and pairs join ``finishing`` (finished in a later write)."""
        if self._had_clients:
            self._refuse_unknown_row_clients(group)
        ready = [p for p in group if p.parsed is not None and p.parsed.error is None]
        self.resolver.prefetch(pair for p in ready for pair in _sums(p).counterparties())
        # Resolve file by file (each sees the spellings decided before it),
        # then learn in one query which of the group's firms are stored.
        resolved = []
        new_accounts: list[list[tuple[str, str]]] = []
        for p in ready:
            res = self.resolver.resolve_all(_sums(p).counterparties(), prefetched=True)
            accounts = {(r.bank_account, r.firm.id) for r in res.values() if r.bank_account}
            # Only accounts not stored or written yet (a stored one keeps its firm anyway).
            new_accounts.append(sorted(a for a in accounts if not self.resolver.account_firm(a[0])))
            self.resolver.remember_aliases([r.alias for r in res.values() if not r.known], accounts)
            resolved.append(res)
            resumed = p.summary is not None and p.summary.resumed
            self._named.update(r.firm.id for r in res.values() if resumed or not r.known)
        found = self.resolver.firms({f for res in resolved for (c, _), r in res.items()
                                     for f in (c, r.firm.id)}
                                    | {c for p in ready for (c, _), _ in _sums(p).own_rows()})
        known = set(found)
        self._clients.update(fid for fid, f in found.items() if f.is_client)
        writes: list[Future[Any] | None] = []
        load, rows = LoadWrite(), 0
        for p, res, fresh in zip(ready, resolved, new_accounts, strict=True):
            batch_writes, finished, trades = self._batch_writes(p, res, known, fresh)
            for write in batch_writes:
                more = write.rows
                if rows and rows + more > self.tx_rows:
                    writes.append(self._submit("write_load", load))
                    load, rows = LoadWrite(), 0
                _extend(load, write)
                rows += more
            finishing.batches.append(finished)
            pairs = {(s, b) for (s, b, _, _), _ in trades}
            finishing.pairs.update(pairs)
            if not self._collect_written:  # the store reads every pair's observations back
                continue
            if p.summary is not None and p.summary.resumed:
                # Part of its observations were written by an earlier run: read them back.
                finishing.reread.update(pairs)
            else:
                for (s, b, observer, _), series in trades:
                    finishing.written.setdefault((s, b), []).append((observer, series))
        if rows or load.begun:
            writes.append(self._submit("write_load", load))
        for p in ready:  # its rows are in the writes: the group waits for its finish without them
            assert p.parsed is not None
            p.parsed.sums = None
        written = _Written(group, writes)
        finishing.groups.append(written)
        return written

    def _refuse_unknown_row_clients(self, group: list[_Pending]) -> None:
        """Refuse each parsed file of ``group`` whose rows name a client id the
        store does not know (a file given no client; :mod:`ingest.client_ids`).
        Nothing of it is written: its good rows wait for the ids to be put right."""
        named = [(p, p.parsed) for p in group
                 if p.parsed is not None and p.parsed.error is None and p.parsed.row_clients]
        if not named:
            return
        unknown = unknown_client_ids(self.store, {c for _, parsed in named for c in parsed.row_clients})
        for p, parsed in named:
            mine = {c: unknown[c] for c in parsed.row_clients if c in unknown}
            if mine:
                fmt = p.summary.format if p.summary is not None else ""
                parsed.error = (f"{p.job.path}: "
                                + rows_naming_unknown_clients(mine, parsed.row_clients, parsed.row_client_lines, fmt))

    def _submit(self, method: str, *args: Any) -> Future[Any] | None:
        """Call the store's write ``method`` now, or hand it to the writer
        (many files)."""
        if self._writer is None:
            getattr(self.store, method)(*args)
            return None
        return self._writer.submit(method, *args)

    def _batch_writes(self, p: _Pending, resolved: Mapping[tuple[str, Counterparty], Resolution],
                      known: set[str], accounts: list[tuple[str, str]]
                      ) -> tuple[list[LoadWrite], BatchInfo, list[tuple[ObservationKey, Series]]]:
        """The writes of one parsed file — firms, spellings and its first
        chunk together, then one write per further chunk — the batch as it
        will be recorded when finished, and its trade observations (all of
        them, also those of chunks an earlier run wrote). ``known``: firms
        stored or written before this file (this file's new firms are added
        to it). ``accounts``: its bank accounts not stored yet."""
        assert p.parsed is not None and p.summary is not None
        s, agg = p.summary, _sums(p)
        trades, payments, selfies = agg.rows({k: (r.firm.id, r.alias.key) for k, r in resolved.items()})
        own = agg.own_rows()
        if selfies:
            self._reject_selfies(p, selfies)
        firms = _new_firms(resolved, known, s.batch_id, {client for (client, _), _ in own}, self._clients)
        self.resolver.remember_firms([f for f, created_by in firms if created_by is not None])
        aliases = [r.alias for r in resolved.values() if not r.known]  # only new decisions are written
        merges = [r.merge for r in resolved.values() if r.merge is not None]
        s.firms_created = sum(1 for _, created_by in firms if created_by is not None)
        s.review_queued = sum(r.alias.status == "review" for r in resolved.values())
        s.auto_merged = sum(r.merge is not None for r in resolved.values())
        s.trade_rows = sum(len(v.months) for _, v in trades)
        s.payment_rows = sum(len(v.months) for _, v in payments)
        if p.parsed.rejects_path is not None and not s.rows_rejected:
            p.parsed.rejects_path.unlink(missing_ok=True)
        s.rejects_path = str(p.parsed.rejects_path) if s.rows_rejected else ""
        info = BatchInfo(s.batch_id, s.file_sha256, s.file, s.client_id, s.format, started_at=_now())
        chunks = [ChunkWrite(s.batch_id, n, obs, ()) for n, obs in _chunks(trades, self.chunk_rows)]
        chunks += [ChunkWrite(s.batch_id, n + len(chunks), (), obs)
                   for n, obs in _chunks(payments, self.chunk_rows)]
        if not chunks:
            chunks = [ChunkWrite(s.batch_id, 0)]
        if own:  # a client's own series (a few per file) go with its first chunk
            chunks[0] = ChunkWrite(s.batch_id, 0, chunks[0].trades, chunks[0].payments, own)
        finished = BatchInfo(
            s.batch_id, s.file_sha256, s.file, s.client_id, s.format, status="done",
            rows_read=s.rows_read, rows_loaded=s.rows_loaded, rows_rejected=s.rows_rejected,
            rows_skipped=s.rows_skipped, rejects_path=s.rejects_path, started_at=info.started_at,
            finished_at=_now(),
        )
        # Spelling decisions (and automatic merges) go with the first write,
        # so a resumed load takes the same decisions.
        first = LoadWrite(begun=[info], firms=firms, aliases=aliases, merges=merges,
                          bank_accounts=accounts)
        todo = [c for c in chunks if c.chunk not in p.resumed_chunks]
        writes = [first] + [LoadWrite() for _ in todo[1:]]
        for write, chunk in zip(writes, todo, strict=False):
            write.chunks.append(chunk)
        return writes, finished, trades

    def _reject_selfies(self, p: _Pending, selfies: list[tuple[Counterparty, int, int]]) -> None:
        """Lines whose counterparty resolves to the client itself are not trade: reject them."""
        assert p.summary is not None and p.parsed is not None
        path = p.parsed.rejects_path or self.rejects_dir / f"{p.summary.batch_id}.csv"
        new = not path.exists()
        with path.open("a", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            if new:
                w.writerow(["file", "line", "column", "reason", "raw"])
            for cp, first_line, n in selfies:
                p.summary.rows_loaded -= n
                p.summary.rows_rejected += n
                w.writerow([p.summary.file, first_line, "counterparty",
                            f"counterparty resolves to the client itself ({n} lines)", cp.name])
        p.parsed.rejects_path = path


def _new_firms(resolved: Mapping[tuple[str, Counterparty], Resolution], known: set[str],
               batch_id: str, clients: Iterable[str] = (), flagged: set[str] | None = None
               ) -> list[tuple[Firm, str | None]]:
    """Firms to write for one file: those not stored yet, created by its
    batch (a known firm keeps its name), and each client with its client
    flag (which never erases a field) — also ``clients`` whose lines name no
    counterparty at all (a client that only sells for cash) — unless the
    client is in ``flagged`` (known to be flagged already: the flag only
    ever turns on). Adds the new ones to ``known``, the flagged to
    ``flagged``."""
    flagged = set() if flagged is None else flagged
    firms: dict[str, Firm] = {}
    for client in sorted(clients):
        firms.setdefault(client, Firm(id=client, is_client=True))
    for (client, _), res in resolved.items():
        firms.setdefault(client, Firm(id=client, is_client=True))
        firms.setdefault(res.firm.id, res.firm)
    out: list[tuple[Firm, str | None]] = []
    for fid, f in firms.items():
        if fid not in known:
            out.append((f, batch_id))
            known.add(fid)
        elif f.is_client and fid not in flagged:
            out.append((Firm(id=fid, is_client=True), None))
        if f.is_client:
            flagged.add(fid)
    return out


_GC_THRESHOLD = (200_000, 50, 1_000)
"""Cyclic garbage collection during a load of many files: every 200,000
allocations rather than 700, with full collections rarer too."""


@contextlib.contextmanager
def _rare_collections() -> Iterator[None]:
    """Make Python's cyclic garbage collector run rarely while a load runs
    (restored afterwards), in this process and the worker processes it forks.

    A load allocates millions of containers that live long (the name index,
    the aliases and firms of the run, the rows in flight): with the default
    thresholds the collector ran every 700 allocations and its full
    collections walked all of them, more often and for longer as the run
    grew — a sixth of the main process's time on the first 6,000 files of the
    100k region (10.4 s of 61.6; 1.0 s with these thresholds). What a load
    frees is nearly all acyclic (rows, series, tuples) and goes at once by
    reference counting, so collecting rarely costs little memory.
    """
    before = gc.get_threshold()
    gc.set_threshold(*(max(a, b) for a, b in zip(before, _GC_THRESHOLD, strict=True)))
    try:
        yield
    finally:
        gc.set_threshold(*before)


@dataclass(frozen=True)
class _Inspected:
    """A job's file before parsing: its SHA-256 and its format (given or detected)."""

    sha256: str
    fmt: str
    size: int = 0  # bytes


def _inspect(jobs: list[LoadJob]) -> list[_Inspected | str]:
    """Each job's file hashed and its format detected when not given — or
    the one-line reason it is refused as a whole (unreadable, binary,
    unknown format): such a file records no batch."""
    from ingest.readers.detect import FormatError, detect_format

    out: list[_Inspected | str] = []
    for job in jobs:
        path = job.path
        try:
            sha = file_sha256(path)
            with path.open("rb") as fh:
                binary = binary_reason(fh.read(SAMPLE_BYTES))
            if binary is not None:
                out.append(f"{path}: refused: {binary}")
                continue
            out.append(_Inspected(sha, job.fmt or str(detect_format(path)), path.stat().st_size))
        except (FormatError, EncodingError) as e:
            text = str(e).removeprefix(f"{path.name}: ").removeprefix(f"{path}: ")
            out.append(f"{path}: {text}")
        except OSError as e:
            out.append(f"{path}: cannot read file: {e.strerror or e}")
    return out


class _Writes:
    """A load's writes run in order on one store, by name (``write_load``,
    ``finish_batches``): once a write fails, every later one is refused — a
    later group may name firms the failed one would have created, and must
    not be stored alone. Used by the writer thread and the writer process."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._failed: str | None = None
        self._unavailable = False  # the failed write found the store gone: the load can be run again

    def run(self, method: str, args: tuple[Any, ...]) -> float:
        """Run one write; its seconds."""
        if self._failed is not None:
            why = f"not written: an earlier write of this load failed ({self._failed})"
            # the store went away: said as such, so that the CLI says to run the load again to resume
            raise StoreUnavailable(why) if self._unavailable else IngestError(why)
        t0 = time.perf_counter()
        try:
            getattr(self.store, method)(*args)
        except BaseException as e:
            self._failed = f"{type(e).__name__}: {e}"
            self._unavailable = isinstance(e, StoreUnavailable)
            raise
        return time.perf_counter() - t0


class _Writer:
    """One thread that writes the loads in the order given, while the main
    thread parses results and resolves the next group (the store's own work —
    Neo4j's server, SQLite's C code and the disk — runs meanwhile)."""

    def __init__(self, store: Store, times: LoadTimes) -> None:
        self.times = times
        self._writes = _Writes(store)
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="torihiki-writer")

    def submit(self, method: str, *args: Any) -> Future[None]:
        return self._pool.submit(self._run, method, args)

    def _run(self, method: str, args: tuple[Any, ...]) -> None:
        t0 = time.perf_counter()
        try:
            self._writes.run(method, args)
        finally:
            self.times.write_busy += time.perf_counter() - t0
            self.times.writes += 1

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


class _ProcessWriter:
    """The writer in a process of its own, for a store that can be opened
    again there (the embedded store's ``reopener``) and a load that parses in
    worker processes (a manifest from the command line).

    A writer thread shares the main process's interpreter lock with the
    thread that resolves spellings — the sequential part of a load — and
    its Python work (rows, JSON series, merged pairs and totals) took about a
    third of that process's CPU. In a process of its own it runs beside
    resolution; what crosses over is the writes themselves (pickled,
    cheaper than building them). Same order, same transactions, and the same
    rule (:class:`_Writes`).
    """

    def __init__(self, opener: Callable[[], Store], times: LoadTimes) -> None:
        self.times = times
        self._pool = ProcessPoolExecutor(max_workers=1, mp_context=mp.get_context("fork"),
                                         initializer=_open_writer_store, initargs=(opener, os.getpid()))

    def submit(self, method: str, *args: Any) -> Future[float]:
        future = self._pool.submit(_write_in_process, method, args)
        future.add_done_callback(self._count)
        return future

    def _count(self, future: Future[float]) -> None:
        """Add a finished write's seconds in the writer process to ``times``."""
        if not future.cancelled() and future.exception() is None:
            self.times.write_busy += future.result()
        self.times.writes += 1

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


# The writer process's writes (one writer per process).
_process_writes: _Writes | None = None


def _open_writer_store(opener: Callable[[], Store], parent: int) -> None:
    global _process_writes
    watch_parent(parent)  # a load killed outright leaves no writer behind
    store = opener()
    _process_writes = _Writes(store)
    # Closed when the process exits (the pool's shutdown): SQLite checkpoints its log then.
    mp_util.Finalize(None, store.close, exitpriority=10)


def _write_in_process(method: str, args: tuple[Any, ...]) -> float:
    """Run one write in the writer process; its seconds there."""
    assert _process_writes is not None
    return _process_writes.run(method, args)


@dataclass
class _Written:
    """A resolved group, its writes and, once submitted, the finish of its
    batches (futures when a writer has them; ``None`` for a write already run)."""

    group: list[_Pending]
    writes: list[Future[Any] | None]
    finish_submitted: bool = False

    def finished(self, finish: Future[Any] | None) -> None:
        """The finish of the group's batches was submitted (it runs after the writes)."""
        self.writes.append(finish)
        self.finish_submitted = True

    def _own(self) -> list[Future[Any]]:
        """The group's own writes handed to a writer (not its finish)."""
        own = self.writes[:-1] if self.finish_submitted else self.writes
        return [w for w in own if w is not None]

    def written(self) -> bool:
        """Whether the writer has run the group's own writes (not its finish)."""
        return all(w.done() for w in self._own())

    def wait_written(self) -> None:
        """Block until the group's own writes have run (not its finish)."""
        wait_futures(self._own())

    def failed(self) -> bool:
        """Whether one of the group's own writes has failed."""
        return any(w.done() and not w.cancelled() and w.exception() is not None for w in self._own())

    def done(self) -> bool:
        return self.finish_submitted and all(w is None or w.done() for w in self.writes)

    def wait(self) -> None:
        """Block until the group's writes and finish have run (their errors
        are raised by :meth:`outcomes`); the finish must have been submitted."""
        assert self.finish_submitted
        for w in self.writes:
            if w is not None:
                wait_futures([w])

    def outcomes(self) -> Iterator[tuple[LoadJob, LoadSummary | IngestError]]:
        """Each file's outcome, once the group's writes are committed (a
        failed write raises here, as it would have in the main thread)."""
        for w in self.writes:
            if w is not None:
                w.result()
        for p in self.group:
            if p.error is not None:
                yield p.job, IngestError(p.error)
            elif p.parsed is not None and p.parsed.error is not None:
                if p.parsed.rejects_path is not None:
                    p.parsed.rejects_path.unlink(missing_ok=True)
                yield p.job, IngestError(p.parsed.error)
            else:
                assert p.summary is not None
                p.summary.message = p.summary.describe()
                yield p.job, p.summary


@dataclass
class _Finishing:
    """Groups written but not finished yet: their batches and trading pairs."""

    groups: list[_Written] = field(default_factory=list)
    batches: list[BatchInfo] = field(default_factory=list)
    pairs: set[tuple[str, str]] = field(default_factory=set)
    # The trade observations these groups write, per pair (observer, series),
    # and the pairs whose observations must be read back instead (a resumed
    # batch's earlier chunks are not written again): ``Store.finish_batches``.
    written: dict[tuple[str, str], list[tuple[str, Series]]] = field(default_factory=dict)
    reread: set[tuple[str, str]] = field(default_factory=set)


def _sums(p: _Pending) -> MonthlyAggregator:
    assert p.parsed is not None and p.parsed.sums is not None
    return p.parsed.sums


def _rows(p: _Pending) -> int:
    return len(p.parsed.sums) if p.parsed is not None and p.parsed.sums is not None else 0


def _extend(load: LoadWrite, more: LoadWrite) -> None:
    load.begun += more.begun
    load.firms += more.firms
    load.aliases += more.aliases
    load.merges += more.merges
    load.bank_accounts += more.bank_accounts
    load.chunks += more.chunks


def _chunks(observations: Sequence[tuple[ObservationKey, Series]], size: int
            ) -> Iterator[tuple[int, Sequence[tuple[ObservationKey, Series]]]]:
    """Consecutive slices of observations holding about ``size`` monthly values each."""
    n, start, values = 0, 0, 0
    for i, (_, series) in enumerate(observations):
        values += len(series.months)
        if values >= size:
            yield n, observations[start:i + 1]
            n, start, values = n + 1, i + 1, 0
    if start < len(observations):
        yield n, observations[start:]


def default_workers() -> int:
    """Parsing processes for a many-file load: one per CPU, at most four."""
    return max(1, min(4, os.cpu_count() or 1))


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
    options: Mapping[str, Any] | None = None,
    months: MonthWindow | None = None,
) -> LoadSummary:
    """Load one file (a ledger of ``client_id``) with ``reader`` into ``store``.

    ``client_id`` may be ``None`` when every row names its client. Rejected
    rows go to ``rejects_dir/<batch_id>.csv``. ``options`` are the reader
    options ``reader`` applies (part of the batch's identity, as are the
    ``months`` taken). Raises
    :class:`IngestError` for a file that cannot be read at all.
    """
    loader = Loader(store, rejects_dir, chunk_rows=chunk_rows, resolver=resolver,
                    progress=False if progress is None else progress)
    job = LoadJob(path, client_id, fmt, {fmt: dict(options)} if options else {}, months)
    ((_, outcome),) = list(loader.load([job], reader=reader))
    if isinstance(outcome, IngestError):
        raise outcome
    return outcome


def _client_problem(line: LedgerLine | UnnamedLine, client_id: str | None) -> Reject | None:
    """Why a good line cannot be attributed to a client, or ``None``."""
    if not (line.client_id or client_id):
        return Reject(line.file, line.line,
                      f"{NO_CLIENT}: the row has no client_id and none was given (--client)",
                      column="client_id")
    if client_id and line.client_id and line.client_id != client_id:
        return Reject(line.file, line.line,
                      f"{OTHER_CLIENT} {line.client_id!r} differs from --client {client_id!r}",
                      column="client_id")
    return None
