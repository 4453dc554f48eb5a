"""Benchmark a full refresh (load, dbt build, publish) per drop size; writes bench/results.md.

Usage: .venv/bin/python bench/run_bench.py --locations 30 300

Each size gets its own drop (data/bench/drop_<N>, generated once and reused: generation is not timed),
warehouse, published snapshot and Dagster instance. The refresh runs as `dagster asset materialize
--select '*'` in a subprocess, exactly like `make run`; its process tree (Dagster, the dbt subprocess) is
sampled with psutil for peak RSS, and stage times come from the run's Dagster step events.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import psutil

REPO = Path(__file__).resolve().parents[1]
BENCH_DATA = REPO / "data" / "bench"
RESULTS = REPO / "bench" / "results.md"
VENV_BIN = Path(sys.executable).parent
# Stage names in the table; Dagster splits the dbt build into several steps around the quality runner.
STAGE_NAMES = ("load", "dbt build", "quality checks", "roi", "wave plan", "publish")


def stage_of(step_key: str | None) -> str | None:
    """Stage of a Dagster step key (dbt_build, dbt_build_2, ... are all `dbt build`)."""
    if step_key is None:
        return None
    if step_key == "ingest_drop":
        return "load"
    if step_key.startswith("dbt_build"):
        return "dbt build"
    if step_key == "data_quality_checks":
        return "quality checks"
    if step_key == "roi_effects":
        return "roi"
    if step_key == "readiness_wave_plan":
        return "wave plan"
    if step_key == "published__marts_snapshot":
        return "publish"
    return None


@dataclass
class Sampler:
    """Samples the summed RSS of a process and all its descendants in a background thread."""

    pid: int
    interval: float = 0.1
    samples: list[tuple[float, int]] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)

    def _tree_rss(self) -> int:
        """RSS in bytes of the process and every descendant alive now."""
        try:
            root = psutil.Process(self.pid)
            procs = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return 0
        total = 0
        for p in procs:
            try:
                total += p.memory_info().rss
            except psutil.NoSuchProcess:
                pass
        return total

    def run(self) -> None:
        """Sample until stopped."""
        while not self._stop.is_set():
            self.samples.append((time.time(), self._tree_rss()))
            time.sleep(self.interval)

    def stop(self) -> None:
        """Stop sampling."""
        self._stop.set()

    def peak(self, start: float = 0.0, end: float = float("inf")) -> int:
        """Peak tree RSS (bytes) among the samples taken in [start, end]."""
        return max((rss for t, rss in self.samples if start <= t <= end), default=0)


def generate(n: int, seed: int, end_date: str) -> Path:
    """The drop for `n` locations, generated once into data/bench/drop_<n> (not timed)."""
    drop = BENCH_DATA / f"drop_{n}"
    if (drop / "locations.csv").exists():
        return drop
    tmp = drop.with_name(drop.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    print(f"generating {n} locations into {drop} ...", flush=True)
    subprocess.run(
        [sys.executable, "-m", "connectors.generator", "--out", str(tmp), "--locations", str(n),
         "--end-date", end_date, "--seed", str(seed), "--quiet"],
        check=True, cwd=REPO,
    )
    tmp.rename(drop)
    return drop


def stage_windows(dagster_home: Path) -> tuple[str, dict[str, list[tuple[float, float]]]]:
    """Status and the (start, end) epoch-second windows of each stage's steps in the latest run."""
    from dagster import DagsterEventType, DagsterInstance

    os.environ["DAGSTER_HOME"] = str(dagster_home)
    with DagsterInstance.get() as instance:
        run = instance.get_runs(limit=1)[0]
        windows: dict[str, list[float]] = {}
        for entry in instance.all_logs(run.run_id):
            ev = entry.dagster_event
            if ev is None or stage_of(entry.step_key) is None:
                continue
            if ev.event_type == DagsterEventType.STEP_START:
                windows.setdefault(entry.step_key, [entry.timestamp, entry.timestamp])[0] = entry.timestamp
            elif ev.event_type in (DagsterEventType.STEP_SUCCESS, DagsterEventType.STEP_FAILURE):
                windows.setdefault(entry.step_key, [entry.timestamp, entry.timestamp])[1] = entry.timestamp
        stages: dict[str, list[tuple[float, float]]] = {}
        for step, (s, e) in windows.items():
            stages.setdefault(stage_of(step), []).append((s, e))
        return run.status.value, stages


def volumes(warehouse: Path, published: Path) -> dict[str, int | None]:
    """Row counts that size the run: raw appointment rows and published appointment slots."""
    out: dict[str, int | None] = {"raw_rows": None, "slots": None}
    if warehouse.exists():
        con = duckdb.connect(str(warehouse), read_only=True)
        try:
            rels = con.execute(
                "select table_schema || '.' || table_name from information_schema.tables "
                "where table_schema = 'raw'"
            ).fetchall()
            out["raw_rows"] = sum(con.execute(f"select count(*) from {r[0]}").fetchone()[0] for r in rels)
        finally:
            con.close()
    if published.exists():
        con = duckdb.connect(str(published), read_only=True)
        try:
            out["slots"] = con.execute("select count(*) from fct_appointment_slots").fetchone()[0]
        except duckdb.CatalogException:
            pass
        finally:
            con.close()
    return out


