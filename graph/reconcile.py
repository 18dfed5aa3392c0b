"""Two-sided reconciliation: one flow, two ledgers.

When both seller and buyer are BPO clients, the seller's sales to the buyer
and the buyer's purchases from the seller in the same month are two
observations of one flow. Both are kept (the network counts the flow once,
see :func:`queries.observations.merge_observations`); this module reports the
months where they disagree beyond a tolerance — a timing difference, a
missing invoice, or a resolution error worth a look.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from graph.records import ObservedTrade as Observation

__all__ = ["Observation", "Disagreement", "reconcile", "DEFAULT_TOLERANCE_PCT", "DEFAULT_TOLERANCE_YEN"]

DEFAULT_TOLERANCE_PCT = 5.0  # percent of the larger observation
DEFAULT_TOLERANCE_YEN = 1_000  # yen; differences at or below this never count



@dataclass(frozen=True)
class Disagreement:
    """One (seller, buyer, month) whose two observations differ.

    ``seller_says`` is the seller's sales ledger (yen), ``buyer_says`` the
    buyer's purchases ledger (yen); ``None`` when that side has no entry.
    """

    seller: str
    buyer: str
    month: str
    seller_says: int | None
    buyer_says: int | None
    difference: int  # seller_says − buyer_says, yen (missing side counts as 0)
    difference_pct: float  # of the larger absolute observation, percent


def reconcile(
    observations: Iterable[Observation],
    tolerance_pct: float = DEFAULT_TOLERANCE_PCT,
    tolerance_yen: int = DEFAULT_TOLERANCE_YEN,
) -> list[Disagreement]:
    """Months where seller and buyer ledgers disagree by more than both
    ``tolerance_yen`` and ``tolerance_pct`` percent, sorted by size.

    Observations by a third party (neither seller nor buyer) are ignored.
    A flow seen by only one side is reported when it is above tolerance.
    """
    sides: dict[tuple[str, str, str], dict[str, int]] = {}
    for o in observations:
        side = "seller" if o.observer == o.seller else "buyer" if o.observer == o.buyer else None
        if side is None:
            continue
        acc = sides.setdefault((o.seller, o.buyer, o.month), {})
        acc[side] = acc.get(side, 0) + o.amount
    out = []
    for (s, b, m), obs in sides.items():
        seller_says, buyer_says = obs.get("seller"), obs.get("buyer")
        diff = (seller_says or 0) - (buyer_says or 0)
        base = max(abs(seller_says or 0), abs(buyer_says or 0))
        pct = 100.0 * abs(diff) / base if base else 0.0
        if abs(diff) > tolerance_yen and pct > tolerance_pct:
            out.append(Disagreement(s, b, m, seller_says, buyer_says, diff, round(pct, 2)))
    return sorted(out, key=lambda d: (-abs(d.difference), d.seller, d.buyer, d.month))
