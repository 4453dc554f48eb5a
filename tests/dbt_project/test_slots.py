"""Appointment slots vertical end to end: the fixture drop -> connectors -> dbt -> slot outcomes and baselines.

Loads tests/fixtures/drop_small with connectors.ingest.load_drop, adds a few Open Dental rows by hand (an
unresolved, an open, a post-go-live completed and a post-go-live no-show slot, and an unmappable row), builds the
slot models with dbt, then rebuilds the as-of dependent models with DSO_AS_OF_DATE=2026-05-20 (after go-live)
to check the post window. Every expected value is worked out by hand below from the fixture CSVs.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from connectors.ingest import load_drop
from dbt_raw_warehouse import REPO, run_dbt

# Not marked slow (two dbt invocations, ~40 s): these are the per-vendor outcome proofs the default run must cover.

DROP = REPO / "tests" / "fixtures" / "drop_small"
SELECT = ["--select", "+rpt_location_no_show_baselines", "+rpt_location_weekly_no_show_panel",
          "int_appointments_unmapped", "--indirect-selection", "cautious"]
EXTRA_FILE = "pms/od_main/2026-03-15/appointment.csv"


def od_row(aptnum: str, status: int, start: str | None, clinic: str, stamp: str, entry: str, line: int) -> dict:
    """One raw Open Dental appointment version in the 2026-03-15 extract (hand-added to the fixture)."""
    return dict(aptnum=aptnum, patnum="590", aptstatus=status, aptdatetime=start, pattern="XXXX", clinicnum=clinic,
                datetstamp=stamp, secdatetentry=entry, _source_id="od_main", _extract_date="2026-03-15",
                _file=EXTRA_FILE, _line=line, _is_deleted=False, _load_id="test")


EXTRA_ROWS = [
    # past start, still "scheduled", nothing recorded -> unresolved
    od_row("2001", 1, "2026-03-10 09:00:00", "1", "2026-03-01 10:00:00", "2026-03-01 10:00:00", 100),
    # start after the as-of time 2026-03-15 00:00 -> open (unresolved once the as-of date is 2026-05-20)
    od_row("2002", 1, "2026-03-18 09:00:00", "1", "2026-03-01 10:00:00", "2026-03-01 10:00:00", 101),
    # completed after go-live (LOC-001 goes live 2026-04-06)
    od_row("2003", 2, "2026-04-25 10:00:00", "1", "2026-04-25 11:00:00", "2026-04-01 10:00:00", 102),
    # first seen broken, recorded 11:00 for a 10:00 start: notice -1 h -> no_call_no_show; booked 30 min ahead
    od_row("2004", 5, "2026-04-27 10:00:00", "1", "2026-04-27 11:00:00", "2026-04-27 09:30:00", 103),
    # ClinicNum 99 is no location of od_main (and not 0/blank) -> quarantined unmapped_location
    od_row("2005", 1, "2026-03-12 09:00:00", "99", "2026-03-01 10:00:00", "2026-03-01 10:00:00", 104),
]


def query(path: Path, sql: str) -> list[tuple]:
    """Rows of a query against the warehouse, read-only."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.sql(sql).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture drop loaded, extra rows added and the slot models built (as-of = latest extract 2026-03-15)."""
    path = tmp_path_factory.mktemp("slots") / "warehouse.duckdb"
    con = duckdb.connect(str(path))
    try:
        load_drop(DROP, con)
        for row in EXTRA_ROWS:
            cols = ", ".join(row)
            con.execute(f"insert into raw.opendental__appointment ({cols}) values ({', '.join('?' for _ in row)})",
                        list(row.values()))
    finally:
        con.close()
    proc = run_dbt(path, "build", *SELECT, env={"DSO_AS_OF_DATE": ""})
    assert proc.returncode == 0, proc.stdout[-4000:]
    return path


def outcomes(path: Path) -> dict[tuple[str, str], str]:
    """(appointment_id, slot start) -> outcome."""
    rows = query(path, "select appointment_id, strftime(slot_start, '%m-%d %H:%M'), outcome "
                       "from intermediate.int_appointment_slots")
    return {(a, s): o for a, s, o in rows}


