"""Incremental dbt build: yesterday's warehouse + today's extracts (incremental load, incremental models) must
hold exactly what a full load and full build of today's drop holds, for every appointment-version and slot model,
the data-quality appointment versions (int_dq__appointments), the outreach attempts with their answers, the
production per appointment, the recall visits and the recall due instances."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from connectors.ingest import load_drop
from dbt_raw_warehouse import REPO, run_dbt

FIXTURE = REPO / "tests" / "fixtures" / "drop_small"
NEW_DAY = "2026-03-15"
SELECT = ["--select", "+fct_appointment_slots", "int_appointments_unmapped", "+int_dq__appointments",
          "+int_metrics_outreach_attempts", "+int_metrics_appointment_production",
          "+int_metrics_recall_due_instances", "--indirect-selection", "cautious"]
VENDORS = ("opendental", "eaglesoft", "dentrix")
COMPARED = [f"intermediate.int_{v}_appointment_versions_{step}" for v in VENDORS for step in ("located", "sequenced")]
COMPARED += [f"intermediate.int_{v}_appointment_events_derived" for v in VENDORS]
COMPARED += ["intermediate.int_appointment_events_unioned", "intermediate.int_appointment_slots_derived",
             "intermediate.int_appointment_slots", "marts.fct_appointment_slots", "intermediate.int_dq__appointments",
             "intermediate.int_comms_messages_latest", "intermediate.int_metrics_outreach_attempts",
             "intermediate.int_metrics_appointment_production", "intermediate.int_metrics_recall_visits",
             "intermediate.int_metrics_recall_due_instances"]
# the models incremental by load (macros/incremental_by_load.sql); int_appointment_slots and fct_appointment_slots
# are views over int_appointment_slots_derived; the metric models' rows carry no _load_seq
METRICS = ["intermediate.int_comms_messages_latest", "intermediate.int_metrics_outreach_attempts",
           "intermediate.int_metrics_appointment_production", "intermediate.int_metrics_recall_visits",
           "intermediate.int_metrics_recall_due_instances"]
INCREMENTAL = [t.split(".")[1] for t in COMPARED if not t.endswith("appointment_slots")]
INCREMENTAL += ["int_appointment_changes_logged"]
# Today's Eaglesoft folder also moves chair 3 (E2's chair; E2 is in no later appointment file) from practice 20
# (LOC-004 in locations.csv) to practice 10 (LOC-003): every appointment in that chair must be relocated.
MOVED_CHAIR = "3,10,Op A\n"
OTHER_CHAIRS = "1,10,Op 1\n2,10,Op 2\n"  # as on 2026-03-01 (a full extract lists every chair)
# Outreach answered before and after today's rows (metrics.md §2; int_metrics_outreach_attempts). Yesterday M2
# replies to M1 and SMS 1 answers SMS attempt 1. Today M2 and SMS 1 get a new version naming another patient (the
# old attempts lose their answers, though no row of theirs came), M5 answers yesterday's M3 and today's M6 within
# 72 h (same location and patient), SMS 2 answers yesterday's attempt 2 and SMS 3 today's attempt 3.
MESSAGES_TODAY = """\
message_id,location_id,pms_patient_id,pms_appointment_id,campaign,channel,direction,sent_at,delivery_status,in_reply_to,body_class
M4,LOC-005,701,D3,reminder,sms,outbound,2026-03-11T08:00:00-06:00,delivered,,
M2,LOC-001,502,1001,reminder,sms,inbound,2026-03-02T09:20:00-06:00,received,,reschedule
M5,LOC-003,601,E1,confirmation,email,inbound,2026-03-02T10:00:00Z,received,,
M6,LOC-003,601,E1,recall,email,outbound,2026-03-02T09:00:00Z,delivered,,
"""
# Patient 506 has no recall row and nothing of it comes today; its recall visit of 2025-06-02 implies a due date
# of 2025-12-02 (the source's 6-month default), before od_main's first recall extract: a full load must recompute
# it although neither its recall rows nor its inputs changed.
OLD_VISIT_PATIENT = ("PatNum,PatStatus,ClinicNum,LName,FName,Birthdate,WirelessPhone,Email,TxtMsgOk,DateTStamp,SSN\n"
                     "506,0,1,Synthetic,Lee,1982-04-04,,,0,2026-03-07 09:00:00,\n")
OLD_VISIT = "1010,506,2,2025-06-02 09:00:00,XXXX,1,2025-06-02 10:00:00,2025-05-01 09:00:00,19,\n"
OLD_VISIT_PROC = "4008,506,1010,2025-06-02,2,11,1,,1,2025-06-02 10:00:00\n"
# Production per appointment (int_metrics_appointment_production; ProcStatus 2 = completed, fee x max(UnitQty, 1)).
# Yesterday: procedure 4003 on appointment 1001 (50.00 x 2), 4004 on 1002 (80.00), and 4005 (10.00), first on
# 1001 (2026-03-01's file), then moved to 1003. Today 4004 moves to 1004 and 4001 (95.00 on 1001, planned until
# now) is completed: 1001 = 195.00, 1004 = 80.00, 1002 has no production left, and 1003 keeps its 10.00 once
# (4005 is read again, for its old version on 1001, but sits on 1003, which nothing changed).
PROCS = "ProcNum,PatNum,AptNum,ProcDate,ProcStatus,CodeNum,ClinicNum,ProcFee,UnitQty,DateTStamp\n"
PROC_4005_FIRST = "4005,503,1001,2026-03-03,2,11,1,10.00,1,2026-02-25 10:00:00\n"
PROCS_YESTERDAY = PROCS + ("4003,501,1001,2026-03-03,2,11,1,50.00,2,2026-03-03 15:00:00\n"
                           "4004,502,1002,2026-03-04,2,12,2,80.00,1,2026-03-04 11:30:00\n"
                           "4005,503,1003,2026-03-03,2,11,1,10.00,1,2026-03-04 12:00:00\n"
                           "4006,505,1007,2026-03-06,2,14,1,,1,2026-03-06 10:00:00\n" + OLD_VISIT_PROC)
PROCS_TODAY = PROCS + ("4004,502,1004,2026-03-05,2,12,1,80.00,1,2026-03-05 09:00:00\n"
                       "4001,501,1001,2026-03-03,2,11,1,95.00,1,2026-03-03 16:00:00\n"
                       "4007,502,1008,2026-03-07,2,11,2,,1,2026-03-07 10:00:00\n")
# Recall visits (int_metrics_recall_visits) of completed appointments of 2026-03-08's files that no appointment row
# of today's names. Four become recall visits through rows of other tables: today code 14 (on 1007's procedure
# 4006) becomes D0150, a recall-trigger code; procedure 4007 (D0120) is completed on 1008; Eaglesoft patient 604's
# last_recall_date and Dentrix patient 702's priordate become E5's and D5's visit date. E6 is one already. 1008
# is patient 502's first recall visit on or after 60 days before its recall due 2026-04-01
# (int_metrics_recall_due_instances): the instance is converted although no recall or patient row of 502 came today.
RECALL_APPOINTMENTS_YESTERDAY = {
    "od_main": ("appointment.csv",
                OLD_VISIT + "1007,505,2,2026-03-06 09:00:00,XXXX,1,2026-03-06 10:00:00,2026-03-01 09:00:00,19,\n"
                "1008,502,2,2026-03-07 09:00:00,XXXX,2,2026-03-07 10:00:00,2026-03-01 09:00:00,19,\n"),
    "es_main": ("appointment.csv", "E5,604,2026-03-07 09:00:00,2026-03-07 10:00:00,1,1,2026-03-01 09:00:00,4,,1,\n"
                                   # a recall visit by its recall_id that nothing today touches
                                   "E6,605,2026-03-05 09:00:00,2026-03-05 10:00:00,1,1,2026-03-01 09:00:00,4,7,1,\n"),
    "dx_one": ("v_appt.csv", "D5,702,2026-03-07,9,0,-106,OP1,0,2026-03-07 10:00:00,60,\n"),
}
RECALLS_TODAY = [
    ("od_main", "procedurecode.csv", "CodeNum,ProcCode,Descript\n14,D0150,Comprehensive oral evaluation\n"),
    ("es_main", "patient_recalls.csv",
     "patient_id,recall_id,next_recall_date,last_recall_date\n604,7,2026-09-07,2026-03-07\n"),
    ("dx_one", "recallpending.csv", "patid,recallid,duedate,priordate\n702,1,2026-09-07,2026-03-07\n"),
    # a first recall row of patient 503, whose visits and patient row stay as they were: a new due instance
    ("od_main", "recall.csv", "RecallNum,PatNum,RecallTypeNum,DateDue,DateDueCalc,IsDisabled,DateTStamp,DateScheduled,"
                              "RecallInterval,RecallStatus\n"
                              "3003,503,1,2026-06-01,2026-06-01,0,2026-03-14 09:00:00,0001-01-01,393216,0\n"),
]
SMS_OUT = "SmsToMobileNum,PatNum,ClinicNum,MsgType,SmsStatus,DateTimeSent\n"
SMS_IN = "SmsFromMobileNum,PatNum,ClinicNum,DateTimeReceived\n"
SMS_YESTERDAY = {"smstomobile.csv": SMS_OUT + "1,501,1,3,2,2026-03-02 09:00:00\n2,502,2,3,2,2026-03-03 09:00:00\n",
                 "smsfrommobile.csv": SMS_IN + "1,501,1,2026-03-02 10:00:00\n", "procedurelog.csv": PROCS_YESTERDAY}
SMS_TODAY = {"smstomobile.csv": SMS_OUT + "3,501,1,5,2,2026-03-10 09:00:00\n",
             "smsfrommobile.csv": SMS_IN + "1,502,1,2026-03-02 10:00:00\n2,502,2,2026-03-04 08:00:00\n"
                                  "3,501,1,2026-03-10 12:00:00\n", "procedurelog.csv": PROCS_TODAY}


def _load(path: Path, drop: Path, *, incremental: bool) -> None:
    """Load a drop into the warehouse file."""
    con = duckdb.connect(str(path))
    try:
        load_drop(drop, con, incremental=incremental)
    finally:
        con.close()


def _build(path: Path) -> None:
    """dbt build of the slot models (as-of = the latest extract)."""
    proc = run_dbt(path, "build", *SELECT, env={"DSO_AS_OF_DATE": ""})
    assert proc.returncode == 0, proc.stdout[-4000:]


def _rows(path: Path, table: str) -> list[tuple]:
    """A model's rows without load ids and load sequence numbers (bookkeeping of when, not what), sorted."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        cols = [c for c, in con.sql(
            f"select column_name from information_schema.columns where table_schema || '.' || table_name = "
            f"'{table}' and column_name not in ('load_id', '_load_seq') order by ordinal_position").fetchall()]
        return sorted(con.sql(f"select {', '.join(cols)} from {table}").fetchall(), key=repr)
    finally:
        con.close()


