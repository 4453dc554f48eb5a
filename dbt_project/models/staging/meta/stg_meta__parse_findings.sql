-- Parse findings: one row per (load, file, column, finding) with its row count.
with source as (

    select * from {{ source('meta', 'parse_findings') }}

),

final as (

    select
        load_id,
        file as source_file,
        table_name,
        column_name,
        finding,
        n_rows
    from source

)

select * from final
