"""Generic file engine: read contract files with DuckDB, type them, quarantine bad rows, append versions.

Python runs once per file (header, encoding, newline/quote counts). Files of one table and column layout are
then read together by one read_csv and typed, judged, written and counted by a few set-based statements per
group (not per file); files needing repairs take the single-file path. Deleted versions are one set-based step.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

from connectors.spec import DATE_LIKE, SPLIT_TYPES, ColumnSpec, TableSpec, all_tables

CHUNK = 16 * 1024 * 1024
# Never equal to a real field, so that an empty field reads as '' and only a missing field reads as NULL.
NEVER_NULL = "\x01__dso_never_null__\x01"
MAX_VALUE_IN_REASON = 40

# Value patterns of extracts.md §1 (full-match).
RE_INT = r"-?[0-9]+"
RE_DEC = r"-?([0-9]+(\.[0-9]*)?|\.[0-9]+)"
RE_DATE = r"[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{4}/[0-9]{2}/[0-9]{2}"
RE_DT = r"[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,9})?)?"
RE_TSTZ = RE_DT + r"([Zz]|[+-][0-9]{2}(:?[0-9]{2})?)"
RE_TIME = r"[0-9]{2}:[0-9]{2}(:[0-9]{2})?"

ENCODINGS = {"utf-8": "utf-8", "windows-1252": "cp1252"}


class FileError(Exception):
    """A file cannot be loaded; the message names the problem (the caller prefixes the file)."""


@dataclass
class FileResult:
    """Outcome of loading one file (one meta.file_loads row)."""

    file: str
    source_id: str
    vendor: str
    table_name: str | None
    extract_date: date | None
    mode: str | None
    encoding: str | None
    status: str = "loaded"
    message: str | None = None
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    warnings: list[str] = field(default_factory=list)
    deleted_versions: int = 0


@dataclass
class FileJob:
    """Everything needed to load one file."""

    path: Path
    rel: str
    table: TableSpec
    source_id: str
    extract_date: date | None
    mode: str  # 'full' | 'delta'
    encoding: str  # 'utf-8' | 'windows-1252'
    load_id: str
    renames: dict[str, str] = field(default_factory=dict)  # contract name -> name in the file


@dataclass
class Prepass:
    """What one sequential pass over the bytes tells us before DuckDB reads the file."""

    header: list[str]
    read_path: Path
    size: int
    newlines: int
    quotes: int
    ends_with_newline: bool


def sql_str(value: Any) -> str:
    """A SQL string literal."""
    return "'" + str(value).replace("'", "''") + "'"


def ident(name: str) -> str:
    """A quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


# --------------------------------------------------------------------------- prepass


def prepass(path: Path, encoding: str, tmpdir: Path) -> Prepass:
    """Validate the encoding, count newlines and quotes, read the header; transcode windows-1252 to UTF-8."""
    size = path.stat().st_size
    if size == 0:
        raise FileError("empty file (0 bytes): no header row")
    codec = ENCODINGS[encoding]
    decoder = codecs.getincrementaldecoder(codec)("strict")
    out = None
    read_path = path
    if codec != "utf-8":
        # DuckDB reads UTF-8 only (no encodings extension offline): transcode to a temp file, in chunks.
        read_path = tmpdir / (re.sub(r"[^A-Za-z0-9_.-]", "_", str(path)) + ".utf8.csv")
        out = open(read_path, "w", encoding="utf-8", newline="")
    newlines = quotes = 0
    last = b""
    try:
        with open(path, "rb") as f:
            while chunk := f.read(CHUNK):
                # Pure-ASCII UTF-8 chunks (the common case) need no decoding when no character is pending.
                if out is not None or not chunk.isascii() or decoder.getstate()[0]:
                    try:
                        text = decoder.decode(chunk)
                    except UnicodeDecodeError as exc:
                        line = newlines + chunk[: max(exc.start, 0)].count(b"\n") + 1
                        hint = " (declare \"encoding\": \"windows-1252\" in _manifest.json if it is)" if codec == "utf-8" else ""
                        raise FileError(f"cannot decode as {encoding} at line {line}{hint}") from None
                    if out is not None:
                        out.write(text)
                newlines += chunk.count(b"\n")
                quotes += chunk.count(b'"')
                last = chunk[-1:]
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                raise FileError(f"cannot decode as {encoding}: the file ends inside a character") from None
    finally:
        if out is not None:
            out.close()
    with open(read_path, "rb") as f:
        first = f.readline(4 * 1024 * 1024)
    text = first.decode("utf-8", errors="replace").lstrip("\ufeff").rstrip("\r\n")
    if not text.strip():
        raise FileError("no header row (the first line is empty)")
    header = [h.strip() for h in next(csv.reader([text]))]
    return Prepass(header, read_path, size, newlines, quotes, last == b"\n")


# --------------------------------------------------------------------------- header


