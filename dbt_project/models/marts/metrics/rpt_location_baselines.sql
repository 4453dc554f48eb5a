-- Baseline, post and change of EVERY metric of metrics.md §2 per location, with statuses and the baseline
-- completeness (reliable / incomplete / unreliable + reasons). One row per location of dim_locations.
-- Windows and statuses: int_metrics_location_windows; no-show metrics: rpt_location_no_show_baselines; the others:
-- int_metrics_location_values. Post values only when post_status = 'reported' (else NULL: 'too_early' /
-- 'not_live'); change_<metric> = post - baseline.
-- Completeness reasons (docs/metrics.md §4):
--   appointment_history_short   first slot date > B - 90 d                                   -> incomplete
--   baseline_not_settled        live: fewer than 7 days observed since the baseline window ended (D - G < 7);
--                               not yet live: a planned go-live less than 7 days after the baseline window
--                               ends (G - D < 7)                                              -> incomplete
--   recall_history_short        earliest recall due instance > B - 6 months                   -> incomplete
--   no_time_study               no study week ended before B                                  -> incomplete
--   dq_pending                  no data-quality score for the location yet                    -> incomplete
--   scheduled_under_100         baseline scheduled_appointments < 100                         -> unreliable
--   dq_flagged                  flagged by data quality (marts.rpt_dq_location_scores)        -> unreliable
with windows as (

    select * from {{ ref('int_metrics_location_windows') }}

),

no_show as (

    select * from {{ ref('rpt_location_no_show_baselines') }}

),

metric_values as (

    select * from {{ ref('int_metrics_location_values') }}

),

dq as (

    select * from {{ ref('rpt_dq_location_scores') }}

),

reasons as (

    select
        windows.location_id,
        list_filter([
            case when not metric_values.appointment_history_covers_window then 'appointment_history_short' end,
            case when (windows.is_live and date_diff('day', windows.go_live_date, windows.as_of_date) < 7)
                or (not windows.is_live and windows.go_live_date is not null
                    and date_diff('day', windows.as_of_date, windows.go_live_date) < 7)
                then 'baseline_not_settled' end,
            case when not metric_values.recall_history_covers_window then 'recall_history_short' end,
            case when not metric_values.time_study_exists then 'no_time_study' end,
            case when dq.location_id is null then 'dq_pending' end,
            case when no_show.baseline_scheduled_appointments < 100 then 'scheduled_under_100' end,
            case when dq.is_flagged then 'dq_flagged' end
        ], lambda x: x is not null) as baseline_completeness_reasons,
        dq.flag_reasons as dq_flag_reasons
    from windows
    inner join metric_values on metric_values.location_id = windows.location_id
    inner join no_show on no_show.location_id = windows.location_id
    left join dq on dq.location_id = windows.location_id

),

final as (

    select
        windows.location_id,
        windows.vendor as pms,
        windows.go_live_date,
        windows.is_live,
        windows.as_of_date,
        windows.baseline_as_of_date,
        windows.baseline_window_start,
        windows.baseline_recall_window_start,
        windows.post_status,
        windows.post_window_start,
        windows.post_recall_window_start,
        windows.post_window_days,
        -- completeness
        case
            when list_has_any(reasons.baseline_completeness_reasons, ['scheduled_under_100', 'dq_flagged'])
                then 'unreliable'
            when len(reasons.baseline_completeness_reasons) > 0 then 'incomplete'
            else 'reliable'
        end as baseline_completeness,
        reasons.baseline_completeness_reasons,
        reasons.dq_flag_reasons,
        -- appointments (metrics.md §2 rows 1-4)
        no_show.baseline_scheduled_appointments,
        no_show.baseline_no_show_rate,
        no_show.baseline_same_day_cancellation_rate,
        no_show.baseline_no_call_no_show_rate,
        no_show.post_scheduled_appointments,
        no_show.post_no_show_rate,
        no_show.post_same_day_cancellation_rate,
        no_show.post_no_call_no_show_rate,
        no_show.change_scheduled_appointments,
        no_show.change_no_show_rate,
        no_show.change_same_day_cancellation_rate,
        no_show.change_no_call_no_show_rate,
        -- recall
        metric_values.baseline_recall_due_instances,
        metric_values.baseline_recall_converted,
        metric_values.baseline_recall_conversion_rate,
        metric_values.baseline_recall_days_due_to_scheduled_mean,
        metric_values.baseline_recall_days_due_to_scheduled_median,
        {%- set post_metrics = [
            'recall_due_instances', 'recall_converted', 'recall_conversion_rate',
            'recall_days_due_to_scheduled_mean', 'recall_days_due_to_scheduled_median',
            'outreach_attempts', 'outreach_answered', 'patient_response_rate',
            'reviews_per_month', 'average_star_rating', 'front_desk_comm_hours_per_week'] %}
        -- outreach
        metric_values.baseline_patient_response_status,
        metric_values.baseline_outreach_attempts,
        metric_values.baseline_outreach_answered,
        metric_values.baseline_patient_response_rate,
        case when windows.post_status = 'reported' then metric_values.post_patient_response_status
            else windows.post_status end as post_patient_response_status,
        -- reviews and time study
        metric_values.baseline_reviews_per_month,
        metric_values.baseline_average_star_rating,
        metric_values.baseline_front_desk_comm_hours_per_week,
        metric_values.baseline_time_study_weeks,
        metric_values.baseline_time_study_week_start,
        case
            when metric_values.baseline_front_desk_comm_hours_per_week is null then 'not_measured' else 'reported'
        end as baseline_front_desk_status,
        {%- for m in post_metrics %}
        case when windows.post_status = 'reported' then metric_values.post_{{ m }} end as post_{{ m }},
        {%- endfor %}
        {%- for m in post_metrics if m not in ('recall_converted', 'outreach_answered') %}
        case when windows.post_status = 'reported' then metric_values.post_{{ m }} end
            - metric_values.baseline_{{ m }} as change_{{ m }}{{ ',' if not loop.last }}
        {%- endfor %}
    from windows
    inner join no_show on no_show.location_id = windows.location_id
    inner join metric_values on metric_values.location_id = windows.location_id
    inner join reasons on reasons.location_id = windows.location_id

)

select * from final
