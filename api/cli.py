"""The ``torihiki`` command line.

Every command prints for people by default and, with ``--json``, one JSON
document (or one JSON object per line for per-file results) for scripts.
Errors are one clear line on stderr and exit status 2 (bad input) or 3
(store unavailable), never a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence

from api.commands import alerts, backup, memo, users
from api.commands.common import opened
from api.identity import issue_token
from api.settings import Settings, get_settings
from graph.reconcile import DEFAULT_TOLERANCE_PCT, DEFAULT_TOLERANCE_YEN
from ingest.values import parse_month
from queries.store import NotFound, StoreError, StoreUnavailable

__all__ = ["main", "build_parser", "start_warnings"]

Command = Callable[[argparse.Namespace, Settings], int]


def _lazy(module: str, name: str) -> Command:
    """The command ``name`` of ``api.commands.<module>``, imported only when it
    runs: each command loads what it needs (pandas, networkx, … for analytics
    and loads), so ``--help``, ``users token`` or ``serve`` start quickly."""

    def run(args: argparse.Namespace, settings: Settings) -> int:
        func: Command = getattr(importlib.import_module(f"api.commands.{module}"), name)
        return func(args, settings)

    run.__name__ = run.__qualname__ = name
    return run


def _month_arg(text: str) -> str:
    try:
        return parse_month(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def _print_token(user: str, settings: Settings) -> None:
    """Issue ``user`` a new API token (as ``users token`` does: the earlier one
    stops working) and print it as a shell line on stdout. ``make run`` gets the
    demo admin's token this way instead of from a second CLI start."""
    with opened(settings) as store:
        issued = issue_token(store, user, users.cli_principal())
    print(f"export TOKEN={issued.token}   # {issued.user}'s API token, new at this start "
          "(the earlier one stops working)", flush=True)


