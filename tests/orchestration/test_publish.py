"""Publish step: every mart copied into a new file that replaces the snapshot atomically."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration.defs.publish import publish_marts


def make_warehouse(path: Path) -> Path:
    """A warehouse with two marts, one staging view and one raw table."""
    con = duckdb.connect(str(path))
    con.execute("create schema marts; create schema staging; create schema raw")
    con.execute("create table raw.opendental__patient as select 'Jane' as lname")
    con.execute("create view staging.stg_x as select 1 as x")
    con.execute("create table marts.dim_locations as select 'LOC-00' || i as location_id from range(1, 4) t(i)")
    con.execute("create table marts.fct_appointment_slots as select i as slot_id from range(7) t(i)")
    con.close()
    return path


def tables(path: Path) -> dict[str, int]:
    """Table name -> row count of a DuckDB file."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        names = [r[0] for r in con.execute("select table_name from information_schema.tables").fetchall()]
        return {n: con.execute(f'select count(*) from "{n}"').fetchone()[0] for n in names}
    finally:
        con.close()


def test_publish_copies_only_marts(tmp_path: Path) -> None:
    wh = make_warehouse(tmp_path / "wh.duckdb")
    pub = tmp_path / "published" / "marts.duckdb"
    counts = publish_marts(wh, pub)
    # 3 locations (range 1..3) and 7 slots (range 0..6), as created above.
    assert counts == {"dim_locations": 3, "fct_appointment_slots": 7}
    assert tables(pub) == {"dim_locations": 3, "fct_appointment_slots": 7, "_publish_info": 1}
    assert sorted(p.name for p in pub.parent.iterdir()) == ["marts.duckdb"]  # no temp file, no .wal


def test_republish_replaces_snapshot_and_releases_warehouse(tmp_path: Path) -> None:
    wh = make_warehouse(tmp_path / "wh.duckdb")
    pub = tmp_path / "marts.duckdb"
    publish_marts(wh, pub)
    # The warehouse lock is released: a writer can open it right after publishing.
    con = duckdb.connect(str(wh))
    con.execute("insert into marts.dim_locations values ('LOC-004')")
    con.close()
    publish_marts(wh, pub)
    assert tables(pub)["dim_locations"] == 4


def test_failed_publish_keeps_previous_snapshot(tmp_path: Path) -> None:
    wh = make_warehouse(tmp_path / "wh.duckdb")
    pub = tmp_path / "marts.duckdb"
    publish_marts(wh, pub)
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    with pytest.raises(dg.Failure):
        publish_marts(empty, pub)  # no marts schema: nothing to publish
    assert tables(pub)["dim_locations"] == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty.duckdb", "marts.duckdb", "wh.duckdb"]
