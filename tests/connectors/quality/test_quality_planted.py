"""End to end on a generated drop with one planted defect per check: which locations fail, flags, reasons."""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import re
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from connectors.quality import runner
from connectors.quality.catalog import BY_NAME, CRITICAL
from dq_pipeline import KEY, build_quality_warehouse
from planted_drop import CLEAN, FLAGGED, PLANTED, TRUNCATED_DAY, make_planted_drop

# Fails at every location of a generated drop by design (~15% of patients have no mobile or no SMS consent).
NATURALLY_FAILING = {"active_patient_not_textable"}
RUN_TIMES = [datetime(2026, 3, 2, 5, 0), datetime(2026, 3, 2, 6, 0)]


@pytest.fixture(scope="module")
def wh(tmp_path_factory: pytest.TempPathFactory) -> tuple[duckdb.DuckDBPyConnection, dict[str, str]]:
    """The planted drop loaded, checked twice (two runs) and scored; a read-only connection."""
    tmp = tmp_path_factory.mktemp("dq")
    planted = make_planted_drop(tmp / "drop")
    build_quality_warehouse(tmp / "drop", tmp / "wh.duckdb", RUN_TIMES)
    con = duckdb.connect(str(tmp / "wh.duckdb"), read_only=True)
    yield con, planted
    con.close()


def failing_locations(con: duckdb.DuckDBPyConnection) -> dict[str, set[str]]:
    """check -> locations with a failing row in the latest run."""
    rows = con.sql(
        "select check_name, location_id from marts.fct_dq_check_results "
        "where is_failing and run_at = (select max(run_at) from marts.fct_dq_check_results)"
    ).fetchall()
    out: dict[str, set[str]] = {}
    for check, loc in rows:
        out.setdefault(check, set()).add(loc)
    return out


def test_each_planted_defect_fails_exactly_at_its_location(wh) -> None:
    con, _ = wh
    got = failing_locations(con)
    for check, locations in PLANTED.items():
        assert got.get(check, set()) == locations, check


def test_checks_without_a_planted_defect_fail_nowhere(wh) -> None:
    con, _ = wh
    got = failing_locations(con)
    unexpected = {c: locs for c, locs in got.items() if c not in PLANTED and c not in NATURALLY_FAILING}
    assert unexpected == {}


def test_every_check_reports_every_location(wh) -> None:
    con, _ = wh
    # 21 catalog checks x 8 locations in each of the 2 runs
    n = con.sql("select count(*) from meta.dq_check_results").fetchall()[0][0]
    assert n == len(BY_NAME) * 8 * 2


def test_flagged_locations_and_reasons(wh) -> None:
    con, _ = wh
    rows = {r[0]: r[1:] for r in con.sql(
        "select location_id, is_flagged, score, flag_reasons, how_to_fix from marts.rpt_dq_location_scores"
    ).fetchall()}
    flagged = {loc for loc, (is_flagged, *_rest) in rows.items() if is_flagged}
    assert flagged == set(FLAGGED)
    # LOC-004: 1 SMS of the location's outbound SMS went to the opted-out patient
    assert "text messages were sent to patients who had opted out of texts" in rows["LOC-004"][2]
    assert rows["LOC-004"][2].startswith("[critical] 1 of ")
    assert "sms_after_opt_out: Stop the campaign" in rows["LOC-004"][3]
    # LOC-005: 1 of 1 PMS source is stale (latest extract 2026-02-02)
    assert "[critical] 1 of 1 PMS sources have not sent a fresh extract" in rows["LOC-005"][2]
    for loc in set(rows) - set(FLAGGED):
        is_flagged, score, reasons, _ = rows[loc]
        assert reasons is None and score >= 80, loc
    for loc in CLEAN:
        assert rows[loc][0] is False


def test_unresolved_slots_counts_past_slots_only(wh) -> None:
    con, _ = wh
    # rows examined = the location's slots starting before the as-of date 2026-03-02 00:00 (open slots excluded)
    got = dict(con.sql(
        "select location_id, rows_examined from meta.dq_check_results "
        "where check_name = 'unresolved_slots' and run_at = (select max(run_at) from meta.dq_check_results)"
    ).fetchall())
    want = dict(con.sql(
        "select location_id, count(*) from intermediate.int_appointment_slots "
        "where location_id is not null and slot_start < timestamp '2026-03-02 00:00:00' group by location_id"
    ).fetchall())
    assert got == want
    meta = con.sql("select severity, weight, category from meta.dq_check_catalog "
                   "where check_name = 'unresolved_slots'").fetchall()
    assert meta == [("warning", 3.0, "consistency")]


