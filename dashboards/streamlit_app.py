"""Streamlit entry point: `streamlit run dashboards/streamlit_app.py` (see the Makefile's `make run`)."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

PAGES = Path(__file__).parent / "pages"

st.set_page_config(page_title="DSO rollout warehouse", layout="wide")
navigation = st.navigation(
    [
        st.Page(PAGES / "overview.py", title="Overview", icon=":material/dashboard:", default=True),
    ]
)
navigation.run()
