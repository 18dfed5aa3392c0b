"""Writing the audit log from routes.

Every read of firm-level data and every export is written to the audit
log (who, role, bank, action, firm, when, outcome, detail) — in the same
store as the data, append-only. Three ways for a route to do it:

* ``audit(request, "firm.ego", firm_id)`` — one entry as the request's
  principal (set by :func:`api.auth.get_principal`), ``outcome="ok"`` unless
  given;
* a parameter ``log: AuditDep`` and ``log("export", None, "ok", "csv")`` —
  the same, bound to the request;
* ``dependencies=[audited("firm.ego")]`` on the route — one entry per
  request, written when the route function has returned (before the answer
  is sent): ``ok``, or the outcome of the error it raised (``not_found``,
  ``denied``, ``invalid``, ``error``), with the firm id taken from the path
  parameter ``firm_id``.

A write that fails fails the request (503 while the store is down): a read
that cannot be recorded is not served.

Reads of firm-level data are many (every ego, view, trend … a credit
officer opens), so :func:`audited_read` queues their entries instead and an
:class:`AuditBuffer` per server process appends them in one write every
``FLUSH_SECONDS`` (or ``FLUSH_ENTRIES``), and at shutdown: a read costs no
store write of its own, the log holds every read within a fraction of a
second, and a crash of the process loses at most that fraction. Exports,
loads, consent changes and logins stay synchronous.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator, Iterator
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.auth import PrincipalDep
from api.errors import ApiError
from api.identity import audit_entry, record
from domain.errors import InputError
from queries.access import Principal
from queries.identity import AuditEntry
from queries.scoped import AccessDenied
from queries.store import NotFound, Store

__all__ = ["audit", "Auditor", "AuditDep", "audited", "audited_read", "outcome_of", "AuditBuffer"]

log = logging.getLogger("torihiki.audit")
FLUSH_SECONDS = 0.25
FLUSH_ENTRIES = 500
MAX_PENDING = 100_000  # entries kept while the store is down, then the oldest are dropped (and logged)


class AuditBuffer:
    """Audit entries of reads, appended to the store in batches by one thread."""

    def __init__(self, store: Store, flush_seconds: float = FLUSH_SECONDS) -> None:
        self.store = store
        self.flush_seconds = flush_seconds
        self._pending: list[AuditEntry] = []
        self._lock = threading.Lock()
        self._flushing = threading.Lock()  # one write at a time: see flush()
        self._wake = threading.Event()
        self._stop = False
        self._thread = threading.Thread(target=self._run, name="torihiki-audit", daemon=True)
        self._thread.start()

    def add(self, entry: AuditEntry) -> None:
        with self._lock:
            self._pending.append(entry)
            if len(self._pending) > MAX_PENDING:
                dropped = len(self._pending) - MAX_PENDING
                del self._pending[:dropped]
                log.error("audit: the store has not accepted entries for a while; %d dropped", dropped)
            full = len(self._pending) >= FLUSH_ENTRIES
        if full:
            self._wake.set()

    def flush(self) -> None:
        """Append what is pending (kept for the next try if the store refuses).

        When it returns, every entry added before the call is in the log (or
        pending again, the store refusing): a flush that the thread started
        first, whose write is still under way, is waited for, not passed by
        with the entries added since."""
        with self._flushing:
            with self._lock:
                batch, self._pending = self._pending, []
            if not batch:
                return
            try:
                self.store.append_audit(batch)
            except Exception:  # the store is down: keep the entries, try again
                log.warning("audit: %d entries not yet written (store unavailable); retrying", len(batch))
                with self._lock:
                    self._pending[:0] = batch

    def _run(self) -> None:
        while not self._stop:
            self._wake.wait(self.flush_seconds)
            self._wake.clear()
            self.flush()

    def close(self) -> None:
        """Stop the thread and write what is left (app shutdown)."""
        self._stop = True
        self._wake.set()
        self._thread.join(timeout=5)
        self.flush()


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def audit(request: Request, action: str, firm_id: str | None = None, outcome: str = "ok",
          detail: str = "", principal: Principal | None = None) -> None:
    """Append one audit entry as ``principal``, by default the request's
    (set by :func:`api.auth.get_principal`, which every route but health
    passes; a test that overrides that dependency passes ``principal``)."""
    principal = principal or getattr(request.state, "principal", None)
    if principal is None:
        raise RuntimeError("audit() in a request without a principal: the route lacks authentication")
    record(_store(request), principal, action, firm_id, outcome, detail)


class Auditor:
    """:func:`audit` bound to one request's store and principal."""

    def __init__(self, store: Store, principal: Principal) -> None:
        self.store = store
        self.principal = principal

    def __call__(self, action: str, firm_id: str | None = None, outcome: str = "ok",
                 detail: str = "") -> None:
        record(self.store, self.principal, action, firm_id, outcome, detail)


