"""Drive the generation: source by source, location by location, streaming every table to CSV."""

from __future__ import annotations

import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
import polars as pl

from connectors.generator.calendar import DAY, day_num, tz_offsets
from connectors.generator.lifecycle import OUTCOMES, events, slots
from connectors.generator.output import Offsets, Sink, bucket, columns
from connectors.generator.plan import Params, Plan, build_plan
from connectors.generator.platform import comms, manual, reviews
from connectors.generator.simulate import NOSHOW_REL_EFFECT, RECALL_CONV_ABS_EFFECT, RESPONSE_REL_EFFECT, simulate_location
from connectors.generator.truth import response_att, response_location_summary, response_truth
from connectors.generator.vendors import BUILDERS, Ids

KEY_NAMES = {"opendental": ("PatNum", "AptNum"), "eaglesoft": ("patient_id", "appointment_id"), "dentrix": ("patient_id", "appointment_id")}
PMS_TABLES = {
    "opendental": ["appointment", "histappointment", "patient", "recall", "procedurelog", "procedurecode", "recalltype", "definition", "clinic", "smstomobile", "smsfrommobile"],
    "eaglesoft": ["appointment", "chairs", "patient", "patient_recalls", "recalls", "appt_log"],
    "dentrix": ["v_appt", "appthist", "v_patient", "recallpending", "v_appt_status_codes"],
}
COMMS_TABLES = ["messages", "sync_events", "opt_outs", "platform_status"]
FLUSH_ROWS = 1_500_000
DEFECTS = ("none",)  # hook: planted-defect profiles will be added here (see docs/generator.md)


