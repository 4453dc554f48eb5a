"""The dashboards' only data access: cached, read-only queries of the marts in the published snapshot.

Pages never open DuckDB themselves. Every query opens the snapshot read-only and closes it at once, so the
publish step can swap in a new snapshot at any time; the cache key includes the file's mtime and size, so a new
snapshot is picked up on the next rerun. The warehouse file itself is never touched.

Access rules live here, not in the pages (metrics.md section 7):

* every read is restricted to the viewer's region (``access.current_identity()``, from deployment
  configuration only) by a SQL WHERE on the table's ``region``, else ``location_id`` / ``source_id`` via
  ``dim_locations``; a table that cannot be restricted is refused for a regional manager (fail closed), except
  the few DSO-wide status columns in ``REGION_NEUTRAL``;
* only mart tables are served, and never a column that looks like a patient identifier;
* the ``board_*`` functions return aggregates with small numbers already suppressed (``privacy.suppress``).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import streamlit as st

from connectors import settings
from dashboards import access, privacy

PUBLISH_INFO_TABLE = "_publish_info"  # written by orchestration/defs/publish.py

# DSO-wide status a regional manager may see although it is not one region's rows: the pause signal and the
# wave decisions (no location ids, no counts of other regions' locations).
REGION_NEUTRAL: dict[str, tuple[str, ...]] = {
    "rpt_rollback_systemic_days": ("monitor_date", "is_systemic"),
    "rpt_go_live_decision": ("wave", "first_go_live_date", "as_of_date", "decision"),
}


class SnapshotMissingError(RuntimeError):
    """No published snapshot yet (the pipeline has not run)."""


class MartMissingError(KeyError):
    """The snapshot has no such mart (or not the columns a page needs) yet."""


AccessDenied = access.AccessDenied


def snapshot_path() -> Path:
    """Path of the published marts snapshot (DSO_PUBLISHED_PATH)."""
    return settings.published_path()


def snapshot_exists() -> bool:
    """True when a published snapshot is there to read."""
    return snapshot_path().is_file()


def _version(path: Path) -> tuple[int, int, int]:
    """Cache key part that changes whenever a new snapshot is swapped in (a rename gives a new inode)."""
    stat = path.stat()
    return stat.st_ino, stat.st_mtime_ns, stat.st_size


@st.cache_data(show_spinner=False, max_entries=256, ttl=3600)
def _query(path: str, version: tuple[int, int, int], sql: str, params: tuple[object, ...]) -> pd.DataFrame:
    """Run one read-only query on the snapshot; `version` only keys the cache.

    The file is ATTACHed to a fresh in-memory database rather than opened with duckdb.connect(path): the
    latter shares one database instance per path inside the process, so a connection another session still
    holds open could serve the replaced snapshot.
    """
    con = duckdb.connect(":memory:")
    try:
        con.execute(f"attach '{path.replace(chr(39), chr(39) * 2)}' as snap (read_only)")
        con.execute("use snap")
        return con.execute(sql, list(params)).df()
    finally:
        con.close()


def _run(sql: str, params: tuple[object, ...] = ()) -> pd.DataFrame:
    """Query the current snapshot, or raise SnapshotMissingError."""
    path = snapshot_path()
    for _ in range(3):
        try:
            version = _version(path)
            df = _query(str(path), version, sql, params)
            if _version(path) == version:
                return df
        except FileNotFoundError:
            raise SnapshotMissingError(f"no published snapshot at {path}") from None
        # A new snapshot was swapped in while this query ran: what it read may be either file, so read again
        # under the new version (the old key is never asked for again).
    return df


def _quote(name: str) -> str:
    """Quote a DuckDB identifier."""
    return '"' + name.replace('"', '""') + '"'


def list_marts() -> list[str]:
    """Names of the mart tables in the snapshot."""
    df = _run(
        "select table_name from information_schema.tables where table_schema = 'main' "
        "and table_catalog = 'snap' and table_name <> ? order by table_name",
        (PUBLISH_INFO_TABLE,),
    )
    return df["table_name"].tolist()


def has_mart(name: str, columns: list[str] | tuple[str, ...] = ()) -> bool:
    """True when the snapshot has mart `name` with every column of `columns`."""
    if not snapshot_exists() or name not in list_marts():
        return False
    return set(columns) <= set(mart_columns(name))


def mart_columns(name: str) -> list[str]:
    """Column names of mart `name`, in table order, without patient-identifier-like columns."""
    df = _run(
        "select column_name from information_schema.columns where table_schema = 'main' "
        "and table_catalog = 'snap' and table_name = ? order by ordinal_position",
        (name,),
    )
    return [c for c in df["column_name"].tolist() if not privacy.is_phi_column(c)]


def identity() -> access.Identity:
    """The current viewer (from deployment configuration; see access.py)."""
    return access.current_identity()


def _source(name: str, columns: list[str] | None = None) -> tuple[str, tuple[object, ...]]:
    """SQL of mart `name` restricted to the viewer's region: (subquery, params). The one place filters apply."""
    if name not in list_marts():
        raise MartMissingError(name)
    available = mart_columns(name)
    who = identity()
    region = who.region_filter
    if region is None:
        return f"(select * from main.{_quote(name)})", ()
    if "region" in available:
        return f"(select * from main.{_quote(name)} where region = ?)", (region,)
    if "dim_locations" not in list_marts() and {"location_id", "source_id"} & set(available):
        raise AccessDenied(f"{name}: no dim_locations in the snapshot to restrict it to region {region}")
    if "location_id" in available:
        return (
            f"(select * from main.{_quote(name)} where location_id in "
            "(select location_id from main.dim_locations where region = ?))",
            (region,),
        )
    if "source_id" in available:
        return (
            f"(select * from main.{_quote(name)} where source_id in "
            "(select source_id from main.dim_locations where region = ?))",
            (region,),
        )
    neutral = REGION_NEUTRAL.get(name)
    if neutral is not None and columns is not None and set(columns) <= set(neutral):
        return f"(select {', '.join(_quote(c) for c in columns)} from main.{_quote(name)})", ()
    raise AccessDenied(f"{name} holds rows of every region; it is not shown to a regional manager")


