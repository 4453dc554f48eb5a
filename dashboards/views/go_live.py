"""Go-live monitor: go/no-go scorecard per wave, rollback triggers by day, systemic status (metrics.md §4)."""

from __future__ import annotations

import streamlit as st

from dashboards import charts, data, ui

who = ui.page_setup("go_live", "Go-live monitor")

DECISION = "rpt_go_live_decision"
SCORECARD = "rpt_go_live_scorecard"
MONITOR = "rpt_rollback_monitor"
SYSTEMIC = "rpt_rollback_systemic_days"


def systemic_section() -> None:
    """Systemic status: a trigger at more than 25% of live locations pauses every wave."""
    if not data.has_mart(SYSTEMIC, ["monitor_date", "is_systemic"]):
        raise data.MartMissingError(SYSTEMIC)
    cols = ["monitor_date", "is_systemic"] if who.region_filter else None
    df = data.read_mart(SYSTEMIC, cols, order_by=["monitor_date"])
    st.subheader("Systemic status")
    systemic = df[df["is_systemic"].fillna(False).astype(bool)]
    latest = df["monitor_date"].max() if len(df) else None
    if latest is not None and bool(df.loc[df["monitor_date"] == latest, "is_systemic"].fillna(False).any()):
        st.error(f"SYSTEMIC on {latest:%Y-%m-%d}: rollback triggers at more than 25% of live locations — "
                 "all waves pause.")
    elif len(systemic):
        st.warning(f"{len(systemic)} systemic day(s) so far, latest {systemic['monitor_date'].max():%Y-%m-%d}; "
                   "not systemic on the latest monitored day.")
    else:
        st.success("No systemic day: waves may proceed on their own scorecards.")
    if "triggered_share" in df.columns and len(df):
        plot = df.assign(series="share of live locations with a trigger")
        st.altair_chart(
            charts.line_chart(plot, x="monitor_date", y="triggered_share", color="series",
                              title="Share of live locations with a rollback trigger (systemic above 25%)",
                              x_title="Day (local)", y_title="Locations triggered (%)", legend_title="Series",
                              percent=True, rule_y=0.25),
            width="stretch",
        )
    table = ui.lists_as_text(df)
    ui.table(table, "systemic days", column_config=ui.percent_columns(table))


def scorecard_section() -> None:
    """Go / no-go per wave with every criterion, threshold and its evidence."""
    if not data.has_mart(DECISION, ["wave", "decision"]):
        raise data.MartMissingError(DECISION)
    cols = list(data.REGION_NEUTRAL[DECISION]) if who.region_filter else None
    decisions = data.read_mart(DECISION, cols, order_by=["wave"])
    st.subheader("Go / no-go per wave")
    cards = st.columns(max(1, min(len(decisions), 6)))
    for col, (_, row) in zip(cards, decisions.iterrows()):
        go = str(row["decision"]).lower() == "go"
        col.metric(f"Wave {row['wave']}", "GO" if go else "NO GO")
        failed = ui.as_list(row["failed_criteria"]) if "failed_criteria" in decisions.columns else []
        if failed:
            col.caption(f"Fails: {', '.join(map(str, failed))}")
    table = ui.lists_as_text(decisions)
    ui.table(table, "go no-go decisions")
    if who.region_filter:
        st.caption("The per-criterion scorecard covers every region's locations of a wave; it is shown to "
                   "operations. Your locations' rollback triggers are below.")
        return
    if not data.has_mart(SCORECARD, ["wave", "criterion", "passed"]):
        raise data.MartMissingError(SCORECARD)
    waves = decisions["wave"].tolist()
    wave = st.selectbox("Wave", waves, index=0, key="scorecard_wave") if waves else None
    card = data.read_mart_if(
        SCORECARD, ["criterion", "gate", "threshold", "measured_value", "passed", "evidence", "n_locations",
                    "first_go_live_date", "last_go_live_date"],
        equals={"wave": wave} if wave is not None else None,
        order_by=["criterion_order"] if data.has_mart(SCORECARD, ["criterion_order"]) else None,
    )
    card = card.assign(result=card["passed"].map({True: "pass", False: "FAIL"}).fillna("no data"))
    ui.table(card, f"scorecard wave {wave}", column_config={
        "measured_value": st.column_config.NumberColumn("measured", format="%.4f")})


# How far back the per-location-day list goes (the chart always covers every monitored day).
LIST_DAYS = {"last 7 days": 7, "last 30 days": 30, "last 90 days": 90, "every monitored day": None}


def monitor_section() -> None:
    """Rollback triggers per live location and day (your region only, for a regional manager)."""
    if not data.has_mart(MONITOR, ["monitor_date", "location_id"]):
        raise data.MartMissingError(MONITOR)
    st.subheader("Rollback triggers by day")
    st.caption("Per live location and day: > 5% of appointment changes without an ok sync within 24 h; any "
               "wrong-recipient / wrong-time / wrong-content incident; > 4 h down in business hours.")
    # Counted in DuckDB: the mart has one row per live location and day (~240k at 1,500 locations).
    counts = data.rollback_trigger_counts()
    if counts.empty:
        st.success("No rollback trigger fired on any monitored day.")
    else:
        st.altair_chart(
            charts.stacked_bar_by_day(counts, x="monitor_date", y="locations", color="trigger",
                                      title="Locations with a rollback trigger per day, by trigger",
                                      y_title="Locations triggered", legend_title="Trigger"),
            width="stretch",
        )
    left, right = st.columns(2)
    only = left.toggle("Only days with a trigger", value=True, key="monitor_only_triggers")
    span = right.selectbox("Location-days to list", list(LIST_DAYS), index=1, key="monitor_days")
    available = set(data.mart_columns(MONITOR))
    days = LIST_DAYS[span]
    df = data.read_mart_if(
        MONITOR,
        ["monitor_date", "location_id", "location_name", "region", "wave", "appointment_changes", "unsynced_changes",
         "unsynced_share", "sync_trigger", "trigger_incidents", "trigger_incident_categories", "incident_trigger",
         "down_business_hours", "downtime_trigger", "any_trigger", "triggers"],
        where="any_trigger" if only and "any_trigger" in available else None,
        recent_days=("monitor_date", days) if days else None,
        order_by=["monitor_date", "location_id"],
    )
    if df.empty:
        st.info("No location-day to list for this choice." if only else "No live location to monitor yet.")
        return
    table = ui.lists_as_text(df)
    ui.table(table, "rollback monitor", column_config=ui.percent_columns(table))


ui.section("The systemic status", systemic_section)
ui.section("The go/no-go scorecard", scorecard_section)
ui.section("The rollback monitor", monitor_section)
