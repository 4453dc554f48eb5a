"""Shared fixtures: one small generated drop run through every Dagster asset, reused by the end-to-end tests."""

from __future__ import annotations

from datetime import date

import pytest

from pipeline_refresh import generate_and_refresh

# The drop every end-to-end test reads: 6 locations, 240 days of history ending on END_DATE, seed 11.
END_DATE = date(2026, 3, 2)


@pytest.fixture(scope="session")
def pipeline_run(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Generate a 6-location drop and materialize every asset into a fresh warehouse, as `make run` does."""
    root = tmp_path_factory.mktemp("e2e")
    drop = generate_and_refresh(root, locations=6, seed=11, history_days=240, end_date=END_DATE)
    return {"drop": drop, "warehouse": root / "warehouse.duckdb", "published": root / "published" / "marts.duckdb",
            "end_date": END_DATE}


