-- Data-quality score and flag per (run, location), for every run ever recorded (trend over time).
--   score   = 100 x (1 - sum_c w_c * share_c / sum_c w_c)   over the checks c that examined >= 1 row there,
--             share_c = rows failing / rows examined (capped at 1), w_c = the check's weight (catalog.py)
--   flagged = any critical check has a failing row, or score < 80   (metrics.md §5)
with results as (

    select * from {{ ref('fct_dq_check_results') }}

),

scored as (

    select
        run_id,
        run_at,
        as_of_date,
        location_id,
        any_value(location_name) as location_name,
        any_value(region) as region,
        any_value(regional_manager) as regional_manager,
        count(*) filter (where rows_examined > 0) as checks_run,
        count(*) filter (where is_failing) as checks_failing,
        count(*) filter (where is_failing and severity = 'critical') as critical_checks_failing,
        sum(weight * failing_share) filter (where rows_examined > 0) as weighted_failing,
        sum(weight) filter (where rows_examined > 0) as total_weight
    from results
    group by run_id, run_at, as_of_date, location_id

),

final as (

    select
        run_id,
        run_at,
        as_of_date,
        location_id,
        location_name,
        region,
        regional_manager,
        checks_run,
        checks_failing,
        critical_checks_failing,
        round(100 * (1 - coalesce(weighted_failing / nullif(total_weight, 0), 0)), 1) as score,
        critical_checks_failing > 0
            or round(100 * (1 - coalesce(weighted_failing / nullif(total_weight, 0), 0)), 1) < 80 as is_flagged
    from scored

)

select * from final
