"""Tests of the sample data generator: contract formats, determinism, waves and ground truth."""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
import yaml

from connectors.generator import Params, generate

CONTRACT = yaml.safe_load((Path(__file__).resolve().parents[2] / "connectors" / "contract" / "tables.yml").read_text())
END = date(2026, 3, 2)
ASOF = datetime(2026, 3, 2)

DATE = r"\d{4}-\d{2}-\d{2}"
DT = DATE + r"[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?"
TSTZ = DATE + r"T\d{2}:\d{2}:\d{2}(\.\d+)?([+-]\d{2}:\d{2}|Z)"
# the contract's type grammar (tables.yml header), written out independently
TYPE_RE = {
    "key": r".+",
    "text": r".*",
    "int": r"-?[0-9]+",
    "dec": r"-?[0-9]+(\.[0-9]+)?",
    "date": DATE,
    "dt": DT,
    "date_or_dt": f"({DATE})|({DT})",
    "time": r"\d{2}:\d{2}(:\d{2})?",
    "tstz": TSTZ,
    "dt_or_tstz": f"({DT})|({TSTZ})",
    "date_or_tstz": f"({DATE})|({TSTZ})",
    "b01": r"0|1|true|false",
    "yn": r"Y|N",
}


def _params(out: Path, **kw) -> Params:
    """Small drop: 6 locations, 120 days of history."""
    return Params(out=str(out), locations=6, end_date=END, seed=7, history_days=120, **kw)


@pytest.fixture(scope="module")
def drop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One generated drop shared by the tests of this module."""
    out = tmp_path_factory.mktemp("drop")
    generate(_params(out), progress=False)
    return out


def _read(path: Path) -> pl.DataFrame:
    """A CSV as strings, empty fields as NULL."""
    return pl.read_csv(path, infer_schema=False)


def _files(drop: Path) -> list[tuple[str, str, Path]]:
    """(vendor, table, path) of every contract file of the drop."""
    locs = _read(drop / "locations.csv")
    vendor_of = dict(zip(locs["source_id"], locs["pms"]))
    out = [("registry", "locations", drop / "locations.csv")]
    for p in sorted(drop.glob("pms/*/*/*.csv")):
        out.append((vendor_of[p.parent.parent.name], p.stem, p))
    for folder in ("comms", "reviews"):
        for p in sorted(drop.glob(f"{folder}/*/*.csv")):
            out.append((folder, p.stem, p))
    for p in sorted(drop.glob("manual/*.csv")):
        out.append(("manual", p.stem, p))
    return out


def test_every_file_matches_the_contract(drop: Path) -> None:
    """Headers hold every required column; every value parses as its contract type (no row would be quarantined)."""
    files = _files(drop)
    assert len(files) > 50
    location_ids = set(_read(drop / "locations.csv")["location_id"])
    for vendor, table, path in files:
        spec = CONTRACT["vendors"][vendor]["tables"][table]
        df = _read(path)
        required, optional = spec.get("required", {}), spec.get("optional", {})
        missing = set(required) - set(df.columns)
        assert not missing, f"{path}: missing required {missing}"
        assert set(df.columns) <= set(required) | set(optional), f"{path}: unlisted columns"
        if CONTRACT["vendors"][vendor].get("all_columns_in_header"):
            assert df.columns == list(required) + list(optional), f"{path}: header must list all columns in order"
        nullable = set(spec.get("nullable", []))
        for col in df.columns:
            typ = {**required, **optional}[col]
            values = df[col]
            if col in required and col not in nullable:
                assert values.null_count() == 0, f"{path}:{col} has NULLs"
            bad = values.drop_nulls().filter(~values.drop_nulls().str.contains(f"^(?:{TYPE_RE[typ]})$"))
            assert bad.len() == 0, f"{path}:{col} ({typ}) bad values {bad.head(3).to_list()}"
        for col, allowed in spec.get("enum", {}).items():
            assert set(df[col].drop_nulls()) <= set(allowed), f"{path}:{col}"
        for col, (lo, hi) in spec.get("ranges", {}).items():
            v = df[col].drop_nulls().cast(pl.Float64)
            assert (lo is None or v.min() is None or v.min() >= lo) and (hi is None or v.max() is None or v.max() <= hi), f"{path}:{col}"
        if "location_id" in df.columns and vendor in ("comms", "reviews", "manual"):
            assert set(df["location_id"]) <= location_ids, path
        keys = spec.get("key", [])
        if keys and not spec.get("log"):
            assert df.select(keys).is_duplicated().sum() == 0, f"{path}: duplicate key in one file"


def test_row_checks_hold(drop: Path) -> None:
    """The contract's cross-column rules (time study sums, attestations, status periods, registry)."""
    ts = _read(drop / "manual/time_study.csv").with_columns(pl.exclude("location_id", "week_start", "staff_role").cast(pl.Float64))
    assert ts.height > 0
    hours = ts["hours_confirmations"] + ts["hours_recall_calls"] + ts["hours_patient_inquiries"] + ts["hours_other_communication"]
    assert (ts["fte_hours_total_week"] >= hours).all() and (ts["fte_hours_total_week"] > 0).all()
    at = _read(drop / "manual/go_live_attestations.csv").with_columns(pl.col("staff_trained", "staff_using_system").cast(pl.Int64))
    assert (at["staff_using_system"] <= at["staff_trained"]).all()
    for p in drop.glob("comms/*/platform_status.csv"):
        ps = _read(p)
        if ps.height:
            s = ps["period_start"].str.to_datetime("%Y-%m-%dT%H:%M:%S%:z")
            e = ps["period_end"].str.to_datetime("%Y-%m-%dT%H:%M:%S%:z")
            assert (e > s).all(), p
    locs = _read(drop / "locations.csv")
    live = locs.filter(pl.col("go_live_date").is_not_null())
    assert (live["go_live_date"] >= live["opened_date"]).all()  # ISO dates compare as strings


