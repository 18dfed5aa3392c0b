"""The rendering processes of a refresh on the embedded store run at a lower
priority than the refresh's own part (peer inputs, portfolio, alerts), which
the refresh waits for last there, and than a server's requests on the same
machine; and, on either store, with Python's cyclic collector run rarely.
Checked in a real forked process, as the refresh forks them."""

from __future__ import annotations

import gc
import multiprocessing as mp
import os
from concurrent.futures import ProcessPoolExecutor

import pytest

from api import precompute
from api.process_memory import GC_THRESHOLD
from queries.embedded_store import EmbeddedStore


def _niceness() -> int:
    return os.nice(0)


def _threshold() -> tuple[int, ...]:
    return gc.get_threshold()


@pytest.mark.skipif(os.nice(0) > 19 - precompute._NICE, reason="already at the lowest priority")
def test_a_refresh_renders_in_a_process_below_it(embedded_store: EmbeddedStore) -> None:
    assert precompute._NICE > 0
    todo = precompute._Todo([], [], 200)
    kept = gc.get_threshold()
    gc.set_threshold(700, 10, 10)  # Python's default, as a refresh's process has it, until forked
    try:
        with ProcessPoolExecutor(1, mp_context=mp.get_context("fork")) as pool:  # one process: all calls in it
            before = pool.submit(_niceness).result()
            threshold_before = pool.submit(_threshold).result()
            stored = pool.submit(precompute._render_elsewhere, embedded_store.reopener(), todo, 0, "now").result()
            after = pool.submit(_niceness).result()
            threshold = pool.submit(_threshold).result()
    finally:
        gc.set_threshold(*kept)
    assert stored.keys == []
    assert threshold_before == (700, 10, 10) and threshold == GC_THRESHOLD
    assert before == _niceness()
    assert after == before + precompute._NICE
    assert _niceness() == before  # the refresh's own process keeps its priority
