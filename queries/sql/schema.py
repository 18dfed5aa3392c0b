"""Tables and indexes of the embedded store (created idempotently)."""

from typing import Final

_BATCH_COLUMNS: Final = """
    id            TEXT PRIMARY KEY,
    sha256        TEXT NOT NULL,
    file          TEXT NOT NULL,
    client_id     TEXT NOT NULL,
    format        TEXT NOT NULL,
    status        TEXT NOT NULL,
    rows_read     INTEGER NOT NULL DEFAULT 0,
    rows_loaded   INTEGER NOT NULL DEFAULT 0,
    rows_rejected INTEGER NOT NULL DEFAULT 0,
    rows_skipped  INTEGER NOT NULL DEFAULT 0,
    rejects_path  TEXT NOT NULL DEFAULT '',
    started_at    TEXT NOT NULL DEFAULT '',
    finished_at   TEXT NOT NULL DEFAULT ''
"""
"""The columns of ``batches`` (the table and its migration share them)."""

_ANALYTICS_COLUMNS: Final = """
    name         TEXT NOT NULL UNIQUE,
    data_version INTEGER NOT NULL,
    created_at   TEXT NOT NULL,
    payload      BLOB NOT NULL
"""
"""The columns of ``analytics`` (the table and its migration share them)."""


LOAD_DEFERRED_INDEXES: Final = {
    "pay_obs_payer": "CREATE INDEX IF NOT EXISTS pay_obs_payer ON pay_obs(payer);",
    "pay_obs_payee": "CREATE INDEX IF NOT EXISTS pay_obs_payee ON pay_obs(payee);",
    "trade_pairs_buyer": "CREATE INDEX IF NOT EXISTS trade_pairs_buyer ON trade_pairs(buyer, seller, amount);",
    "trade_pairs_seller": "CREATE INDEX IF NOT EXISTS trade_pairs_seller ON trade_pairs(seller, buyer, amount);",
}
"""The indexes that a load's rows reach at random places and that no read
of a load uses, by name: payments by payer and by payee, merged pairs by
buyer and by seller (a load's finish reads merged pairs by key and
observations by pair; the (observer, alias) indexes take a file's rows on a
few pages of theirs and stay). A load of at least twice as many files as
the store holds batches drops them and builds them again at its end
(:meth:`queries.embedded_store.EmbeddedStore.defer_load_indexes`). Part of
:data:`SCHEMA`, so opening the store creates any that a killed load left
dropped."""