def test_registry_waves_and_vendors(drop: Path) -> None:
    """Three PMSs, shared Open Dental / Eaglesoft databases, four waves and not-yet-live controls."""
    locs = _read(drop / "locations.csv")
    assert locs.height == 6
    assert set(locs["pms"]) == {"opendental", "eaglesoft", "dentrix"}
    for pms in ("opendental", "eaglesoft"):
        per_source = locs.filter(pl.col("pms") == pms).group_by("source_id").len()
        assert per_source["len"].max() >= 2, f"{pms} database serving several locations"
    # every location with a wave has a go-live date and vice versa; 6 locations -> 1 not yet live (20%)
    assert (locs["wave"].is_null() == locs["go_live_date"].is_null()).all()
    assert locs["wave"].null_count() == 1
    assert set(locs["wave"].drop_nulls()) == {"1", "2", "3", "4"}
    assert locs.filter(pl.col("wave") == "1").height == 2  # wave 1 of 2 for a 5-location live set
    assert locs["go_live_date"].drop_nulls().max() < END.isoformat()
    # extracts: weekly, the first full, the last on the end date
    for sid in locs["source_id"].unique():
        folders = sorted(p.name for p in (drop / "pms" / sid).iterdir())
        assert folders[-1] == END.isoformat()
        assert json.loads((drop / "pms" / sid / folders[0] / "_manifest.json").read_text())["mode"] == "full"
        assert all(json.loads((drop / "pms" / sid / f / "_manifest.json").read_text())["mode"] == "delta" for f in folders[1:])
        # 120 days, first full >= day 91 on the weekly grid ending 2026-03-02 -> 2026-02-02 .. 2026-03-02: 5 extracts
        assert folders == [(END - timedelta(weeks=k)).isoformat() for k in range(4, -1, -1)]


def test_deterministic(drop: Path, tmp_path: Path) -> None:
    """Same seed and arguments -> byte-identical files (also into another folder)."""
    generate(_params(tmp_path / "again"), progress=False)
    a = {p.relative_to(drop): p.read_bytes() for p in drop.rglob("*") if p.is_file()}
    b = {p.relative_to(tmp_path / "again"): p.read_bytes() for p in (tmp_path / "again").rglob("*") if p.is_file()}
    assert a.keys() == b.keys()
    assert all(a[k] == b[k] for k in a), [str(k) for k in a if a[k] != b[k]][:5]


