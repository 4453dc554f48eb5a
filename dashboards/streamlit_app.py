"""Streamlit entry point: `streamlit run dashboards/streamlit_app.py` (see the Makefile's `make dashboard`).

The navigation lists only the pages the viewer's role may open (role and region from deployment
configuration, dashboards/access.py); a page outside it cannot be reached by URL.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from dashboards import access

# Not "pages/": Streamlit 1.67 auto-registers a pages/ folder next to the entry script as URL-addressable
# pages (and lists them all in the sidebar) whatever st.navigation says; see docs/dashboards.md.
PAGES = Path(__file__).parent / "views"

# page id -> (file, title, icon, url path). Order = navigation order.
PAGE_SPECS = {
    "board": ("board.py", "Board / CFO", ":material/monitoring:", "board"),
    "data_quality": ("data_quality.py", "Regional data quality", ":material/fact_check:", "data-quality"),
    "readiness": ("readiness.py", "Readiness and waves", ":material/checklist:", "readiness"),
    "go_live": ("go_live.py", "Go-live monitor", ":material/rocket_launch:", "go-live"),
    "location": ("location.py", "Location drill-down", ":material/store:", "location"),
    "overview": ("overview.py", "Baselines overview", ":material/dashboard:", "overview"),
}

st.set_page_config(page_title="DSO rollout warehouse", layout="wide")

try:
    viewer = access.current_identity()
except access.AccessDenied as exc:
    st.title("DSO rollout warehouse")
    st.error(f"No access: {exc}. Ask the administrator to check the identity proxy / dashboard configuration.")
    st.stop()

allowed = access.pages_for(viewer.role)
pages = [
    st.Page(PAGES / PAGE_SPECS[p][0], title=PAGE_SPECS[p][1], icon=PAGE_SPECS[p][2], url_path=PAGE_SPECS[p][3],
            default=(i == 0))
    for i, p in enumerate(allowed)
]
scope = f" · {viewer.region}" if viewer.region_filter else ""
st.sidebar.caption(f"Signed in as **{access.ROLE_LABELS[viewer.role]}**{scope}")
st.navigation(pages).run()
