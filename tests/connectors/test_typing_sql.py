"""Typing and cleaning SQL of the engine: the fast shortcuts give exactly the contract's pattern + cast."""

from __future__ import annotations

import random
from datetime import date, datetime, time
from pathlib import Path

import duckdb
import pytest

from connectors.engine import RE_DATE, RE_DEC, RE_DT, RE_INT, RE_TIME, RE_TSTZ, _clean, _parse, build_select
from connectors.ingest import READERS


def typed(con: duckdb.DuckDBPyConnection, ctype: str, values: list[str | None], out: int = 0) -> list:
    """Type `values` (already cleaned) with the engine's SQL for `ctype`; one result per value, in order."""
    expr = _parse(ctype, "v")[out]
    return [r[0] for r in con.sql(
        f"SELECT ({expr}) FROM (SELECT unnest(?::VARCHAR[]) AS v, generate_subscripts(?::VARCHAR[], 1) AS i) "
        "ORDER BY i", params=[values, values]).fetchall()]


def test_clean_trims_only_space_tab_cr_lf_and_empties_to_null(con) -> None:
    values = [" a ", "\ta\r\n", "a b", "a\tb", "", "   ", "\n", None, "x", " \u00a0y"]
    got = [r[0] for r in con.sql(
        f"SELECT {_clean('c')} FROM (SELECT unnest(?::VARCHAR[]) AS c, generate_subscripts(?::VARCHAR[], 1) AS i) "
        "ORDER BY i", params=[values, values]).fetchall()]
    # by hand: both ends lose space/tab/CR/LF, inner characters stay, empty -> NULL; a no-break space is not trimmed
    assert got == ["a", "a", "a b", "a\tb", None, None, None, None, "x", "\u00a0y"]


def test_hand_worked_values_per_type(con) -> None:
    # int: leading zeros and '-0' match -?[0-9]+ (typed through the pattern, not the shortcut); '+5', '1.0',
    # '1e5' do not; 2^63 does not fit BIGINT
    assert typed(con, "int", ["42", "007", "-0", "-12", "+5", "1.0", "1e5", "9223372036854775808"]) == [
        42, 7, 0, -12, None, None, None, None]
    # date: '/' accepted, calendar checked; 'infinity', 5-digit years and single digits are not dates here
    assert typed(con, "date", ["2026-03-02", "2026/03/02", "2026-02-30", "infinity", "12026-01-01", "2026-3-2"]) == [
        date(2026, 3, 2), date(2026, 3, 2), None, None, None, None]
    # dt: minutes or seconds, 'T' or space, a fraction; not a bare date, not infinity, not 'HH' alone
    assert typed(con, "dt", ["2026-03-02 09:00:00", "2026-03-02T09:05", "2026-03-02 09:00:00.5", "2026-03-02",
                             "infinity", "2026-03-02 09", "2026-03-02 09:00:00+05"]) == [
        datetime(2026, 3, 2, 9), datetime(2026, 3, 2, 9, 5), datetime(2026, 3, 2, 9, 0, 0, 500000), None, None,
        None, None]
    # time: HH:MM[:SS] without fraction
    assert typed(con, "time", ["09:05", "09:05:01", "09:05:01.25", "9:05", "25:00"]) == [
        time(9, 5), time(9, 5, 1), None, None, None]
    # date_or_dt: a date reads as midnight
    assert typed(con, "date_or_dt", ["2026-03-02", "2026-03-02 10:30:00", "03/02/2026"]) == [
        datetime(2026, 3, 2), datetime(2026, 3, 2, 10, 30), None]
    # dec: no exponents, no inf/nan
    assert typed(con, "dec", ["1.5", "-.5", "2.", "1e5", "inf", "nan"]) == [1.5, -0.5, 2.0, None, None, None]


