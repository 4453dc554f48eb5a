"""Staging layer on a tiny raw warehouse: pseudonymization, contact flags, code map overrides, dim_locations."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import duckdb
import pytest

from dbt_raw_warehouse import create_raw_schema, insert_rows, run_dbt

KEY = "pytest-key"
ENV = {"DSO_PSEUDONYM_KEY": KEY}
# models owned by the slots helper: not built here so this file tests only the staging scaffold
SLOTS_MODELS = [
    "stg_opendental__appointment", "stg_opendental__histappointment", "stg_eaglesoft__appointment",
    "stg_eaglesoft__appt_log", "stg_dentrix__v_appt", "stg_dentrix__appthist",
]
SELECT = ["--select", "path:models/staging", "path:seeds", "dim_locations", "--exclude", *SLOTS_MODELS,
          "--indirect-selection", "cautious"]  # tests that also need unbuilt models (e.g. slots) stay out
PHI_OR_RAW_ID_COLUMNS = {
    "lname", "fname", "birthdate", "wirelessphone", "email", "first_name", "last_name", "birth_date",
    "cell_phone", "email_address", "mobile_phone", "patnum", "patient_id", "patid", "pms_patient_id", "raw_record",
}


def expected_key(source_id: str, patient_id: str) -> str:
    """The documented pseudonym: sha256 hex of key|source_id|patient_id (computed here independently)."""
    return hashlib.sha256(f"{KEY}|{source_id}|{patient_id}".encode()).hexdigest()


def loc(location_id: str, pms: str, source_id: str, key: str | None, version: str, line: int) -> dict:
    """One registry row."""
    return dict(location_id=location_id, location_name=f"name {location_id}", region="r", regional_manager="rm@x.org",
                pms=pms, pms_version=version, source_id=source_id, source_location_key=key,
                timezone="America/Chicago", opened_date="2020-01-01", _source_id="registry",
                _file="locations.csv", _line=line, _is_deleted=False, _load_id="load1")


def pms(source_id: str, line: int, **cols: object) -> dict:
    """A PMS raw row with lineage columns."""
    return {**cols, "_source_id": source_id, "_extract_date": "2026-03-01",
            "_file": f"pms/{source_id}/2026-03-01/x.csv", "_line": line, "_is_deleted": False, "_load_id": "load1"}


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build staging + dim_locations over a hand-made raw warehouse; returns the DuckDB path."""
    path = tmp_path_factory.mktemp("stg") / "wh.duckdb"
    create_raw_schema(path)
    insert_rows(path, "raw.registry__locations", [
        loc("L1", "opendental", "od1", "1", "22.4.40", 2),
        loc("L2", "opendental", "od2", None, "21.4", 3),       # 21.4 < 22.1: unsupported
        loc("L3", "dentrix", "dx1", "3; 5", "G7.3", 4),
        loc("L4", "eaglesoft", "es1", None, "21.20", 5),
    ])
    insert_rows(path, "raw.source_settings", [
        {"source_id": "od1", "vendor": "opendental"}, {"source_id": "od2", "vendor": "opendental"},
        {"source_id": "dx1", "vendor": "dentrix"}, {"source_id": "es1", "vendor": "eaglesoft"},
    ])
    insert_rows(path, "raw.source_code_overrides", [
        # mapping.yml names columns as the contract does (AptStatus): the map is case-insensitive on names
        {"source_id": "od1", "table_name": "appointment", "column_name": "AptStatus", "code": "4", "canonical": "unscheduled"},
        {"source_id": "dx1", "table_name": "v_appt", "column_name": "status_id", "code": "150", "canonical": "completed"},
    ])
    insert_rows(path, "raw.dentrix__v_appt_status_codes", [
        pms("dx1", 2, defid="-106", descript="<COMPLETE>"), pms("dx1", 3, defid="12", descript="Here"),
        pms("dx1", 4, defid="150", descript="Checked out"),
    ])
    insert_rows(path, "raw.opendental__patient", [
        pms("od1", 2, patnum="42", patstatus=0, fname="Ann", lname="Lee", birthdate="1980-01-02",
            wirelessphone="(555) 123-4567", txtmsgok=1, email="ann@x.org"),
        pms("od2", 2, patnum="42", patstatus=0, fname="ANN", lname="lee", birthdate="1980-01-02",
            wirelessphone="123-4567", txtmsgok=1, email="ann at x.org"),
    ])
    insert_rows(path, "raw.opendental__recall", [
        pms("od1", 2, recallnum="r1", patnum="42", recalltypenum="1", isdisabled=False, datetstamp="2026-02-01 00:00:00"),
        pms("od1", 3, recallnum="r2", patnum="0", recalltypenum="1", isdisabled=False, datetstamp="2026-02-01 00:00:00"),  # 0 = no patient
    ])
    insert_rows(path, "raw.eaglesoft__patient", [
        pms("es1", 2, patient_id="E1", status="A", patient_status="Y", practice_id="1", cell_phone="312-555-0100", receives_sms=False),
        pms("es1", 3, patient_id="E2", status="I", patient_status="Y", practice_id="1", cell_phone="312-555-0100", receives_sms=None),
        pms("es1", 4, patient_id="E3", status=None, patient_status="N", practice_id="1", cell_phone=None),
    ])
    insert_rows(path, "raw.dentrix__v_patient", [
        pms("dx1", 2, patient_id="D1", status=1, mobile_phone="3125550100", privacy_flags=2),  # bit 2: no text
        pms("dx1", 3, patient_id="D2", status=1, mobile_phone="3125550100", privacy_flags=1),  # bit 1 only: voice
        pms("dx1", 4, patient_id="D3", status=1, mobile_phone="3125550100", privacy_flags=None),
    ])
    comms = {"_source_id": "comms", "_extract_date": "2026-03-01", "_is_deleted": False, "_load_id": "load1"}
    insert_rows(path, "raw.comms__messages", [
        {**comms, "_file": "comms/2026-03-01/messages.csv", "_line": 2, "message_id": "m1", "location_id": "L1",
         "pms_patient_id": "42", "campaign": "reminder", "channel": "sms", "direction": "outbound",
         "sent_at": "2026-03-01 10:00:00+00", "delivery_status": "delivered"},
        {**comms, "_file": "comms/2026-03-01/messages.csv", "_line": 3, "message_id": "m2", "location_id": "L2",
         "pms_patient_id": "42", "campaign": "reminder", "channel": "sms", "direction": "outbound",
         "sent_at": "2026-03-01 10:00:00+00", "delivery_status": "delivered"},
    ])
    insert_rows(path, "raw.comms__sync_events", [
        {**comms, "_file": "comms/2026-03-01/sync_events.csv", "_line": 2, "event_id": "e1", "location_id": "L1",
         "entity": "patient", "pms_record_id": "42", "action": "update", "platform_received_at": "2026-03-01 10:00:00+00",
         "outcome": "ok"},
        {**comms, "_file": "comms/2026-03-01/sync_events.csv", "_line": 3, "event_id": "e2", "location_id": "L1",
         "entity": "appointment", "pms_record_id": "A7", "action": "update",
         "platform_received_at": "2026-03-01 10:00:00+00", "outcome": "ok"},
    ])
    result = run_dbt(path, "build", *SELECT, env=ENV)
    assert result.returncode == 0, result.stdout[-4000:]
    return path


