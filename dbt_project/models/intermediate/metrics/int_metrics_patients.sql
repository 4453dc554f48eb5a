-- PMS patients for the recall metrics (metrics.md §2 "only patients who are active patients in the PMS"):
-- one row per (source_id, patient_key), from the patient's current version (latest: Open Dental DateTStamp, NULL
-- first, then extract_date, then file line; Eaglesoft / Dentrix extract_date, then line). A deleted current
-- version (absent from a full extract) is not active.
--   is_active            Open Dental PatStatus -> active; Eaglesoft status A + patient_status Y; Dentrix status 1
--   location_id          extracts.md §2/§3: Open Dental patient.ClinicNum if it maps, else the location of the
--                        patient's latest completed appointment; Eaglesoft patient.practice_id; Dentrix the latest
--                        appointment's location (a single-location database: that location). NULL: unlocatable.
--   recall_interval_*    Eaglesoft patient.recall_frequency in months (mapping.yml recall_frequency_unit: weeks);
--                        NULL -> the source's recall_interval_default (resolved in int_metrics_recall_due_instances)
with od_patients as (

    select * from {{ ref('stg_opendental__patient') }}

),

es_patients as (

    select * from {{ ref('stg_eaglesoft__patient') }}

),

dx_patients as (

    select * from {{ ref('stg_dentrix__v_patient') }}

),

location_keys as (

    select * from {{ ref('int_pms_location_keys_listed') }}

),

settings as (

    select * from {{ ref('stg_pms_config__source_settings') }}

),

slots as not materialized (

    select * from {{ ref('int_appointment_slots') }} where location_id is not null and patient_key is not null

),

current_versions as (

    select
        'opendental' as vendor, source_id, patient_key, is_deleted_version,
        {{ map_code('opendental', 'patient', 'patstatus', 'patstatus', 'source_id') }} = 'active' as is_active_status,
        nullif(trim(clinicnum), '') as location_key,
        cast(null as bigint) as recall_frequency
    from od_patients
    where patient_key is not null
    qualify row_number() over (
        partition by source_id, patient_key
        order by datetstamp desc nulls last, extract_date desc, source_line desc
    ) = 1

    union all

    select
        'eaglesoft', source_id, patient_key, is_deleted_version,
        patient_status_canonical = 'active',
        nullif(trim(practice_id), ''),
        recall_frequency
    from es_patients
    where patient_key is not null
    qualify row_number() over (partition by source_id, patient_key order by extract_date desc, source_line desc) = 1

    union all

    select
        'dentrix', source_id, patient_key, is_deleted_version,
        {{ map_code('dentrix', 'v_patient', 'status', 'status', 'source_id') }} = 'active',
        null,
        null
    from dx_patients
    where patient_key is not null
    qualify row_number() over (partition by source_id, patient_key order by extract_date desc, source_line desc) = 1

),

-- the location of the patient's latest completed slot and of its latest slot, in one pass over the slots
latest_slot_locations as (

    select
        source_id,
        patient_key,
        max_by(location_id, slot_start) filter (where is_completed) as latest_completed_location_id,
        max_by(location_id, slot_start) as latest_any_location_id
    from slots
    group by source_id, patient_key

),

located as (

    select
        patients.vendor,
        patients.source_id,
        patients.patient_key,
        coalesce(not patients.is_deleted_version and patients.is_active_status, false) as is_active,
        case patients.vendor
            when 'opendental' then coalesce(
                whole_database.location_id,
                by_key.location_id,
                case when coalesce(patients.location_key, '0') = '0' then blank_key.location_id end,
                latest_slots.latest_completed_location_id
            )
            when 'eaglesoft' then coalesce(
                whole_database.location_id,
                by_key.location_id,
                case when coalesce(patients.location_key, '0') = '0' then blank_key.location_id end
            )
            else coalesce(whole_database.location_id, latest_slots.latest_any_location_id)
        end as location_id,
        case when patients.vendor = 'eaglesoft' and patients.recall_frequency > 0 then patients.recall_frequency end
            as recall_frequency,
        coalesce(lower(settings.recall_frequency_unit), 'months') as recall_frequency_unit
    from current_versions as patients
    left join location_keys as whole_database
        on whole_database.source_id = patients.source_id and whole_database.location_key = '*'
    left join location_keys as by_key
        on by_key.source_id = patients.source_id and by_key.location_key = patients.location_key
    left join location_keys as blank_key
        on blank_key.source_id = patients.source_id and blank_key.location_key = ''
    left join latest_slot_locations as latest_slots
        on latest_slots.source_id = patients.source_id and latest_slots.patient_key = patients.patient_key
    left join settings
        on settings.source_id = patients.source_id

),

final as (

    select
        vendor,
        source_id,
        patient_key,
        is_active,
        location_id,
        case when recall_frequency is not null and recall_frequency_unit = 'weeks' then 0 else recall_frequency end
            as recall_interval_months,
        case when recall_frequency is not null and recall_frequency_unit = 'weeks' then 7 * recall_frequency end
            as recall_interval_days
    from located

)

select * from final
