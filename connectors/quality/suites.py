"""Great Expectations suites: one per source table, validated once per run with location as a column.

Each table's rows (every location at once, never per location) are validated by the table's one suite in a
few large chunks: GX's fixed cost (~70 ms) is paid per chunk, and the number of chunks grows with rows /
CHUNK_ROWS (runner.py), not with locations. A chunk is the rows whose `chunk_by` key hashes to one of its
partitions: the key keeps every group a check compares across rows (the appointment key of the duplicate
check) inside one chunk, so the chunked results equal a single pass. Every expectation carries the check it
belongs to in `meta`; failing rows come back as index lists (result_format COMPLETE) and are attributed to
locations with the frame's location_id column.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import pandas as pd
from dateutil.relativedelta import relativedelta


@dataclass(frozen=True)
class Expect:
    """One expectation of a suite and how to count its examined rows."""

    check: str  # check name (catalog.py)
    gx_type: str  # class name in great_expectations.expectations
    kwargs: dict[str, object]
    # rows this expectation examines (GX skips NULLs of the column and rows outside a row_condition)
    examined: Callable[[pd.DataFrame], pd.Series]
    # row condition (column, value): only rows where column == value are validated (a GX Condition object,
    # built in the runner so that importing this module does not import GX)
    when: tuple[str, object] | None = None


@dataclass(frozen=True)
class TableSuite:
    """A source table's frame (SQL over the warehouse) and its expectations."""

    name: str
    sql: str  # must return location_id and what `ref` reads
    ref: Callable[[pd.DataFrame], pd.Series]  # pseudonymous row reference, built only for failing rows
    expectations: list[Expect] = field(default_factory=list)
    # SQL expression over `sql`'s columns, hashed to split the rows into chunks (runner.py). It must be constant
    # within every group of rows a check compares (a compound-unique key): such a group then never spans two
    # chunks, and checks of single rows give the same answer on any split.
    chunk_by: str = "location_id"
    # The one table or view `sql` selects from (no join, no unnest: its rows are filtered, never multiplied), so
    # its count(*) bounds the suite's row count without evaluating `sql` (runner.py sizes the chunks with it; a
    # table's count(*) is read from its metadata). None: the runner counts `sql` itself, an extra pass.
    bound_from: str | None = None


def _not_null(column: str) -> Callable[[pd.DataFrame], pd.Series]:
    """Examined = rows where `column` is not NULL."""
    return lambda df: df[column].notna()


def _all_rows(df: pd.DataFrame) -> pd.Series:
    """Examined = every row."""
    return pd.Series(True, index=df.index)


def _day(ts: pd.Timestamp) -> float:
    """A wall-clock timestamp as days since 1970-01-01 (same convention as DuckDB epoch() on TIMESTAMP)."""
    return (ts - pd.Timestamp("1970-01-01")) / pd.Timedelta(days=1)


APPOINTMENT_STATUSES = ["scheduled", "completed", "broken", "unscheduled", "planned", "note", "block", "removed"]


