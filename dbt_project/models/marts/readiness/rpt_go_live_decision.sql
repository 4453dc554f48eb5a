-- Go/no-go per wave (metrics.md §4): 'go' when every criterion of rpt_go_live_scorecard passes, and no systemic
-- rollback day (rpt_rollback_systemic_days) happened on or after the wave's first go-live (all waves pause).
with scorecard as (

    select * from {{ ref('rpt_go_live_scorecard') }}

),

systemic as (

    select * from {{ ref('rpt_rollback_systemic_days') }} where is_systemic

),

per_wave as (

    select
        wave,
        min(first_go_live_date) as first_go_live_date,
        max(as_of_date) as as_of_date,
        max(n_locations) as n_locations,
        count(*) as criteria_total,
        count(*) filter (where passed) as criteria_passed,
        coalesce(list(criterion order by criterion_order) filter (where not passed), []) as failed_criteria
    from scorecard
    group by wave

),

final as (

    select
        per_wave.*,
        (select count(*) from systemic where systemic.monitor_date >= per_wave.first_go_live_date) as systemic_days,
        case
            when per_wave.criteria_passed = per_wave.criteria_total
                and (select count(*) from systemic where systemic.monitor_date >= per_wave.first_go_live_date) = 0
                then 'go'
            else 'no_go'
        end as decision
    from per_wave

)

select * from final
