"""Generic file engine: read one contract file with DuckDB, type it, quarantine bad rows, append versions.

Python runs once per file (header, encoding, newline/quote counts); every per-row step is one SQL statement.
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
    """SQL expressions typing the cleaned string `v` (one per output column; NULL when unparseable)."""
    def m(p: str) -> str:
        return f"regexp_full_match({v}, '{p}')"

    date_x = f"CASE WHEN {m(RE_DATE)} THEN try_cast(replace({v}, '/', '-') AS DATE) END"
    dt_x = f"CASE WHEN {m(RE_DT)} THEN try_cast({v} AS TIMESTAMP) END"
    tstz_x = f"CASE WHEN {m(RE_TSTZ)} THEN try_cast({v} AS TIMESTAMPTZ) END"
    if ctype in ("key", "text"):
        return [v]
    if ctype == "int":
        return [f"CASE WHEN {m(RE_INT)} THEN try_cast({v} AS BIGINT) END"]
    if ctype == "dec":
        return [f"CASE WHEN {m(RE_DEC)} THEN try_cast({v} AS DOUBLE) END"]
    if ctype == "date":
        return [date_x]
    if ctype == "dt":
        return [dt_x]
    if ctype == "date_or_dt":
        return [f"coalesce(({date_x})::TIMESTAMP, {dt_x})"]
    if ctype == "time":
        return [f"CASE WHEN {m(RE_TIME)} THEN try_cast({v} AS TIME) END"]
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


def build_select(job: FileJob, pre: Prepass, positions: dict[str, int], parallel: bool,
                 known_locations: str | None, keep_raw_all: bool = False) -> str:
    """The one statement that reads, cleans, types and judges every record of the file."""
    t = job.table
    n = len(pre.header)
    cols = {f"c{i}": "VARCHAR" for i in range(n + 1)}  # c{n}: spare column catching extra fields
    columns_sql = "{" + ", ".join(f"{sql_str(k)}: 'VARCHAR'" for k in cols) + "}"
    path = sql_str(pre.read_path.as_posix())
    read = (
        f"read_csv({path}, header=false, auto_detect=false, columns={columns_sql}, delim=',', quote='\"', "
        f"escape='\"', null_padding=true, nullstr={sql_str(NEVER_NULL)}, strict_mode=false, "
        f"parallel={'true' if parallel else 'false'}, encoding='utf-8')"
    )
    needed = sorted(set(positions.values()) | {n - 1, n})
    nonnull_count = " + ".join(f"(c{i} IS NOT NULL)::INTEGER" for i in range(n))
    src = (
        f"SELECT row_number() OVER () AS _rn, {', '.join(f'c{i}' for i in needed)}, "
        f"c{n - 1} IS NULL AS _short, c{n} IS NOT NULL AS _long, "
        f"CASE WHEN c{n - 1} IS NULL THEN {nonnull_count} END AS _nf FROM {read}"
    )
    sentinels = t.sentinel_null
    vsel = ["_rn", "_rn AS _line", "_short", "_long", "_nf"]
    for j, col in enumerate(t.columns):
        if col.name in positions:
            i = positions[col.name]
            x = f"nullif(trim(c{i}, ' \t\r\n'), '')"
            if sentinels and col.type in DATE_LIKE:
                x = f"CASE WHEN {x} IN ({', '.join(sql_str(s) for s in sentinels)}) THEN NULL ELSE {x} END"
            vsel.append(f"{x} AS _v{j}")
        else:
            vsel.append(f"NULL::VARCHAR AS _v{j}")
    raw_pairs = ", ".join(f"{sql_str(c.name)}, c{positions[c.name]}" for c in t.columns if c.name in positions)
    vsel.append(f"json_object({raw_pairs}) AS _rawj" if raw_pairs else "NULL AS _rawj")

    tsel = ["*"]
    for j, col in enumerate(t.columns):
        for (oname, otype), expr in zip(col.outputs(), _parse(col.type, f"_v{j}")):
            tsel.append(f"({expr})::{otype} AS {ident(oname)}")

    reasons: list[str] = []
    bad_opt: list[str] = []
    bo_idx: list[int] = []
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
                reasons.append(f"CASE WHEN {cond} THEN '{col.name}: missing value' WHEN {unparsed} THEN {bad_msg} END")
            else:
                reasons.append(f"CASE WHEN {unparsed} THEN {bad_msg} END")
        else:
            bad_opt.append(f"{unparsed} AS _bo{j}")
            bo_idx.append(j)
        if col.name in t.enum:
            allowed = ", ".join(sql_str(a) for a in t.enum[col.name])
            reasons.append(
                f"CASE WHEN {v} IS NOT NULL AND {v} NOT IN ({allowed}) THEN '{col.name}: ' || {_shown(v)} "
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
            reasons.append(
                f"CASE WHEN {' OR '.join(conds)} THEN '{col.name}: ' || {_shown(v)} || ' out of range {rng}' END")
        if known_locations and t.location_column == col.name:
            reasons.append(
                f"CASE WHEN {v} IS NOT NULL AND {v} NOT IN (SELECT location_id FROM {known_locations}) "
                f"THEN 'unknown_location: location_id ' || {_shown(v)} || ' is not in locations.csv' END")
    for chk in t.row_checks:
        reasons.append(f"CASE WHEN NOT coalesce(({chk['rule']}), true) THEN {sql_str(chk['reason'])} END")

    field_msg = (
        f"CASE WHEN _long THEN 'field count: expected {n} fields, got more than {n}' "
        f"WHEN _short THEN 'field count: expected {n} fields, got ' || _nf END"
    )
    reason_sql = f"nullif(concat_ws('; ', {', '.join(reasons)}), '')" if reasons else "NULL::VARCHAR"
    out_cols = [ident(o) for o, _ in t.output_columns()]
    final = ["_rn", "_line", *out_cols, "_rawj",
             f"CASE WHEN _short OR _long THEN {field_msg} ELSE {reason_sql} END AS _reason",
             *[f"_bo{j}" for j in bo_idx]]
    keep = "true" if keep_raw_all else "_reason IS NOT NULL"
    return (
        f"WITH src AS ({src}), v AS (SELECT {', '.join(vsel)} FROM src WHERE _rn > 1), "
        f"t AS (SELECT {', '.join(tsel)}, {', '.join(bad_opt) if bad_opt else 'NULL AS _nobo'} FROM v), "
        f"r AS (SELECT {', '.join(final)} FROM t) "
        f"SELECT * EXCLUDE (_rawj), CASE WHEN {keep} THEN _rawj END AS _raw FROM r"
    )


# --------------------------------------------------------------------------- line numbers


def fix_line_numbers(con: duckdb.DuckDBPyConnection, pre: Prepass, n_cols: int, parallel: bool) -> None:
    """When records != physical lines (quoted newlines, blank lines), set _line to each record's start line."""
    n_records = con.sql("SELECT count(*) FROM _t").fetchall()[0][0] + 1  # + header
    file_lines = pre.newlines + (0 if pre.ends_with_newline else 1)
    if n_records == file_lines:
        return
    cols = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(n_cols + 1)) + "}"
    nl = " + ".join(f"coalesce(length(c{i}) - length(replace(c{i}, chr(10), '')), 0)" for i in range(n_cols + 1))
    read = (
        f"read_csv({sql_str(pre.read_path.as_posix())}, header=false, auto_detect=false, columns={cols}, "
        f"delim=',', quote='\"', escape='\"', null_padding=true, nullstr={sql_str(NEVER_NULL)}, "
        f"strict_mode=false, parallel={'true' if parallel else 'false'}, encoding='utf-8')"
    )
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


