"""Constraints and indexes (idempotent: ``IF NOT EXISTS``)."""

from typing import Final, LiteralString

SCHEMA: Final[tuple[LiteralString, ...]] = (
    "CREATE CONSTRAINT firm_id IF NOT EXISTS FOR (f:Firm) REQUIRE f.id IS UNIQUE",
    "CREATE CONSTRAINT batch_id IF NOT EXISTS FOR (b:Batch) REQUIRE b.id IS UNIQUE",
    "CREATE INDEX firm_corporate_number IF NOT EXISTS FOR (f:Firm) ON (f.corporate_number)",
    "CREATE INDEX firm_name IF NOT EXISTS FOR (f:Firm) ON (f.name)",
    "CREATE INDEX firm_created_by IF NOT EXISTS FOR (f:Firm) ON (f.created_by_batch)",
    "CREATE INDEX trade_key IF NOT EXISTS FOR ()-[t:TRADE]-() ON (t.key)",
    "CREATE INDEX trade_batch IF NOT EXISTS FOR ()-[t:TRADE]-() ON (t.batch)",
    "CREATE INDEX trade_month IF NOT EXISTS FOR ()-[t:TRADE]-() ON (t.month)",
    "CREATE INDEX paid_key IF NOT EXISTS FOR ()-[p:PAID]-() ON (p.key)",
    "CREATE INDEX paid_batch IF NOT EXISTS FOR ()-[p:PAID]-() ON (p.batch)",
)
