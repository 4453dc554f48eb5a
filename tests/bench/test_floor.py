"""bench/floor.sql: the hand-written floor gives the warehouse's baseline no-show and same-day cancellation rates."""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb
import pytest

from connectors.settings import REPO_ROOT

sys.path.insert(0, str(REPO_ROOT / "bench"))
from floor import floor_rates  # noqa: E402

OD_APPOINTMENT = "AptNum,PatNum,AptStatus,AptDateTime,Pattern,ClinicNum,DateTStamp,SecDateTEntry,Confirmed"
OD_HISTORY = "HistApptNum,HistDateTStamp,HistApptAction,AptNum,PatNum,AptStatus,AptDateTime,ClinicNum,Pattern"
ES_APPOINTMENT = ("appointment_id,patient_id,start_time,end_time,location_id,classification,date_appointed,"
                  "arrival_status,recall_id,confirmation_status,dollars_scheduled")
ES_LOG = "appt_id,patient_id,appt_log_action,log_time,original_start_time,user_id,location_id"
DX_APPT = ("appointment_id,patient_id,appointment_date,start_hour,start_minute,status_id,operatory_id,broken,"
           "modified_time_stamp,length,amount")
DX_HIST = ("parentapptid,deletedflag,createflag,createddate,modifieddate,modifiedtime,apptdate,timehr,timemin,status,"
           "patid,broken,opid")


def write_csv(path: Path, lines: list[str]) -> None:
    """Write CSV lines (header first), creating the folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")


def write_tiny_drop(root: Path) -> Path:
    """One extract dated 2026-03-02 (the as-of date): Open Dental (two clinics), Eaglesoft, Dentrix."""
    (root / "pms" / "od-x" / "2026-03-02").mkdir(parents=True)
    (root / "locations.csv").write_text(
        "location_id,location_name,region,regional_manager,pms,pms_version,source_id,source_location_key,timezone,"
        "opened_date,wave,go_live_date,planned_major_change\n"
        "LOC-001,A,R,rm@example.com,opendental,24.1.22,od-x,1,America/Chicago,2020-01-01,,,\n"
        "LOC-002,B,R,rm@example.com,opendental,24.1.22,od-x,2,America/Chicago,2020-01-01,1,2026-02-14,\n"
        "LOC-003,C,R,rm@example.com,eaglesoft,24.00,es-x,7,America/Chicago,2020-01-01,,,\n"
        "LOC-004,D,R,rm@example.com,dentrix,G7.3,dx-x,,America/Chicago,2020-01-01,,,\n"
    )
    es = root / "pms" / "es-x" / "2026-03-02"
    write_csv(es / "chairs.csv", ["chair_num,practice_id", "3,7"])
    write_csv(es / "appointment.csv", [
        ES_APPOINTMENT,
        "2,22,2026-02-11 09:00:00,2026-02-11 10:00:00,3,1,2026-01-05 10:00:00,4,,1,",  # walked out: completed
    ])
    write_csv(es / "appt_log.csv", [
        ES_LOG,
        "1,21,A,2026-01-05 10:00:00,2026-02-10 09:00:00,FD1,3",
        "1,21,F,2026-02-10 09:20:00,2026-02-10 09:00:00,FD1,3",  # failed, 20 min after the start
        "3,23,A,2026-01-05 10:00:00,2026-02-12 09:00:00,FD1,3",
        "3,23,C,2026-02-12 08:00:00,2026-02-12 09:00:00,FD1,3",  # cancelled 1 h ahead
    ])
    dx = root / "pms" / "dx-x" / "2026-03-02"
    write_csv(dx / "v_appt_status_codes.csv", ["defid,descript", "-106,<COMPLETE>", "0,<none>"])
    write_csv(dx / "v_appt.csv", [
        DX_APPT,
        "1,31,2026-02-10,9,0,-106,1,0,2026-02-10 10:00:00,60,",  # completed
        "2,32,2026-02-11,9,0,0,1,1,2026-02-10 20:00:00,60,",  # broken 13 h ahead
        "3,33,2026-02-12,9,0,0,1,0,2026-01-10 20:00:00,60,",  # nothing recorded: unresolved
    ])
    write_csv(dx / "appthist.csv", [DX_HIST])
    extract = root / "pms" / "od-x" / "2026-03-02"
    (extract / "appointment.csv").write_text("\n".join([
        OD_APPOINTMENT,
        "1,11,2,2026-02-10 09:00:00,/XX/,1,2026-02-10 10:00:00,2026-01-01 10:00:00,",  # completed
        "2,12,5,2026-02-11 09:00:00,/XX/,1,2026-02-11 09:30:00,2026-01-01 10:00:00,",  # missed (history)
        "3,13,5,2026-02-12 09:00:00,/XX/,1,2026-02-11 20:00:00,2026-01-01 10:00:00,",  # cancelled 13 h ahead
        "4,14,2,2026-02-20 09:00:00,/XX/,1,2026-02-20 10:00:00,2026-01-01 10:00:00,",  # moved 48 h ahead, completed
        "5,15,5,2026-02-15 09:00:00,/XX/,1,2026-02-14 09:00:00,2026-01-01 10:00:00,",  # cancelled exactly 24 h ahead
        "6,16,2,2025-11-30 09:00:00,/XX/,1,2025-11-30 10:00:00,2025-11-01 10:00:00,",  # before the window
        "7,17,6,2026-02-16 09:00:00,/XX/,1,2026-01-01 10:00:00,2026-01-01 10:00:00,",  # planned: not a slot
        "8,18,1,2026-03-05 09:00:00,/XX/,1,2026-01-01 10:00:00,2026-01-01 10:00:00,",  # future: open
        "9,19,2,2026-02-13 09:00:00,/XX/,2,2026-02-13 10:00:00,2026-01-01 10:00:00,",  # LOC-002 before go-live
        "10,20,5,2026-02-20 09:00:00,/XX/,2,2026-02-20 09:10:00,2026-01-01 10:00:00,",  # LOC-002 after go-live
    ]) + "\n")
    (extract / "histappointment.csv").write_text("\n".join([
        OD_HISTORY,
        "1,2026-02-11 09:30:00,2,2,12,5,2026-02-11 09:00:00,1,/XX/",
        "2,2026-02-11 20:00:00,3,3,13,5,2026-02-12 09:00:00,1,/XX/",
        "3,2026-01-01 10:00:00,0,4,14,1,2026-02-13 09:00:00,1,/XX/",
        "4,2026-02-11 09:00:00,1,4,14,1,2026-02-20 09:00:00,1,/XX/",
        "5,2026-02-14 09:00:00,3,5,15,5,2026-02-15 09:00:00,1,/XX/",
    ]) + "\n")
    return root


def test_floor_counts_a_hand_made_drop(tmp_path: Path) -> None:
    """Outcomes and windows worked out by hand for a tiny Open Dental drop."""
    drop = write_tiny_drop(tmp_path / "drop")
    rows = {r[0]: r[1:] for r in floor_rates(drop).fetchall()}
    # LOC-001, not live: as of 2026-03-02, window [2025-12-02, 2026-03-02).
    #   apt 1 completed; apt 2 missed 30 min after its start (notice < 0) -> no_call_no_show;
    #   apt 3 cancelled 13 h ahead -> late_cancel; apt 4: slot 02-13 moved 48 h ahead -> advance_cancel (not
    #   scheduled), slot 02-20 completed; apt 5 cancelled exactly 24 h ahead -> late_cancel; apt 6 before the window;
    #   apt 7 planned (no slot); apt 8 in the future (open).
    #   scheduled = 1 + 1 + 1 + 1 + 1 = 5, no_call_no_show = 1, late_cancel = 2
    assert rows["LOC-001"] == (5, 1, 2, 3 / 5, 2 / 5)
    # LOC-002, live since 2026-02-14: window [2025-11-16, 2026-02-14): apt 9 (completed 02-13) only; apt 10 is post.
    assert rows["LOC-002"] == (1, 0, 0, 0.0, 0.0)
    # LOC-003 (Eaglesoft, on chair 3 of practice 7): appt 1 failed 20 min after its start (kept by its log rows
    #   although the schedule no longer has it) -> no_call_no_show; appt 2 walked out -> completed; appt 3
    #   cancelled 1 h ahead -> late_cancel. scheduled 3, rates 2/3 and 1/3.
    assert rows["LOC-003"] == (3, 1, 1, 2 / 3, 1 / 3)
    # LOC-004 (Dentrix, whole database): appt 1 completed; appt 2 broken 13 h ahead (no history: the v_appt
    #   version's time) -> late_cancel; appt 3 unresolved (not scheduled). scheduled 2, rates 1/2 and 1/2.
    assert rows["LOC-004"] == (2, 0, 1, 1 / 2, 1 / 2)


def test_floor_as_of_date_moves_the_window(tmp_path: Path) -> None:
    """--as-of 2026-02-11: LOC-001's window [2025-11-13, 2026-02-11) holds apt 1 (completed) and apt 6 (completed)."""
    drop = write_tiny_drop(tmp_path / "drop")
    from datetime import date

    rows = {r[0]: r[1:] for r in floor_rates(drop, as_of=date(2026, 2, 11)).fetchall()}
    assert rows["LOC-001"][:3] == (2, 0, 0)
    # LOC-002's go-live (2026-02-14) is after this as-of date: not live, window [2025-11-13, 2026-02-11): nothing
    assert rows["LOC-002"][:3] == (0, 0, 0)


