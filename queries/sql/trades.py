"""Trade, payment and batch queries for the embedded store.

Observations (``trade_obs``, ``pay_obs``) are the facts; ``trade_pairs`` and
``firm_totals`` are derived from them in the same transaction (see
``docs/data-model.md``). Values are always bound parameters.
"""

from typing import Final

# -- observations ------------------------------------------------------------
UPSERT_TRADE_OBS: Final = """
INSERT INTO trade_obs (batch, seller, buyer, observer, alias, months, amounts, lines)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT(batch, seller, buyer, observer, alias) DO UPDATE SET
    months = excluded.months, amounts = excluded.amounts, lines = excluded.lines
"""
UPSERT_PAY_OBS: Final = """
INSERT INTO pay_obs (batch, payer, payee, observer, alias, months, amounts, lines)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT(batch, payer, payee, observer, alias) DO UPDATE SET
    months = excluded.months, amounts = excluded.amounts, lines = excluded.lines
"""
OBS_OF_PAIRS: Final = """
SELECT o.seller, o.buyer, o.observer, o.months, o.amounts, o.lines
FROM json_each(?) j JOIN trade_obs o ON o.seller = j.value ->> 0 AND o.buyer = j.value ->> 1
"""

# Yen each (seller, buyer, observer) of ?1 recorded, summed in SQLite.
OBSERVED_YEN: Final = """
SELECT o.seller, o.buyer, o.observer, SUM(j.value)
FROM json_each(?) k JOIN trade_obs o ON o.seller = k.value ->> 0 AND o.buyer = k.value ->> 1
    AND +o.observer = k.value ->> 2, json_each(o.amounts) j
GROUP BY o.seller, o.buyer, o.observer
"""
# What each (seller, buyer, observer) of ?1 recorded, batch by batch (by the
# pair's index; the observer tested on the few rows of a pair).
OBSERVED_SERIES: Final = """
SELECT o.seller, o.buyer, o.observer, o.months, o.amounts, o.lines
FROM json_each(?) k JOIN trade_obs o ON o.seller = k.value ->> 0 AND o.buyer = k.value ->> 1
    AND +o.observer = k.value ->> 2
"""

# -- merged pairs and firm totals ----------------------------------------------
PAIR_COLUMNS: Final = "seller, buyer, months, amounts, lines, observers"
P_PAIR_COLUMNS: Final = ", ".join("p." + c.strip() for c in PAIR_COLUMNS.split(","))  # of the alias p
UPSERT_PAIR: Final = """
INSERT INTO trade_pairs (seller, buyer, months, amounts, lines, observers, amount)
VALUES (?, ?, ?, ?, ?, ?, ?)
ON CONFLICT(seller, buyer) DO UPDATE SET months = excluded.months, amounts = excluded.amounts,
    lines = excluded.lines, observers = excluded.observers, amount = excluded.amount
"""
DELETE_PAIR: Final = "DELETE FROM trade_pairs WHERE seller = ? AND buyer = ?"

