"""What each peer measure means, in a line a credit officer can read
(English here, translated by the page's catalog; ``firm.po``).

The firm page and the memo show a measure's name, the firm's value and the
peers' quartiles; without a line on what the measure is, "network
constraint 0.345" or "effective size 3.00" say nothing to a reader who is
not a network scientist. The lines say what a high value means and, for
the network measures, where they come from (Burt's structural holes).
"""

from __future__ import annotations

__all__ = ["MEASURE_HELP", "measure_help"]

MEASURE_HELP: dict[str, str] = {
    "size_class": "Size by annual sales: 1 under ¥50M, 2 under ¥100M, 3 under ¥1bn, 4 ¥1bn or more.",
    "profitable": "1 when the latest fiscal year closed with an ordinary profit, 0 with a loss.",
    "ordinary_margin_pct": "Ordinary profit as a share of sales.",
    "employees": "People employed, from the management figures.",
    "nonregular_ratio_pct": "Share of staff who are part-time, temporary or contract workers.",
    "overtime_hours": "Average overtime per employee and month.",
    "ar_turnover_days": "Days of sales outstanding as receivables, from the management figures; "
                        "longer means customers pay later.",
    "indirect_staff_ratio_pct": "Share of staff not directly in production or sales (administration).",
    "out_degree": "Firms it sold to.",
    "in_degree": "Firms it bought from.",
    "partners": "Firms it traded with, customers and suppliers together.",
    "out_strength": "Its sales to firms in the data, over the window.",
    "in_strength": "Its purchases from firms in the data, over the window.",
    "top_customer_share": "Share of its sales that go to its largest customer; high means it depends on one buyer.",
    "top3_customer_share": "Share of its sales that go to its three largest customers.",
    "customer_hhi": "Concentration of its sales over customers (sum of squared shares): 1 is a single "
                    "customer, near 0 many small ones.",
    "top_supplier_share": "Share of its purchases from its largest supplier.",
    "top3_supplier_share": "Share of its purchases from its three largest suppliers.",
    "supplier_hhi": "Concentration of its purchases over suppliers (sum of squared shares).",
    "constraint": "Dependence on few partners that are tied to one another (Burt): high means its "
                  "trade sits with a small, closed group, with few alternatives outside it.",
    "effective_size": "Partners that are not tied to each other (Burt): the number of independent "
                      "trading relationships it has.",
    "ego_density": "Share of possible ties among its partners that exist: high is a closed group.",
    "reciprocity": "Share of its partners it both sells to and buys from.",
    "reciprocity_amount": "Share of its trade (yen) with partners it both sells to and buys from.",
    "new_partners_per_period": "Partners gained per quarter, on average.",
    "lost_partners_per_period": "Partners lost per quarter, on average.",
    "partner_churn_rate": "Share of the partners at the start of a quarter that were gone by its end.",
    "client_sales_coverage": "Share of its sales to partners whose own ledgers are in the data (BPO clients).",
    "client_purchase_coverage": "Share of its purchases from partners whose own ledgers are in the data.",
    "distressed": "1 when the firm itself shows a distress signal: an ordinary loss, receivable days up "
                  "by 10 or more, or no trade in the last 3 months.",
    "partner_distress_share": "Share of its trade (yen) with partners that show a distress signal.",
    "customer_distress_share": "Share of its sales to customers that show a distress signal.",
    "supplier_distress_share": "Share of its purchases from suppliers that show a distress signal.",
    "two_hop_distress_exposure": "Distress one step beyond its partners: each partner's share of its trade "
                                 "times the share of that partner's other trade with firms that show a "
                                 "distress signal, added up.",
    "hops_to_distress": "Steps to the nearest firm with a distress signal (0: the firm itself, 1: a direct partner).",
}
"""Peer measure → one line on what it means (English; the catalog has the Japanese)."""


def measure_help(name: str) -> str | None:
    """The line on ``name`` (English, to be translated), if there is one."""
    return MEASURE_HELP.get(name)
