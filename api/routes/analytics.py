"""Cross-firm analytics: two-sided reconciliation."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from api import analytics, service
from api.audit import audited_read
from api.deps import ScopedDep
from api.errors import STANDARD_ERRORS
from api.routes.firms import PERIOD, Month
from api.schemas import CorrelationOut, ReconcileOut
from graph.reconcile import DEFAULT_TOLERANCE_PCT, DEFAULT_TOLERANCE_YEN

router = APIRouter(prefix="/analytics", tags=["analytics"])


@router.get("/reconcile", response_model=ReconcileOut, responses=STANDARD_ERRORS,
            dependencies=[audited_read("analytics.reconcile")])
def reconcile(
    store: ScopedDep,
    from_: Annotated[Month, Query(alias="from")] = None,
    to: Month = None,
    tolerance_pct: Annotated[float, Query(ge=0, le=100)] = DEFAULT_TOLERANCE_PCT,
    tolerance_yen: Annotated[int, Query(ge=0)] = DEFAULT_TOLERANCE_YEN,
) -> dict[str, Any]:
    """Months where two clients' ledgers disagree about the trade between them."""
    return {**service.reconciliation(store, from_, to, tolerance_pct, tolerance_yen), "access": store.access()}


Method = Annotated[Literal["pearson", "spearman"], Query()]
Period = Annotated[str | None, Query(pattern=PERIOD, description="YYYY-MM or FYyyyy")]


@router.get("/correlation", response_model=CorrelationOut, responses=STANDARD_ERRORS)
def get_correlation(store: ScopedDep, method: Method = "pearson", period: Period = None) -> dict[str, Any]:
    """Correlation of management parameters across firms: ``method``, ``n``,
    ``columns``, ``matrix`` (rows in the order of columns), ``n_pairs``,
    ``p_values``, ``p_adjusted`` (Benjamini–Hochberg). Hypothesis-generating."""
    return {**analytics.correlation_of(store, method, period), "access": store.access()}


@router.get("/correlation.png", response_class=Response, responses={
    200: {"description": "a PNG heatmap", "content": {"image/png": {"schema": {"type": "string", "format": "binary"}}}},
    **STANDARD_ERRORS})
def get_correlation_png(store: ScopedDep, method: Method = "pearson", period: Period = None) -> Response:
    """The correlation matrix as a heatmap picture."""
    return Response(analytics.correlation_png(store, method, period), media_type="image/png")
