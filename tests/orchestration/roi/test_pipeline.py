"""The warehouse side: panels read from marts, effects and money written back as marts.roi_* tables."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import polars as pl
import pytest

from orchestration.roi.pipeline import resolve_as_of, run_roi, write_marts
from orchestration.roi.settings import DEFAULT_SETTINGS_PATH, load_settings
from roi_fixtures import warehouse


def test_run_roi_writes_effects_and_money() -> None:
    con = warehouse()
    settings = load_settings(DEFAULT_SETTINGS_PATH)
    settings = replace(settings, analysis=replace(settings.analysis, bootstrap_draws=199))
    # Last complete week (j = 28) starts 2024-01-01 + 196 days = 2024-07-15 -> as of 2024-07-22.
    as_of = resolve_as_of(con, None)
    assert as_of == date(2024, 7, 22)
    out = run_roi(con, settings, as_of=as_of)
    counts = write_marts(con, out)
    overall = con.sql("select outcome, estimate, ci_low, ci_high from marts.roi_effects_overall").pl()
    ns = overall.filter(pl.col("outcome") == "no_show_rate").row(0, named=True)
    # Built-in effect -0.03 (the rest is location + week structure that parallel trends removes).
    assert ns["estimate"] == pytest.approx(-0.03, abs=1e-9)
    assert set(con.sql("select wave from marts.roi_effects_by_wave where outcome = 'no_show_rate'").pl()["wave"]) \
        == {"wave 1", "wave 2"}
    # Missing inputs are reported, not invented: no response-rate weight column, no month panel.
    st = dict(con.sql("select outcome, status from marts.roi_outcomes").fetchall())
    assert st["patient_response_rate"] == "not estimable" and st["recall_conversion_rate"] == "not estimable"
    money = con.sql("select * from marts.roi_money").pl()
    rv = money.filter((pl.col("location_id") == "L000") & (pl.col("metric") == "recovered_visits")).row(0, named=True)
    # L000 live 2024-03-04 = week j 9; complete weeks j 9..28 = 20 weeks x 100 appointments (week 29 is
    # partial and left out): 0.03 x 2000 = 60 visits.
    assert rv["estimate"] == pytest.approx(60.0, abs=1e-6)
    v = money.filter((pl.col("location_id") == "L000") & (pl.col("metric") == "value_recovered_visits")).row(0, named=True)
    assert v["estimate"] == pytest.approx(60 * 150.0, abs=1e-4)  # own fees 30000 / 200 = 150 per visit
    assert counts["roi_assumptions"] == 5
    assert money.filter(pl.col("location_id") == "ALL").height == 12