def read_mart(
    name: str,
    columns: list[str] | None = None,
    *,
    equals: dict[str, object] | None = None,
    order_by: list[str] | None = None,
    where: str | None = None,
    latest: str | None = None,
    recent_days: tuple[str, int] | None = None,
    descending: bool = False,
) -> pd.DataFrame:
    """Rows of mart `name` the viewer may see (only marts; region filter applied here, never by the page).

    `columns` defaults to every column (patient-identifier-like columns are never returned); `equals` adds
    `column = value` filters; `order_by` sorts (`descending` reverses it). Filters that keep large marts out of
    pandas (1,500 locations: a page reads what it shows, not the mart):
    `where` is a fixed SQL predicate over the mart's columns written in page code (never built from user
    input); `latest` keeps the rows whose `latest` column equals its maximum among the viewer's rows (e.g. the
    latest data-quality run); `recent_days=(column, n)` keeps rows within n days of that date column's maximum
    (both maxima are taken before `where`, so "the last 30 days" ends on the latest day, whatever `where` keeps).
    Every filter applies to the region-restricted rows, so none can widen what the viewer may read. Raises
    MartMissingError for a missing mart or column.
    """
    if name not in list_marts():
        raise MartMissingError(name)
    available = mart_columns(name)
    cols = list(columns or available)
    named = list(equals or {}) + list(order_by or []) + [c for c in (latest, recent_days and recent_days[0]) if c]
    unknown = [c for c in cols + named if c not in available]
    if unknown:
        raise MartMissingError(f"{name} has no column(s) {unknown}")
    filtered = bool(where or latest or recent_days)
    # The filters may read columns the page does not select, so they apply to the restricted rows themselves.
    src, params = _source(name, None if filtered else cols)
    if filtered:
        conds = [f"({where})"] if where else []
        if latest:
            conds.append(f"{_quote(latest)} = (select max({_quote(latest)}) from v)")
        if recent_days:
            col, days = _quote(recent_days[0]), int(recent_days[1])
            conds.append(f"{col} > (select max({col}) from v) - {days} * interval 1 day")
        src = f"(with v as (select * from {src} r) select * from v where {' and '.join(conds)})"
    sql = f"select {', '.join(_quote(c) for c in cols)} from {src} t"
    if equals:
        sql += " where " + " and ".join(f"{_quote(c)} = ?" for c in equals)
        params = params + tuple(equals.values())
    if order_by:
        direction = " desc" if descending else ""
        sql += " order by " + ", ".join(_quote(c) + direction for c in order_by)
    return _run(sql, params)


