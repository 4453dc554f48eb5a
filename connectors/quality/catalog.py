"""The data-quality checks (metrics.md §5): name, severity, weight and the texts a regional manager reads."""

from __future__ import annotations

from dataclasses import asdict, dataclass

CRITICAL = "critical"
WARNING = "warning"
GX = "great_expectations"
SQL = "sql"


@dataclass(frozen=True)
class Check:
    """One check: how it runs, how much it weighs in the score and how it is explained."""

    name: str
    category: str  # file_schema | keys | validity | contact_hygiene | consistency | freshness_volume | compliance
    severity: str  # critical | warning
    weight: float  # weight of this check's failing-row share in the location score
    method: str  # great_expectations (connectors/quality/suites.py) | sql (dbt intermediate/quality)
    table_name: str  # what the rows examined are
    description: str  # what the check tests (for analysts)
    unit: str  # plural noun of rows_examined, for "3 of 120 <unit> ..."
    problem: str  # what is wrong with the failing rows, in a manager's words
    how_to_fix: str  # the first thing to do about it


# Weights: critical checks weigh 5 (a critical failure flags the location anyway); warnings weigh 1-3 by how much
# a failure distorts the rollout metrics: checks that bias no-show/recall numbers (truncated days, orphans,
# duplicate appointments, quarantined rows, unknown statuses) 2-3, contact hygiene and cosmetic validity 1.
CHECKS: tuple[Check, ...] = (
    # file and schema
    Check("file_errors", "file_schema", CRITICAL, 5, SQL, "file_loads",
          "Files of the location's PMS source or of the shared feeds that could not be loaded (unreadable, "
          "missing required column or table, invalid manifest/mapping).",
          "extract files", "could not be loaded (missing file or column, unreadable)",
          "Ask IT / the PMS vendor to re-export the named file with every required column; see docs/connectors.md."),
    Check("quarantined_rows", "file_schema", WARNING, 2, SQL, "file_loads",
          "Rows set aside by the loader (bad field count, missing/unparseable required value, out of range, "
          "unknown location) as a share of rows read.",
          "rows read", "were rejected by the loader (malformed or out-of-range values)",
          "Open the listed file:line references with IT; fix the export or the source record and re-export."),
    Check("unparseable_values", "validity", WARNING, 1, SQL, "parse_findings",
          "Optional values that did not parse (loaded as empty).",
          "rows loaded", "have a value that could not be read (e.g. a date in the wrong format)",
          "Ask IT to export dates as YYYY-MM-DD and numbers without symbols."),
    # keys
    Check("duplicate_appointment_key", "keys", WARNING, 2, GX, "appointments",
          "The same appointment key twice in one extract file.",
          "appointment rows", "appear twice in the same extract",
          "Ask IT to check the export query (a join can duplicate rows) and re-export."),
    Check("duplicate_key_other_tables", "keys", WARNING, 1, SQL, "file_loads",
          "Duplicate keys within one file of the other PMS tables (patients, recalls, procedures).",
          "rows loaded", "share a key with another row of the same file",
          "Ask IT to check the export query and re-export."),
    Check("orphan_patient_reference", "keys", WARNING, 2, SQL, "appointments_and_recalls",
          "Current appointments and recalls whose patient is not in any patient extract of the source.",
          "appointments and recalls", "point to a patient missing from the patient export",
          "Ask IT to check that the patient export is complete (no filter on status or date)."),
    # validity
    Check("implausible_appointment_date", "validity", WARNING, 1, GX, "appointments",
          "Appointment starts before 2000-01-01 or more than 18 months after the as-of date.",
          "appointment rows", "have an impossible date (before 2000 or over 18 months ahead)",
          "Have the front desk correct the listed appointments in the PMS."),
    Check("implausible_birthdate", "validity", WARNING, 1, GX, "patients",
          "Patient birthdates in the future or more than 120 years ago.",
          "patients with a birthdate", "have an impossible birthdate (future or over 120 years ago)",
          "Have the front desk correct the birthdates of the listed patients."),
    Check("unknown_appointment_status", "validity", WARNING, 2, GX, "appointments",
          "Appointment status codes that map to no canonical status (mapping.yml codes can map them).",
          "appointment rows", "have a status code the warehouse does not know",
          "Tell the data team which status the code means; they add it to mapping.yml."),
    Check("rating_out_of_range", "validity", WARNING, 1, GX, "reviews",
          "Review ratings outside 1-5 that reached the warehouse (the loader quarantines them first).",
          "reviews", "have a star rating outside 1-5",
          "Report the review export to the review platform's support."),
    Check("unknown_comms_code", "validity", WARNING, 1, GX, "messages",
          "Messages whose campaign, channel, direction or delivery status is not a contract value.",
          "messages", "have a campaign, channel or status the warehouse does not know",
          "Report the export to the communication platform's support."),
    # contact hygiene
    Check("active_patient_not_textable", "contact_hygiene", WARNING, 1, GX, "patients",
          "Active patients without a valid mobile number that may be texted.",
          "active patients", "cannot receive text reminders (no valid mobile number or no SMS consent)",
          "Ask the front desk to collect mobile numbers and SMS consent at check-in."),
    Check("invalid_phone", "contact_hygiene", WARNING, 1, GX, "patients",
          "Mobile numbers that are present but not a valid 10-digit US number.",
          "patients", "have a mobile number that is not a valid US number",
          "Have the front desk correct the listed patients' mobile numbers."),
    Check("invalid_email", "contact_hygiene", WARNING, 1, GX, "patients",
          "Email addresses that are present but malformed.",
          "patients", "have a malformed email address",
          "Have the front desk correct the listed patients' email addresses."),
    Check("likely_duplicate_patient", "contact_hygiene", WARNING, 1, SQL, "patients",
          "Patients of one PMS database with the same normalised name and birthdate.",
          "patients", "look like duplicate records of the same person",
          "Have the office manager merge the duplicate patient records in the PMS."),
    # consistency
    Check("completed_in_future", "consistency", WARNING, 2, GX, "appointments",
          "Appointments marked completed whose start is on or after the as-of date.",
          "completed appointments", "are marked completed but dated in the future",
          "Have the front desk fix the date or status of the listed appointments."),
    Check("unresolved_slots", "consistency", WARNING, 3, SQL, "appointment_slots",
          "Past appointment slots (start before the as-of time) never recorded as completed or broken "
          "(outcome 'unresolved' of int_appointment_slots; usually a stale extract).",
          "past appointment slots", "have no recorded outcome (neither completed nor cancelled/no-show)",
          "Ask IT for a fresh PMS extract; if it is current, have the front desk close out the listed "
          "appointments (mark them completed, cancelled or no-show) in the PMS."),
    # freshness and volume
    Check("stale_extract", "freshness_volume", CRITICAL, 5, SQL, "file_loads",
          "The location's latest PMS extract is more than 2 days older than the as-of date.",
          "PMS sources", "have not sent a fresh extract (more than 2 days old)",
          "Ask IT to check the nightly PMS export job for this location and re-run it."),
    Check("truncated_day", "freshness_volume", WARNING, 3, SQL, "appointments",
          "Days with fewer than half the appointments of the same weekday's trailing 4-week mean.",
          "days", "have far fewer appointments than usual (a cut-off export?)",
          "Ask IT to re-export the listed days; if the office was really closed, no action is needed."),
    # compliance
    Check("sms_after_opt_out", "compliance", CRITICAL, 5, SQL, "messages",
          "Outbound SMS sent after the patient opted out of SMS at that location (before any opt-in).",
          "text messages", "were sent to patients who had opted out of texts",
          "Stop the campaign now; check the platform's opt-out sync with the PMS and tell compliance."),
    Check("message_after_opt_out_other_channel", "compliance", WARNING, 3, SQL, "messages",
          "Outbound email or voice messages sent after the patient opted out of that channel.",
          "emails and calls", "went to patients who had opted out of that channel",
          "Check the platform's opt-out settings for email and voice."),
)

BY_NAME: dict[str, Check] = {c.name: c for c in CHECKS}


def catalog_rows() -> list[dict[str, object]]:
    """The catalogue as rows for meta.dq_check_catalog."""
    return [asdict(c) | {"check_name": c.name} for c in CHECKS]
