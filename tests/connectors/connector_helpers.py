"""Helpers for connector tests (imported by test modules; conftest only holds fixtures)."""

from __future__ import annotations

from pathlib import Path

import duckdb


def write(drop: Path, rel: str, content: str | bytes) -> Path:
    """Write one file of a drop (str as UTF-8 exactly as given, bytes as-is)."""
    p = drop / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        content = content.encode("utf-8")
    p.write_bytes(content)
    return p


def check_accounting(con: duckdb.DuckDBPyConnection) -> None:
    """Every loaded file: rows_read = rows_loaded + rows_quarantined, and quarantine rows match the count."""
    bad = con.sql(
        "SELECT file FROM meta.file_loads WHERE status = 'loaded' AND rows_read <> rows_loaded + rows_quarantined"
    ).fetchall()
    assert bad == []
    mism = con.sql(
        "SELECT f.file FROM meta.file_loads f LEFT JOIN (SELECT file, count(*) n FROM meta.quarantine GROUP BY file) q "
        "USING (file) WHERE f.status = 'loaded' AND f.rows_quarantined <> coalesce(q.n, 0)"
    ).fetchall()
    assert mism == []
