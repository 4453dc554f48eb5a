"""End to end: the ROI difference-in-differences recovers the effect the generator planted (issue 6).

Two generated drops run through every Dagster asset, exactly as `tests/conftest.py::pipeline_run` does
(`dagster asset materialize --select '*'`), and the published snapshot's `roi_effects_overall` /
`roi_effects_by_wave` are compared with the generator's `_truth/effects.json`:

* ``--effect-scale 1``: the 95% interval of the overall effect on no_show_rate covers the true effect and
  excludes zero;
* ``--effect-scale 0``: the interval covers zero.

Estimand. The pipeline estimates the ATT: for treated locations in post-go-live weeks, observed rate minus
the rate they would have had without the platform. The generator has no pre-trend (location baselines are
constant in time) and multiplies the probability of every no-show / late-cancel break (and of a late move) by
(1 - 0.25 s) from go-live, so the counterfactual post rate of the treated is their pre-go-live rate and the
true ATT is ``-0.25 s x (treated baseline rate)``. effects.json records exactly that as
``metrics.no_show_rate.expected_abs_change`` (= -0.25 s x the realised pooled no-show rate of the live
locations in the 90 days before their go-live), and per wave we derive it the same way from
``by_wave[w].pre.no_show_rate``. We do not use "realised post - realised pre": that difference carries
the sampling noise of both windows a second time (and the pre window is only 90 days), while the DiD
interval already accounts for the noise of the estimate against a fixed truth.

patient_response_rate: the truth is on the metric's scale (platform minus the eConfirmation SMS the
clinics would have kept, 72-hour rule; docs/roi.md); the interval must cover it, and also the DiD's limit on the
data as recorded (which separates an estimator fault from a simulation artefact if the two ever drift apart).

Drop size: LOCATIONS locations, HISTORY_DAYS days of history, seed SEED — the smallest drop for which the
check held on every seed tried (see docs/roi.md "Validation on generated drops" for the numbers per seed).
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import duckdb
import pytest

from pipeline_refresh import generate_and_refresh

# Not marked slow (two generated drops through every asset, 4-8 min): it is issue 6's proof, the default run keeps it.

LOCATIONS = 20
HISTORY_DAYS = 500
SEED = 1
END_DATE = date(2026, 3, 2)


def _run_pipeline(root: Path, effect_scale: float) -> dict:
    """Generate a drop with the given effect scale and materialize every asset; return paths and truth."""
    drop = generate_and_refresh(root, locations=LOCATIONS, seed=SEED, history_days=HISTORY_DAYS, end_date=END_DATE,
                                extra_generator_args=("--effect-scale", str(effect_scale)))
    truth = json.loads((drop / "_truth" / "effects.json").read_text())
    return {"published": root / "published" / "marts.duckdb", "truth": truth}


def _effect(published: Path, table: str, outcome: str, where: str = "true") -> dict:
    """One row of a roi_effects_* table of the published snapshot, as a dict."""
    con = duckdb.connect(str(published), read_only=True)
    try:
        rel = con.sql(f"select * from {table} where outcome = '{outcome}' and {where}")
        rows = [dict(zip(rel.columns, r)) for r in rel.fetchall()]
    finally:
        con.close()
    assert len(rows) == 1, rows
    return rows[0]


@pytest.fixture(scope="module")
def with_effect(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Drop with every planted effect at full size (--effect-scale 1), through the whole pipeline."""
    return _run_pipeline(tmp_path_factory.mktemp("roi_truth_s1"), 1.0)


