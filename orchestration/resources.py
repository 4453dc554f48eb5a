"""Dagster resources of the project, all in one place: the DuckDB warehouse and the dbt CLI."""

from __future__ import annotations

import os
import shutil
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import dagster as dg
import duckdb
from dagster_dbt import DbtCliResource, DbtProject

from connectors import settings


def export_environment() -> None:
    """Pin the DSO_* paths (absolute) and dbt's telemetry flag in os.environ for dbt subprocesses."""
    # dbt runs with cwd = dbt_project/, so a relative DSO_WAREHOUSE_PATH would point elsewhere there:
    # export the paths resolved once, here, the way connectors/settings.py resolves them.
    os.environ["DSO_WAREHOUSE_PATH"] = str(settings.warehouse_path())
    os.environ["DSO_PUBLISHED_PATH"] = str(settings.published_path())
    os.environ["DSO_EXTRACTS_DIR"] = str(settings.extracts_dir())
    # With usage stats on, a tiny dbt build took 33-40 s instead of 7 s (stack notes); never phone home.
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "False")
    os.environ.setdefault("DO_NOT_TRACK", "1")


class WarehouseResource(dg.ConfigurableResource):
    """The pipeline's DuckDB warehouse file and the published snapshot the dashboards read."""

    path: str
    published_path: str

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """Open the warehouse and always close it: DuckDB locks the file per process while open."""
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(self.path, read_only=read_only, config=settings.duckdb_config())
        try:
            yield con
        finally:
            con.close()


def warehouse_resource() -> WarehouseResource:
    """Warehouse resource configured from the environment (connectors/settings.py)."""
    return WarehouseResource(
        path=str(settings.warehouse_path()), published_path=str(settings.published_path())
    )


def dbt_executable() -> str:
    """The dbt beside this Python (the venv's), so runs work without an activated venv."""
    beside = Path(sys.executable).parent / "dbt"
    return str(beside) if beside.exists() else (shutil.which("dbt") or "dbt")


def dbt_cli_resource(project: DbtProject) -> DbtCliResource:
    """dbt CLI resource for `project` (profiles.yml lives in the project and reads DSO_WAREHOUSE_PATH)."""
    return DbtCliResource(project_dir=project, dbt_executable=dbt_executable())


def build_resources(project: DbtProject) -> dict[str, object]:
    """Every resource the definitions need, keyed as the assets request them."""
    export_environment()
    return {"warehouse": warehouse_resource(), "dbt": dbt_cli_resource(project)}
