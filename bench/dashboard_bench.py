"""Benchmark each dashboard page's first render (cold data cache) against a published snapshot.

Usage: .venv/bin/python bench/dashboard_bench.py --snapshot data/bench/run_300/published/marts.duckdb [--runs 3]
Per page and run, with streamlit.testing.v1.AppTest: start the app (the role's default page; AppTest also scans
installed packages for components here, ~1 s, which a real server does once at start-up), clear Streamlit's data
and resource caches, then time switching to the page: the script run a viewer waits for when opening the page on
a running server, with every query cold. Every page as the operations role (which sees every page), the board
page as the board role. Prints a markdown table (median of --runs, seconds); its last row, app_startup, is the
app start (AppTest's component scan and the role's default page, cold), not a page.
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


def first_render_seconds(page: str, role: str) -> tuple[float, float]:
    """(app start-up s, page first render s): start the app, empty the caches, time switching to `page`."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    os.environ["DSO_DASHBOARD_ROLE"] = role
    st.cache_data.clear()
    st.cache_resource.clear()
    at = AppTest.from_file(APP, default_timeout=120)
    start = time.perf_counter()
    at.run()
    started = time.perf_counter() - start
    # Cold caches for the page itself: nothing the start-up page queried is reused.
    st.cache_data.clear()
    st.cache_resource.clear()
    start = time.perf_counter()
    at.switch_page(f"views/{page}").run()
    elapsed = time.perf_counter() - start
    if at.exception:
        raise RuntimeError(f"{page} raised: {at.exception[0].value}")
    return started, elapsed


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
    startups: list[float] = []
    for page in PAGES:
        role = "board" if page == "board.py" else "operations"
        first_render_seconds(page, role)  # warm the imports, not the data caches
        runs = [first_render_seconds(page, role) for _ in range(args.runs)]
        startups += [s for s, _ in runs]
        print(f"| {page.removesuffix('.py')} | {role} | {statistics.median([t for _, t in runs]):.2f} |")
    # A row of its own (not a page): the server-side start every viewer's first page waits for once.
    print(f"| app_startup | operations | {statistics.median(startups):.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
