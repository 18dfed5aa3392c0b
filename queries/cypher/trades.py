"""Trade and payment observations, merged pairs, firm totals (Neo4j).

The model (``docs/data-model.md``):

* ``(:Firm)-[:TRADE {key, batch, observer, alias, months, amounts, lines}]->(:Firm)``
  — one observation per batch, pair, observer and spelling, with its
  monthly series as three parallel lists (``YYYY-MM``, yen, ledger lines);
  ``(:Firm)-[:PAID {…}]->(:Firm)`` likewise for settlements;
* ``(:Firm)-[:TRADES_WITH {series, amount}]->(:Firm)`` — the pair merged
  over its observations, rewritten in the transaction that changes one of
  them: its monthly series as one byte array (``queries.pair_series``) and
  its yen over all months;
* ``Firm.total_months / total_sales / total_purchases`` — the firm's merged
  trade per month, kept current by adding each pair's change.
* ``Firm.sells / buys`` — the firm's partner lists (``queries.partner_lists``),
  derived from ``TRADES_WITH`` after a load and read only while
  ``(:Meta {key: 'partners'})`` holds a data version no lower than the
  trade version (no write but consent changes since they were built).

The merging itself is Python (:mod:`queries.series`), shared with the
embedded store; these statements read and write what it needs.
"""

from typing import Final, LiteralString

# -- observations ------------------------------------------------------------
# ``key`` = batch|observer|alias; with the two end nodes it identifies one
# observation. CREATE, not MERGE: a chunk's observations are written in the
# transaction that marks the chunk done, and a chunk already marked is skipped
# (``CHUNKS_OF_BATCHES``), so an observation can never exist before its write.
CHUNKS_OF_BATCHES: Final[LiteralString] = """
MATCH (b:Batch) WHERE b.id IN $ids
RETURN b.id AS id, coalesce(b.chunks_done, []) AS chunks
"""
WRITE_TRADE_OBS: Final[LiteralString] = """
UNWIND $rows AS row
MATCH (s:Firm {id: row.source})
MATCH (b:Firm {id: row.target})
CREATE (s)-[:TRADE {key: row.key, batch: row.batch, observer: row.observer, alias: row.alias,
                    months: row.months, amounts: row.amounts, lines: row.lines}]->(b)
"""
WRITE_PAY_OBS: Final[LiteralString] = """
UNWIND $rows AS row
MATCH (s:Firm {id: row.source})
MATCH (b:Firm {id: row.target})
CREATE (s)-[:PAID {key: row.key, batch: row.batch, observer: row.observer, alias: row.alias,
                   months: row.months, amounts: row.amounts, lines: row.lines}]->(b)
"""
# A client's lines without a counterparty: one node per batch, client and kind
# (sales, purchases, receipts, payments), outside the trade graph.
WRITE_OWN_OBS: Final[LiteralString] = """
UNWIND $rows AS row
CREATE (:OwnTrade {key: row.key, batch: row.batch, client: row.client, kind: row.kind,
                   months: row.months, amounts: row.amounts, lines: row.lines})
"""
OWN_UNNAMED_OF: Final[LiteralString] = """
MATCH (o:OwnTrade) WHERE o.client IN $ids AND o.kind IN ['sales', 'purchases']
RETURN o.client AS client, o.kind AS kind, o.months AS months, o.amounts AS amounts, o.lines AS lines
"""
OBS_OF_PAIRS: Final[LiteralString] = """
UNWIND $pairs AS pair
MATCH (s:Firm {id: pair[0]})-[t:TRADE]->(b:Firm {id: pair[1]})
RETURN pair[0] AS seller, pair[1] AS buyer, t.observer AS observer,
       t.months AS months, t.amounts AS amounts, t.lines AS lines
"""
# Yen each [seller, buyer, observer] of $keys recorded, summed by the server.
OBSERVED_YEN: Final[LiteralString] = """
UNWIND $keys AS k
MATCH (:Firm {id: k[0]})-[t:TRADE]->(:Firm {id: k[1]}) WHERE t.observer = k[2]
RETURN k[0] AS seller, k[1] AS buyer, k[2] AS observer, sum(reduce(a = 0, y IN t.amounts | a + y)) AS yen
"""
OBSERVED_YEN_COLUMNS: Final[tuple[LiteralString, ...]] = ("seller", "buyer", "observer", "yen")
# What each [seller, buyer, observer] of $keys recorded, batch by batch.
OBSERVED_SERIES: Final[LiteralString] = """
UNWIND $keys AS k
MATCH (:Firm {id: k[0]})-[t:TRADE]->(:Firm {id: k[1]}) WHERE t.observer = k[2]
RETURN k[0] AS seller, k[1] AS buyer, k[2] AS observer, t.months AS months, t.amounts AS amounts, t.lines AS lines
"""

