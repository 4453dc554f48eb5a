"""The Streamlit app against a tiny published snapshot written here (no pipeline run needed)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from dashboards import data

APP = str(Path(__file__).resolve().parents[2] / "dashboards" / "streamlit_app.py")


def write_snapshot(path: Path, with_baselines: bool = True) -> Path:
    """A published snapshot like publish.py writes: marts in `main` plus _publish_info."""
    con = duckdb.connect(str(path))
    con.execute(
        "create table dim_locations as select * from (values "
        "('LOC-001', 'North', 'East'), ('LOC-002', 'South', 'West'), ('LOC-003', 'Lake', 'East')) "
        "t(location_id, location_name, region)"
    )
    if with_baselines:
        con.execute(
            "create table rpt_location_no_show_baselines as select * from (values "
            "('LOC-001', 'East', 200, 0.10, 'reported', 180, 0.08, -0.02), "
            "('LOC-002', 'West', 5, 0.40, 'reported', 150, 0.30, -0.10), "
            "('LOC-003', 'East', 11, 0.25, 'too_early', null, null, null)) "
            "t(location_id, region, baseline_scheduled_appointments, baseline_no_show_rate, post_status, "
            "post_scheduled_appointments, post_no_show_rate, change_no_show_rate)"
        )
    con.execute("create table _publish_info as select timestamptz '2026-11-27 06:30:00+00' as published_at")
    con.close()
    return path


@pytest.fixture
def snapshot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point DSO_PUBLISHED_PATH at a fresh tiny snapshot."""
    path = write_snapshot(tmp_path / "marts.duckdb")
    monkeypatch.setenv("DSO_PUBLISHED_PATH", str(path))
    return path


def run_app() -> AppTest:
    """Run the app once and fail on any exception."""
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_overview_renders_baselines_table_and_chart(snapshot: Path) -> None:
    at = run_app()
    assert at.title[0].value == "Rollout overview"
    table = at.dataframe[0].value
    assert sorted(table["location_id"]) == ["LOC-001", "LOC-002", "LOC-003"]
    assert "region" not in table.columns  # only the page's listed columns
    rows = table.set_index("location_id")
    # LOC-002 has 5 baseline appointments (< 11): its baseline rate is hidden, and so is the change,
    # which would give the baseline away next to the (shown, 150 appointments) post rate.
    assert pd.isna(rows.loc["LOC-002", "baseline_no_show_rate"])
    assert pd.isna(rows.loc["LOC-002", "change_no_show_rate"])
    assert rows.loc["LOC-002", "post_no_show_rate"] == pytest.approx(0.30)
    assert rows.loc["LOC-001", "baseline_no_show_rate"] == pytest.approx(0.10)
    # 11 appointments is the smallest denominator shown.
    assert rows.loc["LOC-003", "baseline_no_show_rate"] == pytest.approx(0.25)
    charts = at.get("vega_lite_chart")
    assert len(charts) == 1
    spec = charts[0].proto.spec
    assert "Baseline no-show rate per location" in spec and "% of scheduled appointments" in spec
    assert any("2026-11-27 06:30" in c.value for c in at.caption)


def test_missing_snapshot_says_run_make_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DSO_PUBLISHED_PATH", str(tmp_path / "nothing-here.duckdb"))
    at = run_app()
    assert "make run" in at.info[0].value
    assert len(at.dataframe) == 0


def test_snapshot_without_the_mart_warns(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_snapshot(tmp_path / "marts.duckdb", with_baselines=False)
    monkeypatch.setenv("DSO_PUBLISHED_PATH", str(path))
    at = run_app()
    assert "rpt_location_no_show_baselines" in at.warning[0].value
    assert "dim_locations" in at.warning[0].value


def test_read_mart_serves_only_marts_and_filters_region(snapshot: Path) -> None:
    assert data.list_marts() == ["dim_locations", "rpt_location_no_show_baselines"]
    with pytest.raises(KeyError):
        data.read_mart("_publish_info")
    with pytest.raises(KeyError):
        data.read_mart("dim_locations", columns=["location_id", "patient_name"])
    # East holds LOC-001 and LOC-003 (by the region column, and via dim_locations for a table without it).
    east = data.read_mart("rpt_location_no_show_baselines", region="East")
    assert sorted(east["location_id"]) == ["LOC-001", "LOC-003"]
    west = data.read_mart("dim_locations", columns=["location_id"], region="West")
    assert west["location_id"].tolist() == ["LOC-002"]


def test_new_snapshot_is_read_after_swap(snapshot: Path, tmp_path: Path) -> None:
    assert len(data.read_mart("dim_locations")) == 3
    replacement = tmp_path / "next.duckdb"
    con = duckdb.connect(str(replacement))
    con.execute("create table dim_locations as select 'LOC-009' as location_id, 'North' as region")
    con.close()
    replacement.replace(snapshot)  # what publish.py does: one atomic rename
    assert data.read_mart("dim_locations")["location_id"].tolist() == ["LOC-009"]


def test_suppress_small_hides_counts_1_to_10_and_small_denominators() -> None:
    df = pd.DataFrame({"n": [0, 1, 10, 11], "rate": [None, 1.0, 0.5, 0.2]})
    out = data.suppress_small(df, rates={"rate": "n"}, counts=["n"])
    # n = 0 stays (a true zero is not identifying); 1..10 hidden; rates shown only for n >= 11.
    assert out["n"].tolist()[0] == 0 and out["n"].tolist()[3] == 11
    assert out["n"].isna().tolist() == [False, True, True, False]
    assert out["rate"].isna().tolist() == [True, True, True, False]
