"""Communication-platform exports (extracts.md §4): comms/<extract_date>/<table>.csv, all locations."""

from __future__ import annotations

from connectors.base import VendorReader


class CommsReader(VendorReader):
    """Comms: every column in the header; location_id must be a location of locations.csv (else a bad row)."""

    vendor = "comms"
    checks_locations = True
