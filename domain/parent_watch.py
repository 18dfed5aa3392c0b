"""Worker processes that end with the process that forked them.

A bulk load forks parsing workers and a writer, a refresh forks the
processes that render its answers. Killed outright (SIGKILL, an OOM kill,
a container stopped), the parent leaves them behind: blocked on a pipe that
no one will write again, each holding 100 MB or more, for good.
:func:`watch_parent`, a pool's initializer, makes each one exit once its
parent is gone (checked every second: the kernel gives an orphan another
parent). Linux's ``PR_SET_PDEATHSIG`` would be quicker, but it fires when
the *thread* that forked the child ends, and pools fork from whichever
thread first submits work.
"""

from __future__ import annotations

import os
import threading
import time

__all__ = ["watch_parent"]

CHECK_SECONDS = 1.0


def watch_parent(parent: int, every: float = CHECK_SECONDS) -> None:
    """Exit this process (status 1, without cleanup: its parent, whose work
    it was, is gone) once its parent is no longer ``parent`` — the pid of the
    process that made the pool, read before the fork. A daemon thread."""
    if os.getppid() != parent:  # gone between the fork and now
        os._exit(1)

    def watch() -> None:
        while True:
            time.sleep(every)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()
