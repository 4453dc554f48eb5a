"""Board / CFO: ROI with intervals next to its assumptions, event study, live vs not-yet-live trends, rollout.

Aggregates only; every number comes from data.board_* which applies the small-number rule (privacy.py).
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from dashboards import charts, data, privacy, ui

ui.page_setup("board", "Board / CFO: rollout ROI")
st.caption(
    f"Board view: aggregates only. Counts from 1 to 10 and rates over fewer than 11 are hidden and shown as "
    f"`{privacy.MARKER}` (metrics.md §7). Intervals are 95%."
)

OUTCOME_LABELS = {
    "no_show_rate": "No-show rate",
    "same_day_cancellation_rate": "Same-day cancellation rate",
    "patient_response_rate": "Patient response rate",
    "recall_conversion_rate": "Recall conversion rate",
}
MONEY_LABELS = {
    "recovered_visits": "Recovered visits",
    "recall_conversions_gained": "Recall conversions gained",
    "front_desk_hours_saved": "Front-desk hours saved",
    "value_recovered_visits": "Value of recovered visits",
    "value_recall": "Value of recall conversions",
    "value_front_desk": "Value of front-desk hours",
    "value_total": "Total value",
    "cost": "Cost (subscription + implementation)",
    "net_value": "Net value",
    "monthly_value": "Value per month",
    "roi": "ROI ((value - cost) / cost)",
    "payback_month": "Payback month",
}


def money_section() -> None:
    """DSO-total money with 95% intervals and the assumption behind each figure."""
    money = data.board_money()
    hidden = money.attrs.get("hidden", {}).get("estimate", [False] * len(money))
    headline = money.assign(_hidden=hidden).set_index("metric")
    cols = st.columns(3)
    for col, metric, fmt in zip(cols, ("value_total", "cost", "roi"), ("${:,.0f}", "${:,.0f}", "{:.0%}")):
        if metric not in headline.index:
            continue
        row = headline.loc[metric]
        if row["_hidden"]:
            col.metric(MONEY_LABELS[metric], privacy.MARKER)
        elif pd.isna(row["estimate"]):
            col.metric(MONEY_LABELS[metric], "not estimable")
        else:
            ci = (f"95% CI {fmt.format(row['ci_low'])} to {fmt.format(row['ci_high'])}"
                  if not pd.isna(row["ci_low"]) else "no interval")
            col.metric(MONEY_LABELS[metric], fmt.format(row["estimate"]), ci, delta_color="off")
    shown = privacy.display(money, decimals={"estimate": 2, "ci_low": 2, "ci_high": 2})
    # Dollars as dollars: the text of a USD row is re-formatted (markers stay).
    usd = money["unit"].astype(str).str.startswith("USD")
    for c in ("estimate", "ci_low", "ci_high"):
        shown.loc[usd, c] = [
            v if v in ("", privacy.MARKER) else f"${float(v.replace(',', '')):,.0f}" for v in shown.loc[usd, c]
        ]
    shown["metric"] = money["metric"].map(MONEY_LABELS).fillna(money["metric"])
    st.subheader("Value and cost, all live locations")
    st.caption("Each figure's basis names the assumption (value, unit) it rests on; the assumptions and "
               "their sources are listed below.")
    ui.table(
        shown[["metric", "unit", "estimate", "ci_low", "ci_high", "status", "basis"]].rename(
            columns={"ci_low": "95% low", "ci_high": "95% high"}),
        "ROI money totals",
    )


def assumptions_section() -> None:
    """Every money assumption with unit and source (shown next to the dollar figures)."""
    df = data.read_mart_if("roi_assumptions", ["name", "value", "unit", "source"])
    if df is None:
        raise data.MartMissingError("roi_assumptions")
    st.subheader("Assumptions behind the dollar figures")
    ui.table(df, "ROI assumptions")


def effects_section() -> None:
    """Overall and per-wave effects with 95% intervals."""
    eff = data.board_effects()
    eff["outcome_label"] = eff["outcome"].map(OUTCOME_LABELS).fillna(eff["outcome"])
    st.subheader("Effect of the platform (difference-in-differences)")
    st.caption("Change in each rate caused by going live, against not-yet-live locations (Callaway & "
               "Sant'Anna). Negative is better for no-shows and same-day cancellations, positive for responses. "
               "Effects are hidden when measured over fewer than 11 post-go-live appointments / attempts.")
    ns = eff[(eff["outcome"] == "no_show_rate")].dropna(subset=["estimate", "ci_low", "ci_high"])
    if len(ns):
        st.altair_chart(
            charts.interval_chart(ns.astype({"estimate": float, "ci_low": float, "ci_high": float}),
                                  category="scope", title="Effect on the no-show rate, overall and per wave",
                                  x_title="Change in no-show rate (percentage points, 95% CI)"),
            width="stretch",
        )
    shown = privacy.display(eff, percent=["estimate", "ci_low", "ci_high"], integer=["denominator"])
    ui.table(
        shown[["outcome_label", "scope", "status", "estimate", "ci_low", "ci_high", "reason"]].rename(
            columns={"outcome_label": "outcome", "ci_low": "95% low", "ci_high": "95% high"}),
        "ROI effects overall and per wave",
    )


def usd(value: float) -> str:
    """Whole dollars with the sign in front ("-$2,000", not "$-2,000")."""
    return f"-${-value:,.0f}" if value < 0 else f"${value:,.0f}"


WAVE_MONEY_FORMATS: dict[str, tuple[str, Callable[[float], str]]] = {  # metric -> (column title, format)
    "recovered_visits": ("Recovered visits", "{:,.0f}".format),
    "value_total": ("Total value", usd),
    "cost": ("Cost", usd),
    "net_value": ("Net value", usd),
    "roi": ("ROI", "{:.0%}".format),
}


def with_interval(df: pd.DataFrame, metric: str, fmt: Callable[[float], str]) -> list[str]:
    """'estimate (low to high)' per row; the marker when any of the three was hidden, empty when not estimable."""
    hidden = df.attrs.get("hidden", {})
    cols = [metric, f"{metric}_low", f"{metric}_high"]
    marks = [hidden.get(c, [False] * len(df)) for c in cols]
    texts = []
    for i, (est, lo, hi) in enumerate(df[cols].itertuples(index=False)):  # one row per wave: a handful
        if any(m[i] for m in marks):
            texts.append(privacy.MARKER)
        elif pd.isna(est):
            texts.append("")
        elif pd.isna(lo) or pd.isna(hi):
            texts.append(f"{fmt(float(est))} (no interval)")
        else:
            texts.append(f"{fmt(float(est))} ({fmt(float(lo))} to {fmt(float(hi))})")
    return texts


def assumptions_line() -> str:
    """The money assumptions in one line (name = value unit), for the caption next to dollar figures."""
    df = data.read_mart_if("roi_assumptions", ["name", "value", "unit"])
    if df is None or df.empty:
        return "the ROI assumptions are not in this snapshot"
    return "; ".join(f"{r.name} = {float(r.value):,.4g} {r.unit}" for r in df.itertuples(index=False))


def wave_money_section() -> None:
    """Per-wave money with 95% intervals from each wave's own effect draws (roi_money_by_wave)."""
    wm = data.board_money_by_wave()
    st.subheader("ROI per wave, with 95% intervals")
    st.caption("Each wave's figures are summed over its live locations for every bootstrap draw of the wave's "
               "own effect (the overall effect where the wave's is not estimable; the basis column names it), "
               "so each cell reads estimate (95% interval). Dollar figures rest on: "
               f"{assumptions_line()} (sources in the assumptions table below).")
    fallback = wm.loc[wm["uses_overall_effect"].fillna(False).astype(bool), "wave"].tolist()
    if fallback:
        st.warning(f"{', '.join(fallback)}: the wave's own effect is not estimable, so its figures use the "
                   "overall effect (see the basis column).")
    shown = privacy.display(wm[["wave", "n_locations", "status"]], integer=["n_locations"])
    for metric, (title, fmt) in WAVE_MONEY_FORMATS.items():
        shown[title] = with_interval(wm, metric, fmt)
    shown["basis"] = wm["effect"].fillna("").to_numpy()
    shown["reason"] = wm["reason"].fillna("").to_numpy()
    ui.table(shown.rename(columns={"n_locations": "locations"}), "ROI per wave")


