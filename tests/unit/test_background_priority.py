"""The rendering processes of a refresh on the embedded store run at a lower
priority than the refresh's own part (peer inputs, portfolio, alerts), which
the refresh waits for last there, and than a server's requests on the same
machine. Checked in a real forked process, as the refresh forks them."""

from __future__ import annotations

import multiprocessing as mp
import os
from concurrent.futures import ProcessPoolExecutor

import pytest

from api import precompute
from queries.embedded_store import EmbeddedStore


def _niceness() -> int:
    return os.nice(0)


@pytest.mark.skipif(os.nice(0) > 19 - precompute._NICE, reason="already at the lowest priority")
def test_a_refresh_renders_in_a_process_below_it(embedded_store: EmbeddedStore) -> None:
    assert precompute._NICE > 0
    todo = precompute._Todo([], [], 200)
    with ProcessPoolExecutor(1, mp_context=mp.get_context("fork")) as pool:  # one process: both calls in it
        before = pool.submit(_niceness).result()
        stored = pool.submit(precompute._render_elsewhere, embedded_store.reopener(), todo, 0, "now").result()
        after = pool.submit(_niceness).result()
    assert stored.keys == []
    assert before == _niceness()
    assert after == before + precompute._NICE
    assert _niceness() == before  # the refresh's own process keeps its priority
