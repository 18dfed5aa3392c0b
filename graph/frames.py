"""Management parameters as DataFrames, shared by peer baselines and correlation.

The stores return one :class:`queries.model.ParameterRow` per firm and
period; the reader of the study's table yields
:class:`ingest.readers.parameters.ParameterRecord`. Both are accepted here
(anything with ``firm_id``, ``period`` and ``values``, where ``values`` is a
mapping, a tuple of ``(name, value)`` pairs or a method returning a mapping).

Periods are ``YYYY-MM`` (a month) or ``FYyyyy`` (a Japanese fiscal year,
April ``yyyy`` to March ``yyyy+1``). To find a firm's *latest* period, each
period is placed at its last month (``FY2024`` → ``2025-03``); a fiscal year
and the month it ends in tie, and the fiscal year wins (the annual figure).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from typing import Any, Protocol

import pandas as pd

from domain.parameters import PARAMETER_NAMES

__all__ = ["ParameterRowLike", "period_sort_key", "parameters_table", "parameters_frame"]

_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")
_FY_RE = re.compile(r"^FY(\d{4})$")


class ParameterRowLike(Protocol):
    """One firm's parameters for one period (``ParameterRow`` or ``ParameterRecord``)."""

    @property
    def firm_id(self) -> str: ...
    @property
    def period(self) -> str: ...
    @property
    def values(self) -> Any: ...


def period_sort_key(period: str) -> tuple[int, int, int]:
    """Order periods by their last month: ``(year, month, 1 for a fiscal year else 0)``.

    >>> period_sort_key("FY2024"), period_sort_key("2025-03")
    ((2025, 3, 1), (2025, 3, 0))
    """
    m = _FY_RE.match(period)
    if m:
        return int(m.group(1)) + 1, 3, 1
    m = _MONTH_RE.match(period)
    if m:
        return int(m.group(1)), int(m.group(2)), 0
    raise ValueError(f"not a period (YYYY-MM or FYyyyy): {period!r}")


def _period_rank(period: str) -> int:
    y, m, fy = period_sort_key(period)
    return y * 1000 + m * 10 + fy


def _values(row: ParameterRowLike) -> dict[str, float]:
    raw = row.values
    if callable(raw):
        raw = raw()
    pairs = raw.items() if isinstance(raw, Mapping) else raw
    out: dict[str, float] = {}
    for name, value in pairs:
        if value is None:
            continue
        number = float(value)
        if math.isfinite(number):
            out[str(name)] = number
    return out


def _ordered_columns(names: Iterable[str]) -> list[str]:
    seen = set(names)
    known = [n for n in PARAMETER_NAMES if n in seen]
    return known + sorted(seen - set(PARAMETER_NAMES))


def parameters_table(rows: Iterable[ParameterRowLike]) -> pd.DataFrame:
    """All parameter rows as one table.

    Returns
    -------
    DataFrame with columns ``firm_id``, ``period`` and one float column per
    parameter present in any row (units as in
    :data:`domain.parameters.PARAMETERS`; in that order, unknown names
    after, sorted), ``NaN`` where a value is not reported. One row per firm
    and period, in input order; a repeated (firm, period) is a
    :class:`ValueError`.
    """
    recs: list[dict[str, object]] = []
    seen: set[tuple[str, str]] = set()
    names: set[str] = set()
    for r in rows:
        period_sort_key(r.period)  # validates
        key = (str(r.firm_id), r.period)
        if key in seen:
            raise ValueError(f"firm {key[0]!r} has two rows for period {key[1]}")
        seen.add(key)
        vals = _values(r)
        names.update(vals)
        recs.append({"firm_id": key[0], "period": key[1], **vals})
    cols = _ordered_columns(names)
    df = pd.DataFrame(recs, columns=["firm_id", "period", *cols])
    df[cols] = df[cols].astype("float64")
    return df.reset_index(drop=True)


def parameters_frame(
    rows: Iterable[ParameterRowLike] | pd.DataFrame, period: str | None = None
) -> pd.DataFrame:
    """Firm × parameter matrix for one period, or each firm's latest period.

    Parameters
    ----------
    rows : parameter rows, or a table from :func:`parameters_table`.
    period : ``YYYY-MM`` or ``FYyyyy``; firms without a row for it are left
        out. ``None``: each firm's latest period (see :func:`period_sort_key`),
        which may differ between firms.

    Returns
    -------
    DataFrame indexed by ``firm_id`` (str, first-seen order), one float
    column per parameter (``NaN`` = not reported). ``attrs["periods"]``
    maps each firm to the period its values come from.

    Examples
    --------
    >>> from queries.model import ParameterRow
    >>> rows = [ParameterRow("A", "FY2023", (("employees", 10.0),)),
    ...         ParameterRow("A", "FY2024", (("employees", 12.0),))]
    >>> parameters_frame(rows)["employees"].tolist()
    [12.0]
    """
    table = rows if isinstance(rows, pd.DataFrame) else parameters_table(rows)
    value_cols = [c for c in table.columns if c not in ("firm_id", "period")]
    if period is not None:
        period_sort_key(period)
        chosen = table[table["period"] == period]
    else:
        order = table["period"].map(_period_rank)
        best = order.groupby(table["firm_id"], sort=False).transform("max")
        chosen = table[order == best]
    out = chosen.set_index("firm_id")[value_cols].astype("float64")
    out.attrs["periods"] = dict(zip(chosen["firm_id"], chosen["period"], strict=True))
    return out
