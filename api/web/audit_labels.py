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

__all__ = ["ACTIONS", "DETAILS", "ERRORS", "GROUPS", "action_label", "detail_text", "outcome_label"]

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
    (r"research export \((?P<fmt>\w+), (?P<first>[\d-]+)–(?P<last>[\d-]+)\) through the API: (?P<n>\d+) firms "
     r"pseudonymised; data version (?P<version>\d+); zip sha256 (?P<sha>\w+)",
     N_("research export (%(fmt)s, %(first)s to %(last)s) through the API: %(n)s firms under pseudonyms; data "
        "version %(version)s; zip SHA-256 %(sha)s")),
    (r"research export through the API: no trade in the window",
     N_("research export through the API: no trade in the months chosen")),
    (r"research export \((?P<fmt>\w+), (?P<first>[\d-]+)–(?P<last>[\d-]+), for (?P<to>[^)]+)\): (?P<n>\d+) firms "
     r"pseudonymised; data version (?P<version>\d+); (?P<files>.+)",
     N_("research export (%(fmt)s, %(first)s to %(last)s, for %(to)s) by command: %(n)s firms under pseudonyms; "
        "data version %(version)s; %(files)s")),
    (r"research export \((?P<fmt>\w+), (?P<first>[\d-]+)–(?P<last>[\d-]+)\): (?P<n>\d+) firms "
     r"pseudonymised; data version (?P<version>\d+); (?P<files>.+)",
     N_("research export (%(fmt)s, %(first)s to %(last)s) by command: %(n)s firms under pseudonyms; "
        "data version %(version)s; %(files)s")),
    (r"kind=(?P<kind>\S+) since=(?P<since>\S+)", N_("filters: kind %(kind)s, from %(since)s")),
    (r"kind=(?P<kind>\S+) since=", N_("filters: kind %(kind)s")),
    (r"kind= since=(?P<since>\S+)", N_("filters: from %(since)s")),
    (r"kind= since=", N_("no filters")),
    # loads
    (rf"(?P<batch>{_ID}): (?P<trades>\d+) trades, (?P<payments>\d+) payments, (?P<unnamed>\d+) unnamed, "
     rf"(?P<firms>\d+) firms, (?P<batches>\d+) batches; file (?P<file>.+)",
     N_("%(batch)s (%(file)s): %(trades)s trade, %(payments)s payment and %(unnamed)s unnamed series removed, "
        "%(firms)s firms only it named")),
    (r"from the loads page", N_("from the loads page")),
    (r"upload (?P<file>.+): batch (?P<batch>\S+) loaded", N_("upload %(file)s: loaded as load %(batch)s")),
    (r"upload (?P<file>.+): batch (?P<batch>\S+) resumed",
     N_("upload %(file)s: load %(batch)s finished (begun by an interrupted load)")),
    (r"upload (?P<file>.+): batch (?P<batch>\S+) duplicate",
     N_("upload %(file)s: already loaded as load %(batch)s; nothing changed")),
    (r"upload (?P<file>[^:]+): (?P<why>.+)", N_("upload %(file)s refused: %(why)s")),
)
"""Audit details the admin's page of the log shows in its language: the
forms the code writes most (in English, for the CLI and the API, which show
them as written); a detail of another form is shown as written."""


ERRORS: KnownForms = known_forms(
    (r"NotFound", N_("not found")),
    (r"OutsideWindow", N_("outside the months of data")),
    (r"NotWithinTwoHops", N_("the partner is not within two hops")),
    (r"AccessDenied", N_("refused for the role")),
    (r"InputError|RequestValidationError|ValueError", N_("a value could not be read")),
    (r"StoreUnavailable", N_("the data store did not answer")),
    (r"Cancelled", N_("the client went away")),
)
"""A refused read's detail: the error's class (``api.audit.audited_read``).
Not applied to a user's entries, whose detail may be a user named so."""


_ADDED = re.compile(rf"(?P<name>{_ID}) as (?P<role>[a-z_]+)(?: of bank (?P<bank>\S+))?")
"""A user added (``api.identity.add_user``): the role is named as the pages name it."""


_RUN = re.compile(
    r"(?P<files>\d+) files \((?P<loaded>\d+) loaded(?:, of them (?P<resumed>\d+) begun by an interrupted load and "
    r"finished now)?, (?P<duplicates>\d+) already loaded, (?P<failed>\d+) failed\): (?P<rows>[\d,]+) rows loaded, "
    r"(?P<rejected>[\d,]+) rejected, (?P<skipped>[\d,]+) skipped, (?P<review>[\d,]+) spellings to review"
    r"(?:, (?P<cleaned>[\d,]+) names cleaned)?(?:; (?P<repeats>[\d,]+) files repeat months of another load)?"
    r"(?:; (?P<doubled>[\d,]+) clients have settlements in both a journal and a bank file)?"
    r"(?:; (?P<requesters>[\d,]+) 全銀 files name another 振込依頼人 than their client)?")
