{{ config(
    materialized='incremental',
    incremental_strategy='append',
    pre_hook="{{ delete_changed_appointments('eaglesoft', recomputed_in='int_eaglesoft_appointment_versions_located') }}",
    post_hook="{{ record_load_watermark() }}",
) }}
-- Incremental by load (macros/incremental_by_load.sql): a daily refresh re-sequences only the appointments the
-- located model recomputed since this model's last run (all of their versions).
-- Eaglesoft appointment version stream (extracts.md §3.0/§3.2): one row per located version of an appointment
-- (appointment extracts and appt_log rows), numbered in version order, with canonical status/action, start/end
-- and the slot-bearing flag. Unmapped versions are left out (int_appointments_unmapped).
--   appointment version: status = classification's canonical value; a patient appointment (classification 1)
--                        is `completed` when arrival_status 4 (walked out), else `scheduled`.
--                        slot-bearing: classification 1 and location_id > 0 (on a chair) with a start_time.
--   appt_log row:        action A/R/F/C/D -> added/moved/missed/cancelled/deleted (code map); the row's
--                        original_start_time is a start the appointment held (slot-bearing) until log_time.
with located as (

    select * from {{ ref('int_eaglesoft_appointment_versions_located') }} where location_id is not null
        and {{ only_recomputed_since_watermark() }}

),

code_map as (

    select * from {{ ref('stg_pms_config__code_map') }} where vendor = 'eaglesoft'

),

canonicalized as (

    select
        located.*,
        case
            when located.table_name = 'appt_log'
                then coalesce(action_exact.canonical, action_any.canonical, 'unknown')
        end as log_action,
        case
            when located.table_name <> 'appointment' or located.is_deleted_version then null
            when coalesce(class_exact.canonical, class_any.canonical, 'unknown') = 'scheduled'
                then coalesce(arrival_exact.canonical, arrival_any.canonical, 'scheduled')
            else coalesce(class_exact.canonical, class_any.canonical, 'unknown')
        end as status
    from located
    left join code_map as class_exact
        on class_exact.source_id = located.source_id and class_exact.table_name = 'appointment'
        and class_exact.column_name = 'classification' and class_exact.code = cast(located.classification as varchar)
    left join code_map as class_any
        on class_any.source_id = located.source_id and class_any.table_name = 'appointment'
        and class_any.column_name = 'classification' and class_any.code = '*'
    left join code_map as arrival_exact
        on arrival_exact.source_id = located.source_id and arrival_exact.table_name = 'appointment'
        and arrival_exact.column_name = 'arrival_status' and arrival_exact.code = cast(located.arrival_status as varchar)
    left join code_map as arrival_any
        on arrival_any.source_id = located.source_id and arrival_any.table_name = 'appointment'
        and arrival_any.column_name = 'arrival_status' and arrival_any.code = '*'
    left join code_map as action_exact
        on action_exact.source_id = located.source_id and action_exact.table_name = 'appt_log'
        and action_exact.column_name = 'appt_log_action' and action_exact.code = located.appt_log_action
    left join code_map as action_any
        on action_any.source_id = located.source_id and action_any.table_name = 'appt_log'
        and action_any.column_name = 'appt_log_action' and action_any.code = '*'

),

flagged as (

    select
        *,
        case
            when table_name = 'appointment'
                then not is_deleted_version and status in ('scheduled', 'completed')
                    and coalesce(chair_id, -1) > 0 and start_at is not null
            else log_action in ('added', 'moved', 'missed', 'cancelled', 'deleted') and start_at is not null
        end as is_slot_bearing
    from canonicalized

),

windowed as (

    select
        *,
        row_number() over by_version as version_seq,

        last_value(case when is_slot_bearing then start_at end ignore nulls) over (
            by_version rows between unbounded preceding and 1 preceding
        ) as previous_slot_start,
        -- the current version = the latest current-table version (a deleted version included); computed over the
        -- same window as the rest so that DuckDB sorts each appointment's versions once
        version_kind = 'current'
            and coalesce(sum(case when version_kind = 'current' then 1 else 0 end) over (
                by_version rows between 1 following and unbounded following
            ), 0) = 0 as is_current_version
    from flagged
    window by_version as (partition by source_id, appointment_id order by version_at, kind_order, extract_date, source_line)

),

final as (

    select
        'eaglesoft' as vendor,
        source_id,
        appointment_id,
        version_seq,
        version_kind,
        table_name,
        log_action,
        location_id,
        patient_key,
        classification,
        arrival_status,
        status,
        start_at,
        end_at,
        chair_id,
        is_slot_bearing,
        version_at,
        time_source,
        date_appointed,
        recall_id,
        is_deleted_version,
        is_current_version,
        previous_slot_start,
        extract_date,
        source_file,
        source_line,
        -- the load this row was computed at (its data tests check the rows of the latest refresh)
        {{ current_load_seq() }} as _load_seq
    from windowed

)

select * from final
