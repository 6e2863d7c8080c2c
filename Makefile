# The two commands a newcomer needs: `make run` and `make test`. Everything else is a helper.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 5000
WORKERS ?= 2

.PHONY: run test install assets browser lint schema bench load audit clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(INSTALLED): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

ASSETS := audit_app/static/dist/.built

$(ASSETS): package.json package-lock.json $(wildcard assets/*)
	npm ci --no-audit --no-fund --loglevel=error
	node assets/build.mjs
	touch $@

install: $(INSTALLED) $(ASSETS)

assets: $(ASSETS)

## make run: install, migrate, load the questionnaires, and serve on http://127.0.0.1:5000
run: export APP_ENV ?= development
run: install
	$(BIN)/flask --app wsgi db upgrade
	$(BIN)/flask --app wsgi questionnaires load
	$(BIN)/flask --app wsgi demo seed --if-empty
	$(BIN)/gunicorn --workers $(WORKERS) --timeout 300 --bind $(HOST):$(PORT) --access-logfile - wsgi:app

## make test: install, lint, and run the whole test suite (browser tests included)
test: install browser lint
	$(BIN)/python -m pytest

# Browser tests drive Debian's Chromium; install it when it is missing and we may.
CHROMIUM ?= /usr/bin/chromium
browser:
	@if [ ! -x "$(CHROMIUM)" ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "Installing Chromium for the browser tests (apt-get install chromium)"; \
			apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; \
		else \
			echo "Browser tests need Chromium at $(CHROMIUM): run 'sudo apt-get install chromium'"; \
		fi; \
	fi

lint: install
	$(BIN)/ruff check .
	$(BIN)/python -m audit_app.schema --check

## make schema: regenerate questionnaires/schema.json from the questionnaire models
schema: install
	$(BIN)/python -m audit_app.schema

bench: install
	$(BIN)/python bench/scoring.py
	$(BIN)/python bench/journey.py

## make load: the load test (locust, 50 auditors for 2 minutes) on SQLite; add
## LOAD_DATABASE_URL=postgresql+psycopg://... (an empty database) for PostgreSQL
load: install
	$(BIN)/python -m pip install --quiet -e '.[load]'
	$(BIN)/python bench/load/run.py $(if $(LOAD_DATABASE_URL),--database-url $(LOAD_DATABASE_URL))

## make audit: a CycloneDX bill of materials of the installed Python packages in
## build/sbom.json; those packages checked for known vulnerabilities (pip-audit, which asks PyPI,
## or OSV with PIP_AUDIT_VULNERABILITY_SERVICE=osv) and failing if any could not be checked; then
## the front end's packages (npm audit). Needs the network, so it is not part of `make test`.
audit: $(INSTALLED)
	$(BIN)/python -m pip install --quiet -e '.[audit]'
	mkdir -p build
	$(BIN)/cyclonedx-py environment --output-reproducible --of JSON -o build/sbom.json $(BIN)/python
	@echo "Bill of materials: build/sbom.json"
	$(BIN)/python -m pip freeze --exclude-editable > build/installed-requirements.txt
	$(BIN)/pip-audit --strict --no-deps --disable-pip --progress-spinner off \
		-r build/installed-requirements.txt
	npm audit --omit=dev

clean:
	rm -rf $(VENV) node_modules audit_app/static/dist build .pytest_cache .ruff_cache .hypothesis