def match_header(header: list[str], table: TableSpec, renames: dict[str, str]) -> tuple[dict[str, int], list[str]]:
    """Map contract columns to header positions: exact, else unique case-insensitive, else mapping.yml rename."""
    warnings: list[str] = []
    seen: dict[str, int] = {}
    dups = sorted({h for i, h in enumerate(header) if h and h in header[:i]})
    if dups:
        raise FileError("duplicated column name(s) in header: " + ", ".join(dups))
    lower: dict[str, list[int]] = {}
    for i, h in enumerate(header):
        lower.setdefault(h.lower(), []).append(i)
        seen[h] = i

    def find(name: str) -> tuple[int | None, bool]:
        if name in seen:
            return seen[name], False
        hits = lower.get(name.lower(), [])
        return (hits[0], True) if len(hits) == 1 else (None, False)

    positions: dict[str, int] = {}
    missing: list[str] = []
    for col in table.columns:
        idx, ci = find(col.name)
        if idx is None and col.name in renames:
            idx, ci = find(renames[col.name])
            if idx is not None:
                ci = False
        if idx is None:
            if col.required:
                missing.append(col.name)
            continue
        if ci:
            warnings.append(f"column {col.name} matched case-insensitively to header '{header[idx]}'")
        positions[col.name] = idx
    if missing:
        msg = "missing required column(s): " + ", ".join(missing)
        other = guess_table(header, exclude=table)
        if other:
            msg += f" (the header looks like {other}: a file of another vendor or table in the wrong folder?)"
        raise FileError(msg)
    return positions, warnings


def guess_table(header: list[str], exclude: TableSpec | None = None) -> str | None:
    """Name another contract table whose required columns are all in this header (for clearer errors)."""
    names = {h.lower() for h in header}
    for t in all_tables():
        if exclude is not None and (t.vendor, t.name) == (exclude.vendor, exclude.name):
            continue
        req = [c.name.lower() for c in t.columns if c.required]
        if req and all(r in names for r in req):
            return f"{t.vendor} {t.name}.csv"
    return None


# --------------------------------------------------------------------------- typing SQL


def _parse(ctype: str, v: str) -> list[str]:
    """SQL expressions typing the cleaned string `v` (one per output column; NULL when unparseable).

    A value is typed when it full-matches the contract pattern and DuckDB can cast it. The pattern test (a
    regular expression per value, dearer than the cast itself) is skipped when the cast value printed back equals
    the text: DuckDB prints a BIGINT, a DATE / TIMESTAMP in years 1-9999 and a TIME without fraction only in a form
    the pattern accepts (`-?[0-9]+`, `YYYY-MM-DD`, `YYYY-MM-DD HH:MM:SS[.f]`, `HH:MM:SS`), so this cheap test only
    ever accepts values the pattern accepts (`infinity`, BC and 5-digit years are kept out by the guards). Other
    spellings (`2026/03/02`, `T`, leading zeros) still go through the pattern: same result, fewer regex calls.
    """
    def m(p: str) -> str:
        return f"regexp_full_match({v}, '{p}')"

    def checked(cast: str, pattern: str, guard: str = "") -> str:
        canonical = f"{cast}::VARCHAR = {v}" + (f" AND {guard}" if guard else "")
        return f"CASE WHEN {canonical} THEN {cast} WHEN {m(pattern)} THEN {cast} END"

    date_c = f"try_cast(replace({v}, '/', '-') AS DATE)"
    date_x = checked(date_c, RE_DATE, f"{date_c} BETWEEN DATE '0001-01-01' AND DATE '9999-12-31'")
    dt_c = f"try_cast({v} AS TIMESTAMP)"
    dt_x = checked(dt_c, RE_DT, f"{dt_c} BETWEEN TIMESTAMP '0001-01-01' AND TIMESTAMP '9999-12-31 23:59:59.999999'")
    tstz_x = f"CASE WHEN {m(RE_TSTZ)} THEN try_cast({v} AS TIMESTAMPTZ) END"
    if ctype in ("key", "text"):
        return [v]
    if ctype == "int":
        return [checked(f"try_cast({v} AS BIGINT)", RE_INT)]
    if ctype == "dec":
        # No printed-form shortcut: a DOUBLE prints as 'inf', 'nan' or '1e+20', which the pattern rejects.
        return [f"CASE WHEN {m(RE_DEC)} THEN try_cast({v} AS DOUBLE) END"]
    if ctype == "date":
        return [date_x]
    if ctype == "dt":
        return [dt_x]
    if ctype == "date_or_dt":
        return [f"coalesce(({date_x})::TIMESTAMP, {dt_x})"]
    if ctype == "time":
        # A TIME prints its fraction ('09:05:01.25'), which the pattern rejects: only 8-character values qualify.
        return [checked(f"try_cast({v} AS TIME)", RE_TIME, f"length({v}) = 8")]
    if ctype == "tstz":
        return [tstz_x]
    if ctype == "dt_or_tstz":
        return [dt_x, tstz_x]
    if ctype == "date_or_tstz":
        return [date_x, tstz_x]
    if ctype == "b01":
        return [f"CASE WHEN lower({v}) IN ('1', 'true') THEN true WHEN lower({v}) IN ('0', 'false') THEN false END"]
    if ctype == "yn":
        return [f"CASE WHEN upper({v}) = 'Y' THEN true WHEN upper({v}) = 'N' THEN false END"]
    raise ValueError(f"unknown column type {ctype}")


