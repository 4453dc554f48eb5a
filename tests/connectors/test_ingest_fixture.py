"""Load the hand-made fixture drop tests/fixtures/drop_small and check the raw layer it produces."""

from __future__ import annotations

from datetime import date, datetime, time, timezone
from pathlib import Path

import duckdb
import pytest

from connector_helpers import check_accounting, write
from connectors.ingest import load_drop, main

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "drop_small"


@pytest.fixture(scope="module")
def loaded() -> tuple[duckdb.DuckDBPyConnection, object]:
    """The fixture drop loaded once into an in-memory DuckDB."""
    con = duckdb.connect()
    report = load_drop(FIXTURE, con)
    yield con, report
    con.close()


def q(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple]:
    """Fetch all rows of a query."""
    return con.sql(sql).fetchall()


def test_every_file_loads_without_errors_or_quarantine(loaded) -> None:
    con, report = loaded
    assert report.errors == []
    # 1 registry + OD 9+2+2 + ES 6+2+2 + DX 5+2+2 + comms 4+1 + reviews 1 + manual 4 = 43 files
    assert len(report.loaded) == 43
    assert q(con, "SELECT count(*) FROM meta.quarantine") == [(0,)]
    assert report.warnings == []
    check_accounting(con)


def test_versions_are_appended_per_extract(loaded) -> None:
    con, _ = loaded
    # 1001 is in all three appointment extracts: 09:00 (03-01), moved to 14:00 (03-08, 03-15)
    rows = q(con, "SELECT _extract_date, aptdatetime, _line FROM raw.opendental__appointment "
                  "WHERE aptnum = '1001' ORDER BY _extract_date")
    assert rows == [
        (date(2026, 3, 1), datetime(2026, 3, 3, 9, 0), 2),
        (date(2026, 3, 8), datetime(2026, 3, 3, 14, 0), 2),
        (date(2026, 3, 15), datetime(2026, 3, 3, 14, 0), 2),
    ]


def test_open_dental_sentinel_dates_read_as_null(loaded) -> None:
    con, _ = loaded
    # 1003 is a planned appointment with AptDateTime 0001-01-01 00:00:00 (nullable column): loaded, NULL
    assert q(con, "SELECT DISTINCT aptdatetime, aptstatus FROM raw.opendental__appointment WHERE aptnum = '1003'") == [
        (None, 6)]
    # patient 502 Birthdate 0001-01-01 -> NULL; recall 3001 DateScheduled 0001-01-01 -> NULL
    assert q(con, "SELECT birthdate FROM raw.opendental__patient WHERE patnum = '502'") == [(None,)]
    assert q(con, "SELECT datescheduled, datedue FROM raw.opendental__recall WHERE recallnum = '3001'") == [
        (None, date(2026, 3, 10))]


def test_full_extract_absence_creates_deleted_versions(loaded) -> None:
    con, _ = loaded
    # OD 1005, Eaglesoft E2 and Dentrix D3 are absent from the 2026-03-15 full extracts
    assert q(con, "SELECT aptnum, _extract_date, _line, patnum, _file FROM raw.opendental__appointment "
                  "WHERE _is_deleted") == [
        ("1005", date(2026, 3, 15), None, None, "pms/od_main/2026-03-15/appointment.csv")]
    assert q(con, "SELECT appointment_id FROM raw.eaglesoft__appointment WHERE _is_deleted") == [("E2",)]
    assert q(con, "SELECT appointment_id FROM raw.dentrix__v_appt WHERE _is_deleted") == [("D3",)]
    # log tables and tables without a file in the full folder get none
    for t in ("opendental__histappointment", "opendental__patient", "eaglesoft__appt_log", "dentrix__appthist"):
        assert q(con, f"SELECT count(*) FROM raw.{t} WHERE _is_deleted") == [(0,)]
    # the delta extract 03-08 lacks 1003 and 1005 but creates no deleted version
    assert q(con, "SELECT count(*) FROM raw.opendental__appointment WHERE _is_deleted AND _extract_date = '2026-03-08'"
             ) == [(0,)]


