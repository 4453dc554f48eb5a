{{ config(
    materialized='incremental',
    incremental_strategy='append',
    pre_hook="{{ delete_changed_appointments('current_state') }}",
    post_hook="{{ record_load_watermark() }}",
) }}
-- Incremental by load (macros/incremental_by_load.sql): a daily refresh deletes and recomputes, from all of their
-- versions of all three vendors, only the appointments a pending load brought a current-state row of (or, for
-- Eaglesoft, a row of their chair), and every appointment of a reloaded unit (all, after a full load).
-- Appointment versions of the three PMSs' current-state tables (Open Dental `appointment`, Eaglesoft
-- `appointment`, Dentrix `v_appt`) in one vendor-neutral shape with the row's location, for data-quality checks
-- only (the slot logic lives in the slots models). One row per raw version, deleted versions included.
-- Reads raw through dbt sources because the appointment staging models belong to the slots work; the patient id
-- is pseudonymized here with the same macro, so patient_key equals staging's.
with od_appointments as not materialized (

    select * from {{ source('opendental', 'appointment') }}
    where {{ only_changed_appointments('current_state', '_source_id', 'aptnum') }}

),

es_appointments as (

    select * from {{ source('eaglesoft', 'appointment') }}
    where {{ only_changed_appointments('current_state', '_source_id', 'appointment_id') }}

),

dx_appointments as not materialized (

    select * from {{ source('dentrix', 'v_appt') }}
    where {{ only_changed_appointments('current_state', '_source_id', 'appointment_id') }}

),

es_chairs as (

    -- all chair versions, also on an incremental run: the location is the chair's latest practice_id
    select * from {{ ref('stg_eaglesoft__chairs') }}

),

location_keys as (

    select * from {{ ref('int_dq__location_keys') }}

),

-- Eaglesoft appointments name a chair; the chair's practice_id is the location key (latest chair version).
current_chairs as (

    select source_id, chair_num, practice_id
    from es_chairs
    where not is_deleted_version
    qualify row_number() over (
        partition by source_id, chair_num order by extract_date desc, source_line desc
    ) = 1

),

od_renamed as (

    select
        'opendental' as vendor,
        _source_id as source_id,
        aptnum as appointment_id,
        {{ pseudonymize('_source_id', "nullif(patnum, '0')") }} as patient_key,
        clinicnum as location_key,
        aptdatetime as start_local,
        cast(aptstatus as varchar) as status_code,
        {{ map_code('opendental', 'appointment', 'aptstatus', 'aptstatus', '_source_id') }} as status_canonical,
        datetstamp as version_ts,
        _extract_date as extract_date,
        _file as source_file,
        _line as source_line,
        coalesce(_is_deleted, false) as is_deleted_version
    from od_appointments

),

es_renamed as (

    select
        'eaglesoft' as vendor,
        es._source_id as source_id,
        es.appointment_id,
        {{ pseudonymize('es._source_id', 'es.patient_id') }} as patient_key,
        current_chairs.practice_id as location_key,
        es.start_time as start_local,
        cast(es.classification as varchar) || '/' || coalesce(cast(es.arrival_status as varchar), '') as status_code,
        -- two-column status: classification says whether it is a patient appointment, arrival_status 4 = completed
        case
            when {{ map_code('eaglesoft', 'appointment', 'classification', 'es.classification', 'es._source_id') }}
                = 'scheduled'
                then coalesce(
                    {{ map_code('eaglesoft', 'appointment', 'arrival_status', 'es.arrival_status', 'es._source_id') }},
                    'scheduled')
            else {{ map_code('eaglesoft', 'appointment', 'classification', 'es.classification', 'es._source_id') }}
        end as status_canonical,
        cast(null as timestamp) as version_ts,
        es._extract_date as extract_date,
        es._file as source_file,
        es._line as source_line,
        coalesce(es._is_deleted, false) as is_deleted_version
    from es_appointments as es
    left join current_chairs
        on current_chairs.source_id = es._source_id
        and current_chairs.chair_num = cast(es.location_id as varchar)

),

dx_renamed as (

    select
        'dentrix' as vendor,
        _source_id as source_id,
        appointment_id,
        {{ pseudonymize('_source_id', 'patient_id') }} as patient_key,
        operatory_id as location_key,
        appointment_date + to_hours(coalesce(start_hour, 0)) + to_minutes(coalesce(start_minute, 0)) as start_local,
        status_id as status_code,
        {{ map_code('dentrix', 'v_appt', 'status_id', 'status_id', '_source_id') }} as status_canonical,
        modified_time_stamp as version_ts,
        _extract_date as extract_date,
        _file as source_file,
        _line as source_line,
        coalesce(_is_deleted, false) as is_deleted_version
    from dx_appointments

),

unioned as (

    select * from od_renamed
    union all by name
    select * from es_renamed
    union all by name
    select * from dx_renamed

),

located as (

    select
        unioned.*,
        coalesce(
            keyed.location_id,
            whole_database.location_id,
            case when coalesce(nullif(trim(unioned.location_key), ''), '0') = '0' then blank_key.location_id end
        ) as location_id
    from unioned
    left join location_keys as keyed
        on keyed.lookup = 'keyed'
        and keyed.source_id = unioned.source_id
        and keyed.location_key = unioned.location_key
    left join location_keys as whole_database
        on whole_database.lookup = 'whole_database'
        and whole_database.source_id = unioned.source_id
    left join location_keys as blank_key
        on blank_key.lookup = 'blank_key'
        and blank_key.source_id = unioned.source_id

),

final as (

    select
        *,
        -- DQ reading of "current": the latest extract's version (then change timestamp, then file line); a
        -- deleted version from a later full extract therefore hides the appointment
        row_number() over (
            partition by source_id, appointment_id
            order by extract_date desc, version_ts desc nulls last, source_line desc nulls first
        ) = 1 as is_current_version,
        -- the load this row was computed at (its data test checks the rows of the latest refresh)
        {{ current_load_seq() }} as _load_seq
    from located

)

select * from final
