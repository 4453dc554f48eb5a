-- Load reconciliation per file (extracts.md §7 "accounting"): rows read = rows loaded + rows quarantined, and
-- the quarantine table holds exactly rows_quarantined rows of the file. Tested (is_balanced) in
-- _quality__marts.yml: the build fails if a loaded file does not add up.
with file_loads as (

    select * from {{ ref('stg_meta__file_loads') }}

),

quarantine as (

    select source_file, count(*) as quarantine_rows
    from {{ ref('stg_meta__quarantine') }}
    group by source_file

),

final as (

    select
        file_loads.load_id,
        file_loads.source_file,
        file_loads.source_id,
        file_loads.vendor,
        file_loads.table_name,
        file_loads.extract_date,
        file_loads.status,
        file_loads.rows_read,
        file_loads.rows_loaded,
        file_loads.rows_quarantined,
        coalesce(quarantine.quarantine_rows, 0) as quarantine_rows,
        file_loads.status <> 'loaded'
            or (file_loads.rows_read = file_loads.rows_loaded + file_loads.rows_quarantined
                and file_loads.rows_quarantined = coalesce(quarantine.quarantine_rows, 0)) as is_balanced
    from file_loads
    left join quarantine on quarantine.source_file = file_loads.source_file
    -- folder/source-level error rows name no file to reconcile
    where file_loads.source_file is not null and file_loads.table_name is not null

)

select * from final
