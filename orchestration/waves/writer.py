"""Read marts.rpt_readiness_scores, run the planner, write marts.rpt_readiness_wave_plan and _wave1_findings."""

from __future__ import annotations

import argparse
from pathlib import Path

import duckdb
import pyarrow as pa

from connectors import settings
from orchestration.waves.planner import Candidate, Plan, plan_waves

SCORES_TABLE = "marts.rpt_readiness_scores"
PLAN_TABLE = "marts.rpt_readiness_wave_plan"
FINDINGS_TABLE = "marts.rpt_readiness_wave1_findings"


def load_candidates(con: duckdb.DuckDBPyConnection) -> list[Candidate]:
    """All locations of the readiness mart as planner candidates (one query, no per-row SQL)."""
    rows = con.sql(
        f"""
        select location_id, region, composite, volume_score, coalesce(is_most_common_pms, false),
               coalesce(wave1_eligible, false), coalesce(wave1_failed_criteria, []), coalesce(wave1_preferred_met, 0),
               coalesce(is_live, false)
        from {SCORES_TABLE}
        """
    ).fetchall()
    return [
        Candidate(location_id=r[0], region=r[1], composite=r[2], volume_score=r[3], is_most_common_pms=r[4],
                  wave1_eligible=r[5], wave1_failed_criteria=tuple(r[6]), preferred_met=r[7], is_live=r[8])
        for r in rows
    ]


def write_plan(con: duckdb.DuckDBPyConnection, plan: Plan) -> dict[str, int]:
    """Replace the two plan tables in schema marts; returns table -> row count."""
    as_of = con.sql(f"select max(as_of_date) from {SCORES_TABLE}").fetchall()[0][0]
    plan_rows = pa.Table.from_pylist(
        [
            {"location_id": a.location_id, "plan_group": a.plan_group, "planned_wave": a.planned_wave,
             "plan_rank": a.plan_rank, "composite": a.composite, "reason": a.reason, "as_of_date": as_of}
            for a in plan.assignments
        ],
        schema=pa.schema([("location_id", pa.string()), ("plan_group", pa.string()), ("planned_wave", pa.int32()),
                          ("plan_rank", pa.int32()), ("composite", pa.float64()), ("reason", pa.string()),
                          ("as_of_date", pa.date32())]),
    )
    finding_rows = pa.Table.from_pylist(
        [
            {"constraint_name": f.constraint, "passed": f.passed, "detail": f.detail,
             "location_ids": list(f.location_ids), "wave1_valid": plan.wave1_valid, "as_of_date": as_of}
            for f in plan.findings
        ],
        schema=pa.schema([("constraint_name", pa.string()), ("passed", pa.bool_()), ("detail", pa.string()),
                          ("location_ids", pa.list_(pa.string())), ("wave1_valid", pa.bool_()),
                          ("as_of_date", pa.date32())]),
    )
    con.execute("create schema if not exists marts")
    con.register("plan_rows", plan_rows)
    con.register("finding_rows", finding_rows)
    try:
        con.execute(f"create or replace table {PLAN_TABLE} as select * from plan_rows")
        con.execute(f"create or replace table {FINDINGS_TABLE} as select * from finding_rows")
    finally:
        con.unregister("plan_rows")
        con.unregister("finding_rows")
    return {PLAN_TABLE: plan_rows.num_rows, FINDINGS_TABLE: finding_rows.num_rows}


def run(warehouse_path: Path) -> Plan:
    """Plan from the warehouse's readiness mart and write the plan tables back (one read-write connection)."""
    con = duckdb.connect(str(warehouse_path), config=settings.duckdb_config())
    try:
        plan = plan_waves(load_candidates(con))
        write_plan(con, plan)
        return plan
    finally:
        con.close()


def main() -> None:
    """CLI: python -m orchestration.waves.writer [--warehouse PATH]."""
    from connectors import settings

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--warehouse", type=Path, default=settings.warehouse_path())
    args = parser.parse_args()
    plan = run(args.warehouse)
    print(f"wave 1: {', '.join(plan.wave1) or 'no valid set'}")
    for f in plan.findings:
        print(f"  [{'ok' if f.passed else 'FAIL'}] {f.constraint}: {f.detail}")


if __name__ == "__main__":
    main()
