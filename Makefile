# Two commands: `make run` (set up and serve) and `make test` (set up and run the whole suite).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
export FLASK_APP := wsgi.py

.PHONY: install db run test browser bench clean

$(BIN)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[test]'
	touch $@

install: $(BIN)/.installed

## Create or upgrade the database (SQLite in instance/ unless DATABASE_URL is set) and load the seeds.
db: install
	$(BIN)/flask db upgrade
	$(BIN)/flask seed

run: db
	$(BIN)/flask run --host 127.0.0.1 --port 5000

## Debian's Chromium for the browser tests (Playwright drives it; it never downloads a browser).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium >/dev/null; }

test: install browser
	$(BIN)/pytest

## The search benchmark (issue 6): SQLite, plus PostgreSQL when BENCH_DATABASE_URL names a throwaway database.
bench: install
	@command -v wrk >/dev/null 2>&1 || { \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq wrk >/dev/null; }
	$(BIN)/python bench/search.py

clean:
	rm -rf $(VENV) instance tests/artifacts .pytest_cache
