"""``torihiki firms import``, ``metrics import``, ``registry import``, ``firms search``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from api import service
from api.commands.common import emit, opened, refresh_analytics
from api.commands.users import cli_principal
from api.identity import audit_entry, record
from api.settings import Settings
from ingest.imports import ImportSummary, import_firms, import_parameters, import_registry
from queries.store import Store

__all__ = ["cmd_firms_import", "cmd_metrics_import", "cmd_registry_import", "cmd_firms_search"]


def _first_ids(ids: list[str], shown: int = 10) -> str:
    """The first ``shown`` of ``ids``, and `` …`` when there are more."""
    return ", ".join(ids[:shown]) + (" …" if len(ids) > shown else "")


def _report(s: ImportSummary, as_json: bool) -> int:
    """Print what an import did; exit status 2 when a file with rows loaded
    none of them (a header it cannot use, no period, every row bad)."""
    if as_json:
        emit(s.to_dict())
    else:
        print(f"{s.file}: {s.kind}: {s.rows_read} rows read: {s.rows_written} written, "
              f"{s.rows_unchanged} as stored already, {s.rows_rejected} rejected")
        if s.consent_changes:
            granted = sum(1 for c in s.consents if c["action"] == "grant")
            print(f"  {s.consent_changes} consent changes: {granted} granted, {s.consent_changes - granted} "
                  "revoked (each in the audit log under its firm: `torihiki audit list --firm ID`)")
        if s.firms_added and s.kind == "firms":
            print(f"  {s.firms_added} new firms (ids the store did not know)")
        if s.firms_created:
            print(f"  {len(s.firms_created)} firm ids were unknown and were created (known only by id): "
                  f"{_first_ids(s.firms_created)}")
        if s.clients_ended:
            print(f"  {len(s.clients_ended)} clients marked as no longer clients (their ledgers stay; "
                  f"`torihiki refresh` updates the portfolio): {_first_ids(s.clients_ended)}")
        if s.rejects_path:
            print(f"  rejected rows (file, line, column, reason, raw): {s.rejects_path}")
        if s.rows_cleaned:
            lines = ", ".join(map(str, s.cleaned_lines)) + (
                ", …" if s.rows_cleaned > len(s.cleaned_lines) else "")
            print(f"  warning: {s.file}: {s.rows_cleaned} rows had control, bidirectional or "
                  f"zero-width characters removed from the name (lines {lines})")
    if s.rows_read and not s.rows_loaded:
        print(f"error: {s.file}: nothing loaded: {s.first_reject}", file=sys.stderr)
        return 2
    return 0


def _audited(store: Store, s: ImportSummary) -> ImportSummary:
    """Write the import to the audit log (action ``load``), and each consent
    it granted or revoked as its own entry under its firm
    (``consent.grant`` / ``consent.revoke``, as the admin pages and
    ``torihiki consent`` write them): "who gave bank X firm Y's data, and
    when" is then asked of the firm, whichever way the consent came."""
    record(store, cli_principal(), "load", None, "ok" if s.rows_loaded or not s.rows_read else "error",
           f"{s.kind} import {Path(s.file).name}: {s.rows_loaded} rows"
           + (f", {s.consent_changes} consent changes" if s.consent_changes else "")
           + (f", clients ended: {', '.join(s.clients_ended)}" if s.clients_ended else ""))
    audit_consents(store, s)
    return s


def audit_consents(store: Store, s: ImportSummary) -> None:
    """Each consent a firm master granted or revoked, as its own audit entry
    under its firm (``consent.grant`` / ``consent.revoke``, by the CLI's
    operator), 1,000 entries a write."""
    who = cli_principal()
    for i in range(0, len(s.consents), 1000):
        store.append_audit([audit_entry(who, f"consent.{c['action']}", c["firm_id"], "ok",
                                        f"bank {c['bank']} (firm master import {Path(s.file).name})")
                            for c in s.consents[i:i + 1000]])


def cmd_firms_import(args: argparse.Namespace, settings: Settings) -> int:
    with opened(settings) as store:
        return _report(_audited(store, import_firms(store, Path(args.path), settings.home / "rejects")),
                       args.json)


def cmd_metrics_import(args: argparse.Namespace, settings: Settings) -> int:
    with opened(settings) as store:
        summary = _audited(store, import_parameters(store, Path(args.path), settings.home / "rejects",
                                                    args.period, new_clients=args.new_client))
        if summary.changed and not args.no_refresh:
            refresh_analytics(store, settings, quiet=args.json)  # distress and peers read parameters
        return _report(summary, args.json)


def cmd_registry_import(args: argparse.Namespace, settings: Settings) -> int:
    with opened(settings) as store:
        return _report(_audited(store, import_registry(store, Path(args.path), settings.home / "rejects")),
                       args.json)


def cmd_firms_search(args: argparse.Namespace, settings: Settings) -> int:
    with opened(settings) as store:
        firms, total = store.search_firms(args.q, args.limit, args.offset)
    if args.json:
        emit({"data": [service.firm_public(f) for f in firms], "count": total})
        return 0
    for f in firms:
        print(f"{f.id:<16} {'client' if f.is_client else '':<6} {f.industry or '-':<2} {f.name or ''}")
    print(f"({len(firms)} of {total})")
    return 0
