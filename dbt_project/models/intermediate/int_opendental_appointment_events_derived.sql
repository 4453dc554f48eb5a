{{ config(
    materialized='incremental',
    incremental_strategy='append',
    pre_hook="{{ delete_changed_appointments('logged') }}",
    post_hook="{{ record_load_watermark() }}",
) }}
-- Incremental by load (macros/incremental_by_load.sql): a daily refresh recomputes only the appointments
-- int_appointment_changes_logged recorded since this model's last run, from all of their versions.
-- depends_on: {{ ref('int_appointment_changes_logged') }}
-- Open Dental appointment events (extracts.md §3.0, §3.1): one row per event (appointment, slot_start, event_type,
-- event_at), derived from the version stream. slot_start is the start of the slot the event belongs to.
--   booked       SecDateTEntry (latest version that has it), else the action-0 row's HistDateTStamp; first slot
--   moved        a slot-bearing version whose start differs from the last known start; at its version time
--   missed       histappointment action 2; cancelled: action 3 (slot = the row's AptDateTime)
--   broken       a version with AptStatus 5 after one without, other than an action 2/3 row
--   unscheduled  AptStatus 3 right after a slot-bearing version (slot = last known start)
--   deleted      action 4 (slot = last known start), or the synthetic version of absence from a full extract
--   completed    the current version is AptStatus 2 (slot = its start)
with versions as not materialized (

    select * from {{ ref('int_opendental_appointment_versions_sequenced') }} where {{ only_logged_changed_appointments() }}

),

booking as (

    select
        source_id,
        appointment_id,
        max_by(secdatetentry, version_seq) filter (where secdatetentry is not null) as secdatetentry,
        min(version_at) filter (where history_action = 0) as created_logged_at,
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
        coalesce(secdatetentry, created_logged_at) as event_at,
        case when secdatetentry is not null then 'version' else 'log' end as time_source
    from booking
    where coalesce(secdatetentry, created_logged_at) is not null

),

moved as (

    select source_id, appointment_id, previous_slot_start as slot_start, 'moved' as event_type,
        version_at as event_at, time_source
    from versions
    where is_slot_bearing and previous_slot_start is not null and start_at <> previous_slot_start

),

missed_or_cancelled as (

    select source_id, appointment_id, coalesce(start_at, previous_slot_start) as slot_start,
        case history_action when 2 then 'missed' else 'cancelled' end as event_type,
        version_at as event_at, time_source
    from versions
    where history_action in (2, 3)

),

broken as (

    select source_id, appointment_id,
        coalesce(case when is_slot_bearing then start_at end, previous_slot_start) as slot_start,
        'broken' as event_type, version_at as event_at, time_source
    from versions
    where status = 'broken'
        and previous_status is distinct from 'broken'
        and coalesce(history_action, -1) not in (2, 3)

),

unscheduled as (

    select source_id, appointment_id, previous_slot_start as slot_start, 'unscheduled' as event_type,
        version_at as event_at, time_source
    from versions
    where status = 'unscheduled' and previous_is_slot_bearing

),

deleted as (

    select source_id, appointment_id, coalesce(previous_slot_start, start_at) as slot_start, 'deleted' as event_type,
        version_at as event_at, time_source
    from versions
    where history_action = 4
        or (is_deleted_version and not previous_is_deleted_version)

),

completed as (

    select source_id, appointment_id, start_at as slot_start, 'completed' as event_type,
        version_at as event_at, time_source
    from versions
    where is_current_version and status = 'completed' and is_slot_bearing

),

unioned as (

    select * from booked
    union all select * from moved
    union all select * from missed_or_cancelled
    union all select * from broken
    union all select * from unscheduled
    union all select * from deleted
    union all select * from completed

),

final as (

    select 'opendental' as vendor, *, {{ current_load_seq() }} as _load_seq from unioned where slot_start is not null

)

select * from final
