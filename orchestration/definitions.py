"""Dagster entry point: `dagster dev -m orchestration.definitions` / `dagster asset materialize -m ...`."""

from orchestration.defs import build_definitions

# Parses dbt_project/ only when its manifest is missing or under `dagster dev` (see defs/dbt.py).
defs = build_definitions()
