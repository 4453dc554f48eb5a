{{ config(
    materialized='incremental',
    incremental_strategy='append',
    pre_hook="{{ prune_appointment_changes() }}",
    post_hook="{{ record_load_watermark() }}",
) }}
-- The appointments each load touched (macros/incremental_by_load.sql): one row per (load_seq, source_id,
-- appointment_id) of an incremental refresh, load_seq = the newest load when the refresh ran. The three located
-- version models and the events and slot models downstream of them recompute the appointments logged after their
-- own watermark (changed_appointment_keys('logged')). A full build logs nothing: every model downstream is rebuilt
-- whole then.
-- depends_on: {{ ref('stg_opendental__appointment') }}, {{ ref('stg_opendental__histappointment') }}
-- depends_on: {{ ref('stg_eaglesoft__appointment') }}, {{ ref('stg_eaglesoft__appt_log') }}
-- depends_on: {{ ref('stg_eaglesoft__chairs') }}, {{ ref('stg_eaglesoft__patient') }}
-- depends_on: {{ ref('stg_dentrix__v_appt') }}, {{ ref('stg_dentrix__appthist') }}
{%- set vendors = ['opendental', 'eaglesoft', 'dentrix'] %}
with changed as (

    {%- if is_incremental() %}
    {%- for vendor in vendors %}
    select '{{ vendor }}' as vendor, source_id, appointment_id from ({{ changed_appointment_keys(vendor) }})
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
    {%- else %}
    select cast(null as varchar) as vendor, cast(null as varchar) as source_id, cast(null as varchar) as appointment_id
    where false
    {%- endif %}

),

final as (

    select distinct
        {{ current_load_seq() }} as load_seq,
        vendor,
        source_id,
        appointment_id
    from changed

)

select * from final
