# Two entry points, both safe to run on a fresh machine (see README.md).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test chromium lint

# Install sopc, check and compile the shipped library, build the runbook site.
run:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q .
	$(BIN)/sopc validate sops
	$(BIN)/sopc build
	$(BIN)/mkdocs build --strict -q -f site/mkdocs.yml
	@echo "runbook site: site/site/index.html (preview with: $(BIN)/sopc serve)"

# Debian's Chromium for the browser tests (Playwright's own download is not used).
chromium:
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium; }

# Install everything the tests need and run them all.
test: chromium
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q -e '.[test]'
	$(BIN)/python -m pytest
	$(BIN)/sopc build --check
	$(BIN)/sopc test --min-coverage 100
	$(BIN)/ruff check compiler tests benchmarks
	$(BIN)/mypy

lint:
	$(BIN)/ruff check compiler tests benchmarks
	$(BIN)/mypy
