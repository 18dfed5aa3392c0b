"""Firm search by any spelling, and display names (Neo4j).

Search keys (:func:`domain.search.search_key`) are computed in Python and
kept as small nodes with a text index, so a substring search does not read
every firm: ``(:FirmKey {uid, firm_id, key})`` for a firm's name, each
client's spelling of it and the names the firm master gave (those also in
the list ``Firm.spellings``), and ``(:RegistryKey {uid, corporate_number,
key})`` for the registry name and フリガナ of a 法人番号. Keys of firms since
deleted find nothing (the search matches the firm node).
"""

from typing import Final, LiteralString

from queries.cypher.firms import FIRM_FIELDS

SEARCH_SCHEMA: Final[tuple[LiteralString, ...]] = (
    "CREATE CONSTRAINT firm_key_uid IF NOT EXISTS FOR (k:FirmKey) REQUIRE k.uid IS UNIQUE",
    "CREATE INDEX firm_key_firm IF NOT EXISTS FOR (k:FirmKey) ON (k.firm_id)",
    "CREATE TEXT INDEX firm_key_text IF NOT EXISTS FOR (k:FirmKey) ON (k.key)",
    "CREATE CONSTRAINT registry_key_uid IF NOT EXISTS FOR (k:RegistryKey) REQUIRE k.uid IS UNIQUE",
    "CREATE INDEX registry_key_cn IF NOT EXISTS FOR (k:RegistryKey) ON (k.corporate_number)",
    "CREATE TEXT INDEX registry_key_text IF NOT EXISTS FOR (k:RegistryKey) ON (k.key)",
)

KEYS_VERSION: Final[LiteralString] = "MATCH (m:Meta {key: 'search_keys'}) RETURN m.version AS version"
SET_KEYS_VERSION: Final[LiteralString] = "MERGE (m:Meta {key: 'search_keys'}) SET m.version = $version"
# Slices of a rebuild (each in its own transaction).
CLEAR_FIRM_KEYS: Final[LiteralString] = """
MATCH (k:FirmKey) WITH k LIMIT $limit DELETE k RETURN count(*) AS deleted
"""
CLEAR_REGISTRY_KEYS: Final[LiteralString] = """
MATCH (k:RegistryKey) WITH k LIMIT $limit DELETE k RETURN count(*) AS deleted
"""
# A store of the version before kept no spellings apart from aliases: a firm's
# name that is neither one of its aliases nor its registry name came from the
# firm master, and stays a spelling.
SEED_SPELLINGS: Final[LiteralString] = """
MATCH (f:Firm) WHERE f.name IS NOT NULL AND f.spellings IS NULL
  AND NOT EXISTS { MATCH (a:Alias {firm_id: f.id}) WHERE a.raw_name = f.name }
  AND NOT EXISTS { MATCH (r:Registry) WHERE r.corporate_number = f.corporate_number AND r.name = f.name }
SET f.spellings = [f.name]
"""
ALL_NAMES: Final[LiteralString] = """
CALL () {
  MATCH (a:Alias) RETURN a.firm_id AS id, a.raw_name AS name
  UNION
  MATCH (f:Firm) UNWIND coalesce(f.spellings, []) + [f.name] AS name
  WITH f, name WHERE name IS NOT NULL RETURN f.id AS id, name
}
RETURN id, name
"""
ALL_REGISTRY_NAMES: Final[LiteralString] = """
MATCH (r:Registry) RETURN r.corporate_number AS id, r.name AS name, r.furigana AS furigana
"""

