"""Test helper: load a drop, build the dbt models the checks need, run the checks, build the quality marts."""

from __future__ import annotations

import os
import subprocess
from datetime import datetime
from pathlib import Path

import duckdb

from connectors.ingest import load_drop
from connectors.quality.runner import QualityRun, run_quality_checks

REPO = Path(__file__).resolve().parents[3]
DBT_PROJECT = REPO / "dbt_project"
DBT = REPO / ".venv" / "bin" / "dbt"
KEY = "dq-test-key"

# staging + intermediate models the checks read (the runner reads stg_reviews__reviews / int_comms_messages_latest)
BEFORE_RUNNER = ["+path:models/intermediate/quality", "stg_reviews__reviews", "int_comms_messages_latest",
                 "stg_meta__quarantine"]
AFTER_RUNNER = ["dim_locations", "int_dq__check_results_history", "path:models/marts/quality"]


def run_dbt(path: Path, select: list[str], exclude: list[str] | None = None) -> subprocess.CompletedProcess[str]:
    """`dbt build --select ...` against the warehouse at `path` (telemetry off, test pseudonym key)."""
    env = {**os.environ, "DSO_WAREHOUSE_PATH": str(path), "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
           "DSO_PSEUDONYM_KEY": KEY}
    env.pop("DSO_AS_OF_DATE", None)
    return subprocess.run(
        [str(DBT), "build", "--select", *select, "--indirect-selection", "cautious",
         *(["--exclude", *exclude] if exclude else []),
         "--profiles-dir", str(DBT_PROJECT), "--project-dir", str(DBT_PROJECT),
         "--target-path", str(path.parent / "dbt_target"), "--log-path", str(path.parent / "dbt_logs")],
        cwd=DBT_PROJECT, env=env, capture_output=True, text=True, check=False,
    )


def build_quality_warehouse(drop: Path, path: Path, run_times: list[datetime]) -> list[QualityRun]:
    """Load `drop` into `path`, build, run the checks once per time in `run_times`, build the marts."""
    con = duckdb.connect(str(path))
    try:
        load_drop(drop, con)
    finally:
        con.close()
    # staging's own tests belong to tests/dbt_project; skipping them here saves ~10 s
    done = run_dbt(path, BEFORE_RUNNER, exclude=["resource_type:test,path:models/staging",
                                                 "resource_type:unit_test,path:models/staging"])
    assert done.returncode == 0, done.stdout[-3000:]
    runs = []
    con = duckdb.connect(str(path))
    try:
        for t in run_times:
            runs.append(run_quality_checks(con, run_at=t))
    finally:
        con.close()
    done = run_dbt(path, AFTER_RUNNER)
    assert done.returncode == 0, done.stdout[-3000:]
    return runs
