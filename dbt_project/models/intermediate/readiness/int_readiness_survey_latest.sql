-- Latest readiness assessment per location (manual/readiness.csv, metrics.md §3): the row with the latest
-- assessed_on; ties (same key in two loads or lines) go to the latest load, then the last line.
with survey as (

    select * from {{ ref('stg_manual__readiness') }}

),

ranked as (

    select
        *,
        row_number() over (
            partition by location_id
            order by assessed_on desc, load_id desc nulls last, source_line desc nulls last
        ) as assessment_rank
    from survey
    where not is_deleted_version

),

final as (

    select
        location_id,
        assessed_on,
        it_infrastructure,
        staff_adaptability,
        champion,
        tech_stack,
        annual_turnover_pct,
        nullif(trim(champion_name), '') is not null as has_named_champion,
        regional_manager_engaged = 'yes' as regional_manager_engaged
    from ranked
    where assessment_rank = 1

)

select * from final