# --------------------------------------------------------------------------- load one file


class KeyState:
    """Keys alive so far in one source's table (for deleted versions of full extracts); a temp table."""

    def __init__(self, con: duckdb.DuckDBPyConnection, table: TableSpec) -> None:
        self.con = con
        self.table = table
        self.name = f"_keys_{table.raw_name}"
        key_cols = ", ".join(f"{ident(table.column(k).lname)} {table.column(k).outputs()[0][1]}" for k in table.key)
        con.execute(f"CREATE OR REPLACE TEMP TABLE {self.name} ({key_cols}, _alive BOOLEAN)")

    def apply(self, job: FileJob) -> int:
        """Merge the keys of the file in _t; for a full file add deleted versions of absent keys; return count."""
        t = self.table
        keys = [ident(t.column(k).lname) for k in t.key]
        klist = ", ".join(keys)
        notnull = " AND ".join(f"{k} IS NOT NULL" for k in keys)
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE _present AS SELECT DISTINCT {klist} FROM _t WHERE {notnull}")
        deleted = 0
        if job.mode == "full":
            on = " AND ".join(f"s.{k} = p.{k}" for k in keys)
            self.con.execute(
                f"CREATE OR REPLACE TEMP TABLE _gone AS SELECT {', '.join('s.' + k for k in keys)} FROM {self.name} s "
                f"WHERE s._alive AND NOT EXISTS (SELECT 1 FROM _present p WHERE {on})"
            )
            deleted = self.con.sql("SELECT count(*) FROM _gone").fetchall()[0][0]
            if deleted:
                ed = f"DATE {sql_str(job.extract_date.isoformat())}" if job.extract_date else "NULL"
                self.con.execute(
                    f"INSERT INTO {t.qualified} ({klist}, _source_id, _extract_date, _file, _line, _is_deleted, "
                    f"_load_id) SELECT {klist}, {sql_str(job.source_id)}, {ed}, {sql_str(job.rel)}, NULL, true, "
                    f"{sql_str(job.load_id)} FROM _gone"
                )
            self.con.execute(f"UPDATE {self.name} SET _alive = false WHERE _alive")
        on = " AND ".join(f"s.{k} = p.{k}" for k in keys)
        self.con.execute(f"UPDATE {self.name} s SET _alive = true FROM _present p WHERE {on}")
        self.con.execute(
            f"INSERT INTO {self.name} SELECT {klist}, true FROM _present p WHERE NOT EXISTS "
            f"(SELECT 1 FROM {self.name} s WHERE {on})"
        )
        return deleted

    def drop(self) -> None:
        """Drop the temp table."""
        self.con.execute(f"DROP TABLE IF EXISTS {self.name}")


