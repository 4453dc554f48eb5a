"""End to end (slow): generate a small drop, run the full refresh like `make run`, read the snapshot."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


@pytest.mark.slow
def test_full_refresh_publishes_every_mart(tmp_path: Path) -> None:
    drop = tmp_path / "drop"
    subprocess.run(
        [sys.executable, "-m", "connectors.generator", "--out", str(drop), "--locations", "3",
         "--end-date", "2026-11-27", "--seed", "7", "--quiet"],
        check=True, cwd=REPO,
    )
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    warehouse, published = tmp_path / "wh.duckdb", tmp_path / "pub" / "marts.duckdb"
    env = {**os.environ, "DSO_EXTRACTS_DIR": str(drop), "DSO_WAREHOUSE_PATH": str(warehouse),
           "DSO_PUBLISHED_PATH": str(published), "DAGSTER_HOME": str(home),
           "DBT_SEND_ANONYMOUS_USAGE_STATS": "False"}
    run = subprocess.run(
        [str(BIN / "dagster"), "asset", "materialize", "--select", "*", "-m", "orchestration.definitions"],
        cwd=REPO, env=env, capture_output=True, text=True,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]

    con = duckdb.connect(str(warehouse), read_only=True)
    marts = {r[0] for r in con.execute(
        "select table_name from information_schema.tables where table_schema = 'marts'").fetchall()}
    con.close()
    con = duckdb.connect(str(published), read_only=True)
    try:
        tables = {r[0] for r in con.execute("select table_name from information_schema.tables").fetchall()}
        assert tables == marts | {"_publish_info"}
        # The generator wrote 3 locations: one dim_locations row each.
        assert con.execute("select count(*) from dim_locations").fetchone()[0] == 3
    finally:
        con.close()
