{{ config(
    materialized='incremental',
    incremental_strategy='append',
    pre_hook="{{ delete_changed_recall_due_instances() }}",
    post_hook="{{ record_load_watermark() }}",
) }}
-- Recall due instances (metrics.md §2, extracts.md §3.0): one row per (source_id, patient_key, recall_type,
-- due_date) of an active patient with a location, with the first completed recall visit that can convert it.
-- Due dates from EVERY version of the PMS recall rows (history kept across extracts; int_metrics_recall_records)
-- and, for history before the first extract, implied by completed recall visits (int_metrics_recall_visits):
-- visit day v + the patient's recall interval I, kept only when v + I is before the source's first recall
-- extract date (later due dates are what the recall rows themselves show). Interval I:
--   Open Dental   recall.RecallInterval (latest version) = days + weeks*2^8 + months*2^16 + years*2^24;
--                 0/NULL -> recalltype.DefaultInterval -> the source's recall_interval_default
--   Eaglesoft     patient.recall_frequency (months, or mapping.yml recall_frequency_unit) -> the default
--   Dentrix       the source's recall_interval_default (Nd|Nw|Nm|Ny, default 6m)
-- Implied instances take each recall type the patient has in the recall rows (none: recall_type '(none)').
-- Duplicates (same patient, type, due date) are one instance; a recall-row origin wins over an implied one.
-- Conversion: first_visit_* = the patient's first completed recall visit dated on or after due - 60 days;
-- the instance is converted as of D when first_visit_date < D (the visit window is [due - 60 d, D)).
-- Incremental by load (macros/recall_due_instances_changed.sql): a daily refresh recomputes only the patients
-- whose recall rows, patient row or recall visits changed (int_metrics_recall_due_inputs), and whole sources whose
-- source-level inputs did.
-- depends_on: {{ ref('stg_eaglesoft__patient_recalls') }}, {{ ref('stg_dentrix__recallpending') }}
-- depends_on: {{ ref('stg_dentrix__v_patient_recall') }}
with
{%- if is_incremental() %}

changed_patients as materialized (

    {{ recall_due_changed_patients() }}

),

changed_sources as materialized (

    {{ recall_due_changed_sources() }}

),
{%- endif %}

settings as (

    select * from {{ ref('stg_pms_config__source_settings') }}

),

inputs as (

    select * from {{ ref('int_metrics_recall_due_inputs') }}

),

patients as {% if is_incremental() %}materialized{% else %}not materialized{% endif %} (

    select * from {{ ref('int_metrics_patients') }}
    {%- if is_incremental() %}
    where {{ only_changed_recall_patients() }}
    {%- endif %}

),

visits as {% if is_incremental() %}materialized{% else %}not materialized{% endif %} (

    select * from {{ ref('int_metrics_recall_visits') }}
    {%- if is_incremental() %}
    where {{ only_changed_recall_patients() }}
    {%- endif %}

),

record_instances as {% if is_incremental() %}materialized {% endif %}(

    select * exclude (recall_table, load_id) from {{ ref('int_metrics_recall_records') }}
    {%- if is_incremental() %}
    where {{ only_changed_recall_patients() }}
    {%- endif %}

),

od_recalls as not materialized (

    select * from {{ ref('stg_opendental__recall') }}
    where not is_deleted_version and patient_key is not null
    {%- if is_incremental() %}
        and {{ only_changed_recall_patients() }}
    {%- endif %}

),

od_recall_types as (

    select * from {{ ref('stg_opendental__recalltype') }}
    where not is_deleted_version
    qualify row_number() over (partition by source_id, recalltypenum order by extract_date desc, source_line desc) = 1

),

default_intervals as (

    -- recall_interval_default 'Nd|Nw|Nm|Ny' (connectors fill '6m' when mapping.yml has none)
    select
        source_id,
        vendor,
        coalesce(try_cast(regexp_extract(lower(trim(recall_interval_default)), '^([0-9]+)[dwmy]$', 1) as integer), 6)
            as n,
        coalesce(regexp_extract(lower(trim(recall_interval_default)), '^[0-9]+([dwmy])$', 1), 'm') as unit
    from settings

),

default_intervals_split as (

    select
        source_id,
        case unit when 'm' then n when 'y' then 12 * n else 0 end as interval_months,
        case unit when 'd' then n when 'w' then 7 * n else 0 end as interval_days
    from default_intervals

),

first_recall_extracts as (

    select source_id, first_recall_extract_date from inputs where patient_key = ''

),

