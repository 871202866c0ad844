# Two commands: `make run` (set up and serve) and `make test` (set up and run the whole suite).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
export FLASK_APP := wsgi.py

.PHONY: runtime install db run serve test browser axe audit bench clean

## What the site needs to run, and nothing else (what `make serve` installs).
$(BIN)/.runtime: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e .
	touch $@

## Plus the test and audit tools, and the place data's sources (for `flask build-places` and its test).
$(BIN)/.installed: $(BIN)/.runtime
	$(BIN)/pip install --quiet -c constraints.txt -e '.[test,audit,places]'
	touch $@

runtime: $(BIN)/.runtime
install: $(BIN)/.installed

## Create or upgrade the database (SQLite in instance/ unless DATABASE_URL is set) and load the
## therapies, conditions and checklist; never sample listings.
db: runtime
	$(BIN)/flask db upgrade
	$(BIN)/flask seed

## Development: the fictional sample listings too, Flask's server, and the mail worker beside it
## (pages only queue mail); both stop together.
run: db
	$(BIN)/flask seed --samples
	$(BIN)/flask send-mail & trap 'kill $$! 2>/dev/null' EXIT; \
	$(BIN)/flask run --host 127.0.0.1 --port 5000

## Production: gunicorn with gunicorn.conf.py; settings from the environment or .env (see README).
serve: db
	$(BIN)/flask send-mail & trap 'kill $$! 2>/dev/null' EXIT; \
	$(BIN)/gunicorn --config gunicorn.conf.py wsgi:app

## Debian's Chromium for the browser tests (Playwright drives it; it never downloads a browser).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium >/dev/null; }

## axe-core for the accessibility audit, from the npm registry into tests/browser/node_modules (git-ignored).
AXE := tests/browser/node_modules/axe-core/axe.min.js
$(AXE): tests/browser/package.json tests/browser/package-lock.json
	npm ci --prefix tests/browser --silent --no-audit --no-fund
	touch $@

axe: $(AXE)

test: install browser axe
	$(BIN)/pytest

## Types kept true (mypy), no function graded D or worse by radon, and known vulnerabilities in the pinned
## dependencies. pip-audit says "No known vulnerabilities" even when it could not look a package up, so count those.
audit: install
	$(BIN)/mypy
	@complex=$$($(BIN)/radon cc directory --min D --show-complexity); \
	if [ -n "$$complex" ]; then echo "radon: functions graded D or worse:"; echo "$$complex"; exit 1; fi; \
	echo "radon: no function graded D or worse"
	@$(BIN)/pip-audit --requirement constraints.txt --progress-spinner off > .audit.log 2>&1; status=$$?; \
	cat .audit.log; \
	skipped=$$(grep -c "could not be audited" .audit.log); \
	echo "pip-audit: exit $$status; $$skipped of $$(grep -c '==' constraints.txt) pinned packages could not be looked up"; \
	rm -f .audit.log; exit $$status

## The place benchmark (issue 14: US places found, type-ahead time), then the search service and the pages
## end to end (issues 6 and 15): SQLite, plus PostgreSQL when BENCH_DATABASE_URL names a throwaway database.
bench: install
	@command -v wrk >/dev/null 2>&1 || { \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq wrk >/dev/null; }
	$(BIN)/python bench/places.py
	$(BIN)/python bench/search.py

clean:
	rm -rf $(VENV) instance tests/artifacts .pytest_cache tests/browser/node_modules
