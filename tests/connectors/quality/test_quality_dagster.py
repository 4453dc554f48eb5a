"""orchestration/defs/checks.py: one asset check per catalog check from the latest run; load accounting blocks."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd

from connectors.quality.catalog import CHECKS, CRITICAL
from connectors.quality.runner import RESULT_COLUMNS, ensure_tables
from orchestration.defs.checks import CHECK_SPECS, dq_asset_checks, load_accounting_balanced
from orchestration.resources import WarehouseResource


def test_per_location_checks_never_block_but_load_accounting_does() -> None:
    # A per-location critical finding marks that location (is_flagged) instead of stopping every location's
    # marts; a broken rows-read identity loses rows for everyone and blocks (docs/data_quality.md).
    assert not [s.name for s in CHECK_SPECS if s.blocking]
    assert len(CHECK_SPECS) == len(CHECKS)
    assert {c.name for c in CHECKS if c.severity == CRITICAL} >= {"sms_after_opt_out"}
    assert load_accounting_balanced.check_specs and all(spec.blocking for spec in load_accounting_balanced.check_specs)


def test_asset_checks_read_only_the_latest_run(tmp_path: Path) -> None:
    path = tmp_path / "wh.duckdb"
    con = duckdb.connect(str(path))
    ensure_tables(con)
    rows = []
    # old run: sms_after_opt_out failed at L1; latest run: it passes, stale_extract fails at L2 (1 of 1)
    for run_id, run_at, failures in [("old", datetime(2026, 3, 1), {("sms_after_opt_out", "L1"): 3}),
                                     ("new", datetime(2026, 3, 2), {("stale_extract", "L2"): 1})]:
        for c in CHECKS:
            for loc in ("L1", "L2"):
                rows.append({"run_id": run_id, "run_at": run_at, "as_of_date": run_at.date(),
                             "check_name": c.name, "category": c.category, "severity": c.severity,
                             "weight": c.weight, "method": c.method, "table_name": c.table_name,
                             "location_id": loc, "rows_examined": 5,
                             "rows_failing": failures.get((c.name, loc), 0), "failing_sample": []})
    df = pd.DataFrame(rows)[[c for c, _ in RESULT_COLUMNS]]
    con.register("df", df)
    con.execute("insert into meta.dq_check_results by name select * from df")
    con.close()

    results = {r.check_name: r for r in dq_asset_checks(
        warehouse=WarehouseResource(path=str(path), published_path=str(tmp_path / "pub.duckdb")))}
    assert results["dq_sms_after_opt_out"].passed  # the failure was in the older run
    assert not results["dq_stale_extract"].passed
    assert results["dq_stale_extract"].metadata["locations_failing"].value == 1
    assert results["dq_stale_extract"].metadata["first_locations"].value == "L2"
    assert {n for n, r in results.items() if not r.passed} == {"dq_stale_extract"}
