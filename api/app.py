"""The FastAPI application: one store (one driver) per process, made in the
lifespan and closed at shutdown."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from api.cache import ResponseCache
from api.disconnect import CancelOnDisconnect
from api.errors import install_error_handlers
from api.routes import analytics, firms, health, ingest
from api.settings import Settings, get_settings
from api.view import vis_asset_dir
from queries.factory import open_store
from queries.store import Store

__all__ = ["create_app"]

STATIC = Path(__file__).parent / "static"


def create_app(settings: Settings | None = None, store: Store | None = None) -> FastAPI:
    """Build the app. ``store`` may be given (tests, the CLI's ``serve``);
    otherwise it is opened from ``settings`` at start-up."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        own = store is None
        s = store or open_store((settings or get_settings()).store_config("api"))
        if own:
            s.ensure_schema()
        app.state.store = s
        cfg = settings or get_settings()
        app.state.responses = ResponseCache(cfg.cache_mib * 1024 * 1024, cfg.cache_version_seconds)
        try:
            yield
        finally:
            if own:
                s.close()

    app = FastAPI(
        title="torihiki",
        description="Transaction-network analytics from BPO ledgers.",
        version="0.1.0",
        lifespan=lifespan,
    )
    if settings is not None:
        app.dependency_overrides[get_settings] = lambda: settings
    install_error_handlers(app)
    app.add_middleware(CancelOnDisconnect)
    app.include_router(health.router)
    app.include_router(firms.router)
    app.include_router(analytics.router)
    app.include_router(ingest.router)
    app.mount("/static/vis", StaticFiles(directory=vis_asset_dir()), name="vis")
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app
