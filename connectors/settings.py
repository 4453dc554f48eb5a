"""One place that resolves the project's paths and secrets from the environment."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent

# Development default only: production deployments must set DSO_PSEUDONYM_KEY to a secret.
DEV_PSEUDONYM_KEY = "dev-only-pseudonym-key"


def _path(var: str, default: Path) -> Path:
    """Return the path in environment variable `var`, else `default`, made absolute."""
    value = os.environ.get(var)
    return Path(value).expanduser().resolve() if value else default


def extracts_dir() -> Path:
    """Folder of the extract drop to load (DSO_EXTRACTS_DIR)."""
    return _path("DSO_EXTRACTS_DIR", REPO_ROOT / "data" / "sample")


def warehouse_path() -> Path:
    """DuckDB warehouse file written by the pipeline (DSO_WAREHOUSE_PATH)."""
    return _path("DSO_WAREHOUSE_PATH", REPO_ROOT / "data" / "warehouse.duckdb")


def published_path() -> Path:
    """Read-only snapshot of the marts that dashboards read (DSO_PUBLISHED_PATH)."""
    return _path("DSO_PUBLISHED_PATH", REPO_ROOT / "data" / "published" / "marts.duckdb")


def pseudonym_key() -> str:
    """Key of the patient-id hash (DSO_PSEUDONYM_KEY), with a documented development default."""
    return os.environ.get("DSO_PSEUDONYM_KEY", DEV_PSEUDONYM_KEY)


def as_of_date() -> date | None:
    """As-of date override (DSO_AS_OF_DATE, YYYY-MM-DD); None means the latest extract date."""
    value = os.environ.get("DSO_AS_OF_DATE")
    return date.fromisoformat(value) if value else None


def duckdb_memory_limit() -> str:
    """DuckDB's memory limit for every pipeline connection (DSO_DUCKDB_MEMORY_LIMIT, default 4GB)."""
    # DuckDB's own default is 80% of RAM: at 300 locations dbt's build then held 10.7 GiB. With a limit,
    # large joins and sorts spill to <warehouse>.tmp instead, which keeps 1,500 locations under 8 GB.
    return os.environ.get("DSO_DUCKDB_MEMORY_LIMIT", "4GB")


def duckdb_config() -> dict[str, str]:
    """Connection settings shared by every read-write pipeline connection (dbt's profile mirrors them)."""
    return {"memory_limit": duckdb_memory_limit()}


DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
