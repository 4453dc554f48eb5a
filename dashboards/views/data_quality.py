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


# Above this many locations a chart of one bar / line per location is unreadable (and slow to draw): the
# charts show the lowest scores and the score distribution per run; the tables keep every location.
PER_LOCATION_MAX = 25
FLAGGED_EXPANDED_MAX = 20  # flagged locations explained one by one; the rest are in the table's columns


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
        scored = df.dropna(subset=["score"])
        shown = scored.nsmallest(PER_LOCATION_MAX, "score")
        title = ("Data-quality score per location (latest run)" if len(shown) == len(scored) else
                 f"Data-quality score: the {len(shown)} lowest of {len(scored)} locations (latest run)")
        st.altair_chart(
            charts.bar_chart(shown, category="location_id", value="score", title=title,
                             value_title="Score (0–100, flagged below 80)"),
            width="stretch",
        )
    if "score" in flagged.columns:
        flagged = flagged.sort_values("score", kind="stable")
    for _, row in flagged.head(FLAGGED_EXPANDED_MAX).iterrows():
        with st.expander(f"⚠ {row['location_id']} {row.get('location_name', '')}: flagged "
                         f"(score {row.get('score', float('nan')):.1f})", expanded=True):
            st.markdown(f"**Why:** {row.get('flag_reasons') or 'score below 80'}")
            if row.get("how_to_fix"):
                st.markdown(f"**How to fix:** {row['how_to_fix']}")
    if len(flagged) > FLAGGED_EXPANDED_MAX:
        st.caption(f"{len(flagged) - FLAGGED_EXPANDED_MAX} more flagged locations: their reasons and fixes are in "
                   "the flag_reasons and how_to_fix columns below.")
    ui.table(df, "data quality scores", column_config={
        "score": st.column_config.ProgressColumn("score", min_value=0, max_value=100, format="%.1f")})


def trend_section() -> None:
    """Score trend: one line per location for a few locations, else the score distribution per run."""
    summary = data.dq_score_trend()  # per run, computed in DuckDB; MartMissingError without the history mart
    st.subheader("Score trend")
    if summary.empty:
        st.info("No score history yet.")
        return
    x = "as_of_date" if summary["as_of_date"].notna().all() else "run_at"
    if summary["locations"].max() <= PER_LOCATION_MAX:
        df = data.read_mart_if(HISTORY, ["run_at", "as_of_date", "location_id", "score", "is_flagged"],
                               order_by=["run_at", "location_id"])
        st.altair_chart(
            charts.line_chart(df.dropna(subset=["score"]), x=x, y="score", color="location_id",
                              title="Data-quality score per run", x_title="Run as-of date",
                              y_title="Score (0–100)", legend_title="Location", rule_y=80.0),
            width="stretch",
        )
        ui.table(df, "data quality score history")
        return
    stats = {"median_score": "median", "p10_score": "10th percentile", "min_score": "lowest"}
    long = summary.melt(id_vars=[x], value_vars=list(stats), var_name="statistic", value_name="score")
    long["statistic"] = long["statistic"].map(stats)
    st.altair_chart(
        charts.line_chart(long.dropna(subset=["score"]), x=x, y="score", color="statistic",
                          title=f"Data-quality score of your {int(summary['locations'].iloc[-1])} locations per run",
                          x_title="Run as-of date", y_title="Score (0–100)", legend_title="Across locations",
                          rule_y=80.0),
        width="stretch",
    )
    ui.table(summary, "data quality score trend")


def checks_section() -> None:
    """Failing checks of the latest run with the problem, how to fix and sample row references."""
    if not data.has_mart(RESULTS, ["run_id", "location_id", "check_name", "rows_failing"]):
        raise data.MartMissingError(RESULTS)
    # Only what the page shows leaves DuckDB: the latest run's failing checks and quarantine counts.
    df = data.read_mart_if(
        RESULTS,
        ["run_id", "run_at", "location_id", "check_name", "severity", "rows_examined", "rows_failing",
         "failing_share", "finding_text", "how_to_fix", "failing_sample"],
        where="rows_failing > 0 or check_name = 'quarantined_rows'",
        latest="run_at" if data.has_mart(RESULTS, ["run_at"]) else None,
        order_by=["location_id", "check_name"],
    )
    st.subheader("Failing checks (latest run)")
    if df.empty:
        st.info("No check results yet.")
        return
    failing = df[df["rows_failing"].fillna(0) > 0].copy()
    failing = ui.lists_as_text(failing)  # failing_sample: pseudonymous references only (no names, contacts)
    if failing.empty:
        st.success("No failing checks at your locations in the latest run.")
    else:
        ui.table(failing.drop(columns=[c for c in ("run_id",) if c in failing.columns]), "failing checks",
                 column_config=ui.percent_columns(failing))
    quarantined = df[df["check_name"] == "quarantined_rows"]
    if len(quarantined):
        st.markdown("**Quarantined rows per location** (rows read from the location's files that failed the "
                    "contract and were set aside)")
        ui.table(quarantined[["location_id", "rows_examined", "rows_failing"]].rename(
            columns={"rows_examined": "rows_read", "rows_failing": "rows_quarantined"}), "quarantined rows per location")


ALL_FILES_DAYS = 7  # "every file" lists the latest week of extracts (~180k files a year at 1,500 locations)


def files_section() -> None:
    """Quarantined-row counts per file of the viewer's PMS sources."""
    if not data.has_mart(FILES, ["source_file", "extract_date", "status", "rows_quarantined"]):
        raise data.MartMissingError(FILES)
    st.subheader("Quarantined rows per file")
    st.caption("Files of your locations' PMS databases; rows_read = rows_loaded + rows_quarantined.")
    only_bad = st.toggle("Only files with quarantined rows or errors", value=True, key="dq_only_bad")
    if not only_bad:
        st.caption(f"Every file of the latest {ALL_FILES_DAYS} extract days.")
    df = data.read_mart_if(
        FILES,
        ["source_file", "source_id", "vendor", "table_name", "extract_date", "status", "rows_read", "rows_loaded",
         "rows_quarantined", "is_balanced"],
        where="coalesce(rows_quarantined, 0) > 0 or coalesce(status, '') <> 'loaded'" if only_bad else None,
        recent_days=None if only_bad else ("extract_date", ALL_FILES_DAYS),
        order_by=["source_id", "extract_date", "source_file"],
    )
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
