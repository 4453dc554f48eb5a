-- Appointment slots, vendor-neutral (metrics.md §1, extracts.md §3.0): one row per slot = (source_id,
-- appointment_id, slot_start), every distinct start held by a slot-bearing version (an appointment does not return
-- to a start it held before, extracts.md §8, so the start identifies the run). Carries the slot's closing event,
-- its completion and its booking time; the as-of dependent outcome is added in int_appointment_slots.
--   location_id   of the slot's latest slot-bearing version
--   slot_end      latest known end of the slot's versions
--   closing event earliest moved or break event of the slot; ties: missed, cancelled, broken, deleted,
--                 unscheduled, moved; later ones are ignored
--   booked_at     when the slot was created: the appointment's booking for its first slot, the move that opened it
--                 for a later slot (the previous slot's closing `moved` event), else the first version holding it
{%- set vendors = ['opendental', 'eaglesoft', 'dentrix'] %}
with slot_versions as (

    {%- for vendor in vendors %}
    select vendor, source_id, appointment_id, version_seq, version_at, location_id, patient_key,
        start_at, end_at
    from {{ ref('int_' ~ vendor ~ '_appointment_versions_sequenced') }}
    where is_slot_bearing
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

patients as (

    -- the appointment's patient: its latest version that names one (synthetic deleted versions do not)
    {%- for vendor in vendors %}
    select source_id, appointment_id, max_by(patient_key, version_seq) as patient_key
    from {{ ref('int_' ~ vendor ~ '_appointment_versions_sequenced') }}
    where patient_key is not null
    group by source_id, appointment_id
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

events as (

    select * from {{ ref('int_appointment_events_unioned') }}

),

slots as (

    select
        vendor,
        source_id,
        appointment_id,
        start_at as slot_start,
        max_by(location_id, version_seq) as location_id,
        max_by(end_at, version_seq) filter (where end_at is not null) as slot_end,
        min(version_at) as first_seen_at,
        min(version_seq) as first_version_seq
    from slot_versions
    group by vendor, source_id, appointment_id, start_at

),

slot_events as (

    -- one hash aggregate per slot instead of a sorting window plus a second aggregate (and one join fewer): at
    -- 1,500 locations the window, the aggregate and their two hash joins did not fit DuckDB's memory limit together
    select
        source_id,
        appointment_id,
        slot_start,
        -- the earliest closing event; ties: the lower closing_precedence (missed, cancelled, ... moved)
        arg_min(
            struct_pack(event_type := event_type, event_at := event_at, time_source := time_source),
            struct_pack(event_at := event_at, closing_precedence := closing_precedence)
        ) filter (where closing_precedence > 0) as closing_event,
        min(event_at) filter (where event_type = 'completed') as completed_recorded_at
    from events
    where closing_precedence > 0 or event_type = 'completed'
    group by source_id, appointment_id, slot_start

),

bookings as (

    select source_id, appointment_id, min(event_at) as appointment_booked_at
    from events
    where event_type = 'booked'
    group by source_id, appointment_id

),

joined as (

    select
        slots.*,
        row_number() over (
            partition by slots.source_id, slots.appointment_id order by slots.first_version_seq
        ) as slot_seq,
        patients.patient_key,
        bookings.appointment_booked_at,
        slot_events.closing_event.event_type as closing_event_type,
        slot_events.closing_event.event_at as closing_event_at,
        slot_events.closing_event.time_source as closing_time_source,
        slot_events.completed_recorded_at,
        slot_events.completed_recorded_at is not null as is_completed
    from slots
    left join patients
        on patients.source_id = slots.source_id and patients.appointment_id = slots.appointment_id
    left join bookings
        on bookings.source_id = slots.source_id and bookings.appointment_id = slots.appointment_id
    left join slot_events
        on slot_events.source_id = slots.source_id and slot_events.appointment_id = slots.appointment_id
        and slot_events.slot_start = slots.slot_start

),

with_booking as (

    select
        *,
        case
            when slot_seq = 1 then coalesce(appointment_booked_at, first_seen_at)
            else coalesce(
                case when lag(closing_event_type) over by_slot = 'moved' then lag(closing_event_at) over by_slot end,
                first_seen_at
            )
        end as booked_at,
        case
            when slot_seq = 1 and appointment_booked_at is not null then 'booked'
            when slot_seq > 1 and lag(closing_event_type) over by_slot = 'moved' then 'moved'
            else 'first_version'
        end as booked_at_source
    from joined
    window by_slot as (partition by source_id, appointment_id order by slot_seq)

),

final as (

    select
        -- surrogate key of the slot (source, appointment, start)
        md5(source_id || '|' || appointment_id || '|' || strftime(slot_start, '%Y-%m-%d %H:%M:%S')) as slot_id,
        vendor,
        source_id,
        appointment_id,
        slot_seq,
        location_id,
        patient_key,
        slot_start,
        slot_end,
        first_seen_at,
        appointment_booked_at,
        booked_at,
        booked_at_source,
        closing_event_type,
        closing_event_at,
        closing_time_source,
        is_completed,
        completed_recorded_at
    from with_booking

)

select * from final
