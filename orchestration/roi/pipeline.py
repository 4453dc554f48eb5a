"""Warehouse side of the ROI: read the location x week (and x month) panels, estimate, write marts.roi_* tables.

Coded against the panel interface documented in docs/roi.md (the dbt marts are built by another layer):
  marts.rpt_location_weekly_no_show_panel(location_id, week_start DATE, go_live_date DATE, scheduled_appointments,
      no_show_rate, same_day_cancellation_rate, [is_complete_week], [wave], [patient_response_rate,
      outreach_attempts]); wave from marts.dim_locations when the panel has none
  marts.rpt_location_month_panel(location_id, month_start DATE, go_live_date DATE, wave,
      recall_due_instances, recall_conversion_rate)                                  -- optional
  marts.rpt_location_roi_inputs(location_id, baseline_production, baseline_completed_visits,
      front_desk_hours_saved)                                                        -- optional
Missing optional tables or columns leave that part out, with the reason in the outputs.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

import duckdb
import numpy as np
import polars as pl

from orchestration.roi.did import DidConfig, DidResult, Multipliers, att_gt
from orchestration.roi.money import DAYS_PER_MONTH, EffectDraws, assumptions_table, money_by_wave, money_table
from orchestration.roi.settings import RoiSettings

WEEK_PANEL = "rpt_location_weekly_no_show_panel"
MONTH_PANEL = "rpt_location_month_panel"
ROI_INPUTS = "rpt_location_roi_inputs"


@dataclass(frozen=True)
class OutcomeSpec:
    """One DiD outcome: its panel, outcome column and weight column."""

    outcome: str
    weight: str | None
    table: str
    period_unit: str  # 'week' or 'month'


OUTCOMES = [
    OutcomeSpec("no_show_rate", "scheduled_appointments", WEEK_PANEL, "week"),
    OutcomeSpec("same_day_cancellation_rate", "scheduled_appointments", WEEK_PANEL, "week"),
    OutcomeSpec("patient_response_rate", "outreach_attempts", WEEK_PANEL, "week"),
    OutcomeSpec("recall_conversion_rate", "recall_due_instances", MONTH_PANEL, "month"),
]


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> set[str]:
    """Columns of marts.<table>, empty when the table does not exist."""
    rows = con.execute(
        "select column_name from information_schema.columns where table_schema = 'marts' and table_name = ?",
        [table],
    ).fetchall()
    return {r[0] for r in rows}


def read_panel(con: duckdb.DuckDBPyConnection, spec: OutcomeSpec) -> pl.DataFrame | None:
    """The long panel of one outcome with integer period and first-treated indices (set-based SQL)."""
    cols = _columns(con, spec.table)
    need = {"location_id", "go_live_date", spec.outcome} | ({spec.weight} if spec.weight else set())
    start = "week_start" if spec.period_unit == "week" else "month_start"
    if not cols or not (need | {start}) <= cols:
        return None
    # Periods are counted from a fixed Monday / month so the go-live week (month) containing the go-live
    # date is the group; a location whose go-live is later than the panel is not yet treated.
    unit = spec.period_unit
    weight = f", p.{spec.weight}::double as weight" if spec.weight else ", 1.0::double as weight"
    if "wave" in cols:
        wave, join = ", p.wave", ""
    elif {"location_id", "wave"} <= _columns(con, "dim_locations"):
        wave, join = ", d.wave", " left join marts.dim_locations d on d.location_id = p.location_id"
    else:
        wave, join = ", null::integer as wave", ""
    # A week still running at the as-of date is partial: leave it out when the panel says so.
    where = " where p.is_complete_week" if "is_complete_week" in cols else ""
    sql = f"""
        select p.location_id::varchar as location_id,
               date_diff('{unit}', date '2000-01-03', date_trunc('{unit}', p.{start})::date)::bigint as period,
               p.{spec.outcome}::double as outcome {weight},
               case when p.go_live_date is null then 0
                    else date_diff('{unit}', date '2000-01-03', date_trunc('{unit}', p.go_live_date)::date)::bigint
               end as first_treated {wave}
        from marts.{spec.table} p{join}{where}
    """
    return con.sql(sql).pl()


def resolve_as_of(con: duckdb.DuckDBPyConnection, override: date | None) -> date:
    """The as-of date: the override (DSO_AS_OF_DATE) or the day after the weekly panel's last complete week."""
    if override is not None:
        return override
    cols = _columns(con, WEEK_PANEL)
    where = " where is_complete_week" if "is_complete_week" in cols else ""
    last = con.execute(f"select max(week_start) from marts.{WEEK_PANEL}{where}").fetchall()[0][0]
    if last is None:
        raise ValueError(f"marts.{WEEK_PANEL} is empty: no as-of date")
    return last + timedelta(days=7)


