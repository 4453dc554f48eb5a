"""Regional data quality: score, flags with reasons and how to fix, score trend, quarantine per file, freshness.

A regional manager sees only their region's locations: data.py filters every query (metrics.md §7).
"""

from __future__ import annotations

import streamlit as st

from dashboards import charts, data, ui

ui.page_setup("data_quality", "Data quality of my locations")
st.caption("Score = 100 × (1 − weighted share of failing rows); a location is flagged when a critical check "
           "fails or its score is below 80 (docs/data_quality.md).")

SCORES = "rpt_dq_location_scores"
HISTORY = "rpt_dq_location_score_history"
RESULTS = "fct_dq_check_results"
FILES = "rpt_dq_file_reconciliation"


def scores_section() -> None:
    """Latest score and flag per location, with reasons and how to fix them."""
    df = data.read_mart_if(
        SCORES,
        ["location_id", "location_name", "region", "score", "is_flagged", "critical_checks_failing",
         "checks_failing", "checks_run", "flag_reasons", "how_to_fix", "findings", "as_of_date", "run_at"],
        order_by=["location_id"],
    )
    if df is None:
        raise data.MartMissingError(SCORES)
    st.subheader("Scores and flags")
    if df.empty:
        st.info("No data-quality results for your locations yet.")
        return
    flagged = df[df["is_flagged"].fillna(False).astype(bool)] if "is_flagged" in df.columns else df.iloc[0:0]
    c1, c2, c3 = st.columns(3)
    c1.metric("Locations", f"{len(df)}")
    c2.metric("Flagged", f"{len(flagged)}")
    if "score" in df.columns:
        c3.metric("Lowest score", f"{df['score'].min():.1f}")
        st.altair_chart(
            charts.bar_chart(df.dropna(subset=["score"]), category="location_id", value="score",
                             title="Data-quality score per location (latest run)",
                             value_title="Score (0–100, flagged below 80)"),
            width="stretch",
        )
    for _, row in flagged.iterrows():
        with st.expander(f"⚠ {row['location_id']} {row.get('location_name', '')}: flagged "
                         f"(score {row.get('score', float('nan')):.1f})", expanded=True):
            st.markdown(f"**Why:** {row.get('flag_reasons') or 'score below 80'}")
            if row.get("how_to_fix"):
                st.markdown(f"**How to fix:** {row['how_to_fix']}")
    ui.table(df, "data quality scores", column_config={
        "score": st.column_config.ProgressColumn("score", min_value=0, max_value=100, format="%.1f")})


def trend_section() -> None:
    """Score per run and location, with the flag threshold."""
    df = data.read_mart_if(HISTORY, ["run_at", "as_of_date", "location_id", "score", "is_flagged"],
                           order_by=["run_at", "location_id"])
    if df is None:
        raise data.MartMissingError(HISTORY)
    st.subheader("Score trend")
    if df.empty:
        st.info("No score history yet.")
        return
    x = "as_of_date" if "as_of_date" in df.columns else "run_at"
    st.altair_chart(
        charts.line_chart(df.dropna(subset=["score"]), x=x, y="score", color="location_id",
                          title="Data-quality score per run", x_title="Run as-of date",
                          y_title="Score (0–100)", legend_title="Location", rule_y=80.0),
        width="stretch",
    )
    ui.table(df, "data quality score history")


def checks_section() -> None:
    """Failing checks of the latest run with the problem, how to fix and sample row references."""
    if not data.has_mart(RESULTS, ["run_id", "location_id", "check_name", "rows_failing"]):
        raise data.MartMissingError(RESULTS)
    df = data.read_mart_if(
        RESULTS,
        ["run_id", "run_at", "location_id", "check_name", "severity", "rows_examined", "rows_failing",
         "failing_share", "finding_text", "how_to_fix", "failing_sample"],
        order_by=["location_id", "check_name"],
    )
    st.subheader("Failing checks (latest run)")
    if df.empty:
        st.info("No check results yet.")
        return
    latest = df[df["run_at"] == df["run_at"].max()] if "run_at" in df.columns else df
    failing = latest[latest["rows_failing"].fillna(0) > 0].copy()
    failing = ui.lists_as_text(failing)  # failing_sample: pseudonymous references only (no names, contacts)
    if failing.empty:
        st.success("No failing checks at your locations in the latest run.")
    else:
        ui.table(failing.drop(columns=[c for c in ("run_id",) if c in failing.columns]), "failing checks",
                 column_config=ui.percent_columns(failing))
    quarantined = latest[latest["check_name"] == "quarantined_rows"]
    if len(quarantined):
        st.markdown("**Quarantined rows per location** (rows read from the location's files that failed the "
                    "contract and were set aside)")
        ui.table(quarantined[["location_id", "rows_examined", "rows_failing"]].rename(
            columns={"rows_examined": "rows_read", "rows_failing": "rows_quarantined"}), "quarantined rows per location")


def files_section() -> None:
    """Quarantined-row counts per file of the viewer's PMS sources."""
    df = data.read_mart_if(
        FILES,
        ["source_file", "source_id", "vendor", "table_name", "extract_date", "status", "rows_read", "rows_loaded",
         "rows_quarantined", "is_balanced"],
        order_by=["source_id", "extract_date", "source_file"],
    )
    if df is None:
        raise data.MartMissingError(FILES)
    st.subheader("Quarantined rows per file")
    st.caption("Files of your locations' PMS databases; rows_read = rows_loaded + rows_quarantined.")
    only_bad = st.toggle("Only files with quarantined rows or errors", value=True, key="dq_only_bad")
    if only_bad:
        df = df[(df["rows_quarantined"].fillna(0) > 0) | (df["status"] != "loaded")]
    if df.empty:
        st.success("No quarantined rows or file errors.")
    ui.table(df, "quarantined rows per file")


def freshness_section() -> None:
    """Latest loaded extract per location and whether it is stale (> 2 days before the as-of date)."""
    df = data.location_freshness()
    st.subheader("Freshness")
    st.caption("An extract older than 2 days before the as-of date is stale: the location's numbers are frozen "
               "until IT fixes the export.")
    stale = df[df["is_stale"].astype(bool)]
    if len(stale):
        st.warning(f"Stale data at {', '.join(stale['location_id'])}.")
    ui.table(df, "freshness")


ui.section("Data-quality scores", scores_section)
ui.section("The score trend", trend_section)
ui.section("Check results", checks_section)
ui.section("The file reconciliation", files_section)
ui.section("Freshness", freshness_section)
