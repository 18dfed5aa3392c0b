"""Peer baselines: a firm against same-industry, same-size firms.

A credit officer asks "how does this firm compare with firms like it?".
Peers are a **fixed** group of the population: the firms of the same JSIC
division (letter A–T) and the same size class (the study's 1–4 by annual
sales). When that cell has fewer than 5 firms, the group falls back to the
whole division, and the result says so. Groups are never "the n nearest
firms": a group that depends on the firm asking would let two queries that
differ by one firm reveal that firm.

For each management parameter and each network metric the result gives
the firm's value, the number of peers with a value, their median and
quartiles, the firm's percentile among them and a qualitative comparison
(``"better"`` / ``"worse"`` / ``"similar"``, or ``None`` where a measure
has no normative direction). It is qualitative support for a credit
decision, not a score.

Privacy rules (see ``docs/analytics.md``):

* a statistic over fewer than :data:`MIN_PEERS` (5) firms is suppressed:
  its values are ``None``, ``suppressed`` is ``True`` and ``reason`` says
  why; the exact count is not shown either;
* the firm is **included** in its own group. Every member of a cell then
  gets identical peer statistics, whichever member asks. Excluding it would
  give each member the cell minus itself, and the results of two members
  would differ by exactly the swap of two firms — comparing them reveals
  the other firm's value relative to one's own;
* complementary suppression: division figures are shown to the firms of
  small cells only when the firms of the division *outside* the cells
  published on their own number at least 5 (per statistic); otherwise
  "division minus published cells" would expose those few firms.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from domain.parameters import PARAMETER_NAMES, PARAMETERS
from graph.frames import period_sort_key
from graph.ledger_figures import size_class as size_class_of_sales

__all__ = ["MIN_PEERS", "PeerStat", "PeerGroup", "PeerResult", "peer_baseline", "peer_percentiles", "NOTE"]

MIN_PEERS = 5
"""Fewest firms a shown peer statistic may rest on."""

NOTE = (
    "Qualitative support, not a credit score. Peers: a fixed group (same JSIC division and "
    "size class, else the division), the firm included; statistics over fewer than 5 firms "
    "are suppressed. 'better'/'worse': the firm's value lies beyond the peers' upper/lower "
    "quartile in the measure's better direction; 'similar': within the interquartile range."
)

Direction = Literal["higher", "lower"]
Comparison = Literal["better", "worse", "similar"]

_UNITS = {p.name: p.unit for p in PARAMETERS}
_DIRECTIONS: dict[str, Direction | None] = {p.name: p.better for p in PARAMETERS}


@dataclass(frozen=True)
class PeerStat:
    """One measure: the firm's value and its peers' distribution.

    ``value`` in ``unit``; ``n`` peers with a value (the firm included);
    ``q1``, ``median``, ``q3`` (linear interpolation, numpy's default);
    ``percentile`` 0–100: share of peers below the firm plus half of those
    equal to it; ``comparison`` by ``direction``. When ``suppressed`` every
    peer figure (``n`` too) is ``None`` and ``reason`` says why.
    """

    name: str
    kind: str  # parameter | metric
    unit: str | None
    direction: Direction | None
    value: float | None
    n: int | None
    q1: float | None
    median: float | None
    q3: float | None
    percentile: float | None
    comparison: Comparison | None
    suppressed: bool
    reason: str | None

    def to_dict(self) -> dict[str, object]:
        return {
            "name": self.name, "kind": self.kind, "unit": self.unit,
            "direction": self.direction, "value": self.value, "n": self.n,
            "q1": self.q1, "median": self.median, "q3": self.q3,
            "percentile": self.percentile, "comparison": self.comparison,
            "suppressed": self.suppressed, "reason": self.reason,
        }


@dataclass(frozen=True)
class PeerGroup:
    """The peer group used.

    ``basis``: ``"division_size"`` (JSIC division × size class),
    ``"division"`` (fallback) or ``None`` (no group: the firm has no
    division). ``members``: firms in the group (``None`` when fewer than
    5). ``fallback_reason``: why the division alone is used.
    """

    basis: Literal["division_size", "division"] | None
    industry: str | None
    size_class: int | None
    size_class_source: str | None  # firms.size_class | firms.annual_sales | parameters
    members: int | None
    fallback_reason: str | None

    def to_dict(self) -> dict[str, object]:
        return {
            "basis": self.basis, "industry": self.industry, "size_class": self.size_class,
            "size_class_source": self.size_class_source, "members": self.members,
            "fallback_reason": self.fallback_reason,
        }


@dataclass
class PeerResult:
    """A firm's peer baseline; :meth:`to_dict` is JSON-ready."""

    firm_id: str
    period: str | None
    group: PeerGroup
    parameters: list[PeerStat]
    metrics: list[PeerStat]
    min_n: int = MIN_PEERS
    includes_firm: bool = True
    note: str = field(default=NOTE)

    def to_dict(self) -> dict[str, object]:
        """``{"firm_id", "period", "group", "min_n", "includes_firm",
        "parameters": [stat...], "metrics": [stat...], "note"}``; each stat
        ``{"name", "kind", "unit", "direction", "value", "n", "q1",
        "median", "q3", "percentile", "comparison", "suppressed", "reason"}``."""
        return {
            "firm_id": self.firm_id,
            "period": self.period,
            "group": self.group.to_dict(),
            "min_n": self.min_n,
            "includes_firm": self.includes_firm,
            "parameters": [s.to_dict() for s in self.parameters],
            "metrics": [s.to_dict() for s in self.metrics],
            "note": self.note,
        }


def _normalise_direction(d: str | None) -> Direction | None:
    if d is None:
        return None
    key = d.strip().lower()
    if key in ("higher", "higher is better", "high"):
        return "higher"
    if key in ("lower", "lower is better", "low"):
        return "lower"
    raise ValueError(f"direction must be 'higher is better', 'lower is better' or None: {d!r}")


def _firm_table(firms_df: pd.DataFrame) -> pd.DataFrame:
    df = firms_df
    for col in ("firm_id", "id"):
        if col in df.columns:
            df = df.set_index(col)
            break
    df = df.copy()
    df.index = df.index.astype(str)
    if "industry" not in df.columns:
        raise ValueError("firms_df needs an 'industry' column (JSIC division letter)")
    return df


def _select_period(params_df: pd.DataFrame, firm_id: str,
                   period: str | None) -> tuple[pd.DataFrame, str | None]:
    """Firm × parameter values for one period (and that period)."""
    if "period" not in params_df.columns:
        frame = params_df.set_index("firm_id") if "firm_id" in params_df.columns else params_df
        frame = frame.copy()
        frame.index = frame.index.astype(str)
        used = period if period is not None else params_df.attrs.get("periods", {}).get(firm_id)
        return frame, used
    table = params_df.assign(firm_id=params_df["firm_id"].astype(str))
    if period is None:
        own = table.loc[table["firm_id"] == firm_id, "period"]
        pool = own if len(own) else table["period"]
        period = max(pool, key=period_sort_key) if len(pool) else None
    chosen = table[table["period"] == period]
    cols = [c for c in table.columns if c not in ("firm_id", "period")]
    return chosen.set_index("firm_id")[cols], period


def _size_classes(firms: pd.DataFrame, params: pd.DataFrame) -> tuple[pd.Series, str | None]:
    if "size_class" in firms.columns and firms["size_class"].notna().any():
        return pd.to_numeric(firms["size_class"], errors="coerce"), "firms.size_class"
    if "annual_sales" in firms.columns and firms["annual_sales"].notna().any():
        sales = pd.to_numeric(firms["annual_sales"], errors="coerce")
        return sales.map(lambda s: math.nan if pd.isna(s) else float(size_class_of_sales(s))), \
            "firms.annual_sales"
    if "size_class" in params.columns:
        return params["size_class"].reindex(firms.index).astype("float64"), "parameters"
    return pd.Series(math.nan, index=firms.index, dtype="float64"), None


def _percentile(values: np.ndarray, x: float) -> float:
    below = float(np.sum(values < x))
    equal = float(np.sum(values == x))
    return 100.0 * (below + 0.5 * equal) / values.size


def peer_percentiles(table: pd.DataFrame, firms: pd.DataFrame, columns: list[str],
                     min_n: int = MIN_PEERS) -> pd.DataFrame:
    """Every firm's percentile (0–100) among its peers for each column at once.

    The peer group is the firm's division × size-class cell when it holds at
    least ``min_n`` firms, else its division (as :func:`peer_baseline`);
    the percentile counts peers below plus half the ties, the firm included
    (as :func:`peer_baseline`'s ``percentile``); NaN where the group has
    fewer than ``min_n`` values (suppressed). ``firms``: ``industry`` and
    ``size_class`` per firm id; ``table``: the columns per firm id.
    Returns ``peer_group``, ``peer_basis`` and ``pctl_<column>``.
    """
    keys = firms.reindex(table.index)
    cell = keys["industry"].astype("string") + "|" + keys["size_class"].astype("string")
    division = keys["industry"].astype("string")
    cell_n = cell.map(cell.value_counts())
    big = (cell_n >= min_n).fillna(False).astype(bool)  # a firm without industry or size: no cell (NA), no crash
    group = cell.where(big, division)
    basis = pd.Series(np.where(big, "division×size", "division"), index=table.index)
    out = pd.DataFrame(index=table.index)
    out["peer_group"] = group.where(keys["industry"].notna())
    out["peer_basis"] = basis.where(keys["industry"].notna())
    for col in columns:
        values = pd.to_numeric(table[col], errors="coerce")
        frame = pd.DataFrame({"g": out["peer_group"], "v": values})
        n = frame.groupby("g")["v"].transform("count")
        # average rank − ½ = peers below + half the ties (the firm is one of them)
        rank = frame.groupby("g")["v"].rank(method="average")
        out[f"pctl_{col}"] = (100.0 * (rank - 0.5) / n).where(n >= min_n).round(1)
    return out


def _compare(x: float, q1: float, q3: float, direction: Direction | None) -> Comparison | None:
    if direction is None:
        return None
    if x > q3:
        return "better" if direction == "higher" else "worse"
    if x < q1:
        return "worse" if direction == "higher" else "better"
    return "similar"


def _suppressed(name: str, kind: str, direction: Direction | None, value: float | None,
                reason: str) -> PeerStat:
    return PeerStat(name, kind, _UNITS.get(name) if kind == "parameter" else None, direction,
                    value, None, None, None, None, None, None, True, reason)


def _stat(name: str, kind: str, direction: Direction | None, value: float | None, values: np.ndarray,
          residual: int | None, min_n: int) -> PeerStat:
    """One statistic against the group's ``values`` (NaN where a peer has none)."""
    vals = values[~np.isnan(values)]
    if vals.size < min_n:
        return _suppressed(name, kind, direction, value,
                           f"fewer than {min_n} peer firms with a value")
    if residual is not None and 0 < residual < min_n:
        return _suppressed(name, kind, direction, value,
                           f"complementary suppression: the division without its size classes "
                           f"published on their own rests on fewer than {min_n} firms")
    q1, med, q3 = (float(v) for v in np.percentile(vals, [25, 50, 75]))
    pct = None if value is None else _percentile(vals, value)
    comp = None if value is None else _compare(value, q1, q3, direction)
    return PeerStat(name, kind, _UNITS.get(name) if kind == "parameter" else None, direction,
                    value, int(vals.size), q1, med, q3, pct, comp, False, None)


def _residuals(values: np.ndarray, sizes: np.ndarray, min_n: int) -> np.ndarray:
    """Per column of ``values`` (division firms × statistics, NaN for none):
    the values in the division outside the size-class cells that publish that
    statistic on their own (a cell of at least ``min_n`` firms with at least
    ``min_n`` values)."""
    has = ~np.isnan(values)
    published = np.zeros_like(has)
    for s in np.unique(sizes[~np.isnan(sizes)]):
        in_cell = sizes == s
        if int(in_cell.sum()) >= min_n:
            published[in_cell] |= has[in_cell].sum(axis=0) >= min_n
    counts: np.ndarray = (has & ~published).sum(axis=0)
    return counts


def peer_baseline(
    firm_id: str,
    firms_df: pd.DataFrame,
    params_df: pd.DataFrame,
    metrics_df: pd.DataFrame | None = None,
    period: str | None = None,
    *,
    directions: Mapping[str, str | None] | None = None,
    parameters: Sequence[str] | None = None,
) -> PeerResult:
    """The firm's management parameters and network metrics against its peers.

    Parameters
    ----------
    firm_id : the firm.
    firms_df : the population, one row per firm: index (or a ``firm_id`` /
        ``id`` column) the firm id; ``industry`` (JSIC division letter);
        ``size_class`` (1–4) or ``annual_sales`` (yen, mapped with
        :func:`graph.ledger_figures.size_class`); without either, the
        ``size_class`` parameter of the chosen period is used.
    params_df : management parameters, either the long table of
        :func:`graph.frames.parameters_table` (columns ``firm_id``,
        ``period``, parameters; preferred: every peer is then taken in the
        same period) or a firm × parameter frame
        (:func:`graph.frames.parameters_frame`).
    metrics_df : network metrics, index firm id, one column per metric.
    period : ``YYYY-MM`` or ``FYyyyy``; default the firm's latest period.
    directions : metric name → ``"higher is better"``, ``"lower is better"``
        (or ``"higher"`` / ``"lower"``) or ``None``; parameters take theirs
        from :data:`domain.parameters.PARAMETERS` unless given here.
    parameters : parameter columns to report (default: all present, in the
        spec's order).

    Returns
    -------
    PeerResult

    Raises
    ------
    KeyError
        If ``firm_id`` is not in ``firms_df``.

    Notes
    -----
    The group is the firm's division × size-class cell when it has at
    least 5 firms, else the division (``group.fallback_reason`` says why).
    Each statistic then needs at least 5 group firms with a value, and a
    division figure also needs at least 5 firms with a value outside the
    division's cells that publish their own figure. The firm is part of its
    group; see the module docstring for why this does not leak.
    """
    firms = _firm_table(firms_df)
    firm_id = str(firm_id)
    if firm_id not in firms.index:
        raise KeyError(f"unknown firm: {firm_id!r}")
    params, used_period = _select_period(params_df, firm_id, period)
    dirs = {k: _normalise_direction(v) for k, v in (directions or {}).items()}
    sizes, size_source = _size_classes(firms, params)

    industry_raw = firms["industry"].get(firm_id)
    industry = industry_raw.strip().upper() if isinstance(industry_raw, str) else None
    industry = industry or None
    own_size = sizes.get(firm_id)
    size = None if own_size is None or pd.isna(own_size) else int(own_size)

    names = list(parameters) if parameters is not None else [
        c for c in [*PARAMETER_NAMES, *sorted(set(params.columns) - set(PARAMETER_NAMES))]
        if c in params.columns
    ]
    # the statistics as numeric tables (firms × statistics): one per source, each with its own index
    tables = [(_numeric(params[names]), "parameter")]
    if metrics_df is not None:
        metrics = _numeric(metrics_df)
        if metrics is metrics_df:
            metrics = metrics.copy(deep=False)
        metrics.index = metrics.index.astype(str)
        tables.append((metrics, "metric"))
    columns = [(str(name), kind) for table, kind in tables for name in table.columns]

    def values_of(rows: pd.Index) -> np.ndarray:
        """Every statistic (in the order of ``columns``) of the firms ``rows``; NaN for none."""
        return np.hstack([table.reindex(rows).to_numpy(dtype=float, na_value=np.nan) for table, _ in tables])

    own = [None if np.isnan(v) else float(v) for v in values_of(pd.Index([firm_id]))[0]]

    def direction_of(name: str, kind: str) -> Direction | None:
        if name in dirs:
            return dirs[name]
        return _DIRECTIONS.get(name) if kind == "parameter" else None

    if industry is None:
        group = PeerGroup(None, None, size, size_source, None, "the firm has no JSIC division")
        stats = [_suppressed(n, k, direction_of(n, k), own[i], "no peer group: the "
                             "firm has no JSIC division") for i, (n, k) in enumerate(columns)]
        return _result(firm_id, used_period, group, stats)

    ind = firms["industry"].astype("string").str.strip().str.upper()
    division = firms.index[(ind == industry).fillna(False).to_numpy()]
    cell = division[(sizes.reindex(division) == size).to_numpy()] if size is not None \
        else division[:0]
    basis: Literal["division_size", "division"]
    reason: str | None
    if size is not None and len(cell) >= MIN_PEERS:
        members, basis, reason = cell, "division_size", None
    else:
        members, basis = division, "division"
        reason = ("size class unknown" if size is None else
                  f"division × size class {size} has fewer than {MIN_PEERS} firms")
    group = PeerGroup(basis, industry, size, size_source,
                      len(members) if len(members) >= MIN_PEERS else None, reason)
    # every statistic at once, read for the group and the division (not one reindex per statistic)
    group_values = values_of(members)
    residuals = None
    if basis == "division":
        division_sizes = sizes.reindex(division).to_numpy(dtype=float, na_value=np.nan)
        residuals = _residuals(values_of(division), division_sizes, MIN_PEERS)
    stats = [_stat(name, kind, direction_of(name, kind), own[i], group_values[:, i],
                   None if residuals is None else int(residuals[i]), MIN_PEERS)
             for i, (name, kind) in enumerate(columns)]
    return _result(firm_id, used_period, group, stats)


def _numeric(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with every column numeric (unparsable values NaN); the frame
    itself when it is already (the usual case: the snapshot's tables)."""
    if all(pd.api.types.is_numeric_dtype(t) for t in frame.dtypes):
        return frame
    return frame.apply(pd.to_numeric, errors="coerce")


def _result(firm_id: str, period: str | None, group: PeerGroup,
            stats: list[PeerStat]) -> PeerResult:
    return PeerResult(firm_id, period, group,
                      [s for s in stats if s.kind == "parameter"],
                      [s for s in stats if s.kind == "metric"])