def _variants(rng: random.Random) -> list[str]:
    """Values around every accepted shape and many near misses (deterministic)."""
    out = {"infinity", "-infinity", "epoch", "now", "+12", "-0", "007", "1_000", "0x10", "nan", "inf", "1e5",
           "9223372036854775807", "-9223372036854775808", "9223372036854775808", "24:00:00", "0000-01-01",
           "0044-03-15 (BC)", "12345-01-01 00:00:00", "2026-03-02 09:00:00.1234567891", "2026-03-02  09:00:00"}
    noise = "0123456789" * 3 + "-/:. TZ+einf"
    for _ in range(3000):
        y, mo, d = rng.choice([rng.randint(0, 9999), rng.randint(1990, 2030)]), rng.randint(0, 13), rng.randint(0, 32)
        h, mi, s = rng.randint(0, 25), rng.randint(0, 61), rng.randint(0, 61)
        sep, tsep = rng.choice("-/"), rng.choice(" T")
        base = f"{y:04d}{sep}{mo:02d}{sep}{d:02d}"
        v = rng.choice([base, f"{base}{tsep}{h:02d}:{mi:02d}", f"{base}{tsep}{h:02d}:{mi:02d}:{s:02d}",
                        f"{base}{tsep}{h:02d}:{mi:02d}:{s:02d}." + "7" * rng.randint(0, 10),
                        f"{h:02d}:{mi:02d}", f"{h:02d}:{mi:02d}:{s:02d}", f"{h:02d}:{mi:02d}:{s:02d}.5",
                        str(rng.randint(-10**20, 10**20)), str(rng.randint(-999, 999)).zfill(rng.randint(1, 5))])
        if rng.random() < 0.4:
            v += rng.choice(["Z", "+05", "-04:00", "+0530", " UTC"])
        if rng.random() < 0.3:  # a random edit
            i = rng.randrange(len(v) + 1)
            v = v[:i] + rng.choice(noise) + v[i + 1:]
        out.add(v)
    return sorted(out)


@pytest.mark.parametrize("ctype, reference", [
    # The contract (docs/connectors.md "Types"): full pattern match, then DuckDB's cast.
    ("int", [f"CASE WHEN regexp_full_match(v, '{RE_INT}') THEN try_cast(v AS BIGINT) END"]),
    ("dec", [f"CASE WHEN regexp_full_match(v, '{RE_DEC}') THEN try_cast(v AS DOUBLE) END"]),
    ("date", [f"CASE WHEN regexp_full_match(v, '{RE_DATE}') THEN try_cast(replace(v, '/', '-') AS DATE) END"]),
    ("dt", [f"CASE WHEN regexp_full_match(v, '{RE_DT}') THEN try_cast(v AS TIMESTAMP) END"]),
    ("time", [f"CASE WHEN regexp_full_match(v, '{RE_TIME}') THEN try_cast(v AS TIME) END"]),
    ("tstz", [f"CASE WHEN regexp_full_match(v, '{RE_TSTZ}') THEN try_cast(v AS TIMESTAMPTZ) END"]),
    ("dt_or_tstz", [f"CASE WHEN regexp_full_match(v, '{RE_DT}') THEN try_cast(v AS TIMESTAMP) END",
                    f"CASE WHEN regexp_full_match(v, '{RE_TSTZ}') THEN try_cast(v AS TIMESTAMPTZ) END"]),
    ("date_or_dt", [f"coalesce((CASE WHEN regexp_full_match(v, '{RE_DATE}') THEN try_cast(replace(v, '/', '-') AS "
                    f"DATE) END)::TIMESTAMP, CASE WHEN regexp_full_match(v, '{RE_DT}') THEN try_cast(v AS "
                    f"TIMESTAMP) END)"]),
])
def test_shortcuts_equal_pattern_then_cast(con, ctype: str, reference: list[str]) -> None:
    con.execute("CREATE TABLE x AS SELECT unnest(?::VARCHAR[]) AS v", [_variants(random.Random(8))])
    for engine_sql, ref_sql in zip(_parse(ctype, "v"), reference):
        n, parsed, differ = con.sql(
            f"SELECT count(*), count({ref_sql}), count(*) FILTER (WHERE ({engine_sql}) IS DISTINCT FROM ({ref_sql})) "
            "FROM x").fetchall()[0]
        assert parsed > 50  # the set holds accepted values too, not only rejected ones
        assert differ == 0, ctype


def test_reason_and_raw_record_only_for_bad_rows(tmp_path: Path, con) -> None:
    # Open Dental procedurecode: CodeNum, ProcCode (both required keys/text). Line 3 lacks CodeNum, line 4 has a
    # third field; line 2 is clean.
    p = tmp_path / "procedurecode.csv"
    p.write_text("CodeNum,ProcCode\n1,D0120\n,D0150\n3,D1110,extra\n")
    spec = READERS["opendental"].spec.tables["procedurecode"]
    positions = {"CodeNum": 0, "ProcCode": 1}
    sql = build_select(spec, 2, positions, [p], True, None)
    rows = con.sql(f"SELECT _line, _reason, _raw::VARCHAR FROM ({sql}) ORDER BY _line").fetchall()
    assert rows == [
        (2, None, None),
        (3, "CodeNum: missing value", '{"CodeNum":"","ProcCode":"D0150"}'),
        (4, "field count: expected 2 fields, got more than 2", '{"CodeNum":"3","ProcCode":"D1110"}'),
    ]
    # keep_raw_all (keyless tables, truncated files): every row keeps its record
    sql_all = build_select(spec, 2, positions, [p], True, None, True)
    assert con.sql(f"SELECT count(_raw) FROM ({sql_all})").fetchall() == [(3,)]
