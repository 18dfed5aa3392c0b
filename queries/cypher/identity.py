"""Users (:User), consent history (:ConsentEvent) and the audit log
(:AuditEntry) in Neo4j. Events and entries are only ever created: no
statement here changes or deletes one."""

from typing import Final, LiteralString

SCHEMA: Final[tuple[LiteralString, ...]] = (
    "CREATE CONSTRAINT user_name IF NOT EXISTS FOR (u:User) REQUIRE u.name IS UNIQUE",
    "CREATE INDEX user_token_id IF NOT EXISTS FOR (u:User) ON (u.token_id)",
    "CREATE INDEX consent_event_firm IF NOT EXISTS FOR (e:ConsentEvent) ON (e.firm_id)",
    "CREATE CONSTRAINT audit_entry_id IF NOT EXISTS FOR (a:AuditEntry) REQUIRE a.id IS UNIQUE",
    "CREATE INDEX audit_entry_at IF NOT EXISTS FOR (a:AuditEntry) ON (a.at)",
    "CREATE INDEX audit_entry_user IF NOT EXISTS FOR (a:AuditEntry) ON (a.user)",
    "CREATE INDEX audit_entry_firm IF NOT EXISTS FOR (a:AuditEntry) ON (a.firm_id)",
)


def _numbered(counter: LiteralString, label: LiteralString) -> LiteralString:
    """Create one ``label`` node per row of ``$rows``, with the row's fields and a
    ``number`` in commit order, as SQLite's AUTOINCREMENT numbers rows: the
    counter's ``Meta`` node stays locked until the commit, so writers take
    turns. The history and the log are listed in that order on both stores
    (a time given by the caller can run behind it, and two writes can fall
    in the same microsecond)."""
    return ("MERGE (m:Meta {key: '" + counter + "'}) "
            "SET m.n = coalesce(m.n, 0) + size($rows) "
            "WITH m.n - size($rows) AS base "
            "UNWIND range(0, size($rows) - 1) AS i "
            "CREATE (e:" + label + ") SET e = $rows[i], e.number = base + i + 1")


USER_FIELDS: Final[LiteralString] = (
    "u.name AS name, u.role AS role, u.bank AS bank, u.active AS active, u.created_at AS created_at, "
    "u.token_id AS token_id, u.token_hash AS token_hash, u.token_issued_at AS token_issued_at, "
    "u.password_hash AS password_hash"
)
ADD_USER: Final[LiteralString] = """
OPTIONAL MATCH (old:User {name: $user.name})
WITH old WHERE old IS NULL
CREATE (u:User)
SET u = $user
RETURN u.name AS name
"""
GET_USER: Final[LiteralString] = "MATCH (u:User {name: $name}) RETURN " + USER_FIELDS
LIST_USERS: Final[LiteralString] = "MATCH (u:User) RETURN " + USER_FIELDS + " ORDER BY u.name"
USER_BY_TOKEN: Final[LiteralString] = (
    "MATCH (u:User {token_id: $token_id}) WHERE $token_id <> '' RETURN " + USER_FIELDS
)
# A request's first read (queries.identity.TokenRead): the token's user, the
# data and trade versions and one stored analytics entry (``$name`` null: none) in one
# round trip; for a user with a bank, its consent version and the entry stored
# for it, named $bank_head + bank + $bank_tail (``$bank_head`` null: none).
# Each OPTIONAL MATCH is on a unique or indexed key: one row.
TOKEN_READ: Final[LiteralString] = (
    "OPTIONAL MATCH (m:Meta {key: 'data'}) "
    "WITH m.version AS version, coalesce(m.trade_version, m.version) AS trade_version "
    "OPTIONAL MATCH (a:Analytics {name: $name}) "
    "WITH version, trade_version, a.data_version AS entry_version, a.created_at AS entry_created_at, "
    "a.payload AS entry_payload "
    "OPTIONAL MATCH (u:User {token_id: $token_id}) WHERE $token_id <> '' "
    "OPTIONAL MATCH (c:Meta {key: 'consent_version:' + u.bank}) "
    "WITH version, trade_version, entry_version, entry_created_at, entry_payload, u, "
    "c.version AS consent_version, $bank_head + u.bank + $bank_tail AS bank_entry_name "
    "OPTIONAL MATCH (b:Analytics {name: bank_entry_name}) "
    "RETURN version, trade_version, entry_version, entry_created_at, entry_payload, consent_version, "
    "bank_entry_name, b.data_version AS bank_entry_version, b.created_at AS bank_entry_created_at, "
    "b.payload AS bank_entry_payload, " + USER_FIELDS
)
SET_ACTIVE: Final[LiteralString] = "MATCH (u:User {name: $name}) SET u.active = $active RETURN u.name AS name"
SET_TOKEN: Final[LiteralString] = """
MATCH (u:User {name: $name})
SET u.token_id = $token_id, u.token_hash = $token_hash, u.token_issued_at = $issued_at
RETURN u.name AS name
"""
SET_PASSWORD: Final[LiteralString] = (
    "MATCH (u:User {name: $name}) SET u.password_hash = $password_hash RETURN u.name AS name"
)
SET_BANK: Final[LiteralString] = "MATCH (u:User {name: $name}) SET u.bank = $bank RETURN u.name AS name"