# -- merged pairs and firm totals ----------------------------------------------
# Taking each firm's write lock (the SET) before reading its totals: two
# loads that touch one firm at once then apply their changes one after the
# other instead of one overwriting the other. Ids come sorted, so locks are
# always taken in the same order.
LOCK_AND_READ_TOTALS: Final[LiteralString] = """
UNWIND $ids AS id
MATCH (f:Firm {id: id})
SET f.write_seq = coalesce(f.write_seq, 0) + 1
RETURN f.id AS id, f.total_months AS months, f.total_sales AS sales,
       f.total_purchases AS purchases
"""
SET_TOTALS: Final[LiteralString] = """
UNWIND $rows AS row
MATCH (f:Firm {id: row.id})
SET f.total_months = row.months, f.total_sales = row.sales, f.total_purchases = row.purchases
"""
MERGED_OF_PAIRS: Final[LiteralString] = """
UNWIND $pairs AS pair
MATCH (s:Firm {id: pair[0]})-[m:TRADES_WITH]->(b:Firm {id: pair[1]})
RETURN pair[0] AS seller, pair[1] AS buyer, m.series AS series
"""
# Pairs the finish found without a merged relationship (read under the
# write locks of both firms, so no other load can create it meanwhile).
CREATE_PAIRS: Final[LiteralString] = """
UNWIND $rows AS row
MATCH (s:Firm {id: row.seller})
MATCH (b:Firm {id: row.buyer})
CREATE (s)-[:TRADES_WITH {series: row.series, amount: row.amount}]->(b)
"""
SET_PAIRS: Final[LiteralString] = """
UNWIND $rows AS row
MATCH (s:Firm {id: row.seller})
MATCH (b:Firm {id: row.buyer})
MERGE (s)-[m:TRADES_WITH]->(b)
SET m.series = row.series, m.amount = row.amount
"""
DELETE_PAIRS: Final[LiteralString] = """
UNWIND $pairs AS pair
MATCH (s:Firm {id: pair[0]})-[m:TRADES_WITH]->(b:Firm {id: pair[1]})
DELETE m
"""
PUT_ANALYTICS_MANY: Final[LiteralString] = """
UNWIND $rows AS row
MERGE (a:Analytics {name: row.name})
SET a.data_version = $version, a.created_at = $created_at, a.payload = row.payload
"""
GET_ANALYTICS: Final[LiteralString] = """
MATCH (a:Analytics {name: $name})
RETURN a.data_version AS data_version, a.created_at AS created_at, a.payload AS payload
"""
# Every write moves the data version; every write but a consent change also
# the trade version, to the same number (Store.trade_version). A store
# written before there was a trade version reads its data version as one.
BUMP_VERSION: Final[LiteralString] = """
MERGE (m:Meta {key: 'data'})
SET m.version = coalesce(m.version, 0) + 1
WITH m
SET m.trade_version = m.version
"""
BUMP_VERSION_NOT_TRADES: Final[LiteralString] = """
MERGE (m:Meta {key: 'data'})
SET m.trade_version = coalesce(m.trade_version, m.version), m.version = coalesce(m.version, 0) + 1
"""
DATA_VERSION: Final[LiteralString] = "MATCH (m:Meta {key: 'data'}) RETURN m.version AS version"
ENSURE_TRADE_VERSION: Final[LiteralString] = """
MERGE (m:Meta {key: 'data'})
SET m.trade_version = coalesce(m.trade_version, m.version, 0), m.version = coalesce(m.version, 0)
"""
TRADE_VERSION: Final[LiteralString] = (
    "MATCH (m:Meta {key: 'data'}) RETURN coalesce(m.trade_version, m.version) AS version"
)

