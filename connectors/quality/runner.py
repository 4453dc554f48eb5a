"""Run every data-quality check once and append the per-location results to meta.dq_check_results.

Order in a refresh: dbt staging + intermediate (incl. models/intermediate/quality) -> this runner -> dbt
marts/quality. The runner validates one pandas frame per source table with Great Expectations (location as a
column), reads the set-based SQL checks from intermediate.int_dq__sql_check_results, adds severity and weight
from catalog.py and appends one dated row per (check, location). History is never deleted.
"""

from __future__ import annotations

import logging
import os
import time
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timezone

import duckdb
import pandas as pd

from connectors.quality.catalog import BY_NAME, CHECKS, GX, SQL, catalog_rows
from connectors.quality.suites import TableSuite, build_suites

log = logging.getLogger(__name__)

SAMPLE_SIZE = 5  # failing row references kept per (check, location)

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
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    # GX logs every internal registration at INFO: keep our INFO logs readable
    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),  # no files at all
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False),
    )
    context = gx.get_context(mode="ephemeral", project_config=config)
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return context


def _validate(context, suite_def: TableSuite, frame: pd.DataFrame) -> dict[str, tuple[pd.Series, pd.Index]]:  # noqa: ANN001
    """Validate `frame` with one GX suite; per check: (examined mask, index of failing rows)."""
    import great_expectations as gx
    from great_expectations.expectations.row_conditions import Column

    out: dict[str, tuple[pd.Series, pd.Index]] = {}
    for e in suite_def.expectations:
        mask = e.examined(frame).astype(bool)
        prev = out.get(e.check)
        out[e.check] = (mask if prev is None else prev[0] | mask, pd.Index([]) if prev is None else prev[1])
    if frame.empty:
        return out
    datasource = context.data_sources.add_pandas(f"dq_{suite_def.name}")
    batch_definition = datasource.add_dataframe_asset(suite_def.name).add_batch_definition_whole_dataframe("all")
    suite = context.suites.add(gx.ExpectationSuite(name=f"dq_{suite_def.name}"))
    for e in suite_def.expectations:
        kwargs = dict(e.kwargs)
        if e.when is not None:
            kwargs["row_condition"] = Column(e.when[0]) == e.when[1]
        suite.add_expectation(getattr(gx.expectations, e.gx_type)(**kwargs, meta={"check": e.check}))
    validation = context.validation_definitions.add(
        gx.ValidationDefinition(name=f"dq_{suite_def.name}", data=batch_definition, suite=suite)
    )
    # COMPLETE: the full unexpected_index_list, so every failing row can be attributed to its location
    result = validation.run(batch_parameters={"dataframe": frame}, result_format={"result_format": "COMPLETE"})
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


def run_gx_checks(con: duckdb.DuckDBPyConnection, as_of: date, locations: list[str]) -> tuple[pd.DataFrame, dict[str, float]]:
    """Every GX check, one validation per table frame; returns per-(check, location) rows and timings."""
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    context = _gx_context()
    timings["gx_context"] = time.perf_counter() - t0
    parts: list[pd.DataFrame] = []
    for suite_def in build_suites(as_of):
        t0 = time.perf_counter()
        frame = con.sql(suite_def.sql).df().reset_index(drop=True)
        t1 = time.perf_counter()
        by_check = _validate(context, suite_def, frame)
        t2 = time.perf_counter()
        for check, (mask, failing) in by_check.items():
            parts.append(_per_location(check, frame, mask, failing, suite_def, locations))
        timings[f"frame_{suite_def.name}"] = t1 - t0
        timings[f"gx_{suite_def.name}"] = t2 - t1
        timings[f"attribute_{suite_def.name}"] = time.perf_counter() - t2
        log.info("dq: %s frame %d rows, pull %.2fs, validate %.2fs", suite_def.name, len(frame), t1 - t0, t2 - t1)
    return pd.concat(parts, ignore_index=True), timings


def run_quality_checks(
    con: duckdb.DuckDBPyConnection, *, run_at: datetime | None = None, as_of: date | None = None,
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

    gx_results, timings = run_gx_checks(con, as_of, locations)
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
