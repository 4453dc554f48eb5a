-- Slot check (metrics.md §5 consistency), one row per location:
--   unresolved_slots  warning  past slots (start before the as-of time) that were never completed nor broken:
--                              outcome 'unresolved' of int_appointment_slots (metrics.md §1; typically a stale
--                              source whose last extract predates the slot, extracts.md §8).
-- Rows examined = slots whose start has passed; the as-of time is the slot model's own (the one that decided
-- open vs unresolved), so rows failing can never exceed rows examined.
with slots as (

    select * from {{ ref('int_appointment_slots') }}

),

past as (

    select location_id, source_id, appointment_id, slot_start, outcome
    from slots
    where location_id is not null
      and slot_start < cast(as_of_date as timestamp)

),

final as (

    select
        'unresolved_slots' as check_name,
        location_id,
        count(*) as rows_examined,
        count(*) filter (where outcome = 'unresolved') as rows_failing,
        -- PMS appointment number (not PHI), as in the other appointment checks; oldest first
        list('appointment ' || source_id || '/' || appointment_id || ' @ ' || strftime(slot_start, '%Y-%m-%d %H:%M')
             order by slot_start, source_id, appointment_id)
            filter (where outcome = 'unresolved')[1:5] as failing_sample
    from past
    group by location_id

)

select check_name, location_id, rows_examined, rows_failing, failing_sample from final
