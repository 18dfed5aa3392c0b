"""The rendering processes of a refresh run at a lower priority than the
refresh's own part (peer inputs, portfolio, alerts), which the refresh waits
for last, and than a server's requests on the same machine. Checked in a
real forked process, as the refresh forks them."""

from __future__ import annotations

import functools
import multiprocessing as mp
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

from api import precompute
from queries.embedded_store import EmbeddedStore

_AT_THE_FLOOR = os.nice(0) > 19 - precompute._NICE


def _niceness() -> int:
    return os.nice(0)


def _open_and_note(home: str, note: str) -> EmbeddedStore:
    """The rendering process's opener: notes the process's niceness, then opens the store."""
    Path(note).write_text(str(os.nice(0)))
    store = EmbeddedStore(Path(home))
    store.ensure_schema()
    return store


@pytest.mark.skipif(_AT_THE_FLOOR, reason="already at the lowest priority")
def test_a_refresh_renders_in_a_process_below_it(tmp_path: Path) -> None:
    assert precompute._NICE > 0
    note = tmp_path / "nice"
    opener = functools.partial(_open_and_note, str(tmp_path), str(note))
    todo = precompute._Todo([], [], 200)
    with ProcessPoolExecutor(1, mp_context=mp.get_context("fork")) as pool:
        stored = pool.submit(precompute._render_elsewhere, opener, todo, 0, "now").result()
    assert stored.keys == []
    assert int(note.read_text()) == _niceness() + precompute._NICE
