-- Incidents (manual/incidents.csv), current version per incident_id, with local and absolute open/resolve times
-- (opened_at / resolved_at are dt local or tstz: extracts.md §6).
with incidents as (

    select * from {{ ref('stg_manual__incidents') }}

),

locations as (

    select location_id, timezone from {{ ref('int_readiness_locations') }}

),

current_versions as (

    select *
    from incidents
    where not is_deleted_version
    qualify row_number() over (
        partition by incident_id order by load_id desc nulls last, source_line desc nulls last
    ) = 1

),

final as (

    select
        current_versions.incident_id,
        current_versions.location_id,
        current_versions.severity,
        current_versions.category,
        current_versions.description_class,
        coalesce(current_versions.opened_at_local, timezone(locations.timezone, current_versions.opened_at_utc))
            as opened_at_local,
        coalesce(current_versions.opened_at_utc, timezone(locations.timezone, current_versions.opened_at_local))
            as opened_at,
        coalesce(current_versions.resolved_at_local, timezone(locations.timezone, current_versions.resolved_at_utc))
            as resolved_at_local,
        coalesce(current_versions.resolved_at_utc, timezone(locations.timezone, current_versions.resolved_at_local))
            as resolved_at
    from current_versions
    inner join locations
        on locations.location_id = current_versions.location_id

)

select * from final