def _clean_duckdb_error(exc: Exception) -> str:
    """First line of a DuckDB error, without the 'Original Line' echo (it may hold patient values)."""
    msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    line = re.search(r"CSV Error on Line: (\d+)", str(exc))
    if line and "line" not in msg.lower():
        msg += f" (line {line.group(1)})"
    return msg


def load_file(con: duckdb.DuckDBPyConnection, job: FileJob, tmpdir: Path, *, vendor_reader: Any,
              known_locations: str | None, key_state: KeyState | None) -> FileResult:
    """Load one file into its raw table; never raises for bad input (the result says what happened)."""
    t = job.table
    res = FileResult(job.rel, job.source_id, t.vendor, t.name, job.extract_date,
                     job.mode if t.folder != "manual" and t.folder != "." else None, job.encoding)
    try:
        pre = prepass(job.path, job.encoding, tmpdir)
        positions, warns = match_header(pre.header, t, job.renames)
        res.warnings += warns
        if pre.quotes % 2 == 1 and pre.ends_with_newline:
            raise FileError("unbalanced quotes: a quoted field is never closed")
        parallel = True
        # Raw records are kept for every row only where a later step may quarantine a row that typed fine.
        keep_raw = not pre.ends_with_newline or not t.key
        try:
            con.execute("CREATE OR REPLACE TEMP TABLE _t AS "
                        + build_select(job, pre, positions, True, known_locations, keep_raw))
        except duckdb.Error as exc:
            if "parallel" not in str(exc).lower():
                raise
            # DuckDB 2.0: null_padding with quoted newlines needs the single-threaded reader.
            parallel = False
            con.execute("CREATE OR REPLACE TEMP TABLE _t AS "
                        + build_select(job, pre, positions, False, known_locations, keep_raw))
        fix_line_numbers(con, pre, len(pre.header), parallel)
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
        _write(con, job, res)
        if key_state is not None:
            res.deleted_versions = key_state.apply(job)
        if pre.newlines + (0 if pre.ends_with_newline else 1) <= 1:
            res.warnings.append("header only: no data rows")
    except FileError as exc:
        res.status, res.message = "error", f"{job.rel}: {exc}"
    except (duckdb.Error, OSError, ValueError) as exc:
        res.status, res.message = "error", f"{job.rel}: unreadable file: {_clean_duckdb_error(exc)}"
    finally:
        con.execute("DROP TABLE IF EXISTS _t")
    return res


