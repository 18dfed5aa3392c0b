"""What the network view draws: nodes with fixed positions, edges, legend facts.

The view of a firm (``GET /firms/{id}/view``) shows the firm at the centre
and its first-hop partners on a ring around it (:mod:`graph.layout`),
coloured by health and shaped by role, sized by their trade with the firm
(yen both ways). It stays readable however large the network:

* at most :data:`FIRST_HOP_CAP` partners are drawn; the others are folded,
  per role, into one "and N more" node with their count and total yen;
* with ``hops=2`` each drawn partner gets one **summary** of its own
  partners (second-hop firms: how many, their trade with it in yen, how
  many in distress) instead of the firms themselves; a click asks
  :func:`expansion` (``GET /firms/{id}/view/expand?via=…``) for them, at
  most ``limit`` drawn and the rest folded again;
* positions are computed here and the browser draws with physics off, so
  even 1,500 nodes are drawn at once.

Health: the distress reasons of :mod:`graph.distress` (ordinary loss,
receivable days rising, stopped trading) of visible firms at the end of the
window; one reason is orange, two or more red. Pseudonymised partners
(``p-…``, for a credit officer) are grey, labelled as undisclosed with their
pseudonym and carry no name and no distress signal (``docs/access.md``).

Every read goes through the store passed in (a
:class:`queries.scoped.ScopedStore`); an unknown or hidden firm raises
:class:`queries.store.NotFound`. Names are text everywhere: labels and
tooltips are plain strings (vis-network ≥ 9 draws a string ``title`` as
text), with control and bidirectional-override characters removed
(:func:`clean_label`). The model is language-specific (labels, tooltips) and
cached as JSON under its parameters (:mod:`api.firm_pages`).
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from typing import Any

from api.region_month import region_month
from api.web.i18n import Lang, locale_for
from api.window_tables import read_table
from domain.errors import check_month_window
from graph.distress import (
    LOSS_MAKING,
    RECEIVABLE_DAYS_RISING,
    STOPPED_TRADING,
    active_span,
    distress_reasons,
    stopped_trading_of,
)
from graph.ego import partner_sums, window_amounts
from graph.layout import Ring, Slot, cluster_points, ring_layout, summary_point
from graph.window_table import WindowTable
from queries.model import Firm
from queries.scoped import ReadStore
from queries.scoped import is_pseudonym as _masked
from queries.store import NotFound

__all__ = ["FIRST_HOP_CAP", "EXPAND_LIMIT", "MAX_EXPAND_LIMIT", "COLOURS", "clean_label", "view_model",
           "expansion", "distress_of", "REASON_LABELS", "ROLE_LABELS"]

FIRST_HOP_CAP = 40
"""First-hop partners drawn; the smaller ones are folded per role into "and N more"."""
EXPAND_LIMIT = 100
"""Second-hop firms drawn when a partner is expanded (the rest folded into one node)."""
MAX_EXPAND_LIMIT = 1000
LABEL_CHARS = 18
"""Characters of a name in a node's label (longer names end in …; the tooltip has 80)."""
TITLE_CHARS = 80

COLOURS: dict[str, str] = {
    "ego": "#1d3557",
    "customer": "#4e79a7",
    "supplier": "#59a14f",
    "both": "#8e6bb0",
    "second": "#9fb3c8",
    "warn": "#f28e2b",
    "bad": "#d62728",
    "masked": "#9e9e9e",
    "summary": "#eef2f7",
    "fold": "#f4f4f4",
    "edge": "#8899aa",
}
"""Fill colours: the firm, partners by role, second-hop firms, distress (one
reason: warn, two or more: bad), pseudonymised partners, summary and fold boxes."""
SHAPES = {"customer": "dot", "supplier": "square", "both": "diamond"}
ROLE_LABELS = {"customer": "Customer", "supplier": "Supplier", "both": "Customer and supplier"}
REASON_LABELS = {LOSS_MAKING: "Ordinary loss", RECEIVABLE_DAYS_RISING: "Receivable days rising",
                 STOPPED_TRADING: "Stopped trading"}

