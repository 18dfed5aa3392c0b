"""Import reference files: the firm master, management parameters, the NTA
registry. Each returns an :class:`ImportSummary`; rejected rows go to a
quarantine CSV like ledger rejects (file, line, column, reason, raw).
"""

from __future__ import annotations

import csv
from collections.abc import Hashable, Iterable, Iterator
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar, cast

from ingest.client_ids import no_such_client, unknown_client_ids
from ingest.decode import EncodingError
from ingest.firm_names import refresh_display_names, tidy_spelling
from ingest.load import IngestError, file_sha256
from ingest.names import MAX_NAME_CHARS, NameScreen
from ingest.readers.firm_master import FirmRecord, read_firm_master
from ingest.readers.parameters import ParameterRecord, read_parameters
from ingest.readers.registry import RegistryEntry, read_registry
from ingest.records import Reject
from queries.identity import GRANT, REVOKE, ConsentEvent, utc_now
from queries.model import Firm, FirmSpellings, ParameterRow, RegistryRecord
from queries.private_files import open_private, private_dir
from queries.store import Store

__all__ = ["ImportSummary", "import_firms", "import_parameters", "import_registry", "BATCH_ROWS",
           "FIRM_MASTER", "master_consent"]

BATCH_ROWS = 5_000
FIRM_MASTER = "firm master import"  # who the consent history names for the firm master's changes
T = TypeVar("T")
K = TypeVar("K", bound=Hashable)


@dataclass
class ImportSummary:
    """What an import did (for people and, as a dict, for ``--json``)."""

    file: str
    kind: str
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    # rows whose name had control, bidi or zero-width characters removed, and their first lines
    rows_cleaned: int = 0
    cleaned_lines: list[int] = field(default_factory=list)
    rejects_path: str = ""
    firms_created: list[str] = field(default_factory=list)  # ids known only from this file
    first_reject: str = ""  # "line N: reason" of the first rejected row, for a one-line error
    consent_changes: int = 0  # grants and revocations the firm master's consented_banks made
    consents: list[dict[str, str]] = field(default_factory=list)  # each of them: firm_id, bank, action
    firms_added: int = 0  # firm-master rows of ids the store did not know: new firms
    clients_ended: list[str] = field(default_factory=list)  # clients the master now says are none (0/no)
    # good rows the store already held as they are: not written again (loading a file twice changes nothing)
    rows_unchanged: int = 0
    names_changed: int = 0  # firms whose display name the import changed (ingest.firm_names)

    @property
    def rows_written(self) -> int:
        """Good rows this import wrote: loaded and not already stored as they are."""
        return self.rows_loaded - self.rows_unchanged

    @property
    def changed(self) -> bool:
        """Whether the import changed the store (a row written, a firm
        created, a consent changed, a client ended, a name shown
        differently): what decides if the analytics are refreshed after it."""
        return bool(self.rows_written or self.firms_created or self.consent_changes
                    or self.clients_ended or self.names_changed)

    def to_dict(self) -> dict[str, object]:
        return {**asdict(self), "rows_written": self.rows_written, "changed": self.changed}


def _batches(items: Iterable[T], size: int) -> Iterator[list[T]]:
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _repeated(keys: Iterable[K]) -> set[K]:
    """Keys a file lists more than once. Their rows are always written, in
    the file's order, as before: which of them the store ends with is then
    the upsert's to decide, not a comparison with what was stored."""
    seen: set[K] = set()
    twice: set[K] = set()
    for k in keys:
        (twice if k in seen else seen).add(k)
    return twice


class _Quarantine:
    """Writes rejects to ``rejects_dir/<kind>-<sha>.csv`` (removed when empty)."""

    def __init__(self, path: Path, rejects_dir: Path, kind: str) -> None:
        private_dir(rejects_dir)  # raw rows: the owner's only (0700, 0600)
        self.path = rejects_dir / f"{kind}-{file_sha256(path)[:16]}.csv"
        self._fh = open_private(self.path, "w", encoding="utf-8", newline="")
        self._w = csv.writer(self._fh)
        self._w.writerow(["file", "line", "column", "reason", "raw"])
        self.count = 0

    def add(self, r: Reject) -> None:
        self.count += 1
        self._w.writerow([r.file, r.line, r.column, r.reason, r.raw])

    def close(self) -> str:
        self._fh.close()
        if not self.count:
            self.path.unlink(missing_ok=True)
            return ""
        return str(self.path)


def _run(path: Path, kind: str, items: Iterable[T | Reject], rejects_dir: Path, *,
         names: bool = False) -> tuple[ImportSummary, list[T]]:
    """Read every row, quarantining rejects; returns the good ones. With ``names``
    the rows' ``name`` is cleaned at the door (:func:`_screened`)."""
    if not path.is_file():
        raise IngestError(f"{path}: no such file")
    summary = ImportSummary(str(path), kind)
    quarantine = _Quarantine(path, rejects_dir, kind)
    good: list[T] = []
    screen = NameScreen()
    try:
        for item in _screened(items, str(path), screen) if names else items:
            summary.rows_read += 1
            if isinstance(item, Reject):
                if not quarantine.count:
                    summary.first_reject = f"line {item.line}: {item.reason}"
                quarantine.add(item)
            else:
                good.append(item)
    except (EncodingError, UnicodeError, OSError) as e:
        raise IngestError(f"{path}: {e}") from e
    finally:
        summary.rejects_path = quarantine.close()
    summary.rows_rejected = quarantine.count
    summary.rows_loaded = len(good)
    summary.rows_cleaned, summary.cleaned_lines = screen.cleaned, screen.cleaned_lines
    return summary, good