@pytest.fixture(scope="module")
def without_effect(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Same drop parameters with no planted effect (--effect-scale 0)."""
    return _run_pipeline(tmp_path_factory.mktemp("roi_truth_s0"), 0.0)


def test_truth_records_the_designed_no_show_effect(with_effect: dict) -> None:
    ns = with_effect["truth"]["metrics"]["no_show_rate"]
    # The designed relative change at s = 1 is -25%; the absolute truth is that share of the treated baseline.
    assert ns["expected_rel_change"] == pytest.approx(-0.25)
    assert ns["expected_abs_change"] == pytest.approx(-0.25 * ns["realised_pre_90d"]["no_show_rate"], abs=1e-4)


def test_overall_no_show_interval_covers_truth_and_excludes_zero(with_effect: dict) -> None:
    truth = with_effect["truth"]["metrics"]["no_show_rate"]["expected_abs_change"]
    row = _effect(with_effect["published"], "roi_effects_overall", "no_show_rate")
    assert row["status"] == "estimated", row
    assert row["ci_low"] <= truth <= row["ci_high"], (row, truth)
    assert row["ci_high"] < 0, row  # a real reduction is detected, not just "compatible with the truth"


def test_every_wave_has_a_no_show_estimate(with_effect: dict) -> None:
    # Per-wave intervals are not asserted to cover their truth: with 4 waves of 2-6 locations each, a 95%
    # interval misses now and then by design (seen on the seeds tried; numbers in docs/roi.md). We check
    # that every wave of the truth gets an estimated row, and that the waves' estimates average to the
    # right sign (the platform lowers no-shows in every wave).
    waves = sorted(with_effect["truth"]["waves"])
    con = duckdb.connect(str(with_effect["published"]), read_only=True)
    rows = dict(con.execute("select wave, estimate from roi_effects_by_wave "
                            "where outcome = 'no_show_rate' and status = 'estimated'").fetchall())
    con.close()
    assert sorted(rows) == [f"wave {w}" for w in waves]
    assert sum(rows.values()) / len(rows) < 0


def test_patient_response_effect_is_positive(with_effect: dict) -> None:
    row = _effect(with_effect["published"], "roi_effects_overall", "patient_response_rate")
    assert row["status"] == "estimated", row
    assert row["ci_low"] > 0, row


def test_patient_response_interval_covers_the_did_limit_on_the_recorded_data(with_effect: dict) -> None:
    # The estimator check: effects.json also records what the DiD converges to on the drop as recorded (its four
    # pooled means per cell from the generator's expected answered shares, as the drop records them).
    limit = with_effect["truth"]["metrics"]["patient_response_rate"]["did_limit_on_recorded_data"]
    row = _effect(with_effect["published"], "roi_effects_overall", "patient_response_rate")
    assert row["ci_low"] <= limit <= row["ci_high"], (row, limit)


def test_patient_response_interval_covers_truth(with_effect: dict) -> None:
    # The truth on the metric's scale (connectors/generator/truth.py, docs/roi.md): over the (go-live week, week)
    # cells of the eConfirmation clinics, expected answered share per attempt with the platform minus with the
    # eConfirmation SMS they would have kept, 72-hour rule, cells weighted by group size as the ATT.
    truth = with_effect["truth"]["metrics"]["patient_response_rate"]["expected_abs_change"]
    row = _effect(with_effect["published"], "roi_effects_overall", "patient_response_rate")
    assert row["ci_low"] <= truth <= row["ci_high"], (row, truth)


def test_no_effect_interval_covers_zero(without_effect: dict) -> None:
    assert without_effect["truth"]["parameters"]["effect_scale"] == 0
    row = _effect(without_effect["published"], "roi_effects_overall", "no_show_rate")
    assert row["status"] == "estimated", row
    assert row["ci_low"] <= 0.0 <= row["ci_high"], row


def test_binned_pretrend_test_is_estimable_on_the_weekly_panel(with_effect: dict) -> None:
    # 20 locations, ~63 weekly leads: the unbinned test cannot be computed (more leads than locations); the
    # primary test on 6 bins of 4 weeks can (docs/roi.md "Pre-trend test").
    con = duckdb.connect(str(with_effect["published"]), read_only=True)
    rows = {r[0]: r[1:] for r in con.execute(
        "select test, status, df, is_primary from roi_pretrend where outcome = 'no_show_rate'").fetchall()}
    con.close()
    assert rows["binned_event_time_leads"] == ("estimated", 6, True), rows
    assert rows["event_time_leads"][0] == "not estimable", rows


def test_no_show_pretrend_does_not_reject_with_the_small_sample_reference(with_effect: dict) -> None:
    # The generator plants no pre-trend. With 20 locations the asymptotic chi2(6) reference over-rejected
    # (W = 16.7, p = 0.011); Hotelling's F(6, 20 - 6) reference gives F = 16.7 * 14 / (6 * 20) = 1.94, p = 0.14.
    con = duckdb.connect(str(with_effect["published"]), read_only=True)
    row = con.execute("select p_value, p_value_chi2, n_clusters, df_denominator from roi_pretrend "
                      "where outcome = 'no_show_rate' and is_primary").fetchall()[0]
    con.close()
    p, p_chi2, g, df2 = row
    assert (g, df2) == (20, 14), row
    assert p > 0.05 and p_chi2 < p, row


def test_per_wave_money_has_intervals(with_effect: dict) -> None:
    con = duckdb.connect(str(with_effect["published"]), read_only=True)
    rows = con.execute("select wave, estimate, ci_low, ci_high from roi_money_by_wave "
                       "where metric = 'value_total' and status = 'estimated' order by wave").fetchall()
    con.close()
    assert [r[0] for r in rows] == [f"wave {w}" for w in sorted(with_effect["truth"]["waves"])]
    assert all(lo < est < hi for _, est, lo, hi in rows), rows
