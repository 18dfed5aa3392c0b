"""What the audit log's action codes and outcomes mean, for the admin's
page of the log (English here, translated by the page's catalog).

The codes stay as the log writes them (``firm.ego``, ``consent.grant``):
they are what ``torihiki audit list --action`` and ``GET /admin/audit``
filter by, so the page shows both. A code without a label here (a newer
one) is shown as it is.
"""

from __future__ import annotations

import re

from api.web.i18n import N_, KnownForms, Locale, known_forms
from api.web.nav import role_label
from queries.access import Role

__all__ = ["ACTIONS", "DETAILS", "GROUPS", "action_label", "detail_text", "outcome_label"]

ACTIONS: dict[str, str] = {
    "auth.login": "Sign-in",
    "auth.token": "API token check",
    "auth.logout": "Sign-out",
    "user.add": "User added",
    "user.disable": "User disabled",
    "user.enable": "User enabled",
    "user.password": "Password set",
    "user.bank": "Credit officer's bank changed",
    "user.token": "API token issued",
    "consent.grant": "Consent granted",
    "consent.revoke": "Consent revoked",
    "consent.list": "Consent listed",
    "bank.name": "Bank named",
    "audit.list": "Audit log read",
    "firm.search": "Firm search",
    "firm.get": "Firm read",
    "firm.ego": "Trading network read",
    "firm.view": "Network view",
    "firm.trend": "Trend read",
    "firm.figures": "Figures read",
    "firm.peers": "Peer comparison read",
    "firm.whatif": "Impact estimate",
    "firm.report": "Credit-memo supplement",
    "ui.search": "Firm search (page)",
    "ui.firm": "Firm page",
    "ui.firm.whatif": "Impact estimate (page)",
    "ui.portfolio": "Portfolio page",
    "ui.alerts": "Alerts page",
    "ui.alert": "Alert page",
    "ui.review": "Name review page",
    "ui.page": "Page refused",
    "alerts.list": "Alerts read",
    "alert.ack": "Alert acknowledged",
    "alert.reopen": "Alert reopened",
    "review.accept": "Name merged",
    "review.reject": "Name kept apart",
    "review.undo": "Merge undone",
    "load": "Ledger loaded",
    "batch.rollback": "Load rolled back",
    "refresh": "Recomputation",
    "export": "Data export (a file)",  # the research export, the portfolio CSV, torihiki score's table: the detail says
    "analytics.reconcile": "Stored results reconciled",
    "cli.act_as": "Command run as another user",
}
"""Action code → what it records, in English (the page translates it)."""

GROUPS: dict[str, tuple[str, tuple[str, ...]]] = {
    "reads": ("Reads of firm data", ("firm.", "ui.firm", "ui.search", "ui.portfolio", "ui.alert", "alerts.list",
                                     "export")),
    "signin": ("Sign-ins and sign-outs", ("auth.",)),
    "loads": ("Loads and rollbacks", ("load", "batch.", "refresh")),
    "consent": ("Consent", ("consent.", "bank.")),
    "users": ("Users and passwords", ("user.", "cli.act_as")),
    "review": ("Name review", ("review.", "ui.review")),
    "alerts": ("Alert decisions", ("alert.",)),
    "audit": ("Reads of this log", ("audit.",)),
}
"""What the audit page can narrow the log to: key → (label, the action prefixes it takes)."""

_OUTCOMES = {"ok": "done", "denied": "refused", "invalid": "invalid request", "not_found": "not found",
             "unchanged": "nothing changed", "error": "error", "failed": "failed"}


def action_label(code: str) -> str:
    """What ``code`` records (English, to be translated), or the code itself."""
    return ACTIONS.get(code, code)


def outcome_label(outcome: str) -> str:
    """An outcome in words (English, to be translated), or as written."""
    return _OUTCOMES.get(outcome, outcome)


