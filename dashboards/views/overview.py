"""Overview page: per-location no-show baselines (and post go-live values) from the published marts."""

from __future__ import annotations

import streamlit as st

from dashboards import charts, data, privacy, ui

MART = "rpt_location_no_show_baselines"
# Columns shown, in order, when the mart has them (metrics.md section 2 and the baseline/post rules).
COLUMNS = [
    "location_id", "go_live_date", "baseline_as_of_date", "baseline_scheduled_appointments",
    "baseline_no_show_rate", "baseline_same_day_cancellation_rate", "post_status",
    "post_scheduled_appointments", "post_no_show_rate", "change_no_show_rate",
]
# Rate column -> the count it divides by: rates over fewer than 11 are hidden (metrics.md section 7).
DENOMINATORS = [
    ("baseline_no_show_rate", "baseline_scheduled_appointments"),
    ("baseline_same_day_cancellation_rate", "baseline_scheduled_appointments"),
    ("post_no_show_rate", "post_scheduled_appointments"),
    ("change_no_show_rate", "baseline_scheduled_appointments"),
    ("change_no_show_rate", "post_scheduled_appointments"),
]

ui.page_setup("overview", "Rollout overview")


def baselines() -> None:
    """Baseline and post no-show rates per visible location (rates over < 11 appointments hidden)."""
    if not data.has_mart(MART, ["location_id"]):
        raise data.MartMissingError(MART)
    available = data.mart_columns(MART)
    df = data.read_mart(MART, columns=[c for c in COLUMNS if c in available], order_by=["location_id"])
    rates: dict[str, list[str]] = {}
    for rate, denominator in DENOMINATORS:
        if {rate, denominator} <= set(df.columns):
            rates.setdefault(rate, []).append(denominator)
    df = privacy.suppress(df, rates=rates)
    st.subheader("No-show baseline by location")
    st.caption(
        "No-show rate = (no call/no show + late cancel) / scheduled appointments, trailing 90 days, as of "
        "go-live (or the latest extract for locations not live yet). Rates over fewer than 11 appointments "
        "are hidden."
    )
    if {"location_id", "baseline_no_show_rate"} <= set(df.columns):
        plot = df.dropna(subset=["baseline_no_show_rate"]).astype({"baseline_no_show_rate": float})
        st.altair_chart(
            charts.bar_chart(
                plot,
                category="location_id",
                value="baseline_no_show_rate",
                title="Baseline no-show rate per location",
                value_title="No-show rate (% of scheduled appointments)",
                percent=True,
            ),
            width="stretch",
        )
    ui.table(df, "no-show baselines", column_config=ui.percent_columns(df))


ui.section("The no-show baselines", baselines)
