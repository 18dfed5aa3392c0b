"""``torihiki alerts``: the feed of material changes across the BPO's
clients, ``torihiki alerts ack`` to acknowledge one (or every one of some
filters) as a named analyst, ``torihiki alerts reopen`` to take that back.

The list reads what the last load stored (recomputed once when the data
changed since), as the operator (every firm); it is written to the audit
log like the other CLI reads of firm data.
"""

from __future__ import annotations

import argparse
from typing import Any

from api.alerts import ACK_ROLES, ack, ack_matching, alert_feed, reopen, reopen_matching
from api.commands.common import emit, opened
from api.commands.users import cli_principal
from api.identity import principal_of, record
from api.settings import Settings
from domain.errors import InputError
from graph.alert_kinds import KINDS
from queries.access import Principal
from queries.store import NotFound, Store

__all__ = ["add_parsers", "cmd_alerts", "cmd_alerts_ack", "cmd_alerts_reopen", "summary"]

LIST_LIMIT = 1000
"""Most alerts the table prints (the newest); ``--limit`` changes it."""


def summary(a: dict[str, Any]) -> str:
    """One line in English saying why (the UI says it in Japanese)."""
    n = a["numbers"]
    who = a.get("subject_name") or a.get("subject_id") or ""
    side = "customer" if a.get("side") == "customer" else "supplier"
    kind = a["kind"]
    if kind == "top_partner_lost":
        from graph.alerts import (
            TOP_RANK,  # here: the CLI's start imports no pandas (tests/unit/test_start_imports.py)
        )

        return (f"major {side} (one of the {TOP_RANK} largest) {who} ({n['share'] * 100:.0f}% of "
                f"{'sales' if side == 'customer' else 'purchases'}) traded nothing for {n['months']} months")
    if kind == "concentration_jump":
        return (f"{side} HHI {n['before']:.2f} -> {n['after']:.2f} (+{n['rise']:.2f}); "
                f"largest {who} {n['share'] * 100:.0f}%")
    if kind == "partner_distress":
        reasons = ", ".join(n.get("reasons", []))
        if n.get("hop") == 2:
            via = a.get("via_name") or n.get("via") or ""
            return f"partner {who} trades with {via}, newly in distress ({reasons})"
        return f"partner {who} newly in distress ({reasons})"
    if kind == "receivable_days_rising":
        usual = n.get("usual_days") or 0
        of = f"industry {n['usual_industry']}'s clients" if n.get("usual_industry") else "the clients"
        beyond = f"; +{n['beyond_usual']:.1f} beyond the usual +{usual:.1f} of {of}" if usual > 0 else ""
        return f"receivable days {n['before']:.1f} -> {n['after']:.1f} (+{n['days']:.1f} days{beyond})"
    if kind == "coverage_drop":
        return f"ledger ends {n['last_month']}; region has {n['region_month']} ({n['months']} months missing)"
    return kind


def _cli_principal() -> Any:
    from api.commands.users import cli_principal

    return cli_principal()


def cmd_alerts(args: argparse.Namespace, settings: Settings) -> int:
    if getattr(args, "alerts_command", None) == "ack":
        return cmd_alerts_ack(args, settings)
    if getattr(args, "alerts_command", None) == "reopen":
        return cmd_alerts_reopen(args, settings)
    who = _cli_principal()
    with opened(settings) as store:
        outcome = "error"
        try:
            feed = alert_feed(store, who, since=args.since, kind=args.kind, firm=args.firm,
                              state="open" if args.open else "all", limit=args.limit, offset=0,
                              wait=True)
            outcome = "ok"
        finally:
            record(store, who, "alerts.list", args.firm, outcome, f"kind={args.kind or ''} since={args.since or ''}")
    if args.json:
        emit(feed)
        return 0
    rows = feed["alerts"]
    print(f"{'id':<16}  {'month':<7}  {'severity':<6}  {'kind':<22}  {'firm':<10}  why")  # noqa: T201
    for a in rows:
        acked = " [acknowledged]" if a.get("ack") else ""
        print(f"{a['id']:<16}  {a['month']:<7}  {a['severity']:<6}  {a['kind']:<22}  "  # noqa: T201
              f"{a['firm_id']:<10}  {summary(a)}{acked}")
    more = f" (the newest {len(rows)} shown; --limit)" if feed["count"] > len(rows) else ""
    print(f"({feed['count']} alert{'' if feed['count'] == 1 else 's'}{more}; computed {feed['computed_at']})")  # noqa: T201
    return 0


def _one_or_all(args: argparse.Namespace, which: str) -> None:
    """``alert_id`` or ``--all`` (with its filters), not both, not neither."""
    if bool(args.all) == bool(args.alert_id):
        raise InputError(f"name one alert (its id) or --all (every {which} alert of the filters)")
    if not args.all and any(_filters(args).values()):
        raise InputError("--since, --month, --kind and --firm choose alerts for --all")


def _filters(args: argparse.Namespace) -> dict[str, Any]:
    """The filters of ``--all``, as :func:`api.alerts.alert_feed` takes them."""
    return {f: getattr(args, f) for f in _FILTERS}


_FILTERS = ("since", "month", "kind", "firm")