def test_truth_files_consistent(drop: Path) -> None:
    """Slot outcomes are complete and well-formed; effects.json records the plan."""
    truth = _read(drop / "_truth/slot_outcomes.csv")
    assert set(truth["outcome"]) <= {"completed", "no_call_no_show", "late_cancel", "advance_cancel", "open"}
    counts = truth.group_by("outcome").len()
    assert counts["len"].sum() == truth.height
    asof = ASOF.isoformat()
    # every past slot has an outcome (no unresolved slot is planted); open slots all lie ahead, and some future
    # slots are already closed (cancelled or moved in advance)
    future = truth["slot_start"] >= asof
    assert not ((truth["outcome"] == "open") & ~future).any()
    assert (future & (truth["outcome"] == "open")).sum() > 0
    assert (future & (truth["outcome"] == "advance_cancel")).sum() > 0
    assert truth.select("source_id", "appointment_key", "slot_start").is_duplicated().sum() == 0
    eff = json.loads((drop / "_truth/effects.json").read_text())
    assert eff["seed"] == 7 and eff["parameters"]["effect_scale"] == 1.0
    nsr = eff["metrics"]["no_show_rate"]
    assert 0.03 < nsr["baseline"] < 0.25
    assert nsr["expected_abs_change"] == pytest.approx(-0.25 * nsr["baseline"], abs=1e-5)
    live = _read(drop / "locations.csv").filter(pl.col("wave").is_not_null())
    assert sorted(sum(eff["waves"].values(), [])) == sorted(live["location_id"])


def _slots_from_versions(rows: list[tuple]) -> dict[tuple, str]:
    """Independent reading of extracts.md §3.0: rows (key, time, start, kind) with kind sched/complete/break/other,
    ordered by time -> {(key, start): outcome}; completion is decided by the caller's current version."""
    out: dict[tuple, str] = {}
    by_key: dict[str, list[tuple]] = {}
    for r in rows:
        by_key.setdefault(r[0], []).append(r)
    for key, vs in by_key.items():
        cur = None  # [start, closed]
        for _, t, start, kind in vs:
            if kind == "other" or start is None:
                continue
            if cur is None or start != cur[0]:
                if cur is not None and not cur[1]:
                    out[(key, cur[0])] = _by_notice(cur[0], t)
                cur = [start, False]
                out[(key, start)] = "open"
            if kind == "break" and not cur[1]:
                out[(key, start)] = _by_notice(start, t)
                cur[1] = True
    return out


def _by_notice(start: str, t: str) -> str:
    """metrics.md §1 notice rule."""
    notice = (datetime.fromisoformat(start) - datetime.fromisoformat(t)).total_seconds()
    return "no_call_no_show" if notice <= 0 else "late_cancel" if notice <= 86400 else "advance_cancel"


def test_open_dental_files_encode_the_truth(drop: Path) -> None:
    """Rebuilding slots from histappointment + the latest appointment version gives the truth's outcomes."""
    sid = next(p.name for p in (drop / "pms").iterdir() if p.name.startswith("od-"))
    hist = pl.concat([_read(p) for p in sorted((drop / "pms" / sid).glob("*/histappointment.csv"))])
    appt = pl.concat([_read(p).with_columns(x=pl.lit(p.parent.name)) for p in sorted((drop / "pms" / sid).glob("*/appointment.csv"))])
    hist = hist.sort("HistDateTStamp", pl.col("HistApptNum").cast(pl.Int64))
    kind = {"1": "sched", "2": "complete", "5": "sched"}
    rows = [
        (r["AptNum"], r["HistDateTStamp"], r["AptDateTime"], "break" if r["HistApptAction"] in ("2", "3") else kind.get(r["AptStatus"], "other"))
        for r in hist.iter_rows(named=True)
    ]
    got = _slots_from_versions(rows)
    current = appt.sort("DateTStamp", "x").group_by("AptNum").last()
    for r in current.filter(pl.col("AptStatus") == "2").iter_rows(named=True):
        got[(r["AptNum"], r["AptDateTime"])] = "completed"
    truth = _read(drop / "_truth/slot_outcomes.csv").filter(pl.col("source_id") == sid)
    want = {(r["appointment_key"], r["slot_start"].replace("T", " ")): r["outcome"] for r in truth.iter_rows(named=True)}
    assert len(want) > 1000
    assert got == want


