"""The examples in docstrings run (doctest), so that an example that drifted
from its code fails here instead of misleading the next reader."""

from __future__ import annotations

import doctest
import importlib
import pkgutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PACKAGES = ("domain", "graph", "ingest", "queries", "api")


def _with_examples() -> list[str]:
    """Modules of our packages whose source has an example (``>>>``)."""
    names = []
    for package in PACKAGES:
        for info in pkgutil.walk_packages([str(REPO / package)], prefix=f"{package}."):
            path = REPO / Path(*info.name.split("."))
            source = path.with_suffix(".py") if path.with_suffix(".py").is_file() else path / "__init__.py"
            if source.is_file() and ">>>" in source.read_text(encoding="utf-8"):
                names.append(info.name)
    return sorted(names)


def test_examples_are_found() -> None:
    assert {"graph.alerts", "ingest.month_window", "graph.distress"} <= set(_with_examples())


@pytest.mark.parametrize("name", _with_examples())
def test_the_examples_of_a_module_run(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, verbose=False)
    assert result.attempted > 0 and result.failed == 0, f"{name}: {result.failed} of {result.attempted} failed"