SCHEMA: Final = f"""
CREATE TABLE IF NOT EXISTS firms (
    id               TEXT PRIMARY KEY,
    name             TEXT,
    corporate_number TEXT,
    industry         TEXT,
    prefecture       TEXT,
    is_client        INTEGER NOT NULL DEFAULT 0,
    consented_banks  TEXT,          -- ';'-joined bank ids, NULL when unknown
    created_by_batch TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS firms_corporate_number
    ON firms(corporate_number) WHERE corporate_number IS NOT NULL;
CREATE INDEX IF NOT EXISTS firms_name ON firms(name);

-- Observations: what one batch (file) of one client's ledger (observer) says
-- about one pair under one spelling (alias), as a monthly series. JSON arrays
-- in month order: months "YYYY-MM", amounts yen, lines ledger lines.
CREATE TABLE IF NOT EXISTS trade_obs (
    batch    TEXT NOT NULL,
    seller   TEXT NOT NULL,
    buyer    TEXT NOT NULL,
    observer TEXT NOT NULL,         -- client whose ledger recorded it
    alias    TEXT NOT NULL DEFAULT '',  -- counterparty spelling (aliases.key)
    months   TEXT NOT NULL,
    amounts  TEXT NOT NULL,
    lines    TEXT NOT NULL,
    PRIMARY KEY (batch, seller, buyer, observer, alias)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS trade_obs_pair ON trade_obs(seller, buyer);
-- A client's observations, and those of one of its spellings (a spelling's
-- move and every read by alias also name the client): one index for both.
-- All rows of a batch share their observer, so a load's inserts fall on a few
-- pages of it, where an index on the alias alone took them at random places.
CREATE INDEX IF NOT EXISTS trade_obs_observer_alias ON trade_obs(observer, alias);

CREATE TABLE IF NOT EXISTS pay_obs (
    batch    TEXT NOT NULL,
    payer    TEXT NOT NULL,
    payee    TEXT NOT NULL,
    observer TEXT NOT NULL,
    alias    TEXT NOT NULL DEFAULT '',
    months   TEXT NOT NULL,
    amounts  TEXT NOT NULL,
    lines    TEXT NOT NULL,
    PRIMARY KEY (batch, payer, payee, observer, alias)
) WITHOUT ROWID;
{LOAD_DEFERRED_INDEXES["pay_obs_payer"]}
{LOAD_DEFERRED_INDEXES["pay_obs_payee"]}
CREATE INDEX IF NOT EXISTS pay_obs_observer_alias ON pay_obs(observer, alias);

-- Pairs: every observation of seller -> buyer merged (queries.series.merge_pair),
-- rewritten in the transaction that changes one of its observations.
-- observers: per month, the ';'-joined clients whose ledgers show it.
CREATE TABLE IF NOT EXISTS trade_pairs (
    seller    TEXT NOT NULL,
    buyer     TEXT NOT NULL,
    months    TEXT NOT NULL,
    amounts   TEXT NOT NULL,
    lines     TEXT NOT NULL,
    observers TEXT NOT NULL,
    amount    INTEGER NOT NULL,     -- yen over all months
    PRIMARY KEY (seller, buyer)
) WITHOUT ROWID;
{LOAD_DEFERRED_INDEXES["trade_pairs_buyer"]}
-- (seller, buyer, amount) apart from the rows: reading the structure around a
-- hub (pair_amounts) then skips its partners' monthly series.
{LOAD_DEFERRED_INDEXES["trade_pairs_seller"]}

-- A firm's merged sales and purchases per month (yen), kept current by
-- adding each pair's change (queries.series.totals_delta).
CREATE TABLE IF NOT EXISTS firm_totals (
    firm      TEXT PRIMARY KEY,
    months    TEXT NOT NULL,
    sales     TEXT NOT NULL,
    purchases TEXT NOT NULL
) WITHOUT ROWID;

-- Derived whole-network analytics (e.g. every client's metrics for peer
-- baselines), computed after a load from the data at data_version.
-- A rowid table: the name is found in its own small index. (As a WITHOUT
-- ROWID table the payloads sat in the name's b-tree, and SQLite reads a
-- cell's whole record, overflow pages included, to compare a key with it:
-- a lookup next to the busiest firms' window tables, 1-2 MB each, took
-- ~1.3 ms; see MIGRATE_ANALYTICS.)
CREATE TABLE IF NOT EXISTS analytics ({_ANALYTICS_COLUMNS});

-- Each client's own ledger's monthly sales and purchases (every line), as
-- JSON lists like firm_totals: derived after a load (Store.put_ledger_totals)
-- for the data version kept in meta as 'ledger_totals_version'; read only
-- while no write but a consent change followed. A credit officer's totals of
-- consenting firms start from them.
CREATE TABLE IF NOT EXISTS ledger_totals (
    firm      TEXT PRIMARY KEY,
    months    TEXT NOT NULL,
    sales     TEXT NOT NULL,
    purchases TEXT NOT NULL
) WITHOUT ROWID;

-- Each firm's partners as JSON lists, one row per firm and side, with the
-- yen of each pair (absolute, over all months): what ranks a second hop
-- without stepping through every pair of a hub partner. Derived after a
-- load (EmbeddedStore.prepare_reads) for the data version kept in meta as
-- 'partners_version'; read only while no write but a consent change
-- followed (the trade version is not above it).
CREATE TABLE IF NOT EXISTS firm_partners (
    firm   TEXT NOT NULL,
    sells  INTEGER NOT NULL,  -- 1: the firm sells to these partners; 0: buys from them
    others TEXT NOT NULL,     -- JSON list of firm ids
    yen    TEXT NOT NULL,     -- JSON list of yen, one per partner
    PRIMARY KEY (firm, sells)
) WITHOUT ROWID;

-- data_version: bumped by every write transaction (caches key on it);
-- trade_version: set to it by every write but a consent change
-- (Store.trade_version; absent in a store not written since it existed).
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value INTEGER NOT NULL
) WITHOUT ROWID;
INSERT OR IGNORE INTO meta (key, value) VALUES ('data_version', 0);

-- A client's own lines that named no counterparty (cash sales to walk-in
-- customers …), per batch and kind (sales, purchases, receipts, payments):
-- they count in its figures and firm totals, never in a pair.
CREATE TABLE IF NOT EXISTS own_obs (
    batch   TEXT NOT NULL,
    client  TEXT NOT NULL,
    kind    TEXT NOT NULL,
    months  TEXT NOT NULL,
    amounts TEXT NOT NULL,
    lines   TEXT NOT NULL,
    PRIMARY KEY (batch, client, kind)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS own_obs_client ON own_obs(client);

-- A batch is one load of one file's bytes for one client, format and set of
-- reading options (the id derives from all of them): the same bytes may be
-- stored under several batches, e.g. first sent for the wrong client.
CREATE TABLE IF NOT EXISTS batches (
{_BATCH_COLUMNS});

CREATE INDEX IF NOT EXISTS batches_sha256 ON batches(sha256);
CREATE INDEX IF NOT EXISTS batches_client ON batches(client_id);

CREATE TABLE IF NOT EXISTS registry (
    corporate_number TEXT PRIMARY KEY,
    name             TEXT NOT NULL,
    kind_code        TEXT NOT NULL DEFAULT '',
    prefecture       TEXT,
    city             TEXT,
    furigana         TEXT
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS parameters (
    firm_id TEXT NOT NULL,
    period  TEXT NOT NULL,
    name    TEXT NOT NULL,
    value   REAL NOT NULL,
    PRIMARY KEY (firm_id, period, name)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS aliases (
    client_id    TEXT NOT NULL,
    key          TEXT NOT NULL,
    raw_name     TEXT NOT NULL,
    firm_id      TEXT NOT NULL,
    method       TEXT NOT NULL,
    score        REAL NOT NULL,
    status       TEXT NOT NULL,
    candidate_id TEXT,
    reason       TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (client_id, key)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS aliases_status ON aliases(status);

CREATE TABLE IF NOT EXISTS merges (
    id         TEXT PRIMARY KEY,
    client_id  TEXT NOT NULL,
    alias_key  TEXT NOT NULL,
    raw_name   TEXT NOT NULL,
    from_firm  TEXT NOT NULL,
    to_firm    TEXT NOT NULL,
    method     TEXT NOT NULL,
    score      REAL NOT NULL,
    reason     TEXT NOT NULL,
    created_at TEXT NOT NULL,
    undone_at  TEXT NOT NULL DEFAULT ''
);

CREATE TABLE IF NOT EXISTS bank_accounts (
    account TEXT PRIMARY KEY,   -- bank-branch-account
    firm_id TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS batch_chunks (
    batch TEXT NOT NULL,
    chunk INTEGER NOT NULL,
    PRIMARY KEY (batch, chunk)
) WITHOUT ROWID;
"""

