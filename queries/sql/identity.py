"""Users, consent history and the audit log in the embedded store.

Consent events and audit entries are append-only: triggers refuse any
UPDATE or DELETE of them, whatever code runs against the file.
"""

from typing import Final

SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS users (
    name            TEXT PRIMARY KEY,
    role            TEXT NOT NULL,
    bank            TEXT,
    active          INTEGER NOT NULL DEFAULT 1,
    created_at      TEXT NOT NULL DEFAULT '',
    token_id        TEXT NOT NULL DEFAULT '',
    token_hash      TEXT NOT NULL DEFAULT '',
    token_issued_at TEXT NOT NULL DEFAULT '',
    password_hash   TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX IF NOT EXISTS users_token_id ON users(token_id) WHERE token_id <> '';

CREATE TABLE IF NOT EXISTS consent_events (
    seq     INTEGER PRIMARY KEY AUTOINCREMENT,
    firm_id TEXT NOT NULL,
    bank    TEXT NOT NULL,
    action  TEXT NOT NULL CHECK (action IN ('grant', 'revoke')),
    who     TEXT NOT NULL,
    at      TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS consent_events_firm ON consent_events(firm_id, seq);
CREATE TRIGGER IF NOT EXISTS consent_events_no_update BEFORE UPDATE ON consent_events
BEGIN SELECT RAISE(ABORT, 'consent history is append-only'); END;
CREATE TRIGGER IF NOT EXISTS consent_events_no_delete BEFORE DELETE ON consent_events
BEGIN SELECT RAISE(ABORT, 'consent history is append-only'); END;

CREATE TABLE IF NOT EXISTS audit_log (
    seq     INTEGER PRIMARY KEY AUTOINCREMENT,
    id      TEXT NOT NULL UNIQUE,
    at      TEXT NOT NULL,
    user    TEXT NOT NULL,
    role    TEXT NOT NULL,
    bank    TEXT,
    action  TEXT NOT NULL,
    firm_id TEXT,
    outcome TEXT NOT NULL,
    detail  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS audit_log_at ON audit_log(at);
CREATE INDEX IF NOT EXISTS audit_log_user ON audit_log(user, at);
CREATE INDEX IF NOT EXISTS audit_log_firm ON audit_log(firm_id, at);
CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
"""

USER_COLUMNS: Final = ("name, role, bank, active, created_at, token_id, token_hash, token_issued_at, "
                       "password_hash")
INSERT_USER: Final = f"INSERT OR IGNORE INTO users ({USER_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
GET_USER: Final = f"SELECT {USER_COLUMNS} FROM users WHERE name = ?"
LIST_USERS: Final = f"SELECT {USER_COLUMNS} FROM users ORDER BY name"
USER_BY_TOKEN: Final = f"SELECT {USER_COLUMNS} FROM users WHERE token_id = ? AND token_id <> ''"
SET_ACTIVE: Final = "UPDATE users SET active = ? WHERE name = ?"
SET_TOKEN: Final = "UPDATE users SET token_id = ?, token_hash = ?, token_issued_at = ? WHERE name = ?"
SET_PASSWORD: Final = "UPDATE users SET password_hash = ? WHERE name = ?"
SET_BANK: Final = "UPDATE users SET bank = ? WHERE name = ?"

CONSENT_OF_FIRMS: Final = "SELECT id, consented_banks FROM firms WHERE id IN (SELECT value FROM json_each(?))"
SET_CONSENT: Final = "UPDATE firms SET consented_banks = ? WHERE id = ?"
# The data version a change of consent commits at (its transaction bumps it
# last), kept per bank changed: Store.consent_version.
MARK_CONSENT_VERSION: Final = """
INSERT INTO meta (key, value) SELECT 'consent_version:' || ?, value + 1 FROM meta WHERE key = 'data_version'
ON CONFLICT (key) DO UPDATE SET value = excluded.value
"""
CONSENT_VERSION: Final = "SELECT value FROM meta WHERE key = 'consent_version:' || ?"
INSERT_CONSENT_EVENT: Final = "INSERT INTO consent_events (firm_id, bank, action, who, at) VALUES (?, ?, ?, ?, ?)"
CONSENT_COLUMNS: Final = "firm_id, bank, action, who, at"
ALL_CONSENT_EVENTS: Final = f"SELECT {CONSENT_COLUMNS} FROM consent_events ORDER BY seq"
CONSENT_EVENTS_OF: Final = (f"SELECT {CONSENT_COLUMNS} FROM consent_events "
                            "WHERE firm_id IN (SELECT value FROM json_each(?)) ORDER BY seq")
CONSENTED_FIRMS: Final = ("SELECT id, consented_banks FROM firms "
                          "WHERE consented_banks IS NOT NULL AND consented_banks <> '' ORDER BY id")
CONSENT_OF_FIRM: Final = "SELECT id, consented_banks FROM firms WHERE id = ?"

AUDIT_COLUMNS: Final = "user, role, bank, action, firm_id, outcome, detail, at, id"
INSERT_AUDIT: Final = f"INSERT INTO audit_log ({AUDIT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
# Every filter is optional: a NULL parameter matches every row.
AUDIT_WHERE: Final = """
WHERE (:user IS NULL OR user = :user)
  AND (:firm IS NULL OR firm_id = :firm)
  AND (:since IS NULL OR at >= :since)
  AND (:until IS NULL OR at < :until)
  AND (:action IS NULL OR action = :action)
  AND (:prefixes IS NULL OR EXISTS (
        SELECT 1 FROM json_each(:prefixes) p WHERE substr(action, 1, length(p.value)) = p.value))
"""
AUDIT_PAGE: Final = (f"SELECT {AUDIT_COLUMNS} FROM audit_log {AUDIT_WHERE} "
                     "ORDER BY at DESC, seq DESC LIMIT :limit OFFSET :offset")
AUDIT_COUNT: Final = f"SELECT count(*) FROM audit_log {AUDIT_WHERE}"
