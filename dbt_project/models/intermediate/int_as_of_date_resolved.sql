-- The run's as-of date (extracts.md §8, metrics.md §2): one row.
-- var('as_of_date') wins, then the environment DSO_AS_OF_DATE (the orchestration passes it), else the latest
-- extract_date in the drop. The as-of *time* is that date at 00:00 local wall-clock time: every PMS timestamp is
-- already the location's wall-clock time, so the plain timestamp is comparable without time-zone arithmetic.
{%- set configured = var('as_of_date', none) or env_var('DSO_AS_OF_DATE', '') %}
with file_loads as (

    select * from {{ ref('stg_meta__file_loads') }}

),

extract_dates as (

    -- meta.file_loads lists every extract folder read; the appointment tables are a fallback for warehouses
    -- written without load accounting (hand-made test warehouses).
    select max(extract_date) as extract_date from file_loads where status = 'loaded'
    union all
    select max(extract_date) from {{ ref('stg_opendental__appointment') }}
    union all
    select max(extract_date) from {{ ref('stg_eaglesoft__appointment') }}
    union all
    select max(extract_date) from {{ ref('stg_dentrix__v_appt') }}

),

resolved as (

    select
        {%- if configured %}
        cast('{{ configured | trim }}' as date) as as_of_date,
        'configured' as as_of_date_origin,
        {%- else %}
        max(extract_date) as as_of_date,
        'latest_extract_date' as as_of_date_origin,
        {%- endif %}
        max(extract_date) as latest_extract_date
    from extract_dates

),

final as (

    select
        as_of_date,
        cast(as_of_date as timestamp) as as_of_time,
        latest_extract_date,
        as_of_date_origin
    from resolved

)

select * from final
