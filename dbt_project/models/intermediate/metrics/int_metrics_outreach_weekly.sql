-- Outreach attempts per location, ISO week (Monday) and feed (int_metrics_outreach_attempts), by the attempt's
-- local sent date. The weekly panel picks the feed: the PMS's own SMS tables before the go-live week, the
-- platform from the go-live week on.
with attempts as (

    select * from {{ ref('int_metrics_outreach_attempts') }}

),

final as (

    select
        location_id,
        cast(date_trunc('week', sent_date) as date) as week_start,
        feed,
        count(*) as outreach_attempts,
        count(*) filter (where is_answered) as outreach_answered
    from attempts
    group by all

)

select * from final