ADD_FIRM_KEYS: Final[LiteralString] = """
UNWIND $rows AS row
MERGE (k:FirmKey {uid: row.uid})
  ON CREATE SET k.firm_id = row.id, k.key = row.key
"""
ADD_REGISTRY_KEYS: Final[LiteralString] = """
UNWIND $rows AS row
MERGE (k:RegistryKey {uid: row.uid})
  ON CREATE SET k.corporate_number = row.id, k.key = row.key
"""
DELETE_REGISTRY_KEYS: Final[LiteralString] = """
UNWIND $cns AS cn
MATCH (k:RegistryKey {corporate_number: cn}) DELETE k
"""
DELETE_FIRM_KEYS: Final[LiteralString] = "MATCH (k:FirmKey {firm_id: $id}) DELETE k"
# Names given outside the ledgers (the firm master), kept as spellings.
ADD_SPELLINGS: Final[LiteralString] = """
UNWIND $rows AS row
MATCH (f:Firm {id: row.id})
SET f.spellings = CASE WHEN row.name IN coalesce(f.spellings, []) THEN f.spellings
                       ELSE coalesce(f.spellings, []) + row.name END
"""
# Every name a firm is known by (to rebuild its keys after a spelling left it).
NAMES_OF_FIRM: Final[LiteralString] = """
CALL () {
  MATCH (a:Alias {firm_id: $id}) RETURN a.raw_name AS name
  UNION
  MATCH (f:Firm {id: $id}) UNWIND coalesce(f.spellings, []) + [f.name] AS name
  WITH name WHERE name IS NOT NULL RETURN name
}
RETURN name
"""

SET_NAMES: Final[LiteralString] = """
UNWIND $rows AS row
MATCH (f:Firm {id: row.id}) SET f.name = row.name
"""
FIRMS_WITH_REGISTRY: Final[LiteralString] = """
MATCH (f:Firm) WHERE f.id IN $ids
OPTIONAL MATCH (r:Registry {corporate_number: f.corporate_number})
RETURN f.id AS id, f.name AS name, r.name AS registry_name, coalesce(f.spellings, []) AS spellings
"""
ALIAS_SPELLINGS: Final[LiteralString] = """
MATCH (a:Alias) WHERE a.firm_id IN $ids
RETURN a.firm_id AS id, a.raw_name AS name, count(*) AS n
"""

# Every name search finds a firm by, with the client whose ledger gave it (null:
# the firm master, the display name, the registry's name and フリガナ).
SEARCH_NAMES: Final[LiteralString] = """
CALL () {
  MATCH (a:Alias) WHERE a.firm_id IN $ids
  RETURN a.firm_id AS id, a.client_id AS client_id, a.raw_name AS name
  UNION ALL
  MATCH (f:Firm) WHERE f.id IN $ids
  OPTIONAL MATCH (r:Registry {corporate_number: f.corporate_number})
  UNWIND coalesce(f.spellings, []) + [f.name, r.name, r.furigana] AS name
  WITH f, name WHERE name IS NOT NULL
  RETURN f.id AS id, null AS client_id, name
}
RETURN id, client_id, name
"""

# $key — the query's key (may be ''); $q — the query as an id (domain.search.id_query; '' lists every firm); $cn —
# the digits of a 法人番号 query (may be '').
_HITS: Final[LiteralString] = """
CALL () {
  MATCH (k:FirmKey) WHERE $key <> '' AND k.key CONTAINS $key RETURN k.firm_id AS id
  UNION
  MATCH (k:RegistryKey) WHERE $key <> '' AND k.key CONTAINS $key
  MATCH (f:Firm {corporate_number: k.corporate_number}) RETURN f.id AS id
  UNION
  MATCH (f:Firm) WHERE toLower(f.id) CONTAINS toLower($q)
     OR ($cn <> '' AND coalesce(f.corporate_number, '') CONTAINS $cn)
  RETURN f.id AS id
}
MATCH (f:Firm {id: id})
"""
SEARCH: Final[LiteralString] = _HITS + "RETURN " + FIRM_FIELDS + " ORDER BY coalesce(f.is_client, false) DESC, f.id SKIP $offset LIMIT $limit"  # clients first
COUNT_SEARCH: Final[LiteralString] = _HITS + "RETURN count(f) AS n"
