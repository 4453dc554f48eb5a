"""Incremental load: a new day of extract folders appended to yesterday's load equals a full load of today."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb
import pytest

from connector_helpers import check_accounting
from connectors.ingest import load_drop

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "drop_small"
NEW_DAY = "2026-03-15"  # the fixture's last extract date: PMS full extracts, a comms delta, the only reviews


def _without_new_day(src: Path, dst: Path) -> None:
    """Copy the fixture without its last extract date's folders (the drop as it was the day before)."""
    shutil.copytree(src, dst, ignore=lambda folder, names: [n for n in names if n == NEW_DAY])


def _add_new_day(src: Path, dst: Path) -> None:
    """Copy the last extract date's folders into the drop (today's files arrive)."""
    for folder in src.rglob(NEW_DAY):
        shutil.copytree(folder, dst / folder.relative_to(src))


def _as_delta(drop: Path) -> None:
    """Rewrite the new day's manifests as delta extracts (so PMS units can be appended, not reloaded)."""
    for manifest in drop.rglob(f"{NEW_DAY}/_manifest.json"):
        manifest.write_text('{"mode": "delta"}')


def _tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every raw and meta table the loader writes, except the bookkeeping of loads themselves."""
    return [f"{s}.{t}" for s, t in con.sql(
        "select table_schema, table_name from information_schema.tables where table_schema in ('raw', 'meta') "
        "and table_name not in ('loads', 'file_fingerprints') order by 1, 2").fetchall()]


def _content(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple]:
    """A table's rows without load ids (which differ between two loads of the same files), sorted."""
    cols = [c for c, in con.sql(f"select column_name from information_schema.columns where "
                                f"table_schema || '.' || table_name = '{table}' and column_name not in "
                                f"('_load_id', 'load_id') order by ordinal_position").fetchall()]
    return sorted(con.sql(f"select {', '.join(chr(34) + c + chr(34) for c in cols)} from {table}").fetchall(),
                  key=repr)


def _assert_same(incremental: duckdb.DuckDBPyConnection, full: duckdb.DuckDBPyConnection) -> None:
    """Same tables, same rows (up to load ids) in both warehouses."""
    assert _tables(incremental) == _tables(full)
    for table in _tables(full):
        assert _content(incremental, table) == _content(full, table), table


def _assert_same_as_full_load(incremental: duckdb.DuckDBPyConnection, drop: Path) -> None:
    """The incrementally loaded warehouse holds what a full load of the same drop holds."""
    full = duckdb.connect()
    load_drop(drop, full)
    _assert_same(incremental, full)


def _last_load(con: duckdb.DuckDBPyConnection) -> tuple:
    """(kind, reloaded units, appended units, skipped units) of the latest load."""
    return con.sql("select kind, reloaded_units, appended_units, skipped_units from meta.loads "
                   "order by load_seq desc limit 1").fetchall()[0]


@pytest.mark.parametrize("delta", [False, True], ids=["new-full-extracts", "new-delta-extracts"])
def test_new_day_appended_equals_full_load(tmp_path: Path, delta: bool) -> None:
    drop = tmp_path / "drop"
    _without_new_day(FIXTURE, drop)
    con = duckdb.connect()
    load_drop(drop, con)
    assert _last_load(con)[0] == "full"
    _add_new_day(FIXTURE, drop)
    if delta:
        _as_delta(drop)
    report = load_drop(drop, con, incremental=True)
    kind, reloaded, appended, skipped = _last_load(con)
    # An appended unit reads only the new day's files; a reloaded one reads all of its files again.
    for unit in appended:
        assert {f.file.split("/")[-2] for f in report.files if f.source_id == unit} == {NEW_DAY}, unit
    assert kind == "incremental"
    # comms only gained a later delta folder; reviews had no folder before (never loaded: reloaded);
    # the PMS sources' new folders are full extracts (deleted versions need every earlier file: reload)
    # unless rewritten as deltas; manual/ did not change.
    pms = ["dx_one", "es_main", "od_main"]
    assert appended == (["comms", *pms] if delta else ["comms"])
    assert reloaded == (["reviews"] if delta else [*pms, "reviews"])
    assert skipped == 1  # manual/
    check_accounting(con)

    _assert_same_as_full_load(con, drop)


def test_unchanged_drop_reads_nothing_and_changed_file_reloads_its_unit(tmp_path: Path) -> None:
    drop = tmp_path / "drop"
    shutil.copytree(FIXTURE, drop)
    con = duckdb.connect()
    load_drop(drop, con)
    report = load_drop(drop, con, incremental=True)
    assert report.files == []
    assert _last_load(con) == ("incremental", [], [], 6)  # 3 PMS sources, comms, reviews, manual

    # An earlier file rewritten in place (a vendor re-export): its whole unit is read again.
    appt = drop / "pms" / "od_main" / "2026-03-08" / "appointment.csv"
    appt.write_text(appt.read_text(encoding="utf-8") + "", encoding="utf-8")
    os.utime(appt, ns=(appt.stat().st_atime_ns, appt.stat().st_mtime_ns + 1_000_000_000))
    report = load_drop(drop, con, incremental=True)
    assert {f.source_id for f in report.files} == {"od_main"}
    assert _last_load(con)[1] == ["od_main"]
    _assert_same_as_full_load(con, drop)


def test_changed_registry_or_other_drop_is_a_full_load(tmp_path: Path) -> None:
    drop = tmp_path / "drop"
    shutil.copytree(FIXTURE, drop)
    con = duckdb.connect()
    load_drop(drop, con)
    locations = drop / "locations.csv"
    os.utime(locations, ns=(locations.stat().st_atime_ns, locations.stat().st_mtime_ns + 1_000_000_000))
    load_drop(drop, con, incremental=True)
    assert _last_load(con)[0] == "full"
    other = tmp_path / "other"
    shutil.copytree(FIXTURE, other)
    load_drop(other, con, incremental=True)
    assert _last_load(con)[0] == "full"
