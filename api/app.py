"""The FastAPI application: one store (one driver) per process, made in the
lifespan and closed at shutdown."""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import urlsplit

import anyio.to_thread
from fastapi import Depends, FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from api.audit import AuditBuffer
from api.auth import get_principal, require_role
from api.cache import ResponseCache
from api.disconnect import CancelOnDisconnect
from api.errors import install_error_handlers
from api.head_requests import HeadAsGet
from api.limits import BodyLimit
from api.render_gate import RenderGate
from api.routes import (
    admin,
    admin_ui,
    analyst_ui,
    analytics,
    export,
    firm_ui,
    firms,
    health,
    ingest,
    memo,
    web,
)
from api.routes.alerts import router as alerts_api
from api.routes.alerts_ui import router as alerts_pages
from api.settings import Settings, get_settings
from api.unexpected import AnswerUnexpected
from api.web.session import SESSION_COOKIE, session_secret
from queries.access import Role
from queries.factory import open_store
from queries.store import Store, StoreUnavailable

__all__ = ["create_app", "server_app", "tune_server_process"]

SHUTDOWN_REFRESH_WAIT_SECONDS = 60.0
"""How long a stopping server waits for a background refresh (api.refresh_runner) to end."""

STATIC = Path(__file__).parent / "static"


def create_app(settings: Settings | None = None, store: Store | None = None) -> FastAPI:
    """Build the app. ``store`` may be given (tests, the CLI's ``serve``);
    otherwise it is opened from ``settings`` at start-up."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        own = store is None
        s = store or open_store((settings or get_settings()).store_config("api"))
        if own:
            try:
                s.ensure_schema()
                if not any(u.active for u in s.list_users()):
                    logging.getLogger("torihiki.api").warning(
                        "no users yet: nobody can sign in or call the API; add the first administrator with "
                        "`torihiki users add NAME --role admin --password-stdin`")
            except StoreUnavailable as e:  # serve 503s meanwhile; the schema is there once data was loaded
                logging.getLogger("torihiki.api").warning("store not answering at start-up: %s", e)
        app.state.store = s
        cfg = settings or get_settings()
        app.state.responses = ResponseCache(cfg.cache_mib * 1024 * 1024, cfg.cache_version_seconds,
                                             cfg.serve_precomputed, RenderGate(render_slots(cfg, s)))
        # Sync routes run in this many threads (one store connection each);
        # more requests wait their turn instead of holding memory meanwhile.
        anyio.to_thread.current_default_thread_limiter().total_tokens = cfg.threads
        app.state.audit_buffer = AuditBuffer(s)
        # imported here: the analytics stack, which the CLI's light commands do not load
        from api.precompute import BankRenderer

        app.state.bank_answers = BankRenderer(s, cfg)  # a bank's answers rendered again after its consents change
        try:
            yield
        finally:
            runner = getattr(app.state, "refresh_runner", None)
            if runner is not None:  # a refresh after an upload ends before the store goes (a minute at most)
                runner.wait(SHUTDOWN_REFRESH_WAIT_SECONDS)
            app.state.bank_answers.close()
            app.state.audit_buffer.close()  # the reads of the last fraction of a second
            if own:
                s.close()

    app = FastAPI(
        title="torihiki",
        description="Transaction-network analytics from BPO ledgers.",
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,  # served by api.routes.web from the app's own copy of Swagger UI (no CDN)
        redoc_url=None,
    )
    app.state.settings = settings  # None: the environment's (api.settings.app_settings)
    install_error_handlers(app)
    # Innermost: an exception no handler took is answered here, the connection kept (api.unexpected).
    app.add_middleware(AnswerUnexpected, handlers=app.exception_handlers)
    app.add_middleware(CancelOnDisconnect)
    # Signed session cookies of the web UI (api.web.session); inside the body limit.
    cfg = settings or get_settings()
    app.add_middleware(SessionMiddleware, secret_key=session_secret(cfg), session_cookie=SESSION_COOKIE,
                       max_age=int(cfg.session_hours * 3600), same_site="lax",
                       https_only=cfg.environment == "production")
    app.add_middleware(HeadAsGet)  # HEAD answered as GET, without the body (monitors, curl -I)
    # Outermost: a body over the upload limit is refused before anything reads it.
    app.add_middleware(BodyLimit, limit=lambda: (settings or get_settings()).max_upload_bytes)
    app.include_router(health.router)  # the one route without a token (and static files, the login page)
    app.include_router(web.router)  # signing in, the language switch, pages (each checks its session)
    app.include_router(alerts_pages)  # the alert feed /ui/alerts (analysts, admins)
    app.include_router(analyst_ui.router)  # portfolio, name review, loads, research export
    app.include_router(firm_ui.router)  # the firm page /ui/firms/{id}
    app.include_router(admin_ui.router)  # users, consent, the audit log (admins); one's own password
    # Every other route authenticates (api.auth): no route can forget it.
    signed_in = [Depends(get_principal)]
    app.include_router(firms.router, dependencies=signed_in)
    app.include_router(memo.router, dependencies=signed_in)  # the credit-memo supplement (HTML, PDF)
    app.include_router(analytics.router, dependencies=signed_in)
    app.include_router(alerts_api, dependencies=signed_in)  # GET /alerts, POST /alerts/{id}/ack
    app.include_router(ingest.router, dependencies=[Depends(require_role(Role.ADMIN, Role.ANALYST))])
    app.include_router(export.router, dependencies=signed_in)  # GET /export: researchers, admins
    app.include_router(admin.router, dependencies=signed_in)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app


def render_slots(settings: Settings, store: Store) -> int:
    """Answers a server process computes at once (:mod:`api.render_gate`):
    ``TORIHIKI_RENDER_SLOTS``, else one where the store's work runs on this
    machine's cores — the embedded store (its reads are this process's CPU
    work) and a Neo4j on this machine (:func:`database_on_this_machine`) —
    and two for a Neo4j elsewhere, where an answer also waits on the network
    and one slot would leave the process idle meanwhile; no limit has ten
    answers share the interpreter, each as slow as all of them.

    Measured on the 100k region with Neo4j on the same two cores, two server
    processes, ten connections, two-hop egos computed (2026-12-05 night,
    20-second runs alternated, docs/data-model.md): one slot p99 174–223 ms
    (clients, 78–94 answers/s) and 221–265 ms (a credit officer, 77–85/s)
    against 215–243 ms (81–89/s) and 264–282 ms (78–86/s) with two, and
    1–2 ms less of the server's CPU an answer: once Neo4j's part of an answer
    fell to ~5 ms of its CPU, a second slot mostly added switching of the
    interpreter lock. Earlier that day, at ~12 ms of Neo4j's CPU an answer,
    two slots had beaten one."""
    if settings.render_slots is not None:
        return settings.render_slots
    if store.backend == "embedded" or database_on_this_machine(settings.neo4j_uri):
        return 1
    return 2


def database_on_this_machine(uri: str | None) -> bool:
    """Whether the Neo4j of ``uri`` is reached over loopback (``localhost``,
    ``127.0.0.0/8``, ``::1``): then it shares this machine's cores with the
    server. A name is not resolved (``bolt://neo4j:7687`` of a compose file
    counts as elsewhere)."""
    if not uri:
        return False
    try:
        host = urlsplit(uri).hostname
    except ValueError:
        return False
    if host is None:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def tune_server_process() -> None:
    """Settings for a long-running server process (not for tests or the CLI).

    * Python's cyclic garbage collector scans every tracked object in its
      oldest generation now and then; in a server holding the store's
      driver, caches and peer tables that pause reached ~100 ms and made the
      99th percentile. The objects alive after start-up are frozen out of
      those scans and collections are made rarer (answers are built from
      acyclic lists and dicts, freed by reference counting anyway;
      :func:`api.process_memory.collect_rarely`).
    * glibc gives each thread a malloc arena (up to 8 per CPU); two keep the
      memory a threaded server holds near what it uses.
    * torihiki's own warnings (a store down, stale partner lists, audit
      entries waiting) are written with their level and logger: without a
      handler Python prints the bare message, which says neither.
    """
    import contextlib
    import ctypes
    import logging
    import os

    from api.process_memory import collect_rarely

    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    collect_rarely(collect=True)
    os.environ.setdefault("MALLOC_ARENA_MAX", "2")  # inherited by worker processes
    with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing to tune
        ctypes.CDLL("libc.so.6").mallopt(-8, 2)  # M_ARENA_MAX, for this process


def server_app() -> FastAPI:
    """The app as ``torihiki serve`` runs it in each server process."""
    tune_server_process()
    return create_app()
