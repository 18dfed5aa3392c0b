"""The Neo4j store: the official driver, reads routed as reads, writes as
retried, idempotent transaction functions, values always as parameters.

One driver per process (it is thread-safe and pools connections); sessions
are short-lived, one per call. Every call names the database.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Collection, Sequence
from typing import Any, LiteralString, TypeVar

import neo4j
import pandas as pd
from neo4j import GraphDatabase, RoutingControl
from neo4j.exceptions import (
    AuthError,
    ClientError,
    DriverError,
    Neo4jError,
    ServiceUnavailable,
    SessionExpired,
)

from queries.config import StoreConfig
from queries.cypher import batches as bq
from queries.cypher import firms as fq
from queries.cypher import reference as rq
from queries.cypher import trades as tq
from queries.cypher.schema import SCHEMA
from queries.model import (
    Alias,
    BatchInfo,
    Firm,
    MergeRecord,
    ParameterRow,
    PaymentRow,
    RegistryRecord,
    TradeEdge,
    TradeRow,
)
from queries.observations import merge_observations, merge_observations_frame
from queries.store import NotFound, StoreError, StoreUnavailable

__all__ = ["Neo4jStore", "make_driver"]

T = TypeVar("T")
_MONTH_MIN, _MONTH_MAX = "0000-00", "9999-99"
_DELETE_SLICE = 10_000  # relationships deleted per rollback transaction


def make_driver(config: StoreConfig) -> neo4j.Driver:
    """Create the process's driver with timeouts that fit its purpose.

    The API fails fast (a few seconds, then 503); batch work waits longer
    and lets the driver retry transient errors for up to two minutes.
    """
    if config.purpose == "api":
        timeouts = {"connection_timeout": 5.0, "connection_acquisition_timeout": 5.0,
                    "max_transaction_retry_time": 5.0}
    else:
        # TORIHIKI_NEO4J_RETRY_SECONDS shortens how long batch work keeps
        # retrying a lost server (default 120 s) before it stops to be resumed.
        retry = float(os.environ.get("TORIHIKI_NEO4J_RETRY_SECONDS") or 120.0)
        timeouts = {"connection_timeout": 30.0, "connection_acquisition_timeout": 60.0,
                    "max_transaction_retry_time": retry}
    assert config.neo4j_uri is not None
    return GraphDatabase.driver(
        config.neo4j_uri,
        auth=(config.neo4j_username, config.neo4j_password),
        **timeouts,  # type: ignore[arg-type]
    )


def _translate(fn: Callable[..., T]) -> Callable[..., T]:
    """Map driver exceptions to the store's own hierarchy."""

    def wrapper(*args: Any, **kwargs: Any) -> T:
        try:
            return fn(*args, **kwargs)
        except (ServiceUnavailable, SessionExpired, AuthError) as e:
            raise StoreUnavailable(f"Neo4j unavailable: {e}") from e
        except (Neo4jError, DriverError) as e:
            raise StoreError(f"Neo4j error: {e}") from e

    wrapper.__name__ = fn.__name__
    wrapper.__doc__ = fn.__doc__
    return wrapper


