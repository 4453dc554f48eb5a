"""Staggered difference-in-differences: Callaway & Sant'Anna (2021) group-time ATTs and aggregations.

Estimator (documented in docs/roi.md, validated against the `csdid` port of R `did` on mpdta):

* ATT(g, t) for every group g (first treated period, e.g. go-live week) and period t of the panel but the
  first, with **not-yet-treated** controls (never treated, or first treated strictly after t, and not in g),
  no covariates (unconditional parallel trends), outcome regression = the DiD of four (weighted) means.
* **Varying** base period (the R `did` default): post periods t >= g compare with g's last pre-period;
  pre periods t < g compare with the period just before t (placebo "short differences").
* Cell-level weights: each of the four means is sum(w_it * y_it) / sum(w_it) over the locations of the
  cell, with the weight of that location in that period (e.g. scheduled appointments), i.e. the pooled rate.
  With a constant weight this is `did`'s sampling-weighted estimator; without a weight all weights are 1.
* Influence functions per location (cluster = location) and a Rademacher multiplier bootstrap
  (B draws, fixed seed) as one matrix product; SE = bootstrap IQR / 1.349 as in `did::mboot`.
* Aggregations as `did::aggte`: simple (group-size weights), per group, per label (e.g. wave), dynamic
  (event time e = t - g), including the influence of the estimated group shares.
* Pre-trend test: Wald test that the event-time leads, averaged in a few bins (4 periods x at most 6), are
  jointly zero (primary; estimable with few locations), p-value from the small-sample Hotelling T² / F(q, G - q)
  reference (G = locations with data; the chi-square p is kept as p_value_chi2), plus the unbinned leads and the `did` group-time
  version on every pre-period ATT(g, t) as secondary rows. A near-singular covariance gives a reason.
* An estimate whose bootstrap interval has zero width is "not estimable" (precision unknown), not printed.

A quantity that cannot be estimated gets status "not estimable" and a reason, never a number.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Hashable, Mapping, Sequence

import numpy as np
import polars as pl
from scipy.stats import chi2, f as f_dist, norm

ESTIMATED = "estimated"
NOT_ESTIMABLE = "not estimable"

# did::mboot turns the bootstrap interquartile range into a standard error with this normal constant.
_IQR_TO_SD = float(norm.ppf(0.75) - norm.ppf(0.25))

ZERO_WIDTH_REASON = (
    "zero-width interval: every bootstrap draw is the same, i.e. no variation across locations is seen in this "
    "estimate (e.g. a single treated location with data against a single control, or an outcome that does not "
    "vary), so its precision cannot be assessed"
)


def _zero_width(se: np.ndarray, estimate: np.ndarray) -> np.ndarray:
    """True where a standard error is zero up to rounding (relative to the estimate) or undefined."""
    se = np.asarray(se, dtype=float)
    scale = np.maximum(1.0, np.abs(np.nan_to_num(np.asarray(estimate, dtype=float))))
    with np.errstate(invalid="ignore"):
        return ~(se > 1e-10 * scale)


@dataclass(frozen=True)
class DidConfig:
    """Bootstrap and estimability settings of the estimator."""

    n_boot: int = 999
    seed: int = 20210101
    alpha: float = 0.05
    # A cell needs at least this many treated / control locations observed at t and at the base period.
    min_treated: int = 1
    min_control: int = 1
    # Primary pre-trend test: event-time leads averaged in bins of this many periods (4 weeks on the weekly
    # panel), at most this many bins (6 x 4 weeks = the 24 weeks before go-live). A Wald test on every weekly
    # lead needs more locations than leads (91 leads from 30 locations is singular); a few bins do not.
    pretrend_bin_width: int = 4
    pretrend_max_bins: int = 6
    # Largest number of leads used by the secondary, unbinned event-time test (None = every pre event time).
    pretrend_max_leads: int | None = None


@dataclass(frozen=True)
class Multipliers:
    """Rademacher multipliers per location, shared by several estimations so their draws are joint."""

    unit_ids: np.ndarray  # sorted unique location ids
    values: np.ndarray  # (B, len(unit_ids)) of +-1

    @classmethod
    def draw(cls, unit_ids: Sequence[Hashable], n_boot: int, seed: int) -> "Multipliers":
        """Draw B x N Rademacher multipliers for the sorted unique `unit_ids` with a fixed seed."""
        ids = np.unique(np.asarray(list(unit_ids)))
        rng = np.random.default_rng(seed)
        values = rng.integers(0, 2, size=(n_boot, len(ids)), dtype=np.int8) * 2 - 1
        return cls(unit_ids=ids, values=values.astype(np.float64))

    def for_units(self, unit_ids: np.ndarray) -> np.ndarray:
        """Columns of the multiplier matrix for `unit_ids` (each must be in the universe)."""
        pos = np.searchsorted(self.unit_ids, unit_ids)
        pos = np.clip(pos, 0, len(self.unit_ids) - 1)
        if not np.array_equal(self.unit_ids[pos], unit_ids):
            raise ValueError("some locations of the panel are missing from the multiplier universe")
        return self.values[:, pos]


@dataclass
class DidResult:
    """Group-time effects, their aggregations and bootstrap draws of one outcome."""

    cells: pl.DataFrame
    overall: pl.DataFrame
    by_group: pl.DataFrame
    by_label: pl.DataFrame
    event_study: pl.DataFrame
    pretrend: pl.DataFrame
    # Bootstrap draws of each aggregated estimator (estimate + multiplier deviation), keyed like
    # ("overall", None), ("group", g), ("label", label); only for estimated aggregations.
    draws: dict[tuple[str, Hashable], np.ndarray] = field(default_factory=dict)
    n_units: int = 0
    excluded_units: pl.DataFrame | None = None


@dataclass
class _Panel:
    unit_ids: np.ndarray  # (n,)
    periods: np.ndarray  # (T,) sorted
    y: np.ndarray  # (n, T), 0 where unobserved
    w: np.ndarray  # (n, T), 0 where unobserved
    obs: np.ndarray  # (n, T) bool
    g: np.ndarray  # (n,) first treated period, 0 = not treated within the sample


def _prepare(
    panel: pl.DataFrame, unit: str, period: str, outcome: str, weight: str | None, group: str
) -> tuple[_Panel, pl.DataFrame]:
    """Validate the long panel and pivot it to unit x period matrices (vectorised scatter, no loops)."""
    cols = [unit, period, outcome, group] + ([weight] if weight else [])
    missing = [c for c in cols if c not in panel.columns]
    if missing:
        raise ValueError(f"panel lacks columns {missing}")
    df = panel.select(cols)
    if df.height == 0:
        raise ValueError("empty panel")
    if df.select(pl.struct(unit, period).is_duplicated().any()).item():
        raise ValueError(f"panel has duplicate ({unit}, {period}) rows")
    # NULL / 0 first-treated = never treated or not yet treated within the sample.
    df = df.with_columns(pl.col(group).fill_null(0).cast(pl.Int64).alias("_g"))
    if df.group_by(unit).agg(pl.col("_g").n_unique().alias("k")).select((pl.col("k") > 1).any()).item():
        raise ValueError(f"{group} varies within a {unit}: the first-treated period must be constant")

    periods = np.sort(df.get_column(period).unique().to_numpy()).astype(np.int64)
    t_min, t_max = int(periods[0]), int(periods[-1])
    units = df.group_by(unit).agg(pl.col("_g").first()).sort(unit)
    # Treated after the last period = not yet treated within the sample (did does the same).
    units = units.with_columns(pl.when(pl.col("_g") > t_max).then(0).otherwise(pl.col("_g")).alias("_g"))
    # Treated at or before the first period: no pre-treatment base period, so no cell can use them.
    excluded = units.filter((pl.col("_g") > 0) & (pl.col("_g") <= t_min)).select(
        pl.col(unit).alias("unit_id"), pl.col("_g").alias("group"),
        pl.lit("treated at or before the first period of the panel: no pre-treatment base period").alias("reason"),
    )
    units = units.filter((pl.col("_g") == 0) | (pl.col("_g") > t_min))
    unit_ids = units.get_column(unit).to_numpy()
    g = units.get_column("_g").to_numpy().astype(np.int64)

    keep = df.join(units.select(unit), on=unit, how="semi")
    y_col = pl.col(outcome).cast(pl.Float64)
    ok = y_col.is_not_null() & y_col.is_finite()
    if weight:
        w_col = pl.col(weight).cast(pl.Float64)
        ok = ok & w_col.is_not_null() & w_col.is_finite() & (w_col > 0)
    else:
        w_col = pl.lit(1.0)
    keep = keep.filter(ok).select(unit, period, y_col.alias("_y"), w_col.alias("_w"))

    n, T = len(unit_ids), len(periods)
    ui = np.searchsorted(unit_ids, keep.get_column(unit).to_numpy())
    ti = np.searchsorted(periods, keep.get_column(period).to_numpy())
    y = np.zeros((n, T))
    w = np.zeros((n, T))
    obs = np.zeros((n, T), dtype=bool)
    y[ui, ti] = keep.get_column("_y").to_numpy()
    w[ui, ti] = keep.get_column("_w").to_numpy()
    obs[ui, ti] = True
    return _Panel(unit_ids, periods, y, w, obs, g), excluded


def _cell_means(mask: np.ndarray, w: np.ndarray, y: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Weighted means per column over `mask` and their influence functions (n x K, scaled by n)."""
    mw = mask * w
    sw = mw.sum(axis=0)
    safe = np.where(sw > 0, sw, 1.0)
    mean = (mw * y).sum(axis=0) / safe
    # Linearisation of a ratio of sums: unit i moves the mean by w_i (y_i - mean) / sum w.
    psi = n * mw * (y - mean) / safe
    return mean, psi


