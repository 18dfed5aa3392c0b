"""``torihiki users``, ``consent`` and ``audit``: who may use the API, which
banks each firm shares with, and what was done.

The CLI acts as the operator on the store's machine: an admin named
``system:<login>`` in the audit log and the consent history.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import getpass
import io
import sys
from collections.abc import Set as AbstractSet
from dataclasses import asdict
from pathlib import Path
from zoneinfo import ZoneInfo

from api.bank_choice import BankChoice, known_in
from api.commands.common import emit, opened
from api.identity import (
    add_user,
    change_consent,
    check_password_length,
    issue_token,
    known_banks,
    record,
    set_active,
    set_bank,
    set_password,
)
from api.settings import Settings
from domain.errors import InputError
from queries.access import Principal, Role
from queries.identity import User, day_bound_utc
from queries.store import NotFound, StoreError

__all__ = ["cli_principal", "cmd_users_add", "cmd_users_import", "cmd_users_list", "cmd_users_disable",
           "cmd_users_enable", "cmd_users_token", "cmd_users_password", "cmd_users_bank", "cmd_consent_grant", "cmd_consent_revoke",
           "cmd_consent_list", "cmd_audit_list", "add_parsers"]


def cli_principal() -> Principal:
    """The principal of CLI work: the operator (an admin), named by login."""
    try:
        login = getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (containers)
        login = "unknown"
    return Principal(f"system:{login}", Role.ADMIN)


def _public(u: User) -> dict[str, object]:
    """A user without token or password hash."""
    return {"name": u.name, "role": u.role, "bank": u.bank, "active": u.active, "created_at": u.created_at,
            "token_id": u.token_id or None, "token_issued_at": u.token_issued_at or None,
            "has_password": bool(u.password_hash), "has_token": bool(u.token_hash)}


def cmd_users_add(args: argparse.Namespace, settings: Settings) -> int:
    password = _read_password(True) if args.password_stdin else None
    if password is not None:
        check_password_length(password, args.name)  # before the user exists: a refused password adds no user
    with opened(settings) as store:
        banks = known_in(store)
        choice = banks.choose(args.bank) if args.bank else None
        if choice:
            _say_meant(args.bank, choice)
        user = add_user(store, args.name, args.role, choice.bank if choice else args.bank, cli_principal())
        if password is not None:
            set_password(store, args.name, password, cli_principal(), given=not args.own_password)
        if user.bank and (note := _new_bank_note(user.bank, banks.consented, banks.officers,
                                                 for_officer=True, near=choice.near if choice and choice.new else ())):
            print(note, file=sys.stderr)
    if args.json:
        emit(_public(user))
    else:
        print(f"user {user.name} added as {user.role}" + (f" of bank {user.bank}" if user.bank else "")
              + f"; `torihiki users token {user.name}` issues its API token")
    return 0


IMPORT_COLUMNS = ("name", "role", "bank", "password")
"""Columns of a ``users import`` file (a header line names them; ``bank`` and
``password`` may be empty or missing)."""


def _import_rows(path: Path) -> list[tuple[int, dict[str, str]]]:
    """(line number, row) of a users CSV (UTF-8, BOM allowed). Raises
    :class:`InputError` for a missing file or header."""
    from ingest.decode import EncodingError, detect_encoding

    try:  # UTF-8 (BOM allowed) or Shift_JIS, as Excel saves a CSV on a Japanese desktop
        data = path.read_bytes()
        text = data.decode(detect_encoding(data))
    except (OSError, UnicodeDecodeError, EncodingError) as e:
        raise InputError(f"{path}: cannot read the users file (UTF-8 or Shift_JIS text): {e}") from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip() for h in reader.fieldnames or []]
    if "name" not in header or "role" not in header:
        raise InputError(f"{path}: line 1 is not a header with the columns {', '.join(IMPORT_COLUMNS)}")
    reader.fieldnames = header
    rows = []
    for row in reader:
        # fields trimmed, except a password (its spaces are part of it); extra columns ignored
        fields = {k: (v or "") if k == "password" else (v or "").strip()
                  for k, v in row.items() if isinstance(k, str)}
        if any(fields.values()):
            rows.append((reader.line_num, fields))
    return rows


def cmd_users_import(args: argparse.Namespace, settings: Settings) -> int:
    """Add the users of a CSV file in one go (``name,role,bank,password``):
    a bank's officers at onboarding, or the demo's users. A user that exists
    is left as it is (importing the same file twice changes nothing); a bad
    row is reported with its line and the other rows are still added."""
    rows = _import_rows(args.file)
    added: list[str] = []
    kept: list[str] = []
    differing: list[str] = []  # existing users the file describes otherwise: said, not changed
    rejected: list[dict[str, object]] = []
    notes: list[str] = []
    seen: dict[str, int] = {}  # name (any case) → its first line in the file
    with opened(settings) as store:
        banks = known_in(store)  # read once; an officer added below makes its bank known to the next rows
        for line, row in rows:
            name, password = row.get("name", ""), row.get("password", "")
            try:
                if (first := seen.setdefault(name.casefold(), line)) != line:
                    raise InputError(f"{name} is on line {first} of this file already")
                bank = row.get("bank") or None
                if bank:  # a bank typed by the name it is shown by is its id
                    choice = banks.choose(bank)
                    bank = choice.bank
                    if choice.by_name:
                        notes.append(f"line {line}: {row['bank'].strip()!r} is the name of bank {bank}: {bank} is meant")
                    elif choice.new:
                        notes.append(f"line {line}: bank {bank!r} is known nowhere yet"
                                     + (f"; did you mean {' or '.join(choice.near)}?" if choice.near else
                                        " (no firm consents to it: its officers see nothing until one does)"))
                if (existing := store.get_user(name)) is not None:
                    kept.append(name)
                    if (existing.role, existing.bank) != (row.get("role", ""), bank):
                        differing.append(f"{name}: {existing.role}" + (f" of {existing.bank}" if existing.bank else "")
                                         + f" in the store, {row.get('role', '')}" + (f" of {bank}" if bank else "")
                                         + " in the file (`users bank` moves an officer)")
                    continue
                if password:
                    check_password_length(password, name)  # before the user exists: all or nothing per row
                add_user(store, name, row.get("role", ""), bank, cli_principal())
                if bank:
                    banks = banks.with_officer(bank)
                if password:
                    set_password(store, name, password, cli_principal(), given=not args.own_passwords)
            except InputError as e:
                rejected.append({"file": str(args.file), "line": line, "name": name, "reason": str(e)})
                continue
            added.append(name)
    if args.json:
        emit({"added": added, "existing": kept, "existing_differing": differing, "rejected": rejected,
              "notes": notes})
    else:
        print(f"{args.file}: {len(added)} users added, {len(kept)} existed already (left as they are), "
              f"{len(rejected)} rejected")
        if kept:
            print(f"  existed already: {', '.join(kept)}")
        for d in differing:
            print(f"  note: left as it is: {d}", file=sys.stderr)
        for n in notes:
            print(f"  note: {n}", file=sys.stderr)
        for r in rejected:
            print(f"  {r['file']}:{r['line']}: {r['name'] or '(no name)'}: {r['reason']}", file=sys.stderr)
    return 1 if rejected else 0


def cmd_users_list(args: argparse.Namespace, settings: Settings) -> int:
    with opened(settings) as store:
        users = store.list_users()
    if args.json:
        emit([_public(u) for u in users])
        return 0
    for u in users:
        state = "active" if u.active else "disabled"
        token = f"token {u.token_id} ({u.token_issued_at[:19]})" if u.token_id and u.token_hash else "no token"
        print(f"{u.name:<24} {u.role:<15} {u.bank or '-':<12} {state:<8} {token}"
              + ("; password set" if u.password_hash else ""))
    print(f"({len(users)} user{'' if len(users) == 1 else 's'})")
    return 0


def _set_active(args: argparse.Namespace, settings: Settings, active: bool) -> int:
    with opened(settings) as store:
        user = set_active(store, args.name, active, cli_principal())
    if args.json:
        emit(_public(user))
    else:
        print(f"user {user.name} {'enabled' if active else 'disabled'}"
              + (f" (without a password or token: `torihiki users password {user.name}` and "
                 f"`torihiki users token {user.name}` give it new ones)" if active and not user.password_hash
                 and not user.token_hash else "")
              + ("" if active else " (its token and password are removed and its web sessions ended)"))
    return 0


def cmd_users_disable(args: argparse.Namespace, settings: Settings) -> int:
    return _set_active(args, settings, False)


def cmd_users_enable(args: argparse.Namespace, settings: Settings) -> int:
    return _set_active(args, settings, True)


def cmd_users_token(args: argparse.Namespace, settings: Settings) -> int:
    """Print a new token on stdout (alone, for ``TOKEN=$(…)``); a note on stderr."""
    with opened(settings) as store:
        if args.create_as and store.get_user(args.name) is None:
            add_user(store, args.name, args.create_as, None, cli_principal())
        issued = issue_token(store, args.name, cli_principal())
    if args.json:
        emit(asdict(issued))
    else:
        print(issued.token)
    print(f"token {issued.token_id} issued for {issued.user}; it is shown this once and replaces any "
          "earlier token. Send it as `Authorization: Bearer TOKEN`.", file=sys.stderr)
    return 0


def _read_password(from_stdin: bool) -> str:
    """A password from a prompt (twice) on a terminal, else the first line of stdin."""
    if not from_stdin and sys.stdin.isatty():
        first = getpass.getpass("new password: ")
        if getpass.getpass("again: ") != first:
            raise InputError("the two passwords differ")
        return first
    return sys.stdin.readline().rstrip("\r\n")


def cmd_users_bank(args: argparse.Namespace, settings: Settings) -> int:
    """Move a credit officer to another bank (typed wrong when added, or a move), audited."""
    with opened(settings) as store:
        banks = known_in(store)
        choice = banks.choose(args.bank)
        _say_meant(args.bank, choice)
        changed = set_bank(store, args.name, choice.bank, cli_principal())
        if changed and (note := _new_bank_note(choice.bank, banks.consented, banks.officers,
                                               for_officer=True, near=choice.near if choice.new else ())):
            print(note, file=sys.stderr)
    if args.json:
        emit({"user": args.name, "bank": choice.bank, "changed": changed})
    else:
        print(f"{args.name} now works for {choice.bank}: from their next request they see the firms consenting "
              "to it" if changed else f"{args.name} works for {choice.bank} already; nothing changed")
    return 0


def cmd_users_password(args: argparse.Namespace, settings: Settings) -> int:
    password = _read_password(args.stdin)
    with opened(settings) as store:
        set_password(store, args.name, password, cli_principal(), given=not args.own_password)
    if args.json:
        emit({"user": args.name, "password": "set"})
    else:
        print(f"password of {args.name} set")
    return 0


def _say_meant(typed: str, choice: BankChoice) -> None:
    """Say on stderr which bank's id a bank typed by its name stands for."""
    if choice.by_name:
        print(f"note: {typed.strip()!r} is the name bank {choice.bank} is shown by: {choice.bank} is meant",
              file=sys.stderr)


