"""Ingest asset: keys per contract table, and which units a partial selection reloads."""

from __future__ import annotations

import dagster as dg

from orchestration.defs.ingest import RELATIONS, sources_for_selection


def key(s: str) -> dg.AssetKey:
    """AssetKey from 'a/b'."""
    return dg.AssetKey(s.split("/"))


def test_relations_follow_the_raw_naming_rule() -> None:
    # docs/architecture.md: raw.<vendor>__<table>; meta tables in meta; mapping.yml tables in raw.
    assert RELATIONS[key("opendental/appointment")] == "raw.opendental__appointment"
    assert RELATIONS[key("registry/locations")] == "raw.registry__locations"
    assert RELATIONS[key("meta/quarantine")] == "meta.quarantine"
    assert RELATIONS[key("pms_config/source_settings")] == "raw.source_settings"


def test_everything_selected_loads_the_whole_drop() -> None:
    assert sources_for_selection(set(RELATIONS)) is None


def test_a_partial_selection_names_vendors_and_feeds() -> None:
    selected = {key("opendental/appointment"), key("opendental/patient"), key("comms/messages")}
    # load_drop expands a vendor name to all of its source_ids itself.
    assert sources_for_selection(selected) == ["comms", "opendental"]


def test_load_accounting_alone_means_reload_all() -> None:
    assert sources_for_selection({key("meta/file_loads")}) is None
