# The two commands a newcomer needs: `make run` and `make test`. Everything else is a helper.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 5000
WORKERS ?= 2

.PHONY: run test test-fast install lock assets browser libreoffice pdf lint schema template bench load audit clean

# Every Python package comes from a lock file in requirements/, pinned with its hashes, and pip
# refuses any file whose hash is not there (README.md, Dependencies). `make lock` rewrites them.
REQ := requirements
LOCK := $(REQ)/lock.txt
PIP_LOCKED := $(BIN)/python -m pip install --quiet --require-hashes

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(INSTALLED): pyproject.toml $(REQ)/installer.txt $(LOCK) | $(BIN)/python
	$(PIP_LOCKED) --no-deps -r $(REQ)/installer.txt
	$(PIP_LOCKED) -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	$(BIN)/python -m pip check
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
test: install browser libreoffice pdf lint
	$(BIN)/python -m pytest

## make test-fast: the everyday loop: lint, then every test but the browser tests and the slow
## ones (tests/faults/, tests/calendar/), on SQLite only, in TEST_JOBS processes (0: in this one)
TEST_JOBS ?= 2
test-fast: lint
	env -u TEST_DATABASE_URL -u CI $(BIN)/python -m pytest -m "not browser and not slow" \
		-n $(TEST_JOBS)

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

# The exports' formula test opens the files in LibreOffice Calc; install it when it is missing
# and we may (tests/reports/test_formula_neutralising.py).
libreoffice:
	@if ! command -v soffice >/dev/null; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "Installing LibreOffice Calc for the exports' formula test"; \
			apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
				--no-install-recommends libreoffice-calc; \
		else \
			echo "The exports' formula test needs LibreOffice Calc: run" \
				"'sudo apt-get install --no-install-recommends libreoffice-calc'"; \
		fi; \
	fi

# Board papers are made as PDF by WeasyPrint, which draws text with Debian's Pango and HarfBuzz
# and its fonts; the tests read the PDFs back with pdftotext (poppler-utils). Install whatever is
# missing when we may (tests/reports/test_board_paper.py).
PDF_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core poppler-utils
pdf:
	@missing=$$(for p in $(PDF_PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "Installing for board papers as PDF:" $$missing; \
			apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
				--no-install-recommends $$missing; \
		else \
			echo "Board papers as PDF need: run 'sudo apt-get install --no-install-recommends" \
				$$missing"'"; \
		fi; \
	fi

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python -m audit_app.schema --check

## make lock: rewrite the lock files in requirements/ from pyproject.toml and requirements/*.in,
## keeping the pinned versions that still fit; `make lock UPGRADE=1` takes the newest that fit.
## Resolved on PyPI alone for Python 3.11 on Linux x86_64, with the hashes of every file.
UV_COMPILE = $(BIN)/uv --no-config pip compile --quiet --default-index https://pypi.org/simple \
	--python-version 3.11 --python-platform x86_64-unknown-linux-gnu --generate-hashes \
	--custom-compile-command 'make lock' $(if $(UPGRADE),--upgrade)

lock: | $(BIN)/python
	$(PIP_LOCKED) --no-deps -r $(REQ)/uv.txt
	$(UV_COMPILE) $(REQ)/uv.in -o $(REQ)/uv.txt
	$(UV_COMPILE) $(REQ)/installer.in -o $(REQ)/installer.txt
	$(UV_COMPILE) pyproject.toml --extra test -o $(LOCK)
	$(UV_COMPILE) pyproject.toml --extra load -c $(LOCK) -c $(REQ)/installer.txt -o $(REQ)/load.txt
	$(UV_COMPILE) pyproject.toml --extra audit -c $(LOCK) -c $(REQ)/installer.txt \
		-o $(REQ)/audit.txt

## make schema: regenerate questionnaires/schema.json from the questionnaire models
schema: install
	$(BIN)/python -m audit_app.schema

## make template: regenerate the QA leads' template workbook in questionnaires/templates/
template: install
	$(BIN)/python -m audit_app.workbook_template

bench: install
	$(BIN)/python bench/scoring.py
	$(BIN)/python bench/journey.py

## make load: the load test (locust, 50 auditors for 2 minutes) on SQLite; add
## LOAD_DATABASE_URL=postgresql+psycopg://... (an empty database) for PostgreSQL
load: install
	$(PIP_LOCKED) -r $(REQ)/load.txt
	$(BIN)/python bench/load/run.py $(if $(LOAD_DATABASE_URL),--database-url $(LOAD_DATABASE_URL))

## make audit: a CycloneDX bill of materials of the installed Python packages in
## build/sbom.json; those packages checked for known vulnerabilities (pip-audit, which asks PyPI,
## or OSV with PIP_AUDIT_VULNERABILITY_SERVICE=osv) and failing if any could not be checked; then
## the front end's packages (npm audit). Needs the network, so it is not part of `make test`.
audit: $(INSTALLED)
	$(PIP_LOCKED) -r $(REQ)/audit.txt
	mkdir -p build
	$(BIN)/cyclonedx-py environment --output-reproducible --of JSON -o build/sbom.json $(BIN)/python
	@echo "Bill of materials: build/sbom.json"
	$(BIN)/python -m pip freeze --exclude-editable > build/installed-requirements.txt
	$(BIN)/pip-audit --strict --no-deps --disable-pip --progress-spinner off \
		-r build/installed-requirements.txt
	npm audit --omit=dev

clean:
	rm -rf $(VENV) node_modules audit_app/static/dist build .pytest_cache .ruff_cache .hypothesis