# A firm's pairs, both directions (each query uses one index).
PAIRS_AS_SELLER: Final = f"SELECT {PAIR_COLUMNS} FROM trade_pairs WHERE seller = ?"
PAIRS_AS_BUYER: Final = f"SELECT {PAIR_COLUMNS} FROM trade_pairs WHERE buyer = ?"
# Structure only (no series): (seller, buyer, yen over all months) around a
# set of firms, each side from its covering index (trade_pairs_seller,
# trade_pairs_buyer) without touching the rows and their series; a pair with
# both ends in the set comes from the seller side only (no sort to dedupe).
PAIR_AMOUNTS: Final = """
SELECT seller, buyer, amount FROM trade_pairs WHERE seller IN (SELECT value FROM json_each(?1))
UNION ALL
SELECT seller, buyer, amount FROM trade_pairs WHERE buyer IN (SELECT value FROM json_each(?1))
  AND +seller NOT IN (SELECT value FROM json_each(?1))
"""
# Second-hop firms of an ego network ranked by their yen with the first hop
# (?1), firms of ?2 left out: from the covering indexes on either end (their
# keys carry the amount), grouped in SQLite rather than shipped to Python.
SECOND_HOP_RANKING: Final = """
SELECT other, SUM(w) AS weight FROM (
    SELECT buyer AS other, ABS(amount) AS w FROM trade_pairs
    WHERE seller IN (SELECT value FROM json_each(?1)) AND +buyer NOT IN (SELECT value FROM json_each(?2))
    UNION ALL
    SELECT seller AS other, ABS(amount) AS w FROM trade_pairs
    WHERE buyer IN (SELECT value FROM json_each(?1)) AND +seller NOT IN (SELECT value FROM json_each(?2))
) GROUP BY other ORDER BY weight DESC, other LIMIT ?3
"""
# Each firm's partners, rebuilt whole from the pairs (the covering indexes
# give each side in firm order, so the groups need no sort).
BUILD_FIRM_PARTNERS: Final = (
    "DELETE FROM firm_partners",
    """INSERT INTO firm_partners (firm, sells, others, yen)
    SELECT seller, 1, json_group_array(buyer), json_group_array(ABS(amount))
    FROM trade_pairs INDEXED BY trade_pairs_seller GROUP BY seller""",
    """INSERT INTO firm_partners (firm, sells, others, yen)
    SELECT buyer, 0, json_group_array(seller), json_group_array(ABS(amount))
    FROM trade_pairs INDEXED BY trade_pairs_buyer GROUP BY buyer""",
    """INSERT INTO meta (key, value) SELECT 'partners_version', value FROM meta WHERE key = 'data_version'
    ON CONFLICT (key) DO UPDATE SET value = excluded.value""",
)
def _current(version_key: str) -> str:
    """1 when the derived data stamped with meta ``version_key`` was built
    since the last write that changed trade (a consent change leaves it current)."""
    return f"""
SELECT (SELECT value FROM meta WHERE key = '{version_key}')
    >= COALESCE((SELECT value FROM meta WHERE key = 'trade_version'),
                (SELECT value FROM meta WHERE key = 'data_version'))
"""


