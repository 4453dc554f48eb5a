"""Benchmark issue 8 per drop size: full and incremental refresh, DQ, ROI, dashboard, the floor; bench/results.md.

Usage: .venv/bin/python bench/run_bench.py [--sizes 30 300 1500] [--runs 3] [--skip-generate]
                                           [--only full,incremental,dq,roi,dashboard,floor]

Per size N (docs/benchmarks.md has the definitions):
- data/bench/source_<N>: `python -m connectors.generator --locations N --end-date 2026-11-28 --daily-tail-days 1
  --seed 42` (generated once, not timed; never deleted). data/bench/drop_<N> = a hard-linked copy of it without
  the folders of the last extract date (pms/<source>/2026-11-28, comms/2026-11-28, reviews/2026-11-28).
- full: a fresh warehouse, `dagster asset materialize --select '*'` on a hard-linked copy of drop_<N>;
  incremental: the tail folders linked into that copy, the same command again on the same warehouse.
- dq / roi / dashboard: `python -m connectors.quality`, bench/roi_bench.py --warehouse, bench/dashboard_bench.py on
  the refreshed warehouse / published snapshot, each a subprocess.
- floor: bench/floor.py over drop_<N> in a subprocess.
Each measurement is repeated --runs times; wall time and peak RSS of the whole process tree (psutil, every 0.1 s)
are reported as medians. Every number lands in bench/results.json (merged per size and measurement, so running one
size or one measurement keeps the others) and bench/results.md is rewritten from it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
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
RESULTS_MD = REPO / "bench" / "results.md"
RESULTS_JSON = REPO / "bench" / "results.json"
VENV_BIN = Path(sys.executable).parent
MEASUREMENTS = ("full", "incremental", "dq", "roi", "dashboard", "floor")
DEFAULT_SIZES = (30, 300, 1500)
SEED = 42
END_DATE = "2026-11-28"
# Stage names in the tables; Dagster splits the dbt build into several steps around the Python steps.
STAGE_NAMES = ("load", "dbt build", "quality checks", "roi", "wave plan", "publish", "other steps")
# Issue 8's targets (this 2-core, 24 GB machine)
TARGET_SIZE = 1500
TARGET_FLOOR_RATIO = 4.0
TARGET_FULL_S = 15 * 60
TARGET_PEAK_BYTES = 8 * 10**9
TARGET_INCREMENTAL_SHARE = 0.10
TARGET_OVERHEAD_S = 30.0
TARGET_PAGE_S = 2.0
OVERHEAD_SIZE = 30


def stage_of(step_key: str | None) -> str | None:
    """Stage of a Dagster step key (dbt_build, dbt_build_2, ... are all `dbt build`; asset-check steps: other)."""
    if step_key is None:
        return None
    if step_key == "ingest_drop":
        return "load"
    if step_key.startswith("dbt_build"):
        return "dbt build"
    if step_key in ("data_quality_checks", "dq_asset_checks"):
        return "quality checks"
    if "roi" in step_key:
        return "roi"
    if step_key == "readiness_wave_plan":
        return "wave plan"
    if step_key.startswith("published__"):
        return "publish"
    return "other steps"


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


@dataclass
class Measured:
    """One subprocess: exit code, wall seconds, epoch start/end, tree-RSS samples."""

    code: int
    wall_s: float
    start: float
    end: float
    sampler: Sampler


def measure(cmd: list[str], env: dict[str, str], log: Path) -> Measured:
    """Run `cmd` from the repo root with stdout+stderr to `log`, sampling its process tree's RSS."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w") as out:
        start = time.time()
        proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
        sampler = Sampler(proc.pid)
        thread = threading.Thread(target=sampler.run, daemon=True)
        thread.start()
        code = proc.wait()
        end = time.time()
        sampler.stop()
        thread.join()
    return Measured(code, end - start, start, end, sampler)


def base_env() -> dict[str, str]:
    """The environment of every benchmarked subprocess: telemetry off, no configured as-of date."""
    env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "False", "DO_NOT_TRACK": "1",
           "PYTHONUNBUFFERED": "1"}
    env.pop("DSO_AS_OF_DATE", None)
    return env


# ------------------------------------------------------------------------------------------------ drops


def link_tree(src: Path, dst: Path, skip_dir: str | None = None) -> None:
    """Hard-link every file of `src` into `dst` (folders created), leaving out every folder named `skip_dir`."""
    for root, dirs, files in os.walk(src):
        if skip_dir is not None:
            dirs[:] = [d for d in dirs if d != skip_dir]
        target = dst / Path(root).relative_to(src)
        target.mkdir(parents=True, exist_ok=True)
        for name in files:
            os.link(Path(root) / name, target / name)