CONSENT_OF_FIRMS: Final[LiteralString] = (
    "MATCH (f:Firm) WHERE f.id IN $ids RETURN f.id AS id, f.consented_banks AS banks"
)
# The firms' nodes are written first, so that two changes of one firm's
# consent at the same time take turns instead of losing one.
LOCK_FIRMS: Final[LiteralString] = "MATCH (f:Firm) WHERE f.id IN $ids SET f._lock = true REMOVE f._lock"
SET_CONSENT: Final[LiteralString] = """
UNWIND $rows AS row
MATCH (f:Firm {id: row.id})
SET f.consented_banks = row.banks
"""
# The data version a change of consent commits at (its transaction bumps it
# last), kept per bank changed: Store.consent_version. The data version's node
# is locked before it is read: two changes of different firms at once would
# otherwise both read the same version, and the later commit's bank would be
# marked one version too low (an answer stored for the bank in between then
# looks current after the later change).
MARK_CONSENT_VERSION: Final[LiteralString] = """
MERGE (m:Meta {key: 'data'})
SET m._lock = true
REMOVE m._lock
WITH m, coalesce(m.version, 0) + 1 AS version
UNWIND $banks AS bank
MERGE (c:Meta {key: 'consent_version:' + bank})
SET c.version = version
"""
CONSENT_VERSION: Final[LiteralString] = (
    "MATCH (c:Meta {key: 'consent_version:' + $bank}) RETURN c.version AS version"
)
CREATE_CONSENT_EVENTS: Final[LiteralString] = _numbered("consent_number", "ConsentEvent")
CONSENT_FIELDS: Final[LiteralString] = (
    "e.firm_id AS firm_id, e.bank AS bank, e.action AS action, e.who AS who, e.at AS at"
)
# Oldest first: in the order applied (``number``); events written before it
# was (none; older than any with one) by time and their place in their change.
CONSENT_ORDER: Final[LiteralString] = " ORDER BY coalesce(e.number, 0), e.at, e.seq"
ALL_CONSENT_EVENTS: Final[LiteralString] = (
    "MATCH (e:ConsentEvent) RETURN " + CONSENT_FIELDS + CONSENT_ORDER
)
CONSENT_EVENTS_OF: Final[LiteralString] = (
    "MATCH (e:ConsentEvent) WHERE e.firm_id IN $ids RETURN " + CONSENT_FIELDS + CONSENT_ORDER
)
CONSENTED_FIRMS: Final[LiteralString] = (
    "MATCH (f:Firm) WHERE size(coalesce(f.consented_banks, [])) > 0 "
    "RETURN f.id AS id, f.consented_banks AS banks ORDER BY f.id"
)
CONSENT_OF_FIRM: Final[LiteralString] = (
    "MATCH (f:Firm {id: $id}) RETURN f.id AS id, f.consented_banks AS banks"
)

CREATE_AUDIT: Final[LiteralString] = _numbered("audit_number", "AuditEntry")
AUDIT_FIELDS: Final[LiteralString] = (
    "a.user AS user, a.role AS role, a.bank AS bank, a.action AS action, a.firm_id AS firm_id, "
    "a.outcome AS outcome, a.detail AS detail, a.at AS at, a.id AS id"
)
# Every filter is optional: a null parameter matches every entry.
AUDIT_MATCH: Final[LiteralString] = """
MATCH (a:AuditEntry)
WHERE ($user IS NULL OR a.user = $user)
  AND ($firm IS NULL OR a.firm_id = $firm)
  AND ($since IS NULL OR a.at >= $since)
  AND ($until IS NULL OR a.at < $until)
  AND ($action IS NULL OR a.action = $action)
  AND ($prefixes IS NULL OR any(p IN $prefixes WHERE a.action STARTS WITH p))
"""
# Newest first; entries written before ``number`` was (none) count as older, by id.
AUDIT_PAGE: Final[LiteralString] = (
    AUDIT_MATCH + "RETURN " + AUDIT_FIELDS
    + " ORDER BY a.at DESC, coalesce(a.number, 0) DESC, a.id DESC SKIP $offset LIMIT $limit"
)
AUDIT_COUNT: Final[LiteralString] = AUDIT_MATCH + "RETURN count(a) AS n"
