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


class Rel(StrEnum):
    TRADE = "TRADE"  # (:Firm seller)-[:TRADE {month, observer, batch}]->(:Firm buyer)
    PAID = "PAID"  # (:Firm payer)-[:PAID {month, observer, batch}]->(:Firm payee)
