-- Locations under readiness / rollout monitoring: one row per current registry location, with the run's as-of
-- date D, whether it is live (go_live_date <= D) and its baseline as-of date (metrics.md §2: the go-live date
-- for a live location, else D, the latest extract date unless configured).
with locations as (

    select * from {{ ref('dim_locations') }}

),

as_of as (

    select * from {{ ref('int_as_of_date_resolved') }}

),

final as (

    select
        locations.location_id,
        locations.location_name,
        locations.region,
        locations.regional_manager,
        locations.pms,
        locations.pms_version,
        locations.version_supported,
        locations.timezone,
        locations.wave,
        locations.go_live_date,
        nullif(trim(locations.planned_major_change), '') as planned_major_change,
        as_of.as_of_date,
        coalesce(locations.go_live_date <= as_of.as_of_date, false) as is_live,
        -- a go-live date after D is a plan, not history: the baseline of a not-yet-live location is as of D
        case
            when locations.go_live_date <= as_of.as_of_date then locations.go_live_date
            else as_of.as_of_date
        end as baseline_as_of_date,
        -- as-of and go-live instants (00:00 local) as absolute times, for comparing tstz platform data
        timezone(locations.timezone, cast(as_of.as_of_date as timestamp)) as as_of_at,
        timezone(locations.timezone, cast(locations.go_live_date as timestamp)) as go_live_at
    from locations
    cross join as_of

)

select * from final
