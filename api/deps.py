"""FastAPI dependencies as ``Annotated`` aliases."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from api.settings import Settings, get_settings
from queries.store import Store

__all__ = ["StoreDep", "SettingsDep", "get_store"]


def get_store(request: Request) -> Store:
    """The process's one store (and driver), made in the app's lifespan."""
    store: Store = request.app.state.store
    return store


StoreDep = Annotated[Store, Depends(get_store)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
