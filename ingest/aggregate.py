"""Fold ledger lines into monthly series per counterparty spelling.

Lines are summed per (client, counterparty as written, direction) and month
while the file streams; counterparties are resolved once per distinct
spelling at the end, when everything the file says about them is known
(a 法人番号 on one line identifies the name-only lines too).

The sums become one :class:`~queries.series.Series` per (client, spelling,
direction) in the process that read the file (:meth:`MonthlyAggregator.freeze`),
so the process that resolves and writes only relabels them: once a spelling
has a firm, each series is exactly one observation (source, target,
observer, alias) — a spelling's sales and purchases are edges in opposite
directions and its settlements are payments.

Lines that name no counterparty (:class:`~ingest.records.UnnamedLine`) are
summed per (client, kind) — ``sales``, ``purchases``, ``receipts``,
``payments`` — into the client's own series (:meth:`MonthlyAggregator.own_rows`):
they count in its figures, not in the network. A settled sale (purchase) is
also a receipt (payment) of the same amount.

Memory is bounded by the number of distinct (counterparty, month) pairs in a
file, not by its number of lines: a multi-million-line ledger of a client
with a few hundred partners over two years folds into some thousands of values.
"""

from __future__ import annotations

from collections.abc import Mapping

from ingest.records import Counterparty, Direction, LedgerLine, UnnamedLine
from queries.series import ObservationKey, Series

__all__ = ["MonthlyAggregator", "edge_of", "OWN_KINDS"]

OWN_KINDS = ("sales", "purchases", "receipts", "payments")
"""Kinds of a client's own (unnamed) series, as :meth:`MonthlyAggregator.own_rows` names them."""
_KIND = {Direction.SALE: "sales", Direction.PURCHASE: "purchases", Direction.RECEIPT: "receipts",
         Direction.PAYMENT: "payments"}
_SETTLES = {Direction.SALE: "receipts", Direction.PURCHASE: "payments"}

_Key = tuple[str, Counterparty, Direction]  # client, counterparty as written, direction


def edge_of(direction: Direction, client_id: str, counterparty_id: str) -> tuple[str, str]:
    """(source, target) of a line: seller → buyer for trade, payer → payee
    for settlements."""
    if direction is Direction.SALE or direction is Direction.PAYMENT:
        return client_id, counterparty_id
    return counterparty_id, client_id


class MonthlyAggregator:
    """Sums amounts (yen) and line counts per counterparty spelling, direction and month."""

    def __init__(self) -> None:
        self._sums: dict[_Key, dict[str, list[int]]] = {}  # month -> [yen, lines]
        self._first: dict[tuple[str, Counterparty], int] = {}  # first line of each spelling
        self._series: dict[_Key, Series] | None = None
        self._size = 0  # monthly values held
        self._months: dict[object, str] = {}  # date -> YYYY-MM (a ledger repeats its dates)
        self._own: dict[tuple[str, str], dict[str, list[int]]] = {}  # (client, kind) -> month -> [yen, lines]
        self._own_series: dict[tuple[str, str], Series] | None = None

    def __getstate__(self) -> dict[str, object]:
        """What a parsed file sends back from its worker: the sums, not the
        date cache (it only speeds up :meth:`add`)."""
        state = dict(self.__dict__)
        state["_months"] = {}
        return state

    def add(self, line: LedgerLine, client_id: str) -> None:
        key = (client_id, line.counterparty, line.direction)
        months = self._sums.get(key)
        if months is None:
            months = self._sums[key] = {}
            self._first.setdefault((client_id, line.counterparty), line.line)
        month = self._months.get(line.date)
        if month is None:
            month = self._months[line.date] = line.month
        acc = months.get(month)
        if acc is None:
            months[month] = [line.amount, 1]
            self._size += 1
        else:
            acc[0] += line.amount
            acc[1] += 1

    def add_unnamed(self, line: UnnamedLine, client_id: str) -> None:
        """Add a line without a counterparty to the client's own series (a
        settled sale or purchase also as a receipt or payment)."""
        month = line.month
        kinds = [_KIND[line.direction]]
        if line.settled and line.direction in _SETTLES:
            kinds.append(_SETTLES[line.direction])
        for kind in kinds:
            months = self._own.setdefault((client_id, kind), {})
            acc = months.get(month)
            if acc is None:
                months[month] = [line.amount, 1]
                self._size += 1
            else:
                acc[0] += line.amount
                acc[1] += 1

    def freeze(self) -> MonthlyAggregator:
        """Turn the sums into series (adding is over); returns ``self``."""
        self._series = {k: Series.from_map(v) for k, v in self._sums.items()}
        self._sums = {}
        self._own_series = {k: Series.from_map(v) for k, v in self._own.items()}
        self._own = {}
        return self

    def own_rows(self) -> list[tuple[tuple[str, str], Series]]:
        """The clients' own series of lines without a counterparty, keyed by
        (client, kind) with kind one of :data:`OWN_KINDS`, sorted by key."""
        if self._own_series is None:
            self.freeze()
        assert self._own_series is not None
        return sorted(self._own_series.items())

    def _frozen(self) -> dict[_Key, Series]:
        if self._series is None:
            self.freeze()
        assert self._series is not None
        return self._series

    def __len__(self) -> int:
        """Monthly values held: about the rows it will write."""
        return self._size

    def counterparties(self) -> set[tuple[str, Counterparty]]:
        """Distinct (client, counterparty as written) pairs seen."""
        return set(self._first)

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
        trades: dict[ObservationKey, Series] = {}
        payments: dict[ObservationKey, Series] = {}
        selfies: dict[Counterparty, list[int]] = {}
        sale, payment, purchase = Direction.SALE, Direction.PAYMENT, Direction.PURCHASE
        for (client, cp, direction), series in self._frozen().items():
            firm, alias = firm_of[(client, cp)]
            if firm == client:
                acc = selfies.setdefault(cp, [self._first[(client, cp)], 0])
                acc[1] += series.n_lines
                continue
            # as edge_of(), inlined: this loop runs once per spelling and direction
            outgoing = direction is sale or direction is payment
            key = (client, firm, client, alias) if outgoing else (firm, client, client, alias)
            target = trades if (direction is sale or direction is purchase) else payments
            target[key] = _add(target[key], series) if key in target else series
        return (sorted(trades.items()), sorted(payments.items()),
                [(cp, first, n) for cp, (first, n) in selfies.items()])


def _add(a: Series, b: Series) -> Series:
    """Two series of one observation summed month by month (two spellings
    that share an alias key; not expected, but never lose a line)."""
    acc: dict[str, list[int]] = {}
    for s in (a, b):
        for m, yen, n in zip(s.months, s.amounts, s.lines, strict=True):
            cell = acc.setdefault(m, [0, 0])
            cell[0] += yen
            cell[1] += n
    return Series.from_map(acc)