def _count_watermarks(path: Path) -> dict[str, int]:
    """Model -> last load_seq it processed."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        return dict(con.sql("select model, load_seq from meta.dbt_load_watermarks").fetchall())
    finally:
        con.close()


@pytest.fixture(params=["delta", pytest.param("full", marks=pytest.mark.slow),
                        pytest.param("registry", marks=pytest.mark.slow)])
def drops(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    """(yesterday's drop, today's drop, case): the fixture without / with its last extract date.

    delta: the new PMS folders are deltas, so the sources are appended to (the daily case); full: they are the
    fixture's full extracts, so each source is reloaded (its rows replaced: the models drop and recompute it);
    registry: deltas as in `delta`, but locations.csv changed too, so the whole drop is reloaded (a full load:
    the models drop and recompute everything).
    """
    root = tmp_path_factory.mktemp("incremental_drops")
    today = root / "today"
    shutil.copytree(FIXTURE, today)
    if request.param in ("delta", "registry"):
        for manifest in today.rglob(f"{NEW_DAY}/_manifest.json"):
            manifest.write_text('{"mode": "delta"}')
    chairs = "chair_num,practice_id,description\n" + (OTHER_CHAIRS if request.param == "full" else "") + MOVED_CHAIR
    (today / "pms" / "es_main" / NEW_DAY / "chairs.csv").write_text(chairs)
    (today / "comms" / NEW_DAY / "messages.csv").write_text(MESSAGES_TODAY)
    first = today / "pms" / "od_main" / "2026-03-01" / "procedurelog.csv"
    first.write_text(first.read_text() + PROC_4005_FIRST)
    for day, files in (("2026-03-08", SMS_YESTERDAY), (NEW_DAY, SMS_TODAY)):
        for name, text in files.items():
            (today / "pms" / "od_main" / day / name).write_text(text)
    (today / "pms" / "od_main" / "2026-03-08" / "patient.csv").write_text(OLD_VISIT_PATIENT)
    for source, (name, rows) in RECALL_APPOINTMENTS_YESTERDAY.items():
        path = today / "pms" / source / "2026-03-08" / name
        path.write_text(path.read_text() + rows)
    for source, name, text in RECALLS_TODAY:
        if request.param == "full" and source == "od_main":  # a full extract lists every code and recall
            text += (FIXTURE / "pms" / source / "2026-03-01" / name).read_text().split("\n", 1)[1]
        (today / "pms" / source / NEW_DAY / name).write_text(text)
    yesterday = root / "yesterday"
    shutil.copytree(today, yesterday, ignore=lambda folder, names: [n for n in names if n == NEW_DAY])
    if request.param == "registry":  # today's registry only (a name: no row changes location)
        registry = today / "locations.csv"
        registry.write_text(registry.read_text().replace("Birch Family Dentistry", "Birch Family Dental"))
    return yesterday, today, request.param


def _dq_location(path: Path, source_id: str, appointment_id: str, extract_date: str) -> str | None:
    """int_dq__appointments' location of one appointment version."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.sql(
            "select location_id from intermediate.int_dq__appointments where source_id = ? and appointment_id = ? "
            "and extract_date = ?", params=[source_id, appointment_id, extract_date]).fetchall()[0][0]
    finally:
        con.close()


