"""End to end: generate a small drop, run every Dagster asset from the CLI, check the marts against the truth.

The generator records the true outcome of every slot it wrote (`_truth/slot_outcomes.csv`). The checks below
recompute the contract's no-show metrics from that truth with plain Python, independently of the SQL, and
require the warehouse to agree.
"""

from __future__ import annotations

import csv
import hashlib
import re
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest

from connectors.settings import DEV_PSEUDONYM_KEY

SCHEDULED = {"completed", "no_call_no_show", "late_cancel"}


def _truth_slots(drop: Path) -> list[dict[str, str]]:
    """The generator's ground truth, one dict per slot."""
    with open(drop / "_truth" / "slot_outcomes.csv", newline="") as handle:
        return list(csv.DictReader(handle))


def _locations(drop: Path) -> dict[str, dict[str, str]]:
    """locations.csv rows by location_id."""
    with open(drop / "locations.csv", newline="", encoding="utf-8-sig") as handle:
        return {row["location_id"]: row for row in csv.DictReader(handle)}


def _appointment_key(source_id: str, appointment_id: str) -> str:
    """The warehouse's pseudonymous appointment key, recomputed from its documented formula."""
    text = f"{DEV_PSEUDONYM_KEY}|appointment|{source_id}|{appointment_id}"
    return hashlib.sha256(text.encode()).hexdigest()


def test_every_slot_outcome_matches_the_truth(pipeline_run: dict) -> None:
    """Each slot the generator wrote appears once in fct_appointment_slots with the same outcome."""
    truth = {
        (_appointment_key(row["source_id"], row["appointment_key"]), row["slot_start"]): (row["location_id"], row["outcome"])
        for row in _truth_slots(pipeline_run["drop"])
    }
    with duckdb.connect(str(pipeline_run["warehouse"]), read_only=True) as con:
        rows = con.sql(
            "select appointment_key, strftime(slot_start, '%Y-%m-%dT%H:%M:%S'), location_id, outcome "
            "from marts.fct_appointment_slots"
        ).fetchall()
    warehouse = {(key, start): (loc, outcome) for key, start, loc, outcome in rows}
    assert len(rows) == len(warehouse), "a slot appears twice"
    assert len(truth) > 10_000
    missing = truth.keys() - warehouse.keys()
    extra = warehouse.keys() - truth.keys()
    assert not missing and not extra, (len(missing), len(extra))
    wrong = {k: (truth[k], warehouse[k]) for k in truth if truth[k] != warehouse[k]}
    assert not wrong, list(wrong.items())[:5]


def _rates(slots: list[dict[str, str]], start: date, end: date) -> tuple[int, float, float]:
    """(scheduled, no_show_rate, same_day_cancellation_rate) over slots starting in [start, end)."""
    counts = Counter(
        row["outcome"] for row in slots
        if start <= datetime.fromisoformat(row["slot_start"]).date() < end and row["outcome"] in SCHEDULED
    )
    scheduled = sum(counts.values())
    return scheduled, (counts["no_call_no_show"] + counts["late_cancel"]) / scheduled, counts["late_cancel"] / scheduled


def test_no_show_baselines_match_an_independent_computation(pipeline_run: dict) -> None:
    """Baseline (as of go-live) and post (clipped to go-live + 14 days) rates equal the truth's, per location."""
    end_date = pipeline_run["end_date"]
    locations = _locations(pipeline_run["drop"])
    slots = _truth_slots(pipeline_run["drop"])
    with duckdb.connect(str(pipeline_run["published"]), read_only=True) as con:
        marts = {
            row[0]: row[1:]
            for row in con.sql(
                "select location_id, baseline_scheduled_appointments, baseline_no_show_rate, "
                "baseline_same_day_cancellation_rate, post_status, post_scheduled_appointments, post_no_show_rate "
                "from rpt_location_no_show_baselines"
            ).fetchall()
        }
    assert set(marts) == set(locations)
    reported_posts = 0
    for location_id, location in locations.items():
        own = [row for row in slots if row["location_id"] == location_id]
        go_live = date.fromisoformat(location["go_live_date"]) if location["go_live_date"] else None
        live = go_live is not None and go_live <= end_date
        baseline_as_of = go_live if live else end_date
        expected = _rates(own, baseline_as_of - timedelta(days=90), baseline_as_of)
        scheduled, no_show, same_day, post_status, post_scheduled, post_no_show = marts[location_id]
        assert scheduled == expected[0], location_id
        assert no_show == pytest.approx(expected[1], abs=1e-12), location_id
        assert same_day == pytest.approx(expected[2], abs=1e-12), location_id
        if not live:
            continue
        post_start = max(end_date - timedelta(days=90), go_live + timedelta(days=14))
        if (end_date - post_start).days < 28:
            assert post_status == "too_early" and post_no_show is None, location_id
            continue
        reported_posts += 1
        expected_post = _rates(own, post_start, end_date)
        assert post_status == "reported"
        assert post_scheduled == expected_post[0], location_id
        assert post_no_show == pytest.approx(expected_post[1], abs=1e-12), location_id
    assert reported_posts >= 2


