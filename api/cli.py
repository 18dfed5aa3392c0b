"""The ``torihiki`` command line.

Every command prints for people by default and, with ``--json``, one JSON
document (or one JSON object per line for per-file results) for scripts.
Errors are one clear line on stderr and exit status 2 (bad input) or 3
(store unavailable), never a traceback.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from api import service
from api.settings import Settings, get_settings
from ingest.decode import EncodingError
from ingest.load import IngestError, LoadSummary, load_file
from ingest.readers.detect import FormatError, detect_format, read_ledger
from ingest.values import parse_month
from queries.factory import open_store
from queries.store import NotFound, Store, StoreError, StoreUnavailable

__all__ = ["main", "build_parser"]


def _month_arg(text: str) -> str:
    try:
        return parse_month(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def _open(settings: Settings) -> Store:
    store = open_store(settings.store_config("batch"))
    store.ensure_schema()
    return store


def _emit(obj: Any) -> None:
    print(json.dumps(obj, ensure_ascii=False, default=str))


# -- commands ---------------------------------------------------------------
def cmd_ingest(args: argparse.Namespace, settings: Settings) -> int:
    store = _open(settings)
    failed = 0
    totals = {"files": 0, "rows_read": 0, "rows_loaded": 0, "rows_rejected": 0, "duplicates": 0}
    try:
        for raw_path in args.paths:
            path = Path(raw_path)
            try:
                fmt = args.format or detect_format(path)
                summary = load_file(
                    store, path, args.client, fmt=fmt,
                    reader=lambda p, f=fmt: read_ledger(p, f),  # type: ignore[misc]
                    rejects_dir=settings.home / "rejects",
                )
            except (IngestError, FormatError, EncodingError) as e:
                failed += 1
                text = str(e).removeprefix(f"{path.name}: ").removeprefix(f"{path}: ")
                msg = f"{path}: {text}"
                if args.json:
                    _emit({"file": str(path), "error": msg})
                print(f"error: {msg}", file=sys.stderr)
                continue
            totals["files"] += 1
            totals["rows_read"] += summary.rows_read
            totals["rows_loaded"] += summary.rows_loaded
            totals["rows_rejected"] += summary.rows_rejected
            totals["duplicates"] += int(summary.duplicate)
            if args.json:
                _emit(summary.to_dict())
            else:
                _print_summary(summary)
        if not args.json and len(args.paths) > 1:
            print(f"total: {totals['files']} files, {totals['rows_loaded']} rows loaded, "
                  f"{totals['rows_rejected']} rejected, {totals['duplicates']} already loaded, "
                  f"{failed} failed")
    finally:
        store.close()
    return 2 if failed else 0


def _print_summary(s: LoadSummary) -> None:
    if s.duplicate:
        print(f"{s.file}: already loaded as batch {s.batch_id} — nothing changed")
        return
    print(f"{s.file}: batch {s.batch_id} ({s.format}, client {s.client_id or 'per row'}): "
          f"{s.rows_read} rows read, {s.rows_loaded} loaded, {s.rows_rejected} rejected, "
          f"{s.rows_skipped} skipped; {s.trade_rows} monthly trade rows, "
          f"{s.firms_created} new firms" + (" (resumed)" if s.resumed else ""))
    if s.rows_rejected:
        print(f"  rejected rows (file, line, column, reason): {s.rejects_path}")


def cmd_ego(args: argparse.Namespace, settings: Settings) -> int:
    store = _open(settings)
    try:
        firm, net, firms = service.ego(store, args.firm_id, args.hops, args.from_, args.to,
                                       settings.max_ego_nodes)
        data = service.ego_as_dict(firm, net, firms, args.from_, args.to)
    finally:
        store.close()
    if args.json:
        _emit(data)
        return 0
    f = data["firm"]
    print(f"{f['name'] or f['id']} ({f['id']}), {args.hops} hop(s), "
          f"months {args.from_ or 'start'}–{args.to or 'latest'}")
    m = data["metrics"]
    print(f"  customers {m['out_degree']}, suppliers {m['in_degree']}, "
          f"sales ¥{m['out_strength']:,}, purchases ¥{m['in_strength']:,}, "
          f"top customer share {_pct(m['top_customer_share'])}, "
          f"top supplier share {_pct(m['top_supplier_share'])}")
    print(f"  {'hop':>3}  {'role':<9} {'id':<16} {'sales to ¥':>14} {'bought ¥':>14} {'months':>6}  name")
    for n in data["nodes"][1:]:
        print(f"  {n['hop']:>3}  {n['role']:<9} {n['id']:<16} {n['sales_to']:>14,} "
              f"{n['purchases_from']:>14,} {len(n['months']):>6}  {n['name'] or ''}")
    if data["truncated"]:
        print("  (second hop truncated to the largest partners)")
    return 0


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{x * 100:.1f}%"


def cmd_firms_search(args: argparse.Namespace, settings: Settings) -> int:
    store = _open(settings)
    try:
        firms, total = store.search_firms(args.q, args.limit, args.offset)
    finally:
        store.close()
    if args.json:
        _emit({"data": [service.firm_public(f) for f in firms], "count": total})
        return 0
    for f in firms:
        print(f"{f.id:<16} {'client' if f.is_client else '':<6} {f.industry or '-':<2} {f.name or ''}")
    print(f"({len(firms)} of {total})")
    return 0


def cmd_batches_list(args: argparse.Namespace, settings: Settings) -> int:
    store = _open(settings)
    try:
        batches = store.list_batches()
    finally:
        store.close()
    if args.json:
        _emit([b.__dict__ if hasattr(b, "__dict__") else _asdict(b) for b in batches])
        return 0
    for b in batches:
        print(f"{b.id}  {b.status:<7} {b.client_id:<12} {b.format:<12} read {b.rows_read:>8} "
              f"loaded {b.rows_loaded:>8} rejected {b.rows_rejected:>6}  {b.file}")
    print(f"({len(batches)} batches)")
    return 0


def _asdict(obj: Any) -> dict[str, Any]:
    from dataclasses import asdict

    return asdict(obj)


def cmd_batches_rollback(args: argparse.Namespace, settings: Settings) -> int:
    store = _open(settings)
    try:
        counts = store.rollback_batch(args.batch_id)
    finally:
        store.close()
    if args.json:
        _emit({"batch_id": args.batch_id, "deleted": counts})
    else:
        print(f"rolled back {args.batch_id}: deleted " + ", ".join(f"{v} {k}" for k, v in counts.items()))
    return 0


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from api.app import create_app

    print(f"torihiki: {settings.store_config('api').backend} store; "
          f"serving on http://{args.host}:{args.port}/ (docs at /docs)", file=sys.stderr)
    uvicorn.run(create_app(settings), host=args.host, port=args.port, log_level="info")
    return 0


# -- parser -----------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="torihiki", description=__doc__.splitlines()[0] if __doc__ else None)
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("ingest", help="load ledger files (one batch per file)")
    s.add_argument("paths", nargs="+", help="ledger files")
    s.add_argument("--client", help="id of the client firm whose ledger this is")
    s.add_argument("--format", help="force a format instead of detecting it")
    s.add_argument("--json", action="store_true", help="one JSON object per file")
    s.set_defaults(func=cmd_ingest)

    s = sub.add_parser("ego", help="a firm's trading partners within 1 or 2 hops")
    s.add_argument("firm_id")
    s.add_argument("--hops", type=int, choices=(1, 2), default=1)
    s.add_argument("--from", dest="from_", type=_month_arg, help="first month, YYYY-MM")
    s.add_argument("--to", type=_month_arg, help="last month, YYYY-MM")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_ego)

    s = sub.add_parser("firms", help="find firms")
    fs = s.add_subparsers(dest="firms_command", required=True)
    f = fs.add_parser("search", help="firms whose id or name contains Q")
    f.add_argument("q", nargs="?", default="")
    f.add_argument("--limit", type=int, default=50)
    f.add_argument("--offset", type=int, default=0)
    f.add_argument("--json", action="store_true")
    f.set_defaults(func=cmd_firms_search)

    s = sub.add_parser("batches", help="ingest batches")
    bs = s.add_subparsers(dest="batches_command", required=True)
    b = bs.add_parser("list", help="all batches, newest first")
    b.add_argument("--json", action="store_true")
    b.set_defaults(func=cmd_batches_list)
    b = bs.add_parser("rollback", help="remove everything one batch loaded")
    b.add_argument("batch_id")
    b.add_argument("--json", action="store_true")
    b.set_defaults(func=cmd_batches_rollback)

    s = sub.add_parser("serve", help="serve the API and network views")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8000)
    s.set_defaults(func=cmd_serve)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    if hasattr(signal, "SIGPIPE"):
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # `torihiki … | head` ends quietly
    args = build_parser().parse_args(argv)
    func: Callable[[argparse.Namespace, Settings], int] = args.func
    try:
        return func(args, get_settings())
    except NotFound as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except StoreUnavailable as e:
        print(f"error: store unavailable: {e}", file=sys.stderr)
        return 3
    except StoreError as e:
        print(f"error: {e}", file=sys.stderr)
        return 3
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
