# Brug portal. `make help` lists the targets.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PG_TEST_URL ?= postgresql://postgres@127.0.0.1:5432/brug_test
export PICCOLO_CONF := portal.piccolo_conf

.DEFAULT_GOAL := help
.PHONY: help install run migrate demo serve test test-sqlite test-postgres screenshots services lint format bench bench-upload bench-queue bench-start bench-pages bench-chain bench-data bench-scale bench-plans topology bench-live loadtest faults messages clean dast

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -c constraints.txt -e '.[dev]'
	touch $(STAMP)

install: $(STAMP) ## create .venv and install the project with pinned versions

E2E_TOOLS := tests/e2e/node_modules/axe-core/axe.min.js
$(E2E_TOOLS): tests/e2e/package.json tests/e2e/package-lock.json
	npm ci --prefix tests/e2e --no-audit --no-fund --loglevel=error
	touch $(E2E_TOOLS)

OIDC_PROVIDER := tests/accounts/node_provider/node_modules/oidc-provider/package.json
$(OIDC_PROVIDER): tests/accounts/node_provider/package.json tests/accounts/node_provider/package-lock.json
	npm ci --prefix tests/accounts/node_provider --no-audit --no-fund --loglevel=error
	touch $(OIDC_PROVIDER)

run: install migrate demo serve ## set up the embedded default (SQLite, var/) and serve on :8000

migrate: install ## apply all database migrations
	$(BIN)/portal migrate

demo: install ## load the demo data (idempotent)
	$(BIN)/portal demo

serve: install ## serve on http://127.0.0.1:8000
	$(BIN)/portal serve --host 127.0.0.1 --port 8000

services: ## make sure PostgreSQL, Redis and Chromium are installed and running
	bash .ci/services.sh

PYTEST_WORKERS ?= 2
# Test files (SQLite databases, SeaweedFS, browser profiles) in memory where the machine has it:
# the suite writes much and keeps nothing.
TEST_TMP := $(shell test -d /dev/shm && test -w /dev/shm && echo /dev/shm/brug-tests || echo /tmp/brug-tests)
PYTEST_PARALLEL := -n $(PYTEST_WORKERS) --dist loadgroup --durations=15

test: install services $(E2E_TOOLS) $(OIDC_PROVIDER) ## the whole suite: the SQLite and PostgreSQL passes side by side
	$(MAKE) --no-print-directory -j2 --output-sync=recurse test-sqlite test-postgres

test-sqlite: install ## the suite on SQLite (parallel workers, a database file each)
	mkdir -p $(TEST_TMP)/sqlite
	TMPDIR=$(TEST_TMP)/sqlite $(BIN)/pytest $(PYTEST_PARALLEL)

test-postgres: install ## the suite on PostgreSQL (brug_test_<worker>, recreated); browser and process tests run on SQLite only
	mkdir -p $(TEST_TMP)/postgres
	TMPDIR=$(TEST_TMP)/postgres PORTAL_TEST_DATABASE_URL=$(PG_TEST_URL) $(BIN)/pytest $(PYTEST_PARALLEL) -m "not e2e and not slow"