def _new_bank_note(bank: str, consented: AbstractSet[str], officers: AbstractSet[str], *, for_officer: bool,
                   near: tuple[str, ...] = ()) -> str | None:
    """A warning when ``bank`` is known nowhere yet: a bank is written as the
    firm master writes it (a code such as ``0179`` or a name), and a bank
    spelled two ways is two banks: an officer of one sees nothing consented
    to the other."""
    bank = bank.strip()
    if bank in consented or (not for_officer and bank in officers):
        return None
    shown = ", ".join(sorted(consented | officers)[:10]) or "none yet"
    if near:
        return (f"note: bank {bank!r} is known nowhere yet; did you mean {' or '.join(near)}? "
                "(a bank spelled two ways is two banks: `torihiki banks list` names every bank)")
    if for_officer:
        consenting = ", ".join(sorted(consented)[:10]) or "none yet"
        return (f"note: no firm consents to bank {bank!r} yet, so this officer sees no firm until one does; "
                f"banks firms consent to: {consenting} (write the bank as the firm master's consent column does)")
    return (f"note: bank {bank!r} is new: no other firm consents to it and no credit officer works for it; "
            f"banks known: {shown} (a bank spelled two ways is two banks)")


def _consent(args: argparse.Namespace, settings: Settings, grant: bool) -> int:
    with opened(settings) as store:
        known = known_in(store)
        choice = known.choose(args.bank)
        bank = choice.bank
        _say_meant(args.bank, choice)
        if grant and choice.new and (note := _new_bank_note(bank, known.consented, known.officers,
                                                              for_officer=False, near=choice.near)):
            print(note, file=sys.stderr)
        changed = change_consent(store, args.firm, bank, grant, cli_principal())
        banks = store.consents(args.firm).get(args.firm, ())
        rendered = None
        if changed and not args.no_render:  # the bank's answers stored at load time no longer serve: again now
            from api.precompute import render_for_banks

            try:
                rendered = render_for_banks(store, settings, [bank], threads=None)
            except StoreError as e:  # the change is made: the answers are computed on request meanwhile
                print(f"torihiki: warning: {bank}'s answers were not rendered again: {e}", file=sys.stderr)
    if args.json:
        emit({"firm_id": args.firm, "bank": bank, "action": "grant" if grant else "revoke",
              "changed": changed, "banks": list(banks), "by_name": choice.by_name,
              "officer_answers_rendered": rendered["officer_egos"] if rendered else 0,
              "officer_two_hop_answers_rendered": rendered["officer_egos_two_hop"] if rendered else 0})
    else:
        if changed:
            print(f"{args.firm}: consent for {bank} {'granted' if grant else 'revoked'}")
        elif grant:
            print(f"{args.firm}: consent for {bank} was granted already; nothing changed")
        else:
            print(f"{args.firm}: had not consented to {bank}; nothing changed")
        print(f"  consents now to: {', '.join(banks) or 'no bank'}")
        if rendered and rendered["officer_egos"]:
            two = (f" (and {_networks(rendered['officer_egos_two_hop'])} of two hops)"
                   if rendered["officer_egos_two_hop"] else "")
            print(f"  {_networks(rendered['officer_egos'])} of its consenting clients rendered again for "
                  f"{bank}'s credit officers{two} in {rendered['seconds']} s")
    return 0


