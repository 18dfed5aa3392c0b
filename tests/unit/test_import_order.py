"""Every module of the packages imports on its own, first: an import cycle
shows only when a module of it is the first imported (``torihiki ingest``
imported ``api.firm_pages`` first, and a cycle through ``api.first_read``
failed there while the server, which starts from ``api.app``, worked)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("api", "graph", "ingest", "queries", "domain")

# One interpreter for all: before each module, every module of ours is
# forgotten, so that it is imported first (third-party ones stay, for speed).
SCRIPT = """
import importlib, sys
failed = []
for name in sys.argv[1:]:
    for loaded in [m for m in sys.modules if m.split(".")[0] in {packages!r}]:
        del sys.modules[loaded]
    try:
        importlib.import_module(name)
    except Exception as e:
        failed.append(f"{{name}}: {{type(e).__name__}}: {{e}}")
print("\\n".join(failed))
sys.exit(1 if failed else 0)
"""


def _modules() -> list[str]:
    names = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


def test_every_module_imports_first() -> None:
    modules = _modules()
    assert "api.firm_pages" in modules and "api.first_read" in modules
    done = subprocess.run([sys.executable, "-c", SCRIPT.format(packages=set(PACKAGES)), *modules],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
