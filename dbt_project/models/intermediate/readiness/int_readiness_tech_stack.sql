-- Derived TechStack factor (metrics.md §3), used when the survey leaves tech_stack blank.
--   most common PMS = mode of the current locations' pms; tie: the PMS name first in alphabetical order
--   5 most common PMS at a supported version (dim_locations.version_supported: extracts.md §2 minimums)
--   4 most common PMS below the minimum version ("one major version behind" read as the same case: the
--     registry does not know the vendor's latest release, only the minimum)
--   3 another supported PMS at a supported version
--   2 a supported PMS below the minimum version (an unparseable version counts as below)
--   1 an unsupported PMS (not opendental / eaglesoft / dentrix)
with locations as (

    select * from {{ ref('int_readiness_locations') }}

),

pms_counts as (

    select pms, count(*) as n_locations
    from locations
    where pms is not null
    group by pms

),

most_common as (

    select pms as most_common_pms, n_locations as most_common_pms_locations
    from pms_counts
    order by n_locations desc, pms asc
    limit 1

),

final as (

    select
        locations.location_id,
        locations.pms,
        locations.pms_version,
        locations.version_supported,
        most_common.most_common_pms,
        most_common.most_common_pms_locations,
        coalesce(locations.pms = most_common.most_common_pms, false) as is_most_common_pms,
        case
            when locations.pms is null or locations.pms not in ('opendental', 'eaglesoft', 'dentrix') then 1
            when locations.pms = most_common.most_common_pms and locations.version_supported then 5
            when locations.pms = most_common.most_common_pms then 4
            when locations.version_supported then 3
            else 2
        end as tech_stack_derived
    from locations
    cross join most_common

)

select * from final
