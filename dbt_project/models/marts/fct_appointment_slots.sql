{{ config(materialized='view') }}
-- A view over the int_appointment_slots view (issue 8): a daily refresh rewrites no slot row; the publish step
-- copies it into the published snapshot as a table.
-- Appointment slots (metrics.md §1): one row per slot (appointment, scheduled start) with its outcome as of the
-- run's as-of date. Pseudonymous ids only: slot_id, appointment_key and patient_key are hashes; no PMS id, name
-- or contact data.
with slots as (

    select * from {{ ref('int_appointment_slots') }}

),

final as (

    select
        slot_id,
        appointment_key,
        patient_key,
        location_id,
        source_id,
        vendor,
        slot_seq,
        slot_start,
        slot_end,
        slot_date,
        booked_at,
        booked_at_source,
        is_same_day_booking,
        closing_event_type,
        closing_event_at,
        closing_time_source,
        notice_hours,
        is_completed,
        outcome,
        is_scheduled,
        is_no_show,
        as_of_date
    from slots

)

select * from final
