"""Run every data-quality check once and append the per-location results to meta.dq_check_results.

Order in a refresh: dbt staging + intermediate (incl. models/intermediate/quality) -> this runner -> dbt
marts/quality. The runner validates each source table with Great Expectations in chunks of at most CHUNK_ROWS
rows (location as a column; chunk boundaries from suites.py keep every compared group in one chunk), adds up
the per-chunk counts, reads the set-based SQL checks from intermediate.int_dq__sql_check_results, adds severity
and weight from catalog.py and appends one dated row per (check, location). History is never deleted.
"""

from __future__ import annotations

import logging
import math
import os
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timezone

import duckdb
import pandas as pd

from connectors.quality.catalog import BY_NAME, CHECKS, GX, SQL, catalog_rows
from connectors.quality.suites import TableSuite, build_suites

log = logging.getLogger(__name__)

SAMPLE_SIZE = 5  # failing row references kept per (check, location)
# Rows validated per GX run. One pandas frame of a whole table took ~20 GiB at 1,500 locations (the frame,
# GX's masks, row-condition copies and COMPLETE index lists); 1M rows keep a chunk near 1 GiB while GX's fixed
# cost (~70 ms a run) stays negligible (2M: 3.75-4.15 GiB peaks at 1,500 locations). DSO_DQ_CHUNK_ROWS
# overrides it (tests force many chunks with a tiny value).
CHUNK_ROWS = 1_000_000
# Hash partitions the COPY writes per planned chunk (chunks are then packed from whole partitions up to the
# limit, so finer partitions fill chunks closer to it), and a cap on the folders of one COPY.
PARTITIONS_PER_CHUNK = 4
MAX_PARTITIONS = 1024
# DuckDB's memory limit while the runner pulls (lowered only, restored after): evaluating a suite's SQL over a
# whole table filled the pipeline's 4GB limit at 1,500 locations (peak 4.15 GiB with GX); with 2GB DuckDB
# spills a little more and the runner peaked at 2.41 GiB. DSO_DQ_DUCKDB_MEMORY_LIMIT overrides it.
DUCKDB_MEMORY_LIMIT = "2GB"
_UNITS = {"B": 1, "KB": 1e3, "MB": 1e6, "GB": 1e9, "TB": 1e12, "KIB": 2**10, "MIB": 2**20, "GIB": 2**30,
          "TIB": 2**40}

RESULT_COLUMNS: list[tuple[str, str]] = [
    ("run_id", "VARCHAR"), ("run_at", "TIMESTAMP"), ("as_of_date", "DATE"), ("check_name", "VARCHAR"),
    ("category", "VARCHAR"), ("severity", "VARCHAR"), ("weight", "DOUBLE"), ("method", "VARCHAR"),
    ("table_name", "VARCHAR"), ("location_id", "VARCHAR"), ("rows_examined", "BIGINT"),
    ("rows_failing", "BIGINT"), ("failing_sample", "VARCHAR[]"),
]
CATALOG_COLUMNS: list[tuple[str, str]] = [
    ("check_name", "VARCHAR"), ("category", "VARCHAR"), ("severity", "VARCHAR"), ("weight", "DOUBLE"),
    ("method", "VARCHAR"), ("table_name", "VARCHAR"), ("description", "VARCHAR"), ("unit", "VARCHAR"),
    ("problem", "VARCHAR"), ("how_to_fix", "VARCHAR"),
]


