"""Overview page: per-location no-show baselines (and post go-live values) from the published marts."""

from __future__ import annotations

import streamlit as st

from dashboards import charts, data

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

st.title("Rollout overview")

if not data.snapshot_exists():
    st.info(
        f"No published snapshot at `{data.snapshot_path()}` yet. Run `make run` first: it loads the "
        "extracts, builds the warehouse and publishes the marts this dashboard reads."
    )
    st.stop()

published = data.published_at()
if published is not None:
    st.caption(f"Data published {published:%Y-%m-%d %H:%M %Z}")

marts = data.list_marts()
if MART not in marts:
    st.warning(f"The snapshot has no `{MART}` mart yet (published marts: {', '.join(marts) or 'none'}).")
    st.stop()

available = data.mart_columns(MART)
df = data.read_mart(MART, columns=[c for c in COLUMNS if c in available])
for rate, denominator in DENOMINATORS:
    if {rate, denominator} <= set(df.columns):
        df = data.suppress_small(df, rates={rate: denominator})

st.subheader("No-show baseline by location")
st.caption(
    "No-show rate = (no call/no show + late cancel) / scheduled appointments, trailing 90 days, as of "
    "go-live (or the latest extract for locations not live yet). Rates over fewer than 11 appointments "
    "are hidden."
)
if {"location_id", "baseline_no_show_rate"} <= set(df.columns):
    st.altair_chart(
        charts.bar_chart(
            df.dropna(subset=["baseline_no_show_rate"]),
            category="location_id",
            value="baseline_no_show_rate",
            title="Baseline no-show rate per location",
            value_title="No-show rate (% of scheduled appointments)",
            percent=True,
        ),
        width="stretch",
    )
st.dataframe(
    df,
    hide_index=True,
    width="stretch",
    column_config={
        c: st.column_config.NumberColumn(format="percent") for c in df.columns if c.endswith("_rate")
    },
)
