-- The floor of issue 8: per-location BASELINE no-show rate and same-day cancellation rate computed straight from
-- the raw extract files of a drop, in one DuckDB SQL script, as a competent engineer would write it by hand to get
-- just those two numbers. It must give the same numbers as marts.rpt_location_baselines (docs/metrics.md §1-§2,
-- dbt_project/models/intermediate/int_*_appointment_* and int_appointment_slots*); tests/bench/test_floor.py holds it.
--
-- Run it from the drop folder (every path below is relative to it), e.g. `cd DROP && duckdb < floor.sql`, or with
-- bench/floor.py (sets DuckDB's file_search_path to the drop). Optional: `SET VARIABLE as_of_date = DATE '...'`
-- before it; default = the latest extract date of the PMS appointment files (the pipeline's default, extracts.md
-- §8; in generated drops every folder ends on the same date).
--
-- Deliberately NOT handled (the generated bench drops are clean; the pipeline does all of these):
--   * quarantine and bad rows: no type validation, no unparseable values, no field-count errors, no
--     unmapped-location quarantine (unmapped rows simply drop out of the inner joins, as they do in the pipeline);
--   * mapping.yml (column renames, code overrides, location_for_blank_key), windows-1252 manifests, Open Dental
--     `0001-01-01` sentinels;
--   * synthetic deleted versions from `"mode": "full"` extracts: generated drops have a single full extract, the
--     first, so no key can be absent from it (and no Open Dental action-4 row inherits a location);
--   * the Eaglesoft fallback to the patient's practice_id for rows not on a chair (every generated row is on one);
--   * deduplication of log rows sent twice and the file-line tie-break: a duplicated history row yields the same
--     events at the same time, so the earliest closing event per slot does not change (tests/bench/test_floor.py
--     compares every location with the pipeline, which does deduplicate).
-- Everything else follows the pipeline's rules: versions in order (version time, history before the current table,
-- extract date), canonical statuses, slot-bearing versions, moved/missed/cancelled/broken/unscheduled/deleted/
-- completed events, the earliest closing event per slot (ties missed > cancelled > broken > deleted > unscheduled >
-- moved), completed wins, notice <= 0 no_call_no_show, <= 24 h late_cancel, and the baseline window [B - 90 d, B)
-- with B = go-live date when live (go-live <= as-of date), else the as-of date.

-- Per-vendor file lists: several vendors name a table appointment.csv, so the globs are per PMS source folder.
-- Every read_csv declares the table's columns (contract order, as the generator writes them) with auto_detect off:
-- sniffing each of thousands of small files costs more than reading them. Unused columns stay VARCHAR (not parsed).
-- This assumes every file of a table has that header (a different column count fails loudly); the pipeline instead
-- matches headers by name.
SET VARIABLE od_sources = (select list(distinct source_id) from read_csv('locations.csv', all_varchar = true) where pms = 'opendental');
SET VARIABLE es_sources = (select list(distinct source_id) from read_csv('locations.csv', all_varchar = true) where pms = 'eaglesoft');
SET VARIABLE dx_sources = (select list(distinct source_id) from read_csv('locations.csv', all_varchar = true) where pms = 'dentrix');
SET VARIABLE od_appointment = list_transform(getvariable('od_sources'), lambda s: 'pms/' || s || '/*/appointment.csv');
SET VARIABLE od_hist = list_transform(getvariable('od_sources'), lambda s: 'pms/' || s || '/*/histappointment.csv');
SET VARIABLE es_appointment = list_transform(getvariable('es_sources'), lambda s: 'pms/' || s || '/*/appointment.csv');
SET VARIABLE es_log = list_transform(getvariable('es_sources'), lambda s: 'pms/' || s || '/*/appt_log.csv');
SET VARIABLE es_chairs = list_transform(getvariable('es_sources'), lambda s: 'pms/' || s || '/*/chairs.csv');
SET VARIABLE dx_appt = list_transform(getvariable('dx_sources'), lambda s: 'pms/' || s || '/*/v_appt.csv');
SET VARIABLE dx_hist = list_transform(getvariable('dx_sources'), lambda s: 'pms/' || s || '/*/appthist.csv');
SET VARIABLE dx_codes = list_transform(getvariable('dx_sources'), lambda s: 'pms/' || s || '/*/v_appt_status_codes.csv');

