{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key=['source_id', 'patient_key'],
    post_hook="{{ record_load_watermark() }}",
) }}
-- What int_metrics_recall_due_instances reads besides the patient's own recall rows, fingerprinted, so that a
-- daily refresh can find the patients and sources whose due instances it must recompute (issue 8; the two models
-- the values come from are rebuilt or recomputed by appointment, not by patient): one row per source
-- (patient_key '') and one row per (source_id, patient_key) of a PMS patient or of a recall visit.
--   source rows    first_recall_extract_date (the earliest extract of any of the source's recall rows, which
--                  int_metrics_recall_due_instances reads from here), whether the source has Dentrix
--                  recallpending rows, its recall_interval_default, its Open Dental recall types' DefaultInterval
--   patient rows   int_metrics_patients' vendor, is_active, location_id, recall_interval_*, and the patient's
--                  recall visits (slot, visit date, booking)
--   inputs_hash    a hash of those values; NULL once the source or patient is gone
--   _load_seq      the load at which inputs_hash last changed (a full build: the current load)
-- An incremental run compares the new hashes with the stored ones and replaces (delete+insert) only the rows
-- whose hash changed, so _load_seq > a reader's watermark names what changed since the reader last ran.
with settings as (

    select * from {{ ref('stg_pms_config__source_settings') }}

),

records as (

    select * from {{ ref('int_metrics_recall_records') }}

),

patients as (

    select * from {{ ref('int_metrics_patients') }}

),

visits as (

    select * from {{ ref('int_metrics_recall_visits') }}

),

od_recall_types as (

    select * from {{ ref('stg_opendental__recalltype') }}
    where not is_deleted_version
    qualify row_number() over (partition by source_id, recalltypenum order by extract_date desc, source_line desc) = 1

),

record_sources as (

    select
        source_id,
        min(extract_date) as first_recall_extract_date,
        bool_or(recall_table = 'recallpending') as has_recallpending
    from records
    group by source_id

),

recall_type_hashes as (

    -- an order-independent hash of the set of (type, default interval)
    select source_id, bit_xor(hash(recalltypenum, defaultinterval)) as recall_types_hash
    from od_recall_types
    group by source_id

),

source_inputs as (

    select
        settings.source_id,
        '' as patient_key,
        record_sources.first_recall_extract_date,
        hash(
            record_sources.first_recall_extract_date, record_sources.has_recallpending,
            settings.recall_interval_default, recall_type_hashes.recall_types_hash
        ) as inputs_hash
    from settings
    left join record_sources
        on record_sources.source_id = settings.source_id
    left join recall_type_hashes
        on recall_type_hashes.source_id = settings.source_id

),

visit_hashes as (

    select source_id, patient_key, bit_xor(hash(slot_id, visit_date, booked_at)) as visits_hash
    from visits
    group by source_id, patient_key

),

patient_inputs as (

    select
        coalesce(patients.source_id, visit_hashes.source_id) as source_id,
        coalesce(patients.patient_key, visit_hashes.patient_key) as patient_key,
        cast(null as date) as first_recall_extract_date,
        hash(
            patients.vendor, patients.is_active, patients.location_id, patients.recall_interval_months,
            patients.recall_interval_days, visit_hashes.visits_hash
        ) as inputs_hash
    from patients
    full outer join visit_hashes
        on visit_hashes.source_id = patients.source_id and visit_hashes.patient_key = patients.patient_key

),

current_inputs as (

    select * from source_inputs
    union all
    select * from patient_inputs

),

{%- if is_incremental() %}

previous_inputs as (

    select * from {{ this }}

),

changed as (

    -- new or different hashes, and a NULL hash for what is gone (once)
    select current_inputs.*
    from current_inputs
    left join previous_inputs
        on previous_inputs.source_id = current_inputs.source_id
        and previous_inputs.patient_key = current_inputs.patient_key
    where previous_inputs.inputs_hash is distinct from current_inputs.inputs_hash

    union all

    select previous_inputs.source_id, previous_inputs.patient_key, cast(null as date), cast(null as ubigint)
    from previous_inputs
    anti join current_inputs
        on current_inputs.source_id = previous_inputs.source_id
        and current_inputs.patient_key = previous_inputs.patient_key
    where previous_inputs.inputs_hash is not null

),
{%- else %}

changed as (

    select * from current_inputs

),
{%- endif %}

final as (

    select *, {{ current_load_seq() }} as _load_seq from changed

)

select * from final
