"""Location drill-down: every baseline metric before and after go-live for one of the viewer's locations.

Reads rpt_location_baselines (every metric of metrics.md §2) when published, else rpt_location_no_show_baselines.
The location list comes from data.locations() (region-filtered); a location id from the URL (?location=) is only
used when it is one of those, and the row read is region-filtered again in data.py.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards import charts, data, ui

who = ui.page_setup("location", "Location drill-down")

FULL = "rpt_location_baselines"
NO_SHOW = "rpt_location_no_show_baselines"
# Metric order and labels (metrics.md §2); any other baseline_/post_/change_ metric is listed after these.
METRICS = {
    "scheduled_appointments": "Scheduled appointments (90 d)",
    "no_show_rate": "No-show rate",
    "same_day_cancellation_rate": "Same-day cancellation rate",
    "no_call_no_show_rate": "No-call/no-show rate",
    "recall_conversion_rate": "Recall conversion rate",
    "recall_days_due_to_scheduled_mean": "Recall: days due → scheduled (mean)",
    "recall_days_due_to_scheduled_median": "Recall: days due → scheduled (median)",
    "patient_response_rate": "Patient response rate",
    "reviews_per_month": "Reviews per month",
    "average_star_rating": "Average star rating",
    "front_desk_comm_hours_per_week": "Front-desk communication hours / week",
}


def metric_table(df: pd.DataFrame) -> pd.DataFrame:
    """One row per numeric metric of the one-row frame `df`: baseline, post and change."""
    numeric = {c for c in df.columns
               if pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c])}
    names = [c[len("baseline_"):] for c in df.columns if c.startswith("baseline_") and c in numeric]
    metrics = [m for m in METRICS if m in names] + [m for m in names if m not in METRICS]
    row = df.iloc[0]
    return pd.DataFrame([
        {
            "metric": METRICS.get(m, m.replace("_", " ")),
            "baseline": row.get(f"baseline_{m}"),
            "post": row.get(f"post_{m}") if f"post_{m}" in numeric else None,
            "change": row.get(f"change_{m}") if f"change_{m}" in numeric else None,
            "is_rate": m.endswith("_rate"),
        }
        for m in metrics
    ], columns=["metric", "baseline", "post", "change", "is_rate"])


def drill_down() -> None:
    """Pick a location and show its before/after metrics and weekly no-show trend."""
    mart = FULL if data.has_mart(FULL, ["location_id"]) else NO_SHOW
    if not data.has_mart(mart, ["location_id"]):
        raise data.MartMissingError(NO_SHOW)
    locs = data.locations() if data.has_mart("dim_locations") else data.read_mart(mart, ["location_id"])
    ids = locs["location_id"].tolist()
    if not ids:
        st.info("No locations to show for your role and region.")
        return
    names = dict(zip(locs["location_id"], locs.get("location_name", locs["location_id"])))
    wanted = st.query_params.get("location")
    index = ids.index(wanted) if wanted in ids else 0  # an id outside the viewer's list is ignored
    loc = st.selectbox("Location", ids, index=index, format_func=lambda i: f"{i} — {names.get(i, '')}",
                       key="drill_location")
    df = data.read_mart(mart, equals={"location_id": loc})
    if df.empty:  # e.g. a location id from another region: data.py returns nothing
        st.info("No baseline for this location.")
        return
    row = df.iloc[0]
    info = {k: row[k] for k in ("go_live_date", "is_live", "baseline_as_of_date", "post_status", "post_window_days",
                                "baseline_completeness") if k in row.index}
    def show(v: object) -> str:
        """A status value as short text (dates without a time)."""
        if v is None or (not isinstance(v, str) and pd.isna(v)):
            return "—"
        return f"{v:%Y-%m-%d}" if isinstance(v, pd.Timestamp) else str(v)

    st.markdown(" · ".join(f"**{k.replace('_', ' ')}** {show(v)}" for k, v in info.items()))
    for k in ("baseline_completeness_reasons", "dq_flag_reasons"):
        if k in row.index and ui.as_list(row[k]):
            st.caption(f"{k.replace('_', ' ')}: {', '.join(map(str, ui.as_list(row[k])))}")
    if "post_status" in row.index and row["post_status"] in ("too_early", "not_live"):
        st.info("Post values appear once the location has been live for 14 days of stabilisation plus 28 days "
                f"(post status: {row['post_status']}).")
    table = metric_table(df)
    st.subheader(f"Before and after go-live: {loc}")
    st.caption(f"Source: `{mart}`. Baseline = trailing window as of go-live (or the latest extract when not live); "
               "post = as of the latest extract, from go-live + 14 days; change = post − baseline.")
    shown = table.copy()
    for col in ("baseline", "post", "change"):
        shown[col] = [
            "" if v is None or pd.isna(v) else (f"{float(v):+.1%}" if col == "change" else f"{float(v):.1%}")
            if r else (f"{float(v):,.0f}" if float(v).is_integer() else f"{float(v):,.2f}")
            for v, r in zip(table[col], table["is_rate"])
        ]
    ui.table(shown.drop(columns=["is_rate"]), f"baseline and post {loc}")
    ui.table(ui.lists_as_text(df), f"all baseline columns {loc}")

    panel = "rpt_location_weekly_no_show_panel"
    if data.has_mart(panel, ["location_id", "week_start", "no_show_rate"]):
        weeks = data.read_mart(panel, ["week_start", "no_show_rate", "scheduled_appointments"],
                               equals={"location_id": loc}, order_by=["week_start"])
        plot = weeks.dropna(subset=["no_show_rate"]).assign(series="weekly no-show rate")
        if len(plot):
            st.altair_chart(
                charts.line_chart(plot, x="week_start", y="no_show_rate", color="series",
                                  title=f"Weekly no-show rate, {loc}", x_title="Week (Monday)",
                                  y_title="No-show rate (%)", legend_title="Series", percent=True),
                width="stretch",
            )
    else:
        ui.not_available("The weekly trend", panel)


ui.section("The location drill-down", drill_down)