def test_critical_checks_are_the_documented_ones(wh) -> None:
    con, _ = wh
    severities = dict(con.sql(
        "select distinct check_name, severity from meta.dq_check_results"
    ).fetchall())
    assert {c for c, s in severities.items() if s == CRITICAL} == {"file_errors", "stale_extract", "sms_after_opt_out"}


def test_samples_point_at_the_planted_rows_with_pseudonymous_ids_only(wh) -> None:
    con, planted = wh
    samples = {(c, l): s for c, l, s in con.sql(
        "select check_name, location_id, failing_sample from marts.fct_dq_check_results "
        "where is_failing and run_at = (select max(run_at) from marts.fct_dq_check_results)"
    ).fetchall()}
    orphan_key = hashlib.sha256(f"{KEY}|od-001|990000001".encode()).hexdigest()
    assert samples[("orphan_patient_reference", "LOC-003")] == [
        f"appointment od-001/{planted['orphan_apt']} -> patient_key {orphan_key}"]
    bad_key = hashlib.sha256(f"{KEY}|od-001|{planted['bad_contact_patnum']}".encode()).hexdigest()
    assert samples[("invalid_phone", "LOC-003")] == [f"patient_key {bad_key}"]
    assert samples[("invalid_email", "LOC-003")] == [f"patient_key {bad_key}"]
    assert samples[("sms_after_opt_out", "LOC-004")][0].startswith("message DQ-SMS-1 to patient_key ")
    assert samples[("quarantined_rows", "LOC-005")] == [f"reviews/2026-03-02/reviews.csv:{planted['review_line']}"]
    assert samples[("stale_extract", "LOC-005")] == ["pms/dx-002/2026-02-02 (28 days before as-of)"]
    # the planted day (cut to 2 rows per extract file) is among LOC-002's truncated days
    assert any(s.startswith(f"{TRUNCATED_DAY}: ") for s in samples[("truncated_day", "LOC-002")])
    assert any(f"/{planted['duplicate_apt']} @ pms/od-001/2026-03-02/appointment.csv:" in s
               for s in samples[("duplicate_appointment_key", "LOC-002")])
    assert any(f"es-001/{planted['future_apt']} @" in s for s in samples[("completed_in_future", "LOC-007")])
    assert len(samples[("likely_duplicate_patient", "LOC-006")]) == 2  # the record and its twin
    # unresolved slots: LOC-007 has exactly the unknown-status appointment; LOC-002 only slots of the cut day;
    # LOC-005 only dx-002 slots from its last extract's day (2026-02-02) up to the as-of date (2026-03-02)
    assert len(samples[("unresolved_slots", "LOC-007")]) == 1
    assert samples[("unresolved_slots", "LOC-007")][0].startswith(f"appointment es-001/{planted['unknown_status_apt']} @ ")
    assert all(s.startswith("appointment od-001/") and f" @ {TRUNCATED_DAY} " in s
               for s in samples[("unresolved_slots", "LOC-002")])
    stale = samples[("unresolved_slots", "LOC-005")]
    assert len(stale) == 5 and all(s.startswith("appointment dx-002/") for s in stale)
    assert all("2026-02-02" <= s.split(" @ ")[1] < "2026-03-02" for s in stale)
    # no contact data or names anywhere in the samples (the planted phone/email, any "@")
    text = " ".join(" ".join(s) for s in samples.values())
    assert "555-0199" not in text and "no-at-sign" not in text and "@example" not in text


def test_history_keeps_every_run_and_scores_use_the_latest(wh) -> None:
    con, _ = wh
    runs = con.sql("select count(distinct run_id) from meta.dq_check_results").fetchall()[0][0]
    assert runs == 2
    per_loc = con.sql(
        "select count(*) from marts.rpt_dq_location_score_history group by location_id"
    ).fetchall()
    assert {n for (n,) in per_loc} == {2}
    latest = con.sql("select distinct run_at from marts.rpt_dq_location_scores").fetchall()
    assert latest == [(RUN_TIMES[1],)]


def test_reconciliation_balances_every_file(wh) -> None:
    con, _ = wh
    unbalanced = con.sql("select count(*) from marts.rpt_dq_file_reconciliation where not is_balanced").fetchall()
    assert unbalanced == [(0,)]
    # the rating-7 review is the drop's only quarantined row
    q = con.sql("select source_file, rows_quarantined, quarantine_rows from marts.rpt_dq_file_reconciliation "
                "where rows_quarantined > 0").fetchall()
    assert q == [("reviews/2026-03-02/reviews.csv", 1, 1)]


