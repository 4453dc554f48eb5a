{{ config(
    materialized='incremental',
    incremental_strategy='append',
    pre_hook="{{ delete_changed_appointments('logged') }}",
    post_hook="{{ record_load_watermark() }}",
) }}
-- Incremental by load (macros/incremental_by_load.sql): a daily refresh recomputes only the appointments
-- int_appointment_changes_logged recorded since this model's last run, from all of their versions.
-- depends_on: {{ ref('int_appointment_changes_logged') }}
-- Dentrix appointment events (extracts.md §3.0, §3.3): one row per event (appointment, slot_start, event_type,
-- event_at).
--   booked     modifieddate + modifiedtime of the createflag 1 row, else createddate; first slot
--   moved      a slot-bearing version whose start differs from the last known start; at its version time
--   deleted    deletedflag 1 at its version time (log), or absence from a full extract (extract_diff);
--              slot = last known start
--   broken     appthist.broken [project] when the exporter sends it: a row with 1 after 0 (or first) at its
--              version time (log); for appointments whose history records no break that way: the earliest
--              v_appt version with broken <> 0 at modified_time_stamp (version; its extract_date if NULL:
--              extract_diff). Dentrix does not split no-show from cancellation: one `broken` event.
--   completed  the current v_appt version: broken 0 and status completed
with versions as not materialized (

    select * from {{ ref('int_dentrix_appointment_versions_sequenced') }} where {{ only_logged_changed_appointments() }}

),

booking as (

    select
        source_id,
        appointment_id,
        min(version_at) filter (where table_name = 'appthist' and is_create_flag) as created_logged_at,
        min(created_at) filter (where table_name = 'appthist') as created_at,
        min_by(start_at, version_seq) filter (where is_slot_bearing) as first_slot_start
    from versions
    group by source_id, appointment_id

),

booked as (

    select source_id, appointment_id, first_slot_start as slot_start, 'booked' as event_type,
        coalesce(created_logged_at, created_at) as event_at, 'log' as time_source
    from booking
    where coalesce(created_logged_at, created_at) is not null

),

moved as (

    select source_id, appointment_id, previous_slot_start as slot_start, 'moved' as event_type,
        version_at as event_at, time_source
    from versions
    where is_slot_bearing and previous_slot_start is not null and start_at <> previous_slot_start

),

deleted as (

    select source_id, appointment_id, coalesce(previous_slot_start, start_at) as slot_start, 'deleted' as event_type,
        version_at as event_at, time_source
    from versions
    where (is_deleted_version or coalesce(is_deleted_flag, false)) and not previous_is_deleted

),

history_broken_flags as (

    -- the columns its readers use: read twice (through broken_logged), so DuckDB copies it (docs/dbt.md)
    select
        source_id, appointment_id, version_at, time_source, is_slot_bearing, start_at, previous_slot_start, is_broken,
        lag(is_broken) over (partition by source_id, appointment_id order by version_seq) as previous_history_broken
    from versions
    where table_name = 'appthist' and is_broken is not null

),

broken_logged as (

    select source_id, appointment_id,
        coalesce(case when is_slot_bearing then start_at end, previous_slot_start) as slot_start,
        'broken' as event_type, version_at as event_at, time_source
    from history_broken_flags
    where is_broken and previous_history_broken is distinct from true

),

broken_from_versions as (

    select source_id, appointment_id,
        coalesce(case when is_slot_bearing then start_at end, previous_slot_start) as slot_start,
        'broken' as event_type, version_at as event_at, time_source
    from versions
    where table_name = 'v_appt' and is_broken
        and not exists (
            select 1 from broken_logged
            where broken_logged.source_id = versions.source_id
                and broken_logged.appointment_id = versions.appointment_id
        )
    qualify row_number() over (partition by source_id, appointment_id order by version_seq) = 1

),

completed as (

    select source_id, appointment_id, start_at as slot_start, 'completed' as event_type,
        version_at as event_at, time_source
    from versions
    where is_current_version and table_name = 'v_appt' and not coalesce(is_broken, false)
        and status = 'completed' and is_slot_bearing

),

unioned as (

    select * from booked
    union all select * from moved
    union all select * from deleted
    union all select * from broken_logged
    union all select * from broken_from_versions
    union all select * from completed

),

final as (

    select 'dentrix' as vendor, *, {{ current_load_seq() }} as _load_seq from unioned where slot_start is not null

)

select * from final
