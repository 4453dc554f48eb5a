"""dbt: every model, seed and test of dbt_project/ as Dagster assets and asset checks."""

# No `from __future__ import annotations`: Dagster reads the config/resource annotations at runtime.

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets
from dagster_dbt.dbt_project import using_dagster_dev

from orchestration.resources import dbt_cli_resource, export_environment

# dbt folders under models/ that are layers; each becomes the Dagster group of the same name.
LAYER_GROUPS = ("staging", "intermediate", "marts")


# Seeds are read together with the per-source code overrides the loader writes (vendor_code_map +
# raw.source_code_overrides = a source's code map). Declaring that dependency also puts the seeds in the same
# Dagster step, hence the same `dbt build`, as the models after the load: without it Dagster ran them as a step
# of their own before the load, one more dbt process start-up per refresh (~6 s at 30 locations).
SEED_UPSTREAM = dg.AssetKey(["pms_config", "source_code_overrides"])


class DsoDbtTranslator(DagsterDbtTranslator):
    """Default dbt keys (sources: [source, table]; models: [schema, name]); groups = model folder."""

    def get_asset_spec(self, manifest: Mapping[str, Any], unique_id: str, project: DbtProject | None) -> dg.AssetSpec:
        """The default spec; seeds also depend on the loader's code overrides (SEED_UPSTREAM)."""
        spec = super().get_asset_spec(manifest, unique_id, project)
        if unique_id.startswith("seed."):
            spec = spec.merge_attributes(deps=[SEED_UPSTREAM])
        return spec

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        """Group of a dbt node: its layer folder (staging/intermediate/marts), `seeds` for seeds."""
        if dbt_resource_props.get("resource_type") == "seed":
            return "seeds"
        fqn = dbt_resource_props.get("fqn", [])
        # fqn = [project, folder, ..., name]: the first folder under models/ is the layer.
        if len(fqn) >= 3 and fqn[1] in LAYER_GROUPS:
            return fqn[1]
        return super().get_group_name(dbt_resource_props) or "dbt_other"


def prepare_project(project_dir: Path) -> DbtProject:
    """DbtProject for `project_dir` with a manifest: parsed under `dagster dev` or when missing."""
    export_environment()  # profiles.yml needs DSO_WAREHOUSE_PATH even to parse
    project = DbtProject(project_dir=project_dir)
    # `make` re-parses when a dbt file changed (Makefile target `manifest`); `dagster dev` re-parses on
    # every code reload; otherwise an existing manifest is trusted so each run does not pay the ~7 s parse.
    if using_dagster_dev() or not project.manifest_path.exists():
        parse = dbt_cli_resource(project).cli(["parse", "--quiet"], target_path=project.target_path)
        parse.wait()
    return project


class DbtBuildConfig(dg.Config):
    """Run config of the dbt step."""

    full_refresh: bool = False
    """Rebuild the incremental models from scratch (`dbt build --full-refresh`): needed after a change of
    their logic or of the code-map seeds, never for new data (macros/incremental_by_load.sql)."""


def build_dbt_assets(project: DbtProject) -> dg.AssetsDefinition:
    """One @dbt_assets definition running `dbt build` (models, seeds, tests as asset checks)."""

    @dbt_assets(
        manifest=project.manifest_path,
        project=project,
        dagster_dbt_translator=DsoDbtTranslator(),
        name="dbt_build",
    )
    def dso_dbt_assets(context: dg.AssetExecutionContext, dbt: DbtCliResource, config: DbtBuildConfig):
        """Run `dbt build` on the selected dbt assets; dbt tests report as asset checks."""
        # A fixed target dir keeps dbt's partial-parse cache between runs (a fresh dir per run means a
        # full re-parse); runs cannot overlap anyway, since DuckDB allows a single writer process.
        target = project.project_dir / "target" / "dagster"
        # dbt unit tests check SQL logic, not data: they run in the test suite (tests/dbt_project/test_unit_tests.py),
        # not in every refresh, where their 24 nodes cost ~10 s of fixed overhead.
        args = ["build", "--exclude-resource-type", "unit_test"]
        if config.full_refresh:
            args.append("--full-refresh")
        yield from dbt.cli(args, context=context, target_path=target).stream()

    return dso_dbt_assets


def mart_keys(dbt_defs: dg.AssetsDefinition) -> list[dg.AssetKey]:
    """Asset keys of the dbt models in the marts group (what the publish step copies)."""
    return sorted(
        (key for key, group in dbt_defs.group_names_by_key.items() if group == "marts"),
        key=lambda k: k.to_user_string(),
    )