PARTNERS_CURRENT: Final = _current("partners_version")
LEDGER_TOTALS_CURRENT: Final = _current("ledger_totals_version")
DELETE_LEDGER_TOTALS: Final = "DELETE FROM ledger_totals"
INSERT_LEDGER_TOTALS: Final = "INSERT INTO ledger_totals (firm, months, sales, purchases) VALUES (?, ?, ?, ?)"
SET_LEDGER_TOTALS_VERSION: Final = """
INSERT INTO meta (key, value) VALUES ('ledger_totals_version', ?)
ON CONFLICT (key) DO UPDATE SET value = excluded.value
"""
LEDGER_TOTALS_OF: Final = """
SELECT firm, months, sales, purchases FROM ledger_totals WHERE firm IN (SELECT value FROM json_each(?))
"""
FIRM_PARTNERS_OF: Final = """
SELECT firm, sells, others, yen FROM firm_partners WHERE firm IN (SELECT value FROM json_each(?1))
"""
PAIRS_AROUND: Final = f"""
SELECT {PAIR_COLUMNS} FROM trade_pairs WHERE seller IN (SELECT value FROM json_each(?1))
UNION ALL
SELECT {PAIR_COLUMNS} FROM trade_pairs WHERE buyer IN (SELECT value FROM json_each(?1))
  AND seller NOT IN (SELECT value FROM json_each(?1))
"""
PAIRS_BY_KEYS: Final = f"""
SELECT {P_PAIR_COLUMNS}
FROM json_each(?) j JOIN trade_pairs p ON p.seller = j.value ->> 0 AND p.buyer = j.value ->> 1
"""
# Pairs with one end in ?1 and the other in ?2, driven by the firms of ?2
# (the smaller set: a bank's consenting firms, an ego's kept partners): their
# keys from the covering indexes on either end (the unary + tests the other end
# against ?1 as a set instead of probing every combination), then only the
# matching rows with their series — scanning a hub's rows themselves read every
# series it has.
PAIRS_BETWEEN: Final = f"""
SELECT {P_PAIR_COLUMNS} FROM (
    SELECT seller, buyer FROM trade_pairs
    WHERE seller IN (SELECT value FROM json_each(?2)) AND +buyer IN (SELECT value FROM json_each(?1))
    UNION ALL
    SELECT seller, buyer FROM trade_pairs
    WHERE buyer IN (SELECT value FROM json_each(?2)) AND +seller IN (SELECT value FROM json_each(?1))
) k JOIN trade_pairs p ON p.seller = k.seller AND p.buyer = k.buyer
"""
# From ?1's side (the seller's primary key, the buyer index), the other end's
# consent read from its row (';'-joined bank ids).
PAIRS_WITH_BANK: Final = f"""
SELECT {P_PAIR_COLUMNS} FROM (
    SELECT t.seller, t.buyer FROM trade_pairs t JOIN firms f ON f.id = t.buyer
    WHERE t.seller IN (SELECT value FROM json_each(?1))
      AND instr(';' || f.consented_banks || ';', ';' || ?2 || ';') > 0
    UNION
    SELECT t.seller, t.buyer FROM trade_pairs t JOIN firms f ON f.id = t.seller
    WHERE t.buyer IN (SELECT value FROM json_each(?1))
      AND instr(';' || f.consented_banks || ';', ';' || ?2 || ';') > 0
) k JOIN trade_pairs p ON p.seller = k.seller AND p.buyer = k.buyer
"""
# Pairs with both ends in a set: the keys from the covering buyer index (the
# unary + keeps SQLite from probing every seller × buyer combination), then
# the rows by primary key.
PAIRS_AMONG: Final = """
SELECT p.seller, p.buyer, p.months, p.amounts, p.lines, p.observers
FROM trade_pairs k JOIN trade_pairs p ON p.seller = k.seller AND p.buyer = k.buyer
WHERE +k.seller IN (SELECT value FROM json_each(?1)) AND k.buyer IN (SELECT value FROM json_each(?1))
"""
ALL_PAIRS: Final = f"SELECT {PAIR_COLUMNS} FROM trade_pairs"
# Every pair's monthly series without its observers, in key order (the table's own order).
ALL_PAIR_SERIES: Final = "SELECT seller, buyer, months, amounts, lines FROM trade_pairs ORDER BY seller, buyer"

FIRM_TOTALS: Final = """
SELECT firm, months, sales, purchases FROM firm_totals WHERE firm IN (SELECT value FROM json_each(?))
"""
UPSERT_FIRM_TOTALS: Final = """
INSERT INTO firm_totals (firm, months, sales, purchases) VALUES (?, ?, ?, ?)
ON CONFLICT(firm) DO UPDATE SET months = excluded.months, sales = excluded.sales,
    purchases = excluded.purchases
"""
DELETE_FIRM_TOTALS: Final = "DELETE FROM firm_totals WHERE firm = ?"

PUT_ANALYTICS: Final = """
INSERT INTO analytics (name, data_version, created_at, payload) VALUES (?, ?, ?, ?)
ON CONFLICT(name) DO UPDATE SET data_version = excluded.data_version,
    created_at = excluded.created_at, payload = excluded.payload
"""
GET_ANALYTICS: Final = "SELECT data_version, created_at, payload FROM analytics WHERE name = ?"
BUMP_VERSION: Final = "UPDATE meta SET value = value + 1 WHERE key = 'data_version'"
DATA_VERSION: Final = "SELECT value FROM meta WHERE key = 'data_version'"
# Every write but a consent change (Store.trade_version), after BUMP_VERSION.
MARK_TRADE_VERSION: Final = """
INSERT INTO meta (key, value) SELECT 'trade_version', value FROM meta WHERE key = 'data_version'
ON CONFLICT (key) DO UPDATE SET value = excluded.value
"""
KEEP_TRADE_VERSION: Final = (
    "INSERT OR IGNORE INTO meta (key, value) SELECT 'trade_version', value FROM meta WHERE key = 'data_version'"
)
TRADE_VERSION: Final = """
SELECT COALESCE((SELECT value FROM meta WHERE key = 'trade_version'),
                (SELECT value FROM meta WHERE key = 'data_version'))
"""