def event_study_section() -> None:
    """Effect by weeks since go-live with the 95% band."""
    outcome = st.selectbox("Outcome", list(OUTCOME_LABELS)[:3], format_func=OUTCOME_LABELS.get, key="es_outcome")
    es = data.board_event_study(outcome)
    plot = es.dropna(subset=["estimate", "ci_low", "ci_high"]).astype(
        {"estimate": float, "ci_low": float, "ci_high": float})
    st.subheader("Event study")
    if plot.empty:
        st.info("No estimable event-study points for this outcome yet.")
    else:
        st.altair_chart(
            charts.event_study_chart(plot, title=f"Effect on {OUTCOME_LABELS[outcome].lower()} by weeks since go-live",
                                     y_title="Effect (percentage points, 95% band)"),
            width="stretch",
        )
    ui.table(
        privacy.display(es, percent=["estimate", "ci_low", "ci_high"], integer=["denominator"]),
        f"event study {outcome}",
    )
    pre = data.read_mart_if("roi_pretrend", ["outcome", "test", "status", "reason", "statistic", "df", "p_value"],
                            equals={"outcome": outcome})
    if pre is not None and len(pre):
        st.caption("Pre-trend test (placebo leads jointly zero): a small p-value warns the before/after "
                   "comparison may be biased.")
        ui.table(pre, f"pre-trend test {outcome}")


