"""The ego network as an HTML page, built with pyvis and drawn by vis-network.

pyvis 0.3.2 is unmaintained and its own templates insert the heading, node
ids and (when any tooltip mentions "href") tooltips raw into the page, and
pull Bootstrap and vis-network from CDNs. So pyvis is used only to assemble
nodes, edges and options (``Network.get_network_data``); the page is our own
template that:

* uses opaque node ids (``n0``, ``n1`` …) and names only as canvas labels
  and plain-text tooltips (vis-network ≥ 9 renders a string title as text);
* carries the data as JSON in a ``<script type="application/json">`` block
  with ``<``, ``>`` and ``&`` escaped, read by a static script;
* loads vis-network from this server (``/static/vis``), never a CDN, under a
  Content-Security-Policy without inline scripts;
* freezes physics after stabilisation so large views stay responsive.
"""

from __future__ import annotations

import html
import json
import math
from importlib import resources
from pathlib import Path
from typing import Any

from pyvis.network import Network

__all__ = ["render_ego_page", "vis_asset_dir", "CSP"]

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)

_ROLE_COLOURS = {
    "ego": "#d62728",
    "customer": "#1f77b4",
    "supplier": "#2ca02c",
    "both": "#9467bd",
    "indirect": "#bbbbbb",
}


def vis_asset_dir() -> Path:
    """Folder with vis-network's JS and CSS as shipped inside pyvis."""
    return Path(str(resources.files("pyvis") / "lib" / "vis-9.1.2"))


def _yen(amount: int) -> str:
    return f"¥{amount:,}"


def _build_network(ego: dict[str, Any]) -> Network:
    net = Network(directed=True, cdn_resources="remote")
    ids = {n["id"]: f"n{i}" for i, n in enumerate(ego["nodes"])}
    for n in ego["nodes"]:
        name = n.get("name") or n["id"]
        lines = [f"{name} ({n['id']})", f"role: {n['role']}, hop {n['hop']}"]
        if n["hop"] == 1:
            lines.append(f"sales to: {_yen(n['sales_to'])} / purchases from: {_yen(n['purchases_from'])}")
            lines.append(f"months: {len(n['months'])}")
        net.add_node(
            ids[n["id"]],
            label=str(name)[:24],
            title="\n".join(lines),
            color=_ROLE_COLOURS.get(n["role"], "#999999"),
            size=28 if n["hop"] == 0 else (16 if n["hop"] == 1 else 9),
            shape="dot",
        )
    top = max((abs(e["amount"]) for e in ego["edges"]), default=1) or 1
    for e in ego["edges"]:
        width = 1 + 9 * math.sqrt(abs(e["amount"]) / top)
        net.add_edge(
            ids[e["source"]],
            ids[e["target"]],
            value=abs(e["amount"]),
            width=width,
            title=f"{_yen(e['amount'])} over {len(e['monthly'])} months",
            arrows="to",
        )
    net.set_options(json.dumps({
        "physics": {"solver": "forceAtlas2Based", "stabilization": {"iterations": 250}},
        "edges": {"smooth": {"type": "continuous"}, "scaling": {"min": 1, "max": 10}},
        "interaction": {"hover": True, "tooltipDelay": 120},
    }))
    return net


def _json_for_html(data: Any) -> str:
    """JSON safe to embed in a ``<script type="application/json">`` block."""
    text = json.dumps(data, ensure_ascii=False)
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


def render_ego_page(ego: dict[str, Any]) -> str:
    """The full HTML page of an ego network (the dict of ``GET /firms/{id}/ego``)."""
    net = _build_network(ego)
    nodes, edges, _heading, _h, _w, options = net.get_network_data()
    payload = {"nodes": nodes, "edges": edges, "options": json.loads(options)}
    firm = ego["firm"]
    title = html.escape(f"{firm.get('name') or firm['id']} — trade network")
    m = ego["metrics"]
    facts = [
        ("customers", m.get("out_degree")),
        ("suppliers", m.get("in_degree")),
        ("sales (yen)", f"{m.get('out_strength', 0):,}"),
        ("purchases (yen)", f"{m.get('in_strength', 0):,}"),
        ("top customer share", _pct(m.get("top_customer_share"))),
        ("top supplier share", _pct(m.get("top_supplier_share"))),
    ]
    facts_html = "".join(
        f"<li><b>{html.escape(k)}</b>: {html.escape(str(v))}</li>" for k, v in facts
    )
    window = ego.get("window") or {}
    window_text = html.escape(f"{window.get('from') or 'start'} – {window.get('to') or 'latest'}")
    legend = "".join(
        f'<span class="key" style="background:{c}"></span>{html.escape(r)} ' for r, c in _ROLE_COLOURS.items()
    )
    return _PAGE.format(
        title=title,
        firm_id=html.escape(firm["id"]),
        window=window_text,
        hops=int(ego["hops"]),
        facts=facts_html,
        legend=legend,
        truncated="<p class=warn>Second hop truncated to the largest partners.</p>" if ego.get("truncated") else "",
        data=_json_for_html(payload),
    )


def _pct(x: object) -> str:
    return "—" if x is None else f"{float(x) * 100:.1f}%"  # type: ignore[arg-type]


_PAGE = """<!doctype html>
<html lang="ja"><head><meta charset="utf-8">
<title>{title}</title>
<link rel="stylesheet" href="/static/vis/vis-network.css">
<style>
body {{ font-family: system-ui, sans-serif; margin: 0; display: flex; height: 100vh; }}
#side {{ width: 300px; padding: 12px 16px; border-right: 1px solid #ddd; overflow: auto; }}
#graph {{ flex: 1; }}
.key {{ display: inline-block; width: 10px; height: 10px; border-radius: 5px; margin: 0 4px 0 8px; }}
.warn {{ color: #a60; }}
</style></head>
<body>
<div id="side">
<h1 style="font-size:1.2em">{title}</h1>
<p>id <code>{firm_id}</code>, {hops} hop(s), months {window}</p>
<ul>{facts}</ul>
<p>{legend}</p>
<p>Arrows point from seller to buyer; edge width grows with yen.</p>
{truncated}
</div>
<div id="graph"></div>
<script type="application/json" id="graph-data">{data}</script>
<script src="/static/vis/vis-network.min.js"></script>
<script src="/static/ego-view.js"></script>
</body></html>
"""
