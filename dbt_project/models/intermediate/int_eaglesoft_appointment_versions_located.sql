{{ config(
    materialized='incremental',
    incremental_strategy='append',
    pre_hook="{{ delete_changed_appointments('logged') }}",
    post_hook="{{ record_load_watermark() }}",
) }}
-- Incremental by load (macros/incremental_by_load.sql): a daily refresh recomputes only the appointments its
-- new extract rows touch, from all of their versions: the ones int_appointment_changes_logged recorded since this
-- model's last run (it scans the new staging rows once for all the models that read them).
-- depends_on: {{ ref('int_appointment_changes_logged') }}
-- Eaglesoft appointment versions with their location (extracts.md §3.0, §3.2, §2): one row per version —
-- every extracted appointment version (timed at its extract_date: the table has no change timestamp) and every
-- appt_log row (timed log_time; its original_start_time is the start held before the action) — unmapped ones
-- included (location_id NULL).
-- Location: location_id (a chair) -> chairs.chair_num -> practice_id -> locations.csv key; else the patient's
-- practice_id (latest patient version). Synthetic deleted versions inherit the location of the appointment's
-- latest located version.
with appointments as not materialized (

    select * from {{ ref('stg_eaglesoft__appointment') }}
    where {{ only_logged_changed_appointments() }}

),

logs as not materialized (

    select * from {{ ref('stg_eaglesoft__appt_log') }}
    where {{ only_logged_changed_appointments('source_id', 'appt_id') }}

),

chairs as (

    select * from {{ ref('stg_eaglesoft__chairs') }}

),

patients as (

    select * from {{ ref('stg_eaglesoft__patient') }}

),

location_keys as (

    select * from {{ ref('int_pms_location_keys_listed') }}

),

current_chairs as (

    select source_id, trim(chair_num) as chair_num, practice_id
    from (
        select *
        from chairs
        qualify row_number() over (
            partition by source_id, chair_num order by extract_date desc, source_line desc nulls first
        ) = 1
    )
    where not is_deleted_version

),

current_patients as (

    select source_id, patient_key, practice_id
    from (
        select *
        from patients
        where patient_key is not null
        qualify row_number() over (
            partition by source_id, patient_key order by extract_date desc, source_line desc nulls first
        ) = 1
    )
    where not is_deleted_version

),

-- logs_deduplicated: the log's key is (appt_id, appt_log_action, log_time); a row sent again is the same version
-- (macros/first_seen_rows.sql)
{{ first_seen_rows('logs_deduplicated', 'logs', ['source_id', 'appt_id', 'appt_log_action', 'log_time']) }},

unioned as not materialized (

    select
        'appointment' as table_name,
        source_id,
        appointment_id,
        'current' as version_kind,
        cast(null as varchar) as appt_log_action,
        patient_key,
        start_time as start_at,
        end_time as end_at,
        location_id as chair_id,
        classification,
        arrival_status,
        date_appointed,
        recall_id,
        cast(extract_date as timestamp) as version_at,
        'extract_diff' as time_source,
        extract_date,
        source_file,
        source_line,
        is_deleted_version
    from appointments

    union all

    select
        'appt_log' as table_name,
        source_id,
        appt_id as appointment_id,
        'history' as version_kind,
        trim(appt_log_action) as appt_log_action,
        patient_key,
        original_start_time as start_at,
        cast(null as timestamp) as end_at,
        location_id as chair_id,
        null as classification,
        null as arrival_status,
        cast(null as timestamp) as date_appointed,
        null as recall_id,
        log_time as version_at,
        'log' as time_source,
        extract_date,
        source_file,
        source_line,
        false as is_deleted_version
    from logs_deduplicated

),

keyed as not materialized (

    select
        unioned.*,
        unioned.is_deleted_version as inherits_location,
        current_chairs.practice_id as chair_practice_id,
        current_patients.practice_id as patient_practice_id,
        coalesce(
            whole_database.location_id,
            -- the chair's practice (location_id -1/NULL = off the schedule: no chair)
            case
                when current_chairs.chair_num is null then null
                when coalesce(trim(current_chairs.practice_id), '') in ('', '0') then blank_key.location_id
                else chair_key.location_id
            end,
            -- else the patient's practice
            case
                when current_patients.patient_key is null then null
                when coalesce(trim(current_patients.practice_id), '') in ('', '0') then blank_key.location_id
                else patient_key_location.location_id
            end
        ) as row_location_id
    from unioned
    left join current_chairs
        on current_chairs.source_id = unioned.source_id
        and unioned.chair_id > 0
        and current_chairs.chair_num = cast(unioned.chair_id as varchar)
    left join current_patients
        on current_patients.source_id = unioned.source_id
        and current_patients.patient_key = unioned.patient_key
    left join location_keys as whole_database
        on whole_database.source_id = unioned.source_id and whole_database.location_key = '*'
    left join location_keys as chair_key
        on chair_key.source_id = unioned.source_id and chair_key.location_key = trim(current_chairs.practice_id)
    left join location_keys as patient_key_location
        on patient_key_location.source_id = unioned.source_id
        and patient_key_location.location_key = trim(current_patients.practice_id)
    left join location_keys as blank_key
        on blank_key.source_id = unioned.source_id and blank_key.location_key = ''

),

ordered as not materialized (

    select
        keyed.*,
        -- extracts.md §3.0: by version time; ties: history (the log) first, then extract_date (then file line)
        case version_kind when 'history' then 0 else 1 end as kind_order
    from keyed

),

-- appointment_locations, inherited: the location of versions that carry none (macros/inherit_appointment_location.sql)
{{ inherit_appointment_location('ordered') }},

final as (

    select
        *,
        {{ current_load_seq() }} as _load_seq
    from inherited

)

select * from final
