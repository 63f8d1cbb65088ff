# The two commands of the README: `make run` and `make test`. Everything else is a helper.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

# The first Python >= 3.12 on PATH, else the newest one pyenv has installed.
PYTHON ?= $(shell for p in python3.14 python3.13 python3.12 python3 \
	$$(ls -d $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.1[2-9]*/bin/python 2>/dev/null | sort -rV); do \
	  if "$$p" -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; then \
	    command -v "$$p" 2>/dev/null || echo "$$p"; break; fi; done)

.PHONY: help run test setup migrate demo lint format messages browser-deps clean

help:
	@echo "make run    - set everything up and serve the demo on http://$(HOST):$(PORT)"
	@echo "make test   - set everything up and run the whole test suite"
	@echo "make lint   - ruff"

$(VENV)/.installed: pyproject.toml requirements.lock
	@if [ -z "$(PYTHON)" ]; then echo "No Python >= 3.12 found (also looked in pyenv)." >&2; exit 1; fi
	@echo "Using $(PYTHON) ($$($(PYTHON) --version))"
	@# A venv left by an older Python is rebuilt.
	$(PY) -c "import sys; sys.exit(sys.version_info < (3, 12))" 2>/dev/null || { rm -rf $(VENV); $(PYTHON) -m venv $(VENV); }
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.lock
	touch $@

setup: $(VENV)/.installed
	@mkdir -p var

migrate: setup
	$(PY) manage.py migrate --no-input

demo: migrate
	$(PY) manage.py load_demo
	@# The demo's meetings are imported, not published or sent through the workspace, so
	@# their PDFs were never asked for; without them the pages would say "PDF-en lages …".
	$(PY) manage.py render_minutes_pdfs
	$(PY) manage.py render_notice_pdfs
	@# Every store derived from the public record holds what the record says (ADR 15).
	$(PY) manage.py check_public_record

run: demo
	@echo "Serving on http://$(HOST):$(PORT)/ (Ctrl-C stops)"
	$(PY) manage.py runserver $(HOST):$(PORT)

# Browser tests drive Debian's Chromium; install it when we may (root), else they skip
# (and fail under CI).
browser-deps:
	@if ! command -v chromium >/dev/null 2>&1 || ! command -v pdftotext >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing Debian's Chromium for the browser tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core poppler-utils >/dev/null; \
	  else echo "Chromium is missing and cannot be installed here: browser tests will skip."; fi; \
	fi

test: setup browser-deps
	$(PY) manage.py check --fail-level WARNING
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) -m pytest $(PYTEST_ARGS)

lint: setup
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: setup
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

messages: setup
	mkdir -p cooperation/locale && $(PY) manage.py makemessages -l nb --ignore ".venv/*" --ignore "var/*" --ignore "bench/*" --ignore "tests/*"
	$(PY) manage.py compilemessages -l nb --ignore ".venv/*"

clean:
	rm -rf $(VENV) var .pytest_cache

# The benchmark (issue 7, bench/README.md): a 100k-case dataset in a database of its own, the
# app under gunicorn on loopback, wrk at 16 connections; results in bench/results/ and
# docs/performance.md. Bounded: `timeout` stops it (and bench/run.py its servers) at 30 min.
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/cooperation_bench
BENCH_QUICK_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/cooperation_bench_quick
BENCH_ARGS ?=

.PHONY: bench bench-quick bench-deps

bench-deps: setup
	@if ! command -v wrk >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing Debian's wrk for the benchmark"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; \
	  else echo "wrk is missing and cannot be installed here: apt-get install wrk" >&2; exit 1; fi; \
	fi
	@$(VENV)/bin/gunicorn --version >/dev/null 2>&1 || $(PY) -m pip install --quiet "gunicorn>=23"

bench: bench-deps
	timeout --signal=TERM --kill-after=30s 30m \
	  $(PY) -m bench --mode full --database-url "$(BENCH_DATABASE_URL)" $(BENCH_ARGS)

bench-quick: bench-deps
	timeout --signal=TERM --kill-after=30s 10m \
	  $(PY) -m bench --mode quick --database-url "$(BENCH_QUICK_DATABASE_URL)" $(BENCH_ARGS)

# The bounded load test (issue 8, bench/README.md "Load test"): the quick dataset in a database
# of its own, gunicorn with the production settings, 200 connections of public reads, search
# and minutes saves for 5 minutes with wrk, then a burst of 20 PDF renders drained by one task
# worker. Results in bench/results/loadtest/. Stopped by `timeout` at 21 minutes.
LOADTEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/cooperation_loadtest
LOADTEST_ARGS ?=

# The tested restore (issue 8, docs/operations.md "Backups and restore"): back up a database
# with the demo data and stored PDFs, restore it into a fresh database and media folder and
# verify it (tests/test_restore.py, which runs ops/restore_check.py).
RESTORE_TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/cooperation_restore_test

.PHONY: loadtest restore-test

loadtest: bench-deps
	timeout --signal=TERM --kill-after=30s 21m \
	  $(PY) -m bench.loadtest --database-url "$(LOADTEST_DATABASE_URL)" $(LOADTEST_ARGS)

restore-test: setup
	DATABASE_URL="$(RESTORE_TEST_DATABASE_URL)" timeout --signal=TERM --kill-after=30s 10m \
	  $(PY) -m pytest tests/test_restore.py -p no:cacheprovider --create-db $(PYTEST_ARGS)
