"""Turn a simulated location into vendor-native PMS tables (Open Dental, Eaglesoft, Dentrix), bucketed by extract.

Every returned DataFrame carries `_k`: the index of the extract that holds the row (0 = the initial full
extract). Current-state tables hold one row per (key, extract) with the state at that extract's date 00:00;
log tables hold each log row once, in the first extract after it was written.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from connectors.generator.calendar import DAY
from connectors.generator.lifecycle import (
    EV_BOOK,
    EV_CANCEL,
    EV_COMPLETE,
    EV_MISSED,
    EV_MOVE,
    EV_UNSCHED,
    Events,
)
from connectors.generator.output import bucket, columns, date_str, dt, last_per_key
from connectors.generator.plan import Location
from connectors.generator.simulate import (
    CODE_CANCELLED,
    CODE_MISSED,
    FIRST_NAMES,
    LAST_NAMES,
    PROC_CODES,
    LocSim,
)


class Ids:
    """Running key counters of one PMS database (keys are unique per source)."""

    def __init__(self) -> None:
        """All counters start at 0 (first key = 1)."""
        self.n: dict[str, int] = {}

    def take(self, name: str, count: int) -> int:
        """Reserve `count` keys; returns the offset (keys are offset+1 .. offset+count)."""
        off = self.n.get(name, 0)
        self.n[name] = off + count
        return off


def _keys(off: int, idx: np.ndarray) -> pl.Series:
    """Integer keys offset+1+idx as strings."""
    return pl.Series(np.asarray(idx, dtype=np.int64) + off + 1).cast(pl.String)


def _null_unless(values: np.ndarray, mask: np.ndarray) -> pl.Series:
    """values where mask, else NULL."""
    s = pl.Series("v", values)
    return pl.select(pl.when(pl.Series(mask)).then(s).otherwise(None)).to_series()


def _visible(t: np.ndarray, ex: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(mask of rows recorded before the last extract, their extract index)."""
    k = bucket(t, ex)
    return k < len(ex), k


def _pattern(dur_min: np.ndarray) -> pl.Series:
    """Open Dental Pattern: one character per 5 minutes ('/' = hygienist-only edges, 'X' = provider)."""
    n = np.asarray(dur_min) // 5
    return pl.Series([("/" + "X" * (int(x) - 2) + "/") if x >= 3 else "X" * int(x) for x in n])


def _pattern_lookup(dur: np.ndarray) -> pl.Series:
    """Pattern strings via a small lookup (durations come from a handful of values)."""
    uniq, inv = np.unique(dur, return_inverse=True)
    pats = _pattern(uniq)
    return pats.gather(inv) if len(dur) else pl.Series([], dtype=pl.String)


# ---------------------------------------------------------------------------------------------
# Open Dental
# ---------------------------------------------------------------------------------------------
OD_STATUS = {EV_BOOK: 1, EV_MOVE: 1, EV_COMPLETE: 2, EV_MISSED: 5, EV_CANCEL: 5, EV_UNSCHED: 3}
OD_ACTION = {EV_BOOK: 0, EV_MOVE: 1, EV_COMPLETE: 1, EV_MISSED: 2, EV_CANCEL: 3, EV_UNSCHED: 1}
OD_DEFS = [  # (DefNum, Category, ItemName): 2 = appointment confirmation, 13 = recall/unsched status
    (19, 2, "Not Called"),
    (20, 2, "Unconfirmed"),
    (21, 2, "Appointment Confirmed"),
    (22, 2, "Left Message"),
    (45, 13, "Left Message"),
    (46, 13, "Scheduled"),
    (47, 13, "Not Interested"),
]
OD_RECALLTYPES = [(1, "Prophy", 393216), (2, "Child Prophy", 393216), (3, "Perio", 196608), (4, "4BW", 16777216)]


def _lut(table: dict[int, int], kinds: np.ndarray) -> np.ndarray:
    """Map event kinds through a small dict."""
    lut = np.zeros(max(table) + 1, dtype=np.int64)
    for k, v in table.items():
        lut[k] = v
    return lut[kinds]