DROP_REPLACED_INDEXES: Final = """
DROP INDEX IF EXISTS trade_obs_observer;
DROP INDEX IF EXISTS trade_obs_alias;
DROP INDEX IF EXISTS pay_obs_observer;
DROP INDEX IF EXISTS pay_obs_alias;
DROP INDEX IF EXISTS aliases_firm;
"""
"""Indexes of stores of an earlier version that ``*_observer_alias`` and
``aliases_firm_spelling`` replaced."""

# Stores created before a file could be loaded as several batches declared
# batches.sha256 UNIQUE (a second batch of the same bytes was silently not
# recorded): the table is rebuilt without it, keeping every row.
MIGRATE_BATCHES: Final = f"""
CREATE TABLE batches_migrated (
{_BATCH_COLUMNS});
INSERT INTO batches_migrated SELECT id, sha256, file, client_id, format, status, rows_read,
    rows_loaded, rows_rejected, rows_skipped, rejects_path, started_at, finished_at FROM batches;
DROP TABLE batches;
ALTER TABLE batches_migrated RENAME TO batches;
CREATE INDEX IF NOT EXISTS batches_sha256 ON batches(sha256);
"""

# Stores created before 2026-12-06 kept ``analytics`` WITHOUT ROWID: its
# payloads (rendered answers ~9 kB, window tables 1-2 MB, whole-network
# tables up to ~8 MB) lived in the b-tree that is searched by name, and SQLite
# reads the whole record of a cell that spills to overflow pages to compare a
# key with it. A lookup cost ~1.3 ms where it passed the large entries (every
# windowed request asks whether the firm has a window table) and ~0.04 ms
# elsewhere; as a rowid table with an index on the name, ~0.01 ms. The table
# is rebuilt once, keeping every entry.
MIGRATE_ANALYTICS: Final = f"""
CREATE TABLE analytics_migrated ({_ANALYTICS_COLUMNS});
INSERT INTO analytics_migrated (name, data_version, created_at, payload)
    SELECT name, data_version, created_at, payload FROM analytics ORDER BY name;
DROP TABLE analytics;
ALTER TABLE analytics_migrated RENAME TO analytics;
"""
