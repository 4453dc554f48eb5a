-- Appointment volume per location for readiness (metrics.md §3 Volume) and baseline completeness (§2).
--   completed_visits_90d      completed slots with slot_date in [D - 90 days, D)
--   completed_visits_per_month = completed_visits_90d / 3
--   volume_percentile         100 * (locations with strictly fewer completed visits) / (N - 1), N = locations with
--                             any appointment history; ties share the lower value (SQL rank()); N = 1 -> 0
--   volume_score              quintile: >= 80 -> 5, >= 60 -> 4, >= 40 -> 3, >= 20 -> 2, else 1 (a boundary belongs
--                             to the upper band); compared in integers so 80.0 is never 79.999...
--   scheduled_appointments_baseline  slots with outcome completed / no_call_no_show / late_cancel and slot_date in
--                             the 90 days before the baseline as-of date (metrics.md §2)
-- A location without any slot (e.g. its PMS source failed to load) gets NULL volume, not the bottom quintile.
with locations as (

    select * from {{ ref('int_readiness_locations') }}

),

slots as (

    select location_id, slot_date, outcome from {{ ref('int_appointment_slots') }}

),

per_location as (

    select
        locations.location_id,
        count(slots.location_id) > 0 as has_appointment_history,
        min(slots.slot_date) as first_slot_date,
        count(*) filter (
            where slots.outcome = 'completed'
            and slots.slot_date >= locations.as_of_date - interval 90 day
            and slots.slot_date < locations.as_of_date
        ) as completed_visits_90d,
        count(*) filter (
            where slots.outcome in ('completed', 'no_call_no_show', 'late_cancel')
            and slots.slot_date >= locations.baseline_as_of_date - interval 90 day
            and slots.slot_date < locations.baseline_as_of_date
        ) as scheduled_appointments_baseline
    from locations
    left join slots
        on slots.location_id = locations.location_id
    group by locations.location_id

),

ranked as (

    select
        *,
        rank() over (order by completed_visits_90d) - 1 as locations_below,
        count(*) over () - 1 as n_minus_1
    from per_location
    where has_appointment_history

),

final as (

    select
        per_location.location_id,
        per_location.has_appointment_history,
        per_location.first_slot_date,
        case when per_location.has_appointment_history then per_location.completed_visits_90d end
            as completed_visits_90d,
        case when per_location.has_appointment_history then round(per_location.completed_visits_90d / 3.0, 2) end
            as completed_visits_per_month,
        per_location.scheduled_appointments_baseline,
        case
            when ranked.n_minus_1 = 0 then 0.0
            else round(100.0 * ranked.locations_below / ranked.n_minus_1, 2)
        end as volume_percentile,
        case
            when ranked.location_id is null then null
            when ranked.n_minus_1 = 0 then 1
            when 100 * ranked.locations_below >= 80 * ranked.n_minus_1 then 5
            when 100 * ranked.locations_below >= 60 * ranked.n_minus_1 then 4
            when 100 * ranked.locations_below >= 40 * ranked.n_minus_1 then 3
            when 100 * ranked.locations_below >= 20 * ranked.n_minus_1 then 2
            else 1
        end as volume_score,
        -- preferred Wave 1 criterion "volume percentile 40-70", inclusive, in integers
        ranked.n_minus_1 > 0
            and 100 * ranked.locations_below >= 40 * ranked.n_minus_1
            and 100 * ranked.locations_below <= 70 * ranked.n_minus_1 as volume_percentile_40_70
    from per_location
    left join ranked
        on ranked.location_id = per_location.location_id

)

select * from final
