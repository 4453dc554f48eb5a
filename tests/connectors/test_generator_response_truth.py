"""Tests of the generator's patient_response_rate truth on the metric's scale (connectors/generator/truth.py)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from connectors.generator import Params, generate
from connectors.generator.truth import answered_probability

HOUR = 3600


@pytest.fixture(scope="module")
def drop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """6 locations, 120 days, seed 7: 5 live locations, 2 of them Open Dental eConfirmation clinics."""
    out = tmp_path_factory.mktemp("resp_drop")
    generate(Params(out=str(out), locations=6, end_date=date(2026, 3, 2), seed=7, history_days=120), progress=False)
    return out


def test_answered_probability_by_hand() -> None:
    # Patient 1: A at 0 h (q 0.5), B at 48 h (q 0.4); patient 2: C at 10 h (q 0.3) with replies cut at 25 h.
    # Reply delay uniform on [0, 30 h).
    # A: its own reply always lands in (0, 72 h]; B's reply lands in [48, 78) ∩ (0, 72] = 24 of 30 h -> 0.8:
    #    P = 1 - (1 - 0.5)(1 - 0.4 * 0.8) = 1 - 0.5 * 0.68 = 0.66.
    # B: A's reply window [0, 30) does not meet (48, 120] -> only its own: 0.4.
    # C: its reply window [10, 40) cut at 25 h -> 15 of 30 h: 0.3 * 0.5 = 0.15.
    pat = np.array([1, 1, 2])
    t = np.array([0, 48, 10]) * HOUR
    q = np.array([0.5, 0.4, 0.3])
    cap = np.array([10**9, 10**9, 25 * HOUR])
    p = answered_probability(pat, t, q, (0, 30 * HOUR), cap)
    assert p == pytest.approx([0.66, 0.4, 0.15])


def _realised_platform(drop: Path) -> pl.DataFrame:
    """Answered share of platform attempts per location, by the metric's rule written out independently."""
    msgs = pl.concat([pl.read_csv(p, infer_schema=False) for p in drop.glob("comms/*/messages.csv")])
    msgs = msgs.unique("message_id", keep="last").with_columns(
        pl.col("sent_at").str.slice(0, 19).str.to_datetime("%Y-%m-%dT%H:%M:%S").alias("t"))
    att = msgs.filter((pl.col("direction") == "outbound") & pl.col("campaign").is_in(["reminder", "confirmation", "recall"]))
    inb = msgs.filter(pl.col("direction") == "inbound")
    within = att.join(inb.select("location_id", "pms_patient_id", pl.col("t").alias("ti")),
                      on=["location_id", "pms_patient_id"]).filter(
        (pl.col("ti") > pl.col("t")) & (pl.col("ti") <= pl.col("t") + pl.duration(hours=72))).select("message_id")
    direct = inb.select(pl.col("in_reply_to").alias("message_id")).drop_nulls()
    answered = pl.concat([within, direct]).unique().with_columns(pl.lit(True).alias("a"))
    return (att.join(answered, on="message_id", how="left").group_by("location_id")
            .agg(pl.len().alias("n"), pl.col("a").fill_null(False).sum().alias("answered")))


def _realised_econfirm(drop: Path) -> tuple[int, int]:
    """(attempts, answered within 72 h) of every Open Dental eConfirmation SMS of the drop."""
    n = a = 0
    for src in drop.glob("pms/od-*"):
        o = pl.concat([pl.read_csv(p, infer_schema=False) for p in src.glob("*/smstomobile.csv")])
        i = pl.concat([pl.read_csv(p, infer_schema=False) for p in src.glob("*/smsfrommobile.csv")])
        if o.height == 0:
            continue
        o = o.with_columns(pl.col("DateTimeSent").str.to_datetime("%Y-%m-%d %H:%M:%S").alias("t"))
        i = i.with_columns(pl.col("DateTimeReceived").str.to_datetime("%Y-%m-%d %H:%M:%S").alias("ti"))
        hit = o.join(i.select("PatNum", "ClinicNum", "ti"), on=["PatNum", "ClinicNum"]).filter(
            (pl.col("ti") > pl.col("t")) & (pl.col("ti") <= pl.col("t") + pl.duration(hours=72)))
        n += o.height
        a += hit["SmsToMobileNum"].n_unique()
    return n, a


def _check(expected: list[tuple[int, float]], n: int, answered: int) -> None:
    """Pooled realised share within 3 binomial standard errors of the pooled expected share."""
    assert n == sum(k for k, _ in expected) and n > 300
    p = sum(k * s for k, s in expected) / n
    se = np.sqrt(p * (1 - p) / n)
    assert abs(answered / n - p) < 3 * se, (answered / n, p, se)


def test_expected_shares_match_the_drop(drop: Path) -> None:
    # The truth is an expectation over the reply draws; the drop is one draw. Over thousands of attempts the
    # realised answered share (metric rule: in_reply_to or an inbound of the patient within 72 h) must lie within
    # sampling error of it, for the platform and for the recorded eConfirmation feed.
    eff = json.loads((drop / "_truth/effects.json").read_text())
    summ = {s["location_id"]: s["patient_response"] for s in eff["location_stats"] if s["patient_response"]}
    real = _realised_platform(drop)
    exp_plat = [(summ[r["location_id"]]["platform_attempts"], summ[r["location_id"]]["platform_post"])
                for r in real.iter_rows(named=True)]
    _check(exp_plat, int(real["n"].sum()), int(real["answered"].sum()))
    econ = [(s["econfirm_observed_attempts"], s["econfirm_observed_pre"]) for s in summ.values()
            if s["econfirm"] and s.get("econfirm_observed_attempts")]
    _check(econ, *_realised_econfirm(drop))


def test_response_truth_is_on_the_metric_scale(drop: Path) -> None:
    eff = json.loads((drop / "_truth/effects.json").read_text())
    r = eff["metrics"]["patient_response_rate"]
    # The planted parameter stays recorded under its own name (0.3 x mean SMS reply probability) ...
    assert r["reply_probability_abs_change"] == pytest.approx(0.3 * r["reply_probability_baseline"], abs=1e-5)
    # ... and the truth is the cell average of (platform - eConfirmation counterfactual) of the eConfirmation
    # clinics. Here one clinic (LOC-006, wave 1) has cells; the other eConfirmation clinic, LOC-005, goes live in
    # the last wave, so it is the not-yet-treated control and never treated within a cell with a control.
    summ = {s["location_id"]: s["patient_response"] for s in eff["location_stats"]}
    assert r["n_cells"] > 0 and r["by_wave"].keys() == {"1"}
    l6 = summ["LOC-006"]
    # A single treated clinic: every cell is its platform share minus its counterfactual share in that week, so
    # the average lies near the difference of its post-period shares (weeks weigh by attempts there, equally here).
    assert r["expected_abs_change"] == pytest.approx(l6["platform_post"] - l6["econfirm_cf_post"], abs=0.01)
    # Cutting replies at go-live lowers the recorded base week (g - 1) below the counterfactual: the value the DiD
    # converges to on the recorded data is larger than the truth (docs/roi.md).
    assert l6["econfirm_observed_base_week"] < l6["econfirm_cf_base_week"]
    assert r["did_limit_on_recorded_data"] > r["expected_abs_change"]