"""A run of ledger files (``api.commands.ingest.Totals.line``), as ``ingest``
and ``load`` write it in their entries; its optional parts are said when there."""
_RUN_PARTS = (
    ("resumed", N_("%(n)s of them begun by an interrupted load and finished now")),
    ("cleaned", N_("%(n)s names cleaned")),
    ("repeats", N_("%(n)s files repeat months of another load")),
    ("doubled", N_("%(n)s clients have settlements in both a journal and a bank file")),
    ("requesters", N_("%(n)s 全銀 files name another 振込依頼人 than their client")),
)
_KINDS = {"firms": N_("firm master"), "registry": N_("法人番号 registry"), "parameters": N_("management parameters")}
"""The reference files a delivery holds, as an import's entry names them."""
_IMPORT = re.compile(r"(?P<kind>firms|registry|parameters) import (?P<file>[^:]+): (?P<n>\d+) rows"
                     r"(?:, (?P<c>\d+) consent changes)?(?:, clients ended: (?P<ended>.+))?")
_INGEST = re.compile(r"ingest: (?P<run>.+)")
_LOAD = re.compile(r"load (?P<folder>[^:]+): (?P<parts>.+)")
_LOAD_PART = re.compile(r"(?P<kind>firms|registry|parameters): (?P<n>\d+) rows")


def _run_text(text: str, loc: Locale) -> str | None:
    """A run's summary (:data:`_RUN`) in ``loc``'s language, ``None`` for another text."""
    if (m := _RUN.fullmatch(text)) is None:
        return None
    out = loc.gettext(N_("%(files)s files (%(loaded)s loaded, %(duplicates)s already loaded, %(failed)s failed): "
                         "%(rows)s rows loaded, %(rejected)s rejected, %(skipped)s skipped, %(review)s spellings "
                         "to review")) % m.groupdict()
    extra = [loc.gettext(message) % {"n": m[group]} for group, message in _RUN_PARTS if m[group]]
    return out + "".join(loc.gettext(", ") + part for part in extra)


def detail_text(detail: str, loc: Locale, action: str = "") -> str:
    """An audit entry's detail in ``loc``'s language when it has one of :data:`DETAILS`
    (or is a user added: :data:`_ADDED`; a run of ledger files: :data:`_RUN`;
    outside ``user.*`` entries, an error's class: :data:`ERRORS`)."""
    if (m := _ADDED.fullmatch(detail)) is not None and m["role"] in {r.value for r in Role}:
        values = {"name": m["name"], "role": loc.gettext(role_label(m["role"])), "bank": m["bank"]}
        message = N_("%(name)s, as %(role)s of bank %(bank)s") if m["bank"] else N_("%(name)s, as %(role)s")
        return loc.gettext(message) % values
    if (m := _IMPORT.fullmatch(detail)) is not None:
        values = {**m.groupdict(), "kind": loc.gettext(_KINDS[m["kind"]])}
        shown = loc.gettext(N_("%(kind)s import %(file)s: %(n)s rows, %(c)s consent changes") if m["c"]
                            else N_("%(kind)s import %(file)s: %(n)s rows")) % values
        return shown + (loc.gettext(", ") + loc.gettext(N_("clients ended: %(ids)s")) % {"ids": m["ended"]}
                        if m["ended"] else "")
    if (m := _INGEST.fullmatch(detail)) is not None and (run := _run_text(m["run"], loc)) is not None:
        return loc.gettext(N_("ingest by command: %(run)s")) % {"run": run}
    if (m := _LOAD.fullmatch(detail)) is not None and (parts := _load_parts(m["parts"], loc)) is not None:
        return loc.gettext(N_("delivery %(folder)s loaded by command: %(parts)s")) % {
            "folder": m["folder"], "parts": loc.gettext(", ").join(parts)}
    if not action.startswith("user.") and (shown := loc.known(detail, ERRORS)) != detail:
        return shown
    return loc.known(detail, DETAILS)


def _load_parts(text: str, loc: Locale) -> list[str] | None:
    """The parts of a delivery's load (its reference files' rows, then its
    ledgers' run, which holds "; " itself) in ``loc``'s language; ``None``
    when one of them has another form."""
    refs, _, run = text.partition("ledgers: ")
    parts = []
    for part in filter(None, refs.removesuffix("; ").split("; ")):
        if (p := _LOAD_PART.fullmatch(part)) is None:
            return None
        parts.append(loc.gettext(N_("%(kind)s: %(n)s rows")) % {"kind": loc.gettext(_KINDS[p["kind"]]), "n": p["n"]})
    if run:
        if (shown := _run_text(run, loc)) is None:
            return None
        parts.append(loc.gettext(N_("ledgers: %(run)s")) % {"run": shown})
    return parts
