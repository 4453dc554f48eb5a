"""Communication-platform exports (comms/), online reviews (reviews/) and the manual templates (manual/)."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import polars as pl

from connectors.generator.calendar import DAY, day_num
from connectors.generator.lifecycle import EV_BOOK, EV_CANCEL, EV_COMPLETE, EV_MISSED, EV_MOVE, EV_UNSCHED, Events, Slots
from connectors.generator.output import Offsets, bucket, dt
from connectors.generator.plan import Location, Plan
from connectors.generator.simulate import RESPONSE_REL_EFFECT, LocSim

HOUR = 3600
MINUTE = 60
CAMPAIGN = np.array(["reminder", "confirmation", "recall", "review_request"])
CHANNEL = np.array(["sms", "email", "voice"])


def _u(rng: np.random.Generator, n: int, lo: float, hi: float) -> np.ndarray:
    """Uniform integer seconds in [lo, hi)."""
    return (lo + rng.random(n) * (hi - lo)).astype(np.int64)


def outage_windows(plan: Plan) -> list[tuple[int, int, str]]:
    """Platform-wide incidents (local-epoch seconds, status): one short outage and one degraded spell."""
    end = day_num(plan.params.end_date)
    span = plan.params.history_days
    o_day = end - max(3, round(span * 0.10))
    d_day = end - max(2, round(span * 0.055))
    o_day += (0 - (o_day + 3) % 7) % 7  # a Monday (weekday 0) on or after
    d_day += (2 - (d_day + 3) % 7) % 7  # a Wednesday
    return [
        (o_day * DAY + 10 * HOUR + 20 * MINUTE, o_day * DAY + 11 * HOUR + 5 * MINUTE, "down"),
        (d_day * DAY + 14 * HOUR, d_day * DAY + 16 * HOUR, "degraded"),
    ]


def comms(
    loc: Location,
    sim: LocSim,
    ev: Events,
    sl: Slots,
    pat_off: int,
    apt_off: int,
    off: Offsets,
    ex: np.ndarray,
    k_first: int,
    asof: int,
    plan: Plan,
) -> dict[str, pl.DataFrame]:
    """Messages, sync events, opt-outs and platform status of a live location (after go-live)."""
    if loc.go_live_date is None or day_num(loc.go_live_date) * DAY >= asof:
        return {}
    p = plan.params
    rng = np.random.default_rng([p.seed, 5, loc.index])
    g = day_num(loc.go_live_date) * DAY

    def kk(t: np.ndarray) -> np.ndarray:
        return np.maximum(bucket(t, ex), k_first)

    # ---- outbound candidates -----------------------------------------------------------------
    n_a = len(sim.a_pat)
    conf_t = sim.a_booked + _u(rng, n_a, 2 * MINUTE, 30 * MINUTE)
    conf = np.nonzero((sim.a_booked >= g) & (conf_t < asof) & (sim.a_s1 - sim.a_booked > DAY))[0]
    n_s = len(sl.a)
    rem_t = (sl.start // DAY - 2) * DAY + _u(rng, n_s, 9 * HOUR, 17 * HOUR)
    rem = np.nonzero((rem_t >= g) & (rem_t > sl.opened_at) & ((sl.closed_at < 0) | (rem_t < sl.closed_at)) & (rem_t < asof))[0]
    # recall reminders two weeks before a due date still current at sending
    order = np.lexsort((sim.r_t, sim.r_pat))
    r_pat, r_t, r_due = sim.r_pat[order], sim.r_t[order], sim.r_due[order]
    nxt = np.full(len(r_t), np.iinfo(np.int64).max)
    same = r_pat[1:] == r_pat[:-1]
    nxt[:-1] = np.where(same, r_t[1:], nxt[:-1])
    rc_t = (r_due - 14) * DAY + _u(rng, len(r_t), 10 * HOUR, 16 * HOUR)
    rc = np.nonzero((rc_t >= g) & (rc_t > r_t) & (rc_t < nxt) & (rc_t < asof) & sim.pat_active[r_pat])[0]
    rr_t = sim.a_end_t + _u(rng, n_a, HOUR, 3 * HOUR)
    rr = np.nonzero((sim.a_end == 1) & (sim.a_end_t >= g) & (rr_t < asof) & (rng.random(n_a) < 0.25))[0]

    m_pat = np.concatenate([sim.a_pat[sl.a[rem]], sim.a_pat[conf], r_pat[rc], sim.a_pat[rr]])
    m_apt = np.concatenate([sl.a[rem], conf, np.full(len(rc), -1), rr])
    m_camp = np.concatenate([np.zeros(len(rem), int), np.ones(len(conf), int), np.full(len(rc), 2), np.full(len(rr), 3)])
    m_t = np.concatenate([rem_t[rem], conf_t[conf], rc_t[rc], rr_t[rr]])
    n = len(m_t)
    textable = (sim.pat_phone[m_pat] != "") & sim.pat_txt_ok[m_pat]
    has_email = sim.pat_email[m_pat] != ""
    chan = np.where(textable & (rng.random(n) < 0.93), 0, np.where(has_email, 1, np.where(textable, 0, 2)))
    chan = np.where((m_camp == 0) & (rng.random(n) < 0.03), 2, chan)
    u = rng.random(n)
    status = np.where(u < 0.962, "delivered", np.where(u < 0.975, "sent", np.where(u < 0.995, "failed", "undeliverable")))

    # ---- replies -----------------------------------------------------------------------------
    p_resp = min(sim.traits.p_resp * (1 + RESPONSE_REL_EFFECT * p.effect_scale), 0.95)
    p_chan = np.array([1.0, 0.4, 0.5])[chan]
    reply = (m_camp <= 2) & (status == "delivered") & (rng.random(n) < p_resp * p_chan)
    rep_t = m_t + _u(rng, n, 3 * MINUTE, 30 * HOUR)
    reply &= rep_t < asof
    ri = np.nonzero(reply)[0]
    nr = len(ri)
    ub = rng.random(nr)
    body = np.where(
        m_camp[ri] == 2,
        np.where(ub < 0.4, "question", np.where(ub < 0.72, "reschedule", np.where(ub < 0.985, "confirm", "stop"))),
        np.where(ub < 0.82, "confirm", np.where(ub < 0.89, "reschedule", np.where(ub < 0.94, "cancel", np.where(ub < 0.99, "question", "stop")))),
    )
    body = np.where((body == "stop") & (chan[ri] != 0), "other", body)

    # ---- opt-outs: the first STOP per patient; no SMS is sent while opted out ------------------
    stop = ri[body == "stop"]
    stop_t = rep_t[stop] + MINUTE
    o = np.lexsort((stop_t, m_pat[stop]))
    stop, stop_t = stop[o], stop_t[o]
    first = np.ones(len(stop), bool)
    first[1:] = m_pat[stop][1:] != m_pat[stop][:-1]
    body[np.isin(ri, stop[~first])] = "other"
    stop, stop_t = stop[first], stop_t[first]
    opt_pat = m_pat[stop]
    opt_in = np.where(rng.random(len(stop)) < 0.25, stop_t + _u(rng, len(stop), 10 * DAY, 90 * DAY), -1)
    opt_in = np.where(opt_in >= asof, -1, opt_in)
    keep = np.ones(n, bool)
    for pat, t_out, t_in in zip(opt_pat, stop_t, opt_in):  # a handful per location
        hit = (m_pat == pat) & (chan == 0) & (m_t >= t_out) & ((t_in < 0) | (m_t < t_in))
        keep &= ~hit
    rkeep = keep[ri]
    ri, body, rep = ri[rkeep], body[rkeep], rep_t[ri][rkeep]

    # ---- assemble messages -------------------------------------------------------------------
    ob = np.nonzero(keep)[0]
    all_t = np.concatenate([m_t[ob], rep])
    is_in = np.concatenate([np.zeros(len(ob), bool), np.ones(len(ri), bool)])
    src = np.concatenate([ob, ri])  # index of the outbound message (itself or the one replied to)
    order = np.lexsort((is_in, all_t))
    msg_no = np.empty(len(order), np.int64)
    msg_no[order] = np.arange(len(order))
    out_no = np.full(n, -1)
    out_no[ob] = msg_no[: len(ob)]
    linked = rng.random(len(ri)) < 0.85
    reply_to = np.concatenate([np.full(len(ob), -1), np.where(linked, out_no[ri], -1)])
    prefix = f"{loc.location_id}-M"
    ids = pl.Series(msg_no).cast(pl.String).str.zfill(7)
    apt = m_apt[src]
    msgs = pl.DataFrame(
        {
            "message_id": prefix + ids,
            "location_id": loc.location_id,
            "pms_patient_id": pl.Series(m_pat[src] + pat_off + 1).cast(pl.String),
            "pms_appointment_id": pl.select(pl.when(pl.Series(apt >= 0)).then(pl.Series(apt + apt_off + 1).cast(pl.String))).to_series(),
            "campaign": CAMPAIGN[m_camp[src]],
            "channel": CHANNEL[chan[src]],
            "direction": np.where(is_in, "inbound", "outbound"),
            "sent_at": off.tstz(all_t),
            "delivery_status": np.where(is_in, "received", status[src]),
            "in_reply_to": pl.select(pl.when(pl.Series(reply_to >= 0)).then(prefix + pl.Series(reply_to).cast(pl.String).str.zfill(7))).to_series(),
            "body_class": pl.Series(np.concatenate([np.full(len(ob), ""), body])).replace("", None),
            "_k": kk(all_t),
            "_o": msg_no,
        }
    ).sort("_o").drop("_o")

    # ---- sync events -------------------------------------------------------------------------
    e = np.nonzero((ev.t >= g) & (ev.t < asof) & ((ev.kind != EV_UNSCHED) | (loc.pms == "opendental")))[0]
    action = np.array(["create", "update", "update", "cancel", "cancel", "update"])[ev.kind[e]]
    pc = np.nonzero((sim.pat_created >= g) & (sim.pat_created < asof))[0]
    s_t = np.concatenate([ev.t[e], sim.pat_created[pc]])
    s_ent = np.concatenate([np.full(len(e), "appointment"), np.full(len(pc), "patient")])
    s_rec = np.concatenate([ev.a[e] + apt_off + 1, pc + pat_off + 1])
    s_act = np.concatenate([action, np.full(len(pc), "create")])
    ns = len(s_t)
    recv = s_t + _u(rng, ns, 5, 180)
    failed = rng.random(ns) < 0.006
    retry = np.nonzero(failed)[0]
    r_recv = recv[retry] + _u(rng, len(retry), 2 * MINUTE, 40 * MINUTE)
    err = np.array(["PMS_TIMEOUT", "LOCK_CONFLICT", "MAPPING_ERROR"])[rng.integers(0, 3, ns)]
    all_recv = np.concatenate([recv, r_recv])
    sel = np.concatenate([np.arange(ns), retry])
    ok = np.concatenate([~failed, np.ones(len(retry), bool)])
    keep_s = all_recv < asof
    all_recv, sel, ok = all_recv[keep_s], sel[keep_s], ok[keep_s]
    o = np.lexsort((sel, all_recv))
    all_recv, sel, ok = all_recv[o], sel[o], ok[o]
    sync = pl.DataFrame(
        {
            "event_id": f"{loc.location_id}-S" + pl.Series(np.arange(len(sel))).cast(pl.String).str.zfill(7),
            "location_id": loc.location_id,
            "entity": s_ent[sel],
            "pms_record_id": pl.Series(s_rec[sel]).cast(pl.String),
            "action": s_act[sel],
            "pms_changed_at": dt(s_t[sel]),
            "platform_received_at": off.tstz(all_recv),
            "outcome": np.where(ok, "ok", "failed"),
            "error_code": pl.select(pl.when(pl.Series(~ok)).then(pl.Series(err[sel]))).to_series(),
            "_k": kk(all_recv),
        }
    )

    # ---- opt-outs (a version when opting out, another when opting back in) --------------------
    oo_pat = np.concatenate([opt_pat, opt_pat[opt_in >= 0]])
    oo_out = np.concatenate([stop_t, stop_t[opt_in >= 0]])
    oo_in = np.concatenate([np.full(len(stop), -1), opt_in[opt_in >= 0]])
    oo_k = np.concatenate([kk(stop_t), kk(opt_in[opt_in >= 0])])
    first_k = kk(stop_t)
    # an opt-in landing in the same extract as the opt-out: one row with both
    drop = np.concatenate([np.isin(np.arange(len(stop)), np.nonzero((opt_in >= 0) & (kk(np.maximum(opt_in, 0)) == first_k))[0]), np.zeros(int((opt_in >= 0).sum()), bool)])
    oo = pl.DataFrame(
        {
            "location_id": loc.location_id,
            "pms_patient_id": pl.Series(oo_pat + pat_off + 1).cast(pl.String),
            "channel": "sms",
            "opted_out_at": off.tstz(oo_out),
            "opted_in_at": off.tstz(oo_in),
            "_k": oo_k,
        }
    ).filter(~pl.Series(drop))

    # ---- platform status: one row per day, split around platform-wide incidents ---------------
    days = np.arange(g // DAY, asof // DAY)
    day_keep = np.ones(len(days), bool)
    starts, ends, stat = [], [], []
    for a0, a1, kind in outage_windows(plan):
        if a0 < g or a1 > asof:
            continue
        d = a0 // DAY
        day_keep &= days != d
        starts.append(np.array([d * DAY, a0, a1]))
        ends.append(np.array([a0, a1, (d + 1) * DAY]))
        stat.append(np.array(["up", kind, "up"]))
    starts.append(days[day_keep] * DAY)
    ends.append((days[day_keep] + 1) * DAY)
    stat.append(np.full(int(day_keep.sum()), "up"))
    ps = np.concatenate(starts)
    pe = np.concatenate(ends)
    pst = np.concatenate(stat)
    o = np.argsort(ps, kind="stable")
    status_df = pl.DataFrame(
        {
            "location_id": loc.location_id,
            "period_start": off.tstz(ps[o]),
            "period_end": off.tstz(pe[o]),
            "status": pst[o],
            "_k": kk(pe[o] - 1),
        }
    )
    return {"messages": msgs, "sync_events": sync, "opt_outs": oo, "platform_status": status_df}


def reviews(loc: Location, sim: LocSim, off: Offsets, ex: np.ndarray, hist_start: int, asof: int, plan: Plan) -> pl.DataFrame:
    """Online reviews of a location; a review answered in a later extract gets a second version."""
    rng = np.random.default_rng([plan.params.seed, 6, loc.index])
    tr = sim.traits
    g = day_num(loc.go_live_date) * DAY if loc.go_live_date else None
    t0 = hist_start * DAY
    n = rng.poisson(tr.review_rate * (asof - t0) / (30 * DAY))
    t = np.sort(t0 + (rng.random(n) * (asof - t0)).astype(np.int64))
    post = (t >= g) if g is not None else np.zeros(n, bool)
    # review requests after go-live raise volume: thin pre-live and post-live streams differently
    keep = rng.random(n) < np.where(post, 1.0, 1.0 / (1 + 0.5 * plan.params.effect_scale))
    t, post = t[keep], post[keep]
    n = len(t)
    t = (t // DAY) * DAY + _u(rng, n, 7 * HOUR, 22 * HOUR)
    rating = np.clip(np.round(rng.normal(tr.rating_mean + 0.1 * plan.params.effect_scale * post, 0.9)), 1, 5).astype(np.int64)
    platform = np.array(["google", "facebook", "yelp"])[rng.choice(3, n, p=[0.72, 0.18, 0.10])]
    responded = rng.random(n) < np.where(post, 0.8, 0.55)
    resp_t = np.where(responded, t + _u(rng, n, 2 * HOUR, 8 * DAY), -1)
    resp_t = np.where(resp_t >= asof, -1, resp_t)
    k1 = bucket(t, ex)
    k2 = np.where(resp_t >= 0, bucket(resp_t, ex), -1)
    ids = pl.Series(np.arange(n) + loc.index * 100_000).cast(pl.String)
    base = pl.DataFrame(
        {
            "review_id": ("r" + ids),
            "location_id": loc.location_id,
            "platform": platform,
            "rating": rating,
            "created_at": off.tstz(t),
        }
    )
    first = base.with_columns(responded_at=off.tstz(np.where(k2 == k1, resp_t, -1)), _k=k1)
    later = np.nonzero((k2 >= 0) & (k2 != k1))[0]
    second = base[later].with_columns(responded_at=off.tstz(resp_t[later]), _k=k2[later])
    return pl.concat([first, second]).sort("_k", maintain_order=True)


# ---------------------------------------------------------------------------------------------
# manual templates
# ---------------------------------------------------------------------------------------------
STAFF_NAMES = ["Dana Ortiz", "Kim Patel", "Lee Morgan", "Sam Rivera", "Alex Chen", "Jo Brooks", "Pat Quinn", "Robin Hale"]


def manual(plan: Plan, traits: dict[int, object]) -> dict[str, pl.DataFrame]:
    """time_study, readiness, go_live_attestations and incidents for the whole DSO."""
    p = plan.params
    rng = np.random.default_rng([p.seed, 7])
    end = p.end_date
    live_dates = [l.go_live_date for l in plan.locations if l.go_live_date]
    planning = (min(live_dates) if live_dates else end) - timedelta(days=45)
    ts_rows, rd_rows, at_rows, inc_rows = [], [], [], []
    for loc in plan.locations:
        # ---- time study: a week before go-live (not-yet-live: two months before the end) ------
        if rng.random() < 0.88 or loc.wave == 1:
            ref = loc.go_live_date - timedelta(days=35) if loc.go_live_date else end - timedelta(days=60)
            week = ref - timedelta(days=ref.weekday())
            studies = [(week, 1.0)]
            if loc.go_live_date and loc.go_live_date + timedelta(days=70) < end:
                post = loc.go_live_date + timedelta(days=63)
                studies.append((post - timedelta(days=post.weekday()), 1 - 0.3 * p.effect_scale))
            size = traits[loc.index].daily_slots / 35
            for wk, f in studies:
                for role, fte, share in (("front_desk", 40 * max(2, round(2.5 * size)), 1.0), ("office_manager", 40, 0.3)):
                    h = np.round(np.array([9, 7, 10, 4]) * size * share * rng.uniform(0.8, 1.2, 4), 1)
                    h[:2] = np.round(h[:2] * max(f, 0.1), 1)
                    ts_rows.append((loc.location_id, wk.isoformat(), role, *h.tolist(), float(fte)))
        # ---- readiness: one assessment at wave planning ---------------------------------------
        r = loc.readiness
        def score(x: float) -> int:
            return int(np.clip(round(x + rng.normal(0, 0.6)), 1, 5))
        wave1 = loc.wave == 1
        champion = max(score(r), 4) if wave1 else score(r)
        rd_rows.append(
            (
                loc.location_id,
                planning.isoformat(),
                max(score(r), 4) if wave1 else score(r),
                max(score(r), 4) if wave1 else score(r),
                champion,
                None,
                float(np.round(rng.uniform(12, 55), 1)),
                STAFF_NAMES[loc.index % len(STAFF_NAMES)] if (wave1 or champion >= 3) else None,
                "yes" if (wave1 or rng.random() < 0.85) else "no",
                "new_office_manager" if rng.random() < 0.1 and not wave1 else None,
            )
        )
        # ---- go-live attestation two weeks after go-live --------------------------------------
        if loc.go_live_date and loc.go_live_date + timedelta(days=14) <= end:
            trained = int(rng.integers(6, 15))
            using = trained if rng.random() < 0.85 else trained - 1
            conf = int(rng.choice([3, 4, 5], p=[0.08, 0.42, 0.5]))
            at_rows.append((loc.location_id, loc.wave, (loc.go_live_date + timedelta(days=14)).isoformat(), trained, using, conf))
    # ---- incidents: a few per live location, one for the platform outage ---------------------
    offs = {}
    from connectors.generator.calendar import tz_offsets

    d0 = day_num(plan.history_start) - 2
    d1 = day_num(end) + 2
    for loc in plan.locations:
        if not loc.go_live_date or loc.go_live_date >= end:
            continue
        if loc.timezone not in offs:
            offs[loc.timezone] = Offsets(tz_offsets(loc.timezone, d0, d1), d0)
        g = day_num(loc.go_live_date) * DAY
        n = rng.poisson(0.8)
        cats = rng.choice(["sync", "other", "downtime"], n, p=[0.55, 0.35, 0.10])
        for c in cats:
            t = g + int(rng.random() * (day_num(end) * DAY - g))
            t = (t // DAY) * DAY + int(rng.uniform(8, 17) * HOUR)
            sev = str(rng.choice(["low", "medium", "high"], p=[0.5, 0.4, 0.1]))
            res = t + int(rng.uniform(0.5, 48) * HOUR)
            if sev != "high" and rng.random() < 0.12:
                res = -1
            if res >= day_num(end) * DAY:
                res = -1
            label = {"sync": "appointment_sync_delayed", "other": "user_access_request", "downtime": "slow_dashboard"}[str(c)]
            inc_rows.append((loc, t, res, sev, str(c), label))
    for a0, a1, kind in outage_windows(plan):
        live = [l for l in plan.locations if l.go_live_date and day_num(l.go_live_date) * DAY <= a0]
        if kind == "down" and live and a1 < day_num(end) * DAY:
            inc_rows.append((live[0], a0 + 5 * MINUTE, a1 + 10 * MINUTE, "high", "downtime", "platform_outage"))
    inc_rows.sort(key=lambda r: (r[1], r[0].index))
    inc = pl.DataFrame(
        {
            "incident_id": [f"INC-{i + 1:05d}" for i in range(len(inc_rows))],
            "location_id": [r[0].location_id for r in inc_rows],
            "opened_at": [offs[r[0].timezone].tstz(np.array([r[1]]))[0] for r in inc_rows],
            "resolved_at": [offs[r[0].timezone].tstz(np.array([r[2]]))[0] for r in inc_rows],
            "severity": [r[3] for r in inc_rows],
            "category": [r[4] for r in inc_rows],
            "description_class": [r[5] for r in inc_rows],
        },
        schema={c: pl.String for c in ["incident_id", "location_id", "opened_at", "resolved_at", "severity", "category", "description_class"]},
    )
    ts = pl.DataFrame(
        ts_rows,
        schema=["location_id", "week_start", "staff_role", "hours_confirmations", "hours_recall_calls", "hours_patient_inquiries", "hours_other_communication", "fte_hours_total_week"],
        orient="row",
    )
    rd = pl.DataFrame(
        rd_rows,
        schema={
            "location_id": pl.String,
            "assessed_on": pl.String,
            "it_infrastructure": pl.Int64,
            "staff_adaptability": pl.Int64,
            "champion": pl.Int64,
            "tech_stack": pl.Int64,
            "annual_turnover_pct": pl.Float64,
            "champion_name": pl.String,
            "regional_manager_engaged": pl.String,
            "notes": pl.String,
        },
        orient="row",
    )
    at = pl.DataFrame(
        at_rows,
        schema={"location_id": pl.String, "wave": pl.Int64, "attested_on": pl.String, "staff_trained": pl.Int64, "staff_using_system": pl.Int64, "champion_confidence": pl.Int64},
        orient="row",
    )
    return {"time_study": ts, "readiness": rd, "go_live_attestations": at, "incidents": inc}
