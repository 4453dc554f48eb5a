"""What keeps pages fast at 1,500 locations: aggregates in DuckDB, filters before pandas, charts of a readable few.

Small hand-worked cases on the dash_snapshot.py fixture, plus a 60-location snapshot for the pages' many-location
paths (the per-location chart limits are 25 bars / lines and 40 heat-map rows).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from dashboards import data
from test_app import open_page, set_role, table_with, write_snapshot


def test_rollback_trigger_counts_per_day_and_trigger(snapshot: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Fixture: 2026-01-20 LOC-001 (East) sync, LOC-002 (West) incident; 2026-01-21 LOC-001 nothing.
    set_role(monkeypatch, "operations")
    counts = data.rollback_trigger_counts()
    assert [(str(d.date()), t, n) for d, t, n in counts.itertuples(index=False)] == [
        ("2026-01-20", "incident", 1), ("2026-01-20", "sync", 1)]
    set_role(monkeypatch, "regional_manager", "East")
    counts = data.rollback_trigger_counts()
    assert [(t, n) for _, t, n in counts.itertuples(index=False)] == [("sync", 1)]


def test_dq_score_trend_is_the_distribution_per_run(snapshot: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    set_role(monkeypatch, "operations")
    trend = data.dq_score_trend().set_index("as_of_date")
    # Run 2026-01-19: LOC-001 90, LOC-002 70 (flagged) -> median 80, 10th pct 70 + 0.1 * 20 = 72, min 70.
    # Run 2026-01-26: 95, 60 (flagged), 78 (flagged) -> median 78, 10th pct 60 + 0.2 * (78 - 60) = 63.6, min 60.
    first, second = trend.loc[pd.Timestamp("2026-01-19")], trend.loc[pd.Timestamp("2026-01-26")]
    assert (first["locations"], first["flagged"], first["median_score"], first["min_score"]) == (2, 1, 80.0, 70.0)
    assert first["p10_score"] == pytest.approx(72.0)
    assert (second["locations"], second["flagged"], second["median_score"], second["min_score"]) == (3, 2, 78.0, 60.0)
    assert second["p10_score"] == pytest.approx(63.6)
    # A regional manager's trend covers their locations only: East = LOC-001 and LOC-003.
    set_role(monkeypatch, "regional_manager", "East")
    east = data.dq_score_trend()
    assert east["locations"].tolist() == [1, 2] and east["min_score"].tolist() == [90.0, 78.0]


def test_read_mart_filters_apply_within_the_region(snapshot: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    set_role(monkeypatch, "operations")
    # recent_days counts back from the latest monitored day (2026-01-21), taken before `where`: the one
    # triggered day (01-20) is not within 1 day of it, so "triggered in the last day" is empty.
    last_day = data.read_mart("rpt_rollback_monitor", ["location_id", "monitor_date"],
                              recent_days=("monitor_date", 1))
    assert last_day["location_id"].tolist() == ["LOC-001"] and str(last_day["monitor_date"][0].date()) == "2026-01-21"
    assert data.read_mart("rpt_rollback_monitor", ["location_id"], where="any_trigger",
                          recent_days=("monitor_date", 1)).empty
    assert data.read_mart("rpt_rollback_monitor", ["location_id"], where="any_trigger",
                          recent_days=("monitor_date", 2), order_by=["location_id"])["location_id"].tolist() == [
        "LOC-001", "LOC-002"]
    assert data.read_mart("rpt_dq_location_score_history", ["location_id"], latest="run_at",
                          order_by=["location_id"])["location_id"].tolist() == ["LOC-001", "LOC-002", "LOC-003"]
    # A filter that would match every row still returns the viewer's region only.
    set_role(monkeypatch, "regional_manager", "West")
    assert data.read_mart("rpt_rollback_monitor", ["location_id"], where="true")["location_id"].tolist() == [
        "LOC-002"]
    assert data.read_mart("rpt_dq_location_score_history", ["location_id", "score"], latest="run_at")[
        "score"].tolist() == [60.0]


# 60 locations LOC-001..LOC-060, regions alternating East / West; data-quality score 40 + i (41..100), so the
# locations scoring below 80 (i = 1..39) are flagged; readiness composite 1 + i / 15 (LOC-060 highest).
MANY = {
    "dim_locations": """
        select printf('LOC-%03d', i) as location_id, 'Clinic ' || i as location_name,
               case when i % 2 = 0 then 'West' else 'East' end as region, 'opendental' as pms, 'od-1' as source_id,
               1 as wave, null::date as go_live_date
        from range(1, 61) r(i)""",
    "rpt_dq_location_scores": """
        select printf('LOC-%03d', i) as location_id, 'Clinic ' || i as location_name,
               case when i % 2 = 0 then 'West' else 'East' end as region, 40.0 + i as score,
               40.0 + i < 80 as is_flagged, 'score below 80' as flag_reasons, 'fix ' || i as how_to_fix,
               date '2026-01-26' as as_of_date
        from range(1, 61) r(i)""",
    "rpt_dq_location_score_history": """
        select timestamp '2026-01-26 06:00' as run_at, date '2026-01-26' as as_of_date,
               printf('LOC-%03d', i) as location_id, case when i % 2 = 0 then 'West' else 'East' end as region,
               40.0 + i as score, 40.0 + i < 80 as is_flagged
        from range(1, 61) r(i)""",
    "rpt_readiness_scores": """
        select printf('LOC-%03d', i) as location_id, 'Clinic ' || i as location_name,
               case when i % 2 = 0 then 'West' else 'East' end as region, 'opendental' as pms, false as is_live,
               3 as it_score, 3 as staff_score, 3 as volume_score, 3 as tech_stack_score, 3 as champion_score,
               1 + i / 15.0 as composite, 'wave_2' as recommendation, date '2026-01-26' as as_of_date
        from range(1, 61) r(i)""",
}


@pytest.fixture
def many(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A snapshot whose score, history, readiness and location marts hold 60 locations."""
    path = write_snapshot(tmp_path / "marts.duckdb", extra=MANY)
    monkeypatch.setenv("DSO_PUBLISHED_PATH", str(path))
    set_role(monkeypatch, "operations")
    return path


def test_data_quality_page_charts_a_readable_few_of_many_locations(many: Path) -> None:
    at = open_page("data_quality")
    titles = [c.proto.spec for c in at.get("vega_lite_chart")]
    assert any("the 25 lowest of 60 locations" in t for t in titles)
    # The trend is the distribution per run: median of 41..100 = 70.5, min 41, 39 flagged.
    trend = table_with(at, "median_score", "min_score", "flagged")
    assert trend[["locations", "flagged", "median_score", "min_score"]].values.tolist() == [[60, 39, 70.5, 41.0]]
    # Every location stays in the scores table; the 20 lowest flagged are explained one by one, the rest counted.
    assert len(table_with(at, "location_id", "score")) == 60
    assert len(at.expander) == 20 and at.expander[0].label.startswith("⚠ LOC-001 ")
    assert any("19 more flagged locations" in c.value for c in at.caption)


def test_readiness_heat_map_draws_at_most_40_locations(many: Path) -> None:
    at = open_page("readiness")
    box = at.selectbox(key="readiness_heatmap_rows")
    assert box.options == ["40 highest composite", "40 lowest composite", "region East", "region West"]
    assert any("the 40 highest of 60" in c.proto.spec for c in at.get("vega_lite_chart"))
    assert len(table_with(at, "location_id", "composite")) == 60  # the table keeps every location
    box.set_value("region West").run()
    assert not at.exception
    assert any("region West" in c.proto.spec for c in at.get("vega_lite_chart"))