def get_auditor(request: Request, principal: PrincipalDep) -> Auditor:
    """The request's :class:`Auditor` (authenticates the request first)."""
    return Auditor(_store(request), principal)


AuditDep = Annotated[Auditor, Depends(get_auditor)]


def outcome_of(exc: BaseException) -> str:
    """The audit outcome of an error a route raised."""
    if isinstance(exc, NotFound):
        return "not_found"
    if isinstance(exc, AccessDenied):  # a role refused a kind of read (a researcher and a firm): 403
        return "denied"
    if isinstance(exc, InputError | RequestValidationError):
        return "invalid"
    status = getattr(exc, "status", None) if isinstance(exc, ApiError) else (
        exc.status_code if isinstance(exc, StarletteHTTPException) else None)
    if status in (401, 403):
        return "denied"
    if status == 404:
        return "not_found"
    if status is not None and 400 <= status < 500:
        return "invalid"
    return "error"


def audited(action: str, firm_param: str = "firm_id", *, queued: bool = False) -> Any:
    """A route dependency (``dependencies=[audited("firm.ego")]``) writing
    one audit entry per request when the route function has returned:
    ``action``, the path parameter ``firm_param`` as the firm, the outcome
    (``ok`` or :func:`outcome_of` the error; the error goes on). Written
    before the answer is sent (a failed write fails the request), or with
    ``queued`` added to the app's :class:`AuditBuffer` (reads of firm data)."""

    def dependency(request: Request, principal: PrincipalDep) -> Iterator[None]:
        firm_id = request.path_params.get(firm_param)
        try:
            yield
        except BaseException as exc:
            record(_store(request), principal, action, firm_id, outcome_of(exc), type(exc).__name__)
            raise
        record(_store(request), principal, action, firm_id, "ok", "")

    async def queued_dependency(request: Request, principal: PrincipalDep) -> AsyncIterator[None]:
        # A coroutine: adding to the buffer does no I/O, and a sync generator
        # costs two hops to the thread pool per request. An app used without
        # its lifespan (some tests) has no buffer: written at once.
        firm_id = request.path_params.get(firm_param)
        buffer: AuditBuffer | None = getattr(request.app.state, "audit_buffer", None)

        async def add(outcome: str, detail: str = "") -> None:
            if buffer is None:
                await run_in_threadpool(record, _store(request), principal, action, firm_id, outcome, detail)
            else:
                buffer.add(audit_entry(principal, action, firm_id, outcome, detail))
        try:
            yield
        except BaseException as exc:
            await add(outcome_of(exc), type(exc).__name__)
            raise
        await add("ok")

    chosen: Any = queued_dependency if queued else dependency
    chosen.__name__ = f"audited_{'queued_' if queued else ''}{action.replace('.', '_')}"
    return Depends(chosen, scope="function")


def reads_written(request: Request) -> None:
    """Write the reads this server process still holds (:class:`AuditBuffer`)
    before the log is read, so that a reader of the log sees every read made
    before it here (the buffer writes within a quarter of a second, later on
    a busy machine). Other processes' pending reads follow as they flush."""
    buffer: AuditBuffer | None = getattr(request.app.state, "audit_buffer", None)
    if buffer is not None:
        buffer.flush()


def audited_read(action: str, firm_param: str = "firm_id") -> Any:
    """:func:`audited` for reads of firm-level data: queued to the app's :class:`AuditBuffer`."""
    return audited(action, firm_param, queued=True)
