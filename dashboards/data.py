"""The dashboards' only data access: cached, read-only queries of the marts in the published snapshot.

Pages never open DuckDB themselves. Every query opens the snapshot read-only and closes it at once, so
the publish step can swap in a new snapshot at any time; the cache key includes the file's mtime, so a
new snapshot is picked up on the next rerun. The warehouse file itself is never touched.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import streamlit as st

from connectors import settings

PUBLISH_INFO_TABLE = "_publish_info"  # written by orchestration/defs/publish.py


class SnapshotMissingError(RuntimeError):
    """No published snapshot yet (the pipeline has not run)."""


def snapshot_path() -> Path:
    """Path of the published marts snapshot (DSO_PUBLISHED_PATH)."""
    return settings.published_path()


def snapshot_exists() -> bool:
    """True when a published snapshot is there to read."""
    return snapshot_path().is_file()


def _version(path: Path) -> tuple[int, int]:
    """Cache key part that changes whenever a new snapshot is swapped in."""
    stat = path.stat()
    return stat.st_mtime_ns, stat.st_size


@st.cache_data(show_spinner=False, max_entries=128)
def _query(path: str, version: tuple[int, int], sql: str, params: tuple[object, ...]) -> pd.DataFrame:
    """Run one read-only query on the snapshot; `version` only keys the cache."""
    con = duckdb.connect(path, read_only=True)
    try:
        return con.execute(sql, list(params)).df()
    finally:
        con.close()


def _run(sql: str, params: tuple[object, ...] = ()) -> pd.DataFrame:
    """Query the current snapshot, or raise SnapshotMissingError."""
    path = snapshot_path()
    if not path.is_file():
        raise SnapshotMissingError(f"no published snapshot at {path}")
    return _query(str(path), _version(path), sql, params)


def list_marts() -> list[str]:
    """Names of the mart tables in the snapshot."""
    df = _run(
        "select table_name from information_schema.tables where table_schema = 'main' "
        "and table_name <> ? order by table_name",
        (PUBLISH_INFO_TABLE,),
    )
    return df["table_name"].tolist()


def mart_columns(name: str) -> list[str]:
    """Column names of mart `name`, in table order."""
    df = _run(
        "select column_name from information_schema.columns where table_schema = 'main' "
        "and table_name = ? order by ordinal_position",
        (name,),
    )
    return df["column_name"].tolist()


def _quote(name: str) -> str:
    """Quote a DuckDB identifier."""
    return '"' + name.replace('"', '""') + '"'


def read_mart(name: str, columns: list[str] | None = None, region: str | None = None) -> pd.DataFrame:
    """Rows of mart `name` (only marts: the name must be a snapshot table), optionally one region's.

    The region filter lives here, in the data layer, so a page cannot forget it (metrics.md section 7).
    """
    if name not in list_marts():
        raise KeyError(f"{name} is not a published mart")
    available = mart_columns(name)
    cols = columns or available
    unknown = [c for c in cols if c not in available]
    if unknown:
        raise KeyError(f"{name} has no column(s) {unknown}")
    sql = f"select {', '.join(_quote(c) for c in cols)} from main.{_quote(name)}"
    params: tuple[object, ...] = ()
    if region is not None:
        if "region" in available:
            sql += " where region = ?"
        elif "location_id" in available and "dim_locations" in list_marts():
            sql += " where location_id in (select location_id from main.dim_locations where region = ?)"
        else:
            raise KeyError(f"{name} cannot be filtered by region")
        params = (region,)
    return _run(sql, params)


def published_at() -> pd.Timestamp | None:
    """When the snapshot was published (None if the snapshot has no publish info)."""
    try:
        df = _run(f"select published_at from main.{PUBLISH_INFO_TABLE}")
    except duckdb.CatalogException:
        return None
    return df["published_at"].iloc[0] if len(df) else None


def suppress_small(df: pd.DataFrame, rates: dict[str, str], counts: list[str] | None = None) -> pd.DataFrame:
    """Hide rates whose denominator is below 11 and counts from 1 to 10 (metrics.md section 7, board views).

    `rates` maps a rate column to its denominator column. Returns a copy with those cells set to NA.
    """
    out = df.copy()
    for rate, denominator in rates.items():
        out[rate] = out[rate].astype("Float64").mask(out[denominator] < 11)
    for count in counts or []:
        out[count] = out[count].astype("Int64").mask(out[count].between(1, 10))
    return out
