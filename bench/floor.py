"""Run bench/floor.sql over a drop: per-location baseline no-show and same-day cancellation rates from the raw files.

Usage: .venv/bin/python bench/floor.py --drop DIR [--as-of YYYY-MM-DD] [--out rates.csv] [--threads N]
Prints the per-location table (or writes it to --out as CSV) and the wall time on stderr.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date
from pathlib import Path

import duckdb

FLOOR_SQL = Path(__file__).resolve().with_name("floor.sql")


def floor_rates(drop: Path, as_of: date | None = None, threads: int | None = None) -> duckdb.DuckDBPyRelation:
    """Execute floor.sql against `drop` in a fresh in-memory DuckDB; the relation of its final select."""
    con = duckdb.connect(":memory:")
    con.execute("set enable_progress_bar = false")
    if threads:
        con.execute(f"set threads = {int(threads)}")
    # every path in floor.sql is relative to the drop folder
    con.execute("set file_search_path = ?", [str(drop.resolve())])
    if as_of is not None:
        con.execute(f"set variable as_of_date = date '{as_of.isoformat()}'")
    *setup, final = [s for s in FLOOR_SQL.read_text().split(";\n") if s.strip()]
    for statement in setup:
        con.execute(statement)
    return con.sql(final)


def main(argv: list[str] | None = None) -> int:
    """Compute the floor for one drop and print or save it."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--drop", type=Path, required=True)
    ap.add_argument("--as-of", type=date.fromisoformat, default=None, help="default: latest extract date")
    ap.add_argument("--out", type=Path, default=None, help="write the rates as CSV here")
    ap.add_argument("--threads", type=int, default=None, help="DuckDB threads (default: all cores)")
    args = ap.parse_args(argv)
    start = time.perf_counter()
    rel = floor_rates(args.drop, args.as_of, args.threads)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        rel.write_csv(str(args.out))
    else:
        rel.show(max_rows=10_000)
    print(f"floor: {time.perf_counter() - start:.2f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
