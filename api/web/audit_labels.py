"""What the audit log's action codes and outcomes mean, for the admin's
page of the log (English here, translated by the page's catalog).

The codes stay as the log writes them (``firm.ego``, ``consent.grant``):
they are what ``torihiki audit list --action`` and ``GET /admin/audit``
filter by, so the page shows both. A code without a label here (a newer
one) is shown as it is.
"""

from __future__ import annotations

__all__ = ["ACTIONS", "GROUPS", "action_label", "outcome_label"]

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
