"""Time every Cypher statement a process sends, by name and thread (bench only).

``bench_load.py --statements`` installs this before a Neo4j load: it wraps
the driver's ``ManagedTransaction.run`` and ``Result.consume/data/single``
and ``Session.execute_write/execute_read`` (class attributes, this process
only) so that each statement's time — from sending it to having consumed
its answer, i.e. the wait on the server plus packing and unpacking — is
added up under the name of the ``queries.cypher`` constant it is (e.g.
``trades.WRITE_TRADE_OBS``), per thread (the loader's writer thread
``torihiki-writer`` against the main thread). A transaction's time beyond
its statements is its begin and commit (``<commit>``). Reads outside a
transaction function (``driver.execute_query``) are timed as
``<execute_query>`` plus their name.

Nothing of the product is changed on disk; without ``--statements`` this
module is never imported.
"""

from __future__ import annotations

import importlib
import pkgutil
import threading
import time
from collections import defaultdict
from typing import Any

__all__ = ["install", "report"]

_STATS: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])  # seconds, calls, rows
_LOCK = threading.Lock()
_NAMES: dict[str, str] = {}
_LOCAL = threading.local()


def _names() -> dict[str, str]:
    """Every string constant of ``queries.cypher.*``, text → ``module.NAME``."""
    import queries.cypher as pkg

    out: dict[str, str] = {}
    for info in pkgutil.iter_modules(pkg.__path__):
        mod = importlib.import_module(f"queries.cypher.{info.name}")
        for name, value in vars(mod).items():
            if name.isupper() and isinstance(value, str):
                out.setdefault(value, f"{info.name}.{name}")
    return out


def _name(query: Any) -> str:
    text = query if isinstance(query, str) else getattr(query, "text", str(query))
    return _NAMES.get(text) or " ".join(text.split())[:60]


def _add(name: str, seconds: float, rows: int = 0, calls: int = 1) -> None:
    key = (threading.current_thread().name.split("_")[0], name)
    with _LOCK:
        s = _STATS[key]
        s[0] += seconds
        s[1] += calls
        s[2] += rows


def install() -> None:
    """Wrap the driver's methods (idempotent)."""
    import neo4j

    if _NAMES:
        return
    _NAMES.update(_names())
    tx_cls, result_cls, session_cls = neo4j.ManagedTransaction, neo4j.Result, neo4j.Session
    run, consume, data, single = tx_cls.run, result_cls.consume, result_cls.data, result_cls.single
    execute_write, execute_read = session_cls.execute_write, session_cls.execute_read

    def timed_run(self: Any, query: Any, parameters: Any = None, **kwargs: Any) -> Any:
        t0 = time.perf_counter()
        result = run(self, query, parameters, **kwargs)
        rows = kwargs.get("rows") or kwargs.get("pairs")
        if rows is None and isinstance(parameters, dict):
            rows = parameters.get("rows") or parameters.get("pairs")
        result._bench_name = _name(query)
        result._bench_seconds = time.perf_counter() - t0
        result._bench_rows = len(rows) if isinstance(rows, list) else 0
        return result

    def finish(self: Any, t0: float) -> None:
        name = getattr(self, "_bench_name", None)
        if name is None:
            return
        seconds = self._bench_seconds + time.perf_counter() - t0
        _add(name, seconds, self._bench_rows)
        _LOCAL.statements = getattr(_LOCAL, "statements", 0.0) + seconds
        self._bench_name = None

    def timed(method: Any) -> Any:
        def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return method(self, *args, **kwargs)
            finally:
                finish(self, t0)
        return wrapper

    def timed_tx(method: Any, kind: str) -> Any:
        def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
            before = getattr(_LOCAL, "statements", 0.0)
            t0 = time.perf_counter()
            try:
                return method(self, *args, **kwargs)
            finally:
                inner = getattr(_LOCAL, "statements", 0.0) - before
                _add(f"<{kind}: begin, commit, retries>", time.perf_counter() - t0 - inner)
        return wrapper

    tx_cls.run = timed_run  # type: ignore[method-assign]
    result_cls.consume = timed(consume)  # type: ignore[method-assign]
    result_cls.data = timed(data)  # type: ignore[method-assign]
    result_cls.single = timed(single)  # type: ignore[method-assign]
    session_cls.execute_write = timed_tx(execute_write, "write tx")  # type: ignore[method-assign]
    session_cls.execute_read = timed_tx(execute_read, "read tx")  # type: ignore[method-assign]

    driver_cls = neo4j.Driver
    execute_query = driver_cls.execute_query

    def timed_query(self: Any, query: Any, *args: Any, **kwargs: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return execute_query(self, query, *args, **kwargs)
        finally:
            _add(f"<execute_query> {_name(query)}", time.perf_counter() - t0)

    driver_cls.execute_query = timed_query  # type: ignore[method-assign]


def report() -> list[dict[str, Any]]:
    """The statements' totals, largest first: thread, name, seconds, calls, rows."""
    with _LOCK:
        items = sorted(_STATS.items(), key=lambda kv: -kv[1][0])
    return [{"thread": t, "statement": n, "seconds": round(s[0], 2), "calls": int(s[1]), "rows": int(s[2])}
            for (t, n), s in items]
