"""Readiness and waves: readiness matrix, proposed waves with the Wave 1 constraint check, baseline reliability."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards import charts, data, ui

who = ui.page_setup("readiness", "Readiness and waves")
st.caption("composite = 0.25 IT + 0.20 Staff + 0.20 Volume + 0.20 TechStack + 0.15 Champion (each 1–5); "
           "≥ 4.0 Wave 1, 3.0–3.99 Wave 2, 2.0–2.99 Wave 3, below 2.0 defer (metrics.md §3).")

SCORES = "rpt_readiness_scores"
PLAN = "rpt_readiness_wave_plan"
FINDINGS = "rpt_readiness_wave1_findings"
FACTORS = {"it_score": "IT", "staff_score": "Staff", "volume_score": "Volume", "tech_stack_score": "TechStack",
           "champion_score": "Champion", "composite": "Composite"}


def matrix_section() -> None:
    """Factor scores and composite per location as a heat map and a table."""
    df = data.read_mart_if(
        SCORES,
        ["location_id", "location_name", "region", "pms", "is_live", "it_score", "staff_score", "volume_score",
         "tech_stack_score", "champion_score", "composite", "recommendation", "wave1_eligible",
         "wave1_failed_criteria", "missing_factors", "volume_percentile", "completed_visits_per_month"],
        order_by=["location_id"],
    )
    if df is None:
        raise data.MartMissingError(SCORES)
    st.subheader("Readiness matrix")
    if df.empty:
        st.info("No readiness scores for your locations yet.")
        return
    factor_cols = [c for c in FACTORS if c in df.columns]
    shown, scope = _heatmap_rows(df)
    long = shown.melt(id_vars=["location_id"], value_vars=factor_cols, var_name="factor", value_name="score")
    long["factor"] = long["factor"].map(FACTORS)
    long["score"] = pd.to_numeric(long["score"], errors="coerce")
    order = shown["location_id"].tolist()
    long["location_id"] = pd.Categorical(long["location_id"], categories=order)
    st.altair_chart(
        charts.heatmap(long.sort_values("location_id"), x="factor", y="location_id", value="score",
                       title=f"Readiness factors and composite per location{scope} (1 = weak, 5 = strong)",
                       legend_title="Score (1–5)", domain=(1, 5)),
        width="stretch",
    )
    ui.table(ui.lists_as_text(df), "readiness matrix")


HEATMAP_MAX = 40  # rows of the heat map; the table below keeps every location


def _heatmap_rows(df: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """The locations the heat map draws (by composite, best first) and a title suffix naming the choice.

    Up to HEATMAP_MAX locations are all drawn; beyond that (1,500 locations would be a 1,500-row picture) the
    viewer picks the strongest or weakest HEATMAP_MAX, or one region (every location of it).
    """
    ranked = df.sort_values(["composite", "location_id"], ascending=[False, True]) if "composite" in df else df
    if len(df) <= HEATMAP_MAX:
        return ranked, ""
    regions = sorted(df["region"].dropna().unique()) if "region" in df.columns else []
    choices = [f"{HEATMAP_MAX} highest composite", f"{HEATMAP_MAX} lowest composite"] + [f"region {r}" for r in regions]
    pick = st.selectbox("Heat map of", choices, index=0, key="readiness_heatmap_rows")
    if pick.startswith("region "):  # a region is what a person reads through: all of its locations
        return ranked[ranked["region"] == pick.removeprefix("region ")], f", {pick}"
    if pick.endswith("lowest composite"):
        return ranked.tail(HEATMAP_MAX), f": the {HEATMAP_MAX} lowest of {len(df)}"
    return ranked.head(HEATMAP_MAX), f": the {HEATMAP_MAX} highest of {len(df)}"


def plan_section() -> None:
    """The proposed waves and (for operations) the Wave 1 constraint check."""
    plan = data.read_mart_if(PLAN, ["location_id", "plan_group", "planned_wave", "plan_rank", "composite", "reason"],
                             order_by=["plan_rank"] if data.has_mart(PLAN, ["plan_rank"]) else None)
    if plan is None:
        raise data.MartMissingError(PLAN)
    st.subheader("Proposed waves")
    if not plan.empty and "planned_wave" in plan.columns:
        summary = plan.assign(planned_wave=plan["planned_wave"].astype("string").fillna(plan.get("plan_group", "")))
        groups = summary.groupby("planned_wave")["location_id"].apply(list)
        # Ids for a readable few; counts when a wave holds dozens (the table lists them).
        st.caption(" · ".join(f"{k}: {', '.join(v)}" if len(v) <= 12 else f"{k}: {len(v)} locations"
                              for k, v in groups.items()))
    ui.table(plan, "proposed waves")
    st.markdown("**Wave 1 constraint check** (≥ 1 high-volume, ≥ 1 low-to-moderate volume, ≥ 1 on the most "
                "common PMS, ≥ 2 regions; every member eligible)")
    if who.region_filter:
        st.caption("The Wave 1 constraint check weighs candidates of every region; it is shown to operations.")
        return
    findings = data.read_mart_if(FINDINGS, ["constraint_name", "passed", "detail", "location_ids", "wave1_valid"])
    if findings is None:
        raise data.MartMissingError(FINDINGS)
    if len(findings) and "wave1_valid" in findings.columns:
        if bool(findings["wave1_valid"].fillna(False).all()):
            st.success("The proposed Wave 1 satisfies every constraint.")
        else:
            st.error("No valid Wave 1: see the failing constraints below.")
    ui.table(ui.lists_as_text(findings), "wave 1 constraint check")


def baseline_section() -> None:
    """Baseline reliability per location and its reasons."""
    if data.has_mart("rpt_location_baselines", ["location_id", "baseline_completeness"]):
        df = data.read_mart_if("rpt_location_baselines",
                               ["location_id", "baseline_completeness", "baseline_completeness_reasons",
                                "baseline_scheduled_appointments", "baseline_as_of_date"], order_by=["location_id"])
        status_col = "baseline_completeness"
    else:
        df = data.read_mart_if(SCORES, ["location_id", "baseline_status", "baseline_reasons",
                                        "baseline_pending_checks", "scheduled_appointments_baseline"],
                               order_by=["location_id"])
        if df is None:
            raise data.MartMissingError(SCORES)
        status_col = "baseline_status"
    st.subheader("Baseline reliability")
    st.caption("Reliable = 90 days of history, ≥ 100 scheduled appointments, 6 months of recall history, a "
               "time-study week and no data-quality flag (metrics.md §2). Unreliable baselines are deprioritised "
               "for Wave 1.")
    if status_col in df.columns and len(df):
        counts = df[status_col].fillna("unknown").value_counts().rename_axis("status").reset_index(name="locations")
        st.altair_chart(charts.bar_chart(counts, category="status", value="locations",
                                         title="Locations by baseline status", value_title="Locations"),
                        width="stretch")
    ui.table(ui.lists_as_text(df), "baseline reliability")


ui.section("The readiness matrix", matrix_section)
ui.section("The wave plan", plan_section)
ui.section("Baseline reliability", baseline_section)
