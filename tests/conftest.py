"""Shared fixtures: one small generated drop run through every Dagster asset, reused by the end-to-end tests."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from connectors.settings import DEV_PSEUDONYM_KEY, REPO_ROOT

# The drop every end-to-end test reads: 6 locations, 240 days of history ending on END_DATE, seed 11.
END_DATE = date(2026, 3, 2)


@pytest.fixture(scope="session")
def pipeline_run(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Generate a 6-location drop and materialize every asset into a fresh warehouse, as `make run` does."""
    root = tmp_path_factory.mktemp("e2e")
    drop = root / "drop"
    subprocess.run(
        [sys.executable, "-m", "connectors.generator", "--out", str(drop), "--locations", "6",
         "--end-date", END_DATE.isoformat(), "--seed", "11", "--history-days", "240", "--quiet"],
        check=True, cwd=REPO_ROOT,
    )
    env = {
        **os.environ,
        "DSO_EXTRACTS_DIR": str(drop),
        "DSO_WAREHOUSE_PATH": str(root / "warehouse.duckdb"),
        "DSO_PUBLISHED_PATH": str(root / "published" / "marts.duckdb"),
        "DSO_PSEUDONYM_KEY": DEV_PSEUDONYM_KEY,
        "DAGSTER_HOME": str(REPO_ROOT / "dagster_home"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
    }
    env.pop("DSO_AS_OF_DATE", None)
    result = subprocess.run(
        [str(Path(sys.executable).parent / "dagster"), "asset", "materialize", "--select", "*",
         "-m", "orchestration.definitions"],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    return {"drop": drop, "warehouse": root / "warehouse.duckdb", "published": root / "published" / "marts.duckdb",
            "end_date": END_DATE}