def test_issue_cases_load(loaded) -> None:
    con, _ = loaded
    # same-day booking: 1006 entered 03-06 08:15 for 13:00 that day
    assert q(con, "SELECT DISTINCT secdatetentry, aptdatetime FROM raw.opendental__appointment WHERE aptnum = '1006'"
             ) == [(datetime(2026, 3, 6, 8, 15), datetime(2026, 3, 6, 13, 0))]
    # broken then unscheduled list: 1004 history rows status 5 then 3
    assert q(con, "SELECT aptstatus FROM raw.opendental__histappointment WHERE aptnum = '1004' "
                  "ORDER BY histdatetstamp") == [(1,), (5,), (3,)]
    # action 4 row with only the relaxed required columns loads
    assert q(con, "SELECT histapptaction, patnum, aptstatus FROM raw.opendental__histappointment "
                  "WHERE histapptnum = '9012'") == [(4, None, None)]
    # Eaglesoft move within 24 h: R row logged 03-02 16:00, original start 03-03 09:00
    assert q(con, "SELECT log_time, original_start_time FROM raw.eaglesoft__appt_log WHERE appt_log_action = 'R'") == [
        (datetime(2026, 3, 2, 16, 0), datetime(2026, 3, 3, 9, 0))]
    # Dentrix break after the start: D2 broken = 1 at 11:00, start 10:30
    assert q(con, "SELECT broken, modified_time_stamp FROM raw.dentrix__v_appt WHERE appointment_id = 'D2' "
                  "AND _extract_date = '2026-03-08'") == [(1, datetime(2026, 3, 4, 11, 0))]


def test_typed_values(loaded) -> None:
    con, _ = loaded
    utc = timezone.utc
    # -06:00 offset: 09:00 local = 15:00 UTC
    assert q(con, "SELECT sent_at FROM raw.comms__messages WHERE message_id = 'M1'") == [
        (datetime(2026, 3, 2, 15, 0, tzinfo=utc),)]
    # dt_or_tstz: S1 wall-clock -> _local only; S2 with -05:00 -> _utc 14:00
    assert q(con, "SELECT event_id, pms_changed_at_local, pms_changed_at_utc FROM raw.comms__sync_events "
                  "ORDER BY event_id") == [
        ("S1", datetime(2026, 3, 2, 15, 0), None),
        ("S2", None, datetime(2026, 3, 4, 14, 0, tzinfo=utc)),
    ]
    # date_or_tstz: R1 created tstz, responded date; R2 created date, not responded
    assert q(con, "SELECT review_id, created_at_date, created_at_utc, responded_at_date, rating "
                  "FROM raw.reviews__reviews ORDER BY review_id") == [
        ("R1", None, datetime(2026, 3, 4, 18, 0, tzinfo=utc), date(2026, 3, 5), 5),
        ("R2", date(2026, 3, 7), None, None, 2),
    ]
    # Dentrix: date_or_dt createddate, time modifiedtime, b01 flags
    assert q(con, "SELECT createddate, modifiedtime, createflag FROM raw.dentrix__appthist "
                  "WHERE parentapptid = 'D2' AND _extract_date = '2026-03-01'") == [
        (datetime(2026, 2, 21, 11, 0), time(11, 0), True)]
    # Eaglesoft yn and dec
    assert q(con, "SELECT receives_sms FROM raw.eaglesoft__patient ORDER BY patient_id") == [(True,), (False,), (None,)]
    assert q(con, "SELECT dollars_scheduled FROM raw.eaglesoft__appointment WHERE appointment_id = 'E2' AND NOT _is_deleted") == [(90.0,)]
    # keys are never reformatted; registry wave blank -> NULL
    assert q(con, "SELECT wave, go_live_date FROM raw.registry__locations WHERE location_id = 'LOC-004'") == [
        (None, None)]