@dataclass
class QualityRun:
    """What one run wrote: its id, time, as-of date, the result rows and how long each part took."""

    run_id: str
    run_at: datetime
    as_of_date: date
    results: pd.DataFrame
    timings: dict[str, float]

    def failing(self) -> pd.DataFrame:
        """The (check, location) rows with at least one failing row."""
        return self.results[self.results["rows_failing"] > 0]


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create meta.dq_check_results and meta.dq_check_catalog if missing (never drops history)."""
    con.execute("create schema if not exists meta")
    cols = ", ".join(f"{c} {t}" for c, t in RESULT_COLUMNS)
    con.execute(f"create table if not exists meta.dq_check_results ({cols})")
    cols = ", ".join(f"{c} {t}" for c, t in CATALOG_COLUMNS)
    con.execute(f"create table if not exists meta.dq_check_catalog ({cols})")


def _gx_context():  # noqa: ANN202 - GX's context class is an implementation detail
    """An ephemeral GX context: in-memory stores, no data-docs site, analytics and progress bars off."""
    # Analytics is also read from the environment when GX is imported: set it before the first import.
    os.environ["GX_ANALYTICS_ENABLED"] = "False"
    # GX logs every internal registration at INFO (some at import): keep our INFO logs readable
    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),  # no files at all
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False),
    )
    context = gx.get_context(mode="ephemeral", project_config=config)
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return context


def _prepare(context, suite_def: TableSuite):  # noqa: ANN001, ANN202 - GX types are implementation details
    """Register the table's pandas datasource, suite and validation definition once (reused by every chunk)."""
    import great_expectations as gx
    from great_expectations.expectations.row_conditions import Column

    datasource = context.data_sources.add_pandas(f"dq_{suite_def.name}")
    batch_definition = datasource.add_dataframe_asset(suite_def.name).add_batch_definition_whole_dataframe("all")
    suite = context.suites.add(gx.ExpectationSuite(name=f"dq_{suite_def.name}"))
    for e in suite_def.expectations:
        kwargs = dict(e.kwargs)
        if e.when is not None:
            kwargs["row_condition"] = Column(e.when[0]) == e.when[1]
        suite.add_expectation(getattr(gx.expectations, e.gx_type)(**kwargs, meta={"check": e.check}))
    return context.validation_definitions.add(
        gx.ValidationDefinition(name=f"dq_{suite_def.name}", data=batch_definition, suite=suite)
    )


def _release(context, validation) -> None:  # noqa: ANN001
    """Drop what GX keeps after a run: the chunk's frame in the engine's batch cache and the stored result."""
    # Without this every chunk's frame and COMPLETE result (index lists of every failing row) stay referenced
    # until the context dies, and memory grows with the table again instead of with the chunk.
    engine = validation.data.data_asset.datasource.get_execution_engine()
    engine.batch_manager.reset_batch_cache()
    engine.batch_manager.batch_data_cache.clear()
    store = context.validation_results_store
    for key in store.list_keys():
        store.remove_key(key)


def _validate(
    context, suite_def: TableSuite, frame: pd.DataFrame, validation=None,  # noqa: ANN001
) -> dict[str, tuple[pd.Series, pd.Index]]:
    """Validate `frame` with one GX suite; per check: (examined mask, index of failing rows).

    `validation` is the table's definition from `_prepare` (built here when None: one frame, one call).
    """
    out: dict[str, tuple[pd.Series, pd.Index]] = {}
    for e in suite_def.expectations:
        mask = e.examined(frame).astype(bool)
        prev = out.get(e.check)
        out[e.check] = (mask if prev is None else prev[0] | mask, pd.Index([]) if prev is None else prev[1])
    if frame.empty:
        return out
    if validation is None:
        validation = _prepare(context, suite_def)
    # COMPLETE: the full unexpected_index_list, so every failing row can be attributed to its location
    result = validation.run(batch_parameters={"dataframe": frame}, result_format={"result_format": "COMPLETE"})
    _release(context, validation)
    for r in result.results:
        check = r.expectation_config.meta["check"]
        if r.exception_info and r.exception_info.get("raised_exception"):
            raise RuntimeError(f"GX expectation for {check} on {suite_def.name} raised: "
                               f"{r.exception_info.get('exception_message')}")
        idx = pd.Index(r.result.get("unexpected_index_list") or [])
        mask, failing = out[check]
        out[check] = (mask, failing.union(idx))
    return out


def _per_location(
    check: str, frame: pd.DataFrame, mask: pd.Series, failing: pd.Index, suite_def: TableSuite,
    locations: list[str],
) -> pd.DataFrame:
    """Rows examined, rows failing and a sample of failing references per location for one GX check."""
    examined = mask.groupby(frame["location_id"]).sum()
    bad = frame.loc[failing]
    if bad.empty:
        failing_n = pd.Series(dtype="int64")
        samples = pd.Series(dtype="object")
    else:
        refs = pd.DataFrame({"location_id": bad["location_id"], "ref": suite_def.ref(bad).astype(str)})
        refs = refs.sort_values(["location_id", "ref"])
        failing_n = refs.groupby("location_id").size()
        samples = refs.groupby("location_id")["ref"].agg(lambda s: list(s.iloc[:SAMPLE_SIZE]))
    out = pd.DataFrame({"location_id": locations})
    out["check_name"] = check
    out["rows_examined"] = out["location_id"].map(examined).fillna(0).astype("int64")
    out["rows_failing"] = out["location_id"].map(failing_n).fillna(0).astype("int64")
    out["failing_sample"] = [samples.get(loc, []) for loc in out["location_id"]]
    return out


