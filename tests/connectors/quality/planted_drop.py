"""A small generated drop with one planted defect per data-quality check at a known location.

`make_planted_drop(out)` generates 8 locations (seed 7, 200 days of history, extracts every 28 days, last
extract 2026-03-02 = as-of date) and edits the CSV files. The generator's layout for these arguments:

    LOC-001 dentrix   dx-001           live    -> clean
    LOC-002 opendental od-001 clinic 1 live    -> duplicate appointment key; truncated day 2026-02-11 (its cut
                                                  appointments stay in histappointment: unresolved slots)
    LOC-003 opendental od-001 clinic 2         -> orphan appointment patient; invalid phone + email
    LOC-004 opendental od-001 clinic 3 live    -> SMS after opt-out (critical)
    LOC-005 dentrix   dx-002           live    -> stale extract (critical: last extract folder removed); rating 7;
                                                  unresolved slots (booked for 2026-02-02..03-01, never closed)
    LOC-006 eaglesoft es-001 practice 1        -> appointment dated 1999; duplicate patient (name + birthdate)
    LOC-007 eaglesoft es-001 practice 2 live   -> unknown status code (a past slot with no outcome: unresolved);
                                                  completed visit dated in the future
    LOC-008 dentrix   dx-003           live    -> clean

`PLANTED` maps each check to the locations that must fail it (and only those).
"""

from __future__ import annotations

import csv
import shutil
from datetime import date
from pathlib import Path

from connectors.generator import Params, generate

END_DATE = "2026-03-02"
LAST = "2026-03-02"
FIRST = "2025-12-08"

PLANTED: dict[str, set[str]] = {
    "duplicate_appointment_key": {"LOC-002"},
    "truncated_day": {"LOC-002"},
    "orphan_patient_reference": {"LOC-003"},
    "invalid_phone": {"LOC-003"},
    "invalid_email": {"LOC-003"},
    "sms_after_opt_out": {"LOC-004"},
    "stale_extract": {"LOC-005"},
    "quarantined_rows": {"LOC-005"},
    "implausible_appointment_date": {"LOC-006"},
    "likely_duplicate_patient": {"LOC-006"},
    "unknown_appointment_status": {"LOC-007"},
    "completed_in_future": {"LOC-007"},
    # a past slot with no completion and no break (metrics.md §1), planted three ways:
    #   LOC-005  the stale source: slots of 2026-02-02..03-01 were still scheduled in its last extract (02-02)
    #            and nothing later arrived -> unresolved (extracts.md §8)
    #   LOC-002  the truncated day's cut rows are gone from appointment.csv but their slots are still known
    #            (earlier extracts / histappointment) with no outcome recorded
    #   LOC-007  the appointment whose status code is unknown: neither completed nor broken
    "unresolved_slots": {"LOC-002", "LOC-005", "LOC-007"},
}
# critical checks planted above -> the only flagged locations
FLAGGED = {"LOC-004": "sms_after_opt_out", "LOC-005": "stale_extract"}
CLEAN = {"LOC-001", "LOC-008"}

TRUNCATED_DAY = "2026-02-11"  # a Wednesday, inside the 90 days before the as-of date


