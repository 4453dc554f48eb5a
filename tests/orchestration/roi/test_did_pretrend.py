"""Pre-trend test on binned leads (estimable on weekly panels) and zero-width intervals reported as not estimable."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from orchestration.roi.did import (NOT_ESTIMABLE, ZERO_WIDTH_REASON, DidConfig, _Agg, _lead_bins, _pretrend,
                                   att_gt, hotelling_f, n_clusters, wald_test)

FAST = DidConfig(n_boot=199)


def weekly(pre_trend: float = 0.0, seed: int = 11) -> pl.DataFrame:
    """30 locations x 104 weeks like the sample drop: 4 waves of 6 going live in weeks 40, 55, 70, 92, 6 never.

    Rate-like outcome 0.10 + location level + seasonal week effect + noise (sd 0.01). `pre_trend` adds a
    linear drift to every treated location before its go-live: pre_trend x (t - g), i.e. rising by
    `pre_trend` a week up to the go-live week, then flat (a violation of parallel trends).
    """
    rng = np.random.default_rng(seed)
    n, T = 30, 104
    g = np.repeat([40, 55, 70, 92, 0], 6)
    level = rng.normal(0, 0.02, n)
    week = 0.01 * np.sin(np.arange(1, T + 1) / 8)
    units = np.repeat(np.arange(n), T)
    t = np.tile(np.arange(1, T + 1), n)
    gg = g[units]
    drift = np.where((gg > 0) & (t < gg), pre_trend * (t - gg), 0.0)
    y = 0.10 + level[units] + week[t - 1] + drift + rng.normal(0, 0.01, n * T)
    return pl.DataFrame({"unit_id": units, "period": t, "outcome": y, "first_treated": gg})


def test_weekly_panel_many_leads_few_units_gives_an_estimable_binned_test() -> None:
    res = att_gt(weekly(), config=FAST)
    pt = {r["test"]: r for r in res.pretrend.iter_rows(named=True)}
    # The last wave (week 92) has placebo leads e = -1 .. -90 (periods 2 .. 91): 90 leads from 30 locations, so
    # the unbinned test cannot be computed ...
    un = pt["event_time_leads"]
    assert un["status"] == NOT_ESTIMABLE and "90 pre-period estimates from 30 locations" in un["reason"]
    # ... while the primary test on 6 bins of 4 weeks (leads -1 .. -24) is, and parallel trends hold by
    # construction, so it does not reject.
    b = pt["binned_event_time_leads"]
    assert b["is_primary"] and not un["is_primary"]
    assert b["status"] == "estimated" and b["df"] == 6, b
    assert b["p_value"] > 0.05, b
    assert "24 of 90 estimable leads used" in b["detail"]


def test_planted_linear_pre_trend_is_rejected() -> None:
    # +0.002 a week before go-live: each one-week placebo lead is 0.002, against noise of sd 0.01 per location-week.
    b = att_gt(weekly(pre_trend=0.002), config=FAST).pretrend.row(0, named=True)
    assert b["test"] == "binned_event_time_leads" and b["status"] == "estimated"
    # The small-sample F(6, 24) reference (30 locations) is more conservative than chi2(6): both reject clearly
    # (observed: chi2 p ~ 2e-5, F p ~ 0.005), the F one at 1% rather than 0.1%.
    assert b["p_value_chi2"] < 0.001, b
    assert b["p_value"] < 0.01 and b["p_value"] > b["p_value_chi2"], b


def test_bins_average_the_leads_and_their_influence_functions() -> None:
    # Leads e = -1 .. -9 with estimate -e/10 and influence function (e, 2e) for 2 locations. Width 4, 2 bins:
    # bin 1 = e -1..-4: mean(0.1, 0.2, 0.3, 0.4) = 0.25, psi mean of (-1..-4, -2..-8) = (-2.5, -5);
    # bin 2 = e -5..-8: 0.65, psi (-6.5, -13); e = -9 falls outside the 2 bins.
    leads = [_Agg("event", e, -e / 10, np.array([e, 2.0 * e]), 1, 0, None) for e in range(-1, -10, -1)]
    theta, psi, detail = _lead_bins(leads, width=4, max_bins=2)
    assert theta == pytest.approx([0.25, 0.65])
    assert psi.tolist() == [[-2.5, -6.5], [-5.0, -13.0]]
    assert "2 bins of 4 periods" in detail and "8 of 9 estimable leads used" in detail


def test_wald_test_by_hand_and_near_singular_covariance() -> None:
    # Two independent estimates, n = 4 locations, psi columns (2, -2, 0, 0) and (0, 0, 4, -4):
    # V = psi'psi / n^2 = diag(8, 32) / 16 = diag(0.5, 2); theta = (1, 2) -> W = 1/0.5 + 4/2 = 4, df 2.
    psi = np.array([[2.0, 0.0], [-2.0, 0.0], [0.0, 4.0], [0.0, -4.0]])
    stat, df, p = wald_test(np.array([1.0, 2.0]), psi)
    assert (stat, df) == (pytest.approx(4.0), 2) and p == pytest.approx(np.exp(-2.0))  # chi2(2) sf = exp(-W/2)
    # A third estimate that is the sum of the first two (up to 1e-12): the covariance is singular in
    # practice, and the test says so instead of returning a statistic driven by rounding.
    near = np.column_stack([psi, psi.sum(axis=1) + 1e-12 * np.array([1.0, 0.0, 0.0, -1.0])])
    near = np.vstack([near, np.zeros((1, 3))])  # 5 locations so q < n and the rank check decides
    res = wald_test(np.array([1.0, 2.0, 3.0]), near)
    assert isinstance(res, str) and "near-singular (numerical rank 2)" in res


def test_small_sample_f_by_hand_one_estimate() -> None:
    # q = 1, G = 4 locations, psi = (2, -2, 1, -1), theta = 0.5:
    # V = (4 + 4 + 1 + 1) / 4^2 = 0.625, W = 0.25 / 0.625 = 0.4 (chi2(1) p = 0.527).
    # Hotelling: F = W (G - q) / (q G) = 0.4 * 3 / 4 = 0.3 ~ F(1, 3), i.e. t = sqrt(0.3) = 0.5477 on 3 df.
    # t(3) CDF = 1/2 + (1/pi) [x / (1 + x^2) + atan(x)] with x = t / sqrt(3) = 0.31623:
    #   x / 1.1 = 0.28748, atan(x) = 0.30628, sum / pi = 0.18900 -> CDF 0.68900 -> two-sided p = 0.6220.
    psi = np.array([[2.0], [-2.0], [1.0], [-1.0]])
    stat, q, p_chi2 = wald_test(np.array([0.5]), psi)
    assert (stat, q) == (pytest.approx(0.4), 1) and p_chi2 == pytest.approx(0.5271, abs=1e-4)
    fstat, df2, p = hotelling_f(stat, q, n_clusters(psi))
    assert (fstat, df2) == (pytest.approx(0.3), 3)
    assert p == pytest.approx(0.6220, abs=1e-4)


def test_small_sample_f_by_hand_two_estimates_and_a_location_without_data() -> None:
    # q = 2; 5 locations of which one has no data (zero influence row), so G = 4:
    # psi columns (1, -1, 0, 0, 0) and (0, 0, 1, -1, 0): V = diag(2, 2) / 5^2 = diag(0.08, 0.08);
    # theta = (0.2, 0.4): W = 0.04 / 0.08 + 0.16 / 0.08 = 2.5, chi2(2) p = exp(-1.25) = 0.2865.
    # F = 2.5 * (4 - 2) / (2 * 4) = 0.625 ~ F(2, 2), whose survival function is 1 / (1 + x): p = 1 / 1.625 = 0.6154.
    psi = np.array([[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0], [0.0, -1.0], [0.0, 0.0]])
    stat, q, p_chi2 = wald_test(np.array([0.2, 0.4]), psi)
    assert stat == pytest.approx(2.5) and p_chi2 == pytest.approx(np.exp(-1.25))
    assert n_clusters(psi) == 4
    fstat, df2, p = hotelling_f(stat, q, 4)
    assert (fstat, df2, p) == (pytest.approx(0.625), 2, pytest.approx(1 / 1.625))
    # as many estimates as locations with data: no small-sample reference
    assert "needs more locations than estimates" in hotelling_f(stat, 2, 2)


def test_pretrend_rows_read_the_small_sample_p_and_keep_the_chi2_p() -> None:
    # The q = 1 case above as one binned lead (e = -1): the primary row's p_value is the F p (0.6220), the
    # asymptotic one stays in p_value_chi2 (0.5271); statistic and df are still W and q.
    # One pre-period cell (e = -1) carries the 4 locations' data; a fifth location has none (zero row), so G = 4.
    psi = np.array([[2.0], [-2.0], [1.0], [-1.0], [0.0]])
    lead = _Agg("event", -1, 0.5, psi[:, 0] * 5 / 4, 1, 0, None)  # n = 5: psi'psi / 25 = 0.625 as with n = 4
    cells = pl.DataFrame({"post": [False], "status": ["estimated"], "att": [0.5], "event_time": [-1]})
    row = _pretrend(cells, psi, [lead], DidConfig()).row(0, named=True)
    assert row["test"] == "binned_event_time_leads" and row["status"] == "estimated"
    assert (row["statistic"], row["df"], row["f_statistic"], row["df_denominator"], row["n_clusters"]) == (
        pytest.approx(0.4), 1, pytest.approx(0.3), 3, 4)
    assert row["p_value"] == pytest.approx(0.6220, abs=1e-4) and row["p_value_chi2"] == pytest.approx(0.5271, abs=1e-4)
    assert "F(1, 3)" in row["detail"]


def zero_width_panel() -> pl.DataFrame:
    """A (wave 1, live at 3), B1, B2 (wave 2, live at 5), C1, C2 never; periods 1..8; common trend y = t.

    A gains exactly 1 once live; B1 gains 1.5 and B2 0.5 (wave 2 effect 1, with spread). Every control change
    is identical, and A is the only location of wave 1, so every bootstrap draw of wave 1's effect is the same.
    """
    rows = []
    for u, g, gain in [("A", 3, 1.0), ("B1", 5, 1.5), ("B2", 5, 0.5), ("C1", 0, 0.0), ("C2", 0, 0.0)]:
        for t in range(1, 9):
            rows.append({"unit_id": u, "period": t, "outcome": float(t) + gain * (g > 0 and t >= g),
                         "first_treated": g})
    return pl.DataFrame(rows)


def test_zero_width_wave_is_not_estimable() -> None:
    res = att_gt(zero_width_panel(), labels={3: "wave 1", 5: "wave 2"}, config=FAST)
    w = {r["label"]: r for r in res.by_label.iter_rows(named=True)}
    # Wave 1: one treated location (its mean has no spread) against controls whose changes are all equal.
    assert w["wave 1"]["status"] == NOT_ESTIMABLE and w["wave 1"]["reason"] == ZERO_WIDTH_REASON
    assert w["wave 1"]["estimate"] is None and w["wave 1"]["ci_low"] is None
    assert ("label", "wave 1") not in res.draws  # money cannot use certain-looking draws
    # Wave 2 has spread (B1 vs B2) and is estimated: (1.5 + 0.5) / 2 = 1 in every post cell.
    assert w["wave 2"]["status"] == "estimated" and w["wave 2"]["estimate"] == pytest.approx(1.0)
    assert w["wave 2"]["ci_high"] - w["wave 2"]["ci_low"] > 0
    # The group-time cells of wave 1 are withheld the same way (their own interval would be zero-width).
    c = res.cells.filter((pl.col("group") == 3) & pl.col("post"))
    assert set(c["status"]) == {NOT_ESTIMABLE} and set(c["reason"]) == {ZERO_WIDTH_REASON}


def test_constant_outcome_is_not_estimable_rather_than_a_zero_width_interval() -> None:
    df = zero_width_panel().with_columns(pl.lit(0.05).alias("outcome"))
    o = att_gt(df, config=FAST).overall.row(0, named=True)
    assert o["status"] == NOT_ESTIMABLE and o["reason"] == ZERO_WIDTH_REASON and o["ci_low"] is None
