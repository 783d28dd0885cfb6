# BIN Platform — set-up and everyday commands. `make run` and `make test` are
# all a new machine needs (Python 3.11+, make, and npm for the front-end assets).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
N ?= 10000
WORKERS ?= 1
export PORT

.PHONY: run test lint format assets messages migrate seed check-tools check-browser clean bench bench-reports makemessages

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt $(VENV)/.installed
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

check-tools:
	@command -v npm >/dev/null || { echo "npm is missing: install Node.js 18+ (Debian: apt-get install nodejs npm)"; exit 1; }
	@command -v msgfmt >/dev/null || { echo "msgfmt is missing: install gettext (Debian: apt-get install gettext)"; exit 1; }

# The browser journeys (tests/e2e) need Chromium; without it they skip locally.
check-browser:
	@[ -x "$${CHROMIUM_PATH:-/usr/bin/chromium}" ] || echo "note: Chromium is missing, the browser journeys (tests/e2e) will skip (Debian: apt-get install chromium)"

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Front-end assets come from npm at set-up and are served by the app itself.
assets: check-tools node_modules/.package-lock.json | $(BIN)/python
	$(BIN)/python scripts/copy_assets.py

messages: $(VENV)/.installed check-tools
	$(BIN)/python manage.py compilemessages --ignore=.venv --ignore=node_modules -v0

makemessages: $(VENV)/.installed
	$(BIN)/python manage.py makemessages -l nl -l fr -l de -l en --ignore=.venv --ignore=node_modules --ignore=tests --no-obsolete

migrate: $(VENV)/.installed
	$(BIN)/python manage.py migrate --noinput

# The output (with the demo logins) is kept in var/demo-logins.txt: `make run`
# shows the logins again once the server answers.
seed: migrate
	set -o pipefail; $(BIN)/python manage.py seed_demo | tee var/demo-logins.txt

run: $(VENV)/.installed assets messages seed
	$(BIN)/python scripts/run_dev.py

# ruff, then the layers between apps (import-linter, [tool.importlinter] in
# pyproject.toml): an import from a lower app into a higher one fails here.
lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

format: $(VENV)/.installed-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# The whole suite. Without DATABASE_URL it runs on SQLite; under CI=true
# (.ci/run) on PostgreSQL and Redis, where tests needing them fail, not skip.
test: $(VENV)/.installed-dev assets messages lint check-browser
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The alert pipeline under load, at zero latency and under the provider model
# (200 ms, 100 requests in flight), and the page timings (BENCHMARKS.md).
# WORKERS=2: two worker nodes sharing the provider's limit. Needs PostgreSQL
# and Redis as after .ci/run (and aiosmtpd, a dev requirement); uses a
# database of its own.
bench: $(VENV)/.installed-dev
	$(BIN)/python -m benchmarks.run --members $(N) --workers $(WORKERS)

# The dashboards on 100 networks x 10,000 members and 1,000,000 deliveries
# (in a database of its own, <name>_bench); smaller: REPORTS_ARGS="--networks 10".
bench-reports: $(VENV)/.installed-dev
	DATABASE_URL=$${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/bin_bench} \
		$(BIN)/python benchmarks/bench_reports.py $(REPORTS_ARGS)

clean:
	rm -rf var staticfiles static/vendor node_modules .pytest_cache .ruff_cache test-artifacts