def _last_load(path: Path) -> tuple[str, list[str], list[str]]:
    """kind, reloaded_units, appended_units of the newest load."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.sql("select kind, reloaded_units, appended_units from meta.loads order by load_seq desc limit 1"
                       ).fetchall()[0]
    finally:
        con.close()


def _load_seq_counts(path: Path, table: str) -> tuple[int, int]:
    """(rows, rows computed by the latest refresh): the rows the model's data tests check (their `where`)."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.sql(f"select count(*), count(*) filter (where _load_seq = "
                       f"(select coalesce(max(load_seq), 0) from meta.loads)) from {table}").fetchall()[0]
    finally:
        con.close()


def _answers(path: Path) -> dict[str, str | None]:
    """attempt_id -> answered_via of every outreach attempt."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        return dict(con.sql("select attempt_id, answered_via from intermediate.int_metrics_outreach_attempts"
                            ).fetchall())
    finally:
        con.close()


def _production(path: Path) -> dict[str, float]:
    """Open Dental appointment_id -> production."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {a: float(p) for a, p in con.sql("select appointment_id, production from "
                                                "intermediate.int_metrics_appointment_production "
                                                "where source_id = 'od_main'").fetchall()}
    finally:
        con.close()


def _recall_visits(path: Path) -> dict[str, str]:
    """appointment_id -> recall_visit_rule of the recall visits of the appointments added for them."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        return dict(con.sql("select appointment_id, recall_visit_rule from intermediate.int_metrics_recall_visits "
                            "where appointment_id in ('1007', '1008', 'E5', 'E6', 'D5')").fetchall())
    finally:
        con.close()


def _first_visits(path: Path, appointment_id: str = "1008") -> dict[str, object]:
    """due_date -> first_visit_date of the recall due instances of an Open Dental appointment's patient."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {str(d): v and str(v) for d, v in con.sql(
            "select due_date, first_visit_date from intermediate.int_metrics_recall_due_instances "
            "where source_id = 'od_main' and patient_key = (select distinct patient_key from "
            "intermediate.int_appointment_slots where source_id = 'od_main' and appointment_id = ?)",
            params=[appointment_id]).fetchall()}
    finally:
        con.close()