# A store written before the series were one byte array (queries.pair_series)
# has its merged pairs rewritten once, a slice at a time, at ensure_schema;
# the version is recorded last, so an interrupted rewrite goes on next time.
PAIR_SERIES_VERSION: Final[LiteralString] = "MATCH (m:Meta {key: 'pair_series'}) RETURN m.version AS version"
SET_PAIR_SERIES_VERSION: Final[LiteralString] = "MERGE (m:Meta {key: 'pair_series'}) SET m.version = $version"
ANY_PAIR: Final[LiteralString] = "MATCH ()-[m:TRADES_WITH]->() RETURN 1 AS one LIMIT 1"
UNENCODED_PAIRS: Final[LiteralString] = """
MATCH (s)-[m:TRADES_WITH]->(b) WHERE m.series IS NULL
RETURN elementId(m) AS id, s.id AS seller, b.id AS buyer, m.months AS months, m.amounts AS amounts,
       m.lines AS lines, m.observers AS observers
LIMIT $limit
"""
ENCODE_PAIRS: Final[LiteralString] = """
UNWIND $rows AS row
MATCH ()-[m:TRADES_WITH]->() WHERE elementId(m) = row.id
SET m.series = row.series
REMOVE m.months, m.amounts, m.lines, m.observers
"""

# -- reads of merged pairs -------------------------------------------------------
PAIR_FIELDS: Final[LiteralString] = "m.series AS series"
# The columns of the reads below, for queries.neo4j_rows.collected (a read of
# many rows sent as one record).
PAIR_COLUMNS: Final[tuple[LiteralString, ...]] = ("seller", "buyer", "series")
RANKING_COLUMNS: Final[tuple[LiteralString, ...]] = ("other", "weight")
AMOUNT_COLUMNS: Final[tuple[LiteralString, ...]] = ("seller", "buyer", "amount")
TOTALS_COLUMNS: Final[tuple[LiteralString, ...]] = ("id", "months", "sales", "purchases")
OWN_COLUMNS: Final[tuple[LiteralString, ...]] = ("client", "kind", "months", "amounts", "lines")
OBS_COLUMNS: Final[tuple[LiteralString, ...]] = ("source", "target", "observer", "months", "amounts", "lines")
OBS_OF_PAIRS_COLUMNS: Final[tuple[LiteralString, ...]] = (
    "seller", "buyer", "observer", "months", "amounts", "lines")
