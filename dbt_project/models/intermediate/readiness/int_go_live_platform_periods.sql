-- Platform status periods (comms platform_status.csv), current version per (location_id, period_start): latest
-- extract_date, then last line; with local wall-clock bounds for business-hours arithmetic.
with periods as (

    select * from {{ ref('stg_comms__platform_status') }}

),

locations as (

    select location_id, timezone from {{ ref('int_readiness_locations') }}

),

current_versions as (

    select *
    from periods
    where not is_deleted_version
    qualify row_number() over (
        partition by location_id, period_start order by extract_date desc nulls last, source_line desc nulls last
    ) = 1

),

final as (

    select
        current_versions.location_id,
        current_versions.status,
        current_versions.period_start,
        current_versions.period_end,
        timezone(locations.timezone, current_versions.period_start) as period_start_local,
        timezone(locations.timezone, current_versions.period_end) as period_end_local
    from current_versions
    inner join locations
        on locations.location_id = current_versions.location_id

)

select * from final