def _loopback(host: str) -> bool:
    """Whether ``host`` (``--host``) is reachable from this machine only."""
    import ipaddress

    if host.strip("[]").lower() in ("localhost", "localhost.localdomain", "ip6-localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:  # a host name: may be anything
        return False


def start_warnings(settings: Settings, host: str, forwarded_allow_ips: str | None = None) -> list[str]:
    """What ``serve`` warns about at start, given the settings and ``--host``
    (``forwarded_allow_ips``: uvicorn's, default the ``FORWARDED_ALLOW_IPS``
    environment variable, else 127.0.0.1 and ::1). Whether a TLS proxy is in
    front is not known at start: in production, say once that sessions need HTTPS."""
    if forwarded_allow_ips is None:
        forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
    if settings.environment == "production":
        return [f"TORIHIKI_ENV=production: session cookies are Secure, so the web UI signs in only over "
                f"HTTPS; serve it behind a TLS reverse proxy that sends X-Forwarded-Proto: https (trusted "
                f"from {forwarded_allow_ips}: FORWARDED_ALLOW_IPS) and open it at https://…; over "
                f"http:// every sign-in fails"]
    if not _loopback(host):
        return [f"development mode (TORIHIKI_ENV is not production) on {host}, reachable from other "
                f"machines: passwords travel over the network in clear text and session cookies are not "
                f"Secure; set TORIHIKI_ENV=production and serve behind a TLS reverse proxy"]
    return []


def port_taken(host: str, port: int) -> OSError | None:
    """Why ``host``:``port`` cannot be listened on now (taken by another
    server, most often), or ``None``. Checked before ``serve`` issues a
    token: a start that then failed to listen had already replaced the
    token of the server still running there."""
    import socket

    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except OSError:
        return None  # a name that does not resolve: uvicorn says so itself
    with socket.socket(family, kind, proto) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            sock.bind(address)
        except OSError as e:
            return e
    return None


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    if (taken := port_taken(args.host, args.port)) is not None:
        print(f"error: cannot listen on {args.host}:{args.port} ({taken.strerror or taken}): another server "
              f"(a torihiki serve?) may use it; choose another port with --port (make run: PORT=8001 make run)",
              file=sys.stderr)
        return 2
    if args.token_for:
        _print_token(args.token_for, settings)  # before serving: valid by the first answer
    print(f"torihiki: {settings.store_config('api').backend} store; "
          f"serving on http://{args.host}:{args.port}/ (docs at /docs)"
          + (f" with {args.workers} worker processes" if args.workers > 1 else ""), file=sys.stderr)
    for warning in start_warnings(settings, args.host):
        print(f"torihiki: warning: {warning}", file=sys.stderr)
    from api.web.memo import NO_JAPANESE_FONT, japanese_font_missing

    if japanese_font_missing():
        print(f"torihiki: warning: {NO_JAPANESE_FONT}; until then the memo's PDF answers 503",
              file=sys.stderr)
    if args.workers > 1:
        # Each worker process builds its own app (and driver) from the
        # environment and listens on a socket of its own; this process
        # becomes their supervisor alone (api.server_processes), so it
        # neither imports the app nor keeps the CLI's imports in memory.
        os.environ.setdefault("MALLOC_ARENA_MAX", "2")
        argv = [sys.executable, "-m", "api.server_processes", "--workers", str(args.workers),
                "--host", args.host, "--port", str(args.port)]
        if args.no_access_log:
            argv.append("--no-access-log")
        sys.stderr.flush()
        os.execv(sys.executable, argv)
    # imported here: only the process that serves needs the app and uvicorn
    import uvicorn

    from api.app import create_app, tune_server_process
    from api.server_processes import log_config

    app = create_app(settings)
    tune_server_process()
    # timestamps on every line, no query strings (search terms) in the access log
    uvicorn.run(app, host=args.host, port=args.port, log_level="info", access_log=not args.no_access_log,
                log_config=log_config())
    return 0


def _window(p: argparse.ArgumentParser) -> None:
    p.add_argument("--from", dest="from_", type=_month_arg, help="first month, YYYY-MM")
    p.add_argument("--to", type=_month_arg, help="last month, YYYY-MM")


FIRM_HELP = "firm id (see `firms search`)"
JSON_HELP = "print JSON for scripts instead of text"


def _default_help(parser: argparse.ArgumentParser) -> None:
    """Give every ``--json`` flag the same help text (commands and subcommands)."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                _default_help(sub)
        elif action.option_strings == ["--json"] and not action.help:
            action.help = JSON_HELP


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="torihiki", description="Transaction-network analytics from BPO ledgers.")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    s = sub.add_parser("ingest", help="load ledger files (one batch per file) or a manifest")
    s.add_argument("paths", nargs="*", help="ledger files")
    s.add_argument("--client", help="id of the client firm whose ledger this is (in a store with clients, an id "
                                    "the firm master does not know is refused: see --new-client)")
    s.add_argument("--new-client", action="store_true",
                   help="make a client id the store does not know yet a new client: --client's, or one a row "
                        "names in its client_id column (in a store without clients this is what happens anyway; "
                        "with clients, an unknown id is most likely a typo, and its file is refused)")
    s.add_argument("--format", choices=["canonical", "yayoi", "freee", "moneyforward", "zengin", "bank"],
                   help="force a format instead of detecting it")
    s.add_argument("--manifest", help="CSV with path,client_id,format (paths relative to it)")
    s.add_argument("--accounts", help="CSV account,role overriding the default account table (journals)")
    s.add_argument("--bank-layout", help="TOML file describing a bank statement's columns")
    s.add_argument("--year", type=int, help="year of 全銀 transfer dates (the header has only MMDD)")
    s.add_argument("--months", metavar="FIRST..LAST",
                   help="take only the lines of these months (YYYY-MM..YYYY-MM, either end may be left out), "
                        "e.g. a bank statement for the months its client's journal lacks")
    s.add_argument("--json", action="store_true", help="one JSON object per file")
    s.add_argument("--no-refresh", action="store_true",
                   help="skip recomputing peer inputs and the answers rendered at load time "
                        "(the busiest firms', every client's network) after the load")
    s.add_argument("--workers", type=int, default=None,
                   help="processes that parse files in parallel (default: one per CPU, at most 4, "
                        "for several files; 0 parses in this process)")
    s.set_defaults(func=_lazy("ingest", "cmd_ingest"))

    s = sub.add_parser("load", help="load a delivery folder in one go: firms.csv, registry.csv, "
                       "parameters.csv and the ledgers of manifest.csv (or ledgers/<client>/…)")
    s.add_argument("dir", help="the delivery folder (or its manifest CSV)")
    s.add_argument("--firms", help="firm master CSV (default: DIR/firms.csv)")
    s.add_argument("--registry", help="NTA 法人番号 registry CSV (default: DIR/registry.csv)")
    s.add_argument("--parameters", help="management parameters CSV (default: DIR/parameters.csv)")
    s.add_argument("--period", help="period of parameter rows without one: YYYY-MM or FY2024")
    s.add_argument("--manifest", help="ledger manifest path,client_id,format (default: DIR/manifest.csv)")
    s.add_argument("--new-client", action="store_true",
                   help="make a client id that neither the store nor the delivery's firms.csv knows a new client "
                        "(without it, in a store with clients, such a ledger file is not loaded: most likely a typo)")
    s.add_argument("--accounts", help="CSV account,role overriding the default account table (journals)")
    s.add_argument("--bank-layout", help="TOML file describing a bank statement's columns")
    s.add_argument("--year", type=int, help="year of 全銀 transfer dates (the header has only MMDD)")
    s.add_argument("--workers", type=int, default=None,
                   help="processes that parse files in parallel (default: one per CPU, at most 4)")
    s.add_argument("--no-refresh", action="store_true",
                   help="skip recomputing peer inputs and the answers rendered at load time "
                        "(the busiest firms', every client's network) after the load")
    s.add_argument("--verbose", action="store_true", help="one line per ledger file")
    s.add_argument("--json", action="store_true", help="one JSON summary at the end")
    s.set_defaults(func=_lazy("load", "cmd_load"))

    s = sub.add_parser("ego", help="a firm's trading partners within 1 or 2 hops")
    s.add_argument("firm_id", help=FIRM_HELP)
    s.add_argument("--hops", type=int, choices=(1, 2), default=1,
                   help="1: the firm's own partners; 2: also their partners (capped)")
    _window(s)
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=_lazy("analytics", "cmd_ego"))

    s = sub.add_parser("trend", help="the firm's series against its trading group's (gross) trend")
    s.add_argument("firm_id", help=FIRM_HELP)
    s.add_argument("--freq", choices=("month", "quarter"), default="month",
                   help="points of the series: months or quarters")
    _window(s)
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=_lazy("analytics", "cmd_trend"))

    s = sub.add_parser("correlation", help="correlation of management parameters across firms")
    s.add_argument("--method", choices=("pearson", "spearman"), default="pearson",
                   help="pearson (linear) or spearman (rank) correlation")
    s.add_argument("--period", help="YYYY-MM or FY2024 (default: each firm's latest)")
    s.add_argument("--png", help="also write a heatmap PNG to this file")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=_lazy("analytics", "cmd_correlation"))

    s = sub.add_parser("whatif", help="if partner X fails: exposure and two-hop propagation (ranges)")
    s.add_argument("firm_id", help=FIRM_HELP)
    s.add_argument("--fails", required=True, help="id of the partner assumed to fail")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=_lazy("analytics", "cmd_whatif"))

    s = sub.add_parser("peers", help="a client against peers of its JSIC division and size class")
    s.add_argument("firm_id", help=FIRM_HELP)
    s.add_argument("--period", help="YYYY-MM or FY2024 (default: the firm's latest)")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=_lazy("portfolio", "cmd_peers"))

    s = sub.add_parser("refresh", help="recompute every firm's display name, every client's network "
                                       "metrics for peer baselines and the answers rendered at load time "
                                       "(done after each ingest; needed after POST /ingest uploads)")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=_lazy("portfolio", "cmd_refresh"))

    s = sub.add_parser("score", help="portfolio batch: every client's metrics, trend gap, peer percentiles")
    s.add_argument("--all", action="store_true", required=True, help="score every client")
    s.add_argument("--out", required=True, help="FILE.parquet or FILE.csv")
    _window(s)
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=_lazy("portfolio", "cmd_score"))

    s = sub.add_parser("export", help="anonymised research export (pseudonyms, coarsened attributes)")
    s.add_argument("--out", required=True, help="output folder")
    s.add_argument("--for", dest="recipient", metavar="NAME",
                   help="the recipient: pseudonyms keyed for them (the same in each of their exports, "
                        "different from anyone else's though the values are the same, as the web page gives a "
                        "researcher); default: "
                        "the operator's own key")
    s.add_argument("--format", choices=("csv", "parquet", "graphml"), default="csv",
                   help="file format of the export")
    s.add_argument("--from", dest="from_", type=_month_arg, help="first month, YYYY-MM (default: the data's first)")
    s.add_argument("--to", type=_month_arg,
                   help="last month, YYYY-MM (default: the latest month half the clients' ledgers reach; later "
                        "months hold only the clients that delivered them)")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=_lazy("portfolio", "cmd_export"))

    s = sub.add_parser("figures", help="monthly sales, purchases, balances and receivable days of a client")
    s.add_argument("firm_id", help=FIRM_HELP)
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=_lazy("analytics", "cmd_figures"))

    s = sub.add_parser("reconcile", help="months where two clients' ledgers disagree about their trade")
    _window(s)
    s.add_argument("--tolerance-pct", type=float, default=DEFAULT_TOLERANCE_PCT,
                   help="a month differs when the gap exceeds this percent of the larger side")
    s.add_argument("--tolerance-yen", type=int, default=DEFAULT_TOLERANCE_YEN,
                   help="... and this many yen")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=_lazy("analytics", "cmd_reconcile"))

    s = sub.add_parser("firms", help="the firm master: search, import")
    fs = s.add_subparsers(dest="firms_command", required=True, metavar="ACTION")
    f = fs.add_parser("search", help="firms found by any spelling of their name, 法人番号 or id")
    f.add_argument("q", nargs="?", default="",
                   help="part of any spelling of a name (kanji, kana, hiragana), of a 法人番号 or of an id")
    f.add_argument("--limit", type=int, default=50, help="firms per page")
    f.add_argument("--offset", type=int, default=0, help="firms to skip (paging)")
    f.add_argument("--json", action="store_true")
    f.set_defaults(func=_lazy("reference", "cmd_firms_search"))
    f = fs.add_parser("import", help="load a firm master CSV (firm_id, name, corporate_number, industry, …)")
    f.add_argument("path", help="the CSV file")
    f.add_argument("--json", action="store_true")
    f.set_defaults(func=_lazy("reference", "cmd_firms_import"))

    s = sub.add_parser("metrics", help="management parameters per firm and period")
    ms = s.add_subparsers(dest="metrics_command", required=True, metavar="ACTION")
    m = ms.add_parser("import", help="load a parameters CSV (the study's Japanese headers or snake_case)")
    m.add_argument("path", help="the CSV file")
    m.add_argument("--period", help="period of rows without one: YYYY-MM or FY2024")
    m.add_argument("--new-client", action="store_true",
                   help="make a firm id the store does not know a new client (in a store without clients this is "
                        "what happens anyway; with clients, such a row is rejected: most likely a typo)")
    m.add_argument("--json", action="store_true")
    m.add_argument("--no-refresh", action="store_true",
                   help="skip recomputing the network metrics of peer baselines")
    m.set_defaults(func=_lazy("reference", "cmd_metrics_import"))

    s = sub.add_parser("registry", help="the NTA 法人番号 registry used for resolution")
    rs = s.add_subparsers(dest="registry_command", required=True, metavar="ACTION")
    r = rs.add_parser("import", help="load an NTA bulk CSV (30 columns, no header)")
    r.add_argument("path", help="the CSV file")
    r.add_argument("--json", action="store_true")
    r.set_defaults(func=_lazy("reference", "cmd_registry_import"))

    s = sub.add_parser("review", help="entity-resolution review queue and merges")
    vs = s.add_subparsers(dest="review_command", required=True, metavar="ACTION")
    v = vs.add_parser("list", help="spellings waiting for a decision")
    v.add_argument("--json", action="store_true")
    v.set_defaults(func=_lazy("review", "cmd_review_list"))
    v = vs.add_parser("accept", help="merge a spelling into its candidate")
    v.add_argument("id", help="CLIENT:KEY from `review list`")
    v.add_argument("--note", help="why (kept with the merge)")
    v.add_argument("--json", action="store_true")
    v.add_argument("--refresh", action="store_true",
                   help="recompute the portfolio, peers and alerts afterwards (else run `torihiki refresh` once the "
                        "decisions are made)")
    v.set_defaults(func=_lazy("review", "cmd_review_accept"))
    v = vs.add_parser("reject", help="keep a spelling as a firm of its own")
    v.add_argument("id", help="CLIENT:KEY from `review list`")
    v.add_argument("--json", action="store_true")
    v.add_argument("--refresh", action="store_true",
                   help="recompute the portfolio, peers and alerts afterwards (else run `torihiki refresh` once the "
                        "decisions are made)")
    v.set_defaults(func=_lazy("review", "cmd_review_reject"))
    v = vs.add_parser("merges", help="every merge, automatic or accepted, with its reason")
    v.add_argument("--json", action="store_true")
    v.set_defaults(func=_lazy("review", "cmd_merges"))
    v = vs.add_parser("undo", help="undo a merge (rows go back to the spelling's own firm)")
    v.add_argument("merge_id", help="id from `review merges`")
    v.add_argument("--json", action="store_true")
    v.add_argument("--refresh", action="store_true",
                   help="recompute the portfolio, peers and alerts afterwards (else run `torihiki refresh` once the "
                        "decisions are made)")
    v.set_defaults(func=_lazy("review", "cmd_undo"))

    s = sub.add_parser("batches", help="ingest batches")
    bs = s.add_subparsers(dest="batches_command", required=True, metavar="ACTION")
    b = bs.add_parser("list", help="all batches, newest first")
    b.add_argument("--json", action="store_true")
    b.set_defaults(func=_lazy("review", "cmd_batches_list"))
    b = bs.add_parser("rollback", help="remove everything one batch loaded")
    b.add_argument("batch_id", help="id from `batches list`")
    b.add_argument("--json", action="store_true")
    b.add_argument("--interrupted", action="store_true",
                   help="roll back a batch still marked loading, whose load was killed and cannot be run again "
                        "(only when no load of it is running: a running load would write on)")
    b.add_argument("--no-refresh", action="store_true",
                   help="skip recomputing peer inputs, the portfolio, alerts and the answers rendered at load "
                        "time afterwards (run `torihiki refresh` later)")
    b.set_defaults(func=_lazy("review", "cmd_batches_rollback"))
    b = bs.add_parser("check", help="loads holding months twice: the same client and kind of ledger, or a journal "
                      "and a bank statement or 全銀 file with the same month's settlements")
    b.add_argument("--client", help="only this client's loads")
    b.add_argument("--json", action="store_true")
    b.set_defaults(func=_lazy("review", "cmd_batches_check"))

    s = sub.add_parser("generate", help="write a synthetic region of BPO ledgers with ground truth")
    s.add_argument("--firms", type=int, default=1000, help="firms in the economy")
    s.add_argument("--clients", type=int, default=100, help="of them, BPO clients with ledgers")
    s.add_argument("--months", type=int, default=24, help="months of ledgers")
    s.add_argument("--seed", type=int, default=0, help="random seed (same seed, same region)")
    s.add_argument("--out", help="output folder")
    s.add_argument("--noise", choices=("low", "default", "high"), default="default",
                   help="how many spelling variants and malformed rows the ledgers carry")
    s.add_argument("--churn", choices=("fast", "slow"), default="fast",
                   help="link churn: fast = half of links gone within a year, as in ledgers")
    s.add_argument("--start", default="2023-04", type=_month_arg, help="first month, YYYY-MM")
    s.add_argument("--report", action="store_true", help="also print the calibration report")
    s.add_argument("--report-only", metavar="DIR", help="only measure an existing region")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=_lazy("generate", "cmd_generate"))

    users.add_parsers(sub)  # users, consent, audit
    alerts.add_parsers(sub)  # the alert feed, acknowledgements
    memo.add_parser(sub)  # report: the credit-memo supplement
    backup.add_parser(sub)  # backup: a consistent copy of the embedded store

    s = sub.add_parser("serve", help="serve the API and network views")
    s.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
    s.add_argument("--port", type=int, default=8000, help="TCP port (default: %(default)s)")
    s.add_argument("--workers", type=int, default=1,
                   help="server processes (one per CPU uses every core; each keeps its own cache)")
    s.add_argument("--no-access-log", action="store_true", help="do not log every request")
    s.add_argument("--token-for", metavar="USER",
                   help="first issue USER a new API token, as `users token` does, and print it "
                        "(`export TOKEN=…`)")
    s.set_defaults(func=cmd_serve)
    _default_help(p)
    return p


def _one_line(e: BaseException) -> str:
    return " ".join(str(e).split())


@contextlib.contextmanager
def _ends_quietly_on_a_closed_pipe(on: bool) -> Iterator[None]:
    """While a command writes its output, a closed pipe ends the process
    (`torihiki … | head` ends quietly instead of printing a traceback); the
    handler is restored after, so a process that calls :func:`main` (the
    tests) keeps Python's own handling, and the server never gets it (a
    client that goes away mid-answer must not end the process)."""
    if not on or not hasattr(signal, "SIGPIPE") or threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    try:
        yield
    finally:
        signal.signal(signal.SIGPIPE, previous)


RESUMABLE = frozenset({"load", "ingest"})
"""Commands that, run again after a failure, resume the load they stopped in."""


def main(argv: Sequence[str] | None = None) -> int:
    # The driver logs retries and server notices; the CLI reports one line per error instead.
    logging.getLogger("neo4j").addHandler(logging.NullHandler())
    logging.getLogger("neo4j").propagate = False
    args = build_parser().parse_args(argv)
    func: Callable[[argparse.Namespace, Settings], int] = args.func
    command = f"firms {args.firms_command}" if args.command == "firms" else args.command
    read = READS.get(command)
    outcome = "error"
    try:
        with _ends_quietly_on_a_closed_pipe(command != "serve"):
            code = func(args, get_settings())
        outcome = "ok" if code == 0 else "error"
        return code
    except NotFound as e:
        outcome = "not_found"
        print(f"error: {e}", file=sys.stderr)
        return 2
    except StoreUnavailable as e:
        outcome = "unavailable"  # nothing was read: no read to audit (the store could not take it either)
        # one line, as every error: the hint for a load follows on it
        resume = (f" — what was written is kept: once the store answers again, run the same `torihiki {command}` "
                  "command again; it resumes where it stopped (files already loaded are not loaded twice)"
                  if command in RESUMABLE else "")
        print(f"error: store unavailable: {_one_line(e)}{resume}", file=sys.stderr)
        return 3
    except StoreError as e:
        print(f"error: {_one_line(e)}", file=sys.stderr)
        return 3
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except OSError as e:  # a path that is missing, a folder, unreadable
        where = f"{e.filename}: " if e.filename else ""
        print(f"error: {where}{e.strerror or e}", file=sys.stderr)
        return 2
    except Exception as e:
        # Only a command that imported ingest.load can raise its IngestError
        # (imported here otherwise, it would load the ingest stack into every start).
        ingest_load = sys.modules.get("ingest.load")
        if ingest_load is None or not isinstance(e, ingest_load.IngestError):
            raise
        print(f"error: {e}", file=sys.stderr)
        return 2
    finally:
        if read is not None and outcome != "unavailable":
            _audit_read(read, getattr(args, "firm_id", None), outcome,
                        f"as {args.as_user}" if getattr(args, "as_user", None) else "")


READS = {"ego": "firm.ego", "trend": "firm.trend", "figures": "firm.figures", "whatif": "firm.whatif",
         "peers": "firm.peers", "reconcile": "analytics.reconcile", "firms search": "firm.search",
         "report": "firm.report"}
"""CLI commands that read firm-level data, and their audit actions (as the API's)."""


def _audit_read(action: str, firm_id: str | None, outcome: str, detail: str = "") -> None:
    """Write a CLI read of firm-level data to the audit log (as the operator;
    ``detail`` says in whose scope, ``report --as USER``); a store that
    cannot take it is reported, the command's answer stands."""
    from api.commands.common import opened
    from api.commands.users import cli_principal
    from api.identity import record

    try:
        with opened(get_settings()) as store:
            record(store, cli_principal(), action, firm_id, outcome, detail)
    except (StoreError, OSError) as e:
        print(f"warning: the read was not written to the audit log: {_one_line(e)}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
