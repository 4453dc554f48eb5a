"""Dagster definitions by concern (ingest, dbt, quality, roi, waves, publish, schedules, sensors) and their assembly."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from connectors.settings import DBT_PROJECT_DIR


def build_definitions(dbt_project_dir: Path = DBT_PROJECT_DIR) -> dg.Definitions:
    """All assets, checks, jobs, schedules and resources of the project for `dbt_project_dir`."""
    from orchestration.defs.checks import dq_asset_checks, load_accounting_balanced
    from orchestration.defs.dbt import build_dbt_assets, mart_keys, prepare_project
    from orchestration.defs.ingest import ingest_drop
    from orchestration.defs.publish import build_publish_asset
    from orchestration.defs.quality import build_quality_asset
    from orchestration.defs.roi import ROI_KEY, roi_effects
    from orchestration.defs.rollback import rollback_trigger_check
    from orchestration.defs.schedules import daily_full_refresh, full_refresh_job
    from orchestration.defs.sensors import sensors
    from orchestration.defs.waves import FINDINGS_KEY, PLAN_KEY, readiness_wave_plan
    from orchestration.resources import build_resources

    project = prepare_project(dbt_project_dir)
    dbt_defs = build_dbt_assets(project)
    return dg.Definitions(
        assets=[
            ingest_drop,
            dbt_defs,
            # Between the dq models and the dq marts: Dagster runs the dbt build in two steps around it.
            build_quality_asset(set(dbt_defs.keys)),
            roi_effects,
            readiness_wave_plan,
            # Publish waits for every table written into marts: dbt's, the ROI's and the wave planner's.
            build_publish_asset(mart_keys(dbt_defs) + [ROI_KEY, PLAN_KEY, FINDINGS_KEY]),
        ],
        asset_checks=[dq_asset_checks, load_accounting_balanced, rollback_trigger_check],
        jobs=[full_refresh_job],
        schedules=[daily_full_refresh],
        sensors=sensors,
        resources=build_resources(project),
        # Also for ad-hoc `dagster asset materialize` runs: steps share one process, one DuckDB writer.
        executor=dg.in_process_executor,
    )
