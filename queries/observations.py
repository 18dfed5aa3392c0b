"""Turn stored observations and pairs back into the monthly records callers use.

Both stores keep pair-level series (:mod:`queries.series`); these functions,
shared by both, expand them into monthly :class:`~queries.model.TradeRow`,
:class:`~queries.model.PaymentRow` and :class:`~queries.model.TradeEdge`
records or a whole-network DataFrame, so both stores answer the same.

``merge_observations`` folds monthly per-observer rows the way
:func:`queries.series.merge_pair` folds series: one flow seen by two clients
is counted once, with the larger observation.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from queries.model import PaymentRow, TradeEdge, TradeRow
from queries.series import FirmTotals, PairTrade, Series, apply_delta, window

__all__ = ["merge_observations", "series_by_observer", "sum_trades", "sum_payments", "pairs_frame", "monthly_rows", "ledger_sums", "UNNAMED",
           "with_own_totals", "unnamed_totals"]

Observation = tuple[str, str, str, Series]
"""(source, target, observer, series) as a store reads it."""


def merge_observations(rows: Iterable[TradeRow]) -> list[TradeEdge]:
    """Fold monthly observations into edges, sorted by (seller, buyer, month)."""
    best: dict[tuple[str, str, str], TradeRow] = {}
    observers: dict[tuple[str, str, str], set[str]] = {}
    for r in rows:
        key = (r.seller, r.buyer, r.month)
        observers.setdefault(key, set()).add(r.observer)
        cur = best.get(key)
        if cur is None or (abs(r.amount), r.lines, r.observer) > (abs(cur.amount), cur.lines, cur.observer):
            best[key] = r
    return [
        TradeEdge(k[0], k[1], k[2], r.amount, r.lines, tuple(sorted(observers[k])))
        for k, r in sorted(best.items())
    ]


def _sums(obs: Iterable[Observation], month_from: str | None,
          month_to: str | None) -> list[tuple[tuple[str, str, str, str], list[int]]]:
    """Per (source, target, month, observer): yen and lines summed over
    batches and spellings, sorted by that key."""
    acc: dict[tuple[str, str, str, str], list[int]] = {}
    for src, dst, observer, s in obs:
        for m, a, n in zip(s.months, s.amounts, s.lines, strict=True):
            if window(m, month_from, month_to):
                key = (src, dst, m, observer)
                cell = acc.get(key)
                if cell is None:
                    acc[key] = [a, n]
                else:
                    cell[0] += a
                    cell[1] += n
    return sorted(acc.items())


def series_by_observer(obs: Iterable[Observation]) -> dict[tuple[str, str, str], Series]:
    """Per (source, target, observer): its series summed over batches and
    spellings (:func:`_sums`), every month any of them holds."""
    acc: dict[tuple[str, str, str], tuple[list[str], list[int], list[int]]] = defaultdict(lambda: ([], [], []))
    for (src, dst, month, observer), (amount, lines) in _sums(obs, None, None):  # months in order per key
        months, amounts, counts = acc[(src, dst, observer)]
        months.append(month)
        amounts.append(amount)
        counts.append(lines)
    return {k: Series(tuple(m), tuple(a), tuple(n)) for k, (m, a, n) in acc.items()}


def sum_trades(obs: Iterable[Observation], month_from: str | None,
               month_to: str | None) -> list[TradeRow]:
    """Monthly trade rows per observer, summed over batches, sorted by
    (seller, buyer, month, observer)."""
    return [TradeRow(s, b, m, o, a, n) for (s, b, m, o), (a, n) in _sums(obs, month_from, month_to)]


def sum_payments(obs: Iterable[Observation], month_from: str | None,
                 month_to: str | None) -> list[PaymentRow]:
    """Monthly payment rows per observer, summed over batches, sorted by
    (payer, payee, month, observer)."""
    return [PaymentRow(p, q, m, o, a, n) for (p, q, m, o), (a, n) in _sums(obs, month_from, month_to)]


def pairs_frame(pairs: Iterable[PairTrade], month_from: str | None,
                month_to: str | None) -> pd.DataFrame:
    """Merged pairs as monthly rows (:func:`monthly_rows`: seller, buyer and
    month categorical, amount in int64 yen, lines), one row per (seller,
    buyer, month) inside the window, sorted. For whole-network analytics over
    millions of rows.

    The pairs are sorted (by seller, buyer), not the rows: a pair's months
    are already in order (:class:`PairTrade`), and a sort of ten million rows
    by three string columns took seconds where the pairs, read in key order
    from SQLite, are sorted in one pass."""
    pairs = sorted(pairs, key=_pair_order)
    repeated = any(map(_same_pair, pairs, pairs[1:]))
    months: list[str] = []
    amounts: list[int] = []
    lines: list[int] = []
    counts: list[int] = []
    for p in pairs:
        if month_from is None and month_to is None:
            counts.append(len(p.months))
            months.extend(p.months)
            amounts.extend(p.amounts)
            lines.extend(p.lines)
        else:
            keep = [i for i, m in enumerate(p.months) if window(m, month_from, month_to)]
            counts.append(len(keep))
            months.extend(p.months[i] for i in keep)
            amounts.extend(p.amounts[i] for i in keep)
            lines.extend(p.lines[i] for i in keep)
    df = monthly_rows([p.seller for p in pairs], [p.buyer for p in pairs], np.asarray(counts, dtype=np.int64),
                      months, amounts, lines)
    if repeated:  # a pair given twice (not by the stores): its months interleave
        df = df.sort_values(["seller", "buyer", "month"], kind="stable").reset_index(drop=True)
    return df


def _repeated(ends: Sequence[str], counts: np.ndarray) -> pd.Categorical[Any]:
    """Each pair's end repeated for its rows, as a categorical of the ends that have rows."""
    held = np.asarray(counts) > 0
    ids = pd.Index(sorted({e for e, h in zip(ends, held, strict=True) if h}), dtype=object)
    return pd.Categorical.from_codes(np.repeat(ids.get_indexer(pd.Index(ends, dtype=object)), counts),
                                     dtype=pd.CategoricalDtype(ids))


