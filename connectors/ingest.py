"""Load a whole extract drop into the raw layer (docs/architecture.md, extracts.md §1, §7, §8).

Usage: python -m connectors.ingest --drop DIR --warehouse FILE [--sources od_main,comms]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import sys
import tempfile
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Callable

import duckdb
import yaml

from connectors import settings
from connectors.base import COMMON_MAPPING_KEYS, VendorReader
from connectors.comms import CommsReader
from connectors.dentrix import DentrixReader
from connectors.eaglesoft import EaglesoftReader
from connectors.engine import (FileJob, FileResult, Prepared, apply_deletions, drop_keys, group_files,
                               load_group, load_single, prepare, sql_str)
from connectors.manual import ManualReader
from connectors.opendental import OpenDentalReader
from connectors.registry import RegistryReader
from connectors.reviews import ReviewsReader
from connectors.spec import all_tables

log = logging.getLogger("connectors.ingest")

READERS: dict[str, VendorReader] = {
    r.vendor: r
    for r in (OpenDentalReader(), EaglesoftReader(), DentrixReader(), CommsReader(), ReviewsReader(),
              ManualReader(), RegistryReader())
}
PMS_VENDORS = ("opendental", "eaglesoft", "dentrix")
FEEDS = ("comms", "reviews", "manual")
RE_SOURCE_ID = re.compile(r"[A-Za-z0-9_-]+")
RE_DATE_FOLDER = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
RE_INTERVAL = re.compile(r"[0-9]+[dwmy]")

META_DDL = [
    """CREATE TABLE IF NOT EXISTS meta.file_loads (load_id VARCHAR, file VARCHAR, source_id VARCHAR,
       vendor VARCHAR, table_name VARCHAR, extract_date DATE, mode VARCHAR, encoding VARCHAR, status VARCHAR,
       message VARCHAR, rows_read BIGINT, rows_loaded BIGINT, rows_quarantined BIGINT, warnings VARCHAR[])""",
    """CREATE TABLE IF NOT EXISTS meta.quarantine (load_id VARCHAR, file VARCHAR, line BIGINT, source_id VARCHAR,
       vendor VARCHAR, table_name VARCHAR, extract_date DATE, reason VARCHAR, raw_record VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS meta.parse_findings (load_id VARCHAR, file VARCHAR, table_name VARCHAR,
       column_name VARCHAR, finding VARCHAR, n_rows BIGINT)""",
    # Drop-level warnings (ignored folders, unknown files): not tied to a loaded file.
    """CREATE TABLE IF NOT EXISTS meta.load_warnings (load_id VARCHAR, source_id VARCHAR, path VARCHAR,
       message VARCHAR)""",
    # Size and mtime of every file of every unit at its last load: an incremental load reads only what changed.
    """CREATE TABLE IF NOT EXISTS meta.file_fingerprints (source_id VARCHAR, path VARCHAR, size BIGINT,
       mtime_ns BIGINT)""",
    # One row per load_drop call, in order: what it did per unit. dbt's incremental models read it to find
    # the rows they have not processed yet (load_seq) and the units whose rows were replaced.
    """CREATE TABLE IF NOT EXISTS meta.loads (load_seq BIGINT, load_id VARCHAR, drop_dir VARCHAR, kind VARCHAR,
       reloaded_units VARCHAR[], appended_units VARCHAR[], skipped_units INTEGER, loaded_at TIMESTAMP)""",
]
RAW_CONFIG_DDL = [
    """CREATE TABLE IF NOT EXISTS raw.source_settings (source_id VARCHAR, vendor VARCHAR,
       recall_trigger_codes VARCHAR[], recall_interval_default VARCHAR, location_for_blank_key VARCHAR,
       recall_frequency_unit VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS raw.source_code_overrides (source_id VARCHAR, table_name VARCHAR,
       column_name VARCHAR, code VARCHAR, canonical VARCHAR)""",
]
META_TABLES = ("meta.file_loads", "meta.quarantine", "meta.parse_findings", "meta.load_warnings",
               "meta.file_fingerprints")


@dataclass
class LoadReport:
    """What one load_drop call did: one FileResult per file (and per folder/source error), plus warnings."""

    load_id: str
    files: list[FileResult] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    scope: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[FileResult]:
        """Results with status 'error' (files, folders, sources)."""
        return [f for f in self.files if f.status == "error"]

    @property
    def loaded(self) -> list[FileResult]:
        """Files loaded."""
        return [f for f in self.files if f.status == "loaded"]

    def result(self, file: str) -> FileResult:
        """The result of one file (path relative to the drop)."""
        for f in self.files:
            if f.file == file:
                return f
        raise KeyError(file)

    def summary_table(self) -> str:
        """A per-file text table: file, status, rows read / loaded / quarantined, deleted versions, message."""
        head = ("file", "status", "read", "loaded", "quar.", "deleted", "message / warnings")
        rows = [head]
        for f in self.files:
            note = f.message or "; ".join(f.warnings)
            rows.append((f.file, f.status, str(f.rows_read), str(f.rows_loaded), str(f.rows_quarantined),
                         str(f.deleted_versions), note))
        widths = [max(len(r[i]) for r in rows) for i in range(len(head) - 1)]
        lines = ["  ".join(c.ljust(w) for c, w in zip(r[:-1], widths)) + "  " + r[-1] for r in rows]
        total = (f"{len(self.loaded)} files loaded, {len(self.errors)} errors, "
                 f"{sum(f.rows_loaded for f in self.files)} rows loaded, "
                 f"{sum(f.rows_quarantined for f in self.files)} quarantined, {len(self.warnings)} warnings")
        return "\n".join(lines + ["", total] + [f"warning: {w}" for w in self.warnings])


@dataclass
class UnitPlan:
    """One load unit (a PMS source, comms, reviews, manual, registry): its files in load order."""

    source_id: str
    reader: VendorReader | None
    jobs: list[FileJob] = field(default_factory=list)
    errors: list[FileResult] = field(default_factory=list)
    settings_row: dict[str, Any] | None = None
    append_only: bool = False  # incremental: only new extract folders; earlier rows and settings stay
    overrides: list[tuple[str, str, str, str, str]] = field(default_factory=list)
    has_location_keys: bool = False


# --------------------------------------------------------------------------- schema


def create_schema(con: duckdb.DuckDBPyConnection, *, replace: bool) -> None:
    """Create (or, for a full refresh, drop and recreate) every raw and meta table."""
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    con.execute("CREATE SCHEMA IF NOT EXISTS meta")
    if replace:
        for t in all_tables():
            con.execute(f"DROP TABLE IF EXISTS {t.qualified}")
        for name in META_TABLES + ("raw.source_settings", "raw.source_code_overrides"):
            con.execute(f"DROP TABLE IF EXISTS {name}")
    for t in all_tables():
        con.execute(t.ddl())
    for ddl in META_DDL + RAW_CONFIG_DDL:
        con.execute(ddl)


def _delete_units(con: duckdb.DuckDBPyConnection, units: set[str]) -> None:
    """Remove every row of these load units (raw tables and meta) before they are reloaded."""
    ids = sorted(units)
    for t in all_tables():
        con.execute(f"DELETE FROM {t.qualified} WHERE _source_id IN (SELECT unnest(?::VARCHAR[]))", [ids])
    for name in ("meta.file_loads", "meta.quarantine", "meta.load_warnings", "raw.source_settings",
                 "raw.source_code_overrides", "meta.file_fingerprints"):
        con.execute(f"DELETE FROM {name} WHERE source_id IN (SELECT unnest(?::VARCHAR[]))", [ids])
    # parse_findings has no source_id: delete by the files of those units recorded in file_loads (already gone),
    # so match on the path prefix each unit's files share.
    for u in ids:
        prefix = {"registry": "locations.csv", "comms": "comms/", "reviews": "reviews/", "manual": "manual/"}.get(
            u, f"pms/{u}/")
        con.execute("DELETE FROM meta.parse_findings WHERE file = ? OR starts_with(file, ?)", [prefix, prefix])


# --------------------------------------------------------------------------- discovery


def _read_manifest(folder: Path, rel: str) -> tuple[dict[str, str] | None, str | None, list[str]]:
    """(manifest settings, error, warnings) of an extract folder; defaults delta / utf-8."""
    path = folder / "_manifest.json"
    out = {"mode": "delta", "encoding": "utf-8"}
    if not path.exists():
        return out, None, []
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return None, f"{rel}/_manifest.json: invalid manifest (not JSON: {exc.__class__.__name__}); folder not loaded", []
    if not isinstance(doc, dict):
        return None, f"{rel}/_manifest.json: invalid manifest (not a JSON object); folder not loaded", []
    warnings = [f"{rel}/_manifest.json: unknown key '{k}' ignored" for k in doc if k not in ("mode", "encoding")]
    mode = doc.get("mode", "delta")
    enc = doc.get("encoding", "utf-8")
    if mode not in ("full", "delta"):
        return None, f"{rel}/_manifest.json: invalid manifest: mode {mode!r} is not 'full' or 'delta'; folder not loaded", warnings
    if not isinstance(enc, str) or enc.lower() not in ("utf-8", "windows-1252"):
        return None, (f"{rel}/_manifest.json: invalid manifest: encoding {enc!r} is not 'utf-8' or 'windows-1252'; "
                      "folder not loaded"), warnings
    return {"mode": mode, "encoding": enc.lower()}, None, warnings


def _validate_mapping(doc: Any, reader: VendorReader, known_locations: set[str]) -> tuple[list[str], list[str]]:
    """(errors, warnings) of a mapping.yml document for a source of `reader`'s vendor."""
    if doc is None:
        return [], []
    if not isinstance(doc, dict):
        return ["not a YAML mapping"], []
    errors: list[str] = []
    warnings: list[str] = []
    allowed = COMMON_MAPPING_KEYS | reader.extra_mapping_keys
    for k in doc:
        if k not in allowed:
            errors.append(f"key '{k}' is not allowed for a {reader.vendor} source")
    tables = reader.spec.tables
    cols = doc.get("columns") or {}
    if not isinstance(cols, dict):
        errors.append("columns must map <table>: {<contract name>: <name in the files>}")
    else:
        for tname, ren in cols.items():
            if tname not in tables:
                errors.append(f"columns: unknown table '{tname}'")
            elif not isinstance(ren, dict) or not all(isinstance(v, str) for v in ren.values()):
                errors.append(f"columns.{tname} must map contract names to file column names")
            else:
                names = {c.name for c in tables[tname].columns}
                errors += [f"columns.{tname}: unknown contract column '{c}'" for c in ren if c not in names]
    codes = doc.get("codes") or {}
    if not isinstance(codes, dict):
        errors.append("codes must map <table>.<column>: {<value>: <canonical>}")
    else:
        for tc, m in codes.items():
            tname, _, cname = str(tc).partition(".")
            if tname not in tables or cname not in {c.name for c in tables[tname].columns}:
                errors.append(f"codes: unknown table.column '{tc}'")
            elif not isinstance(m, dict) or not all(isinstance(v, str) for v in m.values()):
                errors.append(f"codes.{tc} must map code values to canonical names")
    rtc = doc.get("recall_trigger_codes")
    if rtc is not None and (not isinstance(rtc, list) or not all(isinstance(c, str) and c.strip() for c in rtc)):
        errors.append("recall_trigger_codes must be a list of procedure codes")
    rid = doc.get("recall_interval_default")
    if rid is not None and not (isinstance(rid, str) and RE_INTERVAL.fullmatch(rid)):
        errors.append(f"recall_interval_default {rid!r} is not Nd|Nw|Nm|Ny")
    lbk = doc.get("location_for_blank_key")
    if lbk is not None:
        if not isinstance(lbk, str):
            errors.append("location_for_blank_key must be a location_id")
        elif lbk not in known_locations:
            warnings.append(f"location_for_blank_key '{lbk}' is not a location of locations.csv")
    rfu = doc.get("recall_frequency_unit")
    if rfu is not None and rfu not in ("months", "weeks"):
        errors.append(f"recall_frequency_unit {rfu!r} is not months or weeks")
    return errors, warnings


def _error(rel: str, source_id: str, vendor: str | None, message: str, extract_date: date | None = None) -> FileResult:
    """A folder- or source-level error row (table_name NULL)."""
    return FileResult(rel, source_id, vendor or "", None, extract_date, None, None, "error", message)


def _folder_jobs(plan: UnitPlan, folder: Path, drop: Path, reader: VendorReader, extract_date: date | None,
                 load_id: str, renames: dict[str, dict[str, str]], warnings: list[tuple[str, str, str]]) -> None:
    """Add a FileJob per contract file in `folder` (one extract), after reading its manifest."""
    rel = folder.relative_to(drop).as_posix()
    manifest, err, mwarn = _read_manifest(folder, rel)
    warnings += [(plan.source_id, rel, w) for w in mwarn]
    if err:
        plan.errors.append(_error(rel, plan.source_id, reader.vendor, err, extract_date))
        return
    for f in sorted(folder.iterdir()):
        frel = f.relative_to(drop).as_posix()
        if f.name == "_manifest.json":
            continue
        table = reader.table(f.stem) if f.is_file() and f.suffix == ".csv" else None
        if table is None:
            warnings.append((plan.source_id, frel, f"{frel}: not a {reader.vendor} contract file; ignored"))
            continue
        plan.jobs.append(FileJob(f, frel, table, plan.source_id, extract_date, manifest["mode"],
                                 manifest["encoding"], load_id, renames.get(table.name, {})))


def _dated_folders(parent: Path, drop: Path, source_id: str, warnings: list[tuple[str, str, str]],
                   allowed_files: tuple[str, ...] = ()) -> list[tuple[date, Path]]:
    """Subfolders named YYYY-MM-DD (sorted by date); anything else is ignored with a warning."""
    out: list[tuple[date, Path]] = []
    for p in sorted(parent.iterdir()):
        rel = p.relative_to(drop).as_posix()
        if p.is_file():
            if p.name not in allowed_files:
                warnings.append((source_id, rel, f"{rel}: unexpected file; ignored"))
            continue
        try:
            if not RE_DATE_FOLDER.fullmatch(p.name):
                raise ValueError
            out.append((date.fromisoformat(p.name), p))
        except ValueError:
            warnings.append((source_id, rel, f"{rel}: folder name is not an extract date YYYY-MM-DD; ignored"))
    return sorted(out)


def _pms_plan(sdir: Path, drop: Path, load_id: str, sources: dict[str, tuple[list[str], bool]],
              known: set[str], warnings: list[tuple[str, str, str]]) -> UnitPlan:
    """Plan one PMS source folder: vendor from locations.csv, mapping.yml, extract folders in date order."""
    sid = sdir.name
    rel = sdir.relative_to(drop).as_posix()
    vendors, has_keys = sources.get(sid, ([], False))
    if len(vendors) != 1:
        plan = UnitPlan(sid, None)
        why = ("no location in locations.csv has this source_id" if not vendors
               else f"locations.csv gives it several pms values ({', '.join(vendors)})")
        plan.errors.append(_error(rel, sid, None, f"{rel}: {why}; source not loaded"))
        return plan
    reader = READERS[vendors[0]]
    plan = UnitPlan(sid, reader, has_location_keys=has_keys)
    doc: Any = None
    mpath = sdir / "mapping.yml"
    if mpath.exists():
        try:
            doc = yaml.safe_load(mpath.read_text(encoding="utf-8"))
            errors, mwarn = _validate_mapping(doc, reader, known)
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            errors, mwarn = [f"not valid YAML ({exc.__class__.__name__})"], []
        warnings += [(sid, f"{rel}/mapping.yml", f"{rel}/mapping.yml: {w}") for w in mwarn]
        if errors:
            plan.errors.append(_error(f"{rel}/mapping.yml", sid, reader.vendor,
                                      f"{rel}/mapping.yml: invalid mapping: {'; '.join(errors)}; source not loaded"))
            return plan
    doc = doc or {}
    row = reader.settings_defaults()
    for k in row:
        if doc.get(k) is not None:
            row[k] = doc[k]
    plan.settings_row = row
    for tc, m in (doc.get("codes") or {}).items():
        tname, _, cname = tc.partition(".")
        plan.overrides += [(sid, tname, cname, str(code), str(canon)) for code, canon in m.items()]
    renames = doc.get("columns") or {}
    for d, folder in _dated_folders(sdir, drop, sid, warnings, allowed_files=("mapping.yml",)):
        _folder_jobs(plan, folder, drop, reader, d, load_id, renames, warnings)
    return plan


def _feed_plan(kind: str, drop: Path, load_id: str, warnings: list[tuple[str, str, str]]) -> UnitPlan:
    """Plan comms/<date>/, reviews/<date>/ or manual/."""
    reader = READERS[kind]
    plan = UnitPlan(kind, reader)
    folder = drop / kind
    if not folder.is_dir():
        return plan
    if kind == "manual":
        _folder_jobs(plan, folder, drop, reader, None, load_id, {}, warnings)
        for j in plan.jobs:
            j.mode = "delta"  # manual templates: one current file each, never deletions
    else:
        for d, sub in _dated_folders(folder, drop, kind, warnings):
            _folder_jobs(plan, sub, drop, reader, d, load_id, {}, warnings)
    return plan


# --------------------------------------------------------------------------- load


def _resolve_scope(tokens: list[str] | None, pms_ids: set[str], source_vendor: dict[str, list[str]]) -> set[str] | None:
    """Load units named by `sources`: feeds, 'registry', 'pms', a vendor name, or a source_id."""
    if tokens is None:
        return None
    units: set[str] = set()
    for tok in tokens:
        if tok in FEEDS or tok == "registry":
            units.add(tok)
        elif tok == "pms":
            units |= pms_ids
        elif tok in PMS_VENDORS:
            units |= {s for s, v in source_vendor.items() if v == [tok]}
        elif RE_SOURCE_ID.fullmatch(tok):
            units.add(tok)
        else:
            raise ValueError(f"unknown source {tok!r}")
    return units


def _locations(con: duckdb.DuckDBPyConnection) -> tuple[set[str], dict[str, tuple[list[str], bool]]]:
    """Known location ids and, per source_id, (distinct pms values, any non-blank source_location_key)."""
    known = {r[0] for r in con.sql(
        'SELECT DISTINCT location_id FROM raw."registry__locations" WHERE NOT _is_deleted').fetchall()}
    sources = {r[0]: (sorted(r[1]), bool(r[2])) for r in con.sql(
        'SELECT source_id, list(DISTINCT pms), bool_or(source_location_key IS NOT NULL) '
        'FROM raw."registry__locations" GROUP BY source_id').fetchall()}
    con.execute('CREATE OR REPLACE TEMP TABLE _known_locations AS SELECT DISTINCT location_id '
                'FROM raw."registry__locations"')
    return known, sources


def load_drop(drop_dir: Path, con: duckdb.DuckDBPyConnection, *, sources: list[str] | None = None,
              incremental: bool = False, progress: Callable[[int, int, str], None] | None = None) -> LoadReport:
    """Read a drop into raw.* and meta.*: everything, only `sources`' units, or (incremental) what changed.

    sources=None and incremental=False replaces everything. incremental=True compares every unit's files with
    the fingerprints of the previous load of the same drop: an unchanged unit is skipped, a unit that only
    gained later extract folders (no full extract among them) gets those files appended, any other change
    reloads that unit; with no usable previous load, or a changed locations.csv, it is a full replace.
    """
    drop = Path(drop_dir).resolve()
    load_id = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ-") + uuid.uuid4().hex[:8]
    report = LoadReport(load_id)
    # DuckDB's progress bar would print into pipeline logs for every large file.
    con.execute("SET enable_progress_bar = false")
    # Record numbering (row_number() over the CSV scan) relies on DuckDB keeping files and records in order.
    con.execute("SET preserve_insertion_order = true")
    previous = _previous_fingerprints(con, drop) if incremental and sources is None else None
    # Each unit's files are listed (one stat per file) once per load: compared here, recorded at the end.
    listed: dict[str, dict[str, tuple[int, int]]] = {}

    def unit_files(unit: str) -> dict[str, tuple[int, int]]:
        if unit not in listed:
            listed[unit] = _unit_files(drop, unit)
        return listed[unit]

    if previous is not None and previous.get("registry") != unit_files("registry"):
        previous = None  # the registry decides every unit's vendor and known locations: reload everything
    kind = "incremental" if previous is not None else ("full" if sources is None else "partial")
    create_schema(con, replace=kind == "full")
    warnings: list[tuple[str, str, str]] = []
    results: list[FileResult] = []
    pms_dir = drop / "pms"
    pms_ids = {p.name for p in pms_dir.iterdir() if p.is_dir()} if pms_dir.is_dir() else set()
    reloaded: set[str] = set()
    appended: set[str] = set()
    skipped = 0

    with tempfile.TemporaryDirectory(prefix="dso_ingest_") as tmp:
        tmpdir = Path(tmp)
        # Registry first: every other unit needs it (vendor of a source, known location ids).
        registry_rows = con.sql('SELECT count(*) FROM raw."registry__locations"').fetchall()[0][0]
        _, pre_sources = _locations(con)
        units = _resolve_scope(sources, pms_ids, {s: v for s, (v, _) in pre_sources.items()})
        if units is not None and registry_rows == 0:
            units.add("registry")  # never loaded: a partial refresh still needs the registry
        in_scope = (lambda u: True) if units is None else (lambda u: u in units)
        if units is not None:
            _delete_units(con, units)
            report.scope = sorted(units)
            reloaded |= units
        if in_scope("registry") and kind != "incremental":
            reg = UnitPlan("registry", READERS["registry"])
            path = drop / "locations.csv"
            if path.is_file():
                reg.jobs.append(FileJob(path, "locations.csv", READERS["registry"].spec.tables["locations"],
                                        "registry", None, "delta", "utf-8", load_id))
            else:
                reg.errors.append(_error("locations.csv", "registry", "registry",
                                         "locations.csv: missing; no PMS source can be located"))
            _run_units(con, [reg], tmpdir, results, progress, [0, 1], None)
            reloaded.add("registry")
        known, source_map = _locations(con)
        for p in sorted(drop.iterdir()):
            # Names starting with '_' or '.' (e.g. the generator's _truth/) are tooling, not drop content.
            if p.name not in ("locations.csv", "pms", "comms", "reviews", "manual") and p.name[0] not in "_.":
                warnings.append(("", p.name, f"{p.name}: not part of a drop; ignored"))
        plans: list[UnitPlan] = []
        if pms_dir.is_dir():
            for sdir in sorted(pms_dir.iterdir()):
                rel = sdir.relative_to(drop).as_posix()
                if not sdir.is_dir():
                    warnings.append(("", rel, f"{rel}: unexpected file; ignored"))
                elif not RE_SOURCE_ID.fullmatch(sdir.name):
                    warnings.append(("", rel, f"{rel}: source_id must match [A-Za-z0-9_-]+; ignored"))
                elif in_scope(sdir.name):
                    plans.append(_pms_plan(sdir, drop, load_id, source_map, known, warnings))
        for sid in sorted(set(source_map) - pms_ids):
            if in_scope(sid):
                # Locations point at a source with no folder: its metrics will be null; say so.
                plans.append(UnitPlan(sid, None, errors=[_error(
                    f"pms/{sid}", sid, None, f"pms/{sid}: no folder for source_id {sid} of locations.csv")]))
        for kind_ in FEEDS:
            if in_scope(kind_):
                plans.append(_feed_plan(kind_, drop, load_id, warnings))
        if units is not None:
            for u in sorted(units - {p.source_id for p in plans} - {"registry"}):
                warnings.append((u, u, f"{u}: no folder for this source in the drop; its rows were removed"))
        if previous is not None:
            plans, skipped = _incremental_plans(con, plans, previous, unit_files)
            appended = {p.source_id for p in plans if p.append_only}
            reloaded |= {p.source_id for p in plans if not p.append_only}
            # Every unit was planned again, so its warnings were too: replace them all rather than repeat them.
            con.execute("DELETE FROM meta.load_warnings")
        counter = [0, sum(len(p.jobs) for p in plans)]
        _run_units(con, plans, tmpdir, results, progress, counter, "_known_locations")

    report.files = results
    report.warnings = [w for _, _, w in warnings]
    _write_meta(con, report, warnings)
    _save_fingerprints(con, drop, reloaded | appended if kind != "full" else None, unit_files)
    con.execute(
        "INSERT INTO meta.loads SELECT coalesce((SELECT max(load_seq) FROM meta.loads), 0) + 1, ?, ?, ?, ?, ?, ?, "
        "current_timestamp::TIMESTAMP",
        [load_id, str(drop), kind, sorted(reloaded), sorted(appended), skipped])
    for r in results:
        if r.status == "error":
            log.warning(r.message)
    for w in report.warnings:
        log.warning(w)
    return report


def _unit_root(drop: Path, unit: str) -> Path:
    """The file or folder holding one load unit's files."""
    if unit == "registry":
        return drop / "locations.csv"
    return drop / unit if unit in FEEDS else drop / "pms" / unit


def _unit_files(drop: Path, unit: str) -> dict[str, tuple[int, int]]:
    """Every file of a unit (path relative to the drop) -> (size, mtime in ns)."""
    root = _unit_root(drop, unit)
    if root.is_file():
        st = root.stat()
        return {root.relative_to(drop).as_posix(): (st.st_size, st.st_mtime_ns)}
    out: dict[str, tuple[int, int]] = {}
    for folder, _, names in os.walk(root):
        for name in names:
            path = Path(folder) / name
            st = path.stat()
            out[path.relative_to(drop).as_posix()] = (st.st_size, st.st_mtime_ns)
    return out


def _previous_fingerprints(con: duckdb.DuckDBPyConnection, drop: Path) -> dict[str, dict[str, tuple[int, int]]] | None:
    """Fingerprints of the last load if it read this same drop, per unit; None if there is nothing to compare."""
    last = con.sql("SELECT drop_dir, kind FROM meta.loads ORDER BY load_seq DESC LIMIT 1").fetchall() \
        if _table_exists(con, "meta", "loads") else []
    if not last or last[0][0] != str(drop) or not _table_exists(con, "meta", "file_fingerprints"):
        return None
    out: dict[str, dict[str, tuple[int, int]]] = {}
    for unit, path, size, mtime in con.sql("SELECT source_id, path, size, mtime_ns FROM meta.file_fingerprints").fetchall():
        out.setdefault(unit, {})[path] = (size, mtime)
    return out or None


def _table_exists(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> bool:
    """Whether schema.name exists in the open database."""
    return bool(con.sql("SELECT 1 FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
                        params=[schema, name]).fetchall())


def _incremental_plans(con: duckdb.DuckDBPyConnection, plans: list[UnitPlan],
                       previous: dict[str, dict[str, tuple[int, int]]],
                       unit_files: Callable[[str], dict[str, tuple[int, int]]]) -> tuple[list[UnitPlan], int]:
    """Keep the plans of units that changed (appending new extract folders where possible); count the rest."""
    keep: list[UnitPlan] = []
    reload: set[str] = set()
    skipped = 0
    for plan in plans:
        old = previous.get(plan.source_id)
        cur = unit_files(plan.source_id)
        if old is not None and cur == old:
            skipped += 1
            continue
        new_paths = set(cur) - set(old or {})
        if old and plan.reader is not None and _appendable(plan, old, cur, new_paths):
            # Only the new extract folders: earlier files, deleted versions, settings and checks stand.
            plan.jobs = [j for j in plan.jobs if j.rel in new_paths]
            plan.errors = [e for e in plan.errors if any(e.file == p or p.startswith(e.file + "/") for p in new_paths)]
            plan.settings_row = None
            plan.append_only = True
        else:
            reload.add(plan.source_id)
        keep.append(plan)
    if reload:
        _delete_units(con, reload)
    return keep, skipped


def _appendable(plan: UnitPlan, old: dict[str, tuple[int, int]], cur: dict[str, tuple[int, int]],
                new_paths: set[str]) -> bool:
    """True when the unit only gained files in extract folders dated after all it had, none a full extract."""
    if any(cur.get(p) != v for p, v in old.items()):
        return False  # a file changed or disappeared
    depth = 1 if plan.source_id in FEEDS else 2  # comms/<date>/... or pms/<source>/<date>/...
    def folder_date(path: str) -> str | None:
        parts = path.split("/")
        return parts[depth] if len(parts) > depth + 1 and RE_DATE_FOLDER.fullmatch(parts[depth]) else None
    old_dates = {folder_date(p) for p in old}
    new_dates = {folder_date(p) for p in new_paths}
    if None in new_dates or None in old_dates or min(new_dates) <= max(old_dates):
        return False
    return all(j.mode != "full" for j in plan.jobs if j.rel in new_paths)


def _save_fingerprints(con: duckdb.DuckDBPyConnection, drop: Path, units: set[str] | None,
                       unit_files: Callable[[str], dict[str, tuple[int, int]]]) -> None:
    """Record the files of these units (None: every unit of the drop) as of this load."""
    if units is None:
        pms = drop / "pms"
        units = {"registry", *FEEDS, *(p.name for p in pms.iterdir() if p.is_dir())} if pms.is_dir() \
            else {"registry", *FEEDS}
    ids = sorted(units)
    con.execute("DELETE FROM meta.file_fingerprints WHERE source_id IN (SELECT unnest(?::VARCHAR[]))", [ids])
    rows = [(u, path, size, mtime) for u in ids for path, (size, mtime) in unit_files(u).items()]
    if rows:
        _insert_rows(con, "meta.file_fingerprints", rows, ["VARCHAR", "VARCHAR", "BIGINT", "BIGINT"])


def _tracked_jobs(plan: UnitPlan) -> set[int]:
    """Indexes of the jobs whose keys matter for deleted versions: files of a keyed, non-log table up to its
    last full extract of the unit, when that full extract has an earlier file (else nothing can be deleted)."""
    by_table: dict[str, list[int]] = {}
    for i, job in enumerate(plan.jobs):
        if job.table.key and not job.table.log and job.extract_date is not None:
            by_table.setdefault(job.table.name, []).append(i)
    tracked: set[int] = set()
    for idx in by_table.values():
        full = [i for i in idx if plan.jobs[i].mode == "full"]
        if full and max(full) > idx[0]:
            tracked |= {i for i in idx if i <= max(full)}
    return tracked


def _run_units(con: duckdb.DuckDBPyConnection, plans: list[UnitPlan], tmpdir: Path, results: list[FileResult],
               progress: Callable[[int, int, str], None] | None, counter: list[int], known: str | None) -> None:
    """Load every file of these units, then their deleted versions, source-level checks and settings.

    Files are grouped across units by (table, column layout) and each group is read with one read_csv and
    written with a few set-based statements; files needing repairs (truncated last line, quoted newlines,
    blank lines) or whose group read fails go through the single-file path. Results keep the unit/file order.
    """
    outcome: dict[tuple[int, int], FileResult] = {}
    preps: list[Prepared] = []
    readers: dict[str, VendorReader] = {}
    where: dict[int, tuple[int, int]] = {}  # id(prep) -> (plan index, job index)
    for pi, plan in enumerate(plans):
        if plan.reader is None:
            continue
        tracked = _tracked_jobs(plan)
        for ji, job in enumerate(plan.jobs):
            prep = prepare(job, tmpdir)
            if isinstance(prep, FileResult):
                outcome[(pi, ji)] = prep
                _tick(progress, counter, job.rel)
                continue
            prep.track_keys = ji in tracked
            outcome[(pi, ji)] = prep.result
            where[id(prep)] = (pi, ji)
            readers[job.table.vendor] = plan.reader
            preps.append(prep)

    # Tables whose keys are tracked: their key temp tables start empty (the connection may be reused).
    specs = {(p.job.table.vendor, p.job.table.name): p.job.table for p in preps if p.track_keys}
    for t in specs.values():
        drop_keys(con, t)
    groups, singles = group_files(preps)

    def locs(p: Prepared) -> str | None:
        return known if readers[p.job.table.vendor].checks_locations else None

    queue = list(reversed(groups))
    while queue:
        group = queue.pop()
        left, failed = load_group(con, group, vendor_reader=readers[group[0].job.table.vendor],
                                  known_locations=locs(group[0]))
        if failed and len(group) > 1:
            # One bad file must not send thousands of files down the slow path: halve until it is alone.
            queue += [group[len(group) // 2:], group[:len(group) // 2]]
            continue
        singles += left
        left_ids = {id(p) for p in left}
        for p in group:
            if id(p) not in left_ids:
                _tick(progress, counter, p.job.rel)
    for p in sorted(singles, key=lambda q: where[id(q)]):
        load_single(con, p, vendor_reader=readers[p.job.table.vendor], known_locations=locs(p))
        _tick(progress, counter, p.job.rel)

    # Deleted versions of full extracts, per table over all units at once (needs every file of a unit loaded).
    tracked_files: dict[tuple[str, str], list[tuple[str, str, Any, int, bool, str]]] = {}
    for p in preps:
        if p.track_keys:
            t = p.job.table
            files = tracked_files.setdefault((t.vendor, t.name), [])
            if p.result.status == "loaded":  # a failed file is neither presence nor a full extract
                files.append((p.job.source_id, p.job.rel, p.job.extract_date, where[id(p)][1], p.job.mode == "full",
                              p.job.load_id))
    for key, t in specs.items():
        deleted = apply_deletions(con, t, tracked_files[key])  # also drops the table's key temp table
        for p in preps:
            if p.job.table is t and p.job.rel in deleted:
                p.result.deleted_versions = deleted[p.job.rel]

    for pi, plan in enumerate(plans):
        results.extend(plan.errors)
        reader = plan.reader
        if reader is None:
            continue
        present: set[str] = set()
        for ji, job in enumerate(plan.jobs):
            res = outcome[(pi, ji)]
            if res.status == "loaded":
                present.add(job.table.name)
            results.append(res)
        if plan.settings_row is not None:
            # PMS source: required tables, settings and code overrides.
            missing = reader.missing_required_tables(present, plan.has_location_keys)
            if missing:
                rel = f"pms/{plan.source_id}"
                results.append(_error(rel, plan.source_id, reader.vendor,
                                      f"{rel}: required table(s) in no extract: {', '.join(missing)}"))
            s = plan.settings_row
            con.execute("INSERT INTO raw.source_settings VALUES (?, ?, ?, ?, ?, ?)",
                        [plan.source_id, reader.vendor, s["recall_trigger_codes"], s["recall_interval_default"],
                         s["location_for_blank_key"], s["recall_frequency_unit"]])
            if plan.overrides:
                con.executemany("INSERT INTO raw.source_code_overrides VALUES (?, ?, ?, ?, ?)", plan.overrides)


def _tick(progress: Callable[[int, int, str], None] | None, counter: list[int], rel: str) -> None:
    """Advance the file counter and report progress."""
    counter[0] += 1
    if progress is not None:
        progress(counter[0], counter[1], rel)


def _write_meta(con: duckdb.DuckDBPyConnection, report: LoadReport, warnings: list[tuple[str, str, str]]) -> None:
    """meta.file_loads (one row per result) and meta.load_warnings."""
    rows = [(report.load_id, r.file, r.source_id, r.vendor or None, r.table_name, r.extract_date, r.mode,
             r.encoding, r.status, r.message, r.rows_read if r.table_name else None,
             r.rows_loaded if r.table_name else None, r.rows_quarantined if r.table_name else None, r.warnings)
            for r in report.files]
    # One statement each: executemany runs one statement per row (~5 ms each, minutes for 65,000 files).
    if rows:
        _insert_rows(con, "meta.file_loads", rows, ["VARCHAR", "VARCHAR", "VARCHAR", "VARCHAR", "VARCHAR", "DATE",
                                                    "VARCHAR", "VARCHAR", "VARCHAR", "VARCHAR", "BIGINT", "BIGINT",
                                                    "BIGINT", "VARCHAR[]"])
    if warnings:
        _insert_rows(con, "meta.load_warnings", [(report.load_id, s, p, m) for s, p, m in warnings],
                     ["VARCHAR"] * 4)


def _insert_rows(con: duckdb.DuckDBPyConnection, table: str, rows: list[tuple[Any, ...]], types: list[str]) -> None:
    """Append Python rows to a table in one statement: each column bound as one list, unnested side by side."""
    cols = [list(c) for c in zip(*rows)]
    select = ", ".join(f"unnest(${i + 1}::{typ}[])" for i, typ in enumerate(types))
    con.execute(f"INSERT INTO {table} SELECT {select}", cols)


# --------------------------------------------------------------------------- CLI


def main(argv: list[str] | None = None) -> int:
    """Load a drop into a warehouse file and print a per-file summary; exit 1 if any file failed."""
    ap = argparse.ArgumentParser(prog="python -m connectors.ingest", description=__doc__)
    ap.add_argument("--drop", type=Path, default=settings.extracts_dir(), help="extract drop folder")
    ap.add_argument("--warehouse", type=Path, default=settings.warehouse_path(), help="DuckDB warehouse file")
    ap.add_argument("--sources", default=None,
                    help="comma-separated units to refresh (source ids, vendor names, pms, comms, reviews, manual, "
                         "registry); default: full refresh")
    ap.add_argument("--incremental", action="store_true",
                    help="read only files that changed since the previous load of this drop")
    args = ap.parse_args(argv)
    args.warehouse.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(args.warehouse), config=settings.duckdb_config())
    try:
        report = load_drop(args.drop, con, sources=args.sources.split(",") if args.sources else None,
                           incremental=args.incremental)
    finally:
        con.close()
    print(report.summary_table())
    return 1 if report.errors else 0


if __name__ == "__main__":
    sys.exit(main())