def _group_time(p: _Panel, cfg: DidConfig) -> tuple[pl.DataFrame, np.ndarray]:
    """ATT(g, t) for every group and period but the first, with influence functions (n x K)."""
    n, T = p.y.shape
    periods = p.periods
    tt_all = np.arange(1, T)
    rows: list[dict[str, np.ndarray]] = []
    psis: list[np.ndarray] = []
    groups = np.unique(p.g[p.g > 0])
    for g in groups:  # one iteration per go-live week (not per location); each is matrix work
        base_g = int(np.searchsorted(periods, g, side="left")) - 1  # last period before g
        tt = tt_all
        bb = np.where(periods[tt] >= g, base_g, tt - 1)
        obs = p.obs[:, tt] & p.obs[:, bb]
        treat = (p.g == g)[:, None] & obs
        # Not yet treated at t (never, or first treated strictly after t), excluding g itself.
        ctrl = (((p.g == 0)[:, None] | (p.g[:, None] > periods[tt][None, :])) & (p.g != g)[:, None]) & obs
        yt, yb, wt, wb = p.y[:, tt], p.y[:, bb], p.w[:, tt], p.w[:, bb]
        m_tt, psi_tt = _cell_means(treat, wt, yt, n)
        m_tb, psi_tb = _cell_means(treat, wb, yb, n)
        m_ct, psi_ct = _cell_means(ctrl, wt, yt, n)
        m_cb, psi_cb = _cell_means(ctrl, wb, yb, n)
        att = (m_tt - m_tb) - (m_ct - m_cb)
        psi = psi_tt - psi_tb - psi_ct + psi_cb
        n_t, n_c = treat.sum(axis=0), ctrl.sum(axis=0)
        reason = np.full(len(tt), None, dtype=object)
        reason[n_c < cfg.min_control] = (
            "no not-yet-treated or never-treated control location observed at this period and its base period"
        )
        reason[n_t < cfg.min_treated] = "no location of this group observed at this period and its base period"
        ok = np.array([r is None for r in reason])
        att = np.where(ok, att, np.nan)
        psi[:, ~ok] = 0.0
        rows.append(
            {
                "group": np.full(len(tt), g),
                "period": periods[tt],
                "base_period": periods[bb],
                "event_time": periods[tt] - g,
                "post": periods[tt] >= g,
                "att": att,
                "n_treated": n_t,
                "n_control": n_c,
                "reason": reason,
            }
        )
        psis.append(psi)
    if not rows:
        empty = pl.DataFrame(
            schema={"group": pl.Int64, "period": pl.Int64, "base_period": pl.Int64, "event_time": pl.Int64,
                    "post": pl.Boolean, "att": pl.Float64, "n_treated": pl.Int64, "n_control": pl.Int64,
                    "reason": pl.String}
        )
        return empty, np.zeros((n, 0))
    cat = {k: np.concatenate([r[k] for r in rows]) for k in rows[0]}
    cells = pl.DataFrame(
        {
            "group": cat["group"].astype(np.int64),
            "period": cat["period"].astype(np.int64),
            "base_period": cat["base_period"].astype(np.int64),
            "event_time": cat["event_time"].astype(np.int64),
            "post": cat["post"].astype(bool),
            "att": cat["att"].astype(np.float64),
            "n_treated": cat["n_treated"].astype(np.int64),
            "n_control": cat["n_control"].astype(np.int64),
            "reason": pl.Series(list(cat["reason"]), dtype=pl.String),
        }
    )
    return cells, np.concatenate(psis, axis=1)


