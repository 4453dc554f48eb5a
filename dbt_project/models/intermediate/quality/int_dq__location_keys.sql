-- How a PMS row finds its location (extracts.md §2 "Location of a PMS row"), as two lookups:
--   keyed:    (source_id, key) -> location, one row per element of the registry's source_location_keys;
--   whole_database: (source_id) -> the location whose source_location_key is blank (every row of the source);
--   blank_key: (source_id) -> mapping.yml location_for_blank_key (only rows whose key is 0 or blank).
-- Consumers: keyed match, else the whole-database location, else (key 0/blank) the blank-key location.
with locations as (

    select * from {{ ref('stg_registry__locations') }} where is_current_version

),

settings as (

    select * from {{ ref('stg_pms_config__source_settings') }}

),

keyed as (

    select
        locations.source_id,
        location_key,
        locations.location_id
    from locations, unnest(locations.source_location_keys) as k(location_key)

),

whole_database as (

    select source_id, min(location_id) as whole_database_location_id
    from locations
    where is_whole_database
    group by source_id

),

final as (

    select 'keyed' as lookup, source_id, location_key, location_id from keyed
    union all
    select 'whole_database' as lookup, source_id, null as location_key, whole_database_location_id as location_id
    from whole_database
    union all
    -- location_for_blank_key must be a real location of the registry (else it is only a load warning)
    select 'blank_key' as lookup, settings.source_id, null as location_key, locations.location_id
    from settings
    inner join locations on locations.location_id = settings.location_for_blank_key

)

select * from final
