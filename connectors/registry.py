"""The location registry (extracts.md §2): <drop>/locations.csv."""

from __future__ import annotations

from functools import lru_cache
from zoneinfo import available_timezones

import duckdb

from connectors.base import VendorReader
from connectors.engine import FileJob, sql_str


@lru_cache(maxsize=1)
def _timezones() -> tuple[str, ...]:
    """IANA timezone names known to this Python."""
    return tuple(sorted(available_timezones()))


class RegistryReader(VendorReader):
    """locations.csv: a duplicate location_id or an unknown timezone quarantines the row."""

    vendor = "registry"
    post_quarantines = True

    def post_type(self, con: duckdb.DuckDBPyConnection, job: FileJob) -> None:
        """Quarantine every copy of a duplicated location_id (which copy is right is unknowable) and bad timezones."""
        con.execute(
            "CREATE OR REPLACE TEMP TABLE _tz AS SELECT unnest(?::VARCHAR[]) AS tz", [list(_timezones())]
        )
        con.execute(
            "UPDATE _t SET _reason = 'timezone: ' || '''' || timezone || '''' || ' is not an IANA timezone name' "
            "WHERE _reason IS NULL AND timezone NOT IN (SELECT tz FROM _tz)"
        )
        con.execute(
            "UPDATE _t SET _reason = coalesce(_reason || '; ', '') || 'duplicate location_id ' || '''' || d.location_id || '''' || ' (lines ' || "
            "d.lines || ')' FROM (SELECT _f, location_id, string_agg(_line::VARCHAR, ', ' ORDER BY _line) AS lines "
            "FROM _t WHERE location_id IS NOT NULL GROUP BY _f, location_id HAVING count(*) > 1) d "
            "WHERE _t._f = d._f AND _t.location_id = d.location_id"
        )
        con.execute("DROP TABLE IF EXISTS _tz")


__all__ = ["RegistryReader", "sql_str"]
