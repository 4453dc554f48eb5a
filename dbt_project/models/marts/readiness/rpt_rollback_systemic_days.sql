-- Systemic rollback check per day (metrics.md §4): a trigger at more than 25% of the live locations that day
-- pauses all waves. Compared in integers: triggered * 100 > 25 * live (26 of 100 yes; 25 of 100 no).
-- live_locations = locations monitored that day (live since their go-live date).
with monitor as (

    select * from {{ ref('rpt_rollback_monitor') }}

),

final as (

    select
        monitor_date,
        count(*) as live_locations,
        count(*) filter (where any_trigger) as triggered_locations,
        round(count(*) filter (where any_trigger) / count(*), 4) as triggered_share,
        count(*) filter (where any_trigger) * 100 > 25 * count(*) as is_systemic,
        list(location_id order by location_id) filter (where any_trigger) as triggered_location_ids
    from monitor
    group by monitor_date

)

select * from final
