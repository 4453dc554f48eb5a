"""Readiness, go/no-go and rollback models end to end on a tiny hand-made warehouse, then the wave planner on it.

One `dbt build` (which also runs the readiness unit tests: playbook examples, 3.99/4.0 bands, quintile ties,
98/95/99% thresholds, 5% sync trigger, 26% vs 25% systemic). The slot model and the as-of date belong to other
helpers: they are created here as small tables so this file tests only the readiness layer.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from dbt_raw_warehouse import create_raw_schema, insert_rows, run_dbt
from orchestration.waves.writer import FINDINGS_TABLE, PLAN_TABLE, run as run_planner

AS_OF = "2026-03-09"
SELECT = [
    "--indirect-selection", "cautious", "--select",
    "stg_registry__locations", "stg_manual__readiness", "stg_manual__time_study", "stg_manual__incidents",
    "stg_manual__go_live_attestations", "stg_comms__sync_events", "stg_comms__platform_status", "stg_comms__messages",
    "int_comms_messages_latest",  # the scorecard's current messages (a metrics-layer model)
    "dim_locations", "business_hours", "readiness_overrides",
    "path:models/intermediate/readiness", "path:models/marts/readiness",
    # other layers' tests are theirs to run: only the readiness models' own tests here (keeps this file fast)
    "--exclude", "test_type:data,path:models/staging", "test_type:data,dim_locations", "test_type:unit,dim_locations",
    "test_type:data,int_comms_messages_latest",
    "rpt_location_baselines",  # a stand-in table here (built by the metrics layer)
]


def loc(location_id: str, pms: str, version: str, region: str, line: int, go_live: str | None = None,
        wave: int | None = None, change: str | None = None) -> dict:
    """One registry row (America/Chicago)."""
    return dict(location_id=location_id, location_name=f"name {location_id}", region=region,
                regional_manager="rm@x.org", pms=pms, pms_version=version, source_id=f"src{line}",
                source_location_key=None, timezone="America/Chicago", opened_date="2015-01-01", wave=wave,
                go_live_date=go_live, planned_major_change=change, _source_id="registry", _file="locations.csv",
                _line=line, _is_deleted=False, _load_id="load1")


def manual(line: int, **cols: object) -> dict:
    """A manual template row with lineage."""
    return {**cols, "_source_id": "manual", "_file": "manual/x.csv", "_line": line, "_is_deleted": False,
            "_load_id": "load1"}


def comms(line: int, **cols: object) -> dict:
    """A comms row with lineage."""
    return {**cols, "_source_id": "comms", "_extract_date": AS_OF, "_file": f"comms/{AS_OF}/x.csv", "_line": line,
            "_is_deleted": False, "_load_id": "load1"}


def readiness(location_id: str, line: int, it: int, staff: int, champion: int, tech: int | None) -> dict:
    """A readiness assessment with a named champion and an engaged regional manager."""
    return manual(line, location_id=location_id, assessed_on="2026-02-01", it_infrastructure=it,
                  staff_adaptability=staff, champion=champion, tech_stack=tech, annual_turnover_pct=20,
                  champion_name="Pat", regional_manager_engaged="yes", notes=None)


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the readiness models over a hand-made warehouse and run the planner; returns the DuckDB path."""
    path = tmp_path_factory.mktemp("readiness") / "wh.duckdb"
    create_raw_schema(path)
    insert_rows(path, "raw.registry__locations", [
        loc("LOC-1", "opendental", "22.4.40", "North", 2, go_live="2026-03-02", wave=1),
        loc("LOC-2", "opendental", "22.4.40", "South", 3),
        loc("LOC-3", "eaglesoft", "21.20", "South", 4),
        loc("LOC-4", "dentrix", "G7.1", "North", 5, change="renovation 2026-06"),
    ])
    insert_rows(path, "raw.manual__readiness", [
        readiness("LOC-1", 2, 4, 4, 4, None),
        readiness("LOC-2", 3, 5, 4, 5, None),
        readiness("LOC-3", 4, 4, 4, 4, None),
        readiness("LOC-4", 5, 2, 2, 2, 1),
    ])
    insert_rows(path, "raw.manual__time_study", [
        manual(2, location_id="LOC-2", week_start="2026-02-02", staff_role="front_desk", hours_confirmations=5,
               hours_recall_calls=3, hours_patient_inquiries=4, hours_other_communication=1, fte_hours_total_week=40),
    ])
    insert_rows(path, "raw.manual__go_live_attestations", [
        manual(2, location_id="LOC-1", wave=1, attested_on="2026-03-03", staff_trained=6, staff_using_system=6,
               champion_confidence=4),
    ])
    # Sync outage at LOC-1 on Tue 2026-03-03: 20 appointment changes 09:00-09:19 local; the first 10 fail and only
    # reach the platform on 03-04 12:00 (27 h later, > 24 h) -> 10 of 20 = 50% unsynced > 5% -> sync trigger.
    # Mon 03-02: 20 changes, all ok within a minute -> no trigger. (CST = UTC-6.)
    events = []
    for i in range(20):
        events.append(comms(len(events) + 2, event_id=f"ok-{i}", location_id="LOC-1", entity="appointment",
                            pms_record_id=f"A{i}", action="update", pms_changed_at_local=f"2026-03-02 09:{i:02d}:00",
                            platform_received_at=f"2026-03-02 09:{i:02d}:30-06:00", outcome="ok"))
        late = i < 10
        events.append(comms(len(events) + 2, event_id=f"o-{i}", location_id="LOC-1", entity="appointment",
                            pms_record_id=f"B{i}", action="update", pms_changed_at_local=f"2026-03-03 09:{i:02d}:00",
                            platform_received_at=f"2026-03-03 09:{i:02d}:30-06:00",
                            outcome="failed" if late else "ok", error_code="timeout" if late else None))
        if late:
            events.append(comms(len(events) + 2, event_id=f"r-{i}", location_id="LOC-1", entity="appointment",
                                pms_record_id=f"B{i}", action="update",
                                pms_changed_at_local=f"2026-03-03 09:{i:02d}:00",
                                platform_received_at="2026-03-04 12:00:00-06:00", outcome="ok"))
    insert_rows(path, "raw.comms__sync_events", events)
    con = duckdb.connect(str(path))
    try:
        con.execute("create schema intermediate")
        con.execute(f"""create table intermediate.int_as_of_date_resolved as select date '{AS_OF}' as as_of_date,
            timestamp '{AS_OF}' as as_of_time, date '{AS_OF}' as latest_extract_date, 'configured' as as_of_date_origin""")
        # completed visits in [2025-12-09, 2026-03-09), all locations with history since 2025-10-01:
        # LOC-1 200, LOC-2 120, LOC-3 50, LOC-4 10
        con.execute("""create table intermediate.int_appointment_slots as
            select v.location_id, timestamp '2026-01-15 09:00' as slot_start, date '2026-01-15' as slot_date,
                   'completed' as outcome
            from (values ('LOC-1', 200), ('LOC-2', 120), ('LOC-3', 50), ('LOC-4', 10)) as v (location_id, n),
                 range(200) as r (i)
            where r.i < v.n
            union all
            select location_id, timestamp '2025-10-01 09:00', date '2025-10-01', 'advance_cancel'
            from (values ('LOC-1'), ('LOC-2'), ('LOC-3'), ('LOC-4')) as v (location_id)""")
        # Baseline completeness is computed by the metrics layer (rpt_location_baselines, tested in test_metrics.py);
        # stand-in rows matching the slots above: LOC-2 120 scheduled + a time study -> reliable; LOC-3 50 scheduled,
        # no time study -> unreliable; LOC-4 10 scheduled -> unreliable; LOC-1 live since 03-02 (< 7 days settled).
        con.execute("create schema marts")
        con.execute("""create table marts.rpt_location_baselines as
            select * from (values
                ('LOC-1', 'incomplete', ['baseline_not_settled', 'no_time_study'], 200, null),
                ('LOC-2', 'reliable', []::varchar[], 120, null),
                ('LOC-3', 'unreliable', ['no_time_study', 'scheduled_under_100'], 50, null),
                ('LOC-4', 'unreliable', ['no_time_study', 'scheduled_under_100'], 10, null)
            ) as t (location_id, baseline_completeness, baseline_completeness_reasons,
                    baseline_scheduled_appointments, dq_flag_reasons)""")
    finally:
        con.close()
    result = run_dbt(path, "build", *SELECT)
    assert result.returncode == 0, result.stdout[-4000:]
    run_planner(path)
    return path


