"""``GET /health``: which store, and whether it answers."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.deps import StoreDep
from api.schemas import Health

router = APIRouter(tags=["health"])


@router.get("/health", response_model=Health, responses={503: {
    "model": Health, "description": "the store does not answer (see `Retry-After`)",
    "headers": {"Retry-After": {"schema": {"type": "integer"}, "description": "seconds"}}}})
def health(store: StoreDep) -> JSONResponse:
    """Which store serves and whether it answers (503 when not); no token needed."""
    ok = store.ping()
    body: dict[str, Any] = {"status": "ok" if ok else "unavailable", "store": store.backend, "store_ok": ok}
    return JSONResponse(status_code=200 if ok else 503, content=body,
                        headers=None if ok else {"Retry-After": "2"})