PAIRS_OF: Final[LiteralString] = (
    "MATCH (f:Firm {id: $id})-[m:TRADES_WITH]->(x:Firm) "
    "RETURN f.id AS seller, x.id AS buyer, " + PAIR_FIELDS + " "
    "UNION ALL "
    "MATCH (f:Firm {id: $id})<-[m:TRADES_WITH]-(x:Firm) "
    "RETURN x.id AS seller, f.id AS buyer, " + PAIR_FIELDS
)
# The firms found once by id, then each one's incoming pairs kept when the seller is
# one of those nodes: a check of node identity. (Matching both ends by `id IN $ids`
# read the id property of the seller of every incoming pair, 14,700 of them for
# one of the busiest firms' 200 kept partners: 22-24 ms a query against 8-10 ms,
# the same 6,040 pairs for 20 such firms; a client's first hop ~4.5 ms either way.)
PAIRS_AMONG: Final[LiteralString] = (
    "MATCH (b:Firm) WHERE b.id IN $ids WITH collect(DISTINCT b) AS firms "
    "UNWIND firms AS b MATCH (s)-[m:TRADES_WITH]->(b) WHERE s IN firms "
    "RETURN s.id AS seller, b.id AS buyer, " + PAIR_FIELDS
)
PAIRS_BY_KEYS: Final[LiteralString] = (
    "UNWIND $pairs AS pair "
    "MATCH (s:Firm {id: pair[0]})-[m:TRADES_WITH]->(b:Firm {id: pair[1]}) "
    "RETURN s.id AS seller, b.id AS buyer, " + PAIR_FIELDS
)
PAIRS_AROUND: Final[LiteralString] = (
    "UNWIND $ids AS id "
    "CALL (id) { "
    "  MATCH (f:Firm {id: id})-[m:TRADES_WITH]->(x:Firm) "
    "  RETURN f.id AS seller, x.id AS buyer, m AS m "
    "  UNION ALL "
    "  MATCH (f:Firm {id: id})<-[m:TRADES_WITH]-(x:Firm) "
    "  RETURN x.id AS seller, f.id AS buyer, m AS m "
    "} "
    "WITH DISTINCT seller, buyer, m "
    "RETURN seller, buyer, " + PAIR_FIELDS
)
PAIRS_BETWEEN: Final[LiteralString] = (
    "UNWIND $others AS id "
    "CALL (id) { "
    "  MATCH (f:Firm {id: id})-[m:TRADES_WITH]->(x:Firm) WHERE x.id IN $ids "
    "  RETURN f.id AS seller, x.id AS buyer, m AS m "
    "  UNION ALL "
    "  MATCH (f:Firm {id: id})<-[m:TRADES_WITH]-(x:Firm) WHERE x.id IN $ids "
    "  RETURN x.id AS seller, f.id AS buyer, m AS m "
    "} "
    "WITH DISTINCT seller, buyer, m "
    "RETURN seller, buyer, " + PAIR_FIELDS
)
# From $ids' side (each firm's relationships, the other end's consent read on
# the way): a bank's consenting firms may be thousands, $ids a few partners.
PAIRS_WITH_BANK: Final[LiteralString] = (
    "UNWIND $ids AS id "
    "CALL (id) { "
    "  MATCH (f:Firm {id: id})-[m:TRADES_WITH]->(x:Firm) WHERE $bank IN x.consented_banks "
    "  RETURN f.id AS seller, x.id AS buyer, m AS m "
    "  UNION ALL "
    "  MATCH (f:Firm {id: id})<-[m:TRADES_WITH]-(x:Firm) WHERE $bank IN x.consented_banks "
    "  RETURN x.id AS seller, f.id AS buyer, m AS m "
    "} "
    "WITH DISTINCT seller, buyer, m "
    "RETURN seller, buyer, " + PAIR_FIELDS
)
# A relationship between a firm of $first and one outside $keep is matched
# once (from its end in $first: the other end is not in $first).
SECOND_HOP_RANKING: Final[LiteralString] = """
UNWIND $first AS id
MATCH (:Firm {id: id})-[m:TRADES_WITH]-(x:Firm)
WHERE NOT x.id IN $keep
WITH x.id AS other, sum(abs(m.amount)) AS weight
RETURN other, weight ORDER BY weight DESC, other LIMIT $limit
"""
# Both at once, reading the first hop's relationships once (Store.second_hop):
# grouped by the firm at their other end, the firms of $keep first (every
# relationship with them is shown), then the others by yen, ties by id. At
# most $most groups: all of $keep's and the best $most - size($keep) others,
# each with its relationships as pair rows (PAIR_COLUMNS' order); the caller
# keeps the pairs of the others it shows. Not `(x:Firm)`: a TRADES_WITH only
# joins firms, and the label test cost a read per relationship.
SECOND_HOP: Final[LiteralString] = """
UNWIND $first AS id
MATCH (:Firm {id: id})-[m:TRADES_WITH]-(x)
WITH x.id AS other, sum(abs(m.amount)) AS weight, collect(m) AS rels
WITH other, weight, rels, other IN $keep AS kept
ORDER BY kept DESC, weight DESC, other
LIMIT $most
RETURN kept, other, weight,
       [m IN rels | [startNode(m).id, endNode(m).id, m.series]] AS pairs
"""
SECOND_HOP_COLUMNS: Final[tuple[LiteralString, ...]] = ("kept", "other", "weight", "pairs")
# Partner lists (Store.prepare_reads): on each firm, per side, its partners'
# ids, the yen of each pair (absolute, all months) and the pair's element id,
# as one byte array (queries.partner_lists; null for a side without pairs).
# Built whole after a load, a slice of firms at a time (read here, encoded in
# Python, written back), and stamped with the data version read before the
# build began: read only while that is the current one, so a load during or
# after the build leaves them unused. A two-hop ego ranks its second hop from
# the first hop's lists (a node read per firm where SECOND_HOP expands every
# relationship of a hub partner) and reads the pairs it shows by element id
# (PAIRS_BY_IDS).
ALL_FIRM_IDS: Final[LiteralString] = "MATCH (f:Firm) RETURN f.id AS id"
PAIRS_FOR_LISTS: Final[LiteralString] = """
UNWIND $ids AS id
MATCH (f:Firm {id: id})
RETURN id,
       [(f)-[m:TRADES_WITH]->(x) | [x.id, abs(m.amount), elementId(m)]] AS sells,
       [(f)<-[m:TRADES_WITH]-(x) | [x.id, abs(m.amount), elementId(m)]] AS buys
"""
LISTS_COLUMNS: Final[tuple[LiteralString, ...]] = ("id", "sells", "buys")
SET_PARTNER_LISTS: Final[LiteralString] = """
UNWIND $rows AS row
MATCH (f:Firm {id: row.id})
SET f.sells = row.sells, f.buys = row.buys
"""
SET_PARTNERS_VERSION: Final[LiteralString] = """
MERGE (p:Meta {key: 'partners'}) SET p.version = $version
"""
# Whether the lists are current, and if so those of $ids, in one read.
PARTNER_LISTS_OF: Final[LiteralString] = """
OPTIONAL MATCH (d:Meta {key: 'data'})
OPTIONAL MATCH (p:Meta {key: 'partners'})
WITH coalesce(p.version >= coalesce(d.trade_version, d.version), false) AS current
CALL (current) {
  UNWIND CASE WHEN current THEN $ids ELSE [] END AS id
  MATCH (f:Firm {id: id})
  RETURN collect([f.id, f.sells, f.buys]) AS lists
}
RETURN current, lists
"""
# Each client's own ledger's totals (Store.put_ledger_totals) on the firm,
# each stamped with the version it was read at, and that version on a Meta
# node last: read only while no write but a consent change followed, and only
# from firms written at that version (a firm not rewritten since keeps older ones).
SET_LEDGER_TOTALS: Final[LiteralString] = """
UNWIND $rows AS row
MATCH (f:Firm {id: row.id})
SET f.ledger_months = row.months, f.ledger_sales = row.sales, f.ledger_purchases = row.purchases,
    f.ledger_version = $version
"""
SET_LEDGER_TOTALS_VERSION: Final[LiteralString] = """
MERGE (p:Meta {key: 'ledger_totals'}) SET p.version = $version
"""
LEDGER_TOTALS_OF: Final[LiteralString] = """
OPTIONAL MATCH (d:Meta {key: 'data'})
OPTIONAL MATCH (p:Meta {key: 'ledger_totals'})
WITH coalesce(p.version >= coalesce(d.trade_version, d.version), false) AS current, p.version AS version
CALL (current, version) {
  UNWIND CASE WHEN current THEN $ids ELSE [] END AS id
  MATCH (f:Firm {id: id}) WHERE f.ledger_version = version
  RETURN collect([f.id, f.ledger_months, f.ledger_sales, f.ledger_purchases]) AS totals
}
RETURN current, totals
"""
PAIRS_BY_IDS: Final[LiteralString] = (
    "UNWIND $rels AS rel "
    "MATCH (s)-[m:TRADES_WITH]->(b) WHERE elementId(m) = rel "
    "RETURN s.id AS seller, b.id AS buyer, " + PAIR_FIELDS
)
PAIR_AMOUNTS: Final[LiteralString] = (
    "UNWIND $ids AS id "
    "CALL (id) { "
    "  MATCH (f:Firm {id: id})-[m:TRADES_WITH]->(x:Firm) "
    "  RETURN f.id AS seller, x.id AS buyer, m.amount AS amount "
    "  UNION ALL "
    "  MATCH (f:Firm {id: id})<-[m:TRADES_WITH]-(x:Firm) "
    "  RETURN x.id AS seller, f.id AS buyer, m.amount AS amount "
    "} "
    "RETURN DISTINCT seller, buyer, amount"
)
FIRM_TOTALS: Final[LiteralString] = """
UNWIND $ids AS id
MATCH (f:Firm {id: id}) WHERE f.total_months IS NOT NULL
RETURN f.id AS id, f.total_months AS months, f.total_sales AS sales,
       f.total_purchases AS purchases
"""
ALL_PAIRS: Final[LiteralString] = (
    "MATCH (s:Firm)-[m:TRADES_WITH]->(b:Firm) RETURN s.id AS seller, b.id AS buyer, " + PAIR_FIELDS
)

