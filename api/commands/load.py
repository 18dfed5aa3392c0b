"""``torihiki load DIR``: a BPO operator's delivery folder (or a generated region) in one go.

A delivery folder holds, by convention (each part optional, each can be
named explicitly with an option instead):

==================  =====================================================
``firms.csv``       firm master (``firms import``)
``registry.csv``    NTA 法人番号 registry extract (``registry import``)
``parameters.csv``  management parameters (``metrics import``)
``manifest.csv``    the ledgers: ``path,client_id,format`` (``ingest --manifest``)
``ledgers/``        without a manifest: ``ledgers/<client_id>.<ext>`` or
                    ``ledgers/<client_id>/<any file>`` — the client is the
                    file's stem or its folder, the format is detected
==================  =====================================================

The parts load in that order (names and 法人番号 first, so ledger
spellings resolve against them), then the peer inputs and precomputed
answers are refreshed once. Every part is idempotent: imports update rows
in place, a ledger file already loaded with the same meaning is not
loaded again. A progress bar counts files and lines; one summary follows.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from api.commands.common import analytics_behind, emit, opened, refresh_after_load
from api.commands.ingest import (
    Totals,
    load_ledgers,
    manifest_entries,
    print_loading_nothing,
    print_repeats,
)
from api.commands.reference import audit_consents
from api.commands.users import cli_principal
from api.identity import record
from api.service import ReaderOptions
from api.settings import Settings
from ingest.client_ids import no_such_client, unknown_client_ids
from ingest.imports import ImportSummary, import_firms, import_parameters, import_registry
from ingest.load import IngestError
from ingest.manifest import ManifestEntry
from queries.store import Store

__all__ = ["cmd_load", "delivery_parts", "ledger_entries"]

FIRMS_NAMES = ("firms.csv", "firm_master.csv")
REGISTRY_NAMES = ("registry.csv",)
PARAMETERS_NAMES = ("parameters.csv",)
MANIFEST_NAMES = ("manifest.csv",)
LEDGER_SUFFIXES = frozenset({".csv", ".txt", ".tsv"})


def _first(folder: Path, names: tuple[str, ...], given: str | None) -> Path | None:
    if given:
        return Path(given)
    return next((folder / n for n in names if (folder / n).is_file()), None)


def delivery_parts(folder: Path, args: argparse.Namespace) -> dict[str, Path | None]:
    """Which file holds each part of the delivery (``None``: absent)."""
    return {
        "firms": _first(folder, FIRMS_NAMES, args.firms),
        "registry": _first(folder, REGISTRY_NAMES, args.registry),
        "parameters": _first(folder, PARAMETERS_NAMES, args.parameters),
        "manifest": _first(folder, MANIFEST_NAMES, args.manifest),
    }


def ledger_entries(ledgers: Path) -> list[ManifestEntry]:
    """Ledger files of a folder without a manifest: ``<client>.<ext>`` at its
    top, or any file under ``<client>/`` (sorted, format detected)."""
    entries: list[ManifestEntry] = []
    for p in sorted(ledgers.iterdir()):
        if p.is_file() and p.suffix.lower() in LEDGER_SUFFIXES:
            entries.append(ManifestEntry(p, p.stem, None, 0))
        elif p.is_dir():
            entries += [ManifestEntry(f, p.name, None, 0) for f in sorted(p.rglob("*"))
                        if f.is_file() and not f.name.startswith(".")]
    return entries


def _import(store: Store, kind: str, path: Path, run: Callable[[], ImportSummary], report: dict[str, Any],
            as_json: bool) -> bool:
    """Run one reference import; print its line; ``False`` if nothing loaded
    from a file that had rows (the delivery goes on, the exit status says so)."""
    s = run()
    audit_consents(store, s)  # each consent a firm master changed, under its firm
    report[kind] = s.to_dict()
    if not as_json:
        print(f"{kind}: {path}: {s.rows_read:,} rows read: {s.rows_written:,} written, "
              f"{s.rows_unchanged:,} as stored already, {s.rows_rejected:,} rejected"
              + (f"; {s.consent_changes:,} consent changes, each in the audit log under its firm"
                 if s.consent_changes else "")
              + (f" (rejects: {s.rejects_path})" if s.rejects_path else ""))
    if s.rows_read and not s.rows_loaded:
        print(f"error: {path}: nothing loaded" + (f": {s.first_reject}" if s.first_reject else ""),
              file=sys.stderr)
        return False
    return True


def cmd_load(args: argparse.Namespace, settings: Settings) -> int:
    folder = Path(args.dir)
    if folder.is_file():  # a manifest given directly
        args.manifest = args.manifest or str(folder)
        folder = folder.parent
    elif not folder.is_dir():
        raise IngestError(f"{folder}: no such folder")
    parts = delivery_parts(folder, args)
    totals = Totals()
    entries: list[ManifestEntry] = []
    if parts["manifest"] is not None:
        entries = manifest_entries(parts["manifest"], totals)
    elif (folder / "ledgers").is_dir():
        entries = ledger_entries(folder / "ledgers")
    if not entries and not any(parts[k] for k in ("firms", "registry", "parameters")) and not totals.failed:
        raise IngestError(f"{folder}: nothing to load (no firms.csv, registry.csv, parameters.csv, "
                          "manifest.csv or ledgers/ folder)")
    report: dict[str, Any] = {"folder": str(folder)}
    ok = True
    rejects = settings.home / "rejects"
    with opened(settings, wait=True) as store:  # a load resumes: a restarting Neo4j is waited for
        ok &= _reference_imports(store, parts, args, rejects, report)
        options = ReaderOptions(accounts=Path(args.accounts) if args.accounts else None,
                                bank_layout=Path(args.bank_layout) if args.bank_layout else None,
                                zengin_year=args.year)
        refused: list[dict[str, Any]] = []
        if entries and not args.new_client:  # after firms.csv: the clients it adds are known
            entries, refused = _known_clients_only(store, entries, totals)
        if entries:
            load_ledgers(store, settings, entries, options, totals, workers=args.workers,
                         per_file="all" if args.verbose and not args.json else "none")
        report["ledgers"] = {**totals.to_dict(), "unknown_clients": refused}
        record(store, cli_principal(), "load", None, "ok" if ok and not totals.failed else "error",
               f"load {folder.name}: " + "; ".join(
                   [f"{k}: {report[k]['rows_loaded']} rows" for k in ("firms", "registry", "parameters")
                    if k in report] + [f"ledgers: {totals.line()}"]))
        changed = totals.files > totals.duplicates or any(
            report.get(k, {}).get("changed") for k in ("firms", "registry", "parameters"))
        report["changed"] = bool(changed)
        behind = not changed and not args.no_refresh and analytics_behind(store)
        if behind and not args.json:
            print("nothing changed, but the analytics were not refreshed to the end for this data: refreshing")
        if (changed or behind) and not args.no_refresh:
            report["refresh"] = refresh_after_load(store, settings, totals.rows_read, quiet=args.json)
    if args.json:
        emit(report)
    else:
        print_repeats(totals)
        print(f"ledgers: {totals.line()}" if entries or refused else "ledgers: none in this delivery")
        if refused:
            print(f"  {len(refused):,} files not loaded: no such client (see above; --new-client loads them)")
        if not changed and not behind and not refused:
            print("nothing changed: the store held every part of this delivery as it is (nothing was "
                  "written, the analytics were not refreshed)")
        if totals.files_with_rejects:
            print(f"  {totals.files_with_rejects:,} files had rejected rows: one CSV per batch "
                  f"(file, line, column, reason, raw) in {settings.home / 'rejects'}; "
                  "`torihiki batches list` names them")
        if totals.files_loading_nothing:
            print_loading_nothing(totals)
    return 2 if (totals.failed or not ok) else 1 if totals.files_loading_nothing else 0


def _known_clients_only(store: Store, entries: list[ManifestEntry], totals: Totals
                        ) -> tuple[list[ManifestEntry], list[dict[str, Any]]]:
    """The ``entries`` whose client the store knows (:func:`ingest.client_ids.unknown_client_ids`:
    in a store with clients, an id neither it nor the delivery's firms.csv knows is most likely
    a typo, which would make a nameless client of its own). Each file left out is said on
    stderr, with the ids close to its client's, and counted as failed; the other files load.
    Returns the files to load and those left out (file, client, the ids close to it)."""
    unknown = unknown_client_ids(store, {e.client_id for e in entries if e.client_id})
    refused: list[dict[str, Any]] = []
    for e in entries:
        if e.client_id in unknown:
            near = unknown[e.client_id]
            refused.append({"file": str(e.path), "client_id": e.client_id, "did_you_mean": near})
            totals.failed += 1
            print(f"error: {e.path}: {no_such_client(e.client_id, near)}"
                  + " This file was not loaded. Add the client to firms.csv, or give --new-client to make it "
                    "a new client", file=sys.stderr)
    return [e for e in entries if e.client_id not in unknown], refused


def _reference_imports(store: Store, parts: dict[str, Path | None], args: argparse.Namespace,
                       rejects: Path, report: dict[str, Any]) -> bool:
    ok = True
    if (p := parts["firms"]) is not None:
        ok &= _import(store, "firms", p, lambda: import_firms(store, p, rejects), report, args.json)
    if (r := parts["registry"]) is not None:
        ok &= _import(store, "registry", r, lambda: import_registry(store, r, rejects), report, args.json)
    if (m := parts["parameters"]) is not None:
        ok &= _import(store, "parameters", m, lambda: import_parameters(store, m, rejects, args.period, new_clients=args.new_client),
                      report, args.json)
    return ok
