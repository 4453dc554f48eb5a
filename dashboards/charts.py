"""Chart helpers: every chart has a title, axis titles with units and, where colours mean something, a legend."""

from __future__ import annotations

import altair as alt
import pandas as pd


def bar_chart(
    df: pd.DataFrame, *, category: str, value: str, title: str, value_title: str, percent: bool = False
) -> alt.Chart:
    """Horizontal bar chart of `value` per `category`, sorted descending; `percent` formats 0-1 as %."""
    fmt = ".1%" if percent else ",.0f"
    return (
        alt.Chart(df, title=title)
        .mark_bar()
        .encode(
            y=alt.Y(f"{category}:N", sort="-x", title=None),
            x=alt.X(f"{value}:Q", title=value_title,
                    axis=alt.Axis(format=fmt) if percent else alt.Axis(format=fmt, tickMinStep=1)),
            tooltip=[alt.Tooltip(f"{category}:N"), alt.Tooltip(f"{value}:Q", format=fmt, title=value_title)],
        )
    )


def line_chart(
    df: pd.DataFrame,
    *,
    x: str,
    y: str,
    color: str,
    title: str,
    x_title: str,
    y_title: str,
    legend_title: str,
    percent: bool = False,
    rule_y: float | None = None,
) -> alt.LayerChart | alt.Chart:
    """Lines of `y` over time `x`, one per `color` value (with legend); optional horizontal reference line."""
    fmt = ".1%" if percent else ",.1f"
    chart = (
        alt.Chart(df, title=title)
        .mark_line(point=True)
        .encode(
            x=alt.X(f"{x}:T", title=x_title),
            y=alt.Y(f"{y}:Q", title=y_title, axis=alt.Axis(format=fmt)),
            color=alt.Color(f"{color}:N", title=legend_title),
            tooltip=[alt.Tooltip(f"{x}:T", title=x_title), alt.Tooltip(f"{color}:N", title=legend_title),
                     alt.Tooltip(f"{y}:Q", format=fmt, title=y_title)],
        )
    )
    if rule_y is None:
        return chart
    rule = alt.Chart(pd.DataFrame({"y": [rule_y]})).mark_rule(strokeDash=[4, 4], color="gray").encode(y="y:Q")
    return alt.layer(chart, rule)


def event_study_chart(df: pd.DataFrame, *, title: str, y_title: str) -> alt.LayerChart:
    """Effect by weeks since go-live: point estimates with their 95% interval band and a zero line."""
    base = alt.Chart(df, title=title).encode(
        x=alt.X("event_time:Q", title="Weeks since go-live (negative = before: placebo leads)")
    )
    band = base.mark_area(opacity=0.25, color="steelblue").encode(
        y=alt.Y("ci_low:Q", title=y_title, axis=alt.Axis(format=".1%")),
        y2="ci_high:Q",
    )
    line = base.mark_line(point=True, color="steelblue").encode(
        y=alt.Y("estimate:Q", title=y_title, axis=alt.Axis(format=".1%")),
        tooltip=[alt.Tooltip("event_time:Q", title="weeks since go-live"),
                 alt.Tooltip("estimate:Q", format=".2%", title="effect"),
                 alt.Tooltip("ci_low:Q", format=".2%", title="95% low"),
                 alt.Tooltip("ci_high:Q", format=".2%", title="95% high")],
    )
    zero = alt.Chart(pd.DataFrame({"y": [0.0]})).mark_rule(color="gray").encode(y="y:Q")
    golive = alt.Chart(pd.DataFrame({"x": [-0.5]})).mark_rule(strokeDash=[4, 4], color="gray").encode(x="x:Q")
    return alt.layer(band, line, zero, golive)


def interval_chart(df: pd.DataFrame, *, category: str, title: str, x_title: str, percent: bool = True) -> alt.LayerChart:
    """Point estimate with 95% interval per `category` (e.g. overall and per wave), with a zero line."""
    fmt = ".1%" if percent else ",.2f"
    base = alt.Chart(df, title=title).encode(y=alt.Y(f"{category}:N", title=None))
    bars = base.mark_rule(strokeWidth=2).encode(
        x=alt.X("ci_low:Q", title=x_title, axis=alt.Axis(format=fmt)), x2="ci_high:Q"
    )
    points = base.mark_point(filled=True, size=80).encode(
        x=alt.X("estimate:Q", title=x_title, axis=alt.Axis(format=fmt)),
        tooltip=[alt.Tooltip(f"{category}:N"), alt.Tooltip("estimate:Q", format=fmt, title="estimate"),
                 alt.Tooltip("ci_low:Q", format=fmt, title="95% low"),
                 alt.Tooltip("ci_high:Q", format=fmt, title="95% high")],
    )
    zero = alt.Chart(pd.DataFrame({"x": [0.0]})).mark_rule(color="gray").encode(x="x:Q")
    return alt.layer(bars, points, zero)


def heatmap(
    df: pd.DataFrame, *, x: str, y: str, value: str, title: str, legend_title: str, domain: tuple[float, float]
) -> alt.LayerChart:
    """Score matrix: `value` per (`y` row, `x` column) as coloured cells with the number written in."""
    base = alt.Chart(df, title=title).encode(
        x=alt.X(f"{x}:N", title=None, sort=None), y=alt.Y(f"{y}:N", title=None, sort=None)
    )
    cells = base.mark_rect().encode(
        color=alt.Color(f"{value}:Q", title=legend_title, scale=alt.Scale(domain=list(domain), scheme="redyellowgreen")),
        tooltip=[alt.Tooltip(f"{y}:N"), alt.Tooltip(f"{x}:N"), alt.Tooltip(f"{value}:Q", title=legend_title)],
    )
    text = base.mark_text(baseline="middle").encode(text=alt.Text(f"{value}:Q", format=".2~f"))
    return alt.layer(cells, text)


def stacked_bar_by_day(
    df: pd.DataFrame, *, x: str, y: str, color: str, title: str, y_title: str, legend_title: str
) -> alt.Chart:
    """Counts per day stacked by `color` (e.g. rollback triggers by type)."""
    return (
        alt.Chart(df, title=title)
        .mark_bar()
        .encode(
            x=alt.X(f"{x}:T", title="Day (local)"),
            y=alt.Y(f"{y}:Q", title=y_title, axis=alt.Axis(format=",.0f", tickMinStep=1)),
            color=alt.Color(f"{color}:N", title=legend_title),
            tooltip=[alt.Tooltip(f"{x}:T", title="day"), alt.Tooltip(f"{color}:N", title=legend_title),
                     alt.Tooltip(f"{y}:Q", title=y_title)],
        )
    )
