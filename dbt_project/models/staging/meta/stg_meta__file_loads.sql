-- Load accounting: one row per file load attempt (and per folder/source-level error, table_name NULL).
with source as (

    select * from {{ source('meta', 'file_loads') }}

),

final as (

    select
        load_id,
        file as source_file,
        source_id,
        vendor,
        table_name,
        extract_date,
        mode,
        encoding,
        status,
        message,
        rows_read,
        rows_loaded,
        rows_quarantined,
        warnings
    from source

)

select * from final
