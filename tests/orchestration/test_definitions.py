"""The Dagster definitions: asset keys, dbt lineage to the ingest assets, groups, checks, schedule."""

from __future__ import annotations

import json
from pathlib import Path

import dagster as dg
import pytest

from connectors.settings import DBT_PROJECT_DIR

# Every table connectors.ingest writes, as read off connectors/contract/tables.yml (vendors and their
# tables) plus the loader's accounting tables (docs/architecture.md "Load accounting", raw.source_*).
INGEST_KEYS = sorted(
    [f"opendental/{t}" for t in ("appointment", "histappointment", "patient", "recall", "procedurelog",
                                  "procedurecode", "recalltype", "definition", "clinic", "smstomobile",
                                  "smsfrommobile")]
    + [f"eaglesoft/{t}" for t in ("appointment", "appointment_provider", "chairs", "patient",
                                   "patient_recalls", "recalls", "appt_log")]
    + [f"dentrix/{t}" for t in ("v_appt", "appthist", "v_patient", "recallpending", "v_patient_recall",
                                 "v_appt_status_codes")]
    + [f"comms/{t}" for t in ("messages", "sync_events", "opt_outs", "platform_status")]
    + ["reviews/reviews"]
    + [f"manual/{t}" for t in ("time_study", "readiness", "go_live_attestations", "incidents")]
    + ["registry/locations"]
    + [f"meta/{t}" for t in ("file_loads", "quarantine", "parse_findings", "load_warnings")]
    + ["pms_config/source_settings", "pms_config/source_code_overrides"]
)
PUBLISH_KEY = "published/marts_snapshot"
# Written by connectors.quality between the dq models and the dq marts (dbt source `data_quality`).
QUALITY_KEYS = ["data_quality/dq_check_catalog", "data_quality/dq_check_results"]


@pytest.fixture(scope="module")
def defs() -> dg.Definitions:
    """The project's definitions (parses dbt_project/ only if its manifest is missing)."""
    from orchestration.definitions import defs

    return defs


@pytest.fixture(scope="module")
def graph(defs: dg.Definitions):
    """Resolved asset graph."""
    return defs.resolve_asset_graph()


@pytest.fixture(scope="module")
def manifest(defs: dg.Definitions) -> dict:
    """dbt manifest the definitions were built from."""
    return json.loads((DBT_PROJECT_DIR / "target" / "manifest.json").read_text())


def keys_in_group(graph, group: str) -> list[str]:
    """Sorted user strings of the asset keys in `group`."""
    return sorted(k.to_user_string() for k in graph.get_all_asset_keys() if graph.get(k).group_name == group)


def test_ingest_and_publish_keys(graph) -> None:
    assert keys_in_group(graph, "raw") == INGEST_KEYS
    assert keys_in_group(graph, "published") == [PUBLISH_KEY]
    assert keys_in_group(graph, "data_quality") == QUALITY_KEYS


def test_every_dbt_source_is_a_python_asset(graph, manifest: dict) -> None:
    sources = {f"{s['source_name']}/{s['name']}" for s in manifest["sources"].values()}
    assert sources, "the dbt project declares no sources"
    assert sources <= set(INGEST_KEYS) | set(QUALITY_KEYS)
    # Linked, not stubbed: no asset in the graph lacks a definition that can materialize it.
    assert [k for k in graph.get_all_asset_keys() if not graph.get(k).is_materializable] == []


def test_dbt_groups_follow_model_folders(graph, manifest: dict) -> None:
    models = [n for n in manifest["nodes"].values() if n["resource_type"] == "model"]
    assert models
    for node in models:
        # original_file_path = models/<layer>/...: the layer folder is the Dagster group.
        folder = Path(node["original_file_path"]).parts[1]
        key = dg.AssetKey([node["config"]["schema"], node["name"]])
        assert graph.get(key).group_name == folder, node["unique_id"]


