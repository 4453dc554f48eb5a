"""Publish: copy every mart into a new DuckDB file and swap it in atomically for the dashboards."""

# No `from __future__ import annotations`: Dagster reads the config/resource annotations at runtime.

import os
from datetime import datetime, timezone
from pathlib import Path

import dagster as dg
import duckdb

from connectors import settings
from orchestration.resources import WarehouseResource

MARTS_SCHEMA = "marts"
PUBLISH_INFO_TABLE = "_publish_info"
PUBLISH_KEY = dg.AssetKey(["published", "marts_snapshot"])


def _quote(name: str) -> str:
    """Quote a DuckDB identifier."""
    return '"' + name.replace('"', '""') + '"'


def publish_marts(warehouse_path: Path, published_path: Path) -> dict[str, int]:
    """Copy every table/view of schema marts into a fresh file, then os.replace() it into place.

    Returns mart name -> row count. Readers never see a half-written snapshot (the swap is one
    rename on the same filesystem) and never open the warehouse itself, so they hold no lock on it.
    """
    published_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = published_path.with_name(f".{published_path.name}.tmp-{os.getpid()}")
    tmp.unlink(missing_ok=True)
    con = duckdb.connect(str(tmp), config=settings.duckdb_config())
    try:
        con.execute(f"attach '{warehouse_path}' as wh (read_only)")
        marts = [
            row[0]
            for row in con.execute(
                "select table_name from information_schema.tables "
                "where table_catalog = 'wh' and table_schema = ? order by table_name",
                [MARTS_SCHEMA],
            ).fetchall()
        ]
        if not marts:
            raise dg.Failure(f"no tables in schema {MARTS_SCHEMA} of {warehouse_path}: nothing to publish")
        counts: dict[str, int] = {}
        for name in marts:  # one statement per mart table (a handful), never per row or location
            con.execute(f"create table main.{_quote(name)} as from wh.{MARTS_SCHEMA}.{_quote(name)}")
            counts[name] = con.execute(f"select count(*) from main.{_quote(name)}").fetchone()[0]
        con.execute(
            f"create table main.{PUBLISH_INFO_TABLE} as select ?::timestamptz as published_at, "
            "?::varchar[] as tables",
            [datetime.now(timezone.utc), marts],
        )
        con.execute("detach wh")
        con.execute("checkpoint")  # everything in the main file, no .wal left beside it
    except BaseException:
        con.close()
        tmp.unlink(missing_ok=True)
        raise
    con.close()
    os.replace(tmp, published_path)
    return counts


def build_publish_asset(marts: list[dg.AssetKey]) -> dg.AssetsDefinition:
    """The publish asset, downstream of every mart so it runs after `dbt build` released the file."""

    @dg.asset(
        key=PUBLISH_KEY,
        deps=marts,
        group_name="published",
        kinds={"duckdb"},
        description="Read-only snapshot of every mart for the dashboards (DSO_PUBLISHED_PATH).",
    )
    def marts_snapshot(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
        """Copy the marts into the published snapshot atomically."""
        counts = publish_marts(Path(warehouse.path), Path(warehouse.published_path))
        context.log.info(f"published {len(counts)} marts to {warehouse.published_path}")
        return dg.MaterializeResult(
            metadata={
                "path": dg.MetadataValue.path(warehouse.published_path),
                "tables": dg.MetadataValue.json(counts),
                "dagster/row_count": sum(counts.values()),
            }
        )

    return marts_snapshot
