-- Quarantined records: one row per (file, line). raw_record is deliberately not selected: it may hold
-- names, phones or emails (PHI), and data-quality marts need only file, line and reason.
with source as (

    select * from {{ source('meta', 'quarantine') }}

),

final as (

    select
        load_id,
        file as source_file,
        line as source_line,
        source_id,
        vendor,
        table_name,
        extract_date,
        reason
    from source

)

select * from final