_ID = r"[^\s:()]+"
DETAILS: KnownForms = known_forms(
    # why a sign-in or a token was refused (api.identity.check_password, check_token_read), nested below
    (r"wrong password", N_("wrong password")),
    (r"unknown user", N_("unknown user")),
    (r"user disabled", N_("user disabled")),
    (r"unknown token", N_("unknown token")),
    (r"malformed token", N_("malformed token")),
    (r"wrong token secret", N_("wrong token secret")),
    (r"from (?P<addr>\S+)", N_("from %(addr)s")),
    (r"(?P<why>[a-z ]+) from (?P<addr>\S+)", N_("%(why)s, from %(addr)s"), ("why",)),
    # users (api.identity; a user added: detail_text, which names the role as the pages do)
    (rf"(?P<name>{_ID}) \(given: to be changed at the next sign-in\)",
     N_("%(name)s (a given password: to be changed at the next sign-in)")),
    (rf"(?P<name>{_ID}): token (?P<token>{_ID}) issued", N_("%(name)s: token %(token)s issued")),
    (rf"(?P<name>{_ID}): too many wrong passwords from (?P<addr>\S+)",
     N_("%(name)s: too many wrong passwords, from %(addr)s")),
    (rf"(?P<name>{_ID}): current password wrong", N_("%(name)s: the current password was wrong")),
    # reads
    (r"(?P<n>\d+) found", N_("%(n)s found")),
    (r"bank=(?P<bank>\S+) (?P<n>\d+) of (?P<total>\d+) firms \(page (?P<page>\d+)\)",
     N_("bank %(bank)s: %(n)s of %(total)s firms (page %(page)s)")),
    (r"portfolio CSV in the web UI: (?P<n>\d+) clients; sort (?P<sort>\S+); filters none",
     N_("portfolio CSV in the web UI: %(n)s clients; sorted by %(sort)s; no filters")),
    (r"portfolio CSV in the web UI: (?P<n>\d+) clients; sort (?P<sort>\S+); filters (?P<filters>.*)",
     N_("portfolio CSV in the web UI: %(n)s clients; sorted by %(sort)s; filters %(filters)s")),
    (r"research export: no trade in the window", N_("research export: no trade in the months chosen")),
    (r"research export \((?P<fmt>\w+), (?P<first>[\d-]+)–(?P<last>[\d-]+)\) in the web UI: (?P<n>\d+) firms "
     r"pseudonymised; data version (?P<version>\d+); zip sha256 (?P<sha>\w+)",
     N_("research export (%(fmt)s, %(first)s to %(last)s) in the web UI: %(n)s firms under pseudonyms; data "
        "version %(version)s; zip SHA-256 %(sha)s")),
    (r"user=(?P<user>\S+) action=(?P<action>\S+) since=(?P<since>\S+) until=(?P<until>\S+)",
     N_("filters: user %(user)s, action %(action)s, days %(since)s to %(until)s (* any)")),
    (r"NotFound", N_("not found")),
    # loads
    (rf"(?P<batch>{_ID}): (?P<trades>\d+) trades, (?P<payments>\d+) payments, (?P<unnamed>\d+) unnamed, "
     rf"(?P<firms>\d+) firms, (?P<batches>\d+) batches; file (?P<file>.+)",
     N_("%(batch)s (%(file)s): %(trades)s trade, %(payments)s payment and %(unnamed)s unnamed series removed, "
        "%(firms)s firms only it named")),
    (r"from the loads page", N_("from the loads page")),
)
"""Audit details the admin's page of the log shows in its language: the
forms the code writes most (in English, for the CLI and the API, which show
them as written); a detail of another form is shown as written."""


_ADDED = re.compile(rf"(?P<name>{_ID}) as (?P<role>[a-z_]+)(?: of bank (?P<bank>\S+))?")
"""A user added (``api.identity.add_user``): the role is named as the pages name it."""


def detail_text(detail: str, loc: Locale) -> str:
    """An audit entry's detail in ``loc``'s language when it has one of :data:`DETAILS`
    (or is a user added: :data:`_ADDED`)."""
    if (m := _ADDED.fullmatch(detail)) is not None and m["role"] in {r.value for r in Role}:
        values = {"name": m["name"], "role": loc.gettext(role_label(m["role"])), "bank": m["bank"]}
        message = N_("%(name)s, as %(role)s of bank %(bank)s") if m["bank"] else N_("%(name)s, as %(role)s")
        return loc.gettext(message) % values
    return loc.known(detail, DETAILS)