def _shown(v: str) -> str:
    """SQL for a value as shown in a reason: quoted, cut to a few characters."""
    return f"'''' || left({v}, {MAX_VALUE_IN_REASON}) || ''''"


def csv_source(paths: list[Path], n_cols: int, parallel: bool) -> str:
    """read_csv over one or more files: every field VARCHAR (c0..c{n_cols}; the last one catches extra fields)."""
    columns_sql = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(n_cols + 1)) + "}"
    files = "[" + ", ".join(sql_str(p.as_posix()) for p in paths) + "]"
    return (
        f"read_csv({files}, header=false, auto_detect=false, columns={columns_sql}, delim=',', quote='\"', "
        f"escape='\"', null_padding=true, nullstr={sql_str(NEVER_NULL)}, strict_mode=false, "
        f"parallel={'true' if parallel else 'false'}, encoding='utf-8')"
    )


def _clean(c: str) -> str:
    """SQL for a field trimmed of space, tab, CR and LF, '' as NULL.

    trim() with a character list is slow (a quarter of the read-and-type statement); most fields have nothing to
    trim, so it runs only on fields that start or end with a space or hold a tab, CR or LF anywhere (a superset of
    the fields trim would change: same result).
    """
    edge = (f"{c} LIKE ' %' OR {c} LIKE '% ' OR contains({c}, chr(9)) OR contains({c}, chr(13)) "
            f"OR contains({c}, chr(10))")
    return f"nullif(CASE WHEN {edge} THEN trim({c}, ' \t\r\n') ELSE {c} END, '')"