-- <drop>/pms/<source_id>/<extract_date>/<table>.csv: the source and the extract date come from the path.
CREATE OR REPLACE TEMP MACRO path_source(f) AS string_split(f, '/')[-3];
CREATE OR REPLACE TEMP MACRO path_date(f) AS cast(string_split(f, '/')[-2] AS date);

with locations as (

    select location_id, pms, source_id, trim(coalesce(source_location_key, '')) as location_key,
        cast(go_live_date as date) as go_live_date
    from read_csv('locations.csv', all_varchar = true)

),

-- (source_id, key) -> location: a blank key = the whole database ('*'); Dentrix keys are ';'-separated operatories
location_keys as (

    select source_id, '*' as location_key, location_id from locations where location_key = ''
    union all
    select source_id, trim(unnest(string_split(location_key, ';'))), location_id from locations where location_key <> ''

),

-- ---------------------------------------------------------------- Open Dental (extracts.md §3.1)
od_rows as (

    select path_source(filename) as source_id, AptNum as appointment_id, 0 as kind_order, path_date(filename) as extract_date,
        HistDateTStamp as version_at, HistApptAction as action, AptStatus as aptstatus, AptDateTime as start_at,
        trim(ClinicNum) as row_key
    from read_csv(getvariable('od_hist'), header = true, filename = true, auto_detect = false,
        columns = {'HistApptNum': 'VARCHAR', 'HistDateTStamp': 'TIMESTAMP', 'HistApptAction': 'INTEGER', 'AptNum': 'VARCHAR',
                   'PatNum': 'VARCHAR', 'AptStatus': 'INTEGER', 'AptDateTime': 'TIMESTAMP', 'ClinicNum': 'VARCHAR',
                   'Pattern': 'VARCHAR'})
    union all
    select path_source(filename), AptNum, 1, path_date(filename),
        coalesce(DateTStamp, cast(path_date(filename) as timestamp)), null, AptStatus, AptDateTime, trim(ClinicNum)
    from read_csv(getvariable('od_appointment'), header = true, filename = true, auto_detect = false,
        columns = {'AptNum': 'VARCHAR', 'PatNum': 'VARCHAR', 'AptStatus': 'INTEGER', 'AptDateTime': 'TIMESTAMP',
                   'Pattern': 'VARCHAR', 'ClinicNum': 'VARCHAR', 'DateTStamp': 'TIMESTAMP', 'SecDateTEntry': 'VARCHAR',
                   'Confirmed': 'VARCHAR'})

),

od_versions as (

    select r.*, coalesce(w.location_id, k.location_id) as location_id,
        case when aptstatus in (1, 4) then 'scheduled' when aptstatus = 2 then 'completed'
             when aptstatus = 3 then 'unscheduled' when aptstatus = 5 then 'broken'
             when aptstatus is null then null else 'other' end as status
    from od_rows as r
    left join location_keys as w on w.source_id = r.source_id and w.location_key = '*'
    left join location_keys as k on k.source_id = r.source_id and k.location_key = r.row_key
    where coalesce(w.location_id, k.location_id) is not null

),

od_flagged as (

    select *, coalesce(action, -1) <> 4 and status in ('scheduled', 'completed', 'broken') and start_at is not null
        as is_slot_bearing
    from od_versions

),