def opendental(loc: Location, sim: LocSim, ev: Events, ids: Ids, ex: np.ndarray, asof: int) -> dict[str, pl.DataFrame]:
    """Open Dental tables of one clinic."""
    clinic = str(loc.local_key)
    n_pat = len(sim.pat_created)
    pat_off = ids.take("PatNum", n_pat)
    apt_off = ids.take("AptNum", len(sim.a_pat))
    out: dict[str, pl.DataFrame] = {}
    rng = np.random.default_rng([loc.index, 77])

    # histappointment: every event, a copy of the appointment right after it
    vis, k = _visible(ev.t, ex)
    h = np.nonzero(vis)[0]
    hist_off = ids.take("HistApptNum", len(h))
    a = ev.a[h]
    out["histappointment"] = pl.DataFrame(
        {
            "HistApptNum": _keys(hist_off, np.arange(len(h))),
            "HistDateTStamp": dt(ev.t[h]),
            "HistApptAction": _lut(OD_ACTION, ev.kind[h]),
            "AptNum": _keys(apt_off, a),
            "PatNum": _keys(pat_off, sim.a_pat[a]),
            "AptStatus": _lut(OD_STATUS, ev.kind[h]),
            "AptDateTime": dt(ev.start[h]),
            "ClinicNum": clinic,
            "Pattern": _pattern_lookup(sim.a_dur[a]),
            "_k": k[h],
        }
    )
    # appointment: state at each extract that follows a change
    last = last_per_key(ev.a[h], k[h], ev.t[h])
    r = h[last]
    a = ev.a[r]
    status = _lut(OD_STATUS, ev.kind[r])
    confirmed = np.where(status == 2, 21, rng.choice(np.array([19, 20, 21, 22]), len(r), p=[0.2, 0.35, 0.3, 0.15]))
    out["appointment"] = pl.DataFrame(
        {
            "AptNum": _keys(apt_off, a),
            "PatNum": _keys(pat_off, sim.a_pat[a]),
            "AptStatus": status,
            "AptDateTime": dt(ev.start[r]),
            "Pattern": _pattern_lookup(sim.a_dur[a]),
            "ClinicNum": clinic,
            "DateTStamp": dt(ev.t[r]),
            "SecDateTEntry": dt(sim.a_booked[a]),
            "Confirmed": confirmed.astype(str),
            "_k": k[r],
        }
    )
    # procedurelog: procedures set complete at the visit; D9986/D9987 charted when breaking
    pt = sim.a_end_t[sim.p_appt]
    pv, pk = _visible(pt, ex)
    p = np.nonzero(pv)[0]
    brk = np.nonzero((sim.a_end != 1) & (bucket(sim.a_end_t, ex) < len(ex)))[0]
    n_proc = len(p) + len(brk)
    proc_off = ids.take("ProcNum", n_proc)
    code = np.concatenate([sim.p_code[p], np.where(sim.a_end[brk] == 2, CODE_MISSED, CODE_CANCELLED)])
    appt = np.concatenate([sim.p_appt[p], brk])
    t = np.concatenate([pt[p], sim.a_end_t[brk]])
    apt_key = np.concatenate([sim.p_appt[p] + apt_off + 1, np.zeros(len(brk), dtype=np.int64)])
    fee = np.concatenate([sim.p_fee[p], np.zeros(len(brk))])
    order = np.argsort(t, kind="stable")
    out["procedurelog"] = pl.DataFrame(
        {
            "ProcNum": _keys(proc_off, np.arange(n_proc)),
            "PatNum": _keys(pat_off, sim.a_pat[appt[order]]),
            "AptNum": pl.Series(apt_key[order]).cast(pl.String),
            "ProcDate": date_str(t[order] // DAY),
            "ProcStatus": np.full(n_proc, 2),
            "CodeNum": pl.Series(code[order] + 1).cast(pl.String),
            "ClinicNum": clinic,
            "ProcFee": fee[order],
            "UnitQty": np.ones(n_proc, dtype=np.int64),
            "DateTStamp": dt(t[order]),
            "_k": bucket(t[order], ex),
        }
    )
    # patient: appears in the extract after its creation
    pv, pk = _visible(sim.pat_created, ex)
    pp = np.nonzero(pv)[0]
    out["patient"] = pl.DataFrame(
        {
            "PatNum": _keys(pat_off, pp),
            "PatStatus": np.where(sim.pat_active[pp], 0, 2),
            "ClinicNum": clinic,
            "LName": LAST_NAMES[sim.pat_last[pp]],
            "FName": FIRST_NAMES[sim.pat_first[pp]],
            "Birthdate": date_str(sim.pat_birth[pp]),
            "WirelessPhone": pl.Series(sim.pat_phone[pp]).replace("", None),
            "Email": pl.Series(sim.pat_email[pp]).replace("", None),
            "TxtMsgOk": np.where(sim.pat_txt_ok[pp], 1, 2),
            "DateTStamp": dt(sim.pat_created[pp]),
            "_k": pk[pp],
        }
    )
    # recall: one row per patient, a new version whenever the due date moves
    rv, rk = _visible(sim.r_t, ex)
    ri = np.nonzero(rv)[0]
    last = ri[last_per_key(sim.r_pat[ri], rk[ri], sim.r_t[ri])]
    rec_off = ids.take("RecallNum", int(sim.pat_recall.sum()))
    out["recall"] = pl.DataFrame(
        {
            "RecallNum": _keys(rec_off, sim.r_pat[last]),
            "PatNum": _keys(pat_off, sim.r_pat[last]),
            "RecallTypeNum": "1",
            "DateDue": date_str(sim.r_due[last]),
            "DateDueCalc": date_str(sim.r_due[last]),
            "IsDisabled": np.zeros(len(last), dtype=np.int64),
            "DateTStamp": dt(sim.r_t[last]),
            "RecallInterval": np.full(len(last), 393216),
            "_k": rk[last],
        }
    )
    out.update(_od_sms(loc, sim, ids, ex, asof, pat_off))
    return out


def _od_sms(loc: Location, sim: LocSim, ids: Ids, ex: np.ndarray, asof: int, pat_off: int) -> dict[str, pl.DataFrame]:
    """Pre-live eConfirmation reminders (smstomobile) and replies (smsfrommobile) at clinics using them."""
    empty = {
        "smstomobile": pl.DataFrame(schema={c: pl.String for c in columns("opendental", "smstomobile")} | {"_k": pl.Int64}),
        "smsfrommobile": pl.DataFrame(schema={c: pl.String for c in columns("opendental", "smsfrommobile")} | {"_k": pl.Int64}),
    }
    if not loc.econfirm:
        return empty
    rng = np.random.default_rng([loc.index, 78])
    stop = int(loc.go_live_date.toordinal() - 719163) * DAY if loc.go_live_date else asof  # day number * DAY
    start = sim.a_s2
    sent = (start // DAY - 2) * DAY + (10 * 3600 + rng.random(len(start)) * 6 * 3600).astype(np.int64)
    textable = (sim.pat_phone[sim.a_pat] != "") & sim.pat_txt_ok[sim.a_pat]
    closed = np.where(sim.a_end != 1, sim.a_end_t, start)
    ok = textable & (sent > sim.a_booked) & (sent < closed) & (sent < min(stop, asof)) & (rng.random(len(start)) < 0.9)
    ok &= ~sim.a_moved | (sent > sim.a_m)
    s = np.nonzero(ok)[0]
    status = rng.choice(np.array([2, 3, 4]), len(s), p=[0.95, 0.03, 0.02])
    k = bucket(sent[s], ex)
    off = ids.take("SmsToMobileNum", len(s))
    to = pl.DataFrame(
        {
            "SmsToMobileNum": _keys(off, np.arange(len(s))),
            "PatNum": _keys(pat_off, sim.a_pat[s]),
            "ClinicNum": str(loc.local_key),
            "MsgType": np.full(len(s), 3),
            "SmsStatus": status,
            "DateTimeSent": dt(sent[s]),
            "_k": k,
        }
    )
    reply = (status == 2) & (rng.random(len(s)) < sim.traits.p_resp)
    rt = sent[s] + (180 + rng.random(len(s)) * 30 * 3600).astype(np.int64)
    # a reply to a reminder sent before go-live still reaches the PMS after go-live (cutting it at go-live biased the
    # last pre-live week, the DiD's base period, low: docs/roi.md)
    reply &= rt < asof
    r = np.nonzero(reply)[0]
    off2 = ids.take("SmsFromMobileNum", len(r))
    fr = pl.DataFrame(
        {
            "SmsFromMobileNum": _keys(off2, np.arange(len(r))),
            "PatNum": _keys(pat_off, sim.a_pat[s[r]]),
            "ClinicNum": str(loc.local_key),
            "DateTimeReceived": dt(rt[r]),
            "_k": bucket(rt[r], ex),
        }
    )
    return {"smstomobile": to, "smsfrommobile": fr}


def opendental_static(locs: list[Location]) -> dict[str, pl.DataFrame]:
    """Open Dental code and setup tables (full extract only)."""
    return {
        "procedurecode": pl.DataFrame({"CodeNum": [str(i + 1) for i in range(len(PROC_CODES))], "ProcCode": [c[0] for c in PROC_CODES]}),
        "recalltype": pl.DataFrame(
            {"RecallTypeNum": [str(r[0]) for r in OD_RECALLTYPES], "Description": [r[1] for r in OD_RECALLTYPES], "DefaultInterval": [r[2] for r in OD_RECALLTYPES]}
        ),
        "definition": pl.DataFrame({"DefNum": [str(d[0]) for d in OD_DEFS], "Category": [d[1] for d in OD_DEFS], "ItemName": [d[2] for d in OD_DEFS]}),
        "clinic": pl.DataFrame({"ClinicNum": [str(l.local_key) for l in locs], "Description": [l.location_name for l in locs]}),
    }


# ---------------------------------------------------------------------------------------------
# Eaglesoft
# ---------------------------------------------------------------------------------------------
ES_LOG = {EV_BOOK: "A", EV_MOVE: "R", EV_MISSED: "F", EV_CANCEL: "C"}


def eaglesoft(loc: Location, sim: LocSim, ev: Events, ids: Ids, ex: np.ndarray, asof: int) -> dict[str, pl.DataFrame]:
    """Eaglesoft tables of one practice."""
    practice = str(loc.local_key)
    pat_off = ids.take("patient_id", len(sim.pat_created))
    apt_off = ids.take("appointment_id", len(sim.a_pat))
    out: dict[str, pl.DataFrame] = {}
    rng = np.random.default_rng([loc.index, 79])
    vis, k = _visible(ev.t, ex)

    # appt_log: A/R/F/C rows; original_start_time = start before the action (A: at creation)
    lg = np.nonzero(vis & np.isin(ev.kind, list(ES_LOG)))[0]
    a = ev.a[lg]
    action = np.array(["A", "R", "", "F", "C", ""])[ev.kind[lg]]
    users = np.array(["FD1", "FD2", "OM1", "HYG1"])
    out["appt_log"] = pl.DataFrame(
        {
            "appt_id": _keys(apt_off, a),
            "patient_id": _keys(pat_off, sim.a_pat[a]),
            "appt_log_action": action,
            "log_time": dt(ev.t[lg]),
            "original_start_time": dt(ev.prev_start[lg]),
            "user_id": users[rng.integers(0, len(users), len(lg))],
            "location_id": sim.a_op[a],
            "_k": k[lg],
        }
    )
    # appointment: current state; failed/cancelled appointments are deleted from the table
    h = np.nonzero(vis & (ev.kind != EV_UNSCHED))[0]
    last = h[last_per_key(ev.a[h], k[h], ev.t[h])]
    last = last[~np.isin(ev.kind[last], [EV_MISSED, EV_CANCEL])]
    a = ev.a[last]
    done = ev.kind[last] == EV_COMPLETE
    out["appointment"] = pl.DataFrame(
        {
            "appointment_id": _keys(apt_off, a),
            "patient_id": _keys(pat_off, sim.a_pat[a]),
            "start_time": dt(ev.start[last]),
            "end_time": dt(ev.start[last] + sim.a_dur[a] * 60),
            "location_id": sim.a_op[a],
            "classification": np.ones(len(last), dtype=np.int64),
            "date_appointed": dt(sim.a_booked[a]),
            "arrival_status": np.where(done, 4, 0),
            "recall_id": _null_unless(np.full(len(a), "1"), sim.a_recall[a]),
            "confirmation_status": np.where(done, 1, rng.choice(np.array([0, 1, 2, 3]), len(last), p=[0.4, 0.35, 0.1, 0.15])),
            "dollars_scheduled": np.round(sim.a_fee[a], 2),
            "_k": k[last],
        }
    )
    pv, pk = _visible(sim.pat_created, ex)
    pp = np.nonzero(pv)[0]
    out["patient"] = pl.DataFrame(
        {
            "patient_id": _keys(pat_off, pp),
            "status": np.where(sim.pat_active[pp], "A", "I"),
            "patient_status": "Y",
            "practice_id": practice,
            "first_name": FIRST_NAMES[sim.pat_first[pp]],
            "last_name": LAST_NAMES[sim.pat_last[pp]],
            "birth_date": date_str(sim.pat_birth[pp]),
            "cell_phone": pl.Series(sim.pat_phone[pp]).replace("", None),
            "email_address": pl.Series(sim.pat_email[pp]).replace("", None),
            "receives_sms": np.where(sim.pat_txt_ok[pp], "Y", "N"),
            "recall_frequency": _null_unless(np.full(len(pp), 6), sim.pat_recall[pp]),
            "_k": pk[pp],
        }
    )
    rv, rk = _visible(sim.r_t, ex)
    ri = np.nonzero(rv)[0]
    last = ri[last_per_key(sim.r_pat[ri], rk[ri], sim.r_t[ri])]
    out["patient_recalls"] = pl.DataFrame(
        {
            "patient_id": _keys(pat_off, sim.r_pat[last]),
            "recall_id": "1",
            "next_recall_date": date_str(sim.r_due[last]),
            "last_recall_date": date_str(sim.r_prior[last]),
            "_k": rk[last],
        }
    )
    return out


def eaglesoft_static(locs: list[Location]) -> dict[str, pl.DataFrame]:
    """Eaglesoft chairs and recall types (full extract only)."""
    chairs = [(str(op), str(l.local_key)) for l in locs for op in l.operatories]
    return {
        "chairs": pl.DataFrame({"chair_num": [c[0] for c in chairs], "practice_id": [c[1] for c in chairs]}),
        "recalls": pl.DataFrame({"recall_id": ["1", "2"], "description": ["Prophy", "Perio Maintenance"]}),
    }


# ---------------------------------------------------------------------------------------------
# Dentrix G-series
# ---------------------------------------------------------------------------------------------
DX_STATUS_CODES = [("-106", "<COMPLETE>"), ("0", "<none>"), ("1", "FIRM"), ("2", "Left Message"), ("3", "Confirmed")]


def dentrix(loc: Location, sim: LocSim, ev: Events, ids: Ids, ex: np.ndarray, asof: int) -> dict[str, pl.DataFrame]:
    """Dentrix tables of one location (a database of its own or shared by operatory)."""
    pat_off = ids.take("patient_id", len(sim.pat_created))
    apt_off = ids.take("appointment_id", len(sim.a_pat))
    out: dict[str, pl.DataFrame] = {}
    vis, k = _visible(ev.t, ex)
    h = np.nonzero(vis & (ev.kind != EV_UNSCHED))[0]
    a = ev.a[h]
    status = np.where(ev.kind[h] == EV_COMPLETE, "-106", "0")
    broken = np.isin(ev.kind[h], [EV_MISSED, EV_CANCEL]).astype(np.int64)
    start = ev.start[h]
    out["appthist"] = pl.DataFrame(
        {
            "parentapptid": _keys(apt_off, a),
            "deletedflag": np.zeros(len(h), dtype=np.int64),
            "createflag": (ev.kind[h] == EV_BOOK).astype(np.int64),
            "createddate": dt(sim.a_booked[a]),
            "modifieddate": date_str(ev.t[h] // DAY),
            "modifiedtime": dt(ev.t[h], "%H:%M:%S"),
            "apptdate": date_str(start // DAY),
            "timehr": (start % DAY) // 3600,
            "timemin": (start % 3600) // 60,
            "status": status,
            "patid": _keys(pat_off, sim.a_pat[a]),
            "broken": broken,
            "opid": sim.a_op[a].astype(str),
            "_k": k[h],
        }
    )
    last = last_per_key(ev.a[h], k[h], ev.t[h])
    r = h[last]
    a = ev.a[r]
    start = ev.start[r]
    out["v_appt"] = pl.DataFrame(
        {
            "appointment_id": _keys(apt_off, a),
            "patient_id": _keys(pat_off, sim.a_pat[a]),
            "appointment_date": date_str(start // DAY),
            "start_hour": (start % DAY) // 3600,
            "start_minute": (start % 3600) // 60,
            "status_id": np.where(ev.kind[r] == EV_COMPLETE, "-106", "0"),
            "operatory_id": sim.a_op[a].astype(str),
            "broken": np.isin(ev.kind[r], [EV_MISSED, EV_CANCEL]).astype(np.int64),
            "modified_time_stamp": dt(ev.t[r]),
            "length": sim.a_dur[a],
            "amount": np.round(sim.a_fee[a], 2),
            "_k": k[r],
        }
    )
    pv, pk = _visible(sim.pat_created, ex)
    pp = np.nonzero(pv)[0]
    out["v_patient"] = pl.DataFrame(
        {
            "patient_id": _keys(pat_off, pp),
            "status": np.where(sim.pat_active[pp], 1, 3),
            "first_name": FIRST_NAMES[sim.pat_first[pp]],
            "last_name": LAST_NAMES[sim.pat_last[pp]],
            "birth_date": date_str(sim.pat_birth[pp]),
            "mobile_phone": pl.Series(sim.pat_phone[pp]).replace("", None),
            "email": pl.Series(sim.pat_email[pp]).replace("", None),
            "privacy_flags": np.where(sim.pat_txt_ok[pp], 0, 2),
            "_k": pk[pp],
        }
    )
    rv, rk = _visible(sim.r_t, ex)
    ri = np.nonzero(rv)[0]
    last = ri[last_per_key(sim.r_pat[ri], rk[ri], sim.r_t[ri])]
    out["recallpending"] = pl.DataFrame(
        {
            "patid": _keys(pat_off, sim.r_pat[last]),
            "recallid": "1",
            "duedate": date_str(sim.r_due[last]),
            "priordate": date_str(sim.r_prior[last]),
            "_k": rk[last],
        }
    )
    return out


def dentrix_static(locs: list[Location]) -> dict[str, pl.DataFrame]:
    """Dentrix status code list (full extract only)."""
    return {"v_appt_status_codes": pl.DataFrame({"defid": [c[0] for c in DX_STATUS_CODES], "descript": [c[1] for c in DX_STATUS_CODES]})}


BUILDERS = {"opendental": (opendental, opendental_static), "eaglesoft": (eaglesoft, eaglesoft_static), "dentrix": (dentrix, dentrix_static)}
