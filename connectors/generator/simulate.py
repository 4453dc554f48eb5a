"""Vendor-neutral simulation of one location: patients, recall cycles, appointments and their lifecycles.

Everything is numpy-vectorised per location; times are int64 seconds since 1970-01-01 in the location's
local wall-clock ("local epoch"), days are day numbers. Vendor writers turn the result into PMS tables.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from connectors.generator.calendar import DAY, add_months, us_practice_holidays, weekday
from connectors.generator.plan import Location, go_live_day, is_open_weekday_table

HOUR = 3600
MINUTE = 60

# Effect model defaults (scaled by --effect-scale): relative drop of no-show-type breaks and late moves,
# absolute lift of recall conversion probability, relative lift of patient response.
NOSHOW_REL_EFFECT = 0.25
RECALL_CONV_ABS_EFFECT = 0.06
RESPONSE_REL_EFFECT = 0.30

# Procedure codes: (code, fee, description). Recall visits use trigger codes; other visits never do.
PROC_CODES: list[tuple[str, float]] = [
    ("D0120", 62.0),  # 0 periodic exam
    ("D1110", 118.0),  # 1 adult prophylaxis
    ("D1120", 84.0),  # 2 child prophylaxis
    ("D0274", 74.0),  # 3 bitewings, four films
    ("D0140", 78.0),  # 4 limited exam
    ("D2392", 228.0),  # 5 resin, two surfaces posterior
    ("D2740", 1240.0),  # 6 crown, porcelain/ceramic
    ("D2950", 296.0),  # 7 core buildup
    ("D4341", 262.0),  # 8 scaling and root planing, per quadrant
    ("D7140", 205.0),  # 9 extraction
    ("D0220", 32.0),  # 10 periapical first film
    ("D9986", 0.0),  # 11 missed appointment
    ("D9987", 0.0),  # 12 cancelled appointment
    ("D0150", 98.0),  # 13 comprehensive exam (listed, not used by the simulation)
    ("D4910", 145.0),  # 14 periodontal maintenance (listed)
]
OTHER_CODES = np.array([4, 5, 6, 7, 8, 9, 10])
OTHER_CODE_P = np.array([0.18, 0.34, 0.1, 0.08, 0.12, 0.08, 0.10])
CODE_MISSED, CODE_CANCELLED = 11, 12

# appointment end types
END_NONE, END_COMPLETE, END_MISSED, END_CANCEL = 0, 1, 2, 3

SEASON = np.array([1.0, 1.0, 1.02, 1.0, 1.0, 0.95, 0.86, 0.88, 1.0, 1.03, 1.0, 0.8])  # Jan..Dec


@dataclass
class LocTraits:
    """Hidden per-location rates (baseline, before any platform effect)."""

    daily_slots: float
    saturday: bool
    p_ncns: float
    p_late: float
    p_adv: float
    p_move: float
    p_conv: float
    p_resp: float
    fee_factor: float
    review_rate: float  # reviews per 30 days
    rating_mean: float


@dataclass
class LocSim:
    """Simulation result of one location (arrays indexed by patient / appointment / procedure / version)."""

    traits: LocTraits
    # patients
    pat_created: np.ndarray
    pat_active: np.ndarray
    pat_recall: np.ndarray  # has a recall record
    pat_birth: np.ndarray  # day number
    pat_first: np.ndarray  # index into FIRST_NAMES
    pat_last: np.ndarray
    pat_phone: np.ndarray  # str, "" = none
    pat_email: np.ndarray  # str, "" = none
    pat_txt_ok: np.ndarray  # bool
    # appointments (sorted by booking time)
    a_pat: np.ndarray
    a_recall: np.ndarray  # bool: recall (hygiene) visit
    a_op: np.ndarray  # operatory / chair number
    a_dur: np.ndarray  # minutes
    a_booked: np.ndarray
    a_s1: np.ndarray  # first start
    a_moved: np.ndarray
    a_m: np.ndarray  # move time (valid where moved)
    a_s2: np.ndarray  # final start (== s1 unless moved)
    a_end: np.ndarray  # END_*
    a_end_t: np.ndarray  # time of the completion / break record
    a_unsched_t: np.ndarray  # Open Dental: sent to the Unscheduled List after a break (-1 none)
    a_fee: np.ndarray  # scheduled production
    # procedures of completed visits
    p_appt: np.ndarray
    p_code: np.ndarray
    p_fee: np.ndarray
    # recall record versions
    r_pat: np.ndarray
    r_t: np.ndarray
    r_due: np.ndarray
    r_prior: np.ndarray  # day number, -1 none


FIRST_NAMES = np.array(
    "Olivia Liam Emma Noah Ava Elijah Sophia James Isabella William Mia Benjamin Amelia Lucas Harper Henry "
    "Evelyn Theodore Abigail Jack Emily Levi Ella Alexander Elizabeth Jackson Camila Mateo Luna Daniel Sofia "
    "Michael Avery Mason Mila Sebastian Aria Ethan Scarlett Logan Penelope Owen Layla Samuel Chloe Jacob "
    "Victoria Asher Madison Aiden Eleanor John Grace Joseph Nora Wyatt Riley David Zoey Leo Hannah Luke".split()
)
LAST_NAMES = np.array(
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Gonzalez "
    "Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris Sanchez Clark "
    "Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill Flores Green Adams "
    "Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts Gomez Phillips Evans Turner Diaz Parker".split()
)
AREA_CODES = {
    "America/New_York": [518, 860, 508, 570, 315, 401, 919, 912, 843, 407],
    "America/Chicago": [309, 608, 402, 515, 217, 512, 254, 972, 903, 469],
    "America/Denver": [303, 720, 719, 801, 970],
    "America/Phoenix": [480, 602, 623, 520],
    "America/Los_Angeles": [559, 541, 253, 503, 209, 509, 949],
}


def traits_for(loc: Location, seed: int) -> LocTraits:
    """Baseline rates of a location (own random stream, independent of the simulation stream)."""
    rng = np.random.default_rng([seed, 3, loc.index])
    return LocTraits(
        daily_slots=float(rng.uniform(24, 62)),
        saturday=bool(rng.random() < 0.15),
        p_ncns=float(rng.uniform(0.045, 0.085)),
        p_late=float(rng.uniform(0.03, 0.055)),
        p_adv=float(rng.uniform(0.06, 0.10)),
        p_move=float(rng.uniform(0.05, 0.09)),
        p_conv=float(rng.uniform(0.55, 0.72)),
        p_resp=float(rng.uniform(0.25, 0.40)),
        fee_factor=float(rng.uniform(0.9, 1.15)),
        review_rate=float(rng.uniform(2.0, 7.0)),
        rating_mean=float(rng.uniform(4.0, 4.6)),
    )


def day_weights(first_day: int, last_day: int, saturday: bool) -> np.ndarray:
    """Relative appointment volume per day in [first_day, last_day): weekday pattern, season, holidays."""
    days = np.arange(first_day, last_day)
    wd_table = is_open_weekday_table().copy()
    if saturday:
        wd_table[5] = 0.45
    w = wd_table[weekday(days)]
    months = days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64) % 12
    w = w * SEASON[months]
    years = days.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970
    hol = us_practice_holidays(int(years.min()), int(years.max()))
    w[np.isin(days, np.fromiter(hol, dtype=np.int64))] = 0.0
    return w


def _close_hour(days: np.ndarray) -> np.ndarray:
    """Closing hour by weekday: Mon-Thu 17:00, Fri 14:00, Sat 13:00."""
    return np.array([17, 17, 17, 17, 14, 13, 13])[weekday(days)]


def _start_times(rng: np.random.Generator, days: np.ndarray, dur: np.ndarray) -> np.ndarray:
    """Start times on a 10-minute grid between 08:00 and closing minus the duration."""
    close = _close_hour(days) * 60
    n_slots = np.maximum((close - 8 * 60 - dur) // 10 + 1, 1)
    k = (rng.random(len(days)) * n_slots).astype(np.int64)
    return days * DAY + 8 * HOUR + k * 600


def _lead_seconds(rng: np.random.Generator, start: np.ndarray) -> np.ndarray:
    """Booking time for a start: 6% same day, 24% 1-7 days ahead, 45% 1-6 weeks, 25% 6-17 weeks."""
    n = len(start)
    u = rng.random(n)
    lead_days = np.where(
        u < 0.06,
        0,
        np.where(
            u < 0.30,
            rng.integers(1, 8, n),
            np.where(u < 0.75, rng.integers(8, 43, n), rng.integers(43, 120, n)),
        ),
    )
    start_day = start // DAY
    tod = start - start_day * DAY
    # same day: 15 min .. 6 h before the start, not before 07:00
    same = start - (15 * MINUTE + (rng.random(n) * np.maximum(np.minimum(6 * HOUR, tod - 7 * HOUR - 15 * MINUTE), 0)).astype(np.int64))
    ahead = (start_day - lead_days) * DAY + (7.5 * HOUR + rng.random(n) * 11 * HOUR).astype(np.int64)
    return np.where(lead_days == 0, same, ahead)


def _fold_earlier(rng: np.random.Generator, t: np.ndarray) -> np.ndarray:
    """Move night-time records (before 07:00 or after 19:00) earlier, to 18:00-19:00 (keeps upper bounds)."""
    day, tod = t // DAY, t % DAY
    evening = (18 * HOUR + rng.random(len(t)) * HOUR).astype(np.int64)
    return np.where(tod < 7 * HOUR, (day - 1) * DAY + evening, np.where(tod > 19 * HOUR, day * DAY + evening, t))


def _fold_later(rng: np.random.Generator, t: np.ndarray) -> np.ndarray:
    """Move night-time records later, to 07:00-07:30 the same or next morning (keeps lower bounds)."""
    day, tod = t // DAY, t % DAY
    morning = (7 * HOUR + rng.random(len(t)) * 30 * MINUTE).astype(np.int64)
    return np.where(tod < 7 * HOUR, day * DAY + morning, np.where(tod > 19 * HOUR, (day + 1) * DAY + morning, t))


def _late_notice_time(rng: np.random.Generator, s: np.ndarray) -> np.ndarray:
    """A daytime record 30 min..24 h before a start s (s in business hours)."""
    t = s - (30 * MINUTE + rng.random(len(s)) * (DAY - 30 * MINUTE)).astype(np.int64)
    day, tod = t // DAY, t % DAY
    # before 07:00: that morning 07:00-07:30 (s is that day, >= 08:00); after 19:00: 18:00-19:00 (s is the next day)
    return np.where(
        tod < 7 * HOUR,
        day * DAY + (7 * HOUR + rng.random(len(s)) * 30 * MINUTE).astype(np.int64),
        np.where(tod > 19 * HOUR, day * DAY + (18 * HOUR + rng.random(len(s)) * HOUR).astype(np.int64), t),
    )


def simulate_location(
    loc: Location, seed: int, hist_start: int, end_day: int, effect_scale: float
) -> LocSim:
    """Simulate one location's patients, recall cycles and appointments from hist_start to the horizon."""
    rng = np.random.default_rng([seed, 2, loc.index])
    tr = traits_for(loc, seed)
    glive = go_live_day(loc)
    horizon = end_day + 200
    d0 = hist_start - 60
    w = day_weights(d0, horizon + 60, tr.saturday)
    # next open day (w > 0) for every day index, for snapping
    idx = np.arange(len(w))
    nxt = np.where(w > 0, idx, len(w) - 1)
    nxt = np.minimum.accumulate(nxt[::-1])[::-1]
    prv = np.where(w > 0, idx, 0)
    prv = np.maximum.accumulate(prv)
    wmax = w.max()

    def snap(days: np.ndarray) -> np.ndarray:
        """Move days forward to open days, thinning low-weight days (Fridays, summer, December)."""
        days = np.clip(days, d0, horizon + 59).astype(np.int64)
        done = np.zeros(len(days), dtype=bool)
        for _ in range(4):
            j = nxt[days - d0]
            days = np.where(done, days, j + d0)
            acc = rng.random(len(days)) < w[days - d0] / wmax
            done |= acc
            days = np.where(done, days, np.minimum(days + 1, horizon + 59))
        return nxt[days - d0] + d0

    # ---- patients -------------------------------------------------------------------------------
    open_days_year = 240.0
    n_recall = int(0.45 * tr.daily_slots * 0.93 * open_days_year / (2 * 0.78))
    n_other = int(0.25 * n_recall)
    n_inactive = int(0.08 * (n_recall + n_other))
    n_pat = n_recall + n_other + n_inactive
    is_new = np.zeros(n_pat, dtype=bool)
    is_new[:n_recall] = rng.random(n_recall) < 0.15
    created_day = hist_start - rng.integers(30, 3000, n_pat)
    join_day = rng.integers(hist_start, end_day, n_pat)
    created_day = np.where(is_new, join_day, created_day)
    created = created_day * DAY + (8 * HOUR + rng.random(n_pat) * 9 * HOUR).astype(np.int64)
    active = np.arange(n_pat) < n_recall + n_other
    has_recall = np.arange(n_pat) < n_recall

    # ---- recall cycles --------------------------------------------------------------------------
    rp = np.arange(n_recall)
    due = np.where(is_new[rp], join_day[rp] + rng.integers(3, 40, n_recall), hist_start + rng.integers(-150, 183, n_recall))
    prior = np.where(is_new[rp], -1, add_months(due, -6))
    due0 = due.copy()
    alive = np.ones(n_recall, dtype=bool)
    last_visit = np.full(n_recall, -1, dtype=np.int64)
    rv_pat, rv_day, rv_prev, rv_due_next = [], [], [], []
    for _cycle in range(12):
        sel = np.nonzero(alive & (due < horizon))[0]
        if len(sel) == 0:
            break
        d = due[sel]
        post = (d >= glive) if glive is not None else np.zeros(len(sel), dtype=bool)
        pc = tr.p_conv + RECALL_CONV_ABS_EFFECT * effect_scale * post
        u = rng.random(len(sel))
        conv = u < pc
        late = ~conv & (rng.random(len(sel)) < 0.7)
        lapse = ~conv & ~late
        offset = np.where(conv, np.clip(np.round(rng.normal(-3, 20, len(sel))), -55, 75), rng.integers(75, 330, len(sel)))
        vday = snap(d + offset.astype(np.int64))
        keep = ~lapse & (vday < horizon)
        alive[sel[lapse]] = False
        alive[sel[~lapse & (vday >= horizon)]] = False
        pre = keep & (vday < hist_start)  # visit before the history window: only moves the initial due date
        keep &= ~pre
        sp = sel[pre]
        due0[sp] = add_months(vday[pre], 6)
        prior[sp] = vday[pre]
        last_visit[sp] = vday[pre]
        due[sp] = due0[sp]
        s = sel[keep]
        v = vday[keep]
        nd = add_months(v, 6)
        rv_pat.append(s)
        rv_day.append(v)
        rv_prev.append(last_visit[s].copy())
        rv_due_next.append(nd)
        last_visit[s] = v
        due[s] = nd
    rv_pat_a = np.concatenate(rv_pat) if rv_pat else np.zeros(0, np.int64)
    rv_day_a = np.concatenate(rv_day) if rv_day else np.zeros(0, np.int64)
    rv_prev_a = np.concatenate(rv_prev) if rv_prev else np.zeros(0, np.int64)
    rv_due_a = np.concatenate(rv_due_next) if rv_due_next else np.zeros(0, np.int64)

    # ---- other (non-recall) visits to reach the day's volume -----------------------------------
    vis_from = hist_start
    vis_to = end_day + 60
    dd = np.arange(vis_from, vis_to)
    wd = w[dd - d0]
    recall_per_day = np.bincount(rv_day_a - vis_from, minlength=len(dd))[: len(dd)] if len(rv_day_a) else 0
    extra = 1 + tr.p_ncns + tr.p_late + tr.p_adv + tr.p_move
    target = tr.daily_slots * wd / extra
    lam = np.where(wd > 0, np.maximum(target - recall_per_day, 0.08 * target), 0.0)
    counts = rng.poisson(lam)
    ov_day = np.repeat(dd, counts)
    ov_pat = rng.integers(0, n_recall + n_other, len(ov_day))

    # ---- visits = completed appointments -------------------------------------------------------
    v_pat = np.concatenate([rv_pat_a, ov_pat]).astype(np.int64)
    v_day = np.concatenate([rv_day_a, ov_day]).astype(np.int64)
    v_recall = np.concatenate([np.ones(len(rv_pat_a), bool), np.zeros(len(ov_pat), bool)])
    v_prev = np.concatenate([rv_prev_a, np.full(len(ov_pat), -1)]).astype(np.int64)
    nv = len(v_pat)
    child = rng.random(nv) < 0.15
    v_dur = np.where(
        v_recall,
        np.where(child, 40, 60),
        rng.choice(np.array([30, 40, 60, 90]), nv, p=[0.3, 0.25, 0.3, 0.15]),
    ).astype(np.int64)
    ops = np.array(loc.operatories, dtype=np.int64)
    v_op = ops[rng.integers(0, len(ops), nv)]
    v_start = _start_times(rng, v_day, v_dur)
    v_booked = _lead_seconds(rng, v_start)
    at_prev = v_recall & (v_prev >= 0) & (rng.random(nv) < 0.55) & (v_prev < v_day - 30)
    v_booked = np.where(at_prev, v_prev * DAY + (9 * HOUR + rng.random(nv) * 8 * HOUR).astype(np.int64), v_booked)

    # ---- a failed earlier attempt (broken appointment) before some visits ------------------------
    gap = rng.integers(2, 31, nv)
    s0_day = prv[np.clip(v_day - gap - d0, 0, len(w) - 1)] + d0
    # the effect applies by the start of the slot that breaks, not of the later visit
    mult0 = 1.0 - NOSHOW_REL_EFFECT * effect_scale * ((s0_day >= glive) if glive is not None else np.zeros(nv, bool))
    pn = tr.p_ncns * mult0
    pl = tr.p_late * mult0
    pa = tr.p_adv
    u = rng.random(nv)
    cat = np.where(u < pn, 1, np.where(u < pn + pl, 2, np.where(u < pn + pl + pa, 3, 0)))
    cat = np.where(s0_day >= hist_start, cat, 0)
    f = np.nonzero(cat > 0)[0]
    fc = cat[f]
    s0 = _start_times(rng, s0_day[f], v_dur[f])
    nf = len(f)
    adv_notice = (DAY + np.minimum(rng.exponential(4 * DAY, nf), 29 * DAY)).astype(np.int64)
    b0 = np.where(
        fc == 1,
        s0 + (10 * MINUTE + rng.random(nf) * 140 * MINUTE).astype(np.int64),
        np.where(fc == 2, _late_notice_time(rng, s0), _fold_earlier(rng, s0 - adv_notice)),
    )
    f_end = np.where(fc == 1, END_MISSED, np.where(fc == 2, np.where(rng.random(nf) < 0.6, END_CANCEL, END_MISSED), END_CANCEL))
    f_booked = _fold_earlier(rng, np.minimum.reduce([v_booked[f], b0 - (HOUR + rng.random(nf) * 72 * HOUR).astype(np.int64), s0 - 30 * MINUTE]))
    # the visit is rebooked after the break
    room = np.minimum(48 * HOUR, (v_start[f] - b0) // 2)
    rebook = _fold_later(rng, b0 + (10 * MINUTE + rng.random(nf) * np.maximum(room - 10 * MINUTE, 0)).astype(np.int64))
    v_booked[f] = np.minimum(rebook, v_start[f] - HOUR)
    has_failed = np.zeros(nv, dtype=bool)
    has_failed[f] = True

    # ---- moves of the visit appointment ---------------------------------------------------------
    mv = rng.random(nv) < tr.p_move
    shift = rng.integers(1, 22, nv) * np.where(rng.random(nv) < 0.5, -1, 1)
    s1_day = nxt[np.clip(v_day + shift - d0, 0, len(w) - 1)] + d0
    s1 = _start_times(rng, s1_day, v_dur)
    u2 = rng.random(nv)
    mult1 = 1.0 - NOSHOW_REL_EFFECT * effect_scale * ((s1_day >= glive) if glive is not None else np.zeros(nv, bool))
    p_after = 0.05 * mult1
    p_lt = 0.15 * mult1
    m = np.where(
        u2 < p_after,
        s1 + (10 * MINUTE + rng.random(nv) * 110 * MINUTE).astype(np.int64),
        np.where(
            u2 < p_after + p_lt,
            _late_notice_time(rng, s1),
            _fold_earlier(rng, s1 - (DAY + 60 + np.minimum(rng.exponential(3 * DAY, nv), 24 * DAY)).astype(np.int64)),
        ),
    )
    mv &= (s1_day >= hist_start) & (s1 != v_start) & (m < v_start - 30 * MINUTE)
    mv &= ~has_failed | (m - HOUR > v_booked)
    new_booked = _fold_earlier(rng, np.minimum(v_booked, m - (HOUR + rng.random(nv) * 72 * HOUR).astype(np.int64)))
    v_booked = np.where(mv & ~has_failed, new_booked, v_booked)
    v_s1 = np.where(mv, s1, v_start)
    v_m = np.where(mv, m, -1)
    v_end_t = v_start + v_dur * MINUTE + (rng.random(nv) * 15 * MINUTE).astype(np.int64)

    # ---- procedures and fees --------------------------------------------------------------------
    fees = np.array([c[1] for c in PROC_CODES]) * tr.fee_factor
    fees = np.round(fees, 0)
    bw = v_recall & (rng.random(nv) < 0.5)
    # recall: prophy + periodic exam (+ bitewings); other: one or two non-trigger codes
    n_other_codes = np.where(v_recall, 0, np.where(rng.random(nv) < 0.3, 2, 1))
    pa_list = [np.nonzero(v_recall)[0], np.nonzero(v_recall)[0], np.nonzero(bw)[0]]
    pc_list = [
        np.where(child[v_recall], 2, 1),
        np.zeros(int(v_recall.sum()), np.int64),
        np.full(int(bw.sum()), 3),
    ]
    o1 = np.nonzero(n_other_codes >= 1)[0]
    o2 = np.nonzero(n_other_codes >= 2)[0]
    pa_list += [o1, o2]
    pc_list += [rng.choice(OTHER_CODES, len(o1), p=OTHER_CODE_P), np.full(len(o2), 10)]
    p_vis = np.concatenate(pa_list).astype(np.int64)
    p_code = np.concatenate(pc_list).astype(np.int64)
    p_fee = fees[p_code]
    v_fee = np.bincount(p_vis, weights=p_fee, minlength=nv)

    # ---- all appointments: visits + failed attempts, ordered by booking ---------------------------
    a_pat = np.concatenate([v_pat, v_pat[f]])
    a_recall = np.concatenate([v_recall, v_recall[f]])
    a_op = np.concatenate([v_op, ops[rng.integers(0, len(ops), nf)]])
    a_dur = np.concatenate([v_dur, v_dur[f]])
    a_booked = np.concatenate([v_booked, f_booked])
    a_s1 = np.concatenate([v_s1, s0])
    a_moved = np.concatenate([mv, np.zeros(nf, bool)])
    a_m = np.concatenate([v_m, np.full(nf, -1)])
    a_s2 = np.concatenate([v_start, s0])
    a_end = np.concatenate([np.full(nv, END_COMPLETE), f_end])
    a_end_t = np.concatenate([v_end_t, b0])
    a_fee = np.concatenate([v_fee, v_fee[f]])
    broken = a_end != END_COMPLETE
    unsched = broken & (rng.random(len(a_pat)) < 0.4)
    a_unsched_t = np.where(unsched, a_end_t + 60 + (rng.random(len(a_pat)) * 29 * MINUTE).astype(np.int64), -1)
    order = np.lexsort((a_s1, a_booked))
    inv = np.empty_like(order)
    inv[order] = np.arange(len(order))

    # recall record versions: initial, then one per recall visit at its completion time
    rv_n = len(rv_pat_a)
    r_pat = np.concatenate([rp, rv_pat_a])
    r_t = np.concatenate([created[:n_recall], v_end_t[:rv_n]])
    r_due = np.concatenate([due0, rv_due_a])
    r_prior = np.concatenate([prior, rv_day_a])

    # patients created before their first booking
    first_booked = np.full(n_pat, np.iinfo(np.int64).max)
    np.minimum.at(first_booked, a_pat, a_booked)
    created = np.minimum(created, first_booked - 300)
    r_t[:n_recall] = np.minimum(r_t[:n_recall], created[:n_recall])

    # contacts
    area = np.array(AREA_CODES.get(loc.timezone, [555]))
    pa_code = area[rng.integers(0, len(area), n_pat)]
    line = rng.integers(0, 10000, n_pat)
    exch = rng.integers(200, 1000, n_pat)
    style = rng.integers(0, 3, n_pat)
    phone = np.where(
        style == 0,
        np.char.add(np.char.add(np.char.add("(", pa_code.astype(str)), ") "), np.char.add(np.char.add(exch.astype(str), "-"), np.char.zfill(line.astype(str), 4))),
        np.where(
            style == 1,
            np.char.add(np.char.add(pa_code.astype(str), "-"), np.char.add(np.char.add(exch.astype(str), "-"), np.char.zfill(line.astype(str), 4))),
            np.char.add(np.char.add(pa_code.astype(str), "."), np.char.add(np.char.add(exch.astype(str), "."), np.char.zfill(line.astype(str), 4))),
        ),
    )
    phone = np.where(rng.random(n_pat) < 0.08, "", phone)
    first = rng.integers(0, len(FIRST_NAMES), n_pat)
    last = rng.integers(0, len(LAST_NAMES), n_pat)
    email = np.char.add(
        np.char.add(np.char.add(np.char.lower(FIRST_NAMES[first]), "."), np.char.lower(LAST_NAMES[last])),
        np.char.add(np.arange(n_pat).astype(str), "@example.com"),
    )
    email = np.where(rng.random(n_pat) < 0.3, "", email)
    birth = hist_start - rng.integers(4 * 365, 88 * 365, n_pat)
    txt_ok = rng.random(n_pat) < 0.93

    return LocSim(
        traits=tr,
        pat_created=created,
        pat_active=active,
        pat_recall=has_recall,
        pat_birth=birth,
        pat_first=first,
        pat_last=last,
        pat_phone=phone,
        pat_email=email,
        pat_txt_ok=txt_ok,
        a_pat=a_pat[order],
        a_recall=a_recall[order],
        a_op=a_op[order],
        a_dur=a_dur[order],
        a_booked=a_booked[order],
        a_s1=a_s1[order],
        a_moved=a_moved[order],
        a_m=a_m[order],
        a_s2=a_s2[order],
        a_end=a_end[order],
        a_end_t=a_end_t[order],
        a_unsched_t=a_unsched_t[order],
        a_fee=a_fee[order],
        p_appt=inv[p_vis],
        p_code=p_code,
        p_fee=p_fee,
        r_pat=r_pat,
        r_t=r_t,
        r_due=r_due,
        r_prior=r_prior,
    )