def read_mart_if(name: str, columns: list[str] | None = None, **kwargs: object) -> pd.DataFrame | None:
    """read_mart with only the listed columns the mart has; None when the mart is missing."""
    if not has_mart(name):
        return None
    available = set(mart_columns(name))
    cols = [c for c in columns if c in available] if columns else None
    return read_mart(name, cols, **kwargs)  # type: ignore[arg-type]


def published_at() -> pd.Timestamp | None:
    """When the snapshot was published (None if the snapshot has no publish info)."""
    try:
        df = _run(f"select published_at from main.{PUBLISH_INFO_TABLE}")
    except duckdb.CatalogException:
        return None
    return df["published_at"].iloc[0] if len(df) else None


def as_of_date() -> date | None:
    """The data's as-of date (from the baselines or readiness marts), None when no mart carries it."""
    for name in ("rpt_location_no_show_baselines", "rpt_readiness_scores", "rpt_dq_location_scores"):
        if has_mart(name, ["as_of_date"]):
            df = _run(f"select max(as_of_date) as d from main.{_quote(name)}")
            value = df["d"].iloc[0]
            if not pd.isna(value):
                return pd.Timestamp(value).date()
    return None


def suppress_small(df: pd.DataFrame, rates: dict[str, str], counts: list[str] | None = None) -> pd.DataFrame:
    """Hide rates whose denominator is below 11 and counts from 1 to 10 (see privacy.suppress)."""
    return privacy.suppress(df, counts=counts or [], rates=rates)


def locations() -> pd.DataFrame:
    """The viewer's locations (dim_locations, region-filtered)."""
    cols = ["location_id", "location_name", "region", "pms", "wave", "go_live_date"]
    available = mart_columns("dim_locations") if has_mart("dim_locations") else []
    return read_mart("dim_locations", [c for c in cols if c in available], order_by=["location_id"])


# --- board aggregates (privacy applied here) ---------------------------------------------------------------

def _require_not_regional() -> None:
    """Board aggregates span every region: a regional manager may not read them."""
    if identity().region_filter is not None:
        raise AccessDenied("DSO-wide aggregates are not shown to a regional manager")


PANEL = "rpt_location_weekly_no_show_panel"


def board_weekly_trend() -> pd.DataFrame:
    """Weekly no-show and response rates of live vs not-yet-live locations (pooled), small cells suppressed.

    Columns: week_start, group ('live' | 'not yet live'), locations, scheduled_appointments, no_shows,
    no_show_rate, outreach_attempts, patient_response_rate. Complete weeks only.
    """
    _require_not_regional()
    need = ["week_start", "is_live", "location_id", "scheduled_appointments", "no_shows"]
    if not has_mart(PANEL, need):
        raise MartMissingError(PANEL)
    cols = set(mart_columns(PANEL))
    has_outreach = {"outreach_attempts", "outreach_answered"} <= cols
    complete = "where is_complete_week" if "is_complete_week" in cols else ""
    src, params = _source(PANEL)
    outreach = (
        "sum(outreach_attempts) as outreach_attempts, sum(outreach_answered) as outreach_answered"
        if has_outreach
        else "cast(null as bigint) as outreach_attempts, cast(null as bigint) as outreach_answered"
    )
    df = _run(
        f"""
        select week_start,
               case when is_live then 'live' else 'not yet live' end as "group",
               count(distinct location_id) as locations,
               sum(scheduled_appointments) as scheduled_appointments,
               sum(no_shows) as no_shows,
               {outreach}
        from {src} t {complete}
        group by all order by week_start, "group"
        """,
        params,
    )
    # Pooled rates (sum of numerators / sum of denominators): the DSO-wide rate, not a mean of rates.
    df["no_show_rate"] = df["no_shows"] / df["scheduled_appointments"].where(df["scheduled_appointments"] > 0)
    df["patient_response_rate"] = df["outreach_answered"] / df["outreach_attempts"].where(df["outreach_attempts"] > 0)
    return privacy.suppress(
        df,
        counts=["locations", "scheduled_appointments", "no_shows", "outreach_attempts", "outreach_answered"],
        rates={"no_show_rate": "scheduled_appointments", "patient_response_rate": "outreach_attempts"},
    )