od_seq as materialized (

    select *,
        row_number() over v as version_seq,
        lag(status) over v as previous_status,
        coalesce(lag(is_slot_bearing) over v, false) as previous_is_slot_bearing,
        last_value(case when is_slot_bearing then start_at end ignore nulls)
            over (v rows between unbounded preceding and 1 preceding) as previous_slot_start,
        -- the current version = the latest version of the appointment table
        kind_order = 1 and coalesce(sum(kind_order) over (v rows between 1 following and unbounded following), 0) = 0
            as is_current
    from od_flagged
    window v as (partition by source_id, appointment_id order by version_at, kind_order, extract_date)

),

-- closing events (precedence 1 missed, 2 cancelled, 3 broken, 4 deleted, 5 unscheduled, 6 moved) and completions (0)
od_events as (

    select source_id, appointment_id, start_at as slot_start, version_at as event_at, 0 as precedence
    from od_seq where is_current and status = 'completed' and is_slot_bearing
    union all
    -- missed (action 2) / cancelled (action 3): slot = the row's AptDateTime, else the last known start
    select source_id, appointment_id, coalesce(start_at, previous_slot_start), version_at, action - 1
    from od_seq where action in (2, 3)
    union all
    -- broken: AptStatus 5 after a version without it, other than an action 2/3 row
    select source_id, appointment_id, coalesce(case when is_slot_bearing then start_at end, previous_slot_start), version_at, 3
    from od_seq where status = 'broken' and previous_status is distinct from 'broken' and coalesce(action, -1) not in (2, 3)
    union all
    select source_id, appointment_id, coalesce(previous_slot_start, start_at), version_at, 4
    from od_seq where action = 4
    union all
    -- sent to the Unscheduled List right after a slot-bearing version
    select source_id, appointment_id, previous_slot_start, version_at, 5
    from od_seq where status = 'unscheduled' and previous_is_slot_bearing
    union all
    -- moved: a slot-bearing version with another start than the last known one
    select source_id, appointment_id, previous_slot_start, version_at, 6
    from od_seq where is_slot_bearing and previous_slot_start is not null and start_at <> previous_slot_start

),

-- ---------------------------------------------------------------- Eaglesoft (extracts.md §3.2)
es_chair_practice as (

    -- the current chairs row per chair (latest extract)
    select path_source(filename) as source_id, trim(chair_num) as chair_num,
        arg_max(trim(practice_id), path_date(filename)) as practice_id
    from read_csv(getvariable('es_chairs'), header = true, filename = true, auto_detect = false,
        columns = {'chair_num': 'VARCHAR', 'practice_id': 'VARCHAR'})
    group by all

),

es_rows as (

    select path_source(filename) as source_id, appointment_id, 1 as kind_order, path_date(filename) as extract_date,
        cast(path_date(filename) as timestamp) as version_at, null as action, start_time as start_at,
        location_id as chair_id,
        case classification
            when 1 then case when arrival_status = 4 then 'completed' else 'scheduled' end
            when 4 then 'unscheduled' when 16 then 'removed' when 32 then 'removed' when 64 then 'removed'
            else 'other' end as status
    from read_csv(getvariable('es_appointment'), header = true, filename = true, auto_detect = false,
        columns = {'appointment_id': 'VARCHAR', 'patient_id': 'VARCHAR', 'start_time': 'TIMESTAMP', 'end_time': 'VARCHAR',
                   'location_id': 'INTEGER', 'classification': 'INTEGER', 'date_appointed': 'VARCHAR',
                   'arrival_status': 'INTEGER', 'recall_id': 'VARCHAR', 'confirmation_status': 'VARCHAR',
                   'dollars_scheduled': 'VARCHAR'})
    union all
    select path_source(filename), appt_id, 0, path_date(filename), log_time,
        case trim(appt_log_action) when 'A' then 'added' when 'R' then 'moved' when 'F' then 'missed'
            when 'C' then 'cancelled' when 'D' then 'deleted' else 'other' end,
        original_start_time, location_id, null
    from read_csv(getvariable('es_log'), header = true, filename = true, auto_detect = false,
        columns = {'appt_id': 'VARCHAR', 'patient_id': 'VARCHAR', 'appt_log_action': 'VARCHAR', 'log_time': 'TIMESTAMP',
                   'original_start_time': 'TIMESTAMP', 'user_id': 'VARCHAR', 'location_id': 'INTEGER'})

),

