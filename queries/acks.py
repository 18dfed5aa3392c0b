"""Acknowledgements of alerts: which analyst has looked at an alert, when,
with what note (taken back, the alert is open again). User data, like
users and the audit log: writing one does not change the data version
(alerts are not recomputed for it)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["AlertAck", "MAX_NOTE_CHARS", "ACKS_PER_WRITE"]

MAX_NOTE_CHARS = 2000
"""Longest note kept with an acknowledgement (characters)."""

ACKS_PER_WRITE = 5000
"""Alerts acknowledged (or taken back) together per write transaction
(``Store.ack_alerts``, ``Store.unack_alerts``)."""


@dataclass(frozen=True, slots=True)
class AlertAck:
    """One alert acknowledged: the alert's stable id (:func:`graph.alerts.alert_id`),
    the user who acknowledged it, their note and when (UTC ISO)."""

    alert_id: str
    user: str
    note: str
    at: str
