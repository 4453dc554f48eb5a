-- Registry `locations.csv`: one row per raw version of a location (the file is re-read each run).
-- The raw column `source_id` is the location's PMS source, so it keeps its name; the raw lineage column
-- `_source_id` (always 'registry') is not carried to avoid the clash.
with source as (

    select * from {{ source('registry', 'locations') }}

),

split_keys as (

    select
        location_id,
        location_name,
        region,
        regional_manager,
        pms,
        pms_version,
        source_id,
        source_location_key,
        -- Dentrix maps a location by a ';'-separated operatory_id list; Open Dental (ClinicNum) and
        -- Eaglesoft (practice_id) by one key. Blank = the whole database (empty list).
        case
            when nullif(trim(source_location_key), '') is null then []::varchar[]
            when pms = 'dentrix' then list_filter(
                list_transform(string_split(source_location_key, ';'), lambda k: trim(k)), lambda k: k <> '')
            else [trim(source_location_key)]
        end as source_location_keys,
        nullif(trim(source_location_key), '') is null as is_whole_database,
        timezone,
        opened_date,
        wave,
        go_live_date,
        planned_major_change,
        _extract_date as extract_date,
        _file as source_file,
        _line as source_line,
        coalesce(_is_deleted, false) as is_deleted_version,
        _load_id as load_id
    from source

),

flagged_current as (

    select
        *,
        -- current = the version from the latest load (load ids sort in load order), last line wins
        row_number() over (
            partition by location_id
            order by load_id desc nulls last, source_line desc nulls last
        ) = 1 and not is_deleted_version as is_current_version
    from split_keys

),

final as (

    select * from flagged_current

)

select * from final
