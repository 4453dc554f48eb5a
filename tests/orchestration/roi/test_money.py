"""Money math of metrics.md §6 on hand-computed numbers, and the settings file."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from orchestration.roi import money
from orchestration.roi.money import EffectDraws, money_table
from orchestration.roi.settings import (DEFAULT_SETTINGS_PATH, Assumption, MoneyAssumptions, load_settings)


def round_assumptions() -> MoneyAssumptions:
    """Round numbers so the expected values below can be worked out by hand."""
    a = lambda n, v, u: Assumption(n, v, u, "test")  # noqa: E731
    return MoneyAssumptions(
        production_per_visit=a("production_per_visit", 100.0, "USD per visit"),
        hygiene_visit_value=a("hygiene_visit_value", 150.0, "USD per visit"),
        front_desk_hourly_wage=a("front_desk_hourly_wage", 20.0, "USD per hour"),
        subscription_per_location_month=a("subscription_per_location_month", 300.0, "USD per month"),
        implementation_cost_per_location=a("implementation_cost_per_location", 1000.0, "USD"),
    )


def test_pure_formulas() -> None:
    assert money.live_months(date(2024, 1, 1), date(2025, 1, 1)) == pytest.approx(366 / 30.4375)
    assert money.live_months(date(2025, 1, 1), date(2024, 1, 1)) == 0.0  # not live yet
    ppv, own = money.production_per_visit(np.array([60000.0, np.nan, 0.0]), np.array([400.0, 10.0, 50.0]), 100.0)
    # 60000 / 400 = 150 own fees; missing production and zero production fall back to the assumption.
    assert ppv.tolist() == [150.0, 100.0, 100.0] and own.tolist() == [True, False, False]
    assert money.recovered_visits(np.array([-0.02]), np.array([2000.0])).tolist() == pytest.approx([40.0])
    assert money.recall_conversions_gained(np.array([0.05]), np.array([300.0])).tolist() == pytest.approx([15.0])
    # 40 x 150 + 15 x 150 + 50 x 20 = 6000 + 2250 + 1000
    assert money.money_value(np.array([40.0]), np.array([150.0]), np.array([15.0]), 150.0,
                             np.array([50.0]), 20.0).tolist() == [9250.0]
    assert money.money_cost(np.array([6.0]), 300.0, 1000.0).tolist() == [2800.0]
    assert money.roi(np.array([9250.0, 5.0]), np.array([2800.0, 0.0])).tolist()[0] == pytest.approx(6450 / 2800)
    assert np.isnan(money.roi(np.array([5.0]), np.array([0.0]))[0])
    # net monthly 1541.67 - 300 = 1241.67 -> 1000 / 1241.67 = 0.8 -> month 1; 616.67 -> 1.62 -> month 2;
    # value below the subscription never pays back.
    pb = money.payback_month(np.array([9250 / 6, 2750 / 3, 200.0]), np.array([300.0] * 3), np.array([1000.0] * 3))
    assert pb.tolist() == [1.0, 2.0, np.inf]


def table() -> pl.DataFrame:
    """Two locations: A with PMS fees, recall data and time study; B with none of them."""
    locs = pl.DataFrame({
        "location_id": ["A", "B"],
        "post_scheduled_appointments": [2000.0, 1000.0],
        "live_months": [6.0, 3.0],
        "baseline_production": [60000.0, None],
        "baseline_completed_visits": [400.0, None],
        "post_recall_due": [300.0, 100.0],
        "front_desk_hours_saved": [50.0, None],
    })
    ns = EffectDraws(point=np.array([-0.02, -0.02]),
                     draws=np.array([[-0.03, -0.03], [-0.02, -0.02], [-0.01, -0.01]]),
                     source=["overall effect", "overall effect"])
    rc = EffectDraws(point=np.array([0.05, 0.05]), draws=np.array([[0.05, 0.05]] * 3), source=["overall"] * 2)
    return money_table(locs, ns, rc, round_assumptions(), alpha=0.05)


def get(t: pl.DataFrame, loc: str, metric: str) -> dict:
    return t.filter((pl.col("location_id") == loc) & (pl.col("metric") == metric)).row(0, named=True)


def test_money_table_by_hand() -> None:
    t = table()
    # A: 0.02 x 2000 = 40 visits x 150 (own fees 60000/400) = 6000; 0.05 x 300 = 15 x 150 = 2250;
    #    50 h x 20 = 1000 -> 9250. Cost 300 x 6 + 1000 = 2800. ROI 6450 / 2800.
    assert get(t, "A", "recovered_visits")["estimate"] == pytest.approx(40.0)
    assert get(t, "A", "value_total")["estimate"] == pytest.approx(9250.0)
    assert get(t, "A", "cost")["estimate"] == pytest.approx(2800.0)
    assert get(t, "A", "roi")["estimate"] == pytest.approx(6450 / 2800)
    assert get(t, "A", "payback_month")["estimate"] == 1.0
    assert "location's baseline PMS fees" in get(t, "A", "value_recovered_visits")["basis"]
    # B: 20 visits x 100 (assumption) = 2000; 5 x 150 = 750; no time study -> 0. 2750 vs 900 + 1000.
    assert get(t, "B", "value_total")["estimate"] == pytest.approx(2750.0)
    assert get(t, "B", "roi")["estimate"] == pytest.approx(850 / 1900)
    assert get(t, "B", "payback_month")["estimate"] == 2.0
    assert "production_per_visit = 100 USD per visit (assumption" in get(t, "B", "value_recovered_visits")["basis"]
    assert "not measured" in get(t, "B", "value_front_desk")["basis"]
    # Total: value 12000, cost 4700, ROI 7300 / 4700; monthly 1541.67 + 916.67 - 600 -> 2000 / 1858.33 -> 2.
    assert get(t, "ALL", "value_total")["estimate"] == pytest.approx(12000.0)
    assert get(t, "ALL", "roi")["estimate"] == pytest.approx(7300 / 4700)
    assert get(t, "ALL", "payback_month")["estimate"] == 2.0


def test_intervals_carry_through_the_draws() -> None:
    t = table()
    # Draws -0.03, -0.02, -0.01: A's visits 60, 40, 20 -> the 2.5% / 97.5% percentiles of 3 draws are 20, 60.
    v = get(t, "A", "recovered_visits")
    assert (v["ci_low"], v["ci_high"]) == (pytest.approx(20.0), pytest.approx(60.0))
    # Value of A per draw: 60/40/20 visits x 150 + 2250 + 1000 = 12250 / 9250 / 6250.
    val = get(t, "A", "value_total")
    assert (val["ci_low"], val["ci_high"]) == (pytest.approx(6250.0), pytest.approx(12250.0))
    # Total per draw: A as above + B (30/20/10 visits x 100 + 750 = 3750 / 2750 / 1750): 16000 / 12000 / 8000.
    tot = get(t, "ALL", "value_total")
    assert (tot["ci_low"], tot["ci_high"]) == (pytest.approx(8000.0), pytest.approx(16000.0))


def test_not_estimable_and_never_paid_back() -> None:
    locs = pl.DataFrame({"location_id": ["A", "B"], "post_scheduled_appointments": [100.0, 100.0],
                         "live_months": [2.0, 2.0]})
    ns = EffectDraws(point=np.array([-0.01, np.nan]), draws=np.array([[-0.01, np.nan]] * 5),
                     source=["overall effect"] * 2)
    t = money_table(locs, ns, None, round_assumptions())
    b = get(t, "B", "value_total")
    assert b["status"] == "not estimable" and b["estimate"] is None
    # A: 1 visit x 100 = 100 over 2 months = 50 a month < 300 subscription: no payback.
    pb = get(t, "A", "payback_month")
    assert pb["estimate"] is None and pb["reason"] == "not reached at the current monthly value"
    assert "1 not estimable, left out" in get(t, "ALL", "value_total")["basis"]
    assert get(t, "ALL", "value_total")["estimate"] == pytest.approx(100.0)


def test_settings_file_has_every_assumption_with_source() -> None:
    s = load_settings(DEFAULT_SETTINGS_PATH)
    names = [a.name for a in s.assumptions.all()]
    assert names == ["production_per_visit", "hygiene_visit_value", "front_desk_hourly_wage",
                     "subscription_per_location_month", "implementation_cost_per_location"]
    assert all(a.value > 0 and a.unit and len(a.source) > 40 for a in s.assumptions.all())
    assert s.analysis.bootstrap_draws == 999 and s.analysis.effect_level == "overall"


def test_settings_file_errors(tmp_path: Path) -> None:
    bad = tmp_path / "s.yml"
    bad.write_text("assumptions:\n  production_per_visit: {value: 1, unit: USD, source: x}\n")
    with pytest.raises(ValueError, match="missing assumptions"):
        load_settings(bad)
    text = DEFAULT_SETTINGS_PATH.read_text().replace("value: 24.0", "value: -1")
    bad.write_text(text)
    with pytest.raises(ValueError, match="front_desk_hourly_wage"):
        load_settings(bad)


def test_per_wave_money_carries_intervals_through() -> None:
    """Wave 1 = A, B of `table()` (same draws); wave 2 = C with its own effect draws; wave 3 = D, not estimable."""
    locs = pl.DataFrame({
        "location_id": ["A", "B", "C", "D"],
        "post_scheduled_appointments": [2000.0, 1000.0, 500.0, 100.0],
        "live_months": [6.0, 3.0, 2.0, 1.0],
        "baseline_production": [60000.0, None, None, None],
        "baseline_completed_visits": [400.0, None, None, None],
        "post_recall_due": [300.0, 100.0, None, None],
        "front_desk_hours_saved": [50.0, None, None, None],
    })
    ns = EffectDraws(point=np.array([-0.02, -0.02, -0.04, np.nan]),
                     draws=np.array([[-0.03, -0.03, -0.06, np.nan], [-0.02, -0.02, -0.04, np.nan],
                                     [-0.01, -0.01, -0.02, np.nan]]),
                     source=["wave 1 effect", "wave 1 effect", "wave 2 effect", "overall effect"])
    rc = EffectDraws(point=np.array([0.05] * 4), draws=np.array([[0.05] * 4] * 3), source=["wave 1 effect"] * 4)
    t = money.money_by_wave(locs, ["wave 1", "wave 1", "wave 2", "wave 3"], ns, rc, round_assumptions())

    def w(wave: str, metric: str) -> dict:
        return t.filter((pl.col("wave") == wave) & (pl.col("metric") == metric)).row(0, named=True)

    # Wave 1 is the total of test_intervals_carry_through_the_draws: value per draw 16000 / 12000 / 8000,
    # cost 2800 + 1900 = 4700 -> ROI 7300 / 4700 in [3300 / 4700, 11300 / 4700].
    v1 = w("wave 1", "value_total")
    assert (v1["estimate"], v1["ci_low"], v1["ci_high"]) == (pytest.approx(12000.0), pytest.approx(8000.0),
                                                             pytest.approx(16000.0))
    r1 = w("wave 1", "roi")
    assert (r1["estimate"], r1["ci_low"], r1["ci_high"]) == (pytest.approx(7300 / 4700), pytest.approx(3300 / 4700),
                                                             pytest.approx(11300 / 4700))
    assert v1["n_locations"] == 2
    # Wave 2: C alone, 0.06 / 0.04 / 0.02 x 500 = 30 / 20 / 10 visits x 100 (assumption) = 3000 / 2000 / 1000;
    # no recall due data -> 0. Cost 300 x 2 + 1000 = 1600: ROI 0.25 in [-0.375, 0.875].
    assert w("wave 2", "recovered_visits")["ci_low"] == pytest.approx(10.0)
    r2 = w("wave 2", "roi")
    assert (r2["estimate"], r2["ci_low"], r2["ci_high"]) == (pytest.approx(0.25), pytest.approx(-0.375),
                                                             pytest.approx(0.875))
    # Payback: monthly value 1000 - 300 subscription = 700 a month -> 1000 / 700 -> month 2; draws 1500 and
    # 500 a month -> months 1 and 5.
    pb = w("wave 2", "payback_month")
    assert (pb["estimate"], pb["ci_low"], pb["ci_high"]) == (2.0, 1.0, 5.0)
    assert "wave 2 effect on no_show_rate" in w("wave 2", "recovered_visits")["basis"]
    # Wave 3: its only location has no estimable effect -> not estimable, no numbers.
    d = w("wave 3", "value_total")
    assert d["status"] == "not estimable" and d["estimate"] is None and d["ci_low"] is None
    assert "no location of wave 3" in d["reason"]
