"""Acknowledgements of alerts in Neo4j: one (:AlertAck) per alert id
(unique), made with MERGE; the first acknowledgement stays."""

from typing import Final, LiteralString

SCHEMA: Final[tuple[LiteralString, ...]] = (
    "CREATE CONSTRAINT alert_ack_id IF NOT EXISTS FOR (k:AlertAck) REQUIRE k.alert_id IS UNIQUE",
)

MERGE_ACK: Final[LiteralString] = """
MERGE (k:AlertAck {alert_id: $alert_id})
ON CREATE SET k.user = $user, k.note = $note, k.at = $at, k.created = true
WITH k, coalesce(k.created, false) AS created
REMOVE k.created
RETURN created
"""
ACK_FIELDS: Final[LiteralString] = "k.alert_id AS alert_id, k.user AS user, k.note AS note, k.at AS at"
ALL_ACKS: Final[LiteralString] = "MATCH (k:AlertAck) RETURN " + ACK_FIELDS + " ORDER BY k.at, k.alert_id"
ACKS_OF: Final[LiteralString] = (
    "MATCH (k:AlertAck) WHERE k.alert_id IN $ids RETURN " + ACK_FIELDS + " ORDER BY k.at, k.alert_id"
)

MERGE_ACKS: Final[LiteralString] = """
UNWIND $ids AS id
MERGE (k:AlertAck {alert_id: id})
ON CREATE SET k.user = $user, k.note = $note, k.at = $at, k.created = true
WITH k, coalesce(k.created, false) AS created
REMOVE k.created
WITH k, created WHERE created
RETURN k.alert_id AS alert_id
"""

DELETE_ACKS: Final[LiteralString] = """
MATCH (k:AlertAck) WHERE k.alert_id IN $ids
WITH k, k.alert_id AS alert_id
DELETE k
RETURN alert_id
"""
