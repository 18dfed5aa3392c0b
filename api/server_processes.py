"""``torihiki serve --workers N``: N server processes, each with its own
listening socket on the same address (``SO_REUSEPORT``).

uvicorn's own ``--workers`` shares one listening socket among the
processes, and the process whose event loop wakes first accepts every
connection waiting. Ten connections opened at once (a load tool, a proxy's
pool, a page and its charts) then often all land on one process. It serves
them on one core while the other process idles: in the benchmark's
computed two-hop run on Neo4j, one process used 19.2 s of CPU in 20 s and
the other none (p99 378 ms). With a socket per process the kernel spreads
new connections over the processes by a hash of their addresses: ten
opened at once split 6/4 or 7/3 as a rule (14 tries: one 8/2), all ten on
one process with odds of 1 in 512. A process holding more than its share
of the kept-alive connections then closes one now and then, until the
processes hold as many each (:mod:`api.connection_balance`).

This process only supervises. It checks that nothing else listens on the
address (``SO_REUSEPORT`` would let a second ``torihiki serve`` of the same
user share the port silently), starts the processes, says when all of them
serve (``torihiki: all N worker processes serving``: until then the
processes that already listen get every new connection, so a load test
that starts at the first answer puts its connections on one process),
starts again one that dies after it served, and stops them all on SIGINT
or SIGTERM. A process
that ends before it serves (the app cannot start) stops the server with its
exit code, instead of being started again in a loop. What a socket per
process costs: connections waiting in the queue of a process that dies,
and for a moment after it died, are reset (a shared socket keeps them for the others; Linux's
``net.ipv4.tcp_migrate_req = 1`` hands them over instead); new ones go
to the processes still listening.
"""

from __future__ import annotations

import datetime as dt
import logging
import multiprocessing
import os
import signal
import socket
import sys
import threading
from multiprocessing.process import BaseProcess
from multiprocessing.synchronize import Event as EventType
from typing import Any

from api import connection_balance

__all__ = ["serve_processes", "listening_socket", "ALL_SERVING", "log_config", "PathOnly", "IsoTime",
           "uvicorn_formatter"]

log = logging.getLogger("torihiki.serve")

ALL_SERVING = "worker processes serving"
"""Words of the line printed once every process serves (what a load test waits for)."""

BACKLOG = 2048
"""Connections waiting to be accepted, per process (uvicorn's default)."""


class IsoTime(logging.Formatter):
    """A formatter whose ``%(asctime)s`` is the local time in ISO 8601 with
    its zone, to the millisecond: ``2026-01-05T09:30:00.123+09:00``."""

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802 (logging's)
        return dt.datetime.fromtimestamp(record.created).astimezone().isoformat(timespec="milliseconds")


class PathOnly(logging.Filter):
    """Leave the query string out of uvicorn's access log lines: it holds
    what people searched for (firm names, ``/ui/?q=…``), which is
    confidential; the path alone says which page was asked for. uvicorn
    logs ``'%s - "%s %s HTTP/%s" %d'`` with the arguments (client, method,
    path with query, HTTP version, status)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) == 5 and isinstance(args[2], str) and "?" in args[2]:
            record.args = (args[0], args[1], args[2].split("?", 1)[0], *args[3:])
        return True


APP_FORMAT = "%(levelname)s %(asctime)s %(name)s: %(message)s"
"""torihiki's own log lines (loggers ``torihiki.…``): level, time, logger."""


def uvicorn_formatter(access: bool = False, use_colors: bool | None = None) -> logging.Formatter:
    """uvicorn's formatter (its level prefix, colours on a terminal) with the
    ISO time after the level, so lines still start ``INFO:``; ``access``:
    the access log's. (A factory: the supervisor never imports uvicorn.)"""
    from uvicorn.logging import AccessFormatter, DefaultFormatter

    class Access(IsoTime, AccessFormatter):
        pass

    class Default(IsoTime, DefaultFormatter):
        pass

    if access:
        return Access('%(levelprefix)s %(asctime)s %(client_addr)s - "%(request_line)s" %(status_code)s',
                      use_colors=use_colors)
    return Default("%(levelprefix)s %(asctime)s %(message)s", use_colors=use_colors)


def log_config() -> dict[str, Any]:
    """The logging of a server process (uvicorn's ``log_config``): uvicorn's
    lines and torihiki's own (WARNING and up, through the root logger) with
    a timestamp, and access lines without their query string. A new dict
    each call: uvicorn writes into it."""
    stderr = "ext://sys.stderr"
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"path_only": {"()": PathOnly}},
        "formatters": {
            "default": {"()": uvicorn_formatter, "use_colors": None},
            "access": {"()": uvicorn_formatter, "access": True, "use_colors": None},
            "app": {"()": IsoTime, "fmt": APP_FORMAT},
        },
        "handlers": {
            "default": {"formatter": "default", "class": "logging.StreamHandler", "stream": stderr},
            "access": {"formatter": "access", "class": "logging.StreamHandler", "stream": "ext://sys.stdout"},
            "app": {"formatter": "app", "class": "logging.StreamHandler", "stream": stderr},
        },
        "loggers": {
            "uvicorn": {"handlers": ["default"], "level": "INFO", "propagate": False},
            "uvicorn.error": {"level": "INFO"},
            "uvicorn.access": {"handlers": ["access"], "level": "INFO", "propagate": False,
                               "filters": ["path_only"]},
        },
        "root": {"handlers": ["app"], "level": "WARNING"},
    }


