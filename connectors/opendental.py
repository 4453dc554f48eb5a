"""Open Dental specifics (extracts.md §3.1): sentinels, relaxed action-4 history rows, clinic table rule."""

from __future__ import annotations

from connectors.base import VendorReader

# Open Dental writes 0001-01-01 for "no date" (MySQL zero-date replacement); tables.yml sentinel_null lists
# the spellings, applied to every date/dt column before typing, so they load as NULL (§8: not quarantined
# where the column is nullable, e.g. a planned appointment's AptDateTime).
SENTINELS = ("0001-01-01", "0001-01-01 00:00:00")


class OpenDentalReader(VendorReader):
    """Open Dental: histappointment action 4 (Deleted) rows need only HistApptNum, HistDateTStamp, action, AptNum
    (tables.yml relaxed_required); `clinic` is required when locations.csv maps the source by ClinicNum."""

    vendor = "opendental"
    extra_mapping_keys = frozenset({"location_for_blank_key"})

    def missing_required_tables(self, present: set[str], has_location_keys: bool) -> list[str]:
        """Required tables plus `clinic` when some location of the source has a ClinicNum key."""
        missing = super().missing_required_tables(present, has_location_keys)
        if has_location_keys and "clinic" not in present:
            missing.append("clinic")
        return missing
