-- Current version of every PMS patient (Open Dental, Eaglesoft, Dentrix) with its location and the derived
-- contact/identity flags the data-quality checks need. PHI never leaves this model: only flags, a keyed
-- identity hash and an age in whole years are selected (no names, birthdates, phones or emails).
-- email_status and age_years are derived from raw here because staging exposes has_valid_email (missing and
-- invalid both false) but not whether an email exists, and no birthdate flag; they belong in the staging
-- patient models (same macros) — until then this is the one place past staging that reads those raw columns.
with od_patients as not materialized (

    select * from {{ source('opendental', 'patient') }}

),

es_patients as (

    select * from {{ source('eaglesoft', 'patient') }}

),

dx_patients as not materialized (

    select * from {{ source('dentrix', 'v_patient') }}

),

appointments as (

    select * from {{ ref('int_dq__appointments') }}

),

location_keys as (

    select * from {{ ref('int_dq__location_keys') }}

),

as_of as (

    select * from {{ ref('int_dq__as_of') }}

),

od_flagged as (

    select
        'opendental' as vendor,
        _source_id as source_id,
        patnum as patient_id,
        {{ pseudonymize('_source_id', 'patnum') }} as patient_key,
        clinicnum as location_key,
        {{ map_code('opendental', 'patient', 'patstatus', 'patstatus', '_source_id') }} as patient_status,
        {{ phone_status('wirelessphone') }} as mobile_phone_status,
        coalesce({{ is_valid_phone('wirelessphone') }}, false) and coalesce(txtmsgok, 0) <> 2 as has_textable_mobile,
        case when nullif(trim(email), '') is null then 'missing'
             when {{ is_valid_email('email') }} then 'valid' else 'invalid' end as email_status,
        {{ identity_hash('fname', 'lname', 'birthdate') }} as identity_hash,
        birthdate as _birthdate,
        datetstamp as version_ts,
        _extract_date as extract_date,
        _file as source_file,
        _line as source_line,
        coalesce(_is_deleted, false) as is_deleted_version
    from od_patients

),

es_flagged as (

    select
        'eaglesoft' as vendor,
        _source_id as source_id,
        patient_id,
        {{ pseudonymize('_source_id', 'patient_id') }} as patient_key,
        practice_id as location_key,
        case
            when trim(patient_status) = 'Y' and trim(status) = 'A' then 'active'
            when trim(patient_status) = 'Y' then 'inactive'
            else 'non_patient'
        end as patient_status,
        {{ phone_status('cell_phone') }} as mobile_phone_status,
        coalesce({{ is_valid_phone('cell_phone') }}, false) and coalesce(receives_sms, true) as has_textable_mobile,
        case when nullif(trim(email_address), '') is null then 'missing'
             when {{ is_valid_email('email_address') }} then 'valid' else 'invalid' end as email_status,
        {{ identity_hash('first_name', 'last_name', 'birth_date') }} as identity_hash,
        birth_date as _birthdate,
        cast(null as timestamp) as version_ts,
        _extract_date as extract_date,
        _file as source_file,
        _line as source_line,
        coalesce(_is_deleted, false) as is_deleted_version
    from es_patients

),

dx_flagged as (

    select
        'dentrix' as vendor,
        _source_id as source_id,
        patient_id,
        {{ pseudonymize('_source_id', 'patient_id') }} as patient_key,
        cast(null as varchar) as location_key,
        {{ map_code('dentrix', 'v_patient', 'status', 'status', '_source_id') }} as patient_status,
        {{ phone_status('mobile_phone') }} as mobile_phone_status,
        coalesce({{ is_valid_phone('mobile_phone') }}, false)
            and (coalesce(privacy_flags, 0) & 2) = 0 as has_textable_mobile,
        case when nullif(trim(email), '') is null then 'missing'
             when {{ is_valid_email('email') }} then 'valid' else 'invalid' end as email_status,
        {{ identity_hash('first_name', 'last_name', 'birth_date') }} as identity_hash,
        birth_date as _birthdate,
        cast(null as timestamp) as version_ts,
        _extract_date as extract_date,
        _file as source_file,
        _line as source_line,
        coalesce(_is_deleted, false) as is_deleted_version
    from dx_patients

),

current_versions as (

    select *
    from (
        select * from od_flagged
        union all by name
        select * from es_flagged
        union all by name
        select * from dx_flagged
    )
    -- same DQ reading of "current" as int_dq__appointments: latest extract, then change timestamp, then line
    qualify row_number() over (
        partition by source_id, patient_id
        order by extract_date desc, version_ts desc nulls last, source_line desc nulls first
    ) = 1

),

-- located by its location key (not Dentrix) or by its source's single location
keyed_located as (

    select
        current_versions.*,
        coalesce(keyed.location_id, whole_database.location_id) as keyed_location_id
    from current_versions
    left join location_keys as keyed
        on keyed.lookup = 'keyed'
        and keyed.source_id = current_versions.source_id
        and keyed.location_key = current_versions.location_key
        and current_versions.vendor <> 'dentrix'
    left join location_keys as whole_database
        on whole_database.lookup = 'whole_database'
        and whole_database.source_id = current_versions.source_id

),

-- fallback location (extracts.md §2/§3: Open Dental unmapped ClinicNum, shared Dentrix databases): the location
-- of the patient's latest appointment (latest start, an unknown start last, then latest extract), looked up only
-- for the patients no key locates (6,018 of 5.6 M found one at 1,500 locations). An aggregate, not a row_number
-- window: the window sorted every appointment version (49 M at 1,500 locations) each day. A NULL field would
-- rank a row first in arg_max's row comparison, hence the coalesces.
latest_appointment_location as (

    select
        source_id,
        patient_key,
        arg_max(
            location_id, (coalesce(start_local, timestamp '0001-01-01'), coalesce(extract_date, date '0001-01-01'))
        ) as location_id
    from appointments
    where location_id is not null and not is_deleted_version
        and (source_id, patient_key) in (
            select source_id, patient_key from keyed_located where keyed_location_id is null
        )
    group by source_id, patient_key

),

located as (

    select
        keyed_located.* exclude (keyed_location_id),
        coalesce(
            keyed_located.keyed_location_id,
            latest_appointment_location.location_id,
            case when keyed_located.vendor <> 'dentrix'
                  and coalesce(nullif(trim(keyed_located.location_key), ''), '0') = '0'
                 then blank_key.location_id end
        ) as location_id
    from keyed_located
    left join location_keys as blank_key
        on blank_key.lookup = 'blank_key'
        and blank_key.source_id = keyed_located.source_id
    left join latest_appointment_location
        on latest_appointment_location.source_id = keyed_located.source_id
        and latest_appointment_location.patient_key = keyed_located.patient_key

),

final as (

    select
        vendor,
        source_id,
        patient_key,
        location_id,
        patient_status,
        patient_status = 'active' as is_active,
        mobile_phone_status,
        has_textable_mobile,
        email_status,
        identity_hash,
        -- age in years (month precision) at the as-of date, negative = born after it; the birthdate itself is not selected
        case when _birthdate is not null
             then datediff('month', _birthdate, as_of.as_of_date) / 12.0 end as age_years,
        extract_date,
        source_file,
        source_line
    from located
    cross join as_of
    where not is_deleted_version

)

select * from final
