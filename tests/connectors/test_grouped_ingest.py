"""Grouped reads (many files, one read_csv): per-file line numbers, accounting, fallbacks, deleted versions."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import duckdb

from connector_helpers import check_accounting, write
from connectors.engine import FileJob, build_select, group_files, load_group, load_single, prepare
from connectors.ingest import READERS, create_schema, load_drop

HDR = "AptNum,PatNum,AptStatus,AptDateTime,Pattern,ClinicNum,DateTStamp,SecDateTEntry"  # 8 columns
LOCATIONS = (
    "location_id,location_name,region,regional_manager,pms,pms_version,source_id,source_location_key,timezone,"
    "opened_date,wave,go_live_date,planned_major_change\n"
    "LOC-001,A,North,a@example.com,opendental,22.4.40,od_a,,America/Chicago,2015-04-01,1,2026-04-06,\n"
    "LOC-002,B,North,a@example.com,opendental,22.4.40,od_b,,America/Chicago,2015-04-01,1,2026-04-06,\n"
    "LOC-003,C,West,c@example.com,dentrix,G7.3,dx_one,,America/Denver,2010-03-01,2,2026-05-04,\n"
)


def apt(aptnum: str, patnum: str = "501", status: str = "1") -> str:
    """One valid Open Dental appointment record."""
    return f"{aptnum},{patnum},{status},2026-03-03 09:00:00,XXXX,1,2026-02-20 10:00:00,2026-02-20 10:00:00"


def q(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple]:
    """Fetch all rows of a query."""
    return con.sql(sql).fetchall()


def test_multi_file_read_numbers_records_per_file(tmp_path: Path, con) -> None:
    # 30 files of different lengths (0..57 records); each record holds its own file index and line number, so
    # the expected (_f, _rn) of every record is known without running the reader.
    paths, expected = [], []
    for f in range(30):
        n = (f * 13) % 59
        lines = ["a,b"] + [f"{f},{line}" for line in range(2, n + 2)]
        p = tmp_path / f"f{f:02d}.csv"
        p.write_text("\n".join(lines) + "\n")
        paths.append(p)
        expected += [(f, line, f, line) for line in range(2, n + 2)]
    spec = READERS["opendental"].spec.tables["procedurecode"]  # CodeNum, ProcCode: two key columns
    con.execute("SET threads = 4")  # several scan threads, so files are read concurrently
    sql = build_select(spec, 2, {"CodeNum": 0, "ProcCode": 1}, paths, True, None)
    rows = q(con, f"SELECT _f, _line, codenum::INT, proccode::INT FROM ({sql}) ORDER BY _f, _line")
    assert rows == expected


def test_many_files_one_group_exact_lines_and_accounting(tmp_path: Path, con) -> None:
    # the load sets preserve_insertion_order itself, whatever the caller's connection says; 4 scan threads
    con.execute("SET preserve_insertion_order = false")
    con.execute("SET threads = 4")
    drop = tmp_path / "drop"
    write(drop, "locations.csv", LOCATIONS)
    # 24 weekly delta extracts x 2 sources, same layout: all 48 appointment files fall into one group.
    # File k has k % 7 records (0 = header only); PatNum = the record's line number; record 2 of every file
    # with at least 3 records has a bad AptStatus (quarantined on line 3).
    expect: dict[str, tuple[int, int, int]] = {}
    for s in ("od_a", "od_b"):
        for k in range(24):
            d = date(2025, 1, 6) + timedelta(days=7 * k)
            rel = f"pms/{s}/{d.isoformat()}/appointment.csv"
            n = k % 7
            recs = [apt(f"{s}-{k}-{line}", str(line), "x" if line == 3 else "1") for line in range(2, n + 2)]
            write(drop, rel, "\n".join([HDR, *recs]) + "\n")
            bad = 1 if n >= 2 else 0
            expect[rel] = (n, n - bad, bad)
    report = load_drop(drop, con)
    check_accounting(con)
    got = {f: r for f, *r in q(con, "SELECT file, rows_read, rows_loaded, rows_quarantined FROM meta.file_loads "
                                    "WHERE table_name = 'appointment'")}
    assert got == {f: list(v) for f, v in expect.items()}
    # every loaded record's _line equals the line number it carries; its _file is the file it came from
    assert q(con, "SELECT count(*) FROM raw.opendental__appointment WHERE _line <> patnum::INT "
                  "OR split_part(aptnum, '-', 1) <> split_part(_file, '/', 2)") == [(0,)]
    assert q(con, "SELECT count(*) FROM raw.opendental__appointment") == [(sum(v[1] for v in expect.values()),)]
    assert q(con, "SELECT DISTINCT line, reason FROM meta.quarantine") == [(3, "AptStatus: unparseable int 'x'")]
    header_only = [f for f, (n, _, _) in expect.items() if n == 0]
    assert all(report.result(f).warnings == ["header only: no data rows"] for f in header_only)


def _engine_load(con: duckdb.DuckDBPyConnection, jobs: list[FileJob], tmpdir: Path, grouped: bool) -> list:
    """Load jobs through the group path (one group) or one by one through the single-file path."""
    create_schema(con, replace=True)
    preps = [prepare(j, tmpdir) for j in jobs]
    reader = READERS["opendental"]
    if grouped:
        groups, singles = group_files(preps)
        assert len(groups) == 1 and singles == []
        left, failed = load_group(con, groups[0], vendor_reader=reader, known_locations=None)
        assert (left, failed) == ([], False)
    else:
        for p in preps:
            load_single(con, p, vendor_reader=reader, known_locations=None)
    return [p.result for p in preps]


def test_group_path_writes_what_the_single_file_path_writes(tmp_path: Path) -> None:
    files = {
        "a.csv": "\n".join([HDR + ",Confirmed", apt("1") + ",7", apt("1") + ",x y",          # duplicate key
                            "2,502,1,03/02/2026,XXXX,1,2026-02-20 10:00:00,,3",             # locale dt
                            "3,503,1,,,1,2026-02-20 10:00:00,,"]) + "\n",                   # nullables empty
        "b.csv": "\n".join([HDR + ",Confirmed", apt("4") + ",1", "5,505,1", "Total: 2 rows"]) + "\n",
        "c.csv": HDR + ",Confirmed\n",                                                      # header only
    }
    spec = READERS["opendental"].spec.tables["appointment"]
    jobs = []
    for name, text in files.items():
        p = tmp_path / name
        p.write_text(text)
        jobs.append(FileJob(p, name, spec, "od_a", date(2026, 3, 1), "delta", "utf-8", "L1"))
    out = []
    for grouped in (True, False):
        con = duckdb.connect()
        res = _engine_load(con, jobs, tmp_path, grouped)
        out.append((
            [(r.file, r.rows_read, r.rows_loaded, r.rows_quarantined, r.warnings) for r in res],
            q(con, "SELECT * FROM raw.opendental__appointment ORDER BY _file, _line"),
            q(con, "SELECT * FROM meta.quarantine ORDER BY file, line"),
            q(con, "SELECT * FROM meta.parse_findings ORDER BY file, finding"),
        ))
        con.close()
    assert out[0] == out[1]
    # worked by hand: a.csv 4 records, 1 bad (line 4); b.csv 3 records, 2 bad (lines 3, 4); c.csv none
    assert out[0][0] == [("a.csv", 4, 3, 1, []), ("b.csv", 3, 1, 2, []),
                         ("c.csv", 0, 0, 0, ["header only: no data rows"])]
    assert [(f, line) for _, f, line, *_ in out[0][2]] == [("a.csv", 4), ("b.csv", 3), ("b.csv", 4)]
    assert [r[2:] for r in out[0][3]] == [("appointment", "aptnum", "duplicate_key_in_file", 2)]


def test_files_needing_repairs_leave_the_group(tmp_path: Path, con) -> None:
    drop = tmp_path / "drop"
    write(drop, "locations.csv", LOCATIONS)
    od = "pms/od_a/2026-03-01"
    # five files of one table and layout: quoted newline, blank line, no final newline, CRLF, plain quotes
    write(drop, f"{od}/appointment.csv", f"{HDR},Note\n{apt('1')},x\n{apt('2')},\"two\nlines\"\n{apt('3')},bad,z\n")
    write(drop, "pms/od_a/2026-03-08/appointment.csv", f"{HDR},Note\n{apt('4')},x\n\n{apt('5')},y\n")
    write(drop, "pms/od_a/2026-03-15/appointment.csv", f"{HDR},Note\n{apt('6')},x\n{apt('7')},y")
    write(drop, "pms/od_a/2026-03-22/appointment.csv", f"{HDR},Note\r\n{apt('8')},x\r\n{apt('9')},y\r\n")
    write(drop, "pms/od_a/2026-03-29/appointment.csv", f"{HDR},Note\n{apt('10')},x\n{apt('11')},\"q\"\n")
    load_drop(drop, con)
    check_accounting(con)
    # quoted newline: record 2 spans lines 3-4, so record 3 starts on line 5; it has 10 fields (one too many)
    assert q(con, "SELECT split_part(_file, '/', 3), aptnum, _line FROM raw.opendental__appointment ORDER BY aptnum::INT") == [
        ("2026-03-01", "1", 2), ("2026-03-01", "2", 3),
        ("2026-03-08", "4", 2), ("2026-03-08", "5", 4),           # blank line 3
        ("2026-03-15", "6", 2), ("2026-03-15", "7", 3),           # complete last line without newline
        ("2026-03-22", "8", 2), ("2026-03-22", "9", 3),           # CRLF
        ("2026-03-29", "10", 2), ("2026-03-29", "11", 3)]         # quoted value, no embedded newline
    assert q(con, "SELECT file, line, reason FROM meta.quarantine") == [
        (f"{od}/appointment.csv", 5, "field count: expected 9 fields, got more than 9")]


def test_group_read_failure_falls_back_to_single_files(tmp_path: Path, con) -> None:
    spec = READERS["opendental"].spec.tables["appointment"]
    jobs = []
    for name in ("a.csv", "b.csv", "c.csv"):
        p = tmp_path / name
        p.write_text(f"{HDR}\n{apt(name[0])}\n")
        jobs.append(FileJob(p, name, spec, "od_a", date(2026, 3, 1), "delta", "utf-8", "L1"))
    create_schema(con, replace=True)
    preps = [prepare(j, tmp_path) for j in jobs]
    (tmp_path / "b.csv").unlink()  # vanishes between prepass and read: the group read fails as a whole
    reader = READERS["opendental"]
    left, failed = load_group(con, preps, vendor_reader=reader, known_locations=None)
    assert failed and left == preps
    assert q(con, "SELECT count(*) FROM raw.opendental__appointment") == [(0,)]
    for p in left:
        load_single(con, p, vendor_reader=reader, known_locations=None)
    assert [(p.result.file, p.result.status) for p in preps] == [("a.csv", "loaded"), ("b.csv", "error"),
                                                                  ("c.csv", "loaded")]
    assert preps[1].result.message.startswith("b.csv: unreadable file: ")
    assert q(con, "SELECT aptnum FROM raw.opendental__appointment ORDER BY 1") == [("a",), ("c",)]


def test_whole_row_dedupe_stays_within_a_file_when_files_are_grouped(tmp_path: Path, con) -> None:
    drop = tmp_path / "drop"
    write(drop, "locations.csv", LOCATIONS)
    hdr = ("parentapptid,deletedflag,createflag,createddate,modifieddate,modifiedtime,apptdate,timehr,timemin,"
           "status,patid\n")
    row = "D1,0,1,2026-02-20,2026-02-20,10:00,2026-03-03,9,0,0,701\n"
    write(drop, "pms/dx_one/2026-03-01/appthist.csv", hdr + row + row)
    write(drop, "pms/dx_one/2026-03-08/appthist.csv", hdr + row)
    load_drop(drop, con)
    check_accounting(con)
    # the copy on line 3 of the first file is set aside; the identical row of the second file is kept
    assert q(con, "SELECT file, line FROM meta.quarantine") == [("pms/dx_one/2026-03-01/appthist.csv", 3)]
    assert q(con, "SELECT _extract_date, _line FROM raw.dentrix__appthist ORDER BY 1") == [
        (date(2026, 3, 1), 2), (date(2026, 3, 8), 2)]


def test_deleted_versions_set_based_per_source(tmp_path: Path, con) -> None:
    drop = tmp_path / "drop"
    write(drop, "locations.csv", LOCATIONS)
    full = '{"mode": "full"}'
    seq_a = [  # (date, full?, appointment rows or None for no file, or "broken" for a file that fails)
        ("2026-03-01", True, [apt("1001"), apt("1002"), apt("1003")]),
        ("2026-03-08", False, [apt("1004")]),
        ("2026-03-15", True, [apt("1001"), apt("1004")]),          # 1002, 1003 deleted
        ("2026-03-22", True, "broken"),                            # failed file: no deletion
        ("2026-03-29", True, None),                                # no appointment file: no deletion
        ("2026-04-05", False, [apt("1002")]),                      # 1002 reappears
        ("2026-04-12", True, [apt("1001"), apt("1004", status="x")]),  # 1004 only in a bad row: still present
    ]
    for d, is_full, rows in seq_a:
        folder = f"pms/od_a/{d}"
        if is_full:
            write(drop, f"{folder}/_manifest.json", full)
        write(drop, f"{folder}/patient.csv", "PatNum,PatStatus\n501,0\n")
        if rows == "broken":
            write(drop, f"{folder}/appointment.csv", "AptNum,PatNum\n1001,501\n")
        elif rows is not None:
            write(drop, f"{folder}/appointment.csv", "\n".join([HDR, *rows]) + "\n")
    # od_b: same key values, own history (grouped with od_a's files, must not mix with them)
    for d, rows in (("2026-03-01", [apt("1001"), apt("1002")]), ("2026-03-08", [apt("1002")])):
        write(drop, f"pms/od_b/{d}/_manifest.json", full)
        write(drop, f"pms/od_b/{d}/appointment.csv", "\n".join([HDR, *rows]) + "\n")
    report = load_drop(drop, con)
    check_accounting(con)
    # od_a worked by hand: 03-15 deletes 1002 and 1003; 04-12 deletes 1002 again (it reappeared 04-05); 1003
    # is not deleted twice; 1004 is present on 04-12 through its quarantined row. od_b: 03-08 deletes 1001.
    assert q(con, "SELECT _source_id, aptnum, _extract_date, _file, _line, patnum FROM raw.opendental__appointment "
                  "WHERE _is_deleted ORDER BY 1, 3, 2") == [
        ("od_a", "1002", date(2026, 3, 15), "pms/od_a/2026-03-15/appointment.csv", None, None),
        ("od_a", "1003", date(2026, 3, 15), "pms/od_a/2026-03-15/appointment.csv", None, None),
        ("od_a", "1002", date(2026, 4, 12), "pms/od_a/2026-04-12/appointment.csv", None, None),
        ("od_b", "1001", date(2026, 3, 8), "pms/od_b/2026-03-08/appointment.csv", None, None),
    ]
    assert report.result("pms/od_a/2026-03-15/appointment.csv").deleted_versions == 2
    assert report.result("pms/od_a/2026-04-12/appointment.csv").deleted_versions == 1
    assert report.result("pms/od_a/2026-03-22/appointment.csv").status == "error"
    assert q(con, "SELECT file, n_rows FROM meta.parse_findings WHERE finding = 'deleted_versions' ORDER BY file") == [
        ("pms/od_a/2026-03-15/appointment.csv", 2), ("pms/od_a/2026-04-12/appointment.csv", 1),
        ("pms/od_b/2026-03-08/appointment.csv", 1)]
    # patient: 501 is in every full extract, never deleted
    assert q(con, "SELECT count(*) FROM raw.opendental__patient WHERE _is_deleted") == [(0,)]


def test_one_unreadable_file_in_a_big_group_fails_alone(tmp_path: Path, con) -> None:
    drop = tmp_path / "drop"
    write(drop, "locations.csv", LOCATIONS)
    # 9 weekly extracts, one appointment record each; the 6th has a 3 MB field (over DuckDB's 2 MB line limit):
    # the group read fails, the group is halved until that file is alone, which then fails with its own error
    days = [date(2026, 1, 5) + timedelta(days=7 * k) for k in range(9)]
    for k, d in enumerate(days):
        pattern = "X" * 3_000_000 if k == 5 else "XXXX"
        write(drop, f"pms/od_a/{d.isoformat()}/appointment.csv", f"{HDR}\n{apt(str(k)).replace('XXXX', pattern)}\n")
    report = load_drop(drop, con)
    check_accounting(con)
    bad = f"pms/od_a/{days[5].isoformat()}/appointment.csv"
    assert [e.file for e in report.errors if e.table_name] == [bad]
    assert report.result(bad).message.startswith(f"{bad}: unreadable file: ")
    assert q(con, "SELECT aptnum FROM raw.opendental__appointment ORDER BY aptnum") == [
        (str(k),) for k in range(9) if k != 5]
