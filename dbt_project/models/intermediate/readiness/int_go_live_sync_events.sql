-- Appointment sync events (comms sync_events.csv, entity appointment), current version per event_id (latest
-- extract_date, then last line), with the PMS change time as local wall-clock and as an absolute time.
-- pms_changed_at is dt (local) or tstz (extracts.md §4); platform_received_at is tstz.
with events as (

    select * from {{ ref('stg_comms__sync_events') }}

),

locations as (

    select location_id, timezone from {{ ref('int_readiness_locations') }}

),

appointment_events as not materialized (

    select * from events where entity = 'appointment' and not is_deleted_version

),

-- current_versions: one row per event_id, its latest version; only events with more than one version are ranked
-- (none in the benchmark drops), not all 12 M at 1,500 locations (macros/first_seen_rows.sql)
{{ first_seen_rows(
    'current_versions', 'appointment_events', ['event_id'],
    order_by='extract_date desc nulls last, source_line desc nulls last'
) }},

final as (

    select
        current_versions.event_id,
        current_versions.location_id,
        current_versions.pms_record_id,
        current_versions.action,
        current_versions.outcome,
        current_versions.error_code,
        coalesce(current_versions.pms_changed_at_local, timezone(locations.timezone, current_versions.pms_changed_at_utc))
            as changed_at_local,
        coalesce(current_versions.pms_changed_at_utc, timezone(locations.timezone, current_versions.pms_changed_at_local))
            as changed_at,
        current_versions.platform_received_at as received_at
    from current_versions
    inner join locations
        on locations.location_id = current_versions.location_id

)

select * from final