def test_slot_outcomes_by_vendor(warehouse: Path) -> None:
    """Every fixture slot gets the outcome worked out by hand from the CSVs (as-of 2026-03-15 00:00)."""
    assert outcomes(warehouse) == {
        # Open Dental. 1001: 03-03 09:00 moved to 14:00 by hist 9006 at 03-02 15:00 -> notice 18 h -> late_cancel;
        # the 14:00 slot is completed (current AptStatus 2).
        ("1001", "03-03 09:00"): "late_cancel",
        ("1001", "03-03 14:00"): "completed",
        # 1002: broken (AptStatus 5) recorded 03-04 11:30 for 10:00 -> notice -1.5 h -> no_call_no_show
        ("1002", "03-04 10:00"): "no_call_no_show",
        # 1003: Planned, no AptDateTime -> no slot. 1004: broken 03-04 16:00 (then Unscheduled List 16:01)
        # for 03-05 08:00 -> notice 16 h -> late_cancel
        ("1004", "03-05 08:00"): "late_cancel",
        # 1005: absent from the full extract of 03-15 -> deleted at 03-15 00:00 for 03-20 09:00 -> 129 h
        ("1005", "03-20 09:00"): "advance_cancel",
        ("1006", "03-06 13:00"): "completed",
        # hand-added rows
        ("2001", "03-10 09:00"): "unresolved",
        ("2002", "03-18 09:00"): "open",
        ("2003", "04-25 10:00"): "completed",
        ("2004", "04-27 10:00"): "no_call_no_show",
        # Eaglesoft. E1: R at 03-02 16:00 (original 03-03 09:00) -> 17 h -> late_cancel; 13:00 walked out.
        ("E1", "03-03 09:00"): "late_cancel",
        ("E1", "03-03 13:00"): "completed",
        # E2: C at 03-04 09:00 for 10:00 -> 1 h -> late_cancel. E3 walked out.
        ("E2", "03-04 10:00"): "late_cancel",
        ("E3", "03-06 15:00"): "completed",
        # E4: F at 08:30 for 08:00, but the current version walked out: completed wins over the earlier break
        ("E4", "03-09 08:00"): "completed",
        # Dentrix. D1: moved 09:00 -> 13:00 by appthist at 03-02 15:00 -> 18 h -> late_cancel; 13:00 completed (-106)
        ("D1", "03-03 09:00"): "late_cancel",
        ("D1", "03-03 13:00"): "completed",
        # D2: appthist broken 1 at 03-04 11:00 for 10:30 -> -0.5 h -> no_call_no_show
        ("D2", "03-04 10:30"): "no_call_no_show",
        # D3: deletedflag 1 at 03-10 09:15 for 03-12 08:00 -> 46.75 h -> advance_cancel
        ("D3", "03-12 08:00"): "advance_cancel",
        ("D4", "03-06 14:00"): "completed",
    }


def test_notice_event_and_same_day_booking(warehouse: Path) -> None:
    """Closing events carry their time source; notice hours and the same-day flag follow the definitions."""
    rows = query(warehouse, """
        select appointment_id, closing_event_type, closing_time_source, notice_hours, is_same_day_booking
        from intermediate.int_appointment_slots
        where appointment_id in ('1004', '1005', 'E2', '2004', 'D4') order by appointment_id""")
    assert rows == [
        ("1004", "broken", "log", 16.0, False),            # 03-05 08:00 - 03-04 16:00; booked 02-23
        ("1005", "deleted", "extract_diff", 129.0, False),  # 03-20 09:00 - 03-15 00:00 = 5 d 9 h
        ("2004", "broken", "version", -1.0, True),          # booked 09:30 for 10:00: 0.5 h < 24 h
        ("D4", None, None, None, True),                     # created 03-06 09:00 for 14:00 the same day
        ("E2", "cancelled", "log", 1.0, False),
    ]


def test_unmapped_rows_are_quarantined(warehouse: Path) -> None:
    """ClinicNum 99 and an action-4 row of an appointment never located are listed with file and line."""
    rows = query(warehouse, "select file, line, reason from intermediate.int_appointments_unmapped order by file, line")
    assert rows == [
        # fixture hist 9012: action 4 of AptNum 1099 holding only AptNum, the 8th line of that file
        ("pms/od_main/2026-03-08/histappointment.csv", 8, "unmapped_location"),
        (EXTRA_FILE, 104, "unmapped_location"),
    ]
    assert query(warehouse, "select count(*) from marts.fct_appointment_slots where slot_start = '2026-03-12 09:00'") \
        == [(0,)]


def test_marts_hold_no_pms_ids(warehouse: Path) -> None:
    """The slot mart carries hashes only: no PMS appointment or patient id column."""
    cols = {r[0] for r in query(warehouse, "select column_name from information_schema.columns "
                                           "where table_schema = 'marts' and table_name = 'fct_appointment_slots'")}
    assert {"slot_id", "appointment_key", "patient_key"} <= cols
    assert not cols & {"appointment_id", "aptnum", "patnum", "patient_id"}


def test_baselines_before_go_live(warehouse: Path) -> None:
    """No location is live on 2026-03-15: baselines as of 03-15 over [2025-12-15, 2026-03-15)."""
    rows = query(warehouse, """
        select location_id, baseline_as_of_date::varchar, baseline_scheduled_appointments, baseline_no_show_rate,
               baseline_same_day_cancellation_rate, baseline_no_call_no_show_rate, post_status
        from marts.rpt_location_no_show_baselines order by location_id""")
    assert rows == [
        # LOC-001 (clinic 1): 1001@09 late, 1001@14 completed, 1004 late, 1006 completed = 4 scheduled
        # (2001 unresolved and 2002 open do not count): no-show 2/4, same-day 2/4, ncns 0/4
        ("LOC-001", "2026-03-15", 4, 0.5, 0.5, 0.0, "not_live"),
        # LOC-002 (clinic 2): 1002 ncns = 1 scheduled (1005 advance_cancel, and after 03-15)
        ("LOC-002", "2026-03-15", 1, 1.0, 0.0, 1.0, "not_live"),
        # LOC-003 (practice 10, chairs 1-2): E1@09 late, E1@13 completed, E4 completed: 1/3
        ("LOC-003", "2026-03-15", 3, pytest.approx(1 / 3), pytest.approx(1 / 3), 0.0, "not_live"),
        # LOC-004 (practice 20, chair 3): E2 late, E3 completed: 1/2
        ("LOC-004", "2026-03-15", 2, 0.5, 0.5, 0.0, "not_live"),
        # LOC-005 (whole Dentrix db): D1@09 late, D1@13 completed, D2 ncns, D4 completed (D3 advance): 2/4
        ("LOC-005", "2026-03-15", 4, 0.5, 0.25, 0.25, "not_live"),
    ]