def monthly_rows(sellers: Sequence[str], buyers: Sequence[str], counts: np.ndarray, months: Sequence[str],
                 amounts: Sequence[int], lines: Sequence[int]) -> pd.DataFrame:
    """The trade frame's rows from its pairs: pair *i* (``sellers[i]``,
    ``buyers[i]``) has the next ``counts[i]`` of ``months``, ``amounts``
    (yen) and ``lines``. Seller, buyer and month are categorical, their
    categories sorted (sorting the frame sorts as their text would): the ends
    are looked up once per pair and repeated as codes, not held as ten
    million strings that whole-network analytics then hashed again (the 100k
    region's 6M monthly rows: the whole network read and indexed in 6.9–7.2 s,
    was 8.6–9.0 s). Each column's categories are the values it holds."""
    codes, found = pd.factorize(np.asarray(months, dtype=object))
    order = np.argsort(found.astype(str))
    rank = np.empty(len(found), dtype=np.int64)
    rank[order] = np.arange(len(found))
    return pd.DataFrame({
        "seller": _repeated(sellers, counts), "buyer": _repeated(buyers, counts),
        "month": pd.Categorical.from_codes(rank[codes], categories=pd.Index(found[order], dtype=object)),
        "amount": np.asarray(amounts, dtype="int64"), "lines": np.asarray(lines, dtype="int64"),
    })


def _pair_order(p: PairTrade) -> tuple[str, str]:
    return p.seller, p.buyer


def _same_pair(a: PairTrade, b: PairTrade) -> bool:
    return a.seller == b.seller and a.buyer == b.buyer


UNNAMED = ("unnamed_sales", "unnamed_purchases", "unnamed_receipts", "unnamed_payments")
"""Keys of :func:`ledger_sums` for the lines that named no counterparty."""


