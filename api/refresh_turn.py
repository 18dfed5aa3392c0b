"""One refresh at a time wherever the store is used.

A refresh (:func:`api.commands.common.refresh_analytics`) reads the whole
network and writes what is derived from it. Two at once on the same store —
``torihiki load`` on a schedule while an analyst's upload refreshes in the
API server, or two API servers on two machines in front of one Neo4j
cluster — would each take the machine's cores or the database's for the
same work, and the one that read the older data could write its tables
last. So a refresh takes its turn: the store's lease ``refresh``
(:mod:`queries.leases`), waiting while another holds it.

* The holder is named for its machine and process (``host pid 123 …``), so
  that the loads page and the command line can say who runs.
* The lease lasts :data:`LEASE_SECONDS` and is renewed every
  :data:`RENEW_SECONDS` by a thread while the refresh runs; a refresh killed
  outright holds the turn for at most :data:`LEASE_SECONDS` more — on
  another machine; on this one, a waiting refresh sees that its process is
  gone and ends its turn at once.
* The thread starts only after the refresh has forked its rendering
  processes (:meth:`RefreshTurn.keep`): a fork copies no thread, and a
  thread caught inside a driver or SQLite call at the fork could leave the
  child a lock no one releases.
"""

from __future__ import annotations

import functools
import logging
import os
import secrets
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from queries.store import Store, StoreError

__all__ = ["REFRESH_LEASE", "LEASE_SECONDS", "RENEW_SECONDS", "POLL_SECONDS", "RefreshTurn", "refresh_holder",
           "holder_name"]

log = logging.getLogger("torihiki.refresh")

REFRESH_LEASE = "refresh"
"""The lease's name in the store."""

LEASE_SECONDS = 120.0
"""How long a refresh's turn lasts unless renewed (seconds): how long a
refresh killed outright keeps the next one waiting."""

RENEW_SECONDS = 30.0
"""How often a running refresh renews its turn (seconds): a quarter of
:data:`LEASE_SECONDS`, so that a renewal missed (the store briefly
unreachable) does not lose the turn."""

POLL_SECONDS = 2.0
"""How often a waiting refresh asks for the turn (seconds)."""


def holder_name() -> str:
    """This process's name as a holder: machine, process id, a random part
    (a process id is used again after a restart) and where its process id
    means this process (:func:`_pid_space`)."""
    return f"{socket.gethostname()} pid {os.getpid()} {secrets.token_hex(3)} {_pid_space()}"


@functools.cache  # the same for the whole life of a process (a fork shares it): read once, not at each poll
def _pid_space() -> str:
    """Which machine boot and process-id namespace this process runs in: two
    containers may share a host name (``network_mode: host``, a compose
    ``hostname:``) but not this, so a process id is compared only within it."""
    try:
        boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()[:8]
        space = os.stat("/proc/self/ns/pid").st_ino
    except OSError:
        return "?"
    return f"{boot}:{space}"


def refresh_holder(store: Store) -> str | None:
    """Who runs a refresh on ``store`` now (``None``: nobody, or the store
    cannot say: a status line is not worth an error)."""
    try:
        held = store.lease_holder(REFRESH_LEASE)
    except StoreError as e:
        log.warning("could not read who refreshes: %s", e)
        return None
    return None if held is None else held[0]


def _gone_here(holder: str) -> bool:
    """Whether ``holder`` (:func:`holder_name`) is a process of this machine
    and process-id namespace that no longer runs: its turn can end now
    rather than when its lease runs out. A holder of another machine or
    namespace, or a process id now used by another process, is waited for."""
    parts = holder.split()
    if (len(parts) != 5 or parts[0] != socket.gethostname() or parts[1] != "pid" or not parts[2].isdigit()
            or parts[4] == "?" or parts[4] != _pid_space()):
        return False
    try:
        os.kill(int(parts[2]), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # running, as another user
        return False
    return False


class RefreshTurn:
    """A refresh's turn on one store: :meth:`take` (waiting for another's to
    end), :meth:`keep` (renewed from then on), :meth:`release`. Also a
    context manager that keeps the turn for its block and releases it."""

    def __init__(self, store: Store, holder: str, seconds: float = LEASE_SECONDS,
                 renew_every: float = RENEW_SECONDS) -> None:
        self.store = store
        self.holder = holder
        self.seconds = seconds
        self.renew_every = renew_every
        self.waited_seconds = 0.0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @classmethod
    def take(cls, store: Store, *, said: Callable[[str], None] | None = None,
             seconds: float = LEASE_SECONDS, renew_every: float = RENEW_SECONDS,
             poll: float = POLL_SECONDS) -> RefreshTurn:
        """Take the turn, waiting while another holds it; ``said`` is told
        once who that is (a line for the user)."""
        turn = cls(store, holder_name(), seconds, renew_every)
        t0 = time.monotonic()
        told = False
        while not store.take_lease(REFRESH_LEASE, turn.holder, seconds):
            other = refresh_holder(store)
            if other is not None and _gone_here(other):
                # killed outright on this machine: its lease would keep this one waiting for nothing
                log.info("the refresh that held the turn (%s) has ended without releasing it", other)
                store.release_lease(REFRESH_LEASE, other)
                continue
            if not told:
                other = other or "another process"
                log.info("a refresh runs (%s): waiting for it to end", other)
                if said is not None:
                    said(other)
                told = True
            time.sleep(poll)
        turn.waited_seconds = time.monotonic() - t0
        return turn

    def keep(self) -> None:
        """Renew the turn every :attr:`renew_every` seconds until :meth:`release`."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._renew, name="torihiki-refresh-turn", daemon=True)
            self._thread.start()

    def release(self) -> None:
        """Stop renewing and end the turn (if the store cannot be reached,
        the turn ends by itself after :attr:`seconds`)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        try:
            self.store.release_lease(REFRESH_LEASE, self.holder)
        except StoreError as e:
            log.warning("could not end the refresh's turn (it ends by itself in %.0f s): %s", self.seconds, e)

    def _renew(self) -> None:
        while not self._stop.wait(self.renew_every):
            try:
                if not self.store.take_lease(REFRESH_LEASE, self.holder, self.seconds):
                    log.warning("the refresh's turn was over before it was renewed; another refresh may run")
            except StoreError as e:  # tried again at the next renewal
                log.warning("could not renew the refresh's turn: %s", e)

    def __enter__(self) -> RefreshTurn:
        self.keep()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.release()