def trend_section() -> None:
    """Weekly pooled no-show and response rates, live vs not-yet-live locations."""
    trend = data.board_weekly_trend()
    st.subheader("Live vs not-yet-live locations, by week")
    left, right = st.columns(2)
    for col, rate, label in ((left, "no_show_rate", "No-show rate"),
                             (right, "patient_response_rate", "Patient response rate")):
        plot = trend.dropna(subset=[rate]).astype({rate: float})
        if plot.empty:
            col.info(f"{label}: no week with 11 or more in the denominator yet.")
            continue
        col.altair_chart(
            charts.line_chart(plot, x="week_start", y=rate, color="group", title=f"{label} per week",
                              x_title="Week (Monday)", y_title=f"{label} (%)", legend_title="Locations",
                              percent=True),
            width="stretch",
        )
    ui.table(
        privacy.display(trend, percent=["no_show_rate", "patient_response_rate"],
                        integer=["locations", "scheduled_appointments", "no_shows", "outreach_attempts",
                                 "outreach_answered"]),
        "weekly live vs not yet live",
    )


def rollout_section() -> None:
    """Rollout progress per wave."""
    ro = data.board_rollout()
    st.subheader("Rollout progress")
    total = ro[ro["wave"] == "all waves"]
    if len(total) and not pd.isna(total["share_live"].iloc[0]):
        st.progress(float(total["share_live"].iloc[0]),
                    text=f"{float(total['share_live'].iloc[0]):.0%} of locations live")
    ui.table(
        privacy.display(ro, percent=["share_of_locations", "share_live"],
                        integer=["locations", "live_locations", "all_locations"]),
        "rollout progress",
    )


# Both money tables come before the assumptions table, so the assumptions sit next to every dollar figure.
ui.section("ROI money", money_section)
ui.section("ROI per wave", wave_money_section)
ui.section("The ROI assumptions", assumptions_section)
ui.section("ROI effects", effects_section)
ui.section("The event study", event_study_section)
ui.section("The weekly trend", trend_section)
ui.section("Rollout progress", rollout_section)
