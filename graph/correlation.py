"""Correlation matrices of management parameters (and network metrics) across firms.

The study behind torihiki shows a correlation matrix of its seven
management parameters over 15 firms, to find "the key parameters that go
with better management". This module computes that matrix (Pearson or
Spearman), pairwise-complete on missing values, with the number of firms
behind each entry, a p-value per pair and Benjamini–Hochberg adjusted
p-values over all distinct pairs, and draws it as an annotated heatmap.

A matrix over a few dozen firms is **hypothesis-generating**: it suggests
which parameters to look at, it does not establish an effect, and no entry
is a score of any firm. Every result says so in its ``note``.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import IO, Literal

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["CorrelationResult", "correlation", "bh_adjust", "heatmap_png", "NOTE"]

Method = Literal["pearson", "spearman"]

NOTE = (
    "Hypothesis-generating, not evidence of an effect and not a score: correlations across "
    "firms, pairwise-complete (n_pairs firms per entry); p_values are per pair, uncorrected; "
    "p_adjusted are Benjamini-Hochberg adjusted over the distinct pairs shown "
    "(false discovery rate). Association is not causation; with few firms, one firm can "
    "move an entry a lot."
)

MIN_N = 5
"""Fewest firms with both values for a coefficient to be computed: five, as
for every other figure over firms (peer statistics, the export's k ≥ 5), so
that a coefficient never stands for a handful of firms a reader could name."""


@dataclass
class CorrelationResult:
    """A correlation matrix with its support.

    ``matrix``, ``p_values`` and ``p_adjusted`` are square, rows and columns
    in the order of ``columns``; ``None`` where undefined (fewer than
    :data:`MIN_N` firms with both values, or a column constant over them).
    The diagonal is 1.0 for a column with a defined variance, its p-values
    ``None``. ``n_pairs[i][j]``: firms with both values (diagonal: firms
    with a value). ``n``: firms in the input.
    """

    method: Method
    n: int
    columns: list[str]
    matrix: list[list[float | None]]
    n_pairs: list[list[int]]
    p_values: list[list[float | None]]
    p_adjusted: list[list[float | None]]
    note: str = field(default=NOTE)

    def to_dict(self) -> dict[str, object]:
        """JSON-ready: ``{"method", "n", "columns", "matrix", "n_pairs",
        "p_values", "p_adjusted", "note"}``."""
        return {
            "method": self.method,
            "n": self.n,
            "columns": list(self.columns),
            "matrix": [list(r) for r in self.matrix],
            "n_pairs": [list(r) for r in self.n_pairs],
            "p_values": [list(r) for r in self.p_values],
            "p_adjusted": [list(r) for r in self.p_adjusted],
            "note": self.note,
        }

    def frame(self) -> pd.DataFrame:
        """The coefficient matrix as a DataFrame (``NaN`` for undefined)."""
        m = [[math.nan if v is None else v for v in row] for row in self.matrix]
        return pd.DataFrame(m, index=self.columns, columns=self.columns)


def bh_adjust(p_values: Sequence[float]) -> list[float]:
    """Benjamini–Hochberg adjusted p-values (step-up, monotone, capped at 1).

    ``p_adj[(i)] = min_{k >= i} (m / k) * p_(k)`` over the sorted p-values
    ``p_(1) <= ... <= p_(m)``; returned in input order. Equals
    ``scipy.stats.false_discovery_control(p, method="bh")``.

    References
    ----------
    Benjamini, Y. and Hochberg, Y. (1995). Controlling the false discovery
    rate. J. R. Statist. Soc. B 57(1), 289–300.

    Examples
    --------
    >>> bh_adjust([0.01, 0.04, 0.03])
    [0.03, 0.04, 0.04]
    """
    m = len(p_values)
    if m == 0:
        return []
    p = np.asarray(p_values, dtype=float)
    if np.any((p < 0) | (p > 1)) or not np.all(np.isfinite(p)):
        raise ValueError("p-values must be finite and within [0, 1]")
    order = np.argsort(p, kind="stable")
    scaled = p[order] * m / np.arange(1, m + 1)
    adjusted = np.minimum.accumulate(scaled[::-1])[::-1]
    out = np.empty(m)
    out[order] = np.minimum(adjusted, 1.0)
    return [float(v) for v in out]


def _pair(x: np.ndarray, y: np.ndarray, method: Method) -> tuple[float, float]:
    r = stats.pearsonr(x, y) if method == "pearson" else stats.spearmanr(x, y)
    return float(r.statistic), float(r.pvalue)


def correlation(
    df: pd.DataFrame, method: Method = "pearson", columns: Sequence[str] | None = None, min_n: int = MIN_N
) -> CorrelationResult:
    """Pairwise-complete correlation matrix of ``df``'s columns across firms (rows).

    Parameters
    ----------
    df : one row per firm (e.g. :func:`graph.frames.parameters_frame`,
        optionally joined with network metrics); ``NaN`` = missing.
    method : ``"pearson"`` (linear, :func:`scipy.stats.pearsonr`) or
        ``"spearman"`` (rank, :func:`scipy.stats.spearmanr`).
    columns : columns to use, in this order; default: every numeric column.
    min_n : fewest firms with both values for a coefficient (:data:`MIN_N`;
        three is the least a coefficient is defined on, for hand checks).

    Returns
    -------
    CorrelationResult
        Coefficients in [-1, 1] (plain floats), firms per pair, two-sided
        p-values and Benjamini–Hochberg adjusted p-values.

    Notes
    -----
    Each pair uses the firms that have both values (pairwise-complete), so
    entries may rest on different firms; ``n_pairs`` says how many. A pair
    is undefined (``None``) with fewer than ``min_n`` (5) such firms or when either
    column is constant over them. BH adjustment runs over the defined
    off-diagonal pairs, each counted once. A binary column (``profitable``)
    gives the point-biserial correlation under Pearson.

    Examples
    --------
    >>> df = pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0, 5.0], "b": [2.0, 4.0, 6.0, 8.5, 10.0]})
    >>> round(correlation(df).matrix[0][1], 3)
    0.998
    """
    if method not in ("pearson", "spearman"):
        raise ValueError("method must be 'pearson' or 'spearman'")
    cols = list(columns) if columns is not None else [
        str(c) for c in df.columns if pd.api.types.is_numeric_dtype(df[c])
    ]
    data = df[cols].astype("float64").to_numpy()
    k = len(cols)
    matrix: list[list[float | None]] = [[None] * k for _ in range(k)]
    pvals: list[list[float | None]] = [[None] * k for _ in range(k)]
    padj: list[list[float | None]] = [[None] * k for _ in range(k)]
    npairs = [[0] * k for _ in range(k)]
    present = ~np.isnan(data)
    tested: list[tuple[int, int, float]] = []
    for i in range(k):
        col = data[present[:, i], i]
        npairs[i][i] = int(col.size)
        if col.size >= min_n and np.ptp(col) > 0:
            matrix[i][i] = 1.0
        for j in range(i + 1, k):
            both = present[:, i] & present[:, j]
            n = int(both.sum())
            npairs[i][j] = npairs[j][i] = n
            x, y = data[both, i], data[both, j]
            if n < min_n or np.ptp(x) == 0 or np.ptp(y) == 0:
                continue
            r, p = _pair(x, y, method)
            if not (math.isfinite(r) and math.isfinite(p)):
                continue
            r = max(-1.0, min(1.0, r))
            matrix[i][j] = matrix[j][i] = r
            pvals[i][j] = pvals[j][i] = p
            tested.append((i, j, p))
    for (i, j, _), q in zip(tested, bh_adjust([p for _, _, p in tested]), strict=True):
        padj[i][j] = padj[j][i] = q
    return CorrelationResult(method, int(len(df)), cols, matrix, npairs, pvals, padj)


def heatmap_png(
    result: CorrelationResult,
    path_or_buffer: str | os.PathLike[str] | IO[bytes],
    *,
    labels: Sequence[str] | None = None,
    title: str | None = None,
    dpi: int = 120,
) -> None:
    """Draw ``result`` as an annotated heatmap and write it as PNG.

    Parameters
    ----------
    result : from :func:`correlation`.
    path_or_buffer : a file path (str or :class:`os.PathLike`) or a binary
        file-like object.
    labels : axis labels, one per column; default the column names (English
        snake_case, which every font can draw; pass the Japanese headers
        only where a CJK font is installed).
    title : default ``"<Method> correlation (n = <firms>)"``.
    dpi : resolution, dots per inch.

    Notes
    -----
    Uses matplotlib's object API with the Agg canvas (no pyplot, no global
    backend change, no display). The colour scale is diverging and fixed to
    [-1, 1] so that two charts compare; undefined cells are grey with "–".
    Each cell shows the coefficient; ``*`` marks a BH-adjusted p < 0.05.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    cols = list(labels) if labels is not None else result.columns
    if len(cols) != len(result.columns):
        raise ValueError("labels must have one entry per column")
    k = len(cols)
    m = np.array([[np.nan if v is None else v for v in row] for row in result.matrix],
                 dtype=float).reshape(k, k)
    side = max(4.0, 0.9 * k + 2.5)
    fig = Figure(figsize=(side + 1.0, side))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.set_facecolor("#d9d9d9")
    im = ax.imshow(np.ma.masked_invalid(m), cmap="RdBu_r", vmin=-1.0, vmax=1.0)
    fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04, label=f"{result.method} r")
    ax.set_xticks(range(k), labels=cols, rotation=45, ha="right", rotation_mode="anchor")
    ax.set_yticks(range(k), labels=cols)
    for i in range(k):
        for j in range(k):
            v = m[i, j]
            if np.isnan(v):
                text, colour = "–", "black"
            else:
                q = result.p_adjusted[i][j]
                text = f"{v + 0.0:.2f}".replace("-0.00", "0.00") + ("*" if q is not None and q < 0.05 else "")
                colour = "white" if abs(v) > 0.6 else "black"
            ax.text(j, i, text, ha="center", va="center", color=colour, fontsize=8)
    ax.set_title(title if title is not None else
                 f"{result.method.capitalize()} correlation (n = {result.n} firms)")
    fig.text(0.01, 0.01, "hypothesis-generating; * BH-adjusted p < 0.05", fontsize=7)
    fig.savefig(path_or_buffer, format="png", dpi=dpi, bbox_inches="tight")