def build_select(table: TableSpec, n: int, positions: dict[str, int], paths: list[Path], parallel: bool,
                 known_locations: str | None, keep_raw_all: bool = False) -> str:
    """The one statement that reads, cleans, types and judges every record of one or more files.

    All files share the header layout (`n` columns, contract columns at `positions`). `_f` is the file's index in
    `paths` (DuckDB's file_index) and `_rn` the record number within its file (header = 1): DuckDB keeps
    insertion order (files in list order, records in file order), so row_number() over the scan numbers records
    in order and partitioning by file restarts the count per file. (Numbering from the prepass's line counts
    instead of the partitioned window was tried: the streaming row_number() keeps the whole statement on one
    thread unless a blocking step follows it, and the window is that step, so it was slower on 2 cores.)

    Typed values are computed for every row; the reason text only for rows that fail a check (one boolean
    column `_k<i>` per check, cheap to compute), so a clean row costs no string building.
    """
    t = table
    read = csv_source(paths, n, parallel)
    needed = sorted(set(positions.values()) | {n - 1, n})
    nonnull_count = " + ".join(f"(c{i} IS NOT NULL)::INTEGER" for i in range(n))
    cols = f"{', '.join(f'c{i}' for i in needed)}, c{n - 1} IS NULL AS _short, c{n} IS NOT NULL AS _long, " \
           f"CASE WHEN c{n - 1} IS NULL THEN {nonnull_count} END AS _nf"
    if len(paths) == 1:
        src = f"SELECT 0::BIGINT AS _f, row_number() OVER () AS _rn, {cols} FROM {read}"
    else:
        src = (
            f"SELECT _f, row_number() OVER (PARTITION BY _f ORDER BY _g) AS _rn, * EXCLUDE (_f, _g) FROM "
            f"(SELECT file_index::BIGINT AS _f, row_number() OVER () AS _g, {cols} FROM {read})"
        )
    sentinels = t.sentinel_null
    vsel = ["_f", "_rn", "_rn AS _line", "_short", "_long", "_nf"]
    for j, col in enumerate(t.columns):
        if col.name in positions:
            x = _clean(f"c{positions[col.name]}")
            if sentinels and col.type in DATE_LIKE:
                x = f"CASE WHEN {x} IN ({', '.join(sql_str(s) for s in sentinels)}) THEN NULL ELSE {x} END"
            vsel.append(f"{x} AS _v{j}")
        else:
            vsel.append(f"NULL::VARCHAR AS _v{j}")
    # The raw record (contract columns as read) is built only for the rows that keep it (JSON per row is costly).
    raw_idx = sorted(set(positions.values()))
    vsel += [f"c{i} AS _c{i}" for i in raw_idx]
    raw_pairs = ", ".join(f"{sql_str(c.name)}, _c{positions[c.name]}" for c in t.columns if c.name in positions)
    raw_json = f"json_object({raw_pairs})" if raw_pairs else "NULL::JSON"

    tsel = ["*"]
    for j, col in enumerate(t.columns):
        for (oname, otype), expr in zip(col.outputs(), _parse(col.type, f"_v{j}")):
            tsel.append(f"({expr})::{otype} AS {ident(oname)}")

    # Each check is a boolean column _k<i> (computed once); a reason is a message for one or two checks.
    checks: list[str] = []
    reasons: list[str] = []
    bad_opt: list[str] = []
    bo_idx: list[int] = []

    def check(cond: str) -> str:
        checks.append(f"coalesce({cond}, false) AS _k{len(checks)}")
        return f"_k{len(checks) - 1}"

    relaxed = set(t.relaxed_required)
    when = f"coalesce(({t.relaxed_when}), false)" if t.relaxed_when else "false"
    for j, col in enumerate(t.columns):
        v = f"_v{j}"
        outs = [ident(o) for o, _ in col.outputs()]
        unparsed = f"({v} IS NOT NULL AND " + " AND ".join(f"{o} IS NULL" for o in outs) + ")"
        hint = ""
        if col.type in ("tstz", "dt_or_tstz", "date_or_tstz"):
            hint = f" || CASE WHEN regexp_full_match({v}, '{RE_DT}') AND NOT regexp_full_match({v}, '{RE_TSTZ}') THEN ' (no UTC offset)' ELSE '' END"
        bad_msg = f"'{col.name}: unparseable {col.type} ' || {_shown(v)}{hint}"
        if not col.optional:
            if not col.nullable:
                cond = f"{v} IS NULL" + (f" AND NOT {when}" if t.relaxed_when and col.name not in relaxed else "")
                k_miss, k_bad = check(cond), check(unparsed)
                reasons.append(f"CASE WHEN {k_miss} THEN '{col.name}: missing value' WHEN {k_bad} THEN {bad_msg} END")
            else:
                reasons.append(f"CASE WHEN {check(unparsed)} THEN {bad_msg} END")
        else:
            bad_opt.append(f"{unparsed} AS _bo{j}")
            bo_idx.append(j)
        if col.name in t.enum:
            allowed = ", ".join(sql_str(a) for a in t.enum[col.name])
            k = check(f"{v} IS NOT NULL AND {v} NOT IN ({allowed})")
            reasons.append(f"CASE WHEN {k} THEN '{col.name}: ' || {_shown(v)} "
                           f"|| ' is not one of {', '.join(t.enum[col.name])}' END")
        if col.name in t.ranges:
            lo, hi = t.ranges[col.name]
            o = outs[0]
            conds = []
            if lo is not None:
                conds.append(f"{o} < {lo}")
            if hi is not None:
                conds.append(f"{o} > {hi}")
            rng = f"[{'' if lo is None else lo}, {'' if hi is None else hi}]"
            k = check(f"({' OR '.join(conds)})")
            reasons.append(f"CASE WHEN {k} THEN '{col.name}: ' || {_shown(v)} || ' out of range {rng}' END")
        if known_locations and t.location_column == col.name:
            k = check(f"{v} IS NOT NULL AND {v} NOT IN (SELECT location_id FROM {known_locations})")
            reasons.append(
                f"CASE WHEN {k} THEN 'unknown_location: location_id ' || {_shown(v)} || ' is not in locations.csv' END")
    for chk in t.row_checks:
        k = check(f"NOT coalesce(({chk['rule']}), true)")
        reasons.append(f"CASE WHEN {k} THEN {sql_str(chk['reason'])} END")

    field_msg = (
        f"CASE WHEN _long THEN 'field count: expected {n} fields, got more than {n}' "
        f"WHEN _short THEN 'field count: expected {n} fields, got ' || _nf END"
    )
    # _bad: the row fails some check. Its reason (CASE evaluates a branch only for the rows that reach it) and its
    # raw record are built for bad rows only; one projection computes both.
    bad = " OR ".join(["_short", "_long", *[f"_k{i}" for i in range(len(checks))]])
    reason_sql = f"nullif(concat_ws('; ', {', '.join(reasons)}), '')" if reasons else "NULL::VARCHAR"
    out_cols = [ident(o) for o, _ in t.output_columns()]
    keep = "true" if keep_raw_all else "_bad"
    final = ["_f", "_rn", "_line", *out_cols,
             f"CASE WHEN _short OR _long THEN {field_msg} WHEN _bad THEN {reason_sql} END AS _reason",
             *[f"_bo{j}" for j in bo_idx], f"CASE WHEN {keep} THEN {raw_json} END AS _raw"]
    return (
        f"WITH src AS ({src}), v AS (SELECT {', '.join(vsel)} FROM src WHERE _rn > 1), "
        f"t AS (SELECT {', '.join(tsel)}, {', '.join(bad_opt) if bad_opt else 'NULL AS _nobo'} FROM v), "
        f"k AS (SELECT *{''.join(', ' + c for c in checks)} FROM t) "
        f"SELECT {', '.join(final)} FROM (SELECT *, {bad} AS _bad FROM k)"
    )