def _stringify(df: pl.DataFrame) -> pl.DataFrame:
    """All columns but _k as strings; floats with exactly two decimals (stable, byte-identical output)."""
    exprs = []
    for name, dtype in df.schema.items():
        if name == "_k":
            exprs.append(pl.col(name).cast(pl.Int64))
        elif dtype.is_float():
            cents = (pl.col(name) * 100).round(0).cast(pl.Int64)
            exprs.append(
                pl.when(pl.col(name).is_null())
                .then(None)
                .otherwise(pl.format("{}.{}", cents // 100, (cents % 100).cast(pl.String).str.zfill(2)))
                .alias(name)
            )
        else:
            exprs.append(pl.col(name).cast(pl.String))
    return df.select(exprs)


class Buffer:
    """Rows of shared folders (comms, reviews, truth) collected over several sources, then appended."""

    def __init__(self, sink: Sink) -> None:
        """Empty buffer writing to sink."""
        self.sink = sink
        self.frames: dict[str, list[pl.DataFrame]] = defaultdict(list)
        self.rows = 0

    def add(self, rel: str, df: pl.DataFrame) -> None:
        """Queue rows for file rel (rel may contain '{date}', filled per extract from _k)."""
        if df.height:
            self.frames[rel].append(_stringify(df) if "_k" in df.columns else df)
            self.rows += df.height

    def flush(self, dates: list[str], headers: dict[str, list[str]]) -> None:
        """Append everything queued, partitioned by extract where the path has '{date}'."""
        for rel, frames in self.frames.items():
            df = pl.concat(frames, how="vertical")
            if "{date}" in rel:
                for (k,), part in df.partition_by("_k", as_dict=True, maintain_order=True).items():
                    self.sink.write(rel.format(date=dates[k]), part.drop("_k"), headers[rel])
            else:
                self.sink.write(rel, df, headers[rel])
        self.frames.clear()
        self.rows = 0


def _locations_csv(plan: Plan) -> pl.DataFrame:
    """The registry file."""
    rows = [
        {
            "location_id": l.location_id,
            "location_name": l.location_name,
            "region": l.region,
            "regional_manager": l.regional_manager,
            "pms": l.pms,
            "pms_version": l.pms_version,
            "source_id": l.source_id,
            "source_location_key": l.source_location_key or None,
            "timezone": l.timezone,
            "opened_date": l.opened_date.isoformat(),
            "wave": str(l.wave) if l.wave else None,
            "go_live_date": l.go_live_date.isoformat() if l.go_live_date else None,
            "planned_major_change": l.planned_major_change,
        }
        for l in plan.locations
    ]
    cols = columns("registry", "locations")
    return pl.DataFrame(rows, schema={c: pl.String for c in cols})


def generate(p: Params, progress: bool = True) -> Plan:
    """Write a complete drop for the parameters into p.out and the ground truth into p.out/_truth."""
    if p.defects not in DEFECTS:
        raise ValueError(f"unknown defects profile {p.defects!r} (available: {', '.join(DEFECTS)})")
    t_start = time.monotonic()
    plan = build_plan(p)
    out = Path(p.out)
    out.mkdir(parents=True, exist_ok=True)
    sink = Sink(out)
    dates = [d.isoformat() for d in plan.extract_dates]
    ex = np.array([day_num(d) * DAY for d in plan.extract_dates], dtype=np.int64)
    asof = day_num(p.end_date) * DAY
    hs = day_num(plan.history_start)
    end_day = day_num(p.end_date)
    sink.write("locations.csv", _locations_csv(plan))

    # shared folders: every extract date gets reviews; comms from the first extract after a go-live
    golive = [day_num(l.go_live_date) * DAY for l in plan.locations if l.go_live_date and day_num(l.go_live_date) * DAY < asof]
    k_first = int(bucket(np.array([min(golive)]), ex)[0]) if golive else len(ex)
    headers: dict[str, list[str]] = {}
    for t in COMMS_TABLES:
        headers[f"comms/{{date}}/{t}.csv"] = columns("comms", t)
        for d in dates[k_first:]:
            sink.touch(f"comms/{d}/{t}.csv", columns("comms", t))
    headers["reviews/{date}/reviews.csv"] = columns("reviews", "reviews")
    for d in dates:
        sink.touch(f"reviews/{d}/reviews.csv", columns("reviews", "reviews"))
    truth_cols = ["source_id", "location_id", "appointment_key", "slot_start", "outcome", "opened_at", "closed_at"]
    headers["_truth/slot_outcomes.csv"] = truth_cols
    sink.touch("_truth/slot_outcomes.csv", truth_cols)
    buf = Buffer(sink)

    tz_cache: dict[str, Offsets] = {}
    traits: dict[int, object] = {}
    stats: list[dict] = []
    resp_weekly: list[pl.DataFrame] = []
    done = 0
    total = len(plan.locations)
    for src in plan.sources:
        build, static = BUILDERS[src.pms]
        ids = Ids()
        frames: dict[str, list[pl.DataFrame]] = defaultdict(list)
        pat_name, apt_name = KEY_NAMES[src.pms]
        for loc in src.locations:
            sim = simulate_location(loc, p.seed, hs, end_day, p.effect_scale)
            traits[loc.index] = sim.traits
            ev = events(sim, asof)
            sl = slots(sim, asof)
            pat_off, apt_off = ids.n.get(pat_name, 0), ids.n.get(apt_name, 0)
            for t, df in build(loc, sim, ev, ids, ex, asof).items():
                frames[t].append(_stringify(df))
            if loc.timezone not in tz_cache:
                tz_cache[loc.timezone] = Offsets(tz_offsets(loc.timezone, hs - 400, end_day + 400), hs - 400)
            off = tz_cache[loc.timezone]
            cm = comms(loc, sim, ev, sl, pat_off, apt_off, off, ex, k_first, asof, plan)
            for t, df in cm.items():
                buf.add(f"comms/{{date}}/{t}.csv", df.select(columns("comms", t) + ["_k"]))
            # truth only: expected answered share per week (platform, eConfirmation with / without the platform)
            rw = response_truth(loc, sim, cm.get("messages"), asof, p.effect_scale)
            resp_weekly.append(rw)
            buf.add("reviews/{date}/reviews.csv", reviews(loc, sim, off, ex, hs, asof, plan).select(columns("reviews", "reviews") + ["_k"]))
            from connectors.generator.output import dt as fmt_dt

            buf.add(
                "_truth/slot_outcomes.csv",
                pl.DataFrame(
                    {
                        "source_id": src.source_id,
                        "location_id": loc.location_id,
                        "appointment_key": pl.Series(sl.a + apt_off + 1).cast(pl.String),
                        "slot_start": fmt_dt(sl.start, "%Y-%m-%dT%H:%M:%S"),
                        "outcome": OUTCOMES[sl.outcome],
                        "opened_at": fmt_dt(sl.opened_at, "%Y-%m-%dT%H:%M:%S"),
                        "closed_at": fmt_dt(sl.closed_at, "%Y-%m-%dT%H:%M:%S"),
                    }
                ),
            )
            stats.append(_loc_stats(loc, sl, asof) | {"patient_response": response_location_summary(rw, loc)})
            done += 1
            if progress:
                print(f"[generator] locations {done}/{total} ({time.monotonic() - t_start:.1f} s)", file=sys.stderr, flush=True)
        _write_source(sink, src.source_id, src.pms, frames, static(src.locations), dates)
        if buf.rows > FLUSH_ROWS:
            buf.flush(dates, headers)
    buf.flush(dates, headers)
    for name, df in manual(plan, traits).items():
        sink.write(f"manual/{name}.csv", _stringify(df), columns("manual", name))
    resp = response_att(pl.concat(resp_weekly) if resp_weekly else pl.DataFrame(), plan.locations, end_day)
    sink.json("_truth/effects.json", _effects(plan, traits, stats, resp))
    if progress:
        print(f"[generator] done: {total} locations in {time.monotonic() - t_start:.1f} s -> {out}", file=sys.stderr)
    return plan


def _write_source(sink: Sink, sid: str, pms: str, frames: dict[str, list[pl.DataFrame]], static: dict[str, pl.DataFrame], dates: list[str]) -> None:
    """Write every extract folder of one PMS source: a full extract, then deltas."""
    parts: dict[str, dict[int, pl.DataFrame]] = {}
    for t, fl in frames.items():
        df = pl.concat(fl, how="vertical")
        parts[t] = {k: part.drop("_k") for (k,), part in df.partition_by("_k", as_dict=True, maintain_order=True).items()}
    for k, d in enumerate(dates):
        folder = f"pms/{sid}/{d}"
        sink.json(f"{folder}/_manifest.json", {"mode": "full" if k == 0 else "delta", "encoding": "utf-8"})
        for t in PMS_TABLES[pms]:
            # contract order; optional columns this generator does not produce are left out
            have = static[t].columns if t in static else (parts[t][next(iter(parts[t]))].columns if parts.get(t) else [])
            cols = [c for c in columns(pms, t) if c in have or not have]
            if k == 0 and t in static:
                sink.write(f"{folder}/{t}.csv", _stringify(static[t]).select(cols), cols)
            elif t in parts and k in parts[t]:
                sink.write(f"{folder}/{t}.csv", parts[t][k].select(cols), cols)
            elif k == 0:
                sink.touch(f"{folder}/{t}.csv", cols)


def _loc_stats(loc, sl, asof: int) -> dict:
    """Pre/post slot outcome counts of a location around go-live (90 days before; from go-live + 14 days)."""
    res = {"location_id": loc.location_id, "wave": loc.wave}
    past = sl.start < asof
    if loc.go_live_date is None:
        windows = {"latest_90d": (asof - 90 * DAY, asof)}
    else:
        g = day_num(loc.go_live_date) * DAY
        windows = {"pre": (g - 90 * DAY, g), "post": (g + 14 * DAY, asof)}
    for name, (a, b) in windows.items():
        m = past & (sl.start >= a) & (sl.start < b)
        c = np.bincount(sl.outcome[m], minlength=5)
        res[name] = {str(OUTCOMES[i]): int(c[i]) for i in range(4)}
    return res


def _rate(counts: list[dict]) -> dict:
    """no-show-type rates of summed outcome counts."""
    s = {k: sum(c[k] for c in counts) for k in ("completed", "no_call_no_show", "late_cancel", "advance_cancel")}
    sched = s["completed"] + s["no_call_no_show"] + s["late_cancel"]
    return {
        "scheduled_appointments": sched,
        "no_show_rate": round((s["no_call_no_show"] + s["late_cancel"]) / sched, 5) if sched else None,
        "same_day_cancellation_rate": round(s["late_cancel"] / sched, 5) if sched else None,
        "no_call_no_show_rate": round(s["no_call_no_show"] / sched, 5) if sched else None,
    }


def _effects(plan: Plan, traits: dict, stats: list[dict], resp_att: dict) -> dict:
    """The planted effect sizes, baseline levels and the realised rates (the sidecar _truth/effects.json)."""
    p = plan.params
    live = [l for l in plan.locations if l.go_live_date and l.go_live_date < p.end_date]
    tr = [traits[l.index] for l in live] or list(traits.values())
    mean = lambda xs: float(np.mean(xs)) if len(xs) else None  # noqa: E731
    pre = _rate([s["pre"] for s in stats if "pre" in s and s["pre"]])
    post = _rate([s["post"] for s in stats if "post" in s and s["post"]])
    by_wave = {}
    for w in sorted({l.wave for l in live}):
        ss = [s for s in stats if s["wave"] == w]
        by_wave[str(w)] = {"pre": _rate([s["pre"] for s in ss]), "post": _rate([s["post"] for s in ss])}
    s = p.effect_scale
    base_noshow = pre["no_show_rate"]
    resp = mean([t.p_resp for t in tr])
    return {
        "seed": p.seed,
        "parameters": p.as_json(),
        "extract_dates": [d.isoformat() for d in plan.extract_dates],
        "history_start": plan.history_start.isoformat(),
        "as_of": p.end_date.isoformat() + "T00:00:00",
        "waves": {str(w): sorted(l.location_id for l in plan.locations if l.wave == w) for w in sorted({l.wave for l in plan.locations if l.wave})},
        "not_yet_live": sorted(l.location_id for l in plan.locations if not l.wave),
        "model": {
            "no_show": f"after go-live the probability of a no-show or late-cancelled break and of a late/after-start move is multiplied by 1 - {NOSHOW_REL_EFFECT} x effect_scale",
            "recall_conversion": f"after go-live the probability that a due recall is kept (visit within -55..+75 days of due) rises by {RECALL_CONV_ABS_EFFECT} x effect_scale (absolute)",
            "patient_response": f"platform reply probability = baseline x (1 + {RESPONSE_REL_EFFECT} x effect_scale); baseline = Open Dental eConfirmation reply probability before go-live",
            "reviews": "before go-live reviews arrive at rate / (1 + 0.5 x effect_scale), after at the full rate; mean rating +0.1 x effect_scale",
            "front_desk_hours": "post-live time study: confirmation and recall-call hours x (1 - 0.3 x effect_scale)",
        },
        "metrics": {
            "no_show_rate": {
                "baseline": base_noshow,
                "expected_abs_change": round(-NOSHOW_REL_EFFECT * s * base_noshow, 5) if base_noshow is not None else None,
                "expected_rel_change": -NOSHOW_REL_EFFECT * s,
                "realised_pre_90d": pre,
                "realised_post": post,
                "by_wave": by_wave,
            },
            "recall_conversion_rate": {
                "baseline_keep_probability": round(mean([t.p_conv for t in tr]), 5),
                "expected_abs_change": round(RECALL_CONV_ABS_EFFECT * s, 5),
                "note": "per due instance, visit within -55..+75 days of due; the metric also counts late returns before D",
            },
            "patient_response_rate": {
                # On the metric's scale (answered / attempted outreach, 72-hour rule), averaged as the DiD's ATT:
                # platform minus the eConfirmation the clinics would have kept (connectors/generator/truth.py).
                "expected_abs_change": resp_att["overall"],
                "by_wave": resp_att["by_wave"],
                "n_cells": resp_att["n_cells"],
                # Diagnostic: the value the DiD converges to on the drop as recorded (the eConfirmation feed as
                # vendors._od_sms writes it); it separates an estimator fault from a simulation artefact.
                "did_limit_on_recorded_data": resp_att["did_limit_on_recorded_data"],
                "did_limit_on_recorded_data_by_wave": resp_att["did_limit_on_recorded_data_by_wave"],
                "estimand": "ATT over (go-live week, week) cells of the eConfirmation clinics (the only ones with pre-live "
                "data): expected answered share per attempt with the platform minus with the eConfirmation SMS they "
                "would have kept, 72-hour rule; cells weighted by the go-live week's location count (docs/roi.md)",
                "reply_probability_baseline": round(resp, 5),
                "reply_probability_abs_change": round(resp * RESPONSE_REL_EFFECT * s, 5),
                "note": "reply_probability_*: SMS reply probability of a delivered reminder/confirmation/recall (email x0.4, "
                "voice x0.5) — the planted parameter, not the metric",
            },
            "reviews_per_month": {
                "baseline": round(mean([t.review_rate / (1 + 0.5 * s) for t in tr]), 5),
                "expected_abs_change": round(mean([t.review_rate * (1 - 1 / (1 + 0.5 * s)) for t in tr]), 5),
            },
            "front_desk_comm_hours_per_week": {"expected_rel_change_confirmation_and_recall_hours": -0.3 * s},
        },
        "location_stats": stats,
    }