def wave_labels(panel: pl.DataFrame) -> dict[int, str]:
    """Group (go-live period) -> wave label; the smallest wave among the group's locations."""
    g = (panel.filter(pl.col("first_treated") > 0).group_by("first_treated")
         .agg(pl.col("wave").drop_nulls().min().alias("wave")))
    return {int(r[0]): (f"wave {r[1]}" if r[1] is not None else "no wave") for r in g.iter_rows()}


def _tag(df: pl.DataFrame, outcome: str) -> pl.DataFrame:
    """Prefix the outcome name column."""
    return df.select(pl.lit(outcome).alias("outcome"), pl.all())


def run_roi(con: duckdb.DuckDBPyConnection, settings: RoiSettings, as_of: date) -> dict[str, pl.DataFrame]:
    """Estimate every outcome available and compute money; returns marts table name -> frame."""
    an = settings.analysis
    cfg = DidConfig(n_boot=an.bootstrap_draws, seed=an.seed, alpha=an.alpha, min_treated=an.min_treated,
                    min_control=an.min_control, pretrend_bin_width=an.pretrend_bin_weeks,
                    pretrend_max_bins=an.pretrend_bins)
    # Monthly panels: one month per bin, same number of bins (6 months before go-live by default).
    cfg_by_unit = {"week": cfg, "month": replace(cfg, pretrend_bin_width=1)}
    panels = {s.outcome: read_panel(con, s) for s in OUTCOMES}
    ids = sorted({i for p in panels.values() if p is not None for i in p.get_column("location_id").unique()})
    # One multiplier per location shared by every outcome: money intervals see the joint uncertainty.
    mult = Multipliers.draw(ids, cfg.n_boot, cfg.seed) if ids else None
    results: dict[str, DidResult] = {}
    status_rows = []
    for spec in OUTCOMES:
        p = panels[spec.outcome]
        if p is None or p.height == 0:
            status_rows.append({"outcome": spec.outcome, "status": "not estimable",
                                "reason": f"marts.{spec.table} or its columns are missing / empty"})
            continue
        results[spec.outcome] = att_gt(p, unit="location_id", period="period", outcome="outcome", weight="weight",
                                       group="first_treated", labels=wave_labels(p), config=cfg_by_unit[spec.period_unit],
                                       multipliers=mult)
        status_rows.append({"outcome": spec.outcome, "status": "estimated", "reason": None})

    out: dict[str, pl.DataFrame] = {
        "roi_outcomes": pl.DataFrame(status_rows, schema={"outcome": pl.String, "status": pl.String,
                                                          "reason": pl.String}, orient="row"),
        "roi_assumptions": assumptions_table(settings.assumptions),
    }
    if results:
        out["roi_effects_overall"] = pl.concat([_tag(r.overall, k) for k, r in results.items()])
        out["roi_effects_by_wave"] = pl.concat([_tag(r.by_label.rename({"label": "wave"}), k)
                                                for k, r in results.items()])
        out["roi_effects_by_group"] = pl.concat([_tag(r.by_group.rename({"group": "go_live_period"}), k)
                                                 for k, r in results.items()])
        out["roi_event_study"] = pl.concat([_tag(r.event_study, k) for k, r in results.items()])
        out["roi_group_time"] = pl.concat([_tag(r.cells, k) for k, r in results.items()])
        out["roi_pretrend"] = pl.concat([_tag(r.pretrend, k) for k, r in results.items()])
    if "no_show_rate" in results:
        mi = _money_inputs(con, panels, results, settings, as_of)
        out["roi_effects_by_location"] = mi.per_location
        out["roi_money"] = money_table(mi.locations, mi.no_show, mi.recall, settings.assumptions, an.alpha)
        # Per wave: the wave's own effect draws (its overall effect when the wave's is not estimable), summed
        # over the wave's locations per draw exactly as the total is.
        out["roi_money_by_wave"] = money_by_wave(mi.locations, mi.waves, mi.no_show_wave, mi.recall_wave,
                                                 settings.assumptions, an.alpha)
    return out


