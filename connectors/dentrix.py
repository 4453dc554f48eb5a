"""Dentrix G-series specifics (extracts.md §3.3): one of two recall files, appthist whole-row dedupe."""

from __future__ import annotations

import duckdb

from connectors.base import VendorReader
from connectors.engine import FileJob, dedupe_whole_rows

RECALL_FILES = ("recallpending", "v_patient_recall")


class DentrixReader(VendorReader):
    """Dentrix: `appthist` has no key (identical rows are one event); one recall file is required."""

    vendor = "dentrix"
    post_quarantines = True

    def post_type(self, con: duckdb.DuckDBPyConnection, job: FileJob) -> None:
        """appthist: later copies of an identical row in the same file are set aside (quarantined, with reason)."""
        if not job.table.key:
            dedupe_whole_rows(con, job.table)

    def missing_required_tables(self, present: set[str], has_location_keys: bool) -> list[str]:
        """Required tables, plus 'recallpending or v_patient_recall' when neither is in any extract."""
        missing = super().missing_required_tables(present, has_location_keys)
        if not any(r in present for r in RECALL_FILES):
            missing.append(" or ".join(RECALL_FILES))
        return missing