# --------------------------------------------------------------------------- line numbers


def fix_line_numbers(con: duckdb.DuckDBPyConnection, pre: Prepass, n_cols: int, parallel: bool) -> None:
    """When records != physical lines (quoted newlines, blank lines), set _line to each record's start line."""
    n_records = con.sql("SELECT count(*) FROM _t").fetchall()[0][0] + 1  # + header
    file_lines = pre.newlines + (0 if pre.ends_with_newline else 1)
    if n_records == file_lines:
        return
    nl = " + ".join(f"coalesce(length(c{i}) - length(replace(c{i}, chr(10), '')), 0)" for i in range(n_cols + 1))
    read = csv_source([pre.read_path], n_cols, parallel)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _lines AS SELECT _rn, _rn + coalesce(sum(_nl) OVER (ORDER BY _rn ROWS "
        f"BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS _start, _nl FROM "
        f"(SELECT row_number() OVER () AS _rn, {nl} AS _nl FROM {read})"
    )
    total = con.sql("SELECT count(*) + coalesce(sum(_nl), 0) FROM _lines").fetchall()[0][0]
    if total != file_lines:
        # Blank lines (skipped by DuckDB) also shift numbering: rare, so number records with Python's csv.
        starts: list[int] = []
        with open(pre.read_path, encoding="utf-8-sig", newline="") as f:
            reader = csv.reader(f)
            prev = 0
            for row in reader:
                if row:
                    starts.append(prev + 1)
                prev = reader.line_num
        import pyarrow as pa

        tbl = pa.table({"_rn": list(range(1, len(starts) + 1)), "_start": starts})
        con.register("_lines_py", tbl)
        con.execute("CREATE OR REPLACE TEMP TABLE _lines AS SELECT _rn, _start FROM _lines_py")
        con.unregister("_lines_py")
    con.execute("UPDATE _t SET _line = l._start FROM _lines l WHERE _t._rn = l._rn")
    con.execute("DROP TABLE IF EXISTS _lines")


# --------------------------------------------------------------------------- load files

# A group read holds at most this much CSV (bytes) or this many files: bounds the memory of the temp table.
GROUP_MAX_BYTES = 256 * 1024 * 1024
GROUP_MAX_FILES = 4000


@dataclass
class Prepared:
    """A file that passed the prepass and header match, ready to be read by DuckDB."""

    job: FileJob
    pre: Prepass
    positions: dict[str, int]
    result: FileResult
    track_keys: bool = False  # record its keys for deleted versions (see apply_deletions)

    @property
    def groupable(self) -> bool:
        """A file that needs none of the single-file repairs (truncated last line) can share a group read."""
        return self.pre.ends_with_newline

    @property
    def group_key(self) -> tuple:
        """Files with the same key are read by one read_csv: same table and same column layout."""
        t = self.job.table
        return (t.vendor, t.name, len(self.pre.header), tuple(sorted(self.positions.items())),
                self.pre.quotes > 0)


def new_result(job: FileJob) -> FileResult:
    """An empty FileResult for a job (status 'loaded' until something fails)."""
    t = job.table
    return FileResult(job.rel, job.source_id, t.vendor, t.name, job.extract_date,
                      job.mode if t.folder != "manual" and t.folder != "." else None, job.encoding)


def prepare(job: FileJob, tmpdir: Path) -> Prepared | FileResult:
    """Per-file Python step (prepass, header match); a FileResult with status 'error' when the file is unusable."""
    res = new_result(job)
    try:
        pre = prepass(job.path, job.encoding, tmpdir)
        positions, warns = match_header(pre.header, job.table, job.renames)
        res.warnings += warns
        if pre.quotes % 2 == 1 and pre.ends_with_newline:
            raise FileError("unbalanced quotes: a quoted field is never closed")
    except FileError as exc:
        res.status, res.message = "error", f"{job.rel}: {exc}"
        return res
    except (OSError, ValueError) as exc:
        res.status, res.message = "error", f"{job.rel}: unreadable file: {_clean_duckdb_error(exc)}"
        return res
    return Prepared(job, pre, positions, res)


def group_files(preps: list[Prepared]) -> tuple[list[list[Prepared]], list[Prepared]]:
    """(groups read together, files for the single-file path); groups keep first-seen order, capped in size."""
    groups: dict[tuple, list[list[Prepared]]] = {}
    sizes: dict[tuple, int] = {}  # bytes in the last chunk of each key
    singles: list[Prepared] = []
    for p in preps:
        if not p.groupable:
            singles.append(p)
            continue
        key = p.group_key
        chunks = groups.setdefault(key, [[]])
        if chunks[-1] and (len(chunks[-1]) >= GROUP_MAX_FILES or sizes[key] + p.pre.size > GROUP_MAX_BYTES):
            chunks.append([])
            sizes[key] = 0
        chunks[-1].append(p)
        sizes[key] = sizes.get(key, 0) + p.pre.size
    return [g for chunks in groups.values() for g in chunks], singles


def _clean_duckdb_error(exc: Exception) -> str:
    """First line of a DuckDB error, without the 'Original Line' echo (it may hold patient values)."""
    msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    line = re.search(r"CSV Error on Line: (\d+)", str(exc))
    if line and "line" not in msg.lower():
        msg += f" (line {line.group(1)})"
    return msg


def _keep_raw(t: TableSpec, pre: Prepass) -> bool:
    """Raw records are kept for every row only where a later step may quarantine a row that typed fine."""
    return not pre.ends_with_newline or not t.key


def load_group(con: duckdb.DuckDBPyConnection, preps: list[Prepared], *, vendor_reader: Any,
               known_locations: str | None) -> tuple[list[Prepared], bool]:
    """Load files of one layout with one read_csv and set-based SQL.

    Returns (files left over, whether the group read failed). Left over: every file when the read fails (the
    caller splits the group to isolate the file at fault, which then gets its own error on the single-file
    path), else the files whose record count differs from their line count (quoted newlines, blank lines): they
    need the single-file path's line-number repair.
    """
    t = preps[0].job.table
    quoted = any(p.pre.quotes for p in preps)
    # DuckDB 2.0 refuses null_padding with quoted newlines in a parallel read: files with quotes read serially.
    sql = build_select(t, len(preps[0].pre.header), preps[0].positions, [p.pre.read_path for p in preps],
                       not quoted, known_locations, _keep_raw(t, preps[0].pre))
    try:
        con.execute("CREATE OR REPLACE TEMP TABLE _t AS " + sql)
    except duckdb.Error:
        con.execute("DROP TABLE IF EXISTS _t")
        return preps, True
    try:
        counts = dict(con.sql("SELECT _f, count(*) FROM _t GROUP BY _f").fetchall())
        # All files here end with a newline: records (header included) = '\n' count unless quoted newlines or
        # blank lines shift them; those files go to the single-file path, which numbers their lines exactly.
        evict = [i for i, p in enumerate(preps) if counts.get(i, 0) != p.pre.newlines - 1]
        if evict:
            con.execute(f"DELETE FROM _t WHERE _f IN ({', '.join(map(str, evict))})")
        evicted = set(evict)
        keep = [(i, p) for i, p in enumerate(preps) if i not in evicted]
        if keep:
            try:
                vendor_reader.post_type(con, keep[0][1].job)
                write_rows(con, t, keep)
            except (duckdb.Error, OSError, ValueError) as exc:
                for _, p in keep:
                    p.result.status = "error"
                    p.result.message = f"{p.job.rel}: unreadable file: {_clean_duckdb_error(exc)}"
        return [preps[i] for i in evict], False
    finally:
        con.execute("DROP TABLE IF EXISTS _t")


def load_single(con: duckdb.DuckDBPyConnection, prep: Prepared, *, vendor_reader: Any,
                known_locations: str | None) -> None:
    """Load one file that needs special handling (quoted newlines, blank lines, truncated last line)."""
    job, pre, t, res = prep.job, prep.pre, prep.job.table, prep.result
    try:
        parallel = True
        keep_raw = _keep_raw(t, pre)
        n = len(pre.header)
        try:
            con.execute("CREATE OR REPLACE TEMP TABLE _t AS "
                        + build_select(t, n, prep.positions, [pre.read_path], True, known_locations, keep_raw))
        except duckdb.Error as exc:
            if "parallel" not in str(exc).lower():
                raise
            # DuckDB 2.0: null_padding with quoted newlines needs the single-threaded reader.
            parallel = False
            con.execute("CREATE OR REPLACE TEMP TABLE _t AS "
                        + build_select(t, n, prep.positions, [pre.read_path], False, known_locations, keep_raw))
        fix_line_numbers(con, pre, n, parallel)
        if not pre.ends_with_newline:
            # A file cut off mid-record: the last record is incomplete (open quote or too few fields).
            open_quote = pre.quotes % 2 == 1
            con.execute(
                "UPDATE _t SET _reason = 'truncated last line (' || "
                + ("'unterminated quoted field'" if open_quote else "regexp_replace(_reason, '^field count: ', '')")
                + " || ')' WHERE _rn = (SELECT max(_rn) FROM _t)"
                + ("" if open_quote else " AND _reason LIKE 'field count:%'")
            )
        vendor_reader.post_type(con, job)
        write_rows(con, t, [(0, prep)])
    except FileError as exc:
        res.status, res.message = "error", f"{job.rel}: {exc}"
    except (duckdb.Error, OSError, ValueError) as exc:
        res.status, res.message = "error", f"{job.rel}: unreadable file: {_clean_duckdb_error(exc)}"
    finally:
        con.execute("DROP TABLE IF EXISTS _t")


def _values(rows: list[tuple[Any, ...]]) -> str:
    """A VALUES list of SQL literals (str, int, bool, date, None)."""
    def lit(v: Any) -> str:
        if v is None:
            return "NULL"
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, int):
            return str(v)
        if isinstance(v, date):
            return f"DATE {sql_str(v.isoformat())}"
        return sql_str(v)
    return ", ".join("(" + ", ".join(lit(v) for v in r) + ")" for r in rows)