def _screened(items: Iterable[T | Reject], file: str, screen: NameScreen) -> Iterator[T | Reject]:
    """Firm-master and registry rows (dataclasses with ``name`` and ``line``) with
    their names cleaned as ledger counterparties are (:class:`~ingest.names.NameScreen`):
    cleaned rows counted, an overlong name rejected in its ``name`` column."""
    for item in items:
        name = getattr(item, "name", None)
        if isinstance(item, Reject) or not isinstance(name, str):
            yield item
            continue
        verdict = screen.check(name)
        if verdict is None:
            yield item
            continue
        line: int = getattr(item, "line", 0)
        cleaned, problem = verdict
        if problem is not None:
            yield Reject(file, line, problem, column="name", raw=name[:MAX_NAME_CHARS * 2])
            continue
        screen.flag(line)
        yield cast(T, replace(cast(Any, item), name=cleaned))


def import_firms(store: Store, path: Path, rejects_dir: Path) -> ImportSummary:
    """Load a firm master (ids, names, 法人番号, JSIC division, prefecture,
    client flag, consenting banks). A firm that exists is updated; its
    consent changes as :func:`master_consent` says, recorded in the consent
    history as made by ``firm master import``."""
    summary, rows = _run(path, "firms", read_firm_master(path), rejects_dir, names=True)
    last = {r.firm_id: r for r in rows}  # each firm once: the reader rejects a repeated id
    firms = [_firm(r) for r in rows]
    for batch in _batches(firms, BATCH_ROWS):
        known = store.get_firms([f.id for f in batch])
        summary.firms_added += sum(1 for f in batch if f.id not in known)
        spellings = store.firm_spellings([f.id for f in batch if f.name and f.id in known])
        new = [f for f in batch if not _firm_unchanged(f, known.get(f.id), spellings.get(f.id))]
        summary.rows_unchanged += len(batch) - len(new)
        # Consent changes below, with its history; a firm without any yet starts with none.
        if new:
            store.upsert_firms([replace(f, consented_banks=None if f.id in known and
                                        known[f.id].consented_banks is not None else ()) for f in new])
    at = utc_now()
    for ids in _batches(list(last), BATCH_ROWS):
        current = {fid: f.consented_banks or () for fid, f in store.get_firms(ids).items()}
        events = master_consent({i: last[i].consented_banks for i in ids}, current,
                                store.consent_history(ids), at)
        applied = store.change_consent(events)
        summary.consent_changes += len(applied)
        summary.consents += [{"firm_id": e.firm_id, "bank": e.bank, "action": e.action} for e in applied]
    # A client the master now marks as none (0, no, いいえ): a contract that ended, or a firm
    # made a client by mistake. Its ledgers and trade stay; it leaves the portfolio and peer groups.
    ended = sorted(i for i, r in last.items() if r.is_client is False)
    if ended:
        summary.clients_ended = store.end_clients(ended)
    # Each firm is shown by its registry name, else the master's name (the
    # operator's record of it), else its most formal spelling (ingest.firm_names).
    summary.names_changed = len(refresh_display_names(store, {f.id for f in firms}))
    return summary


def _firm_unchanged(row: Firm, stored: Firm | None, spellings: FirmSpellings | None) -> bool:
    """Whether writing a firm-master row would leave the stored firm as it is.

    Each given field equals the stored one (a field the row leaves empty
    keeps the stored value); the client flag too (a client ended by a 0
    is ended below, and a firm that is none stays none). The row's name is
    unchanged when an import gave it already and it is the firm's name now
    (or the registry's name is, which wins over it). Consent is compared
    apart (:func:`master_consent`); a firm stored before consent was kept
    (``None``) is written, to start it with none."""
    if stored is None or stored.consented_banks is None:
        return False
    for given, have in ((row.corporate_number, stored.corporate_number), (row.industry, stored.industry),
                        (row.prefecture, stored.prefecture)):
        if given is not None and given != have:
            return False
    if row.is_client is not None and bool(row.is_client) != bool(stored.is_client):
        return False
    if not row.name:
        return True
    name = tidy_spelling(row.name)
    if spellings is None or name not in {tidy_spelling(m) for m in spellings.master_names}:
        return False
    return bool(spellings.registry_name) or tidy_spelling(stored.name or "") == name