def _post_denominators() -> pd.DataFrame:
    """Post-go-live scheduled appointments and outreach attempts per wave label and overall ('overall')."""
    need = ["location_id", "weeks_since_go_live", "scheduled_appointments"]
    if not has_mart(PANEL, need) or not has_mart("dim_locations", ["location_id", "wave"]):
        return pd.DataFrame(columns=["scope", "scheduled_appointments", "outreach_attempts"])
    cols = set(mart_columns(PANEL))
    attempts = "sum(p.outreach_attempts)" if "outreach_attempts" in cols else "cast(null as bigint)"
    src, params = _source(PANEL)
    dsrc, dparams = _source("dim_locations")
    return _run(
        f"""
        select case when grouping(d.wave) = 1 then 'overall' else 'wave ' || cast(d.wave as varchar) end as scope,
               sum(p.scheduled_appointments) as scheduled_appointments, {attempts} as outreach_attempts
        from {src} p join {dsrc} d using (location_id)
        where p.weeks_since_go_live >= 0
        group by grouping sets ((d.wave), ())
        """,
        params + dparams,
    )


# Outcome -> the panel count a rate effect is measured over (its denominator for the small-number rule).
EFFECT_DENOMINATOR = {
    "no_show_rate": "scheduled_appointments",
    "same_day_cancellation_rate": "scheduled_appointments",
    "patient_response_rate": "outreach_attempts",
}


def board_effects() -> pd.DataFrame:
    """Overall and per-wave DiD effects with 95% intervals; effects over < 11 post appointments suppressed.

    Columns: outcome, scope ('overall' | 'wave N'), status, reason, estimate, ci_low, ci_high, denominator.
    """
    _require_not_regional()
    frames = []
    if has_mart("roi_effects_overall"):
        overall = read_mart_if("roi_effects_overall", ["outcome", "status", "reason", "estimate", "ci_low", "ci_high"])
        overall.insert(1, "scope", "overall")
        frames.append(overall)
    if has_mart("roi_effects_by_wave"):
        frames.append(
            read_mart_if("roi_effects_by_wave", ["outcome", "wave", "status", "reason", "estimate", "ci_low", "ci_high"])
            .rename(columns={"wave": "scope"})
        )
    if not frames:
        raise MartMissingError("roi_effects_overall")
    df = pd.concat(frames, ignore_index=True)
    dens = _post_denominators().set_index("scope")
    df["denominator"] = [
        dens[EFFECT_DENOMINATOR[o]].get(s) if o in EFFECT_DENOMINATOR and s in dens.index else pd.NA
        for o, s in zip(df["outcome"], df["scope"])
    ]
    # recall conversion is by month with its own denominator (recall due instances), not in the weekly panel:
    # without it the effect stays hidden (fail closed) on board views.
    rates = {c: "denominator" for c in ("estimate", "ci_low", "ci_high")}
    return privacy.suppress(df, counts=["denominator"], rates=rates)


def board_event_study(outcome: str = "no_show_rate") -> pd.DataFrame:
    """Event-study effects by weeks since go-live with 95% band; points over < 11 appointments suppressed."""
    _require_not_regional()
    if not has_mart("roi_event_study", ["outcome", "event_time", "estimate", "ci_low", "ci_high"]):
        raise MartMissingError("roi_event_study")
    es = read_mart("roi_event_study", ["event_time", "status", "estimate", "ci_low", "ci_high"],
                   equals={"outcome": outcome}, order_by=["event_time"])
    den_col = EFFECT_DENOMINATOR.get(outcome)
    if den_col and has_mart(PANEL, ["weeks_since_go_live", den_col]):
        src, params = _source(PANEL)
        dens = _run(
            f"select weeks_since_go_live as event_time, sum({_quote(den_col)}) as denominator "
            f"from {src} t where go_live_date is not null group by all",
            params,
        )
        es = es.merge(dens, on="event_time", how="left")
    else:
        es["denominator"] = pd.NA
    return privacy.suppress(es, counts=["denominator"],
                            rates={c: "denominator" for c in ("estimate", "ci_low", "ci_high")})


