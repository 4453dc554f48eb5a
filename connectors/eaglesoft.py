"""Eaglesoft specifics (extracts.md §3.2): no sentinels; recall_frequency_unit setting (months|weeks)."""

from __future__ import annotations

from typing import Any

from connectors.base import VendorReader


class EaglesoftReader(VendorReader):
    """Eaglesoft: appt_log is our project layout (append-only log, key appt_id+action+log_time)."""

    vendor = "eaglesoft"
    extra_mapping_keys = frozenset({"location_for_blank_key", "recall_frequency_unit"})

    def settings_defaults(self) -> dict[str, Any]:
        """`patient.recall_frequency` is in months unless mapping.yml says weeks."""
        return {**super().settings_defaults(), "recall_frequency_unit": "months"}
