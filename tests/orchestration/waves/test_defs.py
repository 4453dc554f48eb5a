"""Dagster pieces of issue 5: the planner asset, the rollback check + on-call log, the drop sensor."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration.defs.drop_sensor import extract_folders, new_extract_sensor
from orchestration.defs.rollback import append_alerts, rollback_alerts, rollback_trigger_check
from orchestration.defs.waves import readiness_wave_plan
from orchestration.resources import WarehouseResource


def make_warehouse(path: Path) -> None:
    """marts.rpt_readiness_scores (4 locations), rpt_rollback_monitor and rpt_rollback_systemic_days by hand."""
    con = duckdb.connect(str(path))
    try:
        con.execute("create schema marts")
        con.execute("""create table marts.rpt_readiness_scores as select * from (values
            ('A', 'N', 4.60::decimal(4,2), 5, true, true, []::varchar[], 3, false, date '2026-03-09'),
            ('B', 'S', 4.10::decimal(4,2), 2, false, true, []::varchar[], 2, false, date '2026-03-09'),
            ('C', 'S', 3.40::decimal(4,2), 3, false, false, ['composite >= 4.0'], 1, false, date '2026-03-09'),
            ('D', 'N', 1.50::decimal(4,2), 1, true, false, ['composite >= 4.0'], 1, false, date '2026-03-09'))
            as t (location_id, region, composite, volume_score, is_most_common_pms, wave1_eligible,
                  wave1_failed_criteria, wave1_preferred_met, is_live, as_of_date)""")
        # L1 fired a sync trigger on 03-07 (the only live location: systemic); L2 was fine
        con.execute("""create table marts.rpt_rollback_monitor as select * from (values
            (date '2026-03-07', 'L1', true, ['sync'], 10, 20, 0.0, null::varchar[]),
            (date '2026-03-08', 'L1', false, []::varchar[], 0, 20, 0.0, null::varchar[]))
            as t (monitor_date, location_id, any_trigger, triggers, unsynced_changes, appointment_changes,
                  down_business_hours, trigger_incident_ids)""")
        con.execute("""create table marts.rpt_rollback_systemic_days as select * from (values
            (date '2026-03-07', 1, 1, true), (date '2026-03-08', 1, 0, false))
            as t (monitor_date, live_locations, triggered_locations, is_systemic)""")
    finally:
        con.close()


@pytest.fixture()
def warehouse(tmp_path: Path) -> WarehouseResource:
    """A hand-made warehouse resource."""
    path = tmp_path / "wh.duckdb"
    make_warehouse(path)
    return WarehouseResource(path=str(path), published_path=str(tmp_path / "pub.duckdb"))


def test_planner_asset_writes_plan(warehouse: WarehouseResource) -> None:
    """A (4.60, vol 5, common, N) + B (4.10, vol 2, S) is the only eligible pair and meets every constraint;
    C (3.40) goes to Wave 2, D (1.50) is deferred."""
    # direct invocation (dg.materialize would cost ~7 s of run machinery for the same code path)
    results = list(readiness_wave_plan(dg.build_asset_context(), warehouse=warehouse))
    assert {r.asset_key.path[-1] for r in results} == {"rpt_readiness_wave_plan", "rpt_readiness_wave1_findings"}
    con = duckdb.connect(warehouse.path, read_only=True)
    try:
        plan = dict(con.sql("select location_id, plan_group from marts.rpt_readiness_wave_plan").fetchall())
    finally:
        con.close()
    assert plan == {"A": "wave_1", "B": "wave_1", "C": "wave_2", "D": "deferred"}


def test_rollback_check_fails_and_logs_once(warehouse: WarehouseResource, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """The 03-07 trigger fails the check (ERROR, naming L1 and SYSTEMIC) and writes 2 log lines (L1 + systemic);
    a second evaluation writes nothing new (dedupe)."""
    log = tmp_path / "alerts" / "rollback.log"
    monkeypatch.setenv("DSO_ROLLBACK_ALERT_LOG", str(log))
    result = rollback_trigger_check(warehouse=warehouse)
    assert not result.passed and result.severity == dg.AssetCheckSeverity.ERROR
    assert "L1" in result.description and "SYSTEMIC" in result.description
    lines = log.read_text().splitlines()
    assert len(lines) == 2
    assert "ROLLBACK 2026-03-07 L1 triggers=sync unsynced 10/20" in lines[0]
    assert "ROLLBACK 2026-03-07 SYSTEMIC triggers=systemic" in lines[1]
    rollback_trigger_check(warehouse=warehouse)
    assert len(log.read_text().splitlines()) == 2


def test_rollback_check_passes_without_triggers(tmp_path: Path) -> None:
    """No trigger -> the check passes and nothing is written."""
    path = tmp_path / "wh.duckdb"
    make_warehouse(path)
    con = duckdb.connect(str(path))
    con.execute("update marts.rpt_rollback_monitor set any_trigger = false")
    con.execute("update marts.rpt_rollback_systemic_days set is_systemic = false")
    assert rollback_alerts(con) == []
    con.close()
    assert append_alerts(tmp_path / "a.log", []) == 0


def test_drop_sensor_requests_run_for_new_folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """First tick: both settled folders are new -> one run; same folders -> skip; a new pms folder -> a run for it.
    A folder named other than YYYY-MM-DD is not an extract folder."""
    old = time.time() - 3600
    for rel in ("comms/2026-03-01", "pms/od-1/2026-03-01", "pms/od-1/notes"):
        (tmp_path / rel).mkdir(parents=True)
        os.utime(tmp_path / rel, (old, old))
    monkeypatch.setenv("DSO_EXTRACTS_DIR", str(tmp_path))
    assert extract_folders(tmp_path) == {"comms/2026-03-01", "pms/od-1/2026-03-01"}

    ctx = dg.build_sensor_context(cursor=None)
    first = new_extract_sensor(ctx)
    assert isinstance(first, dg.RunRequest)
    assert set(json.loads(ctx.cursor)) == {"comms/2026-03-01", "pms/od-1/2026-03-01"}

    ctx2 = dg.build_sensor_context(cursor=ctx.cursor)
    assert isinstance(new_extract_sensor(ctx2), dg.SkipReason)

    (tmp_path / "pms/od-1/2026-03-08").mkdir()
    os.utime(tmp_path / "pms/od-1/2026-03-08", (old, old))
    ctx3 = dg.build_sensor_context(cursor=ctx.cursor)
    third = new_extract_sensor(ctx3)
    assert isinstance(third, dg.RunRequest)
    assert third.tags["dso/new_extract_folders"] == "pms/od-1/2026-03-08"


def test_drop_sensor_waits_for_folder_to_settle(tmp_path: Path) -> None:
    """A folder written just now (still copying) is not reported until SETTLE_SECONDS have passed."""
    (tmp_path / "comms/2026-03-01").mkdir(parents=True)
    assert extract_folders(tmp_path) == set()
    assert extract_folders(tmp_path, now=time.time() + 120) == {"comms/2026-03-01"}