def _wif(keep: np.ndarray, cell_group: np.ndarray, pg: np.ndarray, unit_g: np.ndarray) -> np.ndarray:
    """Influence of the estimated group shares on a group-size-weighted average (did's `wif`), n x |keep|."""
    pgk = pg[keep]
    s = pgk.sum()
    ind = (unit_g[:, None] == cell_group[keep][None, :]).astype(np.float64) - pgk[None, :]
    return ind / s - np.outer(ind.sum(axis=1), pgk / s**2)


@dataclass
class _Agg:
    kind: str
    key: Hashable
    estimate: float
    psi: np.ndarray | None  # (n,)
    n_cells: int
    n_excluded: int
    reason: str | None


def _aggregate(
    kind: str, key: Hashable, members: np.ndarray, att: np.ndarray, ok: np.ndarray, psi: np.ndarray,
    cell_group: np.ndarray, pg: np.ndarray, unit_g: np.ndarray, share_weights: bool, empty_reason: str,
) -> _Agg:
    """Weighted average of the estimable cells among `members` (group-size weights or equal weights)."""
    keep = np.flatnonzero(members & ok)
    excluded = int((members & ~ok).sum())
    if keep.size == 0:
        return _Agg(kind, key, float("nan"), None, 0, excluded, empty_reason)
    if share_weights:
        wk = pg[keep] / pg[keep].sum()
        est = float(att[keep] @ wk)
        inf = psi[:, keep] @ wk + _wif(keep, cell_group, pg, unit_g) @ att[keep]
    else:
        wk = np.full(keep.size, 1.0 / keep.size)
        est = float(att[keep] @ wk)
        inf = psi[:, keep] @ wk
    return _Agg(kind, key, est, inf, int(keep.size), excluded, None)


