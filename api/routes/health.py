"""``GET /health``: which store, and whether it answers."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.deps import StoreDep

router = APIRouter(tags=["health"])


@router.get("/health")
def health(store: StoreDep) -> JSONResponse:
    ok = store.ping()
    body: dict[str, Any] = {"status": "ok" if ok else "unavailable", "store": store.backend, "store_ok": ok}
    return JSONResponse(status_code=200 if ok else 503, content=body)