def tail_folders(source: Path, tail_date: str) -> list[Path]:
    """The folders of the last extract date, relative to the drop: pms/<source>/<d>, comms/<d>, reviews/<d>."""
    found = [p.relative_to(source) for p in source.glob(f"pms/*/{tail_date}") if p.is_dir()]
    found += [Path(kind) / tail_date for kind in ("comms", "reviews") if (source / kind / tail_date).is_dir()]
    return sorted(found)


def prepare_drops(n: int, skip_generate: bool) -> tuple[Path, Path]:
    """source_<n> (generated once, never deleted) and drop_<n> (its hard-linked copy without the tail date)."""
    source = BENCH_DATA / f"source_{n}"
    if not (source / "locations.csv").exists():
        pending = source.with_name(source.name + ".tmp")
        if skip_generate:
            raise SystemExit(f"{source} is missing and --skip-generate was given")
        if pending.exists():
            # someone else (or an interrupted run) is writing it: never delete a drop in the making
            raise SystemExit(f"{pending} exists: a generation is under way or was interrupted; wait or remove it")
        print(f"[{n}] generating {source} (not timed) ...", flush=True)
        BENCH_DATA.mkdir(parents=True, exist_ok=True)
        t0 = time.time()
        subprocess.run(
            [sys.executable, "-m", "connectors.generator", "--out", str(pending), "--locations", str(n),
             "--end-date", END_DATE, "--daily-tail-days", "1", "--seed", str(SEED), "--quiet"],
            check=True, cwd=REPO,
        )
        pending.rename(source)
        print(f"[{n}] generated in {time.time() - t0:.0f} s", flush=True)
    if not tail_folders(source, END_DATE):
        raise SystemExit(f"{source} has no {END_DATE} folders: generate it with --end-date {END_DATE} "
                         "--daily-tail-days 1")
    drop = BENCH_DATA / f"drop_{n}"
    if not (drop / "locations.csv").exists():
        tmp = drop.with_name(drop.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)  # our own half-made copy: hard links only
        link_tree(source, tmp, skip_dir=END_DATE)
        tmp.rename(drop)
        print(f"[{n}] base drop {drop} (hard links, without {END_DATE})", flush=True)
    return source, drop


# ------------------------------------------------------------------------------------------------ refreshes


Span = tuple[float, float]


def stage_windows(dagster_home: Path, run_id: str | None = None) -> tuple[str, str, dict[str, list[Span]], list[Span]]:
    """Run id, status, the (start, end) epoch-second windows of each stage's steps in a run (default: the latest), and the
    (start, end) of every dbt node (model, seed, test) of the run.

    A dbt node's interval is [t - d, t]: t = the time Dagster logged the node's materialization or check evaluation
    (dagster-dbt streams them as dbt reports each node), d = its `Execution Duration` metadata (dbt's execution_time
    of the node, from run_results). run_results.json itself is no use here: the project's dbt steps share one target
    folder (orchestration/defs/dbt.py), so each dbt step of a run overwrites the previous one's file."""
    from dagster import DagsterEventType, DagsterInstance

    os.environ["DAGSTER_HOME"] = str(dagster_home)
    with DagsterInstance.get() as instance:
        run = instance.get_run_by_id(run_id) if run_id else instance.get_runs(limit=1)[0]
        windows: dict[str, list[float]] = {}
        nodes: list[tuple[float, float]] = []
        for entry in instance.all_logs(run.run_id):
            ev = entry.dagster_event
            if ev is None or entry.step_key is None:
                continue
            if ev.event_type == DagsterEventType.STEP_START:
                windows.setdefault(entry.step_key, [entry.timestamp, entry.timestamp])[0] = entry.timestamp
            elif ev.event_type in (DagsterEventType.STEP_SUCCESS, DagsterEventType.STEP_FAILURE):
                windows.setdefault(entry.step_key, [entry.timestamp, entry.timestamp])[1] = entry.timestamp
            elif stage_of(entry.step_key) == "dbt build" and ev.event_type in (
                DagsterEventType.ASSET_MATERIALIZATION, DagsterEventType.ASSET_CHECK_EVALUATION
            ):
                data = ev.event_specific_data
                metadata = data.materialization.metadata if hasattr(data, "materialization") else data.metadata
                duration = metadata.get("Execution Duration")
                if duration is not None and duration.value is not None:
                    nodes.append((entry.timestamp - float(duration.value), entry.timestamp))
        stages: dict[str, list[tuple[float, float]]] = {}
        for step, (s, e) in windows.items():
            stages.setdefault(stage_of(step), []).append((s, e))
        return run.run_id, run.status.value, stages, nodes