def _gx_run(con: duckdb.DuckDBPyConnection, max_chunk_rows: int) -> pd.DataFrame:
    """runner.run_gx_checks on the read-only warehouse (as-of date and locations as run_quality_checks reads them)."""
    as_of = con.sql("select as_of_date from intermediate.int_dq__as_of").fetchall()[0][0]
    locations = [r[0] for r in con.sql(
        "select location_id from staging.stg_registry__locations where is_current_version order by 1").fetchall()]
    results, _ = runner.run_gx_checks(con, as_of, locations, max_chunk_rows=max_chunk_rows)
    return results.sort_values(["check_name", "location_id"], ignore_index=True)


def _chunks_per_table(caplog: pytest.LogCaptureFixture) -> dict[str, int]:
    """table -> chunks validated, from the runner's log line."""
    found = (re.search(r"dq: (\w+) \d+ rows in (\d+) chunk", r.getMessage()) for r in caplog.records)
    return {m.group(1): int(m.group(2)) for m in found if m}


def test_chunked_validation_equals_one_pass(wh, caplog: pytest.LogCaptureFixture) -> None:
    con, planted = wh
    caplog.set_level(logging.INFO, logger="connectors.quality.runner")
    one_pass = _gx_run(con, max_chunk_rows=10**9)
    assert set(_chunks_per_table(caplog).values()) == {1}
    caplog.clear()
    # 50 rows a chunk: hundreds of partitions planned, filled only by the few distinct source_files (appointments)
    # and locations (the others), most of them over 50 rows: about one chunk per file / location
    chunked = _gx_run(con, max_chunk_rows=50)
    chunks = _chunks_per_table(caplog)
    assert chunks["appointments"] > 5 and chunks["patients"] > 1 and chunks["reviews"] > 1, chunks
    pd.testing.assert_frame_equal(chunked, one_pass)
    # the planted duplicate: one appointment.csv row of LOC-002 written twice -> both rows fail, in one chunk
    dup = chunked.set_index(["check_name", "location_id"]).loc[("duplicate_appointment_key", "LOC-002")]
    assert dup["rows_failing"] == 2
    assert all(f"od-001/{planted['duplicate_apt']} @ pms/od-001/2026-03-02/appointment.csv:" in s
               for s in dup["failing_sample"])


def test_row_bounds_cap_the_suites(wh) -> None:
    # the chunk sizing relies on count(*) of bound_from >= the suite's rows (the suite only filters that relation)
    con, _ = wh
    as_of = con.sql("select as_of_date from intermediate.int_dq__as_of").fetchall()[0][0]
    for suite in runner.build_suites(as_of):
        assert suite.bound_from is not None, suite.name  # else the runner counts the suite SQL: an extra pass
        n_rows = con.sql(f"select count(*) from ({suite.sql})").fetchall()[0][0]
        assert 0 < n_rows <= runner._row_bound(con, suite), suite.name


def test_samples_merge_across_chunks(wh, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    con, _ = wh
    one_pass = _gx_run(con, max_chunk_rows=10**9)
    # Split patients and messages by row keys instead of location: every location's failing patients are
    # spread over ~15 chunks, so its 5-ref sample must be merged from several chunks' samples.
    rekey = {"patients": "patient_key", "messages": "message_id", "reviews": "review_id"}
    build = runner.build_suites
    monkeypatch.setattr(runner, "build_suites", lambda as_of: [
        dataclasses.replace(s, chunk_by=rekey.get(s.name, s.chunk_by)) for s in build(as_of)])
    caplog.set_level(logging.INFO, logger="connectors.quality.runner")
    chunked = _gx_run(con, max_chunk_rows=2_000)
    assert _chunks_per_table(caplog)["patients"] > 8  # ~28,600 patient rows / 2,000, more than one per location
    pd.testing.assert_frame_equal(chunked, one_pass)
    # ~15% of each location's active patients are not textable: far more than the 5 kept refs everywhere
    not_textable = chunked[chunked["check_name"] == "active_patient_not_textable"]
    assert (not_textable["rows_failing"] > runner.SAMPLE_SIZE).all()
    assert (not_textable["failing_sample"].map(len) == runner.SAMPLE_SIZE).all()
    assert all(s == sorted(s) for s in not_textable["failing_sample"])
