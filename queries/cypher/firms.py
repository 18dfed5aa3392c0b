"""Firm reads and writes."""

from typing import Final, LiteralString

FIRM_FIELDS: Final[LiteralString] = (
    "f.id AS id, f.name AS name, f.corporate_number AS corporate_number, "
    "f.industry AS industry, f.prefecture AS prefecture, f.is_client AS is_client, "
    "f.consented_banks AS consented_banks"
)
FIRM_COLUMNS: Final[tuple[LiteralString, ...]] = (
    "id", "name", "corporate_number", "industry", "prefecture", "is_client", "consented_banks")

# Null values keep what is stored; is_client only ever turns on. ON CREATE /
# ON MATCH rather than a SET after the MERGE: the same effect without an
# Eager operator (a SET reading what the MERGE wrote materialises every row).
ANY_CLIENT_OF: Final[LiteralString] = (
    "MATCH (f:Firm) WHERE f.id IN $ids AND f.is_client = true RETURN f.id AS id LIMIT 1"
)
END_CLIENTS: Final[LiteralString] = """
MATCH (f:Firm) WHERE f.id IN $ids AND f.is_client = true
SET f.is_client = false
RETURN f.id AS id
"""
UPSERT_FIRMS: Final[LiteralString] = """
UNWIND $rows AS row
MERGE (f:Firm {id: row.id})
  ON CREATE SET f.created_by_batch = row.batch, f.name = row.name,
    f.corporate_number = row.corporate_number, f.industry = row.industry,
    f.prefecture = row.prefecture, f.is_client = coalesce(row.is_client, false),
    f.consented_banks = row.consented_banks
  ON MATCH SET f.name = coalesce(row.name, f.name),
    f.corporate_number = coalesce(row.corporate_number, f.corporate_number),
    f.industry = coalesce(row.industry, f.industry),
    f.prefecture = coalesce(row.prefecture, f.prefecture),
    f.is_client = coalesce(f.is_client, false) OR coalesce(row.is_client, false),
    f.consented_banks = coalesce(row.consented_banks, f.consented_banks)
"""

GET_FIRM: Final[LiteralString] = "MATCH (f:Firm {id: $id}) RETURN " + FIRM_FIELDS
GET_FIRMS: Final[LiteralString] = "MATCH (f:Firm) WHERE f.id IN $ids RETURN " + FIRM_FIELDS
FIRM_BY_CORPORATE_NUMBER: Final[LiteralString] = (
    "MATCH (f:Firm {corporate_number: $cn}) RETURN " + FIRM_FIELDS
)
FIRMS_BY_CORPORATE_NUMBERS: Final[LiteralString] = (
    "MATCH (f:Firm) WHERE f.corporate_number IN $cns RETURN " + FIRM_FIELDS
)

SEARCH_FIRMS: Final[LiteralString] = (
    "MATCH (f:Firm) WHERE toLower(f.id) CONTAINS toLower($q) "
    "OR toLower(coalesce(f.name, '')) CONTAINS toLower($q) "
    "RETURN " + FIRM_FIELDS + " ORDER BY f.id SKIP $offset LIMIT $limit"
)
COUNT_SEARCH_FIRMS: Final[LiteralString] = (
    "MATCH (f:Firm) WHERE toLower(f.id) CONTAINS toLower($q) "
    "OR toLower(coalesce(f.name, '')) CONTAINS toLower($q) RETURN count(f) AS n"
)

COUNTS: Final[LiteralString] = """
CALL () { MATCH (f:Firm) RETURN count(f) AS firms }
CALL () { MATCH ()-[t:TRADE]->() RETURN count(t) AS trades }
CALL () { MATCH ()-[p:PAID]->() RETURN count(p) AS payments }
CALL () { MATCH (b:Batch) RETURN count(b) AS batches }
RETURN firms, trades, payments, batches
"""
ALL_FIRMS: Final[LiteralString] = "MATCH (f:Firm) RETURN " + FIRM_FIELDS + " ORDER BY f.id"
CLIENT_IDS: Final[LiteralString] = "MATCH (f:Firm) WHERE f.is_client = true RETURN f.id AS id"
