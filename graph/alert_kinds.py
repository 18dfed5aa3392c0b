"""The kinds of alert :mod:`graph.alerts` raises, by name.

Kept apart from the computation (numpy, pandas, networkx) so that what only
needs the names — the CLI's ``alerts --kind`` choices, the API's query
validation — can import them without loading the analytics stack.
"""

from __future__ import annotations

__all__ = ["KINDS", "TOP_PARTNER_LOST", "CONCENTRATION_JUMP", "PARTNER_DISTRESS", "RECEIVABLE_DAYS",
           "COVERAGE_DROP"]

TOP_PARTNER_LOST = "top_partner_lost"
CONCENTRATION_JUMP = "concentration_jump"
PARTNER_DISTRESS = "partner_distress"
RECEIVABLE_DAYS = "receivable_days_rising"
COVERAGE_DROP = "coverage_drop"
KINDS: tuple[str, ...] = (TOP_PARTNER_LOST, CONCENTRATION_JUMP, PARTNER_DISTRESS, RECEIVABLE_DAYS,
                          COVERAGE_DROP)
