{{ config(
    materialized='incremental',
    incremental_strategy='append',
    pre_hook="{{ delete_changed_appointments('logged') }}",
    post_hook="{{ record_load_watermark() }}",
) }}
-- Incremental by load (macros/incremental_by_load.sql): a daily refresh recomputes only the appointments
-- int_appointment_changes_logged recorded since this model's last run, from all of their events.
-- depends_on: {{ ref('int_appointment_changes_logged') }}
-- The canonical appointment event stream of every vendor (extracts.md §3.0): one row per event
-- (source_id, appointment_id, slot_start, event_type, event_at, time_source), vendor-neutral.
-- event_type: booked, moved, missed, cancelled, broken, unscheduled, deleted, completed.
-- time_source: log (history/audit row), version (a version's change timestamp), extract_diff (seen only
-- between extracts: extract_date 00:00).
with unioned as (

    select vendor, source_id, appointment_id, slot_start, event_type, event_at, time_source
    from {{ ref('int_opendental_appointment_events_derived') }}
    where {{ only_logged_changed_appointments() }}
    union
    select vendor, source_id, appointment_id, slot_start, event_type, event_at, time_source
    from {{ ref('int_eaglesoft_appointment_events_derived') }}
    where {{ only_logged_changed_appointments() }}
    union
    select vendor, source_id, appointment_id, slot_start, event_type, event_at, time_source
    from {{ ref('int_dentrix_appointment_events_derived') }}
    where {{ only_logged_changed_appointments() }}

),

final as (

    select
        *,
        -- closing-event precedence at equal event_at (extracts.md §3.0); 0 = not a closing event
        case event_type
            when 'missed' then 1
            when 'cancelled' then 2
            when 'broken' then 3
            when 'deleted' then 4
            when 'unscheduled' then 5
            when 'moved' then 6
            else 0
        end as closing_precedence,
        {{ current_load_seq() }} as _load_seq
    from unioned

)

select * from final
