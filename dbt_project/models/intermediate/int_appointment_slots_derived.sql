{{ config(
    materialized='incremental',
    incremental_strategy='append',
    pre_hook="{{ delete_changed_appointments('logged') }}",
    post_hook="{{ record_load_watermark() }}",
) }}
-- Incremental by load (macros/incremental_by_load.sql): a daily refresh recomputes only the appointments
-- int_appointment_changes_logged recorded since this model's last run, from all of their versions and events.
-- depends_on: {{ ref('int_appointment_changes_logged') }}
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
{#- Shape (issue 8): no hash joins. Versions and events are stacked and grouped once per (appointment, start);
    the appointment-level values (patient, booking) come from a window over the appointment's groups. At 1,500
    locations the earlier form (four ~30M-row hash tables joined in one pipeline) ran out of DuckDB's memory limit
    even at 8GB, while the aggregate and the windows spill. -#}
{%- set vendors = ['opendental', 'eaglesoft', 'dentrix'] %}
with versions as (

    {%- for vendor in vendors %}
    select vendor, source_id, appointment_id, version_seq, version_at, location_id, patient_key,
        start_at, end_at, is_slot_bearing
    from {{ ref('int_' ~ vendor ~ '_appointment_versions_sequenced') }}
    where {{ only_logged_changed_appointments() }}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}

),

events as (

    select * from {{ ref('int_appointment_events_unioned') }} where {{ only_logged_changed_appointments() }}

),

stacked as (

    -- every version (a slot-bearing one under its start, the others under NULL) and the events that matter here
    select
        source_id,
        appointment_id,
        case when is_slot_bearing then start_at end as slot_start,
        is_slot_bearing,
        vendor,
        version_seq,
        version_at,
        location_id,
        patient_key,
        end_at,
        cast(null as varchar) as event_type,
        cast(null as timestamp) as event_at,
        cast(null as varchar) as time_source,
        cast(null as integer) as closing_precedence
    from versions

    union all

    select
        source_id,
        appointment_id,
        slot_start,
        false,
        null,
        null,
        null,
        null,
        null,
        null,
        event_type,
        event_at,
        time_source,
        closing_precedence
    from events
    where closing_precedence > 0 or event_type in ('completed', 'booked')

),

grouped as (

    select
        source_id,
        appointment_id,
        slot_start,
        count(*) filter (where is_slot_bearing) > 0 as is_slot,
        max(vendor) filter (where is_slot_bearing) as vendor,
        max_by(location_id, version_seq) filter (where is_slot_bearing) as location_id,
        max_by(end_at, version_seq) filter (where is_slot_bearing and end_at is not null) as slot_end,
        min(version_at) filter (where is_slot_bearing) as first_seen_at,
        min(version_seq) filter (where is_slot_bearing) as first_version_seq,
        -- the group's latest version naming a patient (any version: synthetic deleted ones name none)
        max_by(patient_key, version_seq) filter (where patient_key is not null) as group_patient_key,
        max(version_seq) filter (where patient_key is not null) as group_patient_seq,
        -- the earliest closing event of the slot; ties: the lower closing_precedence (missed, cancelled, ... moved)
        arg_min(
            struct_pack(event_type := event_type, event_at := event_at, time_source := time_source),
            struct_pack(event_at := event_at, closing_precedence := closing_precedence)
        ) filter (where closing_precedence > 0) as closing_event,
        min(event_at) filter (where event_type = 'completed') as completed_recorded_at,
        min(event_at) filter (where event_type = 'booked') as group_booked_at
    from stacked
    group by source_id, appointment_id, slot_start

),

appointment_values as (

    -- the appointment's patient (its latest version naming one) and booking (its earliest booked event), over all
    -- of its groups
    select
        *,
        arg_max(group_patient_key, group_patient_seq) over by_appointment as patient_key,
        min(group_booked_at) over by_appointment as appointment_booked_at
    from grouped
    window by_appointment as (partition by source_id, appointment_id)

),

joined as (

    select
        vendor,
        source_id,
        appointment_id,
        slot_start,
        location_id,
        slot_end,
        first_seen_at,
        first_version_seq,
        row_number() over (partition by source_id, appointment_id order by first_version_seq) as slot_seq,
        patient_key,
        appointment_booked_at,
        closing_event.event_type as closing_event_type,
        closing_event.event_at as closing_event_at,
        closing_event.time_source as closing_time_source,
        completed_recorded_at,
        completed_recorded_at is not null as is_completed
    from appointment_values
    where is_slot

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
        -- keyed hash of the PMS appointment id (marts carry pseudonymous ids only); '|appointment|' keeps it apart
        -- from patient keys of the same number
        sha256({{ pseudonym_key_literal() }} || '|appointment|' || source_id || '|' || appointment_id) as appointment_key,
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
        completed_recorded_at,
        {{ current_load_seq() }} as _load_seq
    from with_booking

)

select * from final
