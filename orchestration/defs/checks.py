"""Data-quality asset checks: one per catalog check on meta.dq_check_results, and the blocking load-accounting check."""

# No `from __future__ import annotations`: Dagster reads the resource annotations at runtime.

import dagster as dg

from connectors.quality.catalog import CHECKS, CRITICAL
from orchestration.resources import WarehouseResource

# The runner asset itself lives in defs/quality.py; these checks read what it wrote.
RESULTS_KEY = dg.AssetKey(["data_quality", "dq_check_results"])


# Critical checks report with severity ERROR but do not block: Dagster blocks a whole asset, and a critical
# finding at one location must not stop the marts of every other location (issue 4: "other locations are
# unaffected"). The affected location is marked instead (rpt_dq_location_scores.is_flagged feeds baseline
# reliability and Wave 1 eligibility). What does block is load_accounting_balanced below: a broken
# rows-read = loaded + quarantined identity means the warehouse lost rows, for every location.
CHECK_SPECS = [
    dg.AssetCheckSpec(
        name=f"dq_{c.name}",
        asset=RESULTS_KEY,
        blocking=False,
        description=f"[{c.severity}] {c.description}",
    )
    for c in CHECKS
]


@dg.multi_asset_check(specs=CHECK_SPECS, name="dq_asset_checks")
def dq_asset_checks(warehouse: WarehouseResource):
    """One result per catalog check from the latest run: passes when no location has a failing row."""
    with warehouse.connect(read_only=True) as con:
        rows = con.sql(
            """
            select check_name,
                   count(*) filter (where rows_failing > 0) as locations_failing,
                   coalesce(sum(rows_failing), 0) as rows_failing,
                   coalesce(sum(rows_examined), 0) as rows_examined,
                   list(location_id order by rows_failing desc, location_id)
                       filter (where rows_failing > 0)[1:10] as locations
            from meta.dq_check_results
            where run_id = (select run_id from meta.dq_check_results order by run_at desc, run_id desc limit 1)
            group by check_name
            """
        ).fetchall()
    by_name = {r[0]: r[1:] for r in rows}
    for c in CHECKS:
        locations_failing, rows_failing, rows_examined, locations = by_name.get(c.name, (0, 0, 0, []))
        yield dg.AssetCheckResult(
            check_name=f"dq_{c.name}",
            asset_key=RESULTS_KEY,
            passed=locations_failing == 0,
            severity=dg.AssetCheckSeverity.ERROR if c.severity == CRITICAL else dg.AssetCheckSeverity.WARN,
            metadata={
                "locations_failing": int(locations_failing),
                "rows_failing": int(rows_failing),
                "rows_examined": int(rows_examined),
                "first_locations": ", ".join(locations or []),
            },
        )


INGEST_ACCOUNTING_KEY = dg.AssetKey(["meta", "file_loads"])


@dg.asset_check(
    asset=INGEST_ACCOUNTING_KEY,
    name="load_accounting_balanced",
    blocking=True,
    description="Every loaded file: rows read = rows loaded + rows quarantined (extracts.md section 7). Blocking.",
)
def load_accounting_balanced(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    """Fail, and stop everything downstream, if any loaded file lost or invented rows."""
    with warehouse.connect(read_only=True) as con:
        bad = con.execute(
            """
            select file, rows_read, rows_loaded, rows_quarantined from meta.file_loads
            where status = 'loaded' and rows_read <> rows_loaded + rows_quarantined
            order by file limit 20
            """
        ).fetchall()
        files = con.execute("select count(*) from meta.file_loads where status = 'loaded'").fetchone()[0]
    return dg.AssetCheckResult(
        passed=not bad,
        severity=dg.AssetCheckSeverity.ERROR,
        description=(f"{files} files balance" if not bad else
                     "rows read <> loaded + quarantined: " + "; ".join(f"{f} ({r} <> {l} + {q})" for f, r, l, q in bad)),
        metadata={"files_checked": int(files), "unbalanced_files": len(bad)},
    )