def _networks(n: int) -> str:
    return f"{n} network" + ("" if n == 1 else "s")


def cmd_consent_grant(args: argparse.Namespace, settings: Settings) -> int:
    return _consent(args, settings, True)


def cmd_consent_revoke(args: argparse.Namespace, settings: Settings) -> int:
    return _consent(args, settings, False)


def cmd_consent_list(args: argparse.Namespace, settings: Settings) -> int:
    with opened(settings) as store:
        current = store.consents(args.firm)
        if args.firm is not None and args.firm not in current:
            raise NotFound(f"no firm {args.firm!r}")
        history = store.consent_history([args.firm]) if args.firm else []
        record(store, cli_principal(), "consent.list", args.firm, detail=f"{len(current)} firms")
    if args.json:
        emit({"data": [{"firm_id": f, "banks": list(b)} for f, b in current.items()],
              "history": [asdict(e) for e in history]})
        return 0
    for firm, banks in current.items():
        print(f"{firm:<16} {', '.join(banks) or '(no bank)'}")
    if args.firm is None:
        print(f"({len(current)} firms consent to at least one bank)")
    for e in history:
        print(f"  {e.at[:19]}  {e.action:<6} {e.bank:<16} by {e.who}")
    return 0


def cmd_banks_name(args: argparse.Namespace, settings: Settings) -> int:
    """Name a bank (or, with ``--clear``, show it by its id again), audited."""
    from api.bank_choice import name_taken_by
    from api.bank_names import forget
    from api.identity import check_bank
    from queries.banks import bank_name_problem

    bank = args.bank.strip()
    name = None if args.clear else " ".join((args.name or "").split())
    if not bank:
        raise InputError("give the bank's id, as the firm master's consented_banks writes it")
    check_bank(bank)
    if name is not None and (problem := bank_name_problem(name)) is not None:
        raise InputError(problem)
    with opened(settings) as store:
        if name is not None and (other := name_taken_by(bank, name, store.bank_names())) is not None:
            raise InputError(f"{other} is shown as {name} already: two banks of one name would look the same "
                             "to credit officers and in the credit memo")
        changed = store.set_bank_name(bank, name)
        forget(store)
        record(store, cli_principal(), "bank.name", None, "ok" if changed else "unchanged",
               f"{bank}: {name}" if name is not None else f"{bank}: name removed")
        consented, officers = known_banks(store)
    if args.json:
        emit({"bank": bank, "name": name, "changed": changed})
        return 0
    said = (f"{bank} is shown as {name}" if name is not None else f"{bank} is shown by its id")
    print(said + ("" if changed else " already; nothing changed"))
    if bank not in consented | officers:
        print(f"note: no firm consents to {bank} and no credit officer works for it; check its spelling "
              "(a bank spelled two ways is two banks)", file=sys.stderr)
    return 0