# -- batches -------------------------------------------------------------------
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
BATCHES_BY_SHA256: Final = (
    f"SELECT {BATCH_COLUMNS} FROM batches WHERE sha256 IN (SELECT value FROM json_each(?)) "
    "ORDER BY started_at, id"
)
LIST_BATCHES: Final = f"SELECT {BATCH_COLUMNS} FROM batches ORDER BY started_at DESC, id"
LIST_BATCHES_OF: Final = f"SELECT {BATCH_COLUMNS} FROM batches WHERE client_id = ? ORDER BY started_at DESC, id"
MARK_CHUNK: Final = "INSERT OR IGNORE INTO batch_chunks (batch, chunk) VALUES (?, ?)"
CHUNKS_DONE: Final = "SELECT chunk FROM batch_chunks WHERE batch = ?"
CHUNKS_OF_BATCHES: Final = "SELECT batch, chunk FROM batch_chunks WHERE batch IN (SELECT value FROM json_each(?))"

COUNT_BATCHES: Final = "SELECT count(*) FROM batches"
BATCH_TRADE_PAIRS: Final = "SELECT DISTINCT seller, buyer FROM trade_obs WHERE batch = ?"
DELETE_BATCH_TRADES: Final = "DELETE FROM trade_obs WHERE batch = ?"
DELETE_BATCH_PAYMENTS: Final = "DELETE FROM pay_obs WHERE batch = ?"
DELETE_BATCH_OWN: Final = "DELETE FROM own_obs WHERE batch = ?"
# Firms this batch created that no remaining trade, payment or client flag needs.
DELETE_ORPHAN_FIRMS: Final = """
DELETE FROM firms
WHERE created_by_batch = ? AND is_client = 0
  AND NOT EXISTS (SELECT 1 FROM trade_pairs t WHERE t.seller = firms.id)
  AND NOT EXISTS (SELECT 1 FROM trade_pairs t WHERE t.buyer = firms.id)
  AND NOT EXISTS (SELECT 1 FROM pay_obs p WHERE p.payer = firms.id)
  AND NOT EXISTS (SELECT 1 FROM pay_obs p WHERE p.payee = firms.id)
"""
DELETE_BATCH_CHUNKS: Final = "DELETE FROM batch_chunks WHERE batch = ?"
DELETE_BATCH: Final = "DELETE FROM batches WHERE id = ?"

# Move one spelling's observations from one firm to another (merge, accept,
# undo). The pairs they leave and join are refreshed by the caller.
ALIAS_TRADE_PAIRS: Final = """
SELECT DISTINCT seller, buyer FROM trade_obs WHERE alias = ? AND observer = ? AND (seller = ? OR buyer = ?)
"""
MOVE_TRADES_SELLER: Final = "UPDATE trade_obs SET seller = ? WHERE alias = ? AND observer = ? AND seller = ?"
MOVE_TRADES_BUYER: Final = "UPDATE trade_obs SET buyer = ? WHERE alias = ? AND observer = ? AND buyer = ?"
MOVE_PAYMENTS_PAYER: Final = "UPDATE pay_obs SET payer = ? WHERE alias = ? AND observer = ? AND payer = ?"
MOVE_PAYMENTS_PAYEE: Final = "UPDATE pay_obs SET payee = ? WHERE alias = ? AND observer = ? AND payee = ?"