es_versions as (

    -- location: chair -> chairs.practice_id -> locations.csv key (whole-database sources: every row)
    select r.*, coalesce(w.location_id, k.location_id) as location_id,
        case when kind_order = 1 then status in ('scheduled', 'completed') and coalesce(chair_id, -1) > 0 and start_at is not null
             else action in ('added', 'moved', 'missed', 'cancelled', 'deleted') and start_at is not null
        end as is_slot_bearing
    from es_rows as r
    left join es_chair_practice as c on c.source_id = r.source_id and r.chair_id > 0 and c.chair_num = cast(r.chair_id as varchar)
    left join location_keys as w on w.source_id = r.source_id and w.location_key = '*'
    left join location_keys as k on k.source_id = r.source_id and k.location_key = c.practice_id
    where coalesce(w.location_id, k.location_id) is not null

),

es_seq as materialized (

    select *,
        row_number() over v as version_seq,
        last_value(case when is_slot_bearing then start_at end ignore nulls)
            over (v rows between unbounded preceding and 1 preceding) as previous_slot_start,
        kind_order = 1 and coalesce(sum(kind_order) over (v rows between 1 following and unbounded following), 0) = 0
            as is_current,
        -- the previous extracted (appointment-table) version's state: extract differences
        lag(case when is_slot_bearing then start_at end) over e as previous_extract_slot_start,
        coalesce(lag(is_slot_bearing) over e, false) as previous_extract_is_slot_bearing,
        coalesce(lag(status = 'removed') over e, false) as previous_extract_is_gone
    from es_versions
    window v as (partition by source_id, appointment_id order by version_at, kind_order, extract_date),
        e as (partition by source_id, appointment_id, kind_order order by version_at, extract_date)

),

es_logged as (

    select source_id, appointment_id, coalesce(start_at, previous_slot_start) as slot_start, version_at as event_at,
        case action when 'missed' then 1 when 'cancelled' then 2 when 'deleted' then 4 else 6 end as precedence
    from es_seq
    where action in ('moved', 'missed', 'cancelled', 'deleted')

),

es_events as (

    select * from es_logged
    union all
    -- a start change between two extracts without an R row for the old slot
    select source_id, appointment_id, previous_extract_slot_start, version_at, 6
    from es_seq as m
    where kind_order = 1 and is_slot_bearing and previous_extract_slot_start is not null
        and start_at <> previous_extract_slot_start
        and not exists (select 1 from es_logged as l where l.precedence = 6 and l.source_id = m.source_id
            and l.appointment_id = m.appointment_id and l.slot_start = m.previous_extract_slot_start)
    union all
    -- removed from the schedule (16/32/64 -> deleted) or sent to the unscheduled list, without an F/C/D row
    select source_id, appointment_id, previous_slot_start, version_at, case when status = 'unscheduled' then 5 else 4 end
    from es_seq as g
    where kind_order = 1
        and ((status = 'removed' and not previous_extract_is_gone) or (status = 'unscheduled' and previous_extract_is_slot_bearing))
        and not exists (select 1 from es_logged as l where l.precedence <> 6 and l.source_id = g.source_id
            and l.appointment_id = g.appointment_id and l.slot_start = g.previous_slot_start)
    union all
    select source_id, appointment_id, start_at, version_at, 0
    from es_seq
    where is_current and status = 'completed' and is_slot_bearing

),

-- ---------------------------------------------------------------- Dentrix (extracts.md §3.3)
dx_listed_codes as (

    select distinct path_source(filename) as source_id, trim(defid) as code
    from read_csv(getvariable('dx_codes'), header = true, filename = true, auto_detect = false,
        columns = {'defid': 'VARCHAR', 'descript': 'VARCHAR'})

),

