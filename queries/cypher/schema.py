"""Constraints and indexes (idempotent: ``IF NOT EXISTS``).

``OBSOLETE`` lists indexes of earlier versions that a constraint replaces
(a uniqueness constraint cannot be created beside an index on the same
property): they are dropped first.
"""

from typing import Final, LiteralString

SCHEMA: Final[tuple[LiteralString, ...]] = (
    "CREATE CONSTRAINT firm_id IF NOT EXISTS FOR (f:Firm) REQUIRE f.id IS UNIQUE",
    "CREATE CONSTRAINT batch_id IF NOT EXISTS FOR (b:Batch) REQUIRE b.id IS UNIQUE",
    "CREATE CONSTRAINT registry_cn IF NOT EXISTS FOR (r:Registry) REQUIRE r.corporate_number IS UNIQUE",
    "CREATE CONSTRAINT parameters_key IF NOT EXISTS FOR (p:Parameters) REQUIRE p.key IS UNIQUE",
    "CREATE CONSTRAINT alias_uid IF NOT EXISTS FOR (a:Alias) REQUIRE a.uid IS UNIQUE",
    "CREATE CONSTRAINT merge_id IF NOT EXISTS FOR (m:MergeDecision) REQUIRE m.id IS UNIQUE",
    "CREATE CONSTRAINT bank_account IF NOT EXISTS FOR (b:BankAccount) REQUIRE b.account IS UNIQUE",
    "CREATE INDEX parameters_firm IF NOT EXISTS FOR (p:Parameters) ON (p.firm_id)",
    "CREATE INDEX alias_client IF NOT EXISTS FOR (a:Alias) ON (a.client_id)",
    "CREATE INDEX alias_status IF NOT EXISTS FOR (a:Alias) ON (a.status)",
    "CREATE INDEX alias_firm IF NOT EXISTS FOR (a:Alias) ON (a.firm_id)",
    # how given ledgers spell given firms (Store.spellings): one seek a pair
    "CREATE INDEX alias_firm_client IF NOT EXISTS FOR (a:Alias) ON (a.firm_id, a.client_id)",
    "CREATE INDEX firm_is_client IF NOT EXISTS FOR (f:Firm) ON (f.is_client)",
    "CREATE INDEX trade_alias IF NOT EXISTS FOR ()-[t:TRADE]-() ON (t.alias)",
    "CREATE INDEX paid_alias IF NOT EXISTS FOR ()-[p:PAID]-() ON (p.alias)",
    "CREATE CONSTRAINT firm_corporate_number_unique IF NOT EXISTS "
    "FOR (f:Firm) REQUIRE f.corporate_number IS UNIQUE",
    "CREATE CONSTRAINT meta_key IF NOT EXISTS FOR (m:Meta) REQUIRE m.key IS UNIQUE",
    "CREATE CONSTRAINT analytics_name IF NOT EXISTS FOR (a:Analytics) REQUIRE a.name IS UNIQUE",
    "CREATE INDEX firm_name IF NOT EXISTS FOR (f:Firm) ON (f.name)",
    "CREATE INDEX firm_created_by IF NOT EXISTS FOR (f:Firm) ON (f.created_by_batch)",
    "CREATE INDEX trade_batch IF NOT EXISTS FOR ()-[t:TRADE]-() ON (t.batch)",
    "CREATE INDEX trade_observer IF NOT EXISTS FOR ()-[t:TRADE]-() ON (t.observer)",
    "CREATE INDEX paid_observer IF NOT EXISTS FOR ()-[p:PAID]-() ON (p.observer)",
    "CREATE INDEX paid_batch IF NOT EXISTS FOR ()-[p:PAID]-() ON (p.batch)",
    "CREATE INDEX batch_sha256 IF NOT EXISTS FOR (b:Batch) ON (b.sha256)",
    "CREATE INDEX batch_client IF NOT EXISTS FOR (b:Batch) ON (b.client_id)",
    "CREATE CONSTRAINT own_trade_key IF NOT EXISTS FOR (o:OwnTrade) REQUIRE o.key IS UNIQUE",
    "CREATE INDEX own_trade_client IF NOT EXISTS FOR (o:OwnTrade) ON (o.client)",
    "CREATE INDEX own_trade_batch IF NOT EXISTS FOR (o:OwnTrade) ON (o.batch)",
)

OBSOLETE: Final[tuple[LiteralString, ...]] = (
    "DROP INDEX firm_corporate_number IF EXISTS",
    "DROP INDEX trade_month IF EXISTS",
    # No statement finds an observation by its key (a chunk is skipped by its
    # marker, a batch deleted by ``batch``): two index entries per
    # observation written for nothing.
    "DROP INDEX trade_key IF EXISTS",
    "DROP INDEX paid_key IF EXISTS",
)