def _read(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    """Header and rows of a CSV file."""
    with path.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        return list(reader.fieldnames or []), list(reader)


def _write(path: Path, header: list[str], rows: list[dict[str, str]]) -> None:
    """Write a CSV file (LF line ends, minimal quoting)."""
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def _first(rows: list[dict[str, str]], pred) -> dict[str, str]:  # noqa: ANN001
    """The first row matching `pred` (fails loudly if the generator's layout changed)."""
    for r in rows:
        if pred(r):
            return r
    raise AssertionError("planting: no row matches; did the generator's output change?")


def make_planted_drop(out: Path) -> dict[str, str]:
    """Generate the drop into `out`, plant the defects and return the planted row ids (for sample checks)."""
    generate(Params(out=str(out), locations=8, end_date=date.fromisoformat(END_DATE), seed=7, history_days=200,
                    cadence_days=28), progress=False)
    pms = out / "pms"
    planted: dict[str, str] = {}

    # LOC-002 (od-001 ClinicNum 1): a day cut to 2 rows in each extract file, and one row duplicated
    for f in sorted(pms.glob("od-001/*/appointment.csv")):
        header, rows = _read(f)
        kept, seen = [], 0
        for r in rows:
            if r["ClinicNum"] == "1" and r["AptDateTime"].startswith(TRUNCATED_DAY):
                seen += 1
                if seen > 2:
                    continue
            kept.append(r)
        _write(f, header, kept)
    f = pms / "od-001" / LAST / "appointment.csv"
    header, rows = _read(f)
    dup = _first(rows, lambda r: r["ClinicNum"] == "1" and not r["AptDateTime"].startswith(TRUNCATED_DAY))
    rows.append(dict(dup))
    planted["duplicate_apt"] = dup["AptNum"]
    # LOC-003 (ClinicNum 2): the current version of an appointment names a patient that does not exist
    orphan = _first(rows, lambda r: r["ClinicNum"] == "2" and r["AptNum"] != dup["AptNum"])
    orphan["PatNum"] = "990000001"
    planted["orphan_apt"] = orphan["AptNum"]
    _write(f, header, rows)

    # LOC-003: a patient's current version gets a 7-digit phone and an email without "@"
    f = pms / "od-001" / LAST / "patient.csv"
    header, rows = _read(f)
    bad = _first(rows, lambda r: r["ClinicNum"] == "2" and r["PatStatus"] == "0")
    bad["WirelessPhone"], bad["Email"] = "555-0199", "no-at-sign.example.com"
    planted["bad_contact_patnum"] = bad["PatNum"]
    _write(f, header, rows)

    # LOC-004 (ClinicNum 3): opt-out from SMS on 2026-02-10, then a reminder SMS on 2026-02-20
    _, od_patients = _read(pms / "od-001" / FIRST / "patient.csv")
    victim = _first(od_patients, lambda r: r["ClinicNum"] == "3" and r["PatStatus"] == "0")
    comms = out / "comms" / LAST
    header, rows = _read(comms / "opt_outs.csv")
    rows.append({"location_id": "LOC-004", "pms_patient_id": victim["PatNum"], "channel": "sms",
                 "opted_out_at": "2026-02-10T10:00:00-06:00", "opted_in_at": ""})
    _write(comms / "opt_outs.csv", header, rows)
    header, rows = _read(comms / "messages.csv")
    rows.append({"message_id": "DQ-SMS-1", "location_id": "LOC-004", "pms_patient_id": victim["PatNum"],
                 "pms_appointment_id": "", "campaign": "reminder", "channel": "sms", "direction": "outbound",
                 "sent_at": "2026-02-20T09:00:00-06:00", "delivery_status": "delivered", "in_reply_to": "",
                 "body_class": ""})
    _write(comms / "messages.csv", header, rows)

    # LOC-005 (dx-002): the last extract never arrived (latest = 2026-02-02, 28 days old); a review rated 7
    shutil.rmtree(pms / "dx-002" / LAST)
    f = out / "reviews" / LAST / "reviews.csv"
    header, rows = _read(f)
    rows.append({"review_id": "DQ-R7", "location_id": "LOC-005", "platform": "google", "rating": "7",
                 "created_at": "2026-02-20", "responded_at": ""})
    planted["review_line"] = str(len(rows) + 1)  # header is line 1, so the n-th row is line n + 1
    _write(f, header, rows)

    # es-001: chairs -> practice (LOC-006 = practice 1, LOC-007 = practice 2)
    _, chairs = _read(pms / "es-001" / FIRST / "chairs.csv")
    practice_of = {c["chair_num"]: c["practice_id"] for c in chairs}
    f = pms / "es-001" / LAST / "appointment.csv"
    header, rows = _read(f)
    # LOC-006: an appointment dated 1999 (before 2000)
    old = _first(rows, lambda r: practice_of.get(r["location_id"]) == "1")
    old["start_time"], old["end_time"] = "1999-06-01 09:00:00", "1999-06-01 10:00:00"
    planted["old_apt"] = old["appointment_id"]
    # LOC-007: a classification code nobody knows, and a completed visit dated after the as-of date
    unknown = _first(rows, lambda r: practice_of.get(r["location_id"]) == "2")
    unknown["classification"] = "99"
    planted["unknown_status_apt"] = unknown["appointment_id"]
    future = _first(rows, lambda r: practice_of.get(r["location_id"]) == "2" and r["arrival_status"] == "4"
                    and r is not unknown)
    future["start_time"], future["end_time"] = "2026-03-10 09:00:00", "2026-03-10 10:00:00"
    planted["future_apt"] = future["appointment_id"]
    _write(f, header, rows)

    # LOC-006: the same person entered twice (new patient_id, same name and birthdate)
    f = pms / "es-001" / FIRST / "patient.csv"
    header, rows = _read(f)
    twin = _first(rows, lambda r: r["practice_id"] == "1" and r["birth_date"] and r["first_name"])
    rows.append(dict(twin, patient_id="990000002"))
    planted["twin_patient_id"] = twin["patient_id"]
    _write(f, header, rows)
    return planted
