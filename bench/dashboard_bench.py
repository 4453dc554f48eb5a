"""Benchmark each dashboard page's first render (cold cache) against a published snapshot.

Usage: .venv/bin/python bench/dashboard_bench.py --snapshot data/bench/run_300/published/marts.duckdb [--runs 3]
Renders every page as the operations role (which sees every page) and the board page as the board role with
streamlit.testing.v1.AppTest, clearing Streamlit's caches before each render so every number is a first render.
Prints a markdown table (median of --runs, seconds).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
APP = str(REPO / "dashboards" / "streamlit_app.py")
PAGES = ["board.py", "data_quality.py", "readiness.py", "go_live.py", "location.py", "overview.py"]


def first_render_seconds(page: str, role: str) -> float:
    """Seconds to run the app once and switch to `page` with empty caches (an AppTest in this process)."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    os.environ["DSO_DASHBOARD_ROLE"] = role
    st.cache_data.clear()
    st.cache_resource.clear()
    at = AppTest.from_file(APP, default_timeout=120)
    start = time.perf_counter()
    at.run()
    at.switch_page(f"views/{page}").run()
    elapsed = time.perf_counter() - start
    if at.exception:
        raise RuntimeError(f"{page} raised: {at.exception[0].value}")
    return elapsed


def main() -> int:
    """Time every page and print the table."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--snapshot", required=True, type=Path)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    os.environ["DSO_PUBLISHED_PATH"] = str(args.snapshot.resolve())
    os.environ["DSO_DASHBOARD_AUTH"] = "env"
    print(f"snapshot {args.snapshot} ({args.snapshot.stat().st_size / 2**20:.1f} MiB), median of {args.runs} cold renders")
    print("| page | role | first render s |\n|---|---|---:|")
    for page in PAGES:
        role = "board" if page == "board.py" else "operations"
        first_render_seconds(page, role)  # warm the imports, not the data caches
        times = [first_render_seconds(page, role) for _ in range(args.runs)]
        print(f"| {page.removesuffix('.py')} | {role} | {statistics.median(times):.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
