"""Errors every layer may raise about its caller's input.

:class:`InputError` says "the request (or command) asked for something that
cannot be answered as asked" — a reversed month window, a firm that is no
BPO client where only clients compare, no data loaded yet. The API answers
it with 422 and its message; any other exception is a bug and answers 500
without details. It derives from :class:`ValueError` so that callers that
already catch ``ValueError`` (the CLI) keep working.

Messages name things in neutral words (``from``/``to``, not ``--from``), so
that the API and the CLI can both show them as they are.
"""

from __future__ import annotations

__all__ = ["InputError", "MonthWindowError", "check_month_window"]


class InputError(ValueError):
    """The caller's input cannot be answered as given (a 4xx, never a 500)."""


class MonthWindowError(InputError):
    """A month window whose start is after its end."""

    def __init__(self, month_from: str, month_to: str) -> None:
        self.month_from = month_from
        self.month_to = month_to
        super().__init__(f"the window starts after it ends: from {month_from} is after to {month_to}")


def check_month_window(month_from: str | None, month_to: str | None) -> None:
    """Raise :class:`MonthWindowError` when ``month_from`` is after ``month_to``
    (``YYYY-MM`` strings; either may be open)."""
    if month_from and month_to and month_from > month_to:
        raise MonthWindowError(month_from, month_to)
