"""Small server-rendered charts of a firm's dossier, as ``data:`` URIs of SVG.

Drawn with matplotlib's object API (:class:`matplotlib.figure.Figure` on its
own canvas — no pyplot, no global state, so charts can be drawn in several
request threads at once) and written as SVG with text drawn as glyph outlines
(``svg.fonttype`` ``path``, matplotlib's default): the browser needs no
Japanese font, the PDF memo embeds the same picture, and a partner's name in
a label is drawn, never markup. The font is named explicitly: IPAexGothic,
else Noto Sans CJK JP (Debian's ``fonts-ipaexfont`` / ``fonts-noto-cjk``),
else matplotlib's sans-serif. ``$`` in labels is escaped (no mathtext).

Every function takes the page's :class:`api.web.i18n.Locale` (labels
translated with its catalog, numbers in its format) and returns
``data:image/svg+xml;base64,…`` for ``<img class="chart">`` — or ``None``
when there is nothing to draw.
"""

from __future__ import annotations

import base64
import io
import re
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from api.web.dossier import Concentration, PartnerShare, Terms, Trend
    from api.web.i18n import Locale

__all__ = ["FONT_FAMILY", "trend_chart", "terms_chart", "concentration_chart", "svg_data_uri", "label", "ensure_fonts", "families"]

FONT_FAMILY = ["IPAexGothic", "Noto Sans CJK JP", "sans-serif"]
"""Fonts tried in order for every text of a chart."""

WIDTH, HEIGHT = 6.4, 2.8  # inches; drawn at 72 px per inch in SVG
FIRM_COLOUR, GROUP_COLOUR, THIRD_COLOUR = "#1f5fa8", "#fca311", "#5f6368"
MAX_BARS = 5
MAX_LABEL = 16  # characters of a partner's name in a bar label
_COMMENT = re.compile(rb"<!--.*?-->", re.S)


def label(text: str | None, limit: int = MAX_LABEL) -> str:
    """A label as drawn: shortened to ``limit`` characters, ``$`` escaped (no mathtext)."""
    text = text or "–"
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text.replace("$", r"\$")


_FONTS_LOCK = threading.Lock()
_fonts_ready = False
_families: list[str] = ["sans-serif"]
_FONT_FILES = ("ipaexg", "notosanscjk")  # file names (lower case) of IPAexGothic and Noto Sans CJK


SVG_ID_SALT = "torihiki"
"""matplotlib's ``svg.hashsalt``: the ids of a chart's clip paths and markers
come from their content, not from a random UUID, so the same chart is the
same bytes (a memo made twice, a stored answer compared) and no id carries
chance digits into a page."""


def ensure_fonts() -> None:
    """Make the Japanese fonts known to matplotlib once per process, and set
    :data:`SVG_ID_SALT` (matplotlib's settings are per process: set once
    here, never changed around a drawing, which other threads may be doing).

    matplotlib's font list is cached on disk when it is first built; fonts
    installed later (``apt-get install fonts-ipaexfont``) are not in it. So
    the system's font files of the families named in :data:`FONT_FAMILY` are
    added when matplotlib does not know them yet (a scan of the system's font
    folders, once)."""
    global _fonts_ready
    if _fonts_ready:
        return
    with _FONTS_LOCK:
        if _fonts_ready:
            return
        import matplotlib
        from matplotlib import font_manager

        matplotlib.rcParams["svg.hashsalt"] = SVG_ID_SALT
        known = {f.name for f in font_manager.fontManager.ttflist}
        if not known & set(FONT_FAMILY[:2]):
            for path in font_manager.findSystemFonts(fontext="ttf"):
                if Path(path).name.lower().replace("-", "").startswith(_FONT_FILES):
                    try:
                        font_manager.fontManager.addfont(path)
                    except (OSError, RuntimeError, ValueError):  # a file FreeType cannot read
                        continue
        known = {f.name for f in font_manager.fontManager.ttflist}
        _families[:] = [f for f in FONT_FAMILY[:-1] if f in known][:1] + FONT_FAMILY[-1:]
        _fonts_ready = True


def families() -> list[str]:
    """The font families charts use: the first of :data:`FONT_FAMILY` installed, then sans-serif."""
    ensure_fonts()
    return list(_families)


def _figure(height: float = HEIGHT) -> tuple[Figure, Any]:
    from matplotlib.backends.backend_svg import FigureCanvasSVG
    from matplotlib.figure import Figure

    ensure_fonts()

    fig = Figure(figsize=(WIDTH, height), layout="constrained")
    FigureCanvasSVG(fig)
    return fig, FigureCanvasSVG


def _fonts() -> dict[str, Any]:
    return {"family": families()}


def _style(ax: Axes) -> None:
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="y", color="#e3e5e8", linewidth=0.6)
    ax.set_axisbelow(True)
    ax.tick_params(labelsize=8, colors="#333333")
    for t in [*ax.get_xticklabels(), *ax.get_yticklabels()]:
        t.set_fontfamily(families())


