"""``torihiki report FIRM_ID --lang ja --out memo.pdf``: the credit-memo supplement.

The same page as ``GET /firms/{id}/report`` (:mod:`api.web.memo`), written
to a PDF or HTML file. It is rendered as the operator, who sees everything,
or with ``--as USER`` in that user's scope (a credit officer's memo shows
what their bank may see: consenting firms, partners under pseudonyms).
The read is audited by :func:`api.cli.main` (``firm.report``).
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path

from api.commands.common import opened
from api.settings import Settings
from queries.scoped import AccessDenied, ScopedStore

__all__ = ["cmd_report", "add_parser"]

_KINDS = {".pdf": "pdf", ".html": "html", ".htm": "html"}


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register ``report`` with the CLI's subcommands."""
    s = sub.add_parser("report", help="the credit-memo supplement of a firm (trading partners, 商流) "
                                      "as PDF or HTML")
    s.add_argument("firm_id", help="firm id (see `firms search`)")
    s.add_argument("--lang", choices=("ja", "en"), default="ja", help="language of the memo (default: ja)")
    s.add_argument("--out", required=True, help="file to write: FILE.pdf, or FILE.html for the page")
    s.add_argument("--as", dest="as_user", metavar="USER",
                   help="render in this user's scope (a credit officer sees what their bank may see); "
                        "default: the operator, who sees every firm")
    s.set_defaults(func=cmd_report)


def cmd_report(args: argparse.Namespace, settings: Settings) -> int:
    from api.bank_names import bank_label
    from api.commands.users import cli_principal
    from api.identity import principal_of
    from api.portfolio import SnapshotCache
    from api.web.memo import NoJapaneseFont, memo_html, memo_pdf

    out = Path(args.out)
    kind = _KINDS.get(out.suffix.lower())
    if kind is None:
        raise ValueError(f"--out {args.out}: the file must end in .pdf or .html")
    if out.is_dir():
        raise ValueError(f"--out {args.out}: is a folder, not a file")
    operator = cli_principal()
    now = datetime.now(UTC)
    with opened(settings) as store:
        if args.as_user:
            user = store.get_user(args.as_user)
            if user is None:
                raise ValueError(f"--as {args.as_user}: no such user (see `torihiki users list`)")
            if not user.active:
                raise ValueError(f"--as {args.as_user}: the user is disabled")
            principal = principal_of(user)
            bank = f" ({bank_label(store, user.bank)})" if user.bank else ""
            generated_by = f"{user.name}{bank}, via {operator.user}"
        else:
            principal = operator
            generated_by = operator.user
        try:
            scoped = ScopedStore(store, principal, focus=args.firm_id)  # hidden partners as its ledger names them
            html = memo_html(scoped, args.firm_id, args.lang, generated_by, now,
                             snapshots=SnapshotCache(), links=False)
        except AccessDenied:
            raise ValueError(f"--as {args.as_user}: the role {principal.role.value} receives aggregates "
                             "only, never a firm's memo") from None
    try:
        body = memo_pdf(html) if kind == "pdf" else html.encode("utf-8")
    except NoJapaneseFont as e:
        raise ValueError(f"--out {args.out}: {e.detail}; or write the memo as .html") from None
    out.write_bytes(body)
    print(f"memo of {args.firm_id} ({args.lang}, {kind}, {len(body):,} bytes) written to {out}")
    return 0
