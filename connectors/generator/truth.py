"""Ground truth of the patient response rate on the metric's scale (answered / attempted outreach, 72-hour rule).

Truth output only: nothing here changes the drop. Every quantity is an *expectation over the reply draws*
given the generator's own outreach schedule — the platform's outbound messages as written to comms/, and
the Open Dental eConfirmation schedule recomputed from the same random stream `vendors._od_sms` uses (its
first two draws, send time and the 90% selection, are made for every appointment before any cut, so the
schedule with and without the go-live stop is the same sequence of draws). No new random draws.

An attempt j of patient P sent at t_j is answered (metrics.md §2) when an inbound message of P arrives in
(t_j, t_j + 72 h] (an in_reply_to reply of j always does: replies come at most 30 h after the message). Each
message k of P is replied to independently with probability q_k, its reply time uniform on
[t_k + lo, t_k + hi) and dropped when at or after `cap` (the as-of time; for the observed eConfirmation
feed also the go-live), so

    P(j answered) = 1 - prod_k (1 - q_k * overlap(k, j)),
    overlap(k, j) = |[t_k + lo, min(t_k + hi, cap)) ∩ (t_j, t_j + 72 h]| / (hi - lo).

docs/roi.md "patient_response_rate truth" explains how these per-attempt probabilities become the ATT.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from connectors.generator.calendar import DAY, day_num
from connectors.generator.plan import Location
from connectors.generator.simulate import RESPONSE_REL_EFFECT, LocSim

HOUR = 3600
WINDOW = 72 * HOUR  # metrics.md §2: an inbound within 72 hours after the attempt answers it
# Reply delays of the generator: platform `_u(3 min, 30 h)`; eConfirmation `180 s + U * 30 h`.
PLATFORM_DELAY = (180, 30 * HOUR)
ECONFIRM_DELAY = (180, 180 + 30 * HOUR)
CHANNEL_FACTOR = {"sms": 1.0, "email": 0.4, "voice": 0.5}  # platform.comms: p_chan
ECONFIRM_DELIVERED = 0.95  # vendors._od_sms: SmsStatus 2 (delivered) with probability 0.95
ATTEMPT_CAMPAIGNS = ("reminder", "confirmation", "recall")


def answered_probability(pat: np.ndarray, t: np.ndarray, q: np.ndarray, delay: tuple[int, int], cap: np.ndarray | int) -> np.ndarray:
    """P(attempt answered under the 72-hour rule) per attempt; pat, t, q per message, sorted by (pat, t)."""
    n = len(t)
    lo, hi = delay
    cap = np.broadcast_to(np.asarray(cap, dtype=np.int64), (n,))
    log_none = np.zeros(n)
    # Lags d = 0, 1, -1, 2, -2, ...: message k = j + d of the same patient; within a patient times are sorted,
    # so once no pair of a lag can overlap, no larger lag in that direction can.
    for sign in (1, -1):
        d = 0 if sign == 1 else 1
        while d < n:
            j = np.arange(max(0, -sign * d), min(n, n - sign * d))
            k = j + sign * d
            same = pat[k] == pat[j]
            a = np.maximum(t[k] + lo, t[j])
            b = np.minimum(np.minimum(t[k] + hi, cap[k]), t[j] + WINDOW)
            ov = np.where(same, np.clip(b - a, 0, None) / (hi - lo), 0.0)
            # reachable: the reply window of k can still meet (t_j, t_j + 72 h]
            reach = same & ((t[k] - t[j] < WINDOW - lo) if sign == 1 else (t[j] - t[k] < hi))
            log_none[j] += np.log1p(-np.minimum(q[k] * ov, 1.0))
            if not reach.any():
                break
            d += 1
    return 1.0 - np.exp(log_none)


def _weekly(loc_id: str, t: np.ndarray, p_ans: np.ndarray, feed: str) -> pl.DataFrame:
    """Expected answered and attempts per (location, Monday week, feed)."""
    day = t // DAY
    week = day - (day + 3) % 7  # Monday of the local sent date (1970-01-01 was a Thursday)
    return (
        pl.DataFrame({"week": week, "p": p_ans})
        .group_by("week")
        .agg(pl.len().alias("attempts"), pl.col("p").sum().alias("answered"))
        .with_columns(pl.lit(loc_id).alias("location_id"), pl.lit(feed).alias("feed"))
    )


def _econfirm_schedule(loc: Location, sim: LocSim, asof: int) -> tuple[np.ndarray, np.ndarray]:
    """(appointments sent to, send time per appointment) of the eConfirmations up to the as-of time, no go-live stop."""
    rng = np.random.default_rng([loc.index, 78])  # the stream of vendors._od_sms, same draws in the same order
    start = sim.a_s2
    sent = (start // DAY - 2) * DAY + (10 * 3600 + rng.random(len(start)) * 6 * 3600).astype(np.int64)
    selected = rng.random(len(start)) < 0.9
    textable = (sim.pat_phone[sim.a_pat] != "") & sim.pat_txt_ok[sim.a_pat]
    closed = np.where(sim.a_end != 1, sim.a_end_t, start)
    ok = textable & (sent > sim.a_booked) & (sent < closed) & (sent < asof) & selected
    ok &= ~sim.a_moved | (sent > sim.a_m)
    return np.nonzero(ok)[0], sent


def response_truth(loc: Location, sim: LocSim, messages: pl.DataFrame | None, asof: int, effect_scale: float) -> pl.DataFrame:
    """Expected answered / attempts per week of one location: feeds 'platform', 'econfirm_cf', 'econfirm_observed'.

    * platform: the platform's attempts as written to comms/ (from go-live), replies with the platform's
      reply probability; only for live locations.
    * econfirm_cf: the eConfirmation attempts the clinic would have sent with no platform (no go-live stop),
      over the whole history: the counterfactual of the DiD's estimand; only for eConfirmation clinics.
    * econfirm_observed: the same attempts before go-live (their replies kept after it), as the drop records them.
    """
    frames = []
    p_resp = sim.traits.p_resp
    if loc.econfirm:
        idx, sent = _econfirm_schedule(loc, sim, asof)
        pat, t = sim.a_pat[idx], sent[idx]
        o = np.lexsort((t, pat))
        pat, t = pat[o], t[o]
        q = np.full(len(t), ECONFIRM_DELIVERED * p_resp)
        frames.append(_weekly(loc.location_id, t, answered_probability(pat, t, q, ECONFIRM_DELAY, asof), "econfirm_cf"))
        stop = min(day_num(loc.go_live_date) * DAY, asof) if loc.go_live_date else asof
        pre = t < stop
        # replies to pre-live reminders are kept after go-live (vendors._od_sms), so only the attempts stop there
        p_obs = answered_probability(pat[pre], t[pre], q[pre], ECONFIRM_DELAY, asof)
        frames.append(_weekly(loc.location_id, t[pre], p_obs, "econfirm_observed"))
    if messages is not None and messages.height:
        out = messages.filter(
            (pl.col("direction") == "outbound") & pl.col("campaign").is_in(ATTEMPT_CAMPAIGNS) & (pl.col("delivery_status") != "queued")
        ).select(
            pl.col("pms_patient_id").cast(pl.Int64).alias("pat"),
            # local wall-clock part of the ISO timestamp = the generator's local-epoch seconds
            pl.col("sent_at").str.slice(0, 19).str.to_datetime("%Y-%m-%dT%H:%M:%S", time_unit="ms").dt.epoch("s").alias("t"),
            pl.col("channel").replace_strict(CHANNEL_FACTOR, return_dtype=pl.Float64).alias("chan"),
            (pl.col("delivery_status") == "delivered").alias("delivered"),
        ).sort("pat", "t")
        p_plat = min(p_resp * (1 + RESPONSE_REL_EFFECT * effect_scale), 0.95)  # platform.comms
        q = np.where(out["delivered"].to_numpy(), p_plat * out["chan"].to_numpy(), 0.0)
        t = out["t"].to_numpy().astype(np.int64)
        p_ans = answered_probability(out["pat"].to_numpy(), t, q, PLATFORM_DELAY, asof)
        frames.append(_weekly(loc.location_id, t, p_ans, "platform"))
    schema = {"week": pl.Int64, "attempts": pl.UInt32, "answered": pl.Float64, "location_id": pl.String, "feed": pl.String}
    return pl.concat([f.cast(schema) for f in frames]) if frames else pl.DataFrame(schema=schema)


def response_att(weekly: pl.DataFrame, locations: list[Location], asof_day: int) -> dict:
    """The DiD estimand of patient_response_rate: platform minus eConfirmation counterfactual, as the ATT averages.

    Cells (g, t): g = go-live week, t = every complete panel week from g on. A cell counts when some
    eConfirmation clinic of g has attempts in t and in g - 1 (treated observed at t and the base period) and
    some eConfirmation clinic not yet live at t has attempts in t and g - 1 (a not-yet-treated control);
    its truth is the pooled expected platform share of g's eConfirmation clinics in t minus their pooled
    counterfactual eConfirmation share in t. Cells are averaged with weight = number of locations whose
    go-live week is g (did::aggte "simple": group shares by location count), overall and per wave.
    """
    last_week = asof_day - 7 - (asof_day - 7 + 3) % 7  # last Monday whose week ends by the as-of date
    glw = {l.location_id: day_num(l.go_live_date) for l in locations if l.go_live_date}
    # a go-live after the panel = not yet treated (as did.py)
    treated = {i: g for i, g in glw.items() if g <= last_week}
    econ = {l.location_id for l in locations if l.econfirm}
    n_by_group: dict[int, int] = {}
    wave_by_group: dict[int, int] = {}
    for l in locations:
        if l.location_id in treated:
            g = treated[l.location_id]
            n_by_group[g] = n_by_group.get(g, 0) + 1
            wave_by_group[g] = min(wave_by_group.get(g, 99), l.wave or 99)
    if weekly.height == 0 or not n_by_group:
        return {"overall": None, "by_wave": {}, "n_cells": 0, "did_limit_on_recorded_data": None,
                "did_limit_on_recorded_data_by_wave": {}}
    wk = weekly.filter(pl.col("attempts") > 0)

    def sums(feed: str) -> dict[tuple[str, int], tuple[int, float]]:
        f = wk.filter(pl.col("feed") == feed)
        return {(r[0], r[1]): (r[2], r[3]) for r in f.select("location_id", "week", "attempts", "answered").iter_rows()}

    plat, cf, obs = sums("platform"), sums("econfirm_cf"), sums("econfirm_observed")
    cells = []
    for g in sorted(n_by_group):
        members = [i for i, gi in treated.items() if gi == g and i in econ]
        for t in range(g, last_week + 1, 7):
            tr = [i for i in members if (i, t) in plat and (i, g - 7) in obs]
            ctrl = [i for i in econ if (i not in treated or treated[i] > t) and (i, t) in obs and (i, g - 7) in obs]
            if not tr or not ctrl:
                continue
            a_p = sum(plat[(i, t)][0] for i in tr)
            e_p = sum(plat[(i, t)][1] for i in tr)
            a_c = sum(cf[(i, t)][0] for i in tr if (i, t) in cf)
            e_c = sum(cf[(i, t)][1] for i in tr if (i, t) in cf)
            if a_c == 0:
                continue

            def pooled(src: dict, ids: list[str], week: int) -> float:
                return sum(src[(i, week)][1] for i in ids) / sum(src[(i, week)][0] for i in ids)

            # What the DiD cell converges to on the recorded data: the four pooled means of its formula, with
            # the eConfirmation feed as the drop records it (diagnostic: it equals the truth unless the recorded
            # base week drifts from the counterfactual, as it did when replies were cut at go-live).
            did = (e_p / a_p - pooled(obs, tr, g - 7)) - (pooled(obs, ctrl, t) - pooled(obs, ctrl, g - 7))
            cells.append((g, t, n_by_group[g], e_p / a_p - e_c / a_c, did))

    def avg(cs: list[tuple], k: int = 3) -> float | None:
        w = sum(c[2] for c in cs)
        return round(sum(c[2] * c[k] for c in cs) / w, 5) if w else None

    waves = sorted({wave_by_group[c[0]] for c in cells})
    return {
        "overall": avg(cells),
        "by_wave": {str(w): avg([c for c in cells if wave_by_group[c[0]] == w]) for w in waves},
        "n_cells": len(cells),
        "did_limit_on_recorded_data": avg(cells, 4),
        "did_limit_on_recorded_data_by_wave": {str(w): avg([c for c in cells if wave_by_group[c[0]] == w], 4) for w in waves},
    }


def response_location_summary(weekly: pl.DataFrame, loc: Location) -> dict:
    """Per location: expected shares per attempt, platform post-live, eConfirmation counterfactual, observed pre."""
    if weekly.height == 0:
        return {}
    g = day_num(loc.go_live_date) if loc.go_live_date else None

    def share(feed: str, cond: pl.Expr) -> float | None:
        f = weekly.filter((pl.col("feed") == feed) & cond)
        a = f["attempts"].sum()
        return round(float(f["answered"].sum()) / a, 5) if a else None

    always = pl.lit(True)
    res = {"econfirm": loc.econfirm}
    if g is not None:
        post, pre90 = pl.col("week") >= g - (g + 3) % 7, (pl.col("week") >= g - 91) & (pl.col("week") < g)
        res.update(
            platform_post=share("platform", always),
            econfirm_cf_post=share("econfirm_cf", post),
            econfirm_cf_pre_90d=share("econfirm_cf", pre90),
            econfirm_observed_pre_90d=share("econfirm_observed", pre90),
            econfirm_observed_pre=share("econfirm_observed", always),
            econfirm_observed_attempts=int(weekly.filter(pl.col("feed") == "econfirm_observed")["attempts"].sum()),
            platform_attempts=int(weekly.filter(pl.col("feed") == "platform")["attempts"].sum()),
            econfirm_observed_base_week=share("econfirm_observed", pl.col("week") == g - 7),
            econfirm_cf_base_week=share("econfirm_cf", pl.col("week") == g - 7),
        )
    return res
