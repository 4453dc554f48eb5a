"""Page scaffolding shared by every page: header, role check, missing-mart notes, tables with CSV download."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TypeVar

import pandas as pd
import streamlit as st

from dashboards import access, data

T = TypeVar("T")


def page_setup(page_id: str, title: str) -> access.Identity:
    """Title, snapshot/identity captions; stops the page for a role that may not open it or without a snapshot."""
    st.title(title)
    try:
        who = data.identity()
    except access.AccessDenied as exc:
        st.error(f"No access: {exc}")
        st.stop()
    if who.role not in access.PAGE_ROLES.get(page_id, ()):
        # Navigation never lists such a page; this guards a direct call all the same.
        st.error(f"This page is not available to the {access.ROLE_LABELS[who.role]} role.")
        st.stop()
    if not data.snapshot_exists():
        st.info(
            f"No published snapshot at `{data.snapshot_path()}` yet. Run `make run` first: it loads the "
            "extracts, builds the warehouse and publishes the marts this dashboard reads."
        )
        st.stop()
    parts = []
    published = data.published_at()
    if published is not None:
        parts.append(f"Data published {published:%Y-%m-%d %H:%M %Z}")
    as_of = data.as_of_date()
    if as_of is not None:
        parts.append(f"as of {as_of:%Y-%m-%d}")
    scope = f"region {who.region}" if who.region_filter else "all regions"
    parts.append(f"viewing as {access.ROLE_LABELS[who.role]}, {scope}")
    st.caption(" · ".join(parts))
    return who


def not_available(what: str, mart: str) -> None:
    """The clear note shown instead of a section whose mart is not published yet."""
    st.info(f"{what} is not available yet: the published snapshot has no `{mart}` mart (or not the columns "
            "this view needs). It appears after the next pipeline run that builds it.")


def section(what: str, build: Callable[[], T]) -> T | None:
    """Run one section; a missing mart or a refused read becomes a note, never a traceback."""
    try:
        return build()
    except data.MartMissingError as exc:
        mart = str(exc.args[0]) if exc.args else "?"
        not_available(what, mart.split(" ")[0])
    except access.AccessDenied as exc:
        st.info(f"{what} is not shown for your role: {exc}.")
    except data.SnapshotMissingError:
        st.info("No published snapshot yet. Run `make run` first.")
    return None


def _slug(text: str) -> str:
    """File-name-safe version of a title."""
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_") or "table"


def table(df: pd.DataFrame, title: str, *, column_config: dict | None = None, height: int | None = None) -> None:
    """A table with its CSV download (the download holds exactly what the table shows)."""
    config = dict(column_config or {})
    for col in df.columns:  # DATE columns arrive as midnight timestamps: show them as dates
        if col not in config and pd.api.types.is_datetime64_any_dtype(df[col]):
            values = df[col].dropna()
            if len(values) and (values == values.dt.normalize()).all():
                config[col] = st.column_config.DateColumn(format="YYYY-MM-DD")
    st.dataframe(df, hide_index=True, width="stretch", column_config=config or None, height=height or "auto")
    st.download_button(
        f"Download {title} (CSV)",
        df.to_csv(index=False).encode("utf-8"),
        file_name=f"{_slug(title)}.csv",
        mime="text/csv",
        key=f"download_{_slug(title)}",
    )


def percent_columns(df: pd.DataFrame) -> dict:
    """Column config showing every *_rate / *_share column of a numeric frame as a percentage."""
    return {
        c: st.column_config.NumberColumn(format="percent")
        for c in df.columns
        if (c.endswith("_rate") or c.endswith("_share")) and pd.api.types.is_numeric_dtype(df[c])
    }


def as_list(value: object) -> list:
    """A DuckDB list cell (list or numpy array; NULL = empty) as a Python list."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return []
    if hasattr(value, "tolist"):
        return list(value.tolist())
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]


def lists_as_text(df: pd.DataFrame) -> pd.DataFrame:
    """List columns as ', '-joined text (readable in the table and in the CSV download)."""
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object and out[col].map(lambda v: isinstance(v, (list, tuple)) or hasattr(v, "tolist")).any():
            out[col] = out[col].map(lambda v: ", ".join(map(str, as_list(v))))
    return out
