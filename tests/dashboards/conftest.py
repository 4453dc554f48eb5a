"""Fixtures of the dashboard tests: a small published snapshot and a clean identity environment."""

from __future__ import annotations

from pathlib import Path

import pytest
import streamlit as st

from dash_snapshot import write_snapshot

IDENTITY_VARS = ("DSO_DASHBOARD_AUTH", "DSO_DASHBOARD_ROLE", "DSO_DASHBOARD_REGION",
                 "DSO_DASHBOARD_ROLE_HEADER", "DSO_DASHBOARD_REGION_HEADER")


@pytest.fixture(autouse=True)
def clean_identity(monkeypatch: pytest.MonkeyPatch) -> None:
    """No identity from the developer's shell leaks into a test; the cache starts empty."""
    for var in IDENTITY_VARS:
        monkeypatch.delenv(var, raising=False)
    st.cache_data.clear()


@pytest.fixture
def snapshot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point DSO_PUBLISHED_PATH at a fresh copy of the small snapshot (tests/dashboards/dash_snapshot.py)."""
    path = write_snapshot(tmp_path / "marts.duckdb")
    monkeypatch.setenv("DSO_PUBLISHED_PATH", str(path))
    return path