def svg_data_uri(fig: Figure) -> str:
    """The figure as a ``data:image/svg+xml;base64,…`` URI (no date or
    creator in the file's metadata, no comments)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    # matplotlib notes each text in a comment: the picture has its outlines, the file needs no words
    svg = _COMMENT.sub(b"", buf.getvalue())
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")


MAX_TICKS = 6
"""Month labels on a time axis at most: ``2023年6月`` / ``Jun 2023`` take room, so
every few months is labelled (the last always), not each one."""


def _ticks(labels: Sequence[str], most: int = MAX_TICKS) -> list[int]:
    """Positions of at most ``most`` evenly spread tick labels, the last included."""
    n = len(labels)
    if n <= most:
        return list(range(n))
    step = -(-n // most)
    picks = list(range(n - 1, -1, -step))[::-1]
    return picks


def _legend(ax: Axes) -> None:
    """The legend in a row above the plot, where no line runs (inside the
    plot it sat on the payable-days line)."""
    ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), ncols=2, borderaxespad=0.2, frameon=False,
              prop={"family": families(), "size": 8})


def _month_axis(ax: Axes, months: Sequence[str], loc: Locale) -> None:
    """Months (``YYYY-MM``) on the x axis as the reader writes them (``2023年6月``), every few."""
    picks = _ticks(months)
    ax.set_xticks(picks, labels=[loc.period(months[i]) for i in picks])


def trend_chart(trend: Trend, loc: Locale) -> str | None:
    """The firm's turnover (sales + purchases) against its trading group's,
    each as an index (first period with turnover = 100), one point per period."""
    points = trend.series
    if len(points) < 2:
        return None

    def index(values: list[int]) -> list[float]:
        base = next((v for v in values if v > 0), None)
        return [float("nan") if base is None else v / base * 100.0 for v in values]

    periods = [p.period for p in points]
    firm = index([p.firm_volume for p in points])
    group = index([p.group_volume for p in points])
    fig, _ = _figure()
    ax = fig.add_subplot()
    x = list(range(len(periods)))
    ax.plot(x, group, color=GROUP_COLOUR, linewidth=2, label=label(loc.gettext("Trading group"), 40))
    ax.plot(x, firm, color=FIRM_COLOUR, linewidth=2, label=label(loc.gettext("This firm"), 40))
    ax.axhline(100, color="#999999", linewidth=0.6, linestyle=":")
    _month_axis(ax, periods, loc)
    ax.set_ylabel(label(loc.gettext("Turnover index (first period = 100)"), 60), fontsize=8, **_fonts())
    _style(ax)
    _legend(ax)
    return svg_data_uri(fig)


def terms_chart(terms: Terms, loc: Locale) -> str | None:
    """Receivable and payable days per month (the firm's own ledger)."""
    points = terms.series
    if not any(p.receivable_days is not None or p.payable_days is not None for p in points):
        return None
    nan = float("nan")
    months = [p.month for p in points]
    ar = [nan if p.receivable_days is None else p.receivable_days for p in points]
    ap = [nan if p.payable_days is None else p.payable_days for p in points]
    fig, _ = _figure()
    ax = fig.add_subplot()
    x = list(range(len(months)))
    ax.plot(x, ar, color=FIRM_COLOUR, linewidth=2, marker="o", markersize=2.5,
            label=label(loc.gettext("Receivable days"), 40))
    ax.plot(x, ap, color=THIRD_COLOUR, linewidth=2, marker="o", markersize=2.5,
            label=label(loc.gettext("Payable days"), 40))
    _month_axis(ax, months, loc)
    ax.set_ylabel(label(loc.gettext("days"), 30), fontsize=8, **_fonts())
    ax.set_ylim(bottom=0)
    _style(ax)
    _legend(ax)
    return svg_data_uri(fig)


def _bars(ax: Axes, rows: Sequence[PartnerShare], title: str, colour: str, loc: Locale) -> None:
    shown = list(rows[:MAX_BARS])[::-1]
    y = list(range(len(shown)))
    shares = [r.share * 100.0 for r in shown]
    ax.barh(y, shares, color=colour, height=0.6)
    ax.set_yticks(y, labels=[label(r.name or r.id) for r in shown])
    ax.set_xlim(0, 100)
    ax.set_title(label(title, 40), fontsize=9, loc="left", **_fonts())
    for yi, s in zip(y, shares, strict=True):
        ax.text(min(s + 2, 80), yi, loc.percent(s / 100.0), va="center", fontsize=7, **_fonts())
    if not shown:
        ax.text(50, 0, label(loc.gettext("none"), 30), ha="center", va="center", fontsize=8, color="#777777",
                **_fonts())
        ax.set_yticks([])
    _style(ax)
    ax.grid(axis="y", visible=False)
    ax.grid(axis="x", color="#e3e5e8", linewidth=0.6)


def concentration_chart(concentration: Concentration, loc: Locale) -> str | None:
    """The largest customers' shares of sales and suppliers' shares of
    purchases (percent), side by side."""
    if not concentration.customers and not concentration.suppliers:
        return None
    rows = max(len(concentration.customers[:MAX_BARS]), len(concentration.suppliers[:MAX_BARS]), 1)
    fig, _ = _figure(height=max(1.6, 0.42 * rows + 0.9))
    left, right = fig.subplots(1, 2)
    _bars(left, concentration.customers, loc.gettext("Share of sales (%)"), FIRM_COLOUR, loc)
    _bars(right, concentration.suppliers, loc.gettext("Share of purchases (%)"), GROUP_COLOUR, loc)
    return svg_data_uri(fig)
