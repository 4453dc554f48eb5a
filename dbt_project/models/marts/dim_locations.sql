-- One row per location (current registry version) with its PMS and the minimum-version rule of extracts.md §2.
with locations as (

    select * from {{ ref('stg_registry__locations') }}

),

current_locations as (

    select * from locations where is_current_version

),

-- Minimum versions (implementation playbook): Dentrix G7.3, Eaglesoft 21, Open Dental 22.1.
minimum_versions as (

    select * from (
        values ('dentrix', 'G7.3', [7, 3]), ('eaglesoft', '21', [21]), ('opendental', '22.1', [22, 1])
    ) as m (pms, minimum_version, minimum_parts)

),

parsed_versions as (

    select
        current_locations.*,
        -- Dentrix prints a leading "G" (G7.3): dropped before comparing; other vendors print plain numbers
        string_split(
            case when pms = 'dentrix' then regexp_replace(trim(pms_version), '^[Gg]', '') else trim(pms_version) end,
            '.'
        ) as version_parts_text
    from current_locations

),

compared_versions as (

    select
        parsed_versions.*,
        minimum_versions.minimum_version,
        coalesce(
            len(version_parts_text) > 0
                and list_bool_and(list_transform(version_parts_text, lambda p: regexp_full_match(p, '[0-9]{1,9}'))),
            false
        ) as pms_version_parseable,
        -- compare part by part as integers, missing parts = 0 (21.20 >= 21): pad both sides to 4 parts
        list_concat(
            list_transform(version_parts_text, lambda p: try_cast(p as bigint)), [0, 0, 0, 0]
        )[1:4] as version_parts,
        list_concat(minimum_versions.minimum_parts::bigint[], [0, 0, 0, 0])[1:4] as minimum_parts_padded
    from parsed_versions
    left join minimum_versions
        on minimum_versions.pms = parsed_versions.pms

),

final as (

    select
        location_id,
        location_name,
        region,
        regional_manager,
        pms,
        pms_version,
        pms_version_parseable,
        minimum_version,
        -- unparseable versions count as below the minimum (and are a finding: pms_version_parseable false)
        coalesce(pms_version_parseable and version_parts >= minimum_parts_padded, false) as version_supported,
        source_id,
        source_location_key,
        source_location_keys,
        is_whole_database,
        timezone,
        opened_date,
        wave,
        go_live_date,
        planned_major_change
    from compared_versions

)

select * from final