def bench_one(n: int, seed: int, end_date: str) -> dict[str, object]:
    """Run one full refresh of the `n`-location drop and measure it."""
    drop = generate(n, seed, end_date)
    work = BENCH_DATA / f"run_{n}"
    shutil.rmtree(work, ignore_errors=True)
    (work / "dagster_home").mkdir(parents=True)
    (work / "dagster_home" / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    warehouse, published = work / "warehouse.duckdb", work / "published" / "marts.duckdb"
    env = {
        **os.environ,
        "DSO_EXTRACTS_DIR": str(drop),
        "DSO_WAREHOUSE_PATH": str(warehouse),
        "DSO_PUBLISHED_PATH": str(published),
        "DAGSTER_HOME": str(work / "dagster_home"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
        "DO_NOT_TRACK": "1",
    }
    cmd = [str(VENV_BIN / "dagster"), "asset", "materialize", "--select", "*", "-m", "orchestration.definitions"]
    print(f"refreshing {n} locations ...", flush=True)
    log = (work / "run.log").open("w")
    start = time.time()
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    sampler = Sampler(proc.pid)
    thread = threading.Thread(target=sampler.run, daemon=True)
    thread.start()
    code = proc.wait()
    wall = time.time() - start
    sampler.stop()
    thread.join()
    log.close()
    # ru_maxrss (KiB on Linux) = the largest single waited-for descendant: a floor for the tree peak.
    max_single = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    status, windows = stage_windows(work / "dagster_home")
    row: dict[str, object] = {
        "locations": n, "exit": code, "status": status, "wall_s": wall,
        "peak_rss": max(sampler.peak(), max_single), **volumes(warehouse, published),
    }
    for stage in STAGE_NAMES:
        if stage in windows:
            row[f"{stage}_s"] = sum(e - s for s, e in windows[stage])
            row[f"{stage}_rss"] = max(sampler.peak(s, e) for s, e in windows[stage])
    print(f"  {n} locations: {status} in {wall:.1f} s (log: {work / 'run.log'})", flush=True)
    return row


def fmt_s(v: object) -> str:
    """Seconds, or a dash."""
    return f"{v:.1f}" if isinstance(v, float) else "–"


def fmt_mib(v: object) -> str:
    """Bytes as MiB, or a dash."""
    return f"{v / 2**20:,.0f}" if isinstance(v, int) and v else "–"


def fmt_n(v: object) -> str:
    """A count, or a dash."""
    return f"{v:,}" if isinstance(v, int) else "–"


def write_results(rows: list[dict[str, object]], args: argparse.Namespace) -> None:
    """Write bench/results.md: machine, command and one table row per drop size."""
    mem = psutil.virtual_memory().total / 2**30
    lines = [
        "# Benchmark: full refresh",
        "",
        f"Run {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC with `python bench/run_bench.py --locations "
        f"{' '.join(map(str, args.locations))}` (seed {args.seed}, end date {args.end_date}).",
        f"Machine: {os.cpu_count()} cores, {mem:.0f} GiB RAM, {platform.system()} {platform.machine()}, "
        f"Python {platform.python_version()}.",
        "",
        "Wall times in seconds (dbt build = the sum of its steps around the quality runner), memory = peak RSS of the whole process tree (Dagster + dbt) in MiB, sampled "
        "every 0.1 s. Total = the whole `dagster asset materialize --select '*'` command, including start-up "
        "and dbt's parse; drop generation is not timed.",
        "",
        "| locations | raw rows | appointment slots | status | load s | load MiB | dbt build s | dbt build MiB "
        "| quality s | quality MiB | publish s | publish MiB | total s | peak MiB |",
        "|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['locations']} | {fmt_n(r['raw_rows'])} | {fmt_n(r['slots'])} | {r['status']} "
            f"| {fmt_s(r.get('load_s'))} | {fmt_mib(r.get('load_rss'))} "
            f"| {fmt_s(r.get('dbt build_s'))} | {fmt_mib(r.get('dbt build_rss'))} "
            f"| {fmt_s(r.get('quality checks_s'))} | {fmt_mib(r.get('quality checks_rss'))} "
            f"| {fmt_s(r.get('publish_s'))} | {fmt_mib(r.get('publish_rss'))} "
            f"| {fmt_s(r['wall_s'])} | {fmt_mib(r['peak_rss'])} |"
        )
    RESULTS.write_text("\n".join(lines) + "\n")
    print(f"wrote {RESULTS}")


def main() -> int:
    """Benchmark every requested size; non-zero exit if any refresh failed."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--locations", type=int, nargs="+", default=[30, 300])
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--end-date", default="2026-11-27")
    args = ap.parse_args()
    rows = [bench_one(n, args.seed, args.end_date) for n in args.locations]
    write_results(rows, args)
    return 0 if all(r["exit"] == 0 for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