@pytest.fixture(scope="module")
def after_go_live(warehouse: Path) -> Path:
    """The as-of dependent models rebuilt with DSO_AS_OF_DATE=2026-05-20."""
    # only this vertical's as-of dependent models (other verticals also read int_as_of_date_resolved)
    proc = run_dbt(warehouse, "run", "--select", "int_as_of_date_resolved", "int_appointment_slots",
                   "fct_appointment_slots", "int_metrics_location_windows", "rpt_location_no_show_baselines", "rpt_location_weekly_no_show_panel",
                   env={"DSO_AS_OF_DATE": "2026-05-20"})
    assert proc.returncode == 0, proc.stdout[-4000:]
    return warehouse


def test_baseline_and_post_after_go_live(after_go_live: Path) -> None:
    """Baseline as of go-live, post window clipped to go-live + 14 d, 'too early' under 28 days."""
    rows = {r[0]: r[1:] for r in query(after_go_live, """
        select location_id, is_live, baseline_as_of_date::varchar, baseline_scheduled_appointments,
               baseline_no_show_rate, post_status, post_window_start::varchar, post_window_days,
               post_scheduled_appointments, post_no_show_rate, post_same_day_cancellation_rate,
               post_no_call_no_show_rate, change_no_show_rate, change_same_day_cancellation_rate,
               change_no_call_no_show_rate
        from marts.rpt_location_no_show_baselines""")}
    # LOC-001, go-live 2026-04-06: baseline [2026-01-06, 04-06) = the same 4 slots, 0.5 / 0.5 / 0.
    # Post: start = max(05-20 - 90 d = 02-19, 04-06 + 14 d = 04-20) = 04-20, 30 days >= 28 -> reported.
    # In [04-20, 05-20): 2003 completed, 2004 ncns -> 2 scheduled: no-show 1/2, same-day 0/2, ncns 1/2.
    # change: no-show 0.5-0.5 = 0, same-day 0-0.5 = -0.5, ncns 0.5-0 = +0.5
    assert rows["LOC-001"] == (True, "2026-04-06", 4, 0.5, "reported", "2026-04-20", 30, 2, 0.5, 0.0, 0.5,
                               0.0, -0.5, 0.5)
    # LOC-002, go-live 05-04: baseline [02-03, 05-04): 1002 ncns -> 1, rate 1.0.
    # Post start = max(02-19, 05-18) = 05-18: 2 days < 28 -> too_early, values NULL
    assert rows["LOC-002"] == (True, "2026-05-04", 1, 1.0, "too_early", "2026-05-18", 2, None, None, None, None,
                               None, None, None)
    # LOC-004 has no go-live date: baseline as of the as-of date 05-20 over [02-19, 05-20): E2 late, E3 completed
    assert rows["LOC-004"][:5] == (False, "2026-05-20", 2, 0.5, "not_live")
    # 2002 (03-18) is now in the past with nothing recorded
    assert outcomes(after_go_live)[("2002", "03-18 09:00")] == "unresolved"


def test_weekly_panel(after_go_live: Path) -> None:
    """LOC-001 weekly panel: ISO weeks 03-02 .. 05-18 (the week of 05-19), live from the go-live week 04-06."""
    rows = query(after_go_live, """
        select week_start::varchar, is_live, scheduled_appointments, no_shows, no_show_rate
        from marts.rpt_location_weekly_no_show_panel where location_id = 'LOC-001' order by week_start""")
    assert len(rows) == 12  # Mondays 03-02, 03-09, ..., 05-18
    assert [r[0] for r in rows if r[1]] == ["2026-04-06", "2026-04-13", "2026-04-20", "2026-04-27", "2026-05-04",
                                            "2026-05-11", "2026-05-18"]
    by_week = {r[0]: r[2:] for r in rows}
    assert by_week["2026-03-02"] == (4, 2, 0.5)    # the four baseline slots of 03-03..03-06
    assert by_week["2026-03-09"] == (0, 0, None)   # 2001 (03-10) is unresolved, not scheduled
    assert by_week["2026-04-20"] == (1, 0, 0.0)    # 2003 completed Saturday 04-25
    assert by_week["2026-04-27"] == (1, 1, 1.0)    # 2004 no-call no-show Monday 04-27
