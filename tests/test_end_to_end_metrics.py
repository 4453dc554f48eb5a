"""End to end (issue 3): recall conversion and front-desk hours recomputed from the RAW drop, checked against the marts.

The `pipeline_run` fixture (tests/conftest.py) generates a 6-location drop (2 Eaglesoft, 2 Open Dental, 2 Dentrix
locations) and runs every asset. Here a deliberately plain Python implementation reads the vendor CSV files of the
drop directly (never the warehouse) and recomputes, per location, as the contract (metrics.md §2, extracts.md §3)
and the warehouse's documented readings (docs/metrics.md §4) define them:

- recall due instances, conversions and recall_conversion_rate, baseline (as of B) and post (as of D);
- front_desk_comm_hours_per_week, baseline and post;

and requires `rpt_location_baselines` in the published snapshot to agree. Which slots were completed (the visit
happened) comes from the generator's truth (`_truth/slot_outcomes.csv`); everything about recalls — due dates,
recall types, intervals, patient status and location, the link between a visit and a recall — comes from the
vendor files.

What this drop exercises (seed 11): each vendor's visit linkage (checked to matter: counting every completed
appointment as a recall visit changes the converted counts of all three vendors), inactive patients, recall rows
across 22 extracts. It has no disabled Open Dental recall and no implied due date that survives (history starts
2025-07, intervals are 6 months, the first recall extract is 2025-10-06); those paths are implemented here but
only the dbt unit tests (tests/dbt_project/test_metrics.py) hold them. Not checked here: recall_days_due_to_scheduled.
"""

from __future__ import annotations

import calendar
import csv
import json
from collections import defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
import yaml

DEFAULT_TRIGGER_CODES = {"D0120", "D0150", "D1110", "D1120", "D4910"}  # metrics.md §2 defaults
DEFAULT_INTERVAL = (6, 0)  # recall_interval_default when mapping.yml has none: 6 months (extracts.md §7)
Row = dict[str, str | None]


# ---------------------------------------------------------------------------------------------------------------
# Reading the drop


def _read_csv(path: Path) -> list[Row]:
    """Rows of one extract file: the folder manifest's encoding, values trimmed, empty = None (extracts.md §1)."""
    manifest = path.parent / "_manifest.json"
    encoding = "utf-8-sig"
    if manifest.exists() and json.loads(manifest.read_text()).get("encoding") == "windows-1252":
        encoding = "cp1252"
    with open(path, newline="", encoding=encoding) as handle:
        return [
            {key.strip(): (value.strip() or None) if value is not None else None for key, value in row.items()}
            for row in csv.DictReader(handle)
        ]


def _extracts(drop: Path, source_id: str) -> list[tuple[date, Path]]:
    """The source's extract folders in date order."""
    folders = []
    for folder in (drop / "pms" / source_id).iterdir():
        try:
            folders.append((date.fromisoformat(folder.name), folder))
        except ValueError:
            continue
    return sorted(folders)


def _versions(drop: Path, source_id: str, table: str) -> list[tuple[date, int, Row]]:
    """Every version of a table: (extract_date, line, row) over all extract folders."""
    out = []
    for extract_date, folder in _extracts(drop, source_id):
        if (folder / f"{table}.csv").exists():
            for line, row in enumerate(_read_csv(folder / f"{table}.csv"), start=2):
                out.append((extract_date, line, row))
    return out


def _current(drop: Path, source_id: str, table: str, key: str, stamp: str | None = None) -> dict[str, Row]:
    """Current version per key: latest change timestamp, then extract_date, then line (extracts.md §1); a key absent
    from a full extract of the table later than its last appearance is deleted (left out)."""
    best: dict[str, tuple] = {}
    last_seen: dict[str, date] = {}
    full_extracts: list[tuple[date, set[str]]] = []
    for extract_date, folder in _extracts(drop, source_id):
        path = folder / f"{table}.csv"
        if not path.exists():
            continue
        rows = _read_csv(path)
        manifest = folder / "_manifest.json"
        if manifest.exists() and json.loads(manifest.read_text()).get("mode") == "full":
            full_extracts.append((extract_date, {row[key] for row in rows}))
        for line, row in enumerate(rows, start=2):
            rank = ((row.get(stamp) or "") if stamp else "", extract_date, line)
            last_seen[row[key]] = extract_date
            if row[key] not in best or rank > best[row[key]][0]:
                best[row[key]] = (rank, row)
    return {
        k: row for k, (_, row) in best.items()
        if not any(when > last_seen[k] and k not in keys for when, keys in full_extracts)
    }


