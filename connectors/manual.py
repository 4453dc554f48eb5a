"""Manual templates (extracts.md §6): manual/<table>.csv, one current file each, re-read in full each run."""

from __future__ import annotations

from connectors.base import VendorReader


class ManualReader(VendorReader):
    """Manual: no extract date, no versions or deletions; out-of-range / out-of-set values are row errors."""

    vendor = "manual"
    checks_locations = True
