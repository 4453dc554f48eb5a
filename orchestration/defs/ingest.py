"""Ingest: one multi-asset that loads the whole extract drop into raw.* and meta.* in one run."""

# No `from __future__ import annotations`: Dagster reads the config/resource annotations at runtime.

from pathlib import Path

import dagster as dg
import duckdb
import yaml

from connectors import settings
from orchestration.resources import WarehouseResource

CONTRACT_PATH = settings.REPO_ROOT / "connectors" / "contract" / "tables.yml"
GROUP = "raw"

# Loader-written tables that are not contract tables, keyed like their dbt sources
# (dbt_project/models/staging/meta and .../pms_config): asset key -> DuckDB relation.
LOADER_TABLES: dict[tuple[str, str], str] = {
    ("meta", "file_loads"): "meta.file_loads",
    ("meta", "quarantine"): "meta.quarantine",
    ("meta", "parse_findings"): "meta.parse_findings",
    ("meta", "load_warnings"): "meta.load_warnings",
    ("pms_config", "source_settings"): "raw.source_settings",
    ("pms_config", "source_code_overrides"): "raw.source_code_overrides",
}


def contract_tables(contract_path: Path = CONTRACT_PATH) -> dict[tuple[str, str], str]:
    """Every contract table as (vendor, table) -> raw relation `raw.<vendor>__<table>`."""
    contract = yaml.safe_load(contract_path.read_text())
    return {
        (vendor, table): f"raw.{vendor}__{table}"
        for vendor, spec in contract["vendors"].items()
        for table in spec["tables"]
    }


def ingest_relations() -> dict[dg.AssetKey, str]:
    """Asset key of every table the loader writes -> its DuckDB relation."""
    tables = {**contract_tables(), **LOADER_TABLES}
    return {dg.AssetKey(list(key)): rel for key, rel in sorted(tables.items())}


RELATIONS = ingest_relations()


class IngestConfig(dg.Config):
    """Run config of the ingest: which drop, and optionally which sources to (re)load."""

    drop_dir: str | None = None
    """Extract drop folder; default DSO_EXTRACTS_DIR (data/sample)."""
    sources: list[str] | None = None
    """Load only these units: a PMS source_id (folder under pms/), a vendor (opendental, eaglesoft,
    dentrix), `pms` (every PMS source), or a feed (comms, reviews, manual, registry).
    Default: derived from the selected assets (everything when every ingest asset is selected)."""
    full_refresh: bool = False
    """Re-read every file. By default a refresh of the whole drop reads only what changed since the last
    load of the same drop (new extract folders are appended, a changed unit is reloaded)."""


def sources_for_selection(selected: set[dg.AssetKey]) -> list[str] | None:
    """What load_drop must (re)load to refresh the `selected` assets; None = the whole drop.

    load_drop takes vendor names (all source_ids of that PMS vendor) and feed names (comms, reviews,
    manual, registry), so the first part of each selected key is the unit to reload.
    """
    if selected >= set(RELATIONS):
        return None
    kinds = {key.path[0] for key in selected}
    # meta.* and pms_config.* are written by every load: selecting them alone means "reload all".
    if kinds & {"meta", "pms_config"}:
        return None
    return sorted(kinds)


def table_stats(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[int, int]]:
    """Raw relation -> (rows, quarantined rows), in two set-based queries."""
    existing = {
        f"{schema}.{name}"
        for schema, name in con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema in ('raw', 'meta')"
        ).fetchall()
    }
    counts: dict[str, int] = {}
    wanted = [rel for rel in RELATIONS.values() if rel in existing]
    if wanted:
        union = " union all ".join(f"select '{rel}' as rel, count(*) as n from {rel}" for rel in wanted)
        counts = dict(con.execute(union).fetchall())
    quarantined: dict[str, int] = {}
    if "meta.quarantine" in existing:
        quarantined = dict(
            con.execute(
                "select 'raw.' || vendor || '__' || table_name, count(*) from meta.quarantine "
                "where vendor is not null and table_name is not null group by 1"
            ).fetchall()
        )
    return {rel: (counts.get(rel, -1), quarantined.get(rel, 0)) for rel in RELATIONS.values()}


def load_summary(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Counts of meta.file_loads by status, plus rows read and quarantined (no row content)."""
    try:
        row = con.execute(
            "select count(*) filter (where status = 'loaded'), count(*) filter (where status = 'error'), "
            "coalesce(sum(rows_read), 0), coalesce(sum(rows_quarantined), 0) from meta.file_loads"
        ).fetchone()
    except duckdb.CatalogException:
        return {}
    return dict(zip(("files_loaded", "errors", "rows_read", "rows_quarantined"), row))


@dg.multi_asset(
    name="ingest_drop",
    specs=[
        dg.AssetSpec(
            key,
            group_name=GROUP,
            kinds={"duckdb", "csv"},
            description=f"`{rel}`, loaded from the extract drop by connectors.ingest.load_drop.",
            metadata={"relation": rel},
            skippable=True,
        )
        for key, rel in RELATIONS.items()
    ],
    can_subset=True,
)
def ingest_drop(
    context: dg.AssetExecutionContext, config: IngestConfig, warehouse: WarehouseResource
):
    """Load the extract drop (all locations, one run) into raw.* and meta.* with connectors.ingest."""
    from connectors.ingest import load_drop  # imported late: the definitions load without running it

    drop_dir = Path(config.drop_dir).resolve() if config.drop_dir else settings.extracts_dir()
    if not drop_dir.is_dir():
        raise dg.Failure(f"extract drop {drop_dir} does not exist (set DSO_EXTRACTS_DIR or run `make sample`)")
    selected = set(context.selected_asset_keys)
    sources = config.sources if config.sources is not None else sources_for_selection(selected)
    context.log.info(f"loading {drop_dir} (sources: {'all' if sources is None else sources})")

    # The connection is closed before this step ends: dbt (next step, another process) needs the file lock.
    with warehouse.connect() as con:
        report = load_drop(drop_dir, con, sources=sources, incremental=not config.full_refresh)
        kind = con.sql("select kind from meta.loads order by load_seq desc limit 1").fetchall()[0][0]
        stats = table_stats(con)
        summary = load_summary(con)
    context.log.info(f"{kind} load: {len(report.files)} files read")
    # Counts only: quarantined records may hold PHI, so the log never shows rows or messages.
    context.log.info(f"file loads: {summary}")

    for key in sorted(selected, key=lambda k: k.to_user_string()):
        rel = RELATIONS[key]
        rows, quarantined = stats[rel]
        if rows < 0:
            context.log.warning(f"{rel} was not created by the load")
        yield dg.MaterializeResult(
            asset_key=key,
            metadata={
                "dagster/row_count": max(rows, 0),
                "rows_quarantined": quarantined,
                "drop_dir": str(drop_dir),
                "sources": "all" if sources is None else ", ".join(sources),
            },
        )