def cmd_banks_list(args: argparse.Namespace, settings: Settings) -> int:
    """Every bank the data knows (consents, officers) or that has a name, with its name."""
    with opened(settings) as store:
        names = store.bank_names()
        consented, officers = known_banks(store)
    banks = sorted(set(names) | consented | officers)
    if args.json:
        emit({"data": [{"bank": b, "name": names.get(b)} for b in banks]})
        return 0
    for b in banks:
        print(f"{b:<24} {names.get(b, '(no name: shown by its id)')}")
    print(f"({len(banks)} banks)")
    return 0


def cmd_audit_list(args: argparse.Namespace, settings: Settings) -> int:
    if not 1 <= args.limit <= 10_000 or args.offset < 0:
        raise InputError("limit is 1–10000 and offset 0 or more")
    since = day_bound_utc(args.since) if args.since else None
    until = day_bound_utc(args.until, 1) if args.until else None
    if since and until and since >= until:
        raise InputError(f"--since {args.since} is not before --until {args.until}")
    with opened(settings) as store:
        entries, total = store.audit_log(args.user, args.firm, since, args.action, args.limit, args.offset,
                                         until=until)
    if args.json:
        emit({"data": [asdict(e) for e in entries], "count": total})
        return 0
    for e in entries:
        who = e.user + (f" ({e.role}, {e.bank})" if e.bank else f" ({e.role})")
        print(f"{_japan_time(e.at)}  {who:<32} {e.action:<16} {e.firm_id or '-':<12} {e.outcome:<9} {e.detail}")
    print(f"({len(entries)} of {total}, newest first; times in Japan, JST; --json gives them in UTC)")
    return 0


