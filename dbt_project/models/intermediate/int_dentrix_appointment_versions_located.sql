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
-- Dentrix appointment versions with their location (extracts.md §3.0, §3.3, §2): one row per version — every
-- extracted v_appt version (timed modified_time_stamp) and every appthist row (timed modifieddate +
-- modifiedtime) — unmapped ones included (location_id NULL).
-- Location: a single-location database -> that location; a shared database -> the location whose operatory list
-- holds the row's operatory_id (appthist: opid, else the appointment's latest operatory_id).
-- Synthetic deleted versions inherit the appointment's latest located version's location.
with appointments as not materialized (

    select * from {{ ref('stg_dentrix__v_appt') }}
    where {{ only_logged_changed_appointments() }}

),

history as not materialized (

    select * from {{ ref('stg_dentrix__appthist') }}
    where {{ only_logged_changed_appointments('source_id', 'parentapptid') }}

),

location_keys as (

    select * from {{ ref('int_pms_location_keys_listed') }}

),

-- history_deduplicated: appthist has no key; a whole row sent again is the same version (extracts.md §3.3). The
-- candidates are the (appointment, modification time) groups of more than one row: every whole row sent again is
-- among them, with rows that only share the time (macros/first_seen_rows.sql)
{{ first_seen_rows('history_deduplicated', 'history', ['source_id', 'parentapptid', 'modifieddate', 'modifiedtime'],
    ['source_id', 'parentapptid', 'deletedflag', 'createflag', 'createddate', 'modifieddate', 'modifiedtime',
     'apptdate', 'timehr', 'timemin', 'status', 'patient_key', 'broken', 'opid']) }},

appointment_operatories as (

    select source_id, appointment_id, max_by(operatory_id, coalesce(modified_time_stamp, cast(extract_date as timestamp))) as operatory_id
    from appointments
    where operatory_id is not null
    group by source_id, appointment_id

),

unioned as not materialized (

    select
        'v_appt' as table_name,
        source_id,
        appointment_id,
        'current' as version_kind,
        patient_key,
        status_id as status_code,
        appointment_date + to_hours(start_hour) + to_minutes(start_minute) as start_at,
        length as length_minutes,
        broken <> 0 as is_broken,
        false as is_deleted_flag,
        false as is_create_flag,
        cast(null as timestamp) as created_at,
        operatory_id,
        case
            when is_deleted_version or modified_time_stamp is null then cast(extract_date as timestamp)
            else modified_time_stamp
        end as version_at,
        case when is_deleted_version or modified_time_stamp is null then 'extract_diff' else 'version' end as time_source,
        extract_date,
        source_file,
        source_line,
        is_deleted_version
    from appointments

    union all

    select
        'appthist' as table_name,
        history_deduplicated.source_id,
        parentapptid as appointment_id,
        'history' as version_kind,
        patient_key,
        status as status_code,
        apptdate + to_hours(timehr) + to_minutes(timemin) as start_at,
        null as length_minutes,
        broken as is_broken,
        deletedflag as is_deleted_flag,
        createflag as is_create_flag,
        createddate as created_at,
        coalesce(opid, appointment_operatories.operatory_id) as operatory_id,
        modifieddate + coalesce(modifiedtime, time '00:00:00') as version_at,
        'log' as time_source,
        extract_date,
        source_file,
        source_line,
        false as is_deleted_version
    from history_deduplicated
    left join appointment_operatories
        on appointment_operatories.source_id = history_deduplicated.source_id
        and appointment_operatories.appointment_id = history_deduplicated.parentapptid

),

keyed as not materialized (

    select
        unioned.*,
        unioned.is_deleted_version as inherits_location,
        coalesce(whole_database.location_id, by_operatory.location_id) as row_location_id
    from unioned
    left join location_keys as whole_database
        on whole_database.source_id = unioned.source_id and whole_database.location_key = '*'
    left join location_keys as by_operatory
        on by_operatory.source_id = unioned.source_id and by_operatory.location_key = trim(unioned.operatory_id)

),

ordered as not materialized (

    select
        keyed.*,
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
