{{ config(
    materialized='incremental',
    incremental_strategy='append',
    pre_hook="{{ delete_changed_appointments('opendental', recomputed_in='int_opendental_appointment_versions_located') }}",
    post_hook="{{ record_load_watermark() }}",
) }}
-- Incremental by load (macros/incremental_by_load.sql): a daily refresh re-sequences only the appointments the
-- located model recomputed since this model's last run (all of their versions).
-- Open Dental appointment version stream (extracts.md §3.0/§3.1): one row per located version of an appointment,
-- numbered in version order (version_seq), with canonical status, start/end and the slot-bearing flag.
-- Unmapped versions are left out here (quarantined: int_appointments_unmapped).
with located as (

    select * from {{ ref('int_opendental_appointment_versions_located') }} where location_id is not null
        and {{ only_recomputed_since_watermark() }}

),

code_map as (

    select * from {{ ref('stg_pms_config__code_map') }}
    where vendor = 'opendental' and column_name = 'aptstatus'

),

canonicalized as (

    select
        located.*,
        case
            when located.aptstatus is null then null
            else coalesce(exact_code.canonical, any_code.canonical, 'unknown')
        end as status,
        located.aptdatetime as start_at,
        -- 5 minutes per Pattern character (Interval / Pattern, extracts.md §3.1); no pattern: end unknown
        case
            when nullif(located.pattern, '') is not null
                then located.aptdatetime + to_minutes(5 * length(located.pattern))
        end as end_at
    from located
    left join code_map as exact_code
        on exact_code.source_id = located.source_id
        and exact_code.table_name = located.table_name
        and exact_code.code = cast(located.aptstatus as varchar)
    left join code_map as any_code
        on any_code.source_id = located.source_id
        and any_code.table_name = located.table_name
        and any_code.code = '*'

),

flagged as (

    select
        *,
        -- slot-bearing: AptStatus scheduled, completed or broken with an AptDateTime; an action-4 (deleted) row is
        -- the record of a deletion, never a held slot
        not is_deleted_version
            and coalesce(history_action, -1) <> 4
            and status in ('scheduled', 'completed', 'broken')
            and start_at is not null as is_slot_bearing
    from canonicalized

),

windowed as (

    select
        *,
        row_number() over by_version as version_seq,
        lag(status) over by_version as previous_status,
        coalesce(lag(is_slot_bearing) over by_version, false) as previous_is_slot_bearing,
        coalesce(lag(is_deleted_version) over by_version, false) as previous_is_deleted_version,
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
        'opendental' as vendor,
        source_id,
        appointment_id,
        version_seq,
        version_kind,
        table_name,
        history_id,
        history_action,
        location_id,
        patient_key,
        aptstatus,
        status,
        start_at,
        end_at,
        is_slot_bearing,
        version_at,
        time_source,
        secdatetentry,
        is_deleted_version,
        is_current_version,
        previous_status,
        previous_is_slot_bearing,
        previous_is_deleted_version,
        previous_slot_start,
        extract_date,
        source_file,
        source_line,
        -- the load this row was computed at (its data tests check the rows of the latest refresh)
        {{ current_load_seq() }} as _load_seq
    from windowed

)

select * from final
