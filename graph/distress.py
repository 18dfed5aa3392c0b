"""Which firms are in distress at the end of a window, and why.

Partner-distress metrics (:mod:`graph.metrics`) need a set of distressed
firms. Nothing in a BPO operator's data says "distressed"; three signals
that the data does carry are used, each a reason of its own:

``loss_making``
    The latest management parameters known at the end of the window
    report an ordinary loss (``profitable == 0``, 経常損益 赤字).
``receivable_days_rising``
    Accounts-receivable turnover (売掛金回転期間, days) rose by at least
    ``min_rise_days`` (default 10 days): between the last two parameter
    periods (``ar_turnover_days``), or — for a client whose own ledger
    figures are given (:func:`graph.ledger_figures.monthly_figures`) —
    between the mean ``receivable_days`` of the last ``figure_months``
    months (default 3) and of the ``figure_months`` months before. A
    distressed firm collects later (its customers are slow to pay, or it
    sells on longer terms to keep sales); the threshold is about twice the
    year-to-year spread of healthy firms on generated data (sd ≈ 5 days).
``stopped_trading``
    The firm traded (either side) before the last ``quiet_months`` months
    of the window (default 3) and not at all in them. Failed firms stop
    trading; so does a firm that lost its only partner inside the data —
    for a non-client firm the network holds only its trade with clients.

A firm is distressed when it has at least one reason;
:func:`distress_reasons` returns ``{firm_id: {reason, ...}}`` for those
firms only. These are screening signals for a credit officer's attention,
not a default prediction.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Protocol

import numpy as np
import pandas as pd

from graph.network import TradeNetwork, month_number
from graph.records import window_slice

__all__ = [
    "ParameterLike", "LOSS_MAKING", "RECEIVABLE_DAYS_RISING", "STOPPED_TRADING", "REASONS",
    "period_end", "loss_making", "receivable_days_rising", "stopped_trading", "stopped_trading_of",
    "active_span", "distress_reasons",
]

LOSS_MAKING = "loss_making"
RECEIVABLE_DAYS_RISING = "receivable_days_rising"
STOPPED_TRADING = "stopped_trading"
REASONS: tuple[str, ...] = (LOSS_MAKING, RECEIVABLE_DAYS_RISING, STOPPED_TRADING)

_FY = re.compile(r"^FY(\d{4})$")
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


class ParameterLike(Protocol):
    """Management parameters of one firm and period (e.g. :class:`queries.model.ParameterRow`)."""

    @property
    def firm_id(self) -> str: ...
    @property
    def period(self) -> str: ...
    @property
    def values(self) -> tuple[tuple[str, float], ...]: ...


def period_end(period: str) -> str:
    """Last month (``YYYY-MM``) of a parameter period.

    ``FYyyyy`` is the Japanese fiscal year April ``yyyy`` – March ``yyyy+1``
    (firms with another year end are read the same way); ``YYYY-MM`` is that
    month.

    Examples
    --------
    >>> period_end("FY2023"), period_end("2024-06")
    ('2024-03', '2024-06')
    """
    m = _FY.match(period)
    if m:
        return f"{int(m.group(1)) + 1:04d}-03"
    if _MONTH.match(period):
        return period
    raise ValueError(f"period must be FYyyyy or YYYY-MM: {period!r}")


def _series(parameters: Iterable[ParameterLike], name: str, end: str | None
            ) -> dict[str, list[float]]:
    """Per firm, the values of parameter ``name`` in period order (periods
    ending on or before ``end``)."""
    found: dict[str, list[tuple[str, str, float]]] = defaultdict(list)
    for row in parameters:
        last = period_end(row.period)
        if end is not None and last > end:
            continue
        for key, value in row.values:
            if key == name and value == value:  # skip NaN
                found[row.firm_id].append((last, row.period, float(value)))
    return {firm: [v for _, _, v in sorted(vals)] for firm, vals in found.items()}


def loss_making(parameters: Iterable[ParameterLike], *, end: str | None = None) -> set[str]:
    """Firms whose latest ``profitable`` flag (periods ending on or before
    ``end``, ``YYYY-MM``; all periods if ``None``) is 0 (an ordinary loss).

    Examples
    --------
    >>> from queries.model import ParameterRow
    >>> rows = [ParameterRow("A", "FY2023", (("profitable", 1.0),)),
    ...         ParameterRow("A", "FY2024", (("profitable", 0.0),)),
    ...         ParameterRow("B", "FY2024", (("profitable", 1.0),))]
    >>> loss_making(rows), loss_making(rows, end="2025-02")
    ({'A'}, set())
    """
    return {firm for firm, vals in _series(parameters, "profitable", end).items()
            if vals[-1] == 0}


def _figures_rising(fig: pd.DataFrame, end: str | None, months: int, min_rise_days: float,
                    skip_first: int) -> bool:
    if "receivable_days" not in fig.columns:
        return False
    s = fig["receivable_days"]
    s = s[[str(m) <= end for m in s.index]] if end is not None else s
    s = s.iloc[skip_first:].dropna()
    if len(s) < 2 * months:
        return False
    recent = float(s.iloc[-months:].mean())
    before = float(s.iloc[-2 * months:-months].mean())
    return recent - before >= min_rise_days


def receivable_days_rising(parameters: Iterable[ParameterLike] = (), *,
                           figures: Mapping[str, pd.DataFrame] | None = None,
                           end: str | None = None, min_rise_days: float = 10.0,
                           figure_months: int = 3, skip_first: int = 3) -> set[str]:
    """Firms whose receivable turnover rose by at least ``min_rise_days`` days.

    Parameters
    ----------
    parameters : iterable of ParameterLike
        ``ar_turnover_days`` of the last two periods ending on or before
        ``end``: rising if ``latest − previous ≥ min_rise_days``.
    figures : mapping of str to pandas.DataFrame, optional
        A client's own ledger figures by firm id, as returned by
        :func:`graph.ledger_figures.monthly_figures` (index ``YYYY-MM``,
        column ``receivable_days``): rising if the mean of the last
        ``figure_months`` months minus the mean of the ``figure_months``
        months before is at least ``min_rise_days``. The first
        ``skip_first`` months are ignored: the ledger has no opening
        balance, so receivables build up from zero there.
    end : str, optional
        Last month (``YYYY-MM``) to look at; default everything.
    min_rise_days : float
        Threshold in days (default 10).

    Returns
    -------
    set of str
        Firm ids with rising receivable days by either source.

    Examples
    --------
    >>> from queries.model import ParameterRow
    >>> rows = [ParameterRow("A", "FY2023", (("ar_turnover_days", 40.0),)),
    ...         ParameterRow("A", "FY2024", (("ar_turnover_days", 52.5),))]
    >>> receivable_days_rising(rows)
    {'A'}
    """
    out = {firm for firm, vals in _series(parameters, "ar_turnover_days", end).items()
           if len(vals) >= 2 and vals[-1] - vals[-2] >= min_rise_days}
    for firm, fig in (figures or {}).items():
        if _figures_rising(fig, end, figure_months, min_rise_days, skip_first):
            out.add(firm)
    return out


def stopped_trading(network: TradeNetwork, *, quiet_months: int = 3, end: str | None = None) -> set[str]:
    """Firms with trade (either side, any non-zero amount) in the window
    before its last ``quiet_months`` months and none in those months.
    ``end`` (``YYYY-MM``): the window ends there, not at the network's last
    month — the region's month, which the few ledgers of a later month
    (one client's April, loaded before the others') do not move; their
    trade is not counted.

    Returns
    -------
    set of str
        Firm ids; empty when the window is not longer than ``quiet_months``.

    Examples
    --------
    >>> import pandas as pd
    >>> net = TradeNetwork(pd.DataFrame({"seller": ["A", "B"], "buyer": ["B", "C"],
    ...                                  "month": ["2025-01", "2025-05"], "amount": [1, 1]}))
    >>> sorted(stopped_trading(net, quiet_months=3))
    ['A']
    """
    if quiet_months < 1:
        raise ValueError("quiet_months must be at least 1")
    if not len(network.months):
        return set()
    # calendar months (as stopped_trading_of counts them), so that an end after the
    # network's last month counts the quiet months up to it
    numbers = np.array([month_number(m) for m in network.months], dtype=np.int64)
    lo = int(numbers.min())
    hi = month_number(end) if end is not None else int(numbers.max())
    first_quiet = hi + 1 - quiet_months
    if first_quiet <= lo:  # the window is not longer than the quiet months
        return set()
    s, b, t, amount = network.monthly_codes()
    when = numbers[t]
    nz = (amount != 0) & (when <= hi)
    last = np.full(network.n_firms, lo - 1, dtype=np.int64)
    np.maximum.at(last, s[nz], when[nz])
    np.maximum.at(last, b[nz], when[nz])
    hit = np.flatnonzero((last >= lo) & (last < first_quiet))
    return {str(x) for x in network.index[hit]}


def active_span(months: Sequence[str], sales: Sequence[int], purchases: Sequence[int],
                start: str | None = None, end: str | None = None) -> tuple[str, str] | None:
    """A firm's first and last month with turnover (sales + purchases ≠ 0,
    yen) inside the inclusive window, from its monthly totals (``months``
    sorted, ``YYYY-MM``); ``None`` when it has none there."""
    i, j = window_slice(months, start, end)
    first = next((k for k in range(i, j) if sales[k] + purchases[k] != 0), None)
    if first is None:
        return None
    last = next(k for k in range(j - 1, first - 1, -1) if sales[k] + purchases[k] != 0)
    return months[first], months[last]


def stopped_trading_of(spans: Mapping[str, tuple[str, str]], *, start: str | None = None,
                       end: str | None = None, quiet_months: int = 3) -> set[str]:
    """:func:`stopped_trading` from each firm's first and last month with
    trade inside the window (:func:`active_span`), without building a
    network: all the rule looks at is the last one. The window runs from
    ``start`` (default: the earliest first month) to ``end`` (default: the
    latest last month); a firm stopped when its last month falls before
    the window's last ``quiet_months`` months.

    >>> sorted(stopped_trading_of({"A": ("2025-01", "2025-01"), "B": ("2025-01", "2025-05")}))
    ['A']
    """
    if quiet_months < 1:
        raise ValueError("quiet_months must be at least 1")
    if not spans:
        return set()
    lo = month_number(start) if start is not None else min(month_number(a) for a, _ in spans.values())
    hi = month_number(end) if end is not None else max(month_number(b) for _, b in spans.values())
    first_quiet = hi + 1 - quiet_months
    if first_quiet <= lo:  # the window is not longer than the quiet months
        return set()
    return {f for f, (_, last) in spans.items() if lo <= month_number(last) < first_quiet}


def distress_reasons(*, network: TradeNetwork | None = None,
                     parameters: Iterable[ParameterLike] = (),
                     figures: Mapping[str, pd.DataFrame] | None = None,
                     end: str | None = None, quiet_months: int = 3,
                     min_rise_days: float = 10.0, figure_months: int = 3
                     ) -> dict[str, set[str]]:
    """Distressed firms at the end of a window with their reasons.

    Parameters
    ----------
    network : TradeNetwork, optional
        The window's trade, for ``stopped_trading``; also gives the default
        ``end`` (its last month).
    parameters : iterable of ParameterLike
        Management parameters, for ``loss_making`` and
        ``receivable_days_rising``.
    figures : mapping of str to pandas.DataFrame, optional
        Clients' own monthly ledger figures, for ``receivable_days_rising``.
    end : str, optional
        Last month of the window (``YYYY-MM``); parameter periods ending
        later are not known yet and are ignored.
    quiet_months, min_rise_days, figure_months
        Thresholds, see :func:`stopped_trading` and
        :func:`receivable_days_rising`.

    Returns
    -------
    dict
        ``{firm_id: {reason, ...}}`` with reasons from :data:`REASONS`;
        firms without any reason are absent.

    Examples
    --------
    >>> from queries.model import ParameterRow
    >>> rows = [ParameterRow("A", "FY2024", (("profitable", 0.0), ("ar_turnover_days", 60.0))),
    ...         ParameterRow("A", "FY2023", (("profitable", 1.0), ("ar_turnover_days", 45.0)))]
    >>> distress_reasons(parameters=rows) == {"A": {"loss_making", "receivable_days_rising"}}
    True
    """
    if end is None and network is not None:
        end = network.end
    rows = list(parameters)
    out: dict[str, set[str]] = defaultdict(set)
    for firm in loss_making(rows, end=end):
        out[firm].add(LOSS_MAKING)
    for firm in receivable_days_rising(rows, figures=figures, end=end,
                                       min_rise_days=min_rise_days,
                                       figure_months=figure_months):
        out[firm].add(RECEIVABLE_DAYS_RISING)
    if network is not None:
        for firm in stopped_trading(network, quiet_months=quiet_months, end=end):
            out[firm].add(STOPPED_TRADING)
    return dict(out)