def analytic_se(psi: np.ndarray) -> np.ndarray:
    """Influence-function standard error per column: sqrt(sum_i psi_i^2) / n (did's bstrap=FALSE SE)."""
    n = psi.shape[0]
    return np.sqrt((psi**2).sum(axis=0)) / n


# Eigenvalues of the correlation matrix below this share of the largest count as zero: the covariance is
# then (numerically) singular and a Wald statistic would be driven by rounding noise, so none is reported.
_WALD_RCOND = 1e-8


def wald_test(theta: np.ndarray, psi: np.ndarray) -> tuple[float, int, float] | str:
    """Wald statistic, df and p-value for theta = 0 given influence functions psi (n x q); or a reason."""
    n = psi.shape[0]
    q = theta.size
    if q == 0:
        return "no pre-period estimate to test"
    if q >= n:
        # Influence functions sum to zero over the n locations, so their covariance has rank <= n - 1 < q.
        return f"{q} pre-period estimates from {n} locations: their covariance is singular (needs fewer estimates than locations)"
    v = psi.T @ psi / n**2  # covariance of the estimators
    d = np.diag(v)
    if not np.all(np.isfinite(v)) or np.any(d <= 0):
        return "a pre-period estimate has zero or undefined variance"
    # Rank check on the correlation matrix (scale-free): a near-singular covariance gets a reason, not a number.
    s = 1.0 / np.sqrt(d)
    eig = np.linalg.eigvalsh(v * s[:, None] * s[None, :])
    rank = int((eig > _WALD_RCOND * eig.max()).sum())
    if rank < q:
        return (f"covariance of the {q} pre-period estimates is near-singular (numerical rank {rank}): "
                "some estimates are almost linear combinations of others")
    stat = float(theta @ np.linalg.solve(v, theta))
    return stat, q, float(chi2.sf(stat, q))


