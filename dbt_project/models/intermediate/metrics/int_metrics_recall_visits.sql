{{ config(
    materialized='incremental',
    incremental_strategy='append',
    pre_hook="{{ delete_changed_recall_visits() }}",
    post_hook="{{ record_load_watermark() }}",
) }}
-- Completed recall visits (metrics.md §2 "recall visit", extracts.md §3.1-§3.3): one row per completed
-- appointment slot that is a recall visit. Completed = slot outcome completed (int_appointment_slots).
--   Open Dental   a ProcStatus 2 (completed) procedurelog row on the appointment (same AptNum; current version of
--                 the procedure) whose ProcCode is a recall-trigger code of the source (metrics.md defaults or
--                 mapping.yml recall_trigger_codes; raw.source_settings)                    rule 'trigger_procedure'
--   Eaglesoft     the appointment's current version has recall_id not NULL/0                rule 'recall_link'
--                 or the visit is dated on any version of the patient's last_recall_date      rule 'last_recall_date'
--   Dentrix       the visit is dated on any version of the patient's recallpending.priordate  rule 'priordate'
--                 a source without recallpending rows: every completed appointment (finding
--                 recall_visit_approximated)                                                  rule 'approximated'
--   visit_date    the slot's local date; booked_at = the appointment's booking (appointment_booked_at, the moment
--                 the patient scheduled it, kept through reschedules), else the slot's own booked_at
-- Incremental by load (macros/recall_visits_changed.sql): a daily refresh recomputes only the slots of the
-- appointments, patients and sources the new extract rows touch; the lookups below then read only those.
-- depends_on: {{ ref('int_appointment_changes_logged') }}
{%- set by_load = is_incremental_by_load() %}
with slots as {% if by_load %}materialized {% endif %}(

    select * from {{ ref('int_appointment_slots') }}
    where is_completed and patient_key is not null and location_id is not null
    {%- if by_load %}
        and {{ recall_visit_changed() }}
    {%- endif %}

),

settings as (

    select * from {{ ref('stg_pms_config__source_settings') }}

),

od_procedures as (

    select * from {{ ref('stg_opendental__procedurelog') }}
    {%- if by_load %}
    where {{ opendental_procedures_ever_on('slots') }}
    {%- endif %}
    qualify row_number() over (
        partition by source_id, procnum order by datetstamp desc nulls last, extract_date desc, source_line desc
    ) = 1

),

od_codes as (

    select * from {{ ref('stg_opendental__procedurecode') }}
    where not is_deleted_version
    qualify row_number() over (partition by source_id, codenum order by extract_date desc, source_line desc) = 1

),

es_appointments as (

    select * from {{ ref('stg_eaglesoft__appointment') }}
    {%- if by_load %}
    where (source_id, appointment_id) in (select source_id, appointment_id from slots)
    {%- endif %}
    qualify row_number() over (partition by source_id, appointment_id order by extract_date desc, source_line desc) = 1

),

es_patient_recalls as (

    select * from {{ ref('stg_eaglesoft__patient_recalls') }}
    {%- if by_load %}
    where (source_id, patient_key) in (select source_id, patient_key from slots)
    {%- endif %}

),

dx_recallpending as not materialized (

    select * from {{ ref('stg_dentrix__recallpending') }}

),

od_trigger_appointments as (

    select distinct od_procedures.source_id, od_procedures.aptnum as appointment_id
    from od_procedures
    inner join od_codes
        on od_codes.source_id = od_procedures.source_id and od_codes.codenum = od_procedures.codenum
    inner join settings
        on settings.source_id = od_procedures.source_id
    where not od_procedures.is_deleted_version
        and coalesce(od_procedures.aptnum, '0') <> '0'
        and {{ map_code('opendental', 'procedurelog', 'procstatus', 'od_procedures.procstatus', 'od_procedures.source_id') }} = 'completed'
        and list_contains(settings.recall_trigger_codes, trim(od_codes.proccode))

),

es_linked_appointments as (

    select source_id, appointment_id
    from es_appointments
    where not is_deleted_version and coalesce(nullif(trim(recall_id), ''), '0') <> '0'

),

es_last_recall_dates as (

    select distinct source_id, patient_key, last_recall_date as visit_date
    from es_patient_recalls
    where last_recall_date is not null and patient_key is not null

),

dx_prior_dates as (

    select distinct source_id, patient_key, priordate as visit_date
    from dx_recallpending
    where priordate is not null and patient_key is not null
    {%- if by_load %}
        and (source_id, patient_key) in (select source_id, patient_key from slots)
    {%- endif %}

),

dx_sources_with_recallpending as (

    select distinct source_id from dx_recallpending

),

classified as (

    select
        slots.vendor,
        slots.source_id,
        slots.patient_key,
        slots.location_id,
        slots.appointment_id,
        slots.slot_id,
        slots.slot_date as visit_date,
        coalesce(slots.appointment_booked_at, slots.booked_at) as booked_at,
        case
            when slots.vendor = 'opendental' and od_trigger_appointments.appointment_id is not null
                then 'trigger_procedure'
            when slots.vendor = 'eaglesoft' and es_linked_appointments.appointment_id is not null then 'recall_link'
            when slots.vendor = 'eaglesoft' and es_last_recall_dates.visit_date is not null then 'last_recall_date'
            when slots.vendor = 'dentrix' and dx_prior_dates.visit_date is not null then 'priordate'
            when slots.vendor = 'dentrix' and dx_sources_with_recallpending.source_id is null then 'approximated'
        end as recall_visit_rule
    from slots
    left join od_trigger_appointments
        on od_trigger_appointments.source_id = slots.source_id
        and od_trigger_appointments.appointment_id = slots.appointment_id
    left join es_linked_appointments
        on es_linked_appointments.source_id = slots.source_id
        and es_linked_appointments.appointment_id = slots.appointment_id
    left join es_last_recall_dates
        on es_last_recall_dates.source_id = slots.source_id
        and es_last_recall_dates.patient_key = slots.patient_key
        and es_last_recall_dates.visit_date = slots.slot_date
    left join dx_prior_dates
        on dx_prior_dates.source_id = slots.source_id
        and dx_prior_dates.patient_key = slots.patient_key
        and dx_prior_dates.visit_date = slots.slot_date
    left join dx_sources_with_recallpending
        on dx_sources_with_recallpending.source_id = slots.source_id

),

final as (

    select * from classified where recall_visit_rule is not null

)

select * from final