def rows(path: Path, sql: str) -> list[tuple]:
    """Run a query read-only and return all rows."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.sql(sql).fetchall()
    finally:
        con.close()


def test_no_phi_or_raw_patient_id_column_in_staging(warehouse: Path) -> None:
    """No staging/mart relation exposes names, birthdates, phones, emails or a raw patient id column."""
    cols = rows(warehouse, "select table_name, column_name from information_schema.columns "
                           "where table_schema in ('staging', 'marts')")
    leaked = [(t, c) for t, c in cols if c in PHI_OR_RAW_ID_COLUMNS and t not in SLOTS_MODELS]
    assert leaked == []
    # every patient_key is a 64-hex digest, never the raw id "42"
    keys = rows(warehouse, "select patient_key from staging.stg_opendental__patient "
                           "union all select patient_key from staging.stg_comms__messages")
    assert len(keys) == 4
    assert all(len(k) == 64 and set(k) <= set("0123456789abcdef") for (k,) in keys)


def test_pseudonym_same_id_same_key_other_source_other_key(warehouse: Path) -> None:
    """Same (source, id) gives one key across tables; PatNum 42 of od1 and of od2 are different keys."""
    patients = dict(rows(warehouse, "select source_id, patient_key from staging.stg_opendental__patient"))
    assert patients == {"od1": expected_key("od1", "42"), "od2": expected_key("od2", "42")}
    recall = dict(rows(warehouse, "select recallnum, patient_key from staging.stg_opendental__recall"))
    assert recall == {"r1": expected_key("od1", "42"), "r2": None}  # PatNum 0 = none
    # comms ids are keys of the location's PMS source: L1 -> od1, L2 -> od2
    messages = dict(rows(warehouse, "select message_id, patient_key from staging.stg_comms__messages"))
    assert messages == {"m1": expected_key("od1", "42"), "m2": expected_key("od2", "42")}
    events = rows(warehouse, "select event_id, pms_record_id, patient_key from staging.stg_comms__sync_events order by 1")
    assert events == [("e1", None, expected_key("od1", "42")), ("e2", "A7", None)]


def test_contact_flags_per_vendor(warehouse: Path) -> None:
    """Textable follows each vendor's consent rule; identity hash matches across case differences."""
    od = rows(warehouse, "select source_id, mobile_phone_status, has_textable_mobile, has_valid_email, identity_hash "
                         "from staging.stg_opendental__patient order by source_id")
    # od1: (555) 123-4567 is valid, TxtMsgOk 1; od2: 7 digits invalid, "ann at x.org" has no @
    assert [r[:4] for r in od] == [("od1", "valid", True, True), ("od2", "invalid", False, False)]
    assert od[0][4] is not None and od[0][4] == od[1][4]  # Ann Lee / ANN lee, same birthdate
    es = rows(warehouse, "select source_line, has_textable_mobile, patient_status_canonical, mobile_phone_status "
                         "from staging.stg_eaglesoft__patient order by 1")
    # E1 receives_sms N -> no; E2 receives_sms blank -> yes; E3 no phone. Status: A+Y active, I+Y inactive, else non_patient
    assert es == [(2, False, "active", "valid"), (3, True, "inactive", "valid"), (4, False, "non_patient", "missing")]
    dx = rows(warehouse, "select source_line, has_textable_mobile from staging.stg_dentrix__v_patient order by 1")
    # privacy_flags 2 -> bit 2 set (no text); 1 -> only voice blocked; NULL -> nothing blocked
    assert dx == [(2, False), (3, True), (4, True)]