def union_seconds(intervals: list[tuple[float, float]]) -> float:
    """Length of the union of [start, end] intervals (parallel work counted once)."""
    total, cur_s, cur_e = 0.0, None, None
    for s, e in sorted(intervals):
        if cur_e is None or s > cur_e:
            if cur_e is not None:
                total += cur_e - cur_s
            cur_s, cur_e = s, e
        else:
            cur_e = max(cur_e, e)
    if cur_e is not None:
        total += cur_e - cur_s
    return total


def refresh(drop: Path, work: Path, label: str) -> dict[str, object]:
    """One `dagster asset materialize --select '*'` on `drop` into `work`'s warehouse, measured."""
    env = {
        **base_env(),
        "DSO_EXTRACTS_DIR": str(drop),
        "DSO_WAREHOUSE_PATH": str(work / "warehouse.duckdb"),
        "DSO_PUBLISHED_PATH": str(work / "published" / "marts.duckdb"),
        "DAGSTER_HOME": str(work / "dagster_home"),
    }
    (work / "dagster_home").mkdir(parents=True, exist_ok=True)
    (work / "dagster_home" / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    cmd = [str(VENV_BIN / "dagster"), "asset", "materialize", "--select", "*", "-m", "orchestration.definitions"]
    m = measure(cmd, env, work / f"{label}.log")
    run_id, status, windows, node_intervals = stage_windows(work / "dagster_home")
    row: dict[str, object] = {"exit": m.code, "status": status, "wall_s": m.wall_s, "peak_rss": m.sampler.peak(),
                              "run_id": run_id, "log": str(work / f"{label}.log")}
    stages: dict[str, dict[str, float]] = {}
    for stage, spans in windows.items():
        stages[stage] = {"s": sum(e - s for s, e in spans), "rss": max(m.sampler.peak(s, e) for s, e in spans)}
    row["stages"] = stages
    # Fixed overhead = wall time during which no work ran. Work = every non-dbt Dagster step (ingest, DQ, ROI, wave
    # plan, publish, Python asset checks: STEP_START..STEP_SUCCESS) and every dbt node's execution (model SQL, seed
    # load, test query), as a union of intervals so parallel work counts once. What is left: process start, Dagster's
    # planning, step-process launches and event logging, dbt's start-up, parse and graph/manifest work.
    dbt_exec_sum, nodes = sum(e - s for s, e in node_intervals), len(node_intervals)
    step_intervals = [span for stage, spans in windows.items() if stage != "dbt build" for span in spans]
    work_s = union_seconds(node_intervals + step_intervals)
    row["overhead"] = {"work_s": work_s, "overhead_s": m.wall_s - work_s, "dbt_nodes": nodes,
                       "dbt_execute_sum_s": dbt_exec_sum, "dbt_execute_union_s": union_seconds(node_intervals),
                       "steps_s": union_seconds(step_intervals)}
    return row


def bench_refreshes(n: int, drop: Path, source: Path, runs: int, incremental: bool) -> tuple[list, list, Path]:
    """`runs` full refreshes (each followed by an incremental one when asked); the last run's folder is kept."""
    fulls, incs = [], []
    work = BENCH_DATA / f"run_{n}"
    for i in range(1, runs + 1):
        shutil.rmtree(work, ignore_errors=True)  # the previous run's warehouse and drop copy (hard links)
        run_drop = work / "drop"
        link_tree(drop, run_drop)
        print(f"[{n}] full refresh {i}/{runs} ...", flush=True)
        row = refresh(run_drop, work, f"full_{i}")
        fulls.append(row)
        print(f"[{n}]   full {row['status']} {row['wall_s']:.1f} s, peak {row['peak_rss'] / 2**20:,.0f} MiB, "
              f"overhead {row['overhead']['overhead_s']:.1f} s", flush=True)
        if row["exit"] != 0:
            print(f"[{n}]   failed: see {row['log']}", flush=True)
            break
        if incremental:
            for rel in tail_folders(source, END_DATE):
                link_tree(source / rel, run_drop / rel)
            print(f"[{n}] incremental refresh {i}/{runs} (+{END_DATE}) ...", flush=True)
            row = refresh(run_drop, work, f"incremental_{i}")
            incs.append(row)
            print(f"[{n}]   incremental {row['status']} {row['wall_s']:.1f} s, "
                  f"peak {row['peak_rss'] / 2**20:,.0f} MiB", flush=True)
    if fulls and all(r["exit"] == 0 for r in fulls + incs):
        # marks the folder as a refresh of this script's drop (an older run_<n> of another layout is not reused)
        (work / "bench_state.json").write_text(json.dumps(
            {"drop": str(drop), "incremental": bool(incs), "at": f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC"}))
    return fulls, incs, work


def ensure_refreshed(n: int, drop: Path, source: Path) -> Path:
    """The last refreshed run folder of size n; one untimed full + incremental refresh when there is none."""
    work = BENCH_DATA / f"run_{n}"
    if (work / "bench_state.json").exists() and (work / "published" / "marts.duckdb").exists():
        return work
    print(f"[{n}] no refreshed warehouse yet: one full + incremental refresh first (not reported)", flush=True)
    bench_refreshes(n, drop, source, 1, incremental=True)
    return work


# ------------------------------------------------------------------------------------------------ the others


def bench_subprocess(n: int, name: str, cmd: list[str], env: dict[str, str], work: Path, runs: int,
                     parse: re.Pattern[str] | None = None) -> list[dict[str, object]]:
    """`runs` executions of one command, each: exit, wall, peak tree RSS (and what `parse` captures of its log)."""
    rows = []
    for i in range(1, runs + 1):
        m = measure(cmd, env, work / f"{name}_{i}.log")
        row: dict[str, object] = {"exit": m.code, "wall_s": m.wall_s, "peak_rss": m.sampler.peak(),
                                  "log": str(work / f"{name}_{i}.log")}
        text = (work / f"{name}_{i}.log").read_text(errors="replace")
        if parse is not None:
            row["parsed"] = {k: float(v) for k, v in parse.findall(text)}
        rows.append(row)
        print(f"[{n}] {name} {i}/{runs}: exit {m.code}, {m.wall_s:.1f} s, peak {row['peak_rss'] / 2**20:,.0f} MiB",
              flush=True)
    return rows


DASHBOARD_PAGE = re.compile(r"^\| (\w+) \| \w+ \| ([0-9.]+) \|$", re.M)
ROI_TIME = re.compile(r"(roi estimate) as of [0-9-]+: ([0-9.]+) s")
DQ_TIMINGS = re.compile(r"(total) ([0-9.]+)s")


# ------------------------------------------------------------------------------------------------ results


def summarize(rows: list[dict[str, object]]) -> dict[str, object]:
    """Medians (and min/max, n) of wall and peak RSS over the successful rows, plus medians of stages/overhead."""
    ok = [r for r in rows if r.get("exit") == 0]
    walls = [float(r["wall_s"]) for r in ok]
    peaks = [int(r["peak_rss"]) for r in ok]
    out: dict[str, object] = {
        "n": len(ok), "failed": sum(1 for r in rows if r.get("exit") != 0),
        "wall_s": statistics.median(walls), "wall_min_s": min(walls), "wall_max_s": max(walls),
        "peak_rss": int(statistics.median(peaks)), "peak_rss_max": max(peaks),
    }
    stage_names = {s for r in ok for s in (r.get("stages") or {})}
    if stage_names:
        out["stages"] = {s: {k: statistics.median([r["stages"][s][k] for r in ok if s in r["stages"]])
                             for k in ("s", "rss")} for s in stage_names}
    if all("overhead" in r for r in ok) and ok:
        out["overhead"] = {k: statistics.median([r["overhead"][k] for r in ok]) for k in ok[0]["overhead"]}
    parsed_keys = {k for r in ok for k in (r.get("parsed") or {})}
    if parsed_keys:
        out["parsed"] = {k: statistics.median([r["parsed"][k] for r in ok if k in r.get("parsed", {})])
                         for k in sorted(parsed_keys)}
    return out


def machine() -> dict[str, object]:
    """Cores, RAM, OS and Python of this machine."""
    return {"cores": os.cpu_count(), "ram_gib": round(psutil.virtual_memory().total / 2**30, 1),
            "os": f"{platform.system()} {platform.release()} {platform.machine()}",
            "python": platform.python_version(), "duckdb": duckdb.__version__}


def volumes(work: Path) -> dict[str, int | None]:
    """Raw appointment-table rows and published appointment slots of a refreshed run folder."""
    out: dict[str, int | None] = {"raw_rows": None, "slots": None}
    warehouse, published = work / "warehouse.duckdb", work / "published" / "marts.duckdb"
    try:
        if warehouse.exists():
            con = duckdb.connect(str(warehouse), read_only=True)
            try:
                rels = [r[0] for r in con.execute(
                    "select table_schema || '.' || table_name from information_schema.tables "
                    "where table_schema = 'raw'").fetchall()]
                out["raw_rows"] = sum(con.execute(f"select count(*) from {r}").fetchall()[0][0] for r in rels)
            finally:
                con.close()
        if published.exists():
            con = duckdb.connect(str(published), read_only=True)
            try:
                out["slots"] = con.execute("select count(*) from fct_appointment_slots").fetchall()[0][0]
            finally:
                con.close()
    except duckdb.Error as exc:  # a half-written warehouse: leave the counts out
        print(f"volumes of {work}: {exc}", flush=True)
    return out


def load_results() -> dict[str, object]:
    """bench/results.json, or an empty skeleton."""
    if RESULTS_JSON.exists():
        return json.loads(RESULTS_JSON.read_text())
    return {"sizes": {}}


def save_results(results: dict[str, object]) -> None:
    """Write bench/results.json (sizes as string keys, sorted)."""
    results["sizes"] = dict(sorted(results["sizes"].items(), key=lambda kv: int(kv[0])))
    RESULTS_JSON.write_text(json.dumps(results, indent=1, default=str) + "\n")


def s_(v: object, digits: int = 1) -> str:
    """Seconds, or a dash."""
    return f"{v:.{digits}f}" if isinstance(v, (int, float)) else "–"


def mib(v: object) -> str:
    """Bytes as MiB, or a dash."""
    return f"{v / 2**20:,.0f}" if isinstance(v, (int, float)) and v else "–"


def n_(v: object) -> str:
    """A count, or a dash."""
    return f"{v:,}" if isinstance(v, int) else "–"


def spread(m: dict[str, object]) -> str:
    """`min–max (n)` of a measurement."""
    failed = f", failed {m['failed']}" if m["failed"] else ""
    return f"{m['wall_min_s']:.1f}–{m['wall_max_s']:.1f} (n={m['n']}{failed})"


def dominant(m: dict[str, object]) -> str:
    """The stage with the largest median time, as `stage (x s)`."""
    stages = m.get("stages") or {}
    if not stages:
        return "–"
    name = max(stages, key=lambda s: stages[s]["s"])
    return f"{name} ({stages[name]['s']:.0f} s)"


def targets(sizes: dict[str, dict]) -> list[str]:
    """Issue 8's targets, each met / missed / not measured, with the numbers behind the verdict."""
    lines = ["| target | value | verdict |", "|---|---|---|"]

    def row(name: str, value: str, ok: bool | None, why: str = "") -> None:
        verdict = "not measured" if ok is None else ("**met**" if ok else f"**missed**{'; ' + why if why else ''}")
        lines.append(f"| {name} | {value} | {verdict} |")

    big = sizes.get(str(TARGET_SIZE), {})
    full, floor = big.get("full"), big.get("floor")
    if full and floor:
        ratio = full["wall_s"] / floor["wall_s"]
        row(f"full refresh ≤ {TARGET_FLOOR_RATIO:.0f}× the floor at {TARGET_SIZE:,} locations",
            f"{full['wall_s']:.0f} s / {floor['wall_s']:.1f} s = {ratio:.1f}×", ratio <= TARGET_FLOOR_RATIO,
            f"dominated by {dominant(full)}")
    else:
        row(f"full refresh ≤ {TARGET_FLOOR_RATIO:.0f}× the floor at {TARGET_SIZE:,} locations", "–", None)
    if full:
        row(f"full refresh < 15 min at {TARGET_SIZE:,} locations", f"{full['wall_s']:.0f} s",
            full["wall_s"] < TARGET_FULL_S, f"dominated by {dominant(full)}")
        row(f"peak memory < 8 GB at {TARGET_SIZE:,} locations", f"{full['peak_rss'] / 1e9:.2f} GB "
            f"(max of runs {full['peak_rss_max'] / 1e9:.2f} GB)", full["peak_rss_max"] < TARGET_PEAK_BYTES,
            "highest stage: " + max(full.get("stages", {"–": {"rss": 0}}).items(),
                                    key=lambda kv: kv[1]["rss"])[0])
    else:
        row(f"full refresh < 15 min at {TARGET_SIZE:,} locations", "–", None)
        row(f"peak memory < 8 GB at {TARGET_SIZE:,} locations", "–", None)
    for size, m in sizes.items():
        if m.get("full") and m.get("incremental"):
            share = m["incremental"]["wall_s"] / m["full"]["wall_s"]
            row(f"incremental < 10% of full ({int(size):,} locations)",
                f"{m['incremental']['wall_s']:.1f} s / {m['full']['wall_s']:.1f} s = {share:.0%}",
                share < TARGET_INCREMENTAL_SHARE, f"dominated by {dominant(m['incremental'])}")
    small = sizes.get(str(OVERHEAD_SIZE), {}).get("full")
    if small and "overhead" in small:
        ov = small["overhead"]["overhead_s"]
        row(f"Dagster + dbt fixed overhead < 30 s ({OVERHEAD_SIZE} locations, full refresh)", f"{ov:.1f} s",
            ov < TARGET_OVERHEAD_S)
    else:
        row(f"Dagster + dbt fixed overhead < 30 s ({OVERHEAD_SIZE} locations)", "–", None)
    # Issue 7's target, recorded in the same table: every page's first render under 2 s at 1,500 locations.
    pages = {p: t for p, t in big.get("dashboard", {}).get("parsed", {}).items() if p != "app_startup"}
    if pages:
        slowest = max(pages, key=pages.get)
        row(f"every dashboard page's first render < {TARGET_PAGE_S:.0f} s at {TARGET_SIZE:,} locations (issue 7)",
            f"slowest {slowest} {pages[slowest]:.2f} s", pages[slowest] < TARGET_PAGE_S)
    else:
        row(f"every dashboard page's first render < {TARGET_PAGE_S:.0f} s at {TARGET_SIZE:,} locations (issue 7)",
            "–", None)
    return lines


def write_markdown(results: dict[str, object]) -> None:
    """bench/results.md from results.json: machine, commands, one table per measurement, the targets."""
    sizes: dict[str, dict] = results["sizes"]
    mach = results.get("machine", machine())
    lines = [
        "# Benchmarks (issue 8)",
        "",
        f"Machine: {mach['cores']} cores, {mach['ram_gib']} GiB RAM, {mach['os']}, Python {mach['python']}, "
        f"DuckDB {mach.get('duckdb', '?')}. Definitions and how to reproduce: docs/benchmarks.md.",
        "",
        "Drops: `python -m connectors.generator --out data/bench/source_<N> --locations <N> --end-date "
        f"{END_DATE} --daily-tail-days 1 --seed {SEED} --quiet`; the base drop `data/bench/drop_<N>` is a hard-linked "
        f"copy without the {END_DATE} folders, which the incremental refresh adds.",
        "",
        "Runs (per size, the latest command that measured it):",
        "",
    ]
    for size, m in sizes.items():
        for name in MEASUREMENTS:
            if name in m:
                lines.append(f"- {int(size):,} locations, {name}: `{m[name].get('command', '?')}` "
                             f"({m[name].get('measured_at', '?')})")
    for size, m in sizes.items():
        for name, f in m.get("failures", {}).items():
            lines.append(f"- **{int(size):,} locations, {name}: every run FAILED** with `{f['command']}` "
                         f"({f['measured_at']}); log {f['raw'][-1].get('log')}")
    lines += ["", "All times are medians over the runs (min–max and n given), wall seconds; memory = peak RSS of the "
              "whole process tree in MiB (median over runs), sampled every 0.1 s.", ""]

    lines += ["## Full and incremental refresh", "",
              "| locations | raw rows | slots | refresh | wall s | min–max (n) | peak MiB | load s | dbt build s "
              "| quality s | roi s | wave plan s | publish s | other steps s | dbt build MiB |",
              "|---:|---:|---:|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for size, m in sizes.items():
        for kind in ("full", "incremental"):
            if kind not in m:
                continue
            r, st, vol = m[kind], m[kind].get("stages", {}), m.get("volumes", {})
            g = lambda s, k="s": st.get(s, {}).get(k)  # noqa: E731
            lines.append(
                f"| {int(size):,} | {n_(vol.get('raw_rows'))} | {n_(vol.get('slots'))} "
                f"| {kind} | {s_(r['wall_s'])} | {spread(r)} | {mib(r['peak_rss'])} | {s_(g('load'))} "
                f"| {s_(g('dbt build'))} | {s_(g('quality checks'))} | {s_(g('roi'))} | {s_(g('wave plan'))} "
                f"| {s_(g('publish'))} | {s_(g('other steps'))} | {mib(g('dbt build', 'rss'))} |")

    lines += ["", "## Fixed overhead (full refresh)", "",
              "Overhead = wall − work, work = the union of every non-dbt Dagster step (STEP_START..STEP_SUCCESS) and "
              "every dbt node's execution ([logged − Execution Duration, logged] of its Dagster event), parallel work "
              "counted once.", "",
              "| locations | wall s | work s | overhead s | dbt nodes | Σ dbt node s | dbt nodes (union) s "
              "| non-dbt steps s |", "|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for size, m in sizes.items():
        ov = m.get("full", {}).get("overhead")
        if ov:
            lines.append(f"| {int(size):,} | {s_(m['full']['wall_s'])} | {s_(ov['work_s'])} | {s_(ov['overhead_s'])} "
                         f"| {int(ov['dbt_nodes'])} | {s_(ov['dbt_execute_sum_s'])} | {s_(ov['dbt_execute_union_s'])} "
                         f"| {s_(ov['steps_s'])} |")

    lines += ["", "## Floor and the other measurements", "",
              "| locations | floor s | floor MiB | full / floor | DQ process s | DQ checks s (inside) | DQ MiB "
              "| ROI process s | ROI estimate s (inside) | ROI MiB | dashboard process s | dashboard MiB |",
              "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for size, m in sizes.items():
        fl, dq, roi, db = (m.get(k) for k in ("floor", "dq", "roi", "dashboard"))
        ratio = f"{m['full']['wall_s'] / fl['wall_s']:.1f}×" if fl and m.get("full") else "–"
        lines.append(
            f"| {int(size):,} | {s_(fl and fl['wall_s'], 2)} | {mib(fl and fl['peak_rss'])} | {ratio} "
            f"| {s_(dq and dq['wall_s'])} | {s_(dq and dq.get('parsed', {}).get('total'))} "
            f"| {mib(dq and dq['peak_rss'])} "
            f"| {s_(roi and roi['wall_s'])} | {s_(roi and roi.get('parsed', {}).get('roi estimate'), 2)} "
            f"| {mib(roi and roi['peak_rss'])} | {s_(db and db['wall_s'])} | {mib(db and db['peak_rss'])} |")
    pages = sorted({p for m in sizes.values() for p in m.get("dashboard", {}).get("parsed", {})})
    if pages:
        lines += ["", ("Dashboard first render per page (app running, data caches emptied, every query cold; median of runs; "
                              "app_startup = starting the app with its default page, not a page), seconds:"), "",
                  "| page | " + " | ".join(f"{int(s):,} locations" for s in sizes) + " |",
                  "|---|" + "---:|" * len(sizes)]
        for p in pages:
            lines.append(f"| {p} | " + " | ".join(
                s_(m.get("dashboard", {}).get("parsed", {}).get(p), 2) for m in sizes.values()) + " |")
    lines += ["", "## Targets of issue 8", "", *targets(sizes), ""]
    RESULTS_MD.write_text("\n".join(lines) + "\n")
    sync_readme(lines, mach)
    print(f"wrote {RESULTS_MD}, {RESULTS_JSON} and the README's benchmark tables", flush=True)


def sync_readme(lines: list[str], mach: dict[str, object]) -> None:
    """Copy the result tables into README.md between its bench markers (the README quotes, never retypes)."""
    readme = REPO / "README.md"
    start, end = "<!-- bench:start -->", "<!-- bench:end -->"
    text = readme.read_text()
    if start not in text or end not in text:
        return
    first = next(i for i, line in enumerate(lines) if line.startswith("All times are medians"))
    body = [f"Machine: {mach['cores']} cores, {mach['ram_gib']} GiB RAM. Commands and dates of every number: "
            "[bench/results.md](bench/results.md).", ""]
    body += [("###" + line[2:]) if line.startswith("## ") else line for line in lines[first:]]
    head, rest = text.split(start, 1)
    readme.write_text(head + start + "\n" + "\n".join(body).strip() + "\n" + end + rest.split(end, 1)[1])


# ------------------------------------------------------------------------------------------------ main


def bench_size(n: int, args: argparse.Namespace, only: set[str], results: dict[str, object]) -> bool:
    """Every requested measurement of one size, merged into `results` as it goes; False if something failed."""
    source, drop = prepare_drops(n, args.skip_generate)
    entry: dict[str, object] = results["sizes"].setdefault(str(n), {})
    stamp = {"command": " ".join(["python", "bench/run_bench.py", *sys.argv[1:]]),
             "measured_at": f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC", "runs": args.runs}
    ok = True

    def record(name: str, rows: list[dict[str, object]]) -> None:
        nonlocal ok
        if not rows:
            return
        ok = ok and all(r.get("exit") == 0 for r in rows)
        if any(r.get("exit") == 0 for r in rows):
            entry[name] = {**summarize(rows), **stamp, "raw": rows}
            entry.get("failures", {}).pop(name, None)
        else:
            # every run failed: keep the previous good numbers (if any) and record the failure beside them
            entry.setdefault("failures", {})[name] = {**stamp, "raw": rows}
            print(f"[{n}] {name}: every run failed (logs: {rows[-1].get('log')}); previous numbers kept", flush=True)
        save_results(results)

    work = BENCH_DATA / f"run_{n}"
    if only & {"full", "incremental"}:
        fulls, incs, work = bench_refreshes(n, drop, source, args.runs, "incremental" in only)
        if "full" in only or not incs:
            record("full", fulls)
        record("incremental", incs)
        entry["volumes"] = volumes(work)
        save_results(results)
    env = base_env()
    if only & {"full", "incremental"} and not ok:
        # the failed refresh's folder holds its logs and warehouse: keep it for the post-mortem rather than
        # replacing it with another (untimed) refresh for the measurements that need a refreshed warehouse
        print(f"[{n}] refresh failed: dq, roi and dashboard skipped; {work} kept", flush=True)
        only = only - {"dq", "roi", "dashboard"}
    if only & {"dq", "roi", "dashboard"}:
        work = ensure_refreshed(n, drop, source)
        warehouse, published = work / "warehouse.duckdb", work / "published" / "marts.duckdb"
        env_w = {**env, "DSO_WAREHOUSE_PATH": str(warehouse), "DSO_PUBLISHED_PATH": str(published),
                 "DSO_EXTRACTS_DIR": str(work / "drop")}
        if "dq" in only:
            record("dq", bench_subprocess(n, "dq", [sys.executable, "-m", "connectors.quality", "--warehouse",
                                                    str(warehouse)], env_w, work, args.runs, DQ_TIMINGS))
        if "roi" in only:
            record("roi", bench_subprocess(n, "roi", [sys.executable, "bench/roi_bench.py", "--warehouse",
                                                      str(warehouse)], env_w, work, args.runs, ROI_TIME))
        if "dashboard" in only:
            record("dashboard", bench_subprocess(
                n, "dashboard", [sys.executable, "bench/dashboard_bench.py", "--snapshot", str(published),
                                 "--runs", "1"], env_w, work, args.runs, DASHBOARD_PAGE))
    if "floor" in only:
        record("floor", bench_subprocess(n, "floor", [sys.executable, "bench/floor.py", "--drop", str(drop),
                                                      "--out", str(BENCH_DATA / f"floor_{n}.csv")],
                                         env, BENCH_DATA / f"floor_{n}_logs", args.runs))
    return ok


def main() -> int:
    """Benchmark every requested size and measurement; non-zero exit if any run failed."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    # --locations: the old name, still used by `make bench` (BENCH_LOCATIONS)
    ap.add_argument("--sizes", "--locations", dest="sizes", type=int, nargs="+", default=list(DEFAULT_SIZES))
    ap.add_argument("--runs", type=int, default=3, help="repetitions of each measurement (medians reported)")
    ap.add_argument("--skip-generate", action="store_true", help="fail instead of generating a missing source drop")
    ap.add_argument("--only", default=",".join(MEASUREMENTS),
                    help=f"comma-separated subset of {','.join(MEASUREMENTS)}")
    ap.add_argument("--report-only", action="store_true", help="rewrite results.md from results.json and stop")
    args = ap.parse_args()
    only = {s.strip() for s in args.only.split(",") if s.strip()}
    unknown = only - set(MEASUREMENTS)
    if unknown:
        ap.error(f"unknown measurement(s) {sorted(unknown)}; choose from {','.join(MEASUREMENTS)}")
    results = load_results()
    results["machine"] = machine()
    results["seed"], results["end_date"] = SEED, END_DATE
    ok = True
    if not args.report_only:
        for n in args.sizes:
            ok = bench_size(n, args, only, results) and ok
    save_results(results)
    write_markdown(results)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
