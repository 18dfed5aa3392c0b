"""The menu of the web UI: which pages each role may open, and role names."""

from __future__ import annotations

from queries.access import Role

__all__ = ["nav_items", "role_label"]

_ROLE_LABELS = {Role.ADMIN: "Administrator", Role.ANALYST: "BPO analyst",
                Role.CREDIT_OFFICER: "Credit officer", Role.RESEARCHER: "Researcher"}


def nav_items(role: Role | str) -> list[tuple[str, str]]:
    """(path, English label, translated by the template) of the pages
    ``role`` may open, in menu order. The pages check the role themselves;
    this only decides what the menu offers."""
    role = Role(role)
    # a researcher gets aggregates only: the search would never find a firm for them
    items = [] if role is Role.RESEARCHER else [("/ui/", "Firm search")]
    if role in (Role.ADMIN, Role.ANALYST):
        items += [("/ui/portfolio", "Portfolio"), ("/ui/alerts", "Alerts"), ("/ui/review", "Name review"),
                  ("/ui/loads", "Loads")]
    if role in (Role.ADMIN, Role.RESEARCHER):
        items.append(("/ui/export", "Export"))
    if role is Role.ADMIN:
        items += [("/ui/admin/users", "Users"), ("/ui/admin/consent", "Consent"), ("/ui/admin/audit", "Audit log")]
    return items


def role_label(role: Role | str) -> str:
    """The role's English name (translated by the template)."""
    return _ROLE_LABELS[Role(role)]