# Money metrics whose value is a count (small-number rule) and the dollar figures derived from each: a dollar
# figure computed from a suppressed count would give the count back (value / assumption), so it goes too.
MONEY_COUNTS = ("recovered_visits", "recall_conversions_gained")
MONEY_DERIVED = {
    "recovered_visits": ("value_recovered_visits", "value_total", "net_value", "monthly_value", "roi", "payback_month"),
    "recall_conversions_gained": ("value_recall", "value_total", "net_value", "monthly_value", "roi", "payback_month"),
}


def board_money() -> pd.DataFrame:
    """DSO-total money (roi_money location 'ALL') with intervals and basis; small counts suppressed."""
    _require_not_regional()
    if not has_mart("roi_money", ["location_id", "metric", "estimate"]):
        raise MartMissingError("roi_money")
    df = read_mart_if("roi_money", ["metric", "unit", "status", "reason", "estimate", "ci_low", "ci_high", "basis"],
                      equals={"location_id": "ALL"})
    return suppress_money(df)


def suppress_money(df: pd.DataFrame, by: str | None = None) -> pd.DataFrame:
    """Suppress count metrics with 1..10 (any of estimate / bounds) and the dollar figures derived from them.

    With `by` (e.g. 'wave') the rule applies within each group: a small count of one wave hides that wave's
    dollar figures only.
    """
    out = df.copy()
    out.attrs = {}
    groups = out[by] if by else pd.Series(0, index=out.index)
    values = out[["estimate", "ci_low", "ci_high"]].apply(pd.to_numeric, errors="coerce")
    rounded = values.round(0).abs()
    small = ((rounded >= 1) & (rounded <= privacy.SMALL_COUNT_MAX)).any(axis=1)
    hide_rows = pd.Series(False, index=out.index)
    for metric in MONEY_COUNTS:
        small_groups = groups[(out["metric"] == metric) & small].unique().tolist()
        hide_rows |= groups.isin(small_groups) & out["metric"].isin((metric, *MONEY_DERIVED[metric]))
    for col in ("estimate", "ci_low", "ci_high"):
        privacy.hide(out, hide_rows & values[col].notna(), [col])
    return out


MONEY_BY_WAVE = "roi_money_by_wave"  # written by orchestration/roi/pipeline.py (docs/roi.md "Per wave")
# The per-wave figures the board table shows, each as <metric>, <metric>_low, <metric>_high.
WAVE_MONEY_METRICS = ("recovered_visits", "value_total", "cost", "net_value", "roi")


def _effect_used(basis: pd.Series) -> pd.Series:
    """The effect a wave's figures rest on, from the recovered_visits basis ("-wave 1 effect on no_show_rate x
    ...; sum over 2 locations of wave 1" -> "wave 1 effect"). Only the text before ';' is kept: the rest carries
    location counts, which board views suppress."""
    head = basis.fillna("").astype(str).str.split(";").str[0].str.strip().str.lstrip("-")
    return head.str.replace(r"\s+on no_show_rate\b.*$", "", regex=True).str.strip()


def _wave_order(wave: pd.Series) -> pd.Series:
    """Sort key: 'wave 2' before 'wave 10'; labels without a number last."""
    return pd.to_numeric(wave.astype(str).str.extract(r"(\d+)")[0], errors="coerce").fillna(float("inf"))


