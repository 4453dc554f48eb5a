"""Wave planner asset: plans Wave 1-4 from marts.rpt_readiness_scores and writes the plan tables to marts."""

# No `from __future__ import annotations`: Dagster reads the resource annotations at runtime.

import dagster as dg

from orchestration.resources import WarehouseResource
from orchestration.waves.writer import load_candidates, write_plan
from orchestration.waves.planner import plan_waves

SCORES_KEY = dg.AssetKey(["marts", "rpt_readiness_scores"])
PLAN_KEY = dg.AssetKey(["marts", "rpt_readiness_wave_plan"])
FINDINGS_KEY = dg.AssetKey(["marts", "rpt_readiness_wave1_findings"])


@dg.multi_asset(
    specs=[
        dg.AssetSpec(PLAN_KEY, deps=[SCORES_KEY], group_name="marts",
                     description="Wave plan: one row per location (wave_1..wave_4, deferred, already_live)."),
        dg.AssetSpec(FINDINGS_KEY, deps=[SCORES_KEY], group_name="marts",
                     description="Wave 1 constraints: passed or not, why, and for which locations."),
    ],
    name="readiness_wave_plan",
)
def readiness_wave_plan(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    """Run the deterministic wave planner over the readiness mart and replace the two plan tables."""
    with warehouse.connect() as con:
        plan = plan_waves(load_candidates(con))
        counts = write_plan(con, plan)
    failing = [f"{f.constraint}: {f.detail}" for f in plan.findings if not f.passed]
    if not plan.wave1_valid:
        context.log.warning("no valid Wave 1: " + " | ".join(failing))
    yield dg.MaterializeResult(asset_key=PLAN_KEY, metadata={
        "rows": counts["marts.rpt_readiness_wave_plan"],
        "wave_1": ", ".join(plan.wave1) or "no valid set",
        "wave_sizes": {g: len(plan.wave(g)) for g in ("wave_1", "wave_2", "wave_3", "wave_4", "deferred")},
    })
    yield dg.MaterializeResult(asset_key=FINDINGS_KEY, metadata={
        "rows": counts["marts.rpt_readiness_wave1_findings"],
        "wave1_valid": plan.wave1_valid,
        "failing_constraints": dg.MetadataValue.md("\n".join(f"- {f}" for f in failing) or "none"),
    })
