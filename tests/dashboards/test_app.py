"""The Streamlit app per role and page against the small snapshot of dash_snapshot.py (no pipeline run)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from dash_snapshot import TABLES, write_snapshot
from dashboards import access, data, privacy

APP = str(Path(__file__).resolve().parents[2] / "dashboards" / "streamlit_app.py")
PAGE_FILES = {
    "board": "board.py", "data_quality": "data_quality.py", "readiness": "readiness.py",
    "go_live": "go_live.py", "location": "location.py", "overview": "overview.py",
}
PAGE_TITLES = {
    "board": "Board / CFO: rollout ROI", "data_quality": "Data quality of my locations",
    "readiness": "Readiness and waves", "go_live": "Go-live monitor", "location": "Location drill-down",
    "overview": "Rollout overview",
}
ROLES = {"board": (), "regional_manager": ("East",), "operations": ()}


def set_role(monkeypatch: pytest.MonkeyPatch, role: str, region: str | None = None) -> None:
    """Deployment configuration for local development: env vars."""
    monkeypatch.setenv("DSO_DASHBOARD_ROLE", role)
    if region:
        monkeypatch.setenv("DSO_DASHBOARD_REGION", region)


def open_page(page: str | None = None, setup=None) -> AppTest:
    """Run the app (optionally prepared by `setup(at)`), switch to `page`, fail on any exception."""
    at = AppTest.from_file(APP, default_timeout=60)
    if setup:
        setup(at)
    at.run()
    if page is not None:
        at.switch_page(f"views/{PAGE_FILES[page]}").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def tables(at: AppTest) -> list[pd.DataFrame]:
    """Every table the page shows."""
    return [df.value for df in at.dataframe]


def table_with(at: AppTest, *columns: str) -> pd.DataFrame:
    """The first table that has all `columns`."""
    for df in tables(at):
        if set(columns) <= set(df.columns):
            return df
    raise AssertionError(f"no table with {columns}: {[list(t.columns) for t in tables(at)]}")


def all_text(at: AppTest) -> str:
    """Every piece of text on the page (markdown, captions, notes, metrics, tables)."""
    parts = [e.value for kind in ("title", "subheader", "caption", "markdown", "info", "warning", "error", "success")
             for e in getattr(at, kind)]
    parts += [f"{m.label} {m.value}" for m in at.metric]
    parts += [df.to_csv() for df in tables(at)]
    parts += [e.label for e in at.expander]
    return "\n".join(map(str, parts))


# --- navigation and every page ------------------------------------------------------------------------------

@pytest.mark.parametrize("role", list(ROLES))
def test_navigation_lists_only_the_role_pages(snapshot: Path, monkeypatch: pytest.MonkeyPatch, role: str) -> None:
    set_role(monkeypatch, role, *ROLES[role])
    at = open_page()
    allowed = access.pages_for(role)
    # The default (first) page of the role opens.
    assert at.title[0].value == PAGE_TITLES[allowed[0]]
    # Pages outside the role are not registered in its navigation, so no URL reaches them (the allowed
    # pages are opened one by one in the next test).
    for page in set(PAGE_FILES) - set(allowed):
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            open_page(page)


@pytest.mark.parametrize(
    ("role", "page"), [(r, p) for r in ROLES for p in access.pages_for(r)]
)
def test_every_page_renders_with_a_csv_download_per_table(
    snapshot: Path, monkeypatch: pytest.MonkeyPatch, role: str, page: str
) -> None:
    set_role(monkeypatch, role, *ROLES[role])
    at = open_page(page)
    assert at.title[0].value == PAGE_TITLES[page]
    assert len(at.dataframe) >= 1
    assert len(at.get("download_button")) == len(at.dataframe)
    # No patient identifier column on any page.
    for df in tables(at):
        assert privacy.phi_columns(df.columns) == [], list(df.columns)
    # Charts carry titles.
    for chart in at.get("vega_lite_chart"):
        assert '"title"' in chart.proto.spec


# --- regional managers ----------------------------------------------------------------------------------------

EAST = {"LOC-001", "LOC-003"}


def test_regional_manager_sees_only_their_region(snapshot: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    set_role(monkeypatch, "regional_manager", "East")
    dq = open_page("data_quality")
    scores = table_with(dq, "location_id", "score")
    assert set(scores["location_id"]) == EAST
    # LOC-002 (West) is flagged for SMS after opt-out: neither its reason nor its id reaches this page.
    text = all_text(dq)
    assert "LOC-002" not in text and "opted out" not in text
    assert "LOC-003" in text and "score 78.0 below 80" in text  # East's flag with its reason and fix
    assert "Ask IT to fix the export." in text
    # Files: only East's PMS database (od-1), not dx-1's 5 quarantined rows.
    files = table_with(dq, "source_file", "rows_quarantined")
    assert set(files["source_id"]) == {"od-1"} and files["rows_quarantined"].tolist() == [2]
    assert set(table_with(dq, "location_id", "is_stale")["location_id"]) == EAST

    go = open_page("go_live")
    assert set(table_with(go, "location_id", "any_trigger")["location_id"]) == {"LOC-001"}
    systemic = table_with(go, "monitor_date", "is_systemic")
    assert list(systemic.columns) == ["monitor_date", "is_systemic"]  # no other region's ids or counts
    assert "LOC-002" not in all_text(go)

    readiness = open_page("readiness")
    assert set(table_with(readiness, "location_id", "composite", "recommendation")["location_id"]) == EAST
    assert "LOC-002" not in all_text(readiness)


def test_query_params_and_session_state_cannot_widen_the_region(snapshot: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    set_role(monkeypatch, "regional_manager", "East")

    def tamper(at: AppTest) -> None:
        at.query_params["region"] = "West"
        at.query_params["role"] = "operations"
        at.query_params["location"] = "LOC-002"
        at.session_state["region"] = "West"
        at.session_state["role"] = "operations"

    at = open_page("location", setup=tamper)
    box = at.selectbox(key="drill_location")
    assert [o.split(" ")[0] for o in box.options] == ["LOC-001", "LOC-003"]
    assert box.value == "LOC-001"  # the URL's LOC-002 is not one of the viewer's locations: ignored
    assert "LOC-002" not in all_text(at)
    dq = open_page("data_quality", setup=tamper)
    assert set(table_with(dq, "location_id", "score")["location_id"]) == EAST
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        open_page("board", setup=tamper)


def test_data_layer_filters_by_region_whatever_the_page_asks(snapshot: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    set_role(monkeypatch, "regional_manager", "West")
    # By the region column, via dim_locations for location_id / source_id, and an explicit id of East.
    assert data.read_mart("rpt_dq_location_scores")["location_id"].tolist() == ["LOC-002"]
    assert data.read_mart("rpt_location_no_show_baselines")["location_id"].tolist() == ["LOC-002"]
    assert data.read_mart("rpt_dq_file_reconciliation")["source_id"].tolist() == ["dx-1"]
    assert data.read_mart("rpt_location_no_show_baselines", equals={"location_id": "LOC-001"}).empty
    # Tables with every region's rows are refused, DSO-wide aggregates too; only the neutral columns pass.
    for refused in (lambda: data.read_mart("rpt_readiness_wave1_findings"),
                    lambda: data.read_mart("rpt_rollback_systemic_days"),
                    lambda: data.read_mart("roi_effects_overall"),
                    data.board_weekly_trend, data.board_money, data.board_money_by_wave):
        with pytest.raises(access.AccessDenied):
            refused()
    assert list(data.read_mart("rpt_rollback_systemic_days", ["monitor_date", "is_systemic"]).columns) == [
        "monitor_date", "is_systemic"]


def test_header_identity_from_the_proxy(snapshot: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DSO_DASHBOARD_AUTH", "header")
    monkeypatch.setenv("DSO_DASHBOARD_ROLE", "operations")  # ignored in header mode
    monkeypatch.setattr(access, "_request_headers", lambda: {"x-dso-role": "regional_manager", "x-dso-region": "West"})
    at = open_page("data_quality")
    assert set(table_with(at, "location_id", "score")["location_id"]) == {"LOC-002"}
    monkeypatch.setattr(access, "_request_headers", lambda: {})
    denied = open_page()
    assert "No access" in denied.error[0].value and len(denied.dataframe) == 0


# --- board privacy --------------------------------------------------------------------------------------------

def test_board_page_suppresses_small_counts_and_rates(snapshot: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    set_role(monkeypatch, "board")
    at = open_page("board")
    weekly = table_with(at, "week_start", "group", "no_show_rate").set_index(["week_start", "group"])
    week1, week2 = pd.Timestamp("2026-01-05"), pd.Timestamp("2026-01-12")
    weekly.index = weekly.index.set_levels(pd.to_datetime(weekly.index.levels[0]), level=0)
    # Week 1 live = LOC-001 only: 40 scheduled, 4 no-shows -> rate 4/40 = 10.0% shown, the count 4 hidden,
    # and the number of live locations (1) hidden.
    live1 = weekly.loc[(week1, "live")]
    assert (live1["scheduled_appointments"], live1["no_shows"], live1["no_show_rate"]) == ("40", "<11", "10.0%")
    assert live1["locations"] == "<11"
    # Week 1 not yet live = LOC-002 + LOC-003: 6 + 3 = 9 scheduled (< 11): count and rate hidden.
    nyl1 = weekly.loc[(week1, "not yet live")]
    assert (nyl1["scheduled_appointments"], nyl1["no_show_rate"]) == ("<11", "<11")
    # Week 2 live = LOC-001 + LOC-002: 50 + 30 = 80 scheduled, 5 + 6 = 11 no-shows -> 11/80 = 13.75%;
    # responses 14 of 30 attempts = 46.7%.
    live2 = weekly.loc[(week2, "live")]
    assert (live2["no_shows"], live2["no_show_rate"], live2["patient_response_rate"]) == ("11", "13.8%", "46.7%")
    # Week 2 not yet live = LOC-003: 20 scheduled, 0 no-shows (a zero is shown), 0 attempts -> no rate, not "<11".
    nyl2 = weekly.loc[(week2, "not yet live")]
    assert (nyl2["no_shows"], nyl2["no_show_rate"], nyl2["patient_response_rate"]) == ("0", "0.0%", "")

    money = table_with(at, "metric", "unit", "basis").set_index("metric")
    # 8 recovered visits (1..10) hidden, and every dollar figure computed from them; the cost is shown.
    assert money.loc["Recovered visits", "estimate"] == "<11"
    assert money.loc["Total value", "estimate"] == "<11" and money.loc["ROI ((value - cost) / cost)", "95% low"] == "<11"
    assert money.loc["Cost (subscription + implementation)", "estimate"] == "$5,000"
    assert "subscription_per_location_month = 399 USD" in money.loc["Cost (subscription + implementation)", "basis"]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Total value"] == "<11" and metrics["Cost (subscription + implementation)"] == "$5,000"

    effects = table_with(at, "outcome", "scope", "estimate").set_index(["outcome", "scope"])
    # Overall: 90 (LOC-001) + 30 (LOC-002) = 120 post-go-live appointments: shown. Wave 2 has no live
    # location, so no denominator at all: hidden (fail closed).
    assert effects.loc[("No-show rate", "overall"), "estimate"] == "-2.0%"
    assert effects.loc[("No-show rate", "wave 2"), "estimate"] == "<11"
    assert effects.loc[("Patient response rate", "overall"), "estimate"] == ""  # not estimable, not hidden

    study = table_with(at, "event_time", "estimate", "denominator").set_index("event_time")
    # e = -1: LOC-002's week before go-live, 6 appointments: hidden. e = 0: 40 + 30 = 70 shown.
    assert study.loc[-1, "estimate"] == "<11" and study.loc[-1, "denominator"] == "<11"
    assert (study.loc[0, "estimate"], study.loc[0, "denominator"]) == ("-1.0%", "70")

    rollout = table_with(at, "wave", "share_of_locations").set_index("wave")
    # 3 locations in the DSO: every location count is 1..10, and every share's denominator is < 11.
    assert set(rollout["locations"]) == {"<11"} and set(rollout["share_of_locations"]) == {"<11"}


def test_board_per_wave_money_shows_each_wave_interval(snapshot: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    set_role(monkeypatch, "board")
    at = open_page("board")
    per_wave = table_with(at, "wave", "Total value", "ROI", "basis").set_index("wave")
    # Wave 1 (roi_money_by_wave rows of dash_snapshot.py): 24 [12, 36] visits, $6,000 [$3,000, $9,000] value,
    # $5,000 cost, $1,000 [-$2,000, $4,000] net, ROI 20% [-40%, 80%], on the wave's own effect.
    w1 = per_wave.loc["wave 1"]
    assert w1["Recovered visits"] == "24 (12 to 36)"
    assert w1["Total value"] == "$6,000 ($3,000 to $9,000)"
    assert w1["Net value"] == "$1,000 (-$2,000 to $4,000)"
    assert w1["ROI"] == "20% (-40% to 80%)"
    assert w1["basis"] == "wave 1 effect"
    # 2 locations is a count from 1 to 10: hidden (board rule), and not given back by the basis text.
    assert w1["locations"] == "<11" and "2 locations" not in all_text(at)
    # Wave 2: 6 [2, 10] recovered visits -> hidden with the value, net value and ROI computed from them;
    # the cost is not a count of visits: shown. Its figures rest on the overall effect, and the page says so.
    w2 = per_wave.loc["wave 2"]
    assert (w2["Recovered visits"], w2["Total value"], w2["Net value"], w2["ROI"]) == ("<11",) * 4
    assert w2["Cost"] == "$2,500 ($2,500 to $2,500)"
    assert w2["basis"] == "overall effect (wave 2 effect not estimable)"
    assert any("wave 2" in w.value and "overall effect" in w.value for w in at.warning)
    # Wave 3: not estimable -> empty cells (never "<11"), 0 locations shown, the reason given.
    w3 = per_wave.loc["wave 3"]
    assert (w3["status"], w3["locations"], w3["Total value"], w3["Cost"]) == ("not estimable", "0", "", "")
    assert w3["reason"].startswith("no location of wave 3")
    # The assumptions sit next to the dollar figures; the outdated "no per-wave interval" caption is gone.
    captions = " ".join(c.value for c in at.caption)
    assert "production_per_visit = 250 USD per completed visit" in captions
    assert "do not hold yet" not in all_text(at) and "point estimates" not in all_text(at)
    assert "Download ROI per wave (CSV)" in [b.proto.label for b in at.get("download_button")]


def test_board_per_wave_money_on_an_older_snapshot_is_a_note(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A snapshot published before roi_money_by_wave existed: a note for that section, the rest of the page stays.
    monkeypatch.setenv("DSO_PUBLISHED_PATH", str(write_snapshot(tmp_path / "m.duckdb", omit={"roi_money_by_wave"})))
    set_role(monkeypatch, "board")
    at = open_page("board")
    notes = " ".join(i.value for i in at.info)
    assert "ROI per wave is not available yet" in notes and "`roi_money_by_wave`" in notes
    assert table_with(at, "metric", "unit", "basis").set_index("metric").loc[
        "Cost (subscription + implementation)", "estimate"] == "$5,000"


def test_board_data_frames_pass_the_rule(snapshot: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    set_role(monkeypatch, "board")
    trend = data.board_weekly_trend()
    assert privacy.board_violations(
        trend, counts=["locations", "scheduled_appointments", "no_shows", "outreach_attempts"],
        rates={"no_show_rate": "scheduled_appointments"}) == []
    es = data.board_event_study()
    assert privacy.board_violations(es, counts=["denominator"]) == []
    wm = data.board_money_by_wave().set_index("wave")
    assert privacy.board_violations(
        wm, counts=["n_locations", "recovered_visits", "recovered_visits_low", "recovered_visits_high"]) == []
    # A small count of wave 2 hides wave 2's dollars only: wave 1 keeps its value interval (3,000 to 9,000).
    assert (wm.loc["wave 1", "value_total_low"], wm.loc["wave 1", "value_total_high"]) == (3000.0, 9000.0)
    assert pd.isna(wm.loc["wave 2", "value_total"]) and wm.loc["wave 2", "cost"] == 2500.0
    # The rates were judged by the real denominator (6 at e = -1) before that count itself was hidden.
    assert pd.isna(es.set_index("event_time").loc[-1, "estimate"])
    assert es.set_index("event_time").loc[1, "estimate"] == -0.02


def test_missing_marts_show_a_note_not_a_traceback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    keep = {"dim_locations"}
    path = write_snapshot(tmp_path / "marts.duckdb", omit=set(TABLES) - keep)
    monkeypatch.setenv("DSO_PUBLISHED_PATH", str(path))
    set_role(monkeypatch, "operations")
    for page in access.pages_for("operations"):
        at = open_page(page)  # no exception
        notes = " ".join(i.value for i in at.info)
        assert "not available yet" in notes, (page, notes)
    board = " ".join(i.value for i in open_page("board").info)
    assert "roi_money" in board and "rpt_location_weekly_no_show_panel" in board


def test_missing_snapshot_says_run_make_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DSO_PUBLISHED_PATH", str(tmp_path / "nothing-here.duckdb"))
    for page in access.pages_for("operations"):
        at = open_page(page)
        assert "make run" in at.info[0].value
        assert len(at.dataframe) == 0


# --- data layer ------------------------------------------------------------------------------------------------

def test_patient_identifier_columns_never_leave_the_data_layer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A mart that (wrongly) carries contact data: the data layer drops those columns, pages never see them.
    leaky = TABLES["rpt_location_no_show_baselines"].strip()
    extra = {"rpt_location_no_show_baselines": f"select *, 'Jane Roe' as patient_name, "
                                               f"'jane@example.com' as email, date '1980-02-03' as birthdate "
                                               f"from ({leaky})"}
    path = write_snapshot(tmp_path / "marts.duckdb", extra=extra)
    monkeypatch.setenv("DSO_PUBLISHED_PATH", str(path))
    assert "patient_name" not in data.mart_columns("rpt_location_no_show_baselines")
    assert "email" not in data.read_mart("rpt_location_no_show_baselines").columns
    with pytest.raises(data.MartMissingError):
        data.read_mart("rpt_location_no_show_baselines", ["location_id", "birthdate"])
    at = open_page("location")
    text = all_text(at)
    assert "Jane" not in text and "example.com" not in text and "1980" not in text


def test_read_mart_serves_only_marts(snapshot: Path) -> None:
    assert "_publish_info" not in data.list_marts() and "dim_locations" in data.list_marts()
    with pytest.raises(data.MartMissingError):
        data.read_mart("_publish_info")
    with pytest.raises(data.MartMissingError):
        data.read_mart("dim_locations", columns=["location_id", "no_such_column"])


def test_new_snapshot_is_read_after_swap(snapshot: Path, tmp_path: Path) -> None:
    assert len(data.read_mart("dim_locations")) == 3
    replacement = tmp_path / "next.duckdb"
    con = duckdb.connect(str(replacement))
    con.execute("create table dim_locations as select 'LOC-009' as location_id, 'North' as region")
    con.close()
    replacement.replace(snapshot)  # what publish.py does: one atomic rename
    assert data.read_mart("dim_locations")["location_id"].tolist() == ["LOC-009"]


# --- operations pages ---------------------------------------------------------------------------------------------

def test_go_live_monitor_shows_decision_scorecard_and_triggers(snapshot: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    set_role(monkeypatch, "operations")
    at = open_page("go_live")
    assert {m.label: m.value for m in at.metric} == {"Wave 1": "NO GO"}
    assert any("Fails: staff_adoption" in c.value for c in at.caption)
    card = table_with(at, "criterion", "result").set_index("criterion")
    assert card.loc["system_uptime", "result"] == "pass" and card.loc["staff_adoption", "result"] == "FAIL"
    # 2026-01-20: both live locations triggered (2 of 2 > 25%) -> systemic; 2026-01-21 none -> not now.
    assert "1 systemic day(s) so far, latest 2026-01-20" in at.warning[0].value
    triggers = table_with(at, "location_id", "any_trigger")
    assert sorted(triggers["location_id"]) == ["LOC-001", "LOC-002"]  # only days with a trigger by default


def test_location_drill_down_lists_baseline_post_and_change(snapshot: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    set_role(monkeypatch, "operations")
    at = open_page("location", setup=lambda a: a.query_params.__setitem__("location", "LOC-002"))
    assert at.selectbox(key="drill_location").value == "LOC-002"  # a deep link to an allowed location works
    rows = table_with(at, "metric", "baseline", "post", "change").set_index("metric")
    # LOC-002: baseline no-show 40% over 5 appointments, post 30%, change -10 points (operations view: unsuppressed).
    assert tuple(rows.loc["No-show rate", ["baseline", "post", "change"]]) == ("40.0%", "30.0%", "-10.0%")
    assert rows.loc["Scheduled appointments (90 d)", "baseline"] == "5"
    assert any("**post status** reported" in m.value for m in at.markdown)


def test_drill_down_prefers_the_all_metrics_mart(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # rpt_location_baselines (every metric of metrics.md section 2) wins over the no-show-only mart.
    extra = {"rpt_location_baselines": """
        select * from (values
            ('LOC-001', 'reliable', 200, 0.10, 0.08, -0.02, 0.50, 0.60, 0.10, 'reported')
        ) t(location_id, baseline_completeness, baseline_scheduled_appointments, baseline_no_show_rate,
            post_no_show_rate, change_no_show_rate, baseline_recall_conversion_rate, post_recall_conversion_rate,
            change_recall_conversion_rate, post_status)"""}
    monkeypatch.setenv("DSO_PUBLISHED_PATH", str(write_snapshot(tmp_path / "marts.duckdb", extra=extra)))
    at = open_page("location")
    rows = table_with(at, "metric", "baseline", "post", "change").set_index("metric")
    assert tuple(rows.loc["Recall conversion rate"]) == ("50.0%", "60.0%", "+10.0%")
    assert tuple(rows.loc["No-show rate"]) == ("10.0%", "8.0%", "-2.0%")
    assert "`rpt_location_baselines`" in " ".join(c.value for c in at.caption)
    readiness = open_page("readiness")
    assert table_with(readiness, "location_id", "baseline_completeness")["baseline_completeness"].tolist() == [
        "reliable"]
