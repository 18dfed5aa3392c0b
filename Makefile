# torihiki: two commands.
#   make run   set up, generate and load a synthetic region into the embedded store, serve on 127.0.0.1:8000
#   make test  set up, start a local Neo4j, run lint, types and the whole test suite, stop Neo4j
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
HOST   ?= 127.0.0.1
PORT   ?= 8000
export TORIHIKI_HOME ?= $(CURDIR)/.torihiki

.PHONY: setup run test lint neo4j-start neo4j-stop clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

run: setup
	HOST=$(HOST) PORT=$(PORT) bash scripts/run-demo

test: setup
	bash scripts/run-tests

lint: setup
	$(BIN)/ruff check .
	$(BIN)/mypy

neo4j-start:
	scripts/neo4j-local start

neo4j-stop:
	scripts/neo4j-local stop

clean:
	rm -rf .torihiki .pytest_cache .mypy_cache .ruff_cache
