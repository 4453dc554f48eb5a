-- Set-based data-quality checks on the load accounting (meta.*), one row per (check, location):
--   file_errors          critical  files (and source/folder-level errors) that could not be loaded
--   quarantined_rows     warning   rows quarantined / rows read
--   unparseable_values   warning   optional values that did not parse (NULL + finding)
--   duplicate_key_other_tables warning  duplicate keys within one file (connectors' finding), non-appointment tables
--   stale_extract        critical  the location's PMS source: latest loaded extract older than 2 days before as-of
-- A PMS file belongs to every location of its source (its rows' locations are not known before staging);
-- feed files (comms, reviews, manual, registry) belong to every location, except quarantined feed rows,
-- which carry their location_id.
with file_loads as (

    select * from {{ ref('stg_meta__file_loads') }}

),

quarantine as (

    select * from {{ source('meta', 'quarantine') }}

),

parse_findings as (

    select * from {{ ref('stg_meta__parse_findings') }}

),

locations as (

    select * from {{ ref('stg_registry__locations') }} where is_current_version

),

as_of as (

    select * from {{ ref('int_dq__as_of') }}

),

feed_rows as (

    select location_id, count(*) as n from {{ source('comms', 'messages') }} group by all
    union all
    select location_id, count(*) from {{ source('comms', 'sync_events') }} group by all
    union all
    select location_id, count(*) from {{ source('comms', 'opt_outs') }} group by all
    union all
    select location_id, count(*) from {{ source('comms', 'platform_status') }} group by all
    union all
    select location_id, count(*) from {{ source('reviews', 'reviews') }} group by all

),

-- every file of the location's PMS source, plus every feed-level file (errors there hit every location)
location_files as (

    select locations.location_id, file_loads.*
    from locations
    inner join file_loads
        on file_loads.source_id = locations.source_id
        or file_loads.source_id in ('comms', 'reviews', 'manual', 'registry')

),

file_errors as (

    select
        'file_errors' as check_name,
        location_id,
        count(*) as rows_examined,
        count(*) filter (where status = 'error') as rows_failing,
        list(coalesce(source_file, source_id) || ': ' || left(coalesce(message, status), 120) order by source_file)
            filter (where status = 'error')[1:5] as failing_sample
    from location_files
    group by location_id

),

-- The location of a quarantined feed row is the location_id it names (read from raw_record; only that field).
quarantine_located as (

    select
        quarantine.file as source_file,
        quarantine.line as source_line,
        quarantine.source_id,
        case when quarantine.vendor in ('comms', 'reviews', 'manual')
             then json_extract_string(quarantine.raw_record, '$.location_id') end as feed_location_id
    from quarantine

),

pms_quarantine as (

    select
        locations.location_id,
        sum(file_loads.rows_read) as rows_read,
        sum(file_loads.rows_quarantined) as rows_quarantined
    from locations
    inner join file_loads
        on file_loads.source_id = locations.source_id
        and file_loads.status = 'loaded'
    group by locations.location_id

),

pms_quarantine_sample as (

    select locations.location_id, quarantine_located.source_file, quarantine_located.source_line
    from locations
    inner join quarantine_located on quarantine_located.source_id = locations.source_id

),

feed_quarantine_sample as (

    select feed_location_id as location_id, source_file, source_line
    from quarantine_located
    where feed_location_id is not null

),

quarantine_samples as (

    select
        location_id,
        count(*) filter (where source_file like 'pms/%') as n_pms,
        count(*) filter (where source_file not like 'pms/%') as n_feed,
        list(source_file || ':' || source_line order by source_file, source_line)[1:5] as failing_sample
    from (select * from pms_quarantine_sample union all select * from feed_quarantine_sample)
    group by location_id

),

feed_rows_by_location as (

    select location_id, sum(n) as n from feed_rows group by location_id

),

quarantined_rows as (

    select
        'quarantined_rows' as check_name,
        locations.location_id,
        coalesce(pms_quarantine.rows_read, 0) + coalesce(feed_rows_by_location.n, 0)
            + coalesce(quarantine_samples.n_feed, 0) as rows_examined,
        coalesce(pms_quarantine.rows_quarantined, 0) + coalesce(quarantine_samples.n_feed, 0) as rows_failing,
        quarantine_samples.failing_sample
    from locations
    left join pms_quarantine on pms_quarantine.location_id = locations.location_id
    left join feed_rows_by_location on feed_rows_by_location.location_id = locations.location_id
    left join quarantine_samples on quarantine_samples.location_id = locations.location_id

),

unparseable_by_file as (

    select source_file, sum(n_rows) as n_rows, string_agg(column_name || ' x' || n_rows, ', ' order by column_name) as columns
    from parse_findings
    where finding like 'unparseable%'
    group by source_file

),

unparseable_values as (

    select
        'unparseable_values' as check_name,
        locations.location_id,
        coalesce(sum(file_loads.rows_loaded), 0) as rows_examined,
        coalesce(sum(unparseable_by_file.n_rows), 0) as rows_failing,
        list(unparseable_by_file.source_file || ' (' || unparseable_by_file.columns || ')'
             order by unparseable_by_file.source_file)
            filter (where unparseable_by_file.n_rows > 0)[1:5] as failing_sample
    from locations
    inner join file_loads
        on file_loads.source_id = locations.source_id and file_loads.status = 'loaded'
    left join unparseable_by_file on unparseable_by_file.source_file = file_loads.source_file
    group by locations.location_id

),

duplicate_keys_by_file as (

    select source_file, table_name, sum(n_rows) as n_rows
    from parse_findings
    where finding = 'duplicate_key_in_file'
      -- appointment tables are checked row by row (and per location) by Great Expectations
      and table_name not in ('appointment', 'v_appt')
    group by all

),

duplicate_key_other_tables as (

    select
        'duplicate_key_other_tables' as check_name,
        locations.location_id,
        coalesce(sum(file_loads.rows_loaded) filter (where file_loads.table_name not in ('appointment', 'v_appt')), 0)
            as rows_examined,
        coalesce(sum(duplicate_keys_by_file.n_rows), 0) as rows_failing,
        list(duplicate_keys_by_file.source_file || ' (' || duplicate_keys_by_file.n_rows || ' rows)'
             order by duplicate_keys_by_file.source_file)
            filter (where duplicate_keys_by_file.n_rows > 0)[1:5] as failing_sample
    from locations
    inner join file_loads
        on file_loads.source_id = locations.source_id and file_loads.status = 'loaded'
    left join duplicate_keys_by_file on duplicate_keys_by_file.source_file = file_loads.source_file
    group by locations.location_id

),

latest_extract as (

    select
        locations.location_id,
        locations.source_id,
        max(file_loads.extract_date) filter (where file_loads.status = 'loaded') as latest_extract_date
    from locations
    left join file_loads on file_loads.source_id = locations.source_id
    group by all

),

stale_extract as (

    select
        'stale_extract' as check_name,
        latest_extract.location_id,
        1 as rows_examined,
        -- older than 2 days: as_of - latest > 2 (an extract of the day before yesterday is still fresh)
        case when latest_extract.latest_extract_date is null
               or as_of.as_of_date - latest_extract.latest_extract_date > 2 then 1 else 0 end as rows_failing,
        case when latest_extract.latest_extract_date is null
               then ['pms/' || latest_extract.source_id || ': no loaded extract']
             when as_of.as_of_date - latest_extract.latest_extract_date > 2
               then ['pms/' || latest_extract.source_id || '/' || strftime(latest_extract.latest_extract_date, '%Y-%m-%d')
                     || ' (' || (as_of.as_of_date - latest_extract.latest_extract_date) || ' days before as-of)']
        end as failing_sample
    from latest_extract
    cross join as_of

),

final as (

    select * from file_errors
    union all by name
    select * from quarantined_rows
    union all by name
    select * from unparseable_values
    union all by name
    select * from duplicate_key_other_tables
    union all by name
    select * from stale_extract

)

select check_name, location_id, rows_examined, rows_failing, failing_sample from final