def _combine_chunks(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """One row per (check, location) from per-chunk rows: counts summed, the first SAMPLE_SIZE refs overall."""
    if len(parts) == 1:
        return parts[0]
    rows = pd.concat(parts, ignore_index=True)
    # sort=False keeps the first chunk's order (checks in suite order, then `locations`), as a single pass
    grouped = rows.groupby(["check_name", "location_id"], sort=False)
    out = grouped[["rows_examined", "rows_failing"]].sum().reset_index()
    # each chunk kept its own first SAMPLE_SIZE refs of a location in ref order, so the overall first
    # SAMPLE_SIZE are among them: merge and cut (one short list per (check, location), not per row)
    out["failing_sample"] = [sorted(x for s in samples for x in s)[:SAMPLE_SIZE]
                             for samples in grouped["failing_sample"].agg(list)]
    out["rows_examined"] = out["rows_examined"].astype("int64")
    out["rows_failing"] = out["rows_failing"].astype("int64")
    return out[["location_id", "check_name", "rows_examined", "rows_failing", "failing_sample"]]


def chunk_rows() -> int:
    """Rows per GX validation run: DSO_DQ_CHUNK_ROWS if set, else CHUNK_ROWS."""
    return max(1, int(os.environ.get("DSO_DQ_CHUNK_ROWS") or CHUNK_ROWS))


def _bytes(limit: str) -> float:
    """A DuckDB memory size ('2GB', '3.7 GiB', '976.5 MiB') in bytes."""
    number = limit.strip().rstrip("BIKMGTbikmgt ")
    unit = limit.strip()[len(number):].strip().upper() or "B"
    return float(number) * _UNITS[unit]


def _spill_dir(con: duckdb.DuckDBPyConnection) -> str | None:
    """Where the chunk files go: DuckDB's temp_directory (next to the warehouse), else the system temp dir."""
    path = con.sql("select current_setting('temp_directory')").fetchall()[0][0]
    if not path:
        return None
    os.makedirs(path, exist_ok=True)
    return path


def _row_bound(con: duckdb.DuckDBPyConnection, suite_def: TableSuite) -> int:
    """An upper bound of the suite's row count without evaluating its SQL: count(*) of its `bound_from`."""
    # A table's count(*) is answered from its metadata, a view's needs no window and reads few columns; the
    # suite's filters and windows (the costly whole-table pass) only ever drop rows of that relation.
    # Without a bound_from: the exact count, i.e. the suite SQL evaluated once more.
    source = suite_def.bound_from or f"({suite_def.sql})"
    return con.sql(f"select count(*) from {source}").fetchall()[0][0]


def _pack(partition_rows: dict[int, int], limit: int) -> list[list[int]]:
    """Partitions grouped into chunks of at most `limit` rows (a partition over `limit` is a chunk alone)."""
    chunks: list[list[int]] = []
    filled = 0
    for key in sorted(partition_rows):
        n = partition_rows[key]
        if not chunks or filled + n > limit:
            chunks.append([])
            filled = 0
        chunks[-1].append(key)
        filled += n
    return chunks


def _sql_list(paths: list[str]) -> str:
    """File paths as a DuckDB list literal."""
    return "[" + ", ".join("'" + p.replace("'", "''") + "'" for p in paths) + "]"


def _chunk_frames(
    con: duckdb.DuckDBPyConnection, suite_def: TableSuite, limit: int,
) -> Iterator[pd.DataFrame]:
    """The suite's rows as frames of <= `limit` rows (bar an oversized partition); equal `chunk_by` share a frame."""
    bound = _row_bound(con, suite_def)
    if bound <= limit:  # small table: the bound caps the frame too, so one chunk is safe without a COPY
        yield con.sql(suite_def.sql).df().reset_index(drop=True)
        return
    # Evaluate the suite SQL once (its windows need the whole table) and let DuckDB split the rows by
    # hash(chunk_by) into PARTITIONS_PER_CHUNK x (bound / limit) Parquet folders on disk; the COPY's per-file row
    # counts (RETURN_STATS) then group whole partitions into chunks of <= limit rows, so no count(*) pass over
    # the suite SQL is needed and an overestimated bound (appointments: all versions vs. the latest ones) only
    # makes partitions finer, not chunks smaller. Memory stays within DuckDB's limit and each chunk is read back
    # alone. A chunk predicate on the warehouse table instead re-scanned the table per chunk (~1.5x slower).
    n_parts = min(MAX_PARTITIONS, PARTITIONS_PER_CHUNK * math.ceil(bound / limit))
    with tempfile.TemporaryDirectory(prefix=f"dq_{suite_def.name}_", dir=_spill_dir(con)) as tmp:
        target = tmp.replace("'", "''")  # a SQL string literal
        stats = con.execute(
            f"copy (select *, hash({suite_def.chunk_by}) % {n_parts} as _dq_part from ({suite_def.sql})) "
            f"to '{target}' (format parquet, partition_by (_dq_part), return_stats)"
        )
        names = [d[0] for d in stats.description]
        files: dict[int, list[str]] = {}
        partition_rows: dict[int, int] = {}
        for row in stats.fetchall():
            rec = dict(zip(names, row))
            key = int(rec["partition_keys"]["_dq_part"])
            files.setdefault(key, []).append(rec["filename"])
            partition_rows[key] = partition_rows.get(key, 0) + int(rec["count"])
        if not files:  # no rows at all: one empty frame, so every check still reports every location
            yield con.sql(f"select * from ({suite_def.sql}) limit 0").df()
            return
        for keys in _pack(partition_rows, limit):
            # the partition column is not in the files (only in folder names): the suite's columns, as written
            paths = [f for k in keys for f in files[k]]
            yield con.sql(
                f"select * from read_parquet({_sql_list(paths)}, hive_partitioning = false)"
            ).df().reset_index(drop=True)


def run_gx_checks(
    con: duckdb.DuckDBPyConnection, as_of: date, locations: list[str], *, max_chunk_rows: int | None = None,
) -> tuple[pd.DataFrame, dict[str, float]]:
    """Every GX check, each table validated in chunks of ~max_chunk_rows rows; per-(check, location) rows, timings."""
    previous = con.sql("select current_setting('memory_limit')").fetchall()[0][0]
    cap = os.environ.get("DSO_DQ_DUCKDB_MEMORY_LIMIT") or DUCKDB_MEMORY_LIMIT
    lowered = _bytes(cap) < _bytes(previous)
    if lowered:
        con.execute(f"set memory_limit = '{cap}'")
    try:
        return _run_gx_checks(con, as_of, locations, max_chunk_rows or chunk_rows())
    finally:
        # DuckDB shows the limit truncated to 0.1 of a unit (4GB reads '3.7 GiB'): restore it rounded half up
        # (within 1% of the original) so that repeated runs on one connection do not ratchet it down
        if lowered:
            number = previous.strip().rstrip("BIKMGTbikmgt ")
            con.execute(f"set memory_limit = '{float(number) + 0.05:.2f}{previous.strip()[len(number):]}'")


def _run_gx_checks(
    con: duckdb.DuckDBPyConnection, as_of: date, locations: list[str], limit: int,
) -> tuple[pd.DataFrame, dict[str, float]]:
    """run_gx_checks with the connection's memory limit set."""
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    context = _gx_context()
    timings["gx_context"] = time.perf_counter() - t0
    parts: list[pd.DataFrame] = []
    for suite_def in build_suites(as_of):
        t0 = time.perf_counter()
        pull = validate = attribute = 0.0
        n_rows = n_chunks = 0
        validation = None
        by_check_parts: dict[str, list[pd.DataFrame]] = {}
        frames = _chunk_frames(con, suite_def, limit)
        while True:
            frame = next(frames, None)  # the pull: the COPY (first chunk) or reading one chunk's files
            t1 = time.perf_counter()
            pull += t1 - t0
            if frame is None:
                break
            n_chunks += 1
            n_rows += len(frame)
            if validation is None and not frame.empty:
                validation = _prepare(context, suite_def)
            by_check = _validate(context, suite_def, frame, validation)
            t2 = time.perf_counter()
            for check, (mask, failing) in by_check.items():
                by_check_parts.setdefault(check, []).append(
                    _per_location(check, frame, mask, failing, suite_def, locations))
            del frame, by_check  # free the chunk before reading the next one
            t0 = time.perf_counter()
            validate += t2 - t1
            attribute += t0 - t2
        parts.extend(_combine_chunks(p) for p in by_check_parts.values())
        attribute += time.perf_counter() - t1
        timings[f"frame_{suite_def.name}"] = pull
        timings[f"gx_{suite_def.name}"] = validate
        timings[f"attribute_{suite_def.name}"] = attribute
        log.info("dq: %s %d rows in %d chunk(s), pull %.2fs, validate %.2fs, attribute %.2fs",
                 suite_def.name, n_rows, n_chunks, pull, validate, attribute)
    return pd.concat(parts, ignore_index=True), timings


def run_quality_checks(
    con: duckdb.DuckDBPyConnection, *, run_at: datetime | None = None, as_of: date | None = None,
    max_chunk_rows: int | None = None,
) -> QualityRun:
    """Run all checks against the warehouse on `con` and append the results to meta.dq_check_results."""
    t_start = time.perf_counter()
    run_at = (run_at or datetime.now(timezone.utc)).astimezone(timezone.utc).replace(tzinfo=None)
    if as_of is None:
        as_of = con.sql("select as_of_date from intermediate.int_dq__as_of").fetchall()[0][0]
    if as_of is None:
        raise RuntimeError("no as-of date: nothing is loaded (meta.file_loads has no loaded extract)")
    locations = [r[0] for r in con.sql(
        "select location_id from staging.stg_registry__locations where is_current_version order by 1"
    ).fetchall()]

    gx_results, timings = run_gx_checks(con, as_of, locations, max_chunk_rows=max_chunk_rows)
    t0 = time.perf_counter()
    sql_results = con.sql(
        "select check_name, location_id, rows_examined, rows_failing, failing_sample "
        "from intermediate.int_dq__sql_check_results"
    ).df()
    timings["sql_read"] = time.perf_counter() - t0

    results = pd.concat([gx_results, sql_results], ignore_index=True)
    unknown = set(results["check_name"]) - set(BY_NAME)
    if unknown:
        raise RuntimeError(f"checks without a catalog entry (connectors/quality/catalog.py): {sorted(unknown)}")
    missing = {c.name for c in CHECKS} - set(results["check_name"])
    if missing:
        raise RuntimeError(f"catalog checks that produced no result: {sorted(missing)}")
    for attr in ("category", "severity", "weight", "method", "table_name"):
        results[attr] = results["check_name"].map(lambda n, a=attr: getattr(BY_NAME[n], a))
    run_id = f"{run_at:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"
    results.insert(0, "run_id", run_id)
    results.insert(1, "run_at", run_at)
    results.insert(2, "as_of_date", as_of)
    results["failing_sample"] = results["failing_sample"].map(lambda v: [str(x) for x in v] if v is not None else [])
    results["rows_examined"] = results["rows_examined"].astype("int64")
    results["rows_failing"] = results["rows_failing"].astype("int64")
    results = results[[c for c, _ in RESULT_COLUMNS]].sort_values(["check_name", "location_id"], ignore_index=True)

    t0 = time.perf_counter()
    ensure_tables(con)
    con.register("_dq_results", results)
    con.execute("insert into meta.dq_check_results by name select * from _dq_results")
    con.unregister("_dq_results")
    catalog = pd.DataFrame(catalog_rows())[[c for c, _ in CATALOG_COLUMNS]]
    con.register("_dq_catalog", catalog)
    con.execute("delete from meta.dq_check_catalog")
    con.execute("insert into meta.dq_check_catalog by name select * from _dq_catalog")
    con.unregister("_dq_catalog")
    timings["write"] = time.perf_counter() - t0
    timings["total"] = time.perf_counter() - t_start
    n_fail = int((results["rows_failing"] > 0).sum())
    log.info("dq run %s: %d checks x %d locations, %d failing (check, location) pairs, %.2fs",
             run_id, len(CHECKS), len(locations), n_fail, timings["total"])
    return QualityRun(run_id=run_id, run_at=run_at, as_of_date=as_of, results=results, timings=timings)


__all__ = ["GX", "SQL", "QualityRun", "ensure_tables", "run_gx_checks", "run_quality_checks"]