def write_rows(con: duckdb.DuckDBPyConnection, t: TableSpec, files: list[tuple[int, Prepared]]) -> None:
    """Write the typed records in _t (one or more files, column _f): good rows to the raw table, bad rows to
    meta.quarantine, per-file counts to each FileResult and findings to meta.parse_findings; one statement each
    for the whole set of files, never one per file."""
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _gf (_f BIGINT, rel VARCHAR, source_id VARCHAR, extract_date DATE, "
        "load_id VARCHAR, track BOOLEAN)")
    con.execute("INSERT INTO _gf VALUES " + _values(
        [(i, p.job.rel, p.job.source_id, p.job.extract_date, p.job.load_id, p.track_keys) for i, p in files]))
    out_cols = [ident(o) for o, _ in t.output_columns()]
    con.execute(
        f"INSERT INTO {t.qualified} ({', '.join(out_cols)}, _source_id, _extract_date, _file, _line, _is_deleted, "
        f"_load_id) SELECT {', '.join('_t.' + c for c in out_cols)}, g.source_id, g.extract_date, g.rel, _t._line, "
        f"false, g.load_id FROM _t JOIN _gf g USING (_f) WHERE _t._reason IS NULL"
    )
    con.execute(
        f"INSERT INTO meta.quarantine SELECT g.load_id, g.rel, _t._line, g.source_id, {sql_str(t.vendor)}, "
        f"{sql_str(t.name)}, g.extract_date, _t._reason, _t._raw FROM _t JOIN _gf g USING (_f) "
        f"WHERE _t._reason IS NOT NULL ORDER BY _t._f, _t._rn"
    )
    bo_cols = [r[0] for r in con.sql(
        "SELECT column_name FROM (DESCRIBE _t) WHERE column_name LIKE '\\_bo%' ESCAPE '\\'").fetchall()]
    aggs = ["count(*)", "count(*) FILTER (WHERE _reason IS NULL)", "count(*) FILTER (WHERE _reason IS NOT NULL)"]
    aggs += [f"count(*) FILTER (WHERE _reason IS NULL AND {b})" for b in bo_cols]
    dup_sql = "NULL::BIGINT"
    if t.key:
        keys = ", ".join(ident(t.column(k).lname) for k in t.key)
        dup_sql = (f"(SELECT sum(c) FROM (SELECT _f, count(*) AS c FROM _t WHERE _reason IS NULL "
                   f"GROUP BY _f, {keys} HAVING count(*) > 1) d WHERE d._f = a._f)")
    stats = {r[0]: r[1:] for r in con.sql(
        f"SELECT a.*, {dup_sql} FROM (SELECT _f, {', '.join(aggs)} FROM _t GROUP BY _f) a").fetchall()}
    findings: list[tuple[str, str, str | None, str, int]] = []
    for i, p in files:
        res = p.result
        row = stats.get(i)
        if row is None:  # header only: no records
            row = (0, 0, 0, *([0] * len(bo_cols)), None)
        res.rows_read, res.rows_loaded, res.rows_quarantined = row[0], row[1], row[2]
        # The accounting invariant of extracts.md §7: every record read is either loaded or quarantined.
        assert res.rows_read == res.rows_loaded + res.rows_quarantined, p.job.rel
        for b, count in zip(bo_cols, row[3:-1]):
            if count:
                col = t.columns[int(b[3:])]
                findings.append((p.job.load_id, p.job.rel, col.lname, f"unparseable_{col.type}", int(count)))
        if row[-1]:
            findings.append((p.job.load_id, p.job.rel, ",".join(c.lower() for c in t.key), "duplicate_key_in_file",
                             int(row[-1])))
        if p.pre.newlines + (0 if p.pre.ends_with_newline else 1) <= 1:
            res.warnings.append("header only: no data rows")
    if findings:
        con.execute("INSERT INTO meta.parse_findings SELECT load_id, rel, " + sql_str(t.name)
                    + ", col, finding, n FROM (VALUES " + _values(findings) + ") v(load_id, rel, col, finding, n)")
    if any(p.track_keys for _, p in files):
        _record_keys(con, t)
    con.execute("DROP TABLE IF EXISTS _gf")


