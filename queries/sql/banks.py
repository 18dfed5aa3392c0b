"""Banks' names in the embedded store: one row per bank id."""

from typing import Final

SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS bank_names (
    bank TEXT PRIMARY KEY,
    name TEXT NOT NULL
);
"""

UPSERT_NAME: Final = ("INSERT INTO bank_names (bank, name) VALUES (?, ?) "
                      "ON CONFLICT(bank) DO UPDATE SET name = excluded.name WHERE name IS NOT excluded.name")
DELETE_NAME: Final = "DELETE FROM bank_names WHERE bank = ?"
ALL_NAMES: Final = "SELECT bank, name FROM bank_names ORDER BY bank"
