-- No-show baselines and post values per location (metrics.md §2): one row per location of dim_locations.
--   baseline  as of go-live G (windows [G-90d, G)); a location not yet live (no go-live date, or one after the
--             as-of date): as of the as-of date (the latest extract date unless configured)
--   post      live locations only, as of the as-of date, window [max(D-90d, G+14d), D); shorter than 28 days:
--             post_status 'too_early' and NULL values; not live: 'not_live'
--   scheduled_appointments = slots with start in the window and outcome completed / no_call_no_show / late_cancel;
--   no_show_rate = (no_call_no_show + late_cancel) / scheduled; same_day_cancellation_rate = late_cancel /
--   scheduled; no_call_no_show_rate = no_call_no_show / scheduled (NULL when nothing is scheduled)
--   change_* = post - baseline
with slots as (

    select * from {{ ref('fct_appointment_slots') }} where is_scheduled

),

-- The baseline and post windows are defined once, in int_metrics_location_windows (metrics.md §2).
windows_bounded as (

    select
        location_id,
        go_live_date,
        as_of_date,
        is_live,
        baseline_as_of_date,
        baseline_window_start,
        post_window_start
    from {{ ref('int_metrics_location_windows') }}

),

counted as (

    select
        windows_bounded.location_id,
        count(slots.slot_id) filter (
            where slots.slot_start >= windows_bounded.baseline_window_start
                and slots.slot_start < windows_bounded.baseline_as_of_date
        ) as baseline_scheduled_appointments,
        count(slots.slot_id) filter (
            where slots.slot_start >= windows_bounded.baseline_window_start
                and slots.slot_start < windows_bounded.baseline_as_of_date and slots.outcome = 'late_cancel'
        ) as baseline_late_cancels,
        count(slots.slot_id) filter (
            where slots.slot_start >= windows_bounded.baseline_window_start
                and slots.slot_start < windows_bounded.baseline_as_of_date and slots.outcome = 'no_call_no_show'
        ) as baseline_no_call_no_shows,
        count(slots.slot_id) filter (
            where slots.slot_start >= windows_bounded.post_window_start
                and slots.slot_start < windows_bounded.as_of_date
        ) as post_scheduled_count,
        count(slots.slot_id) filter (
            where slots.slot_start >= windows_bounded.post_window_start
                and slots.slot_start < windows_bounded.as_of_date and slots.outcome = 'late_cancel'
        ) as post_late_cancel_count,
        count(slots.slot_id) filter (
            where slots.slot_start >= windows_bounded.post_window_start
                and slots.slot_start < windows_bounded.as_of_date and slots.outcome = 'no_call_no_show'
        ) as post_no_call_no_show_count
    from windows_bounded
    left join slots
        on slots.location_id = windows_bounded.location_id
    group by windows_bounded.location_id

),

rated as (

    select
        windows_bounded.*,
        date_diff('day', windows_bounded.post_window_start, windows_bounded.as_of_date) as post_window_days,
        case
            when not windows_bounded.is_live then 'not_live'
            when date_diff('day', windows_bounded.post_window_start, windows_bounded.as_of_date) < 28 then 'too_early'
            else 'reported'
        end as post_status,
        counted.baseline_scheduled_appointments,
        counted.baseline_late_cancels,
        counted.baseline_no_call_no_shows,
        counted.post_scheduled_count,
        counted.post_late_cancel_count,
        counted.post_no_call_no_show_count
    from windows_bounded
    inner join counted
        on counted.location_id = windows_bounded.location_id

),

final as (

    select
        location_id,
        go_live_date,
        is_live,
        as_of_date,
        baseline_as_of_date,
        baseline_window_start,
        baseline_scheduled_appointments,
        baseline_no_call_no_shows + baseline_late_cancels as baseline_no_shows,
        baseline_late_cancels,
        baseline_no_call_no_shows,
        (baseline_no_call_no_shows + baseline_late_cancels) / nullif(baseline_scheduled_appointments, 0)
            as baseline_no_show_rate,
        baseline_late_cancels / nullif(baseline_scheduled_appointments, 0) as baseline_same_day_cancellation_rate,
        baseline_no_call_no_shows / nullif(baseline_scheduled_appointments, 0) as baseline_no_call_no_show_rate,
        post_status,
        post_window_start,
        post_window_days,
        case when post_status = 'reported' then post_scheduled_count end as post_scheduled_appointments,
        case when post_status = 'reported' then post_no_call_no_show_count + post_late_cancel_count end
            as post_no_shows,
        case when post_status = 'reported' then post_late_cancel_count end as post_late_cancels,
        case when post_status = 'reported' then post_no_call_no_show_count end as post_no_call_no_shows,
        case when post_status = 'reported'
            then (post_no_call_no_show_count + post_late_cancel_count) / nullif(post_scheduled_count, 0)
        end as post_no_show_rate,
        case when post_status = 'reported' then post_late_cancel_count / nullif(post_scheduled_count, 0) end
            as post_same_day_cancellation_rate,
        case when post_status = 'reported' then post_no_call_no_show_count / nullif(post_scheduled_count, 0) end
            as post_no_call_no_show_rate
    from rated

),

with_change as (

    select
        *,
        post_scheduled_appointments - baseline_scheduled_appointments as change_scheduled_appointments,
        post_no_show_rate - baseline_no_show_rate as change_no_show_rate,
        post_same_day_cancellation_rate - baseline_same_day_cancellation_rate as change_same_day_cancellation_rate,
        post_no_call_no_show_rate - baseline_no_call_no_show_rate as change_no_call_no_show_rate
    from final

)

select * from with_change
