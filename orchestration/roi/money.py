"""ROI money math of metrics.md §6: pure, vectorised functions and the per-location / total money table.

Intervals carry through: every formula is applied to each bootstrap draw of the effects (arrays of shape
(B, L): draws x locations) and the interval is the empirical percentile of the results.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import polars as pl

from orchestration.roi.did import ESTIMATED, NOT_ESTIMABLE
from orchestration.roi.settings import MoneyAssumptions

DAYS_PER_MONTH = 365.25 / 12  # average Gregorian month, so 12 live months = one year
TOTAL_ID = "ALL"


def live_months(go_live: date, as_of: date) -> float:
    """Months live from go-live to the as-of date (days / 30.4375), 0 when not yet live."""
    return max((as_of - go_live).days, 0) / DAYS_PER_MONTH


def production_per_visit(
    baseline_production: np.ndarray, baseline_completed_visits: np.ndarray, default: float
) -> tuple[np.ndarray, np.ndarray]:
    """Location's baseline production per completed visit where PMS fees exist, else `default`.

    Returns (values, is_own). Fees "exist" when baseline production is a positive number and the
    baseline has completed visits; a production of 0 means the source carries no fees.
    """
    prod = np.asarray(baseline_production, dtype=float)
    visits = np.asarray(baseline_completed_visits, dtype=float)
    own = np.isfinite(prod) & np.isfinite(visits) & (prod > 0) & (visits > 0)
    values = np.where(own, prod / np.where(own, visits, 1.0), default)
    return values, own


def recovered_visits(no_show_effect: np.ndarray, post_scheduled: np.ndarray) -> np.ndarray:
    """Visits recovered = -effect on no_show_rate x post scheduled appointments (a fall in no-shows is > 0)."""
    return -np.asarray(no_show_effect, dtype=float) * np.asarray(post_scheduled, dtype=float)


def recall_conversions_gained(recall_effect: np.ndarray, post_recall_due: np.ndarray) -> np.ndarray:
    """Recall conversions gained = effect on recall_conversion_rate x recall due instances after go-live."""
    return np.asarray(recall_effect, dtype=float) * np.asarray(post_recall_due, dtype=float)


def money_value(
    visits: np.ndarray, ppv: np.ndarray, recall_gained: np.ndarray, hygiene_value: float,
    hours_saved: np.ndarray, wage: float,
) -> np.ndarray:
    """Value = recovered visits x production per visit + recall conversions x hygiene value + hours x wage."""
    return visits * ppv + recall_gained * hygiene_value + hours_saved * wage


def money_cost(months: np.ndarray, subscription: float, implementation: float) -> np.ndarray:
    """Cost = subscription per location-month x live months + one-time implementation cost per location."""
    return np.asarray(months, dtype=float) * subscription + implementation


def roi(value: np.ndarray, cost: np.ndarray) -> np.ndarray:
    """ROI = (value - cost) / cost; NaN where the cost is 0."""
    value = np.asarray(value, dtype=float)
    cost = np.asarray(cost, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(cost > 0, (value - cost) / np.where(cost > 0, cost, 1.0), np.nan)


def payback_month(monthly_value: np.ndarray, monthly_cost: np.ndarray, one_time_cost: np.ndarray) -> np.ndarray:
    """First month m >= 1 with m x (monthly value - monthly cost) >= one-time cost; inf when never.

    Projected at the mean monthly value observed since go-live (value / live months).
    """
    net = np.asarray(monthly_value, dtype=float) - np.asarray(monthly_cost, dtype=float)
    one = np.asarray(one_time_cost, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        months = np.ceil(one / np.where(net > 0, net, 1.0))
    out = np.where(net > 0, np.maximum(months, 1.0), np.inf)
    return np.where(np.isfinite(net), out, np.nan)


@dataclass(frozen=True)
class EffectDraws:
    """An effect per location: point (L,), bootstrap draws (B, L), and what it is (e.g. 'overall effect')."""

    point: np.ndarray
    draws: np.ndarray
    source: list[str]


def _interval(draws: np.ndarray, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """Empirical alpha/2 and 1-alpha/2 percentiles over draws (axis 0), no interpolation (inf-safe)."""
    lo = np.quantile(draws, alpha / 2, axis=0, method="inverted_cdf")
    hi = np.quantile(draws, 1 - alpha / 2, axis=0, method="inverted_cdf")
    return lo, hi


UNITS = {
    "recovered_visits": "visits", "recall_conversions_gained": "recall conversions",
    "front_desk_hours_saved": "staff hours", "value_recovered_visits": "USD", "value_recall": "USD",
    "value_front_desk": "USD", "value_total": "USD", "cost": "USD", "net_value": "USD",
    "monthly_value": "USD per month", "roi": "ratio", "payback_month": "months since go-live",
}
_NON_ADDITIVE = ("roi", "payback_month")


@dataclass
class _Money:
    """Every money quantity per location: point (1, L) and draws (B, L), plus what each location has."""

    loc_ids: list[str]
    point: dict[str, np.ndarray]
    draws: dict[str, np.ndarray]
    ok: np.ndarray  # effect and post data present: the location counts in sums
    own: np.ndarray  # production per visit from the location's own PMS fees
    recall_ok: np.ndarray
    hours_measured: np.ndarray
    source: list[str]  # what no-show effect each location uses


def _location_money(
    locations: pl.DataFrame, no_show: EffectDraws, recall: EffectDraws | None, a: MoneyAssumptions,
) -> _Money:
    """Apply the money formulas per location to the point effects and to every bootstrap draw."""
    loc_ids = locations.get_column("location_id").cast(pl.String).to_list()
    L = len(loc_ids)

    def col(name: str) -> np.ndarray:
        if name not in locations.columns:
            return np.full(L, np.nan)
        return locations.get_column(name).cast(pl.Float64).fill_null(float("nan")).to_numpy()

    post_sched = col("post_scheduled_appointments")
    months = col("live_months")
    ppv, own = production_per_visit(col("baseline_production"), col("baseline_completed_visits"),
                                    a.production_per_visit.value)
    hours = col("front_desk_hours_saved")
    hours_measured = np.isfinite(hours)
    hours = np.where(hours_measured, hours, 0.0)
    due = col("post_recall_due")

    ok = np.isfinite(no_show.point) & np.isfinite(post_sched) & np.isfinite(months)
    if recall is not None:
        recall_ok = np.isfinite(recall.point) & np.isfinite(due)
    else:
        recall_ok = np.zeros(L, dtype=bool)

    def components(ns: np.ndarray, rc: np.ndarray | None) -> dict[str, np.ndarray]:
        """Every money quantity for effects ns, rc of shape (k, L) -> arrays (k, L)."""
        ns = np.where(ok, ns, 0.0)
        visits = recovered_visits(ns, np.where(ok, post_sched, 0.0))
        gained = (recall_conversions_gained(np.where(recall_ok, rc, 0.0), np.where(recall_ok, due, 0.0))
                  if rc is not None else np.zeros_like(visits))
        hours_b = np.broadcast_to(hours, visits.shape)
        value = money_value(visits, ppv, gained, a.hygiene_visit_value.value, hours_b,
                            a.front_desk_hourly_wage.value)
        m = np.where(ok, months, 0.0)
        cost = np.broadcast_to(money_cost(m, a.subscription_per_location_month.value,
                                          a.implementation_cost_per_location.value), visits.shape)
        return {
            "recovered_visits": visits,
            "recall_conversions_gained": gained,
            "front_desk_hours_saved": hours_b,
            "value_recovered_visits": visits * ppv,
            "value_recall": gained * a.hygiene_visit_value.value,
            "value_front_desk": hours_b * a.front_desk_hourly_wage.value,
            "value_total": value,
            "cost": cost,
            "net_value": value - cost,
            "monthly_value": value / np.where(m > 0, m, np.nan),
        }

    rc_point = recall.point[None, :] if recall is not None else None
    rc_draws = recall.draws if recall is not None else None
    point = components(no_show.point[None, :], rc_point)
    draws = components(no_show.draws, rc_draws)
    point.update(_derived(point, 1.0, a))
    draws.update(_derived(draws, 1.0, a))
    return _Money(loc_ids, point, draws, ok, own, recall_ok, hours_measured, list(no_show.source))


def _derived(c: dict[str, np.ndarray], n_live: float, a: MoneyAssumptions) -> dict[str, np.ndarray]:
    """ROI and payback from (summed) components (per location: n_live = 1; a sum: locations counted)."""
    return {
        "roi": roi(c["value_total"], c["cost"]),
        "payback_month": payback_month(c["monthly_value"], a.subscription_per_location_month.value * n_live,
                                       a.implementation_cost_per_location.value * n_live),
    }


def _sum_over(m: _Money, members: np.ndarray, a: MoneyAssumptions) -> tuple[dict, dict, int]:
    """Sum the additive quantities over the counted locations in `members`, per draw (keeps the joint
    uncertainty of the locations), then ROI and payback of the sum. Used for the total and for each wave."""
    use = members & m.ok
    additive = [k for k in m.point if k not in _NON_ADDITIVE]
    point = {k: np.nansum(np.where(use, m.point[k], 0.0), axis=1, keepdims=True) for k in additive}
    draws = {k: np.nansum(np.where(use, m.draws[k], 0.0), axis=1, keepdims=True) for k in additive}
    n_ok = int(use.sum())
    point.update(_derived(point, float(n_ok), a))
    draws.update(_derived(draws, float(n_ok), a))
    return point, draws, n_ok


def _rows(
    ids: list[str], point: dict[str, np.ndarray], draws: dict[str, np.ndarray], good: np.ndarray,
    reason_bad: np.ndarray, bases: dict[str, np.ndarray], alpha: float,
) -> pl.DataFrame:
    """Long rows (id, metric, unit, status, reason, estimate, ci_low, ci_high, basis) with percentile intervals."""
    k = len(ids)
    frames = []
    for metric, unit in UNITS.items():  # one vectorised block per metric (a dozen), never per location
        est, dr = point[metric][0], draws[metric]
        lo, hi = _interval(dr, alpha)
        reason = np.where(good, None, reason_bad)
        if metric == "payback_month":
            reason = np.where(good & np.isinf(est), "not reached at the current monthly value", reason)
        fin = lambda v: np.where(good & np.isfinite(v), v, np.nan)  # noqa: E731
        frames.append(pl.DataFrame({
            "location_id": ids,
            "metric": [metric] * k,
            "unit": [unit] * k,
            "status": np.where(good, ESTIMATED, NOT_ESTIMABLE).tolist(),
            "reason": pl.Series(list(reason), dtype=pl.String),
            "estimate": fin(est), "ci_low": fin(lo), "ci_high": fin(hi),
            "basis": bases[metric].astype(str).tolist(),
        }))
    out = pl.concat(frames)
    return out.with_columns(pl.col(c).fill_nan(None) for c in ("estimate", "ci_low", "ci_high"))


def _bases(m: _Money, a: MoneyAssumptions, ns_total_source: str, suffix: str, members: np.ndarray) -> dict:
    """Basis text of every metric of a sum over `members` (the total or a wave)."""
    sub, impl = a.subscription_per_location_month, a.implementation_cost_per_location
    own = m.own & members & m.ok
    fees = (f"{int(own.sum())} locations at own PMS fees, {int((members & m.ok & ~m.own).sum())} at "
            f"{a.production_per_visit.label()}")
    texts = {
        "recovered_visits": "-" + ns_total_source + " on no_show_rate x post scheduled appointments",
        "recall_conversions_gained": "effect on recall_conversion_rate x post recall due instances",
        "front_desk_hours_saved": "time-study hours per week before - after, x live weeks",
        "value_recovered_visits": fees,
        "value_recall": a.hygiene_visit_value.label(),
        "value_front_desk": a.front_desk_hourly_wage.label(),
        "value_total": "value_recovered_visits + value_recall + value_front_desk",
        "cost": f"{sub.label()} x live months + {impl.label()}",
        "net_value": "value_total - cost",
        "monthly_value": "value_total / live months",
        "roi": "(value_total - cost) / cost",
        "payback_month": "first month with cumulative value >= cumulative cost, at the mean monthly value so far",
    }
    return {k: np.array([v + suffix], dtype=object) for k, v in texts.items()}


def money_table(
    locations: pl.DataFrame,
    no_show: EffectDraws,
    recall: EffectDraws | None,
    assumptions: MoneyAssumptions,
    alpha: float = 0.05,
) -> pl.DataFrame:
    """Long money table: one row per (location or 'ALL', metric) with estimate, percentile interval, basis.

    `locations` columns: location_id, post_scheduled_appointments, live_months, baseline_production,
    baseline_completed_visits, post_recall_due, front_desk_hours_saved (the last four nullable). Effects
    are aligned with the rows of `locations`. A location whose no-show effect is not estimable gets
    status 'not estimable' and is left out of the total (counted in the total's basis).
    """
    a = assumptions
    m = _location_money(locations, no_show, recall, a)
    L = len(m.loc_ids)
    tot_point, tot_draws, n_ok = _sum_over(m, np.ones(L, dtype=bool), a)

    ppv_basis = np.where(m.own, "production_per_visit = location's baseline PMS fees per completed visit",
                         a.production_per_visit.label() + " (assumption: no PMS fees)")
    recall_basis = np.where(m.recall_ok, a.hygiene_visit_value.label(),
                            "recall effect not estimable or no recall data: not counted (0)")
    hours_basis = np.where(m.hours_measured,
                           a.front_desk_hourly_wage.label() + "; hours from time study before/after",
                           "front-desk hours not measured: not counted (0)")
    n_left_out = L - n_ok
    total_suffix = f"; total over {n_ok} locations" + (f" ({n_left_out} not estimable, left out)" if n_left_out else "")
    total = _bases(m, a, "per-location effects", total_suffix, np.ones(L, dtype=bool))
    per_loc = {k: np.repeat(v, L) for k, v in _bases(m, a, "", "", np.ones(L, dtype=bool)).items()}
    per_loc["recovered_visits"] = "-" + np.array(m.source, dtype=object) + " on no_show_rate x post scheduled appointments"
    per_loc["value_recovered_visits"] = ppv_basis.astype(object)
    per_loc["value_recall"] = recall_basis.astype(object)
    per_loc["value_front_desk"] = hours_basis.astype(object)
    bases = {k: np.concatenate([per_loc[k], total[k]]) for k in UNITS}

    point = {k: np.concatenate([m.point[k], tot_point[k]], axis=1) for k in UNITS}
    draws = {k: np.concatenate([m.draws[k], tot_draws[k]], axis=1) for k in UNITS}
    good = np.append(m.ok, n_ok > 0)
    reason_bad = np.append(
        np.full(L, "no estimable no-show effect or no post-period appointment data for this location", dtype=object),
        "no location with an estimable effect",
    )
    return _rows(m.loc_ids + [TOTAL_ID], point, draws, good, reason_bad, bases, alpha)


def money_by_wave(
    locations: pl.DataFrame,
    waves: list[str | None],
    no_show: EffectDraws,
    recall: EffectDraws | None,
    assumptions: MoneyAssumptions,
    alpha: float = 0.05,
) -> pl.DataFrame:
    """Per-wave money: one row per (wave, metric), the sum over the wave's locations with percentile intervals.

    Same method as the total of `money_table` (per-draw sums of the per-location formulas), with the wave's
    own effect draws in `no_show` / `recall` (aligned with `locations`; `waves` gives each location's wave).
    When the wave's no-show effect is not estimable (no draws), its money is not estimable either. Columns:
    wave, metric, unit, status, reason, estimate, ci_low, ci_high, basis, n_locations.
    """
    a = assumptions
    m = _location_money(locations, no_show, recall, a)
    wave_arr = np.array([w if w is not None else "" for w in waves], dtype=object)
    frames = []
    for w in sorted({w for w in waves if w is not None}, key=str):  # a handful of waves
        members = wave_arr == w
        point, draws, n_ok = _sum_over(m, members, a)
        n_all = int(members.sum())
        srcs = sorted({s for s, use in zip(m.source, members & m.ok) if use})
        suffix = f"; sum over {n_ok} locations of {w}" + (
            f" ({n_all - n_ok} not estimable, left out)" if n_all > n_ok else "")
        bases = _bases(m, a, " / ".join(srcs) or f"{w} effect", suffix, members)
        reason = f"no location of {w} with an estimable no-show effect and post-period data"
        df = _rows([w], point, draws, np.array([n_ok > 0]), np.array([reason], dtype=object), bases, alpha)
        frames.append(df.rename({"location_id": "wave"}).with_columns(pl.lit(n_ok, dtype=pl.Int64).alias("n_locations")))
    if not frames:
        return pl.DataFrame(schema={"wave": pl.String, "metric": pl.String, "unit": pl.String, "status": pl.String,
                                    "reason": pl.String, "estimate": pl.Float64, "ci_low": pl.Float64,
                                    "ci_high": pl.Float64, "basis": pl.String, "n_locations": pl.Int64})
    return pl.concat(frames)


def assumptions_table(assumptions: MoneyAssumptions) -> pl.DataFrame:
    """The money assumptions as rows (name, value, unit, source) for marts and dashboards."""
    return pl.DataFrame(
        [{"name": x.name, "value": x.value, "unit": x.unit, "source": x.source} for x in assumptions.all()],
        schema={"name": pl.String, "value": pl.Float64, "unit": pl.String, "source": pl.String}, orient="row",
    )
