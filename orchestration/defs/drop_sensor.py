"""Drop sensor: starts the full refresh when a new extract folder appears in the drop (cursor = folders seen)."""

# No `from __future__ import annotations`: Dagster inspects the sensor function's signature.

import json
import re
import time
from pathlib import Path

import dagster as dg

from connectors import settings
from orchestration.defs.schedules import FULL_REFRESH_JOB

DATE_DIR = re.compile(r"\d{4}-\d{2}-\d{2}")
SETTLE_SECONDS = 60  # a folder modified in the last minute may still be copying: wait for the next tick


def extract_folders(drop: Path, settle_seconds: float = SETTLE_SECONDS, now: float | None = None) -> set[str]:
    """Extract folders of the drop (pms/<source>/<date>, comms/<date>, reviews/<date>), relative, settled only."""
    now = time.time() if now is None else now
    found: set[str] = set()
    parents = [drop / "comms", drop / "reviews"]
    pms = drop / "pms"
    if pms.is_dir():
        parents += [p for p in pms.iterdir() if p.is_dir()]
    for parent in parents:
        if not parent.is_dir():
            continue
        for folder in parent.iterdir():
            if folder.is_dir() and DATE_DIR.fullmatch(folder.name):
                newest = max([folder.stat().st_mtime] + [f.stat().st_mtime for f in folder.iterdir()])
                if now - newest >= settle_seconds:
                    found.add(folder.relative_to(drop).as_posix())
    return found


@dg.sensor(
    name="new_extract_folder",
    job_name=FULL_REFRESH_JOB,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.STOPPED,
    description="Starts the full refresh when a new extract folder lands in the drop.",
)
def new_extract_sensor(context: dg.SensorEvaluationContext):
    """Compare the drop's extract folders with the cursor; one run request for all new folders."""
    folders = extract_folders(settings.extracts_dir())
    seen = set(json.loads(context.cursor)) if context.cursor else set()
    new = sorted(folders - seen)
    if not new:
        return dg.SkipReason(f"no new extract folder ({len(folders)} seen)")
    context.update_cursor(json.dumps(sorted(folders | seen)))
    return dg.RunRequest(
        run_key="new-extracts:" + ",".join(new)[-200:] + f":{len(new)}",
        tags={"dso/new_extract_folders": ", ".join(new)[:1000]},
    )