class Neo4jStore:
    """Neo4j-backed :class:`~queries.store.Store`. The driver is passed in."""

    backend = "neo4j"

    def __init__(self, driver: neo4j.Driver, database: str = "neo4j") -> None:
        self.driver = driver
        self.database = database

    # -- plumbing ----------------------------------------------------------
    def _read(self, query: LiteralString, **params: Any) -> list[dict[str, Any]]:
        records, _, _ = self.driver.execute_query(
            query, params, routing_=RoutingControl.READ, database_=self.database
        )
        return [r.data() for r in records]

    def _write(self, query: LiteralString, **params: Any) -> list[dict[str, Any]]:
        records, _, _ = self.driver.execute_query(
            query, params, routing_=RoutingControl.WRITE, database_=self.database
        )
        return [r.data() for r in records]

    def close(self) -> None:
        self.driver.close()

    # -- lifecycle ---------------------------------------------------------
    @_translate
    def ensure_schema(self) -> None:
        for statement in SCHEMA:
            try:
                self._write(statement)
            except ClientError as e:
                # An equivalent index created under another name is fine.
                if "EquivalentSchemaRuleAlreadyExists" not in (e.code or ""):
                    raise

    def ping(self) -> bool:
        try:
            return self._read("RETURN 1 AS one") == [{"one": 1}]
        except (Neo4jError, DriverError, OSError):
            return False

    @_translate
    def counts(self) -> dict[str, int]:
        row = self._read(fq.COUNTS)[0]
        return {k: int(v) for k, v in row.items()}

    # -- firms -------------------------------------------------------------
    @_translate
    def upsert_firms(self, firms: Sequence[Firm], batch_id: str | None = None) -> None:
        rows = [
            {
                "id": f.id, "name": f.name, "corporate_number": f.corporate_number,
                "industry": f.industry, "prefecture": f.prefecture, "is_client": f.is_client,
                "consented_banks": None if f.consented_banks is None else list(f.consented_banks),
            }
            for f in firms
        ]
        for start in range(0, len(rows), 5000):
            self._write(fq.UPSERT_FIRMS, rows=rows[start:start + 5000], batch=batch_id)

    @_translate
    def get_firm(self, firm_id: str) -> Firm | None:
        rows = self._read(fq.GET_FIRM, id=firm_id)
        return _firm(rows[0]) if rows else None

    @_translate
    def get_firms(self, firm_ids: Collection[str]) -> dict[str, Firm]:
        return {r["id"]: _firm(r) for r in self._read(fq.GET_FIRMS, ids=list(firm_ids))}

    @_translate
    def search_firms(self, q: str, limit: int, offset: int) -> tuple[list[Firm], int]:
        rows = self._read(fq.SEARCH_FIRMS, q=q, limit=limit, offset=offset)
        total = self._read(fq.COUNT_SEARCH_FIRMS, q=q)[0]["n"]
        return [_firm(r) for r in rows], int(total)

    @_translate
    def firm_by_corporate_number(self, corporate_number: str) -> Firm | None:
        rows = self._read(fq.FIRM_BY_CORPORATE_NUMBER, cn=corporate_number)
        return _firm(rows[0]) if rows else None

    # -- batches -----------------------------------------------------------
    @_translate
    def get_batch(self, batch_id: str) -> BatchInfo | None:
        rows = self._read(bq.GET_BATCH, id=batch_id)
        return _batch(rows[0]) if rows else None

    @_translate
    def begin_batch(self, info: BatchInfo) -> None:
        self._write(
            bq.BEGIN_BATCH, id=info.id, sha256=info.sha256, file=info.file,
            client_id=info.client_id, format=info.format, started_at=info.started_at,
        )

    @_translate
    def chunks_done(self, batch_id: str) -> set[int]:
        rows = self._read(bq.CHUNKS_DONE, id=batch_id)
        return {int(c) for c in rows[0]["chunks"]} if rows else set()

    @_translate
    def write_chunk(
        self, batch_id: str, chunk: int, trades: Sequence[TradeRow], payments: Sequence[PaymentRow]
    ) -> None:
        trade_rows = [
            {
                "key": f"{batch_id}|{r.month}|{r.observer}|{r.alias}", "seller": r.seller,
                "buyer": r.buyer, "month": r.month, "observer": r.observer, "amount": r.amount,
                "lines": r.lines, "alias": r.alias,
            }
            for r in trades
        ]
        payment_rows = [
            {
                "key": f"{batch_id}|{p.month}|{p.observer}|{p.alias}", "payer": p.payer,
                "payee": p.payee, "month": p.month, "observer": p.observer, "amount": p.amount,
                "lines": p.lines, "alias": p.alias,
            }
            for p in payments
        ]
        self._write(
            tq.WRITE_CHUNK, trades=trade_rows, payments=payment_rows, batch=batch_id, chunk=chunk
        )

    @_translate
    def finish_batch(self, info: BatchInfo) -> None:
        self._write(
            bq.FINISH_BATCH, id=info.id, status=info.status, rows_read=info.rows_read,
            rows_loaded=info.rows_loaded, rows_rejected=info.rows_rejected,
            rows_skipped=info.rows_skipped, rejects_path=info.rejects_path,
            finished_at=info.finished_at,
        )

    @_translate
    def list_batches(self) -> list[BatchInfo]:
        return [_batch(r) for r in self._read(bq.LIST_BATCHES)]

    @_translate
    def rollback_batch(self, batch_id: str) -> dict[str, int]:
        if not self._read(bq.GET_BATCH, id=batch_id):
            raise NotFound(f"no batch {batch_id!r}")
        before = self.counts()
        while True:
            n = int(self._write(bq.DELETE_BATCH_TRADES, id=batch_id, limit=_DELETE_SLICE)[0]["deleted"])
            if n < _DELETE_SLICE:
                break
        after = self.counts()
        trades = before["trades"] - after["trades"]
        payments = before["payments"] - after["payments"]
        firms = int(self._write(bq.DELETE_ORPHAN_FIRMS, id=batch_id)[0]["deleted"])
        self._write(bq.DELETE_BATCH, id=batch_id)
        return {"trades": trades, "payments": payments, "firms": firms, "batches": 1}

    # -- trade -------------------------------------------------------------
    @_translate
    def trade_edges(
        self, firm_ids: Collection[str], month_from: str | None, month_to: str | None
    ) -> list[TradeEdge]:
        rows = self._read(
            tq.TRADES_AROUND, ids=sorted(set(firm_ids)),
            **{"from": month_from or _MONTH_MIN, "to": month_to or _MONTH_MAX},
        )
        return merge_observations(_trade(r) for r in rows)

    @_translate
    def payments(
        self, firm_ids: Collection[str], month_from: str | None, month_to: str | None
    ) -> list[PaymentRow]:
        rows = self._read(
            tq.PAYMENTS_AROUND, ids=sorted(set(firm_ids)),
            **{"from": month_from or _MONTH_MIN, "to": month_to or _MONTH_MAX},
        )
        return [_payment(r) for r in rows]

    @_translate
    def two_sided(self, month_from: str | None, month_to: str | None) -> list[TradeRow]:
        rows = self._read(rq.TWO_SIDED, **{"from": month_from or _MONTH_MIN, "to": month_to or _MONTH_MAX})
        return [_trade(r) for r in rows]

    @_translate
    def own_ledger(self, client_id: str) -> tuple[list[TradeRow], list[PaymentRow]]:
        return ([_trade(r) for r in self._read(rq.OWN_TRADES, client=client_id)],
                [_payment(r) for r in self._read(rq.OWN_PAYMENTS, client=client_id)])

    # -- reference data ----------------------------------------------------
    @_translate
    def upsert_registry(self, records: Sequence[RegistryRecord]) -> None:
        rows = [_registry_row(r) for r in records]
        for start in range(0, len(rows), 5000):
            self._write(rq.UPSERT_REGISTRY, rows=rows[start:start + 5000])

    @_translate
    def registry_records(self) -> list[RegistryRecord]:
        return [RegistryRecord(**r) for r in self._read(rq.ALL_REGISTRY)]

    @_translate
    def registry_get(self, corporate_number: str) -> RegistryRecord | None:
        rows = self._read(rq.GET_REGISTRY, cn=corporate_number)
        return RegistryRecord(**rows[0]) if rows else None

    @_translate
    def upsert_parameters(self, rows: Sequence[ParameterRow]) -> None:
        payload = [{"key": f"{r.firm_id}|{r.period}", "firm_id": r.firm_id, "period": r.period,
                    "values": dict(r.values)} for r in rows]
        for start in range(0, len(payload), 5000):
            self._write(rq.UPSERT_PARAMETERS, rows=payload[start:start + 5000])

    @_translate
    def parameters(self) -> list[ParameterRow]:
        out = []
        for r in self._read(rq.ALL_PARAMETERS):
            values = tuple(sorted((k, float(v)) for k, v in r["props"].items()
                                  if k not in ("key", "firm_id", "period")))
            out.append(ParameterRow(r["firm_id"], r["period"], values))
        return out

    @_translate
    def firm_names(self) -> list[tuple[str, str, str | None]]:
        return [(r["id"], r["name"], r["corporate_number"]) for r in self._read(rq.FIRM_NAMES)]

    # -- entity resolution -------------------------------------------------
    @_translate
    def aliases(self, client_id: str) -> dict[str, Alias]:
        return {r["key"]: _alias(r) for r in self._read(rq.ALIASES_OF_CLIENT, client=client_id)}

    @_translate
    def aliases_by_status(self, status: str) -> list[Alias]:
        return [_alias(r) for r in self._read(rq.ALIASES_BY_STATUS, status=status)]

    @_translate
    def upsert_aliases(self, aliases: Sequence[Alias], merges: Sequence[MergeRecord] = ()) -> None:
        alias_rows = [_alias_payload(a) for a in aliases]
        merge_rows = [_merge_payload(m) for m in merges]

        def work(tx: neo4j.ManagedTransaction) -> None:
            for start in range(0, len(alias_rows), 5000):
                tx.run(rq.UPSERT_ALIASES, rows=alias_rows[start:start + 5000]).consume()
            if merge_rows:
                tx.run(rq.INSERT_MERGES, rows=merge_rows).consume()

        with self.driver.session(database=self.database) as session:
            session.execute_write(work)

    @_translate
    def list_merges(self) -> list[MergeRecord]:
        return [MergeRecord(**r) for r in self._read(rq.LIST_MERGES)]

    @_translate
    def get_merge(self, merge_id: str) -> MergeRecord | None:
        rows = self._read(rq.GET_MERGE, id=merge_id)
        return MergeRecord(**rows[0]) if rows else None

    @_translate
    def reassign_alias(
        self, alias: Alias, merge: MergeRecord | None = None, undo: MergeRecord | None = None
    ) -> None:
        uid = f"{alias.client_id}|{alias.key}"

        def work(tx: neo4j.ManagedTransaction) -> None:
            rows = tx.run(rq.GET_ALIAS, uid=uid).data()
            if not rows:
                raise NotFound(f"no spelling {alias.key!r} of client {alias.client_id!r}")
            old, new = rows[0]["firm_id"], alias.firm_id
            if old != new:
                tx.run(rq.ENSURE_FIRM, id=new, name=alias.raw_name).consume()
                for q in (rq.MOVE_TRADE_OUT, rq.MOVE_TRADE_IN, rq.MOVE_PAID_OUT, rq.MOVE_PAID_IN):
                    tx.run(q, old=old, new=new, alias=alias.key, client=alias.client_id).consume()
            tx.run(rq.UPSERT_ALIASES, rows=[_alias_payload(alias)]).consume()
            if merge is not None:
                tx.run(rq.INSERT_MERGES, rows=[_merge_payload(merge)]).consume()
            if undo is not None:
                tx.run(rq.UNDO_MERGE, id=undo.id, undone_at=undo.undone_at).consume()
            if old != new:
                tx.run(rq.DELETE_FIRM_IF_ORPHAN, id=old).consume()

        with self.driver.session(database=self.database) as session:
            session.execute_write(work)

    @_translate
    def bank_account_firm(self, account: str) -> str | None:
        rows = self._read(rq.GET_BANK_ACCOUNT, account=account)
        return str(rows[0]["firm_id"]) if rows else None

    @_translate
    def upsert_bank_accounts(self, pairs: Sequence[tuple[str, str]]) -> None:
        self._write(rq.UPSERT_BANK_ACCOUNTS, rows=[{"account": a, "firm_id": f} for a, f in pairs])

    # -- whole network -----------------------------------------------------
    @_translate
    def all_firms(self) -> list[Firm]:
        return [_firm(r) for r in self._read(fq.ALL_FIRMS)]

    @_translate
    def all_trade_edges(self, month_from: str | None, month_to: str | None) -> list[TradeEdge]:
        rows = self._read(tq.ALL_TRADES, **{"from": month_from or _MONTH_MIN, "to": month_to or _MONTH_MAX})
        return merge_observations(_trade(r) for r in rows)

    @_translate
    def trade_frame(self, month_from: str | None, month_to: str | None) -> pd.DataFrame:
        df = self.driver.execute_query(
            tq.ALL_TRADES, {"from": month_from or _MONTH_MIN, "to": month_to or _MONTH_MAX},
            routing_=RoutingControl.READ, database_=self.database, result_transformer_=neo4j.Result.to_df,
        )
        if df.empty:
            df = pd.DataFrame(columns=["seller", "buyer", "month", "observer", "amount", "lines"])
        return merge_observations_frame(df)

    @_translate
    def all_payments(self, month_from: str | None, month_to: str | None) -> list[PaymentRow]:
        rows = self._read(tq.ALL_PAYMENTS, **{"from": month_from or _MONTH_MIN, "to": month_to or _MONTH_MAX})
        return [_payment(r) for r in rows]


