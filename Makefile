# One obvious way to run things; the README names these targets.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
# pipefail: a test run piped through `sed` still fails the target when pytest fails.
SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -c
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: install demo test test-services test-others test-unit lint format services-up services-down services-status dagster clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"

# requirements/lock.txt pins the whole tested set; the project itself installs editable on top.
$(INSTALLED): $(BIN)/python requirements/lock.txt pyproject.toml
	$(BIN)/python -m pip --version >/dev/null 2>&1 || $(BIN)/python -m ensurepip --upgrade  # a venv cut short
	$(BIN)/python -m pip install --progress-bar off -r requirements/lock.txt
	$(BIN)/python -m pip install --no-deps -e .
	touch $@

install: $(INSTALLED)

demo: install
	$(BIN)/socialpulse demo

# The whole suite: lint, then unit, integration and e2e tests, in two pytest processes side by
# side: the tests that use the shared local services (broker, S3, Postgres; they start what is not
# running and stop at the end what they started; some stop and start the broker, so they run one
# at a time) and all the others. Each line of their output is prefixed with its process's name.
test: install
	$(BIN)/ruff check .
	$(BIN)/deptry .  # every distribution the shipped code imports is declared in pyproject.toml
	bash deployment/scripts/ensure-chromium.sh  # Debian's chromium, for the dashboard browser test
	$(BIN)/python -c "from socialpulse_assets.dbt import prepared_dbt_project as p; p()"  # parsed once, read by both
	$(MAKE) --no-print-directory -j2 test-services test-others

test-services: install
	$(BIN)/python -m pytest -m "services and not known_bug" $(PYTEST_ARGS) 2>&1 | sed -u 's/^/[services] /'

test-others: install
	$(BIN)/python -m pytest -m "not services and not known_bug" $(PYTEST_ARGS) 2>&1 | sed -u 's/^/[others] /'

test-unit: install
	$(BIN)/python -m pytest tests/unit $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The Dagster UI on the embedded defaults, with the runs `make demo` / `socialpulse batch` recorded.
dagster: install
	mkdir -p .socialpulse/dagster
	test -f .socialpulse/dagster/dagster.yaml || printf 'telemetry:\n  enabled: false\n' > .socialpulse/dagster/dagster.yaml
	DAGSTER_HOME=$(abspath .socialpulse/dagster) $(BIN)/dagster dev -w workspace.yaml

services-up: install
	$(BIN)/socialpulse services up

services-down: install
	$(BIN)/socialpulse services down

services-status: install
	$(BIN)/socialpulse services status

clean:
	rm -rf $(VENV) .socialpulse .pytest_cache .ruff_cache