def ledger_sums(client: str, trades: Iterable[Observation], payments: Iterable[Observation],
                own: Iterable[tuple[str, Series]] = ()) -> dict[str, dict[str, int]]:
    """What a client's own ledger recorded, yen per month, from its
    observations: ``sales`` and ``purchases`` (trade where it sold or bought),
    ``receipts`` and ``payments`` (settlements it received or paid) — every
    line, with or without a named counterparty — and ``unnamed_sales``,
    ``unnamed_purchases``, ``unnamed_receipts``, ``unnamed_payments``: the
    part of each that named no counterparty. ``own`` holds the client's own
    series (kind, series) of those lines, kind ``sales`` … ``payments``."""
    return ledger_sums_of_amounts(
        client,
        ((src, dst, s.months, s.amounts) for src, dst, _, s in trades),
        ((src, dst, s.months, s.amounts) for src, dst, _, s in payments),
        ((kind, s.months, s.amounts) for kind, s in own))


MonthlyAmounts = tuple[str, str, Sequence[str], Sequence[int]]
"""(seller or payer, buyer or payee, months, yen per month) of one observation."""


def ledger_sums_of_amounts(client: str, trades: Iterable[MonthlyAmounts], payments: Iterable[MonthlyAmounts],
                           own: Iterable[tuple[str, Sequence[str], Sequence[int]]] = ()
                           ) -> dict[str, dict[str, int]]:
    """:func:`ledger_sums` from the months and yen alone (what the embedded
    store reads for it: no line counts, no :class:`Series` per row — the
    refresh after a load reads every client's, 2M observations for the
    100k-firm region)."""
    out: dict[str, dict[str, int]] = {k: defaultdict(int) for k in ("sales", "purchases", "receipts",
                                                                    "payments", *UNNAMED)}
    for own_kind, months, amounts in own:
        total, unnamed = out[own_kind], out[f"unnamed_{own_kind}"]
        for m, a in zip(months, amounts, strict=True):
            total[m] += a
            unnamed[m] += a
    for rows, out_kind, in_kind in ((trades, "sales", "purchases"), (payments, "payments", "receipts")):
        for src, dst, months, amounts in rows:
            if src == client:
                kind = out[out_kind]
            elif dst == client:
                kind = out[in_kind]
            else:
                continue
            for m, a in zip(months, amounts, strict=True):
                kind[m] += a
    return {k: dict(v) for k, v in out.items()}


def unnamed_totals(clients: Iterable[str],
                   own: Iterable[tuple[str, str, Series]]) -> dict[str, dict[str, dict[str, int]]]:
    """Per client: ``unnamed_sales`` and ``unnamed_purchases`` (yen per month)
    as :func:`ledger_sums` reports them, from the clients' own series
    (client, kind, series) of lines without a counterparty (other kinds are
    ignored). Every client of ``clients`` has both keys, empty without lines."""
    out: dict[str, dict[str, dict[str, int]]] = {
        c: {"unnamed_sales": {}, "unnamed_purchases": {}} for c in clients}
    for client, kind, s in own:
        if kind not in ("sales", "purchases") or client not in out:
            continue
        target = out[client][f"unnamed_{kind}"]
        for m, a in zip(s.months, s.amounts, strict=True):
            target[m] = target.get(m, 0) + a
    return out


def with_own_totals(totals: dict[str, FirmTotals],
                    own: Iterable[tuple[str, str, Series]]) -> dict[str, FirmTotals]:
    """Firm totals (merged trade, yen per month) with each client's own sales
    and purchases that named no counterparty added: ``own`` holds (client,
    kind, series) with kind ``sales`` or ``purchases`` (other kinds are
    ignored). A firm with only such lines gets totals of its own."""
    sales: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    purchases: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for client, kind, s in own:
        target = sales if kind == "sales" else purchases if kind == "purchases" else None
        if target is None:
            continue
        for m, a in zip(s.months, s.amounts, strict=True):
            target[client][m] += a
    out = dict(totals)
    for firm in sorted(set(sales) | set(purchases)):
        out[firm] = apply_delta(out.get(firm, FirmTotals(firm)), sales.get(firm, {}), purchases.get(firm, {}))
        if not out[firm].months:
            del out[firm]
    return out