def n_clusters(psi: np.ndarray) -> int:
    """Locations that carry information on the tested estimates (a non-zero influence-function row)."""
    return int(np.any(psi != 0, axis=1).sum()) if psi.size else 0


def hotelling_f(stat: float, q: int, g: int) -> tuple[float, int, float] | str:
    """Small-sample version of a Wald test from G clusters: Hotelling's T² scaled to F(q, G - q).

    With V = ψ'ψ / G² (ψ summing to zero over the G clusters) W = θ'V⁻¹θ = G/(G-1) · T², where
    T² = G θ'S⁻¹θ with S = ψ'ψ/(G-1) the sample covariance of the cluster contributions. Under i.i.d. normal
    cluster contributions (G-q)/(q(G-1)) · T² ~ F(q, G-q) exactly, so F = W (G-q)/(q G) ~ F(q, G-q).
    Returns (F, G - q, p-value) or a reason when G <= q.
    """
    if g <= q:
        return f"{q} estimates from {g} locations with data: the small-sample test needs more locations than estimates"
    fstat = stat * (g - q) / (q * g)
    return fstat, g - q, float(f_dist.sf(fstat, q, g - q))


def att_gt(
    panel: pl.DataFrame,
    *,
    unit: str = "unit_id",
    period: str = "period",
    outcome: str = "outcome",
    group: str = "first_treated",
    weight: str | None = None,
    labels: Mapping[int, Hashable] | None = None,
    config: DidConfig = DidConfig(),
    multipliers: Multipliers | None = None,
) -> DidResult:
    """Estimate ATT(g, t), overall / per-group / per-label / event-study effects and a pre-trend test.

    `panel` is long: one row per (unit, period) with an integer period index, the outcome, an optional
    weight and the unit's first treated period (0 or NULL = not treated within the sample). `labels`
    maps a group to a label (e.g. its wave) for per-label aggregation. `multipliers` lets several
    outcomes share bootstrap draws per location (joint intervals for money); otherwise they are drawn
    from `config.seed`.
    """
    p, excluded = _prepare(panel, unit, period, outcome, weight, group)
    n = len(p.unit_ids)
    cells, psi = _group_time(p, config)
    att = cells.get_column("att").to_numpy()
    ok = cells.get_column("reason").is_null().to_numpy()
    cell_group = cells.get_column("group").to_numpy()
    post = cells.get_column("post").to_numpy()
    etime = cells.get_column("event_time").to_numpy()

    # Group shares P(G = g) as in did::aggte (location counts; the appointment weights act inside cells).
    pg_by_group = {int(g): float(np.mean(p.g == g)) for g in np.unique(p.g[p.g > 0])}
    pg = np.array([pg_by_group[int(g)] for g in cell_group]) if len(cell_group) else np.zeros(0)

    def agg(kind: str, key: Hashable, members: np.ndarray, share: bool, reason: str) -> _Agg:
        return _aggregate(kind, key, members, att, ok, psi, cell_group, pg, p.g, share, reason)

    aggs: list[_Agg] = [agg("overall", None, post, True, "no estimable post-period group-time effect")]
    for g in sorted(pg_by_group):
        aggs.append(agg("group", g, post & (cell_group == g), False,
                        "no estimable post-period effect for this group (no not-yet-treated control after go-live)"))
    label_of = dict(labels or {})
    for lab in sorted({label_of[g] for g in pg_by_group if g in label_of}, key=str):
        members = post & np.isin(cell_group, [g for g in pg_by_group if label_of.get(g) == lab])
        aggs.append(agg("label", lab, members, True, "no estimable post-period effect for the groups of this label"))
    for e in np.unique(etime):
        aggs.append(agg("event", int(e), etime == e, True, "no estimable group-time effect at this event time"))

    # One matrix product for every bootstrap draw of every cell and aggregation.
    xi = (multipliers.for_units(p.unit_ids) if multipliers is not None
          else Multipliers.draw(p.unit_ids, config.n_boot, config.seed).values)
    est_aggs = [a for a in aggs if a.psi is not None]
    agg_psi = np.column_stack([a.psi for a in est_aggs]) if est_aggs else np.zeros((n, 0))
    dev_cells = xi @ psi / n
    dev_aggs = xi @ agg_psi / n
    z = float(norm.ppf(1 - config.alpha / 2))

    def boot_se(dev: np.ndarray) -> np.ndarray:
        q75 = np.quantile(dev, 0.75, axis=0, method="inverted_cdf")
        q25 = np.quantile(dev, 0.25, axis=0, method="inverted_cdf")
        return (q75 - q25) / _IQR_TO_SD

    se_cells = np.where(ok, boot_se(dev_cells) if psi.shape[1] else np.zeros(0), np.nan)
    # A zero-width interval (e.g. one treated and one control location: each mean has no spread) would claim
    # perfect precision. The cell's own numbers are withheld; its point estimate still enters the aggregations,
    # whose own intervals are checked the same way below.
    flat = ok & _zero_width(se_cells, att)
    cell_reason = cells.get_column("reason").to_numpy().astype(object)
    cell_reason[flat] = ZERO_WIDTH_REASON
    cells = cells.with_columns(
        pl.Series("reason", list(cell_reason), dtype=pl.String),
        pl.Series("att", np.where(flat, np.nan, att)),
        pl.Series("se", np.where(flat, np.nan, se_cells)),
        pl.Series("se_analytic", np.where(ok & ~flat, analytic_se(psi), np.nan)),
    ).with_columns(
        pl.when(pl.col("reason").is_null()).then(pl.lit(ESTIMATED)).otherwise(pl.lit(NOT_ESTIMABLE)).alias("status"),
    ).with_columns(
        (pl.col("att") - z * pl.col("se")).alias("ci_low"), (pl.col("att") + z * pl.col("se")).alias("ci_high"),
    ).select("group", "period", "base_period", "event_time", "post", "status", "reason", "att", "se",
             "ci_low", "ci_high", "se_analytic", "n_treated", "n_control")
    cells = cells.with_columns(
        pl.col(c).fill_nan(None) for c in ("att", "se", "ci_low", "ci_high", "se_analytic")
    )

    se_aggs = boot_se(dev_aggs) if dev_aggs.shape[1] else np.zeros(0)
    draws: dict[tuple[str, Hashable], np.ndarray] = {}
    records: dict[str, list[dict[str, object]]] = {"overall": [], "group": [], "label": [], "event": []}
    j = 0
    for a in aggs:
        rec: dict[str, object] = {"key": a.key, "n_cells": a.n_cells, "n_cells_not_estimable": a.n_excluded}
        if a.psi is not None:
            se = float(se_aggs[j])
            j += 1
            if _zero_width(np.array([se]), np.array([a.estimate]))[0]:
                # No spread in the draws: report "not estimable" rather than a zero-width interval, and keep
                # no draws (money then falls back / leaves it out instead of claiming certainty).
                a.reason, a.psi = ZERO_WIDTH_REASON, None
        if a.psi is None:
            rec.update(status=NOT_ESTIMABLE, reason=a.reason, estimate=None, se=None, ci_low=None, ci_high=None,
                       se_analytic=None)
        else:
            draws[(a.kind, a.key)] = a.estimate + dev_aggs[:, j - 1]
            rec.update(status=ESTIMATED, reason=None, estimate=a.estimate, se=se,
                       ci_low=a.estimate - z * se, ci_high=a.estimate + z * se,
                       se_analytic=float(analytic_se(a.psi[:, None])[0]))
        records[a.kind].append(rec)

    def frame(kind: str, key_name: str | None, key_dtype: pl.DataType | None) -> pl.DataFrame:
        schema: dict[str, pl.DataType] = {}
        if key_name:
            schema[key_name] = key_dtype or pl.String
        schema.update(status=pl.String, reason=pl.String, estimate=pl.Float64, se=pl.Float64,
                      ci_low=pl.Float64, ci_high=pl.Float64, se_analytic=pl.Float64, n_cells=pl.Int64, n_cells_not_estimable=pl.Int64)
        data = []
        for r in records[kind]:
            row = {k: v for k, v in r.items() if k != "key"}
            if key_name:
                row[key_name] = r["key"] if key_dtype is not None else str(r["key"])
            data.append(row)
        return pl.DataFrame(data, schema=schema, orient="row") if data else pl.DataFrame(schema=schema)

    result = DidResult(
        cells=cells,
        overall=frame("overall", None, None),
        by_group=frame("group", "group", pl.Int64),
        by_label=frame("label", "label", None),
        event_study=frame("event", "event_time", pl.Int64),
        pretrend=_pretrend(cells, psi, aggs, config),
        draws=draws,
        n_units=n,
        excluded_units=excluded,
    )
    return result


