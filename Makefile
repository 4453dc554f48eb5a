# DSO rollout warehouse: `make run` (pipeline + dashboard) and `make test` are the two entry points.
SHELL := /bin/bash
.DEFAULT_GOAL := run

# Sample drop written by `make run` when data/sample does not exist (fixed seed and date: reproducible).
SAMPLE_DIR       ?= data/sample
SAMPLE_LOCATIONS ?= 30
SAMPLE_SEED      ?= 42
SAMPLE_END_DATE  ?= 2026-11-27
STREAMLIT_PORT   ?= 8501
DAGSTER_PORT     ?= 3000
BENCH_LOCATIONS  ?= 30 300

VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.dso-installed
DBT_DIR := dbt_project
MANIFEST := $(DBT_DIR)/target/manifest.json
# Everything dbt parses (not its own target/ or logs/ output).
DBT_SOURCES := $(shell find $(DBT_DIR) \( -path '$(DBT_DIR)/target' -o -path '$(DBT_DIR)/logs' \) -prune -o -type f \( -name '*.sql' -o -name '*.yml' -o -name '*.yaml' -o -name '*.csv' -o -name '*.md' \) -print 2>/dev/null)

# Local state and no telemetry, for every tool the recipes start.
export DAGSTER_HOME := $(CURDIR)/dagster_home
export DBT_SEND_ANONYMOUS_USAGE_STATS := False
export DO_NOT_TRACK := 1
# dbt's profiles.yml reads DSO_WAREHOUSE_PATH; default it like connectors/settings.py does.
export DSO_WAREHOUSE_PATH ?= $(CURDIR)/data/warehouse.duckdb
# `make run` loads the sample drop unless DSO_EXTRACTS_DIR points elsewhere.
export DSO_EXTRACTS_DIR ?= $(CURDIR)/$(SAMPLE_DIR)

.PHONY: run test test-all browser-deps setup sample manifest pipeline full-refresh dashboard dagster-dev bench clean help

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

$(PY):
	python3 -m venv $(VENV)

# Re-installs only when the lock or pyproject.toml changed (`make setup` is then a no-op). --compile-bytecode: with
# PYTHONDONTWRITEBYTECODE set (as on CI and these machines) every dagster and dbt process would otherwise compile
# ~1,900 source files again: ~12 s of a refresh's fixed overhead (docs/benchmarks.md).
$(STAMP): requirements.lock pyproject.toml | $(PY)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check uv==0.13.8
	$(VENV)/bin/uv pip sync --quiet --compile-bytecode --python $(PY) requirements.lock
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -e . --no-deps
	touch $@

setup: $(STAMP)  ## create .venv and install the locked dependencies

# The dbt manifest Dagster builds its assets from; re-parsed only when a dbt file changed.
$(MANIFEST): $(DBT_SOURCES) $(STAMP)
	cd $(DBT_DIR) && ../$(VENV)/bin/dbt parse --quiet --profiles-dir . --project-dir .
	touch $@

manifest: $(MANIFEST)  ## parse the dbt project

$(SAMPLE_DIR)/locations.csv: | $(STAMP)
	rm -rf $(SAMPLE_DIR).tmp
	$(PY) -m connectors.generator --out $(SAMPLE_DIR).tmp --locations $(SAMPLE_LOCATIONS) \
		--end-date $(SAMPLE_END_DATE) --seed $(SAMPLE_SEED) --quiet
	rm -rf $(SAMPLE_DIR) && mv $(SAMPLE_DIR).tmp $(SAMPLE_DIR)

sample: $(SAMPLE_DIR)/locations.csv  ## generate the sample drop (if absent)

pipeline: setup manifest  ## materialize every asset: load the drop, dbt build + tests, publish
	@if [ "$(DSO_EXTRACTS_DIR)" = "$(CURDIR)/$(SAMPLE_DIR)" ]; then $(MAKE) --no-print-directory sample; fi
	$(VENV)/bin/dagster asset materialize --select '*' -m orchestration.definitions

# Re-read every file and rebuild the incremental dbt models (the dbt build runs as three ops around the quality runner).
FULL_REFRESH_CONFIG := {"ops": {"ingest_drop": {"config": {"full_refresh": true}}, "dbt_build": {"config": {"full_refresh": true}}, "dbt_build_2": {"config": {"full_refresh": true}}, "dbt_build_3": {"config": {"full_refresh": true}}}}

full-refresh: setup manifest  ## like `pipeline`, but re-read every extract file and rebuild incremental models
	@if [ "$(DSO_EXTRACTS_DIR)" = "$(CURDIR)/$(SAMPLE_DIR)" ]; then $(MAKE) --no-print-directory sample; fi
	$(VENV)/bin/dagster asset materialize --select '*' -m orchestration.definitions --config-json '$(FULL_REFRESH_CONFIG)'

dashboard: setup  ## start the Streamlit dashboard on 127.0.0.1
	$(VENV)/bin/streamlit run dashboards/streamlit_app.py --server.headless true \
		--server.address 127.0.0.1 --server.port $(STREAMLIT_PORT) --browser.gatherUsageStats false

run: pipeline dashboard  ## the first command: set up, build everything, open the dashboard

test: setup manifest browser-deps  ## the default test suite (everything but the slow suites; incl. the browser test)
	$(VENV)/bin/pytest -q -m "not slow"

# Debian's chromium for the real-browser dashboard test. Installed when missing and we may (root, apt); elsewhere
# the browser test is skipped with its reason.
browser-deps:
	@if [ ! -x /usr/bin/chromium ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing Debian chromium for the browser test ..."; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	fi

test-all: setup manifest browser-deps  ## every test, including slow end-to-end and browser tests
	$(VENV)/bin/pytest -q -m ""

dagster-dev: setup manifest  ## the Dagster UI on 127.0.0.1:$(DAGSTER_PORT) (foreground; Ctrl-C stops it)
	$(VENV)/bin/dagster dev -m orchestration.definitions -h 127.0.0.1 -p $(DAGSTER_PORT)

bench: setup manifest  ## time a full refresh per drop size, write bench/results.md
	$(PY) bench/run_bench.py --locations $(BENCH_LOCATIONS)

clean:  ## remove the warehouse and the published snapshot (not the sample drop)
	rm -f data/warehouse.duckdb data/warehouse.duckdb.wal
	rm -rf data/published
