"""Hand-derived, simulated and edge-case checks of the staggered DiD estimator."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from orchestration.roi.did import NOT_ESTIMABLE, DidConfig, Multipliers, att_gt


def two_by_two(weighted: bool) -> pl.DataFrame:
    """Units A, B go live at period 2; C, D never. Outcomes and weights chosen for hand arithmetic."""
    return pl.DataFrame({
        "unit_id": ["A", "A", "B", "B", "C", "C", "D", "D"],
        "period": [1, 2] * 4,
        "outcome": [1.0, 4.0, 3.0, 8.0, 2.0, 3.0, 2.0, 5.0],
        "weight": [1.0, 3.0, 1.0, 1.0, 2.0, 2.0, 2.0, 2.0] if weighted else [1.0] * 8,
        "first_treated": [2, 2, 2, 2, 0, 0, None, None],
    })


def test_two_by_two_is_the_did_of_four_means() -> None:
    res = att_gt(two_by_two(False), config=DidConfig(n_boot=199))
    cell = res.cells.row(0, named=True)
    # treated: mean(4, 8) - mean(1, 3) = 6 - 2 = 4; controls: mean(3, 5) - mean(2, 2) = 4 - 2 = 2; ATT = 2.
    assert res.cells.height == 1 and cell["att"] == pytest.approx(2.0)
    assert (cell["n_treated"], cell["n_control"], cell["base_period"]) == (2, 2, 1)
    # Influence function: n = 4, deviations of the changes from their group mean are -1, +1 in both groups,
    # psi = 4 * (-1/2, 1/2, +1/2, -1/2) = (-2, 2, 2, -2); SE = sqrt(16) / 4 = 1.
    assert cell["se_analytic"] == pytest.approx(1.0)
    assert res.overall["estimate"].item() == pytest.approx(2.0)
    # One post cell and no pre cell: nothing to test for pre-trends, and it says so.
    assert set(res.pretrend["status"]) == {NOT_ESTIMABLE}
    assert res.pretrend["reason"][0] == "no pre-period estimate to test"


def test_cell_weights_give_pooled_rates() -> None:
    res = att_gt(two_by_two(True), weight="weight", config=DidConfig(n_boot=199))
    # treated t=2: (3*4 + 1*8) / (3 + 1) = 5; t=1: (1*1 + 1*3) / 2 = 2 -> change 3.
    # control t=2: (2*3 + 2*5) / 4 = 4; t=1: (2*2 + 2*2) / 4 = 2 -> change 2. ATT = 3 - 2 = 1.
    assert res.cells["att"].item() == pytest.approx(1.0)


def simulated(effect: float, seed: int = 7) -> pl.DataFrame:
    """300 units x 12 periods; 60 each go live at 5, 8, 11, 120 never; unit + period effects + noise."""
    rng = np.random.default_rng(seed)
    n, T = 300, 12
    g = np.repeat([5, 8, 11, 0], [60, 60, 60, 120])
    alpha = rng.normal(0, 1, n)
    lam = np.linspace(0, 1, T)
    units = np.repeat(np.arange(n), T)
    periods = np.tile(np.arange(1, T + 1), n)
    gg = g[units]
    treated = (gg > 0) & (periods >= gg)
    y = alpha[units] + lam[periods - 1] + effect * treated + rng.normal(0, 0.5, n * T)
    return pl.DataFrame({"unit_id": units, "period": periods, "outcome": y, "first_treated": gg})


@pytest.mark.parametrize("effect", [0.3, 0.0])
def test_interval_covers_the_true_effect(effect: float) -> None:
    res = att_gt(simulated(effect), labels={5: "wave 1", 8: "wave 2", 11: "wave 2"})
    o = res.overall.row(0, named=True)
    assert o["ci_low"] < effect < o["ci_high"]
    # The interval is informative: narrower than the effect size itself.
    assert o["ci_high"] - o["ci_low"] < 0.3
    for row in res.by_label.iter_rows(named=True):
        assert row["ci_low"] < effect < row["ci_high"], row
    assert res.by_label["label"].to_list() == ["wave 1", "wave 2"]
    # Parallel trends hold by construction: the pre-trend test does not reject at 1%.
    lead = res.pretrend.filter(pl.col("test") == "event_time_leads").row(0, named=True)
    assert lead["status"] == "estimated" and lead["p_value"] > 0.01
    # Draws of the overall effect are centred on the estimate.
    d = res.draws[("overall", None)]
    assert d.shape == (999,) and abs(np.median(d) - o["estimate"]) < o["se"]


def test_pretrend_detects_a_diverging_group() -> None:
    df = simulated(0.0).with_columns(
        # Group 11 drifts upward before go-live: 0.1 per period, a violation of parallel trends.
        pl.when(pl.col("first_treated") == 11).then(pl.col("outcome") + 0.1 * pl.col("period"))
        .otherwise(pl.col("outcome")).alias("outcome")
    )
    lead = att_gt(df).pretrend.filter(pl.col("test") == "event_time_leads").row(0, named=True)
    assert lead["p_value"] < 0.001


def test_not_estimable_without_not_yet_treated_controls() -> None:
    # Groups 3 (units a, b) and 5 (c, d) and no never-treated; unit e is treated at period 1 (before the panel).
    rows = []
    for u, g in [("a", 3), ("b", 3), ("c", 5), ("d", 5), ("e", 1)]:
        for t in range(1, 7):
            # +-0.1 t unit trends cancel within each pair (group means keep slope 1) but give the estimates
            # spread, so intervals have width (without them every interval would be zero-width).
            wobble = {"a": 0.1, "b": -0.1, "c": 0.1, "d": -0.1, "e": 0.0}[u] * t
            rows.append({"unit_id": u, "period": t, "outcome": float(t + (u in "ab") * (t >= 3)) + wobble,
                         "first_treated": g})
    res = att_gt(pl.DataFrame(rows), config=DidConfig(n_boot=199))
    c = res.cells
    bad = c.filter(pl.col("status") == NOT_ESTIMABLE).sort("group", "period")
    # Group 3 at 5, 6 and group 5 at 5, 6: every location is treated by then, no control left. Group 5's
    # pre cells at 3, 4 have no control either (group 3 is already treated, and 5 cannot control itself).
    assert bad.select("group", "period").rows() == [(3, 5), (3, 6), (5, 3), (5, 4), (5, 5), (5, 6)]
    assert bad["att"].null_count() == 6 and bad["se"].null_count() == 6
    assert "no not-yet-treated" in bad["reason"][0]
    # Group 3 at 3, 4 compares with group 5 (not yet treated): effect exactly 1 (outcome + 1 once live).
    good = c.filter((pl.col("group") == 3) & pl.col("post") & (pl.col("status") == "estimated"))
    assert good["att"].to_list() == pytest.approx([1.0, 1.0])
    # The overall effect uses the two estimable post cells and says four were left out.
    o = res.overall.row(0, named=True)
    assert o["estimate"] == pytest.approx(1.0) and o["n_cells"] == 2 and o["n_cells_not_estimable"] == 4
    g5 = res.by_group.filter(pl.col("group") == 5).row(0, named=True)
    assert g5["status"] == NOT_ESTIMABLE and g5["estimate"] is None and ("group", 5) not in res.draws
    e3 = res.event_study.filter(pl.col("event_time") == 3).row(0, named=True)
    assert e3["status"] == NOT_ESTIMABLE
    assert res.excluded_units["unit_id"].to_list() == ["e"]


def test_unbalanced_panel_uses_units_seen_at_both_periods() -> None:
    df = two_by_two(False).vstack(pl.DataFrame({
        # Unit E (treated) has no base-period row, unit F (control) has a null outcome at t=2: both skipped.
        "unit_id": ["E", "F", "F"], "period": [2, 1, 2], "outcome": [100.0, 7.0, None],
        "weight": [1.0, 1.0, 1.0], "first_treated": [2, 0, 0],
    }))
    cell = att_gt(df, config=DidConfig(n_boot=199)).cells.row(0, named=True)
    assert cell["att"] == pytest.approx(2.0) and (cell["n_treated"], cell["n_control"]) == (2, 2)


def test_shared_multipliers_make_joint_draws() -> None:
    df = simulated(0.3)
    mult = Multipliers.draw(df["unit_id"].unique(), n_boot=299, seed=3)
    a = att_gt(df, multipliers=mult)
    b = att_gt(df.with_columns(pl.col("outcome") * 2), multipliers=mult)
    da, db = a.draws[("overall", None)], b.draws[("overall", None)]
    # Same multipliers per location: the second outcome's deviations are exactly twice the first's.
    np.testing.assert_allclose(db - db.mean(), 2 * (da - da.mean()), atol=1e-12)
    # Same seed, same panel -> identical intervals (reproducible).
    again = att_gt(df, multipliers=mult)
    assert again.overall["ci_low"].item() == a.overall["ci_low"].item()


def test_bad_inputs_are_refused() -> None:
    df = two_by_two(False)
    with pytest.raises(ValueError, match="duplicate"):
        att_gt(df.vstack(df.head(1)))
    with pytest.raises(ValueError, match="varies within"):
        att_gt(df.with_columns(pl.when(pl.col("period") == 2).then(3).otherwise(pl.col("first_treated"))
                               .alias("first_treated")))
