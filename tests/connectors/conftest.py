"""Shared helpers for connector tests: an in-memory DuckDB and tiny drops written into tmp_path."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

FIXTURE_DROP = Path(__file__).resolve().parent.parent / "fixtures" / "drop_small"


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    """A fresh in-memory DuckDB connection."""
    c = duckdb.connect()
    yield c
    c.close()


@pytest.fixture
def drop(tmp_path: Path) -> Path:
    """An empty drop with the fixture's locations.csv (od_main, es_main, dx_one and their locations)."""
    d = tmp_path / "drop"
    d.mkdir()
    shutil.copy(FIXTURE_DROP / "locations.csv", d / "locations.csv")
    return d
