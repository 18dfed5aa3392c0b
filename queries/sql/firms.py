"""Firm queries for the embedded store."""

from typing import Final

FIRM_COLUMNS: Final = "id, name, corporate_number, industry, prefecture, is_client, consented_banks"

# COALESCE keeps stored values where the new row has NULL; is_client only
# ever turns on (a client stays a client when seen again as a counterparty).
UPSERT_FIRM: Final = """
INSERT INTO firms (id, name, corporate_number, industry, prefecture, is_client,
                   consented_banks, created_by_batch)
VALUES (?, ?, ?, ?, ?, COALESCE(?, 0), ?, ?)
ON CONFLICT(id) DO UPDATE SET
    name             = COALESCE(excluded.name, firms.name),
    corporate_number = COALESCE(excluded.corporate_number, firms.corporate_number),
    industry         = COALESCE(excluded.industry, firms.industry),
    prefecture       = COALESCE(excluded.prefecture, firms.prefecture),
    is_client        = MAX(firms.is_client, excluded.is_client),
    consented_banks  = COALESCE(excluded.consented_banks, firms.consented_banks)
"""

ANY_CLIENT_OF: Final = "SELECT 1 FROM firms WHERE is_client = 1 AND id IN (SELECT value FROM json_each(?)) LIMIT 1"
END_CLIENTS: Final = """
UPDATE firms SET is_client = 0
WHERE is_client = 1 AND id IN (SELECT value FROM json_each(?))
RETURNING id
"""

GET_FIRM: Final = f"SELECT {FIRM_COLUMNS} FROM firms WHERE id = ?"
GET_FIRMS: Final = f"SELECT {FIRM_COLUMNS} FROM firms WHERE id IN (SELECT value FROM json_each(?))"
FIRM_BY_CORPORATE_NUMBER: Final = f"SELECT {FIRM_COLUMNS} FROM firms WHERE corporate_number = ?"
FIRMS_BY_CORPORATE_NUMBERS: Final = (
    f"SELECT {FIRM_COLUMNS} FROM firms WHERE corporate_number IN (SELECT value FROM json_each(?))"
)

SEARCH_FIRMS: Final = f"""
SELECT {FIRM_COLUMNS} FROM firms
WHERE instr(lower(id), lower(?)) > 0 OR instr(lower(COALESCE(name, '')), lower(?)) > 0
ORDER BY id LIMIT ? OFFSET ?
"""
COUNT_SEARCH_FIRMS: Final = """
SELECT count(*) FROM firms
WHERE instr(lower(id), lower(?)) > 0 OR instr(lower(COALESCE(name, '')), lower(?)) > 0
"""
ALL_FIRMS: Final = f"SELECT {FIRM_COLUMNS} FROM firms ORDER BY id"
CLIENT_IDS: Final = "SELECT id FROM firms WHERE is_client = 1"
