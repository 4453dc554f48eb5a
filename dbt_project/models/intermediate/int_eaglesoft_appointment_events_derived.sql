{{ config(
    materialized='incremental',
    incremental_strategy='append',
    pre_hook="{{ delete_changed_appointments('logged') }}",
    post_hook="{{ record_load_watermark() }}",
) }}
-- Incremental by load (macros/incremental_by_load.sql): a daily refresh recomputes only the appointments
-- int_appointment_changes_logged recorded since this model's last run, from all of their versions.
-- depends_on: {{ ref('int_appointment_changes_logged') }}
-- Eaglesoft appointment events (extracts.md §3.0, §3.2): one row per event (appointment, slot_start, event_type,
-- event_at). The appt_log is the primary record; extract differences fill in what it does not say.
--   booked       date_appointed (latest version that has it), else the A row's log_time; first slot
--   moved        R row at log_time, slot = original_start_time (log); a start change between two extracted
--                slot-bearing versions without an R row for the old slot: at the later extract_date (extract_diff)
--   missed / cancelled / deleted   F / C / D row at log_time, slot = original_start_time (log)
--   with no F/C/D row for the slot: absence from a full extract or classification 16/32/64 -> deleted,
--                classification 4 -> unscheduled, at that extract_date (extract_diff), slot = last known start
--   completed    the current appointment version walked out (arrival_status 4), slot = its start
with versions as not materialized (

    select * from {{ ref('int_eaglesoft_appointment_versions_sequenced') }} where {{ only_logged_changed_appointments() }}

),

booking as (

    select
        source_id,
        appointment_id,
        max_by(date_appointed, version_seq) filter (where date_appointed is not null) as date_appointed,
        min(version_at) filter (where log_action = 'added') as added_logged_at,
        min_by(start_at, version_seq) filter (where is_slot_bearing) as first_slot_start
    from versions
    group by source_id, appointment_id

),

booked as (

    select
        source_id,
        appointment_id,
        first_slot_start as slot_start,
        'booked' as event_type,
        coalesce(date_appointed, added_logged_at) as event_at,
        case when date_appointed is not null then 'version' else 'log' end as time_source
    from booking
    where coalesce(date_appointed, added_logged_at) is not null

),

logged as (

    select source_id, appointment_id, coalesce(start_at, previous_slot_start) as slot_start,
        log_action as event_type, version_at as event_at, 'log' as time_source
    from versions
    where log_action in ('moved', 'missed', 'cancelled', 'deleted')

),

extracted as (

    -- the extracted appointment versions alone, with the previous extracted version's state; the columns its
    -- readers use: read twice, so DuckDB copies it (docs/dbt.md)
    select
        source_id, appointment_id, version_at, status, is_slot_bearing, start_at, is_deleted_version,
        previous_slot_start,
        lag(case when is_slot_bearing then start_at end) over by_extract as previous_extract_slot_start,
        coalesce(lag(is_slot_bearing) over by_extract, false) as previous_extract_is_slot_bearing,
        coalesce(lag(is_deleted_version or status = 'removed') over by_extract, false) as previous_extract_is_gone
    from versions
    where table_name = 'appointment'
    window by_extract as (partition by source_id, appointment_id order by version_seq)

),

moved_between_extracts as (

    select source_id, appointment_id, previous_extract_slot_start as slot_start, 'moved' as event_type,
        version_at as event_at, 'extract_diff' as time_source
    from extracted
    where is_slot_bearing and previous_extract_slot_start is not null and start_at <> previous_extract_slot_start

),

gone_between_extracts as (

    select source_id, appointment_id, previous_slot_start as slot_start,
        case when status = 'unscheduled' then 'unscheduled' else 'deleted' end as event_type,
        version_at as event_at, 'extract_diff' as time_source
    from extracted
    where ((is_deleted_version or status = 'removed') and not previous_extract_is_gone)
        or (status = 'unscheduled' and previous_extract_is_slot_bearing)

),

logged_moves as (

    select distinct source_id, appointment_id, slot_start from logged where event_type = 'moved'

),

logged_breaks as (

    select distinct source_id, appointment_id, slot_start from logged where event_type <> 'moved'

),

completed as (

    select source_id, appointment_id, start_at as slot_start, 'completed' as event_type,
        version_at as event_at, time_source
    from versions
    where is_current_version and status = 'completed' and is_slot_bearing

),

unioned as (

    select * from booked
    union all
    select * from logged
    union all
    select * from moved_between_extracts as m
    where not exists (
        select 1 from logged_moves as l
        where l.source_id = m.source_id and l.appointment_id = m.appointment_id and l.slot_start = m.slot_start
    )
    union all
    select * from gone_between_extracts as g
    where not exists (
        select 1 from logged_breaks as l
        where l.source_id = g.source_id and l.appointment_id = g.appointment_id and l.slot_start = g.slot_start
    )
    union all
    select * from completed

),

final as (

    select 'eaglesoft' as vendor, *, {{ current_load_seq() }} as _load_seq from unioned where slot_start is not null

)

select * from final