def test_unlisted_columns_are_never_loaded(loaded) -> None:
    con, _ = loaded
    cols = {r[0] for r in q(con, "SELECT column_name FROM information_schema.columns WHERE table_schema = 'raw'")}
    # Note (appointment) and SSN (patient) are in the files but not in the contract
    assert "note" not in cols and "ssn" not in cols
    assert "aptnum" in cols and "_is_deleted" in cols


def test_source_settings_and_metadata(loaded) -> None:
    con, _ = loaded
    assert q(con, "SELECT source_id, vendor, recall_interval_default, recall_frequency_unit FROM raw.source_settings "
                  "ORDER BY source_id") == [
        ("dx_one", "dentrix", "6m", None), ("es_main", "eaglesoft", "6m", "months"),
        ("od_main", "opendental", "6m", None)]
    assert q(con, "SELECT DISTINCT _source_id, _extract_date FROM raw.manual__time_study") == [("manual", None)]
    assert q(con, "SELECT mode, encoding FROM meta.file_loads WHERE file = 'pms/od_main/2026-03-08/appointment.csv'"
             ) == [("delta", "utf-8")]


def test_refresh_one_source_replaces_only_its_rows(tmp_path: Path) -> None:
    import shutil

    drop = tmp_path / "drop"
    shutil.copytree(FIXTURE, drop)
    con = duckdb.connect()
    load_drop(drop, con)
    before_od = q(con, "SELECT count(*) FROM raw.opendental__appointment")[0][0]  # 15 rows incl. 1 deleted
    assert before_od == 15
    # add a comms message, then refresh only comms
    write(drop, "comms/2026-03-15/messages.csv",
          "message_id,location_id,pms_patient_id,pms_appointment_id,campaign,channel,direction,sent_at,"
          "delivery_status,in_reply_to,body_class\n"
          "M4,LOC-005,701,D3,reminder,sms,outbound,2026-03-11T08:00:00-06:00,delivered,,\n"
          "M5,LOC-002,502,1002,reminder,sms,outbound,2026-03-03T08:00:00-06:00,delivered,,\n")
    # and change an OD file that must NOT be re-read
    (drop / "pms/od_main/2026-03-15/appointment.csv").write_text("garbage\n")
    report = load_drop(drop, con, sources=["comms"])
    assert report.errors == []
    assert q(con, "SELECT count(*) FROM raw.comms__messages") == [(5,)]  # 3 + 2, old comms rows replaced
    assert q(con, "SELECT count(*) FROM raw.opendental__appointment")[0][0] == before_od
    assert q(con, "SELECT count(*) FROM meta.file_loads WHERE file LIKE 'comms/%'") == [(5,)]  # 5 files, no duplicates
    # a refresh of od_main now reads the broken file: that file fails, the source's other files load
    report = load_drop(drop, con, sources=["od_main"])
    assert [e.file for e in report.errors] == ["pms/od_main/2026-03-15/appointment.csv"]
    # 03-15 file gone: 1003/1004/... no longer get 03-15 versions, and 1005 is not deleted
    assert q(con, "SELECT count(*) FROM raw.opendental__appointment WHERE _extract_date = '2026-03-15'") == [(0,)]
    assert q(con, "SELECT count(*) FROM raw.comms__messages") == [(5,)]
    check_accounting(con)
    con.close()


def test_cli_prints_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    wh = tmp_path / "wh.duckdb"
    rc = main(["--drop", str(FIXTURE), "--warehouse", str(wh)])
    out = capsys.readouterr().out
    assert rc == 0
    assert "pms/od_main/2026-03-15/appointment.csv" in out and "43 files loaded, 0 errors" in out
    con = duckdb.connect(str(wh), read_only=True)
    assert q(con, "SELECT count(*) FROM raw.registry__locations") == [(5,)]
    con.close()
