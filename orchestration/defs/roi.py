"""ROI: staggered DiD effects and money from the location x week panel, written as marts.roi_* tables."""

# No `from __future__ import annotations`: Dagster reads the resource annotations at runtime.

import dagster as dg

from connectors import settings as env
from orchestration.resources import WarehouseResource
from orchestration.roi.pipeline import MONTH_PANEL, ROI_INPUTS, WEEK_PANEL, resolve_as_of, run_roi, write_marts
from orchestration.roi.settings import load_settings

ROI_KEY = dg.AssetKey(["marts", "roi"])
PANEL_KEY = dg.AssetKey(["marts", WEEK_PANEL])
# Everything run_roi reads: without these deps a fresh full run could estimate before the month panel and the
# money inputs exist (it would then fall back to the default production per visit and 0 front-desk hours).
UPSTREAM_KEYS = [PANEL_KEY] + [dg.AssetKey(["marts", name]) for name in (MONTH_PANEL, ROI_INPUTS, "dim_locations")]


@dg.asset(
    key=ROI_KEY,
    deps=UPSTREAM_KEYS,
    group_name="roi",
    kinds={"python", "duckdb"},
    description="Callaway-Sant'Anna effects (overall, wave, event study, pre-trend) and ROI money: marts.roi_*.",
)
def roi_effects(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    """Read the panels from the warehouse, estimate effects and money, replace the marts.roi_* tables."""
    roi_settings = load_settings()
    with warehouse.connect() as con:
        as_of = resolve_as_of(con, env.as_of_date())
        tables = run_roi(con, roi_settings, as_of)
        counts = write_marts(con, tables)
    overall = tables.get("roi_effects_overall")
    summary = overall.to_dicts() if overall is not None else []
    context.log.info(f"ROI as of {as_of}: wrote {len(counts)} tables")
    return dg.MaterializeResult(
        metadata={
            "as_of": str(as_of),
            "settings": dg.MetadataValue.path(str(roi_settings.path)),
            "tables": dg.MetadataValue.json(counts),
            "overall_effects": dg.MetadataValue.json(summary),
        }
    )
