"""The estimator against the `csdid` port of R `did` on the mpdta reference panel."""

from __future__ import annotations

import contextlib
import io
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl
import pytest

from orchestration.roi.did import att_gt

# A copy of ../shared/reference-data/mpdta.csv (same SHA-256; tests/fixtures/reference/README.md).
MPDTA = Path(__file__).resolve().parents[2] / "fixtures" / "reference" / "mpdta.csv"


@pytest.fixture(scope="module")
def ours():
    """Our estimate on mpdta (unweighted, default bootstrap)."""
    df = pl.read_csv(MPDTA)
    return att_gt(df, unit="countyreal", period="year", outcome="lemp", group="first.treat")


@pytest.fixture(scope="module")
def ref():
    """csdid with not-yet-treated controls, outcome regression, analytic (bstrap=False) SEs."""
    from csdid.att_gt import ATTgt

    df = pd.read_csv(MPDTA)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = ATTgt(yname="lemp", gname="first.treat", idname="countyreal", tname="year", xformla="lemp~1",
                  data=df, control_group="notyettreated").fit(est_method="reg", bstrap=False)
        aggs = {}
        for typ in ("simple", "group", "dynamic"):
            with contextlib.redirect_stdout(io.StringIO()):
                m.aggte(typec=typ, bstrap=False)
            aggs[typ] = m.atte
    return m, aggs


def test_group_time_effects_match_csdid(ours, ref) -> None:
    m, _ = ref
    cells = ours.cells.sort("group", "period")
    # csdid lists cells by group then period, like ours: same 12 (g, t) pairs.
    assert cells.select("group", "period").rows() == list(zip(m.results["group"], m.results["year"]))
    np.testing.assert_allclose(cells["att"].to_numpy(), m.results["att"], atol=1e-6)
    # Influence-function SEs are the same formula: equal to rounding.
    np.testing.assert_allclose(cells["se_analytic"].to_numpy(), m.results["se"], rtol=1e-6)
    # Bootstrap SEs differ from the analytic ones by Monte Carlo error only (B = 999): within 15%.
    np.testing.assert_allclose(cells["se"].to_numpy(), m.results["se"], rtol=0.15)


def test_published_values(ours) -> None:
    """The values measured with csdid in the brief: ATT(2004,2004) = -0.0194, ATT(2004,2005) = -0.0783."""
    c = ours.cells
    at = lambda g, t: c.filter((pl.col("group") == g) & (pl.col("period") == t))["att"].item()  # noqa: E731
    assert at(2004, 2004) == pytest.approx(-0.0194, abs=5e-5)
    assert at(2004, 2005) == pytest.approx(-0.0783, abs=5e-5)
    # Varying base: the post cells of 2004 compare with 2003, a pre cell of 2007 with the year before it.
    assert c.filter((pl.col("group") == 2004) & (pl.col("period") == 2007))["base_period"].item() == 2003
    assert c.filter((pl.col("group") == 2007) & (pl.col("period") == 2005))["base_period"].item() == 2004


def test_aggregations_match_csdid(ours, ref) -> None:
    _, aggs = ref
    simple = aggs["simple"]
    assert ours.overall["estimate"].item() == pytest.approx(simple["overall_att"], abs=1e-6)
    assert ours.overall["se_analytic"].item() == pytest.approx(float(np.ravel(simple["overall_se"])[0]), rel=1e-6)
    assert ours.overall["se"].item() == pytest.approx(float(np.ravel(simple["overall_se"])[0]), rel=0.15)
    grp = aggs["group"]
    np.testing.assert_allclose(ours.by_group.sort("group")["estimate"].to_numpy(), grp["att_egt"], atol=1e-6)
    np.testing.assert_allclose(ours.by_group.sort("group")["se_analytic"].to_numpy(), np.ravel(grp["se_egt"]),
                               rtol=1e-6)
    dyn = aggs["dynamic"]
    es = ours.event_study.sort("event_time")
    assert es["event_time"].to_list() == [-3, -2, -1, 0, 1, 2, 3]
    np.testing.assert_allclose(es["estimate"].to_numpy(), np.asarray(dyn["att_egt"], dtype=float), atol=1e-6)
    np.testing.assert_allclose(es["se_analytic"].to_numpy(), np.ravel(dyn["se_egt"]), rtol=1e-6)
    np.testing.assert_allclose(es["se"].to_numpy(), np.ravel(dyn["se_egt"]), rtol=0.15)


def test_pretrend_wald_matches_did(ours, ref) -> None:
    m, _ = ref
    pt = ours.pretrend.filter(pl.col("test") == "group_time_pre_cells")
    # did's W over the 5 pre-period ATT(g, t) cells.
    assert pt["statistic"].item() == pytest.approx(m.MP["W"], rel=1e-6)
    assert pt["df"].item() == 5
    assert pt["p_value_chi2"].item() == pytest.approx(m.MP["Wpval"], abs=1e-5)
    # The p-value to read is the small-sample Hotelling F(5, G - 5): with G = 500 counties it is barely more
    # conservative than did's chi-square p. G counts the counties with data on these cells: the 20 counties first
    # treated in 2004 enter no pre-period cell (2003 is the only earlier year), so G = 500 - 20 = 480.
    assert pt["n_clusters"].item() == 480 and pt["df_denominator"].item() == 475
    assert pt["p_value_chi2"].item() <= pt["p_value"].item() <= pt["p_value_chi2"].item() + 0.01
    lead = ours.pretrend.filter(pl.col("test") == "event_time_leads")
    assert lead["status"].item() == "estimated" and lead["df"].item() == 3  # leads e = -3, -2, -1
