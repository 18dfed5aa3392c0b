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


def test_the_app_does_not_load_charts_or_pdf_at_import() -> None:
    """matplotlib (charts) and WeasyPrint (PDF memos) are imported by the
    requests that draw them, not to answer the first request."""
    loaded = _loaded_after("import api.app")
    assert not loaded & {"matplotlib", "weasyprint", "neo4j"}, loaded


def test_the_settings_chunk_size_is_the_loaders() -> None:
    """``api.settings`` states the loader's default without importing it."""
    from api.settings import Settings
    from ingest.load import CHUNK_ROWS

    assert Settings.model_fields["chunk_rows"].default == CHUNK_ROWS
