"""The Dagster asset runs the ROI on a warehouse file and writes the marts."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration.defs.roi import roi_effects
from orchestration.resources import WarehouseResource
from roi_fixtures import warehouse


def test_asset_materializes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "wh.duckdb"
    mem = warehouse()
    mem.execute(f"attach '{path}' as f")
    mem.execute("create schema f.marts")
    for (name,) in mem.execute("select table_name from information_schema.tables where table_schema='marts' "
                               "and table_catalog = 'memory'").fetchall():
        mem.execute(f"create table f.marts.{name} as from memory.marts.{name}")
    mem.close()
    monkeypatch.delenv("DSO_AS_OF_DATE", raising=False)
    res = dg.materialize([roi_effects], resources={"warehouse": WarehouseResource(path=str(path),
                                                                                  published_path=str(tmp_path / "p"))})
    assert res.success
    con = duckdb.connect(str(path), read_only=True)
    est = con.execute("select estimate from marts.roi_effects_overall where outcome = 'no_show_rate'").fetchall()
    con.close()
    assert est[0][0] == pytest.approx(-0.03, abs=1e-9)  # the effect built into the fixture panel
