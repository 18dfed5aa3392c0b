"""Fold ledger lines into monthly trade and payment rows.

Lines are summed per (client, counterparty as written, direction, month)
while the file streams; counterparties are resolved once per distinct
spelling at the end, when everything the file says about them is known
(a 法人番号 on one line identifies the name-only lines too).

Memory is bounded by the number of distinct (counterparty, month) pairs in a
file, not by its number of lines: a multi-million-line ledger of a client
with a few hundred partners over two years folds into some thousands of rows.
"""

from __future__ import annotations

from collections.abc import Mapping

from ingest.records import Counterparty, Direction, LedgerLine
from queries.series import ObservationKey, Series

__all__ = ["MonthlyAggregator", "edge_of"]

_Key = tuple[str, Counterparty, Direction, str]  # client, counterparty, direction, month


def edge_of(direction: Direction, client_id: str, counterparty_id: str) -> tuple[str, str]:
    """(source, target) of a line: seller → buyer for trade, payer → payee
    for settlements."""
    if direction is Direction.SALE or direction is Direction.PAYMENT:
        return client_id, counterparty_id
    return counterparty_id, client_id


class MonthlyAggregator:
    """Sums amounts (yen) and line counts per counterparty spelling and month."""

    def __init__(self) -> None:
        # [yen, lines, first line number]
        self._sums: dict[_Key, list[int]] = {}
        self._pairs: set[tuple[str, Counterparty]] | None = None  # computed once adding is over

    def add(self, line: LedgerLine, client_id: str) -> None:
        self._pairs = None
        key = (client_id, line.counterparty, line.direction, line.month)
        acc = self._sums.get(key)
        if acc is None:
            self._sums[key] = [line.amount, 1, line.line]
        else:
            acc[0] += line.amount
            acc[1] += 1

    def __len__(self) -> int:
        """Distinct (client, spelling, direction, month) sums: about the rows it will write."""
        return len(self._sums)

    def counterparties(self) -> set[tuple[str, Counterparty]]:
        """Distinct (client, counterparty as written) pairs seen."""
        if self._pairs is None:
            self._pairs = {(k[0], k[1]) for k in self._sums}
        return self._pairs

    def rows(
        self, firm_of: Mapping[tuple[str, Counterparty], tuple[str, str]]
    ) -> tuple[list[tuple[ObservationKey, Series]], list[tuple[ObservationKey, Series]],
               list[tuple[Counterparty, int, int]]]:
        """Observations once each counterparty has a (firm id, alias key):
        trade and payment series keyed by (source, target, observer, alias),
        sorted by key. They keep the spelling (alias) they came from, so that
        a merge can be undone.

        The third list holds counterparties that resolved to the client
        itself, as (counterparty, first line, number of lines): not trade.
        """
        trades: dict[ObservationKey, dict[str, list[int]]] = {}
        payments: dict[ObservationKey, dict[str, list[int]]] = {}
        selfies: dict[Counterparty, list[int]] = {}
        for (client, cp, direction, month), (amount, lines, first) in self._sums.items():
            firm, alias = firm_of[(client, cp)]
            if firm == client:
                acc_self = selfies.setdefault(cp, [first, 0])
                acc_self[0] = min(acc_self[0], first)
                acc_self[1] += lines
                continue
            src, dst = edge_of(direction, client, firm)
            series = (trades if direction.is_trade else payments).setdefault((src, dst, client, alias), {})
            cell = series.get(month)
            if cell is None:
                series[month] = [amount, lines]
            else:
                cell[0] += amount
                cell[1] += lines
        return (
            sorted((k, Series.from_map(v)) for k, v in trades.items()),
            sorted((k, Series.from_map(v)) for k, v in payments.items()),
            [(cp, first, n) for cp, (first, n) in selfies.items()],
        )
