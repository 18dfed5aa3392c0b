"""The app's settings as a FastAPI dependency."""

from __future__ import annotations

from fastapi import Request

from api.settings import Settings, get_settings

__all__ = ["app_settings"]


async def app_settings(request: Request) -> Settings:
    """The app's settings (those :func:`api.app.create_app` was given, else
    the environment's). Not ``dependency_overrides``: with an override
    FastAPI inspects every dependency's signature again on every request (a
    tenth of a small request's time); ``async`` because it does no I/O (a
    sync dependency costs a hop to the thread pool)."""
    settings: Settings | None = getattr(request.app.state, "settings", None)
    return settings or get_settings()
