{{ config(
    materialized='incremental',
    incremental_strategy='append',
    pre_hook="{{ delete_changed_appointments('dentrix', recomputed_in='int_dentrix_appointment_versions_located') }}",
    post_hook="{{ record_load_watermark() }}",
) }}
-- Incremental by load (macros/incremental_by_load.sql): a daily refresh re-sequences only the appointments the
-- located model recomputed since this model's last run (all of their versions).
-- Dentrix appointment version stream (extracts.md §3.0/§3.3): one row per located version of an appointment
-- (v_appt extracts and appthist rows), numbered in version order, with canonical status, start/end, broken and
-- deleted flags and the slot-bearing flag. Unmapped versions are left out (int_appointments_unmapped).
--   status: practice-defined ids via the code map (-106 completed; 0 and other listed ids scheduled; unlisted unknown)
--   slot-bearing: a start, not a deleted row (deletedflag 1 or absence from a full extract), status not unknown
--   end = start + length (v_appt `length` minutes; appthist rows take the appointment's latest length)
with located as not materialized (

    select * from {{ ref('int_dentrix_appointment_versions_located') }} where location_id is not null
        and {{ only_recomputed_since_watermark() }}

),

code_map as (

    select * from {{ ref('stg_pms_config__code_map') }}
    where vendor = 'dentrix' and column_name in ('status_id', 'status')

),

lengths as (

    select source_id, appointment_id, max_by(length_minutes, version_at) as length_minutes
    from located
    where length_minutes is not null
    group by source_id, appointment_id

),

canonicalized as (

    select
        located.*,
        case
            when located.status_code is null then null
            else coalesce(exact_code.canonical, 'unknown')
        end as status,
        coalesce(located.length_minutes, lengths.length_minutes) as slot_length_minutes
    from located
    left join code_map as exact_code
        on exact_code.source_id = located.source_id
        and exact_code.table_name = located.table_name
        and exact_code.code = trim(located.status_code)
    left join lengths
        on lengths.source_id = located.source_id and lengths.appointment_id = located.appointment_id

),

flagged as (

    select
        *,
        case when slot_length_minutes is not null then start_at + to_minutes(slot_length_minutes) end as end_at,
        not is_deleted_version
            and not coalesce(is_deleted_flag, false)
            and start_at is not null
            and status is not null and status <> 'unknown' as is_slot_bearing
    from canonicalized

),

windowed as (

    select
        *,
        row_number() over by_version as version_seq,
        coalesce(lag(is_deleted_version or coalesce(is_deleted_flag, false)) over by_version, false)
            as previous_is_deleted,
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
        'dentrix' as vendor,
        source_id,
        appointment_id,
        version_seq,
        version_kind,
        table_name,
        location_id,
        patient_key,
        status_code,
        status,
        start_at,
        end_at,
        is_broken,
        is_deleted_flag,
        is_create_flag,
        created_at,
        operatory_id,
        is_slot_bearing,
        version_at,
        time_source,
        is_deleted_version,
        is_current_version,
        previous_slot_start,
        previous_is_deleted,
        extract_date,
        source_file,
        source_line,
        -- the load this row was computed at (its data tests check the rows of the latest refresh)
        {{ current_load_seq() }} as _load_seq
    from windowed

)

select * from final