# --------------------------------------------------------------------------- deleted versions


def _keys_table(t: TableSpec) -> str:
    """Temp table of the keys present in each tracked file of table t."""
    return f"_keys_{t.raw_name}"


def drop_keys(con: duckdb.DuckDBPyConnection, t: TableSpec) -> None:
    """Drop the key temp table of table t."""
    con.execute(f"DROP TABLE IF EXISTS {_keys_table(t)}")


def _record_keys(con: duckdb.DuckDBPyConnection, t: TableSpec) -> None:
    """Append the distinct non-NULL keys of the tracked files in _t (quarantined rows included: a bad row whose
    key parsed still shows the key is present, so it never fakes a deletion)."""
    keys = [ident(t.column(k).lname) for k in t.key]
    key_defs = ", ".join(f"{ident(t.column(k).lname)} {t.column(k).outputs()[0][1]}" for k in t.key)
    con.execute(f"CREATE TEMP TABLE IF NOT EXISTS {_keys_table(t)} (_source_id VARCHAR, _file VARCHAR, {key_defs})")
    notnull = " AND ".join(f"_t.{k} IS NOT NULL" for k in keys)
    con.execute(
        f"INSERT INTO {_keys_table(t)} SELECT DISTINCT g.source_id, g.rel, {', '.join('_t.' + k for k in keys)} "
        f"FROM _t JOIN _gf g USING (_f) WHERE g.track AND {notnull}"
    )


