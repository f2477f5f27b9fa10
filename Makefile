# PESCO annual progress review. `make run` serves the application; `make test` runs the suite.
# PYTHON= overrides the interpreter; otherwise the first of python3.13, python3.12, python3
# that is Python >= 3.12 is used.

SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
HOST ?= 127.0.0.1
PORT ?= 8000

PYTHON ?= $(shell for p in python3.13 python3.12 python3; do \
	$$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1 && { command -v $$p; break; }; \
	done)

.PHONY: run test lint fmt worker beat bench check-python clean

check-python:
	@if [ -z "$(PYTHON)" ]; then \
		echo "error: Python 3.12 or newer is needed (tried python3.13, python3.12, python3)." >&2; \
		echo "       Install it, or point PYTHON= at one: make run PYTHON=/path/to/python3.12" >&2; \
		exit 1; \
	fi
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "error: $(PYTHON) was not found." >&2; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 12))' || { \
		echo "error: $(PYTHON) is older than Python 3.12." >&2; exit 1; }

$(VENV)/.installed: pyproject.toml | check-python
	@[ -x $(PY) ] && $(PY) -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null \
		|| $(PYTHON) -m venv --clear $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet ".[dev]"
	@touch $@

# Development server: DEBUG on, real data and demo accounts loaded. With DATABASE_URL and
# REDIS_URL set it uses PostgreSQL and Redis and starts a Celery worker beside the server.
run: export DJANGO_DEBUG ?= 1
run: $(VENV)/.installed
	$(PY) manage.py migrate --no-input
	$(PY) manage.py load_pesco
	$(PY) manage.py seed_demo
	@if [ -n "$$REDIS_URL" ]; then \
		echo "Starting a Celery worker on $$REDIS_URL"; \
		$(BIN)/celery -A pesco_review worker --loglevel=INFO --concurrency=2 & \
		worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
		$(PY) manage.py runserver $(HOST):$(PORT); \
	else \
		$(PY) manage.py runserver $(HOST):$(PORT); \
	fi

# The whole suite, production-like settings (DEBUG off) with a throw-away secret key. Uses
# DATABASE_URL / REDIS_URL when set (CI sets both), SQLite and in-process tasks otherwise.
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

worker: $(VENV)/.installed
	$(BIN)/celery -A pesco_review worker --loglevel=INFO

beat: $(VENV)/.installed
	$(BIN)/celery -A pesco_review beat --loglevel=INFO

# The bench's own tools (locust), from their hashed lock file, into the same environment.
$(VENV)/.bench-installed: requirements/bench.txt $(VENV)/.installed
	$(BIN)/pip install --quiet --require-hashes -r requirements/bench.txt
	@touch $@

# Every script in bench/ prints its figures; deadline_day.py (about 8 minutes) starts its own
# PostgreSQL, Redis, gunicorn and Celery worker and fails if a deadline-day criterion fails.
bench: export DJANGO_DEBUG ?= 1
bench: $(VENV)/.installed $(VENV)/.bench-installed
	@for script in bench/*.py; do echo "== $$script"; $(PY) $$script || exit 1; done

clean:
	rm -rf $(VENV) var staticfiles
