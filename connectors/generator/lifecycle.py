"""Canonical appointment events and the ground-truth slot outcomes (metrics.md §1) of a simulated location."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from connectors.generator.simulate import END_CANCEL, END_COMPLETE, END_MISSED, LocSim

DAY = 86_400
# event types
EV_BOOK, EV_MOVE, EV_COMPLETE, EV_MISSED, EV_CANCEL, EV_UNSCHED = 0, 1, 2, 3, 4, 5
OUTCOMES = np.array(["completed", "no_call_no_show", "late_cancel", "advance_cancel", "open"])


@dataclass
class Events:
    """One row per recorded appointment event, ordered by (appointment, time)."""

    a: np.ndarray  # appointment index
    kind: np.ndarray  # EV_*
    t: np.ndarray  # when the PMS recorded it (local epoch seconds)
    start: np.ndarray  # the appointment's start after the event
    prev_start: np.ndarray  # start before the event (== start except for moves)


def events(sim: LocSim, asof: int) -> Events:
    """All events recorded before the as-of time (events at or after it are not in the drop)."""
    n = len(sim.a_pat)
    idx = np.arange(n)
    mv = np.nonzero(sim.a_moved)[0]
    end_kind = np.where(sim.a_end == END_COMPLETE, EV_COMPLETE, np.where(sim.a_end == END_MISSED, EV_MISSED, EV_CANCEL))
    un = np.nonzero(sim.a_unsched_t >= 0)[0]
    a = np.concatenate([idx, mv, idx, un])
    kind = np.concatenate([np.full(n, EV_BOOK), np.full(len(mv), EV_MOVE), end_kind, np.full(len(un), EV_UNSCHED)])
    t = np.concatenate([sim.a_booked, sim.a_m[mv], sim.a_end_t, sim.a_unsched_t[un]])
    start = np.concatenate([sim.a_s1, sim.a_s2[mv], sim.a_s2, sim.a_s2[un]])
    prev = np.concatenate([sim.a_s1, sim.a_s1[mv], sim.a_s2, sim.a_s2[un]])
    keep = t < asof
    a, kind, t, start, prev = a[keep], kind[keep], t[keep], start[keep], prev[keep]
    order = np.lexsort((kind, t, a))
    return Events(a[order], kind[order], t[order], start[order], prev[order])


@dataclass
class Slots:
    """Ground truth: one row per (appointment, start) the drop shows."""

    a: np.ndarray
    start: np.ndarray
    outcome: np.ndarray  # index into OUTCOMES
    opened_at: np.ndarray  # booking or move time that created the slot
    closed_at: np.ndarray  # time of the event that decided the outcome, -1 for open


def _by_notice(notice: np.ndarray) -> np.ndarray:
    """Outcome of a break/move by its notice (seconds): <= 0 no-show, <= 24 h late, else advance."""
    return np.where(notice <= 0, 1, np.where(notice <= DAY, 2, 3))


def slots(sim: LocSim, asof: int) -> Slots:
    """Slots and their outcomes from the simulated lifecycle, as seen at the as-of time."""
    booked_ok = sim.a_booked < asof
    # first slot of moved appointments, closed by the move
    mv = np.nonzero(sim.a_moved & booked_ok)[0]
    mv_known = sim.a_m[mv] < asof
    out1 = np.where(mv_known, _by_notice(sim.a_s1[mv] - sim.a_m[mv]), 4)
    close1 = np.where(mv_known, sim.a_m[mv], -1)
    # final slot: exists when booked (and, if moved, the move happened) before the as-of time
    fin = np.nonzero(booked_ok & (~sim.a_moved | (sim.a_m < asof)))[0]
    end_known = sim.a_end_t[fin] < asof
    is_complete = sim.a_end[fin] == END_COMPLETE
    out2 = np.where(~end_known, 4, np.where(is_complete, 0, _by_notice(sim.a_s2[fin] - sim.a_end_t[fin])))
    close2 = np.where(end_known, sim.a_end_t[fin], -1)
    open2 = np.where(sim.a_moved[fin], sim.a_m[fin], sim.a_booked[fin])
    a = np.concatenate([mv, fin])
    start = np.concatenate([sim.a_s1[mv], sim.a_s2[fin]])
    outcome = np.concatenate([out1, out2])
    # a past slot with nothing recorded would be `unresolved`: the simulation must never produce one
    assert not np.any((outcome == 4) & (start < asof)), "simulation produced an unresolved past slot"
    order = np.lexsort((start, a))
    return Slots(
        a[order],
        start[order],
        outcome[order],
        np.concatenate([sim.a_booked[mv], open2])[order],
        np.concatenate([close1, close2])[order],
    )
