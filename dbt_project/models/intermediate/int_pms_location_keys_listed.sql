-- How a PMS row finds its location (extracts.md §2 "Location of a PMS row"): one row per (source_id, location_key).
--   location_key '*'  the source's blank-key (whole-database) location: every row of the source belongs to it
--   location_key ''   Open Dental / Eaglesoft rows whose key is 0 or blank, in a source mapped by key:
--                     mapping.yml location_for_blank_key (must be a location of the same source)
--   otherwise         a source_location_key (Dentrix: each operatory_id of the ';' list)
-- A row whose key finds none of these is unmapped (quarantined `unmapped_location`, int_appointments_unmapped).
with locations as (

    select * from {{ ref('stg_registry__locations') }} where is_current_version and source_id is not null

),

settings as (

    select * from {{ ref('stg_pms_config__source_settings') }}

),

whole_database as (

    select source_id, '*' as location_key, location_id, 'whole_database' as key_kind
    from locations
    where is_whole_database

),

keyed as (

    select source_id, unnest(source_location_keys) as location_key, location_id, 'source_location_key' as key_kind
    from locations
    where not is_whole_database

),

blank_key as (

    select settings.source_id, '' as location_key, locations.location_id, 'location_for_blank_key' as key_kind
    from settings
    inner join locations
        on locations.location_id = trim(settings.location_for_blank_key)
        and locations.source_id = settings.source_id
    where settings.vendor in ('opendental', 'eaglesoft')
        and not exists (select 1 from whole_database where whole_database.source_id = settings.source_id)

),

unioned as (

    select * from whole_database
    union all
    select * from keyed
    union all
    select * from blank_key

),

final as (

    -- a key listed twice in the registry (a registry finding) resolves to the smallest location_id, deterministically
    select * from unioned
    qualify row_number() over (partition by source_id, location_key order by location_id) = 1

)

select * from final