def test_load_accounting_balances_and_nothing_is_quarantined(pipeline_run: dict) -> None:
    """A clean generated drop loads every file with rows_read = rows_loaded + rows_quarantined and no errors."""
    with duckdb.connect(str(pipeline_run["warehouse"]), read_only=True) as con:
        errors, files, unbalanced, quarantined = con.execute(
            "select count(*) filter (where status = 'error'), count(*), "
            "count(*) filter (where rows_read <> rows_loaded + rows_quarantined), coalesce(sum(rows_quarantined), 0) "
            "from meta.file_loads where file like '%.csv'"
        ).fetchone()
    drop_files = [p for p in pipeline_run["drop"].rglob("*.csv") if "_truth" not in p.parts]
    assert files == len(drop_files)
    assert (errors, unbalanced, quarantined) == (0, 0, 0)


def test_published_snapshot_has_no_contact_or_identity_data(pipeline_run: dict) -> None:
    """The snapshot the dashboards read has no PHI column, and no string value shaped like a patient contact."""
    phi_column = re.compile(r"(^|_)(first_?name|last_?name|[fl]name|birth_?date|phone|email|email_address|patnum|patid)$")
    with duckdb.connect(str(pipeline_run["published"]), read_only=True) as con:
        columns = con.sql(
            "select table_name, column_name, data_type from information_schema.columns"
        ).fetchall()
        assert len({t for t, _, _ in columns}) >= 10
        leaks = [(t, c) for t, c, _ in columns if phi_column.search(c.lower())]
        assert not leaks
        # Values: the generator writes patient emails at example.com and US phone numbers with punctuation.
        for table, column, data_type in columns:
            if data_type != "VARCHAR" or column == "regional_manager":  # staff contact, not a patient's
                continue
            hits = con.execute(
                f'select count(*) from "{table}" where regexp_matches("{column}", \'@example\\.com|\\(?[2-9][0-9]{{2}}\\)?[ .-][0-9]{{3}}[ .-][0-9]{{4}}\')'
            ).fetchone()[0]
            assert hits == 0, (table, column)


def _latest_versions(drop: Path, folder: str, file: str, key: tuple[str, ...]) -> list[dict[str, str]]:
    """Current version of every row of a comms/reviews file: the latest extract folder, then the last line."""
    rows: dict[tuple[str, ...], dict[str, str]] = {}
    for path in sorted((drop / folder).glob(f"*/{file}")):
        with open(path, newline="", encoding="utf-8-sig") as handle:
            for row in csv.DictReader(handle):
                rows[tuple(row[k] for k in key)] = row
    return list(rows.values())


def _local(value: str, tz: str) -> datetime:
    """A tstz (or date) value as naive local wall-clock time of the location."""
    if len(value) == 10:
        return datetime.fromisoformat(value)
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(ZoneInfo(tz)).replace(tzinfo=None)


def test_reviews_and_response_rates_match_an_independent_computation(pipeline_run: dict) -> None:
    """reviews_per_month, average_star_rating (baseline) and post patient_response_rate from the raw files."""
    drop = pipeline_run["drop"]
    locations = _locations(drop)
    reviews = _latest_versions(drop, "reviews", "reviews.csv", ("platform", "review_id"))
    messages = _latest_versions(drop, "comms", "messages.csv", ("message_id",))
    with duckdb.connect(str(pipeline_run["published"]), read_only=True) as con:
        marts = {
            row[0]: row[1:]
            for row in con.sql(
                "select location_id, baseline_as_of_date, baseline_reviews_per_month, baseline_average_star_rating, "
                "post_status, post_window_start, as_of_date, post_outreach_attempts, post_patient_response_rate "
                "from rpt_location_baselines"
            ).fetchall()
        }
    checked_response = 0
    for location_id, location in locations.items():
        tz = location["timezone"]
        d, per_month, stars, post_status, post_start, as_of, attempts, response = marts[location_id]
        d_time = datetime.combine(d, datetime.min.time())
        created = [(_local(r["created_at"], tz), int(r["rating"])) for r in reviews if r["location_id"] == location_id]
        in_window = [c for c, _ in created if d_time - timedelta(days=90) <= c < d_time]
        assert per_month == pytest.approx(len(in_window) / 3), location_id
        before = [rating for c, rating in created if c < d_time]
        assert stars == pytest.approx(sum(before) / len(before)), location_id
        if post_status != "reported":
            continue
        own = [m for m in messages if m["location_id"] == location_id]
        inbound = [(m["pms_patient_id"], _local(m["sent_at"], tz), m["in_reply_to"]) for m in own
                   if m["direction"] == "inbound"]
        start, end = datetime.combine(post_start, datetime.min.time()), datetime.combine(as_of, datetime.min.time())
        outreach = [
            (m["message_id"], m["pms_patient_id"], _local(m["sent_at"], tz)) for m in own
            if m["direction"] == "outbound" and m["campaign"] in {"reminder", "confirmation", "recall"}
            and m["delivery_status"] != "queued" and start <= _local(m["sent_at"], tz) < end
        ]
        replied_to = {reply_to for _, _, reply_to in inbound if reply_to}
        answered = sum(
            1 for message_id, patient, sent in outreach
            if message_id in replied_to
            or any(p == patient and sent < at <= sent + timedelta(hours=72) for p, at, _ in inbound)
        )
        assert attempts == len(outreach), location_id
        assert response == pytest.approx(answered / len(outreach)), location_id
        checked_response += 1
    assert checked_response >= 2
