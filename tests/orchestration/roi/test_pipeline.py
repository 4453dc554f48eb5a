"""The warehouse side: panels read from marts, effects and money written back as marts.roi_* tables."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import numpy as np
import polars as pl
import pytest

from orchestration.roi.did import DidConfig, att_gt
from orchestration.roi.pipeline import _effect_per_location, resolve_as_of, run_roi, write_marts
from orchestration.roi.settings import DEFAULT_SETTINGS_PATH, load_settings
from roi_fixtures import warehouse
from test_did_pretrend import zero_width_panel


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
    # Per-wave money with intervals. Each wave's effect is exactly -0.03 (the fixture's structure cancels):
    # wave 1 = 10 locations x 20 complete live weeks (j 9..28) x 100 = 20000 appointments -> 600 visits;
    # wave 2 = 10 x 11 weeks (j 18..28) x 100 = 11000 -> 330 visits.
    by_wave = con.sql("select * from marts.roi_money_by_wave where metric = 'recovered_visits' order by wave").pl()
    assert by_wave["wave"].to_list() == ["wave 1", "wave 2"]
    assert by_wave["estimate"].to_list() == pytest.approx([600.0, 330.0], abs=1e-6)
    assert by_wave["n_locations"].to_list() == [10, 10]
    assert (by_wave["ci_low"] < by_wave["estimate"]).all() and (by_wave["estimate"] < by_wave["ci_high"]).all()
    roi_rows = con.sql("select * from marts.roi_money_by_wave where metric = 'roi'").pl()
    assert roi_rows["ci_low"].null_count() == 0 and (roi_rows["ci_high"] > roi_rows["ci_low"]).all()


def test_money_falls_back_to_overall_when_the_wave_effect_is_zero_width() -> None:
    res = att_gt(zero_width_panel(), labels={3: "wave 1", 5: "wave 2"}, config=DidConfig(n_boot=99))
    eff, frame = _effect_per_location(res, np.array([3, 5, 5]), {3: "wave 1", 5: "wave 2"}, "wave", 99)
    # Wave 1's interval has zero width (not estimable): its location gets the overall effect, and says why.
    assert frame["effect_source"].to_list() == ["overall effect (wave 1 effect not estimable)", "wave 2 effect",
                                                "wave 2 effect"]
    assert eff.point[0] == pytest.approx(res.overall["estimate"].item())
    assert eff.point[1] == pytest.approx(1.0)  # wave 2: (1.5 + 0.5) / 2
