"""Bad input (extracts.md §7): each case in a tiny drop; the message names the file, the rest still loads."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import duckdb

from connector_helpers import check_accounting, write
from connectors.ingest import load_drop

OD = "pms/od_main/2026-03-01"
HDR = "AptNum,PatNum,AptStatus,AptDateTime,Pattern,ClinicNum,DateTStamp,SecDateTEntry"  # 8 columns
ROW1 = "1001,501,1,2026-03-03 09:00:00,XXXX,1,2026-02-20 10:00:00,2026-02-20 10:00:00"
ROW2 = "1002,502,1,2026-03-04 10:00:00,XXXX,2,2026-02-21 11:00:00,2026-02-21 11:00:00"
PATIENT = "PatNum,PatStatus,LName,Birthdate\n501,0,Synthetic,1980-05-17\n"


def quarantine(con: duckdb.DuckDBPyConnection, file: str) -> list[tuple]:
    """(line, reason) of the quarantined rows of one file."""
    return con.sql(f"SELECT line, reason FROM meta.quarantine WHERE file = '{file}' ORDER BY line").fetchall()


def load(drop: Path, con: duckdb.DuckDBPyConnection):
    """Load and check the accounting invariant."""
    report = load_drop(drop, con)
    check_accounting(con)
    return report


def test_missing_required_column_fails_only_that_file(drop: Path, con) -> None:
    hdr = HDR.replace(",AptDateTime", "")
    write(drop, f"{OD}/appointment.csv", hdr + "\n1001,501,1,XXXX,1,2026-02-20 10:00:00,2026-02-20 10:00:00\n")
    write(drop, f"{OD}/patient.csv", PATIENT)
    r = load(drop, con)
    res = r.result(f"{OD}/appointment.csv")
    assert res.status == "error"
    assert res.message == f"{OD}/appointment.csv: missing required column(s): AptDateTime"
    assert r.result(f"{OD}/patient.csv").rows_loaded == 1
    assert con.sql("SELECT count(*) FROM raw.opendental__appointment").fetchall() == [(0,)]


def test_undecodable_file_is_a_clear_error(drop: Path, con) -> None:
    # \xfc is 'ü' in windows-1252 and invalid UTF-8; no manifest says windows-1252
    write(drop, f"{OD}/patient.csv", b"PatNum,PatStatus,LName\n501,0,Synthetic\n502,0,M\xfcller\n")
    write(drop, f"{OD}/appointment.csv", f"{HDR}\n{ROW1}\n")
    r = load(drop, con)
    res = r.result(f"{OD}/patient.csv")
    assert res.status == "error"
    assert res.message.startswith(f"{OD}/patient.csv: cannot decode as utf-8 at line 3")
    assert "windows-1252" in res.message
    assert r.result(f"{OD}/appointment.csv").rows_loaded == 1


def test_windows_1252_file_with_manifest(drop: Path, con) -> None:
    write(drop, f"{OD}/_manifest.json", '{"mode": "full", "encoding": "windows-1252"}')
    # \xfc = ü, \x80 = € in windows-1252
    write(drop, f"{OD}/patient.csv", b"PatNum,PatStatus,LName,FName\r\n501,0,M\xfcller,\x80va\r\n")
    r = load(drop, con)
    res = r.result(f"{OD}/patient.csv")
    assert (res.status, res.encoding, res.rows_loaded) == ("loaded", "windows-1252", 1)
    assert con.sql("SELECT lname, fname FROM raw.opendental__patient").fetchall() == [("Müller", "€va")]


def test_bom_and_crlf(drop: Path, con) -> None:
    content = "\ufeff" + HDR + "\r\n" + ROW1 + "\r\n" + ROW2 + "\r\n"
    write(drop, f"{OD}/appointment.csv", content)
    r = load(drop, con)
    res = r.result(f"{OD}/appointment.csv")
    assert (res.status, res.rows_loaded, res.warnings) == ("loaded", 2, [])
    # no stray \r in the last column, line numbers 2 and 3
    assert con.sql("SELECT aptnum, secdatetentry, _line FROM raw.opendental__appointment ORDER BY _line").fetchall() == [
        ("1001", datetime(2026, 2, 20, 10, 0), 2), ("1002", datetime(2026, 2, 21, 11, 0), 3)]


def test_truncated_last_line_is_quarantined(drop: Path, con) -> None:
    write(drop, f"{OD}/appointment.csv", f"{HDR}\n{ROW1}\n{ROW2}\n1003,503,1,2026-03-05 09:00:00,XX")
    write(drop, "pms/od_main/2026-03-02/appointment.csv", f'{HDR}\n{ROW1}\n1003,503,1,"2026-03-05 09:')
    r = load(drop, con)
    res = r.result(f"{OD}/appointment.csv")
    assert (res.rows_read, res.rows_loaded, res.rows_quarantined) == (3, 2, 1)
    assert quarantine(con, f"{OD}/appointment.csv") == [(4, "truncated last line (expected 8 fields, got 5)")]
    assert quarantine(con, "pms/od_main/2026-03-02/appointment.csv") == [
        (3, "truncated last line (unterminated quoted field)")]
    # a last line without newline that is complete still loads
    assert r.result("pms/od_main/2026-03-02/appointment.csv").rows_loaded == 1


def test_field_count_and_footer_rows_are_quarantined(drop: Path, con) -> None:
    rows = [HDR, ROW1, "1002,502,1,2026-03-04 10:00:00,XXXX,2,2026-02-21 11:00:00",  # 7 fields
            ROW2.replace("1002", "1003") + ",extra",                               # 9 fields
            ROW2.replace("1002", "1004"),
            "Total: 1234 appointments"]                                            # report footer
    write(drop, f"{OD}/appointment.csv", "\n".join(rows) + "\n")
    r = load(drop, con)
    res = r.result(f"{OD}/appointment.csv")
    assert (res.status, res.rows_read, res.rows_loaded, res.rows_quarantined) == ("loaded", 5, 2, 3)
    assert quarantine(con, f"{OD}/appointment.csv") == [
        (3, "field count: expected 8 fields, got 7"),
        (4, "field count: expected 8 fields, got more than 8"),
        (6, "field count: expected 8 fields, got 1"),
    ]
    # raw_record keeps contract columns only, as read
    raw = con.sql("SELECT raw_record FROM meta.quarantine WHERE line = 6").fetchall()[0][0]
    assert '"AptNum":"Total: 1234 appointments"' in raw


def test_duplicated_header_and_empty_files(drop: Path, con) -> None:
    write(drop, f"{OD}/appointment.csv", HDR + ",AptNum\n" + ROW1 + ",1001\n")
    write(drop, f"{OD}/patient.csv", b"")
    write(drop, f"{OD}/recall.csv",
          "RecallNum,PatNum,RecallTypeNum,DateDue,DateDueCalc,IsDisabled,DateTStamp\n")
    r = load(drop, con)
    assert r.result(f"{OD}/appointment.csv").message == (
        f"{OD}/appointment.csv: duplicated column name(s) in header: AptNum")
    assert r.result(f"{OD}/patient.csv").message == f"{OD}/patient.csv: empty file (0 bytes): no header row"
    rec = r.result(f"{OD}/recall.csv")
    assert (rec.status, rec.rows_read, rec.warnings) == ("loaded", 0, ["header only: no data rows"])


def test_file_of_another_vendor_in_the_wrong_folder(drop: Path, con) -> None:
    # a Dentrix v_appt export saved as Open Dental appointment.csv
    write(drop, f"{OD}/appointment.csv",
          "appointment_id,patient_id,appointment_date,start_hour,start_minute,status_id,operatory_id,broken,"
          "modified_time_stamp\nD1,701,2026-03-03,9,0,0,OP1,0,2026-02-20 10:00:00\n")
    r = load(drop, con)
    msg = r.result(f"{OD}/appointment.csv").message
    assert msg.startswith(f"{OD}/appointment.csv: missing required column(s): AptNum, PatNum")
    assert "dentrix v_appt.csv" in msg


def test_invalid_manifest_skips_that_folder_only(drop: Path, con) -> None:
    write(drop, f"{OD}/_manifest.json", '{"mode": "fulll"}')
    write(drop, f"{OD}/appointment.csv", f"{HDR}\n{ROW1}\n")
    write(drop, "pms/od_main/2026-03-08/_manifest.json", "{not json")
    write(drop, "pms/od_main/2026-03-08/appointment.csv", f"{HDR}\n{ROW1}\n")
    write(drop, "pms/od_main/2026-03-15/appointment.csv", f"{HDR}\n{ROW2}\n")
    r = load(drop, con)
    msgs = {e.file: e.message for e in r.errors}
    assert msgs[OD].startswith(f"{OD}/_manifest.json: invalid manifest: mode 'fulll'")
    assert msgs["pms/od_main/2026-03-08"].startswith("pms/od_main/2026-03-08/_manifest.json: invalid manifest")
    assert con.sql("SELECT aptnum, _extract_date FROM raw.opendental__appointment").fetchall() == [
        ("1002", date(2026, 3, 15))]
    row = con.sql(f"SELECT status, table_name FROM meta.file_loads WHERE file = '{OD}'").fetchall()
    assert row == [("error", None)]


def test_invalid_mapping_skips_the_source(drop: Path, con) -> None:
    write(drop, "pms/od_main/mapping.yml", "columns: {}\nrecall_frequency_unit: months\nfoo: 1\n")
    write(drop, f"{OD}/appointment.csv", f"{HDR}\n{ROW1}\n")
    write(drop, "pms/dx_one/2026-03-01/v_appt_status_codes.csv", "defid,descript\n0,<none>\n")
    r = load(drop, con)
    msg = r.result("pms/od_main/mapping.yml").message
    assert msg.startswith("pms/od_main/mapping.yml: invalid mapping:")
    assert "key 'recall_frequency_unit' is not allowed for a opendental source" in msg and "key 'foo'" in msg
    assert con.sql("SELECT count(*) FROM raw.opendental__appointment").fetchall() == [(0,)]
    assert con.sql("SELECT count(*) FROM raw.dentrix__v_appt_status_codes").fetchall() == [(1,)]


def test_mapping_rename_case_insensitive_header_and_overrides(drop: Path, con) -> None:
    write(drop, "pms/od_main/mapping.yml",
          "columns:\n  appointment: {AptDateTime: Appt_Start}\n"
          "codes:\n  appointment.AptStatus: {'9': completed}\n"
          "recall_trigger_codes: [D0120, D1110]\nrecall_interval_default: 26w\nlocation_for_blank_key: LOC-001\n")
    hdr = HDR.replace("AptDateTime", "Appt_Start").replace("PatNum", "patnum")
    write(drop, f"{OD}/appointment.csv", f"{hdr}\n{ROW1}\n")
    r = load(drop, con)
    res = r.result(f"{OD}/appointment.csv")
    assert (res.status, res.rows_loaded) == ("loaded", 1)
    assert res.warnings == ["column PatNum matched case-insensitively to header 'patnum'"]
    assert con.sql("SELECT patnum, aptdatetime FROM raw.opendental__appointment").fetchall() == [
        ("501", datetime(2026, 3, 3, 9, 0))]
    assert con.sql("SELECT recall_trigger_codes, recall_interval_default, location_for_blank_key "
                   "FROM raw.source_settings WHERE source_id = 'od_main'").fetchall() == [
        (["D0120", "D1110"], "26w", "LOC-001")]
    assert con.sql("SELECT * FROM raw.source_code_overrides").fetchall() == [
        ("od_main", "appointment", "AptStatus", "9", "completed")]


def test_bad_values_are_quarantined_with_specific_reasons(drop: Path, con) -> None:
    rows = [HDR, ROW1,
            "1002,502,1,03/02/2026 09:00,XXXX,2,2026-02-21 11:00:00,",          # locale dt; SecDateTEntry nullable
            ",503,1,2026-03-04 10:00:00,XXXX,2,2026-02-21 11:00:00,",            # NULL key
            "1004,504,x,2026-03-04 10:00:00,XXXX,2,0001-01-01 00:00:00,"]       # bad int; sentinel in non-nullable
    write(drop, f"{OD}/appointment.csv", "\n".join(rows) + "\n")
    write(drop, f"{OD}/patient.csv", "PatNum,PatStatus,Birthdate,TxtMsgOk\n501,0,1980-13-45,1\n502,0,17/05/1980,z\n")
    r = load(drop, con)
    assert quarantine(con, f"{OD}/appointment.csv") == [
        (3, "AptDateTime: unparseable dt '03/02/2026 09:00'"),
        (4, "AptNum: missing value"),
        (5, "AptStatus: unparseable int 'x'; DateTStamp: missing value"),
    ]
    # unparseable optional values: NULL + a finding per column (not quarantined)
    assert r.result(f"{OD}/patient.csv").rows_loaded == 2
    assert con.sql("SELECT birthdate, txtmsgok FROM raw.opendental__patient ORDER BY patnum").fetchall() == [
        (None, 1), (None, None)]
    assert con.sql(f"SELECT column_name, finding, n_rows FROM meta.parse_findings WHERE file = '{OD}/patient.csv' "
                   "ORDER BY column_name").fetchall() == [
        ("birthdate", "unparseable_date", 2), ("txtmsgok", "unparseable_int", 1)]


def test_feed_rows_tstz_without_offset_unknown_location_range_enum(drop: Path, con) -> None:
    write(drop, "comms/2026-03-08/messages.csv",
          "message_id,location_id,pms_patient_id,pms_appointment_id,campaign,channel,direction,sent_at,"
          "delivery_status,in_reply_to,body_class\n"
          "M1,LOC-001,501,,reminder,sms,outbound,2026-03-02T09:00:00-06:00,delivered,,\n"
          "M2,LOC-001,501,,reminder,sms,outbound,2026-03-02 09:00:00,delivered,,\n"
          "M3,LOC-999,501,,reminder,sms,outbound,2026-03-02T09:00:00Z,delivered,,\n")
    write(drop, "reviews/2026-03-08/reviews.csv",
          "review_id,location_id,platform,rating,created_at,responded_at\nR1,LOC-001,google,7,2026-03-01,\n")
    write(drop, "manual/time_study.csv",
          "location_id,week_start,staff_role,hours_confirmations,hours_recall_calls,hours_patient_inquiries,"
          "hours_other_communication,fte_hours_total_week\n"
          "LOC-001,2026-02-02,janitor,1,1,1,1,40\nLOC-001,2026-02-02,front_desk,10,10,10,15,40\n")
    load(drop, con)
    assert quarantine(con, "comms/2026-03-08/messages.csv") == [
        (3, "sent_at: unparseable tstz '2026-03-02 09:00:00' (no UTC offset)"),
        (4, "unknown_location: location_id 'LOC-999' is not in locations.csv"),
    ]
    assert quarantine(con, "reviews/2026-03-08/reviews.csv") == [(2, "rating: '7' out of range [1, 5]")]
    assert quarantine(con, "manual/time_study.csv") == [
        (2, "staff_role: 'janitor' is not one of front_desk, office_manager, treatment_coordinator, hygienist, "
            "assistant, dentist, other"),
        (3, "fte_hours_total_week is below the sum of communication hours"),  # 45 > 40
    ]


def test_quoted_newlines_and_blank_lines_keep_true_line_numbers(drop: Path, con) -> None:
    hdr = HDR + ",Note"
    # record 2 spans lines 3-4 (newline inside the quoted Note); the bad record starts on line 5
    content = f'{hdr}\n{ROW1},plain\n{ROW2},"two\nlines"\n1003,503,1,bad,XXXX,1,2026-02-20 10:00:00,,x\n'
    write(drop, f"{OD}/appointment.csv", content)
    # a blank line 3: the bad record is on line 5
    write(drop, f"{OD}/patient.csv", "PatNum,PatStatus\n501,0\n\n502,0\n503,x\n")
    load(drop, con)
    assert con.sql("SELECT aptnum, _line FROM raw.opendental__appointment ORDER BY aptnum").fetchall() == [
        ("1001", 2), ("1002", 3)]
    assert quarantine(con, f"{OD}/appointment.csv") == [(5, "AptDateTime: unparseable dt 'bad'")]
    assert quarantine(con, f"{OD}/patient.csv") == [(5, "PatStatus: unparseable int 'x'")]
    assert con.sql("SELECT patnum, _line FROM raw.opendental__patient ORDER BY patnum").fetchall() == [
        ("501", 2), ("502", 4)]


def test_duplicate_keys_and_whole_row_duplicates(drop: Path, con) -> None:
    write(drop, f"{OD}/appointment.csv", f"{HDR}\n{ROW1}\n{ROW1}\n{ROW2}\n")
    hist = ("parentapptid,deletedflag,createflag,createddate,modifieddate,modifiedtime,apptdate,timehr,timemin,"
            "status,patid\n")
    row = "D1,0,1,2026-02-20,2026-02-20,10:00,2026-03-03,9,0,0,701\n"
    write(drop, "pms/dx_one/2026-03-01/appthist.csv", hist + row + row.replace("9,0,0", "10,0,0") + row)
    r = load(drop, con)
    # duplicate key in one file: both rows kept, a finding counts them
    assert r.result(f"{OD}/appointment.csv").rows_loaded == 3
    assert con.sql("SELECT column_name, finding, n_rows FROM meta.parse_findings "
                   f"WHERE file = '{OD}/appointment.csv'").fetchall() == [("aptnum", "duplicate_key_in_file", 2)]
    # appthist has no key: the identical third row is set aside
    assert quarantine(con, "pms/dx_one/2026-03-01/appthist.csv") == [
        (4, "duplicate row: same values as line 2 (table has no key; whole-row dedupe)")]


def test_source_level_errors_and_warnings(drop: Path, con) -> None:
    write(drop, "pms/od_main/2026-03-01/appointment.csv", f"{HDR}\n{ROW1}\n")
    write(drop, "pms/od_main/2026-03-01/admin.v_appt.csv", "x\n1\n")
    write(drop, "pms/od_main/latest/appointment.csv", f"{HDR}\n{ROW1}\n")
    write(drop, "pms/nowhere/2026-03-01/appointment.csv", f"{HDR}\n{ROW1}\n")
    write(drop, "pms/dx_one/2026-03-01/v_appt_status_codes.csv", "defid,descript\n0,<none>\n")
    r = load(drop, con)
    msgs = {e.file: e.message for e in r.errors}
    assert msgs["pms/nowhere"] == "pms/nowhere: no location in locations.csv has this source_id; source not loaded"
    assert msgs["pms/od_main"] == ("pms/od_main: required table(s) in no extract: histappointment, patient, recall, "
                                   "procedurelog, procedurecode, clinic")
    assert "pms/dx_one" in msgs and "recallpending or v_patient_recall" in msgs["pms/dx_one"]
    assert "pms/od_main/2026-03-01/admin.v_appt.csv: not a opendental contract file; ignored" in r.warnings
    assert "pms/od_main/latest: folder name is not an extract date YYYY-MM-DD; ignored" in r.warnings
    assert con.sql("SELECT count(*) FROM meta.load_warnings").fetchall() == [(2,)]
    # es_main has locations but no folder: a source-level error
    assert msgs["pms/es_main"] == "pms/es_main: no folder for source_id es_main of locations.csv"


def test_deleted_key_reappears_and_is_deleted_again(drop: Path, con) -> None:
    full = '{"mode": "full"}'
    for d, rows in (("2026-03-01", [ROW1, ROW2]), ("2026-03-08", [ROW1]), ("2026-03-15", [ROW1]),
                    ("2026-03-22", [ROW1, ROW2]), ("2026-03-29", [ROW1])):
        write(drop, f"pms/od_main/{d}/_manifest.json", full)
        write(drop, f"pms/od_main/{d}/appointment.csv", "\n".join([HDR, *rows]) + "\n")
    load(drop, con)
    # 1002: alive 03-01, deleted 03-08 (once, not again 03-15), alive 03-22, deleted 03-29
    assert con.sql("SELECT _extract_date, _is_deleted FROM raw.opendental__appointment WHERE aptnum = '1002' "
                   "ORDER BY _extract_date").fetchall() == [
        (date(2026, 3, 1), False), (date(2026, 3, 8), True), (date(2026, 3, 22), False), (date(2026, 3, 29), True)]


def test_registry_bad_rows(tmp_path: Path, con) -> None:
    drop = tmp_path / "d"
    hdr = ("location_id,location_name,region,regional_manager,pms,pms_version,source_id,source_location_key,"
           "timezone,opened_date,wave,go_live_date,planned_major_change\n")
    write(drop, "locations.csv", hdr
          + "LOC-1,A,N,a@example.com,opendental,22.4,od,,America/Chicago,2015-01-01,1,2026-04-06,\n"
          + "LOC-2,B,N,a@example.com,opendental,22.4,od,,Mars/Olympus,2015-01-01,1,2026-04-06,\n"
          + "LOC-3,C,N,a@example.com,dentrix,G7.3,dx,,America/Denver,2015-01-01,1,2014-04-06,\n"
          + "LOC-3,D,N,a@example.com,dentrix,G7.3,dx,,America/Denver,2015-01-01,10,,\n")
    load(drop, con)
    assert quarantine(con, "locations.csv") == [
        (3, "timezone: 'Mars/Olympus' is not an IANA timezone name"),
        (4, "go_live_date is before opened_date; duplicate location_id 'LOC-3' (lines 4, 5)"),
        (5, "wave: '10' out of range [1, 9]; duplicate location_id 'LOC-3' (lines 4, 5)"),
    ]
    assert con.sql("SELECT location_id FROM raw.registry__locations").fetchall() == [("LOC-1",)]
