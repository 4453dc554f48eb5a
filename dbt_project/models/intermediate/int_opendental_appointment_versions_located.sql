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
-- Open Dental appointment versions with their location (extracts.md §3.0, §3.1, §2): one row per version —
-- every histappointment row (a copy of the appointment right after the action, timed HistDateTStamp) and every
-- extracted appointment version (timed DateTStamp) — unmapped ones included (location_id NULL).
-- Location: the row's ClinicNum among its source's locations.csv keys (int_pms_location_keys_listed).
-- Rows that carry no location of their own inherit the location of the appointment's latest located version:
-- synthetic deleted versions (only the key is known) and action-4 rows that hold only AptNum.
with appointments as not materialized (

    select * from {{ ref('stg_opendental__appointment') }}
    where {{ only_logged_changed_appointments('source_id', 'aptnum') }}

),

history as not materialized (

    select * from {{ ref('stg_opendental__histappointment') }}
    where {{ only_logged_changed_appointments('source_id', 'aptnum') }}

),

location_keys as (

    select * from {{ ref('int_pms_location_keys_listed') }}

),

-- history_deduplicated: a log row sent again by a later extract is the same version (macros/first_seen_rows.sql)
{{ first_seen_rows('history_deduplicated', 'history', ['source_id', 'histapptnum']) }},

unioned as not materialized (

    select
        'histappointment' as table_name,
        source_id,
        aptnum as appointment_id,
        'history' as version_kind,
        histapptnum as history_id,
        histapptaction as history_action,
        patient_key,
        aptstatus,
        aptdatetime,
        pattern,
        clinicnum,
        cast(null as timestamp) as secdatetentry,
        histdatetstamp as version_at,
        'log' as time_source,
        extract_date,
        source_file,
        source_line,
        false as is_deleted_version
    from history_deduplicated

    union all

    select
        'appointment' as table_name,
        source_id,
        aptnum as appointment_id,
        'current' as version_kind,
        null as history_id,
        null as history_action,
        patient_key,
        aptstatus,
        aptdatetime,
        pattern,
        clinicnum,
        secdatetentry,
        -- a change seen only between extracts (deleted version, or no DateTStamp) is timed at extract_date 00:00
        case when is_deleted_version or datetstamp is null then cast(extract_date as timestamp) else datetstamp end,
        case when is_deleted_version or datetstamp is null then 'extract_diff' else 'version' end,
        extract_date,
        source_file,
        source_line,
        is_deleted_version
    from appointments

),

keyed as not materialized (

    select
        unioned.*,
        is_deleted_version or (history_action = 4 and clinicnum is null) as inherits_location,
        coalesce(
            whole_database.location_id,
            by_key.location_id,
            case when coalesce(trim(unioned.clinicnum), '') in ('', '0') then blank_key.location_id end
        ) as row_location_id
    from unioned
    left join location_keys as whole_database
        on whole_database.source_id = unioned.source_id and whole_database.location_key = '*'
    left join location_keys as by_key
        on by_key.source_id = unioned.source_id and by_key.location_key = trim(unioned.clinicnum)
    left join location_keys as blank_key
        on blank_key.source_id = unioned.source_id and blank_key.location_key = ''

),

ordered as not materialized (

    select
        keyed.*,
        -- extracts.md §3.0: by version time; ties: history first, then extract_date (then file line)
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
