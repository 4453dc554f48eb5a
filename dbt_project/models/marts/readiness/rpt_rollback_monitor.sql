-- Rollback monitor (metrics.md §4): one row per live location and local day from its go-live date to D - 1.
-- Triggers (each strictly "more than"):
--   sync      unsynced_changes * 100 > 5 * appointment_changes: more than 5% of the day's appointment changes
--             (by PMS change time, local date) without an ok sync within 24 h (pending changes, whose 24 h run past
--             the as-of time, count in the denominator only)
--   incident  any incident of category wrong_recipient, wrong_time or wrong_content opened that day (any severity)
--   downtime  more than var('rollback_down_hours', 4) hours of `down` inside the day's business hours (seed
--             business_hours; default Mon-Fri 08:00-18:00 local; local wall-clock arithmetic)
-- Systemic days (a trigger at more than 25% of the live locations): rpt_rollback_systemic_days.
{%- set down_hours = var('rollback_down_hours', 4) %}
with locations as (

    select * from {{ ref('int_readiness_locations') }}

),

changes as (

    select * from {{ ref('int_go_live_sync_changes') }}

),

incidents as (

    select * from {{ ref('int_go_live_incidents') }}

),

periods as (

    select * from {{ ref('int_go_live_platform_periods') }} where status = 'down'

),

business_hours as (

    select
        location_id,
        iso_dow,
        cast(opens_at as time) as opens_at,
        cast(closes_at as time) as closes_at
    from {{ ref('business_hours') }}

),

monitored_days as (

    select
        location_id,
        location_name,
        region,
        wave,
        go_live_date,
        cast(unnest(generate_series(
            cast(go_live_date as timestamp), cast(as_of_date as timestamp) - interval 1 day, interval 1 day
        )) as date)
            as monitor_date
    from locations
    where is_live and go_live_date < as_of_date

),

-- a location's own rows replace the '*' default entirely
location_hours as (

    select business_hours.*
    from business_hours
    where location_id <> '*'
    union all
    select locations.location_id, defaults.iso_dow, defaults.opens_at, defaults.closes_at
    from locations
    cross join business_hours as defaults
    where defaults.location_id = '*'
    and locations.location_id not in (select location_id from business_hours where location_id <> '*')

),

business_windows as (

    select
        monitored_days.location_id,
        monitored_days.monitor_date,
        monitored_days.monitor_date + location_hours.opens_at as window_start,
        monitored_days.monitor_date + location_hours.closes_at as window_end
    from monitored_days
    inner join location_hours
        on location_hours.location_id = monitored_days.location_id
        and location_hours.iso_dow = isodow(monitored_days.monitor_date)

),

down_daily as (

    select
        business_windows.location_id,
        business_windows.monitor_date,
        sum(greatest(0, epoch(least(periods.period_end_local, business_windows.window_end))
            - epoch(greatest(periods.period_start_local, business_windows.window_start)))) as down_business_seconds
    from business_windows
    inner join periods
        on periods.location_id = business_windows.location_id
        and periods.period_start_local < business_windows.window_end
        and periods.period_end_local > business_windows.window_start
    group by business_windows.location_id, business_windows.monitor_date

),

business_daily as (

    select location_id, monitor_date, sum(epoch(window_end) - epoch(window_start)) as business_seconds
    from business_windows
    group by location_id, monitor_date

),

sync_daily as (

    select
        location_id,
        change_date as monitor_date,
        count(*) as appointment_changes,
        count(*) filter (where is_unsynced) as unsynced_changes,
        count(*) filter (where is_pending) as pending_changes
    from changes
    group by location_id, change_date

),

incident_daily as (

    select
        location_id,
        cast(opened_at_local as date) as monitor_date,
        count(*) as trigger_incidents,
        list(distinct category order by category) as trigger_incident_categories,
        list(incident_id order by incident_id) as trigger_incident_ids
    from incidents
    where category in ('wrong_recipient', 'wrong_time', 'wrong_content')
    group by location_id, cast(opened_at_local as date)

),

joined as (

    select
        monitored_days.*,
        coalesce(sync_daily.appointment_changes, 0) as appointment_changes,
        coalesce(sync_daily.unsynced_changes, 0) as unsynced_changes,
        coalesce(sync_daily.pending_changes, 0) as pending_changes,
        coalesce(incident_daily.trigger_incidents, 0) as trigger_incidents,
        incident_daily.trigger_incident_categories,
        incident_daily.trigger_incident_ids,
        round(coalesce(business_daily.business_seconds, 0) / 3600.0, 2) as business_hours,
        round(coalesce(down_daily.down_business_seconds, 0) / 3600.0, 2) as down_business_hours,
        coalesce(down_daily.down_business_seconds, 0) > {{ down_hours }} * 3600 as downtime_trigger,
        coalesce(sync_daily.unsynced_changes, 0) * 100 > 5 * coalesce(sync_daily.appointment_changes, 0)
            as sync_trigger,
        coalesce(incident_daily.trigger_incidents, 0) > 0 as incident_trigger
    from monitored_days
    left join sync_daily
        on sync_daily.location_id = monitored_days.location_id
        and sync_daily.monitor_date = monitored_days.monitor_date
    left join incident_daily
        on incident_daily.location_id = monitored_days.location_id
        and incident_daily.monitor_date = monitored_days.monitor_date
    left join down_daily
        on down_daily.location_id = monitored_days.location_id
        and down_daily.monitor_date = monitored_days.monitor_date
    left join business_daily
        on business_daily.location_id = monitored_days.location_id
        and business_daily.monitor_date = monitored_days.monitor_date

),

final as (

    select
        *,
        case when appointment_changes > 0 then round(unsynced_changes / appointment_changes, 4) end as unsynced_share,
        sync_trigger or incident_trigger or downtime_trigger as any_trigger,
        list_filter([
            case when sync_trigger then 'sync' end,
            case when incident_trigger then 'incident' end,
            case when downtime_trigger then 'downtime' end
        ], lambda t: t is not null) as triggers
    from joined

)

select * from final
