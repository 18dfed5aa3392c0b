"""The embedded store: SQLite (standard library) under ``TORIHIKI_HOME``.

Durable (WAL journal, synchronous=NORMAL) and safe for the API's thread
pool: each thread gets its own connection; SQLite serialises writers.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from queries.model import BatchInfo, Firm, PaymentRow, TradeEdge, TradeRow
from queries.observations import merge_observations
from queries.sql import firms as fq
from queries.sql import trades as tq
from queries.sql.schema import SCHEMA
from queries.store import NotFound, StoreUnavailable

__all__ = ["EmbeddedStore", "DB_FILENAME"]

DB_FILENAME = "torihiki.sqlite3"
_MONTH_MIN, _MONTH_MAX = "0000-00", "9999-99"


class EmbeddedStore:
    """SQLite-backed :class:`~queries.store.Store`."""

    backend = "embedded"

    def __init__(self, home: Path) -> None:
        self.home = home
        self.path = home / DB_FILENAME
        try:
            home.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise StoreUnavailable(f"cannot create TORIHIKI_HOME {home}: {e}") from e
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()

    # -- connections -----------------------------------------------------
    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            try:
                conn = sqlite3.connect(self.path, timeout=30, check_same_thread=False)
            except sqlite3.Error as e:
                raise StoreUnavailable(f"cannot open {self.path}: {e}") from e
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        return conn

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: committed whole or rolled back whole."""
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.rollback()
            raise
        else:
            conn.commit()

    def close(self) -> None:
        with self._lock:
            for conn in self._all:
                conn.close()
            self._all.clear()
        self._local = threading.local()

    # -- lifecycle -------------------------------------------------------
    def ensure_schema(self) -> None:
        self._conn().executescript(SCHEMA)

    def ping(self) -> bool:
        try:
            return self._conn().execute("SELECT 1").fetchone() == (1,)
        except (sqlite3.Error, StoreUnavailable):
            return False

    def counts(self) -> dict[str, int]:
        c = self._conn()
        return {
            "firms": c.execute("SELECT count(*) FROM firms").fetchone()[0],
            "trades": c.execute("SELECT count(*) FROM trades").fetchone()[0],
            "payments": c.execute("SELECT count(*) FROM payments").fetchone()[0],
            "batches": c.execute("SELECT count(*) FROM batches").fetchone()[0],
        }

    # -- firms -----------------------------------------------------------
    def upsert_firms(self, firms: Sequence[Firm], batch_id: str | None = None) -> None:
        rows = [
            (
                f.id, f.name, f.corporate_number, f.industry, f.prefecture,
                None if f.is_client is None else int(f.is_client),
                None if f.consented_banks is None else ";".join(f.consented_banks),
                batch_id,
            )
            for f in firms
        ]
        with self._tx() as c:
            c.executemany(fq.UPSERT_FIRM, rows)

    def get_firm(self, firm_id: str) -> Firm | None:
        row = self._conn().execute(fq.GET_FIRM, (firm_id,)).fetchone()
        return _firm(row) if row else None

    def get_firms(self, firm_ids: Collection[str]) -> dict[str, Firm]:
        ids = json.dumps(list(firm_ids))
        rows = self._conn().execute(fq.GET_FIRMS, (ids,))
        return {r[0]: _firm(r) for r in rows}

    def search_firms(self, q: str, limit: int, offset: int) -> tuple[list[Firm], int]:
        c = self._conn()
        rows = c.execute(fq.SEARCH_FIRMS, (q, q, limit, offset)).fetchall()
        total = c.execute(fq.COUNT_SEARCH_FIRMS, (q, q)).fetchone()[0]
        return [_firm(r) for r in rows], int(total)

    def firm_by_corporate_number(self, corporate_number: str) -> Firm | None:
        row = self._conn().execute(fq.FIRM_BY_CORPORATE_NUMBER, (corporate_number,)).fetchone()
        return _firm(row) if row else None

    # -- batches ---------------------------------------------------------
    def get_batch(self, batch_id: str) -> BatchInfo | None:
        row = self._conn().execute(tq.GET_BATCH, (batch_id,)).fetchone()
        return BatchInfo(*row) if row else None

    def begin_batch(self, info: BatchInfo) -> None:
        with self._tx() as c:
            c.execute(
                tq.INSERT_BATCH,
                (info.id, info.sha256, info.file, info.client_id, info.format, info.started_at),
            )

    def chunks_done(self, batch_id: str) -> set[int]:
        return {r[0] for r in self._conn().execute(tq.CHUNKS_DONE, (batch_id,))}

    def write_chunk(
        self, batch_id: str, chunk: int, trades: Sequence[TradeRow], payments: Sequence[PaymentRow]
    ) -> None:
        with self._tx() as c:
            c.executemany(
                tq.UPSERT_TRADE,
                [(batch_id, r.seller, r.buyer, r.month, r.observer, r.amount, r.lines) for r in trades],
            )
            c.executemany(
                tq.UPSERT_PAYMENT,
                [(batch_id, p.payer, p.payee, p.month, p.observer, p.amount, p.lines) for p in payments],
            )
            c.execute(tq.MARK_CHUNK, (batch_id, chunk))

    def finish_batch(self, info: BatchInfo) -> None:
        with self._tx() as c:
            c.execute(
                tq.FINISH_BATCH,
                (
                    info.status, info.rows_read, info.rows_loaded, info.rows_rejected,
                    info.rows_skipped, info.rejects_path, info.finished_at, info.id,
                ),
            )

    def list_batches(self) -> list[BatchInfo]:
        return [BatchInfo(*r) for r in self._conn().execute(tq.LIST_BATCHES)]

    def rollback_batch(self, batch_id: str) -> dict[str, int]:
        with self._tx() as c:
            if c.execute(tq.GET_BATCH, (batch_id,)).fetchone() is None:
                raise NotFound(f"no batch {batch_id!r}")
            trades = c.execute(tq.DELETE_BATCH_TRADES, (batch_id,)).rowcount
            payments = c.execute(tq.DELETE_BATCH_PAYMENTS, (batch_id,)).rowcount
            firms = c.execute(tq.DELETE_ORPHAN_FIRMS, (batch_id,)).rowcount
            c.execute(tq.DELETE_BATCH_CHUNKS, (batch_id,))
            c.execute(tq.DELETE_BATCH, (batch_id,))
        return {"trades": trades, "payments": payments, "firms": firms, "batches": 1}

    # -- trade -----------------------------------------------------------
    def trade_edges(
        self, firm_ids: Collection[str], month_from: str | None, month_to: str | None
    ) -> list[TradeEdge]:
        ids = json.dumps(sorted(set(firm_ids)))
        cur = self._conn().execute(
            tq.TRADES_AROUND, (ids, ids, month_from or _MONTH_MIN, month_to or _MONTH_MAX)
        )
        return merge_observations(TradeRow(*r) for r in cur)

    def payments(
        self, firm_ids: Collection[str], month_from: str | None, month_to: str | None
    ) -> list[PaymentRow]:
        ids = json.dumps(sorted(set(firm_ids)))
        cur = self._conn().execute(
            tq.PAYMENTS_AROUND, (ids, ids, month_from or _MONTH_MIN, month_to or _MONTH_MAX)
        )
        return [PaymentRow(*r) for r in cur]


def _firm(row: tuple[object, ...]) -> Firm:
    fid, name, cn, industry, pref, is_client, banks = row
    return Firm(
        id=str(fid),
        name=name if name is None else str(name),
        corporate_number=None if cn is None else str(cn),
        industry=None if industry is None else str(industry),
        prefecture=None if pref is None else str(pref),
        is_client=bool(is_client),
        consented_banks=tuple(b for b in str(banks).split(";") if b) if banks is not None else None,
    )