def _forget_watermarks(path: Path, models: list[str]) -> None:
    """Delete the models' rows from meta.dbt_load_watermarks."""
    con = duckdb.connect(str(path))
    try:
        con.execute("delete from meta.dbt_load_watermarks where list_contains(?, model)", [models])
    finally:
        con.close()


def _log_rows(path: Path) -> int:
    """Rows of the change log the event and slot models read (int_appointment_changes_logged)."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.sql("select count(*) from intermediate.int_appointment_changes_logged").fetchall()[0][0]
    finally:
        con.close()


def test_incremental_build_equals_full_build(drops: tuple[Path, Path, str], tmp_path: Path) -> None:
    yesterday, today, case = drops
    # the daily path: yesterday loaded and built, then today's folders arrive in the same drop folder
    daily_drop = tmp_path / "drop"
    shutil.copytree(yesterday, daily_drop)
    daily = tmp_path / "daily.duckdb"
    _load(daily, daily_drop, incremental=False)
    _build(daily)
    before = {t: _rows(daily, t) for t in COMPARED}
    assert _answers(daily) == {"M1": "in_reply_to", "M3": None, "od_main|1": "within_72h", "od_main|2": None}
    assert _production(daily) == {"1001": 100.0, "1002": 80.0, "1003": 10.0}
    assert _recall_visits(daily) == {"E6": "recall_link"}
    assert _first_visits(daily) == {"2026-04-01": None}
    assert _first_visits(daily, "1010") == {"2025-12-02": None}  # implied by its 2025-06-02 visit alone
    # E2 (es_main, chair 3 on 2026-03-01) sits at practice 20 = LOC-004 until today's chairs row
    assert _dq_location(daily, "es_main", "E2", "2026-03-01") == "LOC-004"
    for folder in today.rglob(NEW_DAY):
        shutil.copytree(folder, daily_drop / folder.relative_to(today))
    if case == "registry":  # (copying rewrites the file's mtime, which alone makes the next load a full one)
        shutil.copy(today / "locations.csv", daily_drop / "locations.csv")
    _load(daily, daily_drop, incremental=True)
    # each case exercises the path it names: append to the sources / reload the PMS sources / full load
    kind, reloaded, appended = _last_load(daily)
    pms = ["dx_one", "es_main", "od_main"]
    if case == "delta":
        assert kind == "incremental" and set(pms) <= set(appended) and not set(pms) & set(reloaded)
    elif case == "full":
        assert kind == "incremental" and set(pms) <= set(reloaded)
    else:
        assert kind == "full"
    _build(daily)

    full = tmp_path / "full.duckdb"
    _load(full, daily_drop, incremental=False)
    _build(full)

    for table in COMPARED:
        assert _rows(daily, table) == _rows(full, table), table
    if case != "full":  # (the full case's appointment file of today no longer lists 1010)
        assert _first_visits(daily, "1010") == {"2025-12-02": None}
    if case == "delta":  # answers lost and found by attempts no row of which came today (see MESSAGES_TODAY)
        assert _answers(daily) == {"M1": None, "M3": "within_72h", "M4": None, "M6": "within_72h",
                                   "od_main|1": None, "od_main|2": "within_72h", "od_main|3": "within_72h"}
        assert _production(daily) == {"1001": 195.0, "1003": 10.0, "1004": 80.0}
        assert _recall_visits(daily) == {"1007": "trigger_procedure", "1008": "trigger_procedure",
                                         "E5": "last_recall_date", "E6": "recall_link", "D5": "priordate"}
        assert _first_visits(daily) == {"2026-04-01": "2026-03-07"}
    # the data tests of the incremental models check the rows of the latest refresh: every row after a full build;
    # after the daily delta only the recomputed appointments' rows: some of them, fewer than all (in this small
    # fixture the new day touches most appointments, e.g. every Eaglesoft one: its patient file is a full extract)
    tested = [t for t in COMPARED if not t.endswith("appointment_slots") and t not in METRICS]
    daily_counts = {}
    for table in tested:
        rows, latest = _load_seq_counts(full, table)
        assert rows > 0 and latest == rows, table
        daily_counts[table] = _load_seq_counts(daily, table)
    if case == "delta":
        assert all(latest > 0 for _, latest in daily_counts.values()), daily_counts
        assert sum(latest for _, latest in daily_counts.values()) < sum(rows for rows, _ in daily_counts.values())
    # the chair move relocated E2 although no appointment row of E2 came today (practice 10 = LOC-003)
    assert _dq_location(daily, "es_main", "E2", "2026-03-01") == "LOC-003"
    # the new day changed appointments (else this test would prove nothing) ...
    assert any(_rows(daily, t) != before[t] for t in COMPARED)
    # ... and every incremental model recorded that it processed both loads
    marks = _count_watermarks(daily)
    assert {m: marks.get(m) for m in INCREMENTAL} == {m: 2 for m in INCREMENTAL}
    if case == "delta":
        # the change log keeps the appointments of load 2 until every reader has processed it; the next refresh
        # (no new load) forgets them and changes nothing, also for two readers that lost their watermark (as a
        # model that was a table before it became incremental has none): they rebuild whole, not from the log
        assert _log_rows(daily) > 0
        _forget_watermarks(daily, ["int_appointment_slots_derived", "int_metrics_recall_visits"])
        _build(daily)
        assert _log_rows(daily) == 0
        for table in COMPARED:
            assert _rows(daily, table) == _rows(full, table), table
