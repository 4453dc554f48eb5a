"""CLI: python -m connectors.generator --out DIR --locations N --end-date YYYY-MM-DD --seed S [--effect-scale 1.0]."""

from __future__ import annotations

import argparse
from datetime import date

from connectors.generator.core import DEFECTS, generate
from connectors.generator.plan import Params


def main(argv: list[str] | None = None) -> None:
    """Parse arguments and write the drop."""
    ap = argparse.ArgumentParser(prog="python -m connectors.generator", description="Write a synthetic DSO extract drop.")
    ap.add_argument("--out", required=True, help="drop folder to write (created)")
    ap.add_argument("--locations", type=int, default=30)
    ap.add_argument("--end-date", type=date.fromisoformat, default=date.today(), help="last extract date = as-of date (default today)")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--effect-scale", type=float, default=1.0, help="platform effect multiplier; 0 = no effect")
    ap.add_argument("--history-days", type=int, default=730)
    ap.add_argument("--cadence-days", type=int, default=7, help="days between delta extracts")
    ap.add_argument("--first-extract-offset-days", type=int, default=91, help="first (full) extract about this many days after history start")
    ap.add_argument("--daily-tail-days", type=int, default=0,
                    help="end the cadence this many days early and add one last delta extract on --end-date")
    ap.add_argument("--defects", default="none", choices=DEFECTS, help="planted defects profile (hook; only 'none' for now)")
    ap.add_argument("--quiet", action="store_true")
    a = ap.parse_args(argv)
    p = Params(
        out=a.out,
        locations=a.locations,
        end_date=a.end_date,
        seed=a.seed,
        effect_scale=a.effect_scale,
        history_days=a.history_days,
        cadence_days=a.cadence_days,
        first_extract_offset_days=a.first_extract_offset_days,
        daily_tail_days=a.daily_tail_days,
        defects=a.defects,
    )
    generate(p, progress=not a.quiet)


if __name__ == "__main__":
    main()
