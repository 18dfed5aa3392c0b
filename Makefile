# torihiki: two commands.
#   make run   set up, generate and load a synthetic region into the embedded store, serve the web UI and API on 127.0.0.1:8000
#   make test  set up, start a local Neo4j, run lint, types and the whole test suite (browser tests included), stop Neo4j
# and one for the figures in the README:
#   make bench generate the 1k-, 10k- and 100k-firm regions (cached), run every benchmark, write bench/out/report.{md,json}
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
TOOLS  := .cache/tools
UV     := $(TOOLS)/bin/uv
RUN_STAMP := $(VENV)/.run-stamp
DEV_STAMP := $(VENV)/.dev-stamp
HOST   ?= 127.0.0.1
PORT   ?= 8000
export TORIHIKI_HOME ?= $(CURDIR)/.torihiki

.PHONY: setup run test bench lint neo4j-start neo4j-stop clean

# uv installs the dependencies in seconds where pip takes most of a minute;
# it is fetched once from PyPI into .cache/tools (pip only bootstraps it).
$(UV):
	$(PYTHON) -m pip install --quiet --disable-pip-version-check --root-user-action=ignore --target $(TOOLS) uv

# What `make run` needs; `make test` adds the dev tools.
$(RUN_STAMP): pyproject.toml | $(UV)
	@test -x $(BIN)/python || $(UV) venv --quiet --python $(PYTHON) $(VENV)
	$(UV) pip install --quiet --python $(BIN)/python -e .
	@# the .pyc files of what a start imports, written even under PYTHONDONTWRITEBYTECODE
	@$(BIN)/python scripts/compile-bytecode
	@touch $@

$(DEV_STAMP): pyproject.toml $(RUN_STAMP)
	$(UV) pip install --quiet --python $(BIN)/python -e '.[dev]'
	@touch $@

setup: $(DEV_STAMP)

run: $(RUN_STAMP)
	HOST=$(HOST) PORT=$(PORT) bash scripts/run-demo

test: $(DEV_STAMP)
	bash scripts/run-tests

bench: $(DEV_STAMP)
	bash scripts/run-bench

lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache

neo4j-start:
	scripts/neo4j-local start

neo4j-stop:
	scripts/neo4j-local stop

clean:
	rm -rf .torihiki .pytest_cache .mypy_cache .ruff_cache
