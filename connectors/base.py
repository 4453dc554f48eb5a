"""What every vendor reader shares: the hooks the ingest engine calls per source and per file."""

from __future__ import annotations

from typing import Any

import duckdb

from connectors.engine import FileJob
from connectors.spec import TableSpec, VendorSpec, load_contract

# metrics.md §2 default recall-trigger procedure codes (mapping.yml recall_trigger_codes replaces them).
DEFAULT_RECALL_TRIGGER_CODES = ["D0120", "D0150", "D1110", "D1120", "D4910"]
DEFAULT_RECALL_INTERVAL = "6m"
COMMON_MAPPING_KEYS = {"columns", "codes", "recall_trigger_codes", "recall_interval_default"}


class VendorReader:
    """Defaults for one vendor (or project feed); vendor modules override what differs."""

    vendor: str = ""
    # Source-level feeds (comms, reviews, manual) check location_id against locations.csv.
    checks_locations: bool = False
    # True when post_type may quarantine rows that typed fine (their raw record must be kept).
    post_quarantines: bool = False
    # Extra mapping.yml keys this vendor accepts beyond COMMON_MAPPING_KEYS.
    extra_mapping_keys: frozenset[str] = frozenset()

    @property
    def spec(self) -> VendorSpec:
        """This vendor's tables from tables.yml."""
        return load_contract()[self.vendor]

    def table(self, name: str) -> TableSpec | None:
        """The contract table of a file stem, or None when the file is not in the contract."""
        return self.spec.tables.get(name)

    def post_type(self, con: duckdb.DuckDBPyConnection, job: FileJob) -> None:
        """Vendor-specific set-based step on the typed records in temp table _t (before they are written).

        _t may hold several files of job's table read together (column _f = file, _rn = record in its file):
        per-file logic must partition by _f. `job` is the first of those files.
        """

    def missing_required_tables(self, present: set[str], has_location_keys: bool) -> list[str]:
        """Names of required tables absent from every extract of a source (tables.yml required_table)."""
        missing = []
        for t in self.spec.tables.values():
            if t.required_table is True and t.name not in present:
                missing.append(t.name)
        return missing

    def settings_defaults(self) -> dict[str, Any]:
        """raw.source_settings defaults for a source of this vendor."""
        return {
            "recall_trigger_codes": list(DEFAULT_RECALL_TRIGGER_CODES),
            "recall_interval_default": DEFAULT_RECALL_INTERVAL,
            "location_for_blank_key": None,
            "recall_frequency_unit": None,
        }
