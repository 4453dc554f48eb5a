"""The `maps_to_known_codes` generic test (tests/generic/maps_to_known_codes.sql): one scan for several code columns.

Runs the real model-level test of stg_comms__messages (campaign, channel, delivery_status, direction, body_class)
on a hand-made raw warehouse: a clean message passes, and each offending row comes back once with exactly the
columns whose code maps to 'unknown' (seed vendor_code_map, comms rows). Unknown codes warn, they do not fail.
"""

from __future__ import annotations

import json

import duckdb
import pytest

from dbt_raw_warehouse import create_raw_schema, insert_rows, run_dbt

COMMS = {"_source_id": "comms", "_extract_date": "2026-03-01", "_is_deleted": False, "_load_id": "load1",
         "_file": "comms/2026-03-01/messages.csv"}


def message(line: int, **codes: str | None) -> dict:
    """One raw message with known codes unless overridden."""
    known = {"campaign": "reminder", "channel": "sms", "direction": "outbound", "delivery_status": "delivered",
             "body_class": None}
    return {**COMMS, "_line": line, "message_id": f"m{line}", "location_id": "L1", "pms_patient_id": "42",
            "sent_at": "2026-03-01 10:00:00+00", **known, **codes}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Build stg_comms__messages (+ the code map it needs) and run its tests with stored failures."""
    path = tmp_path_factory.mktemp("mtkc") / "wh.duckdb"
    create_raw_schema(path)
    insert_rows(path, "raw.comms__messages", [
        message(2),                                           # every code known (body_class NULL: not checked)
        message(3, channel="fax"),                            # one unknown code
        message(4, direction="sideways", body_class="poem"),  # two unknown codes in one row
        message(5, campaign="recall", body_class="confirm"),  # known again
    ])
    # cautious: only tests whose every parent is selected (the code map's other consumers are not built here);
    # no registry rows, so the messages' pms_source_id not-null test fails: only this test's result is read
    proc = run_dbt(path, "build", "--select", "+stg_comms__messages", "+stg_pms_config__code_map",
                   "--indirect-selection", "cautious", "--exclude-resource-type", "unit_test", "--store-failures")
    target = path.parent / "dbt_target"
    nodes = json.loads((target / "manifest.json").read_text())["nodes"]
    results = json.loads((target / "run_results.json").read_text())["results"]
    return {"proc": proc, "path": path, "results": [(nodes[r["unique_id"]], r) for r in results]}


def test_unknown_codes_warn_once_per_row_with_their_columns(built: dict) -> None:
    found = [r for node, r in built["results"]
             if (node.get("test_metadata") or {}).get("name") == "maps_to_known_codes"
             and node["attached_node"] == "model.dso_warehouse.stg_comms__messages"]
    assert len(found) == 1, [r["unique_id"] for _, r in built["results"]]
    result = found[0]
    # severity warn, not error: two offending rows (lines 3 and 4)
    assert (result["status"], result["failures"]) == ("warn", 2), result
    con = duckdb.connect(str(built["path"]), read_only=True)
    try:
        rows = con.sql(f"select source_line, unknown_columns from {result['relation_name']} order by 1").fetchall()
    finally:
        con.close()
    assert rows == [(3, ["channel"]), (4, ["direction", "body_class"])]


def test_no_per_column_code_tests_left_on_messages(built: dict) -> None:
    # the five per-column tests were replaced by the one grouped test (one scan of the view instead of five)
    per_column = [node for node, _ in built["results"]
                  if (node.get("test_metadata") or {}).get("name") == "maps_to_known_code"
                  and node["attached_node"] == "model.dso_warehouse.stg_comms__messages"]
    assert per_column == []
