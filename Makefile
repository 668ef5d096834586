# CCHC Web: `make run` serves the demo on http://127.0.0.1:5000, `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
FLASK := $(BIN)/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: install run serve migrate seed test test-sqlite test-postgres lint format bench bench-city soak sipas-load faults lock clean

# Exact versions with their SHA-256 from the lock file (pip refuses anything else), then the
# project itself without resolving again. `make lock` refreshes the locks from pyproject.toml.
$(STAMP): pyproject.toml requirements-dev.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements-dev.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

LOCK_FLAGS := --quiet --generate-hashes --strip-extras --no-emit-index-url --no-emit-find-links --no-emit-trusted-host
lock:
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet pip-tools
	$(BIN)/pip-compile $(LOCK_FLAGS) --upgrade -o requirements.lock pyproject.toml
	$(BIN)/pip-compile $(LOCK_FLAGS) --upgrade --extra dev -o requirements-dev.lock pyproject.toml

install: $(STAMP)

migrate: install
	$(FLASK) db upgrade

seed: migrate
	$(FLASK) seed-demo

run: seed serve

serve: install
	$(FLASK) run --host $(HOST) --port $(PORT)

# The whole suite on SQLite, then again on PostgreSQL when TEST_DATABASE_URL names one
# (.ci/run provides it); the axe accessibility checks look at HTML, which does not depend on the
# database, so they run in the SQLite pass only. Benchmarks and soak tests have their own targets.
# Each pass runs in TEST_WORKERS pytest-xdist processes (one per core on CI), a test file per
# process at a time; each process has its own SQLite files, PostgreSQL database (TEST_DATABASE_URL's
# name + _gw0, _gw1…), instance and upload folders and browser (tests/__init__.py, conftest.py).
# TEST_WORKERS=0 runs a pass in one process, as before.
TEST_WORKERS ?= 2
PYTEST := $(BIN)/pytest -q -p no:cacheprovider -n $(TEST_WORKERS) --dist loadfile
test: install
	@echo "== SQLite ($(TEST_WORKERS) workers)"
	env -u TEST_DATABASE_URL $(PYTEST)
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
		echo "== PostgreSQL ($(TEST_WORKERS) workers): $$TEST_DATABASE_URL"; \
		$(PYTEST) -m "not accessibility"; \
	else \
		echo "(TEST_DATABASE_URL not set: PostgreSQL pass skipped; .ci/run sets it)"; \
	fi

# Benchmarks (not part of `make test`): builds a city-scale dataset in a temporary database,
# times the main pages, counts SQL statements, load-tests gunicorn with wrk; then the survey's
# load and the city section (bench-city, when a PostgreSQL superuser answers). Each part runs
# even when an earlier one missed a target; make bench fails if any did.
bench: install
	@command -v wrk >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && apt-get install -y -qq wrk >/dev/null 2>&1; } || echo "(wrk unavailable: the load test will be skipped)"
	@status=0; \
	$(BIN)/python -m bench.run || status=1; \
	$(BIN)/python -m bench.sipas_load || status=1; \
	$(BIN)/python -m bench.city || status=1; \
	exit $$status

# City scale (issue 20): 114 communes on PostgreSQL (BENCH_CITY_SERVER, default the local
# postgres superuser), cached in the database bench_city_v<N> (about 30 s to build, reused
# afterwards); the commune pages in four communes of different sizes, the city dashboard and
# its aggregate queries, as a role held by row-level security; writes bench/city.json.
bench-city: install
	$(BIN)/python -m bench.city

# 200 citizens answer the satisfaction survey at once with 200 receipt codes, then 20 send one
# code at once, against gunicorn + a throwaway PostgreSQL database; writes bench/sipas.json.
sipas-load: install
	$(BIN)/python -m bench.sipas_load

# Soak test (not part of `make test`): 50 virtual users doing mixed workflows for 5 minutes
# (SOAK_SECONDS) against gunicorn + a throwaway PostgreSQL database; writes bench/soak.json.
soak: install
	$(BIN)/python -m bench.soak

# Faults and abuse (issue 15, not part of `make test`): gunicorn (gunicorn.conf.py) + a throwaway
# PostgreSQL cluster of its own: the cluster stopped for 15 s under load, a 40 s table lock,
# the 400,000-field PDF on /verify, the xlsx bombs, 30 parallel guesses; writes bench/faults.json.
faults: install
	$(BIN)/python -m bench.faults

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info
