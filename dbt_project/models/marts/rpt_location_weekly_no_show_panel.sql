-- Location x ISO-week panel of appointment outcomes (metrics.md §6, the difference-in-differences input): one row
-- per location per ISO week (Monday start) from the location's first slot week through the week holding the day
-- before the as-of date; weeks without slots are present with zero counts and NULL rates.
--   counts by slot start date; scheduled = completed + no_call_no_show + late_cancel (metrics.md §2)
--   is_live: the week is the go-live week or later (group = go-live week); weeks_since_go_live = event time
--   is_complete_week: the whole week lies before the as-of date
--   outreach_attempts / outreach_answered / patient_response_rate (metrics.md §2, int_metrics_outreach_attempts):
--   weeks before the go-live week (and every week of a location not live) from the PMS's own SMS tables where the
--   source has them (outreach_source 'pms_sms'), else NULL with outreach_source 'not_tracked' (never 0); from the
--   go-live week on from the platform ('comms'). No attempts in a tracked week: 0 attempts, rate NULL.
with locations as (

    select * from {{ ref('dim_locations') }}

),

slots as (

    select * from {{ ref('fct_appointment_slots') }}

),

as_of as (

    select * from {{ ref('int_as_of_date_resolved') }}

),

outreach_weekly as (

    select * from {{ ref('int_metrics_outreach_weekly') }}

),

outreach_tracking as (

    select * from {{ ref('int_metrics_outreach_tracking') }}

),

weekly_counts as (

    select
        location_id,
        cast(date_trunc('week', slot_date) as date) as week_start,
        count(*) filter (where is_scheduled) as scheduled_appointments,
        count(*) filter (where outcome = 'completed') as completed_visits,
        count(*) filter (where outcome = 'no_call_no_show') as no_call_no_shows,
        count(*) filter (where outcome = 'late_cancel') as late_cancels,
        count(*) filter (where outcome = 'advance_cancel') as advance_cancels,
        count(*) filter (where outcome = 'unresolved') as unresolved_slots
    from slots
    cross join as_of
    where slots.slot_date < as_of.as_of_date and location_id is not null
    group by all

),

location_ranges as (

    select location_id, min(week_start) as first_week_start
    from weekly_counts
    group by location_id

),

spine as (

    select
        locations.location_id,
        locations.go_live_date,
        cast(date_trunc('week', locations.go_live_date) as date) as go_live_week_start,
        cast(week_start as date) as week_start,
        as_of.as_of_date
    from locations
    inner join location_ranges
        on location_ranges.location_id = locations.location_id
    cross join as_of
    cross join lateral generate_series(
        cast(location_ranges.first_week_start as timestamp),
        cast(date_trunc('week', as_of.as_of_date - interval 1 day) as timestamp),
        interval 7 day
    ) as weeks (week_start)

),

with_outreach as (

    select
        spine.*,
        case
            when spine.week_start >= spine.go_live_week_start then 'comms'
            when outreach_tracking.pms_outreach_tracked then 'pms_sms'
            else 'not_tracked'
        end as outreach_source
    from spine
    left join outreach_tracking
        on outreach_tracking.location_id = spine.location_id

),

final as (

    select
        spine.location_id,
        spine.week_start,
        cast(isoyear(spine.week_start) as integer) as iso_year,
        cast(weekofyear(spine.week_start) as integer) as iso_week,
        spine.go_live_date,
        spine.go_live_week_start,
        coalesce(spine.week_start >= spine.go_live_week_start, false) as is_live,
        date_diff('week', spine.go_live_week_start, spine.week_start) as weeks_since_go_live,
        spine.week_start + interval 7 day <= spine.as_of_date as is_complete_week,
        coalesce(weekly_counts.scheduled_appointments, 0) as scheduled_appointments,
        coalesce(weekly_counts.completed_visits, 0) as completed_visits,
        coalesce(weekly_counts.no_call_no_shows, 0) + coalesce(weekly_counts.late_cancels, 0) as no_shows,
        coalesce(weekly_counts.no_call_no_shows, 0) as no_call_no_shows,
        coalesce(weekly_counts.late_cancels, 0) as late_cancels,
        coalesce(weekly_counts.advance_cancels, 0) as advance_cancels,
        coalesce(weekly_counts.unresolved_slots, 0) as unresolved_slots,
        (weekly_counts.no_call_no_shows + weekly_counts.late_cancels) / nullif(weekly_counts.scheduled_appointments, 0)
            as no_show_rate,
        weekly_counts.late_cancels / nullif(weekly_counts.scheduled_appointments, 0) as same_day_cancellation_rate,
        weekly_counts.no_call_no_shows / nullif(weekly_counts.scheduled_appointments, 0) as no_call_no_show_rate,
        spine.outreach_source,
        case when spine.outreach_source <> 'not_tracked' then coalesce(outreach_weekly.outreach_attempts, 0) end
            as outreach_attempts,
        case when spine.outreach_source <> 'not_tracked' then coalesce(outreach_weekly.outreach_answered, 0) end
            as outreach_answered,
        case when spine.outreach_source <> 'not_tracked'
            then outreach_weekly.outreach_answered / nullif(outreach_weekly.outreach_attempts, 0)
        end as patient_response_rate
    from with_outreach as spine
    left join weekly_counts
        on weekly_counts.location_id = spine.location_id and weekly_counts.week_start = spine.week_start
    left join outreach_weekly
        on outreach_weekly.location_id = spine.location_id and outreach_weekly.week_start = spine.week_start
        and outreach_weekly.feed = spine.outreach_source

)

select * from final
