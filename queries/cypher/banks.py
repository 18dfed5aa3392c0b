"""Banks' names in Neo4j: one (:BankName) per bank id (unique). Values only
as parameters."""

from typing import Final, LiteralString

SCHEMA: Final[tuple[LiteralString, ...]] = (
    "CREATE CONSTRAINT bank_name_id IF NOT EXISTS FOR (b:BankName) REQUIRE b.bank IS UNIQUE",
)

SET_NAME: Final[LiteralString] = """
MERGE (b:BankName {bank: $bank})
WITH b, b.name IS NULL OR b.name <> $name AS changed
SET b.name = $name
RETURN changed
"""
DELETE_NAME: Final[LiteralString] = """
MATCH (b:BankName {bank: $bank})
DELETE b
RETURN count(*) AS gone
"""
ALL_NAMES: Final[LiteralString] = "MATCH (b:BankName) RETURN b.bank AS bank, b.name AS name ORDER BY b.bank"
