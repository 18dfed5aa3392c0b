"""The shapes of records that graph functions take (structural types).

Callers hand in anything with these attributes — ``queries.model.TradeEdge``
and ``PaymentRow``, pandas itertuples, test doubles — so that ``graph``
never depends on the stores.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from typing import Protocol

__all__ = ["MonthlyTrade", "CountedTrade", "ObservedTrade", "MonthlyPayment", "PairSeries", "window_slice"]


class MonthlyTrade(Protocol):
    """A monthly trade: seller → buyer in one month (``YYYY-MM``), amount in yen."""

    @property
    def seller(self) -> str: ...
    @property
    def buyer(self) -> str: ...
    @property
    def month(self) -> str: ...
    @property
    def amount(self) -> int: ...


class CountedTrade(MonthlyTrade, Protocol):
    """A monthly trade with the number of ledger lines behind it."""

    @property
    def lines(self) -> int: ...


class ObservedTrade(MonthlyTrade, Protocol):
    """A monthly trade as one client's ledger (``observer``) recorded it."""

    @property
    def observer(self) -> str: ...


class MonthlyPayment(Protocol):
    """Cash from ``payer`` to ``payee`` in one month, amount in yen."""

    @property
    def payer(self) -> str: ...
    @property
    def payee(self) -> str: ...
    @property
    def month(self) -> str: ...
    @property
    def amount(self) -> int: ...


class PairSeries(Protocol):
    """Trade seller → buyer over many months: parallel tuples sorted by
    month (``YYYY-MM``), yen and ledger lines (``queries.series.PairTrade``)."""

    @property
    def seller(self) -> str: ...
    @property
    def buyer(self) -> str: ...
    @property
    def months(self) -> tuple[str, ...]: ...
    @property
    def amounts(self) -> tuple[int, ...]: ...
    @property
    def lines(self) -> tuple[int, ...]: ...


def window_slice(months: Sequence[str], start: str | None, end: str | None) -> tuple[int, int]:
    """``(i, j)``: the months of a month-sorted series (``YYYY-MM``) inside
    the inclusive window are ``months[i:j]`` (empty when ``i >= j``), found
    by bisection; the parallel values slice alike.

    >>> window_slice(("2024-03", "2024-04", "2024-06"), "2024-04", "2024-05")
    (1, 2)
    """
    i = 0 if start is None else bisect_left(months, start)
    j = len(months) if end is None else bisect_right(months, end)
    return i, j