def board_money_by_wave() -> pd.DataFrame:
    """Money per wave with 95% intervals (roi_money_by_wave: each wave's own effect draws); small counts hidden.

    One row per wave: wave, n_locations, status, reason, effect (what the wave's figures rest on: its own
    effect, or "overall effect (wave N effect not estimable)"), uses_overall_effect, and per metric of
    WAVE_MONEY_METRICS the columns <metric>, <metric>_low, <metric>_high. A wave's recovered visits of 1..10
    (estimate or bound) hide its value, net value and ROI too; n_locations 1..10 is hidden (every count, board
    rule). Raises MartMissingError on a snapshot published before the mart existed.
    """
    _require_not_regional()
    if not has_mart(MONEY_BY_WAVE, ["wave", "metric", "status", "estimate", "ci_low", "ci_high"]):
        raise MartMissingError(MONEY_BY_WAVE)
    long = read_mart_if(MONEY_BY_WAVE, ["wave", "metric", "status", "reason", "estimate", "ci_low", "ci_high",
                                        "basis", "n_locations"])
    for col in ("reason", "basis", "n_locations"):  # optional columns: absent ones stay empty
        if col not in long.columns:
            long[col] = pd.NA
    long["wave"] = long["wave"].astype(str)
    shown = suppress_money(long, by="wave")
    hidden = shown.attrs["hidden"]
    for col in ("estimate", "ci_low", "ci_high"):
        shown[f"_hidden_{col}"] = hidden.get(col, [False] * len(shown))

    waves = long.groupby("wave", sort=False).agg(
        n_locations=("n_locations", "max"), status=("status", "first"), reason=("reason", "first"))
    # Status, reason and effect of the wave come from its recovered_visits row (payback has its own reason).
    rv = long[long["metric"] == "recovered_visits"].drop_duplicates("wave").set_index("wave")
    waves.loc[rv.index, ["status", "reason"]] = rv[["status", "reason"]].to_numpy()
    waves["effect"] = ""
    waves.loc[rv.index, "effect"] = _effect_used(rv["basis"]).to_numpy()
    # A not-estimable wave rests on no effect at all: the reason says why, the effect column stays empty.
    waves.loc[waves["status"] != "estimated", "effect"] = ""
    waves["uses_overall_effect"] = waves["effect"].str.startswith("overall effect")
    wide = waves.reset_index()
    wide = wide.sort_values("wave", key=_wave_order, kind="stable").reset_index(drop=True)

    hidden_wide: dict[str, list[bool]] = {}
    rows = shown[shown["metric"].isin(WAVE_MONEY_METRICS)]
    for metric in WAVE_MONEY_METRICS:  # five metrics: one vectorised merge each
        part = rows[rows["metric"] == metric].drop_duplicates("wave").set_index("wave")
        for src, suffix in (("estimate", ""), ("ci_low", "_low"), ("ci_high", "_high")):
            col = metric + suffix
            wide[col] = wide["wave"].map(pd.to_numeric(part[src], errors="coerce")).astype("Float64")
            hidden_wide[col] = wide["wave"].map(part[f"_hidden_{src}"]).fillna(False).astype(bool).tolist()
    wide.attrs = {"hidden": hidden_wide}
    return privacy.suppress(wide, counts=["n_locations"])


def board_rollout() -> pd.DataFrame:
    """Rollout progress per wave: share of the DSO's locations, live share, dates and the go/no-go decision.

    Location counts are counts too (board rule): shown only when 0 or >= 11; shares are over all locations.
    """
    _require_not_regional()
    if not has_mart("dim_locations", ["location_id", "wave", "go_live_date"]):
        raise MartMissingError("dim_locations")
    as_of = as_of_date() or date.today()
    src, params = _source("dim_locations")
    df = _run(
        f"""
        with l as (select * from {src} t),
        total as (select count(*) as n_all from l)
        select coalesce('wave ' || cast(wave as varchar), 'not planned') as wave,
               count(*) as locations,
               count(*) filter (where go_live_date <= ?) as live_locations,
               min(go_live_date) as first_go_live, max(go_live_date) as last_go_live,
               any_value(n_all) as all_locations
        from l, total group by all order by wave
        """,
        params + (as_of,),
    )
    # A DSO-wide row: the progress the board asks about first (live share over every location).
    total = pd.DataFrame([{
        "wave": "all waves", "locations": df["locations"].sum(), "live_locations": df["live_locations"].sum(),
        "first_go_live": df["first_go_live"].min(), "last_go_live": df["last_go_live"].max(),
        "all_locations": df["all_locations"].max() if len(df) else 0,
    }])
    df = pd.concat([df, total], ignore_index=True)
    df["share_of_locations"] = df["locations"] / df["all_locations"]
    df["share_live"] = df["live_locations"] / df["locations"]
    if has_mart("rpt_go_live_decision", ["wave", "decision"]):
        dec = read_mart("rpt_go_live_decision", ["wave", "decision"])
        dec["wave"] = "wave " + dec["wave"].astype(str)
        df = df.merge(dec, on="wave", how="left")
    else:
        df["decision"] = pd.NA
    return privacy.suppress(
        df,
        counts=["locations", "live_locations", "all_locations"],
        rates={"share_of_locations": "all_locations", "share_live": "locations"},
    )


