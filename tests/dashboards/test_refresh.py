"""Re-publishing the snapshot while the dashboard reads it: neither side fails, readers see whole snapshots."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from dash_snapshot import TABLES
from dashboards import data
from orchestration.defs.publish import publish_marts

APP = str(Path(__file__).resolve().parents[2] / "dashboards" / "streamlit_app.py")


def write_warehouse(path: Path, tag: str) -> Path:
    """A warehouse whose marts are the test snapshot, location names tagged with `tag` (A or B)."""
    con = duckdb.connect(str(path))
    con.execute("create schema marts")
    for name, sql in TABLES.items():
        con.execute(f'create table marts."{name}" as {sql}')
    con.execute("update marts.dim_locations set location_name = location_name || '-' || ?", [tag])
    con.execute("update marts.rpt_dq_location_scores set location_name = location_name || '-' || ?", [tag])
    con.close()
    return path


def test_republish_while_reading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    published = tmp_path / "published" / "marts.duckdb"
    monkeypatch.setenv("DSO_PUBLISHED_PATH", str(published))
    monkeypatch.setenv("DSO_DASHBOARD_ROLE", "operations")
    warehouses = {tag: write_warehouse(tmp_path / f"wh-{tag}.duckdb", tag) for tag in "AB"}
    publish_marts(warehouses["A"], published)

    errors: list[BaseException] = []
    stop = threading.Event()
    published_count = [0]

    def publisher() -> None:
        """Re-publish B, A, B, ... until the reader has had enough."""
        try:
            while not stop.is_set():
                publish_marts(warehouses["BA"[published_count[0] % 2]], published)
                published_count[0] += 1
        except BaseException as exc:  # reported to the test thread
            errors.append(exc)

    thread = threading.Thread(target=publisher)
    thread.start()
    seen: set[str] = set()
    reads = 0
    try:
        # Read throughout at least four swaps, at least 10 reads (some of them whole app runs), until both
        # snapshots have been read (bounded: a dashboard that never sees the new snapshot fails below).
        deadline = time.monotonic() + 60
        while (published_count[0] < 4 or reads < 10 or seen != {"A", "B"}) and not errors \
                and time.monotonic() < deadline:
            names = data.read_mart("dim_locations", ["location_name"])["location_name"].tolist()
            tags = {n.rsplit("-", 1)[1] for n in names}
            # One whole snapshot per read: all three rows of A, or all three of B, never a mix or a partial file.
            assert len(names) == 3 and len(tags) == 1, names
            seen |= tags
            reads += 1
            if reads % 5 == 0:  # the app itself, mid-refresh
                at = AppTest.from_file(APP, default_timeout=60).run()
                at.switch_page("views/data_quality.py").run()
                assert not at.exception, [e.value for e in at.exception]
                assert len(at.dataframe) >= 1
    finally:
        stop.set()
        thread.join()
    assert errors == []
    assert seen == {"A", "B"}  # the reads did span the swaps
    # After a refresh the dashboard serves the newly published snapshot (the cache follows the file).
    publish_marts(warehouses["A"], published)
    names = data.read_mart("dim_locations", ["location_name"])["location_name"].tolist()
    assert {n.rsplit("-", 1)[1] for n in names} == {"A"}
    assert not list(published.parent.glob(".*tmp*"))  # no temporary file left behind
