-- Per-location money inputs of the ROI (metrics.md §6, docs/roi.md), read by orchestration/roi/pipeline.py:
-- one row per location.
--   baseline_completed_visits  completed slots with start in the baseline window [B - 90 d, B)
--   baseline_production        sum of those visits' production (int_metrics_appointment_production: Open Dental
--                              sum ProcFee x max(UnitQty, 1) of the appointment's ProcStatus 2 rows; Eaglesoft
--                              dollars_scheduled; Dentrix amount); NULL when none of them has a fee figure (the ROI
--                              then uses the configured production_per_visit)
--   front_desk_hours_saved     (baseline - post front_desk_comm_hours_per_week) x live weeks ((D - G) / 7);
--                              NULL unless live with post_status 'reported' and both time-study values measured
with windows as (

    select * from {{ ref('int_metrics_location_windows') }}

),

slots as (

    select * from {{ ref('int_appointment_slots') }} where outcome = 'completed'

),

production as (

    select * from {{ ref('int_metrics_appointment_production') }}

),

baselines as (

    select * from {{ ref('rpt_location_baselines') }}

),

visits as (

    select
        windows.location_id,
        count(slots.slot_id) as baseline_completed_visits,
        sum(production.production) as baseline_production
    from windows
    left join slots
        on slots.location_id = windows.location_id
        and slots.slot_start >= windows.baseline_window_start
        and slots.slot_start < windows.baseline_as_of_date
    left join production
        on production.source_id = slots.source_id and production.appointment_id = slots.appointment_id
    group by windows.location_id

),

final as (

    select
        windows.location_id,
        visits.baseline_production,
        visits.baseline_completed_visits,
        (baselines.baseline_front_desk_comm_hours_per_week - baselines.post_front_desk_comm_hours_per_week)
            * date_diff('day', windows.go_live_date, windows.as_of_date) / 7.0 as front_desk_hours_saved
    from windows
    inner join visits on visits.location_id = windows.location_id
    inner join baselines on baselines.location_id = windows.location_id

)

select * from final
