"""Trade and batch queries for the embedded store."""

from typing import Final

UPSERT_TRADE: Final = """
INSERT INTO trades (batch, seller, buyer, month, observer, amount, lines, alias)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT(batch, seller, buyer, month, observer, alias) DO UPDATE SET
    amount = excluded.amount, lines = excluded.lines
"""

UPSERT_PAYMENT: Final = """
INSERT INTO payments (batch, payer, payee, month, observer, amount, lines, alias)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT(batch, payer, payee, month, observer, alias) DO UPDATE SET
    amount = excluded.amount, lines = excluded.lines
"""
PAYMENTS_AROUND: Final = """
SELECT payer, payee, month, observer, SUM(amount), SUM(lines)
FROM payments
WHERE (payer IN (SELECT value FROM json_each(?)) OR payee IN (SELECT value FROM json_each(?)))
  AND month >= ? AND month <= ?
GROUP BY payer, payee, month, observer
ORDER BY payer, payee, month, observer
"""

# Sum over batches per observer; observers are merged in Python
# (queries.observations) so both stores share one rule.
TRADES_AROUND: Final = """
SELECT seller, buyer, month, observer, SUM(amount), SUM(lines)
FROM trades
WHERE (seller IN (SELECT value FROM json_each(?)) OR buyer IN (SELECT value FROM json_each(?)))
  AND month >= ? AND month <= ?
GROUP BY seller, buyer, month, observer
"""

INSERT_BATCH: Final = """
INSERT OR IGNORE INTO batches (id, sha256, file, client_id, format, status, started_at)
VALUES (?, ?, ?, ?, ?, 'loading', ?)
"""
FINISH_BATCH: Final = """
UPDATE batches SET status = ?, rows_read = ?, rows_loaded = ?, rows_rejected = ?,
    rows_skipped = ?, rejects_path = ?, finished_at = ?
WHERE id = ?
"""
BATCH_COLUMNS: Final = (
    "id, sha256, file, client_id, format, status, rows_read, rows_loaded, rows_rejected, "
    "rows_skipped, rejects_path, started_at, finished_at"
)
GET_BATCH: Final = f"SELECT {BATCH_COLUMNS} FROM batches WHERE id = ?"
LIST_BATCHES: Final = f"SELECT {BATCH_COLUMNS} FROM batches ORDER BY started_at DESC, id"
MARK_CHUNK: Final = "INSERT OR IGNORE INTO batch_chunks (batch, chunk) VALUES (?, ?)"
CHUNKS_DONE: Final = "SELECT chunk FROM batch_chunks WHERE batch = ?"

DELETE_BATCH_TRADES: Final = "DELETE FROM trades WHERE batch = ?"
DELETE_BATCH_PAYMENTS: Final = "DELETE FROM payments WHERE batch = ?"
# Firms this batch created that no remaining trade or client flag needs.
DELETE_ORPHAN_FIRMS: Final = """
DELETE FROM firms
WHERE created_by_batch = ? AND is_client = 0
  AND NOT EXISTS (SELECT 1 FROM trades t WHERE t.seller = firms.id)
  AND NOT EXISTS (SELECT 1 FROM trades t WHERE t.buyer = firms.id)
  AND NOT EXISTS (SELECT 1 FROM payments p WHERE p.payer = firms.id)
  AND NOT EXISTS (SELECT 1 FROM payments p WHERE p.payee = firms.id)
"""
DELETE_BATCH_CHUNKS: Final = "DELETE FROM batch_chunks WHERE batch = ?"
DELETE_BATCH: Final = "DELETE FROM batches WHERE id = ?"

# Move one spelling's rows from one firm to another (merge, accept, undo).
MOVE_TRADES_SELLER: Final = "UPDATE trades SET seller = ? WHERE alias = ? AND observer = ? AND seller = ?"
MOVE_TRADES_BUYER: Final = "UPDATE trades SET buyer = ? WHERE alias = ? AND observer = ? AND buyer = ?"
MOVE_PAYMENTS_PAYER: Final = "UPDATE payments SET payer = ? WHERE alias = ? AND observer = ? AND payer = ?"
MOVE_PAYMENTS_PAYEE: Final = "UPDATE payments SET payee = ? WHERE alias = ? AND observer = ? AND payee = ?"

# Flows where both sides are clients: the observations of each side.
TWO_SIDED: Final = """
SELECT t.seller, t.buyer, t.month, t.observer, SUM(t.amount), SUM(t.lines)
FROM trades t
JOIN firms s ON s.id = t.seller AND s.is_client = 1
JOIN firms b ON b.id = t.buyer AND b.is_client = 1
WHERE t.month >= ? AND t.month <= ?
GROUP BY t.seller, t.buyer, t.month, t.observer
ORDER BY t.seller, t.buyer, t.month, t.observer
"""
# A client's own ledger: its trade and payment rows (observer = client).
OWN_TRADES: Final = """
SELECT seller, buyer, month, observer, SUM(amount), SUM(lines) FROM trades
WHERE observer = ? GROUP BY seller, buyer, month, observer ORDER BY month, seller, buyer
"""
OWN_PAYMENTS: Final = """
SELECT payer, payee, month, observer, SUM(amount), SUM(lines) FROM payments
WHERE observer = ? GROUP BY payer, payee, month, observer ORDER BY month, payer, payee
"""

# The whole network in a window (analytics over all firms).
ALL_TRADES: Final = """
SELECT seller, buyer, month, observer, SUM(amount), SUM(lines) FROM trades
WHERE month >= ? AND month <= ?
GROUP BY seller, buyer, month, observer
"""
ALL_PAYMENTS: Final = """
SELECT payer, payee, month, observer, SUM(amount), SUM(lines) FROM payments
WHERE month >= ? AND month <= ?
GROUP BY payer, payee, month, observer
ORDER BY payer, payee, month, observer
"""
ALL_TRADE_ROWS: Final = """
SELECT seller, buyer, month, observer, amount, lines FROM trades WHERE month >= ? AND month <= ?
"""