def _write(con: duckdb.DuckDBPyConnection, job: FileJob, res: FileResult) -> None:
    """Append good rows to the raw table, bad rows to meta.quarantine, findings to meta.parse_findings."""
    t = job.table
    out_cols = [ident(o) for o, _ in t.output_columns()]
    ed = f"DATE {sql_str(job.extract_date.isoformat())}" if job.extract_date else "NULL::DATE"
    meta_vals = f"{sql_str(job.source_id)}, {ed}, {sql_str(job.rel)}, _line, false, {sql_str(job.load_id)}"
    con.execute(
        f"INSERT INTO {t.qualified} ({', '.join(out_cols)}, _source_id, _extract_date, _file, _line, _is_deleted, "
        f"_load_id) SELECT {', '.join(out_cols)}, {meta_vals} FROM _t WHERE _reason IS NULL ORDER BY _rn"
    )
    con.execute(
        f"INSERT INTO meta.quarantine SELECT {sql_str(job.load_id)}, {sql_str(job.rel)}, _line, "
        f"{sql_str(job.source_id)}, {sql_str(t.vendor)}, {sql_str(t.name)}, {ed}, _reason, _raw "
        f"FROM _t WHERE _reason IS NOT NULL ORDER BY _rn"
    )
    bo_cols = [r[0] for r in con.sql("SELECT column_name FROM (DESCRIBE _t) WHERE column_name LIKE '\\_bo%' ESCAPE '\\'").fetchall()]
    aggs = ["count(*)", "count(*) FILTER (WHERE _reason IS NULL)", "count(*) FILTER (WHERE _reason IS NOT NULL)"]
    aggs += [f"count(*) FILTER (WHERE _reason IS NULL AND {b})" for b in bo_cols]
    row = con.sql(f"SELECT {', '.join(aggs)} FROM _t").fetchall()[0]
    res.rows_read, res.rows_loaded, res.rows_quarantined = row[0], row[1], row[2]
    # The accounting invariant of extracts.md §7: every record read is either loaded or quarantined.
    assert res.rows_read == res.rows_loaded + res.rows_quarantined, job.rel
    findings: list[tuple[str | None, str, int]] = []
    for b, count in zip(bo_cols, row[3:]):
        if count:
            col = t.columns[int(b[3:])]
            findings.append((col.lname, f"unparseable_{col.type}", count))
    if t.key:
        keys = ", ".join(ident(t.column(k).lname) for k in t.key)
        dup = con.sql(
            f"SELECT coalesce(sum(c), 0) FROM (SELECT count(*) AS c FROM _t WHERE _reason IS NULL "
            f"GROUP BY {keys} HAVING count(*) > 1)"
        ).fetchall()[0][0]
        if dup:
            findings.append((",".join(c.lower() for c in t.key), "duplicate_key_in_file", int(dup)))
    record_findings(con, job.load_id, job.rel, t.name, findings)


def record_findings(con: duckdb.DuckDBPyConnection, load_id: str, rel: str, table: str | None,
                    findings: list[tuple[str | None, str, int]]) -> None:
    """Insert parse findings (column, finding, n_rows) of one file."""
    if findings:
        con.executemany(
            "INSERT INTO meta.parse_findings VALUES (?, ?, ?, ?, ?, ?)",
            [(load_id, rel, table, c, f, n) for c, f, n in findings],
        )


def dedupe_whole_rows(con: duckdb.DuckDBPyConnection, table: TableSpec) -> None:
    """Quarantine later copies of a row identical (all contract columns) to an earlier row of the file."""
    cols = ", ".join(ident(o) for o, _ in table.output_columns())
    con.execute(
        f"UPDATE _t SET _reason = 'duplicate row: same values as line ' || d._first || ' (table has no key; "
        f"whole-row dedupe)' FROM (SELECT _rn, row_number() OVER w AS _k, first_value(_line) OVER w "
        f"AS _first FROM _t WHERE _reason IS NULL WINDOW w AS (PARTITION BY {cols} ORDER BY _rn)) d "
        f"WHERE _t._rn = d._rn AND d._k > 1"
    )