# C0 and C1 controls (and DEL); bidirectional embeddings, overrides, isolates and marks.
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_BIDI = re.compile(r"[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_SPACES = re.compile(r"\s+")


def clean_label(text: str | None, limit: int = LABEL_CHARS) -> str:
    """``text`` safe to show as a label: controls become spaces,
    bidirectional formatting characters are removed, runs of space become
    one, and anything longer than ``limit`` characters is cut with "…".

    >>> clean_label("\\u202e悪意\\u0007商事<b>", 6)
    '悪意 商事…'
    """
    t = _BIDI.sub("", text or "")
    t = _SPACES.sub(" ", _CONTROLS.sub(" ", t)).strip()
    return t if len(t) <= limit else t[:limit - 1].rstrip() + "…"


def _trade_around(store: ReadStore, firm_ids: Collection[str], month_from: str | None,
                  month_to: str | None) -> list[tuple[str, str, int]]:
    """(seller, buyer, yen in the window) of the pairs touching ``firm_ids``."""
    if month_from is None and month_to is None:  # yen over all months is stored with each pair
        return store.pair_amounts(firm_ids)
    pairs = store.pairs_of(next(iter(firm_ids))) if len(firm_ids) == 1 else store.pairs_around(firm_ids)
    return window_amounts(pairs, month_from, month_to)


def distress_of(store: ReadStore, firm_ids: Iterable[str], month_from: str | None,
                month_to: str | None, table: WindowTable | None = None) -> tuple[dict[str, set[str]], str | None]:
    """Distress reasons (:func:`graph.distress.distress_reasons`) of the
    visible firms among ``firm_ids`` at the end of the window (``month_to``,
    else the region's month, as the firm page and the portfolio judge them,
    :mod:`api.region_month`; without one, the latest month any of them
    traded), and that month. Pseudonymised
    firms get none: their signals are not shown. ``table``: a busy firm's
    window table, which has the monthly totals of its partners (the rest
    are read)."""
    ids = {i for i in firm_ids if not _masked(i)}
    if not ids:
        return {}, month_to
    inside = {i for i in ids if i in table.row} if table is not None else set()
    totals = store.firm_totals(ids - inside) if ids - inside else {}
    lasts = [t.months[-1] for t in totals.values() if t.months]
    if table is not None and month_to is None:
        lasts += table.last_months(inside).values()
    end = month_to or region_month(store) or max(lasts, default=None)
    out: dict[str, set[str]] = defaultdict(set)
    params = store.parameters_of(ids)  # these firms' only: the region has 100,000s of rows
    for f, why in distress_reasons(parameters=params, end=end).items():
        out[f] |= why
    spans = {f: span for f, t in totals.items()
             if (span := active_span(t.months, t.sales, t.purchases, month_from, end)) is not None}
    if table is not None:
        spans.update(table.spans(inside, month_from, end))
    for f in stopped_trading_of(spans, start=month_from, end=end):
        out[f].add(STOPPED_TRADING)
    return dict(out), end


class _Text:
    """Translations and formats of one language for labels and tooltips."""

    def __init__(self, lang: Lang) -> None:
        self.loc = locale_for(lang)

    def __call__(self, message: str, **values: Any) -> str:
        text = self.loc.gettext(message)
        return text % values if values else text

    def yen(self, amount: int | float) -> str:
        return self.loc.yen(amount)

    def num(self, n: int) -> str:
        return self.loc.number(n)

    def reasons(self, why: Collection[str]) -> str:
        return ", ".join(self(REASON_LABELS[r]) for r in sorted(why) if r in REASON_LABELS)


def _health_colour(why: Collection[str] | None, default: str) -> str:
    if not why:
        return default
    return COLOURS["bad"] if len(why) >= 2 else COLOURS["warn"]


def _size(yen: int, top: int, smallest: float = 8.0, largest: float = 30.0) -> float:
    """Node size (pixels) growing with the square root of yen (area ∝ yen)."""
    return round(smallest + (largest - smallest) * math.sqrt(abs(yen) / top), 1) if top > 0 else smallest


def _width(yen: int, top: int) -> float:
    return round(1 + 7 * math.sqrt(abs(yen) / top), 2) if top > 0 else 1.0


def _name_lines(t: _Text, firm_id: str, firm: Firm | None) -> tuple[str, str]:
    """(label, first tooltip line) of a firm: its cleaned name; for a
    pseudonym the name the visible firm's own ledger gives it (as the firm
    page and memo show it, so the three can be read together) marked
    "undisclosed", or "Undisclosed partner" and the pseudonym when no
    visible ledger names it — never the firm's registered name."""
    if _masked(firm_id):
        short = firm_id if len(firm_id) <= 14 else firm_id[:13] + "…"
        if firm is not None and firm.name:
            spelled = clean_label(firm.name)
            return (f"{spelled}\n({t('undisclosed')})",
                    f"{clean_label(firm.name, TITLE_CHARS)} — {t('Undisclosed partner')} ({firm_id})")
        return f"{t('Undisclosed partner')}\n{short}", f"{t('Undisclosed partner')} ({firm_id})"
    name = firm.name if firm is not None and firm.name else firm_id
    return clean_label(name), f"{clean_label(name, TITLE_CHARS)} ({firm_id})"


def _role(q: str, sales: Mapping[str, int], purchases: Mapping[str, int]) -> str:
    return "both" if q in sales and q in purchases else ("customer" if q in sales else "supplier")


class _FirstHop:
    """The firm's partners in the window and their places on the ring."""

    def __init__(self, store: ReadStore, firm_id: str, month_from: str | None, month_to: str | None,
                 cap: int, table: WindowTable | None = None) -> None:
        windowed = month_from is not None or month_to is not None
        around = (table.amounts(month_from, month_to) if table is not None and windowed
                  else _trade_around(store, [firm_id], month_from, month_to))
        self.sales, self.purchases = partner_sums(firm_id, around)
        self.partners = set(self.sales) | set(self.purchases)
        self.yen = {q: abs(self.sales.get(q, 0)) + abs(self.purchases.get(q, 0)) for q in self.partners}
        self.role = {q: _role(q, self.sales, self.purchases) for q in self.partners}
        ranked = sorted(self.partners, key=lambda q: (-self.yen[q], q))
        self.drawn = ranked[:cap]
        self.folded: dict[str, list[str]] = defaultdict(list)
        for q in ranked[cap:]:
            self.folded[self.role[q]].append(q)
        slots = [(q, self.role[q]) for q in self.drawn]
        slots += [(f"fold:{side}", side) for side in ("customer", "both", "supplier") if self.folded.get(side)]
        self.ring: Ring = ring_layout(slots)
        self.index = {q: i for i, q in enumerate(self.drawn)}

    def node_id(self, q: str) -> str:
        return f"n{self.index[q] + 1}"

    def slot(self, key: str) -> Slot:
        found = self.ring.slot(key)
        assert found is not None
        return found


def _second_hop(firm_id: str, first: Collection[str], around: Iterable[tuple[str, str, int]]
                ) -> dict[str, dict[str, tuple[int, int]]]:
    """For each first-hop partner, its own partners outside the firm's first
    hop: {partner: {second-hop firm: (yen it sold to them, yen it bought from them)}}."""
    first_set = set(first)
    out: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for s, b, yen in around:
        if s == b:
            continue
        if s in first_set and b != firm_id and b not in first_set:
            out[s][b][0] += yen
        if b in first_set and s != firm_id and s not in first_set:
            out[b][s][1] += yen
    return {q: {r: (v[0], v[1]) for r, v in d.items()} for q, d in out.items()}


def _options() -> dict[str, Any]:
    return {
        "physics": False,
        "layout": {"improvedLayout": False},
        "interaction": {"hover": True, "tooltipDelay": 150, "hideEdgesOnDrag": True, "multiselect": False},
        "nodes": {"font": {"size": 13, "face": "sans-serif"}, "borderWidth": 1},
        "edges": {"smooth": False, "color": {"color": COLOURS["edge"], "opacity": 0.7}},
    }


def view_model(store: ReadStore, firm_id: str, hops: int, month_from: str | None, month_to: str | None,
               lang: Lang, cap: int = FIRST_HOP_CAP) -> dict[str, Any]:
    """What the view of ``firm_id`` draws (JSON-ready): ``firm``, ``hops``,
    ``window``, ``graph`` (vis-network ``nodes``, ``edges``, ``options``;
    positions in pixels), ``facts`` (partners, yen, distress; for the
    legend) and ``strings`` (messages of the page's script)."""
    if hops not in (1, 2):
        raise ValueError("hops must be 1 or 2")
    firm = store.get_firm(firm_id)
    if firm is None:
        raise NotFound(f"no firm {firm_id!r}")
    check_month_window(month_from, month_to)
    t = _Text(lang)
    table = read_table(store, firm_id)  # one of the busiest firms: its pairs and partners laid out by month
    fh = _FirstHop(store, firm_id, month_from, month_to, cap, table)
    second: dict[str, dict[str, tuple[int, int]]] = {}
    if hops == 2 and fh.drawn:
        second = _second_hop(firm_id, fh.partners, _trade_around(store, fh.drawn, month_from, month_to))
    hop2 = {r for q in fh.drawn for r in second.get(q, {})}
    reasons, end = distress_of(store, fh.partners | hop2, month_from, month_to, table)
    firms = store.get_firms([*fh.drawn, *hop2])  # a pseudonym comes back with its visible ledger spelling

    top = max(fh.yen.values(), default=0)
    ego_label = clean_label(firm.name or firm.id, 24)
    nodes: list[dict[str, Any]] = [{
        "id": "n0", "kind": "ego", "x": 0, "y": 0, "fixed": True, "shape": "dot", "size": 34,
        "label": ego_label, "title": f"{clean_label(firm.name or firm.id, TITLE_CHARS)} ({firm.id})",
        "color": {"background": COLOURS["ego"], "border": "#0b1d33"},
        "font": {"size": 16, "strokeWidth": 4, "strokeColor": "#ffffff"},
    }]
    edges: list[dict[str, Any]] = []
    summaries = 0
    for q in fh.drawn:
        role, slot, vid = fh.role[q], fh.slot(q), fh.node_id(q)
        label, head = _name_lines(t, q, firms.get(q))
        why = reasons.get(q, set())
        lines = [head, t(ROLE_LABELS[role]),
                 f"{t('Sales to it')}: {t.yen(fh.sales.get(q, 0))} / {t('Purchases from it')}: "
                 f"{t.yen(fh.purchases.get(q, 0))}"]
        if why:
            lines.append(f"{t('Distress signals')}: {t.reasons(why)}")
        base = COLOURS["masked"] if _masked(q) else COLOURS[role]
        nodes.append({
            "id": vid, "kind": "partner", "ref": q, "role": role, "masked": _masked(q),
            "distress": sorted(why), "x": round(slot.x, 1), "y": round(slot.y, 1),
            "shape": SHAPES[role], "size": _size(fh.yen[q], top), "label": label, "title": "\n".join(lines),
            "color": {"background": _health_colour(why, base), "border": COLOURS[role]},
            "borderWidth": 3 if why else 1,
        })
        arrows = {"customer": "to", "supplier": "from", "both": "to, from"}[role]
        edges.append({"id": f"e{vid}", "from": "n0", "to": vid, "arrows": arrows, "width": _width(fh.yen[q], top),
                      "title": f"{t('Sales to it')}: {t.yen(fh.sales.get(q, 0))} / {t('Purchases from it')}: "
                               f"{t.yen(fh.purchases.get(q, 0))}"})
        mine = second.get(q)
        if hops == 2 and mine:
            n = len(mine)
            yen = sum(abs(a) + abs(b) for a, b in mine.values())
            bad = sum(1 for r in mine if reasons.get(r))
            sx, sy = summary_point(fh.ring, slot)
            text = [t("%(n)s partners of this partner", n=t.num(n)), t.yen(yen)]
            if bad:
                text.append(t("%(n)s in distress", n=t.num(bad)))
            nodes.append({
                "id": f"s{vid}", "kind": "summary", "via": vid, "ref": q, "count": n, "yen": yen,
                "distressed": bad, "x": round(sx, 1), "y": round(sy, 1), "shape": "box",
                "label": "\n".join(text), "title": "\n".join([*text, t("Click to show them")]),
                "color": {"background": COLOURS["summary"], "border": COLOURS["warn"] if bad else "#b8c4d0"},
                "borderWidth": 2 if bad else 1, "font": {"size": 11}, "margin": 6,
            })
            edges.append({"id": f"es{vid}", "from": vid, "to": f"s{vid}", "dashes": True, "width": 1,
                          "color": {"color": "#b8c4d0"}})
            summaries += 1
    for side in ("customer", "both", "supplier"):
        members = fh.folded.get(side)
        if not members:
            continue
        slot = fh.slot(f"fold:{side}")
        yen = sum(fh.yen[q] for q in members)
        bad = sum(1 for q in members if reasons.get(q))
        text = [t("and %(n)s more firms", n=t.num(len(members))), t.yen(yen)]
        if bad:
            text.append(t("%(n)s in distress", n=t.num(bad)))
        nodes.append({
            "id": f"f{side}", "kind": "fold", "role": side, "count": len(members), "yen": yen,
            "distressed": bad, "x": round(slot.x, 1), "y": round(slot.y, 1), "shape": "box",
            "label": "\n".join(text), "title": "\n".join([t(ROLE_LABELS[side]), *text]),
            "color": {"background": COLOURS["fold"], "border": COLOURS[side]}, "font": {"size": 11}, "margin": 6,
        })
        edges.append({"id": f"ef{side}", "from": "n0", "to": f"f{side}", "width": _width(yen, max(top, yen)),
                      "dashes": True, "title": "\n".join(text)})
    customers = [q for q in fh.partners if q in fh.sales]
    suppliers = [q for q in fh.partners if q in fh.purchases]
    facts = {
        "partners": len(fh.partners), "customers": len(customers), "suppliers": len(suppliers),
        "drawn": len(fh.drawn), "folded": len(fh.partners) - len(fh.drawn),
        "sales_yen": sum(fh.sales.values()), "purchases_yen": sum(fh.purchases.values()),
        "distressed": sum(1 for q in fh.partners if reasons.get(q)),
        "masked": sum(1 for q in fh.partners if _masked(q)),
        "second_hop": len(hop2), "summaries": summaries, "as_of": end,
    }
    return {
        "firm": {"id": firm.id, "label": ego_label, "display": clean_label(firm.name or firm.id, TITLE_CHARS)},
        "hops": hops, "window": {"from": month_from, "to": month_to}, "lang": lang,
        "graph": {"nodes": nodes, "edges": edges, "options": _options()},
        "facts": facts,
        "strings": {"loading": t("Loading…"), "failed": t("Could not load the partners of this partner."),
                    "hide": t("Click again to hide them.")},
    }


def expansion(store: ReadStore, firm_id: str, via: str, month_from: str | None, month_to: str | None,
              lang: Lang, limit: int = EXPAND_LIMIT, cap: int = FIRST_HOP_CAP) -> dict[str, Any]:
    """The second-hop firms of the firm's drawn partner ``via`` (its own
    partners outside the firm's first hop), placed beyond it: the ``limit``
    largest by yen with ``via`` as nodes, the rest as one "and N more" node.
    ``NotFound`` when ``via`` is not a drawn partner of the firm (as the
    principal sees it)."""
    firm = store.get_firm(firm_id)
    if firm is None:
        raise NotFound(f"no firm {firm_id!r}")
    check_month_window(month_from, month_to)
    fh = _FirstHop(store, firm_id, month_from, month_to, cap, read_table(store, firm_id))
    if via not in fh.index:
        raise NotFound(f"no drawn partner {via!r} of firm {firm_id!r}")
    t = _Text(lang)
    vid = fh.node_id(via)
    mine = _second_hop(firm_id, fh.partners, _trade_around(store, [via], month_from, month_to)).get(via, {})
    yen = {r: abs(a) + abs(b) for r, (a, b) in mine.items()}
    ranked = sorted(mine, key=lambda r: (-yen[r], r))
    shown, rest = ranked[:limit], ranked[limit:]
    reasons, _ = distress_of(store, mine, month_from, month_to)
    firms = store.get_firms(list(shown))
    top = max(yen.values(), default=0)
    points = cluster_points(fh.ring, fh.slot(via), len(shown) + (1 if rest else 0))
    nodes: list[dict[str, Any]] = []
    edges: list[dict[str, Any]] = []
    for k, r in enumerate(shown):
        x, y = points[k]
        sold, bought = mine[r]
        label, head = _name_lines(t, r, firms.get(r))
        why = reasons.get(r, set())
        lines = [head, f"{t('Sales of the partner to it')}: {t.yen(sold)} / "
                       f"{t('Purchases of the partner from it')}: {t.yen(bought)}"]
        if why:
            lines.append(f"{t('Distress signals')}: {t.reasons(why)}")
        base = COLOURS["masked"] if _masked(r) else COLOURS["second"]
        nid = f"x{vid}-{k}"
        nodes.append({
            "id": nid, "kind": "second", "ref": r, "via": vid, "masked": _masked(r), "distress": sorted(why),
            "x": round(x, 1), "y": round(y, 1), "shape": "dot", "size": _size(yen[r], top, 5, 14),
            "label": label, "title": "\n".join(lines), "font": {"size": 10},
            "color": {"background": _health_colour(why, base), "border": "#6b7f94"},
        })
        arrows = "to" if sold and not bought else ("from" if bought and not sold else "to, from")
        edges.append({"id": f"e{nid}", "from": vid, "to": nid, "arrows": arrows, "width": _width(yen[r], top) / 2,
                      "title": lines[1]})
    if rest:
        x, y = points[-1]
        total = sum(yen[r] for r in rest)
        bad = sum(1 for r in rest if reasons.get(r))
        text = [t("and %(n)s more firms", n=t.num(len(rest))), t.yen(total)]
        if bad:
            text.append(t("%(n)s in distress", n=t.num(bad)))
        nid = f"x{vid}-more"
        nodes.append({"id": nid, "kind": "fold", "via": vid, "count": len(rest), "yen": total, "distressed": bad,
                      "x": round(x, 1), "y": round(y, 1), "shape": "box", "label": "\n".join(text),
                      "title": "\n".join(text), "font": {"size": 10}, "margin": 4,
                      "color": {"background": COLOURS["fold"], "border": COLOURS["warn"] if bad else "#b8c4d0"}})
        edges.append({"id": f"e{nid}", "from": vid, "to": nid, "dashes": True, "width": 1})
    return {"firm": firm.id, "via": via, "via_node": vid, "count": len(mine), "shown": len(shown),
            "more": len(rest), "yen": sum(yen.values()), "distressed": sum(1 for r in mine if reasons.get(r)),
            "nodes": nodes, "edges": edges}