def build_suites(as_of: date) -> list[TableSuite]:
    """The suites for a run with as-of date `as_of` (date bounds are relative to it, never to the clock)."""
    as_of_ts = pd.Timestamp(as_of)
    latest_plausible = pd.Timestamp(as_of + relativedelta(months=18))
    return [
        TableSuite(
            name="appointments",
            # the current version of every appointment plus every row of each source's latest extract: the
            # snapshot a manager acts on, and the newest files for duplicates (older versions were validated by
            # earlier runs; re-validating every version of 2 years would scale with history, ~3x the rows)
            sql="""
                select location_id, source_id, appointment_id, source_file, source_line, start_local,
                       -- wall-clock start as days since 1970-01-01 (numeric: GX compares datetimes ~8x slower)
                       epoch(start_local) / 86400.0 as start_day,
                       status_canonical, is_current_version and status_canonical = 'completed' as is_current_completed
                from intermediate.int_dq__appointments
                where not is_deleted_version and location_id is not null
                qualify is_current_version or extract_date = max(extract_date) over (partition by source_id)
            """,
            # a column of the duplicate key (source_file, appointment_id): equal keys always share a chunk, with
            # no assumption about files and sources (one source per file holds too, but is not needed)
            chunk_by="source_file",
            bound_from="intermediate.int_dq__appointments",
            ref=lambda df: ("appointment " + df["source_id"] + "/" + df["appointment_id"] + " @ "
                            + df["source_file"] + ":" + df["source_line"].astype("string")),
            expectations=[
                Expect("duplicate_appointment_key", "ExpectCompoundColumnsToBeUnique",
                       {"column_list": ["source_file", "appointment_id"]}, _all_rows),
                Expect("implausible_appointment_date", "ExpectColumnValuesToBeBetween",
                       {"column": "start_day", "min_value": _day(pd.Timestamp("2000-01-01")),
                        "max_value": _day(latest_plausible)}, _not_null("start_day")),
                Expect("unknown_appointment_status", "ExpectColumnValuesToBeInSet",
                       {"column": "status_canonical", "value_set": APPOINTMENT_STATUSES},
                       _not_null("status_canonical")),
                # as-of time = as-of date 00:00 local (extracts.md §8): a completed visit must start before it
                Expect("completed_in_future", "ExpectColumnValuesToBeBetween",
                       {"column": "start_day", "max_value": _day(as_of_ts), "strict_max": True},
                       lambda df: df["is_current_completed"].fillna(False).astype(bool) & df["start_day"].notna(),
                       when=("is_current_completed", True)),
            ],
        ),
        TableSuite(
            name="patients",
            sql="""
                select location_id, patient_key, is_active, has_textable_mobile, mobile_phone_status,
                       email_status, age_years
                from intermediate.int_dq__patients
                where location_id is not null
            """,
            # patients, reviews, messages: single-row checks only, any key works (location_id, the default)
            bound_from="intermediate.int_dq__patients",
            ref=lambda df: "patient_key " + df["patient_key"],
            expectations=[
                Expect("active_patient_not_textable", "ExpectColumnValuesToBeInSet",
                       {"column": "has_textable_mobile", "value_set": [True]},
                       lambda df: df["is_active"].fillna(False).astype(bool), when=("is_active", True)),
                Expect("invalid_phone", "ExpectColumnValuesToBeInSet",
                       {"column": "mobile_phone_status", "value_set": ["valid", "missing"]},
                       _not_null("mobile_phone_status")),
                Expect("invalid_email", "ExpectColumnValuesToBeInSet",
                       {"column": "email_status", "value_set": ["valid", "missing"]}, _not_null("email_status")),
                Expect("implausible_birthdate", "ExpectColumnValuesToBeBetween",
                       {"column": "age_years", "min_value": 0, "max_value": 120}, _not_null("age_years")),
            ],
        ),
        TableSuite(
            name="reviews",
            sql="""
                select location_id, platform, review_id, rating
                from staging.stg_reviews__reviews
                where not is_deleted_version
                qualify row_number() over (
                    partition by platform, review_id order by extract_date desc, source_line desc) = 1
            """,
            bound_from="staging.stg_reviews__reviews",
            ref=lambda df: "review " + df["platform"] + "/" + df["review_id"],
            expectations=[
                Expect("rating_out_of_range", "ExpectColumnValuesToBeBetween",
                       {"column": "rating", "min_value": 1, "max_value": 5}, _not_null("rating")),
            ],
        ),
        TableSuite(
            name="messages",
            # the current version of each message (one whose current version is a deletion is gone), as the
            # compliance checks read it: int_comms_messages_latest, not a ranking of every version per run
            sql="""
                select location_id, message_id, campaign, channel, direction, delivery_status
                from intermediate.int_comms_messages_latest
                where not is_deleted_version
            """,
            bound_from="intermediate.int_comms_messages_latest",
            ref=lambda df: "message " + df["message_id"],
            expectations=[
                Expect("unknown_comms_code", "ExpectColumnValuesToBeInSet",
                       {"column": "campaign", "value_set": ["reminder", "confirmation", "recall", "review_request",
                                                           "two_way", "other"]}, _all_rows),
                Expect("unknown_comms_code", "ExpectColumnValuesToBeInSet",
                       {"column": "channel", "value_set": ["sms", "email", "voice"]}, _all_rows),
                Expect("unknown_comms_code", "ExpectColumnValuesToBeInSet",
                       {"column": "direction", "value_set": ["outbound", "inbound"]}, _all_rows),
                Expect("unknown_comms_code", "ExpectColumnValuesToBeInSet",
                       {"column": "delivery_status", "value_set": ["queued", "sent", "delivered", "failed",
                                                                  "undeliverable", "received"]}, _all_rows),
            ],
        ),
    ]
