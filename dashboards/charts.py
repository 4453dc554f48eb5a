"""Chart helpers: every chart has a title and axis titles with units."""

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
            x=alt.X(f"{value}:Q", title=value_title, axis=alt.Axis(format=fmt)),
            tooltip=[alt.Tooltip(f"{category}:N"), alt.Tooltip(f"{value}:Q", format=fmt, title=value_title)],
        )
    )
