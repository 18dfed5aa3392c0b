"""Domain errors mapped to HTTP in one place, as JSON ``{"error", "detail"}``."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from ingest.load import IngestError
from queries.cancel import Cancelled
from queries.store import NotFound, StoreError, StoreUnavailable

__all__ = ["install_error_handlers"]


def _json(status: int, error: str, detail: str) -> JSONResponse:
    return JSONResponse(status_code=status, content={"error": error, "detail": detail})


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(NotFound)
    def _not_found(_: Request, exc: NotFound) -> JSONResponse:
        return _json(404, "not_found", str(exc))

    @app.exception_handler(Cancelled)
    def _cancelled(_: Request, exc: Cancelled) -> JSONResponse:
        return _json(499, "client_closed_request", str(exc))

    @app.exception_handler(StoreUnavailable)
    def _unavailable(_: Request, exc: StoreUnavailable) -> JSONResponse:
        return _json(503, "store_unavailable", str(exc))

    @app.exception_handler(StoreError)
    def _store_error(_: Request, exc: StoreError) -> JSONResponse:
        return _json(500, "store_error", str(exc))

    @app.exception_handler(IngestError)
    def _ingest_error(_: Request, exc: IngestError) -> JSONResponse:
        return _json(422, "ingest_error", str(exc))

    @app.exception_handler(ValueError)
    def _value_error(_: Request, exc: ValueError) -> JSONResponse:
        return _json(422, "invalid", str(exc))
