"""Test helper: a tiny DuckDB warehouse with the raw/meta tables of docs/architecture.md, and a dbt runner.

Creates every raw table of connectors/contract/tables.yml empty and typed (so `dbt build` runs before the
connectors exist), plus meta.* and raw.source_settings / raw.source_code_overrides; tests then insert the
few rows they need. Reusable by other dbt tests (import dbt_raw_warehouse).
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parents[2]
DBT_PROJECT = REPO / "dbt_project"
DBT = REPO / ".venv" / "bin" / "dbt"

_spec = importlib.util.spec_from_file_location("contract_columns", DBT_PROJECT / "scripts" / "contract_columns.py")
contract_columns = importlib.util.module_from_spec(_spec)
assert _spec.loader is not None
_spec.loader.exec_module(contract_columns)

META_TABLES: dict[str, list[tuple[str, str]]] = {
    "meta.file_loads": [
        ("load_id", "VARCHAR"), ("file", "VARCHAR"), ("source_id", "VARCHAR"), ("vendor", "VARCHAR"),
        ("table_name", "VARCHAR"), ("extract_date", "DATE"), ("mode", "VARCHAR"), ("encoding", "VARCHAR"),
        ("status", "VARCHAR"), ("message", "VARCHAR"), ("rows_read", "BIGINT"), ("rows_loaded", "BIGINT"),
        ("rows_quarantined", "BIGINT"), ("warnings", "VARCHAR[]"),
    ],
    "meta.quarantine": [
        ("load_id", "VARCHAR"), ("file", "VARCHAR"), ("line", "BIGINT"), ("source_id", "VARCHAR"),
        ("vendor", "VARCHAR"), ("table_name", "VARCHAR"), ("extract_date", "DATE"), ("reason", "VARCHAR"),
        ("raw_record", "VARCHAR"),
    ],
    "meta.parse_findings": [
        ("load_id", "VARCHAR"), ("file", "VARCHAR"), ("table_name", "VARCHAR"), ("column_name", "VARCHAR"),
        ("finding", "VARCHAR"), ("n_rows", "BIGINT"),
    ],
    "raw.source_settings": [
        ("source_id", "VARCHAR"), ("vendor", "VARCHAR"), ("recall_trigger_codes", "VARCHAR[]"),
        ("recall_interval_default", "VARCHAR"), ("location_for_blank_key", "VARCHAR"),
        ("recall_frequency_unit", "VARCHAR"),
    ],
    "raw.source_code_overrides": [
        ("source_id", "VARCHAR"), ("table_name", "VARCHAR"), ("column_name", "VARCHAR"), ("code", "VARCHAR"),
        ("canonical", "VARCHAR"),
    ],
}


def create_raw_schema(path: Path) -> None:
    """Create every raw and meta table (empty, typed per the contract) in the DuckDB file at `path`."""
    con = duckdb.connect(str(path))
    try:
        con.execute("create schema if not exists raw; create schema if not exists meta")
        tables = {f"raw.{name}": cols for name, cols in contract_columns.raw_tables().items()} | META_TABLES
        for name, cols in tables.items():
            ddl = ", ".join(f"{c} {t}" for c, t in cols)
            con.execute(f"create or replace table {name} ({ddl})")
    finally:
        con.close()


def insert_rows(path: Path, table: str, rows: list[dict]) -> None:
    """Insert rows (dicts by column name; missing columns NULL) into `table` of the DuckDB file."""
    con = duckdb.connect(str(path))
    try:
        for row in rows:
            cols = ", ".join(row)
            marks = ", ".join("?" for _ in row)
            con.execute(f"insert into {table} ({cols}) values ({marks})", list(row.values()))
    finally:
        con.close()


def run_dbt(path: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run dbt against the warehouse at `path` (telemetry off); returns the finished process."""
    full_env = {**os.environ, "DSO_WAREHOUSE_PATH": str(path), "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
                **(env or {})}
    return subprocess.run(
        [str(DBT), *args, "--profiles-dir", str(DBT_PROJECT), "--project-dir", str(DBT_PROJECT),
         "--target-path", str(path.parent / "dbt_target"), "--log-path", str(path.parent / "dbt_logs")],
        cwd=DBT_PROJECT, env=full_env, capture_output=True, text=True, check=False,
    )