patient_types as (

    select distinct source_id, patient_key, recall_type from record_instances

),

od_type_intervals as (

    -- the latest version's RecallInterval per (patient, recall type), falling back to the type's DefaultInterval
    select
        od_recalls.source_id,
        od_recalls.patient_key,
        od_recalls.recalltypenum as recall_type,
        coalesce(nullif(max_by(od_recalls.recallinterval, (coalesce(od_recalls.datetstamp, timestamp '0001-01-01'), od_recalls.extract_date, od_recalls.source_line)), 0),
            nullif(max(od_recall_types.defaultinterval), 0)) as encoded_interval
    from od_recalls
    left join od_recall_types
        on od_recall_types.source_id = od_recalls.source_id
        and od_recall_types.recalltypenum = od_recalls.recalltypenum
    group by all

),

od_type_intervals_decoded as (

    select
        source_id, patient_key, recall_type,
        ((encoded_interval >> 16) & 255) + 12 * ((encoded_interval >> 24) & 255) as interval_months,
        (encoded_interval & 255) + 7 * ((encoded_interval >> 8) & 255) as interval_days
    from od_type_intervals
    where encoded_interval is not null

),

visit_types as (

    select
        visits.vendor,
        visits.source_id,
        visits.patient_key,
        visits.visit_date,
        coalesce(patient_types.recall_type, '(none)') as recall_type
    from (select distinct vendor, source_id, patient_key, visit_date from visits) as visits
    left join patient_types
        on patient_types.source_id = visits.source_id and patient_types.patient_key = visits.patient_key

),

implied_instances as (

    select
        visit_types.vendor,
        visit_types.source_id,
        visit_types.patient_key,
        visit_types.recall_type,
        cast(
            visit_types.visit_date
            + to_months(cast(coalesce(od.interval_months, patients.recall_interval_months, defaults.interval_months) as integer))
            + to_days(cast(coalesce(od.interval_days, patients.recall_interval_days, defaults.interval_days) as integer))
        as date) as due_date
    from visit_types
    left join od_type_intervals_decoded as od
        on od.source_id = visit_types.source_id and od.patient_key = visit_types.patient_key
        and od.recall_type = visit_types.recall_type
    left join patients
        on patients.source_id = visit_types.source_id and patients.patient_key = visit_types.patient_key
    left join default_intervals_split as defaults
        on defaults.source_id = visit_types.source_id

),

unioned as (

    select vendor, source_id, patient_key, recall_type, due_date, 'recall_record' as due_origin, 1 as origin_rank
    from record_instances
    where due_date is not null

    union all

    select implied_instances.vendor, implied_instances.source_id, implied_instances.patient_key,
        implied_instances.recall_type, implied_instances.due_date, 'implied_by_visit', 2
    from implied_instances
    left join first_recall_extracts
        on first_recall_extracts.source_id = implied_instances.source_id
    where implied_instances.due_date is not null
        and (first_recall_extracts.first_recall_extract_date is null
            or implied_instances.due_date < first_recall_extracts.first_recall_extract_date)

),

deduplicated as (

    select *
    from unioned
    qualify row_number() over (
        partition by source_id, patient_key, recall_type, due_date order by origin_rank
    ) = 1

),

active_located as (

    select deduplicated.*, patients.location_id
    from deduplicated
    inner join patients
        on patients.source_id = deduplicated.source_id and patients.patient_key = deduplicated.patient_key
    where patients.is_active and patients.location_id is not null

),

with_first_visit as (

    select
        active_located.vendor,
        active_located.source_id,
        active_located.location_id,
        active_located.patient_key,
        active_located.recall_type,
        active_located.due_date,
        active_located.due_origin,
        min(visits.visit_date) as first_visit_date,
        arg_min(visits.booked_at, (visits.visit_date, visits.booked_at)) as first_visit_booked_at
    from active_located
    left join visits
        on visits.source_id = active_located.source_id
        and visits.patient_key = active_located.patient_key
        and visits.visit_date >= active_located.due_date - interval 60 day
    group by all

),

final as (

    select
        md5(source_id || '|' || patient_key || '|' || recall_type || '|' || strftime(due_date, '%Y-%m-%d'))
            as due_instance_id,
        *,
        -- days from due to the booking of the converting visit (whole calendar days; negative = booked before due)
        date_diff('day', due_date, cast(first_visit_booked_at as date)) as days_due_to_scheduled
    from with_first_visit

)

select * from final
