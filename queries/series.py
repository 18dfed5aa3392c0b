"""Monthly series of one trading pair, and the rules that fold them.

Both stores keep trade at *pair* level (see ``docs/data-model.md``):

* an **observation** is what one ingest batch (one file) of one client's
  ledger (``observer``) says about one pair seller → buyer, under one
  spelling of the counterparty (``alias``): a monthly series of yen and
  ledger lines;
* a **pair** is the merged view of every observation of seller → buyer:
  per month, the observations of one observer are summed over batches and
  spellings, then the largest observer's figure is kept (a flow seen in both
  clients' ledgers counts once), and the observers of that month listed;
* a firm's **totals** are its merged sales and purchases per month (yen),
  summed over its pairs, kept current by adding the change of each pair
  when it is rewritten (:func:`totals_delta`).

Everything here is pure: the stores read the rows, call these functions
and write the results in the same transaction.

Units: money in yen (int), months ``YYYY-MM``, lines are ledger lines.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from domain.pickling import pickled_as_fields
from queries.model import PaymentRow, TradeEdge, TradeRow

__all__ = [
    "Series", "ObservationKey", "PairTrade", "FirmTotals", "group_rows", "merge_pair",
    "totals_delta", "apply_delta", "expand_edges", "window", "join_observers", "split_observers",
    "ledger_totals_of",
]

OBSERVER_SEP = ";"


@pickled_as_fields
@dataclass(frozen=True, slots=True)
class Series:
    """Parallel monthly values, sorted by month: yen and ledger lines."""

    months: tuple[str, ...]
    amounts: tuple[int, ...]
    lines: tuple[int, ...]

    @property
    def amount(self) -> int:
        return sum(self.amounts)

    @property
    def n_lines(self) -> int:
        return sum(self.lines)

    @classmethod
    def from_map(cls, values: Mapping[str, Sequence[int]]) -> Series:
        """From ``{month: (yen, lines)}``."""
        months = tuple(sorted(values))
        return cls(months, tuple(int(values[m][0]) for m in months),
                   tuple(int(values[m][1]) for m in months))


ObservationKey = tuple[str, str, str, str]
"""(source, target, observer, alias): seller/buyer or payer/payee."""


@dataclass(frozen=True, slots=True)
class PairTrade:
    """Merged trade seller → buyer: one value per month (months in order), with its observers."""

    seller: str
    buyer: str
    months: tuple[str, ...]
    amounts: tuple[int, ...]
    lines: tuple[int, ...]
    observers: tuple[str, ...]  # per month: the ';'-joined clients whose ledgers show it

    @property
    def amount(self) -> int:
        return sum(self.amounts)

    @property
    def n_lines(self) -> int:
        return sum(self.lines)


@dataclass(frozen=True, slots=True)
class FirmTotals:
    """A firm's merged trade per month: sales (it sold) and purchases (it
    bought), yen. Months where both are zero are dropped."""

    firm: str
    months: tuple[str, ...] = ()
    sales: tuple[int, ...] = ()
    purchases: tuple[int, ...] = ()


def ledger_totals_of(client: str, sums: Mapping[str, Mapping[str, int]]) -> FirmTotals:
    """A client's own ledger's monthly sales and purchases (yen, every line)
    from its :func:`queries.observations.ledger_sums`, as :meth:`queries.store.Store.put_ledger_totals`
    keeps them: the months with either, in order."""
    sales, purchases = sums.get("sales", {}), sums.get("purchases", {})
    months = tuple(sorted(set(sales) | set(purchases)))
    return FirmTotals(client, months, tuple(sales.get(m, 0) for m in months),
                      tuple(purchases.get(m, 0) for m in months))


def window(month: str, month_from: str | None, month_to: str | None) -> bool:
    """True when ``month`` lies in the inclusive window (open ends allowed)."""
    return (month_from is None or month >= month_from) and (month_to is None or month <= month_to)


def join_observers(observers: Iterable[str]) -> str:
    return OBSERVER_SEP.join(observers)


def split_observers(text: str) -> tuple[str, ...]:
    return tuple(text.split(OBSERVER_SEP)) if text else ()


def group_rows(rows: Iterable[TradeRow | PaymentRow]) -> dict[ObservationKey, Series]:
    """Fold monthly rows into one series per (source, target, observer, alias),
    summing rows of the same month."""
    acc: dict[ObservationKey, dict[str, list[int]]] = defaultdict(dict)
    for r in rows:
        if isinstance(r, TradeRow):
            key = (r.seller, r.buyer, r.observer, r.alias)
        else:
            key = (r.payer, r.payee, r.observer, r.alias)
        cell = acc[key].setdefault(r.month, [0, 0])
        cell[0] += r.amount
        cell[1] += r.lines
    return {k: Series.from_map(v) for k, v in acc.items()}


def merge_pair(seller: str, buyer: str,
               observations: Iterable[tuple[str, Series]]) -> PairTrade | None:
    """Merge the observations ``(observer, series)`` of one pair.

    Per month, an observer's observations are summed (several batches or
    spellings); then the observation with the largest ``(|yen|, lines,
    observer)`` is kept — the same rule as
    :func:`queries.observations.merge_observations` — and every observer
    with a value that month is listed. ``None`` when nothing is left.
    """
    observations = list(observations)
    if len(observations) == 1:  # the common case: one file of one client saw the pair
        observer, only = observations[0]
        if not only.months:
            return None
        return PairTrade(seller, buyer, only.months, only.amounts, only.lines, (observer,) * len(only.months))
    per: dict[str, dict[str, list[int]]] = defaultdict(dict)  # month -> observer -> [yen, lines]
    for observer, s in observations:
        for m, a, n in zip(s.months, s.amounts, s.lines, strict=True):
            cell = per[m].setdefault(observer, [0, 0])
            cell[0] += a
            cell[1] += n
    if not per:
        return None
    months = tuple(sorted(per))
    amounts: list[int] = []
    lines: list[int] = []
    observers: list[str] = []
    for m in months:
        by = per[m]
        best = max(by, key=lambda o: (abs(by[o][0]), by[o][1], o))
        amounts.append(by[best][0])
        lines.append(by[best][1])
        observers.append(join_observers(sorted(by)))
    return PairTrade(seller, buyer, months, tuple(amounts), tuple(lines), tuple(observers))


def totals_delta(old: PairTrade | None, new: PairTrade | None) -> dict[str, int]:
    """Change of the pair's merged yen per month from ``old`` to ``new``
    (months without change are absent). Trade of a firm with itself is not
    trade and changes nothing."""
    ref = new or old
    if ref is None or ref.seller == ref.buyer:
        return {}
    delta: dict[str, int] = defaultdict(int)
    if new is not None:
        for m, a in zip(new.months, new.amounts, strict=True):
            delta[m] += a
    if old is not None:
        for m, a in zip(old.months, old.amounts, strict=True):
            delta[m] -= a
    return {m: d for m, d in delta.items() if d}


def apply_delta(totals: FirmTotals, sales: Mapping[str, int],
                purchases: Mapping[str, int]) -> FirmTotals:
    """``totals`` with per-month changes of sales and purchases (yen) added."""
    s = dict(zip(totals.months, totals.sales, strict=True))
    p = dict(zip(totals.months, totals.purchases, strict=True))
    for m, d in sales.items():
        s[m] = s.get(m, 0) + d
    for m, d in purchases.items():
        p[m] = p.get(m, 0) + d
    months = tuple(sorted(m for m in set(s) | set(p) if s.get(m, 0) or p.get(m, 0)))
    return FirmTotals(totals.firm, months, tuple(s.get(m, 0) for m in months),
                      tuple(p.get(m, 0) for m in months))


def firm_deltas(changes: Iterable[tuple[PairTrade | None, PairTrade | None]]
                ) -> tuple[dict[str, dict[str, int]], dict[str, dict[str, int]]]:
    """Per-firm monthly changes of sales and purchases from pair rewrites
    ``(old, new)``: ``(sales[firm][month], purchases[firm][month])``."""
    sales: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    purchases: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for old, new in changes:
        delta = totals_delta(old, new)
        if not delta:
            continue
        ref = new or old
        assert ref is not None
        for m, d in delta.items():
            sales[ref.seller][m] += d
            purchases[ref.buyer][m] += d
    return sales, purchases


def expand_edges(pairs: Iterable[PairTrade], month_from: str | None = None,
                 month_to: str | None = None) -> Iterator[TradeEdge]:
    """Monthly :class:`TradeEdge` of merged pairs inside the window."""
    for p in pairs:
        for m, a, n, o in zip(p.months, p.amounts, p.lines, p.observers, strict=True):
            if window(m, month_from, month_to):
                yield TradeEdge(p.seller, p.buyer, m, a, n, split_observers(o))
