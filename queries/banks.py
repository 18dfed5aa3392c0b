"""Banks' names: what a bank id such as ``bank:sanin`` (the firm master's
consent column, a credit officer's bank) is called on pages and in the
credit memo (山陰合同銀行), set by an administrator. Reference data, like
users: setting one does not change the data version (no analytic rests on
a name). A bank without a name is shown by its id."""

from __future__ import annotations

import re

__all__ = ["MAX_BANK_NAME_CHARS", "bank_name_problem"]

MAX_BANK_NAME_CHARS = 100
"""Longest bank name kept (characters); registered bank names are far shorter."""

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def bank_name_problem(name: str) -> str | None:
    """Why ``name`` cannot be a bank's name (empty, too long, control or
    invisible characters), or ``None``."""
    if not name.strip():
        return "a bank's name may not be empty"
    if len(name) > MAX_BANK_NAME_CHARS:
        return f"a bank's name may hold at most {MAX_BANK_NAME_CHARS} characters"
    if _CONTROL.search(name):
        return "a bank's name may not hold control or invisible characters"
    return None