def listening_socket(host: str, port: int, reuse_port: bool) -> socket.socket:
    """A TCP socket bound to ``host:port`` (IPv6 when ``host`` has a colon),
    with ``SO_REUSEPORT`` when ``reuse_port``; not yet listening."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if reuse_port:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
    except BaseException:
        sock.close()
        raise
    return sock


def _check_free(host: str, port: int) -> None:
    """Raise ``OSError`` when something already listens on ``host:port``:
    a bind without ``SO_REUSEPORT`` fails then, also against a socket that
    has it."""
    listening_socket(host, port, reuse_port=False).close()


def _serve_one(host: str, port: int, access_log: bool, ready: EventType, counts: Any, slot: int) -> None:
    """One server process: its own socket in the group, the app built from
    the environment (``api.app.server_app``), served by uvicorn; ``ready``
    set once it serves."""
    import uvicorn

    # Bound now, listening once the app has started (uvicorn's create_server):
    # until then the kernel sends no connection to it, none waits on a start.
    sock = listening_socket(host, port, reuse_port=True)
    config = uvicorn.Config("api.connection_balance:server_app", factory=True, host=host, port=port,
                            access_log=access_log, backlog=BACKLOG, log_config=log_config())

    class Server(uvicorn.Server):
        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets)
            if self.started:  # listening: the app started
                ready.set()

    server = Server(config)
    shares = connection_balance.Shares(counts, slot, server.server_state.connections)
    connection_balance.install(shares)  # the app factory above wraps the app with it
    stop = threading.Event()
    shares.keep_counting(stop)
    try:
        server.run(sockets=[sock])
    finally:
        stop.set()
        counts[slot] = 0


def serve_processes(host: str, port: int, workers: int, access_log: bool) -> int:
    """Run ``workers`` server processes on ``host:port`` until SIGINT or
    SIGTERM; the exit status (0, or that of a process that failed to start)."""
    if not hasattr(socket, "SO_REUSEPORT"):
        raise OSError("this system has no SO_REUSEPORT: serve with one worker process")
    _check_free(host, port)
    ctx = multiprocessing.get_context("spawn")  # a fresh interpreter each: nothing of this one inherited
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())

    counts = ctx.RawArray("i", workers)  # each process's open connections (api.connection_balance)

    def start(slot: int) -> tuple[BaseProcess, EventType]:
        counts[slot] = 0  # a process that died left its count
        ready = ctx.Event()
        proc = ctx.Process(target=_serve_one, args=(host, port, access_log, ready, counts, slot), daemon=False)
        proc.start()
        return proc, ready

    procs = [start(slot) for slot in range(workers)]
    status = 0
    announced = False
    try:
        while not stop.wait(0.5 if announced else 0.05):
            if not announced and all(ready.is_set() for _, ready in procs):
                # Until then connections opened at once all go to the processes already
                # listening: a client (or benchmark) that spreads its load waits for this line.
                print(f"torihiki: all {workers} {ALL_SERVING} on {host}:{port}",
                      file=sys.stderr, flush=True)
                announced = True
            for i, (proc, ready) in enumerate(procs):
                if proc.is_alive() or stop.is_set():  # a signal while looking: stopping, not replacing
                    continue
                code = proc.exitcode or 0
                if not ready.is_set():
                    log.error("server process %s ended before it served (exit code %s): stopping", proc.pid, code)
                    status = code or 1
                    stop.set()
                    break
                log.warning("server process %s ended (exit code %s): starting another", proc.pid, code)
                procs[i] = start(i)
    finally:
        for proc, _ in procs:  # uvicorn's graceful shutdown on SIGTERM
            if proc.is_alive() and proc.pid is not None:
                os.kill(proc.pid, signal.SIGTERM)
        for proc, _ in procs:
            proc.join(timeout=30)
            if proc.is_alive():
                proc.kill()
                proc.join()
    sys.stderr.flush()
    return status


def main(argv: list[str] | None = None) -> int:
    """``python -m api.server_processes --workers N --host H --port P [--no-access-log]``,
    as ``torihiki serve --workers N`` runs it."""
    import argparse

    p = argparse.ArgumentParser(prog="torihiki serve")
    p.add_argument("--workers", type=int, required=True)
    p.add_argument("--host", required=True)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--no-access-log", action="store_true")
    args = p.parse_args(argv)
    handler = logging.StreamHandler()
    handler.setFormatter(IsoTime("%(levelname)s:     %(asctime)s %(message)s"))
    logging.basicConfig(level=logging.INFO, handlers=[handler])
    try:
        return serve_processes(args.host, args.port, args.workers, access_log=not args.no_access_log)
    except OSError as e:
        print(f"torihiki: cannot listen on {args.host}:{args.port}: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