# --- operations / regional helpers -------------------------------------------------------------------------

ROLLBACK_FLAGS = {"sync_trigger": "sync", "incident_trigger": "incident", "downtime_trigger": "downtime"}


def rollback_trigger_counts() -> pd.DataFrame:
    """Locations with each rollback trigger per monitored day (viewer's locations), counted in DuckDB.

    Columns: monitor_date, trigger ('sync' | 'incident' | 'downtime'), locations. Only (day, trigger) pairs
    with at least one location; the per-location-day mart (~240k rows at 1,500 locations) never reaches pandas.
    """
    name = "rpt_rollback_monitor"
    if not has_mart(name, ["monitor_date"]):
        raise MartMissingError(name)
    present = [c for c in ROLLBACK_FLAGS if c in mart_columns(name)]
    if not present:
        return pd.DataFrame({"monitor_date": [], "trigger": [], "locations": []})
    src, params = _source(name)
    counts = ", ".join(f"count(*) filter (where {_quote(c)}) as {_quote(ROLLBACK_FLAGS[c])}" for c in present)
    names = ", ".join(_quote(ROLLBACK_FLAGS[c]) for c in present)
    return _run(
        f"""
        with per_day as (select monitor_date, {counts} from {src} t group by monitor_date),
        long as (unpivot per_day on {names} into name "trigger" value locations)
        select monitor_date, "trigger", locations from long where locations > 0 order by monitor_date, "trigger"
        """,
        params,
    )


DQ_HISTORY = "rpt_dq_location_score_history"


def dq_score_trend() -> pd.DataFrame:
    """Score distribution of the viewer's locations per data-quality run, computed in DuckDB.

    One row per run: run_at, as_of_date, locations, flagged, median_score, p10_score (10th percentile),
    min_score. For many locations this is the readable trend; one line per location is not.
    """
    if not has_mart(DQ_HISTORY, ["run_at", "location_id", "score"]):
        raise MartMissingError(DQ_HISTORY)
    cols = set(mart_columns(DQ_HISTORY))
    src, params = _source(DQ_HISTORY)
    as_of = "max(as_of_date)" if "as_of_date" in cols else "cast(null as date)"
    flagged = "count(*) filter (where is_flagged)" if "is_flagged" in cols else "cast(null as bigint)"
    return _run(
        f"""
        select run_at, {as_of} as as_of_date, count(distinct location_id) as locations, {flagged} as flagged,
               median(score) as median_score, quantile_cont(score, 0.1) as p10_score, min(score) as min_score
        from {src} t where score is not null
        group by run_at order by run_at
        """,
        params,
    )

def location_freshness() -> pd.DataFrame:
    """Per visible location: its PMS source's latest loaded extract, days behind the as-of date, stale flag."""
    need_dim = ["location_id", "source_id"]
    if not has_mart("dim_locations", need_dim) or not has_mart(
        "rpt_dq_file_reconciliation", ["source_id", "extract_date", "status"]
    ):
        raise MartMissingError("rpt_dq_file_reconciliation")
    dsrc, dparams = _source("dim_locations")
    fsrc, fparams = _source("rpt_dq_file_reconciliation")
    as_of = as_of_date()
    return _run(
        f"""
        with latest as (
            select source_id, max(extract_date) as latest_extract_date,
                   count(*) filter (where status <> 'loaded') as files_in_error
            from {fsrc} f group by source_id
        )
        select d.location_id, d.source_id, latest.latest_extract_date,
               date_diff('day', latest.latest_extract_date, coalesce(?::date, current_date)) as days_behind_as_of,
               -- metrics.md section 5: a latest extract older than 2 days (or none at all) is stale
               coalesce(date_diff('day', latest.latest_extract_date, coalesce(?::date, current_date)) > 2, true)
                   as is_stale,
               coalesce(latest.files_in_error, 0) as files_in_error
        from {dsrc} d left join latest using (source_id)
        order by d.location_id
        """,
        fparams + (as_of, as_of) + dparams,
    )
