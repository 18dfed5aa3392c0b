"""Ingest batch records and rollback."""

from typing import Final, LiteralString

BATCH_FIELDS: Final[LiteralString] = (
    "b.id AS id, b.sha256 AS sha256, b.file AS file, b.client_id AS client_id, "
    "b.format AS format, b.status AS status, b.rows_read AS rows_read, "
    "b.rows_loaded AS rows_loaded, b.rows_rejected AS rows_rejected, "
    "b.rows_skipped AS rows_skipped, b.rejects_path AS rejects_path, "
    "b.started_at AS started_at, b.finished_at AS finished_at"
)

BEGIN_BATCHES: Final[LiteralString] = """
UNWIND $rows AS row
MERGE (b:Batch {id: row.id})
ON CREATE SET b.sha256 = row.sha256, b.file = row.file, b.client_id = row.client_id,
    b.format = row.format, b.status = 'loading', b.started_at = row.started_at,
    b.rows_read = 0, b.rows_loaded = 0, b.rows_rejected = 0, b.rows_skipped = 0,
    b.rejects_path = '', b.finished_at = '', b.chunks_done = []
"""
BEGIN_BATCH: Final[LiteralString] = """
MERGE (b:Batch {id: $id})
ON CREATE SET b.sha256 = $sha256, b.file = $file, b.client_id = $client_id,
    b.format = $format, b.status = 'loading', b.started_at = $started_at,
    b.rows_read = 0, b.rows_loaded = 0, b.rows_rejected = 0, b.rows_skipped = 0,
    b.rejects_path = '', b.finished_at = '', b.chunks_done = []
"""
FINISH_BATCH: Final[LiteralString] = """
MATCH (b:Batch {id: $id})
SET b.status = $status, b.rows_read = $rows_read, b.rows_loaded = $rows_loaded,
    b.rows_rejected = $rows_rejected, b.rows_skipped = $rows_skipped,
    b.rejects_path = $rejects_path, b.finished_at = $finished_at
"""
FINISH_BATCHES: Final[LiteralString] = """
UNWIND $rows AS row
MATCH (b:Batch {id: row.id})
SET b.status = row.status, b.rows_read = row.rows_read, b.rows_loaded = row.rows_loaded,
    b.rows_rejected = row.rows_rejected, b.rows_skipped = row.rows_skipped,
    b.rejects_path = row.rejects_path, b.finished_at = row.finished_at
"""
MARK_CHUNKS: Final[LiteralString] = """
UNWIND $rows AS row
MATCH (bt:Batch {id: row.batch})
SET bt.chunks_done = CASE WHEN row.chunk IN coalesce(bt.chunks_done, [])
                          THEN bt.chunks_done
                          ELSE coalesce(bt.chunks_done, []) + row.chunk END
"""
GET_BATCH: Final[LiteralString] = "MATCH (b:Batch {id: $id}) RETURN " + BATCH_FIELDS
BATCHES_BY_SHA256: Final[LiteralString] = (
    "MATCH (b:Batch) WHERE b.sha256 IN $shas RETURN " + BATCH_FIELDS + " ORDER BY b.started_at, b.id"
)
CHUNKS_DONE: Final[LiteralString] = (
    "MATCH (b:Batch {id: $id}) RETURN coalesce(b.chunks_done, []) AS chunks"
)
LIST_BATCHES: Final[LiteralString] = (
    "MATCH (b:Batch) RETURN " + BATCH_FIELDS + " ORDER BY b.started_at DESC, b.id"
)
LIST_BATCHES_OF: Final[LiteralString] = (
    "MATCH (b:Batch {client_id: $client}) RETURN " + BATCH_FIELDS + " ORDER BY b.started_at DESC, b.id"
)

# Deleted in slices so one transaction stays small on a big batch; each
# slice returns what it deleted, so the pairs can be refreshed and counted.
DELETE_BATCH_OBS: Final[LiteralString] = """
MATCH (s)-[t:TRADE|PAID {batch: $id}]->(b)
WITH s, t, b LIMIT $limit
WITH s.id AS source, b.id AS target, type(t) AS kind, t
DELETE t
RETURN source, target, kind
"""
DELETE_BATCH_OWN: Final[LiteralString] = """
MATCH (o:OwnTrade {batch: $id})
DELETE o
RETURN count(*) AS deleted
"""
DELETE_ORPHAN_FIRMS: Final[LiteralString] = """
MATCH (f:Firm {created_by_batch: $id})
WHERE NOT coalesce(f.is_client, false) AND NOT EXISTS { (f)-[:TRADE|PAID|TRADES_WITH]-() }
DELETE f
RETURN count(*) AS deleted
"""
DELETE_BATCH: Final[LiteralString] = "MATCH (b:Batch {id: $id}) DELETE b RETURN count(*) AS deleted"
