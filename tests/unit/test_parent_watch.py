"""A pool's workers end once the process that made the pool is killed
outright (:func:`domain.parent_watch.watch_parent`)."""

from __future__ import annotations

import os
import subprocess
import sys
import time

PROGRAM = """
import multiprocessing as mp, os, signal, sys
from concurrent.futures import ProcessPoolExecutor
from domain.parent_watch import watch_parent

pool = ProcessPoolExecutor(2, mp_context=mp.get_context("fork"), initializer=watch_parent,
                           initargs=(os.getpid(),))
futures = [pool.submit(os.getpid) for _ in range(8)]
print(" ".join(str(p) for p in sorted({f.result() for f in futures})), flush=True)
os.kill(os.getpid(), signal.SIGKILL)  # as an OOM kill or `kill -9` would
"""


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"  # a zombie has ended
    except FileNotFoundError:
        return False


def test_workers_end_when_their_parent_is_killed() -> None:
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    out = subprocess.run([sys.executable, "-c", PROGRAM], capture_output=True, text=True, cwd=root, timeout=60)
    workers = [int(p) for p in out.stdout.split()]
    assert workers, out.stderr
    deadline = time.monotonic() + 10
    while any(_alive(p) for p in workers) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(_alive(p) for p in workers), "a worker outlived its killed parent"
