"""Trade writes (chunked, idempotent) and neighbourhood reads."""

from typing import Final, LiteralString

# One chunk: MERGE each monthly observation on its key and SET (not add) its
# values, then record the chunk on the batch — all in one transaction, so a
# retried or resumed chunk changes nothing.
WRITE_CHUNK: Final[LiteralString] = """
CALL () {
  UNWIND $trades AS row
  MATCH (s:Firm {id: row.seller})
  MATCH (b:Firm {id: row.buyer})
  MERGE (s)-[t:TRADE {key: row.key}]->(b)
  SET t.batch = $batch, t.month = row.month, t.observer = row.observer,
      t.amount = row.amount, t.lines = row.lines, t.alias = row.alias
  RETURN count(*) AS trades_written
}
CALL () {
  UNWIND $payments AS row
  MATCH (p:Firm {id: row.payer})
  MATCH (q:Firm {id: row.payee})
  MERGE (p)-[t:PAID {key: row.key}]->(q)
  SET t.batch = $batch, t.month = row.month, t.observer = row.observer,
      t.amount = row.amount, t.lines = row.lines, t.alias = row.alias
  RETURN count(*) AS payments_written
}
MATCH (bt:Batch {id: $batch})
SET bt.chunks_done = CASE WHEN $chunk IN coalesce(bt.chunks_done, [])
                          THEN bt.chunks_done
                          ELSE coalesce(bt.chunks_done, []) + $chunk END
RETURN trades_written, payments_written
"""

# Sum over batches per observer; observers are merged in Python
# (queries.observations) so both stores share one rule.
TRADES_AROUND: Final[LiteralString] = """
MATCH (f:Firm) WHERE f.id IN $ids
MATCH (f)-[t:TRADE]-()
WHERE t.month >= $from AND t.month <= $to
WITH DISTINCT t
RETURN startNode(t).id AS seller, endNode(t).id AS buyer, t.month AS month,
       t.observer AS observer, sum(t.amount) AS amount, sum(t.lines) AS lines
"""

PAYMENTS_AROUND: Final[LiteralString] = """
MATCH (f:Firm) WHERE f.id IN $ids
MATCH (f)-[t:PAID]-()
WHERE t.month >= $from AND t.month <= $to
WITH DISTINCT t
RETURN startNode(t).id AS payer, endNode(t).id AS payee, t.month AS month,
       t.observer AS observer, sum(t.amount) AS amount, sum(t.lines) AS lines
ORDER BY payer, payee, month, observer
"""

ALL_TRADES: Final[LiteralString] = """
MATCH (s:Firm)-[t:TRADE]->(b:Firm)
WHERE t.month >= $from AND t.month <= $to
RETURN s.id AS seller, b.id AS buyer, t.month AS month, t.observer AS observer,
       sum(t.amount) AS amount, sum(t.lines) AS lines
"""
ALL_PAYMENTS: Final[LiteralString] = """
MATCH (p:Firm)-[t:PAID]->(q:Firm)
WHERE t.month >= $from AND t.month <= $to
RETURN p.id AS payer, q.id AS payee, t.month AS month, t.observer AS observer,
       sum(t.amount) AS amount, sum(t.lines) AS lines
ORDER BY payer, payee, month, observer
"""