def _effect_per_location(res: DidResult, first: np.ndarray, labels: dict[int, str], level: str,
                         n_boot: int) -> tuple[EffectDraws, pl.DataFrame]:
    """The effect applied to each location: overall, or its wave's when estimable (else overall)."""
    L = len(first)
    over = res.overall.row(0, named=True)
    o_draw = res.draws.get(("overall", None), np.full(n_boot, np.nan))
    o_est = over["estimate"] if over["estimate"] is not None else np.nan
    point = np.full(L, o_est)
    draws = np.tile(o_draw[:, None], (1, L))
    source = np.full(L, "overall effect", dtype=object)
    if level == "wave":
        for lab in sorted(set(labels.values())):  # a handful of waves, each a vectorised column update
            d = res.draws.get(("label", lab))
            cols = np.isin(first, [g for g, v in labels.items() if v == lab])
            if d is None:  # the wave's effect is not estimable (or zero-width): fall back, and say so
                source[cols] = f"overall effect ({lab} effect not estimable)"
                continue
            est = res.by_label.filter(pl.col("label") == lab)["estimate"].item()
            point[cols] = est
            draws[:, cols] = d[:, None]
            source[cols] = f"{lab} effect"
    return EffectDraws(point=point, draws=draws, source=list(source)), pl.DataFrame(
        {"effect": point, "effect_source": list(source)})


@dataclass
class _MoneyInputs:
    """Per-location money inputs and the effects applied to them (configured level and wave level)."""

    locations: pl.DataFrame
    no_show: EffectDraws
    recall: EffectDraws | None
    per_location: pl.DataFrame
    waves: list[str | None]
    no_show_wave: EffectDraws
    recall_wave: EffectDraws | None


def _money_inputs(con, panels, results, settings, as_of) -> _MoneyInputs:
    """Per-location money inputs from the panels and marts.rpt_location_roi_inputs (when present)."""
    wk = panels["no_show_rate"]
    post = (wk.filter((pl.col("first_treated") > 0) & (pl.col("period") >= pl.col("first_treated")))
            .group_by("location_id").agg(pl.col("weight").sum().alias("post_scheduled_appointments")))
    live = con.sql(f"""
        select distinct location_id::varchar as location_id, go_live_date,
               greatest(date_diff('day', go_live_date, date '{as_of.isoformat()}'), 0) / {DAYS_PER_MONTH}
                   as live_months
        from marts.{WEEK_PANEL} where go_live_date is not null and go_live_date <= date '{as_of.isoformat()}'
    """).pl()
    loc = live.join(post, on="location_id", how="left")
    mp = panels.get("recall_conversion_rate")
    if mp is not None:
        due = (mp.filter((pl.col("first_treated") > 0) & (pl.col("period") >= pl.col("first_treated")))
               .group_by("location_id").agg(pl.col("weight").sum().alias("post_recall_due")))
        loc = loc.join(due, on="location_id", how="left")
    extra = _columns(con, ROI_INPUTS)
    want = [c for c in ("baseline_production", "baseline_completed_visits", "front_desk_hours_saved") if c in extra]
    if "location_id" in extra and want:
        inputs = con.sql(f"select location_id::varchar as location_id, {', '.join(want)} from marts.{ROI_INPUTS}").pl()
        loc = loc.join(inputs, on="location_id", how="left")
    loc = loc.sort("location_id")

    def first_in(panel: pl.DataFrame) -> np.ndarray:
        """Each money location's group (go-live period) in `panel`'s period units."""
        first_of = panel.group_by("location_id").agg(pl.col("first_treated").first())
        return loc.join(first_of, on="location_id", how="left").get_column("first_treated").fill_null(0).to_numpy()

    first = first_in(wk)
    level = settings.analysis.effect_level
    n_boot = settings.analysis.bootstrap_draws
    labels = wave_labels(wk)
    ns, ns_frame = _effect_per_location(results["no_show_rate"], first, labels, level, n_boot)
    ns_wave, _ = _effect_per_location(results["no_show_rate"], first, labels, "wave", n_boot)
    rc = rc_wave = None
    if "recall_conversion_rate" in results and mp is not None:
        first_m, labels_m = first_in(mp), wave_labels(mp)
        rc, _ = _effect_per_location(results["recall_conversion_rate"], first_m, labels_m, level, n_boot)
        rc_wave, _ = _effect_per_location(results["recall_conversion_rate"], first_m, labels_m, "wave", n_boot)
    per_loc = pl.concat([loc.select("location_id", "go_live_date", "live_months"), ns_frame], how="horizontal")
    # A location's wave for the per-wave sums is the wave of its go-live group (the grouping of the wave effect).
    waves = [labels.get(int(g)) for g in first]
    return _MoneyInputs(loc, ns, rc, per_loc, waves, ns_wave, rc_wave)


def write_marts(con: duckdb.DuckDBPyConnection, tables: dict[str, pl.DataFrame]) -> dict[str, int]:
    """Replace marts.<name> with each frame (one statement per table); returns row counts."""
    con.execute("create schema if not exists marts")
    counts = {}
    for name, df in tables.items():
        con.register("_roi_frame", df.to_arrow())
        con.execute(f'create or replace table marts."{name}" as select * from _roi_frame')
        con.unregister("_roi_frame")
        counts[name] = df.height
    return counts
