"""Time connectors.ingest.load_drop on a generated (or given) drop; prints files/s and rows/s.

Usage:
  python bench/ingest_bench.py --drop /tmp/drop30                      # an existing drop
  python bench/ingest_bench.py --generate /tmp/drop30 --locations 30   # generate it first (kept afterwards)
  python bench/ingest_bench.py --drop /tmp/drop30 --warehouse /tmp/wh.duckdb   # a file warehouse (default: memory)
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from connectors.ingest import load_drop  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    """Optionally generate a drop, load it once, print timing and throughput."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--drop", type=Path, help="existing drop to load")
    ap.add_argument("--generate", type=Path, help="generate a drop into this folder first")
    ap.add_argument("--locations", type=int, default=30)
    ap.add_argument("--end-date", default="2026-03-02")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--cadence-days", type=int, default=None)
    ap.add_argument("--warehouse", type=Path, default=None, help="DuckDB file (default: a temp file)")
    args = ap.parse_args(argv)
    if args.generate:
        cmd = [sys.executable, "-m", "connectors.generator", "--out", str(args.generate), "--locations",
               str(args.locations), "--end-date", args.end_date, "--seed", str(args.seed), "--quiet"]
        if args.cadence_days:
            cmd += ["--cadence-days", str(args.cadence_days)]
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, cwd=REPO)
        print(f"generated {args.generate} in {time.perf_counter() - t0:.1f} s")
        drop = args.generate
    elif args.drop:
        drop = args.drop
    else:
        ap.error("give --drop or --generate")
    with tempfile.TemporaryDirectory(prefix="ingest_bench_") as tmp:
        wh = args.warehouse or Path(tmp) / "wh.duckdb"
        con = duckdb.connect(str(wh))
        t0 = time.perf_counter()
        report = load_drop(drop, con)
        secs = time.perf_counter() - t0
        files = len(report.loaded)
        rows = sum(f.rows_read for f in report.loaded)
        con.close()
    print(f"{files} files loaded, {len(report.errors)} errors, {rows} rows read, "
          f"{sum(f.rows_quarantined for f in report.files)} quarantined in {secs:.1f} s")
    print(f"{files / secs:.0f} files/s, {rows / secs:.0f} rows/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