def master_consent(wanted: dict[str, tuple[str, ...]], current: dict[str, tuple[str, ...]],
                   history: list[ConsentEvent], at: str) -> list[ConsentEvent]:
    """The consent changes a firm master makes: firm → the banks it lists
    (``wanted``), against each firm's banks now and the consent history.

    * A listed bank is granted — unless the pair's last change was a
      revocation made by someone (CLI or API), not by a firm master: that
      revocation stands until it is granted again explicitly, so loading an
      older master again cannot undo it.
    * A bank the firm consents to now but the master no longer lists is
      revoked when its consent came from a firm master (its last change was
      a master's grant, or it has no history: stores of earlier versions).
      A grant made explicitly stands.
    """
    last = {(e.firm_id, e.bank): e for e in history}  # oldest first: the last change wins
    events = []
    for firm, banks in wanted.items():
        have = current.get(firm, ())
        for bank in banks:
            prev = last.get((firm, bank))
            if bank not in have and not (prev and prev.action == REVOKE and prev.who != FIRM_MASTER):
                events.append(ConsentEvent(firm, bank, GRANT, FIRM_MASTER, at))
        for bank in have:
            prev = last.get((firm, bank))
            if bank not in banks and (prev is None or (prev.action == GRANT and prev.who == FIRM_MASTER)):
                events.append(ConsentEvent(firm, bank, REVOKE, FIRM_MASTER, at))
    return events


def _firm(r: FirmRecord) -> Firm:
    return Firm(id=r.firm_id, name=r.name or None, corporate_number=r.corporate_number,
                industry=r.industry, prefecture=r.prefecture, is_client=r.is_client,
                consented_banks=r.consented_banks)


def import_parameters(store: Store, path: Path, rejects_dir: Path, period: str | None = None,
                      new_clients: bool = True) -> ImportSummary:
    """Load management parameters per firm and period. Firm ids not yet known
    create clients known only by id (listed in ``firms_created``); with
    ``new_clients`` false, in a store that has clients, each row of such an
    id is rejected instead, with the known ids close to it (a typo would make
    a nameless client: :mod:`ingest.client_ids`)."""
    items: Iterable[ParameterRecord | Reject] = read_parameters(path, period=period)
    if not new_clients and path.is_file():
        items = _known_firms_only(store, str(path), list(items))
    summary, rows = _run(path, "parameters", items, rejects_dir)
    ids = sorted({r.firm_id for r in rows})
    known = store.get_firms(ids)
    summary.firms_created = [i for i in ids if i not in known]
    if summary.firms_created:
        store.upsert_firms([Firm(id=i, is_client=True) for i in summary.firms_created])
    for batch in _batches((_parameter_row(r) for r in rows), BATCH_ROWS):
        stored = {(p.firm_id, p.period): dict(p.values)
                  for p in store.parameters_of({p.firm_id for p in batch})}
        new = [p for p in batch if stored.get((p.firm_id, p.period)) != dict(p.values)]
        summary.rows_unchanged += len(batch) - len(new)
        if new:
            store.upsert_parameters(new)
    return summary


def _known_firms_only(store: Store, file: str, items: list[ParameterRecord | Reject]
                      ) -> list[ParameterRecord | Reject]:
    """``items`` with each row of a firm id the store does not know (in a
    store that has clients) turned into a reject saying so."""
    unknown = unknown_client_ids(store, {r.firm_id for r in items if not isinstance(r, Reject)})
    return [Reject(file, r.line, no_such_client(r.firm_id, unknown[r.firm_id])
                   + " (--new-client makes it a new client)", column="firm_id", raw=r.raw)
            if not isinstance(r, Reject) and r.firm_id in unknown else r for r in items]


def _parameter_row(r: ParameterRecord) -> ParameterRow:
    from domain.parameters import PARAMETER_NAMES

    values = tuple((name, float(v)) for name in PARAMETER_NAMES if (v := getattr(r, name)) is not None)
    return ParameterRow(r.firm_id, r.period, values)


def import_registry(store: Store, path: Path, rejects_dir: Path) -> ImportSummary:
    """Load an NTA 法人番号 bulk CSV as the reference registry for resolution.
    Rows that are not the latest record of a number, or are closed, still load
    (a closed firm can appear in old ledgers)."""
    summary, rows = _run(path, "registry", read_registry(path), rejects_dir, names=True)
    named: set[str] = set()  # firms holding one of the numbers: shown by the registry name
    # Entries stored as they are now are not written again (one read of the
    # registry: the name index of every load reads it whole too).
    # A number listed more than once (its history): every row written, in the file's order, as before.
    stored = {r.corporate_number: r for r in store.registry_records()} if rows else {}
    repeated = _repeated(r.corporate_number for r in rows)
    for batch in _batches((_registry(r) for r in rows), BATCH_ROWS):
        new = [r for r in batch if r.corporate_number in repeated or stored.get(r.corporate_number) != r]
        summary.rows_unchanged += len(batch) - len(new)
        if new:
            store.upsert_registry(new)
        # every batch's firms, written or not: an import interrupted after its rows were written and
        # before the names were run again leaves names that only this catches (nothing written if right)
        named.update(f.id for f in store.firms_by_corporate_numbers([r.corporate_number for r in batch]).values())
    summary.names_changed = len(refresh_display_names(store, named))
    return summary


def _registry(r: RegistryEntry) -> RegistryRecord:
    return RegistryRecord(r.corporate_number, r.name, r.kind_code, r.prefecture, r.city, r.furigana)