def query(path: Path, sql: str) -> list[tuple]:
    """Rows of a query on the built warehouse (read-only)."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.sql(sql).fetchall()
    finally:
        con.close()


def test_readiness_scores(warehouse: Path) -> None:
    """Volume ranks (N-1 = 3): LOC-4 0% -> 1, LOC-3 33.33% -> 2, LOC-2 66.67% -> 4, LOC-1 100% -> 5.
    LOC-2: 25*5 + 20*4 + 20*4 + 20*5 (opendental = most common, 22.4.40 supported, derived) + 15*5 = 460 -> 4.60.
    LOC-3: eaglesoft 21.20 supported, not most common -> 3: 100 + 80 + 40 + 60 + 60 = 340 -> 3.40.
    LOC-4: tech 1 from the survey: 50 + 40 + 20 + 20 + 30 = 160 -> 1.60 defer."""
    rows = {r[0]: r[1:] for r in query(warehouse, """
        select location_id, volume_score, tech_stack_score, tech_stack_origin, composite::double, recommendation,
               wave1_eligible, baseline_status
        from marts.rpt_readiness_scores""")}
    assert rows["LOC-2"][:6] == (4, 5, "derived", 4.60, "wave_1", True)
    assert rows["LOC-3"][:5] == (2, 3, "derived", 3.40, "wave_2")
    assert rows["LOC-4"][:5] == (1, 1, "survey", 1.60, "defer")
    # baselines (from the stand-in rpt_location_baselines): LOC-2 reliable -> eligible; LOC-3 and LOC-4 unreliable
    assert rows["LOC-2"][6] == "reliable"
    assert rows["LOC-3"][5:] == (False, "unreliable")
    assert rows["LOC-4"][5:] == (False, "unreliable")
    reasons = query(warehouse, "select baseline_reasons from marts.rpt_readiness_scores where location_id = 'LOC-3'")
    assert set(reasons[0][0]) == {"scheduled_under_100", "no_time_study"}


def test_sync_outage_trips_rollback(warehouse: Path) -> None:
    """03-02: 0 of 20 unsynced -> no trigger; 03-03: 10 of 20 unsynced (re-synced after 27 h) -> sync trigger;
    LOC-1 is the only live location, so 03-03 is systemic (1 of 1 > 25%)."""
    rows = dict(((str(d), (c, u, t)) for d, c, u, t in query(warehouse, """
        select monitor_date, appointment_changes, unsynced_changes, sync_trigger
        from marts.rpt_rollback_monitor where location_id = 'LOC-1'""")))
    assert rows["2026-03-02"] == (20, 0, False)
    assert rows["2026-03-03"] == (20, 10, True)
    assert len(rows) == 7  # 03-02 .. 03-08
    systemic = dict((str(d), s) for d, s in query(warehouse, "select monitor_date, is_systemic from marts.rpt_rollback_systemic_days"))
    assert systemic["2026-03-03"] is True and systemic["2026-03-02"] is False


def test_go_live_scorecard_and_decision(warehouse: Path) -> None:
    """Wave 1 sync: 20 + 10 + 10 ok events of 50 (10 failed) = 40/50 = 80% < 98% -> fail; adoption 6/6 passes;
    no platform_status rows -> uptime has no data -> fail; decision no_go."""
    rows = {r[0]: r[1:] for r in query(warehouse, """
        select criterion, numerator, denominator, passed from marts.rpt_go_live_scorecard where wave = 1""")}
    assert rows["pms_sync_success"] == (40, 50, False)
    assert rows["staff_adoption"] == (6, 6, True)
    assert rows["system_uptime"][2] is False
    assert query(warehouse, "select decision from marts.rpt_go_live_decision where wave = 1") == [("no_go",)]


def test_planner_tables_written(warehouse: Path) -> None:
    """Only LOC-2 is Wave-1-eligible -> no valid Wave 1 (eligibility fails: 1 < 2); LOC-2 and LOC-3 go to Wave 2,
    LOC-4 (1.60) is deferred, LOC-1 is already live."""
    plan = dict(query(warehouse, f"select location_id, plan_group from {PLAN_TABLE}"))
    assert plan == {"LOC-1": "already_live", "LOC-2": "wave_2", "LOC-3": "wave_2", "LOC-4": "deferred"}
    failed = {r[0] for r in query(warehouse, f"select constraint_name from {FINDINGS_TABLE} where not passed")}
    assert "eligibility" in failed
