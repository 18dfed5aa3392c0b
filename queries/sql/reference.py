"""Registry, parameters, aliases, merges and bank accounts (embedded store)."""

from typing import Final

UPSERT_REGISTRY: Final = """
INSERT INTO registry (corporate_number, name, kind_code, prefecture, city, furigana)
VALUES (?, ?, ?, ?, ?, ?)
ON CONFLICT(corporate_number) DO UPDATE SET name = excluded.name, kind_code = excluded.kind_code,
    prefecture = excluded.prefecture, city = excluded.city, furigana = excluded.furigana
"""
REGISTRY_COLUMNS: Final = "corporate_number, name, kind_code, prefecture, city, furigana"  # RegistryRecord's fields
ALL_REGISTRY: Final = f"SELECT {REGISTRY_COLUMNS} FROM registry ORDER BY corporate_number"
GET_REGISTRY: Final = f"SELECT {REGISTRY_COLUMNS} FROM registry WHERE corporate_number = ?"
GET_REGISTRIES: Final = f"SELECT {REGISTRY_COLUMNS} FROM registry WHERE corporate_number IN (SELECT value FROM json_each(?))"

UPSERT_PARAMETER: Final = """
INSERT INTO parameters (firm_id, period, name, value) VALUES (?, ?, ?, ?)
ON CONFLICT(firm_id, period, name) DO UPDATE SET value = excluded.value
"""
DELETE_PARAMETERS: Final = "DELETE FROM parameters WHERE firm_id = ? AND period = ?"
ALL_PARAMETERS: Final = "SELECT firm_id, period, name, value FROM parameters ORDER BY firm_id, period, name"
PARAMETERS_OF: Final = (
    "SELECT firm_id, period, name, value FROM parameters WHERE firm_id IN (SELECT value FROM json_each(?)) "
    "ORDER BY firm_id, period, name"
)

ALIAS_COLUMNS: Final = "client_id, key, raw_name, firm_id, method, score, status, candidate_id, reason"
UPSERT_ALIAS: Final = f"""
INSERT INTO aliases ({ALIAS_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT(client_id, key) DO UPDATE SET raw_name = excluded.raw_name, firm_id = excluded.firm_id,
    method = excluded.method, score = excluded.score, status = excluded.status,
    candidate_id = excluded.candidate_id, reason = excluded.reason
"""
ALIASES_OF_CLIENT: Final = f"SELECT {ALIAS_COLUMNS} FROM aliases WHERE client_id = ?"
ALIASES_OF_CLIENTS: Final = (
    f"SELECT {ALIAS_COLUMNS} FROM aliases WHERE client_id IN (SELECT value FROM json_each(?))"
)
SPELLINGS: Final = """
SELECT a.client_id, a.firm_id, a.raw_name FROM json_each(?) j
JOIN aliases a ON a.client_id = json_extract(j.value, '$[0]') AND a.firm_id = json_extract(j.value, '$[1]')
"""
GET_ALIAS: Final = f"SELECT {ALIAS_COLUMNS} FROM aliases WHERE client_id = ? AND key = ?"
ALIASES_BY_STATUS: Final = f"SELECT {ALIAS_COLUMNS} FROM aliases WHERE status = ? ORDER BY client_id, key"
# every client's spellings resolved to one firm (the aliases_firm_spelling index, by its first column)
ALIASES_OF_FIRM: Final = (
    f"SELECT {ALIAS_COLUMNS} FROM aliases WHERE firm_id = ? AND (? IS NULL OR status = ?) ORDER BY client_id, key"
)

MERGE_COLUMNS: Final = (
    "id, client_id, alias_key, raw_name, from_firm, to_firm, method, score, reason, created_at, undone_at"
)
INSERT_MERGE: Final = f"INSERT OR IGNORE INTO merges ({MERGE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
LIST_MERGES: Final = f"SELECT {MERGE_COLUMNS} FROM merges ORDER BY created_at, id"
GET_MERGE: Final = f"SELECT {MERGE_COLUMNS} FROM merges WHERE id = ?"
UNDO_MERGE: Final = "UPDATE merges SET undone_at = ? WHERE id = ?"

UPSERT_BANK_ACCOUNT: Final = """
INSERT INTO bank_accounts (account, firm_id) VALUES (?, ?)
ON CONFLICT(account) DO NOTHING
"""
GET_BANK_ACCOUNT: Final = "SELECT firm_id FROM bank_accounts WHERE account = ?"
GET_BANK_ACCOUNTS: Final = (
    "SELECT account, firm_id FROM bank_accounts WHERE account IN (SELECT value FROM json_each(?))"
)

FIRM_NAMES: Final = (
    "SELECT id, name, corporate_number FROM firms "
    "WHERE name IS NOT NULL OR corporate_number IS NOT NULL ORDER BY id"
)
# Every stored spelling of a firm (entity resolution's name index), once per firm and spelling; not
# those known by a bank account or a firm id in the ledger alone (a load does not index them either).
ALIAS_SPELLINGS: Final = (
    "SELECT DISTINCT firm_id, raw_name FROM aliases "
    "WHERE raw_name IS NOT NULL AND method NOT IN ('bank_account', 'id') ORDER BY firm_id, raw_name"
)
DELETE_FIRM_IF_ORPHAN: Final = """
DELETE FROM firms
WHERE id = ? AND is_client = 0 AND created_by_batch IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM trade_pairs t WHERE t.seller = firms.id)
  AND NOT EXISTS (SELECT 1 FROM trade_pairs t WHERE t.buyer = firms.id)
  AND NOT EXISTS (SELECT 1 FROM pay_obs p WHERE p.payer = firms.id)
  AND NOT EXISTS (SELECT 1 FROM pay_obs p WHERE p.payee = firms.id)
  AND NOT EXISTS (SELECT 1 FROM aliases a WHERE a.firm_id = firms.id)
"""

# A firm that a merge or undo points at, created only when missing.
ENSURE_FIRM: Final = "INSERT OR IGNORE INTO firms (id, name, is_client, created_by_batch) VALUES (?, ?, 0, 'merge')"
