"""Fixtures of the integration tests: the CLI run against the store a test inspects."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from api.cli import main
from api.settings import get_settings
from queries.store import Store


@pytest.fixture
def cli(store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    """Run the CLI against the same store the test inspects."""
    monkeypatch.setenv("TORIHIKI_HOME", str(tmp_path / "home"))
    if store.backend == "embedded":
        monkeypatch.delenv("NEO4J_URI", raising=False)
        from queries.embedded_store import EmbeddedStore

        store = EmbeddedStore(tmp_path / "home")
        store.ensure_schema()
    get_settings.cache_clear()
    yield store
    get_settings.cache_clear()


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err
