# PESCO annual progress review. `make run` serves the application; `make test` runs the suite.
# PYTHON= overrides the interpreter; otherwise the first of python3.13, python3.12, python3
# that is Python >= 3.12 is used.
#
# Dependencies are pinned in pyproject.toml and locked, with their hashes, in requirements/:
# app.txt (what the application runs on: the Docker image installs it), dev.txt (app.txt plus the
# tools and test libraries: make run/test/lint install it) and bench.txt (app.txt plus the load
# bench). pip installs them with --require-hashes; `make lock` compiles them again after
# pyproject.toml changes.

SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
HOST ?= 127.0.0.1
PORT ?= 8000
LOCK := requirements/dev.txt
# Celery beat's schedule file (run and beat): under var/, which make clean removes.
BEAT_SCHEDULE := var/celerybeat-schedule

PYTHON ?= $(shell for p in python3.13 python3.12 python3; do \
	$$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1 && { command -v $$p; break; }; \
	done)

.PHONY: run test lint fmt worker beat bench lock check-python check-redis clean

check-python:
	@if [ -z "$(PYTHON)" ]; then \
		echo "error: Python 3.12 or newer is needed (tried python3.13, python3.12, python3)." >&2; \
		echo "       Install it, or point PYTHON= at one: make run PYTHON=/path/to/python3.12" >&2; \
		exit 1; \
	fi
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "error: $(PYTHON) was not found." >&2; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 12))' || { \
		echo "error: $(PYTHON) is older than Python 3.12." >&2; exit 1; }

# The virtual environment, from the lock file alone: every package at its locked version, each
# file checked against its hash (pip refuses the install otherwise, and refuses any dependency the
# lock does not list). Installed again whenever the lock file changes.
$(VENV)/.installed: $(LOCK) | check-python
	@[ -x $(PY) ] && $(PY) -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null \
		|| $(PYTHON) -m venv --clear $(VENV)
	$(BIN)/pip install --quiet --require-hashes -r $(LOCK)
	@touch $@

# Compile the lock files from pyproject.toml (uv, installed from dev.txt, resolves; pip only
# installs). One resolution for every platform and Python >= 3.12 (--universal), with the hashes
# of every file on PyPI, and none of this machine's pip settings (indexes, find-links). A version
# already locked stays unless pyproject.toml asks for another, or you ask:
# make lock LOCK_ARGS="--upgrade-package celery". dev.txt and bench.txt are constrained to
# app.txt, so the tests run on exactly the versions the image ships.
UV_COMPILE = $(BIN)/uv pip compile pyproject.toml --quiet --universal --python-version 3.12 \
	--generate-hashes --no-config --default-index https://pypi.org/simple \
	--custom-compile-command "make lock" $(LOCK_ARGS)
lock: $(VENV)/.installed
	$(UV_COMPILE) --output-file requirements/app.txt
	$(UV_COMPILE) --extra dev --constraints requirements/app.txt --output-file requirements/dev.txt
	$(UV_COMPILE) --extra bench --constraints requirements/app.txt --output-file requirements/bench.txt

# Development server: DEBUG on, real data and demo accounts loaded. With DATABASE_URL and
# REDIS_URL set it uses PostgreSQL and Redis and starts a Celery worker and Celery beat beside
# the server, as compose does; both are stopped (and waited for) when the server stops.
run: export DJANGO_DEBUG ?= 1
run: $(VENV)/.installed
	$(PY) manage.py migrate --no-input
	$(PY) manage.py load_pesco
	$(PY) manage.py seed_demo
	@if [ -n "$$REDIS_URL" ]; then \
		mkdir -p $(dir $(BEAT_SCHEDULE)); \
		echo "Starting a Celery worker and Celery beat on $$REDIS_URL"; \
		$(BIN)/celery -A pesco_review worker --loglevel=INFO --concurrency=2 & worker=$$!; \
		$(BIN)/celery -A pesco_review beat --loglevel=INFO --schedule $(BEAT_SCHEDULE) & beat=$$!; \
		trap 'kill $$worker $$beat 2>/dev/null; wait $$worker $$beat' EXIT; \
		trap 'exit 130' INT TERM; \
		$(PY) manage.py runserver $(HOST):$(PORT); \
	else \
		$(PY) manage.py runserver $(HOST):$(PORT); \
	fi