dx_rows as (

    select path_source(filename) as source_id, appointment_id, 1 as kind_order, path_date(filename) as extract_date,
        coalesce(modified_time_stamp, cast(path_date(filename) as timestamp)) as version_at,
        appointment_date + to_hours(start_hour) + to_minutes(start_minute) as start_at,
        trim(status_id) as status_code, broken <> 0 as is_broken, false as is_deleted, trim(operatory_id) as operatory_id
    from read_csv(getvariable('dx_appt'), header = true, filename = true, auto_detect = false,
        columns = {'appointment_id': 'VARCHAR', 'patient_id': 'VARCHAR', 'appointment_date': 'DATE', 'start_hour': 'INTEGER',
                   'start_minute': 'INTEGER', 'status_id': 'VARCHAR', 'operatory_id': 'VARCHAR', 'broken': 'INTEGER',
                   'modified_time_stamp': 'TIMESTAMP', 'length': 'VARCHAR', 'amount': 'VARCHAR'})
    union all
    select path_source(filename), parentapptid, 0, path_date(filename),
        modifieddate + coalesce(modifiedtime, time '00:00:00'),
        apptdate + to_hours(timehr) + to_minutes(timemin),
        trim(status), broken = 1, coalesce(deletedflag = 1, false), trim(opid)
    from read_csv(getvariable('dx_hist'), header = true, filename = true, auto_detect = false,
        columns = {'parentapptid': 'VARCHAR', 'deletedflag': 'INTEGER', 'createflag': 'VARCHAR', 'createddate': 'VARCHAR',
                   'modifieddate': 'DATE', 'modifiedtime': 'TIME', 'apptdate': 'DATE', 'timehr': 'INTEGER',
                   'timemin': 'INTEGER', 'status': 'VARCHAR', 'patid': 'VARCHAR', 'broken': 'INTEGER', 'opid': 'VARCHAR'})

),

dx_versions as (

    -- whole-database sources: every row; shared ones: the operatory (appthist rows without opid: not resolved here)
    select r.*, coalesce(w.location_id, k.location_id) as location_id,
        case when r.status_code is null then null
             when r.status_code = '-106' then 'completed'
             when r.status_code = '0' or c.code is not null then 'scheduled'
             else 'unknown' end as status
    from dx_rows as r
    left join dx_listed_codes as c on c.source_id = r.source_id and c.code = r.status_code
    left join location_keys as w on w.source_id = r.source_id and w.location_key = '*'
    left join location_keys as k on k.source_id = r.source_id and k.location_key = r.operatory_id
    where coalesce(w.location_id, k.location_id) is not null

),

dx_seq as materialized (

    select *,
        row_number() over v as version_seq,
        coalesce(lag(is_deleted) over v, false) as previous_is_deleted,
        last_value(case when is_slot_bearing then start_at end ignore nulls)
            over (v rows between unbounded preceding and 1 preceding) as previous_slot_start,
        kind_order = 1 and coalesce(sum(kind_order) over (v rows between 1 following and unbounded following), 0) = 0
            as is_current,
        -- the appthist broken flag, compared with the previous history row that has one
        case when kind_order = 0 and is_broken is not null
            then lag(is_broken) over (partition by source_id, appointment_id, kind_order, is_broken is not null
                                      order by version_at, extract_date) end as previous_history_broken
    from (select *, not is_deleted and start_at is not null and status is not null and status <> 'unknown' as is_slot_bearing
          from dx_versions)
    window v as (partition by source_id, appointment_id order by version_at, kind_order, extract_date)

),

dx_broken_logged as (

    select source_id, appointment_id, coalesce(case when is_slot_bearing then start_at end, previous_slot_start) as slot_start,
        version_at as event_at, 3 as precedence
    from dx_seq
    where kind_order = 0 and is_broken and previous_history_broken is distinct from true

),

