"""Acknowledgements of alerts in the embedded store: one row per alert id;
the first acknowledgement stays (a second one changes nothing)."""

from typing import Final

SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS alert_acks (
    alert_id TEXT PRIMARY KEY,
    user     TEXT NOT NULL,
    note     TEXT NOT NULL DEFAULT '',
    at       TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS alert_acks_at ON alert_acks(at);
"""

INSERT_ACK: Final = "INSERT OR IGNORE INTO alert_acks (alert_id, user, note, at) VALUES (?, ?, ?, ?)"
ALL_ACKS: Final = "SELECT alert_id, user, note, at FROM alert_acks ORDER BY at, alert_id"
ACKS_OF: Final = ("SELECT alert_id, user, note, at FROM alert_acks "
                  "WHERE alert_id IN (SELECT value FROM json_each(?)) ORDER BY at, alert_id")
ACKED_OF: Final = "SELECT alert_id FROM alert_acks WHERE alert_id IN (SELECT value FROM json_each(?))"
DELETE_ACKS: Final = "DELETE FROM alert_acks WHERE alert_id IN (SELECT value FROM json_each(?)) RETURNING alert_id"