# The browser journeys that save their steps (tests/e2e/steps.py): every test_*_journey.py but the
# login through a provider, which photographs nothing.
JOURNEYS := tests/e2e/test_journeys.py $(filter-out tests/e2e/test_oidc_journey.py,$(wildcard tests/e2e/test_*_journey.py))
screenshots: install services $(E2E_TOOLS) ## run the browser journeys and save each step as a PNG under docs/screenshots/
	mkdir -p $(TEST_TMP)/screenshots
	rm -f docs/screenshots/*.png
	BRUG_SCREENSHOTS=docs/screenshots TMPDIR=$(TEST_TMP)/screenshots $(BIN)/pytest $(PYTEST_PARALLEL) $(JOURNEYS)

lint: install ## ruff (lint, security rules, format check), mypy, the import layers (import-linter) and bandit
	$(BIN)/ruff check portal tests $(wildcard bench)
	$(BIN)/ruff format --check portal tests $(wildcard bench)
	$(BIN)/mypy
	$(BIN)/lint-imports
# bandit warns "nosec encountered ... but no failed test" for the other parts of a string whose
# finding a `# nosec` did suppress (PyCQA/bandit#1204); those lines are dropped, the rest is shown.
	$(BIN)/bandit -c pyproject.toml -r portal bench migrations --severity-level medium --quiet \
		2>$(VENV)/bandit.log; status=$$?; grep -v "but no failed test" $(VENV)/bandit.log >&2; exit $$status

format: install ## apply ruff formatting and safe fixes
	$(BIN)/ruff check --fix portal tests $(wildcard bench)
	$(BIN)/ruff format portal tests $(wildcard bench)

bench: install ## benchmarks: the client page (wrk), document uploads, the signal queue, the start page, the pages opened most against their baselines and live streams; figures go to bench/README.md
	BRUG_BENCH=1 bash .ci/services.sh
	$(BIN)/python -m bench.run
	$(BIN)/python -m bench.upload
	$(BIN)/python -m bench.signal_queue
	$(BIN)/python -m bench.start_page
	$(BIN)/python -m bench.pages
	$(BIN)/python -m bench.live

bench-upload: install ## the document upload benchmark alone (SeaweedFS; 10 MiB and 1 GiB)
	BRUG_BENCH=1 bash .ci/services.sh
	$(BIN)/python -m bench.upload

bench-queue: install ## the signal queue benchmark alone (wrk; 1,000 against 100,000 signals)
	BRUG_BENCH=1 bash .ci/services.sh
	$(BIN)/python -m bench.signal_queue

bench-start: install ## the start page benchmark alone (wrk; 1,000 against 1,000,000 timeline events)
	BRUG_BENCH=1 bash .ci/services.sh
	$(BIN)/python -m bench.start_page

bench-pages: install ## the start page, the signal queue and the question queue, each against its bare baseline (wrk)
	BRUG_BENCH=1 bash .ci/services.sh
	$(BIN)/python -m bench.pages

bench-chain: install ## what the chained access log costs the client page, against the commit before the chains (wrk)
	BRUG_BENCH=1 bash .ci/services.sh
	$(BIN)/python -m bench.chain_cost

SCALE ?= flanders
bench-data: install ## (not in CI) a Flanders-size PostgreSQL database brug_bench_$(SCALE) for the scale measurements, loaded with COPY (SCALE=flanders|demo|tiny)
	BRUG_BENCH=1 bash .ci/services.sh
	$(BIN)/python -m bench.flanders --scale $(SCALE)

bench-scale: install ## (not in CI) each hot page at Flanders size against demo size (needs bench-data SCALE=flanders and SCALE=demo)
	BRUG_BENCH=1 bash .ci/services.sh
	$(BIN)/python -m bench.scale

bench-plans: install ## (not in CI) EXPLAIN ANALYZE of every statement of the hot pages at Flanders size (needs bench-data SCALE=flanders)
	BRUG_BENCH=1 bash .ci/services.sh
	$(BIN)/python -m bench.plans

topology: install ## (not in CI) production's topology on this machine: HAProxy, two portal processes, PostgreSQL primary + synchronous standby, Redis, SeaweedFS master + 2 volume servers + filer + S3; a journey through all, a restore from base backup + WAL, a failover
	BRUG_TOPOLOGY=1 bash .ci/services.sh
	$(BIN)/python -m bench.topology

bench-live: install ## the live benchmark alone (the client page with 200 open streams, memory per stream, latency via Redis)
	BRUG_BENCH=1 bash .ci/services.sh
	$(BIN)/python -m bench.live

DAST_VENV := .venv-dast
# wapiti pins httpx, h11, aiosqlite and MarkupSafe older than the portal's: a virtual environment of its own.
$(DAST_VENV)/bin/wapiti:
	$(PYTHON) -m venv $(DAST_VENV)
	$(DAST_VENV)/bin/pip install -q --upgrade pip
	$(DAST_VENV)/bin/pip install -q wapiti3==3.2.3

dast: install $(DAST_VENV)/bin/wapiti ## (not in CI) wapiti against the portal served as in production, logged in as demo people; findings in docs/security.md
	bash .ci/services.sh
	$(BIN)/python -m bench.dast

# locust (the `bench` extra) only for these two: its gevent stays out of the test environment.
BENCH_STAMP := $(VENV)/.bench-installed-stamp
$(BENCH_STAMP): $(STAMP)
	$(BIN)/pip install -q -c constraints.txt -e '.[dev,bench]'
	touch $(BENCH_STAMP)

loadtest: install $(BENCH_STAMP) ## 64 simulated people for 60 s (locust) on two portal processes, PostgreSQL, Redis and S3: no server error, every acknowledged write kept
	BRUG_BENCH=1 bash .ci/services.sh
	$(BIN)/python -m bench.loadtest

faults: install $(BENCH_STAMP) ## PostgreSQL, S3, Redis and the identity provider of its own fail in turn under load: a 503 page, recovery by itself, nothing lost
	bash .ci/services.sh
	$(BIN)/python -m bench.faults

messages: install ## extract messages and update the nl/en catalogs
	$(BIN)/pybabel extract -F babel.cfg -k N_ -k ngettext_:1,2 -o portal/locale/messages.pot .
	$(BIN)/pybabel update -i portal/locale/messages.pot -d portal/locale --no-fuzzy-matching --ignore-obsolete

clean: ## remove the virtual environment and local data
	rm -rf $(VENV) var
