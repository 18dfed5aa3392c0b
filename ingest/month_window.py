"""The months a load takes of a file (``torihiki ingest --months``, the upload
form's months, ``POST /ingest``'s ``months``).

Why: a client's ledger records are summed month by month over its files, so
a bank statement loaded beside a journal booked from it counts the same
settlements twice; taken only for the months the journal lacks, it adds
what is missing and nothing twice. The months are part of what reads a file
(its load's identity): the same file for other months is another load.
"""

from __future__ import annotations

import re

__all__ = ["MonthWindow", "parse_window", "window_text", "in_window"]

MonthWindow = tuple[str | None, str | None]
"""First and last month (``YYYY-MM``) of a load, ``None`` for an open end."""


def window_text(window: MonthWindow) -> str:
    """``2025-10..2026-03``, ``2025-10..`` or ``..2026-03``."""
    return f"{window[0] or ''}..{window[1] or ''}"


def parse_window(text: str) -> MonthWindow:
    """A month window from ``FIRST..LAST`` (either side may be left out) or
    one month; raises :class:`ValueError` with a one-line reason.

    >>> parse_window("2025-10..2026-03"), parse_window("2025-10.."), parse_window("2025-07")
    (('2025-10', '2026-03'), ('2025-10', None), ('2025-07', '2025-07'))
    """
    first, sep, last = text.strip().partition("..")
    if not sep:
        last = first
    window = (first.strip() or None, last.strip() or None)
    for month in window:
        if month is not None and not _MONTH_TEXT.fullmatch(month):
            raise ValueError(f"{month!r} is not a month (YYYY-MM)")
    if window == (None, None):
        raise ValueError("give a first month, a last month or both (YYYY-MM..YYYY-MM)")
    if window[0] is not None and window[1] is not None and window[0] > window[1]:
        raise ValueError(f"the first month {window[0]} is after the last {window[1]}")
    return window


_MONTH_TEXT = re.compile(r"(19|20)\d\d-(0[1-9]|1[0-2])")


def in_window(month: str, window: MonthWindow) -> bool:
    """Whether ``month`` (``YYYY-MM``) is one the window takes."""
    return (window[0] is None or month >= window[0]) and (window[1] is None or month <= window[1])