# The whole suite, production-like settings (DEBUG off) with a throw-away secret key. Uses
# DATABASE_URL / REDIS_URL when set (CI sets both), SQLite and in-process tasks otherwise.
# The tests run in one process per core (pytest-xdist, at most four), each on a test database of
# its own; PYTEST_ARGS replaces that (PYTEST_ARGS="-k login" runs in one process).
PYTEST_ARGS ?= -n auto --maxprocesses=4
test: export DJANGO_SECRET_KEY ?= test-only-secret-key-not-for-production-0123456789abcdef
test: export DJANGO_SECURE_SSL_REDIRECT = 0
test: export DJANGO_DEBUG = 0
# Each step is printed before it runs; the first that fails stops the rest and fails the target.
# The time taken is printed at the end either way.
test: $(VENV)/.installed
	@step() { echo "$$*"; "$$@"; }; \
	step $(BIN)/ruff check . \
	&& step $(BIN)/ruff format --check . \
	&& step $(BIN)/mypy \
	&& step $(BIN)/pytest $(PYTEST_ARGS); \
	status=$$?; echo "make test: $$SECONDS s"; exit $$status

lint: export DJANGO_DEBUG ?= 1
lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

fmt: $(VENV)/.installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# A Celery worker, and Celery beat (the periodic tasks: reminders, the sweep of stuck builds),
# each in its own terminal beside `make run` or another server, with the same DATABASE_URL and
# REDIS_URL. DEBUG on by default, as for run. Run one beat only: a second sends every task twice.
worker beat: export DJANGO_DEBUG ?= 1
worker: check-redis $(VENV)/.installed
	$(BIN)/celery -A pesco_review worker --loglevel=INFO

beat: check-redis $(VENV)/.installed
	@mkdir -p $(dir $(BEAT_SCHEDULE))
	$(BIN)/celery -A pesco_review beat --loglevel=INFO --schedule $(BEAT_SCHEDULE)

# Without REDIS_URL tasks run in-process, inside the server: a worker would have nothing to consume.
check-redis:
	@[ -n "$$REDIS_URL" ] || { \
		echo "error: REDIS_URL is not set. Without it Celery tasks run in-process (make run needs" >&2; \
		echo "       no worker and no beat). Point it at Redis, the same as the server's:" >&2; \
		echo "       REDIS_URL=redis://127.0.0.1:6379/0 make $(MAKECMDGOALS)" >&2; \
		exit 1; }

# The bench's own tools (locust), from their hashed lock file, into the same environment.
$(VENV)/.bench-installed: requirements/bench.txt $(VENV)/.installed
	$(BIN)/pip install --quiet --require-hashes -r requirements/bench.txt
	@touch $@

# Every script in bench/ runs and prints its figures; make bench fails if one failed. pages.py (about
# 5 minutes) prints each page's SQL queries at the real data set's size and at ten times it, and
# requests per second at ten times against the bench's own baselines (a Django admin list, a
# bare view), a target and a verdict on each line, and fails if one fails. deadline_day.py
# (about 8 minutes) fails if a deadline-day criterion fails. Both start their own PostgreSQL,
# Redis and gunicorn (deadline_day.py a Celery worker too), never the machine's.
bench: export DJANGO_DEBUG ?= 1
bench: $(VENV)/.installed $(VENV)/.bench-installed
	@failed=""; for script in bench/*.py; do \
		echo "== $$script"; $(PY) $$script || failed="$$failed $$script"; \
	done; \
	if [ -n "$$failed" ]; then echo "make bench: a verdict failed in$$failed" >&2; exit 1; fi

# Everything the build and the tools made (the SQLite database and media in var/ too); keeps .env.
clean:
	rm -rf $(VENV) var staticfiles build *.egg-info .pytest_cache .mypy_cache .ruff_cache \
		celerybeat-schedule celerybeat-schedule.*
	find . -path ./.git -prune -o -name __pycache__ -type d -prune -exec rm -rf {} + \
		-o -name '*.py[co]' -type f -exec rm -f {} +