def _trade(r: dict[str, Any]) -> TradeRow:
    return TradeRow(r["seller"], r["buyer"], r["month"], r["observer"], int(r["amount"]), int(r["lines"]))


def _registry_row(r: RegistryRecord) -> dict[str, Any]:
    return {"corporate_number": r.corporate_number, "name": r.name, "kind_code": r.kind_code,
            "prefecture": r.prefecture, "city": r.city, "furigana": r.furigana}


def _alias(r: dict[str, Any]) -> Alias:
    return Alias(r["client_id"], r["key"], r["raw_name"], r["firm_id"], r["method"], float(r["score"]),
                 r["status"], r.get("candidate_id"), r.get("reason") or "")


def _alias_payload(a: Alias) -> dict[str, Any]:
    return {"uid": f"{a.client_id}|{a.key}", "props": {
        "client_id": a.client_id, "key": a.key, "raw_name": a.raw_name, "firm_id": a.firm_id,
        "method": a.method, "score": a.score, "status": a.status, "candidate_id": a.candidate_id,
        "reason": a.reason}}


def _merge_payload(m: MergeRecord) -> dict[str, Any]:
    return {"id": m.id, "client_id": m.client_id, "alias_key": m.alias_key, "raw_name": m.raw_name,
            "from_firm": m.from_firm, "to_firm": m.to_firm, "method": m.method, "score": m.score,
            "reason": m.reason, "created_at": m.created_at, "undone_at": m.undone_at}


def _firm(r: dict[str, Any]) -> Firm:
    banks = r.get("consented_banks")
    return Firm(
        id=r["id"], name=r.get("name"), corporate_number=r.get("corporate_number"),
        industry=r.get("industry"), prefecture=r.get("prefecture"),
        is_client=bool(r.get("is_client")),
        consented_banks=tuple(banks) if banks is not None else None,
    )


def _batch(r: dict[str, Any]) -> BatchInfo:
    def text(key: str) -> str:
        return str(r.get(key) or "")

    def number(key: str) -> int:
        return int(r.get(key) or 0)

    return BatchInfo(
        id=text("id"), sha256=text("sha256"), file=text("file"), client_id=text("client_id"),
        format=text("format"), status=text("status"), rows_read=number("rows_read"),
        rows_loaded=number("rows_loaded"), rows_rejected=number("rows_rejected"),
        rows_skipped=number("rows_skipped"), rejects_path=text("rejects_path"),
        started_at=text("started_at"), finished_at=text("finished_at"),
    )


def _payment(r: dict[str, Any]) -> PaymentRow:
    return PaymentRow(r["payer"], r["payee"], r["month"], r["observer"], int(r["amount"]), int(r["lines"]))