def _date(value: str | None) -> date | None:
    """A contract date (`YYYY-MM-DD` or `YYYY/MM/DD`, or the date part of a dt); Open Dental's 0001-01-01 = NULL."""
    if not value:
        return None
    parsed = date.fromisoformat(value[:10].replace("/", "-"))
    return None if parsed.year == 1 else parsed


def _add_months(day: date, months: int) -> date:
    """Calendar-month arithmetic, clipped to the month's last day (2025-08-31 + 6 months = 2026-02-28)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def _locations(drop: Path) -> dict[str, dict[str, str]]:
    """locations.csv rows by location_id."""
    with open(drop / "locations.csv", newline="", encoding="utf-8-sig") as handle:
        return {row["location_id"]: row for row in csv.DictReader(handle)}


def _mapping(drop: Path, source_id: str) -> dict:
    """The source's mapping.yml (empty when absent)."""
    path = drop / "pms" / source_id / "mapping.yml"
    return yaml.safe_load(path.read_text()) or {} if path.exists() else {}


def _default_interval(mapping: dict) -> tuple[int, int]:
    """recall_interval_default `Nd|Nw|Nm|Ny` as (months, days); unparseable or absent = 6 months."""
    text = str(mapping.get("recall_interval_default", "")).strip().lower()
    if len(text) >= 2 and text[:-1].isdigit() and text[-1] in "dwmy":
        n = int(text[:-1])
        return {"d": (0, n), "w": (0, 7 * n), "m": (n, 0), "y": (12 * n, 0)}[text[-1]]
    return DEFAULT_INTERVAL


# ---------------------------------------------------------------------------------------------------------------
# Recall, per source: what the vendor files say


class Source:
    """One PMS source's recall inputs, all keyed by the vendor's own patient id."""

    def __init__(self) -> None:
        self.records: set[tuple[str, str, date]] = set()   # (patient, recall type, due) from the recall rows
        self.types: dict[str, set[str]] = defaultdict(set)  # patient -> recall types in the recall rows
        self.first_recall_extract: date | None = None
        self.interval: dict[tuple[str, str], tuple[int, int]] = {}  # (patient, type) -> (months, days); OD only
        self.patient_interval: dict[str, tuple[int, int]] = {}      # patient -> (months, days); Eaglesoft only
        self.default_interval = DEFAULT_INTERVAL
        self.visits: dict[str, set[date]] = defaultdict(set)       # patient -> completed recall visit dates
        self.active_location: dict[str, str] = {}                  # active patient -> location_id

    def instances(self) -> dict[str, set[tuple[str, str, date]]]:
        """Due instances per location: recall rows plus visit-implied due dates before the first recall extract."""
        implied = set()
        for patient, days in self.visits.items():
            for visit in days:
                for recall_type in self.types.get(patient) or {"(none)"}:
                    months, plus_days = (self.interval.get((patient, recall_type))
                                         or self.patient_interval.get(patient) or self.default_interval)
                    due = _add_months(visit, months) + timedelta(days=plus_days)
                    if self.first_recall_extract is None or due < self.first_recall_extract:
                        implied.add((patient, recall_type, due))
        by_location: dict[str, set] = defaultdict(set)
        for patient, recall_type, due in self.records | implied:
            if patient in self.active_location:
                by_location[self.active_location[patient]].add((patient, recall_type, due))
        return by_location

    def first_visit_from(self, patient: str, day: date) -> date | None:
        """The patient's first completed recall visit on or after `day`."""
        later = [visit for visit in self.visits.get(patient, ()) if visit >= day]
        return min(later) if later else None


