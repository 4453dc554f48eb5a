{{ config(
    materialized='incremental',
    incremental_strategy='append',
    pre_hook="{{ delete_changed_production() }}",
    post_hook="{{ record_load_watermark() }}",
) }}
-- Production (fees) per PMS appointment (metrics.md §6 "production per visit", extracts.md §3.1-§3.3): one row
-- per (source_id, appointment_id) that has a fee figure.
--   Open Dental  sum of ProcFee x max(UnitQty, 1) over the appointment's ProcStatus 2 (completed) procedurelog
--                rows (current version of each procedure; AptNum 0 = none, e.g. the D9986/D9987 break charges)
--   Eaglesoft    dollars_scheduled of the appointment's current version
--   Dentrix      amount of the current v_appt version
-- An appointment whose fees are all NULL has no row (the ROI then uses the configured production_per_visit).
-- Incremental by load (macros/appointment_production_changed.sql): a daily refresh recomputes only the
-- appointments whose procedures or current version the new extract rows touch.
with
{%- if is_incremental() %}

changed as (

    {{ production_changed_appointments() }}

),
{%- endif %}

od_procedures as (

    select * from {{ ref('stg_opendental__procedurelog') }}
    {%- if is_incremental() %}
    where {{ opendental_procedures_ever_on('changed') }}
    {%- endif %}
    qualify row_number() over (
        partition by source_id, procnum order by datetstamp desc nulls last, extract_date desc, source_line desc
    ) = 1

),

es_appointments as (

    select * from {{ ref('stg_eaglesoft__appointment') }}
    {%- if is_incremental() %}
    where (source_id, appointment_id) in (select source_id, appointment_id from changed)
    {%- endif %}
    qualify row_number() over (partition by source_id, appointment_id order by extract_date desc, source_line desc) = 1

),

dx_appointments as (

    select * from {{ ref('stg_dentrix__v_appt') }}
    {%- if is_incremental() %}
    where (source_id, appointment_id) in (select source_id, appointment_id from changed)
    {%- endif %}
    qualify row_number() over (
        partition by source_id, appointment_id
        order by modified_time_stamp desc nulls last, extract_date desc, source_line desc
    ) = 1

),

unioned as (

    select 'opendental' as vendor, source_id, aptnum as appointment_id,
        sum(procfee * greatest(coalesce(unitqty, 1), 1)) as production
    from od_procedures
    where not is_deleted_version and coalesce(aptnum, '0') <> '0' and procfee is not null
        and {{ map_code('opendental', 'procedurelog', 'procstatus', 'procstatus', 'source_id') }} = 'completed'
    group by source_id, aptnum

    union all

    select 'eaglesoft', source_id, appointment_id, dollars_scheduled
    from es_appointments
    where not is_deleted_version and dollars_scheduled is not null

    union all

    select 'dentrix', source_id, appointment_id, amount
    from dx_appointments
    where not is_deleted_version and amount is not null

),

final as (

    select * from unioned
    {%- if is_incremental() %}
    -- (an Open Dental procedure selected above may now sit on an appointment outside the set, whose sum would be
    -- partial here; that appointment's row is unchanged)
    where (source_id, appointment_id) in (select source_id, appointment_id from changed)
    {%- endif %}

)

select * from final
