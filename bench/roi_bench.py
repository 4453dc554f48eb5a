"""Time the staggered DiD on a simulated location x week panel (default 300 x 104, B = 999), or the whole ROI
estimate (every outcome panel, effects, money) on a refreshed warehouse's marts.

Usage: .venv/bin/python bench/roi_bench.py [--locations 300] [--weeks 104] [--boot 999] [--waves 12]
       .venv/bin/python bench/roi_bench.py --warehouse data/bench/run_30/warehouse.duckdb   # the real panels
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from orchestration.roi.did import DidConfig, att_gt  # noqa: E402


def make_panel(n: int, weeks: int, n_groups: int, seed: int = 1) -> pl.DataFrame:
    """no_show_rate-like panel: go-live weeks spread over the middle of the period, 20% never live."""
    rng = np.random.default_rng(seed)
    go_live = rng.choice(np.linspace(weeks // 4, weeks - 8, n_groups).astype(int), size=n)
    go_live[rng.random(n) < 0.2] = 0
    unit = np.repeat(np.arange(n), weeks)
    week = np.tile(np.arange(1, weeks + 1), n)
    g = go_live[unit]
    sched = rng.poisson(120, n * weeks).astype(float) + 1
    rate = np.clip(0.12 + rng.normal(0, 0.02, n)[unit] - 0.02 * ((g > 0) & (week >= g))
                   + rng.normal(0, 0.03, n * weeks), 0, 1)
    return pl.DataFrame({"location_id": unit, "week": week, "no_show_rate": rate,
                         "scheduled_appointments": sched, "go_live_week": g})


def time_warehouse(warehouse: Path) -> None:
    """Time run_roi (what the ROI asset computes, without writing its marts) on a warehouse opened read-only."""
    import duckdb

    from orchestration.roi.pipeline import resolve_as_of, run_roi
    from orchestration.roi.settings import load_settings

    t0 = time.perf_counter()
    settings = load_settings()
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        as_of = resolve_as_of(con, None)
        t1 = time.perf_counter()
        tables = run_roi(con, settings, as_of)
        elapsed = time.perf_counter() - t1
    finally:
        con.close()
    rows = {name: df.height for name, df in tables.items()}
    print(f"roi estimate as of {as_of}: {elapsed:.2f} s (settings + as-of {t1 - t0:.2f} s); tables {rows}")


def main() -> None:
    """Build the panel, time one full estimation, print the timings and the overall effect."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--locations", type=int, default=300)
    ap.add_argument("--weeks", type=int, default=104)
    ap.add_argument("--boot", type=int, default=999)
    ap.add_argument("--waves", type=int, default=12, help="distinct go-live weeks")
    ap.add_argument("--warehouse", type=Path, default=None,
                    help="time the real ROI estimate on this warehouse's marts instead of a simulated panel")
    args = ap.parse_args()
    if args.warehouse:
        time_warehouse(args.warehouse)
        return
    panel = make_panel(args.locations, args.weeks, args.waves)
    t0 = time.perf_counter()
    res = att_gt(panel, unit="location_id", period="week", outcome="no_show_rate", group="go_live_week",
                 weight="scheduled_appointments", config=DidConfig(n_boot=args.boot))
    elapsed = time.perf_counter() - t0
    o = res.overall.row(0, named=True)
    print(f"panel {args.locations} locations x {args.weeks} weeks, {args.waves} go-live weeks, B={args.boot}: "
          f"{res.cells.height} group-time cells, {elapsed:.2f} s")
    print(f"overall effect {o['estimate']:.4f} [{o['ci_low']:.4f}, {o['ci_high']:.4f}] (true -0.02)")


if __name__ == "__main__":
    main()
