-- The data-quality as-of date (one row): DSO_AS_OF_DATE if set, else the latest extract date of any loaded file
-- (architecture.md). Freshness and "future"/"18 months ahead" checks are relative to it, never to the wall
-- clock, so a re-run on old data gives the same answer.
with file_loads as (

    select * from {{ ref('stg_meta__file_loads') }}

),

final as (

    select
        coalesce(
            try_cast(nullif('{{ env_var("DSO_AS_OF_DATE", "") }}', '') as date),
            max(extract_date) filter (where status = 'loaded')
        ) as as_of_date
    from file_loads

)

select * from final
