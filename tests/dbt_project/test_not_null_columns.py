"""The `not_null_columns` generic test (tests/generic/not_null_columns.sql): one query for many columns.

Runs the real tests of two staging models on a hand-made raw warehouse (one dbt invocation): on
stg_opendental__clinic every checked value is present (both of its tests pass); on stg_opendental__definition
some are NULL (both fail) and the stored failures name, per offending row, exactly its NULL columns.
"""

from __future__ import annotations

import json

import duckdb
import pytest
import yaml

from dbt_raw_warehouse import DBT_PROJECT, create_raw_schema, insert_rows, run_dbt

# The model YAML (models/staging/opendental/_opendental__models.yml) groups each model's not_null checks as
#   all versions:                [source_id, source_file, is_deleted_version, <key>]
#   live versions only (where):  the required non-key columns (definition: [category, itemname])
MODELS = ["stg_opendental__clinic", "stg_opendental__definition"]


def raw(line: int, file: str | None = "pms/od1/2026-03-01/x.csv", deleted: bool = False, **cols: object) -> dict:
    """One raw Open Dental row with its lineage columns (`_file` maps to source_file in staging)."""
    return {**cols, "_source_id": "od1", "_extract_date": "2026-03-01", "_file": file, "_line": line,
            "_is_deleted": deleted, "_load_id": "load1"}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Build the two models and run their tests with stored failures; returns (manifest node, run result) pairs."""
    path = tmp_path_factory.mktemp("nnc") / "wh.duckdb"
    create_raw_schema(path)
    insert_rows(path, "raw.opendental__clinic", [
        raw(2, clinicnum="1", description="Main"),
        # a synthetic deleted version may lack required values: the `where: not is_deleted_version` test skips it
        raw(3, clinicnum="2", description=None, deleted=True),
    ])
    insert_rows(path, "raw.opendental__definition", [
        raw(2, file=None, defnum=None, category=1, itemname="a"),   # NULL source_file and defnum
        raw(3, defnum="7", category=1, itemname=None),               # live version: NULL itemname
        raw(4, defnum="8", category=None, itemname=None, deleted=True),  # deleted: not a live-version failure
        raw(5, defnum="9", category=2, itemname="b"),                # clean
    ])
    proc = run_dbt(path, "build", "--select", *MODELS, "--store-failures")
    target = path.parent / "dbt_target"
    nodes = json.loads((target / "manifest.json").read_text())["nodes"]
    results = json.loads((target / "run_results.json").read_text())["results"]
    return {"proc": proc, "path": path, "results": [(nodes[r["unique_id"]], r) for r in results]}


def _nnc(built: dict, model: str, where: bool) -> dict:
    """The run result of `model`'s not_null_columns test with (where=True) or without the live-version filter."""
    found = [r for node, r in built["results"]
             if (node.get("test_metadata") or {}).get("name") == "not_null_columns"
             and node["attached_node"] == f"model.dso_warehouse.{model}"
             and (node["config"].get("where") == "not is_deleted_version") == where]
    assert len(found) == 1, [r["unique_id"] for _, r in built["results"]]
    return found[0]


def _failures(built: dict, result: dict) -> list[tuple]:
    """Stored failing rows of a test as (source_line, null_columns), ordered by line."""
    con = duckdb.connect(str(built["path"]), read_only=True)
    try:
        return con.sql(f"select source_line, null_columns from {result['relation_name']} order by source_line").fetchall()
    finally:
        con.close()


def test_clean_model_passes(built: dict) -> None:
    for where in (False, True):
        r = _nnc(built, "stg_opendental__clinic", where)
        assert (r["status"], r["failures"]) == ("pass", 0), r


def test_null_columns_fail_with_one_row_per_offending_row(built: dict) -> None:
    # dbt exits non-zero because of the failing tests, not because of an error elsewhere
    assert built["proc"].returncode == 1, built["proc"].stdout[-3000:]
    r = _nnc(built, "stg_opendental__definition", where=False)
    # line 2 alone has NULLs among source_id/source_file/is_deleted_version/defnum: source_file and defnum
    assert (r["status"], r["failures"]) == ("fail", 1), r
    assert _failures(built, r) == [(2, ["source_file", "defnum"])]


def test_where_config_limits_the_check_to_live_versions(built: dict) -> None:
    r = _nnc(built, "stg_opendental__definition", where=True)
    # line 3 (live) lacks itemname; line 4 lacks category and itemname but is a deleted version: skipped
    assert (r["status"], r["failures"]) == ("fail", 1), r
    assert _failures(built, r) == [(3, ["itemname"])]


def test_models_use_one_not_null_columns_test_not_one_per_column() -> None:
    # Issue 8: a per-column `not_null` is one query, one dbt node and one asset-check event per column; the model
    # YAML (e.g. one generated for a new contract table) must group them into a model-level not_null_columns.
    per_column = []
    for yml in sorted((DBT_PROJECT / "models").rglob("*.yml")):
        for model in (yaml.safe_load(yml.read_text()) or {}).get("models", []):
            for col in model.get("columns", []):
                for t in col.get("data_tests", []):
                    if t == "not_null" or (isinstance(t, dict) and "not_null" in t):
                        per_column.append(f"{model['name']}.{col['name']}")
    assert per_column == []
