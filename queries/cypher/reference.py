"""Registry, parameters, aliases, merges and bank accounts (Neo4j)."""

from typing import Final, LiteralString

UPSERT_REGISTRY: Final[LiteralString] = """
UNWIND $rows AS row
MERGE (r:Registry {corporate_number: row.corporate_number})
SET r.name = row.name, r.kind_code = row.kind_code, r.prefecture = row.prefecture,
    r.city = row.city, r.furigana = row.furigana
"""
REGISTRY_FIELDS: Final[LiteralString] = (  # RegistryRecord's fields
    "r.corporate_number AS corporate_number, r.name AS name, r.kind_code AS kind_code, "
    "r.prefecture AS prefecture, r.city AS city, r.furigana AS furigana"
)
ALL_REGISTRY: Final[LiteralString] = "MATCH (r:Registry) RETURN " + REGISTRY_FIELDS + " ORDER BY r.corporate_number"
GET_REGISTRY: Final[LiteralString] = "MATCH (r:Registry {corporate_number: $cn}) RETURN " + REGISTRY_FIELDS
GET_REGISTRIES: Final[LiteralString] = (
    "UNWIND $cns AS cn MATCH (r:Registry {corporate_number: cn}) RETURN " + REGISTRY_FIELDS
)

# Parameters are one node per (firm, period); `values` is a map whose keys
# the caller has checked against the parameter spec (an allow-list).
UPSERT_PARAMETERS: Final[LiteralString] = """
UNWIND $rows AS row
MERGE (p:Parameters {key: row.key})
SET p = {key: row.key, firm_id: row.firm_id, period: row.period}
SET p += row.values
"""
ALL_PARAMETERS: Final[LiteralString] = """
MATCH (p:Parameters)
RETURN p.firm_id AS firm_id, p.period AS period, properties(p) AS props
ORDER BY p.firm_id, p.period
"""
PARAMETERS_OF: Final[LiteralString] = """
MATCH (p:Parameters) WHERE p.firm_id IN $ids
RETURN p.firm_id AS firm_id, p.period AS period, properties(p) AS props
ORDER BY p.firm_id, p.period
"""

FIRM_NAMES: Final[LiteralString] = """
MATCH (f:Firm) WHERE f.name IS NOT NULL OR f.corporate_number IS NOT NULL
RETURN f.id AS id, f.name AS name, f.corporate_number AS corporate_number ORDER BY f.id
"""
# Every stored spelling of a firm (entity resolution's name index), once per firm and spelling; not
# those known by a bank account or a firm id in the ledger alone (a load does not index them either).
ALIAS_SPELLINGS: Final[LiteralString] = """
MATCH (a:Alias) WHERE NOT a.method IN ['bank_account', 'id']
WITH DISTINCT a.firm_id AS id, a.raw_name AS name WHERE name IS NOT NULL
RETURN id, name ORDER BY id, name
"""

ALIAS_FIELDS: Final[LiteralString] = (
    "a.client_id AS client_id, a.key AS key, a.raw_name AS raw_name, a.firm_id AS firm_id, "
    "a.method AS method, a.score AS score, a.status AS status, a.candidate_id AS candidate_id, "
    "a.reason AS reason"
)
# ON CREATE / ON MATCH rather than a SET after the MERGE: the same effect,
# without the Eager operator (all rows materialised first) that a SET reading
# what the MERGE wrote costs.
UPSERT_ALIASES: Final[LiteralString] = """
UNWIND $rows AS row
MERGE (a:Alias {uid: row.uid})
  ON CREATE SET a += row.props
  ON MATCH SET a += row.props
"""
ALIASES_OF_CLIENT: Final[LiteralString] = "MATCH (a:Alias {client_id: $client}) RETURN " + ALIAS_FIELDS
ALIASES_OF_CLIENTS: Final[LiteralString] = (
    "MATCH (a:Alias) WHERE a.client_id IN $clients RETURN " + ALIAS_FIELDS
)
# How the ledger of p[0] spells the firm p[1], for each pair p of $pairs: one
# seek of the (firm_id, client_id) index a pair. (Before that index the pairs
# were grouped by whichever side had fewer ids, since a seek by either
# one-property index read that client's or firm's aliases once per pair; a
# group by client still read every alias of the client — an officer's hidden
# partners, named from a few ledgers that spell hundreds of firms each. With
# 400 random pairs of the 100k database: 18 ms, against 92 by firm and 132
# by client.)
SPELLINGS: Final[LiteralString] = (
    "UNWIND $pairs AS p "
    "MATCH (a:Alias {firm_id: p[1], client_id: p[0]}) "
    "RETURN a.client_id AS client_id, a.firm_id AS firm_id, a.raw_name AS raw_name"
)
SPELLING_COLUMNS: Final[tuple[LiteralString, ...]] = ("client_id", "firm_id", "raw_name")
ALIASES_BY_STATUS: Final[LiteralString] = (
    "MATCH (a:Alias {status: $status}) RETURN " + ALIAS_FIELDS + " ORDER BY a.client_id, a.key"
)
# every client's spellings resolved to one firm (the alias_firm index)
ALIASES_OF_FIRM: Final[LiteralString] = (
    "MATCH (a:Alias {firm_id: $firm}) WHERE $status IS NULL OR a.status = $status RETURN " + ALIAS_FIELDS
    + " ORDER BY a.client_id, a.key"
)
GET_ALIAS: Final[LiteralString] = "MATCH (a:Alias {uid: $uid}) RETURN " + ALIAS_FIELDS

