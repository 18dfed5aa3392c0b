"""Tables and indexes of the embedded store (created idempotently)."""

from typing import Final

SCHEMA: Final = """
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

CREATE TABLE IF NOT EXISTS trades (
    batch    TEXT NOT NULL,
    seller   TEXT NOT NULL,
    buyer    TEXT NOT NULL,
    month    TEXT NOT NULL,         -- YYYY-MM
    observer TEXT NOT NULL,         -- client whose ledger recorded it
    amount   INTEGER NOT NULL,      -- yen
    lines    INTEGER NOT NULL,
    alias    TEXT NOT NULL DEFAULT '',  -- counterparty spelling (aliases.key)
    PRIMARY KEY (batch, seller, buyer, month, observer, alias)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS trades_seller ON trades(seller, month);
CREATE INDEX IF NOT EXISTS trades_buyer ON trades(buyer, month);

CREATE TABLE IF NOT EXISTS payments (
    batch    TEXT NOT NULL,
    payer    TEXT NOT NULL,
    payee    TEXT NOT NULL,
    month    TEXT NOT NULL,         -- YYYY-MM
    observer TEXT NOT NULL,
    amount   INTEGER NOT NULL,      -- yen
    lines    INTEGER NOT NULL,
    alias    TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (batch, payer, payee, month, observer, alias)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS payments_payer ON payments(payer, month);
CREATE INDEX IF NOT EXISTS payments_payee ON payments(payee, month);

CREATE TABLE IF NOT EXISTS batches (
    id            TEXT PRIMARY KEY,
    sha256        TEXT NOT NULL UNIQUE,
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
);
CREATE INDEX IF NOT EXISTS trades_alias ON trades(alias);
CREATE INDEX IF NOT EXISTS payments_alias ON payments(alias);

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