# Not marked slow, like the other pipeline_run tests: the session fixture is built once for all of them and this
# test itself takes about a second.
def test_floor_equals_the_published_baselines(pipeline_run: dict) -> None:
    """Every location: the floor's counts and rates equal rpt_location_(no_show_)baselines of the full pipeline."""
    floor = {r[0]: r[1:] for r in floor_rates(pipeline_run["drop"]).fetchall()}
    con = duckdb.connect(str(pipeline_run["published"]), read_only=True)
    try:
        published = {
            r[0]: r[1:]
            for r in con.execute(
                "select b.location_id, b.baseline_scheduled_appointments, n.baseline_no_call_no_shows, "
                "n.baseline_late_cancels, b.baseline_no_show_rate, b.baseline_same_day_cancellation_rate "
                "from rpt_location_baselines as b join rpt_location_no_show_baselines as n using (location_id)"
            ).fetchall()
        }
    finally:
        con.close()
    assert set(floor) == set(published) and len(floor) == 6
    for location_id, (scheduled, ncns, late, no_show, same_day) in published.items():
        f_scheduled, f_ncns, f_late, f_no_show, f_same_day = floor[location_id]
        assert scheduled > 100, location_id  # a real baseline, not an empty window
        assert (f_scheduled, f_ncns, f_late) == (scheduled, ncns, late), location_id
        assert f_no_show == pytest.approx(no_show, abs=1e-9), location_id
        assert f_same_day == pytest.approx(same_day, abs=1e-9), location_id
