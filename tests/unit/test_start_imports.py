"""Start-up cost: the CLI loads only what the chosen command needs.

``make run`` starts the CLI (``serve``) on every run and people start it for
``--help`` or ``users token``; each module of the analytics stack (pandas,
numpy, networkx, scipy) or of the pages (matplotlib, WeasyPrint) costs
tenths of a second to import. Each check runs a fresh interpreter and reads
``sys.modules``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
HEAVY = ("pandas", "numpy", "networkx", "scipy", "pyarrow", "matplotlib", "weasyprint", "babel", "jinja2",
         "neo4j", "fastapi", "uvicorn", "ingest.load", "graph.alerts")
"""Modules no light command needs."""


def _loaded_after(code: str, watch: tuple[str, ...] = HEAVY) -> set[str]:
    """The modules of ``watch`` a fresh interpreter holds after running ``code``."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(m for m in {watch!r} if m in sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True,
                         check=True, timeout=120).stdout
    return set(json.loads(out.splitlines()[-1]))


def test_importing_the_cli_and_building_its_parser_loads_no_heavy_module() -> None:
    loaded = _loaded_after("from api.cli import build_parser\n"
                           "build_parser().parse_args(['users', 'token', 'admin'])")
    assert loaded == set(), loaded


def test_help_loads_no_heavy_module() -> None:
    loaded = _loaded_after("import contextlib, io\nfrom api.cli import main\n"
                           "with contextlib.suppress(SystemExit), contextlib.redirect_stdout(io.StringIO()):\n"
                           "    main(['--help'])")
    assert loaded == set(), loaded


def test_a_command_loads_its_own_modules_when_it_runs() -> None:
    """The lazy dispatch still reaches the command (``generate`` is imported
    when it runs, no other command) and its errors are still one line."""
    code = ("import contextlib, io\nfrom api.cli import main\n"
            "with contextlib.redirect_stderr(io.StringIO()) as err:\n"
            "    assert main(['generate', '--report-only', '/nonexistent']) == 2, err.getvalue()\n"
            "assert err.getvalue().startswith('error:') and 'Traceback' not in err.getvalue()")
    assert _loaded_after(code, ("api.commands.generate", "api.commands.analytics")) == {"api.commands.generate"}


def test_the_app_does_not_load_charts_pdf_or_graph_libraries_at_import() -> None:
    """matplotlib (charts), WeasyPrint (PDF memos), networkx (DiGraphs) and
    scipy's csgraph (shortest paths, which loads scipy.linalg) are imported by
    the requests that use them, not to answer the first request."""
    loaded = _loaded_after("import api.app", HEAVY + ("scipy.sparse.csgraph", "scipy.linalg"))
    assert not loaded & {"matplotlib", "weasyprint", "neo4j", "networkx", "scipy.sparse.csgraph",
                         "scipy.linalg"}, loaded


def test_setup_writes_the_bytecode_of_a_start_even_when_python_would_not(tmp_path: Path) -> None:
    """``scripts/compile-bytecode`` (run by ``make run``'s setup) writes the
    .pyc files a start reads, also under ``PYTHONDONTWRITEBYTECODE``."""
    import importlib.util
    import os

    import pandas

    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "TORIHIKI_HOME": str(tmp_path)}
    out = subprocess.run([sys.executable, str(REPO / "scripts" / "compile-bytecode")], cwd=REPO, env=env,
                         capture_output=True, text=True, check=True, timeout=300).stdout
    assert out.startswith("bytecode of ") and "modules written" in out
    for source in (Path(pandas.__file__), REPO / "api" / "app.py"):
        pyc = Path(importlib.util.cache_from_source(str(source)))
        assert pyc.exists() and pyc.stat().st_mtime >= source.stat().st_mtime, pyc


def test_the_settings_chunk_size_is_the_loaders() -> None:
    """``api.settings`` states the loader's default without importing it."""
    from api.settings import Settings
    from ingest.load import CHUNK_ROWS

    assert Settings.model_fields["chunk_rows"].default == CHUNK_ROWS
