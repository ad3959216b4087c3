# 山海 Shanhai — each target is a one-liner over the real commands.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
SEEDS  ?= $(abspath ../shared/seeds)
export SHANHAI_SOURCES_DIR ?= $(if $(wildcard $(SEEDS)),$(SEEDS),)

.PHONY: install demo serve test test-fast test-random lint format e2e bench faults clean

# Python venv with pinned packages (requirements.lock) + front-end assets from npm (no CDN).
install: $(VENV)/.installed src/shanhai/web/static/vendor/echarts.min.js

$(VENV)/.installed: pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip==25.3
	$(BIN)/pip install --quiet -c requirements.lock -e '.[dev]'
	touch $@

src/shanhai/web/static/vendor/echarts.min.js: frontend/package.json frontend/package-lock.json frontend/vendor.mjs
	cd frontend && npm ci --no-audit --no-fund --loglevel=error
	node frontend/vendor.mjs

# Install, migrate ./data/shanhai.sqlite3, load the demo data, serve http://127.0.0.1:8000
demo: install
	$(BIN)/shanhai demo --serve

serve: install
	$(BIN)/shanhai serve

# Lint, types, architecture contract, then the whole suite on SQLite and PostgreSQL (+ Chromium e2e), on
# TEST_WORKERS processes (pytest-xdist); it ends with the 30 slowest tests, time per directory, peak memory.
# (tests/conftest.py schedules them: the browser tests together, each load-suite module whole)
TEST_WORKERS ?= 2
PARALLEL := -n $(TEST_WORKERS)
test: install lint
	$(BIN)/pytest $(PARALLEL) --durations=30

# The developers' loop: SQLite only, no browser, no load and fault suite, no benchmarks; in parallel.
test-fast: install
	SHANHAI_TEST_DATABASES=sqlite $(BIN)/pytest $(PARALLEL) -m "not browser" \
		--ignore=tests/reliability --ignore=tests/bench --durations=10

# The whole suite in a random order (pytest-randomly; the seed is printed, --randomly-seed=N repeats it).
test-random: install
	$(BIN)/pytest $(PARALLEL) -p randomly --durations=10

lint: install
	$(BIN)/ruff check src tests scripts bench
	$(BIN)/ruff format --check src tests scripts bench
	$(BIN)/mypy
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff format src tests scripts bench
	$(BIN)/ruff check --fix src tests scripts bench

e2e: install
	$(BIN)/pytest -m browser

# load and fault suite against real server processes (SQLite and PostgreSQL; part of `make test` too)
faults: install
	$(BIN)/pytest $(PARALLEL) tests/reliability

# 10M-value analytics benchmark against hand-written PostgreSQL and DuckDB queries (minutes; not a test)
bench: install
	$(BIN)/python bench/analytics.py

clean:
	rm -rf $(VENV) frontend/node_modules src/shanhai/web/static/vendor
