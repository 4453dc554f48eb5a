"""Chunk sizing of the runner on a small in-memory table: every row once, groups kept together, one suite pass."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from connectors.quality import runner
from connectors.quality.suites import TableSuite

# 3,000 rows in t; the suites below keep the 1,000 with id % 3 = 0 (a filter plus a window, like the real
# suites), so t's count(*) overestimates the suite's rows 3x, as all versions do for the latest appointments.
# Groups: grp = id % 41 -> the 1,000 kept ids (0, 3, ..., 2997) fall into 41 groups of 24 or 25 rows.
KEPT = list(range(0, 3000, 3))
SUITE_SQL = """
    select id, grp, location_id
    from t
    where seen(id) >= 0 and id % 3 = 0
    qualify count(*) over (partition by grp) > 0
"""


class Calls:
    """How many rows seen() was called on."""

    n = 0


@pytest.fixture
def con() -> tuple[duckdb.DuckDBPyConnection, Calls]:
    """t plus seen(id), a side-effecting UDF that counts every row the suite SQL reads (one per evaluation)."""
    c = duckdb.connect()
    c.execute("create table t as select i as id, i % 41 as grp, 'L' || (i % 4) as location_id from range(3000) r(i)")
    calls = Calls()

    def seen(i: int) -> int:
        calls.n += 1
        return i

    c.create_function("seen", seen, ["BIGINT"], "BIGINT", side_effects=True)
    yield c, calls
    c.close()


def _suite(sql: str = SUITE_SQL) -> TableSuite:
    """A one-table suite chunked by grp, bounded by t."""
    return TableSuite("t", sql, lambda df: df["id"].astype(str), [], chunk_by="grp", bound_from="t")


def test_chunks_hold_every_row_once_and_whole_groups(con: tuple[duckdb.DuckDBPyConnection, Calls]) -> None:
    con, calls = con
    frames = list(runner._chunk_frames(con, _suite(), 100))
    ids = sorted(i for f in frames for i in f["id"])
    assert ids == KEPT  # every kept row exactly once, no filtered row
    # each group in exactly one chunk
    chunks_of_group = pd.concat([f[["grp"]].assign(chunk=n) for n, f in enumerate(frames)]).groupby("grp")["chunk"]
    assert (chunks_of_group.nunique() == 1).all()
    assert chunks_of_group.ngroups == 41
    # partitions (~8 rows: bound 3,000 / 100 x 4 partitions per chunk) are packed up to the limit: no chunk over
    # 100 rows, so at least 1,000 / 100 = 10 chunks; next-fit packing makes any two neighbouring chunks hold
    # more than 100 rows, so at most 2 x 1,000 / 100 + 1 = 21 -- fewer than the 30 that hashing straight into
    # bound / limit = 3,000 / 100 chunks would give
    assert max(len(f) for f in frames) <= 100
    assert 10 <= len(frames) <= 21
    # the suite SQL ran once: seen() saw each of t's 3,000 rows once (no count(*) pass over the suite)
    assert calls.n == 3000


def test_small_table_is_one_frame_without_copy(con: tuple[duckdb.DuckDBPyConnection, Calls],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    con, calls = con
    def no_copy(*args: object, **kwargs: object) -> None:
        raise AssertionError("a table within one chunk must not be written to Parquet")

    monkeypatch.setattr(runner.tempfile, "TemporaryDirectory", no_copy)
    # t's 3,000 rows bound the suite: a limit of 3,000 is one chunk, pulled directly
    frames = list(runner._chunk_frames(con, _suite(), 3000))
    assert len(frames) == 1
    assert sorted(frames[0]["id"]) == KEPT
    assert calls.n == 3000


def test_no_rows_gives_one_empty_frame(con: tuple[duckdb.DuckDBPyConnection, Calls]) -> None:
    con, _ = con
    # bound 3,000 > limit 100, so the COPY path runs, but the suite keeps nothing: one empty frame with the
    # suite's columns, so every check still reports 0 examined per location
    frames = list(runner._chunk_frames(con, _suite("select id, grp, location_id from t where id < 0"), 100))
    assert len(frames) == 1
    assert frames[0].empty and list(frames[0].columns) == ["id", "grp", "location_id"]


def test_pack_partitions_up_to_the_limit() -> None:
    # sizes by partition key, limit 100, in key order: 40 | 70 + 30 = 100 | 120 alone (over the limit) | 10
    # (120 + 10 > 100, so 10 starts a new chunk)
    assert runner._pack({7: 10, 0: 40, 1: 70, 2: 30, 5: 120}, 100) == [[0], [1, 2], [5], [7]]