def test_staging_reads_the_ingest_assets(graph, manifest: dict) -> None:
    links = 0
    for node in manifest["nodes"].values():
        for source_id in node.get("depends_on", {}).get("nodes", []):
            if node["resource_type"] == "model" and source_id.startswith("source."):
                src = manifest["sources"][source_id]
                key = dg.AssetKey([node["config"]["schema"], node["name"]])
                assert dg.AssetKey([src["source_name"], src["name"]]) in graph.get(key).parent_keys
                links += 1
    assert links > 0, "no dbt model reads a source"


def test_publish_runs_after_every_mart(graph, manifest: dict) -> None:
    marts = {
        dg.AssetKey([n["config"]["schema"], n["name"]])
        for n in manifest["nodes"].values()
        if n["resource_type"] == "model" and n["original_file_path"].startswith("models/marts/")
    }
    assert dg.AssetKey(["marts", "dim_locations"]) in marts
    # Python assets that write into marts (ROI, wave planner) come before publish too.
    python_marts = {dg.AssetKey(["marts", "roi"]), dg.AssetKey(["marts", "rpt_readiness_wave_plan"]),
                    dg.AssetKey(["marts", "rpt_readiness_wave1_findings"])}
    assert graph.get(dg.AssetKey(PUBLISH_KEY.split("/"))).parent_keys == marts | python_marts


def test_dbt_tests_are_asset_checks(defs: dg.Definitions, manifest: dict) -> None:
    model_tests = [
        n for n in manifest["nodes"].values()
        if n["resource_type"] == "test" and any(d.startswith("model.") for d in n["depends_on"]["nodes"])
    ]
    check_names = {c.name for c in defs.resolve_asset_graph().asset_check_keys}
    assert model_tests
    assert {t["name"] for t in model_tests} <= check_names


def test_quality_runner_sits_between_dq_models_and_dq_marts(graph) -> None:
    from orchestration.defs.quality import READS

    results = dg.AssetKey(["data_quality", "dq_check_results"])
    # Every model the runner reads is a dbt asset it depends on (a renamed model would drop out).
    assert graph.get(results).parent_keys == set(READS)
    # ... and some mart is downstream of its results (via the dq models that read the source).
    seen, todo = set(), [results]
    while todo:
        for child in graph.get(todo.pop()).child_keys - seen:
            seen.add(child)
            todo.append(child)
    assert any(k.path[0] == "marts" for k in seen)


def test_a_refresh_runs_dbt_in_two_steps(defs: dg.Definitions, graph, manifest: dict) -> None:
    # Each dbt step is one `dbt build` process: one before the data-quality runner, one after it. Seeds
    # depend on the loader's code overrides, so they join the first (a third step before the load otherwise).
    from orchestration.defs.dbt import SEED_UPSTREAM

    seeds = [dg.AssetKey([n["schema"], n["name"]]) for n in manifest["nodes"].values() if n["resource_type"] == "seed"]
    assert len(seeds) == 4 and all(SEED_UPSTREAM in graph.get(k).parent_keys for k in seeds)
    job = defs.resolve_implicit_global_asset_job_def()
    dbt_steps = [n for n in job.graph.node_defs if n.name == "dbt_build"]
    assert len(dbt_steps) == 2


def test_daily_full_refresh_schedule(defs: dg.Definitions, graph) -> None:
    schedule = defs.resolve_schedule_def("daily_full_refresh")
    assert schedule.cron_schedule == "0 6 * * *"
    assert schedule.job_name == "full_refresh"
    job = defs.resolve_job_def("full_refresh")
    assert job.executor_def.name == "in_process"
    assert set(job.asset_layer.selected_asset_keys) == set(graph.get_all_asset_keys())


def test_roi_runs_after_every_mart_it_reads(graph) -> None:
    """A fresh full run must not estimate ROI before the money inputs and the month panel are built."""
    parents = graph.get(dg.AssetKey(["marts", "roi"])).parent_keys
    for mart in ("rpt_location_weekly_no_show_panel", "rpt_location_month_panel", "rpt_location_roi_inputs",
                 "dim_locations"):
        assert dg.AssetKey(["marts", mart]) in parents
