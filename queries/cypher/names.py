"""The allow-list of labels and relationship types used in Cypher."""

from enum import StrEnum

__all__ = ["Label", "Rel"]


class Label(StrEnum):
    FIRM = "Firm"
    BATCH = "Batch"
    REGISTRY = "Registry"
    PARAMETERS = "Parameters"
    ALIAS = "Alias"
    MERGE_DECISION = "MergeDecision"
    BANK_ACCOUNT = "BankAccount"
    ANALYTICS = "Analytics"  # {name, data_version, created_at, payload}: derived whole-network tables
    META = "Meta"  # {key: 'data', version}: bumped by every write transaction


class Rel(StrEnum):
    # One observation: batch × observer × spelling, with its monthly series.
    TRADE = "TRADE"  # (:Firm seller)-[:TRADE {key, batch, observer, alias, months, amounts, lines}]->(:Firm buyer)
    PAID = "PAID"  # (:Firm payer)-[:PAID {…the same}]->(:Firm payee)
    # The pair merged over its observations (derived, rewritten at load).
    TRADES_WITH = "TRADES_WITH"  # (:Firm seller)-[:TRADES_WITH {months, amounts, lines, observers, amount}]->(:Firm buyer)
