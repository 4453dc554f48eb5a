-- Location x ISO-week panel of every weekly metric (metrics.md §6 input): one row per location per ISO week
-- (Monday start) — the columns of rpt_location_weekly_no_show_panel (which the ROI reads and which carries the
-- outreach columns too); see that model and docs/metrics.md §5 for the rules.
with panel as (

    select * from {{ ref('rpt_location_weekly_no_show_panel') }}

),

final as (

    select
        location_id,
        week_start,
        iso_year,
        iso_week,
        go_live_date,
        is_live,
        weeks_since_go_live,
        is_complete_week,
        scheduled_appointments,
        completed_visits,
        no_shows,
        no_call_no_shows,
        late_cancels,
        advance_cancels,
        no_show_rate,
        same_day_cancellation_rate,
        no_call_no_show_rate,
        outreach_source,
        outreach_attempts,
        outreach_answered,
        patient_response_rate
    from panel

)

select * from final
