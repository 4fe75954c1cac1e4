# Entry points, all safe to run on a fresh machine (see README.md).
# `run` and `test` install exact, hashed versions from requirements/*.txt (the lock);
# `lock` refreshes the lock; `test-latest` runs the suite on the newest releases.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP_TOOLS := pip-tools==7.7.0
COMPILE := pip-compile -q --generate-hashes --strip-extras --allow-unsafe --no-header --resolver=backtracking

.PHONY: run test test-latest lock chromium java checks lint

# Install sopc from the lock, check and compile the shipped library, build the runbook site.
run:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --require-hashes -r requirements/run.txt
	$(BIN)/pip install -q --no-deps --no-build-isolation .
	$(BIN)/sopc validate sops
	$(BIN)/sopc build
	$(BIN)/mkdocs build --strict -q -f site/mkdocs.yml
	cd site && ../$(BIN)/mkdocs build --strict -q -f mkdocs.zh.yml
	@echo "runbook site: site/site/index.html, in Chinese site/site/zh/index.html (preview with: $(BIN)/sopc serve)"

# Debian's Chromium for the browser tests (Playwright's own download is not used).
chromium:
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium; } \
	  || { echo "make: chromium is missing and 'apt-get install chromium' failed: install Debian's chromium package (as root) and run make test again" >&2; exit 1; }

# Debian's Java 17 for the Spark engine's tests (pyspark itself, with Spark, comes from the lock).
java:
	@command -v java >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq --no-install-recommends openjdk-17-jre-headless; } \
	  || { echo "make: java is missing and 'apt-get install openjdk-17-jre-headless' failed: install Debian's openjdk-17-jre-headless package (as root) and run make test again" >&2; exit 1; }

# Install everything the tests need from the lock and run them all.
test: chromium java
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --require-hashes -r requirements/test.txt
	$(BIN)/pip install -q --no-deps --no-build-isolation -e .
	cd tests/editor && npm ci --no-audit --no-fund --silent
	$(MAKE) --no-print-directory checks BIN=$(BIN)

# The suite itself, on whichever environment BIN points at.
checks:
	$(BIN)/python -m pytest
	$(BIN)/sopc build --check
	$(BIN)/sopc test --min-coverage 100
	$(BIN)/ruff check compiler tests benchmarks
	$(BIN)/mypy

# The same suite on the newest release of every dependency, in its own venv: drift found on purpose.
test-latest: chromium java
	rm -rf .venv-latest
	$(PY) -m venv .venv-latest
	.venv-latest/bin/pip install -q --upgrade pip
	.venv-latest/bin/pip install -q --upgrade --upgrade-strategy eager -e '.[test]'
	$(MAKE) --no-print-directory checks BIN=.venv-latest/bin

# Refresh the lock from pyproject.toml (newest versions within its bounds), then run `make test`.
lock:
	rm -rf .venv-lock
	$(PY) -m venv .venv-lock
	.venv-lock/bin/pip install -q $(PIP_TOOLS)
	.venv-lock/bin/$(COMPILE) -o requirements/run.txt pyproject.toml requirements/build.in
	.venv-lock/bin/$(COMPILE) --extra test -o requirements/test.txt pyproject.toml requirements/build.in
	rm -rf .venv-lock

lint:
	$(BIN)/ruff check compiler tests benchmarks
	$(BIN)/mypy
