{{ config(materialized='view') }}
-- A view (issue 8): the outcome is the only as-of dependent value of a slot, and a projection of the incremental
-- int_appointment_slots_derived, so a daily refresh whose as-of date moves rewrites no slot row.
-- Appointment slots with their outcome as of the run's as-of time (metrics.md §1): one row per slot
-- (source_id, appointment_id, slot_start).
--   notice_hours = (slot_start - closing event_at) in hours
--   completed         the visit happened (wins over an earlier break: the patient came after all)
--   no_call_no_show   closing event with notice <= 0
--   late_cancel       closing event with 0 < notice <= 24 h
--   advance_cancel    closing event with notice > 24 h
--   open              nothing recorded and slot_start >= as-of time
--   unresolved        nothing recorded and slot_start < as-of time (stale source; a data-quality finding)
-- Everything recorded anywhere in the drop counts (extracts.md §8); the as-of time only separates open from
-- unresolved.
with slots as (

    select * from {{ ref('int_appointment_slots_derived') }}

),

as_of as (

    select * from {{ ref('int_as_of_date_resolved') }}

),

measured as (

    select
        slots.*,
        as_of.as_of_date,
        as_of.as_of_time,
        date_diff('second', slots.closing_event_at, slots.slot_start) / 3600.0 as notice_hours
    from slots
    cross join as_of

),

classified as (

    select
        *,
        case
            when is_completed then 'completed'
            when closing_event_type is not null and notice_hours <= 0 then 'no_call_no_show'
            when closing_event_type is not null and notice_hours <= 24 then 'late_cancel'
            when closing_event_type is not null then 'advance_cancel'
            when slot_start >= as_of_time then 'open'
            else 'unresolved'
        end as outcome,
        -- same-day booking (metrics.md §1): created less than 24 h before its start; NULL when no booking time
        date_diff('second', booked_at, slot_start) < 24 * 3600 as is_same_day_booking
    from measured

),

final as (

    select
        slot_id,
        appointment_key,
        vendor,
        source_id,
        appointment_id,
        slot_seq,
        location_id,
        patient_key,
        slot_start,
        slot_end,
        cast(slot_start as date) as slot_date,
        booked_at,
        booked_at_source,
        appointment_booked_at,
        is_same_day_booking,
        closing_event_type,
        closing_event_at,
        closing_time_source,
        notice_hours,
        is_completed,
        completed_recorded_at,
        outcome,
        outcome in ('completed', 'no_call_no_show', 'late_cancel') as is_scheduled,
        outcome in ('no_call_no_show', 'late_cancel') as is_no_show,
        as_of_date
    from classified

)

select * from final
