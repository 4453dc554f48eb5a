"""Raw-layer column lists derived from connectors/contract/tables.yml (shared by the source YAML generator and tests)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

CONTRACT = Path(__file__).resolve().parents[2] / "connectors" / "contract" / "tables.yml"

# DuckDB type of each contract column type (docs/architecture.md "Raw layer").
RAW_TYPES: dict[str, str] = {
    "key": "VARCHAR", "text": "VARCHAR", "int": "BIGINT", "dec": "DOUBLE", "date": "DATE",
    "dt": "TIMESTAMP", "date_or_dt": "TIMESTAMP", "time": "TIME", "tstz": "TIMESTAMPTZ",
    "b01": "BOOLEAN", "yn": "BOOLEAN",
}
META_COLUMNS: list[tuple[str, str]] = [
    ("_source_id", "VARCHAR"), ("_extract_date", "DATE"), ("_file", "VARCHAR"),
    ("_line", "BIGINT"), ("_is_deleted", "BOOLEAN"), ("_load_id", "VARCHAR"),
]


def load_contract() -> dict[str, Any]:
    """Parsed tables.yml."""
    return yaml.safe_load(CONTRACT.read_text())


def raw_columns(table: dict[str, Any]) -> list[tuple[str, str]]:
    """(lower-case name, DuckDB type) of a contract table's raw columns, metadata columns last."""
    cols: list[tuple[str, str]] = []
    for name, ctype in {**table.get("required", {}), **table.get("optional", {})}.items():
        low = name.lower()
        if ctype == "dt_or_tstz":
            cols += [(f"{low}_local", "TIMESTAMP"), (f"{low}_utc", "TIMESTAMPTZ")]
        elif ctype == "date_or_tstz":
            cols += [(f"{low}_date", "DATE"), (f"{low}_utc", "TIMESTAMPTZ")]
        else:
            cols.append((low, RAW_TYPES[ctype]))
    return cols + META_COLUMNS


def raw_tables() -> dict[str, list[tuple[str, str]]]:
    """Every raw table name (`<vendor>__<table>`) with its columns."""
    contract = load_contract()
    return {
        f"{vendor}__{tname}": raw_columns(t)
        for vendor, v in contract["vendors"].items()
        for tname, t in v["tables"].items()
    }
