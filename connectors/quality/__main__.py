"""CLI: `python -m connectors.quality [--warehouse FILE] [--as-of YYYY-MM-DD]` runs every check once."""

from __future__ import annotations

import argparse
import logging
import sys
from datetime import date
from pathlib import Path

import duckdb

from connectors import settings
from connectors.quality.runner import run_quality_checks


def main(argv: list[str] | None = None) -> int:
    """Run the checks, append to meta.dq_check_results, print failing (check, location) pairs; exit 0."""
    parser = argparse.ArgumentParser(prog="python -m connectors.quality", description=__doc__)
    parser.add_argument("--warehouse", type=Path, default=None, help="DuckDB file (default DSO_WAREHOUSE_PATH)")
    parser.add_argument("--as-of", type=date.fromisoformat, default=None,
                        help="as-of date (default: intermediate.int_dq__as_of)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    con = duckdb.connect(str(args.warehouse or settings.warehouse_path()), config=settings.duckdb_config())
    try:
        run = run_quality_checks(con, as_of=args.as_of)
    finally:
        con.close()
    failing = run.failing()
    print(f"run {run.run_id} as of {run.as_of_date}: {len(run.results)} results, {len(failing)} failing")
    for row in failing.itertuples():
        print(f"  {row.severity:8} {row.check_name:36} {row.location_id:10} {row.rows_failing}/{row.rows_examined}")
    print("timings: " + ", ".join(f"{k} {v:.2f}s" for k, v in run.timings.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