MERGE_FIELDS: Final[LiteralString] = (
    "m.id AS id, m.client_id AS client_id, m.alias_key AS alias_key, m.raw_name AS raw_name, "
    "m.from_firm AS from_firm, m.to_firm AS to_firm, m.method AS method, m.score AS score, "
    "m.reason AS reason, m.created_at AS created_at, m.undone_at AS undone_at"
)
INSERT_MERGES: Final[LiteralString] = """
UNWIND $rows AS row
MERGE (m:MergeDecision {id: row.id})
ON CREATE SET m += row
"""
LIST_MERGES: Final[LiteralString] = "MATCH (m:MergeDecision) RETURN " + MERGE_FIELDS + " ORDER BY m.created_at, m.id"
GET_MERGE: Final[LiteralString] = "MATCH (m:MergeDecision {id: $id}) RETURN " + MERGE_FIELDS
UNDO_MERGE: Final[LiteralString] = "MATCH (m:MergeDecision {id: $id}) SET m.undone_at = $undone_at"

ENSURE_FIRM: Final[LiteralString] = """
MERGE (f:Firm {id: $id})
ON CREATE SET f.name = $name, f.is_client = false, f.created_by_batch = 'merge'
"""

# Move one spelling's rows from firm $old to firm $new (a rel cannot change
# its end nodes: copy, then delete). One constant per type and direction.
MOVE_TRADE_OUT: Final[LiteralString] = """
MATCH (o:Firm {id: $old})-[t:TRADE {alias: $alias, observer: $client}]->(x)
MATCH (n:Firm {id: $new})
CREATE (n)-[t2:TRADE]->(x) SET t2 = properties(t)
DELETE t
"""
MOVE_TRADE_IN: Final[LiteralString] = """
MATCH (x)-[t:TRADE {alias: $alias, observer: $client}]->(o:Firm {id: $old})
MATCH (n:Firm {id: $new})
CREATE (x)-[t2:TRADE]->(n) SET t2 = properties(t)
DELETE t
"""
MOVE_PAID_OUT: Final[LiteralString] = """
MATCH (o:Firm {id: $old})-[t:PAID {alias: $alias, observer: $client}]->(x)
MATCH (n:Firm {id: $new})
CREATE (n)-[t2:PAID]->(x) SET t2 = properties(t)
DELETE t
"""
MOVE_PAID_IN: Final[LiteralString] = """
MATCH (x)-[t:PAID {alias: $alias, observer: $client}]->(o:Firm {id: $old})
MATCH (n:Firm {id: $new})
CREATE (x)-[t2:PAID]->(n) SET t2 = properties(t)
DELETE t
"""
ALIAS_OBS_PAIRS: Final[LiteralString] = """
MATCH (s:Firm)-[t:TRADE {alias: $alias, observer: $client}]->(b:Firm)
WHERE s.id = $old OR b.id = $old
RETURN DISTINCT s.id AS seller, b.id AS buyer
"""
DELETE_FIRM_IF_ORPHAN: Final[LiteralString] = """
MATCH (f:Firm {id: $id})
WHERE NOT coalesce(f.is_client, false) AND f.created_by_batch IS NOT NULL
  AND NOT EXISTS { (f)-[:TRADE|PAID|TRADES_WITH]-() }
  AND NOT EXISTS { MATCH (a:Alias {firm_id: $id}) }
DELETE f
"""

UPSERT_BANK_ACCOUNTS: Final[LiteralString] = """
UNWIND $rows AS row
MERGE (b:BankAccount {account: row.account})
ON CREATE SET b.firm_id = row.firm_id
"""
GET_BANK_ACCOUNT: Final[LiteralString] = "MATCH (b:BankAccount {account: $account}) RETURN b.firm_id AS firm_id"
GET_BANK_ACCOUNTS: Final[LiteralString] = (
    "MATCH (b:BankAccount) WHERE b.account IN $accounts RETURN b.account AS account, b.firm_id AS firm_id"
)
