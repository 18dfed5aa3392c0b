"""NumPy without transparent huge pages (api.process_memory)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy  # noqa: F401 (imported: the setting applies to a NumPy already loaded)
import pytest

from api.process_memory import _multiarray_attr, no_numpy_huge_pages


def _numpy_advises() -> bool:
    getter = _multiarray_attr("_get_madvise_hugepage")
    assert getter is not None, "NumPy's switch moved: api.process_memory needs to find it"
    return bool(getter())


@pytest.fixture
def restored(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The variable unset and NumPy advising huge pages, as in a fresh
    process; both as they were afterwards."""
    setter = _multiarray_attr("_set_madvise_hugepage")
    assert setter is not None
    before = _numpy_advises()
    monkeypatch.delenv("NUMPY_MADVISE_HUGEPAGE", raising=False)
    setter(True)
    yield
    setter(before)


def test_turns_the_advice_off_here_and_for_the_processes_started_later(restored: None) -> None:
    assert _numpy_advises()
    assert no_numpy_huge_pages() is False
    assert not _numpy_advises()
    assert os.environ["NUMPY_MADVISE_HUGEPAGE"] == "0"
    child = subprocess.run(
        [sys.executable, "-c",
         "import numpy; from api.process_memory import _multiarray_attr; "
         "print(_multiarray_attr('_get_madvise_hugepage')())"],
        capture_output=True, text=True, check=True, env=os.environ.copy())
    assert child.stdout.strip() == "False"


def test_a_value_the_user_set_wins(restored: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NUMPY_MADVISE_HUGEPAGE", "1")
    assert no_numpy_huge_pages() is True
    assert _numpy_advises()
    assert os.environ["NUMPY_MADVISE_HUGEPAGE"] == "1"


def test_the_refresh_in_its_own_process_turns_it_off(restored: None, tmp_path: Path) -> None:
    """What :func:`api.commands.common.refresh_after_load` runs in the new
    process, called here: the advice is off before the refresh starts."""
    from api.commands.common import _refresh_in_own_process
    from api.settings import Settings
    from queries.embedded_store import EmbeddedStore

    store = EmbeddedStore(tmp_path)
    store.ensure_schema()
    opener = store.reopener()
    store.close()
    info = _refresh_in_own_process(opener, Settings(TORIHIKI_HOME=tmp_path), quiet=True)  # type: ignore[call-arg]
    assert info is None  # an empty store: nothing to refresh
    assert os.environ["NUMPY_MADVISE_HUGEPAGE"] == "0"
    assert not _numpy_advises()
