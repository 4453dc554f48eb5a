-- Cross-table key checks Great Expectations cannot express, one row per (check, location):
--   orphan_patient_reference   warning  current appointments and recalls whose patient the PMS never exported
--   likely_duplicate_patient   warning  patients of one PMS database sharing normalised name + birthdate
-- Recalls are placed at their patient's location; a recall of an unknown patient has no location, so it is
-- counted at every location of its source (it cannot be placed more precisely).
with appointments as (

    select * from {{ ref('int_dq__appointments') }}

),

patients as not materialized (

    select * from {{ ref('int_dq__patients') }}

),

od_patients as (

    select source_id, patient_key from {{ ref('stg_opendental__patient') }}

),

es_patients as (

    select source_id, patient_key from {{ ref('stg_eaglesoft__patient') }}

),

dx_patients as (

    select source_id, patient_key from {{ ref('stg_dentrix__v_patient') }}

),

od_recalls as (

    select * from {{ ref('stg_opendental__recall') }}

),

es_recalls as (

    select * from {{ ref('stg_eaglesoft__patient_recalls') }}

),

dx_recallpending as (

    select * from {{ ref('stg_dentrix__recallpending') }}

),

dx_patient_recalls as (

    select * from {{ ref('stg_dentrix__v_patient_recall') }}

),

locations as (

    select * from {{ ref('stg_registry__locations') }} where is_current_version

),

-- a patient is known when any version of it was ever exported (a later deletion does not orphan history)
known_patients as (

    select distinct source_id, patient_key
    from (select * from od_patients union all select * from es_patients union all select * from dx_patients)
    where patient_key is not null

),

current_appointments as (

    select
        location_id,
        source_id,
        patient_key,
        'appointment ' || source_id || '/' || appointment_id as row_ref
    from appointments
    where is_current_version and not is_deleted_version and patient_key is not null

),

-- the current version of each recall (latest extract, then line, an unknown line first) unless it is a deletion.
-- An aggregate, not a row_number window: the window sorted every recall version (12 M at 1,500 locations).
current_recalls as (

    select source_id, patient_key, 'recall ' || source_id || '/' || recall_ref as row_ref
    from (
        select source_id, patient_key, recallnum as recall_ref, extract_date, source_line, is_deleted_version
        from od_recalls
        union all
        select source_id, patient_key, recall_id, extract_date, source_line, is_deleted_version
        from es_recalls
        union all
        select source_id, patient_key, recallid, extract_date, source_line, is_deleted_version
        from dx_recallpending
        union all
        select source_id, patient_key, recall_type, extract_date, source_line, is_deleted_version
        from dx_patient_recalls
    )
    where patient_key is not null
    group by source_id, patient_key, recall_ref
    -- a NULL field would rank a row first in arg_max's row comparison, hence the coalesces
    having not arg_max(
        coalesce(is_deleted_version, false),
        (coalesce(extract_date, date '0001-01-01'), coalesce(source_line, 9223372036854775807))
    )

),

recalls_located as (

    -- known patient -> their location; unknown patient -> every location of the source
    select patients.location_id, current_recalls.source_id, current_recalls.patient_key, current_recalls.row_ref
    from current_recalls
    inner join patients
        on patients.source_id = current_recalls.source_id
        and patients.patient_key = current_recalls.patient_key
    union all
    select locations.location_id, current_recalls.source_id, current_recalls.patient_key, current_recalls.row_ref
    from current_recalls
    inner join locations on locations.source_id = current_recalls.source_id
    where not exists (
        select 1 from patients
        where patients.source_id = current_recalls.source_id
          and patients.patient_key = current_recalls.patient_key
    )

),

references_ as (

    select * from current_appointments
    union all
    select * from recalls_located

),

orphan_patient_reference as (

    select
        'orphan_patient_reference' as check_name,
        references_.location_id,
        count(*) as rows_examined,
        count(*) filter (where known_patients.patient_key is null) as rows_failing,
        list(references_.row_ref || ' -> patient_key ' || references_.patient_key order by references_.row_ref)
            filter (where known_patients.patient_key is null)[1:5] as failing_sample
    from references_
    left join known_patients
        on known_patients.source_id = references_.source_id
        and known_patients.patient_key = references_.patient_key
    where references_.location_id is not null
    group by references_.location_id

),

-- Same keyed identity hash (normalised last + first name + birthdate) on two patient records of the same
-- PMS database. The same person at two databases of the DSO is normal (two offices), so not a finding here.
duplicate_identities as (

    select source_id, identity_hash
    from patients
    where identity_hash is not null
    group by all
    having count(distinct patient_key) > 1

),

likely_duplicate_patient as (

    select
        'likely_duplicate_patient' as check_name,
        patients.location_id,
        count(*) as rows_examined,
        count(duplicate_identities.identity_hash) as rows_failing,
        list('patient_key ' || patients.patient_key order by patients.identity_hash, patients.patient_key)
            filter (where duplicate_identities.identity_hash is not null)[1:5] as failing_sample
    from patients
    left join duplicate_identities
        on duplicate_identities.source_id = patients.source_id
        and duplicate_identities.identity_hash = patients.identity_hash
    where patients.identity_hash is not null and patients.location_id is not null
    group by patients.location_id

),

final as (

    select * from orphan_patient_reference
    union all by name
    select * from likely_duplicate_patient

)

select check_name, location_id, rows_examined, rows_failing, failing_sample from final
