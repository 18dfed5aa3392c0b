"""Benchmark the first and a later start of ``make run`` on a fresh clone.

    .venv/bin/python bench/bench_start.py --out start.json

Clones this repository's HEAD into a temporary folder and runs ``make run``
there, timing from the command until ``GET /health`` answers 200: the first
time with empty installer caches (``UV_CACHE_DIR`` and ``PIP_CACHE_DIR``
pointed at new folders, as on a new machine: every package is downloaded),
then again in the same clone (everything installed and loaded). Records what
``make run`` printed before it served, so that a screen of build warnings
would show.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import REPO, machine, write_json  # noqa: E402


def _wait_closed(port: int, timeout: float = 30) -> None:
    """Until nothing answers on the port (the server of the previous start is gone)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1):
                pass
        except OSError:
            return
        time.sleep(0.2)
    raise RuntimeError(f"port {port} still answers after the server was stopped")


def start_once(clone: Path, port: int, env: dict[str, str], timeout: float) -> dict[str, Any]:
    log = clone / f"make-run-{time.time_ns()}.log"
    _wait_closed(port)
    t0 = time.perf_counter()
    with log.open("w") as out:
        proc = subprocess.Popen(["make", "run", f"PORT={port}"], cwd=clone, env=env, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
    answered = None
    try:
        while time.perf_counter() - t0 < timeout:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1) as r:
                    if r.status == 200:
                        answered = time.perf_counter() - t0
                        break
            except OSError:
                pass
            if proc.poll() is not None:
                break
            time.sleep(0.1)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        _wait_closed(port)
    text = log.read_text(errors="replace").splitlines()
    before_serving = [line for line in text if not line.startswith("INFO:")]
    return {"seconds_to_answer": None if answered is None else round(answered, 1),
            "output_lines": len(before_serving),
            "warning_lines": sum("warn" in line.lower() for line in before_serving),
            "output_tail": before_serving[-12:]}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--port", type=int, default=8877)
    p.add_argument("--timeout", type=float, default=600)
    p.add_argument("--out", type=Path, required=True)
    args = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="torihiki-clone-") as tmp:
        clone = Path(tmp) / "torihiki"
        subprocess.run(["git", "clone", "--quiet", str(REPO), str(clone)], check=True)
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("NEO4J_", "TORIHIKI_", "VIRTUAL_ENV"))}
        env["UV_CACHE_DIR"] = str(Path(tmp) / "uv-cache")
        env["PIP_CACHE_DIR"] = str(Path(tmp) / "pip-cache")
        first = start_once(clone, args.port, env, args.timeout)
        later = start_once(clone, args.port, env, args.timeout)
    result = {"machine": machine(), "first": first, "later": later}
    write_json(args.out, result)
    print(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
