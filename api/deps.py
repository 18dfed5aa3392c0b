"""FastAPI dependencies as ``Annotated`` aliases."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from api import first_read
from api.app_settings import app_settings
from api.auth import PrincipalDep, get_principal, require_role
from api.settings import Settings
from queries.access import Principal, Role
from queries.scoped import ScopedStore
from queries.store import Store

__all__ = ["StoreDep", "SettingsDep", "get_store", "ScopedDep", "get_scoped_store", "PrincipalDep",
           "AdminDep"]


async def get_store(request: Request) -> Store:
    """The process's one store (and driver), made in the app's lifespan.
    (``async``: no I/O here, and a sync dependency costs a hop to the thread pool.)"""
    store: Store = request.app.state.store
    return store


StoreDep = Annotated[Store, Depends(get_store)]
"""The raw store: for writes (ingest) and health only. Reads go through :data:`ScopedDep`."""


async def get_scoped_store(request: Request,
                     principal: Annotated[Principal, Depends(get_principal)]) -> ScopedStore:
    """The store as the request's principal may see it (``queries.scoped``):
    the only way routes read firm data; at the data version the token check
    read (:mod:`api.first_read`), if it did."""
    read = first_read.of(request)
    # a firm's answer names hidden partners as its own ledger does (ScopedStore.focus)
    return ScopedStore(request.app.state.store, principal, read.data_version if read is not None else None,
                       focus=request.path_params.get("firm_id"))


ScopedDep = Annotated[ScopedStore, Depends(get_scoped_store)]
SettingsDep = Annotated[Settings, Depends(app_settings)]
# PrincipalDep (api.auth): the request's principal (401 without a valid token).
AdminDep = Annotated[Principal, Depends(require_role(Role.ADMIN))]
"""The request's principal when it is an admin (403 otherwise)."""