# -- reads of observations -------------------------------------------------------
OBS_COLUMNS: Final = "seller, buyer, observer, months, amounts, lines"
PAY_COLUMNS: Final = "payer, payee, observer, months, amounts, lines"
PAYMENTS_OF: Final = f"""
SELECT {PAY_COLUMNS} FROM pay_obs WHERE payer IN (SELECT value FROM json_each(?))
UNION ALL
SELECT {PAY_COLUMNS} FROM pay_obs WHERE payee IN (SELECT value FROM json_each(?))
  AND payer NOT IN (SELECT value FROM json_each(?))
"""
# Flows where both sides are clients: the observations of each side.
TWO_SIDED: Final = """
SELECT t.seller, t.buyer, t.observer, t.months, t.amounts, t.lines
FROM trade_obs t
JOIN firms s ON s.id = t.seller AND s.is_client = 1
JOIN firms b ON b.id = t.buyer AND b.is_client = 1
"""
OWN_TRADES: Final = f"SELECT {OBS_COLUMNS} FROM trade_obs WHERE observer = ?"
# A client's lines without a counterparty (own_obs).
INSERT_OWN_OBS: Final = """
INSERT INTO own_obs (batch, client, kind, months, amounts, lines) VALUES (?, ?, ?, ?, ?, ?)
ON CONFLICT(batch, client, kind) DO UPDATE SET
    months = excluded.months, amounts = excluded.amounts, lines = excluded.lines
"""
OWN_UNNAMED_OF: Final = """
SELECT client, kind, months, amounts, lines FROM own_obs
WHERE client IN (SELECT value FROM json_each(?)) AND kind IN ('sales', 'purchases')
"""
OWN_PAYMENTS: Final = f"SELECT {PAY_COLUMNS} FROM pay_obs WHERE observer = ?"
# What a client's ledger sums read: both ends, months and yen (no line counts).
OWN_TRADE_AMOUNTS: Final = "SELECT seller, buyer, months, amounts FROM trade_obs WHERE observer = ?"
OWN_PAYMENT_AMOUNTS: Final = "SELECT payer, payee, months, amounts FROM pay_obs WHERE observer = ?"
OWN_UNNAMED_AMOUNTS: Final = "SELECT kind, months, amounts FROM own_obs WHERE client = ?"
# Which batches recorded which months of a client's own ledger (LoadSummary.overlaps).
CLIENT_BATCH_MONTHS: Final = """
SELECT batch, months FROM trade_obs WHERE observer = ?1
UNION ALL SELECT batch, months FROM pay_obs WHERE observer = ?1
UNION ALL SELECT batch, months FROM own_obs WHERE client = ?1
"""
# Each ledger's last month (Store.client_last_months): every observation's series ends in its last month.
CLIENT_LAST_MONTHS: Final = """
SELECT observer, MAX(json_extract(months, '$[#-1]')) FROM trade_obs GROUP BY observer
UNION ALL SELECT observer, MAX(json_extract(months, '$[#-1]')) FROM pay_obs GROUP BY observer
UNION ALL SELECT client, MAX(json_extract(months, '$[#-1]')) FROM own_obs GROUP BY client
"""
# The months of many loads, read by load (Store.batch_months): each table's primary key starts with the batch.
BATCH_MONTHS: Final = """
SELECT batch, months FROM trade_obs WHERE batch IN (SELECT value FROM json_each(?1))
UNION ALL SELECT batch, months FROM pay_obs WHERE batch IN (SELECT value FROM json_each(?1))
UNION ALL SELECT batch, months FROM own_obs WHERE batch IN (SELECT value FROM json_each(?1))
"""
# The months of many loads by client (Store.batch_client_months): each table's primary key starts with the batch.
BATCH_CLIENT_MONTHS: Final = """
SELECT batch, observer, months FROM trade_obs WHERE batch IN (SELECT value FROM json_each(?1))
UNION ALL SELECT batch, observer, months FROM pay_obs WHERE batch IN (SELECT value FROM json_each(?1))
UNION ALL SELECT batch, client, months FROM own_obs WHERE batch IN (SELECT value FROM json_each(?1))
"""
# The months of each load's settlements with a named counterparty, by kind (Store.settlement_months).
SETTLEMENT_MONTHS: Final = """
SELECT batch, CASE WHEN payer = observer THEN 'payments' ELSE 'receipts' END, months FROM pay_obs
WHERE batch IN (SELECT value FROM json_each(?1))
"""
ALL_PAYMENTS: Final = f"SELECT {PAY_COLUMNS} FROM pay_obs"

BUSIEST_FIRMS: Final = """
SELECT firm, count(*) AS n FROM (
    SELECT seller AS firm FROM trade_pairs UNION ALL SELECT buyer AS firm FROM trade_pairs
) GROUP BY firm ORDER BY n DESC, firm LIMIT ?
"""
