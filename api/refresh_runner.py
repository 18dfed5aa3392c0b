"""The refresh after a load from the web UI, run in the background.

A load leaves what is derived from the whole network — the portfolio's
signals, the peer baselines, the alerts and the answers rendered at load
time — marked stale until ``torihiki refresh`` runs. The CLI's loads run it
themselves; an analyst who uploads a file in the browser should not need a
terminal. :class:`RefreshRunner` runs ``torihiki refresh`` after such a load:

* **in a child process** (``python -m api.cli refresh``, niced): the refresh
  reads the whole network and renders answers in processes of its own, work
  that does not belong in a server process serving requests (its memory, its
  forks);
* **one at a time wherever the store is used**: the refresh takes its turn
  in the store (:mod:`api.refresh_turn`, a lease), so that this server's
  processes, another machine's server and a ``torihiki load`` take turns;
  within this process a refresh asked for while one runs is run once more
  after it (several uploads in a row: at most one waiting);
* **against the store the server serves**: the embedded store's folder, or
  the server's Neo4j settings (``NEO4J_URI`` …).

:func:`refresh_status` tells the loads page and ``GET /refresh`` whether a
refresh runs, how the last one ended and whether the data is newer than it.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from api.cache import app_state_once
from api.refresh_turn import POLL_SECONDS, refresh_holder
from api.settings import Settings
from queries.store import Store

__all__ = ["RefreshRunner", "RefreshState", "refresh_runner", "refresh_status", "REFRESH_TIMEOUT_SECONDS"]

log = logging.getLogger("torihiki.api")

REFRESH_TIMEOUT_SECONDS = 3600
"""A refresh still running after an hour is stopped (the 100k-firm region's
takes about 5 minutes on the embedded store, 15 on Neo4j; docs/data-model.md)."""

_NEO4J_VARIABLES = ("NEO4J_URI", "NEO4J_USERNAME", "NEO4J_PASSWORD", "NEO4J_DATABASE")


@dataclass(frozen=True)
class RefreshState:
    """What the loads page says about the background refresh: whether one
    runs (started by this process, or anywhere else on the store: ``by``
    names the machine and process holding the turn), and when and how the
    last one of this process ended (UTC ISO; ``error``: its last lines of
    output)."""

    running: bool
    by: str | None = None
    finished_at: str | None = None
    error: str | None = None


class RefreshRunner:
    """Runs ``torihiki refresh`` in the background for one server process."""

    def __init__(self, settings: Settings, store: Store) -> None:
        self.settings = settings
        self.store = store
        self._wanted = threading.Event()
        self._guard = threading.Lock()
        self._thread: threading.Thread | None = None
        self._finished_at: str | None = None
        self._error: str | None = None

    def request(self) -> None:
        """Ask for a refresh: started now, or once more after the one running."""
        with self._guard:
            self._wanted.set()
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name="torihiki-refresh", daemon=True)
                self._thread.start()

    def state(self) -> RefreshState:
        by = refresh_holder(self.store)
        return RefreshState(self._thread is not None or by is not None, by, self._finished_at, self._error)

    def wait(self, timeout: float) -> bool:
        """Wait until this process's refreshes are done; whether they are (tests, shutdown)."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
            return not thread.is_alive()
        return True

    # -- the work ------------------------------------------------------------------

    def _loop(self) -> None:
        while True:
            self._wait_for_turn()
            with self._guard:  # a request either finds this thread running or starts the next one
                if not self._wanted.is_set():
                    self._thread = None
                    return
                self._wanted.clear()
            try:
                self._run_once()
            except Exception as e:  # noqa: BLE001 (the loop goes on: the next request is served)
                self._ended(f"{type(e).__name__}: {e}")

    def _wait_for_turn(self) -> None:
        """While a refresh started elsewhere holds the store's turn, wait here
        rather than in a child process: a waiting child would hold its
        memory, and its wait would count against :data:`REFRESH_TIMEOUT_SECONDS`.
        Requests made meanwhile are served by the one run after it. (The
        child still takes the turn itself, and waits if another took it
        between.)"""
        while refresh_holder(self.store) is not None:
            time.sleep(POLL_SECONDS)

    def _run_once(self) -> None:
        command = [sys.executable, "-m", "api.cli", "refresh", "--json"]
        if shutil.which("nice"):
            command = ["nice", "-n", "10", *command]
        try:
            done = subprocess.run(command, env=self._child_env(), capture_output=True, text=True,
                                  timeout=REFRESH_TIMEOUT_SECONDS, check=False)
        except (OSError, RuntimeError, subprocess.TimeoutExpired) as e:
            self._ended(f"{type(e).__name__}: {e}")
            return
        if done.returncode != 0:
            lines = [x.strip() for x in (done.stderr or done.stdout or "").splitlines()
                     if x.strip() and not x.strip().startswith("For further information")]
            self._ended(" / ".join(lines[-3:])[-300:] if lines else f"exit status {done.returncode}")
        else:
            self._ended(None)

    def _ended(self, error: str | None) -> None:
        self._finished_at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        self._error = error
        if error is not None:
            log.warning("the background refresh after an upload failed: %s", error)

    def _home(self) -> Path:
        home = getattr(self.store, "home", None)
        return Path(home) if home is not None else Path(self.settings.home)

    def _child_env(self) -> dict[str, str]:
        """The server's environment, pointed at the store it serves."""
        env = {k: v for k, v in os.environ.items() if k not in _NEO4J_VARIABLES}
        env["TORIHIKI_HOME"] = str(self._home())
        if self.store.backend != "embedded":
            s = self.settings
            if not s.neo4j_uri:
                raise RuntimeError("the server's settings name no Neo4j (NEO4J_URI): run torihiki refresh")
            env.update(NEO4J_URI=s.neo4j_uri, NEO4J_USERNAME=s.neo4j_username,
                       NEO4J_PASSWORD=s.neo4j_password.get_secret_value(), NEO4J_DATABASE=s.neo4j_database)
        return env


def refresh_status(state: Any, settings: Settings, store: Store) -> dict[str, Any]:
    """What the loads page and ``GET /refresh`` say: :class:`RefreshState`'s
    fields, when the portfolio, peers and alerts were last computed
    (``computed_at``) and whether data was written since (``stale``)."""
    from api.portfolio_signals import PORTFOLIO_SIGNALS  # imports pandas: on use

    derived = store.get_analytics(PORTFOLIO_SIGNALS)
    return {**asdict(refresh_runner(state, settings, store).state()),
            "computed_at": derived[1] if derived else None,
            "stale": derived is not None and derived[0] != store.data_version()}


def refresh_runner(state: Any, settings: Settings, store: Store) -> RefreshRunner:
    """The app's one :class:`RefreshRunner` (``state``: the FastAPI ``app.state``)."""
    return app_state_once(state, "refresh_runner", lambda: RefreshRunner(settings, store))