def _completed_slots(drop: Path) -> dict[str, list[tuple[str, str, date]]]:
    """Truth: completed slots per source as (appointment id, location_id, local visit date)."""
    out: dict[str, list] = defaultdict(list)
    with open(drop / "_truth" / "slot_outcomes.csv", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["outcome"] == "completed":
                out[row["source_id"]].append(
                    (row["appointment_key"], row["location_id"], date.fromisoformat(row["slot_start"][:10])))
    return out


def _location_by_key(locations: dict[str, dict[str, str]], source_id: str) -> dict[str, str]:
    """source_location_key -> location_id for one source ('' = whole database)."""
    return {row["source_location_key"]: loc for loc, row in locations.items() if row["source_id"] == source_id}


def _opendental(drop: Path, source_id: str, keys: dict[str, str], completed: list) -> Source:
    """Open Dental: recall.DateDue else DateDueCalc (not IsDisabled 1), ProcStatus 2 trigger procedures, PatStatus 0."""
    src = Source()
    mapping = _mapping(drop, source_id)
    src.default_interval = _default_interval(mapping)
    triggers = set(mapping.get("recall_trigger_codes") or DEFAULT_TRIGGER_CODES)
    recalls = _versions(drop, source_id, "recall")
    src.first_recall_extract = min(extract for extract, _, _ in recalls) if recalls else None
    latest_interval: dict[tuple[str, str], tuple] = {}
    for extract, line, row in recalls:
        patient, recall_type = row["PatNum"], row["RecallTypeNum"]
        rank = (row["DateTStamp"] or "", extract, line)
        if (patient, recall_type) not in latest_interval or rank > latest_interval[(patient, recall_type)][0]:
            latest_interval[(patient, recall_type)] = (rank, row["RecallInterval"])
        if row["IsDisabled"] in ("1", "true"):
            continue  # a disabled version gives no due date
        src.types[patient].add(recall_type)
        due = _date(row["DateDue"]) or _date(row["DateDueCalc"])
        if due:
            src.records.add((patient, recall_type, due))
    type_default = {k: r["DefaultInterval"] for k, r in _current(drop, source_id, "recalltype", "RecallTypeNum").items()}
    for (patient, recall_type), (_, encoded) in latest_interval.items():
        value = int(encoded or 0) or int(type_default.get(recall_type) or 0)
        if value:  # days + weeks*2^8 + months*2^16 + years*2^24 (extracts.md §3.1)
            src.interval[(patient, recall_type)] = (
                (value >> 16 & 255) + 12 * (value >> 24 & 255), (value & 255) + 7 * (value >> 8 & 255))
    codes = {k: r["ProcCode"] for k, r in _current(drop, source_id, "procedurecode", "CodeNum").items()}
    recall_apts = {
        row["AptNum"] for row in _current(drop, source_id, "procedurelog", "ProcNum", "DateTStamp").values()
        if row["ProcStatus"] == "2" and codes.get(row["CodeNum"]) in triggers
    }
    apt_patient = {k: r["PatNum"] for k, r in _current(drop, source_id, "appointment", "AptNum", "DateTStamp").items()}
    latest_completed: dict[str, tuple[date, str]] = {}
    for apt, location_id, day in completed:
        patient = apt_patient[apt]
        if apt in recall_apts:
            src.visits[patient].add(day)
        if patient not in latest_completed or day >= latest_completed[patient][0]:
            latest_completed[patient] = (day, location_id)
    for patient, row in _current(drop, source_id, "patient", "PatNum", "DateTStamp").items():
        location = keys.get(row["ClinicNum"] or "") or (latest_completed.get(patient) or (None, None))[1]
        if row["PatStatus"] == "0" and location:
            src.active_location[patient] = location
    return src


def _eaglesoft(drop: Path, source_id: str, keys: dict[str, str], completed: list) -> Source:
    """Eaglesoft: patient_recalls.next_recall_date; visit = recall_id on the appointment or a last_recall_date."""
    src = Source()
    mapping = _mapping(drop, source_id)
    src.default_interval = _default_interval(mapping)
    weeks = mapping.get("recall_frequency_unit") == "weeks"
    recalls = _versions(drop, source_id, "patient_recalls")
    src.first_recall_extract = min(extract for extract, _, _ in recalls) if recalls else None
    last_recall: dict[str, set[date]] = defaultdict(set)
    for _, _, row in recalls:
        src.types[row["patient_id"]].add(row["recall_id"])
        if _date(row["next_recall_date"]):
            src.records.add((row["patient_id"], row["recall_id"], _date(row["next_recall_date"])))
        if _date(row.get("last_recall_date")):
            last_recall[row["patient_id"]].add(_date(row["last_recall_date"]))
    appointments = _current(drop, source_id, "appointment", "appointment_id")
    for apt, _, day in completed:
        row = appointments[apt]
        if row.get("recall_id") not in (None, "0") or day in last_recall[row["patient_id"]]:
            src.visits[row["patient_id"]].add(day)
    for patient, row in _current(drop, source_id, "patient", "patient_id").items():
        frequency = int(row.get("recall_frequency") or 0)
        if frequency:
            src.patient_interval[patient] = (0, 7 * frequency) if weeks else (frequency, 0)
        if row["status"] == "A" and row["patient_status"] == "Y" and keys.get(row["practice_id"] or ""):
            src.active_location[patient] = keys[row["practice_id"] or ""]
    return src


def _dentrix(drop: Path, source_id: str, keys: dict[str, str], completed: list) -> Source:
    """Dentrix (single-location database): recallpending.duedate; visit = completed appointment on a priordate."""
    assert list(keys) == [""], "this check covers single-location Dentrix databases only"
    src = Source()
    src.default_interval = _default_interval(_mapping(drop, source_id))
    recalls = _versions(drop, source_id, "recallpending")
    assert recalls, "the generated Dentrix sources export recallpending"
    src.first_recall_extract = min(extract for extract, _, _ in recalls)
    prior: dict[str, set[date]] = defaultdict(set)
    for _, _, row in recalls:
        src.types[row["patid"]].add(row["recallid"])
        if _date(row["duedate"]):
            src.records.add((row["patid"], row["recallid"], _date(row["duedate"])))
        if _date(row.get("priordate")):
            prior[row["patid"]].add(_date(row["priordate"]))
    appointments = _current(drop, source_id, "v_appt", "appointment_id", "modified_time_stamp")
    for apt, _, day in completed:
        patient = appointments[apt]["patient_id"]
        if day in prior[patient]:
            src.visits[patient].add(day)
    for patient, row in _current(drop, source_id, "v_patient", "patient_id").items():
        if row["status"] == "1":
            src.active_location[patient] = keys[""]
    return src


def _recall_counts(src: Source, instances: set, start: date, end: date) -> tuple[int, int]:
    """(due instances with due in [start, end), those converted by a recall visit in [due - 60 d, end))."""
    due = [(patient, day) for patient, _, day in instances if start <= day < end]
    converted = 0
    for patient, day in due:
        first = src.first_visit_from(patient, day - timedelta(days=60))
        converted += first is not None and first < end
    return len(due), converted


# ---------------------------------------------------------------------------------------------------------------
# Front-desk hours


def _study_weeks(drop: Path) -> dict[str, dict[date, float]]:
    """Per location: study week -> communication hours summed over roles (NULL = 0; last line per key wins)."""
    rows: dict[tuple[str, str, str], Row] = {}
    for row in _read_csv(drop / "manual" / "time_study.csv"):
        rows[(row["location_id"], row["week_start"], row["staff_role"])] = row
    weeks: dict[str, dict[date, float]] = defaultdict(lambda: defaultdict(float))
    columns = ("hours_confirmations", "hours_recall_calls", "hours_patient_inquiries", "hours_other_communication")
    for (location_id, week_start, _), row in rows.items():
        weeks[location_id][date.fromisoformat(week_start)] += sum(float(row[c] or 0) for c in columns)
    return weeks


def _latest_run_mean(weeks: dict[date, float], first: date, end: date) -> float | None:
    """Mean weekly hours over the latest run of consecutive study weeks starting >= first and ended by `end`."""
    usable = sorted((w for w in weeks if w >= first and w + timedelta(days=7) <= end), reverse=True)
    if not usable:
        return None
    run = [usable[0]]
    for week in usable[1:]:
        if run[-1] - week != timedelta(days=7):
            break
        run.append(week)
    return sum(weeks[w] for w in run) / len(run)


# ---------------------------------------------------------------------------------------------------------------
# The test


BUILDERS = {"opendental": _opendental, "eaglesoft": _eaglesoft, "dentrix": _dentrix}
COLUMNS = (
    "location_id", "as_of_date", "baseline_as_of_date", "baseline_recall_window_start", "post_status",
    "post_window_start", "post_recall_window_start",
    "baseline_recall_due_instances", "baseline_recall_converted", "baseline_recall_conversion_rate",
    "post_recall_due_instances", "post_recall_converted", "post_recall_conversion_rate",
    "baseline_front_desk_comm_hours_per_week", "post_front_desk_comm_hours_per_week",
)


def test_recall_conversion_and_front_desk_hours_match_the_raw_files(pipeline_run: dict) -> None:
    """recall_conversion_rate (baseline, post) and front_desk_comm_hours_per_week recomputed from the vendor files."""
    drop, end_date = pipeline_run["drop"], pipeline_run["end_date"]
    locations = _locations(drop)
    with duckdb.connect(str(pipeline_run["published"]), read_only=True) as con:
        marts = {
            row[0]: dict(zip(COLUMNS, row))
            for row in con.sql(f"select {', '.join(COLUMNS)} from rpt_location_baselines").fetchall()
        }
    assert set(marts) == set(locations)
    completed = _completed_slots(drop)
    study = _study_weeks(drop)
    instances: dict[str, set] = {}
    source_of: dict[str, Source] = {}
    for source_id in sorted({row["source_id"] for row in locations.values()}):
        vendor = next(row["pms"] for row in locations.values() if row["source_id"] == source_id)
        src = BUILDERS[vendor](drop, source_id, _location_by_key(locations, source_id), completed[source_id])
        for location_id, found in src.instances().items():
            instances[location_id] = found
            source_of[location_id] = src

    checked_vendors: set[str] = set()
    reported_posts = 0
    for location_id, location in sorted(locations.items()):
        mart = marts[location_id]
        go_live = date.fromisoformat(location["go_live_date"]) if location["go_live_date"] else None
        live = go_live is not None and go_live <= end_date
        d = end_date  # the as-of date: the latest extract date (no DSO_AS_OF_DATE in the fixture)
        b = go_live if live else d  # baseline as of go-live when live (metrics.md §2)
        assert mart["as_of_date"] == d, location_id
        assert mart["baseline_as_of_date"] == b, location_id
        assert mart["baseline_recall_window_start"] == _add_months(b, -6), location_id

        # Recall conversion, baseline: instances due in [B - 6 months, B), converted by a visit in [due - 60 d, B).
        src, own = source_of[location_id], instances[location_id]
        due, converted = _recall_counts(src, own, _add_months(b, -6), b)
        assert due > 20, (location_id, due)  # enough instances for the comparison to mean something
        assert (mart["baseline_recall_due_instances"], mart["baseline_recall_converted"]) == (due, converted), location_id
        assert mart["baseline_recall_conversion_rate"] == pytest.approx(converted / due, abs=1e-12), location_id

        # Front-desk hours, baseline: latest run of consecutive study weeks that ended by B.
        hours = _latest_run_mean(study[location_id], date.min, b)
        if hours is None:
            assert mart["baseline_front_desk_comm_hours_per_week"] is None, location_id
        else:
            assert mart["baseline_front_desk_comm_hours_per_week"] == pytest.approx(hours, abs=1e-9), location_id
        checked_vendors.add(location["pms"])

        if not live or d - (go_live + timedelta(days=14)) < timedelta(days=28):
            assert mart["post_recall_conversion_rate"] is None, location_id
            continue
        # Post, as of D, windows clipped to start no earlier than G + 14 d.
        stabilised = go_live + timedelta(days=14)
        assert mart["post_status"] == "reported", location_id
        assert mart["post_window_start"] == max(d - timedelta(days=90), stabilised), location_id
        post_start = max(_add_months(d, -6), stabilised)
        assert mart["post_recall_window_start"] == post_start, location_id
        due, converted = _recall_counts(src, own, post_start, d)
        assert (mart["post_recall_due_instances"], mart["post_recall_converted"]) == (due, converted), location_id
        if due:
            assert mart["post_recall_conversion_rate"] == pytest.approx(converted / due, abs=1e-12), location_id
        post_hours = _latest_run_mean(study[location_id], stabilised, d)
        if post_hours is None:
            assert mart["post_front_desk_comm_hours_per_week"] is None, location_id
        else:
            assert mart["post_front_desk_comm_hours_per_week"] == pytest.approx(post_hours, abs=1e-9), location_id
        reported_posts += 1

    assert checked_vendors == {"opendental", "eaglesoft", "dentrix"}
    assert reported_posts >= 2
