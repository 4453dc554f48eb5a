"""Rollback alert: an asset check on the rollback monitor that fails visibly and writes an on-call log line."""

# No `from __future__ import annotations`: Dagster reads the resource annotations at runtime.

import os
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path

import dagster as dg
import duckdb

from connectors import settings
from orchestration.resources import WarehouseResource

MONITOR_KEY = dg.AssetKey(["marts", "rpt_rollback_monitor"])
SYSTEMIC_KEY = dg.AssetKey(["marts", "rpt_rollback_systemic_days"])
LOOKBACK_DAYS = 7  # a run that was skipped for a few days still alerts on what it missed; the log dedupes


def alert_log_path() -> Path:
    """The on-call log: $DSO_ROLLBACK_ALERT_LOG, default <repo>/data/alerts/rollback.log."""
    configured = os.environ.get("DSO_ROLLBACK_ALERT_LOG")
    return Path(configured) if configured else settings.REPO_ROOT / "data" / "alerts" / "rollback.log"


@dataclass(frozen=True)
class Alert:
    """One fired trigger: a location-day (location_id set) or a systemic day (location_id None)."""

    monitor_date: date
    location_id: str | None
    triggers: tuple[str, ...]
    detail: str

    def line(self) -> str:
        """The log line (no timestamp, so the same alert is recognised in a later run): no patient data."""
        who = self.location_id or "SYSTEMIC"
        return f"ROLLBACK {self.monitor_date} {who} triggers={','.join(self.triggers)} {self.detail}"


def rollback_alerts(con: duckdb.DuckDBPyConnection, lookback_days: int = LOOKBACK_DAYS) -> list[Alert]:
    """Fired triggers of the last `lookback_days` monitored days, location-days first, then systemic days."""
    rows = con.sql(f"""
        with latest as (select max(monitor_date) as d from marts.rpt_rollback_monitor)
        select monitor_date, location_id, triggers,
               'unsynced ' || unsynced_changes || '/' || appointment_changes || ' changes; down ' || down_business_hours
               || ' business h; incidents ' || coalesce(array_to_string(trigger_incident_ids, ','), '-')
        from marts.rpt_rollback_monitor, latest
        where any_trigger and monitor_date > latest.d - interval {int(lookback_days)} day
        order by monitor_date, location_id
    """).fetchall()
    alerts = [Alert(r[0], r[1], tuple(r[2]), r[3]) for r in rows]
    systemic = con.sql(f"""
        with latest as (select max(monitor_date) as d from marts.rpt_rollback_systemic_days)
        select monitor_date, triggered_locations, live_locations
        from marts.rpt_rollback_systemic_days, latest
        where is_systemic and monitor_date > latest.d - interval {int(lookback_days)} day
        order by monitor_date
    """).fetchall()
    alerts += [Alert(r[0], None, ("systemic",), f"{r[1]} of {r[2]} live locations triggered: ALL WAVES PAUSE")
               for r in systemic]
    return alerts


def append_alerts(path: Path, alerts: list[Alert]) -> int:
    """Append each alert not already in the log (timestamped); returns how many lines were written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    known = set()
    if path.exists():
        # lines are "<utc time> <alert line>": compare without the time
        known = {ln.split(" ", 1)[1] for ln in path.read_text(encoding="utf-8").splitlines() if " " in ln}
    new = [a.line() for a in alerts if a.line() not in known]
    if new:
        now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        with path.open("a", encoding="utf-8") as fh:
            fh.writelines(f"{now} {ln}\n" for ln in new)
    return len(new)


@dg.asset_check(
    asset=MONITOR_KEY,
    name="no_rollback_trigger",
    additional_deps=[SYSTEMIC_KEY],
    description="Fails (ERROR) when a rollback trigger fired in the last 7 monitored days; appends to the on-call log.",
)
def rollback_trigger_check(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    """Visible alert: failed check with the fired triggers, and new lines in data/alerts/rollback.log."""
    with warehouse.connect(read_only=True) as con:
        alerts = rollback_alerts(con)
    log = alert_log_path()
    written = append_alerts(log, alerts)
    systemic = [a for a in alerts if a.location_id is None]
    if not alerts:
        return dg.AssetCheckResult(passed=True, description="no rollback trigger in the last 7 monitored days")
    head = (f"SYSTEMIC on {', '.join(str(a.monitor_date) for a in systemic)}: all waves pause. " if systemic else "")
    locs = sorted({a.location_id for a in alerts if a.location_id})
    return dg.AssetCheckResult(
        passed=False,
        severity=dg.AssetCheckSeverity.ERROR,
        description=f"{head}Rollback trigger at {len(locs)} location(s): {', '.join(locs[:20])}. See {log}.",
        metadata={
            "alerts": dg.MetadataValue.md("\n".join(f"- {a.line()}" for a in alerts[:50])),
            "new_log_lines": written,
            "alert_log": str(log),
        },
    )