dx_events as (

    select * from dx_broken_logged
    union all
    -- no break in the history: the earliest v_appt version with broken <> 0
    select source_id, appointment_id, arg_min(coalesce(case when is_slot_bearing then start_at end, previous_slot_start), version_seq),
        arg_min(version_at, version_seq), 3
    from dx_seq as v
    where kind_order = 1 and is_broken
        and not exists (select 1 from dx_broken_logged as b where b.source_id = v.source_id and b.appointment_id = v.appointment_id)
    group by source_id, appointment_id
    union all
    select source_id, appointment_id, coalesce(previous_slot_start, start_at), version_at, 4
    from dx_seq
    where is_deleted and not previous_is_deleted
    union all
    select source_id, appointment_id, previous_slot_start, version_at, 6
    from dx_seq
    where is_slot_bearing and previous_slot_start is not null and start_at <> previous_slot_start
    union all
    select source_id, appointment_id, start_at, version_at, 0
    from dx_seq
    where is_current and kind_order = 1 and not coalesce(is_broken, false) and status = 'completed' and is_slot_bearing

),

-- ---------------------------------------------------------------- slots, outcomes, baselines (metrics.md §1-§2)
slots as (

    -- one slot per (appointment, start) held by a slot-bearing version; its location = the latest such version's
    select source_id, appointment_id, start_at as slot_start, arg_max(location_id, version_seq) as location_id
    from (
        select source_id, appointment_id, start_at, location_id, version_seq from od_seq where is_slot_bearing
        union all
        select source_id, appointment_id, start_at, location_id, version_seq from es_seq where is_slot_bearing
        union all
        select source_id, appointment_id, start_at, location_id, version_seq from dx_seq where is_slot_bearing
    )
    group by all

),

slot_events as (

    -- per slot: completed at all, and the time of the closing event = the earliest moved/break event
    select source_id, appointment_id, slot_start,
        bool_or(precedence = 0) as is_completed,
        -- (the precedence of ties decides only the event's type, not its time: the time is all the outcome needs)
        min(event_at) filter (where precedence > 0) as closing_event_at
    from (select * from od_events union all select * from es_events union all select * from dx_events)
    where slot_start is not null
    group by all

),

as_of as (

    select coalesce(getvariable('as_of_date'), max(extract_date)) as as_of_date
    from (select max(extract_date) as extract_date from od_rows
          union all select max(extract_date) from es_rows
          union all select max(extract_date) from dx_rows)

),

windows as (

    select l.location_id,
        case when l.go_live_date <= a.as_of_date then l.go_live_date else a.as_of_date end as baseline_as_of_date
    from locations as l cross join as_of as a

),

outcomes as (

    select s.location_id, s.slot_start,
        case
            when e.is_completed then 'completed'
            when e.closing_event_at is null then null
            when date_diff('second', e.closing_event_at, s.slot_start) <= 0 then 'no_call_no_show'
            when date_diff('second', e.closing_event_at, s.slot_start) <= 24 * 3600 then 'late_cancel'
            else 'advance_cancel'
        end as outcome
    from slots as s
    left join slot_events as e using (source_id, appointment_id, slot_start)

),

counted as (

    select w.location_id,
        count(o.outcome) filter (where o.outcome in ('completed', 'no_call_no_show', 'late_cancel')) as scheduled_appointments,
        count(o.outcome) filter (where o.outcome = 'no_call_no_show') as no_call_no_shows,
        count(o.outcome) filter (where o.outcome = 'late_cancel') as late_cancels
    from windows as w
    left join outcomes as o
        on o.location_id = w.location_id
        and o.slot_start >= cast(w.baseline_as_of_date - interval 90 day as date)
        and o.slot_start < w.baseline_as_of_date
    group by w.location_id

)

select location_id, scheduled_appointments, no_call_no_shows, late_cancels,
    (no_call_no_shows + late_cancels) / nullif(scheduled_appointments, 0) as no_show_rate,
    late_cancels / nullif(scheduled_appointments, 0) as same_day_cancellation_rate
from counted
order by location_id;
