-- Vendor code -> canonical value per source: one row per (source_id, table_name, column_name, code).
-- Precedence: the source's mapping.yml `codes` (raw.source_code_overrides) > (Dentrix) a v_appt.status_id
-- override mirrored to appthist.status (same practice-defined id space, extracts.md §3.3) > seed
-- vendor_code_map > (Dentrix) any other id listed in the source's v_appt_status_codes -> scheduled.
-- code '*' = any other non-NULL value of the column; use the macro map_code() to look codes up.
with seed_codes as (

    select * from {{ ref('vendor_code_map') }}

),

overrides as (

    select * from {{ source('pms_config', 'source_code_overrides') }}

),

settings as (

    select * from {{ source('pms_config', 'source_settings') }}

),

locations as (

    select * from {{ ref('stg_registry__locations') }}

),

dentrix_status_codes as (

    select * from {{ ref('stg_dentrix__v_appt_status_codes') }}

),

collected_sources as (

    select source_id, vendor from settings
    union
    select source_id, pms as vendor from locations where source_id is not null
    union
    -- comms and reviews rows carry their folder name as source_id
    select 'comms' as source_id, 'comms' as vendor
    union
    select 'reviews' as source_id, 'reviews' as vendor

),

expanded_defaults as (

    select
        collected_sources.source_id,
        seed_codes.vendor,
        seed_codes.table_name,
        seed_codes.column_name,
        seed_codes.code,
        seed_codes.canonical,
        3 as precedence,
        'vendor_code_map' as origin
    from seed_codes
    inner join collected_sources
        on collected_sources.vendor = seed_codes.vendor

),

listed_dentrix_statuses as (

    select distinct
        dentrix_status_codes.source_id,
        'dentrix' as vendor,
        status_columns.table_name,
        status_columns.column_name,
        trim(dentrix_status_codes.defid) as code,
        'scheduled' as canonical,
        4 as precedence,
        'v_appt_status_codes' as origin
    from dentrix_status_codes
    cross join (
        values ('v_appt', 'status_id'), ('appthist', 'status')
    ) as status_columns (table_name, column_name)

),

normalized_overrides as (

    select
        overrides.source_id,
        coalesce(
            (select max(s.vendor) from settings as s where s.source_id = overrides.source_id),
            (select max(l.pms) from locations as l where l.source_id = overrides.source_id)
        ) as vendor,
        -- mapping.yml names tables/columns as the contract does (e.g. AptStatus): the map is lower case
        lower(trim(overrides.table_name)) as table_name,
        lower(trim(overrides.column_name)) as column_name,
        trim(overrides.code) as code,
        trim(overrides.canonical) as canonical,
        1 as precedence,
        'mapping_yml' as origin
    from overrides

),

mirrored_dentrix_overrides as (

    select
        source_id,
        vendor,
        'appthist' as table_name,
        'status' as column_name,
        code,
        canonical,
        2 as precedence,
        'mapping_yml' as origin
    from normalized_overrides
    where vendor = 'dentrix' and table_name = 'v_appt' and column_name = 'status_id'

),

unioned as (

    select * from expanded_defaults
    union all
    select * from listed_dentrix_statuses
    union all
    select * from normalized_overrides
    union all
    select * from mirrored_dentrix_overrides

),

ranked as (

    select *
    from unioned
    qualify row_number() over (
        partition by source_id, vendor, table_name, column_name, code
        order by precedence
    ) = 1

),

final as (

    select source_id, vendor, table_name, column_name, code, canonical, origin
    from ranked

)

select * from final
