"""Incremental dbt build: yesterday's warehouse + today's extracts (incremental load, incremental models) must
hold exactly what a full load and full build of today's drop holds, for every appointment-version and slot model."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from connectors.ingest import load_drop
from dbt_raw_warehouse import REPO, run_dbt

FIXTURE = REPO / "tests" / "fixtures" / "drop_small"
NEW_DAY = "2026-03-15"
SELECT = ["--select", "+fct_appointment_slots", "int_appointments_unmapped", "--indirect-selection", "cautious"]
VENDORS = ("opendental", "eaglesoft", "dentrix")
COMPARED = [f"intermediate.int_{v}_appointment_versions_{step}" for v in VENDORS for step in ("located", "sequenced")]
COMPARED += ["intermediate.int_appointment_slots", "marts.fct_appointment_slots"]


def _load(path: Path, drop: Path, *, incremental: bool) -> None:
    """Load a drop into the warehouse file."""
    con = duckdb.connect(str(path))
    try:
        load_drop(drop, con, incremental=incremental)
    finally:
        con.close()


def _build(path: Path) -> None:
    """dbt build of the slot models (as-of = the latest extract)."""
    proc = run_dbt(path, "build", *SELECT, env={"DSO_AS_OF_DATE": ""})
    assert proc.returncode == 0, proc.stdout[-4000:]


def _rows(path: Path, table: str) -> list[tuple]:
    """A model's rows without load ids and load sequence numbers (bookkeeping of when, not what), sorted."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        cols = [c for c, in con.sql(
            f"select column_name from information_schema.columns where table_schema || '.' || table_name = "
            f"'{table}' and column_name not in ('load_id', '_load_seq') order by ordinal_position").fetchall()]
        return sorted(con.sql(f"select {', '.join(cols)} from {table}").fetchall(), key=repr)
    finally:
        con.close()


def _count_watermarks(path: Path) -> dict[str, int]:
    """Model -> last load_seq it processed."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        return dict(con.sql("select model, load_seq from meta.dbt_load_watermarks").fetchall())
    finally:
        con.close()


@pytest.fixture(params=["delta", pytest.param("full", marks=pytest.mark.slow)])
def drops(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(yesterday's drop, today's drop): the fixture without / with its last extract date.

    delta: the new PMS folders are deltas, so the sources are appended to (the daily case); full: they are the
    fixture's full extracts, so each source is reloaded (its rows replaced: the models drop and recompute it).
    """
    root = tmp_path_factory.mktemp("incremental_drops")
    today = root / "today"
    shutil.copytree(FIXTURE, today)
    if request.param == "delta":
        for manifest in today.rglob(f"{NEW_DAY}/_manifest.json"):
            manifest.write_text('{"mode": "delta"}')
    yesterday = root / "yesterday"
    shutil.copytree(today, yesterday, ignore=lambda folder, names: [n for n in names if n == NEW_DAY])
    return yesterday, today


def test_incremental_build_equals_full_build(drops: tuple[Path, Path], tmp_path: Path) -> None:
    yesterday, today = drops
    # the daily path: yesterday loaded and built, then today's folders arrive in the same drop folder
    daily_drop = tmp_path / "drop"
    shutil.copytree(yesterday, daily_drop)
    daily = tmp_path / "daily.duckdb"
    _load(daily, daily_drop, incremental=False)
    _build(daily)
    before = {t: _rows(daily, t) for t in COMPARED}
    for folder in today.rglob(NEW_DAY):
        shutil.copytree(folder, daily_drop / folder.relative_to(today))
    _load(daily, daily_drop, incremental=True)
    _build(daily)

    full = tmp_path / "full.duckdb"
    _load(full, daily_drop, incremental=False)
    _build(full)

    for table in COMPARED:
        assert _rows(daily, table) == _rows(full, table), table
    # the new day changed appointments (else this test would prove nothing) ...
    assert any(_rows(daily, t) != before[t] for t in COMPARED)
    # ... and every incremental model recorded that it processed both loads
    marks = _count_watermarks(daily)
    assert {m: marks[m] for m in marks if "appointment_versions" in m} == {
        t.split(".")[1]: 2 for t in COMPARED if "appointment_versions" in t}
