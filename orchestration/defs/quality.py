"""Data quality: the GX + SQL check runner (connectors.quality) between the dq models and the dq marts."""

# No `from __future__ import annotations`: Dagster reads the resource annotations at runtime.

import dagster as dg

from connectors import settings
from orchestration.resources import WarehouseResource

GROUP = "data_quality"
# Tables the runner writes, keyed like their dbt source `data_quality` (models/intermediate/quality).
QUALITY_KEYS = [dg.AssetKey(["data_quality", "dq_check_results"]), dg.AssetKey(["data_quality", "dq_check_catalog"])]
# dbt models the runner reads (connectors/quality/runner.py and suites.py), keyed [schema, model].
READS = [
    dg.AssetKey(["intermediate", "int_dq__as_of"]),
    dg.AssetKey(["intermediate", "int_dq__appointments"]),
    dg.AssetKey(["intermediate", "int_dq__patients"]),
    dg.AssetKey(["intermediate", "int_dq__sql_check_results"]),
    # unresolved_slots reads the slots (via int_dq__sql_check_results); listed so the runner waits for them
    dg.AssetKey(["intermediate", "int_appointment_slots"]),
    dg.AssetKey(["staging", "stg_registry__locations"]),
    dg.AssetKey(["intermediate", "int_comms_messages_latest"]),
    dg.AssetKey(["staging", "stg_reviews__reviews"]),
]


def build_quality_asset(known: set[dg.AssetKey]) -> dg.AssetsDefinition:
    """The check-runner asset; depends on the READS models that exist among `known` dbt keys."""

    @dg.multi_asset(
        name="data_quality_checks",
        specs=[
            dg.AssetSpec(
                key,
                group_name=GROUP,
                kinds={"duckdb", "python"},
                deps=[k for k in READS if k in known],
                description=f"`meta.{key.path[-1]}`, written by connectors.quality (metrics.md section 5).",
            )
            for key in QUALITY_KEYS
        ],
    )
    def data_quality_checks(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
        """Run every data-quality check once (GX per table, SQL from dbt) and append the results."""
        from connectors.quality.runner import run_quality_checks

        # The connection closes before the dq marts' dbt step opens the file (one writer at a time).
        with warehouse.connect() as con:
            run = run_quality_checks(con, as_of=settings.as_of_date())
        failing = run.failing()
        context.log.info(
            f"dq run {run.run_id} as of {run.as_of_date}: {len(run.results)} results, {len(failing)} failing"
        )
        for key in QUALITY_KEYS:
            yield dg.MaterializeResult(
                asset_key=key,
                metadata={"run_id": run.run_id, "results": len(run.results), "failing": len(failing)},
            )

    return data_quality_checks