def test_map_code_override_wins(warehouse: Path) -> None:
    """map_code: mapping.yml override > seed > '*' > listed Dentrix id > 'unknown'; NULL stays NULL."""
    sql = (
        "select x.n, {{ map_code('opendental', 'appointment', 'aptstatus', 'x.c', 'x.s') }} as od, "
        "{{ map_code('dentrix', 'v_appt', 'status_id', 'x.c', 'x.s') }} as dx, "
        "{{ map_code('eaglesoft', 'appointment', 'arrival_status', 'x.c', 'x.s') }} as es "
        "from (values (1, '4', 'od1'), (2, '4', 'od2'), (3, '99', 'od1'), (4, null, 'od1'), "
        "(5, '150', 'dx1'), (6, '-106', 'dx1'), (7, '12', 'dx1'), (8, '13', 'dx1'), (9, '7', 'es1'), (10, '4', 'es1')) "
        "as x (n, c, s) order by x.n"
    )
    result = run_dbt(warehouse, "show", "--inline", sql, "--output", "json", "--quiet", "--limit", "20", env=ENV)
    assert result.returncode == 0, result.stdout[-3000:]
    got = {r["n"]: r for r in json.loads(result.stdout)["show"]}
    assert got[1]["od"] == "unscheduled"   # od1 override of AptStatus 4 (ASAP)
    assert got[2]["od"] == "scheduled"     # od2: seed default, 4 ASAP -> scheduled
    assert got[3]["od"] == "unknown"       # no such AptStatus
    assert got[4]["od"] is None            # NULL code -> NULL
    assert got[5]["dx"] == "completed"     # dx1 mapping.yml "150": completed beats "listed -> scheduled"
    assert got[6]["dx"] == "completed"     # seed -106 <COMPLETE>
    assert got[7]["dx"] == "scheduled"     # listed in v_appt_status_codes
    assert got[8]["dx"] == "unknown"       # not listed
    assert got[9]["es"] == "scheduled"     # arrival_status other than 4: '*' -> scheduled
    assert got[10]["es"] == "completed"    # 4 walked out


def test_dim_locations(warehouse: Path) -> None:
    """One row per location; minimum versions; Dentrix operatory list split."""
    got = rows(warehouse, "select location_id, version_supported, source_location_keys from marts.dim_locations order by 1")
    # L1 OD 22.4.40 >= 22.1; L2 OD 21.4 < 22.1; L3 G7.3 = G7.3; L4 Eaglesoft 21.20 >= 21
    assert got == [("L1", True, ["1"]), ("L2", False, []), ("L3", True, ["3", "5"]), ("L4", True, [])]