def test_dentrix_files_encode_the_truth(drop: Path) -> None:
    """Rebuilding slots from appthist (broken flag, start changes) + the latest v_appt version gives the truth."""
    sid = next(p.name for p in (drop / "pms").iterdir() if p.name.startswith("dx-"))
    hist = pl.concat([_read(p) for p in sorted((drop / "pms" / sid).glob("*/appthist.csv"))])
    hist = hist.with_columns(
        t=pl.col("modifieddate") + " " + pl.col("modifiedtime"),
        start=pl.col("apptdate") + " " + pl.col("timehr").str.zfill(2) + ":" + pl.col("timemin").str.zfill(2) + ":00",
    ).sort("t", "createflag", descending=[False, True])
    rows = [(r["parentapptid"], r["t"], r["start"], "break" if r["broken"] == "1" else "sched") for r in hist.iter_rows(named=True)]
    got = _slots_from_versions(rows)
    va = pl.concat([_read(p) for p in sorted((drop / "pms" / sid).glob("*/v_appt.csv"))]).sort("modified_time_stamp")
    current = va.group_by("appointment_id").last()
    for r in current.filter((pl.col("status_id") == "-106") & (pl.col("broken") == "0")).iter_rows(named=True):
        start = f"{r['appointment_date']} {int(r['start_hour']):02d}:{int(r['start_minute']):02d}:00"
        got[(r["appointment_id"], start)] = "completed"
    truth = _read(drop / "_truth/slot_outcomes.csv").filter(pl.col("source_id") == sid)
    want = {(r["appointment_key"], r["slot_start"].replace("T", " ")): r["outcome"] for r in truth.iter_rows(named=True)}
    assert len(want) > 500
    assert got == want


def test_effect_scale_zero_changes_only_the_effect(tmp_path: Path) -> None:
    """--effect-scale 0 is recorded, gives zero expected changes, and the plan (waves) is unchanged."""
    generate(_params(tmp_path / "zero", effect_scale=0.0), progress=False)
    eff = json.loads((tmp_path / "zero/_truth/effects.json").read_text())
    assert eff["parameters"]["effect_scale"] == 0.0
    assert eff["metrics"]["no_show_rate"]["expected_abs_change"] == 0.0
    assert eff["metrics"]["recall_conversion_rate"]["expected_abs_change"] == 0.0
    base = Params(out="x", locations=6, end_date=END, seed=7, history_days=120)
    assert eff["waves"] and eff["parameters"]["locations"] == base.locations


def test_unknown_defects_profile_is_rejected(tmp_path: Path) -> None:
    """The defects hook accepts only known profiles."""
    with pytest.raises(ValueError, match="defects"):
        generate(_params(tmp_path / "d", defects="everything"), progress=False)


def test_eaglesoft_log_and_table_agree_with_the_truth(drop: Path) -> None:
    """Eaglesoft: F/C/R log rows close their original_start_time slot by notice; arrival_status 4 = completed;
    failed/cancelled appointments are gone from the appointment table."""
    sid = next(p.name for p in (drop / "pms").iterdir() if p.name.startswith("es-"))
    log = pl.concat([_read(p) for p in sorted((drop / "pms" / sid).glob("*/appt_log.csv"))])
    truth = _read(drop / "_truth/slot_outcomes.csv").filter(pl.col("source_id") == sid)
    want = {(r["appointment_key"], r["slot_start"].replace("T", " ")): r["outcome"] for r in truth.iter_rows(named=True)}
    closing = log.filter(pl.col("appt_log_action").is_in(["F", "C", "R"]))
    assert closing.height > 100
    for r in closing.iter_rows(named=True):
        assert want[(r["appt_id"], r["original_start_time"])] == _by_notice(r["original_start_time"], r["log_time"])
    appt = pl.concat([_read(p).with_columns(x=pl.lit(p.parent.name)) for p in sorted((drop / "pms" / sid).glob("*/appointment.csv"))])
    current = appt.sort("x").group_by("appointment_id").last()
    done = current.filter(pl.col("arrival_status") == "4")
    assert done.height > 500
    assert all(want[(r["appointment_id"], r["start_time"])] == "completed" for r in done.iter_rows(named=True))
    # no appointment row is extracted after its F/C log row: Eaglesoft deleted it from the schedule
    brk = log.filter(pl.col("appt_log_action").is_in(["F", "C"])).select(appointment_id="appt_id", broken_at="log_time")
    after = appt.join(brk, on="appointment_id").filter(pl.col("x") > pl.col("broken_at"))
    assert brk.height > 50 and after.height == 0
