"""Generate a drop and run every Dagster asset on it, as `make run` does: shared by the end-to-end fixtures."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

from connectors.settings import DEV_PSEUDONYM_KEY, REPO_ROOT


def generate_and_refresh(root: Path, *, locations: int, seed: int, history_days: int, end_date: date,
                         extra_generator_args: tuple[str, ...] = ()) -> Path:
    """Generate a drop into root/drop, materialize every asset into root/warehouse.duckdb; returns the drop."""
    drop = root / "drop"
    subprocess.run(
        [sys.executable, "-m", "connectors.generator", "--out", str(drop), "--locations", str(locations),
         "--end-date", end_date.isoformat(), "--seed", str(seed), "--history-days", str(history_days),
         *extra_generator_args, "--quiet"],
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
    return drop
