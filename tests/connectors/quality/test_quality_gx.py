"""Great Expectations part of the runner on hand-made frames: per-location attribution, row conditions, catalog."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from connectors.quality import runner
from connectors.quality.catalog import BY_NAME, CHECKS, CRITICAL, GX, SQL
from connectors.quality.suites import Expect, TableSuite, build_suites

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def context():
    """One ephemeral GX context for the module (GX import costs seconds)."""
    return runner._gx_context()


def test_failing_rows_are_attributed_to_their_locations(context) -> None:
    frame = pd.DataFrame({
        "location_id": ["L1", "L1", "L1", "L2", "L2"],
        "patient_key": ["k1", "k2", "k3", "k4", "k5"],
        "email_status": ["valid", "invalid", None, "invalid", "invalid"],
        "is_active": [True, True, False, True, False],
        "has_textable_mobile": [True, False, False, True, False],
    })
    suite = TableSuite("t1", "", lambda df: "patient_key " + df["patient_key"], [
        Expect("invalid_email", "ExpectColumnValuesToBeInSet",
               {"column": "email_status", "value_set": ["valid", "missing"]}, lambda df: df["email_status"].notna()),
        Expect("active_patient_not_textable", "ExpectColumnValuesToBeInSet",
               {"column": "has_textable_mobile", "value_set": [True]}, lambda df: df["is_active"],
               when=("is_active", True)),
    ])
    by_check = runner._validate(context, suite, frame)
    rows = pd.concat([runner._per_location(c, frame, m, f, suite, ["L1", "L2", "L3"])
                      for c, (m, f) in by_check.items()]).set_index(["check_name", "location_id"])
    # invalid_email: L1 examines k1, k2 (k3 NULL is skipped), k2 fails; L2 examines k4, k5, both fail
    assert rows.loc[("invalid_email", "L1"), "rows_examined"] == 2
    assert rows.loc[("invalid_email", "L1"), "rows_failing"] == 1
    assert rows.loc[("invalid_email", "L1"), "failing_sample"] == ["patient_key k2"]
    assert rows.loc[("invalid_email", "L2"), "rows_failing"] == 2
    assert rows.loc[("invalid_email", "L3"), "rows_examined"] == 0  # a location with no rows still reports
    # not textable, active only: L1 examines k1, k2 (k3 inactive) -> k2 fails; L2 examines k4 -> passes
    # (k5 is not textable but inactive: outside the row condition)
    assert rows.loc[("active_patient_not_textable", "L1"), "rows_examined"] == 2
    assert rows.loc[("active_patient_not_textable", "L1"), "failing_sample"] == ["patient_key k2"]
    assert rows.loc[("active_patient_not_textable", "L2"), "rows_failing"] == 0


def test_appointment_suite_dates_relative_to_as_of(context) -> None:
    suite = next(s for s in build_suites(date(2026, 3, 2)) if s.name == "appointments")
    frame = pd.DataFrame({
        "location_id": ["L1", "L1", "L2", "L2"],
        "source_id": ["s"] * 4, "appointment_id": ["1", "2", "3", "3"],
        "source_file": ["f.csv"] * 4, "source_line": [2, 3, 4, 5],
        # 1999 < 2000 (implausible); 2027-09-03 > as-of + 18 months = 2027-09-02 (implausible);
        "start_local": pd.to_datetime(["1999-12-31 09:00", "2026-03-02 00:00", "2027-09-03 08:00", "2026-03-01 10:00"]),
    })
    frame["start_day"] = (frame["start_local"] - pd.Timestamp("1970-01-01")) / pd.Timedelta(days=1)
    frame = frame.assign(**{
        "status_canonical": ["scheduled", "completed", "weird", "completed"],
        "is_current_completed": [False, True, False, True],
    })
    frame["status_canonical"] = frame["status_canonical"].replace({"weird": "unknown"})
    by_check = runner._validate(context, suite, frame)
    failing = {c: sorted(frame.loc[f, "appointment_id"]) for c, (_, f) in by_check.items()}
    assert failing["implausible_appointment_date"] == ["1", "3"]
    # completed and current, starting at the as-of time 2026-03-02 00:00 (not strictly before it) -> future
    assert failing["completed_in_future"] == ["2"]
    assert failing["unknown_appointment_status"] == ["3"]
    # appointment 3 twice in f.csv
    assert failing["duplicate_appointment_key"] == ["3", "3"]


def test_catalog_matches_the_gx_suites_and_the_sql_checks() -> None:
    gx_checks = {e.check for s in build_suites(date(2026, 1, 1)) for e in s.expectations}
    assert gx_checks == {c.name for c in CHECKS if c.method == GX}
    sql = (REPO / "dbt_project/models/intermediate/quality/int_dq__sql_check_results.sql").read_text()
    values = sql[sql.index("from (values"):sql.index(") as c (check_name)")]
    assert set(re.findall(r"\('([a-z_]+)'\)", values)) == {c.name for c in CHECKS if c.method == SQL}
    assert all(c.severity in (CRITICAL, "warning") and c.weight > 0 for c in CHECKS)
    assert BY_NAME["sms_after_opt_out"].severity == CRITICAL  # extracts.md §8: must be zero, critical


def test_chunk_results_add_up_and_samples_merge_in_ref_order() -> None:
    def part(rows: list[tuple[str, int, int, list[str]]]) -> pd.DataFrame:
        cols = ["location_id", "rows_examined", "rows_failing", "failing_sample"]
        frame = pd.DataFrame(rows, columns=cols).assign(check_name="invalid_email")
        return frame[["location_id", "check_name", *cols[1:]]]

    chunk_a = part([("L1", 10, 6, ["k01", "k03", "k05", "k07", "k09"]), ("L2", 4, 0, [])])
    chunk_b = part([("L1", 8, 3, ["k02", "k04", "k11"]), ("L2", 0, 0, [])])
    chunk_c = part([("L1", 0, 0, []), ("L2", 5, 1, ["k00"])])
    got = runner._combine_chunks([chunk_a, chunk_b, chunk_c]).set_index("location_id")
    # L1: 10 + 8 + 0 examined, 6 + 3 failing; the smallest 5 of chunk a's and b's kept refs: k01 k02 k03 k04 k05
    # (chunk a's 6th failing ref was cut there: it sorts after k09, so it could not be among the first 5)
    assert got.loc["L1", "rows_examined"] == 18 and got.loc["L1", "rows_failing"] == 9
    assert got.loc["L1", "failing_sample"] == ["k01", "k02", "k03", "k04", "k05"]
    assert got.loc["L2", "rows_examined"] == 9 and got.loc["L2", "failing_sample"] == ["k00"]
    assert list(got.index) == ["L1", "L2"]  # the order of the locations list, as a single pass reports it


def test_chunk_size_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DSO_DQ_CHUNK_ROWS", raising=False)
    assert runner.chunk_rows() == runner.CHUNK_ROWS
    monkeypatch.setenv("DSO_DQ_CHUNK_ROWS", "50")
    assert runner.chunk_rows() == 50