def _japan_time(at: str) -> str:
    """An audit entry's time (UTC ISO) as a time in Japan, where the days of ``--since`` and ``--until`` are."""
    try:
        return dt.datetime.fromisoformat(at).astimezone(ZoneInfo("Asia/Tokyo")).strftime("%Y-%m-%d %H:%M:%S")
    except ValueError:
        return at[:19]


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The ``users``, ``consent``, ``banks`` and ``audit`` commands."""
    s = sub.add_parser("users", help="users of the API and web UI: add, import, list, disable, enable, token, password, bank")
    us = s.add_subparsers(dest="users_command", required=True, metavar="ACTION")
    u = us.add_parser("add", help="add a user (active, without token or password)")
    u.add_argument("name", help="user name: letters, digits, _ . @ -")
    u.add_argument("--role", required=True, choices=[r.value for r in Role],
                   help="admin: what an analyst does, and users, consent, the audit log; analyst: every "
                        "client, loads and their rollbacks, name review, alerts; credit_officer: one "
                        "bank's consenting firms; researcher: aggregates only")
    u.add_argument("--bank", help="the bank of a credit officer (code or name, as in the firm master)")
    u.add_argument("--password-stdin", action="store_true",
                   help="also set the web UI password, read from the first line of stdin (the user is asked to "
                        "choose their own at the first sign-in, since you know this one; see --own-password)")
    u.add_argument("--own-password", action="store_true",
                   help="the password is the user's own (typed by them): no change is asked at the first sign-in")
    u.add_argument("--json", action="store_true")
    u.set_defaults(func=cmd_users_add)
    u = us.add_parser("import", help="add the users of a CSV file (name,role,bank,password); "
                                     "existing users are left as they are")
    u.add_argument("file", type=Path, help="UTF-8 CSV with a header line; bank and password may be empty "
                                           "(a password here is the web UI password: keep the file private; "
                                           "each user is asked to choose their own at the first sign-in)")
    u.add_argument("--own-passwords", action="store_true",
                   help="the file's passwords are the users' own: no change is asked at the first sign-in")
    u.add_argument("--json", action="store_true")
    u.set_defaults(func=cmd_users_import)
    u = us.add_parser("list", help="every user (never a token or password)")
    u.add_argument("--json", action="store_true")
    u.set_defaults(func=cmd_users_list)
    for action, func, text in (("disable", cmd_users_disable, "refuse a user's token and password"),
                               ("enable", cmd_users_enable, "accept a disabled user again")):
        u = us.add_parser(action, help=text)
        u.add_argument("name", help="user name")
        u.add_argument("--json", action="store_true")
        u.set_defaults(func=func)
    u = us.add_parser("token", help="issue (or rotate) a user's API token; printed once on stdout")
    u.add_argument("name", help="user name")
    u.add_argument("--create-as", choices=("admin", "analyst", "researcher"), default=None,
                   help="create the user with this role first if it does not exist (one call for scripts)")
    u.add_argument("--json", action="store_true")
    u.set_defaults(func=cmd_users_token)
    u = us.add_parser("password", help="set a user's password for the web UI (prompted, or from stdin)")
    u.add_argument("name", help="user name")
    u.add_argument("--stdin", action="store_true", help="read the password from stdin even on a terminal")
    u.add_argument("--own-password", action="store_true",
                   help="the password is the user's own (typed by them): they are not asked to change it at "
                        "their next sign-in, as they are for a password you give them")
    u.add_argument("--json", action="store_true")
    u.set_defaults(func=cmd_users_password)
    u = us.add_parser("bank", help="move a credit officer to another bank (typed wrong when added, or a move)")
    u.add_argument("name", help="user name of a credit officer")
    u.add_argument("bank", help="the bank's id as the firm master writes it, or the name it is shown by")
    u.add_argument("--json", action="store_true")
    u.set_defaults(func=cmd_users_bank)

    s = sub.add_parser("consent", help="which banks a firm shares its data with: grant, revoke, list")
    cs = s.add_subparsers(dest="consent_command", required=True, metavar="ACTION")
    for action, func, text in (("grant", cmd_consent_grant, "the firm consents to share with the bank"),
                               ("revoke", cmd_consent_revoke, "the firm withdraws its consent")):
        c = cs.add_parser(action, help=text)
        c.add_argument("firm", help="firm id")
        c.add_argument("bank", help="bank code or name (as in the firm master's consented_banks)")
        c.add_argument("--no-render", action="store_true",
                       help="do not render the bank's officers' answers again (until the next load they are "
                            "computed on each request; a server renders them after a change made through it)")
        c.add_argument("--json", action="store_true")
        c.set_defaults(func=func)
    c = cs.add_parser("list", help="current consent (of one firm: with its history)")
    c.add_argument("firm", nargs="?", help="firm id (default: every firm with a consent)")
    c.add_argument("--json", action="store_true")
    c.set_defaults(func=cmd_consent_list)

    s = sub.add_parser("banks", help="banks' names, as pages and the credit memo show them: name, list")
    bs = s.add_subparsers(dest="banks_command", required=True, metavar="ACTION")
    b = bs.add_parser("name", help="name a bank (bank:sanin → 山陰合同銀行); its id stays what consent and "
                                   "users write")
    b.add_argument("bank", help="bank id, as the firm master's consented_banks writes it")
    b.add_argument("name", nargs="?", help="the bank's name as its officers and credit committee write it")
    b.add_argument("--clear", action="store_true", help="remove the name: the bank is shown by its id again")
    b.add_argument("--json", action="store_true")
    b.set_defaults(func=cmd_banks_name)
    b = bs.add_parser("list", help="every bank with its name")
    b.add_argument("--json", action="store_true")
    b.set_defaults(func=cmd_banks_list)

    s = sub.add_parser("audit", help="the audit log (append-only)")
    aus = s.add_subparsers(dest="audit_command", required=True, metavar="ACTION")
    a = aus.add_parser("list", help="entries, newest first")
    a.add_argument("--user", help="only this user's")
    a.add_argument("--firm", help="only about this firm")
    a.add_argument("--action", help="only this action (firm.ego, load, consent.grant, auth.token …)")
    a.add_argument("--since", help="from this day on (YYYY-MM-DD, a day in Japan, as the audit page reads it), "
                                   "or an ISO date-time (UTC unless it has a zone)")
    a.add_argument("--until", help="up to this day, included (YYYY-MM-DD, a day in Japan), or up to an ISO date-time")
    a.add_argument("--limit", type=int, default=100, help="entries per page")
    a.add_argument("--offset", type=int, default=0, help="entries to skip (paging)")
    a.add_argument("--json", action="store_true")
    a.set_defaults(func=cmd_audit_list)
