"""Cross-firm analytics: two-sided reconciliation."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from api import service
from api.deps import StoreDep
from api.routes.firms import Month
from graph.reconcile import DEFAULT_TOLERANCE_PCT, DEFAULT_TOLERANCE_YEN

router = APIRouter(prefix="/analytics", tags=["analytics"])


@router.get("/reconcile")
def reconcile(
    store: StoreDep,
    from_: Annotated[Month, Query(alias="from")] = None,
    to: Month = None,
    tolerance_pct: Annotated[float, Query(ge=0, le=100)] = DEFAULT_TOLERANCE_PCT,
    tolerance_yen: Annotated[int, Query(ge=0)] = DEFAULT_TOLERANCE_YEN,
) -> dict[str, Any]:
    """Months where two clients' ledgers disagree about the trade between them."""
    return service.reconciliation(store, from_, to, tolerance_pct, tolerance_yen)
