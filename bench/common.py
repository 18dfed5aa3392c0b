"""Shared helpers of the benchmarks: machine facts, memory, percentiles, JSON.

Every benchmark prints or returns figures next to a baseline measured in the
same run on the same machine, because these machines are shared and noisy;
:func:`machine` records what the figures were measured on.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

__all__ = ["REPO", "machine", "peak_rss_mib", "rss_mib", "tree_rss_mib", "pct", "summary_ms",
           "write_json", "commit", "Stopwatch"]


def commit() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True,
                             text=True, check=False).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO,
                               capture_output=True, text=True, check=False).stdout.strip()
        return out + ("+dirty" if dirty else "")
    except OSError:
        return "unknown"


def machine() -> dict[str, Any]:
    """CPU, memory, Python and load average of this machine, now."""
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = 0.0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    return {"cpus": os.cpu_count(), "cpu_model": model, "memory_gib": round(mem, 1),
            "python": platform.python_version(), "platform": platform.platform(),
            "loadavg": [round(x, 2) for x in os.getloadavg()], "commit": commit(),
            "date": time.strftime("%Y-%m-%d %H:%M:%S %Z")}


def peak_rss_mib(children: bool = False) -> float:
    """Peak RSS (MiB) of this process, or of its waited-for children."""
    who = resource.RUSAGE_CHILDREN if children else resource.RUSAGE_SELF
    return resource.getrusage(who).ru_maxrss / 1024.0


def rss_mib(pid: int) -> float:
    """Current RSS (MiB) of one process."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return 0.0


def _process_tree(pid: int) -> list[int]:
    """A process and all its descendants (a server and its workers), by pid."""
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        children = []
    return [pid, *(p for c in children for p in _process_tree(int(c)))]


def tree_rss_mib(pid: int) -> float:
    """Current RSS (MiB) of a process and all its descendants (a server and its workers)."""
    return sum(rss_mib(p) for p in _process_tree(pid))


def tree_cpu_s(pid: int) -> dict[int, float]:
    """CPU seconds (user + system) so far of a process and each of its
    descendants, by pid: how the work of a run fell on a server's workers."""
    out: dict[int, float] = {}
    for p in _process_tree(pid):
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # ended meanwhile
        out[p] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return out


def pct(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0–100) by nearest rank; ``nan`` when empty."""
    if not values:
        return float("nan")
    s = sorted(values)
    k = max(0, min(len(s) - 1, int(round(q / 100 * len(s) + 0.5)) - 1))
    return s[k]


def summary_ms(seconds: Iterable[float]) -> dict[str, float]:
    """p50 / p90 / p99 / max in milliseconds and the count."""
    xs = [x * 1000 for x in seconds]
    return {"n": len(xs), "p50_ms": round(pct(xs, 50), 2), "p90_ms": round(pct(xs, 90), 2),
            "p99_ms": round(pct(xs, 99), 2), "max_ms": round(max(xs), 2) if xs else float("nan")}


def write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2, default=str), encoding="utf-8")


class Stopwatch:
    """``with Stopwatch() as w: ...``; then ``w.seconds``."""

    def __enter__(self) -> Stopwatch:
        self.t0 = time.perf_counter()
        self.seconds = 0.0
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self.t0
