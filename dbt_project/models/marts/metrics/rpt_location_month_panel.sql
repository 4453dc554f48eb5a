-- Location x calendar-month panel of recall conversion (metrics.md §6: recall_conversion_rate "by month"), read by
-- the ROI (orchestration/roi/pipeline.py): one row per location per complete month (month_start + 1 month <= the
-- as-of date) from the location's first month with a recall due instance.
--   recall_due_instances     instances (int_metrics_recall_due_instances) with due date in the month
--   recall_conversion_rate   converted / due, the month's value as of its end: converted when the first
--                            completed recall visit on/after due - 60 d is before the next month's first day
--                            (every month gets the same horizon, so later months are not favoured by more time
--                            to convert); NULL when nothing is due
with instances as (

    select * from {{ ref('int_metrics_recall_due_instances') }}

),

windows as (

    select * from {{ ref('int_metrics_location_windows') }}

),

monthly as (

    select
        location_id,
        cast(date_trunc('month', due_date) as date) as month_start,
        count(*) as recall_due_instances,
        count(*) filter (where first_visit_date < date_trunc('month', due_date) + interval 1 month)
            as recall_converted
    from instances
    group by all

),

ranges as (

    select location_id, min(month_start) as first_month_start from monthly group by location_id

),

spine as (

    select windows.location_id, windows.go_live_date, cast(month_start as date) as month_start
    from windows
    inner join ranges
        on ranges.location_id = windows.location_id
    cross join lateral generate_series(
        cast(ranges.first_month_start as timestamp),
        cast(date_trunc('month', windows.as_of_date) - interval 1 month as timestamp),
        interval 1 month
    ) as months (month_start)

),

final as (

    select
        spine.location_id,
        spine.month_start,
        spine.go_live_date,
        coalesce(monthly.recall_due_instances, 0) as recall_due_instances,
        monthly.recall_converted / nullif(monthly.recall_due_instances, 0) as recall_conversion_rate
    from spine
    left join monthly
        on monthly.location_id = spine.location_id and monthly.month_start = spine.month_start

)

select * from final