# -- reads of observations ---------------------------------------------------------
OBS_FIELDS: Final[LiteralString] = (
    "t.observer AS observer, t.months AS months, t.amounts AS amounts, t.lines AS lines"
)
PAYMENTS_OF: Final[LiteralString] = (
    "MATCH (f:Firm) WHERE f.id IN $ids "
    "MATCH (f)-[t:PAID]-() "
    "WITH DISTINCT t "
    "RETURN startNode(t).id AS source, endNode(t).id AS target, " + OBS_FIELDS
)
TWO_SIDED: Final[LiteralString] = (
    "MATCH (s:Firm {is_client: true})-[t:TRADE]->(b:Firm {is_client: true}) "
    "RETURN s.id AS source, b.id AS target, " + OBS_FIELDS
)
OWN_TRADES: Final[LiteralString] = (
    "MATCH (s:Firm)-[t:TRADE {observer: $client}]->(b:Firm) "
    "RETURN s.id AS source, b.id AS target, " + OBS_FIELDS
)
OWN_TRADES_OF: Final[LiteralString] = (
    "MATCH (s:Firm)-[t:TRADE]->(b:Firm) WHERE t.observer IN $clients "
    "RETURN s.id AS source, b.id AS target, " + OBS_FIELDS
)
OWN_PAYMENTS_OF: Final[LiteralString] = (
    "MATCH (s:Firm)-[t:PAID]->(b:Firm) WHERE t.observer IN $clients "
    "RETURN s.id AS source, b.id AS target, " + OBS_FIELDS
)
OWN_ALL_UNNAMED_OF: Final[LiteralString] = """
MATCH (o:OwnTrade) WHERE o.client IN $clients
RETURN o.client AS client, o.kind AS kind, o.months AS months, o.amounts AS amounts, o.lines AS lines
"""
# The months of many loads, read by load (Store.batch_months).
BATCH_MONTHS: Final[LiteralString] = """
MATCH ()-[t:TRADE]->() WHERE t.batch IN $batches RETURN t.batch AS batch, t.months AS months
UNION ALL MATCH ()-[p:PAID]->() WHERE p.batch IN $batches RETURN p.batch AS batch, p.months AS months
UNION ALL MATCH (o:OwnTrade) WHERE o.batch IN $batches RETURN o.batch AS batch, o.months AS months
"""
# The months of many loads by client (Store.batch_client_months).
BATCH_CLIENT_MONTHS: Final[LiteralString] = """
MATCH ()-[t:TRADE]->() WHERE t.batch IN $batches RETURN t.batch AS batch, t.observer AS client, t.months AS months
UNION ALL MATCH ()-[p:PAID]->() WHERE p.batch IN $batches
RETURN p.batch AS batch, p.observer AS client, p.months AS months
UNION ALL MATCH (o:OwnTrade) WHERE o.batch IN $batches RETURN o.batch AS batch, o.client AS client, o.months AS months
"""
# Each ledger's last month (Store.client_last_months): every observation's series ends in its last month.
CLIENT_LAST_MONTHS: Final[LiteralString] = """
MATCH ()-[t:TRADE]->() RETURN t.observer AS client, max(t.months[-1]) AS month
UNION ALL MATCH ()-[p:PAID]->() RETURN p.observer AS client, max(p.months[-1]) AS month
UNION ALL MATCH (o:OwnTrade) RETURN o.client AS client, max(o.months[-1]) AS month
"""
# The months of each load's settlements with a named counterparty, by kind (Store.settlement_months).
SETTLEMENT_MONTHS: Final[LiteralString] = """
MATCH (a:Firm)-[p:PAID]->() WHERE p.batch IN $batches
RETURN p.batch AS batch, CASE WHEN a.id = p.observer THEN 'payments' ELSE 'receipts' END AS kind, p.months AS months
"""
# Which batches recorded which months of a client's own ledger (LoadSummary.overlaps).
CLIENT_BATCH_MONTHS: Final[LiteralString] = """
MATCH ()-[t:TRADE {observer: $client}]->() RETURN t.batch AS batch, t.months AS months
UNION ALL MATCH ()-[p:PAID {observer: $client}]->() RETURN p.batch AS batch, p.months AS months
UNION ALL MATCH (o:OwnTrade {client: $client}) RETURN o.batch AS batch, o.months AS months
"""
OWN_PAYMENTS: Final[LiteralString] = (
    "MATCH (s:Firm)-[t:PAID {observer: $client}]->(b:Firm) "
    "RETURN s.id AS source, b.id AS target, " + OBS_FIELDS
)
ALL_PAYMENTS: Final[LiteralString] = (
    "MATCH (s:Firm)-[t:PAID]->(b:Firm) RETURN s.id AS source, b.id AS target, " + OBS_FIELDS
)

BUSIEST_FIRMS: Final[LiteralString] = """
MATCH (f:Firm)
WITH f, COUNT { (f)-[:TRADES_WITH]-() } AS n
WHERE n > 0
RETURN f.id AS id, n ORDER BY n DESC, id LIMIT $limit
"""
