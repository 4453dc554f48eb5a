"""Which rows a data test checks (macros/test_rows.sql, meta.test_rows): the tests of the vendor staging views check
the rows of the newest load only, every row when no load is recorded.

Runs the real unique_combination_of_columns test of stg_opendental__definition (key source_id, source_file,
source_line, defnum) on hand-made raw warehouses. A duplicated key is caught when the newest load brought it and
not re-checked once an older load brought it (it was tested the day it arrived).
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from connectors.ingest import META_DDL
from dbt_raw_warehouse import create_raw_schema, insert_rows, run_dbt

MODEL = "stg_opendental__definition"


def raw(line: int, load_id: str, defnum: str = "7") -> dict:
    """One raw Open Dental definition row of file x.csv, brought by load `load_id`."""
    return {"_source_id": "od1", "_extract_date": "2026-03-01", "_file": "pms/od1/2026-03-01/x.csv", "_line": line,
            "_is_deleted": False, "_load_id": load_id, "defnum": defnum, "category": 1, "itemname": "a"}


def _load(seq: int, load_id: str) -> dict:
    """A meta.loads row (the loader writes one per load)."""
    return {"load_seq": seq, "load_id": load_id, "kind": "full" if seq == 1 else "incremental"}


def _unique_test_failures(path: Path) -> tuple[str, int]:
    """(status, failures) of the model's unique_combination_of_columns test after `dbt build` of the model."""
    proc = run_dbt(path, "build", "--select", MODEL)
    target = path.parent / "dbt_target"
    nodes = json.loads((target / "manifest.json").read_text())["nodes"]
    results = json.loads((target / "run_results.json").read_text())["results"]
    found = [r for r in results
             if (nodes[r["unique_id"]].get("test_metadata") or {}).get("name") == "unique_combination_of_columns"]
    assert len(found) == 1, proc.stdout[-3000:]
    assert nodes[found[0]["unique_id"]]["config"]["meta"]["test_rows"] == "latest_load"
    return found[0]["status"], found[0]["failures"]


# rows: (line, load); the same line twice in one file = a duplicated key
@pytest.mark.parametrize(("rows", "loads", "expected"), [
    # the duplicate came with load A, the newest load B brought line 3 only: not re-checked
    ([(2, "A"), (2, "A"), (3, "B")], [(1, "A"), (2, "B")], ("pass", 0)),
    # the newest load brought the duplicate: one duplicated key
    ([(2, "A"), (3, "B"), (3, "B")], [(1, "A"), (2, "B")], ("fail", 1)),
    # no load recorded (raw written some other way): every row is checked
    ([(2, "A"), (2, "A"), (3, "B")], [], ("fail", 1)),
])
def test_staging_tests_check_the_newest_load(tmp_path: Path, rows: list, loads: list, expected: tuple) -> None:
    path = tmp_path / "wh.duckdb"
    create_raw_schema(path)
    insert_rows(path, "raw.opendental__definition", [raw(line, load) for line, load in rows])
    con = duckdb.connect(str(path))
    try:  # meta.loads as the loader creates it
        con.execute(next(ddl for ddl in META_DDL if "meta.loads" in ddl))
    finally:
        con.close()
    insert_rows(path, "meta.loads", [_load(seq, load_id) for seq, load_id in loads])
    assert _unique_test_failures(path) == expected