def _acting(store: Store, name: str, does: str) -> Principal:
    """The analyst or admin ``name`` as a principal (``does``: what only they do)."""
    user = store.get_user(name)
    if user is None or not user.active:
        raise NotFound(f"no active user {name!r}")
    who = principal_of(user)
    if who.role not in ACK_ROLES:
        raise InputError(f"{user.name} is a {user.role}: only analysts and admins {does}")
    # the entries that follow name the user acted as; this one names who ran the command
    record(store, cli_principal(), "cli.act_as", None, "ok", f"as {user.name}: {does}")
    return who


def cmd_alerts_reopen(args: argparse.Namespace, settings: Settings) -> int:
    _one_or_all(args, "acknowledged")
    with opened(settings) as store:
        who = _acting(store, args.as_user, "reopen alerts")
        if args.all:
            done = reopen_matching(store, who, **_filters(args), wait=True)
        else:
            done = {"alert_id": args.alert_id, "reopened": reopen(store, who, args.alert_id)}
    if args.json:
        emit(done)
    elif args.all:
        print(f"{done['reopened']} alerts open again (acknowledgements taken back by {who.user})")  # noqa: T201
    elif done["reopened"]:
        print(f"alert {args.alert_id} is open again (acknowledgement taken back by {who.user})")  # noqa: T201
    else:
        print(f"alert {args.alert_id} was not acknowledged: nothing taken back")  # noqa: T201
    return 0


def cmd_alerts_ack(args: argparse.Namespace, settings: Settings) -> int:
    _one_or_all(args, "unacknowledged")
    with opened(settings) as store:
        who = _acting(store, args.as_user, "acknowledge alerts")
        if args.all:
            done = ack_matching(store, who, **_filters(args), note=args.note or "", wait=True)
        else:
            got, made = ack(store, who, args.alert_id, args.note or "", wait=True)
    if args.all:
        if args.json:
            emit(done)
        else:
            before = done["matched"] - done["acknowledged"]
            print(f"{done['acknowledged']} alerts acknowledged by {who.user}"  # noqa: T201
                  + (f" ({before} acknowledged meanwhile by someone else)" if before else ""))
        return 0
    if args.json:
        emit({"alert_id": got.alert_id, "user": got.user, "note": got.note, "at": got.at, "new": made})
    elif made:
        print(f"alert {got.alert_id} acknowledged by {got.user} at {got.at}")  # noqa: T201
    else:
        print(f"alert {got.alert_id} was acknowledged before by {got.user} at {got.at}")  # noqa: T201
    return 0


def _month(text: str) -> str:
    from ingest.values import parse_month

    try:
        return parse_month(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from e


def _one_or_all_arguments(p: argparse.ArgumentParser, every: str) -> None:
    """An alert's id, or ``--all`` (``every``: what it takes) with the filters."""
    p.add_argument("alert_id", nargs="?", help="the alert's id (first column of `torihiki alerts`)")
    p.add_argument("--all", action="store_true", help=f"instead of one alert: {every}")
    p.add_argument("--since", type=_month, help="with --all: only alerts of this month (YYYY-MM) or later")
    p.add_argument("--month", type=_month, help="with --all: only alerts of this month (YYYY-MM)")
    p.add_argument("--kind", choices=KINDS, help="with --all: only alerts of this kind")
    p.add_argument("--firm", help="with --all: only alerts of this client firm (id)")


def add_parsers(sub: Any) -> None:
    """``alerts`` (the feed), ``alerts ack`` and ``alerts reopen``."""
    s = sub.add_parser("alerts", help="material changes across the BPO's clients, newest month first")
    s.add_argument("--since", type=_month, help="only alerts of this month (YYYY-MM) or later")
    s.add_argument("--kind", choices=KINDS, help="only alerts of this kind")
    s.add_argument("--firm", help="only alerts of this client firm (id)")
    s.add_argument("--open", action="store_true", help="only alerts nobody has acknowledged yet")
    s.add_argument("--limit", type=int, default=LIST_LIMIT, help=f"most alerts shown (default {LIST_LIMIT})")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_alerts, alerts_command=None)
    a = s.add_subparsers(dest="alerts_command", metavar="{ack,reopen}")
    k = a.add_parser("ack", help="acknowledge an alert, or every one of some filters (--all), as an analyst or "
                                 "admin (recorded and audited)")
    _one_or_all_arguments(k, "every unacknowledged alert of the filters below (none: every one), each audited "
                             "(a month reviewed; a region's history before the tool was used)")
    k.add_argument("--note", default="", help="what was done or found (kept with the acknowledgement)")
    k.add_argument("--as", dest="as_user", required=True, metavar="USER",
                   help="the analyst or admin (a user name of `torihiki users list`) acknowledging it")
    k.add_argument("--json", action="store_true")
    k.set_defaults(func=cmd_alerts_ack)
    r = a.add_parser("reopen", help="take back the acknowledgement of an alert, or of every one of some filters "
                                    "(--all), as an analyst or admin (audited): open again")
    _one_or_all_arguments(r, "every acknowledged alert of the filters below (none: every one)")
    r.add_argument("--as", dest="as_user", required=True, metavar="USER",
                   help="the analyst or admin (a user name of `torihiki users list`) reopening it")
    r.add_argument("--json", action="store_true")
    r.set_defaults(func=cmd_alerts_reopen)