def apply_deletions(con: duckdb.DuckDBPyConnection, t: TableSpec,
                    files: list[tuple[str, str, date, int, bool, str]]) -> dict[str, int]:
    """Add deleted versions for full extracts of table t; return {full file: deleted versions}.

    `files`: the tracked, loaded files (source_id, rel, extract_date, order within the source, is full, load_id).
    Set-based form of the per-extract rule: after a key is present in a file, it stays alive until the next full
    file of its source; if it is not present there (its next presence comes later, or never), it gets one
    deleted version at that full file, and stays deleted until it is present again.
    """
    out: dict[str, int] = {}
    if not files or not any(f[4] for f in files):
        drop_keys(con, t)
        return out
    keys = [ident(t.column(k).lname) for k in t.key]
    klist = ", ".join(keys)
    kt = _keys_table(t)
    key_defs = ", ".join(f"{ident(t.column(k).lname)} {t.column(k).outputs()[0][1]}" for k in t.key)
    con.execute(f"CREATE TEMP TABLE IF NOT EXISTS {kt} (_source_id VARCHAR, _file VARCHAR, {key_defs})")
    con.execute("CREATE OR REPLACE TEMP TABLE _df (source_id VARCHAR, rel VARCHAR, extract_date DATE, ord BIGINT, "
                "is_full BOOLEAN, load_id VARCHAR)")
    con.execute("INSERT INTO _df VALUES " + _values(files))
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _nf AS SELECT f.source_id, f.ord, (SELECT min(g.ord) FROM _df g WHERE "
        "g.source_id = f.source_id AND g.is_full AND g.ord > f.ord) AS next_full FROM _df f"
    )
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _gone AS WITH p AS (SELECT k.*, f.ord FROM {kt} k JOIN _df f "
        f"ON f.source_id = k._source_id AND f.rel = k._file), "
        f"q AS (SELECT p.*, lead(ord) OVER (PARTITION BY _source_id, {klist} ORDER BY ord) AS next_ord FROM p) "
        f"SELECT {', '.join('q.' + k for k in keys)}, d.source_id, d.extract_date, d.rel, d.load_id "
        f"FROM q JOIN _nf n ON n.source_id = q._source_id AND n.ord = q.ord "
        f"JOIN _df d ON d.source_id = q._source_id AND d.ord = n.next_full "
        f"WHERE q.next_ord IS NULL OR q.next_ord > n.next_full"
    )
    out = dict(con.sql("SELECT rel, count(*) FROM _gone GROUP BY rel").fetchall())
    if out:
        con.execute(
            f"INSERT INTO {t.qualified} ({klist}, _source_id, _extract_date, _file, _line, _is_deleted, _load_id) "
            f"SELECT {klist}, source_id, extract_date, rel, NULL, true, load_id FROM _gone ORDER BY source_id, rel"
        )
        con.execute(
            f"INSERT INTO meta.parse_findings SELECT any_value(load_id), rel, {sql_str(t.name)}, NULL, "
            f"'deleted_versions', count(*) FROM _gone GROUP BY rel"
        )
    for name in (kt, "_df", "_nf", "_gone"):
        con.execute(f"DROP TABLE IF EXISTS {name}")
    return out


def dedupe_whole_rows(con: duckdb.DuckDBPyConnection, table: TableSpec) -> None:
    """Quarantine later copies of a row identical (all contract columns) to an earlier row of the same file."""
    cols = ", ".join(ident(o) for o, _ in table.output_columns())
    con.execute(
        f"UPDATE _t SET _reason = 'duplicate row: same values as line ' || d._first || ' (table has no key; "
        f"whole-row dedupe)' FROM (SELECT _f, _rn, row_number() OVER w AS _k, first_value(_line) OVER w "
        f"AS _first FROM _t WHERE _reason IS NULL WINDOW w AS (PARTITION BY _f, {cols} ORDER BY _rn)) d "
        f"WHERE _t._f = d._f AND _t._rn = d._rn AND d._k > 1"
    )
