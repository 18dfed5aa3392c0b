"""Firm search by any spelling, and display names (embedded store).

Search keys (:func:`domain.search.search_key`) are computed in Python and
kept in two small tables: ``firm_keys`` (a firm's name, each client's
spelling of it, the names the firm master gave) and ``registry_keys`` (the
registry name and フリガナ of a 法人番号, found through the firm holding
that number). A search scans the keys by substring; keys of firms since
deleted are ignored by the join with ``firms``.
"""

from typing import Final

from queries.sql.firms import FIRM_COLUMNS

SEARCH_SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS firm_keys (
    firm_id TEXT NOT NULL,
    key     TEXT NOT NULL,
    PRIMARY KEY (firm_id, key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS registry_keys (
    corporate_number TEXT NOT NULL,
    key              TEXT NOT NULL,
    PRIMARY KEY (corporate_number, key)
) WITHOUT ROWID;
-- Names given to a firm outside the ledgers (the firm master): observed
-- spellings that are no client's alias.
CREATE TABLE IF NOT EXISTS firm_spellings (
    firm_id TEXT NOT NULL,
    name    TEXT NOT NULL,
    PRIMARY KEY (firm_id, name)
) WITHOUT ROWID;
-- A firm's spellings, and how given ledgers spell given firms (a credit
-- officer's pseudonymous partners: Store.spellings), from the index alone.
CREATE INDEX IF NOT EXISTS aliases_firm_spelling ON aliases(firm_id, client_id, raw_name);
"""

KEYS_VERSION: Final = "SELECT value FROM meta WHERE key = 'search_keys'"
SET_KEYS_VERSION: Final = """
INSERT INTO meta (key, value) VALUES ('search_keys', ?)
ON CONFLICT(key) DO UPDATE SET value = excluded.value
"""
CLEAR_FIRM_KEYS: Final = "DELETE FROM firm_keys"
CLEAR_REGISTRY_KEYS: Final = "DELETE FROM registry_keys"
ALL_ALIAS_NAMES: Final = "SELECT DISTINCT firm_id, raw_name FROM aliases"
ALL_FIRM_NAMES: Final = "SELECT id, name FROM firms WHERE name IS NOT NULL"
ALL_SPELLINGS: Final = "SELECT firm_id, name FROM firm_spellings"
ALL_REGISTRY_NAMES: Final = "SELECT corporate_number, name, furigana FROM registry"

# A store of the version before kept no spellings apart from aliases: a firm's
# name that is neither one of its aliases nor its registry name came from the
# firm master, and stays a spelling.
SEED_SPELLINGS: Final = """
INSERT OR IGNORE INTO firm_spellings (firm_id, name)
SELECT f.id, f.name FROM firms f
WHERE f.name IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM aliases a WHERE a.firm_id = f.id AND a.raw_name = f.name)
  AND NOT EXISTS (SELECT 1 FROM registry r WHERE r.corporate_number = f.corporate_number AND r.name = f.name)
"""

ADD_FIRM_KEY: Final = "INSERT OR IGNORE INTO firm_keys (firm_id, key) VALUES (?, ?)"
ADD_REGISTRY_KEY: Final = "INSERT OR IGNORE INTO registry_keys (corporate_number, key) VALUES (?, ?)"
DELETE_REGISTRY_KEYS: Final = "DELETE FROM registry_keys WHERE corporate_number = ?"
DELETE_FIRM_KEYS: Final = "DELETE FROM firm_keys WHERE firm_id = ?"
ADD_SPELLING: Final = "INSERT OR IGNORE INTO firm_spellings (firm_id, name) VALUES (?, ?)"

# Every name a firm is known by (to rebuild its keys after a spelling left it).
NAMES_OF_FIRM: Final = """
SELECT raw_name FROM aliases WHERE firm_id = :id
UNION SELECT name FROM firm_spellings WHERE firm_id = :id
UNION SELECT name FROM firms WHERE id = :id AND name IS NOT NULL
"""

SET_NAME: Final = "UPDATE firms SET name = ? WHERE id = ?"

# What display names are chosen from (ids as a JSON array).
FIRMS_WITH_REGISTRY: Final = """
SELECT f.id, f.name, r.name FROM firms f
LEFT JOIN registry r ON r.corporate_number = f.corporate_number
WHERE f.id IN (SELECT value FROM json_each(?))
"""
ALIAS_SPELLINGS: Final = """
SELECT firm_id, raw_name, count(*) FROM aliases
WHERE firm_id IN (SELECT value FROM json_each(?)) GROUP BY firm_id, raw_name
"""
MASTER_SPELLINGS: Final = """
SELECT firm_id, name FROM firm_spellings WHERE firm_id IN (SELECT value FROM json_each(?))
"""

# Every name search finds a firm by, with the client whose ledger gave it (NULL:
# the firm master, the display name, the registry's name and フリガナ); ids as a JSON array.
SEARCH_NAMES: Final = """
WITH ids(id) AS (SELECT value FROM json_each(?))
SELECT a.firm_id, a.client_id, a.raw_name FROM aliases a WHERE a.firm_id IN (SELECT id FROM ids)
UNION ALL SELECT s.firm_id, NULL, s.name FROM firm_spellings s WHERE s.firm_id IN (SELECT id FROM ids)
UNION ALL SELECT f.id, NULL, f.name FROM firms f WHERE f.id IN (SELECT id FROM ids) AND f.name IS NOT NULL
UNION ALL SELECT f.id, NULL, r.name FROM firms f JOIN registry r ON r.corporate_number = f.corporate_number
          WHERE f.id IN (SELECT id FROM ids)
UNION ALL SELECT f.id, NULL, r.furigana FROM firms f JOIN registry r ON r.corporate_number = f.corporate_number
          WHERE f.id IN (SELECT id FROM ids) AND r.furigana IS NOT NULL
"""

# :key — the query's key (may be ''); :q — the query as an id (domain.search.id_query; '' lists every firm); :cn —
# the digits of a 法人番号 query (may be '').
_HITS: Final = """
WITH hits(id) AS (
    SELECT firm_id FROM firm_keys WHERE :key != '' AND instr(key, :key) > 0
    UNION
    SELECT f.id FROM registry_keys r JOIN firms f ON f.corporate_number = r.corporate_number
    WHERE :key != '' AND instr(r.key, :key) > 0
    UNION
    SELECT id FROM firms
    WHERE instr(lower(id), lower(:q)) > 0
       OR (:cn != '' AND instr(COALESCE(corporate_number, ''), :cn) > 0)
)
"""
SEARCH: Final = _HITS + f"""
SELECT {FIRM_COLUMNS} FROM firms WHERE id IN (SELECT id FROM hits)
ORDER BY COALESCE(is_client, 0) DESC, id LIMIT :limit OFFSET :offset  -- clients first
"""
COUNT_SEARCH: Final = _HITS + "SELECT count(*) FROM firms WHERE id IN (SELECT id FROM hits)"