def _lead_bins(leads: list[_Agg], width: int, max_bins: int) -> tuple[np.ndarray, np.ndarray, str]:
    """Average the event-time leads in bins of `width` periods (e = -1..-width is bin 1), at most `max_bins`.

    Each bin's estimate is the plain mean of its estimable leads and its influence function the mean of
    theirs (the mean is linear, so this is the bin mean's own linearisation). Returns (theta, psi, detail).
    """
    bins: dict[int, list[_Agg]] = {}
    for a in leads:
        k = (-int(a.key) - 1) // width  # e = -1 .. -width -> 0, -(width+1) .. -2 width -> 1, ...
        if k < max_bins:
            bins.setdefault(k, []).append(a)
    ks = sorted(bins)
    theta = np.array([np.mean([a.estimate for a in bins[k]]) for k in ks])
    psi = (np.column_stack([np.mean([a.psi for a in bins[k]], axis=0) for k in ks]) if ks
           else np.zeros((0, 0)))
    used = sum(len(bins[k]) for k in ks)
    detail = (f"{len(ks)} bins of {width} periods (leads -1 .. -{width * max_bins} at most), mean of the "
              f"event-time effects in each bin; {used} of {len(leads)} estimable leads used")
    return theta, psi, detail


def _pretrend(cells: pl.DataFrame, psi: np.ndarray, aggs: list[_Agg], cfg: DidConfig) -> pl.DataFrame:
    """Wald tests that pre-period effects are zero: binned event-time leads (primary), every lead, did's cells."""
    n = psi.shape[0]
    leads = [a for a in aggs if a.kind == "event" and isinstance(a.key, int) and a.key < 0 and a.psi is not None]
    theta_b, psi_b, detail_b = _lead_bins(leads, cfg.pretrend_bin_width, cfg.pretrend_max_bins)
    if not leads:
        psi_b = np.zeros((n, 0))
    unbinned = [a for a in leads if cfg.pretrend_max_leads is None or a.key >= -cfg.pretrend_max_leads]
    theta = np.array([a.estimate for a in unbinned])
    inf = np.column_stack([a.psi for a in unbinned]) if unbinned else np.zeros((n, 0))
    pre = np.flatnonzero((~cells.get_column("post").to_numpy()) & (cells.get_column("status").to_numpy() == ESTIMATED))
    tests = [
        ("binned_event_time_leads", True, wald_test(theta_b, psi_b), detail_b),
        ("event_time_leads", False, wald_test(theta, inf),
         f"every estimable event-time lead ({len(unbinned)}), unbinned"),
        ("group_time_pre_cells", False, wald_test(cells.get_column("att").to_numpy()[pre], psi[:, pre]),
         f"every estimable pre-period ATT(g, t) ({pre.size}), as did's pre-test"),
    ]
    # G of the small-sample reference: locations whose outcomes enter the tested placebo cells. Counted on the
    # cells' influence functions, not the aggregated ones: those also carry the group-share term (did's wif),
    # non-zero for every location, which would count locations without any pre-period data (e.g. the response
    # rate, observed before go-live at eConfirmation clinics only) as clusters.
    etime = cells.get_column("event_time").to_numpy()
    lowest = {"binned_event_time_leads": -cfg.pretrend_bin_width * cfg.pretrend_max_bins,
              "event_time_leads": -cfg.pretrend_max_leads if cfg.pretrend_max_leads is not None else None,
              "group_time_pre_cells": None}
    def clusters(name: str) -> int:
        lo = lowest[name]
        cols = pre if lo is None else pre[etime[pre] >= lo]
        return n_clusters(psi[:, cols])
    rows = []
    for name, primary, res, detail in tests:
        row: dict[str, object] = {"test": name, "is_primary": primary, "detail": detail}
        empty = dict(statistic=None, df=None, p_value=None, p_value_chi2=None, f_statistic=None, df_denominator=None,
                     n_clusters=None)
        small = hotelling_f(res[0], res[1], clusters(name)) if not isinstance(res, str) else res
        if isinstance(small, str):
            if not isinstance(res, str):  # the asymptotic numbers, for reference only, in the reason
                small += f" (asymptotic chi2({res[1]}): W = {res[0]:.4g}, p = {res[2]:.3g}, not reliable from so few locations)"
            row.update(status=NOT_ESTIMABLE, reason=small, **empty)
        else:
            # p_value (the one to read) is the small-sample F; the asymptotic chi-square p stays alongside.
            row.update(status=ESTIMATED, reason=None, statistic=res[0], df=res[1], p_value=small[2],
                       p_value_chi2=res[2], f_statistic=small[0], df_denominator=small[1],
                       n_clusters=small[1] + res[1])
            row["detail"] = (f"{detail}; p from Hotelling T²: F = W·(G-q)/(q·G) = {small[0]:.3g} ~ "
                             f"F({res[1]}, {small[1]}), G = {small[1] + res[1]} locations with data; "
                             f"asymptotic chi2({res[1]}) p = {res[2]:.3g}")
        rows.append(row)
    return pl.DataFrame(rows, schema={"test": pl.String, "is_primary": pl.Boolean, "status": pl.String,
                                      "reason": pl.String, "statistic": pl.Float64, "df": pl.Int64,
                                      "p_value": pl.Float64, "detail": pl.String, "p_value_chi2": pl.Float64,
                                      "f_statistic": pl.Float64, "df_denominator": pl.Int64,
                                      "n_clusters": pl.Int64}, orient="row")
